"""The dashboard under Streamlit's AppTest, on a small fictional demo portfolio.

Every page in dashboard/views/ is discovered, must be registered in app.py's
navigation, must render without an exception, show its key figures, and
follow the sidebar filters. The Overview's headline figures are checked
against independent SQL over the public views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import UPLOAD, each_section, open_section, open_tables
from dashboard.ui import money_short
from stopdash.escape import markdown

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
VIEWS = ROOT / "dashboard" / "views"
PAGES = sorted(p.stem for p in VIEWS.glob("*.py") if not p.name.startswith("_"))
SUBGRANT = "MN-STOP-2025-002"

# What each page must show: metric labels (or, for pages without metrics, a heading). A page added
# to dashboard/views/ later is rendered and checked for exceptions at once; list it here to check its
# figures, its response to the filters and its empty state too.
KEY_FIGURES = {
    "overview": [
        "Communities funded",
        "STOP dollars awarded",
        "Leveraged private dollars",
        "Leveraged $ per STOP $",
        "With an adopted protocol",
        "With 3+ survivor practices",
        "Reports received",
    ],
    "collaboration": ["Maturity by level over time", "Who is at the table", "Biggest risers and fallers since the previous quarter"],
    "protocols": ["Protocols reported", "Adopted (step 5+)"],
    "survivor_engagement": ["Communities reporting", "Practices in place (mean)", "With none in place"],
    "leveraged_funding": ["Leveraged, all sources", "Private", "Leveraged $ per STOP $"],
    "ta_priorities": ["Communities ranked", "With at least one reason", "Highest need score"],
    "community": ["Maturity (1–5)", "Survivor practices in place", "Survivors engaged"],
    "data_quality": ["With problems to fix", "Refused", "Reports missing"],
    "allocation": ["Checks met", "Subgrant dollars (the base)", "Dollars short of floors"],
    "federal": ["On time", "Late", "Missing", "Not yet due", "Federal reporting workbook", "Deadlines"],
}


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(demo_db))
    return AppTest.from_file(str(APP), default_timeout=60)


def open_page(at: AppTest, page: str, **query: str) -> AppTest:
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    return open_tables(at)


def shown(at: AppTest) -> dict[str, object]:
    """What a reader sees: metrics, headings, and a digest of every table."""
    tables = [
        hashlib.sha256(pd.util.hash_pandas_object(d.value.astype(str), index=False).values.tobytes()).hexdigest() for d in at.dataframe
    ]
    return {
        "metrics": {m.label: m.value for m in at.metric},
        "headings": [h.value for h in [*at.title, *at.header, *at.subheader]],
        "tables": tables,
        "infos": [i.value for i in at.info],
    }


def labels(view: dict[str, object]) -> set[str]:
    return set(view["metrics"]) | {h.split(",")[0] for h in view["headings"]} | set(view["headings"])


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_every_page_is_in_the_navigation(app: AppTest) -> None:
    """Each file in dashboard/views/ is a page of app.py's st.navigation (and nothing else is)."""
    app.run()
    assert_clean(app)
    registered = {Path(str(info["script_path"])).stem for info in app._registered_pages.values()}
    assert registered == set(PAGES)
    assert set(KEY_FIGURES) <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_key_figures(app: AppTest, page: str) -> None:
    """Each page renders without an exception or error and shows its key figures."""
    at = open_page(app, page, **({"subgrant": SUBGRANT} if page == "community" else {}))
    assert_clean(at)
    assert at.title, "every page has a title"
    seen = set().union(*(labels(shown(s)) for s in each_section(at)))  # every section of a page with sections
    missing = [k for k in KEY_FIGURES.get(page, []) if k not in seen]
    assert not missing, f"{page} lacks {missing}; it shows {sorted(seen)}"


# The allocation checks are statewide by statute: no sidebar filter but the award year narrows them. The federal
# reporting year is statewide too, chosen by its own calendar-year control.
@pytest.mark.parametrize("page", sorted(set(KEY_FIGURES) - {"allocation", "federal"}))
def test_page_follows_the_filters(app: AppTest, demo_db: Path, page: str) -> None:
    """Changing a sidebar filter changes what the page shows (the Community page follows the quarter)."""
    at = open_page(app, page, **({"subgrant": SUBGRANT} if page == "community" else {}))
    before = shown(at)
    if page == "community":
        at.selectbox(key="f_quarter").set_value(at.selectbox(key="f_quarter").options[-1]).run()
    else:
        region = busiest_region(demo_db)
        at.multiselect(key="f_region").set_value([region]).run()
    assert_clean(at)
    after = shown(at)
    assert after != before
    assert after["metrics"] != before["metrics"] or after["tables"] != before["tables"]


def busiest_region(db: Path) -> str:
    """The region with the most communities reporting in the latest quarter (some, not all), so filtering by it
    changes the figures without emptying them."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            SELECT k.region
            FROM community_period c JOIN award_counties ac USING (subgrant_id) JOIN counties k USING (county_fips)
            WHERE c.period = (SELECT period FROM reporting_quarter)
            GROUP BY 1 ORDER BY count(DISTINCT c.subgrant_id) DESC, 1 LIMIT 1
        """).fetchone()[0]


def independent_headline(db: Path, region: str | None) -> dict[str, str]:
    """The Overview's headline figures, computed straight from the views, formatted as the page shows them."""
    with duckdb.connect(str(db), read_only=True) as con:
        period = con.execute("SELECT period FROM reporting_quarter").fetchone()[0]
        year, q = int(period[:4]), int(period[-1])
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
        chosen = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT ac.subgrant_id FROM award_counties ac JOIN counties k USING (county_fips) WHERE ? IS NULL OR k.region = ?",
                [region, region],
            ).fetchall()
        ]
        awards = con.execute("SELECT * FROM awards").df()
        awards = awards[awards["subgrant_id"].isin(chosen)]
        active = awards[(awards["start_date"].dt.date <= end) & (awards["end_date"].dt.date >= start)]
        cp = con.execute("SELECT * FROM community_period WHERE period = ?", [period]).df()
        cp = cp[cp["subgrant_id"].isin(chosen)].merge(awards[["subgrant_id", "award_amount"]], on="subgrant_id")
        private = con.execute("SELECT subgrant_id, amount FROM funding WHERE period = ? AND is_private", [period]).df()
        owed = con.execute("SELECT subgrant_id, received FROM expected_reports WHERE period = ?", [period]).df()
    private = private[private["subgrant_id"].isin(chosen)]
    owed = owed[owed["subgrant_id"].isin(chosen)]
    funded = cp[cp["leveraged_total"].notna()]
    protocols = cp[cp["protocols_adopted"].notna()]
    practices = cp[cp["practices_in_place"].notna()]
    assert len(funded), "the test needs communities reporting funding"
    assert len(protocols), "the test needs communities reporting protocols"
    assert len(practices), "the test needs communities reporting practices"
    return {
        "Communities funded": f"{active['community'].nunique():,}",
        "STOP dollars awarded": money_short(active["award_amount"].sum()),
        "Leveraged private dollars": money_short(private["amount"].sum()),
        "Leveraged $ per STOP $": f"{funded['leveraged_total'].sum() / funded['award_amount'].sum():,.3f}",
        "With an adopted protocol": f"{(protocols['protocols_adopted'] > 0).mean():.0%}",
        "With 3+ survivor practices": f"{(practices['practices_in_place'] >= 3).mean():.0%}",
        "Reports received": f"{int(owed['received'].sum()):,} of {len(owed):,}",
    }


def test_overview_headline_equals_independent_sql(app: AppTest, demo_db: Path) -> None:
    """The Overview's headline figures equal the same figures computed independently over the views, with and without a filter."""
    at = open_page(app, "overview")
    assert_clean(at)
    assert {m.label: m.value for m in at.metric} == independent_headline(demo_db, None)
    region = busiest_region(demo_db)
    at.multiselect(key="f_region").set_value([region]).run()
    assert {m.label: m.value for m in at.metric} == independent_headline(demo_db, region)


def test_filters_live_in_the_url(app: AppTest, demo_db: Path) -> None:
    """The sidebar filters are written to the URL, and a shared URL restores them."""
    region = busiest_region(demo_db)
    at = open_page(app, "overview")
    at.multiselect(key="f_region").set_value([region]).run()
    at.multiselect(key="f_year").set_value([at.multiselect(key="f_year").options[0]]).run()
    assert at.query_params["region"] == region
    shared = dict(at.query_params)
    fresh = AppTest.from_file(str(APP), default_timeout=60)
    fresh.query_params.update(shared)
    fresh.run()
    assert_clean(fresh)
    assert fresh.multiselect(key="f_region").value == [region]
    assert {m.label: m.value for m in fresh.metric} == {m.label: m.value for m in at.metric}


def test_community_page_reads_the_subgrant_from_the_url(app: AppTest, demo_db: Path) -> None:
    """?subgrant= (any letter case) opens that community; tables elsewhere link to it."""
    at = open_page(app, "community", subgrant=SUBGRANT.lower())
    assert_clean(at)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        community = con.execute("SELECT community FROM awards WHERE subgrant_id = ?", [SUBGRANT]).fetchone()[0]
    assert at.title[0].value == markdown(community)  # the register's text, escaped so it shows as written
    assert at.query_params["subgrant"] == SUBGRANT
    ta = open_page(AppTest.from_file(str(APP), default_timeout=60), "ta_priorities")
    links = ta.dataframe[0].value["subgrant_id"]
    assert links.str.startswith("community?").all()
    assert links.str.contains("subgrant=MN-STOP-").all()


def test_missing_database_says_how_to_load_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no database the app shows a plain warning naming the commands that load one."""
    monkeypatch.setenv("STOPDASH_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "stopdash load-awards" in text
    assert "stopdash demo" in text


def test_upload_ingests_through_the_engine_and_shows_fresh_data(demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An uploaded file goes through ingest_paths; its outcome is shown and the cached pages see it at once."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = open_section(open_page(AppTest.from_file(str(APP), default_timeout=60), "data_quality"), UPLOAD)
    at.file_uploader(key="uploads").set_value([("notes.xlsx", b"quarter,notes\n2026-Q1,none\n", "text/csv")]).run()
    at.button[[b.label for b in at.button].index("Ingest the uploaded files")].click().run()
    assert_clean(at)
    result = at.dataframe[-1].value
    assert list(result["file"]) == ["notes.xlsx"]
    assert list(result["status"]) == ["Refused"]
    assert "not an Excel workbook" in result["message"][0]
    open_section(at, "Submissions")
    unmatched = next(d.value for d in at.dataframe if {"source_file", "reason"} <= set(d.value.columns))
    assert "notes.xlsx" in set(unmatched["source_file"]), "the new file shows without a restart"


def test_hostile_uploads_are_refused_like_the_cli(demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hostile files through the upload box get the same refusals as through `stopdash ingest`; nothing crashes."""
    import io
    import zipfile

    from conftest import DATA

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * 30_000_000)
    files = {
        name: (DATA / name).read_bytes()
        for name in ["html-renamed.xlsx", "image-renamed.xlsx", "password-protected.xlsx", "name-header-column.xlsx"]
    }
    files["zip-bomb.xlsx"] = bomb.getvalue()
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = open_section(open_page(AppTest.from_file(str(APP), default_timeout=60), "data_quality"), UPLOAD)
    upload = [(name, data, "application/octet-stream") for name, data in files.items()]
    at.file_uploader(key="uploads").set_value(upload).run()
    at.button[[b.label for b in at.button].index("Ingest the uploaded files")].click().run()
    assert_clean(at)
    result = at.dataframe[-1].value
    assert dict(zip(result["file"], result["status"], strict=True)) == dict.fromkeys(files, "Refused")
    with duckdb.connect(str(db), read_only=True) as con:
        codes = dict(
            con.execute("SELECT source_file, code FROM ingest_issues WHERE source_file IN (SELECT unnest(?))", [list(files)]).fetchall()
        )
    assert codes == {
        "html-renamed.xlsx": "not_a_workbook",
        "image-renamed.xlsx": "not_a_workbook",
        "password-protected.xlsx": "encrypted_file",
        "name-header-column.xlsx": "victim_identifying_data",
        "zip-bomb.xlsx": "zip_bomb",
    }


def test_template_is_downloadable(app: AppTest) -> None:
    """The Data quality page offers the blank progress-report template."""
    at = open_section(open_page(app, "data_quality"), UPLOAD)
    buttons = at.get("download_button")
    assert any("template" in str(b.proto.label).lower() for b in buttons)


def empty_county(db: Path) -> str:
    """A county no subgrant serves."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            SELECT county_fips FROM counties WHERE county_fips NOT IN (SELECT county_fips FROM award_counties)
            ORDER BY 1 LIMIT 1
        """).fetchone()[0]


@pytest.mark.parametrize("page", sorted(set(KEY_FIGURES) - {"allocation", "federal"}))  # statewide, see above
def test_empty_selection_says_so(app: AppTest, demo_db: Path, page: str) -> None:
    """A filter that matches no subgrant gives plain "no ..." messages, never an error or an empty chart."""
    at = open_page(app, page, **({"subgrant": SUBGRANT} if page == "community" else {}))
    at.multiselect(key="f_county").set_value([empty_county(demo_db)]).run()
    assert_clean(at)
    if page != "community":  # the Community page shows one subgrant whatever the filters
        assert at.info, f"{page} should say plainly that nothing matches"
        assert not at.get("plotly_chart"), "no chart drawn for an empty selection"


@pytest.mark.parametrize("page", PAGES)
def test_earliest_quarter_renders(app: AppTest, page: str) -> None:
    """The first quarter (nothing before it to compare with) renders without an exception."""
    at = open_page(app, page, **({"subgrant": SUBGRANT} if page == "community" else {}))
    at.selectbox(key="f_quarter").set_value(at.selectbox(key="f_quarter").options[-1]).run()
    assert_clean(at)


@pytest.mark.parametrize(
    ("count", "text", "drawn"),
    [(None, "not reported", None), (0, "0", 0.0), (1, "1–10", None), (10, "1–10", None), (11, "11", 11.0), (1234, "1,234", 1234.0)],
)
def test_counts_of_people_are_suppressed(count: int | None, text: str, drawn: float | None) -> None:
    """Figures of people from 1 to the threshold (10) are withheld from charts and read "1–10"."""
    from stopdash.queries.overview import shown_people

    numbers, texts = shown_people(pd.Series([count], dtype="object"), threshold=10)
    assert texts[0] == text
    if drawn is None:
        assert pd.isna(numbers[0])
    else:
        assert numbers[0] == drawn


def test_no_small_count_of_people_is_shown(app: AppTest, demo_db: Path) -> None:
    """No page shows a survivors-engaged count from 1 to 10: the Community page reads "1–10" instead."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        sid = con.execute("""
            SELECT subgrant_id FROM community_period WHERE survivors_engaged BETWEEN 1 AND 10
            GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1
        """).fetchone()[0]
    at = open_page(app, "community", subgrant=sid)
    at.session_state["community_section"] = "Survivor engagement"
    assert_clean(at.run())
    survivors = next(d.value for d in at.dataframe if list(d.value.columns) == ["period", "survivors_engaged"])
    assert "1–10" in set(survivors["survivors_engaged"])
    shown_numbers = pd.to_numeric(survivors["survivors_engaged"].str.replace(",", ""), errors="coerce").dropna()
    assert not shown_numbers.between(1, 10).any()
    metric = next(m for m in at.metric if m.label == "Survivors engaged")
    assert not (metric.value.isdigit() and 1 <= int(metric.value) <= 10)


def test_cli_ingest_runs_while_the_app_is_open(demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`stopdash ingest` can write while a dashboard session is open, and the next rerun shows the new file."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = open_page(AppTest.from_file(str(APP), default_timeout=60), "data_quality")
    assert_clean(at)
    sent = tmp_path / "late-report.xlsx"
    sent.write_bytes(b"<html><body>not a workbook</body></html>")
    done = subprocess.run(
        [sys.executable, "-m", "stopdash.cli", "ingest", str(sent), "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr  # the file is refused, but the database was not locked (that would be 2)
    at.run()
    assert_clean(at)
    unmatched = next(d.value for d in at.dataframe if {"source_file", "reason"} <= set(d.value.columns))
    assert "late-report.xlsx" in set(unmatched["source_file"])


def test_allocation_page_shows_the_engine_checks(app: AppTest, demo_db: Path) -> None:
    """The Allocation page lists every statutory check of the latest award year, met or not, as the engine computes them."""
    from stopdash.queries.allocation import allocation_checks

    at = open_page(app, "allocation")
    assert_clean(at)
    expected = allocation_checks(demo_db)
    year = expected["award_year"].max()
    shown_checks = at.dataframe[0].value
    assert shown_checks["check"].tolist() == expected.loc[expected["award_year"] == year, "check"].tolist()
    assert shown_checks["met"].tolist() == expected.loc[expected["award_year"] == year, "met"].tolist()
    assert len(at.warning) == int((~expected.loc[expected["award_year"] == year, "met"]).sum())


def test_a_chart_table_is_drawn_only_once_its_tab_is_open(app: AppTest) -> None:
    """Each chart's table waits behind its "Table" tab (the browser drew every hidden grid on each open) and is
    there, with the chart's rows, as soon as the person opens that tab."""
    at = app.run()
    assert_clean(at)
    tabs = sorted(key for key in at.session_state if str(key).endswith("_tabs"))
    assert tabs, "the Overview's charts have Table tabs"
    before = len(at.dataframe)
    for opened, key in enumerate(tabs, start=1):
        at.session_state[key] = "Table"
        at.run()
        assert_clean(at)
        assert len(at.dataframe) == before + opened, f"opening {key} drew its one table"


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_has_the_white_look_and_only_known_trace_types(app: AppTest, page: str) -> None:
    """Every chart a page sends carries plotly_white's layout through the shared template (dashboard.charts.theme),
    and draws only the trace types whose plotly_white defaults that template keeps."""
    import plotly.io as pio

    from dashboard.charts.theme import TRACES

    at = open_page(app, page, **({"subgrant": SUBGRANT} if page == "community" else {}))
    assert_clean(at)
    white = pio.templates["plotly_white"].to_plotly_json()
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        template = spec["layout"]["template"]
        assert template["layout"] == json.loads(json.dumps(white["layout"])), f"{page}: a chart without the white look"
        kinds = {trace.get("type", "scatter") for trace in spec["data"]}
        assert kinds <= set(TRACES), f"{page} draws {kinds - set(TRACES)}, which the template has no defaults for"
        assert set(template["data"]) == set(TRACES)
