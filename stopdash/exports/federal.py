"""The federal reporting year as one Excel workbook: the sections of the federal forms the quarterly reports feed.

:func:`gather_federal` reads one calendar year from the public views (federal_awards,
allocation_ledger, calendar_year_subgrant, report_timeliness, match_status and the
report views) and returns display-ready sheets; :func:`write_federal_xlsx` and
:func:`federal_download` lay them out with the summary workbook's writer, so headers,
formats, inert grantee text and accessibility are the same. Counts of people are
sums of the same fixed stand-ins the summary uses (stopdash.suppression).
docs/exports.md describes every sheet and what the workbook does not cover.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ingest.config import settings
from stopdash.exports.excel import build_workbook, put
from stopdash.exports.federal_notes import NOT_COVERED, not_covered_sheet, notes_rows
from stopdash.exports.federal_register_sheets import awards_in_scope, funds_sheet, general_sheet, ledger_sheet, match_sheet, records
from stopdash.exports.federal_report_sheets import ccr_sheet, leveraged_sheet, timeliness_sheet, victim_services_sheet
from stopdash.exports.model import Sheet, Summary, make_frame
from stopdash.exports.summary import MIME, Download, _atomic_write
from stopdash.queries.reader import Db, ExportError, reader, rows
from stopdash.suppression import database_file, protector

__all__ = [
    "NOT_COVERED",
    "SHEETS",
    "federal_bytes",
    "federal_download",
    "federal_file_name",
    "gather_federal",
    "notes_rows",
    "write_federal_xlsx",
    "write_gathered_federal",
]

SHEETS = (
    "General information",
    "Coordinated community response",
    "Victim services",
    "Leveraged resources",
    "Allocation ledger",
    "Funds awarded and returned (6A)",
    "Match",
    "Timeliness",
    "What this does not cover",
    "Notes",
)


def _scope(con: Any, year: int) -> list[str]:
    """Subgrants of the calendar year: their dates overlap it, or one of their reports covers a quarter of it."""
    found = rows(
        con,
        """
        SELECT subgrant_id FROM awards
        WHERE coalesce(start_date, DATE '0001-01-01') <= make_date(?, 12, 31)
          AND coalesce(end_date, DATE '9999-12-31') >= make_date(?, 1, 1)
        UNION SELECT subgrant_id FROM calendar_year_subgrant WHERE calendar_year = ? ORDER BY 1""",
        [year, year, year],
    )
    return [r[0] for r in found]


def _check_year(con: Any, year: int) -> list[str]:
    if not rows(con, "SELECT count(*) FROM awards")[0][0]:
        raise ExportError(
            "The award register is empty, so there is nothing to report. Load it first: stopdash load-awards REGISTER.xlsx --db DB"
        )
    scope = _scope(con, year)
    if not scope:
        first, last = rows(con, "SELECT min(year(start_date)), max(year(end_date)) FROM awards")[0]
        span = f"in {first}" if first == last else f"from {first} to {last}"
        raise ExportError(
            f"No subgrant in the award register runs in calendar year {year}, and no progress report covers it. "
            f"The register's subgrants run {span}: choose a year they cover."
        )
    return scope


def gather_federal(db: Db, year: int) -> Summary:
    """Every sheet of the federal workbook for calendar *year*; a plain error when no subgrant or report covers it."""
    threshold = settings().suppression_threshold
    with reader(db) as con:
        scope = _check_year(con, year)
        period, as_of = rows(
            con,
            """SELECT max(period), max(ingested_at) FROM submissions
               WHERE status IN ('accepted', 'accepted_with_errors') AND left(period, 4) = CAST(? AS VARCHAR)""",
            [year],
        )[0]
        protect = protector(database_file(con), threshold)
        awards = awards_in_scope(con, scope, year)
        sheets = [
            general_sheet(con, scope),
            ccr_sheet(con, scope, year),
            victim_services_sheet(con, scope, year, protect),
            leveraged_sheet(con, scope, year),
            ledger_sheet(con, awards),
            funds_sheet(con, awards, scope),
            match_sheet(con, scope),
            timeliness_sheet(con, scope, year),
            not_covered_sheet(),
        ]
    summary = Summary(
        settings().state_name,
        year,
        [year],
        period,
        as_of,
        dt.datetime.now().replace(microsecond=0),
        threshold,
        sheets,
        make_frame([], {}),
        {"subgrants": len(scope)},
    )
    kinds = {"Item": "text", "Meaning": "long"}
    summary.sheets.append(
        Sheet(
            "Notes",
            "What each sheet and figure means",
            f"Calendar year {year}; definitions from the STOP statute and the reporting schema.",
            make_frame(records(kinds, [list(r) for r in notes_rows(summary)]), kinds),
            kinds,
        )
    )
    return summary


def context_line(summary: Summary) -> str:
    reports = f"reports up to {summary.period}" if summary.period else "no progress reports of the year yet"
    data = f"data as of {summary.as_of:%Y-%m-%d}" if summary.as_of else "register only"
    return (
        f"{summary.state_name} STOP federal reporting · calendar year {summary.year} · {reports} · {data} · "
        f"generated {summary.generated:%Y-%m-%d %H:%M}"
    )


def xlsx_bytes(summary: Summary) -> bytes:
    """The summary workbook's layout, with the calendar year in each sheet's context line and the file's title."""
    wb = build_workbook(summary)
    line = context_line(summary)
    for ws in wb.worksheets:
        put(ws, 2, 1, line)
    wb.properties.title = f"{summary.state_name} STOP federal reporting year {summary.year}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_gathered_federal(summary: Summary, out: Path) -> Path:
    """Write an already gathered federal workbook, whole or not at all."""
    return _atomic_write(Path(out), xlsx_bytes(summary))


def write_federal_xlsx(db: Db, out: Path, year: int) -> Path:
    """The federal workbook of calendar *year*, written whole or not at all."""
    return write_gathered_federal(gather_federal(db, year), out)


def federal_bytes(db: Db, year: int) -> bytes:
    return xlsx_bytes(gather_federal(db, year))


def federal_file_name(year: int) -> str:
    return f"stop-federal-reporting-{year}.xlsx"


def federal_download(db: Db, year: int) -> Download:
    """Bytes, a file name and a MIME type for a one-click download: ``st.download_button(...)``."""
    return Download(federal_bytes(db, year), federal_file_name(year), MIME["xlsx"])
