"""The stopdash command line: help for every command, output, and exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, rows
from stopdash.cli import _parser, main


def commands() -> list[str]:
    sub = next(a for a in _parser()._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`stopdash COMMAND --help` works and shows an example."""
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "Example" in capsys.readouterr().out


def test_ingest_prints_summary_and_exits_1_on_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run with a good and a refused file loads the good one, lists the refusal, and exits 1."""
    db = tmp_path / "x.duckdb"
    assert main(["load-awards", str(DATA / "register.xlsx"), "--db", str(db)]) == 0
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ["clean-report.xlsx", "csv-renamed.xlsx"]:
        shutil.copy(DATA / name, folder / name)
    (folder / "~$clean-report.xlsx").write_bytes(b"excel lock file")
    code = main(["ingest", str(folder), "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 accepted, 0 accepted with errors, 1 rejected, 0 skipped as already ingested." in out
    assert "rejected  csv-renamed.xlsx: The file is not an Excel workbook" in out
    assert rows(db, "SELECT count(*) FROM submissions") == [(2,)]


def test_ingest_exits_0_when_all_accepted_or_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Clean files and duplicates give exit status 0."""
    db = tmp_path / "x.duckdb"
    main(["load-awards", str(DATA / "register.xlsx"), "--db", str(db)])
    assert main(["ingest", str(DATA / "clean-report.xlsx"), "--db", str(db)]) == 0
    assert main(["ingest", str(DATA / "clean-report.xlsx"), "--db", str(db)]) == 0
    assert "1 skipped as already ingested" in capsys.readouterr().out


def test_ingest_with_row_errors_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Row errors load the good rows and exit 1, naming the top issues."""
    db = tmp_path / "x.duckdb"
    main(["load-awards", str(DATA / "register.xlsx"), "--db", str(db)])
    assert main(["ingest", str(DATA / "row-errors.xlsx"), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "1 accepted with errors" in out and "Top issues:" in out


def test_ingest_without_register_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No database or no register: one line on stderr, exit 2, no traceback."""
    code = main(["ingest", str(DATA / "clean-report.xlsx"), "--db", str(tmp_path / "none.duckdb")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("stopdash: No database at") and "load-awards" in err
    assert "Traceback" not in err


def test_load_awards_reports_row_errors_by_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Register rows that break a rule are listed with their cell and left out; the rest load."""
    db = tmp_path / "x.duckdb"
    assert main(["load-awards", str(DATA / "register-with-errors.xlsx"), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "Loaded 1 subgrants" in out
    for ref in ["Awards!D3", "Awards!F4", "Awards!G5", "Awards!J6", "Awards!K7", "Awards!M7", "Awards!A8"]:
        assert ref in out
    assert rows(db, "SELECT subgrant_id FROM awards") == [("MN-E-001",)]


def test_reloading_register_updates_by_subgrant_id(tmp_path: Path) -> None:
    """Loading a register again updates rows matched case-insensitively, never duplicates them."""
    db = tmp_path / "x.duckdb"
    main(["load-awards", str(DATA / "register.xlsx"), "--db", str(db)])
    main(["load-awards", str(DATA / "register.xlsx"), "--db", str(db)])
    assert rows(db, "SELECT count(*) FROM awards") == [(3,)]
    assert rows(db, "SELECT county_name FROM award_counties WHERE subgrant_id = 'MN-T-003'") == [("St. Louis",)]


def test_template_writes_a_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`stopdash template --out` writes the blank template."""
    out = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"


def test_installed_console_script_runs(tmp_path: Path) -> None:
    """The `stopdash` console script is installed and answers --help."""
    exe = Path(sys.executable).parent / "stopdash"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "load-awards" in result.stdout


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    """With --debug an error shows its traceback; without it, one line."""
    args = ["ingest", str(DATA / "clean-report.xlsx"), "--db", str(tmp_path / "none.duckdb")]
    plain = subprocess.run([sys.executable, "-m", "stopdash.cli", *args], capture_output=True, text=True, check=False)
    debug = subprocess.run([sys.executable, "-m", "stopdash.cli", "--debug", *args], capture_output=True, text=True, check=False)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "Traceback" in debug.stderr


def test_help_imports_no_export_code() -> None:
    """`stopdash --help` starts without pandas, openpyxl or DuckDB; the export formats listed are the exporter's."""
    code = (
        "import sys; from stopdash.cli import _parser; _parser(); "
        "heavy = sorted({'pandas', 'openpyxl', 'duckdb'} & set(sys.modules)); sys.exit(str(heavy) if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    from stopdash.cli import FORMATS as listed
    from stopdash.exports.summary import FORMATS

    assert listed == FORMATS
