"""The built-in demo: a fictional statewide portfolio, loaded through the real ingest path."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest.pipeline import ingest_paths, load_register
from stopdash.demo_data import write_portfolio

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "data" / "demo"
# Bump when the generator changes, so an old demo database is rebuilt rather than reused.
DEMO_VERSION = "1"


def build_demo(db: Path | None = None, *, rebuild: bool = False, subgrants: int = 90, quarters: int = 8) -> Path:
    """Write the demo workbooks and ingest them into *db* (default data/demo/demo.duckdb); reuse a fresh one."""
    db = db or DEMO_DIR / "demo.duckdb"
    stamp = db.with_suffix(".version")
    wanted = f"{DEMO_VERSION}:{subgrants}:{quarters}"
    if db.exists() and not rebuild and stamp.exists() and stamp.read_text() == wanted:
        return db
    for stale in (db, db.with_suffix(".duckdb.wal"), stamp):
        stale.unlink(missing_ok=True)
    shutil.rmtree(db.parent / "archive", ignore_errors=True)
    files = db.parent / "demo-files"
    shutil.rmtree(files, ignore_errors=True)
    portfolio = write_portfolio(files, subgrants=subgrants, quarters=quarters)
    load_register(portfolio.register, db)
    ingest_paths(portfolio.reports, db)
    stamp.write_text(wanted)
    return db
