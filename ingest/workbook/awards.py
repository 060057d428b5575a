"""Reading the state's award register: one row per subgrant, validated cell by cell."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator

from ingest.config import Settings
from ingest.errors import FileRefused
from ingest.vocab import ALLOCATION_CATEGORIES, vocabulary_index
from ingest.workbook import models
from ingest.workbook import normalize as n
from ingest.workbook.guard import check_package
from ingest.workbook.report import Issue, quoted
from ingest.workbook.safety import check_bytes, standard_package
from ingest.workbook.sheets import Column, Sheet, cell_ref, find_sheet, find_table, missing_columns, read_sheets

_CATEGORIES = vocabulary_index(
    ALLOCATION_CATEGORIES, {"culturally specific": "Culturally specific victim services", "law enforcement agency": "Law enforcement"}
)


class AwardRow(models.Row):
    subgrant_id: models.Id
    organization: models.Text
    community: models.Text
    allocation_category: Annotated[
        str,
        BeforeValidator(
            lambda raw: n.match_word(
                raw,
                _CATEGORIES,
                "unknown_category",
                "an allocation category (" + ", ".join(ALLOCATION_CATEGORIES) + ")",
            )
        ),
    ]
    award_year: Annotated[int, BeforeValidator(n.parse_whole)]
    award_amount: models.Money
    sa_amount: Annotated[Decimal, BeforeValidator(lambda raw: n.parse_money(raw) or Decimal("0.00"))] = Decimal("0.00")
    match_required: Annotated[Decimal, BeforeValidator(lambda raw: n.parse_money(raw) or Decimal("0.00"))] = Decimal("0.00")
    start_date: Annotated[dt.date, BeforeValidator(n.parse_date)]
    end_date: Annotated[dt.date, BeforeValidator(n.parse_date)]


COLUMNS = [
    Column("subgrant_id", ["Subgrant ID", "Grant ID", "Subgrant number", "Award ID"], True),
    Column("organization", ["Organization", "Subgrantee", "Agency"], True),
    Column("community", ["Community", "Collaborative", "MDT"], True),
    Column("allocation_category", ["Allocation category", "Category", "Allocation"], True),
    Column("award_year", ["Award year", "Fiscal year", "FY"], True),
    Column("award_amount", ["Award amount", "Award", "Amount"], True),
    Column("sa_amount", ["Sexual assault amount", "SA amount"], False),
    Column("match_required", ["Match required", "Match"], False),
    Column("start_date", ["Start date", "Start"], True),
    Column("end_date", ["End date", "End"], True),
    Column("counties", ["Counties", "County"], True),
    Column("tribal_nations", ["Tribal nations", "Tribal nation", "Tribes"], False),
    Column("purpose_areas", ["Purpose areas", "Purpose area"], False),
    # Federal reporting (all optional, so older registers load unchanged): read cell by cell after the row,
    # a bad value is left empty with a note and never costs the subgrant its place in the statutory checks.
    Column("federal_award_number", ["Federal award number", "FAIN", "Federal award", "Grant number"], False),
    Column("award_date", ["Award date", "Date awarded"], False),
    Column("uei", ["UEI", "Unique entity ID"], False),
    Column("returned_unused", ["Returned unused", "Funds returned"], False),
    Column("match_exempt", ["Match exempt", "No match required"], False),
]

# The confidentiality guard is told the UEI column's names, so a grantee's UEI with nine digits in a row under them
# is not refused as an SSN; the same list as the reader's, so a header the reader takes is one the guard knows.
UEI_HEADERS = tuple(next(column.names for column in COLUMNS if column.field == "uei"))

# The optional second sheet: the state's own federal awards, one row each.
FEDERAL_AWARD_SHEETS = ["Federal awards", "Federal award", "Awards to the state"]
FEDERAL_AWARD_COLUMNS = [
    Column("federal_award_number", ["Federal award number", "FAIN"], True),
    Column("federal_fiscal_year", ["Federal fiscal year", "FFY", "Fiscal year"], False),
    Column("award_amount", ["Award amount", "Amount"], False),
    Column("admin_share", ["Administrative share", "Admin share", "Administration"], False),
    Column("period_start", ["Period start", "Start"], False),
    Column("period_end", ["Period end", "End"], False),
]
FEDERAL_AWARD_HEADER = [column.names[0] for column in FEDERAL_AWARD_COLUMNS]

# The register's columns as the template and the demo write them (the first name of each).
REGISTER_HEADER = [column.names[0] for column in COLUMNS]

_LIST_SPLIT = re.compile(r"\s*[;,]\s*")


@dataclass
class ParsedRegister:
    source_file: str
    sha256: str
    rows: list[dict[str, object]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # The Federal awards sheet's rows; None when the register has no such sheet (the stored ones are kept).
    federal_awards: list[dict[str, object]] | None = None


def _split(raw: object) -> list[str]:
    return [part for part in _LIST_SPLIT.split(n.clean_text(raw) or "") if part]


def _rules(values: dict[str, object]) -> list[tuple[str, str, str]]:
    """Rules across cells: (field, code, rule) for each one broken."""
    broken = []
    award = values["award_amount"]
    if isinstance(award, Decimal) and award <= 0:
        broken.append(("award_amount", "award_not_positive", "an award amount above $0"))
    sa = values["sa_amount"]
    if isinstance(sa, Decimal) and isinstance(award, Decimal) and not 0 <= sa <= award:
        broken.append(("sa_amount", "sa_amount_out_of_range", "a sexual assault amount between $0 and the award amount"))
    match = values["match_required"]
    if isinstance(match, Decimal) and match < 0:
        broken.append(("match_required", "negative_amount", "a match of $0 or more"))
    year = values["award_year"]
    if isinstance(year, int) and not 1995 <= year <= 2100:
        broken.append(("award_year", "invalid_year", "a 4-digit federal fiscal year such as 2026"))
    start, end = values["start_date"], values["end_date"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end <= start:
        broken.append(("end_date", "end_before_start", "an end date after the start date"))
    return broken


_UEI = re.compile(r"^[A-Z0-9]{12}$")


def federal_award_key(raw: object) -> str | None:
    """A federal award number as stored: look-alike dashes as hyphens, spaces removed, upper case."""
    text = n.clean_id(raw)
    if text is None:
        return None
    n.excel_error(text)
    return re.sub(r"\s+", "", text).upper()


def _uei(raw: object) -> str | None:
    text = n.clean_id(raw)
    if text is None:
        return None
    n.excel_error(text)
    key = re.sub(r"\s+", "", text).upper()
    if not _UEI.match(key):
        raise n.CellProblem("invalid_uei", "a unique entity ID of exactly 12 letters and digits, such as ABC123DEF456")
    return key


_FEDERAL_READERS = {
    "federal_award_number": federal_award_key,
    "award_date": n.parse_date,
    "uei": _uei,
    "returned_unused": n.parse_money,
    "match_exempt": n.parse_yes_no,
}
FEDERAL_FIELDS = tuple(_FEDERAL_READERS)  # the subgrant table's federal columns, in order


def _federal_cells(record: dict[str, object], award: object) -> tuple[dict[str, object], list[tuple[str, str, str, str]]]:
    """The register's federal columns of one row: (values, problems as (field, code, rule, severity)); a bad cell is None."""
    values: dict[str, object] = {}
    problems: list[tuple[str, str, str, str]] = []
    for name, read in _FEDERAL_READERS.items():
        try:
            values[name] = read(record.get(name))
        except n.CellProblem as problem:
            values[name] = None
            problems.append((name, problem.code, problem.rule, "warning"))
    returned = values["returned_unused"]
    if isinstance(returned, Decimal) and not (0 <= returned <= (award if isinstance(award, Decimal) else returned)):
        values["returned_unused"] = None
        problems.append(("returned_unused", "returned_out_of_range", "an amount returned between $0 and the award amount", "error"))
    return values, problems


def _read_federal_awards(sheets: list[Sheet], result: ParsedRegister) -> None:
    """The Federal awards sheet, when there is one: result.federal_awards and its issues."""
    sheet = find_sheet(sheets, FEDERAL_AWARD_SHEETS)
    if sheet is None:
        return
    table = find_table(sheet, FEDERAL_AWARD_COLUMNS)
    if table is None:
        result.issues.append(
            Issue(
                sheet.name,
                None,
                "error",
                "missing_columns",
                f"Sheet '{sheet.name}' has no 'Federal award number' column in its first 15 rows, so it was not read "
                "and the federal awards stored before were kept. Use the column names of the register template.",
            )
        )
        return
    readers = {
        "federal_fiscal_year": n.parse_whole,
        "award_amount": n.parse_money,
        "admin_share": n.parse_money,
        "period_start": n.parse_date,
        "period_end": n.parse_date,
    }
    awards: list[dict[str, object]] = []
    seen: dict[str, int] = {}

    def note(r: int, name: str, severity: str, code: str, what: str, effect: str) -> None:
        ref = cell_ref(r, table.columns.get(name, 0))
        column = next(c.names[0] for c in FEDERAL_AWARD_COLUMNS if c.field == name)
        result.issues.append(Issue(sheet.name, ref, severity, code, f"{sheet.name}!{ref} ({column}): {what}. {effect}"))

    for r, record in table.rows:
        try:
            key = federal_award_key(record.get("federal_award_number"))
        except n.CellProblem as problem:
            note(
                r,
                "federal_award_number",
                "error",
                problem.code,
                f"'{quoted(record.get('federal_award_number'))}' is not {problem.rule}",
                "This federal award was not loaded; correct the sheet and load the register again.",
            )
            continue
        if key is None:
            note(
                r,
                "federal_award_number",
                "error",
                "missing_value",
                "this required cell is empty (it needs a federal award number)",
                "This federal award was not loaded; correct the sheet and load the register again.",
            )
            continue
        if key in seen:
            note(
                r,
                "federal_award_number",
                "error",
                "duplicate_federal_award",
                f"'{quoted(key)}' is already on row {seen[key] + 1}",
                "Only the first row was loaded; remove or correct the second.",
            )
            continue
        seen[key] = r
        row: dict[str, object] = {"federal_award_number": key, "source_row": r + 1}
        for name, read in readers.items():
            try:
                row[name] = read(record.get(name))
            except n.CellProblem as problem:
                row[name] = None
                note(
                    r,
                    name,
                    "warning",
                    problem.code,
                    f"'{quoted(record.get(name))}' is not {problem.rule}",
                    "The cell was left empty (unknown); the rest of the award was loaded.",
                )
        year, amount, admin = row["federal_fiscal_year"], row["award_amount"], row["admin_share"]
        if isinstance(year, int) and not 1995 <= year <= 2100:
            row["federal_fiscal_year"] = None
            note(
                r,
                "federal_fiscal_year",
                "warning",
                "invalid_year",
                f"'{year}' is not a 4-digit federal fiscal year such as 2026",
                "The cell was left empty (unknown); the rest of the award was loaded.",
            )
        for name in ("award_amount", "admin_share"):
            value = row[name]
            if isinstance(value, Decimal) and value < 0:
                row[name] = None
                note(r, name, "warning", "negative_amount", f"'{value}' is below $0", "The cell was left empty (unknown).")
        amount, admin = row["award_amount"], row["admin_share"]
        if isinstance(amount, Decimal) and isinstance(admin, Decimal) and admin > amount:
            row["admin_share"] = None
            note(
                r,
                "admin_share",
                "error",
                "admin_share_out_of_range",
                f"${admin:,.2f} is more than the award amount (${amount:,.2f})",
                "The cell was left empty (unknown); correct it and load the register again.",
            )
        start, end = row["period_start"], row["period_end"]
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end <= start:
            row["period_end"] = None
            note(
                r,
                "period_end",
                "warning",
                "end_before_start",
                "the period ends on or before it starts",
                "The cell was left empty (unknown).",
            )
        awards.append(row)
    result.federal_awards = awards


def parse_register(data: bytes, source_file: str, cfg: Settings) -> ParsedRegister:
    """Parse an award register. Raises FileRefused when no register table can be found at all."""
    result = ParsedRegister(source_file, hashlib.sha256(data).hexdigest())
    check_bytes(data, cfg)
    # The register is the state's, but nothing identifying enters the database from it either.
    check_package(data, uei_headers=UEI_HEADERS)
    sheets = read_sheets(standard_package(data))
    found = next(((s, t) for s in sheets if (t := find_table(s, COLUMNS)) is not None), None)
    if found is None:
        missing = ", ".join(missing_columns(sheets[0], COLUMNS)) if sheets else "all"
        raise FileRefused(
            "no_register_table",
            f"No sheet has an award-register table in its first 15 rows "
            f"(missing column(s): {missing}). Use the column names of the register template.",
        )
    sheet, table = found
    for c, text in table.unknown:
        result.issues.append(
            Issue(
                sheet.name,
                cell_ref(table.header_row, c),
                "warning",
                "unknown_column",
                f"{sheet.name}!{cell_ref(table.header_row, c)}: the column '{quoted(text)}' is not part of the register and was ignored.",
            )
        )
    seen: dict[str, int] = {}
    for r, record in table.rows:
        row, row_problems = models.problems(
            AwardRow, {k: v for k, v in record.items() if k in AwardRow.model_fields}, keep_optional=False
        )  # a subgrant is loaded whole or not at all: its dollars feed the statutory checks
        problems: list[tuple[str, ...]] = [(p.field, p.code, p.rule, *((None, p.found) if p.found else ())) for p in row_problems]
        values = row.model_dump() if row else {}
        if row:
            problems += _rules(values)
        lists: dict[str, list[object]] = {"counties": [], "tribal_nations": [], "purpose_areas": []}
        for word in _split(record.get("counties")):
            county = cfg.county(word)
            if county is None:
                problems.append(("counties", "unknown_county", f"a county of {cfg.state_name} (a name or 5-digit FIPS code)", word))
            elif county.fips not in lists["counties"]:
                lists["counties"].append(county.fips)
        if not lists["counties"] and not any(p[0] == "counties" for p in problems):
            problems.append(("counties", "missing_value", "at least one county"))
        for word in _split(record.get("tribal_nations")):
            tribe = cfg.tribe(word)
            if tribe is None:
                problems.append(("tribal_nations", "unknown_tribal_nation", f"a tribal nation of {cfg.state_name}", word))
            elif tribe not in lists["tribal_nations"]:
                lists["tribal_nations"].append(tribe)
        for word in _split(record.get("purpose_areas")):
            try:
                area = n.parse_whole(word)
            except n.CellProblem:
                area = None
            if area is None or not 1 <= area <= 24:
                problems.append(("purpose_areas", "unknown_purpose_area", "a STOP purpose-area number from 1 to 24", word))
            elif area not in lists["purpose_areas"]:
                lists["purpose_areas"].append(area)
        if not problems:
            key = str(values["subgrant_id"]).strip().lower()
            if key in seen:
                problems.append(("subgrant_id", "duplicate_subgrant_id", f"a Subgrant ID not already used (row {seen[key] + 1} has it)"))
            seen.setdefault(key, r)
        for name, code, rule, *part in problems:
            ref = cell_ref(r, table.columns.get(name, 0))
            raw = part[0] if part and part[0] is not None else record.get(name)
            if len(part) > 1 and part[1] and code != "missing_value":
                what = f"{part[1]}; {rule}"
            elif code == "missing_value":
                what = f"this required cell is empty (it needs {rule})"
            else:
                what = f"'{quoted(raw)}' is not {rule}"
            column = next((c.names[0] for c in COLUMNS if c.field == name), name)
            result.issues.append(
                Issue(
                    sheet.name,
                    ref,
                    "error",
                    code,
                    f"{sheet.name}!{ref} ({column}): {what}. This subgrant was not loaded; correct the register and load it again.",
                )
            )
        federal, federal_problems = _federal_cells(record, values.get("award_amount"))
        for name, code, rule, severity in federal_problems:
            ref = cell_ref(r, table.columns.get(name, 0))
            column = next(c.names[0] for c in COLUMNS if c.field == name)
            what = f"'{quoted(record.get(name))}' is not {rule}"
            result.issues.append(
                Issue(
                    sheet.name,
                    ref,
                    severity,
                    code,
                    f"{sheet.name}!{ref} ({column}): {what}. The cell was left empty (unknown)"
                    + ("; correct the register and load it again." if severity == "error" else "."),
                )
            )
        if problems:
            continue
        values.update(federal)
        values.update(
            county_fips=lists["counties"], tribal_nations=lists["tribal_nations"], purpose_areas=lists["purpose_areas"], source_row=r + 1
        )
        result.rows.append(values)
    _read_federal_awards(sheets, result)
    if result.federal_awards is not None:
        known = {a["federal_award_number"] for a in result.federal_awards}
        fan_col = table.columns.get("federal_award_number", 0)
        for values in result.rows:
            number = values["federal_award_number"]
            if number is not None and number not in known:
                ref = cell_ref(int(str(values["source_row"])) - 1, fan_col)
                result.issues.append(
                    Issue(
                        sheet.name,
                        ref,
                        "warning",
                        "unknown_federal_award",
                        f"{sheet.name}!{ref} (Federal award number): '{quoted(number)}' is not on the "
                        f"'Federal awards' sheet. The subgrant was loaded; add the award to that sheet or correct the number.",
                    )
                )
    return result
