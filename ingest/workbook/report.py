"""Reading one quarterly progress-report workbook into validated rows and issues.

This is pure: bytes in, a ParsedReport out; nothing touches the database, so
files can be parsed in parallel and the load stays one short transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ingest.config import Settings
from ingest.errors import FileRefused
from ingest.vocab import INDICATORS, PRACTICES, word_key
from ingest.workbook import format as workbook_format
from ingest.workbook import models, normalize
from ingest.workbook.guard import check_package
from ingest.workbook.privacy import redact
from ingest.workbook.safety import check_bytes, standard_package
from ingest.workbook.sheets import (
    Column,
    Sheet,
    cell_ref,
    find_sheet,
    find_table,
    labelled_values,
    missing_columns,
    read_sheets,
)


@dataclass
class Issue:
    sheet: str | None
    cell: str | None
    severity: str  # "error" or "warning"
    code: str
    message: str


@dataclass
class Section:
    sheets: list[str]
    columns: list[Column]
    model: type[models.Row]
    free_text: tuple[str, ...] = ()
    unique: str | None = None  # a field that may appear once per report
    optional_warning: str = ""


def _section(key: str, model: type[models.Row], **reading: Any) -> tuple[str, Section]:
    """A table sheet of the workbook format (ingest.workbook.format), with how it is read."""
    sheet = workbook_format.BY_KEY[key]
    return key, Section(sheet.names, [Column(c.field, c.names, c.required) for c in sheet.columns], model, **reading)


SECTIONS: dict[str, Section] = dict(
    [
        _section("partners", models.PartnerRow, free_text=("partner",), optional_warning="partner list"),
        _section("maturity", models.MaturityRow, free_text=("notes",), unique="indicator_code", optional_warning="the maturity score"),
        _section("protocols", models.ProtocolRow, free_text=("protocol",), optional_warning="protocol status"),
        _section("practices", models.PracticeRow, unique="practice_code", optional_warning="survivor-engagement practices"),
        _section("funding", models.FundingRow, free_text=("source",), optional_warning="leveraged funding"),
        _section("ta", models.TaRow, free_text=("topic",)),
        _section("services", models.ServiceRow, unique="victimization"),
    ]
)
assert [s.key for s in workbook_format.TABLE_SHEETS] == list(SECTIONS), "every table sheet of the format is read"

PROFILE_SHEETS = workbook_format.PROFILE.names
PROFILE_NAMES = {c.field: c.header for c in workbook_format.PROFILE.columns}
PROFILE_LABELS = {word_key(label): c.field for c in workbook_format.PROFILE.columns for label in c.names}


@dataclass
class ParsedReport:
    source_file: str
    sha256: str
    subgrant_id: str | None = None
    period: str | None = None
    profile: dict[str, object] = field(default_factory=dict)
    # section -> [(sheet row number, validated values)], or None when the sheet is missing (unknown)
    sections: dict[str, list[tuple[int, dict[str, object]]] | None] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    refusal: FileRefused | None = None
    registered_id: str | None = None  # the Subgrant ID as the award register writes it (set by ingest.checks)

    @property
    def error_count(self) -> int:
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warning_count(self) -> int:
        return sum(i.severity == "warning" for i in self.issues)

    def refuse(self, refusal: FileRefused) -> ParsedReport:
        # A refused file's row-level findings would only distract from the one thing to fix.
        self.refusal = refusal
        self.profile, self.sections = {}, {}
        self.issues = [Issue(refusal.sheet, None, "error", refusal.code, refusal.message)]
        if not refusal.keep_values:  # victim-identifying: keep nothing read from the file
            self.subgrant_id = self.period = None
        return self


def quoted(raw: object) -> str:
    """A raw value as quoted in a message: redacted and shortened."""
    text = normalize.clean_text(raw) or ""
    text = redact(text)[0]
    return text if len(text) <= 60 else text[:57] + "..."


def _read_profile(sheet: Sheet, report: ParsedReport, facts: dict[str, str]) -> None:
    found: dict[str, tuple[int, int, object]] = {}
    for name, r, c, value in labelled_values(sheet, PROFILE_LABELS, facts):
        found.setdefault(name, (r, c, value))

    def bad(name: str, problem: normalize.CellProblem) -> None:
        r, c, value = found[name]
        label = PROFILE_NAMES[name]
        if problem.found:
            what = f"{problem.found}; {problem.rule}"
        elif name in PEOPLE_COUNTS:
            what = f"the value written there is not {problem.rule}"  # never repeated: it may be a small count of people
        else:
            what = f"'{quoted(value)}' is not {problem.rule}"
        report.issues.append(
            Issue(
                sheet.name,
                cell_ref(r, c),
                "error",
                problem.code,
                f"{sheet.name}!{cell_ref(r, c)} ({label}): {what}. It was left out; correct it in the next report.",
            )
        )

    for name in ("subgrant_id", "period", "period_start", "period_end"):
        if name in found:
            r, c, value = found[name]
            problem = _cell_fact(facts, r, c, name, {name: value}, _ProfileKeys)
            if problem:  # the ID or the quarter cannot be read from what the reader sees: say why, not "missing"
                raise FileRefused(
                    "no_subgrant_id" if name == "subgrant_id" else "no_period",
                    f"{sheet.name}!{cell_ref(r, c)} ({PROFILE_NAMES[name]}): {problem.found}; {problem.rule}, then send the report again.",
                    sheet=sheet.name,
                )
    subgrant = normalize.clean_id(found.get("subgrant_id", (0, 0, None))[2])
    if subgrant is None:
        raise FileRefused(
            "no_subgrant_id",
            f"Sheet '{sheet.name}' has no Subgrant ID: write the label 'Subgrant ID' "
            "and, next to it, the ID from your award letter, then send the report again.",
            sheet=sheet.name,
        )
    report.subgrant_id = subgrant
    report.period = _read_period(sheet, found)
    _another_quarter(sheet, found, report)
    readers = {
        "prepared_by": normalize.clean_text,
        "email": normalize.clean_text,
        "date_submitted": normalize.parse_date,
        "meetings_held": normalize.parse_whole,
        "survivors_engaged": normalize.parse_whole,
    }
    for name, reader in readers.items():
        if name not in found:
            continue
        r, c, raw = found[name]
        fact = _cell_fact(facts, r, c, name, {name: raw}, _ProfileKeys)
        if fact:
            bad(name, normalize.CellProblem(fact.code, fact.rule, fact.found))
            continue
        try:
            value = reader(raw)
            if isinstance(value, int) and value < 0:
                raise normalize.CellProblem("negative_count", "a whole number of zero or more")
            report.profile[name] = value
        except normalize.CellProblem as problem:
            bad(name, problem)


class _ProfileKeys(models.Row):
    """The Profile's labels as a model, so cell facts know which are required."""

    subgrant_id: str
    period: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    prepared_by: str | None = None
    email: str | None = None
    date_submitted: str | None = None
    meetings_held: int | None = None
    survivors_engaged: int | None = None


def _another_quarter(sheet: Sheet, found: dict[str, tuple[int, int, object]], report: ParsedReport) -> None:
    """Warn when the Profile gives a second quarter further along the period's row (B2 2025-Q1, C2 2025-Q2)."""
    if "period" not in found:
        return
    r, c, _value = found["period"]
    for c2 in range(c + 1, len(sheet.rows[r]) if r < len(sheet.rows) else 0):
        try:
            other = normalize.parse_quarter(sheet.rows[r][c2])
        except normalize.CellProblem:
            continue
        if other and other != report.period:
            ref = cell_ref(r, c2)
            report.issues.append(
                Issue(
                    sheet.name,
                    ref,
                    "warning",
                    "second_period",
                    f"{sheet.name}!{ref} (Reporting period): a second quarter, {other}, follows {report.period} in "
                    f"{cell_ref(r, c)}; the report was read as {report.period} only. Send one workbook per quarter.",
                )
            )
            return


def _read_period(sheet: Sheet, found: dict[str, tuple[int, int, object]]) -> str:
    how = (
        "write the quarter next to 'Reporting period' as 2026-Q1 (or give 'Period start' and "
        "'Period end' dates exactly one calendar quarter apart), then send the report again."
    )
    if "period" in found:
        r, c, value = found["period"]
        try:
            period = normalize.parse_quarter(value)
        except normalize.CellProblem:
            raise FileRefused(
                "no_period",
                f"{sheet.name}!{cell_ref(r, c)}: the reporting period '{quoted(value)}' cannot be read: {how}",
                sheet=sheet.name,
            ) from None
        if period:
            return period
    if "period_start" in found and "period_end" in found:
        try:
            start = normalize.parse_date(found["period_start"][2])
            end = normalize.parse_date(found["period_end"][2])
        except normalize.CellProblem:
            start = end = None
        period = normalize.quarter_from_dates(start, end) if start and end else None
        if period:
            return period
        raise FileRefused(
            "no_period", f"Sheet '{sheet.name}': Period start and Period end are not exactly one calendar quarter: {how}", sheet=sheet.name
        )
    raise FileRefused("no_period", f"Sheet '{sheet.name}' has no reporting period: {how}", sheet=sheet.name)


# Counts of people: a value that cannot be read is never quoted back, since it may be a small count.
PEOPLE_COUNTS = {"survivors_engaged", "served", "partially_served", "not_served"}
# Columns whose values are numbers: a percentage format there shows something else than the value read.
NUMBER_FIELDS = {"score", "meetings_attended", "amount", "served", "partially_served", "not_served", "meetings_held", "survivors_engaged"}


def _cell_fact(
    facts: dict[str, str], r: int, c: int, name: str, record: dict[str, object], model: type[models.Row]
) -> models.Problem | None:
    """The problem a cell's saved form shows that its value alone hides (from the guard's walk of the sheet)."""
    fact = facts.get(cell_ref(r, c))
    if fact is None:
        return None
    spec = model.model_fields.get(name)
    required = spec is not None and spec.is_required()
    if fact.startswith("error:"):
        shown = fact[6:] or "an error"
        return models.Problem(
            name, "excel_error", "correct the formula or type the value", f"the cell shows {shown} (an Excel error)", required
        )
    if fact == "formula" and normalize.clean_text(record.get(name)) is None:
        return models.Problem(
            name,
            "formula_without_value",
            "open the workbook in Excel and save it (Excel then saves the result), or type the value",
            "the cell holds a formula with no saved result",
            required,
        )
    value = record.get(name)
    if fact == "percent" and name in NUMBER_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return models.Problem(
            name,
            "percent_format",
            "format the cell as a plain number (Home > Number Format > Number) and type the value",
            f"the cell is formatted as a percentage and shows {value * 100:g}%",
            required,
        )
    return None


# The row's code a reader knows it by, named in each of its problems ("for indicator C3 (Formalized roles ...)").
_ROW_NAMES = {"indicator_code": ("indicator", INDICATORS), "practice_code": ("practice", PRACTICES)}


def row_subject(field_name: str | None, raw: object) -> str:
    """'indicator C3 (Formalized roles and responsibilities)' for a row keyed by a known code, else ''.

    Only a code of the template's own list is named: whatever else a grantee wrote there is not repeated."""
    kind, names = _ROW_NAMES.get(field_name or "", ("", {}))
    code = (normalize.clean_text(raw) or "").upper() if isinstance(raw, str) else ""
    return f"{kind} {code} ({names[code]})" if code in names else ""


def row_message(sheet: str, ref: str, column: str, problem: models.Problem, raw: object, *, dropped: bool, subject: str = "") -> str:
    """What went wrong in one cell, where (sheet, cell, column, and the indicator or practice of its row) and
    what to do next, for a grantee."""
    if problem.code == "missing_value":
        what = "this required cell is empty"
    elif problem.found:
        what = f"{problem.found}; {problem.rule}"
    elif problem.field in PEOPLE_COUNTS:
        what = f"the value written there is not {problem.rule}"  # never repeated: it may be a small count of people
    else:
        what = f"'{quoted(raw)}' is not {problem.rule}"
    if dropped:
        then = "The row was not loaded; correct it and send the report again."
    else:
        then = "That cell was left empty and the rest of the row was loaded; correct it in the next report."
    about = f"for {subject}, {what}" if subject else what
    return f"{sheet}!{ref} ({column}): {about}. {then}"


def _read_section(key: str, spec: Section, sheet: Sheet, report: ParsedReport, facts: dict[str, str]) -> None:
    table = find_table(sheet, spec.columns)
    if table is None:
        missing = ", ".join(missing_columns(sheet, spec.columns))
        report.issues.append(
            Issue(
                sheet.name,
                None,
                "error",
                "missing_columns",
                f"Sheet '{sheet.name}' has no header row with the column(s) {missing} in its first "
                "15 rows, so nothing was read from it. Use the template's column names.",
            )
        )
        report.sections[key] = None
        return
    for c, text in table.unknown:
        report.issues.append(
            Issue(
                sheet.name,
                cell_ref(table.header_row, c),
                "warning",
                "unknown_column",
                f"{sheet.name}!{cell_ref(table.header_row, c)}: the column '{quoted(text)}' is not part of the report and was ignored.",
            )
        )
    rows: list[tuple[int, dict[str, object]]] = []
    seen: dict[object, int] = {}
    column_names = {col.field: col.names[0] for col in spec.columns}
    for r, record in table.rows:
        if spec.unique and all(normalize.clean_text(v) is None for f, v in record.items() if f != spec.unique):
            continue  # a pre-filled code (C3, S5, ...) left unanswered is a blank row, not an error
        record = dict(record)
        lost = [p for p in (_cell_fact(facts, r, c, name, record, spec.model) for name, c in table.columns.items()) if p]
        for p in lost:
            record[p.field] = None  # what the reader saw in that cell is not the value (an error, a formula, a percentage)
        row, found = models.problems(spec.model, record)
        found = lost + [p for p in found if p.field not in {q.field for q in lost}]
        dropped = row is None or any(p.required for p in lost)
        subject = row_subject(spec.unique, record.get(spec.unique)) if spec.unique else ""
        for p in found:
            ref = cell_ref(r, table.columns.get(p.field, 0))
            report.issues.append(
                Issue(
                    sheet.name,
                    ref,
                    "error" if p.required or p.code == "percent_format" else "warning",
                    p.code,
                    row_message(
                        sheet.name,
                        ref,
                        column_names.get(p.field, p.field),
                        p,
                        record.get(p.field),
                        dropped=dropped,
                        subject="" if p.field == spec.unique else subject,
                    ),
                )
            )
        if dropped or row is None:
            continue
        if row is None:
            continue
        values = row.model_dump()
        if spec.unique:
            first = seen.setdefault(values[spec.unique], r)
            if first != r:
                ref = cell_ref(r, table.columns[spec.unique])
                report.issues.append(
                    Issue(
                        sheet.name,
                        ref,
                        "error",
                        f"duplicate_{spec.unique.split('_')[0]}",
                        f"{sheet.name}!{ref}: {values[spec.unique]} is listed again (first in row {first + 1}); "
                        "only the first was loaded. Remove the repeated row.",
                    )
                )
                continue
        for name in spec.free_text:
            if isinstance(values.get(name), str):
                values[name], changed = redact(values[name])
                if changed:
                    ref = cell_ref(r, table.columns[name])
                    report.issues.append(
                        Issue(
                            sheet.name,
                            ref,
                            "warning",
                            "contact_redacted",
                            f"{sheet.name}!{ref}: an e-mail address or phone number was replaced by "
                            "[redacted]; reports must not carry contact details.",
                        )
                    )
        rows.append((r + 1, values))
    if key == "funding":
        _check_totals(sheet, table.totals, table.columns, rows, report)
    report.sections[key] = rows


def _check_totals(
    sheet: Sheet,
    totals: list[tuple[int, dict[str, object]]],
    columns: dict[str, int],
    rows: list[tuple[int, dict[str, object]]],
    report: ParsedReport,
) -> None:
    total = sum((Decimal(str(v["amount"])) for _, v in rows), Decimal("0"))
    for r, record in totals:
        try:
            stated = normalize.parse_money(record.get("amount"))
        except normalize.CellProblem:
            continue
        if stated is not None and abs(stated - total) > Decimal("0.005"):
            ref = cell_ref(r, columns["amount"])
            report.issues.append(
                Issue(
                    sheet.name,
                    ref,
                    "warning",
                    "total_mismatch",
                    f"{sheet.name}!{ref}: the Total row says ${stated:,.2f} but the rows loaded add up to "
                    f"${total:,.2f}; the rows were kept and the Total row ignored. Check the amounts.",
                )
            )


def parse_report(data: bytes, source_file: str, cfg: Settings) -> ParsedReport:
    """Parse one workbook's bytes. Never raises: every problem is an issue or a refusal."""
    report = ParsedReport(source_file=source_file, sha256=hashlib.sha256(data).hexdigest())
    try:
        package = check_bytes(data, cfg)  # the zip, opened once for the checks, the guard and the reader
        facts = check_package(data, package)  # the confidentiality guard, before any reader sees a cell
        sheets = read_sheets(standard_package(data, package))
        profile = find_sheet(sheets, PROFILE_SHEETS)
        if profile is None:
            names = ", ".join(f"'{s.name}'" for s in sheets[:8]) or "none"
            raise FileRefused(
                "no_profile_sheet",
                f"The workbook has no Profile sheet (its sheets: {names}). "
                "Use the blank template from stopdash, which starts with a Profile sheet.",
            )
        _read_profile(profile, report, facts.get(profile.name, {}))
        for key, spec in SECTIONS.items():
            sheet = find_sheet(sheets, spec.sheets)
            if sheet is None:
                report.sections[key] = None
                if spec.optional_warning:
                    report.issues.append(
                        Issue(
                            None,
                            None,
                            "warning",
                            "missing_sheet",
                            f"The report has no {spec.sheets[0]} sheet, so for {report.period} its {spec.optional_warning} "
                            "will show as unknown (not zero). Add the sheet from the template next time.",
                        )
                    )
                continue
            _read_section(key, spec, sheet, report, facts.get(sheet.name, {}))
    except FileRefused as refusal:
        return report.refuse(refusal)
    except Exception:  # noqa: BLE001 - a file that breaks the reader must not break the run
        return report.refuse(
            FileRefused(
                "unreadable_file",
                "The workbook could not be read: something in it is not as Excel writes it. "
                "Save it again from Excel as .xlsx and send it again.",
            )
        )
    return report
