"""The `stopdash` command line: a thin layer over the engine.

Errors become one line on stderr and an exit code (2: usage or nothing could
run; 1: a file was refused or had row errors); --debug shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import StopdashError

if TYPE_CHECKING:
    from ingest.pipeline import Summary

# The engine is imported inside each command: worker processes of `ingest` re-import this
# module when they start, and should not pay for DuckDB and Arrow they never use.

REPO = Path(__file__).resolve().parents[1]


def cmd_load_awards(args: argparse.Namespace) -> int:
    """Load or update the award register (one row per subgrant), matched by Subgrant ID.

    Example: stopdash load-awards "FY2026 subgrants.xlsx" --db data/stopdash.duckdb
    """
    from ingest.pipeline import load_register

    parsed = load_register(args.file, args.db)
    errors = [i for i in parsed.issues if i.severity == "error"]
    print(f"Loaded {len(parsed.rows)} subgrants from {args.file.name} into {args.db}.")
    for issue in parsed.issues[:20]:
        print(f"  {issue.severity}: {issue.message}")
    if len(parsed.issues) > 20:
        print(f"  ... and {len(parsed.issues) - 20} more (see the register_issue table).")
    return 1 if errors else 0


def _progress(total: int) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar on a terminal; nothing when output goes to a file or pipe."""
    if not sys.stderr.isatty() or total < 2:
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("Ingesting", total=total)
    bar.start()
    return (lambda n: bar.advance(task, n)), bar.stop


def print_summary(summary: Summary, out: Callable[[str], None] = print) -> None:
    out(
        f"{summary.count('accepted')} accepted, {summary.count('accepted_with_errors')} accepted with errors, "
        f"{summary.count('rejected')} rejected, {summary.count('skipped')} skipped as already ingested."
    )
    for o in summary.outcomes:
        if o.status == "rejected":
            out(f"  rejected  {o.source_file}: {o.message}")
    with_errors = [o for o in summary.outcomes if o.status == "accepted_with_errors"]
    for o in with_errors[:10]:
        out(f"  errors    {o.source_file}: {o.errors} row error(s), {o.warnings} warning(s); the good rows were loaded")
    if len(with_errors) > 10:
        out(f"  ... and {len(with_errors) - 10} more files with row errors")


def top_issue_codes(db: Path, ids: list[int]) -> list[tuple[str, int]]:
    from ingest.store.db import connection

    if not ids:
        return []
    with connection(db, read_only=True) as con:
        rows = con.execute("SELECT code, severity FROM issue WHERE list_contains(?, submission_id)", [ids]).fetchall()
    return Counter(f"{sev} {code}" for code, sev in rows).most_common(5)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest quarterly progress-report workbooks; a PATH may be a folder (searched for .xlsx/.xlsm).

    Example: stopdash ingest reports/2026-Q1/ --db data/stopdash.duckdb
    """
    from ingest.pipeline import collect, ingest_paths

    found = collect(args.paths)
    if not found.jobs and not found.links:
        print(f"No .xlsx or .xlsm files found in {', '.join(map(str, args.paths))}.", file=sys.stderr)
        return 2
    advance, stop = _progress(len(found.jobs))
    try:
        summary = ingest_paths(args.paths, args.db, progress=advance)  # links inside folders are reported, not read
    finally:
        stop()
    print_summary(summary)
    top = top_issue_codes(args.db, [o.submission_id for o in summary.outcomes if o.submission_id])
    if top:
        print("Top issues: " + ", ".join(f"{code} ({n})" for code, n in top) + ". Details: the ingest_issues view.")
    return summary.exit_code


def cmd_template(args: argparse.Namespace) -> int:
    """Write a blank progress-report workbook, with dropdowns and instructions, for grantees.

    Example: stopdash template --out "STOP progress report.xlsx"
    """
    from stopdash.template import write_template

    path = write_template(args.out)
    print(f"Wrote the blank progress-report template to {path}.")
    return 0


def dashboard_command(port: int, address: str = "localhost") -> list[str]:
    """`streamlit run` of the dashboard with the project's config and secrets passed explicitly, from any folder.

    Streamlit reads `.streamlit/config.toml` and `.streamlit/secrets.toml` from the folder it is started in:
    every option of the project's config.toml becomes a flag, and the secrets files are named, so where the
    command runs from does not matter.
    """
    import tomllib

    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py")]
    config = REPO / ".streamlit" / "config.toml"
    options = tomllib.loads(config.read_text(encoding="utf-8")) if config.exists() else {}
    options.setdefault("server", {}).update({"headless": True, "port": port, "address": address})
    options.setdefault("client", {})["disableDataExport"] = True
    for section, values in options.items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            command += [f"--{section}.{key}", text]
    for secrets in (Path.home() / ".streamlit" / "secrets.toml", REPO / ".streamlit" / "secrets.toml"):
        command += ["--secrets.files", str(secrets)]
    return command


def cmd_demo(args: argparse.Namespace) -> int:
    """Build a synthetic statewide portfolio (fictional) and open the dashboard on it.

    Example: stopdash demo            (then open http://localhost:8501)
             stopdash demo --build-only --db /tmp/demo.duckdb
    """
    from stopdash.demo.build import build_demo

    db = build_demo(args.db, rebuild=args.rebuild, say=lambda line: print(line, flush=True))
    print(f"Demo portfolio ready in {db}.")
    if args.build_only:
        return 0
    env = dict(os.environ, STOPDASH_DB=str(db))
    command = dashboard_command(args.port)
    print(f"Starting the dashboard. Open this address in your web browser: http://localhost:{args.port}", flush=True)
    print("(It keeps running in this window; press Ctrl+C here to stop it.)", flush=True)
    return subprocess.call(command, env=env, cwd=REPO)


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the database (every table as Parquet) and the archived original files into a new folder.

    Example: stopdash backup --out backups/2026-11-27 --db data/stopdash.duckdb
    """
    from ingest.store.backup import backup

    counts = backup(args.db, args.out)
    print(f"Backed up {len(counts)} tables ({sum(counts.values()):,} rows) to {args.out}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Rebuild a database from a backup folder, into a file that does not exist yet.

    Example: stopdash restore backups/2026-11-27 --db data/restored.duckdb
    """
    from ingest.store.backup import restore

    counts = restore(args.folder, args.db)
    print(f"Restored {sum(counts.values()):,} rows into {args.db}. Check it, then point STOPDASH_DB at it.")
    return 0


# --- stopdash export ------------------------------------------------------------------------------

# The export code (pandas, openpyxl, DuckDB) is imported when a summary is written, not when
# `stopdash` starts: every other command, and --help, would pay about a second for it.
FORMATS = ("xlsx", "csv", "html")  # stopdash.exports.summary.FORMATS; a test keeps the two the same
SUFFIXES = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".zip": "csv", "": "csv"}


def output_format(out: Path, fmt: str | None) -> str:
    """The format asked for, or the one the --out name implies; a plain error when the two disagree."""
    from stopdash.queries.reader import ExportError

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
             stopdash export federal --year 2025 --out "STOP federal reporting 2025.xlsx"
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
    from ingest.store.audit import log, os_user
    from stopdash.exports.summary import gather_summary, write_gathered

    fmt = output_format(args.out, args.format)
    summary = gather_summary(args.db, args.year, args.period)
    path = write_gathered(summary, args.out, fmt)
    scope = f"award year {args.year}" if args.year is not None else "award years " + ", ".join(map(str, summary.years))
    quarter = f"as of {summary.period}" if summary.period else "no progress reports yet"
    what = {"xlsx": f"workbook ({len(summary.sheets)} sheets", "csv": f"CSV files ({len(summary.sheets)} files", "html": "brief ("}[fmt]
    print(f"Wrote the summary {what}{'' if fmt == 'html' else ', '}{scope}, {quarter}) to {path}.")
    log(args.db, os_user(), "export", f"summary {fmt}", detail=f"{scope}, {quarter}, to {path.name}", result="written")
    return 0


def cmd_export_federal(args: argparse.Namespace) -> int:
    """Write the federal reporting year of one calendar year as an Excel workbook.

    Sheets: general information (per subgrant: federal award, UEI, award, purpose areas), coordinated community
    response, victim services, leveraged resources, the allocation ledger per federal award, funds awarded and
    returned (Administrator report item 6A), match, report timeliness, what the workbook does not cover, and notes.
    Counts of people are protected figures, as in the summary (docs/exports.md).

    Example: stopdash export federal --year 2025 --out "STOP federal reporting 2025.xlsx" --db data/stopdash.duckdb
    """
    from ingest.store.audit import log, os_user
    from stopdash.exports.federal import gather_federal, write_gathered_federal
    from stopdash.queries.reader import ExportError

    if args.out.suffix.lower() != ".xlsx":
        raise ExportError(f"The federal workbook is an Excel file: name it ending in .xlsx (not {args.out.name}).")
    summary = gather_federal(args.db, args.year)
    path = write_gathered_federal(summary, args.out)
    subgrants = summary.headline["subgrants"]
    reports = f"reports up to {summary.period}" if summary.period else "no progress reports of the year yet"
    what = f"{len(summary.sheets)} sheets, calendar year {args.year}, {subgrants} subgrants, {reports}"
    print(f"Wrote the federal reporting workbook ({what}) to {path}.")
    log(args.db, os_user(), "export", "federal xlsx", detail=f"calendar year {args.year}, {reports}, to {path.name}", result="written")
    return 0


def add_export(add: Callable[[str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]) -> None:
    """Register ``export`` (with its ``summary`` and ``federal`` subcommands) through the parser's ``add``."""
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
    doc = cmd_export_federal.__doc__ or ""
    p = sub.add_parser("federal", help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(export_func=cmd_export_federal)
    p.add_argument("--year", type=int, required=True, metavar="YYYY", help="the calendar year to report on")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx", help="where to write the workbook")
    p.add_argument("--db", type=Path, default=None, help="the database (default: $STOPDASH_DB, then data/stopdash.duckdb)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stopdash", description="STOP grant-portfolio dashboard: ingest, views, exports.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        doc = func.__doc__ or ""
        p = sub.add_parser(name, help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    db_help = "the database (default: $STOPDASH_DB, then data/stopdash.duckdb)"
    p = add("load-awards", cmd_load_awards)
    p.add_argument("file", type=Path, help="the award register workbook")
    p.add_argument("--db", type=Path, default=None, help=db_help)
    p = add("ingest", cmd_ingest)
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="workbooks or folders")
    p.add_argument("--db", type=Path, default=None, help=db_help)
    p = add("template", cmd_template)
    p.add_argument("--out", type=Path, default=Path("stopdash-progress-report-template.xlsx"), help="where to write it")
    p = add("demo", cmd_demo)
    p.add_argument("--db", type=Path, default=None, help="where to build the demo database (default: data/demo/demo.duckdb)")
    p.add_argument("--build-only", action="store_true", help="build the demo database and stop")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if the demo database exists")
    p.add_argument("--port", type=int, default=8501, help="the dashboard's port (default 8501)")
    p = add("backup", cmd_backup)
    p.add_argument("--out", type=Path, required=True, help="a new, empty folder for the backup")
    p.add_argument("--db", type=Path, default=None, help=db_help)
    p = add("restore", cmd_restore)
    p.add_argument("folder", type=Path, help="a folder written by stopdash backup")
    p.add_argument("--db", type=Path, default=None, help="the new database file to create")
    add_export(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if hasattr(args, "db") and args.db is None and args.command != "demo":
        from ingest.store.db import default_db_path

        args.db = default_db_path()
    try:
        return int(args.func(args))
    except StopdashError as e:
        if args.debug:
            raise
        print(f"stopdash: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit-time flush quiet
        return 0
    except Exception as e:
        if args.debug:
            raise
        print(
            f"stopdash: unexpected error ({type(e).__name__}: {e}). Run the same command with --debug "
            "and send the output to the stopdash maintainers.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("stopdash: interrupted; files already stored stay stored, the rest were not loaded.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
