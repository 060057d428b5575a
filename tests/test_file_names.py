"""A file's own name passes the confidentiality guard before it is kept anywhere: a report, an upload, a link or an
award register whose name carries identifying data (a label such as "client names", an SSN) is refused unread, and
its name is kept nowhere: not in the database, the archive, the audit trail or the command's output."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_guard import label_variants, ssn_variants

from conftest import DATA, ROOT, rows
from ingest.intake import WITHHELD_NAME, identifying_name
from ingest.pipeline import RegisterRefused, archive_dir, ingest_paths, load_register

CLEAN = (DATA / "clean-report.xlsx").read_bytes()
BENIGN = [
    "MN-STOP-2025-002 2025-Q4.xlsx",
    "MN-STOP-2025-002_2025Q4.xlsx",
    "Q4 2025 progress report.xlsx",
    "Victim services report Q4.xlsx",
    "Survivor engagement 2025-12-31.xlsx",
    "report (2).xlsx",
    "EDR 11 Metro - final.xlsx",
]


def identifying_names(n: int, seed: int) -> list[str]:
    """*n* generated file names that carry identifying data: labels of it, and SSNs as people write them."""
    rng = random.Random(seed)
    labels = rng.sample(label_variants(600, seed=seed), n // 2)
    ssns = [s for s in ssn_variants(80, seed=seed) if not re.search(r"[\n/*]", s)][: n - len(labels)]  # as a file name can be
    names = [re.sub(r"[/\\\x00:*?\"<>|]", " ", text).strip() for text in labels + ssns]
    return [f"{name}{rng.choice(['.xlsx', '.XLSX', '.xlsm'])}" for name in names]


def _everything_kept(db: Path) -> bytes:
    kept = db.read_bytes() + (db.with_suffix(".duckdb.wal").read_bytes() if db.with_suffix(".duckdb.wal").exists() else b"")
    folder = archive_dir(db)
    return kept + b"".join(p.name.encode() for p in folder.iterdir()) if folder.exists() else kept


def test_generated_identifying_names_are_all_recognised_and_benign_ones_pass() -> None:
    """Every generated name with identifying data is seen as such; names after the subgrant, quarter or date are not."""
    assert [n for n in identifying_names(80, seed=3) if identifying_name(n) is None] == []
    assert [n for n in BENIGN if identifying_name(n) is not None] == []


def test_a_report_named_with_identifying_data_is_refused_and_its_name_kept_nowhere(db: Path, tmp_path: Path) -> None:
    """Files in a folder and uploads whose names carry identifying data are refused unread, under a withheld name."""
    names = identifying_names(24, seed=11)
    folder = tmp_path / "reports"
    folder.mkdir()
    for i, name in enumerate(names[:12]):
        (folder / name).write_bytes(CLEAN + bytes([i]))  # distinct bytes: none is a duplicate of another
    uploads = [(name, CLEAN + bytes([100 + i])) for i, name in enumerate(names[12:])]
    outcomes = ingest_paths([folder], db, workers=1, uploads=uploads).outcomes
    assert len(outcomes) == len(names)
    assert {(o.source_file, o.status) for o in outcomes} == {(WITHHELD_NAME, "rejected")}
    found = rows(db, "SELECT DISTINCT source_file, code FROM ingest_issues")
    assert found == [(WITHHELD_NAME, "victim_identifying_data")]
    assert rows(db, "SELECT count(*) FROM submissions WHERE subgrant_id IS NOT NULL OR period IS NOT NULL") == [(0,)]
    kept = _everything_kept(db)
    for name in names:
        stem = Path(name).stem
        assert stem.encode() not in kept, f"{stem!r} is kept"
        digits = re.sub(r"\D", "", stem)
        if len(digits) >= 9:
            assert digits.encode() not in kept
    assert rows(db, "SELECT count(*) FROM audit_log WHERE target <> ?", [WITHHELD_NAME])[0][0] == 1  # the register's load


def test_the_command_line_never_prints_an_identifying_name(db: Path, tmp_path: Path) -> None:
    """`stopdash ingest FOLDER` reports such a file under the withheld name only, and loads a well-named one beside it."""
    names = identifying_names(6, seed=5)
    folder = tmp_path / "reports"
    folder.mkdir()
    for i, name in enumerate(names):
        (folder / name).write_bytes(CLEAN + bytes([i]))
    (folder / BENIGN[0]).write_bytes(CLEAN)
    done = subprocess.run(
        [sys.executable, "-m", "stopdash.cli", "ingest", str(folder), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    said = done.stdout + done.stderr
    assert said.count(WITHHELD_NAME) == len(names) and said.startswith("1 accepted")
    for name in names:
        assert Path(name).stem not in said


def test_a_link_named_with_identifying_data_is_reported_under_the_withheld_name(db: Path, tmp_path: Path) -> None:
    """A link inside a folder is not followed, and when its own name carries identifying data that name is withheld too."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (tmp_path / "elsewhere.xlsx").write_bytes(CLEAN)
    name = identifying_names(2, seed=8)[0]
    (folder / name).symlink_to(tmp_path / "elsewhere.xlsx")
    [outcome] = ingest_paths([folder], db, workers=1).outcomes
    assert outcome.source_file == WITHHELD_NAME and outcome.status == "rejected"
    assert Path(name).stem not in outcome.message


@pytest.mark.parametrize("name", identifying_names(6, seed=21))
def test_an_award_register_named_with_identifying_data_is_refused_and_nothing_kept(tmp_path: Path, name: str) -> None:
    """An award register whose name carries identifying data is refused before it is read; nothing is stored or archived."""
    register = tmp_path / name
    register.write_bytes((DATA / "register.xlsx").read_bytes())
    db = tmp_path / "portfolio.duckdb"
    with pytest.raises(RegisterRefused) as refused:
        load_register(register, db)
    assert Path(name).stem not in str(refused.value) and "file's name" in str(refused.value)
    assert not db.exists() and not archive_dir(db).exists()
