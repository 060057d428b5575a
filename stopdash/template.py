"""The blank quarterly progress-report workbook grantees fill in (report-workbook.md, section 2).

:func:`write_template` writes it with openpyxl: an "Instructions" sheet first, then
one sheet per part of the report with the spec's exact headers, dropdowns for
every controlled vocabulary (taken from :mod:`ingest.vocab`, never retyped),
number/date checks, and a hidden "Lists" sheet that holds the vocabularies too
long for an in-cell list. The output is byte-for-byte reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ingest.vocab import (
    DISCIPLINES,
    FOCUSES,
    FUNDING_FORMS,
    FUNDING_TYPES,
    INDICATORS,
    LEVELS,
    PRACTICE_STATUSES,
    PRACTICES,
    PRIVATE_FUNDING_TYPES,
    STEPS,
    TA_STATUSES,
    VICTIMIZATIONS,
)
from ingest.workbook import format as workbook_format

__all__ = ["FIRST_ROW", "LAST_ROW", "PROFILE_LABELS", "SHEETS", "STEP_CHOICES", "TABLE_HEADERS", "write_template"]

# Validations and cell formats cover these rows of every table sheet.
FIRST_ROW = 2
LAST_ROW = 200

# Fixed document timestamps, so the same code writes the same bytes.
_FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

# The Profile's labels and each table sheet's headers, from the one definition of the format.
PROFILE_LABELS = workbook_format.PROFILE.headers
TABLE_HEADERS: dict[str, list[str]] = {sheet.name: sheet.headers for sheet in workbook_format.TABLE_SHEETS}

SHEETS = ["Instructions", "Profile", *TABLE_HEADERS]

# "4 - Writing the protocol": the ingest reads the leading number.
STEP_CHOICES = [f"{n} - {name}" for n, name in enumerate(STEPS)]
YES_NO = ["Yes", "No"]
SCORES = [str(n) for n in range(1, len(LEVELS) + 1)]

_DATE_FORMAT = "yyyy-mm-dd"
_MONEY_FORMAT = "$#,##0.00"
_TEXT_FORMAT = "@"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_LABEL_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
_CODE_FILL = PatternFill("solid", fgColor="F2F2F2")
_WARN_FILL = PatternFill("solid", fgColor="FCE4E4")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")

_CONFIDENTIALITY = (
    "CONFIDENTIALITY: AGGREGATE INFORMATION ONLY. This report describes your collaborative's work "
    "with totals and counts; it never describes an individual person you serve. Never enter the "
    "names of victims or survivors, their birth dates, their addresses, phone numbers, e-mail, "
    "identification numbers, or any other detail that could identify them, in any cell (notes "
    "included). A workbook that contains such information is refused as a whole and has to be "
    "corrected and sent again (VAWA confidentiality, 34 U.S.C. 12291(b)(2))."
)


# --------------------------------------------------------------------------- lists


@dataclass
class _Lists:
    """Vocabularies too long for an in-cell list, one column each on the hidden "Lists" sheet."""

    ws: Worksheet
    columns: dict[str, str] = field(default_factory=dict)

    def formula(self, title: str, values: list[str]) -> str:
        """A list-validation formula for ``values``: inline when it fits, else a range on "Lists"."""
        inline = ",".join(values)
        if len(inline) + 2 <= 255 and not any("," in v or '"' in v for v in values):
            return f'"{inline}"'
        key = "\x1f".join(values)
        if key not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            self.ws[f"{col}1"] = title
            self.ws[f"{col}1"].font = Font(bold=True)
            for i, value in enumerate(values, start=2):
                self.ws[f"{col}{i}"] = value
            self.ws.column_dimensions[col].width = min(60, max(len(title), *map(len, values)) + 2)
            self.columns[key] = f"{quote_sheetname(self.ws.title)}!${col}$2:${col}${len(values) + 1}"
        return self.columns[key]


def _list_validation(ws: Worksheet, lists: _Lists, col: str, title: str, values: list[str], prompt: str) -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1=lists.formula(title, values),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Not in the list",
        error=_clip(f"Choose a value from the {title} list."),
        showInputMessage=True,
        promptTitle=_clip(title, 32),
        prompt=_clip(prompt),
    )
    dv.add(f"{col}{FIRST_ROW}:{col}{LAST_ROW}")
    ws.add_data_validation(dv)
    return dv


def _number_validation(ws: Worksheet, ref: str, kind: str, title: str, prompt: str) -> None:
    """``kind`` "whole" (count >= 0) or "decimal" (amount >= 0)."""
    dv = DataValidation(
        type=kind,
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Not a valid number",
        error="Enter a whole number, 0 or more." if kind == "whole" else "Enter an amount in dollars, 0 or more.",
        showInputMessage=True,
        promptTitle=_clip(title, 32),
        prompt=_clip(prompt),
    )
    dv.add(ref)
    ws.add_data_validation(dv)


def _date_validation(ws: Worksheet, ref: str, title: str, prompt: str) -> None:
    dv = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(1990,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not a date",
        error="Enter a date such as 2026-03-15.",
        showInputMessage=True,
        promptTitle=_clip(title, 32),
        prompt=_clip(prompt),
    )
    dv.add(ref)
    ws.add_data_validation(dv)


def _clip(text: str, limit: int = 255) -> str:
    """Excel refuses validation prompts over 255 characters (titles over 32)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- sheets


def _table_sheet(wb: Workbook, title: str, widths: dict[str, float], headers: list[str] | None = None) -> Worksheet:
    ws = wb.create_sheet(title)
    for i, header in enumerate(TABLE_HEADERS[title] if headers is None else headers, start=1):
        cell = ws.cell(row=1, column=i, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BOX
        cell.alignment = Alignment(vertical="center", wrap_text=False)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(len(header) + 4, widths.get(header, 14))
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 20
    return ws


def _format_column(ws: Worksheet, col: str, number_format: str) -> None:
    for row in range(FIRST_ROW, LAST_ROW + 1):
        ws[f"{col}{row}"].number_format = number_format


def _prefill_codes(ws: Worksheet, codes: dict[str, str]) -> None:
    """Codes in column A, each with its full text as a cell comment.

    Nothing else is written below the codes: any text there would be read as a data row.
    """
    for row, (code, name) in enumerate(codes.items(), start=FIRST_ROW):
        cell = ws.cell(row=row, column=1, value=code)
        cell.fill = _CODE_FILL
        cell.font = Font(bold=True)
        comment = Comment(f"{code}: {name}", "stopdash")
        comment.width, comment.height = 300, 80
        cell.comment = comment


def _generic_sheet(wb: Workbook, lists: _Lists, sheet: workbook_format.SheetFormat) -> Worksheet:
    """A table sheet of the format that the layout in _build does not lay out by hand: headers, and checks by kind of value."""
    ws = _table_sheet(wb, sheet.name, {}, sheet.headers)
    for i, col in enumerate((c for c in sheet.columns if c.in_template), start=1):
        letter = get_column_letter(i)
        cells = f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}"
        if col.kind in (workbook_format.CHOICE, workbook_format.CODE):
            _list_validation(ws, lists, letter, col.header, list(col.vocabulary), f"Choose the {col.header.lower()} from the list.")
        elif col.kind == workbook_format.YES_NO:
            _list_validation(ws, lists, letter, col.header, YES_NO, "Yes or No.")
        elif col.kind == workbook_format.WHOLE:
            _number_validation(ws, cells, "whole", col.header, "A whole number, 0 or more.")
        elif col.kind == workbook_format.MONEY:
            _format_column(ws, letter, _MONEY_FORMAT)
            _number_validation(ws, cells, "decimal", col.header, "Dollars, 0 or more.")
        elif col.kind == workbook_format.DATE:
            _format_column(ws, letter, _DATE_FORMAT)
            _date_validation(ws, cells, col.header, "A date, like 2026-03-15.")
    return ws


def _write_instructions(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    row = 1

    def put(
        label: str | None,
        text: str,
        *,
        bold: bool = False,
        fill: PatternFill | None = None,
        size: int | None = None,
        color: str | None = None,
    ) -> None:
        nonlocal row
        if label is not None:
            a = ws.cell(row=row, column=1, value=label)
            a.font = Font(bold=True)
            a.alignment = _WRAP_TOP
        b = ws.cell(row=row, column=2, value=text)
        b.alignment = _WRAP_TOP
        b.font = Font(bold=bold, size=size or 11, color=color)
        if fill is not None:
            for c in (1, 2):
                ws.cell(row=row, column=c).fill = fill
        lines = sum(max(1, math.ceil(len(part) / 95)) for part in text.split("\n"))
        ws.row_dimensions[row].height = max(15, 15 * lines) * (size or 11) / 11
        row += 1

    title = ws.cell(row=row, column=1, value="STOP Violence Against Women grant: quarterly progress report")
    title.font = Font(bold=True, size=16)
    ws.row_dimensions[row].height = 24
    row += 2

    put(
        "About this workbook",
        "This workbook is your collaborative's quarterly progress report to the state STOP "
        "administrator. Fill in one workbook per subgrant per calendar quarter and send it to your "
        "grant manager. Only the Profile sheet is required; fill in every other sheet that applies "
        "to your work this quarter, and complete the rows already listed on Maturity and Survivor "
        "engagement (a listed code left without a score or status is reported back as an error). "
        "Keep the sheet names and the column headings as they are, add rows below the headings as "
        "needed, and pick values from the dropdown lists wherever a cell offers one.",
    )
    row += 1
    put("Confidentiality", _CONFIDENTIALITY, bold=True, fill=_WARN_FILL, color="9C0006")
    row += 1

    ws.cell(row=row, column=1, value="What to fill in, sheet by sheet").font = Font(bold=True, size=13)
    row += 1
    put(
        "Profile",
        "Type each value in column B, next to its label. Subgrant ID: as on your award (required). "
        "Reporting period: the calendar quarter the report covers, written like 2026-Q1 (required). "
        "Prepared by and Email: the staff contact for this report. Date submitted: a date such as "
        "2026-04-15. Collaborative meetings held: how many meetings of the whole collaborative took "
        "place this quarter (a whole number). Survivors engaged: how many survivors took part in the "
        "collaborative's work this quarter, as one total count (a whole number, no list of people).",
    )
    put(
        "Partners",
        "One row per agency or organization at the table. Partner: the agency's name. Discipline: "
        "choose from the list. MOU signed: Yes or No. Meetings attended: how many collaborative "
        "meetings the agency attended this quarter (a whole number).",
    )
    put(
        "Maturity",
        "The ten indicators C1 to C10 are already listed (see their meaning below). Score each one "
        "from 1 to 5 (levels below). Notes: optional, a short reason for the score; no identifying "
        "details about anyone served.",
    )
    put(
        "Protocols",
        "One row per protocol. Protocol: its name. Focus: choose from the list. Step: where the "
        'protocol stands in the 8-step cycle, chosen from the list (for example "4 - Writing the '
        'protocol"; steps below). Adopted on: the date it was formally adopted, if it has been '
        "(step 5). Last reviewed: the date of its latest review; adopted protocols are expected to "
        "be reviewed at least every 12 months.",
    )
    put(
        "Survivor engagement",
        "The eight practices S1 to S8 are already listed (see their meaning below). Status: In place, Planned or Not in place.",
    )
    put(
        "Funding",
        "One row per resource leveraged beyond STOP this quarter. Source: the funder. Type: choose "
        f"from the list (the first four, {', '.join(PRIVATE_FUNDING_TYPES)}, count as private "
        "funding). Form: Cash or In-kind (empty means Cash). Amount: dollars, in-kind at its fair "
        "value. Counts toward match: Yes or No (empty means No). No total row is needed.",
    )
    put(
        "TA requests",
        "Optional. One row per technical-assistance request. Topic: what you need help with. "
        "Requested on: a date. Status: Open, In progress or Resolved.",
    )
    put(
        "Services",
        "Optional, aggregate counts only. For each type of victimization already listed, how many "
        "people first sought services this calendar year during this quarter and were served, partially "
        "served or not served (whole numbers). Count each person once a year, in the quarter they first "
        "came: someone who came back from an earlier quarter of the same year is not counted again, so "
        "the four quarters add up to the year's count the federal annual report asks for. A new calendar "
        "year starts the count again. Never list individuals.",
    )
    row += 1

    ws.cell(row=row, column=1, value="Accepted values").font = Font(bold=True, size=13)
    row += 1
    put("Reporting period", "A calendar quarter: 2026-Q1 (also read: 2026 Q1, Q1 2026, Q1-2026, 2026Q1).")
    put("Yes / no", "Yes or No (Y, N, True, False, X for yes, 1 and 0 are read too).")
    put("Dates", "Real dates, or text like 2026-03-15 or 3/15/2026 (month first).")
    put("Amounts", "Dollars, 0 or more: 12500, 12,500 or $12,500.00.")
    put("Scores (levels)", "\n".join(f"{n} = {name}" for n, name in enumerate(LEVELS, start=1)))
    put("Protocol steps", "\n".join(STEP_CHOICES))
    put("Maturity indicators", "\n".join(f"{code}  {name}" for code, name in INDICATORS.items()))
    put("Survivor practices", "\n".join(f"{code}  {name}" for code, name in PRACTICES.items()))
    put("Disciplines", " · ".join(DISCIPLINES))
    put("Protocol focus", " · ".join(FOCUSES))
    put("Funding types", " · ".join(FUNDING_TYPES))
    put("Practice status", " · ".join(PRACTICE_STATUSES))
    put("TA status", " · ".join(TA_STATUSES))
    ws.sheet_view.showGridLines = False


def _write_profile(wb: Workbook) -> None:
    ws = wb.create_sheet("Profile")
    ws.column_dimensions["A"].width = max(map(len, PROFILE_LABELS)) + 4
    ws.column_dimensions["B"].width = 40
    prompts = {
        "Subgrant ID": "As on your award (required).",
        "Reporting period": "The calendar quarter, like 2026-Q1 (required).",
        "Prepared by": "The staff member who prepared this report.",
        "Email": "The staff contact's work e-mail.",
        "Date submitted": "A date, like 2026-04-15.",
        "Collaborative meetings held": "Meetings of the whole collaborative this quarter (whole number).",
        "Survivors engaged": "Total number of survivors who took part this quarter (one count, no names).",
    }
    for row, label in enumerate(PROFILE_LABELS, start=1):
        a = ws.cell(row=row, column=1, value=label)
        a.font = Font(bold=True)
        a.fill = _LABEL_FILL
        a.border = _BOX
        b = ws.cell(row=row, column=2)
        b.fill = _INPUT_FILL
        b.border = _BOX
        if label in ("Subgrant ID", "Reporting period"):
            b.number_format = _TEXT_FORMAT
        if label == "Date submitted":
            b.number_format = _DATE_FORMAT
            _date_validation(ws, b.coordinate, label, prompts[label])
        elif label in ("Collaborative meetings held", "Survivors engaged"):
            _number_validation(ws, b.coordinate, "whole", label, prompts[label])
        else:
            dv = DataValidation(showInputMessage=True, promptTitle=_clip(label, 32), prompt=prompts[label])
            dv.add(b.coordinate)
            ws.add_data_validation(dv)


def _build() -> Workbook:
    wb = Workbook()
    instructions = wb.active
    instructions.title = "Instructions"
    _write_instructions(instructions)
    _write_profile(wb)

    lists_ws = wb.create_sheet("Lists")  # moved to the end, below
    lists = _Lists(lists_ws)
    text_w = 40

    # Partners
    ws = _table_sheet(wb, "Partners", {"Partner": text_w, "Discipline": max(map(len, DISCIPLINES)) + 4})
    _list_validation(ws, lists, "B", "Discipline", DISCIPLINES, "Choose the partner's discipline from the list.")
    _list_validation(ws, lists, "C", "MOU signed", YES_NO, "Has the partner signed an MOU? Yes or No.")
    _number_validation(
        ws,
        f"D{FIRST_ROW}:D{LAST_ROW}",
        "whole",
        "Meetings attended",
        "Collaborative meetings this partner attended this quarter (whole number).",
    )

    # Maturity
    ws = _table_sheet(wb, "Maturity", {"Indicator": 12, "Score": 10, "Notes": 60})
    _prefill_codes(ws, INDICATORS)
    _list_validation(ws, lists, "A", "Indicator", list(INDICATORS), "An indicator code, C1 to C10.")
    _list_validation(ws, lists, "B", "Score", SCORES, " · ".join(f"{n} {name}" for n, name in enumerate(LEVELS, start=1)))

    # Protocols
    ws = _table_sheet(
        wb,
        "Protocols",
        {
            "Protocol": text_w,
            "Focus": max(map(len, FOCUSES)) + 4,
            "Step": max(map(len, STEP_CHOICES)) + 4,
            "Adopted on": 14,
            "Last reviewed": 14,
        },
    )
    _list_validation(ws, lists, "B", "Focus", FOCUSES, "Choose the protocol's focus from the list.")
    _list_validation(ws, lists, "C", "Step", STEP_CHOICES, "Where the protocol stands in the 8-step cycle.")
    for col, label in (("D", "Adopted on"), ("E", "Last reviewed")):
        _format_column(ws, col, _DATE_FORMAT)
        _date_validation(ws, f"{col}{FIRST_ROW}:{col}{LAST_ROW}", label, "A date, like 2026-03-15.")

    # Survivor engagement
    ws = _table_sheet(wb, "Survivor engagement", {"Practice": 12, "Status": 16})
    _prefill_codes(ws, PRACTICES)
    _list_validation(ws, lists, "A", "Practice", list(PRACTICES), "A practice code, S1 to S8.")
    _list_validation(ws, lists, "B", "Practice status", PRACTICE_STATUSES, "In place, Planned or Not in place.")

    # Funding
    ws = _table_sheet(
        wb, "Funding", {"Source": text_w, "Type": max(map(len, FUNDING_TYPES)) + 4, "Form": 10, "Amount": 16, "Counts toward match": 22}
    )
    _list_validation(ws, lists, "B", "Funding type", FUNDING_TYPES, "Choose the type of source from the list.")
    _list_validation(ws, lists, "C", "Form", FUNDING_FORMS, "Cash or In-kind (empty means Cash).")
    _format_column(ws, "D", _MONEY_FORMAT)
    _number_validation(ws, f"D{FIRST_ROW}:D{LAST_ROW}", "decimal", "Amount", "Dollars, 0 or more (in-kind at its fair value).")
    _list_validation(ws, lists, "E", "Counts toward match", YES_NO, "Yes or No (empty means No).")

    # TA requests
    ws = _table_sheet(wb, "TA requests", {"Topic": 50, "Requested on": 14, "Status": 14})
    _format_column(ws, "B", _DATE_FORMAT)
    _date_validation(ws, f"B{FIRST_ROW}:B{LAST_ROW}", "Requested on", "A date, like 2026-03-15.")
    _list_validation(ws, lists, "C", "TA status", TA_STATUSES, "Open, In progress or Resolved.")

    # Services
    ws = _table_sheet(wb, "Services", {"Victimization": max(map(len, VICTIMIZATIONS)) + 4})
    for row, name in enumerate(VICTIMIZATIONS, start=FIRST_ROW):
        cell = ws.cell(row=row, column=1, value=name)
        cell.fill = _CODE_FILL
        cell.font = Font(bold=True)
    _list_validation(ws, lists, "A", "Victimization", VICTIMIZATIONS, "A type of victimization.")
    _number_validation(ws, f"B{FIRST_ROW}:D{LAST_ROW}", "whole", "Count", "How many people, as a total count (whole number, no names).")

    # A sheet of the format not laid out above still gets its headers and checks.
    for sheet in workbook_format.TABLE_SHEETS:
        if sheet.name not in wb.sheetnames:
            _generic_sheet(wb, lists, sheet)

    # The hidden vocabulary sheet goes last; it is dropped if every list fitted inline.
    if lists.columns:
        wb.move_sheet(lists_ws, offset=len(wb.sheetnames) - 1 - wb.index(lists_ws))
        lists_ws.sheet_state = "hidden"
    else:
        wb.remove(lists_ws)

    wb.active = 0
    props = wb.properties
    props.creator = "stopdash"
    props.lastModifiedBy = "stopdash"
    props.title = "STOP quarterly progress report"
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME
    return wb


def _reproducible_zip(raw: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps and the same entry order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def write_template(path: Path) -> Path:
    """Write the blank quarterly progress-report workbook to ``path`` and return the path.

    The file is written atomically (temporary file, then rename) and its bytes depend
    only on this code and :mod:`ingest.vocab`.
    """
    path = Path(path)
    wb = _build()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        # ExcelWriter directly: openpyxl's save_workbook() would stamp "modified" with now().
        ExcelWriter(wb, archive).write_data()
    data = _reproducible_zip(buf.getvalue())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


if __name__ == "__main__":  # pragma: no cover - convenience: python -m stopdash.template OUT.xlsx
    import sys

    print(write_template(Path(sys.argv[1] if len(sys.argv) > 1 else "stop-quarterly-report-template.xlsx")))
