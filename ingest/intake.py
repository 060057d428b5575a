"""Reading one file from disk into a parsed report, and keeping its original bytes.

The reading and parsing here run in the worker processes of ingest.isolation, so this
imports only the parsing side of the engine (no DuckDB, no Arrow): a spawned worker
starts in a fraction of the time. Archiving runs in the main process, and only for
files that passed every check.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.config import settings
from ingest.errors import FileRefused

if TYPE_CHECKING:  # the reader is imported where it is used, so the main process can start its workers first
    from ingest.workbook.report import ParsedReport


@dataclass(frozen=True)
class Job:
    """One file to read: where it is, the name it is reported under, and whether a link may be followed."""

    path: Path
    name: str
    follow_links: bool = True  # False for files found inside a folder
    data: bytes | None = None  # an upload's bytes, held in memory: never written anywhere before the checks
    withheld: str = ""  # the kind of identifying data the file's own name carried (its name is then WITHHELD_NAME)


# A file's name is typed by a person and kept with everything said of the file (the submissions, the audit, the
# command's output), so it passes the same check as a cell's text before it is kept anywhere; a name that fails it is
# replaced by this one, and the file is refused unread.
WITHHELD_NAME = "[file name withheld].xlsx"


def identifying_name(name: str) -> str | None:
    """The kind of identifying data a file's name carries or mentions ("a Social Security number"), or None."""
    from ingest.workbook.privacy import has_ssn, identifying_label

    stem = Path(name).stem.replace("_", " ")
    if has_ssn(stem, bare=True):
        return "a Social Security number"
    return identifying_label(stem)


def withhold_identifying_name(job: Job) -> Job:
    """*job*, under WITHHELD_NAME when its name carries identifying data (it is then refused unread)."""
    kind = identifying_name(job.name)
    return job if kind is None else Job(job.path, WITHHELD_NAME, job.follow_links, job.data, kind)


def withheld_refusal(
    kind: str, rename: str = "after the subgrant and quarter, for example MN-STOP-2025-009 2026-Q1.xlsx", then: str = "send it again"
) -> FileRefused:
    """The refusal of a file whose own name carries or mentions identifying data; it never quotes the name."""
    return FileRefused(
        "victim_identifying_data",
        f"The file's name carries or mentions {kind}, so the file was not read and its name is not kept. Reports and "
        "registers must never carry information that could identify a victim or anyone else served (VAWA "
        f"confidentiality), their file names included. Rename the file ({rename}) and {then}.",
        keep_values=False,
    )


def archive(data: bytes, sha256: str, source_file: str, archive_dir: Path) -> None:
    """Keep the original bytes, named by SHA-256 (written atomically, once)."""
    suffix = Path(source_file).suffix.lower() if Path(source_file).suffix.lower() in (".xlsx", ".xlsm") else ".bin"
    target = archive_dir / f"{sha256}{suffix}"
    if target.exists():
        return
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=archive_dir, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def symlink_refusal(name: str) -> FileRefused:
    return FileRefused(
        "symlink_not_followed",
        f"{name} is a link to a file or folder elsewhere; links inside a folder are not followed, so it was not read. "
        "Copy the workbook itself into the folder, or name it on the command line.",
    )


def _too_large(size: int | None, limit: int) -> FileRefused:
    what = f"{size / 1e6:.1f} MB" if size is not None else "larger than that"
    return FileRefused(
        "file_too_large",
        f"The file is {what}, over the {limit / 1e6:.0f} MB limit; it was not read. Remove pictures or unused sheets and send it again.",
    )


def job_bytes(job: Job, max_bytes: int) -> bytes:
    """A job's bytes: an upload's as given (refused by size the same way), else read from its file."""
    if job.data is not None:
        if len(job.data) > max_bytes:
            raise _too_large(len(job.data), max_bytes)
        return job.data
    return read_bounded(job.path, max_bytes, follow_links=job.follow_links)


def read_bounded(path: Path, max_bytes: int, *, follow_links: bool = True) -> bytes:
    """The file's bytes; refused (FileRefused) by its size before it is read, and never read past *max_bytes* + 1."""
    name = path.name
    try:
        if not follow_links and stat.S_ISLNK(os.lstat(path).st_mode):
            raise symlink_refusal(name)
        size = os.stat(path).st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(os.open(path, flags), "rb") as f:
            size = os.fstat(f.fileno()).st_size  # the file opened, in case it was swapped since
            if size > max_bytes:
                raise _too_large(size, max_bytes)
            data = f.read(max_bytes + 1)
    except OSError as e:
        if not follow_links and e.errno == errno.ELOOP:  # swapped for a link between the check and the open
            raise symlink_refusal(name) from None
        raise FileRefused(
            "unreadable_file", f"The file cannot be opened ({e.strerror}). Check that it exists and is not open elsewhere."
        ) from None
    if len(data) > max_bytes:  # it grew while being read
        raise _too_large(None, max_bytes)
    return data


def parse(data: bytes, name: str) -> tuple[ParsedReport, bytes | None]:
    """Parse a file's bytes; the bytes come back (to be archived) only when the file was not refused."""
    from ingest.workbook.report import parse_report

    report = parse_report(data, name, settings())
    return report, (data if report.refusal is None else None)


def refused(name: str, refusal: FileRefused, sha256: str = "") -> ParsedReport:
    """The report of a file refused before (or instead of) being parsed."""
    from ingest.workbook.report import ParsedReport

    return ParsedReport(source_file=name, sha256=sha256).refuse(refusal)
