"""Reading every file in a worker process, under memory and time limits it cannot escape.

A hostile workbook can make the spreadsheet reader allocate without bound (which
aborts the process) or run for a very long time. In the process that holds the
database, or in the dashboard's server, that would take the other files of the
run, or every user, down with it. So no file is read in the calling process:

* workers are started once per ingest run ("spawn", as on Windows: a forked child
  would inherit DuckDB's threads and locks) and reused for many files, one file per
  request, so that a worker's death names its file;
* each worker has an address-space limit (RLIMIT_AS, where the platform has it; on
  Windows there is none, and a failed allocation still only ends the worker), and
  each file a time limit;
* a worker that dies, runs out of memory or time becomes a refusal of that one
  file (`too_complex`, `parse_timeout`); it is replaced and the run goes on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from ingest.errors import FileRefused, StopdashError
from ingest.intake import Job, refused

if TYPE_CHECKING:  # the reader itself is imported by the workers only: see ingest.pipeline
    from ingest.workbook.report import ParsedReport

# A worker that has not started within this time (an overloaded machine, a broken install) stops the run.
START_TIMEOUT_S = 120.0


@dataclass
class Parsed:
    """A file's parsed report and, when nothing refused it, its original bytes (for the archive)."""

    report: ParsedReport
    data: bytes | None = None


class ReaderUnavailable(StopdashError):
    """The worker processes that read the files could not be started."""


def limit_memory(limit: int) -> bool:
    """Cap this process's address space at *limit* bytes; False where the platform cannot (Windows)."""
    try:
        import resource
    except ImportError:
        return False
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError, AttributeError):
        return False
    return True


def _serve(conn: Connection, memory_bytes: int) -> None:
    """A worker's life: read one job at a time, answer ("read", sha256), then ("done", report, bytes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the main process, which ends the workers
    limit_memory(memory_bytes)
    # The reader reports a failed allocation on stderr before it aborts; the refusal says it plainly.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    import hashlib

    import ingest.workbook.report  # noqa: F401 - the reader, imported before the first file and before a failed allocation
    from ingest import intake
    from ingest.config import settings

    cfg = settings()
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the main process is gone
        if job is None:
            return
        sha256 = ""
        if job.withheld:  # its own name carried identifying data: refused unread
            conn.send(("done", intake.refused(job.name, intake.withheld_refusal(job.withheld)), None))
            continue
        try:
            try:
                data = intake.job_bytes(job, cfg.max_file_bytes)
            except FileRefused as refusal:
                conn.send(("done", intake.refused(job.name, refusal), None))
                continue
            sha256 = hashlib.sha256(data).hexdigest()
            conn.send(("read", sha256))
            report, kept = intake.parse(data, job.name)
            del data
        except MemoryError:
            report, kept = intake.refused(job.name, too_complex(memory_bytes), sha256), None
        except BaseException as e:  # noqa: BLE001 - a reader panic (not an Exception) must not end the run
            report, kept = intake.refused(job.name, unreadable(e), sha256), None
        conn.send(("done", report, kept))


def too_complex(memory_bytes: int) -> FileRefused:
    from ingest.workbook.sheets import too_complex as refusal

    return refusal(memory_bytes)


def too_slow(seconds: float) -> FileRefused:
    return FileRefused(
        "parse_timeout",
        f"Reading this workbook took longer than the {seconds:g}-second limit, so it was stopped; a report reads in a second or two. "
        "Delete unused sheets, rows and columns, save, and send it again.",
    )


def unreadable(e: BaseException) -> FileRefused:
    return FileRefused(
        "unreadable_file",
        "The workbook could not be read: it is damaged or not as Excel writes it. Save it again from Excel and resend it.",
    )


_MAIN_SWAP = threading.Lock()


def _start_alone(process: Any) -> None:
    """Start a spawned reader without re-running the parent's own script in it.

    "spawn" imports the parent's ``__main__`` in the child; under Streamlit that is the
    dashboard's page script (and in a test run, whatever ran last), which must not run
    in a reader. For the moment of the start, ``__main__`` is an empty module.
    """
    with _MAIN_SWAP:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            process.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx: Any, memory_bytes: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, memory_bytes), name="stopdash-reader", daemon=True)
        _start_alone(self.process)
        child.close()
        self.started = time.monotonic()
        self.ready = False
        self.jobs: deque[tuple[int, Job]] = deque()  # sent, not answered yet; the first is being read
        self.deadline = 0.0  # when the first job's time is up
        self.sha256 = ""  # of the first job, once the worker has read its bytes
        self.asked = False  # told to end (sent None)

    def ask_to_stop(self) -> None:
        if not self.asked and self.process.is_alive():
            self.asked = True
            with contextlib.suppress(OSError):
                self.conn.send(None)

    def stop(self) -> None:
        if self.process.is_alive():
            self.ask_to_stop()
            self.process.join(2)
        if self.process.is_alive():
            self.kill()
        self.conn.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(10)


class ReaderPool:
    """Long-lived worker processes that parse files, one file per request, in order.

    Each worker has up to PIPELINE requests queued, so it never waits for this process
    between files; it answers them in order, so the first unanswered request is the file
    it is reading, and a death or a timeout names that file. The others are sent again to
    the worker that replaces it. Use as a context manager: the workers end with the block.
    """

    PIPELINE = 3

    def __init__(self, size: int, *, memory_bytes: int, timeout_s: float):
        self.size = size
        self.memory_bytes = memory_bytes
        self.timeout_s = timeout_s
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: deque[tuple[int, Job]] = deque()

    def __enter__(self) -> ReaderPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the workers now (they import the engine while the caller opens the database)."""
        while len(self._workers) < self.size:
            self._workers.append(_Worker(self._ctx, self.memory_bytes))

    def release(self) -> None:
        """Ask every worker to end, without waiting for it: every file has been read, and the caller has more to do."""
        for worker in self._workers:
            worker.ask_to_stop()

    def close(self) -> None:
        """Ask every worker to end first, then wait for them: they end together, not one after another."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.ask_to_stop()
        for worker in workers:
            worker.stop()

    def map(self, jobs: Sequence[Job]) -> Iterator[Parsed]:
        """Each job's result, in the order given; a file that kills, exhausts or outlasts its worker is refused."""
        if not jobs:
            return
        self.size = max(1, self.size)
        self.start()
        self._queue = deque(enumerate(jobs))
        results: dict[int, Parsed] = {}
        following = 0
        while following < len(jobs):
            if following in results:
                yield results.pop(following)
                following += 1
                continue
            for worker in list(self._workers):
                self._feed(worker)
            self._collect(results)

    def _feed(self, worker: _Worker) -> None:
        if not worker.jobs and self._queue and not worker.process.is_alive():
            # It ended while idle (another program killed it): not a file's doing.
            worker.conn.close()
            worker = self._workers[self._workers.index(worker)] = _Worker(self._ctx, self.memory_bytes)
        while self._queue and len(worker.jobs) < self.PIPELINE:
            job = self._queue.popleft()
            if not worker.jobs:
                worker.deadline, worker.sha256 = time.monotonic() + self.timeout_s, ""
            worker.jobs.append(job)
            with contextlib.suppress(OSError):  # it died: _collect sees that and refuses the file
                worker.conn.send(job[1])

    def _collect(self, results: dict[int, Parsed]) -> None:
        """Wait for the next answer, death or deadline among the busy workers, and record what it settles."""
        busy = [w for w in self._workers if w.jobs]
        now = time.monotonic()
        until = min(w.deadline if w.ready else w.started + START_TIMEOUT_S for w in busy)
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], max(0.0, until - now)))
        for worker in busy:
            if worker.conn in ready or worker.process.sentinel in ready:
                self._read(worker, results)
        now = time.monotonic()
        for worker in busy:
            if not worker.jobs or worker not in self._workers:
                continue
            if not worker.ready and now > worker.started + START_TIMEOUT_S:
                raise ReaderUnavailable(f"The process that reads the files did not start within {START_TIMEOUT_S:.0f} seconds. Try again.")
            if worker.ready and now > worker.deadline:
                worker.kill()
                self._replace(worker, results, too_slow(self.timeout_s))

    def _read(self, worker: _Worker, results: dict[int, Parsed]) -> None:
        try:
            while worker.jobs and worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == "ready":
                    worker.ready = True
                    worker.deadline = time.monotonic() + self.timeout_s  # the first file's time starts now
                elif message[0] == "read":
                    worker.sha256 = message[1]
                elif message[0] == "done":
                    index, _ = worker.jobs.popleft()
                    results[index] = Parsed(message[1], message[2])
                    worker.deadline, worker.sha256 = time.monotonic() + self.timeout_s, ""
        except (EOFError, OSError):
            pass
        if worker.jobs and not worker.process.is_alive():
            worker.process.join()
            if not worker.ready:
                raise ReaderUnavailable(
                    f"The process that reads the files stopped as it started (exit code {worker.process.exitcode}; "
                    "any error it gave is above). A script that ingests files must run its work under "
                    '`if __name__ == "__main__":`; if [limits] worker_memory_mb in the configuration is small '
                    f"({self.memory_bytes / 2**20:,.0f} MB), raise it."
                )
            self._replace(worker, results, too_complex(self.memory_bytes))

    def _replace(self, worker: _Worker, results: dict[int, Parsed], refusal: FileRefused) -> None:
        """Refuse the file *worker* was reading, send its other files again, and start a new worker in its place."""
        index, job = worker.jobs.popleft()
        results[index] = Parsed(refused(job.name, refusal, worker.sha256))
        self._queue.extendleft(reversed(worker.jobs))
        worker.conn.close()
        self._workers[self._workers.index(worker)] = _Worker(self._ctx, self.memory_bytes)


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)
