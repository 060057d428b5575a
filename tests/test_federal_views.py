"""The federal reporting views on a hand-built portfolio: every figure below is worked out by hand in the test.

Registers and reports are real .xlsx files written here with openpyxl and loaded through the real path into the real DuckDB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import FEDERAL_HEADER, OLD_HEADER, rows
from ingest.allocation_rules import RULES
from ingest.pipeline import ingest_paths, load_register
from ingest.workbook.awards import FEDERAL_AWARD_HEADER
from stopdash.queries.allocation import allocation_checks

A = "15JOVW-24-GG-00001-STOP"  # on the Federal awards sheet
B = "15JOVW-25-GG-00002-STOP"  # not on it
Y25 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def sub(
    sid: str, cat: str, amount: int, *, sa: int = 0, match: int = 0, dates=Y25, tribes="", areas="5", fed=(A, None, None, None)
) -> list[object]:
    fain, award_date, returned, exempt = fed
    return [sid, "Org (test)", "Community (test)", cat, dates[1].year, amount, sa, match, *dates, "Hennepin", tribes, areas,
            fain, award_date, "ABCDEFGH1234", returned, exempt]  # fmt: skip


SUBGRANTS = [
    sub("LE-1", "Law enforcement", 300_000, sa=100_000, match=75_000, fed=(A, dt.date(2024, 12, 15), 5_000, "No")),
    sub("PR-1", "Prosecution", 250_000, match=60_000, fed=(A, None, None, "Yes")),  # exempt by the column
    sub("CO-1", "Courts", 40_000, match=10_000),
    sub("VS-1", "Victim services", 260_000, sa=150_000, match=65_000),  # exempt by category
    sub("CS-1", "Culturally specific victim services", 20_000),
    sub("DI-1", "Discretionary", 30_000, match=7_500, tribes="Red Lake Nation", areas="20"),  # exempt: tribal
    # Spans two calendar years, on a federal award the Federal awards sheet does not list.
    sub("SP-1", "Law enforcement", 80_000, match=2_000, dates=(dt.date(2025, 7, 1), dt.date(2026, 6, 30)), fed=(B, None, None, None)),
]


def register(path: Path, subgrants: list[list[object]], *, federal: bool = True) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Subgrants"
    ws.append(OLD_HEADER + FEDERAL_HEADER if federal else OLD_HEADER)
    for r in subgrants:
        ws.append(r if federal else r[: len(OLD_HEADER)])
    if federal:
        fa = wb.create_sheet("Federal awards")
        fa.append(FEDERAL_AWARD_HEADER)
        fa.append([A, 2024, 1_200_000, 120_000, dt.date(2024, 10, 1), dt.date(2028, 9, 30)])
    wb.save(path)
    return path


def report(path: Path, sid: str, period: str, **sheets: list[list[object]]) -> Path:
    """A progress report: Profile, then each named sheet (header row first)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Profile"
    ws.append(["Subgrant ID", sid])
    ws.append(["Reporting period", period])
    for k, v in sheets.pop("profile", []):
        ws.append([k, v])
    names = {"partners": "Partners", "protocols": "Protocols", "funding": "Funding", "ta": "TA requests", "services": "Services"}
    for key, table in sheets.items():
        sheet = wb.create_sheet(names[key])
        for r in table:
            sheet.append(r)
    wb.save(path)
    return path


def received(db: Path, files: list[tuple[Path, dt.date]]) -> None:
    """Ingest the files as if each reached the state on its date."""
    when = {hashlib.sha256(p.read_bytes()).hexdigest(): dt.datetime.combine(d, dt.time(12)) for p, d in files}
    summary = ingest_paths([p for p, _ in files], db, workers=1, received=when)
    assert all(o.status in ("accepted", "accepted_with_errors") for o in summary.outcomes), summary.outcomes


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    db = tmp_path / "stopdash.duckdb"
    parsed = load_register(register(tmp_path / "register.xlsx", SUBGRANTS), db)
    assert [i.message for i in parsed.issues if i.severity == "error"] == []
    d = tmp_path / "reports"
    d.mkdir()
    files = [
        (report(d / "le1-q1.xlsx", "LE-1", "2025-Q1", funding=[["Source", "Type", "Form", "Amount", "Counts toward match"],
                                                                ["County (test)", "Local government", "Cash", 50_000, "Yes"]]),
         dt.date(2025, 4, 20)),
        (report(d / "le1-q2.xlsx", "LE-1", "2025-Q2", funding=[["Source", "Type", "Form", "Amount", "Counts toward match"],
                                                                ["Volunteers (test)", "Other", "In-kind", 10_000, "Yes"]]),
         dt.date(2025, 8, 9)),
        (report(d / "le1-q4.xlsx", "LE-1", "2025-Q4"), dt.date(2026, 1, 15)),
        (report(
            d / "sp1-q3.xlsx", "SP-1", "2025-Q3",
            profile=[["Collaborative meetings held", 4]],
            partners=[["Partner", "Discipline", "MOU signed"], ["Police (test)", "Law enforcement", "Yes"],
                      ["Sheriff (test)", "Law enforcement", "No"], ["Advocates (test)", "Community-based advocacy", "No"]],
            protocols=[["Protocol", "Step", "Adopted on", "Last reviewed"], ["Response (test)", 5, dt.date(2025, 8, 1), None]],
            funding=[["Source", "Type", "Form", "Amount", "Counts toward match"],
                     ["County (test)", "Local government", "Cash", 1_000, "Yes"],
                     ["Volunteers (test)", "Other", "In-kind", 500, "Yes"],
                     ["Foundation (test)", "Private foundation", "Cash", 2_000, "No"]],
            services=[["Victimization", "Served", "Partially served", "Not served"], ["Sexual assault", 3, 1, 0]],
            ta=[["Topic", "Requested on"], ["MOU template", dt.date(2025, 8, 2)], ["Data sharing", dt.date(2025, 9, 2)]],
        ), dt.date(2025, 10, 30)),
        (report(
            d / "sp1-2026q1.xlsx", "SP-1", "2026-Q1",
            profile=[["Collaborative meetings held", 2]],
            partners=[["Partner", "Discipline", "MOU signed"], ["Police (test)", "Law enforcement", "Yes"],
                      ["County attorney (test)", "Prosecution", "Yes"]],
            funding=[["Source", "Type", "Form", "Amount", "Counts toward match"],
                     ["County (test)", "Local government", "Cash", 700, "Yes"]],
            services=[["Victimization", "Served", "Partially served", "Not served"], ["Domestic violence", 5, 0, 2]],
        ), dt.date(2026, 4, 10)),
    ]  # fmt: skip
    received(db, files)
    return db


def test_federal_awards_funds_awarded_and_returned(portfolio: Path) -> None:
    got = rows(portfolio, "SELECT * FROM federal_awards ORDER BY federal_award_number")
    # A: 300,000 + 250,000 + 40,000 + 260,000 + 20,000 + 30,000 = 900,000 subawarded; 5,000 returned (LE-1; the
    # others' returns are blank, so unknown); unobligated 1,200,000 − 120,000 − 900,000 + 5,000 = 185,000.
    assert got[0] == (A, 2024, Decimal(1_200_000), Decimal(120_000), dt.date(2024, 10, 1), dt.date(2028, 9, 30),
                      6, Decimal(900_000), Decimal(5_000), None, Decimal(185_000), True)  # fmt: skip
    # B is named by SP-1 only: no award figures, nothing returned known, unobligated unknown.
    assert got[1] == (B, None, None, None, None, None, 1, Decimal(80_000), None, None, None, False)


def test_allocation_ledger_per_federal_award_by_hand(portfolio: Path) -> None:
    got = {
        r[0]: r[1:]
        for r in rows(
            portfolio,
            "SELECT code, base_dollars, required_dollars, actual_dollars, met, dollars_short_or_over, "
            "base_with_admin_dollars, required_with_admin_dollars, met_with_admin FROM allocation_ledger WHERE federal_award_number = ?",
            [A],
        )
    }
    d = Decimal
    base, admin = d(900_000), d(1_080_000)  # subawarded on A; A's 1,200,000 less its 120,000 admin share
    assert got == {
        "law_enforcement": (base, d(225_000), d(300_000), True, d(75_000), admin, d(270_000), True),
        "prosecution": (base, d(225_000), d(250_000), True, d(25_000), admin, d(270_000), False),
        "courts": (base, d(45_000), d(40_000), False, d(-5_000), admin, d(54_000), False),
        "victim_services": (base, d(270_000), d(280_000), True, d(10_000), admin, d(324_000), False),
        "culturally_specific": (base, d(27_000), d(20_000), False, d(-7_000), admin, d(32_400), False),
        "sexual_assault": (base, d(180_000), d(250_000), True, d(70_000), admin, d(216_000), True),
        # LE-1 and VS-1 hold sexual-assault dollars: two allocations.
        "sexual_assault_allocations": (base, None, d(250_000), True, None, admin, None, True),
        "prevention_cap": (base, d(45_000), d(30_000), True, d(-15_000), admin, d(54_000), True),
    }
    # B is not on the Federal awards sheet: the with-admin base is unknown, so are its results.
    b = rows(
        portfolio, "SELECT base_dollars, base_with_admin_dollars, met_with_admin FROM allocation_ledger WHERE federal_award_number = ?", [B]
    )
    assert len(b) == 8 and all(r == (Decimal(80_000), None, None) for r in b)
    assert {r[0] for r in rows(portfolio, "SELECT base FROM allocation_ledger")} == {
        "Dollars subawarded on this federal award (the register's award amounts of its subgrants)"
    }


def test_ledger_applies_the_same_rules_as_the_allocation_checks(portfolio: Path) -> None:
    """A's subgrants are exactly award year 2025: each check agrees with the Allocation page's, row for row."""
    page = allocation_checks(portfolio, 2025)
    ledger = rows(portfolio, "SELECT code, kind, required_dollars, actual_dollars, met, dollars_short_or_over FROM allocation_ledger "
                  "WHERE federal_award_number = ? ORDER BY code", [A])  # fmt: skip
    expected = sorted(
        (r.code, r.kind, None if r.kind == "rule" else Decimal(str(r.required_dollars)), Decimal(str(r.actual_dollars)), r.met,
         None if r.kind == "rule" else Decimal(str(r.dollars_short_or_over)))
        for r in page.itertuples()
    )  # fmt: skip
    assert [tuple(x) for x in ledger] == expected


def test_calendar_year_roll_up_of_a_subgrant_spanning_two_years(portfolio: Path) -> None:
    got = rows(portfolio, "SELECT * FROM calendar_year_subgrant WHERE subgrant_id = 'SP-1' ORDER BY calendar_year")
    d = Decimal
    assert got == [
        # 2025: one quarter (Q3); three partners, one MOU; protocol at step 5 adopted 2025-08-01; cash 1,000 + 2,000, in-kind 500.
        ("SP-1", 2025, 1, 3, {"Community-based advocacy": 1, "Law enforcement": 2}, 1, 4, 1, 1, 0, None, None, 3, 1, 0,
         d(3_000), d(500), d(3_500), 2),
        # 2026: Q1 only; no Protocols or TA sheet that year, so those are unknown, not zero.
        ("SP-1", 2026, 1, 2, {"Law enforcement": 1, "Prosecution": 1}, 2, 2, None, None, None, None, None, 5, 0, 2,
         d(700), d(0), d(700), None),
    ]  # fmt: skip
    # A year whose reports had no optional sheet: every figure of those sheets is unknown.
    le = rows(portfolio, "SELECT quarters_reported, partners, partners_by_discipline, mous_signed, services_served, ta_requests, "
              "leveraged_total FROM calendar_year_subgrant WHERE subgrant_id = 'LE-1'")  # fmt: skip
    assert le == [(3, None, None, None, None, None, Decimal(60_000))]


def test_report_timeliness_on_time_late_missing_and_not_yet_due(portfolio: Path) -> None:
    got = {
        (r[0], r[1]): r[2:]
        for r in rows(portfolio, "SELECT subgrant_id, period, due_on, received_on, days_late, status FROM report_timeliness")
    }
    d = dt.date
    # As of 2026-04-30: the latest reporting quarter (2026-Q1) ends 2026-03-31, plus 30 days.
    assert got[("LE-1", "2025-Q1")] == (d(2025, 4, 30), d(2025, 4, 20), 0, "on time")
    assert got[("LE-1", "2025-Q2")] == (d(2025, 7, 30), d(2025, 8, 9), 10, "late")
    assert got[("LE-1", "2025-Q3")] == (d(2025, 10, 30), None, 182, "missing")  # 2025-10-30 to 2026-04-30
    assert got[("LE-1", "2025-Q4")] == (d(2026, 1, 30), d(2026, 1, 15), 0, "on time")
    assert got[("SP-1", "2025-Q3")] == (d(2025, 10, 30), d(2025, 10, 30), 0, "on time")  # on the due day
    assert got[("SP-1", "2025-Q4")] == (d(2026, 1, 30), None, 90, "missing")
    assert got[("SP-1", "2026-Q1")] == (d(2026, 4, 30), d(2026, 4, 10), 0, "on time")
    assert got[("SP-1", "2026-Q2")] == (d(2026, 7, 30), None, None, "not yet due")
    # SP-1 owes nothing before it started; LE-1 nothing after it ended.
    assert sorted(p for s, p in got if s == "SP-1") == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert sorted(p for s, p in got if s == "LE-1") == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_match_status_exempt_by_default_and_by_the_column(portfolio: Path) -> None:
    got = {r[0]: r[1:] for r in rows(portfolio, "SELECT * FROM match_status")}
    d = Decimal
    # LE-1: 75,000 required; 50,000 cash + 10,000 in-kind documented; 15,000 short.
    assert got["LE-1"] == (2025, d(75_000), False, d(50_000), d(10_000), d(60_000), d(15_000), False)
    assert got["PR-1"][2] is True and got["PR-1"][-2:] == (d(0), True)  # exempt: the register says so
    assert got["VS-1"][2] is True and got["VS-1"][-2:] == (d(0), True)  # victim services: exempt by default
    assert got["DI-1"][2] is True and got["DI-1"][-2:] == (d(0), True)  # serves a tribal nation: exempt by default
    # CO-1 sent no report: nothing documented is known, and the whole 10,000 is short.
    assert got["CO-1"] == (2025, d(10_000), False, None, None, None, d(10_000), False)
    # SP-1 across both years: 1,000 + 700 cash, 500 in-kind = 2,200 against 2,000.
    assert got["SP-1"] == (2026, d(2_000), False, d(1_700), d(500), d(2_200), d(0), True)


def test_federal_deadlines(portfolio: Path) -> None:
    got = rows(portfolio, "SELECT deadline, due_on, subgrant_id, status FROM federal_deadlines WHERE calendar_year = 2025 "
               "AND deadline <> 'Quarterly progress report' ORDER BY due_on, deadline, subgrant_id")  # fmt: skip
    d = dt.date
    # FFATA: LE-1's 300,000 awarded on 2024-12-15 is reported by the end of the next month (the only award date given),
    # in the calendar year of the award.
    ffata = rows(
        portfolio, "SELECT calendar_year, due_on, subgrant_id, status FROM federal_deadlines WHERE deadline = 'Subaward report (FFATA)'"
    )
    assert ffata == [(2024, d(2025, 1, 31), "LE-1", "due date passed")]
    assert ("Quarterly financial report", d(2025, 4, 30), None, "due date passed") in got
    assert ("STOP Administrator report", d(2026, 3, 31), None, "due date passed") in got
    assert ("Subgrantee annual data", d(2026, 1, 31), "SP-1", "due date passed") in got
    # 2026's reports are judged at 2026-04-30 too.
    later = rows(portfolio, "SELECT status FROM federal_deadlines WHERE calendar_year = 2026 AND deadline = 'STOP Administrator report'")
    assert later == [("not yet due",)]
    progress = rows(portfolio, "SELECT status FROM federal_deadlines WHERE subgrant_id = 'SP-1' AND deadline = 'Quarterly progress report' "
                    "ORDER BY due_on")  # fmt: skip
    assert progress == [("on time",), ("missing",), ("on time",), ("not yet due",)]


def test_a_register_without_the_new_columns(tmp_path: Path) -> None:
    """Nothing breaks: no federal award is known, the ledger is empty, match exemption falls back on the default rules."""
    db = tmp_path / "stopdash.duckdb"
    load_register(register(tmp_path / "register.xlsx", SUBGRANTS, federal=False), db)
    # A Partners sheet with no rows: the partners are known to be none, not unknown.
    received(
        db, [(report(tmp_path / "le1.xlsx", "LE-1", "2025-Q1", partners=[["Partner", "Discipline", "MOU signed"]]), dt.date(2025, 5, 2))]
    )
    assert rows(db, "SELECT partners, partners_by_discipline, mous_signed, protocols_adopted FROM calendar_year_subgrant") == [
        (0, {}, 0, None)
    ]
    assert rows(db, "SELECT count(*) FROM federal_awards") == [(0,)]
    assert rows(db, "SELECT count(*) FROM allocation_ledger") == [(0,)]
    exempt = dict(rows(db, "SELECT subgrant_id, match_exempt FROM match_status"))  # type: ignore[arg-type]
    assert exempt == {"LE-1": False, "PR-1": False, "CO-1": False, "VS-1": True, "CS-1": True, "DI-1": True, "SP-1": False}
    assert rows(db, "SELECT due_on, days_late, status FROM report_timeliness WHERE subgrant_id = 'LE-1' AND period = '2025-Q1'") == [
        (dt.date(2025, 4, 30), 2, "late")
    ]
    assert rows(db, "SELECT count(*) FROM federal_deadlines WHERE deadline = 'Subaward report (FFATA)'") == [(0,)]


CATEGORIES = ["Law enforcement", "Prosecution", "Courts", "Victim services", "Culturally specific victim services", "Discretionary"]


@pytest.mark.parametrize("seed", range(4))
def test_ledger_agrees_with_the_allocation_checks_on_generated_registers(tmp_path: Path, seed: int) -> None:
    """Awards in odd cents over two years, one federal award per year: every check agrees, and rounding is to the cent."""
    rng = random.Random(seed)
    fains = {2025: "15JOVW-24-GG-00101-STOP", 2026: "15JOVW-25-GG-00102-STOP"}
    subgrants = []
    for year, fain in fains.items():
        for n in range(rng.randint(4, 9)):
            amount = Decimal(rng.randint(1_000_00, 400_000_00)) / 100
            sa = (amount * Decimal(rng.choice([0, 0, 1, 3]) / 4)).quantize(Decimal("0.01"))
            areas = rng.choice(["5", "20", "5; 20", "1"])
            subgrants.append(
                sub(f"G-{year}-{n}", rng.choice(CATEGORIES), amount, sa=sa, dates=(dt.date(year, 1, 1), dt.date(year, 12, 31)),  # type: ignore[arg-type]
                    areas=areas, fed=(fain, None, None, None))
            )  # fmt: skip
    path = register(tmp_path / "register.xlsx", subgrants)
    # The Federal awards sheet lists the 2025 award only (admin share in odd cents); 2026's is unknown.
    award, admin = Decimal(rng.randint(2_000_000_00, 3_000_000_00)) / 100, Decimal(rng.randint(1_00, 200_000_00)) / 100
    wb = load_workbook(path)
    ws = wb["Federal awards"]
    ws.delete_rows(2)
    ws.append([fains[2025], 2024, award, admin, dt.date(2024, 10, 1), dt.date(2028, 9, 30)])
    wb.save(path)
    db = tmp_path / "stopdash.duckdb"
    assert [i.message for i in load_register(path, db).issues if i.severity == "error"] == []
    share = {r.code: r.share for r in RULES}
    for year, fain in fains.items():
        page = sorted(allocation_checks(db, year).itertuples(), key=lambda r: r.code)
        ledger = rows(db, "SELECT code, base_dollars, required_dollars, actual_dollars, met, dollars_short_or_over, "
                      "required_with_admin_dollars, met_with_admin FROM allocation_ledger "
                      "WHERE federal_award_number = ? ORDER BY code", [fain])  # fmt: skip
        assert [r[0] for r in ledger] == [r.code for r in page]
        for got, want in zip(ledger, page, strict=True):
            code, base, required, actual, met, gap, req_admin, met_admin = got
            assert base == Decimal(str(want.base_dollars)) and actual == Decimal(str(want.actual_dollars)) and met == want.met, code
            if want.kind == "rule":
                assert required is None and gap is None
                continue
            assert (required, gap) == (Decimal(str(want.required_dollars)), Decimal(str(want.dollars_short_or_over))), code
            if year == 2026:
                assert (req_admin, met_admin) == (None, None)
                continue
            exact = (award - admin) * share[code]
            assert req_admin == exact.quantize(Decimal("0.01"), rounding=ROUND_CEILING if want.kind == "floor" else ROUND_FLOOR), code
            assert met_admin == (actual >= req_admin if want.kind == "floor" else actual <= req_admin), code


def test_the_federal_calendar_comes_from_the_config_file(portfolio: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[federal] in data/config.toml moves the due dates, the as-of date and the FFATA threshold without code changes."""
    import re
    import shutil

    from ingest import config
    from ingest.store.db import connection

    folder = tmp_path / "cfg"
    shutil.copytree(config.DATA_DIR, folder, ignore=shutil.ignore_patterns("demo", "*.duckdb*", "archive"))
    text = (folder / "config.toml").read_text()
    for key, value in {"report_due_days": "10", "annual_data_due": '"02-15"', "ffata_threshold": "400000"}.items():
        text, n = re.subn(rf"^{key} = \S+", f"{key} = {value}", text, flags=re.M)
        assert n == 1, key
    (folder / "config.toml").write_text(text)
    monkeypatch.setenv("STOPDASH_CONFIG", str(folder / "config.toml"))
    with connection(portfolio):
        pass  # reopening for writing refreshes the views from the configuration
    got = dict(rows(portfolio, "SELECT period, due_on FROM report_timeliness WHERE subgrant_id = 'LE-1'"))  # type: ignore[arg-type]
    assert got["2025-Q2"] == dt.date(2025, 7, 10)
    # LE-1's Q1 report, received 2025-04-20, is now 10 days late; as of 2026-04-10 its missing Q3 is 2025-10-10 + 182 days late.
    late = rows(portfolio, "SELECT days_late, status FROM report_timeliness WHERE subgrant_id = 'LE-1' "
                "AND period IN ('2025-Q1', '2025-Q3') ORDER BY period")  # fmt: skip
    assert late == [(10, "late"), (182, "missing")]
    annual = rows(portfolio, "SELECT DISTINCT due_on FROM federal_deadlines WHERE calendar_year = 2025 "
                  "AND deadline = 'Subgrantee annual data'")  # fmt: skip
    assert annual == [(dt.date(2026, 2, 15),)]
    assert rows(portfolio, "SELECT count(*) FROM federal_deadlines WHERE deadline = 'Subaward report (FFATA)'") == [(0,)]
