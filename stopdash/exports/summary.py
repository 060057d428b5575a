"""Federal-reporting exports of the portfolio: an Excel workbook, a folder of CSV files, an HTML brief.

The same files for the command line (``stopdash export summary``) and the
dashboard's download buttons (:func:`summary_download`). Each function takes
``db`` (a database path, or an open DuckDB connection), ``year`` (an award year,
or None for all) and ``period`` (the ``YYYY-Qn`` quarter the summary is as of,
or None for the latest); bad filters raise :class:`ExportError` with a plain
message. docs/exports.md describes each sheet.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stopdash.exports.brief import brief_html
from stopdash.exports.cells import csv_safe
from stopdash.exports.excel import xlsx_bytes
from stopdash.exports.tables import Sheet, Summary, gather_summary
from stopdash.queries.reader import Db, ExportError

__all__ = [
    "FORMATS",
    "Download",
    "ExportError",
    "gather_summary",
    "summary_bytes",
    "summary_download",
    "write_brief_html",
    "write_summary_csv",
    "write_summary_xlsx",
]

FORMATS = ("xlsx", "csv", "html")
MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "application/zip", "html": "text/html"}
_CSV_NUMBER = {"money": "{:.2f}", "share": "{:.4f}", "score": "{:.2f}", "ratio": "{:.4f}"}


@dataclass(frozen=True)
class Download:
    """What a download button needs."""

    data: bytes
    file_name: str
    mime: str


def _atomic_write(path: Path, data: bytes) -> Path:
    """Write the whole file or nothing (a half-written workbook is worse than none)."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"Cannot write {path}: {e.strerror}. If the file is open in Excel, close it and try again.") from e
    return path


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and kind in _CSV_NUMBER:
        return _CSV_NUMBER[kind].format(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return csv_safe(value)


def sheet_csv(sheet: Sheet) -> bytes:
    """One table as CSV: UTF-8 with a byte-order mark (so Excel reads the en dashes right), header row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(c) for c in sheet.frame.columns])
    kinds = [sheet.kinds[c] for c in sheet.frame.columns]
    for record in sheet.frame.itertuples(index=False, name=None):
        writer.writerow([_csv_value(v, k) for v, k in zip(record, kinds, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


def csv_files(summary: Summary) -> dict[str, bytes]:
    """File name -> CSV bytes, one per sheet, numbered in sheet order."""
    return {f"{i:02d}-{s.name.lower().replace(' ', '-')}.csv": sheet_csv(s) for i, s in enumerate(summary.sheets, 1)}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def write_gathered(summary: Summary, out: Path, fmt: str = "xlsx") -> Path:
    """Write an already gathered summary as *fmt*: xlsx, csv (a folder, or one zip when *out* ends in .zip) or html."""
    out = Path(out)
    if fmt == "xlsx":
        return _atomic_write(out, xlsx_bytes(summary))
    if fmt == "html":
        return _atomic_write(out, brief_html(summary).encode("utf-8"))
    if fmt != "csv":
        raise ExportError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    files = csv_files(summary)
    if out.suffix.lower() == ".zip":
        return _atomic_write(out, _zip(files))
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; for --format csv give a folder (it is created) or a name ending in .zip.")
    for name, data in files.items():
        _atomic_write(out / name, data)
    return out


def write_summary_xlsx(db: Db, out: Path, year: int | None = None, period: str | None = None) -> Path:
    """The formatted workbook, one sheet per table."""
    return write_gathered(gather_summary(db, year, period), out, "xlsx")


def write_summary_csv(db: Db, out: Path, year: int | None = None, period: str | None = None) -> Path:
    """A folder of CSV files, one per sheet (or, when *out* ends in .zip, one zip of them)."""
    return write_gathered(gather_summary(db, year, period), out, "csv")


def write_brief_html(db: Db, out: Path, year: int | None = None, period: str | None = None) -> Path:
    """The self-contained leadership brief."""
    return write_gathered(gather_summary(db, year, period), out, "html")


def summary_bytes(db: Db, fmt: str = "xlsx", year: int | None = None, period: str | None = None) -> bytes:
    """The file's bytes, for a download button: xlsx, html, or csv (a zip of the CSV files)."""
    summary = gather_summary(db, year, period)
    if fmt == "xlsx":
        return xlsx_bytes(summary)
    if fmt == "html":
        return brief_html(summary).encode("utf-8")
    if fmt == "csv":
        return _zip(csv_files(summary))
    raise ExportError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")


def summary_file_name(fmt: str, year: int | None = None, period: str | None = None) -> str:
    parts = ["stop-summary" if fmt != "html" else "stop-brief", f"fy{year}" if year else "all-years", period or "latest"]
    return "-".join(parts).lower() + {"xlsx": ".xlsx", "csv": ".zip", "html": ".html"}[fmt]


def summary_download(db: Db, fmt: str = "xlsx", year: int | None = None, period: str | None = None) -> Download:
    """Bytes, a file name and a MIME type: ``st.download_button(d.file_name, d.data, d.file_name, d.mime)``."""
    return Download(summary_bytes(db, fmt, year, period), summary_file_name(fmt, year, period), MIME[fmt])
