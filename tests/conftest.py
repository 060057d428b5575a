"""Shared test helpers: a real DuckDB file with the test register loaded, and the fixture folder."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import Summary, ingest_paths, load_register

DATA = Path(__file__).parent / "data"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A fresh database holding tests/data/register.xlsx (subgrants MN-T-001..003)."""
    path = tmp_path / "stopdash.duckdb"
    load_register(DATA / "register.xlsx", path)
    return path


def ingest(db: Path, *names: str) -> Summary:
    """Ingest fixture files by name, one after another."""
    return ingest_paths([DATA / n for n in names], db, workers=1)


def rows(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Run SQL on the database (read-only) and return all rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
