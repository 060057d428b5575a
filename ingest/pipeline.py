"""Ingesting files end to end: find them, parse them (in worker processes), store them in batches.

The database is held only while storing, so the dashboard can keep reading
while workbooks are parsed. No file is read in this process: see ingest.isolation.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.config import settings
from ingest.errors import DatabaseError, FileRefused, NoAwardRegisterError
from ingest.intake import (
    WITHHELD_NAME,
    Job,
    archive,
    identifying_name,
    read_bounded,
    symlink_refusal,
    withheld_refusal,
    withhold_identifying_name,
)
from ingest.isolation import Parsed, ReaderPool, default_workers

# The database side (DuckDB, the writer) and the reader are imported where they are used: `stopdash ingest`
# starts its worker processes first, and they import the reader while this process imports the database side.
if TYPE_CHECKING:
    from ingest.store.writer import Outcome
    from ingest.workbook.awards import ParsedRegister

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Whole files per transaction: big enough that per-statement cost vanishes, small enough
# that a kill loses little work. STOPDASH_BATCH_FILES overrides it (tests use it).
BATCH_FILES = int(os.environ.get("STOPDASH_BATCH_FILES", "200"))
# The original bytes of a batch's files wait in memory for the archive; store before they pass this.
BATCH_BYTES = 256 * 1024 * 1024
# Below this many files a second worker costs more than it saves: starting one takes about
# a quarter of a second, parsing a report 5-8 ms (bench/run.py measured the crossover).
PARALLEL_FROM = 100


@dataclass
class Collected:
    """What a list of paths holds: the files to read, and the links inside folders that are not followed."""

    jobs: list[Job] = field(default_factory=list)
    links: list[Path] = field(default_factory=list)


def _is_link(entry: os.DirEntry[str]) -> bool:
    """A symbolic link, or on Windows a junction (a link to a folder that is not a symlink)."""
    if entry.is_symlink():
        return True
    attributes = getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0))


def _walk(folder: Path, found: Collected) -> None:
    files: list[Path] = []
    links: list[Path] = []
    pending = [folder]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                path = Path(entry.path)
                workbook = path.suffix.lower() in WORKBOOK_SUFFIXES and not entry.name.startswith("~$")
                if _is_link(entry):
                    if workbook or path.is_dir():  # a link to a folder, or named like a workbook: say it was skipped
                        links.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif workbook and entry.is_file(follow_symlinks=False):
                    files.append(path)
    found.jobs.extend(Job(p, p.name, follow_links=False) for p in sorted(files))
    found.links.extend(sorted(links))


def collect(paths: Iterable[Path]) -> Collected:
    """Files named directly, plus every .xlsx/.xlsm under folders (Excel's ~$ lock files skipped).

    Inside a folder, links (to a file or a folder, inside or outside it) are not followed:
    they are listed in `links`, and reported as not read. A file named directly may be a
    link: the person named it.
    """
    found = Collected()
    for path in paths:
        if path.is_dir():
            _walk(path, found)
        else:
            found.jobs.append(Job(path, path.name))
    return found


def collect_paths(paths: Iterable[Path]) -> list[Path]:
    """The files `collect` would read, in order."""
    return [job.path for job in collect(paths).jobs]


def archive_dir(db_path: Path) -> Path:
    return db_path.parent / "archive"


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
    from ingest.store.db import connection

    if not db_path.exists():
        raise NoAwardRegisterError(
            f"No database at {db_path}. Load the award register first: stopdash load-awards REGISTER.xlsx --db {db_path}"
        )
    with connection(db_path) as con:
        if not (con.execute("SELECT count(*) FROM subgrant").fetchone() or (0,))[0]:
            raise NoAwardRegisterError(
                f"The database {db_path} has no award register yet. Load it first: stopdash load-awards REGISTER.xlsx --db {db_path}"
            )


def _store(db_path: Path, batch: list[Parsed], who: str, received: Mapping[str, dt.datetime] | None = None) -> list[Outcome]:
    """Check a batch against the register, archive the originals of the files that passed, store it."""
    from ingest.checks import check_register, read_awards
    from ingest.store.db import connection
    from ingest.store.writer import store_reports

    with connection(db_path) as con:
        awards = read_awards(con)  # one query, before the write transaction
        for parsed in batch:
            parsed.report = check_register(parsed.report, awards).report
        passed = [p for p in batch if p.data is not None and p.report.refusal is None]
        known = {
            sha
            for (sha,) in con.execute(
                "SELECT DISTINCT sha256 FROM submission WHERE list_contains(?, sha256)", [[p.report.sha256 for p in passed]]
            ).fetchall()
        }
        for p in passed:
            if p.data is not None and p.report.sha256 not in known:  # the same bytes again are skipped, not stored
                archive(p.data, p.report.sha256, p.report.source_file, archive_dir(db_path))
        return store_reports(con, [p.report for p in batch], who, received=received)


def ingest_paths(
    paths: list[Path],
    db_path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    who: str | None = None,
    uploads: Sequence[tuple[str, bytes]] = (),
    received: Mapping[str, dt.datetime] | None = None,
) -> Summary:
    """Ingest progress-report workbooks; each batch of whole files is one transaction.

    Every file is read in a worker process (ingest.isolation); only files that pass
    every check, the award register's included, are archived. *uploads* are (name, bytes)
    pairs held in memory (the dashboard's upload box): nothing of them is written to disk
    before the checks have passed. *received* gives, by SHA-256, when a file reached the state where that is
    not the time of this ingest (the demo replays its fictional history); it is stored as the file's ingested_at.
    """
    found = collect(paths)
    found.jobs.extend(Job(Path(Path(name).name), Path(name).name, data=data) for name, data in uploads)
    found.jobs = [withhold_identifying_name(job) for job in found.jobs]
    cfg = settings()
    size = (workers if workers is not None else default_workers()) if len(found.jobs) >= PARALLEL_FROM else min(1, len(found.jobs))
    batch: list[Parsed] = []
    storing: list[tuple[Future[list[Outcome]], int]] = []

    def stored() -> None:
        """Wait for the batch being stored, and take in its outcomes."""
        for future, files in storing:
            summary.outcomes.extend(future.result())
            if progress:
                progress(files)
        storing.clear()

    # Workers parse the next batch while one thread stores the last: one batch at a time, in order.
    with ReaderPool(size, memory_bytes=cfg.worker_memory_bytes, timeout_s=cfg.parse_timeout_s) as pool, ThreadPoolExecutor(1) as storer:
        # While the workers start:
        from ingest.store.audit import os_user

        summary = Summary([_link_outcome(link.name) for link in found.links])
        who = who or os_user()
        require_register(db_path)
        held = 0
        for parsed in pool.map(found.jobs):
            batch.append(parsed)
            held += len(parsed.data or b"")
            if len(batch) >= BATCH_FILES or held >= BATCH_BYTES:
                stored()
                storing.append((storer.submit(_store, db_path, batch, who, received), len(batch)))
                batch, held = [], 0
        pool.release()  # every file is read: the workers end while the last batch is stored
        stored()
        if batch:
            summary.outcomes.extend(_store(db_path, batch, who, received))
            if progress:
                progress(len(batch))
    return summary


def _link_outcome(name: str) -> Outcome:
    """A link inside a folder, not followed; under WITHHELD_NAME when its own name carries identifying data."""
    from ingest.store.writer import Outcome

    kind = identifying_name(name)
    if kind is not None:
        return Outcome(WITHHELD_NAME, "rejected", message=withheld_refusal(kind).message)
    return Outcome(name, "rejected", message=symlink_refusal(name).message)


def load_register(path: Path, db_path: Path, who: str | None = None) -> ParsedRegister:
    """Load or update the award register from *path*; returns what was read, with its issues."""
    kind = identifying_name(path.name)
    if kind is not None:  # nothing of it is read, stored or archived, its name included
        raise RegisterRefused(withheld_refusal(kind, "for example award register 2026.xlsx", then="load it again").message)
    from ingest.store.audit import os_user
    from ingest.store.db import connection
    from ingest.store.writer import store_register
    from ingest.workbook.awards import parse_register

    try:
        data = read_bounded(path, settings().max_file_bytes)  # its size is checked before it is read
        parsed = parse_register(data, path.name, settings())
    except FileRefused as refusal:
        if refusal.code == "unreadable_file":
            raise DatabaseError(f"Cannot open the award register {path}: {refusal.message}") from None
        raise RegisterRefused(f"{path.name}: {refusal.message}") from None
    with connection(db_path) as con:
        store_register(con, parsed, who or os_user())
    archive(data, parsed.sha256, path.name, archive_dir(db_path))
    return parsed


class RegisterRefused(DatabaseError):
    """The award register file could not be read at all."""

    exit_code = 1
