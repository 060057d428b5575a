"""STOP allocation checks from the award register (domain.md, "Money rules"; docs/exports.md)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from ingest.pipeline import load_register
from ingest.workbook.awards import REGISTER_HEADER
from stopdash.queries.allocation import CHECK_COLUMNS, PURPOSE_AREAS, allocation_by_category, allocation_checks, purpose_areas
from stopdash.queries.reader import ExportError

REGISTER_COLUMNS = REGISTER_HEADER
LE, PROS, COURTS, VS, CS, DISC = (
    "Law enforcement",
    "Prosecution",
    "Courts",
    "Victim services",
    "Culturally specific victim services",
    "Discretionary",
)


def write_register(path: Path, rows: list[dict[str, object]]) -> Path:
    """A real award-register workbook; text cells stay text even when they look like formulas."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Subgrants"
    ws.append(REGISTER_COLUMNS)
    for n, row in enumerate(rows, 1):
        year = int(row.get("year", 2026))  # type: ignore[call-overload]
        values = [
            row.get("id", f"T-{year}-{n:03d}"),
            row.get("org", f"Agency {n}"),
            row.get("community", f"Community {n}"),
            row["category"],
            year,
            row["amount"],
            row.get("sa", 0),
            row.get("match", 0),
            row.get("start", dt.date(year, 1, 1)),
            row.get("end", dt.date(year, 12, 31)),
            row.get("counties", "Ramsey"),
            row.get("tribes"),
            row.get("areas", "5"),
        ]
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    wb.save(path)
    return path


def load(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    """Write *rows* as a register and load it into a fresh database; fail loudly on any register error."""
    db = tmp_path / "stopdash.duckdb"
    parsed = load_register(write_register(tmp_path / "register.xlsx", rows), db)
    assert [i.message for i in parsed.issues if i.severity == "error"] == []
    return db


def compliant(**change: str) -> list[dict[str, object]]:
    """A $1,000,000 year exactly at every floor and at the prevention cap; *change* overrides amounts by key."""
    amounts = {
        "le": "250000",
        "pros": "250000",
        "courts": "50000",
        "vs": "270000",
        "cs": "30000",
        "prev": "50000",
        "disc": "100000",
        "sa_le": "100000",
        "sa_vs": "100000",
        "sa_disc": "0",
        **change,
    }
    return [
        {"category": LE, "amount": amounts["le"], "sa": amounts["sa_le"], "areas": "1"},
        {"category": PROS, "amount": amounts["pros"], "areas": "3"},
        {"category": COURTS, "amount": amounts["courts"], "areas": "2"},
        {"category": VS, "amount": amounts["vs"], "sa": amounts["sa_vs"], "areas": "5"},
        {"category": CS, "amount": amounts["cs"], "areas": "21"},
        {"category": DISC, "amount": amounts["prev"], "areas": "20"},
        {"category": DISC, "amount": amounts["disc"], "areas": "8", "sa": amounts["sa_disc"]},
    ]


def check(db: Path, code: str, year: int = 2026) -> dict[str, object]:
    frame = allocation_checks(db, year)
    return frame[frame["code"] == code].iloc[0].to_dict()


def test_columns_are_the_documented_contract(tmp_path: Path) -> None:
    """allocation_checks returns the documented columns, eight checks per award year, met as booleans."""
    frame = allocation_checks(load(tmp_path, compliant()))
    assert list(frame.columns) == CHECK_COLUMNS
    assert list(frame["code"]) == [
        "law_enforcement",
        "prosecution",
        "courts",
        "victim_services",
        "culturally_specific",
        "sexual_assault",
        "sexual_assault_allocations",
        "prevention_cap",
    ]
    assert str(frame["met"].dtype) == "bool"


def test_every_floor_met_exactly_at_the_floor(tmp_path: Path) -> None:
    """A register exactly at each floor (and at the cap) meets every check with $0.00 short or over."""
    frame = allocation_checks(load(tmp_path, compliant()), 2026)
    assert frame["met"].all()
    money = frame[frame["kind"] != "rule"]
    assert (money["dollars_short_or_over"] == 0).all()
    assert list(money["required_dollars"]) == [250000, 250000, 50000, 300000, 30000, 200000, 50000]
    assert (frame["base_dollars"] == 1_000_000).all()


@pytest.mark.parametrize(
    ("key", "code"), [("le", "law_enforcement"), ("pros", "prosecution"), ("courts", "courts"), ("cs", "culturally_specific")]
)
def test_one_cent_below_a_floor_is_short_by_one_cent(tmp_path: Path, key: str, code: str) -> None:
    """One cent moved from a floor category to discretionary leaves that floor short by exactly $0.01."""
    base = dict(zip(["le", "pros", "courts", "cs"], ["250000", "250000", "50000", "30000"], strict=True))
    row = check(load(tmp_path, compliant(**{key: str(Decimal(base[key]) - Decimal("0.01")), "disc": "100000.01"})), code)
    assert row["met"] is False
    assert row["dollars_short_or_over"] == pytest.approx(-0.01)
    assert "$0.01 short of" in str(row["explanation"])


@pytest.mark.parametrize(("key", "code"), [("le", "law_enforcement"), ("courts", "courts"), ("vs", "victim_services")])
def test_one_cent_above_a_floor_is_over_by_one_cent(tmp_path: Path, key: str, code: str) -> None:
    """One cent moved into a floor category meets it with $0.01 to spare."""
    base = {"le": "250000", "courts": "50000", "vs": "270000"}
    row = check(load(tmp_path, compliant(**{key: str(Decimal(base[key]) + Decimal("0.01")), "disc": "99999.99"})), code)
    assert row["met"] is True
    assert row["dollars_short_or_over"] == pytest.approx(0.01)


def test_victim_services_counts_culturally_specific(tmp_path: Path) -> None:
    """The 30% victim-services floor counts both victim-services categories; one cent less is short."""
    db = load(tmp_path, compliant(vs="269999.99", disc="100000.01"))
    row = check(db, "victim_services")
    assert row["actual_dollars"] == pytest.approx(299_999.99)
    assert row["met"] is False and row["dollars_short_or_over"] == pytest.approx(-0.01)


def test_culturally_specific_is_ten_percent_of_the_thirty(tmp_path: Path) -> None:
    """The culturally specific floor is 10% of the 30% victim-services allocation: 3% of the base."""
    row = check(load(tmp_path, compliant()), "culturally_specific")
    assert row["floor_or_cap"] == pytest.approx(0.03)
    assert row["required_dollars"] == 30_000
    assert "10.0% of all victim-services dollars" in str(row["explanation"])


@pytest.mark.parametrize(("extra", "met", "gap"), [("0", True, 0.0), ("0.01", False, 0.01), ("-0.01", True, -0.01)])
def test_prevention_cap_at_just_above_and_below(tmp_path: Path, extra: str, met: bool, gap: float) -> None:
    """Purpose area 20 at exactly 5% is within the cap; one cent more is over; one cent less is under."""
    rows = compliant(prev=str(Decimal("50000") + Decimal(extra)), disc=str(Decimal("100000") - Decimal(extra)))
    row = check(load(tmp_path, rows), "prevention_cap")
    assert (row["met"], row["dollars_short_or_over"]) == (met, pytest.approx(gap))
    assert row["kind"] == "cap"


def test_prevention_counts_a_multi_area_subgrant_in_full(tmp_path: Path) -> None:
    """A subgrant listing purpose areas 20 and 8 counts its whole award toward the 5% cap (an upper bound)."""
    rows = compliant()
    rows[6]["areas"] = "8; 20"
    row = check(load(tmp_path, rows), "prevention_cap")
    assert row["actual_dollars"] == 150_000
    assert row["met"] is False and row["dollars_short_or_over"] == 100_000
    assert "upper bound" in str(row["explanation"])


@pytest.mark.parametrize(("sa_le", "met", "gap"), [("100000", True, 0.0), ("99999.99", False, -0.01), ("100000.01", True, 0.01)])
def test_sexual_assault_twenty_percent_at_just_above_and_below(tmp_path: Path, sa_le: str, met: bool, gap: float) -> None:
    """The sexual-assault set-aside is met at exactly 20% of the base and short one cent below it."""
    row = check(load(tmp_path, compliant(sa_le=sa_le)), "sexual_assault")
    assert (row["met"], row["dollars_short_or_over"]) == (met, pytest.approx(gap))


def test_sexual_assault_in_one_allocation_fails_the_second_part(tmp_path: Path) -> None:
    """20% of sexual-assault dollars all in law enforcement meets the 20% but not the two-allocation rule."""
    db = load(tmp_path, compliant(sa_le="200000", sa_vs="0"))
    assert check(db, "sexual_assault")["met"] is True
    rule = check(db, "sexual_assault_allocations")
    assert rule["met"] is False
    assert math.isnan(float(rule["dollars_short_or_over"]))  # type: ignore[arg-type]
    assert "1 of the four statutory allocations" in str(rule["explanation"])


def test_victim_services_and_culturally_specific_are_one_allocation(tmp_path: Path) -> None:
    """Sexual-assault dollars in victim services and culturally specific victim services span only one allocation."""
    rows = compliant(sa_le="0", sa_vs="100000")
    rows[4]["sa"] = "30000"
    rule = check(load(tmp_path, rows), "sexual_assault_allocations")
    assert rule["met"] is False


def test_discretionary_sexual_assault_counts_toward_twenty_not_allocations(tmp_path: Path) -> None:
    """Discretionary sexual-assault dollars count toward the 20% but are not an allocation for the two-allocation rule."""
    db = load(tmp_path, compliant(sa_le="100000", sa_vs="0", sa_disc="100000"))
    assert check(db, "sexual_assault")["met"] is True
    rule = check(db, "sexual_assault_allocations")
    assert rule["met"] is False
    assert "discretionary" in str(rule["explanation"])


def test_required_dollars_round_up_for_a_floor(tmp_path: Path) -> None:
    """With a base of $100,000.03 the 25% floor requires $25,000.01 (rounded up), so $25,000.00 is one cent short."""
    rows = [{"category": LE, "amount": "25000.00"}, {"category": PROS, "amount": "75000.03"}]
    row = check(load(tmp_path, rows), "law_enforcement")
    assert row["required_dollars"] == pytest.approx(25_000.01)
    assert row["met"] is False and row["dollars_short_or_over"] == pytest.approx(-0.01)


def test_years_are_checked_separately(tmp_path: Path) -> None:
    """Each award year has its own base and its own eight checks; a year filter keeps one."""
    rows = compliant() + [{**r, "year": 2025, "id": f"Y25-{i}"} for i, r in enumerate(compliant(courts="40000", disc="110000"))]
    db = load(tmp_path, rows)
    frame = allocation_checks(db)
    assert sorted(set(frame["award_year"])) == [2025, 2026]
    assert len(frame) == 16
    assert check(db, "courts", 2025)["dollars_short_or_over"] == -10_000
    assert check(db, "courts", 2026)["met"] is True


def test_unknown_year_is_a_plain_error(tmp_path: Path) -> None:
    """Asking for an award year the register lacks names the years it has."""
    with pytest.raises(ExportError, match=r"award year 2019.*2026"):
        allocation_checks(load(tmp_path, compliant()), 2019)


def test_empty_register_is_a_plain_error(tmp_path: Path) -> None:
    """A database without an award register says to load one."""
    db = load(tmp_path, compliant())
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM subgrant")
    with pytest.raises(ExportError, match="load-awards"):
        allocation_checks(db)


def test_by_category_lists_all_six_and_sums_to_the_base(tmp_path: Path) -> None:
    """The category table has all six categories (zeros included) and its dollars add up to the base."""
    db = load(tmp_path, [{"category": LE, "amount": "600"}, {"category": VS, "amount": "400", "sa": "100"}])
    frame = allocation_by_category(db)
    assert len(frame) == 6
    assert frame["award_dollars"].sum() == 1000
    assert frame.set_index("allocation_category").loc[COURTS, "subgrants"] == 0
    assert frame["share"].sum() == pytest.approx(1.0)


def test_purpose_areas_match_the_register(tmp_path: Path) -> None:
    """Every purpose area 1-24 appears; counts and dollars match the register; split dollars add up to the total."""
    db = load(tmp_path, compliant())
    frame = purpose_areas(db, 2026)
    assert list(frame["purpose_area"].dropna()) == list(range(1, 25))
    with duckdb.connect(str(db), read_only=True) as con:
        expected = dict(
            con.execute("""SELECT p.purpose_area, sum(a.award_amount) FROM awards a
                                       JOIN award_purpose_areas p USING (subgrant_id) GROUP BY 1""").fetchall()
        )
    got = frame.dropna(subset=["purpose_area"]).set_index("purpose_area")
    for area in PURPOSE_AREAS:
        assert got.loc[area, "award_dollars"] == pytest.approx(float(expected.get(area, 0)))
    assert got.loc[20, "subgrants"] == 1
    assert frame["split_dollars"].sum() == pytest.approx(1_000_000)


def test_purpose_area_names_cover_the_24_areas() -> None:
    """The short-name table has exactly the 24 areas of 34 U.S.C. 10441(b), with 20 as prevention."""
    assert sorted(PURPOSE_AREAS) == list(range(1, 25))
    assert "Prevention" in PURPOSE_AREAS[20]
