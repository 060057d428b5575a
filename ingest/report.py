"""Reading one quarterly progress-report workbook into validated rows and issues.

This is pure: bytes in, a ParsedReport out; nothing touches the database, so
files can be parsed in parallel and the load stays one short transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from ingest import models, normalize
from ingest.config import Settings
from ingest.errors import FileRefused
from ingest.guard import check_package
from ingest.privacy import redact
from ingest.safety import check_bytes
from ingest.vocab import word_key
from ingest.workbook import Column, Sheet, cell_ref, find_sheet, find_table, labelled_values, missing_columns, read_sheets


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


def _cols(*specs: tuple[str, list[str], bool]) -> list[Column]:
    return [Column(f, names, req) for f, names, req in specs]


SECTIONS: dict[str, Section] = {
    "partners": Section(
        ["Partners", "Partner agencies", "MDT members", "Collaborative members", "Team"],
        _cols(
            ("partner", ["Partner", "Agency", "Organization", "Member"], True),
            ("discipline", ["Discipline", "Sector", "Type"], True),
            ("mou_signed", ["MOU signed", "MOU", "Signed agreement"], False),
            ("meetings_attended", ["Meetings attended", "Attendance"], False),
        ),
        models.PartnerRow,
        ("partner",),
        optional_warning="partner list",
    ),
    "maturity": Section(
        ["Maturity", "Collaboration maturity", "Self-assessment", "Collaboration self-assessment"],
        _cols(
            ("indicator_code", ["Indicator", "Factor"], True), ("score", ["Score", "Rating", "Level"], True), ("notes", ["Notes"], False)
        ),
        models.MaturityRow,
        ("notes",),
        unique="indicator_code",
        optional_warning="the maturity score",
    ),
    "protocols": Section(
        ["Protocols", "Protocol status"],
        _cols(
            ("protocol", ["Protocol", "Name", "Protocol name"], True),
            ("focus", ["Focus", "Topic"], False),
            ("step", ["Step", "Stage", "Status"], True),
            ("adopted_on", ["Adopted on", "Date adopted"], False),
            ("last_reviewed_on", ["Last reviewed", "Last reviewed on", "Review date"], False),
        ),
        models.ProtocolRow,
        ("protocol",),
        optional_warning="protocol status",
    ),
    "practices": Section(
        ["Survivor engagement", "Survivor involvement", "Survivor voice"],
        _cols(("practice_code", ["Practice"], True), ("status", ["Status"], True)),
        models.PracticeRow,
        unique="practice_code",
        optional_warning="survivor-engagement practices",
    ),
    "funding": Section(
        ["Funding", "Leveraged funding", "Leveraged funds", "Other funding", "Resources leveraged"],
        _cols(
            ("source", ["Source", "Funder"], True),
            ("source_type", ["Type", "Source type"], True),
            ("form", ["Form", "Cash or in-kind"], False),
            ("amount", ["Amount", "Value"], True),
            ("counts_toward_match", ["Counts toward match", "Match"], False),
        ),
        models.FundingRow,
        ("source",),
        optional_warning="leveraged funding",
    ),
    "ta": Section(
        ["TA requests", "TA", "Technical assistance"],
        _cols(("topic", ["Topic"], True), ("requested_on", ["Requested on"], False), ("status", ["Status"], False)),
        models.TaRow,
        ("topic",),
    ),
    "services": Section(
        ["Services"],
        _cols(
            ("victimization", ["Victimization"], True),
            ("served", ["Served"], False),
            ("partially_served", ["Partially served"], False),
            ("not_served", ["Not served"], False),
        ),
        models.ServiceRow,
        unique="victimization",
    ),
}

PROFILE_SHEETS = ["Profile", "Grantee", "Grantee info", "Cover", "General information"]
PROFILE_LABELS = {
    word_key(label): name
    for name, labels in {
        "subgrant_id": ["Subgrant ID", "Grant ID", "Subgrant number", "Award ID"],
        "period": ["Reporting period", "Period", "Quarter"],
        "period_start": ["Period start"],
        "period_end": ["Period end"],
        "prepared_by": ["Prepared by"],
        "email": ["Email", "E-mail"],
        "date_submitted": ["Date submitted"],
        "meetings_held": ["Collaborative meetings held", "Meetings held"],
        "survivors_engaged": ["Survivors engaged", "Survivors consulted"],
    }.items()
    for label in labels
}


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


def _read_profile(sheet: Sheet, report: ParsedReport) -> None:
    found: dict[str, tuple[int, int, object]] = {}
    for name, r, c, value in labelled_values(sheet, PROFILE_LABELS):
        found.setdefault(name, (r, c, value))

    def bad(name: str, problem: normalize.CellProblem) -> None:
        r, c, value = found[name]
        report.issues.append(
            Issue(
                sheet.name,
                cell_ref(r, c),
                "error",
                problem.code,
                f"{sheet.name}!{cell_ref(r, c)}: '{quoted(value)}' is not {problem.rule}. It was left out; correct it in the next report.",
            )
        )

    subgrant = normalize.clean_text(found.get("subgrant_id", (0, 0, None))[2])
    if subgrant is None:
        raise FileRefused(
            "no_subgrant_id",
            f"Sheet '{sheet.name}' has no Subgrant ID: write the label 'Subgrant ID' "
            "and, next to it, the ID from your award letter, then send the report again.",
            sheet=sheet.name,
        )
    report.subgrant_id = subgrant
    report.period = _read_period(sheet, found)
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
        try:
            value = reader(found[name][2])
            if isinstance(value, int) and value < 0:
                raise normalize.CellProblem("negative_count", "a whole number of zero or more")
            report.profile[name] = value
        except normalize.CellProblem as problem:
            bad(name, problem)


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


def _read_section(key: str, spec: Section, sheet: Sheet, report: ParsedReport) -> None:
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
    for r, record in table.rows:
        if spec.unique and all(normalize.clean_text(v) is None for f, v in record.items() if f != spec.unique):
            continue  # a pre-filled code (C3, S5, ...) left unanswered is a blank row, not an error
        row, found = models.problems(spec.model, record)
        for name, code, rule in found:
            ref = cell_ref(r, table.columns.get(name, 0))
            raw = record.get(name)
            what = f"'{quoted(raw)}' is not {rule}" if code != "missing_value" else f"a required value is missing ({rule})"
            report.issues.append(
                Issue(
                    sheet.name,
                    ref,
                    "error",
                    code,
                    f"{sheet.name}!{ref}: {what}. The row was not loaded; correct it and send the report again.",
                )
            )
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
        check_bytes(data, cfg)
        check_package(data)  # the confidentiality guard, before any reader sees a cell
        sheets = read_sheets(data)
        profile = find_sheet(sheets, PROFILE_SHEETS)
        if profile is None:
            names = ", ".join(f"'{s.name}'" for s in sheets[:8]) or "none"
            raise FileRefused(
                "no_profile_sheet",
                f"The workbook has no Profile sheet (its sheets: {names}). "
                "Use the blank template from stopdash, which starts with a Profile sheet.",
            )
        _read_profile(profile, report)
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
            _read_section(key, spec, sheet, report)
    except FileRefused as refusal:
        return report.refuse(refusal)
    except Exception as e:  # noqa: BLE001 - a file that breaks the reader must not break the run
        return report.refuse(
            FileRefused(
                "unreadable_file",
                f"The workbook could not be read ({type(e).__name__}). Save it again from Excel as .xlsx and send it again.",
            )
        )
    return report
