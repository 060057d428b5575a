"""Audit trail, schema versions, backup and restore, and all-or-nothing loading under SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import DATA, ingest, rows
from ingest.errors import DatabaseError
from ingest.store.db import SCHEMA_VERSION, connection
from stopdash.cli import main

VIEWS = [
    "awards",
    "award_counties",
    "submissions",
    "ingest_issues",
    "partners",
    "maturity_scores",
    "protocols",
    "survivor_practices",
    "funding",
    "community_period",
    "ta_priority",
    "expected_reports",
    "audit_log",
]


def snapshot(db: Path, *, skip_times: bool = True, views: list[str] = VIEWS) -> dict[str, list[tuple[object, ...]]]:
    """Every view's rows, sorted; times of day (which differ run to run) left out."""
    out = {}
    for view in views:
        columns = [r[0] for r in rows(db, "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [view])]
        keep = [c for c in columns if not (skip_times and c in ("ingested_at", "occurred_at"))]
        out[view] = sorted(rows(db, f"SELECT {', '.join(keep)} FROM {view}"), key=repr)
    return out


def test_every_ingest_and_register_load_is_audited(db: Path) -> None:
    """The audit log names who, what (file and SHA-256) and the result of each action."""
    ingest(db, "clean-report.xlsx", "csv-renamed.xlsx")
    log = rows(db, "SELECT who, action, target, sha256 IS NOT NULL, result FROM audit_log ORDER BY action DESC, target")
    assert [r[1:] for r in log] == [
        ("load-awards", "register.xlsx", True, "loaded"),
        ("ingest", "clean-report.xlsx", True, "accepted"),
        ("ingest", "csv-renamed.xlsx", True, "rejected"),
    ]
    assert all(who.startswith("os:") for who, *_ in log)


def test_exports_are_audited(db: Path, tmp_path: Path) -> None:
    """`stopdash export summary` leaves an audit row naming the export and its scope."""
    ingest(db, "clean-report.xlsx")
    assert main(["export", "summary", "--out", str(tmp_path / "s.xlsx"), "--db", str(db)]) == 0
    [(action, target, result)] = rows(db, "SELECT action, target, result FROM audit_log WHERE action = 'export'")
    assert (action, target, result) == ("export", "summary xlsx", "written")


def test_older_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    """A database written with schema 1 opens, gains what schema 2 added, and keeps its data."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute((DATA / "schema-v1.sql").read_text())
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO subgrant (subgrant_key, subgrant_id, community) VALUES ('old-1', 'OLD-1', 'Old team')")
    con.close()
    with connection(path) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
        assert con.execute("SELECT subgrant_id, community FROM awards").fetchall() == [("OLD-1", "Old team")]
        assert con.execute("SELECT count(*) FROM audit_log").fetchall() == [(0,)]


def test_newer_schema_is_refused_with_a_clear_message(db: Path) -> None:
    """A database from a newer stopdash is not touched; the message says to upgrade."""
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(DatabaseError, match="newer stopdash"):
        connection(db).__enter__()
    with pytest.raises(DatabaseError, match="newer stopdash"):
        connection(db, read_only=True).__enter__()


def test_backup_and_restore_reproduce_every_view(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A restored backup gives exactly the same rows in every view, and the archived originals."""
    ingest(db, "clean-report.xlsx", "clean-report-revised.xlsx", "row-errors.xlsx", "csv-renamed.xlsx")
    assert main(["backup", "--out", str(tmp_path / "bk"), "--db", str(db)]) == 0
    restored = tmp_path / "restored" / "r.duckdb"
    assert main(["restore", str(tmp_path / "bk"), "--db", str(restored)]) == 0
    assert snapshot(restored, skip_times=False) == snapshot(db, skip_times=False)
    assert sorted(p.name for p in (restored.parent / "archive").iterdir()) == sorted(p.name for p in (db.parent / "archive").iterdir())
    assert main(["restore", str(tmp_path / "bk"), "--db", str(restored)]) == 2
    assert "already exists" in capsys.readouterr().err


def _corpus(tmp_path: Path, n: int) -> Path:
    """*n* distinct valid reports (each a different quarter or subgrant), as real files."""
    import openpyxl

    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(n):
        wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
        wb["Profile"]["B1"] = ["MN-T-001", "MN-T-002"][i % 2]
        wb["Profile"]["B2"] = f"2026-Q{i // 2 % 4 + 1}"
        wb["Maturity"]["C2"] = f"variant {i}"  # distinct bytes, so none is skipped as a duplicate
        wb.save(folder / f"report-{i:03d}.xlsx")
    return folder


def test_killing_ingest_midway_leaves_whole_files_and_rerun_converges(db: Path, tmp_path: Path) -> None:
    """SIGKILL at several moments: each file is fully in or out, and a rerun reaches the uninterrupted state."""
    corpus = _corpus(tmp_path, 36)
    reference = tmp_path / "reference.duckdb"
    shutil.copy(db, reference)
    ingest_cmd = [sys.executable, "-m", "stopdash.cli", "ingest", str(corpus)]
    env = dict(os.environ, STOPDASH_BATCH_FILES="3")
    start = time.perf_counter()
    subprocess.run([*ingest_cmd, "--db", str(reference)], env=env, check=False, capture_output=True)
    whole_run = time.perf_counter() - start
    # The audit log differs by design (a rerun records its skips); the data views must not.
    data_views = [v for v in VIEWS if v != "audit_log"]
    expected = snapshot(reference, views=data_views)
    stored_at_kill = []
    for extra in (0.0, 0.05, 0.2):
        target = tmp_path / f"killed-{extra}.duckdb"
        shutil.copy(db, target)
        before = target.stat().st_mtime_ns
        proc = subprocess.Popen([*ingest_cmd, "--db", str(target)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Opening writes nothing, so the file changes first when a batch commits: kill then, or a little later.
        deadline = time.monotonic() + whole_run * 3 + 10
        while target.stat().st_mtime_ns == before and (target.with_suffix(".duckdb.wal")).exists() is False:
            assert time.monotonic() < deadline, "the ingest never committed a batch"
            time.sleep(0.005)
        time.sleep(extra)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        per_file = rows(
            target, "SELECT s.submission_id, count(p.partner) FROM submission s LEFT JOIN partner_row p USING (submission_id) GROUP BY 1"
        )
        assert all(n == 5 for _, n in per_file), "a file was stored in part"
        stored_at_kill.append(len(per_file))
        subprocess.run([*ingest_cmd, "--db", str(target)], env=env, check=False, capture_output=True)
        assert snapshot(target, views=data_views) == expected
    # The kill points must have landed mid-run for the test to mean anything.
    assert any(0 < n < 36 for n in stored_at_kill), stored_at_kill


def test_backup_and_restore_keep_the_privacy_key_so_figures_stay_the_same(db: Path, tmp_path: Path) -> None:
    """The key behind protected counts of people travels with the backup, readable by its owner only."""
    from stopdash.suppression import privacy_key

    ingest(db, "clean-report.xlsx")
    key = privacy_key(db)
    assert main(["backup", "--out", str(tmp_path / "bk"), "--db", str(db)]) == 0
    assert (tmp_path / "bk" / "privacy.key").stat().st_mode & 0o077 == 0
    restored = tmp_path / "restored" / "r.duckdb"
    assert main(["restore", str(tmp_path / "bk"), "--db", str(restored)]) == 0
    assert privacy_key(restored) == key
