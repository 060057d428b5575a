"""The Federal reporting page under AppTest on the demo database, and the IMPACT Tool status it writes."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest
from test_dashboard_access import ACCESS, AUTH

from conftest import rows
from stopdash.exports.federal import SHEETS

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
SUBGRANT = "MN-STOP-2025-001"


@pytest.fixture
def own_db(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo database this test may write to."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    return path


def open_federal(db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, email: str | None = None) -> AppTest:
    """The page as the local user (email None) or as a signed-in person of the test access file."""
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    if email is not None:
        access = tmp_path / "access.toml"
        access.write_text(ACCESS)
        monkeypatch.setenv("STOPDASH_ACCESS", str(access))
        at.secrets.update(AUTH)
        at.user.clear()
        at.user.update({"is_logged_in": True, "email": email})
    at.run()
    at.switch_page("views/federal.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def form_key(name: str, year: int, subgrant: str = SUBGRANT) -> str:
    return f"fi_{name}_{subgrant}_{year}"


def fill(at: AppTest, year: int, sent: dt.date | None, started: dt.date | None, submitted: dt.date | None, email: str) -> AppTest:
    at.selectbox(key="fed_impact_subgrant").set_value(SUBGRANT).run()
    at.date_input(key=form_key("sent", year)).set_value(sent)
    at.date_input(key=form_key("started", year)).set_value(started)
    at.date_input(key=form_key("submitted", year)).set_value(submitted)
    at.text_input(key=form_key("email", year)).set_value(email)
    next(b for b in at.button if b.label == "Save status").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stored(db: Path, year: int) -> list[tuple[object, ...]]:
    return rows(
        db,
        """SELECT i.link_sent_on, i.started_on, i.submitted_on, i.contact_email, i.updated_by
           FROM impact_status i JOIN subgrant g USING (subgrant_key) WHERE g.subgrant_id = ? AND i.calendar_year = ?""",
        [SUBGRANT, year],
    )


def test_page_shows_the_year_on_the_demo(own_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The page shows its sections, the timeliness counts of the chosen year and a download of that year's workbook."""
    at = open_federal(own_db, monkeypatch, tmp_path)
    assert not at.error, [e.value for e in at.error]
    headers = [h.value for h in at.header]
    sections = (
        "Federal reporting workbook",
        "Funds awarded and returned",
        "Allocation ledger",
        "Report timeliness",
        "Match shortfalls",
        "Deadlines",
    )
    for section in sections:
        assert section in headers
    year = at.selectbox(key="fed_year").value
    counts = dict(rows(own_db, "SELECT status, count(*) FROM report_timeliness WHERE left(period, 4) = ? GROUP BY 1", [str(year)]))
    shown = {m.label: m.value for m in at.metric}
    assert shown == {w.capitalize(): f"{counts.get(w, 0):,}" for w in ("on time", "late", "missing", "not yet due")}
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [f"Federal reporting workbook (Excel): stop-federal-reporting-{year}.xlsx"]
    assert any("Due next" in i.value for i in at.info)
    ledger = rows(own_db, 'SELECT "check", met, met_with_admin FROM allocation_ledger ORDER BY 1')
    tables = [d.value for d in at.dataframe if "check" in d.value.columns]
    assert len(tables) == 2, "the ledger with each base"
    words = {True: "Met", False: "Not met", None: "Not known"}
    for table, column in zip(tables, (1, 2), strict=True):
        assert sorted(zip(table["check"], table["met"], strict=True)) == [(r[0], words[r[column]]) for r in ledger]
    late = next(d.value for d in at.dataframe if "days_late" in d.value.columns)
    assert set(late["status"]) == {"Late", "Missing"} and len(late) == min(15, counts.get("late", 0) + counts.get("missing", 0))


def test_admin_saves_a_status_stored_and_audited(own_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An admin's save is stored for the subgrant and year, shown in the table, and recorded in the audit log."""
    at = open_federal(own_db, monkeypatch, tmp_path, "admin@state.example.gov")
    year = at.selectbox(key="fed_year").value
    days = (dt.date(year, 11, 3), dt.date(year, 12, 1), dt.date(year + 1, 1, 20))
    fill(at, year, *days, " poc@county.example.org ")
    assert not at.error, [e.value for e in at.error]
    assert stored(own_db, year) == [(*days, "poc@county.example.org", "admin@state.example.gov")]
    audit = rows(own_db, "SELECT who, action, target, detail FROM audit_log WHERE action = 'impact-status'")
    assert audit == [("admin@state.example.gov", "impact-status", SUBGRANT, audit[0][3])]
    assert f"calendar year {year}" in audit[0][3]
    assert any("Saved" in s.value for s in at.success)
    table = next(d.value for d in at.dataframe if "contact_email" in d.value.columns)
    assert "poc@county.example.org" in table["contact_email"].tolist()


@pytest.mark.parametrize(
    ("sent", "started", "submitted", "email", "words"),
    [
        ((11, 3), (12, 1), None, "not-an-address", "is not an e-mail address"),
        ((11, 3), (12, 1), None, "two@@example.org", "is not an e-mail address"),
        ((12, 1), (11, 3), None, "", "is before link sent"),
        (None, (11, 3), (10, 1), "", "is before started"),
        ((11, 3), None, (10, 1), "a@example.org", "is before link sent"),
    ],
)
def test_bad_entries_get_plain_messages_and_store_nothing(
    own_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sent: tuple[int, int] | None,
    started: tuple[int, int] | None,
    submitted: tuple[int, int] | None,
    email: str,
    words: str,
) -> None:
    """A bad e-mail or dates out of order are refused with a sentence saying which and what to do; nothing is written."""
    at = open_federal(own_db, monkeypatch, tmp_path, "admin@state.example.gov")
    year = at.selectbox(key="fed_year").value

    def day(md: tuple[int, int] | None) -> dt.date | None:
        return None if md is None else dt.date(year, *md)

    fill(at, year, day(sent), day(started), day(submitted), email)
    errors = [e.value.replace("\\", "") for e in at.error]  # as read: without the markdown escapes
    assert len(errors) == 1 and words in errors[0] and "not saved" in errors[0], errors
    assert stored(own_db, year) == []
    assert rows(own_db, "SELECT count(*) FROM audit_log WHERE action = 'impact-status'") == [(0,)]


@pytest.mark.parametrize("email", ["viewer@county.example.org", "ta@coalition.example.org"])
def test_only_admins_can_edit(own_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, email: str) -> None:
    """A viewer or coalition member sees the status table but no form to change it."""
    at = open_federal(own_db, monkeypatch, tmp_path, email)
    assert not at.error, [e.value for e in at.error]
    assert any("contact_email" in d.value.columns for d in at.dataframe)
    assert not [b for b in at.button if b.label == "Save status"] and not [s for s in at.selectbox if s.key == "fed_impact_subgrant"]
    assert any("State administrators keep these dates" in c.value for c in at.caption)


def test_viewer_sees_own_subgrants_and_no_download(own_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A county viewer gets no workbook and no statewide ledger, and only their counties' subgrants in the tables."""
    at = open_federal(own_db, monkeypatch, tmp_path, "viewer@county.example.org")
    assert not at.get("download_button")
    own = {
        r[0]
        for r in rows(
            own_db,
            "SELECT DISTINCT subgrant_id FROM award_counties WHERE county_name IN ('Hennepin', 'Ramsey')",
        )
    }
    for d in at.dataframe:
        if "subgrant_id" in d.value.columns:
            shown = {s.split("subgrant=")[-1].split("&")[0] for s in d.value["subgrant_id"]}
            assert shown <= own | {"The state"}


@pytest.mark.browser
def test_one_click_downloads_the_chosen_years_workbook(demo_db: Path, browser: object, tmp_path: Path) -> None:
    """In Chromium one click downloads the chosen year's federal workbook; after a year switch, the new year's; each is audited."""
    from test_browser import _open, _wait_until_drawn, serve_app

    db = tmp_path / "two-years.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:  # half the subgrants ran a year earlier: two calendar years to choose from
        con.execute(
            """UPDATE subgrant SET start_date = start_date - INTERVAL 1 YEAR, end_date = end_date - INTERVAL 1 YEAR
               WHERE subgrant_id IN (SELECT subgrant_id FROM subgrant ORDER BY 1 LIMIT 8)"""
        )
    years = [2025, 2024]
    with serve_app(db, tmp_path / "streamlit.log") as server:
        page = _open(browser, server, [])
        try:
            got = {}
            page.goto(f"{server}/federal", wait_until="domcontentloaded")
            _wait_until_drawn(page)
            for year in years:
                if year != years[0]:
                    page.get_by_role("combobox", name="Calendar year").click()
                    page.get_by_role("option", name=str(year)).click()
                    page.get_by_role("button", name=f"stop-federal-reporting-{year}.xlsx").wait_for(timeout=60_000)
                    _wait_until_drawn(page)
                with page.expect_download(timeout=60_000) as info:
                    page.get_by_role("button", name=f"Federal reporting workbook (Excel): stop-federal-reporting-{year}.xlsx").click()
                download = info.value
                got[year] = (download.suggested_filename, Path(download.path()).read_bytes())
            for year, (name, data) in got.items():
                assert name == f"stop-federal-reporting-{year}.xlsx"
                book = load_workbook(io.BytesIO(data), read_only=True)
                assert book.sheetnames == list(SHEETS)
                assert f"calendar year {year}" in str(book.worksheets[0].cell(2, 1).value)
        finally:
            page.close()
    details = [r[0] for r in rows(db, "SELECT detail FROM audit_log WHERE action = 'export' ORDER BY occurred_at")]
    assert details[-2:] == [f"calendar year {y}" for y in years]


def test_award_numbers_head_the_funds_table_as_written(own_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each federal award's column carries its number exactly as the register spells it (not recased into "15jovw-…")."""
    import json

    at = open_federal(own_db, monkeypatch, tmp_path)
    funds = next(d for d in at.dataframe if "Figure" in d.value.columns)
    labels = {c: json.loads(funds.proto.columns or "{}").get(c, {}).get("label") for c in funds.value.columns if c != "Figure"}
    numbers = {r[0] for r in rows(own_db, "SELECT federal_award_number FROM federal_awards")}
    assert set(labels) == numbers and all(label == number for number, label in labels.items()), labels
