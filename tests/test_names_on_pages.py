"""Pages name things in words: purpose areas by name, and the counties the map leaves grey."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import open_tables
from stopdash.queries.allocation import PURPOSE_AREAS

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(demo_db))
    return AppTest.from_file(str(APP), default_timeout=60)


def test_overview_names_the_counties_with_no_funded_community(app: AppTest, demo_db: Path) -> None:
    """Under the map, the counties no active subgrant serves are listed by name (the grey ones), and no other."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        served = {  # by a subgrant whose dates cover the latest quarter (the map's quarter)
            r[0]
            for r in con.execute("""
                SELECT DISTINCT ac.county_name FROM award_counties ac JOIN awards a USING (subgrant_id), reporting_quarter q
                WHERE a.start_date <= quarter_end(q.period) AND a.end_date >= quarter_start(q.period)
            """).fetchall()
        }
        every = {r[0] for r in con.execute("SELECT county_name FROM counties").fetchall()}
    at = app.run()
    assert not at.exception
    box = next(e for e in at.expander if e.label.startswith("Counties with no funded community"))
    text = " ".join(m.value for m in box.markdown).replace("\\", "")  # as read: Markdown escapes removed
    listed = set(text.split(": ", 1)[1].rstrip(".").split(", "))
    assert listed == every - served, "exactly the counties no running subgrant serves"
    assert f"({len(listed)} of {len(every)})" in box.label


def test_purpose_areas_carry_their_names(app: AppTest, demo_db: Path) -> None:
    """The Allocation page's purpose-area table and a Community page name each area, not only its number."""
    at = app.run()
    open_tables(at.switch_page("views/allocation.py").run())
    assert not at.exception
    areas = next(d.value for d in at.dataframe if "area" in d.value.columns)["area"].tolist()
    assert areas and all(a.split(". ", 1)[1] in PURPOSE_AREAS.values() for a in areas if a[0].isdigit())
    with duckdb.connect(str(demo_db), read_only=True) as con:
        sid, area = con.execute("SELECT subgrant_id, min(purpose_area) FROM award_purpose_areas GROUP BY 1 ORDER BY 1 LIMIT 1").fetchone()
    at.query_params["subgrant"] = sid
    at.switch_page("views/community.py").run()
    assert not at.exception
    assert any(f"{area} {PURPOSE_AREAS[area]}" in m.value.replace("\\", "") for m in at.markdown)
