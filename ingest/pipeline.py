"""Ingesting files end to end: find them, parse them (in parallel), store them in batches.

The database is held only while storing, so the dashboard can keep reading
while workbooks are parsed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ingest.audit import os_user
from ingest.awards import ParsedRegister, parse_register
from ingest.config import settings
from ingest.db import connection
from ingest.errors import DatabaseError, FileRefused, NoAwardRegisterError
from ingest.intake import archive, read_and_parse
from ingest.report import ParsedReport
from ingest.store import Outcome, Register, store_register, store_reports

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Whole files per transaction: big enough that per-statement cost vanishes, small enough
# that a kill loses little work. STOPDASH_BATCH_FILES overrides it (tests use it).
BATCH_FILES = int(os.environ.get("STOPDASH_BATCH_FILES", "200"))
# Below this many files a process pool costs more than it saves: starting two workers takes
# about a second, parsing a report 2-3 ms (bench/run.py measured the crossover near 700).
PARALLEL_FROM = 600


def collect_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every .xlsx/.xlsm under folders (Excel's ~$ lock files skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix.lower() in WORKBOOK_SUFFIXES and p.is_file() and not p.name.startswith("~$"))
            )
        else:
            found.append(path)
    return found


def archive_dir(db_path: Path) -> Path:
    return db_path.parent / "archive"


def _parsed(paths: list[Path], archive_to: Path, workers: int) -> Iterator[ParsedReport]:
    if workers <= 1 or len(paths) < PARALLEL_FROM:
        for path in paths:
            yield read_and_parse(path, archive_to)
        return
    # "spawn", as on Windows: a forked child would inherit DuckDB's threads and locks mid-flight.
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for report in pool.map(read_and_parse, paths, [archive_to] * len(paths), chunksize=16):
                yield report
                done += 1
    except BrokenProcessPool:
        # A worker died (out of memory, killed): finish in this process rather than fail the run.
        for path in paths[done:]:
            yield read_and_parse(path, archive_to)


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        return 1 if any(o.status in ("rejected", "accepted_with_errors") for o in self.outcomes) else 0


def require_register(db_path: Path) -> None:
    """Stop before any work when there is no database or no award register in it."""
    if not db_path.exists():
        raise NoAwardRegisterError(
            f"No database at {db_path}. Load the award register first: stopdash load-awards REGISTER.xlsx --db {db_path}"
        )
    with connection(db_path) as con:
        if not (con.execute("SELECT count(*) FROM subgrant").fetchone() or (0,))[0]:
            raise NoAwardRegisterError(
                f"The database {db_path} has no award register yet. Load it first: stopdash load-awards REGISTER.xlsx --db {db_path}"
            )


def ingest_paths(
    paths: list[Path], db_path: Path, *, progress: Callable[[int], None] | None = None, workers: int | None = None, who: str | None = None
) -> Summary:
    """Ingest progress-report workbooks; each batch of whole files is one transaction."""
    require_register(db_path)
    files = collect_paths(paths)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    summary = Summary()
    batch: list[ParsedReport] = []

    def flush() -> None:
        with connection(db_path) as con:
            summary.outcomes.extend(store_reports(con, batch, Register.read(con), who or os_user()))
        if progress:
            progress(len(batch))
        batch.clear()

    for report in _parsed(files, archive_dir(db_path), workers):
        batch.append(report)
        if len(batch) >= BATCH_FILES:
            flush()
    if batch:
        flush()
    return summary


def load_register(path: Path, db_path: Path, who: str | None = None) -> ParsedRegister:
    """Load or update the award register from *path*; returns what was read, with its issues."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DatabaseError(f"Cannot open the award register {path}: {e.strerror}.") from e
    try:
        parsed = parse_register(data, path.name, settings())
    except FileRefused as refusal:
        raise RegisterRefused(f"{path.name}: {refusal.message}") from None
    with connection(db_path) as con:
        store_register(con, parsed, who or os_user())
    archive(data, parsed.sha256, path.name, archive_dir(db_path))
    return parsed


class RegisterRefused(DatabaseError):
    """The award register file could not be read at all."""

    exit_code = 1
