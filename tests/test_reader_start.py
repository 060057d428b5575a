"""The reader processes start clean, whatever script the parent runs (the dashboard's pages, a test, stdin)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

from conftest import DATA, rows
from ingest.pipeline import ingest_paths


def test_a_parent_script_that_cannot_run_twice_does_not_break_the_readers(db: Path, tmp_path: Path, monkeypatch) -> None:
    """Spawned readers do not re-run the parent's __main__ (under Streamlit, a page script that fails outside it)."""
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('this page script must never run in a reader')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    [outcome] = ingest_paths([DATA / "clean-report.xlsx"], db, workers=1).outcomes
    assert outcome.status == "accepted"
    assert sys.modules["__main__"] is main


def test_an_ingest_run_from_a_script_on_standard_input_works(db: Path) -> None:
    """A script piped to python (no file, no __main__ guard) can ingest."""
    report = str(DATA / "clean-report.xlsx")
    code = (
        "from pathlib import Path\nfrom ingest.pipeline import ingest_paths\n"
        f"print(ingest_paths([Path({report!r})], Path({str(db)!r}), workers=1).outcomes[0].status)\n"
    )
    result = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, check=False, cwd=Path(__file__).parents[1])
    assert result.stdout.strip() == "accepted", result.stderr[-2000:]
    assert rows(db, "SELECT status FROM submissions") == [("accepted",)]


def test_uploads_are_read_from_memory_and_checked_like_files(db: Path, tmp_path: Path, monkeypatch) -> None:
    """Uploaded bytes reach the reader without being written to disk; refusals and acceptances are as for files."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    uploads = [(n, (DATA / n).read_bytes()) for n in ("clean-report.xlsx", "name-header-column.xlsx", "csv-renamed.xlsx")]
    outcomes = ingest_paths([], db, workers=1, uploads=uploads).outcomes
    assert [(o.source_file, o.status) for o in outcomes] == [
        ("clean-report.xlsx", "accepted"),
        ("name-header-column.xlsx", "rejected"),
        ("csv-renamed.xlsx", "rejected"),
    ]
    assert list((tmp_path / "tmp").iterdir()) == []
    register = {p.name for p in (db.parent / "archive").iterdir()}
    assert len(register) == 2  # the register and the accepted report, nothing of the refused ones


def test_files_refused_unread_are_never_taken_for_duplicates(db: Path, tmp_path: Path) -> None:
    """Two different files refused before being read (no hash) are both reported, in one run and in the next."""
    big = b"PK" + bytes(26 * 1024 * 1024)
    uploads = [("big-1.xlsx", big + b"1"), ("big-2.xlsx", big + b"2")]
    first = ingest_paths([], db, workers=1, uploads=uploads).outcomes
    again = ingest_paths([], db, workers=1, uploads=[("big-3.xlsx", big + b"3")]).outcomes
    assert [o.status for o in first + again] == ["rejected", "rejected", "rejected"]
    assert rows(db, "SELECT count(*) FROM submissions WHERE status = 'rejected'") == [(3,)]
