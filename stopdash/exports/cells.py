"""Keeping grantee text inert in spreadsheets (CSV/formula injection).

Partner, funder and protocol names come from grantees' workbooks. A text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
full-width forms, which some Excel input modes read the same way) could run as a
formula when a spreadsheet opens or re-enters it. Only ``str`` values are
touched: a negative *number* stays a number.

* xlsx: the cell keeps the exact text, typed as a string, with Excel's
  "quote prefix" style, so Excel shows it as text and keeps it text on edit.
* csv: the text is written with a leading apostrophe, the convention Excel and
  LibreOffice understand as "this is text".
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(value: Any) -> bool:
    """Whether *value* is text that a spreadsheet could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """The value to write to a CSV cell: formula-like text gets a leading apostrophe; everything else is unchanged."""
    return "'" + value if is_formula_like(value) else value


def table_csv(df: pd.DataFrame) -> bytes:
    """A table as CSV bytes (UTF-8 with BOM, for Excel), grantee text kept inert."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(csv_safe)
    text: str = safe.to_csv(index=False)
    return text.encode("utf-8-sig")


def table_xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    """A table as an Excel workbook, every text cell typed as text (a formula-like one with a quote prefix)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31])
        for row in writer.sheets[sheet[:31]].iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # pandas hands "=..." to openpyxl, which would store a formula
                    cell.quotePrefix = is_formula_like(cell.value)
    return buffer.getvalue()
