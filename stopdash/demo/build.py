"""The built-in demo: a fictional statewide portfolio, loaded through the real ingest path."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from ingest.pipeline import ingest_paths, load_register
from stopdash.demo.portfolio import write_portfolio

REPO = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO / "data" / "demo"
# Bump when the generator changes, so an old demo database is rebuilt rather than reused.
DEMO_VERSION = "2"


def build_demo(
    db: Path | None = None,
    *,
    rebuild: bool = False,
    subgrants: int = 90,
    quarters: int = 8,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Write the demo workbooks and ingest them into *db* (default data/demo/demo.duckdb); reuse a fresh one.

    *say* receives one line per step (and one every 100 reports ingested), for a person waiting at a terminal.
    """
    say = say or (lambda _line: None)
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
    say(f"Building the fictional demo portfolio: {subgrants} subgrants over {quarters} quarters (about half a minute, once)…")
    say("  writing the award register and the progress-report workbooks…")
    portfolio = write_portfolio(files, subgrants=subgrants, quarters=quarters)
    say(f"  loading the award register, then checking and loading {len(portfolio.reports)} reports…")
    load_register(portfolio.register, db)
    total = len(portfolio.reports)
    done = [0]

    def advance(n: int) -> None:
        before, done[0] = done[0], done[0] + n
        if done[0] // 100 > before // 100 or done[0] == total:
            say(f"  {done[0]} of {total} reports loaded")

    # The reports reach the state over two years but are ingested in one run: each is recorded as received on
    # its day (the Profile's Date submitted), so the timeliness views show late reports as a real year would.
    received = {
        hashlib.sha256(path.read_bytes()).hexdigest(): dt.datetime.combine(day, dt.time(9)) for path, day in portfolio.received.items()
    }
    ingest_paths(portfolio.reports, db, progress=advance, received=received)
    stamp.write_text(wanted)
    return db
