"""Each fixture workbook ingested into a real DuckDB, asserting the whole normalized result."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

from conftest import DATA, ingest, rows


def test_clean_report_gives_the_hand_computed_community_period(db: Path) -> None:
    """A by-the-template report loads fully and community_period equals the schema's definitions by hand."""
    summary = ingest(db, "clean-report.xlsx")
    assert [(o.status, o.errors, o.warnings) for o in summary.outcomes] == [("accepted", 0, 0)]
    assert rows(db, "SELECT * FROM community_period") == [
        (
            "MN-T-001",
            "Northwoods Response Team",
            "2026-Q1",
            2.9,
            "Coordination",  # mean of 3,3,2,4,3,3,2,2,3,4
            4,  # law enforcement, prosecution, community-based advocacy (twice), health care
            "Child protection and social services; Courts; Tribal government or program",  # tribal: the award lists Fond du Lac
            4,
            5,
            1,
            4,
            12,
            Decimal("6500.50"),
            Decimal("16500.50"),
            0.165,
        )
    ]


def test_clean_report_rows_land_in_every_view(db: Path) -> None:
    """Partners, scores, protocols, practices, funding, TA and services views hold the report's rows."""
    ingest(db, "clean-report.xlsx")
    assert rows(db, "SELECT partner, discipline, mou_signed, meetings_attended FROM partners ORDER BY partner")[0] == (
        "Advocacy Center (fictional)",
        "Community-based advocacy",
        False,
        3,
    )
    assert rows(db, "SELECT count(*), sum(score) FROM maturity_scores") == [(10, 29)]
    assert rows(db, "SELECT protocol, focus, step, step_name, adopted_on, last_reviewed_on FROM protocols ORDER BY step DESC") == [
        (
            "Sex trafficking response protocol",
            "Sex trafficking and sexual exploitation",
            5,
            "Renewing interagency agreements",
            dt.date(2025, 6, 1),
            dt.date(2025, 12, 1),
        ),
        ("Youth Safe Harbor protocol", "Youth (Safe Harbor)", 3, "Community needs assessment", None, None),
    ]
    assert rows(db, "SELECT status, count(*) FROM survivor_practices GROUP BY 1 ORDER BY 1") == [
        ("In place", 4),
        ("Not in place", 2),
        ("Planned", 2),
    ]
    assert rows(db, "SELECT source, source_type, form, amount, is_private, counts_toward_match FROM funding ORDER BY amount") == [
        ("Main Street Bank (fictional)", "Corporate", "In-kind", Decimal("1500.50"), True, False),
        ("Lakes Foundation (fictional)", "Private foundation", "Cash", Decimal("5000.00"), True, False),
        ("County board", "Local government", "Cash", Decimal("10000.00"), False, True),
    ]
    assert rows(db, "SELECT topic, requested_on, status FROM ta_requests") == [
        ("Writing an MOU with the tribal police", dt.date(2026, 2, 1), "Open")
    ]
    assert rows(db, "SELECT victimization, served, partially_served, not_served FROM services") == [("Sex trafficking", 7, 1, 0)]


def test_messy_headers_and_values_are_read_like_the_template(db: Path) -> None:
    """Synonyms, odd case, title rows, merged cells, blank rows, NBSP and value forms all read correctly."""
    summary = ingest(db, "messy-headers.xlsx")
    outcome = summary.outcomes[0]
    assert (outcome.status, outcome.subgrant_id, outcome.period, outcome.errors) == ("accepted", "MN-T-001", "2026-Q1", 0)
    assert rows(db, "SELECT partner, discipline, mou_signed, meetings_attended FROM partners ORDER BY partner") == [
        ("Band program (fictional)", "Tribal government or program", True, 1),
        ("County Attorney's office (fictional)", "Prosecution", False, None),
        ("Hospital (fictional)", "Health care (incl. SANE)", True, 2),
        ("Sheriff's office (fictional)", "Law enforcement", True, 4),
    ]
    assert rows(db, "SELECT indicator_code, score FROM maturity_scores ORDER BY score, indicator_code") == [
        ("C4", 1),
        ("C3", 2),
        ("C7", 2),
        ("C2", 3),
        ("C6", 3),
        ("C1", 4),
        ("C5", 5),
    ]
    assert rows(db, "SELECT protocol, focus, step, adopted_on, last_reviewed_on FROM protocols ORDER BY step") == [
        ("Youth protocol", "Youth (Safe Harbor)", 2, None, None),
        ("Trafficking protocol", "Sex trafficking and sexual exploitation", 4, None, None),
        ("DV protocol", "Domestic violence", 6, dt.date(2025, 3, 15), dt.date(2026, 3, 15)),
    ]
    assert rows(db, "SELECT practice_code, status FROM survivor_practices ORDER BY 1") == [
        ("S1", "In place"),
        ("S2", "Not in place"),
        ("S3", "Planned"),
    ]
    assert rows(db, "SELECT source_type, form, amount, counts_toward_match FROM funding ORDER BY amount") == [
        ("State government", "Cash", Decimal("1000.00"), False),
        ("Civic or faith-based", "In-kind", Decimal("2500.00"), False),
        ("Private foundation", "Cash", Decimal("12500.00"), True),
    ]
    cp = rows(db, "SELECT maturity_score, maturity_level, survivors_engaged, essential_missing, leveraged_private FROM community_period")
    # 7 indicators readable (enough): (4+3+2+1+5+3+2)/7 = 2.857...
    assert cp == [(2.86, "Coordination", 4, "Child protection and social services; Community-based advocacy; Courts", Decimal("15000.00"))]
    assert rows(db, "SELECT sheet, cell, severity, code FROM ingest_issues") == [("MDT Members", "E4", "warning", "unknown_column")]


def test_period_start_and_end_dates_of_one_quarter_give_the_period(db: Path) -> None:
    """Period start / Period end exactly one calendar quarter apart is that quarter."""
    outcome = ingest(db, "period-start-end.xlsx").outcomes[0]
    assert (outcome.status, outcome.period) == ("accepted", "2026-Q2")


def test_profile_only_report_records_unknown_not_zero(db: Path) -> None:
    """Missing optional sheets are warnings and NULL (unknown) in community_period, never zero."""
    outcome = ingest(db, "profile-only.xlsx").outcomes[0]
    assert (outcome.status, outcome.period, outcome.warnings) == ("accepted", "2026-Q3", 5)
    assert rows(db, "SELECT * EXCLUDE (subgrant_id, community, period) FROM community_period") == [(None,) * 12]
    assert {r[0] for r in rows(db, "SELECT code FROM ingest_issues")} == {"missing_sheet"}


def test_row_errors_drop_only_their_rows_and_name_the_cell(db: Path) -> None:
    """A bad required value drops its row, a bad optional one only empties its cell; each issue names sheet, cell and column."""
    outcome = ingest(db, "row-errors.xlsx").outcomes[0]
    assert (outcome.status, outcome.errors) == ("accepted_with_errors", 7)
    issues = rows(db, "SELECT sheet, cell, severity, code FROM ingest_issues WHERE sheet IS NOT NULL ORDER BY sheet, cell")
    assert issues == [
        ("Funding", "C2", "error", "negative_amount"),
        ("Funding", "C3", "error", "not_money"),
        ("Maturity", "A9", "error", "duplicate_indicator"),
        ("Maturity", "B4", "error", "score_out_of_range"),
        ("Partners", "A4", "error", "missing_value"),
        ("Partners", "B3", "error", "unknown_discipline"),
        ("Partners", "C5", "warning", "not_yes_no"),
        ("Partners", "D5", "warning", "not_whole_number"),
        ("Profile", "B7", "error", "negative_count"),
    ]
    message = rows(db, "SELECT message FROM ingest_issues WHERE code = 'unknown_discipline'")[0][0]
    assert message.startswith("Partners!B3 (Discipline): 'Astrology' is not a discipline")
    assert rows(db, "SELECT message FROM ingest_issues WHERE code = 'missing_value'")[0][0] == (
        "Partners!A4 (Partner): this required cell is empty. The row was not loaded; correct it and send the report again."
    )
    assert rows(db, "SELECT partner, mou_signed, meetings_attended FROM partners ORDER BY 1") == [
        ("Good partner", True, 2),
        ("Half-day partner", None, None),
    ]
    # 6 readable indicators is fewer than 7: the score is unknown.
    assert rows(db, "SELECT maturity_score, leveraged_total, survivors_engaged FROM community_period") == [(None, Decimal("750.00"), None)]


def test_contact_details_in_notes_are_redacted_but_profile_email_kept(db: Path) -> None:
    """E-mails and phone numbers in notes become [redacted] with a warning; formula-like text stays text."""
    ingest(db, "contact-in-notes.xlsx")
    notes = rows(db, "SELECT notes FROM maturity_row ORDER BY row_num")
    assert notes == [
        ("Ask [redacted] or call [redacted] for details",),
        ("Backup line [redacted]",),
        ('=HYPERLINK("http://example.org","see")',),
    ]
    assert rows(db, "SELECT email FROM submission") == [("preparer@example.org",)]
    assert rows(db, "SELECT cell, code FROM ingest_issues WHERE code = 'contact_redacted' ORDER BY cell") == [
        ("C2", "contact_redacted"),
        ("C3", "contact_redacted"),
    ]


def test_formula_cells_are_read_by_their_cached_values(db: Path) -> None:
    """A formula's cached value is read, and a matching Total row gives no warning."""
    ingest(db, "formula-cached-values.xlsx")
    assert rows(db, "SELECT amount FROM funding ORDER BY source") == [(Decimal("1000.00"),), (Decimal("1000.00"),)]
    assert rows(db, "SELECT count(*) FROM ingest_issues WHERE code = 'total_mismatch'") == [(0,)]


def test_total_row_that_disagrees_is_a_warning(db: Path, tmp_path: Path) -> None:
    """A Total row whose amount differs from the rows' sum is a warning naming its cell."""
    import openpyxl

    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    wb["Funding"]["D5"] = 99999
    path = tmp_path / "total-row-mismatch.xlsx"
    wb.save(path)
    from ingest.pipeline import ingest_paths

    ingest_paths([path], db, workers=1)
    assert rows(db, "SELECT cell, severity FROM ingest_issues WHERE code = 'total_mismatch'") == [("D5", "warning")]
    assert rows(db, "SELECT leveraged_total FROM community_period") == [(Decimal("16500.50"),)]


def test_same_bytes_twice_are_skipped(db: Path) -> None:
    """Identical bytes ingested again are skipped, with no new submission row."""
    ingest(db, "clean-report.xlsx")
    summary = ingest(db, "clean-report.xlsx")
    assert [o.status for o in summary.outcomes] == ["skipped"]
    assert summary.exit_code == 0
    assert rows(db, "SELECT count(*) FROM submissions") == [(1,)]


def test_newer_file_for_same_quarter_supersedes_the_older(db: Path) -> None:
    """A new file for the same subgrant and quarter supersedes the old one; views show only the newest."""
    ingest(db, "clean-report.xlsx", "clean-report-revised.xlsx")
    assert rows(db, "SELECT source_file, status FROM submissions ORDER BY submission_id") == [
        ("clean-report.xlsx", "superseded"),
        ("clean-report-revised.xlsx", "accepted"),
    ]
    assert rows(db, "SELECT survivors_engaged, disciplines_present FROM community_period") == [(15, 5)]
    assert rows(db, "SELECT count(*) FROM partners") == [(6,)]


def test_originals_are_archived_by_sha256(db: Path) -> None:
    """Every accepted file is kept byte for byte under archive/; nothing of a refused file is."""
    ingest(db, "clean-report.xlsx", "csv-renamed.xlsx", "unknown-subgrant.xlsx")
    [(sha, name)] = rows(db, "SELECT sha256, source_file FROM submissions WHERE status = 'accepted'")
    assert (db.parent / "archive" / f"{sha}.xlsx").read_bytes() == (DATA / name).read_bytes()
    register = hashlib.sha256((DATA / "register.xlsx").read_bytes()).hexdigest()
    assert sorted(p.name for p in (db.parent / "archive").iterdir()) == sorted([f"{sha}.xlsx", f"{register}.xlsx"])
