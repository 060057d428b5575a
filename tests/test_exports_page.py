"""The Allocation page's exports: one click per file, for the sidebar's award year and quarter, never an earlier choice's."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from stopdash.exports.summary import summary_file_name

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


@pytest.fixture
def two_years(demo_db: Path, tmp_path: Path) -> Path:
    """The demo portfolio with half its subgrants moved to the award year before (two award years to switch between)."""
    db = tmp_path / "two-years.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "UPDATE subgrant SET award_year = award_year - 1 WHERE subgrant_id IN (SELECT subgrant_id FROM subgrant ORDER BY 1 LIMIT 8)"
        )
    return db


def allocation(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("views/allocation.py").run()
    assert not at.exception
    return at


def downloads(at: AppTest) -> list[str]:
    return [str(b.proto.label) for b in at.get("download_button")]


def test_one_button_per_file_follows_the_sidebar_year(two_years: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file is one download button named for the sidebar's award year; switching the year switches every file at once."""
    at = allocation(two_years, monkeypatch)
    years = sorted(at.multiselect(key="f_year").options)
    assert len(years) == 2
    assert not [b for b in at.main.button if "Summary" in b.label or "brief" in b.label], "no separate 'make' step"
    assert not at.get("segmented_control"), "the sidebar's award year is the only one"
    for year in (years[0], years[1], years[0]):
        at.multiselect(key="f_year").set_value([int(year)]).run()
        assert not at.exception
        labels = downloads(at)
        assert len(labels) == 3
        assert [label.split(": ")[-1] for label in labels] == [summary_file_name(fmt, int(year), None) for fmt in ("xlsx", "csv", "html")]
        assert f"award year {year}" in " ".join(c.value for c in at.caption)


def test_quarter_choice_names_the_file(two_years: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar's quarter is in every file name; the latest reads "latest"."""
    at = allocation(two_years, monkeypatch)
    quarter = at.selectbox(key="f_quarter").options[-1]
    at.selectbox(key="f_quarter").set_value(quarter).run()
    assert all(quarter.lower() in label for label in downloads(at))


def test_download_writes_the_audit_log(two_years: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloading a file records who exported what, for which award year and quarter, in the audit log."""
    at = allocation(two_years, monkeypatch)
    year = max(at.multiselect(key="f_year").options)
    at.multiselect(key="f_year").set_value([int(year)]).run()
    at.get("download_button")[0].click().run()
    assert not at.exception
    with duckdb.connect(str(two_years), read_only=True) as con:
        rows = con.execute("SELECT target, detail FROM audit_log WHERE action = 'export' ORDER BY occurred_at").fetchall()
    assert rows[-1] == ("summary xlsx", f"award year {year}, quarter latest")


def test_several_years_say_which_is_shown(two_years: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no single award year chosen, the page shows the latest and says how to see another."""
    at = allocation(two_years, monkeypatch)
    latest = max(at.multiselect(key="f_year").options)
    assert any(f"award year {latest}" in i.value and "sidebar" in i.value for i in at.info)
    assert all(f"fy{latest}" in label for label in downloads(at))
