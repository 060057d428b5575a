"""The federal reporting workbook (`stopdash export federal`): sheets, headers, hand-checked rows, protected counts, inert text."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl import Workbook
from test_differencing import MEASURES, QUARTERS, SEEDS, Figure, Portfolio, Record, attack, build, export_figures
from test_export_injection import INJECTIONS, write_report
from test_plain_words import findings

from conftest import rows
from ingest.config import settings
from ingest.pipeline import ingest_paths, load_register
from ingest.workbook.awards import FEDERAL_AWARD_HEADER, REGISTER_HEADER
from stopdash.cli import cmd_export_federal, main
from stopdash.exports.excel import HEADER_ROW
from stopdash.exports.federal import NOT_COVERED, SHEETS, federal_download, gather_federal, notes_rows, write_federal_xlsx
from stopdash.exports.tables import gather_summary
from stopdash.queries.allocation import PURPOSE_AREAS
from stopdash.queries.reader import ExportError
from stopdash.suppression import SHIFT, database_file, protector, small_range

T = settings().suppression_threshold
RANGE = small_range(T)
HAND = T == 10  # the expected cells below assume the default threshold
FAIN, OLD_FAIN = "15JOVW-26-GG-00001-STOP", "15JOVW-25-GG-00009-STOP"


def _subgrant(sid: str, org: str, community: str, category: str, amount: int, **more: object) -> list[object]:
    year = int(more.get("year", 2026))  # type: ignore[call-overload]
    values = {
        "Subgrant ID": sid,
        "Organization": org,
        "Community": community,
        "Allocation category": category,
        "Award year": year,
        "Award amount": amount,
        "Sexual assault amount": more.get("sa", 0),
        "Match required": more.get("match", 0),
        "Start date": dt.date(year, 1, 1),
        "End date": dt.date(year, 12, 31),
        "Counties": "Ramsey",
        "Tribal nations": None,
        "Purpose areas": more.get("areas", "5"),
        "Federal award number": more.get("fain", FAIN),
        "Award date": more.get("award_date", dt.date(year - 1, 12, 1)),
        "UEI": more.get("uei"),
        "Returned unused": more.get("returned"),
        "Match exempt": None,
    }
    return [values[h] for h in REGISTER_HEADER]


def write_federal_register(path: Path) -> Path:
    """Three 2026 subgrants on one federal award (one named as a formula attack) and a 2025 one on an older award."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Subgrants"
    ws.append(REGISTER_HEADER)
    for r in [
        _subgrant("F-001", INJECTIONS[0], "North Star MDT", "Law enforcement", 300000, match=75000, areas="1; 20", uei="ABCDEFGHJK12"),
        _subgrant("F-002", "Safe Harbor Shelter", INJECTIONS[2], "Victim services", 200000, sa=100000, returned=5000),
        _subgrant("F-003", "Lakes County Attorney", "Lakes CCR", "Prosecution", 250000, match=62500, returned=0),
        _subgrant("F-004", "Court Administration", "Iron Range", "Courts", 100000, year=2025, fain=OLD_FAIN),
    ]:
        ws.append(r)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    fa = wb.create_sheet("Federal awards")
    fa.append(FEDERAL_AWARD_HEADER)
    fa.append([FAIN, 2026, 1000000, 100000, dt.date(2025, 10, 1), dt.date(2028, 9, 30)])
    fa.append([OLD_FAIN, 2025, 500000, 50000, dt.date(2024, 10, 1), dt.date(2027, 9, 30)])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built portfolio with known small counts in calendar year 2026 (quarters 1 and 2 reported)."""
    root = tmp_path_factory.mktemp("federal")
    db = root / "hand.duckdb"
    parsed = load_register(write_federal_register(root / "register.xlsx"), db)
    assert [i.message for i in parsed.issues if i.severity == "error"] == []
    reports = [
        write_report(
            root / "a1.xlsx",
            "F-001",
            "2026-Q1",
            3,
            [("Safe Harbor protocol", 5)],
            [("County staff", "Local government", "In-kind", 2000)],
            [("Sexual assault", 15, 2, 0)],
        ),
        write_report(
            root / "a2.xlsx",
            "F-001",
            "2026-Q2",
            12,
            [("Safe Harbor protocol", 6)],
            [("=1+1 Foundation", "Private foundation", "Cash", 6000)],
            [("Sexual assault", 20, 0, 1), ("Domestic violence", 25, 3, 0)],
        ),
        write_report(root / "b1.xlsx", "F-002", "2026-Q1", 0, [(INJECTIONS[3], 2)]),
        write_report(root / "c2.xlsx", "F-003", "2026-Q2", 30, [("Lakes protocol", 2)]),
    ]
    assert ingest_paths(reports, db, workers=1).count("rejected") == 0
    return db


@pytest.fixture(scope="module")
def hand_xlsx(hand: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_federal_xlsx(hand, tmp_path_factory.mktemp("out") / "federal.xlsx", 2026)


def table(path: Path, sheet: str) -> list[dict[str, object]]:
    """A sheet of the written workbook as records under its header row."""
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]


# ---- sheets and headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "hand"])
def test_the_sheets_in_order_with_their_headers(which: str, demo_db: Path, hand: Path, tmp_path: Path) -> None:
    """Every sheet the spec names, in order; each sheet's header row is its table's plain-word columns."""
    db, year = (demo_db, 2025) if which == "demo" else (hand, 2026)
    summary = gather_federal(db, year)
    out = write_federal_xlsx(db, tmp_path / "f.xlsx", year)
    wb = openpyxl.load_workbook(out)
    assert tuple(wb.sheetnames) == SHEETS == tuple(s.name for s in summary.sheets)
    for sheet in summary.sheets:
        ws = wb[sheet.name]
        assert [c.value for c in ws[HEADER_ROW]] == list(sheet.frame.columns)
        assert f"calendar year {year}" in str(ws["A2"].value)
        assert ws.freeze_panes is not None and ws.auto_filter.ref
    for sheet in summary.sheets:
        if sheet.name not in ("What this does not cover", "Notes"):
            assert len(sheet.frame) > 0, sheet.name
    assert findings([(f"{s.name} header", h) for s in summary.sheets for h in s.frame.columns]) == []
    assert findings([(f"{s.name} title", f"{s.title}. {s.subtitle}") for s in summary.sheets]) == []


def test_what_this_does_not_cover_names_the_spec_sections(demo_db: Path) -> None:
    """Staff FTE, training events, demographics and criminal-justice activity are listed, in plain words."""
    frame = gather_federal(demo_db, 2025).sheet("What this does not cover").frame
    sections = " ".join(frame.iloc[:, 0]).lower()
    for needed in ("staff", "full-time equivalents", "training events", "demographics", "criminal-justice activity"):
        assert needed in sections
    assert findings([(a, f"{a}: {b}") for a, b in NOT_COVERED]) == []


@pytest.mark.parametrize("which", ["demo", "hand"])
def test_notes_are_plain_words(which: str, demo_db: Path, hand: Path) -> None:
    """The Notes sheet says the year and the protection rules with no column names, flags or settings paths."""
    summary = gather_federal(demo_db, 2025) if which == "demo" else gather_federal(hand, 2026)
    notes = notes_rows(summary)
    assert findings([(f"notes {item}", f"{item}: {text}") for item, text in notes]) == []
    text = " ".join(t for _, t in notes)
    assert str(summary.year) in text and RANGE in text and "stand-in" in text
    assert {f"Sheet: {name}" for name in SHEETS[:-1]} <= {item for item, _ in notes}


# ---- rows checked by hand ----------------------------------------------------------------------------------------


def test_general_information_row(hand_xlsx: Path) -> None:
    """F-001: its organization, community, federal award, UEI, award date, amount and purpose areas by name; F-004 (2025) is left out."""
    found = {r["Subgrant ID"]: r for r in table(hand_xlsx, "General information")}
    assert set(found) == {"F-001", "F-002", "F-003"}
    row = found["F-001"]
    assert row["Organization"] == INJECTIONS[0] and row["Community"] == "North Star MDT"
    assert row["Federal award number"] == FAIN and row["Unique entity ID"] == "ABCDEFGHJK12"
    assert row["Award year"] == 2026 and row["Award date"] == dt.datetime(2025, 12, 1) and row["Award ($)"] == 300000
    assert row["Purpose areas"] == f"1 {PURPOSE_AREAS[1]}; 20 {PURPOSE_AREAS[20]}"
    assert found["F-003"]["Unique entity ID"] is None  # blank: the register does not say


def test_funds_awarded_and_returned_row(hand_xlsx: Path) -> None:
    """6A for the 2026 award: $1,000,000 less $100,000 admin less $750,000 subawarded plus $5,000 returned leaves $155,000."""
    found = {r["Federal award number"]: r for r in table(hand_xlsx, "Funds awarded and returned (6A)")}
    row = found[FAIN]
    assert row["Federal fiscal year"] == 2026 and row["Award to the state ($)"] == 1000000 and row["Administrative share ($)"] == 100000
    assert row["Subgrants"] == 3 and row["Subawarded ($)"] == 750000 and row["Returned unused ($)"] == 5000
    assert row["Returned and awarded again ($)"] is None  # not tracked
    assert row["Not yet awarded ($)"] == 155000 and row["On the Federal awards sheet"] == "Yes"
    assert found[OLD_FAIN]["Subgrants"] == 1  # the older award's period runs into 2026


def test_allocation_ledger_states_both_bases(hand_xlsx: Path) -> None:
    """Per federal award: law enforcement's 25% of the $750,000 subawarded, and of the $900,000 award less admin."""
    found = table(hand_xlsx, "Allocation ledger")
    le = next(r for r in found if r["Federal award number"] == FAIN and str(r["Check"]).startswith("Law enforcement"))
    assert le["Base ($)"] == 750000 and le["Required ($)"] == 187500 and le["Actual ($)"] == 300000 and le["Result"] == "Met"
    assert le["Award less administrative share ($)"] == 900000 and le["Required on that base ($)"] == 225000
    assert le["Result on that base"] == "Met" and le["Base"]
    courts = next(r for r in found if r["Federal award number"] == FAIN and str(r["Check"]).startswith("State and local courts"))
    assert courts["Result"] == "Short" and courts["Short (-) or over (+) ($)"] == -37500


def test_match_and_timeliness_rows(hand_xlsx: Path) -> None:
    """F-001 owes $75,000 of match and documents none; F-002 needs none; F-002's second quarter is missing, the third not yet due."""
    match = {r["Subgrant ID"]: r for r in table(hand_xlsx, "Match")}
    assert match["F-001"]["Match required ($)"] == 75000 and match["F-001"]["Short by ($)"] == 75000 and match["F-001"]["Result"] == "Short"
    assert match["F-002"]["Result"] == "Not required" and match["F-002"]["No match required"] == "Yes"
    status = {(r["Subgrant ID"], r["Quarter"]): r["Status"] for r in table(hand_xlsx, "Timeliness")}
    assert status[("F-002", "2026-Q2")] == "Missing" and status[("F-002", "2026-Q3")] == "Not yet due"
    assert set(status.values()) <= {"On time", "Late", "Missing", "Not yet due"}


def test_coordinated_community_response_and_leveraged_rows(hand: Path) -> None:
    """F-001 reported two quarters; its leveraged resources are the year's $2,000 in-kind and $6,000 cash."""
    summary = gather_federal(hand, 2026)
    ccr = summary.sheet("Coordinated community response").frame.set_index("Subgrant ID")
    assert ccr.loc["F-001", "Quarters reported"] == 2 and ccr.loc["F-003", "Quarters reported"] == 1
    assert ccr.loc["All subgrants", "Quarters reported"] == 4
    lev = summary.sheet("Leveraged resources").frame.set_index("Subgrant ID")
    assert (lev.loc["F-001", "Cash ($)"], lev.loc["F-001", "In-kind ($)"], lev.loc["F-001", "Total ($)"]) == (6000, 2000, 8000)
    assert lev.loc["F-003", "Total ($)"] in (None, 0)  # F-003's report had an empty Funding sheet


# ---- counts of people --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAND, reason="expected cells assume the default threshold of 10")
def test_victim_services_row_by_hand(hand: Path) -> None:
    """F-001: survivors 3 and 12 give 12 plus 3's stand-in; served 60; partially 2 and 3, not served 1: ranges; zeros stay 0."""
    frame = gather_federal(hand, 2026).sheet("Victim services").frame
    row = frame[(frame["Subgrant ID"] == "F-001")].iloc[0]
    assert row["Survivors engaged (people)"] in range(12 + 1, 12 + 5 + 1)
    assert row["Served (people)"] == 60 and row["Partially served (people)"] == RANGE and row["Not served (people)"] == RANGE
    f2 = frame[frame["Subgrant ID"] == "F-002"].iloc[0]
    assert f2["Survivors engaged (people)"] == 0 and f2["Served (people)"] is None  # no Services sheet: blank, not 0
    assert frame[frame["Subgrant ID"] == "F-003"].iloc[0]["Survivors engaged (people)"] == 30


def test_figures_are_sums_of_the_summarys_stand_ins(hand: Path) -> None:
    """Each cell is the sum of the same record stand-ins the summary uses, so the two workbooks agree and cannot be differenced."""
    con = duckdb.connect(str(hand), read_only=True)
    try:
        protect = protector(database_file(con), T)
    finally:
        con.close()
    frame = gather_federal(hand, 2026).sheet("Victim services").frame
    s3, s12 = protect.stand_in("survivors_engaged", "F-001", "2026-Q1", 3), protect.stand_in("survivors_engaged", "F-001", "2026-Q2", 12)
    assert s3 is not None and s12 == 12 and abs(s3 - 3) <= SHIFT
    f001 = frame[frame["Subgrant ID"] == "F-001"].iloc[0]
    assert f001["Survivors engaged (people)"] == protect.shown(s3 + s12)
    total = frame[(frame["Subgrant ID"] == "All subgrants") & (frame["Victimization"] == "All victimizations")].iloc[0]
    assert total["Survivors engaged (people)"] == protect.shown(s3 + 12 + 0 + 30)
    # The grand total less the other subgrants' figures gives F-001's protected figure, never its true 15.
    others = sum(int(v) for v in frame[frame["Subgrant ID"].isin(["F-002", "F-003"])]["Survivors engaged (people)"])
    assert int(total["Survivors engaged (people)"]) - others == s3 + 12
    # As of 2026-Q1 the summary shows F-001's first-quarter record: the same stand-in.
    summary = gather_summary(hand, period="2026-Q1").sheet("Survivor engagement").frame.set_index("Subgrant ID")
    assert summary.loc["F-001", "Survivors engaged (people)"] == protect.shown(s3)
    # Partially served: F-001's 2 (sexual assault, Q1) and 3 (domestic violence, Q2) are separate records.
    parts = [protect.stand_in("partially_served", "F-001", "2026-Q1", 2, "Sexual assault"), 0]
    parts.append(protect.stand_in("partially_served", "F-001", "2026-Q2", 3, "Domestic violence"))
    assert f001["Partially served (people)"] == protect.shown(sum(p or 0 for p in parts))
    sa = frame[(frame["Subgrant ID"] == "All subgrants") & (frame["Victimization"] == "Sexual assault")].iloc[0]
    assert sa["Served (people)"] == 35 and sa["Partially served (people)"] == protect.shown(parts[0])


@pytest.mark.parametrize("which", ["demo", "hand"])
def test_no_count_of_people_from_1_to_the_threshold_appears_as_itself(which: str, demo_db: Path, hand: Path, tmp_path: Path) -> None:
    """In the written workbook every people column holds blanks, 0, the range text or numbers above the threshold."""
    db, year = (demo_db, 2025) if which == "demo" else (hand, 2026)
    summary = gather_federal(db, year)
    out = write_federal_xlsx(db, tmp_path / "f.xlsx", year)
    seen = []
    for sheet in summary.sheets:
        people = [c for c, k in sheet.kinds.items() if k == "people"]
        for r in table(out, sheet.name):
            for c in people:
                v = r[c]
                seen.append(v)
                assert v is None or v == 0 or v == RANGE or (isinstance(v, int) and v > T), (sheet.name, c, v)
    assert RANGE in seen and any(isinstance(v, int) and v > T for v in seen)


# ---- grantee text ------------------------------------------------------------------------------------------------


def test_grantee_text_stays_inert(hand_xlsx: Path) -> None:
    """An organization or community name starting with = or @ reopens as the same text, typed string with a quote prefix; no formula."""
    wb = openpyxl.load_workbook(hand_xlsx)
    cells = [c for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value in (INJECTIONS[0], INJECTIONS[2])]
    assert {c.value for c in cells} == {INJECTIONS[0], INJECTIONS[2]}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not [c.coordinate for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.data_type == "f"]
    with zipfile.ZipFile(hand_xlsx) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


# ---- the download and the command --------------------------------------------------------------------------------


def test_download_from_an_open_connection(hand: Path) -> None:
    """federal_download gives the workbook's bytes, a file name with the year and the Excel type, from the dashboard's connection."""
    con = duckdb.connect(str(hand), read_only=True)
    try:
        d = federal_download(con, 2026)
    finally:
        con.close()
    assert d.file_name == "stop-federal-reporting-2026.xlsx" and d.mime.endswith("spreadsheetml.sheet")
    assert d.data.startswith(b"PK")


def test_a_year_with_no_subgrants_or_reports_is_a_plain_error(hand: Path) -> None:
    """A calendar year no subgrant runs in and no report covers says so, with the years the register covers."""
    with pytest.raises(ExportError, match=r"calendar year 2030.*from 2025 to 2026"):
        gather_federal(hand, 2030)


def test_cli_writes_the_workbook_and_audits_it(hand: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command says what it wrote, exits 0, and the export is in the audit log."""
    out = tmp_path / "federal 2026.xlsx"
    assert main(["export", "federal", "--year", "2026", "--out", str(out), "--db", str(hand)]) == 0
    said = capsys.readouterr().out
    assert f"to {out}" in said and "calendar year 2026" in said and "3 subgrants" in said and "2026-Q2" in said
    assert tuple(openpyxl.load_workbook(out).sheetnames) == SHEETS
    logged = rows(hand, "SELECT action, target, detail, result FROM audit_log WHERE target = 'federal xlsx'")
    assert any(r[0] == "export" and "calendar year 2026" in str(r[2]) and out.name in str(r[2]) and r[3] == "written" for r in logged)


@pytest.mark.parametrize(
    ("year", "name", "message"), [("2019", "federal.xlsx", "calendar year 2019"), ("2026", "federal.csv", "ending in .xlsx")]
)
def test_cli_errors_are_one_line_and_exit_2(
    hand: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], year: str, name: str, message: str
) -> None:
    """A year without subgrants or reports, or a name not ending in .xlsx: one plain line on stderr, exit 2, no file."""
    out = tmp_path / name
    assert main(["export", "federal", "--year", year, "--out", str(out), "--db", str(hand)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_cli_missing_database_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database that does not exist says how to create one."""
    out = tmp_path / "f.xlsx"
    assert main(["export", "federal", "--year", "2026", "--out", str(out), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "load-awards" in capsys.readouterr().err and not out.exists()


def test_cli_year_is_required(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --year the command stops with a usage error (exit 2) naming it."""
    with pytest.raises(SystemExit) as exit_:
        main(["export", "federal", "--out", str(tmp_path / "f.xlsx")])
    assert exit_.value.code == 2 and "--year" in capsys.readouterr().err


def test_cli_help_is_the_docstring_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    """`stopdash export federal --help` shows its docstring, with an example."""
    with pytest.raises(SystemExit) as exit_:
        main(["export", "federal", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    doc = cmd_export_federal.__doc__
    assert doc is not None and doc.splitlines()[0] in text and "Example: stopdash export federal --year" in text


# ---- differencing: generated portfolios, the federal workbook beside the summary ---------------------------------


def federal_figures(p: Portfolio, year: int) -> list[Figure]:
    """Every people cell of the federal workbook (read back from xlsx) with the records it covers."""
    out = write_federal_xlsx(p.db, p.db.with_name(f"federal-{year}.xlsx"), year)
    found: list[Figure] = []
    measures = {"Served (people)": ("served",), "Partially served (people)": ("partially_served",)}
    measures |= {"Not served (people)": ("not_served",), "All outcomes (people)": MEASURES}
    in_year = {r for r in p.truth if r[2].startswith(str(year))}
    for row in table(out, "Victim services"):
        sid, victimization = str(row["Subgrant ID"]), str(row["Victimization"])
        if sid == "All subgrants" and victimization == "All victimizations":
            survivors = {r for r in in_year if r[0] == "survivors_engaged"}
        else:
            survivors = {r for r in in_year if r[0] == "survivors_engaged" and r[1] == sid and sid != "All subgrants"}

        def covers(r: Record, sid: str = sid, victimization: str = victimization) -> bool:
            return (sid == "All subgrants" or r[1] == sid) and (victimization == "All victimizations" or r[3] == victimization)

        cells = {"Survivors engaged (people)": survivors}
        cells |= {c: {r for r in in_year if r[0] in ms and covers(r)} for c, ms in measures.items()}
        for column, records in cells.items():
            if records:
                found.append((frozenset(records), row[column]))
            else:
                assert row[column] is None, (sid, victimization, column)
    return found


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_no_difference_with_the_summary_gives_a_small_count_away(seed: int, tmp_path: Path) -> None:
    """On generated portfolios, the federal workbook's figures and the summary's, attacked together in pairs and
    triples, never pin a true count from 1 to the threshold; the same records give the same figure in both."""
    p = build(tmp_path, seed)
    federal = federal_figures(p, 2026)
    summary = [f for q in (None, *QUARTERS) for f in export_figures(p, None, q)]
    assert len(federal) > 20 and any(v == RANGE for _, v in federal)
    a = attack(p.truth, federal + summary)  # also asserts one figure per group of records across both workbooks
    assert a.observations > 100 and a.pinned() == {}
    # and the same attack on true sums would have found some
    naive = [(g, RANGE if 1 <= (v := sum(p.truth[r] for r in g)) <= T else v) for g, _ in federal + summary]
    assert attack(p.truth, naive, max_triples=0, shift=0).pinned()


# The layout is a contract with the staff who fill the federal forms from it (docs/exports.md): a change to a header here
# comes with a change there. Coordinated community response adds a column per discipline the year's reports name.
LAYOUT = {
    "General information": "Subgrant ID|Organization|Community|Allocation category|Federal award number|Unique entity ID|Award year|"
    "Award date|Award ($)|Start|End|Purpose areas",
    "Victim services": "Subgrant ID|Community|Victimization|Survivors engaged (people)|Served (people)|Partially served (people)|"
    "Not served (people)|All outcomes (people)",
    "Leveraged resources": "Subgrant ID|Organization|Award ($)|Cash ($)|In-kind ($)|Total ($)",
    "Allocation ledger": "Federal award number|Check|Floor or cap|Base|Base ($)|Required ($)|Actual ($)|Actual share|Result|"
    "Short (-) or over (+) ($)|Award less administrative share ($)|Required on that base ($)|Result on that base",
    "Funds awarded and returned (6A)": "Federal award number|Federal fiscal year|Award to the state ($)|Administrative share ($)|"
    "Period start|Period end|Subgrants|Subawarded ($)|Returned unused ($)|Returned and awarded again ($)|Not yet awarded ($)|"
    "On the Federal awards sheet",
    "Match": "Subgrant ID|Organization|Award year|Match required ($)|No match required|Documented cash ($)|Documented in-kind ($)|"
    "Documented ($)|Short by ($)|Result",
    "Timeliness": "Subgrant ID|Organization|Quarter|Due on|Received on|Days late|Status",
    "What this does not cover": "Federal-form section|Why it is not here",
    "Notes": "Item|Meaning",
}


def test_the_layout_is_the_documented_one(hand_xlsx: Path) -> None:
    """Each sheet's headers, as docs/exports.md describes them; community response's fixed columns around its disciplines."""
    wb = openpyxl.load_workbook(hand_xlsx)
    for name, headers in LAYOUT.items():
        assert "|".join(str(c.value) for c in wb[name][HEADER_ROW]) == headers, name
    ccr = [str(c.value) for c in wb["Coordinated community response"][HEADER_ROW]]
    assert ccr[:4] == ["Subgrant ID", "Community", "Quarters reported", "Partners at year end"]
    assert ccr[-5:] == [
        "Agreements (MOUs) signed at year end",
        "Meetings held",
        "Protocols developed",
        "Protocols adopted",
        "Protocols reviewed",
    ]
    assert all(c.startswith("Partners: ") for c in ccr[4:-5])


def test_formats_and_print_setup_are_the_summarys(hand_xlsx: Path) -> None:
    """Dollars in the money format, shares as percents, every sheet landscape, one page wide, header row repeated."""
    wb = openpyxl.load_workbook(hand_xlsx)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}", ws.title
    six_a = wb["Funds awarded and returned (6A)"]
    assert six_a.cell(HEADER_ROW + 1, 3).number_format.startswith('"$"#,##0.00')
    ledger = wb["Allocation ledger"]
    assert ledger.cell(HEADER_ROW + 1, 3).number_format == "0.0%"


def test_an_older_register_without_federal_columns_still_exports(tmp_path: Path) -> None:
    """A register with no federal columns and no reports: 6A has one row for the unnumbered subgrants, award figures blank."""
    from test_allocation import write_register

    db = tmp_path / "old.duckdb"
    load_register(write_register(tmp_path / "r.xlsx", [{"category": "Law enforcement", "amount": 1000}]), db)
    summary = gather_federal(db, 2026)
    six_a = summary.sheet("Funds awarded and returned (6A)").frame
    assert list(six_a["Federal award number"]) == ["(no federal award number)"]
    row = six_a.iloc[0]
    assert row["Subgrants"] == 1 and row["Subawarded ($)"] == 1000 and row["On the Federal awards sheet"] == "No"
    assert row["Award to the state ($)"] is None and row["Not yet awarded ($)"] is None
    assert summary.sheet("Allocation ledger").frame.empty  # checks are per federal award: none is named
    assert summary.period is None and summary.sheet("Victim services").frame["Survivors engaged (people)"].isna().all()
    assert "No accepted progress report covers the year yet" in dict(notes_rows(summary))["Data as of"]
