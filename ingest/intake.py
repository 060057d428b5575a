"""Reading one file from disk into a parsed report, and keeping its original bytes.

This is what the worker processes run, so it imports only the parsing side of the
engine (no DuckDB, no Arrow): a spawned worker starts in a fraction of the time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ingest.config import settings
from ingest.errors import FileRefused
from ingest.report import ParsedReport, parse_report


def archive(data: bytes, sha256: str, source_file: str, archive_dir: Path) -> None:
    """Keep the original bytes, named by SHA-256 (written atomically, once)."""
    suffix = Path(source_file).suffix.lower() if Path(source_file).suffix.lower() in (".xlsx", ".xlsm") else ".bin"
    target = archive_dir / f"{sha256}{suffix}"
    if target.exists():
        return
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=archive_dir, prefix=".incoming-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)


def read_and_parse(path: Path, archive_to: Path | None, display_name: str | None = None) -> ParsedReport:
    """Parse one file and keep its original bytes (unless it carries victim-identifying data)."""
    name = display_name or path.name
    try:
        data = path.read_bytes()
    except OSError as e:
        report = ParsedReport(source_file=name, sha256="")
        return report.refuse(
            FileRefused("unreadable_file", f"The file cannot be opened ({e.strerror}). Check that it exists and is not open elsewhere.")
        )
    report = parse_report(data, name, settings())
    if archive_to is not None and (report.refusal is None or report.refusal.keep_values):
        archive(data, report.sha256, name, archive_to)
    return report
