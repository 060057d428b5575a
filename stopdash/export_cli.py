"""The ``stopdash export`` command: a thin layer over stopdash.export (found by stopdash.cli when present)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

# The export code (pandas, openpyxl, DuckDB) is imported when a summary is written, not when
# `stopdash` starts: every other command, and --help, would pay about a second for it.
FORMATS = ("xlsx", "csv", "html")  # stopdash.export.FORMATS; a test keeps the two the same
SUFFIXES = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".zip": "csv", "": "csv"}


def output_format(out: Path, fmt: str | None) -> str:
    """The format asked for, or the one the --out name implies; a plain error when the two disagree."""
    from stopdash.export_db import ExportError

    suffix = out.suffix.lower()
    if suffix == ".csv" and fmt in (None, "csv"):
        raise ExportError(f"The CSV export is one file per sheet: give a folder name (such as {out.stem}-csv) or a name ending in .zip.")
    if fmt is None:
        if suffix not in SUFFIXES:
            raise ExportError(f"Cannot tell the format from {out.name}: name it .xlsx, .html, .zip or a folder, or give --format.")
        return SUFFIXES[suffix]
    if fmt == "xlsx" and suffix != ".xlsx":
        raise ExportError(f"--format xlsx writes an Excel workbook: name it ending in .xlsx (not {out.name}).")
    if fmt == "html" and suffix not in (".html", ".htm"):
        raise ExportError(f"--format html writes a web page: name it ending in .html (not {out.name}).")
    return fmt


def cmd_export(args: argparse.Namespace) -> int:
    """Write federal-reporting summaries: an Excel workbook, a folder of CSV files, or an HTML brief for leadership.

    Example: stopdash export summary --out "STOP summary FY2026.xlsx" --year 2026
             stopdash export summary --out brief.html --period 2026-Q2
             stopdash export summary --out summary-csv --format csv
    """
    return int(args.export_func(args))


def cmd_export_summary(args: argparse.Namespace) -> int:
    """Write the portfolio summary as an Excel workbook, a folder of CSV files or an HTML brief.

    Tables: STOP allocation checks, allocation by category, purpose areas, communities, leveraged funding,
    protocols, survivor engagement, services, data quality, missing reports, and notes on every figure.

    --format xlsx (default for .xlsx): one formatted workbook, a sheet per table.
    --format csv: a folder of CSV files, one per sheet (UTF-8 with BOM); a name ending in .zip gives one zip.
    --format html: a self-contained brief with charts that opens and prints without internet.
    --year keeps one award year's subgrants; --period YYYY-Qn reports as of that quarter (default: the latest).
    Counts of people are protected figures (sums of fixed stand-ins for small counts; docs/exports.md);
    figures from 1 to the suppression threshold show as a range (e.g. 1–10).

    Example: stopdash export summary --out "STOP summary FY2026.xlsx" --year 2026 --db data/stopdash.duckdb
    """
    from ingest.audit import log, os_user
    from stopdash.export import gather_summary, write_gathered

    fmt = output_format(args.out, args.format)
    summary = gather_summary(args.db, args.year, args.period)
    path = write_gathered(summary, args.out, fmt)
    scope = f"award year {args.year}" if args.year is not None else "award years " + ", ".join(map(str, summary.years))
    quarter = f"as of {summary.period}" if summary.period else "no progress reports yet"
    what = {"xlsx": f"workbook ({len(summary.sheets)} sheets", "csv": f"CSV files ({len(summary.sheets)} files", "html": "brief ("}[fmt]
    print(f"Wrote the summary {what}{'' if fmt == 'html' else ', '}{scope}, {quarter}) to {path}.")
    log(args.db, os_user(), "export", f"summary {fmt}", detail=f"{scope}, {quarter}, to {path.name}", result="written")
    return 0


def add_export(add: Callable[[str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]) -> None:
    """Register ``export`` (with its ``summary`` subcommand) through stopdash.cli's ``add``."""
    parser = add("export", cmd_export)
    sub = parser.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    doc = cmd_export_summary.__doc__ or ""
    p = sub.add_parser("summary", help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(export_func=cmd_export_summary)
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write (.xlsx, .html, a folder or .zip for csv)")
    p.add_argument("--year", type=int, default=None, metavar="YYYY", help="only subgrants of this award year (default: all)")
    p.add_argument("--period", default=None, metavar="YYYY-Qn", help="the quarter to report as of (default: the latest with a report)")
    p.add_argument("--format", choices=FORMATS, default=None, help="xlsx, csv or html (default: from the --out name)")
    p.add_argument("--db", type=Path, default=None, help="the database (default: $STOPDASH_DB, then data/stopdash.duckdb)")
