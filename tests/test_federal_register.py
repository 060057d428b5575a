"""The award register's federal columns and Federal awards sheet: read with the register's tolerance, cell-precise issues.

Registers are built here with openpyxl (real .xlsx files) and loaded through the real path into the real DuckDB.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from conftest import FEDERAL_HEADER, OLD_HEADER, old_register_row, rows
from ingest.config import Federal, settings
from ingest.errors import ConfigError
from ingest.pipeline import load_register
from ingest.quarters import quarter_bounds
from ingest.store.db import SCHEMA_VERSION, open_db
from ingest.workbook.awards import FEDERAL_AWARD_HEADER, ParsedRegister, parse_register


def _base(sid: str, category: str = "Law enforcement", tribes: str = "") -> list[object]:
    return old_register_row(sid, category, tribes)


def _register(
    path: Path,
    rows_: list[list[object]],
    *,
    header: list[str] | None = None,
    awards: list[list[object]] | None = None,
    awards_sheet: str = "Federal awards",
    awards_header: list[str] | None = None,
) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Subgrants"
    ws.append(header or OLD_HEADER + FEDERAL_HEADER)
    for r in rows_:
        ws.append(r)
    if awards is not None:
        fa = wb.create_sheet(awards_sheet)
        fa.append(awards_header or FEDERAL_AWARD_HEADER)
        for r in awards:
            fa.append(r)
    wb.save(path)
    return path


def _parse(path: Path) -> ParsedRegister:
    return parse_register(path.read_bytes(), path.name, settings())


def _codes(parsed: ParsedRegister) -> dict[str, tuple[str, str]]:
    """cell -> (severity, code)."""
    return {str(i.cell): (i.severity, i.code) for i in parsed.issues}


# Messy forms of each federal column, as administrators type them, and the value stored.
MESSY = {
    "federal_award_number": [
        (" 15jovw-25-gg-00123-stop ", "15JOVW-25-GG-00123-STOP"),
        ("15JOVW\u201325\u2013GG\u201300123\u2013STOP", "15JOVW-25-GG-00123-STOP"),  # en dashes pasted from a letter
        ("15JOVW-25-GG-00123 -STOP", "15JOVW-25-GG-00123-STOP"),
        ("\u200b15JOVW-25-GG-00123-STOP", "15JOVW-25-GG-00123-STOP"),
        (None, None),
    ],
    "award_date": [
        (dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
        (dt.datetime(2025, 3, 1, 0, 0), dt.date(2025, 3, 1)),
        ("3/1/2025", dt.date(2025, 3, 1)),
        ("March 1, 2025", dt.date(2025, 3, 1)),
        ("2025-03-01", dt.date(2025, 3, 1)),
        (45717, dt.date(2025, 3, 1)),  # a serial whose date format was lost
        (None, None),
    ],
    "uei": [
        ("abc123def456", "ABC123DEF456"),
        (" ABC123DEF456 ", "ABC123DEF456"),
        ("ABC1 23DE F456", "ABC123DEF456"),
        (123456789012, "123456789012"),
        (None, None),
    ],
    "returned_unused": [
        ("$1,250.50", Decimal("1250.50")),
        (1250.5, Decimal("1250.50")),
        ("0", Decimal("0.00")),
        ("100,000", Decimal("100000.00")),  # the whole award
        (None, None),
    ],
    "match_exempt": [("Yes", True), ("y", True), ("X", True), ("\u2713", True), ("No", False), ("FALSE", False), (0, False), (None, None)],
}


@pytest.mark.parametrize(("field", "raw", "stored"), [(f, raw, s) for f, forms in MESSY.items() for raw, s in forms])
def test_every_federal_column_reads_messy_forms(tmp_path: Path, field: str, raw: object, stored: object) -> None:
    """Each form an administrator types is read to the same stored value, with no issue."""
    cells = dict.fromkeys(FEDERAL_HEADER)
    cells[FEDERAL_HEADER[["federal_award_number", "award_date", "uei", "returned_unused", "match_exempt"].index(field)]] = raw
    parsed = _parse(_register(tmp_path / "r.xlsx", [_base("MN-1") + list(cells.values())]))
    assert parsed.issues == []
    assert parsed.rows[0][field] == stored


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("FAIN", "federal_award_number"),
        ("Federal award", "federal_award_number"),
        ("Grant number", "federal_award_number"),
        ("Date awarded", "award_date"),
        ("Unique entity ID", "uei"),
        ("Funds returned", "returned_unused"),
        ("No match required", "match_exempt"),
        ("uei", "uei"),
        ("Match  exempt", "match_exempt"),
    ],
)
def test_synonyms_of_the_federal_columns(tmp_path: Path, header: str, field: str) -> None:
    value = {
        "federal_award_number": "15JOVW-25-GG-00123-STOP",
        "award_date": "2025-03-01",
        "uei": "ABC123DEF456",
        "returned_unused": "500",
        "match_exempt": "yes",
    }[field]
    parsed = _parse(_register(tmp_path / "r.xlsx", [[*_base("MN-1"), value]], header=[*OLD_HEADER, header]))
    assert parsed.issues == []
    assert parsed.rows[0][field] is not None


def test_an_older_register_loads_unchanged(tmp_path: Path) -> None:
    """No federal columns, no Federal awards sheet: the same subgrants, NULL federal values, no issues, stored awards kept."""
    db = tmp_path / "db.duckdb"
    with_sheet = _register(
        tmp_path / "new.xlsx",
        [[*_base("MN-1"), "15JOVW-25-GG-00123-STOP", None, None, None, None]],
        awards=[["15JOVW-25-GG-00123-STOP", 2025, 2_000_000, 200_000, dt.date(2024, 10, 1), dt.date(2027, 9, 30)]],
    )
    load_register(with_sheet, db)
    old = _register(tmp_path / "old.xlsx", [_base("MN-1"), _base("MN-2", "Victim services")], header=OLD_HEADER)
    parsed = load_register(old, db)
    assert parsed.issues == [] and parsed.federal_awards is None
    assert rows(
        db, "SELECT subgrant_id, federal_award_number, award_date, uei, returned_unused, match_exempt_stated FROM awards ORDER BY 1"
    ) == [
        ("MN-1", None, None, None, None, None),
        ("MN-2", None, None, None, None, None),
    ]
    # A register without the sheet keeps the federal awards stored before.
    assert rows(db, "SELECT federal_award_number, federal_fiscal_year, award_amount, admin_share FROM federal_award") == [
        ("15JOVW-25-GG-00123-STOP", 2025, Decimal("2000000.00"), Decimal("200000.00"))
    ]


def test_match_exempt_default_follows_the_federal_share_rule(tmp_path: Path) -> None:
    """Blank: exempt for victim services, culturally specific victim services and tribal projects; as stated otherwise."""
    db = tmp_path / "db.duckdb"
    blank = [None] * 5
    stated_no = [None, None, None, None, "no"]
    path = _register(
        tmp_path / "r.xlsx",
        [
            [*_base("MN-LE"), *blank],
            [*_base("MN-VS", "Victim services"), *blank],
            [*_base("MN-CS", "Culturally specific victim services"), *blank],
            [*_base("MN-TR", "Prosecution", "Red Lake Nation"), *blank],
            [*_base("MN-VSNO", "Victim services"), *stated_no],
        ],
    )
    load_register(path, db)
    assert dict(rows(db, "SELECT subgrant_id, match_exempt FROM awards")) == {
        "MN-LE": False,
        "MN-VS": True,
        "MN-CS": True,
        "MN-TR": True,
        "MN-VSNO": False,
    }
    assert dict(rows(db, "SELECT subgrant_id, match_exempt_stated FROM awards"))["MN-VSNO"] is False


@pytest.mark.parametrize("uei", ["ABC123", "ABC123DEF4567", "ABC-123-DEF-4", "ÄBC123DEF456", "ABC123DEF45!"])
def test_a_bad_uei_is_a_warning_on_its_cell_and_left_empty(tmp_path: Path, uei: str) -> None:
    parsed = _parse(_register(tmp_path / "r.xlsx", [[*_base("MN-1"), None, None, uei, None, None]]))
    assert len(parsed.rows) == 1 and parsed.rows[0]["uei"] is None
    issue = _codes(parsed)["P2"]
    assert issue[0] == "warning" and issue[1] == "invalid_uei"
    message = parsed.issues[0].message
    assert message.startswith("Subgrants!P2 (UEI):") and "left empty" in message


@pytest.mark.parametrize("returned", [100_000.01, 250_000, -1, "-$5"])
def test_returned_above_the_award_or_below_zero_is_an_error_on_its_cell(tmp_path: Path, returned: object) -> None:
    """The subgrant still loads (its dollars feed the statutory checks); the cell is left empty."""
    parsed = _parse(_register(tmp_path / "r.xlsx", [[*_base("MN-1"), None, None, None, returned, None]]))
    assert _codes(parsed) == {"Q2": ("error", "returned_out_of_range")}
    assert parsed.rows[0]["returned_unused"] is None
    assert "between $0 and the award amount" in parsed.issues[0].message


@pytest.mark.parametrize(
    ("col", "cell", "raw", "code"),
    [
        ("award_date", "O2", "soon", "not_a_date"),
        ("returned_unused", "Q2", "lots", "not_money"),
        ("match_exempt", "R2", "maybe", "not_yes_no"),
    ],
)
def test_unreadable_federal_cells_are_warnings_and_the_subgrant_loads(tmp_path: Path, col: str, cell: str, raw: str, code: str) -> None:
    values: list[object] = [None] * 5
    values[["federal_award_number", "award_date", "uei", "returned_unused", "match_exempt"].index(col)] = raw
    parsed = _parse(_register(tmp_path / "r.xlsx", [[*_base("MN-1"), *values]]))
    assert _codes(parsed) == {cell: ("warning", code)}
    assert parsed.rows[0][col] is None


@pytest.mark.parametrize("sheet_name", ["Federal awards", "federal award", "Awards to the state", "FEDERAL AWARDS"])
def test_the_federal_awards_sheet_is_stored(tmp_path: Path, sheet_name: str) -> None:
    db = tmp_path / "db.duckdb"
    path = _register(
        tmp_path / "r.xlsx",
        [[*_base("MN-1"), "15jovw-25-gg-00123-stop", None, None, None, None]],
        awards=[
            ["15JOVW-25-GG-00123-STOP", 2025, "$2,000,000", "200,000", dt.date(2024, 10, 1), "9/30/2027"],
            [" 15jovw-26-gg-00456-stop", "FFY 2026", 1_900_000, 190_000, None, None],
        ],
        awards_sheet=sheet_name,
    )
    parsed = load_register(path, db)
    assert _codes(parsed) == {"B3": ("warning", "not_whole_number")}  # "FFY 2026" is left empty, the award loads
    assert rows(db, "SELECT * EXCLUDE (loaded_at) FROM federal_award ORDER BY 1") == [
        (
            "15JOVW-25-GG-00123-STOP",
            2025,
            Decimal("2000000.00"),
            Decimal("200000.00"),
            dt.date(2024, 10, 1),
            dt.date(2027, 9, 30),
            "r.xlsx",
            2,
        ),
        ("15JOVW-26-GG-00456-STOP", None, Decimal("1900000.00"), Decimal("190000.00"), None, None, "r.xlsx", 3),
    ]
    # Loading a register with the sheet replaces the list whole.
    again = _register(tmp_path / "r2.xlsx", [_base("MN-1") + [None] * 5], awards=[["15JOVW-27-GG-00789-STOP", 2027, 1, 0, None, None]])
    load_register(again, db)
    assert rows(db, "SELECT federal_award_number FROM federal_award") == [("15JOVW-27-GG-00789-STOP",)]


def test_federal_awards_sheet_synonym_headers(tmp_path: Path) -> None:
    path = _register(
        tmp_path / "r.xlsx",
        [_base("MN-1") + [None] * 5],
        awards=[["15JOVW-25-GG-00123-STOP", 2025, 100, 10, dt.date(2024, 10, 1), dt.date(2027, 9, 30)]],
        awards_header=["FAIN", "Fiscal year", "Amount", "Administration", "Start", "End"],
    )
    parsed = _parse(path)
    assert parsed.issues == []
    assert parsed.federal_awards is not None and parsed.federal_awards[0]["admin_share"] == Decimal("10.00")


def test_federal_awards_sheet_row_rules(tmp_path: Path) -> None:
    """Each problem names its cell: a missing number, a duplicate, an admin share above the award, dates reversed."""
    path = _register(
        tmp_path / "r.xlsx",
        [_base("MN-1") + [None] * 5],
        awards=[
            ["15JOVW-25-GG-00123-STOP", 2025, 100, 10, None, None],
            [None, 2025, 100, 10, None, None],
            ["15jovw-25-gg-00123-stop", 2026, 100, 10, None, None],
            ["15JOVW-26-GG-00456-STOP", 2026, 100, 150, dt.date(2026, 10, 1), dt.date(2025, 9, 30)],
            ["15JOVW-27-GG-00789-STOP", 1492, -5, 0, None, None],
        ],
    )
    parsed = _parse(path)
    assert _codes(parsed) == {
        "A3": ("error", "missing_value"),
        "A4": ("error", "duplicate_federal_award"),
        "D5": ("error", "admin_share_out_of_range"),
        "F5": ("warning", "end_before_start"),
        "B6": ("warning", "invalid_year"),
        "C6": ("warning", "negative_amount"),
    }
    assert parsed.federal_awards is not None
    assert [a["federal_award_number"] for a in parsed.federal_awards] == [
        "15JOVW-25-GG-00123-STOP",
        "15JOVW-26-GG-00456-STOP",
        "15JOVW-27-GG-00789-STOP",
    ]
    assert all(i.message.startswith(f"Federal awards!{i.cell} (") for i in parsed.issues)


def test_a_federal_awards_sheet_without_its_number_column_is_not_read(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    load_register(
        _register(tmp_path / "a.xlsx", [_base("MN-1") + [None] * 5], awards=[["15JOVW-25-GG-00123-STOP", 2025, 1, 0, None, None]]), db
    )
    path = _register(tmp_path / "b.xlsx", [_base("MN-1") + [None] * 5], awards=[[2026, 5]], awards_header=["Year", "Amount"])
    parsed = load_register(path, db)
    assert parsed.federal_awards is None
    assert [(i.sheet, i.code) for i in parsed.issues] == [("Federal awards", "missing_columns")]
    assert rows(db, "SELECT count(*) FROM federal_award") == [(1,)]  # kept


def test_unknown_federal_award_is_a_warning_at_its_cell(tmp_path: Path) -> None:
    path = _register(
        tmp_path / "r.xlsx",
        [
            [*_base("MN-1"), "15JOVW-25-GG-00123-STOP", None, None, None, None],
            [*_base("MN-2"), "15JOVW-25-GG-99999-STOP", None, None, None, None],
            [*_base("MN-3"), None, None, None, None, None],
        ],
        awards=[["15JOVW-25-GG-00123-STOP", 2025, 100, 10, None, None]],
    )
    parsed = _parse(path)
    assert _codes(parsed) == {"N3": ("warning", "unknown_federal_award")}
    assert len(parsed.rows) == 3
    # Without the sheet, nothing to check against: no warning.
    no_sheet = _register(tmp_path / "s.xlsx", [[*_base("MN-2"), "15JOVW-25-GG-99999-STOP", None, None, None, None]])
    assert _parse(no_sheet).issues == []


def _downgrade_to_schema_2(db: Path) -> None:
    """Turn a database into the shape schema 2 had (git show 43b8358~1:ingest/store/sql/schema.sql): no federal columns or tables."""
    con = duckdb.connect(str(db))
    con.execute("DROP VIEW IF EXISTS awards")
    for column in ("federal_award_number", "award_date", "uei", "returned_unused", "match_exempt"):
        con.execute(f"ALTER TABLE subgrant DROP COLUMN {column}")
    con.execute("DROP TABLE federal_award")
    con.execute("DROP TABLE impact_status")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.execute("DELETE FROM meta WHERE key = 'fingerprint'")
    con.close()


def test_a_schema_2_database_migrates_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    load_register(_register(tmp_path / "old.xlsx", [_base("MN-1"), _base("MN-2", "Victim services")], header=OLD_HEADER), db)
    _downgrade_to_schema_2(db)
    con = duckdb.connect(str(db), read_only=True)
    assert "uei" not in {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'subgrant'").fetchall()}
    before = con.execute("SELECT * FROM subgrant ORDER BY subgrant_key").fetchall()
    audit = con.execute("SELECT count(*) FROM audit").fetchall()
    con.close()

    open_db(db).close()  # opening for writing migrates
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    assert SCHEMA_VERSION == 3
    assert (
        rows(
            db,
            "SELECT * EXCLUDE (federal_award_number, award_date, uei, returned_unused, match_exempt) FROM subgrant ORDER BY subgrant_key",
        )
        == before
    )
    assert rows(db, "SELECT subgrant_id, uei, match_exempt FROM awards ORDER BY 1") == [("MN-1", None, False), ("MN-2", None, True)]
    assert rows(db, "SELECT count(*) FROM federal_award") == [(0,)]
    assert rows(db, "SELECT count(*) FROM impact_status") == [(0,)]
    assert rows(db, "SELECT count(*) FROM audit") == audit
    # The migrated database takes a register with the federal columns and sheet.
    load_register(
        _register(
            tmp_path / "new.xlsx",
            [[*_base("MN-1"), "15JOVW-25-GG-00123-STOP", "2025-03-01", "ABC123DEF456", 500, "no"]],
            awards=[["15JOVW-25-GG-00123-STOP", 2025, 2_000_000, 200_000, None, None]],
        ),
        db,
    )
    assert rows(db, "SELECT subgrant_id, federal_award_number, uei, returned_unused FROM awards ORDER BY 1") == [
        ("MN-1", "15JOVW-25-GG-00123-STOP", "ABC123DEF456", Decimal("500.00")),
        ("MN-2", None, None, None),
    ]
    open_db(db).close()  # opening again is a no-op: the migration runs once
    assert rows(db, "SELECT count(*) FROM subgrant") == [(2,)]


def test_federal_settings_defaults_and_plain_errors(tmp_path: Path) -> None:
    assert settings().federal == Federal()
    assert Federal.from_config({"report_due_days": 45, "annual_data_due": "02-15"}, "config.toml") == Federal(
        report_due_days=45, annual_data_due=(2, 15)
    )
    for bad, words in [
        ({"report_due_days": "thirty"}, "report_due_days must be a whole number"),
        ({"report_due_days": -1}, "report_due_days must be a whole number"),
        ({"ffata_threshold": True}, "ffata_threshold must be a whole number"),
        ({"annual_data_due": "31-01"}, "annual_data_due must be a month and day"),
        ({"administrator_report_due": 331}, "administrator_report_due must be a month and day"),
        ({"report_due_day": 30}, "unknown setting 'report_due_day'"),
        ("yes", "[federal] must be a table"),
    ]:
        with pytest.raises(ConfigError, match=None) as caught:
            Federal.from_config(bad, "config.toml")
        assert words in str(caught.value) and "config.toml" in str(caught.value)


# The demo portfolio carries the federal story: awards on their sheet, late reports, match shortfalls, funds returned.


def test_demo_register_has_its_federal_awards_and_columns(tmp_path: Path) -> None:
    from stopdash.demo.portfolio import write_portfolio

    pf = write_portfolio(tmp_path / "demo", subgrants=10, quarters=5)  # award years 2025 and 2026
    parsed = _parse(pf.register)
    assert parsed.issues == []
    assert parsed.federal_awards is not None
    awards = {a["federal_award_number"]: a for a in parsed.federal_awards}
    assert sorted(awards) == ["15JOVW-25-GG-00123-STOP", "15JOVW-26-GG-00456-STOP"]
    assert [awards[k]["federal_fiscal_year"] for k in sorted(awards)] == [2025, 2026]
    for row in parsed.rows:
        award = awards[str(row["federal_award_number"])]
        assert award["federal_fiscal_year"] == row["award_year"]
        assert isinstance(row["award_date"], dt.date) and row["award_date"] < row["start_date"]
        assert isinstance(row["uei"], str) and len(row["uei"]) == 12
    for number, award in awards.items():
        subawarded = sum(Decimal(str(r["award_amount"])) for r in parsed.rows if r["federal_award_number"] == number)
        assert isinstance(award["award_amount"], Decimal) and isinstance(award["admin_share"], Decimal)
        assert 0 < award["admin_share"] <= award["award_amount"] * Decimal("0.10") + 500
        assert subawarded <= award["award_amount"] - award["admin_share"] + 500  # never more than what is left to award
    # Every report written has the day it was sent, the corrected one after the one it corrects.
    assert set(pf.received) == set(pf.reports) - set(pf.bad_files)
    revised = next(p for p in pf.reports if p.name.endswith("-revised.xlsx"))
    assert pf.received[revised] > pf.received[revised.with_name(revised.name.replace("-revised", ""))]


def test_demo_database_has_late_and_on_time_reports_match_shortfalls_and_returns(demo_db: Path) -> None:
    """Received on = the day the Profile says it was sent (the demo's replayed history); due 30 days after the quarter."""
    due = settings().federal.report_due_days
    firsts = rows(
        demo_db,
        "SELECT period, CAST(min(ingested_at) AS DATE), arg_min(date_submitted, ingested_at) FROM submission "
        "WHERE status <> 'rejected' GROUP BY subgrant_key, period",
    )
    assert firsts and all(received == sent for _, received, sent in firsts)
    lateness = [received > quarter_bounds(str(p))[1] + dt.timedelta(days=due) for p, received, _ in firsts]  # type: ignore[operator]
    assert any(lateness) and not all(lateness)
    short = rows(
        demo_db,
        "SELECT a.subgrant_id, a.match_required, coalesce(sum(f.amount) FILTER (WHERE f.counts_toward_match), 0) "
        "FROM awards a LEFT JOIN funding f USING (subgrant_id) WHERE NOT a.match_exempt GROUP BY a.subgrant_id, a.match_required",
    )
    assert any(required > documented for _, required, documented in short)  # type: ignore[operator]
    assert any(required <= documented for _, required, documented in short)  # type: ignore[operator]
    assert rows(demo_db, "SELECT count(*) FROM awards WHERE match_exempt AND match_required > 0") == [(0,)]
    assert rows(demo_db, "SELECT count(*) > 0 FROM awards WHERE returned_unused > 0") == [(True,)]
    assert rows(demo_db, "SELECT count(*) FROM awards WHERE federal_award_number IS NULL OR uei IS NULL") == [(0,)]
    assert rows(demo_db, "SELECT count(*) FROM register_issue") == [(0,)]
