"""Opening the DuckDB database: schema, public views, schema version, and lock waits.

DuckDB lets one process write or several read, never both at once. Writers
(the CLI, an upload) and readers (the dashboard) therefore hold the file only
briefly and wait, with a deadline, for the other to let go.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from string import Template

import duckdb

from ingest.allocation_rules import PREVENTION_AREA, RULES, SA_ALLOCATIONS, VICTIM_SERVICES
from ingest.config import Settings, settings
from ingest.errors import DatabaseError
from ingest.vocab import (
    ADOPTED_STEP,
    ESSENTIAL_DISCIPLINES,
    FUNDING_FORMS,
    FUNDING_TYPES,
    LEVELS,
    PRACTICE_STATUSES,
    PRIVATE_FUNDING_TYPES,
    STEPS,
    TRIBAL_DISCIPLINE,
)

SCHEMA_VERSION = 3
# Steps that bring an older database up to date, by the version they produce. New tables
# come from schema.sql (CREATE ... IF NOT EXISTS); a step here is for what that cannot do.
MIGRATIONS: dict[int, list[str]] = {
    2: [],  # schema 2 added the audit table
    # Schema 3: federal reporting. The subgrant's new columns (the federal_award and impact_status
    # tables come from schema.sql); rows already stored keep NULL there, which reads as unknown.
    3: [
        "ALTER TABLE subgrant ADD COLUMN IF NOT EXISTS federal_award_number VARCHAR",
        "ALTER TABLE subgrant ADD COLUMN IF NOT EXISTS award_date DATE",
        "ALTER TABLE subgrant ADD COLUMN IF NOT EXISTS uei VARCHAR",
        "ALTER TABLE subgrant ADD COLUMN IF NOT EXISTS returned_unused DECIMAL(14, 2)",
        "ALTER TABLE subgrant ADD COLUMN IF NOT EXISTS match_exempt BOOLEAN",
    ],
}
DEFAULT_DB = Path("data") / "stopdash.duckdb"
IN_PLACE = PRACTICE_STATUSES[0]  # "In place": the status that counts a survivor practice as in place

# The vocabulary tables the views join (schema.sql), with their rows from ingest/vocab.py.
VOCABULARY_TABLES: dict[str, Sequence[tuple[object, ...]]] = {
    "essential_discipline": [(d, False) for d in ESSENTIAL_DISCIPLINES] + [(TRIBAL_DISCIPLINE, True)],
    "protocol_step": [(i, name, i >= ADOPTED_STEP) for i, name in enumerate(STEPS)],
    "maturity_level": [(i + 1, name) for i, name in enumerate(LEVELS)],
    "funding_type": [(t, t in PRIVATE_FUNDING_TYPES) for t in FUNDING_TYPES],
    "practice_status": [(s, s == IN_PLACE) for s in PRACTICE_STATUSES],
}
LOCK_WAIT_SECONDS = 30.0


def default_db_path() -> Path:
    """--db defaults to $STOPDASH_DB, then data/stopdash.duckdb."""
    return Path(os.environ.get("STOPDASH_DB") or DEFAULT_DB)


def _sql(name: str) -> str:
    return (Path(__file__).parent / "sql" / name).read_text(encoding="utf-8")


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text or "conflicting" in text or "being used by another process" in text


def open_db(path: Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to *wait* seconds while another process holds it."""
    if read_only and not path.exists():
        raise DatabaseError(f"No database at {path}. Load an award register first: stopdash load-awards FILE --db {path}")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as e:
            if not _is_lock_error(e) or time.monotonic() >= deadline:
                if _is_lock_error(e):
                    raise DatabaseError(
                        f"The database {path} is busy in another program (an ingest or the dashboard) "
                        f"and stayed busy for {wait:.0f} s. Try again when it has finished."
                    ) from e
                raise DatabaseError(f"Cannot open the database {path}: {e}") from e
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    if not read_only:
        ensure_schema(con, settings())
    else:
        _check_version(con, path)
    return con


@contextmanager
def connection(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed (and the file let go) when the block ends."""
    con = open_db(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _stored_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    except duckdb.CatalogException:
        return None
    return str(row[0]) if row else None


def _stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    value = _stored_meta(con, "schema_version")
    return int(value) if value is not None else None


def _check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    version = _stored_version(con)
    if version is None:
        raise DatabaseError(f"{path} is not a stopdash database (it has no schema version).")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer stopdash (schema {version}; this one knows {SCHEMA_VERSION}). "
            "Upgrade stopdash before opening it."
        )


def ensure_schema(con: duckdb.DuckDBPyConnection, cfg: Settings) -> None:
    """Create what is missing, refresh reference data and views; refuse a newer schema."""
    version = _stored_version(con)
    if version is not None and version > SCHEMA_VERSION:
        raise DatabaseError(
            f"This database was written by a newer stopdash (schema {version}; this one knows "
            f"{SCHEMA_VERSION}). Upgrade stopdash before loading into it."
        )
    views = views_sql(cfg)
    # Everything below is derived from the program and the configuration: when its fingerprint
    # is already stored, opening writes nothing (the file stays untouched until real data comes).
    fingerprint = hashlib.sha256(
        "\n".join([str(SCHEMA_VERSION), _sql("schema.sql"), views, repr(cfg.counties), cfg.state, repr(VOCABULARY_TABLES)]).encode()
    ).hexdigest()
    if version == SCHEMA_VERSION and _stored_meta(con, "fingerprint") == fingerprint:
        return
    con.execute("BEGIN")
    try:
        con.execute(_sql("schema.sql"))
        for step in range((version or SCHEMA_VERSION) + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS.get(step, []):
                con.execute(statement)
        con.execute("DELETE FROM meta WHERE key IN ('schema_version', 'state', 'fingerprint')")
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("schema_version", str(SCHEMA_VERSION)), ("state", cfg.state), ("fingerprint", fingerprint)],
        )
        con.execute("DELETE FROM county_ref")
        con.executemany("INSERT INTO county_ref VALUES (?, ?, ?)", [(c.fips, c.name, c.region) for c in cfg.counties])
        for table, seed in VOCABULARY_TABLES.items():
            con.execute(f"DELETE FROM {table}")
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(seed[0]))})", seed)
        con.execute(views)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def refresh_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the tables behind community_period and ta_priority; call it inside the writing transaction."""
    con.execute("DELETE FROM community_period_cache")
    con.execute("INSERT INTO community_period_cache SELECT * FROM community_period_live")
    con.execute("DELETE FROM ta_priority_cache")
    con.execute("INSERT INTO ta_priority_cache SELECT * FROM ta_priority_live")


def _text(value: str) -> str:
    """A SQL string literal (the words come from the program, quoted all the same)."""
    return "'" + value.replace("'", "''") + "'"


def _allocation_rules_sql() -> str:
    """The rows of the allocation_rule view: ingest.allocation_rules.RULES, in order."""
    return ",\n    ".join(
        f"({i}, {_text(r.code)}, {_text(r.check)}, {_text(r.kind)}, "
        + (f"CAST({r.share} AS DECIMAL(5, 4))" if r.share is not None else "CAST(NULL AS DECIMAL(5, 4))")
        + f", {_text(r.measure)}, CAST([{', '.join(_text(c) for c in r.categories)}] AS VARCHAR[]))"
        for i, r in enumerate(RULES, start=1)
    )


def views_sql(cfg: Settings) -> str:
    """views.sql with the configuration's numbers (TA rules, the federal calendar) and the allocation rules filled in."""
    r = cfg.ta_rules
    f = cfg.federal
    words = {
        "allocation_rules": _allocation_rules_sql(),
        "victim_services": ", ".join(_text(c) for c in VICTIM_SERVICES),  # the match-exempt categories of the awards view
        "sa_allocations": ", ".join(f"({_text(c)}, {_text(a)})" for c, a in SA_ALLOCATIONS.items()),
        "cash_form": _text(FUNDING_FORMS[0]),
        "in_kind_form": _text(FUNDING_FORMS[1]),
    }
    return Template(_sql("views.sql")).substitute(
        words
        | {
            name: repr(value)
            for name, value in {
                "prevention_area": PREVENTION_AREA,
                "report_due_days": f.report_due_days,
                "financial_due_days": f.financial_report_due_days,
                "annual_due_month": f.annual_data_due[0],
                "annual_due_day": f.annual_data_due[1],
                "admin_report_month": f.administrator_report_due[0],
                "admin_report_day": f.administrator_report_due[1],
                "ffata_threshold": f.ffata_threshold,
                "stalled_below_step": r.protocol_stalled.below_step,
                "stalled_quarters": r.protocol_stalled.min_quarters,
                "w_stalled": r.protocol_stalled.weight,
                "review_months": r.review_overdue.months,
                "w_overdue": r.review_overdue.weight,
                "low_maturity_below": r.low_maturity.below,
                "w_low": r.low_maturity.weight,
                "fell_by": r.maturity_fell.by_at_least,
                "w_fell": r.maturity_fell.weight,
                "w_missing_each": r.essential_missing.weight,
                "w_missing_max": r.essential_missing.max_weight,
                "w_no_practice": r.no_survivor_practice.weight,
                "private_quarters": r.no_private_funding.quarters,
                "w_no_private": r.no_private_funding.weight,
                "w_missing_report": r.report_missing.weight,
                "w_errors": r.report_errors.weight,
            }.items()
        }
    )
