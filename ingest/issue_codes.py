"""The catalogue of issue codes: every code the ingest can log, with its severity and what it means.

`docs/ingest.md` holds the table :func:`markdown_table` writes (a test compares
them), and a test checks that every code the engine raises is listed here and
every code listed here is raised, so the docs and the product cannot drift.
Run `python -m ingest.issue_codes` to print the table after adding a code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    severity: str  # "error" or "warning"
    effect: str  # what happens to the file, row or cell
    meaning: str


_FILE = "file refused"
_READ = "file refused: not read"
_ROW = "row dropped (required column) or cell left empty (optional)"
_REG = "register row not loaded"

CODES: dict[str, Code] = {
    # The file as bytes, before any reader.
    "not_a_workbook": Code("error", _READ, "not an Excel workbook (a CSV, web page, PDF, image, Word file or other zip renamed to .xlsx)"),
    "xls_format": Code("error", _READ, "an old Excel 97-2003 .xls file"),
    "encrypted_file": Code("error", _READ, "protected with a password"),
    "corrupt_file": Code("error", _READ, "damaged, or a part of it cannot be checked"),
    "empty_file": Code("error", _READ, "0 bytes"),
    "unreadable_file": Code("error", _READ, "cannot be opened, or not as Excel writes a workbook"),
    "file_too_large": Code("error", _READ, "over the size limit ([limits] max_file_mb)"),
    "zip_bomb": Code("error", _READ, "would expand past 200 MB or 100:1"),
    "xml_entities": Code("error", _READ, "declares XML entities, which Excel never writes"),
    "sheet_too_large": Code("error", _READ, "a sheet spans more cells than a report can hold (declared or real extent)"),
    "too_many_rows": Code("error", _READ, "a sheet has more rows than a report can hold"),
    "too_complex": Code("error", _READ, "reading it needed more memory than any report needs"),
    "parse_timeout": Code("error", _READ, "reading it took longer than any report needs"),
    "symlink_not_followed": Code("error", _READ, "a link inside a folder given to ingest; links are not followed"),
    # Confidentiality (ingest.workbook.guard).
    "victim_identifying_data": Code("error", _READ, "a label or a Social Security number anywhere in the package identifies people served"),
    "uncheckable_content": Code("error", _READ, "a picture, embedded object or macro project that cannot be checked for identifying data"),
    # The Profile and the register check.
    "no_profile_sheet": Code("error", _FILE, "no Profile sheet"),
    "no_subgrant_id": Code("error", _FILE, "no readable Subgrant ID on the Profile"),
    "no_period": Code("error", _FILE, "no readable reporting period on the Profile"),
    "unknown_subgrant": Code("error", _FILE, "the Subgrant ID is not in the award register"),
    "period_outside_award": Code("error", _FILE, "the quarter does not overlap the subgrant's dates"),
    "no_register_table": Code("error", "register refused", "no sheet of the award register has its table"),
    # Values (rows and cells).
    "missing_value": Code("error", "row dropped", "a required cell is empty"),
    "not_money": Code("error", _ROW, "not a dollar amount"),
    "ambiguous_number": Code("error", _ROW, "a number that could be read two ways (9.100: 9.1 or 9,100)"),
    "not_whole_number": Code("error", _ROW, "not a whole number"),
    "not_yes_no": Code("error", _ROW, "not yes or no"),
    "not_a_date": Code("error", _ROW, "not a date"),
    "not_a_quarter": Code("error", _ROW, "not a calendar quarter"),
    "excel_error": Code("error", _ROW, "the cell shows an Excel error (#N/A, #DIV/0!, ...); a warning in an optional column"),
    "formula_without_value": Code(
        "error", _ROW, "a formula saved with no result (open and save it in Excel); a warning in an optional column"
    ),
    "percent_format": Code("error", _ROW, "a number cell formatted as a percentage, so it shows something other than the value"),
    "invalid_score": Code("error", _ROW, "not a maturity score"),
    "score_out_of_range": Code("error", _ROW, "a maturity score outside 1-5"),
    "unknown_step": Code("error", _ROW, "not a protocol step 0-8"),
    "unknown_discipline": Code("error", _ROW, "not a discipline of the template's list"),
    "unknown_focus": Code("error", _ROW, "not a protocol focus of the list"),
    "unknown_indicator": Code("error", _ROW, "not an indicator C1-C10"),
    "unknown_practice": Code("error", _ROW, "not a survivor practice S1-S8"),
    "unknown_status": Code("error", _ROW, "not a status of the list"),
    "unknown_funding_type": Code("error", _ROW, "not a funding type of the list"),
    "unknown_form": Code("error", _ROW, "not Cash or In-kind"),
    "unknown_victimization": Code("error", _ROW, "not a victimization of the list"),
    "negative_amount": Code("error", _ROW, "a dollar amount below zero"),
    "negative_count": Code("error", _ROW, "a count below zero"),
    "invalid_value": Code("error", _ROW, "a value of the wrong kind"),
    "duplicate_indicator": Code("error", "row dropped", "an indicator listed twice; the first is kept"),
    "duplicate_practice": Code("error", "row dropped", "a practice listed twice; the first is kept"),
    "duplicate_victimization": Code("error", "row dropped", "a victimization listed twice; the first is kept"),
    # Sheets.
    "missing_columns": Code("error", "sheet not read", "a sheet is there but its required columns are not; it counts as missing"),
    # Warnings: read, with a note.
    "missing_sheet": Code("warning", "recorded as unknown", "an optional sheet is missing; what it would tell is unknown (NULL), not zero"),
    "unknown_column": Code("warning", "column ignored", "a column that is not part of the report"),
    "total_mismatch": Code("warning", "Total row ignored", "a Total row disagrees with the rows"),
    "contact_redacted": Code("warning", "text redacted", "an e-mail, phone number or street address in free text became [redacted]"),
    "second_period": Code("warning", "read as the first quarter", "the Profile gives a second quarter beside the first"),
    # The award register's own rules.
    "unknown_category": Code("error", _REG, "not an allocation category"),
    "unknown_county": Code("error", _REG, "not a county of the configured state"),
    "unknown_tribal_nation": Code("error", _REG, "not a tribal nation of the configured state"),
    "unknown_purpose_area": Code("error", _REG, "not a STOP purpose area 1-24"),
    "award_not_positive": Code("error", _REG, "an award amount of zero or less"),
    "sa_amount_out_of_range": Code("error", _REG, "a sexual-assault amount below zero or above the award"),
    "end_before_start": Code("error", _REG, "an end date on or before the start date"),
    "invalid_year": Code("error", _REG, "not a four-digit award year"),
    "duplicate_subgrant_id": Code("error", _REG, "a Subgrant ID used twice (case-insensitively)"),
    # The register's federal columns and its Federal awards sheet.
    "invalid_uei": Code("warning", "cell left empty", "a UEI that is not exactly 12 letters and digits"),
    "returned_out_of_range": Code("error", "cell left empty", "funds returned below zero or above the award"),
    "unknown_federal_award": Code("warning", "subgrant loaded", "a federal award number not on the Federal awards sheet"),
    "duplicate_federal_award": Code(
        "error", "row not loaded", "a federal award listed twice on the Federal awards sheet; the first is kept"
    ),
    "admin_share_out_of_range": Code("error", "cell left empty", "an administrative share above the federal award amount"),
}


def markdown_table() -> str:
    """The issue-code table of docs/ingest.md."""
    lines = ["| code | severity | effect | meaning |", "|---|---|---|---|"]
    lines += [f"| `{code}` | {c.severity} | {c.effect} | {c.meaning} |" for code, c in CODES.items()]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - prints the table for docs/ingest.md
    print(markdown_table())
