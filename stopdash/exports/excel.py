"""The summary as one formatted Excel workbook (openpyxl): a titled, filterable, printable sheet per table."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stopdash.exports.cells import is_formula_like
from stopdash.exports.model import Sheet, Summary

HEADER_ROW = 4
FORMATS = {
    "year": "0",
    "money": '"$"#,##0.00;[Red]-"$"#,##0.00',
    "share": "0.0%",
    "int": "#,##0",
    "people": "#,##0",
    "score": "0.00",
    "ratio": "0.0000",
    "date": "yyyy-mm-dd",
}
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TOTAL_FILL = PatternFill("solid", fgColor="E7EEF6")
GOOD = (PatternFill("solid", fgColor="C6EFCE"), Font(color="006100", bold=True))
BAD = (PatternFill("solid", fgColor="FFC7CE"), Font(color="9C0006", bold=True))
RESULTS = {"Met": GOOD, "Within the cap": GOOD, "Short": BAD, "Over the cap": BAD, "Not met": BAD}
THIN = Side(style="thin", color="8EA9C8")


def context_line(summary: Summary) -> str:
    year = f"award year {summary.year}" if summary.year is not None else "all award years"
    quarter = f"as of {summary.period}" if summary.period else "no progress reports yet"
    data = f"data as of {summary.as_of:%Y-%m-%d}" if summary.as_of else "register only"
    return f"{summary.state_name} STOP portfolio · {year} · {quarter} · {data} · generated {summary.generated:%Y-%m-%d %H:%M}"


def put(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """Write one value; text that looks like a formula stays text (string type, quote prefix)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell


def _width(header: str, values: list[Any], kind: str) -> float:
    """Column width in characters: numbers fit their formatted value, text wraps beyond 30, long text at 60."""
    if kind == "long":
        return 60
    spec = {"money": "${:,.2f}", "share": "{:.1%}", "score": "{:.2f}", "ratio": "{:.4f}"}.get(kind)
    shown = [spec.format(v) if spec and isinstance(v, float) else str(v) for v in values if v is not None]
    longest = max((len(v) for v in shown), default=0)
    head = min(len(header), 14)  # headers wrap onto up to three lines
    if kind in ("text", "date"):
        return max(9.0, min(30.0, max(head, longest) + 2))
    return max(9.0, min(18.0, max(head, longest) + 2))


def _write_sheet(ws: Worksheet, sheet: Sheet, summary: Summary) -> None:
    columns = list(sheet.frame.columns)
    last_col = get_column_letter(len(columns))
    put(ws, 1, 1, sheet.title).font = Font(bold=True, size=14, color="1F4E79")
    put(ws, 2, 1, context_line(summary)).font = Font(italic=True, color="595959")
    put(ws, 3, 1, sheet.subtitle).font = Font(italic=True, color="595959")
    for c, name in enumerate(columns, 1):
        cell = put(ws, HEADER_ROW, c, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = Border(bottom=THIN)
    ws.row_dimensions[HEADER_ROW].height = 45
    records = sheet.frame.itertuples(index=False, name=None)
    for r, record in enumerate(records):
        row = HEADER_ROW + 1 + r
        total = r in sheet.total_rows
        for c, (name, value) in enumerate(zip(columns, record, strict=True), 1):
            kind = sheet.kinds[name]
            cell = put(ws, row, c, value)
            if kind in FORMATS and not isinstance(value, str):
                cell.number_format = FORMATS[kind]
            if kind in ("long", "text"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, str) and kind == "people":
                cell.alignment = Alignment(horizontal="right")
                cell.font = Font(italic=True, color="7F7F7F")
            else:
                cell.alignment = Alignment(vertical="top")
            if name == "Result" and value in RESULTS:
                cell.fill, cell.font = RESULTS[value]
            if total:
                cell.font = Font(bold=True, italic=cell.font.italic, color=cell.font.color)
                cell.fill = TOTAL_FILL
                cell.border = Border(top=THIN)
    n = len(sheet.frame)
    if n == 0:
        put(ws, HEADER_ROW + 1, 1, "Nothing to show for this selection.").font = Font(italic=True, color="7F7F7F")
    trailing = n
    while trailing - 1 in sheet.total_rows:
        trailing -= 1
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + max(trailing, 1)}"
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1 + sheet.freeze_cols)
    for c, name in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(c)].width = _width(name, sheet.frame[name].tolist(), sheet.kinds[name])
    _print_setup(ws, sheet)


def _print_setup(ws: Worksheet, sheet: Sheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = sheet.title
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def build_workbook(summary: Summary) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in summary.sheets:
        _write_sheet(wb.create_sheet(sheet.name), sheet, summary)
    wb.properties.title = f"{summary.state_name} STOP portfolio summary"
    wb.properties.creator = "stopdash"
    return wb


def xlsx_bytes(summary: Summary) -> bytes:
    buffer = io.BytesIO()
    build_workbook(summary).save(buffer)
    return buffer.getvalue()
