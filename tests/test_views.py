"""The public views: their columns (a contract) and the TA-priority rules across quarters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from conftest import ingest, rows
from ingest.pipeline import ingest_paths

# Why this snapshot matters: analysts query these views directly from Excel and BI tools.
# A diff here breaks their work; change a view only with a migration and a docs note.
PUBLIC_VIEWS = {
    "awards": [
        "subgrant_id",
        "organization",
        "community",
        "allocation_category",
        "award_year",
        "award_amount",
        "sa_amount",
        "match_required",
        "start_date",
        "end_date",
        "federal_award_number",
        "award_date",
        "uei",
        "returned_unused",
        "match_exempt",
        "match_exempt_stated",
    ],
    "award_counties": ["subgrant_id", "county_fips", "county_name"],
    "submissions": [
        "submission_id",
        "subgrant_id",
        "period",
        "source_file",
        "sha256",
        "ingested_at",
        "status",
        "error_count",
        "warning_count",
    ],
    "ingest_issues": ["submission_id", "source_file", "sheet", "cell", "severity", "code", "message"],
    "partners": ["subgrant_id", "period", "partner", "discipline", "mou_signed", "meetings_attended"],
    "maturity_scores": ["subgrant_id", "period", "indicator_code", "score"],
    "protocols": ["subgrant_id", "period", "protocol", "focus", "step", "step_name", "adopted_on", "last_reviewed_on"],
    "survivor_practices": ["subgrant_id", "period", "practice_code", "status"],
    "funding": ["subgrant_id", "period", "source", "source_type", "form", "amount", "is_private", "counts_toward_match"],
    "community_period": [
        "subgrant_id",
        "community",
        "period",
        "maturity_score",
        "maturity_level",
        "disciplines_present",
        "essential_missing",
        "mous_signed",
        "protocol_step_max",
        "protocols_adopted",
        "practices_in_place",
        "survivors_engaged",
        "leveraged_private",
        "leveraged_total",
        "leverage_ratio",
    ],
    "ta_priority": ["subgrant_id", "community", "period", "need_score", "reasons"],
    # Federal reporting (schema 3).
    "federal_awards": [
        "federal_award_number", "federal_fiscal_year", "award_amount", "admin_share", "period_start", "period_end",
        "subgrants", "subawarded", "returned", "reawarded", "unobligated", "known",
    ],
    "allocation_ledger": [
        "federal_award_number", "code", "check", "kind", "floor_or_cap", "base", "base_dollars", "required_dollars",
        "actual_dollars", "actual_share", "met", "dollars_short_or_over", "base_with_admin_dollars",
        "required_with_admin_dollars", "met_with_admin",
    ],
    "calendar_year_subgrant": [
        "subgrant_id", "calendar_year", "quarters_reported", "partners", "partners_by_discipline", "mous_signed",
        "meetings_held", "protocols_developed", "protocols_adopted", "protocols_reviewed", "survivor_practices_in_place",
        "survivors_engaged", "services_served", "services_partially_served", "services_not_served", "leveraged_cash",
        "leveraged_in_kind", "leveraged_total", "ta_requests",
    ],
    "report_timeliness": ["subgrant_id", "period", "due_on", "received_on", "days_late", "status"],
    "match_status": [
        "subgrant_id", "award_year", "match_required", "match_exempt", "documented_cash", "documented_in_kind",
        "documented", "short_by", "met",
    ],
    "federal_deadlines": ["calendar_year", "deadline", "due_on", "what", "subgrant_id", "status"],
}  # fmt: skip


def test_public_views_keep_their_names_and_columns(db: Path) -> None:
    """Every public view of reporting-schema.md exists with exactly its documented columns, in order."""
    for view, columns in PUBLIC_VIEWS.items():
        got = [
            r[0]
            for r in rows(db, "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [view])
        ]
        assert got == columns, view


def test_money_columns_are_decimal_14_2(db: Path) -> None:
    """Money is DECIMAL(14,2) in every public view."""
    found = rows(
        db,
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE column_name IN "
        "('award_amount', 'sa_amount', 'match_required', 'amount', 'leveraged_private', 'leveraged_total')",
    )
    assert found and all(t == "DECIMAL(14,2)" for _, _, t in found)


def report(
    path: Path,
    subgrant: str,
    period: str,
    *,
    scores: list[int],
    step: int,
    practices_in_place: int,
    private: float,
    disciplines: list[str],
    reviewed: dt.date | None = None,
) -> Path:
    """A minimal but complete progress report written as a real workbook."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Profile"
    ws.append(["Subgrant ID", subgrant])
    ws.append(["Reporting period", period])
    ws = wb.create_sheet("Partners")
    ws.append(["Partner", "Discipline"])
    for i, d in enumerate(disciplines):
        ws.append([f"Partner {i} (fictional)", d])
    ws = wb.create_sheet("Maturity")
    ws.append(["Indicator", "Score"])
    for i, s in enumerate(scores, start=1):
        ws.append([f"C{i}", s])
    ws = wb.create_sheet("Protocols")
    ws.append(["Protocol", "Step", "Last reviewed"])
    ws.append(["Response protocol", step, reviewed])
    ws = wb.create_sheet("Survivor engagement")
    ws.append(["Practice", "Status"])
    for i in range(1, 9):
        ws.append([f"S{i}", "In place" if i <= practices_in_place else "Planned"])
    ws = wb.create_sheet("Funding")
    ws.append(["Source", "Type", "Amount"])
    ws.append(["Foundation (fictional)", "Private foundation", private])
    ws.append(["County (fictional)", "Local government", 1000])
    wb.save(path)
    return path


ALL_ESSENTIAL = ["Law enforcement", "Prosecution", "Community-based advocacy", "Health care", "Child protection", "Courts"]


def test_ta_priority_gives_each_reason_with_its_weight(db: Path, tmp_path: Path) -> None:
    """Stalled protocol, low and falling maturity, missing partners, no practices or private money, a missing report."""
    stuck = [
        report(
            tmp_path / f"stuck-{q}.xlsx",
            "MN-T-001",
            f"2026-Q{q}",
            scores=[s] * 10,
            step=3,
            practices_in_place=0,
            private=0,
            disciplines=["Law enforcement", "Prosecution"],
        )
        for q, s in [(1, 3), (2, 3), (3, 2)]
    ]
    strong = [
        report(
            tmp_path / f"strong-{q}.xlsx",
            "MN-T-002",
            f"2026-Q{q}",
            scores=[4] * 10,
            step=6,
            practices_in_place=5,
            private=5000,
            disciplines=ALL_ESSENTIAL,
            reviewed=dt.date(2024, 12, 1),
        )
        for q in (1, 2)
    ]
    ingest_paths(stuck + strong, db, workers=1)
    result = {r[0]: r[1:] for r in rows(db, "SELECT subgrant_id, period, need_score, reasons FROM ta_priority")}
    assert result["MN-T-001"] == (
        "2026-Q3",
        3 + 3 + 2 + 4 + 3 + 1,
        [
            "Protocol has stayed at step 3 (Community needs assessment) for 3 quarters",
            "Collaboration maturity is low: 2.00 (Cooperation), below 2.5",
            "Collaboration maturity fell 1.00 since 2026-Q2 (3.00 to 2.00)",
            "Essential partners missing from the table: Child protection and social services; Community-based advocacy; Courts; "
            "Health care (incl. SANE); Tribal government or program",
            "No survivor-engagement practice is in place",
            "No private funding reported in the last 4 quarters",
        ],
    )
    assert result["MN-T-002"] == (
        "2026-Q2",
        2 + 3,
        [
            "1 adopted protocol has not been reviewed in the last 12 months",
            "No accepted report for 2026-Q3, the latest quarter",
        ],
    )


def test_ta_priority_weights_come_from_the_config_file(db: Path, tmp_path: Path, monkeypatch) -> None:
    """Changing a weight in the config file changes need_score without code changes."""
    import shutil

    from ingest import config
    from ingest.store.db import connection

    folder = tmp_path / "cfg"
    shutil.copytree(config.DATA_DIR, folder, ignore=shutil.ignore_patterns("demo", "*.duckdb*", "archive"))
    text = (folder / "config.toml").read_text().replace("[ta_rules.report_missing]\nweight = 3", "[ta_rules.report_missing]\nweight = 11")
    (folder / "config.toml").write_text(text)
    monkeypatch.setenv("STOPDASH_CONFIG", str(folder / "config.toml"))
    ingest(db, "clean-report.xlsx")
    with connection(db):
        pass  # reopening for writing refreshes the views from the configuration
    assert rows(db, "SELECT need_score FROM ta_priority WHERE subgrant_id = 'MN-T-002'") == [(11,)]


def test_expected_reports_follow_award_dates_up_to_the_reporting_quarter(db: Path) -> None:
    """Each subgrant owes a report for every quarter its dates overlap, up to the latest reported quarter."""
    ingest(db, "clean-report.xlsx", "clean-report-next-quarter.xlsx")
    assert rows(db, "SELECT subgrant_id, period, received FROM expected_reports ORDER BY 1, 2") == [
        ("MN-T-001", "2026-Q1", True),
        ("MN-T-001", "2026-Q2", True),
        ("MN-T-002", "2026-Q1", False),
        ("MN-T-002", "2026-Q2", False),
        ("MN-T-003", "2026-Q2", False),
    ]
