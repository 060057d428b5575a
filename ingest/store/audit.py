"""The audit trail: who did what, when, to which file, with what result."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import duckdb

from ingest.store.db import connection


def os_user() -> str:
    """The operating-system user, for actions taken at the command line."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (some containers and services)
        return "os:unknown"


def record(
    con: duckdb.DuckDBPyConnection, who: str, action: str, target: str, *, sha256: str | None = None, detail: str = "", result: str = ""
) -> None:
    """Add one audit row; call it inside the transaction of the action it records."""
    con.execute(
        "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
        [dt.datetime.now().replace(microsecond=0), who, action, target, sha256, detail, result],
    )


def log(db: Path, who: str, action: str, target: str, *, detail: str = "", result: str = "") -> None:
    """Record an action that writes nothing else to the database (an export, say) in its own transaction."""
    with connection(db) as con:
        record(con, who, action, target, detail=detail, result=result)
