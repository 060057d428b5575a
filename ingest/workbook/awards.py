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
from ingest.workbook.sheets import Column, cell_ref, find_table, missing_columns, read_sheets

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
]

# The register's columns as the template and the demo write them (the first name of each).
REGISTER_HEADER = [column.names[0] for column in COLUMNS]

_LIST_SPLIT = re.compile(r"\s*[;,]\s*")


@dataclass
class ParsedRegister:
    source_file: str
    sha256: str
    rows: list[dict[str, object]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


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


def parse_register(data: bytes, source_file: str, cfg: Settings) -> ParsedRegister:
    """Parse an award register. Raises FileRefused when no register table can be found at all."""
    result = ParsedRegister(source_file, hashlib.sha256(data).hexdigest())
    check_bytes(data, cfg)
    check_package(data)  # the register is the state's, but nothing identifying enters the database from it either
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
        if problems:
            continue
        values.update(
            county_fips=lists["counties"], tribal_nations=lists["tribal_nations"], purpose_areas=lists["purpose_areas"], source_row=r + 1
        )
        result.rows.append(values)
    return result
