"""Human drift that used to give a wrong figure in silence: each case is the right value or an issue naming the cell.

One tiny fixture per case (tests/data/make_fixtures.py, DRIFT), each asserting the
whole normalised result or the exact issue.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ingest, rows
from ingest.workbook.normalize import CellProblem, clean_id, parse_money, parse_whole, parse_yes_no

CLEAN_PARTNERS = [
    ("Advocacy Center (fictional)", False, 3),
    ("Advocacy Center Youth (fictional)", True, 1),
    ("County Attorney (fictional)", True, 2),
    ("County Sheriff (fictional)", True, 3),
    ("Regional Hospital SANE (fictional)", True, 1),
]


def issues(db: Path) -> list[tuple[object, ...]]:
    return rows(db, "SELECT sheet, cell, severity, code, message FROM ingest_issues WHERE code <> 'missing_sheet' ORDER BY sheet, cell")


def partners(db: Path) -> list[tuple[object, ...]]:
    return rows(db, "SELECT partner, mou_signed, meetings_attended FROM partners ORDER BY partner")


def test_european_number_text_is_read_and_the_ambiguous_form_is_an_error(db: Path) -> None:
    """9.100,00 is 9,100; 1.234.567 and 12,50 are read; 9.100 (9.1 or 9,100?) is an error naming its cell."""
    outcome = ingest(db, "european-number-text.xlsx").outcomes[0]
    assert outcome.status == "accepted_with_errors"
    assert rows(db, "SELECT source, amount FROM funding ORDER BY amount") == [
        ("County board", Decimal("12.50")),
        ("Lakes Foundation (fictional)", Decimal("9100.00")),
        ("Main Street Bank (fictional)", Decimal("1234567.00")),
    ]
    assert issues(db) == [
        (
            "Funding",
            "D5",
            "error",
            "ambiguous_number",
            "Funding!D5 (Amount): '9.100' could mean 9,100 or 9.1; write thousands without a dot (9100) and decimals "
            "with a dot (9.10). The row was not loaded; correct it and send the report again.",
        )
    ]


def test_percent_formatted_numbers_are_errors_that_say_what_the_cell_shows(db: Path) -> None:
    """A score of 1.0 shown as 100% is not read as 1: the issue says what the cell shows."""
    ingest(db, "percent-formatted-numbers.xlsx")
    found = issues(db)
    assert [(s, c, sev, code) for s, c, sev, code, _ in found] == [
        ("Maturity", "B2", "error", "percent_format"),
        ("Partners", "D3", "error", "percent_format"),
    ]
    assert "shows 100%" in str(found[0][4]) and "shows 50%" in str(found[1][4])
    assert rows(db, "SELECT count(*) FROM maturity_scores WHERE indicator_code = 'C1'") == [(0,)]
    assert ("County Attorney (fictional)", True, None) in partners(db)


def test_excel_error_values_are_named_an_error_when_required_and_a_warning_when_optional(db: Path) -> None:
    """#N/A in a required Amount drops its row with an error; #DIV/0! in optional Meetings attended empties the cell."""
    ingest(db, "excel-error-values.xlsx")
    assert issues(db) == [
        (
            "Funding",
            "D3",
            "error",
            "excel_error",
            "Funding!D3 (Amount): the cell shows #N/A (an Excel error); correct the formula or type the value. "
            "The row was not loaded; correct it and send the report again.",
        ),
        (
            "Partners",
            "D3",
            "warning",
            "excel_error",
            "Partners!D3 (Meetings attended): the cell shows #DIV/0! (an Excel error); correct the formula or type the value. "
            "That cell was left empty and the rest of the row was loaded; correct it in the next report.",
        ),
    ]
    assert rows(db, "SELECT source FROM funding ORDER BY 1") == [("County board",), ("Lakes Foundation (fictional)",)]
    assert ("County Attorney (fictional)", True, None) in partners(db)


def test_a_header_over_two_rows_keeps_every_column(db: Path) -> None:
    """A merged group title over MOU signed and Meetings attended: the header is found and no column is lost."""
    outcome = ingest(db, "two-row-header.xlsx").outcomes[0]
    assert (outcome.status, outcome.errors, outcome.warnings) == ("accepted", 0, 0)
    assert partners(db) == CLEAN_PARTNERS
    assert rows(db, "SELECT disciplines_present, mous_signed FROM community_period") == [(4, 4)]


def test_check_marks_are_yes_and_crosses_are_no(db: Path) -> None:
    """✓ ✔ ☑ read as yes, ✗ ✘ as no; the partners all stay."""
    outcome = ingest(db, "check-marks-in-mou.xlsx").outcomes[0]
    assert (outcome.status, outcome.errors) == ("accepted", 0)
    assert [m for (m,) in rows(db, "SELECT mou_signed FROM partner_row ORDER BY row_num")] == [True, True, True, False, False]


def test_a_second_quarter_beside_the_period_is_a_warning(db: Path) -> None:
    """B2 2026-Q1 and C2 2026-Q2: read as 2026-Q1, with a warning naming C2."""
    outcome = ingest(db, "second-quarter-in-profile.xlsx").outcomes[0]
    assert (outcome.status, outcome.period) == ("accepted", "2026-Q1")
    assert [(s, c, sev, code) for s, c, sev, code, _ in issues(db)] == [("Profile", "C2", "warning", "second_period")]


def test_formulas_with_no_saved_result_say_so_and_what_to_do(db: Path) -> None:
    """A formula saved without its result (as scripts write) is named as such, not read as 0 or as missing."""
    ingest(db, "formulas-without-saved-values.xlsx")
    found = issues(db)
    assert [(s, c, sev, code) for s, c, sev, code, _ in found] == [
        ("Funding", "D2", "error", "formula_without_value"),
        ("Partners", "D2", "warning", "formula_without_value"),
    ]
    assert all("formula with no saved result" in str(m) and "open the workbook in Excel and save it" in str(m) for *_, m in found)
    assert ("County Sheriff (fictional)", True, None) in partners(db)
    assert rows(db, "SELECT count(*) FROM funding WHERE amount = 0") == [(0,)]


def test_a_period_formula_with_no_saved_result_refuses_with_the_reason(db: Path) -> None:
    """The Profile's period as an unsaved formula: refused, telling the grantee to open and save it in Excel."""
    outcome = ingest(db, "formula-period-without-saved-value.xlsx").outcomes[0]
    assert outcome.status == "rejected"
    [(code, message)] = rows(db, "SELECT code, message FROM ingest_issues")
    assert code == "no_period"
    assert message.startswith("Profile!B2 (Reporting period): the cell holds a formula with no saved result; open the workbook in Excel")


def test_lookalike_dashes_and_invisible_characters_in_the_subgrant_id_are_normalised(db: Path) -> None:
    """An en dash, a non-breaking hyphen and a zero-width space in the ID are read as the register's MN-T-001."""
    outcome = ingest(db, "lookalike-characters-in-subgrant-id.xlsx").outcomes[0]
    assert (outcome.status, outcome.subgrant_id) == ("accepted", "MN-T-001")


def test_a_lookalike_letter_in_the_subgrant_id_is_named(db: Path) -> None:
    """A Cyrillic М for M cannot be guessed: the refusal names the character so the grantee can retype it."""
    ingest(db, "cyrillic-letter-in-subgrant-id.xlsx")
    [(message,)] = rows(db, "SELECT message FROM ingest_issues")
    assert "'М' (cyrillic capital letter em)" in message and "retype the ID" in message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("9.100,00", Decimal("9100.00")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("1 234 567,89", Decimal("1234567.89")),
        ("12,50", Decimal("12.50")),
        ("12,500", Decimal("12500.00")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("$12,500.00", Decimal("12500.00")),
        ("12.5", Decimal("12.50")),
        ("12.50", Decimal("12.50")),
        ("1234.567", Decimal("1234.57")),
    ],
)
def test_unambiguous_number_forms(text: str, value: Decimal) -> None:
    """US and European forms that can only mean one thing are read as that thing."""
    assert parse_money(text) == value


@pytest.mark.parametrize("text", ["9.100", "1.000", "12.345", "-1.500"])
def test_ambiguous_number_forms_are_problems(text: str) -> None:
    """A dot before exactly three digits could be a decimal or a thousands mark: a problem, never a guess."""
    with pytest.raises(CellProblem) as problem:
        parse_money(text)
    assert problem.value.code == "ambiguous_number"
    with pytest.raises(CellProblem):
        parse_whole(text)


@pytest.mark.parametrize("text", ["#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", " #n/a "])
def test_excel_error_text_is_named(text: str) -> None:
    """An Excel error typed or cached as text is an excel_error, not a bad amount or a missing value."""
    for reader in (parse_money, parse_whole, parse_yes_no):
        with pytest.raises(CellProblem) as problem:
            reader(text)
        assert problem.value.code == "excel_error" and "(an Excel error)" in (problem.value.found or "")


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("MN\u2013T\u2013001", "MN-T-001"),
        ("MN\u2011T-001\u200b", "MN-T-001"),
        ("\ufeffMN-T-001", "MN-T-001"),
        ("MN\u2212T\u2014001", "MN-T-001"),
    ],
)
def test_ids_lose_lookalike_dashes_and_invisible_characters(text: str, clean: str) -> None:
    """Dashes that look like a hyphen become one; characters nobody can see are dropped."""
    assert clean_id(text) == clean


def test_no_internal_names_reach_a_person() -> None:
    """Damaged workbooks (cut short, bytes flipped) are refused in words a grantee can act on, never a program's names."""
    import random
    import re

    from conftest import DATA
    from ingest.config import settings
    from ingest.workbook.report import parse_report

    data = (DATA / "clean-report.xlsx").read_bytes()
    rng = random.Random(10)
    variants = [data[:cut] for cut in range(200, len(data), max(1, len(data) // 25))]
    for _ in range(40):
        broken = bytearray(data)
        for _flip in range(rng.randint(1, 6)):
            broken[rng.randrange(60, len(broken))] = rng.randrange(256)
        variants.append(bytes(broken))
    internal = re.compile(r"[A-Z][a-z]+(?:Error|Exception)\b|BadZipFile|WorksheetNotFound|Traceback|Errno|\bNone\b|0x[0-9a-f]+")
    refused = 0
    for i, variant in enumerate(variants):
        report = parse_report(variant, f"damaged-{i}.xlsx", settings())
        for issue in report.issues:
            assert not internal.search(issue.message), issue.message
            assert issue.message.rstrip().endswith((".", ")")), issue.message
        refused += report.refusal is not None
    assert refused >= len(variants) // 2


def test_an_unreadable_count_of_people_is_never_quoted(db: Path, tmp_path: Path) -> None:
    """'about 4' in Survivors engaged or a Services count is an issue that does not repeat the value."""
    import openpyxl

    from conftest import DATA
    from ingest.pipeline import ingest_paths

    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    wb["Profile"]["B7"] = "about 4"
    wb["Services"]["B2"], wb["Services"]["C2"] = "3 people", "2.5"
    path = tmp_path / "counts.xlsx"
    wb.save(path)
    ingest_paths([path], db, workers=1)
    messages = [m for (m,) in rows(db, "SELECT message FROM ingest_issues WHERE sheet IN ('Profile', 'Services')")]
    assert len(messages) == 3 and all("not a whole number" in m for m in messages)
    assert not any(word in m for m in messages for word in ("about 4", "3 people", "2.5"))


@pytest.mark.parametrize(
    "fixture", ["workbook-part-at-nonstandard-path.xlsx", "workbook-part-at-package-root.xlsx", "backslashes-in-part-names.xlsx"]
)
def test_packages_laid_out_by_other_programs_are_followed_by_their_relationships(db: Path, fixture: str) -> None:
    """The workbook part elsewhere, at the root, or with backslashes: read exactly like the clean report."""
    outcome = ingest(db, fixture).outcomes[0]
    assert (outcome.status, outcome.subgrant_id, outcome.period, outcome.errors) == ("accepted", "MN-T-001", "2026-Q1", 0)
    assert partners(db) == CLEAN_PARTNERS
    assert rows(db, "SELECT leveraged_total, practices_in_place FROM community_period") == [(Decimal("16500.50"), 4)]


@pytest.mark.parametrize(
    "fixture", ["workbook-part-at-nonstandard-path.xlsx", "workbook-part-at-package-root.xlsx", "backslashes-in-part-names.xlsx"]
)
def test_the_guard_follows_the_same_relationships(fixture: str) -> None:
    """A victim-name label in a package laid out another way is still found."""
    import io
    import zipfile

    from conftest import DATA
    from ingest.errors import FileRefused
    from ingest.workbook.guard import check_package

    src = zipfile.ZipFile(DATA / fixture)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.replace("\\", "/").endswith("worksheets/sheet2.xml"):
                body = body.replace(b"</row>", b'<c r="Z1" t="inlineStr"><is><t>Client names</t></is></c></row>', 1)
            dst.writestr(info, body)
    with pytest.raises(FileRefused) as refused:
        check_package(out.getvalue())
    assert refused.value.code == "victim_identifying_data" and "Partners" in refused.value.message


@pytest.mark.parametrize(
    ("fixture", "named"),
    [("binary-workbook.xlsx", "Excel Binary Workbook (.xlsb)"), ("opendocument-spreadsheet.xlsx", "OpenDocument spreadsheet (.ods")],
)
def test_other_spreadsheet_formats_are_named_with_the_fix(db: Path, fixture: str, named: str) -> None:
    """.xlsb and .ods are refused by their real name, with how to save them as .xlsx."""
    ingest(db, fixture)
    [(code, message)] = rows(db, "SELECT code, message FROM ingest_issues")
    assert code == "not_a_workbook" and named in message and ".xlsx" in message
