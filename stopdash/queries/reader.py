"""Reading the public views for the allocation checks and the exports: one connection helper, one error.

Every function of the export engine takes ``db``: a path to the database (opened
read-only for the duration of the call) or an open DuckDB connection (the
dashboard's cached one; a cursor of it is used, so threads do not collide).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from ingest.errors import StopdashError
from ingest.store.db import connection

Db = Path | str | duckdb.DuckDBPyConnection
_PERIOD = re.compile(r"^\d{4}-Q[1-4]$")


class ExportError(StopdashError):
    """A summary cannot be made as asked (no such award year or quarter, no award register, bad output path)."""


@contextmanager
def reader(db: Db) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only view of the database for one query function."""
    if isinstance(db, duckdb.DuckDBPyConnection):
        cursor = db.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    with connection(Path(db), read_only=True) as con:
        yield con


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def award_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(r[0]) for r in rows(con, "SELECT DISTINCT award_year FROM awards ORDER BY 1")]


def check_year(con: duckdb.DuckDBPyConnection, year: int | None) -> list[int]:
    """The award years in scope; a plain error when the register is empty or lacks *year*."""
    years = award_years(con)
    if not years:
        raise ExportError(
            "The award register is empty, so there is nothing to summarise. Load it first: stopdash load-awards REGISTER.xlsx --db DB"
        )
    if year is None:
        return years
    if year not in years:
        raise ExportError(
            f"No subgrant in the award register has award year {year}. Award years in the register: {', '.join(map(str, years))}."
        )
    return [year]


def check_period(con: duckdb.DuckDBPyConnection, period: str | None) -> str | None:
    """The quarter the summary is as of: *period* if given and valid, else the portfolio's reporting quarter.

    None when no accepted report is in the database yet (and no *period* was asked for).
    """
    latest: str | None = rows(con, "SELECT period FROM reporting_quarter")[0][0]
    if period is None:
        return latest
    text = period.strip().upper()
    if not _PERIOD.match(text):
        raise ExportError(f"--period must be a calendar quarter written YYYY-Qn, such as 2026-Q1 (not {period!r}).")
    if latest is None:
        raise ExportError(
            "No accepted progress report is in the database yet, so there is no quarter to report on. "
            "Leave out --period to export the award register checks alone."
        )
    first = rows(con, "SELECT min(period) FROM community_period")[0][0]
    if text > latest or (first is not None and text < first):
        raise ExportError(f"No accepted progress report covers {text}. Reports in the database run from {first} to {latest}.")
    return text
