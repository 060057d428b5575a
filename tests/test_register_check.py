"""The register check runs before storing, as a pure function: same findings, the report passed in untouched."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from conftest import DATA, ingest, rows
from ingest.checks import Award, check_batch, check_register, read_awards, register_key
from ingest.errors import FileRefused
from ingest.workbook.report import Issue, ParsedReport

AWARDS = {
    "mn-stop-2025-009": Award("MN-STOP-2025-009", dt.date(2025, 7, 1), dt.date(2026, 12, 31)),
    "mn-t-001": Award("MN-T-001", dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
}


def _report(subgrant_id: str | None = "MN-STOP-2025-009", period: str | None = "2026-Q1") -> ParsedReport:
    return ParsedReport(
        source_file="report.xlsx",
        sha256="0" * 64,
        subgrant_id=subgrant_id,
        period=period,
        profile={"prepared_by": "Demo Preparer", "meetings_held": 3},
        sections={"partners": [(2, {"partner": "County Sheriff", "discipline": "Law enforcement"})], "funding": None},
        issues=[Issue("Partners", "D2", "warning", "unknown_column", "Partners!D2: the column 'Ref' is not part of the report.")],
    )


def _quarters(first: int, last: int) -> list[str]:
    return [f"{year}-Q{q}" for year in range(first, last + 1) for q in range(1, 5)]


@pytest.mark.parametrize("period", _quarters(2024, 2027))
def test_a_quarter_is_refused_exactly_when_it_misses_the_award(period: str) -> None:
    within = set(_quarters(2025, 2026)) - {"2025-Q1", "2025-Q2"}  # the award runs 07/01/2025 to 12/31/2026
    report = _report(period=period)
    checked = check_register(report, AWARDS)
    if period in within:
        assert checked.issues == [] and checked.report.refusal is None
        assert checked.report.sections == report.sections and checked.report.issues == report.issues
    else:
        assert [(i.code, i.severity, i.sheet, i.cell) for i in checked.issues] == [("period_outside_award", "error", None, None)]
        assert checked.issues[0].message == (
            f"The reporting period {period} is outside subgrant MN-STOP-2025-009's dates (07/01/2025 to 12/31/2026). "
            "Check the period on the Profile sheet."
        )
        # A refused report keeps only the refusal: its rows are not stored.
        assert checked.report.refusal is not None and checked.report.refusal.code == "period_outside_award"
        assert checked.report.issues == checked.issues and checked.report.sections == {} and checked.report.profile == {}
        assert (checked.report.subgrant_id, checked.report.period) == ("MN-STOP-2025-009", period)


@pytest.mark.parametrize(
    ("written", "odd"),
    [
        ("MN-STOP-1999-999", ""),
        ("MN-STOP-2025-0009", ""),
        ("MN-T-002", ""),
        ("\u041cN-T-001", "'\u041c' (cyrillic capital letter em)"),  # a Cyrillic М that looks like M
        ("MN\u2011T\u2011001", "'\u2011' (non-breaking hyphen)"),
    ],
)
def test_an_unknown_subgrant_is_refused_and_odd_characters_are_named(written: str, odd: str) -> None:
    checked = check_register(_report(subgrant_id=written), AWARDS)
    hint = f"It contains {odd}, which may look like an ordinary letter or sign but is not; retype the ID. " if odd else ""
    assert [(i.code, i.message) for i in checked.issues] == [
        (
            "unknown_subgrant",
            f"Subgrant ID '{written}' is not in the award register. {hint}"
            "Check it against your award letter; if it is right, ask the state to load the current register.",
        )
    ]
    assert checked.report.registered_id is None and checked.report.subgrant_id == written


@pytest.mark.parametrize("written", ["MN-STOP-2025-009", "mn-stop-2025-009", " MN-stop-2025-009 ", "Mn-Stop-2025-009\t"])
def test_a_known_subgrant_passes_and_carries_the_registers_spelling(written: str) -> None:
    checked = check_register(_report(subgrant_id=written), AWARDS)
    assert checked.issues == [] and checked.report.refusal is None
    assert checked.report.registered_id == "MN-STOP-2025-009" and checked.report.subgrant_id == written
    assert register_key(written) in AWARDS


@pytest.mark.parametrize(("subgrant_id", "period"), [("MN-STOP-1999-999", "2026-Q1"), ("MN-STOP-2025-009", "2024-Q4")])
def test_the_report_passed_in_is_left_as_it_was(subgrant_id: str, period: str) -> None:
    report = _report(subgrant_id, period)
    before = copy.deepcopy(report)
    checked = check_register(report, AWARDS)
    assert checked.report is not report and checked.report.refusal is not None
    assert report == before


def test_a_report_refused_earlier_or_without_id_or_period_is_not_checked_again() -> None:
    refused = _report(subgrant_id="MN-STOP-1999-999").refuse(FileRefused("no_period", "Sheet 'Profile' has no reporting period."))
    unread = [refused, _report(subgrant_id=None), _report(period=None)]
    for report, checked in zip(unread, check_batch(unread, AWARDS), strict=True):
        assert checked.issues == [] and checked.report.refusal is report.refusal
        assert (checked.report.issues, checked.report.sections, checked.report.profile) == (report.issues, report.sections, report.profile)
    # Refused for another reason, a known ID is still written as the register writes it.
    refused_known = _report(subgrant_id="mn-t-001").refuse(FileRefused("no_period", "Sheet 'Profile' has no reporting period."))
    checked = check_register(refused_known, AWARDS)
    assert checked.issues == [] and checked.report.registered_id == "MN-T-001"
    assert [i.code for i in checked.report.issues] == ["no_period"]


def test_an_empty_register_refuses_every_report() -> None:
    assert [c.issues[0].code for c in check_batch([_report(), _report("MN-T-001", "2025-Q1")], {})] == ["unknown_subgrant"] * 2


def test_the_register_is_read_in_one_query_and_the_stored_outcome_is_the_checks(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        awards = read_awards(con)
    finally:
        con.close()
    stored = rows(db, "SELECT subgrant_key, subgrant_id, start_date, end_date FROM subgrant ORDER BY 1")
    assert sorted((k, a.subgrant_id, a.start, a.end) for k, a in awards.items()) == stored and stored
    for name, code in (("unknown-subgrant.xlsx", "unknown_subgrant"), ("period-outside-award.xlsx", "period_outside_award")):
        summary = ingest(db, name)
        [outcome] = summary.outcomes
        issues = rows(db, "SELECT code, message FROM issue WHERE submission_id = ?", [outcome.submission_id])
        [expected] = [c.issues for c in check_batch([_parsed(name)], awards)]
        assert outcome.status == "rejected" and [(i.code, i.message) for i in expected] == issues
        assert issues[0][0] == code and outcome.message == issues[0][1]


def _parsed(name: str) -> ParsedReport:
    from ingest.config import settings
    from ingest.workbook.report import parse_report

    return parse_report((DATA / name).read_bytes(), name, settings())
