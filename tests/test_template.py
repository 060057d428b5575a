"""The blank quarterly progress-report workbook (report-workbook.md, section 2)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from ingest.vocab import (
    DISCIPLINES,
    FOCUSES,
    FUNDING_FORMS,
    FUNDING_TYPES,
    INDICATORS,
    PRACTICE_STATUSES,
    PRACTICES,
    STEPS,
    TA_STATUSES,
    VICTIMIZATIONS,
    word_key,
)
from stopdash.template import write_template

TABLES = {
    "Partners": ["Partner", "Discipline", "MOU signed", "Meetings attended"],
    "Maturity": ["Indicator", "Score", "Notes"],
    "Protocols": ["Protocol", "Focus", "Step", "Adopted on", "Last reviewed"],
    "Survivor engagement": ["Practice", "Status"],
    "Funding": ["Source", "Type", "Form", "Amount", "Counts toward match"],
    "TA requests": ["Topic", "Requested on", "Status"],
    "Services": ["Victimization", "Served", "Partially served", "Not served"],
}
PROFILE_LABELS = [
    "Subgrant ID",
    "Reporting period",
    "Prepared by",
    "Email",
    "Date submitted",
    "Collaborative meetings held",
    "Survivors engaged",
]
# Labels the ingest refuses as victim-identifying (matched with word_key).
IDENTIFYING_LABELS = {
    "victim name",
    "client name",
    "survivor name",
    "name",
    "first name",
    "last name",
    "date of birth",
    "dob",
    "birth date",
    "social security number",
    "ssn",
    "home address",
    "street address",
    "address",
}
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "report.xlsx")


@pytest.fixture(scope="module")
def wb(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def validation_at(ws, cell: str):
    """The data validation that covers ``cell`` (None if there is none)."""
    for dv in ws.data_validations.dataValidation:
        if cell in dv.sqref:
            return dv
    return None


def list_values(wb, dv) -> list[str]:
    """The choices of a list validation, inline ("a,b") or as a range on another sheet."""
    assert dv is not None and dv.type == "list"
    formula = dv.formula1.lstrip("=")
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [str(c.value) for row in ws.iter_rows(min_row, max_row, min_col, max_col) for c in row]


def test_returns_the_path(path: Path) -> None:
    """write_template returns the path it wrote, and the file is a readable workbook."""
    assert path.name == "report.xlsx" and path.stat().st_size > 0


def test_sheet_names_and_order(wb) -> None:
    """Instructions comes first, then the eight report sheets by their spec names, then the hidden Lists."""
    assert wb.sheetnames == ["Instructions", "Profile", *TABLES, "Lists"]
    assert wb.active.title == "Instructions"
    assert wb["Lists"].sheet_state == "hidden"
    assert all(wb[name].sheet_state == "visible" for name in wb.sheetnames[:-1])


def test_profile_labels_in_column_a(wb) -> None:
    """Profile holds the seven spec labels in column A, with empty values in column B."""
    ws = wb["Profile"]
    assert [ws.cell(row=r, column=1).value for r in range(1, 8)] == PROFILE_LABELS
    assert all(ws.cell(row=r, column=2).value is None for r in range(1, 8))
    assert ws.max_column <= 2


@pytest.mark.parametrize("sheet", list(TABLES))
def test_table_headers(wb, sheet: str) -> None:
    """Each table sheet has exactly the spec's headers in row 1, bold, with the header row frozen."""
    ws = wb[sheet]
    row = [c.value for c in ws[1]]
    assert row == TABLES[sheet]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"


def test_discipline_dropdown_is_the_vocabulary(wb) -> None:
    """The Discipline dropdown offers exactly the 19 canonical disciplines, in order."""
    dv = validation_at(wb["Partners"], "B2")
    assert list_values(wb, dv) == DISCIPLINES
    assert len(DISCIPLINES) == 19
    assert "B200" in dv.sqref and dv.showErrorMessage


@pytest.mark.parametrize(
    ("sheet", "cell", "expected"),
    [
        ("Partners", "C2", ["Yes", "No"]),
        ("Maturity", "B2", ["1", "2", "3", "4", "5"]),
        ("Protocols", "B2", FOCUSES),
        ("Survivor engagement", "B2", PRACTICE_STATUSES),
        ("Funding", "B2", FUNDING_TYPES),
        ("Funding", "C2", FUNDING_FORMS),
        ("Funding", "E2", ["Yes", "No"]),
        ("TA requests", "C2", TA_STATUSES),
        ("Services", "A2", VICTIMIZATIONS),
    ],
)
def test_vocabulary_dropdowns(wb, sheet: str, cell: str, expected: list[str]) -> None:
    """Every vocabulary column has a list dropdown with the canonical values, down to row 200."""
    dv = validation_at(wb[sheet], cell)
    assert list_values(wb, dv) == expected
    assert cell[0] + "200" in dv.sqref


def test_step_dropdown_uses_number_dash_name(wb) -> None:
    """The Step dropdown offers "N - Name" for steps 0 to 8, which the ingest reads by its number."""
    values = list_values(wb, validation_at(wb["Protocols"], "C2"))
    assert values == [f"{n} - {name}" for n, name in enumerate(STEPS)]
    for n, value in enumerate(values):
        assert re.match(rf"^{n} - ", value)
    for dv in wb["Protocols"].data_validations.dataValidation:
        if dv.type == "list":
            assert len(dv.formula1) <= 255  # Excel's limit on a list formula


def test_maturity_prefilled_with_indicator_codes(wb) -> None:
    """Maturity lists C1..C10 in the Indicator column, each code's name in its cell comment."""
    ws = wb["Maturity"]
    assert ws.max_row == 11  # nothing below the codes (it would be read as a data row)
    codes = [ws.cell(row=r, column=1).value for r in range(2, 12)]
    assert codes == [f"C{n}" for n in range(1, 11)] == list(INDICATORS)
    for r, name in enumerate(INDICATORS.values(), start=2):
        assert name in ws.cell(row=r, column=1).comment.text
        assert ws.cell(row=r, column=2).value is None


def test_survivor_engagement_prefilled_with_practice_codes(wb) -> None:
    """Survivor engagement lists S1..S8 in the Practice column and nothing else below them."""
    ws = wb["Survivor engagement"]
    assert [ws.cell(row=r, column=1).value for r in range(2, 10)] == list(PRACTICES)
    assert ws.max_row == 9


def test_services_prefilled_with_victimizations(wb) -> None:
    """Services lists the five victimization types with empty counts."""
    ws = wb["Services"]
    assert [ws.cell(row=r, column=1).value for r in range(2, 7)] == VICTIMIZATIONS
    assert all(ws.cell(row=r, column=c).value is None for r in range(2, 7) for c in (2, 3, 4))


@pytest.mark.parametrize(
    ("sheet", "cell", "kind"),
    [
        ("Profile", "B6", "whole"),
        ("Profile", "B7", "whole"),
        ("Partners", "D2", "whole"),
        ("Services", "B2", "whole"),
        ("Services", "D200", "whole"),
        ("Funding", "D2", "decimal"),
        ("Funding", "D200", "decimal"),
    ],
)
def test_number_validations(wb, sheet: str, cell: str, kind: str) -> None:
    """Counts accept whole numbers >= 0 and Amount accepts decimals >= 0."""
    dv = validation_at(wb[sheet], cell)
    assert dv is not None and dv.type == kind
    assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"


def test_amount_and_date_formats(wb) -> None:
    """Amount cells are formatted as dollars and date columns as dates."""
    assert wb["Funding"]["D2"].number_format == "$#,##0.00"
    assert wb["Funding"]["D200"].number_format == "$#,##0.00"
    for sheet, cell in [("Profile", "B5"), ("Protocols", "D2"), ("Protocols", "E2"), ("TA requests", "B2")]:
        assert wb[sheet][cell].is_date or "yy" in wb[sheet][cell].number_format


def test_no_victim_identifying_labels(wb) -> None:
    """No header, label or other cell reads as a victim-identifying field, and no cell looks like an SSN."""
    headers = [h for hs in TABLES.values() for h in hs] + PROFILE_LABELS
    for header in headers:
        words = set(word_key(header).split())
        assert not words & {"name", "names", "dob", "birth", "address", "ssn", "social"}, header
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                text = str(cell.value)
                assert word_key(text) not in IDENTIFYING_LABELS, (ws.title, cell.coordinate)
                assert not SSN.search(text), (ws.title, cell.coordinate)


def test_instructions_state_confidentiality_and_forms(wb) -> None:
    """Instructions explain each sheet, the accepted forms, and the aggregate-only confidentiality rule."""
    text = "\n".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value is not None)
    assert "aggregate information only" in text.lower()
    assert "refused" in text
    for needle in ["2026-Q1", "Networking", "Collaboration", "4 - Writing the protocol", "Yes or No"]:
        assert needle in text
    for sheet in TABLES:
        assert sheet in text
    for code, name in {**INDICATORS, **PRACTICES}.items():
        assert f"{code}  {name}" in text


def test_output_is_reproducible(tmp_path: Path, path: Path) -> None:
    """Writing the template twice gives the same bytes, with fixed created/modified dates."""
    again = write_template(tmp_path / "again.xlsx")
    assert again.read_bytes() == path.read_bytes()
    props = openpyxl.load_workbook(again).properties
    assert props.created == props.modified
    assert props.created.year == 2026
