"""`stopdash export summary`: files written, plain one-line errors, help from the docstrings."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_allocation import write_register

from ingest.pipeline import load_register
from stopdash.cli import cmd_export, cmd_export_summary, main, output_format
from stopdash.queries.reader import ExportError


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register-only database: two award years, no progress reports."""
    root = tmp_path_factory.mktemp("cli")
    rows = [{"category": "Law enforcement", "amount": 1000}, {"category": "Courts", "amount": 500, "year": 2025}]
    load_register(write_register(root / "register.xlsx", rows), root / "db.duckdb")
    return root / "db.duckdb"


def test_writes_the_workbook(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default format for a .xlsx name is the workbook; the command says what it wrote and exits 0."""
    out = tmp_path / "summary.xlsx"
    assert main(["export", "summary", "--out", str(out), "--db", str(db)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "Allocation"
    assert f"to {out}" in capsys.readouterr().out


def test_year_filter_from_the_command_line(db: Path, tmp_path: Path) -> None:
    """--year keeps one award year's checks."""
    out = tmp_path / "fy2025.xlsx"
    assert main(["export", "summary", "--out", str(out), "--year", "2025", "--db", str(db)]) == 0
    ws = openpyxl.load_workbook(out)["Allocation"]
    assert {r[0] for r in ws.iter_rows(min_row=5, values_only=True) if r[0] is not None} == {2025}


@pytest.mark.parametrize(("name", "fmt"), [("csv-folder", "csv"), ("summary.zip", None), ("brief.html", None), ("brief.htm", "html")])
def test_other_formats(db: Path, tmp_path: Path, name: str, fmt: str | None) -> None:
    """--format csv writes a folder (or a .zip), html a single page; the format follows the name when not given."""
    out = tmp_path / name
    args = ["export", "summary", "--out", str(out), "--db", str(db)] + (["--format", fmt] if fmt else [])
    assert main(args) == 0
    if out.suffix == ".zip":
        assert "01-allocation.csv" in zipfile.ZipFile(out).namelist()
    elif out.suffix.startswith(".htm"):
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    else:
        assert (out / "01-allocation.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_db_defaults_to_the_environment(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --db the command uses $STOPDASH_DB, like every other command."""
    monkeypatch.setenv("STOPDASH_DB", str(db))
    assert main(["export", "summary", "--out", str(tmp_path / "s.xlsx")]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--year", "2019"], "award year 2019"),
        (["--period", "Q5-2026"], "YYYY-Qn"),
        (["--period", "2026-Q1"], "No accepted progress report"),
        (["--format", "html"], "ending in .html"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    """A bad year, quarter or output name is one plain line on stderr and exit status 2; no file is left behind."""
    out = tmp_path / "s.xlsx"
    assert main(["export", "summary", "--out", str(out), "--db", str(db), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_missing_database_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database that does not exist says how to create one."""
    assert main(["export", "summary", "--out", str(tmp_path / "s.xlsx"), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "load-awards" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "doc"), [(["export", "--help"], cmd_export.__doc__), (["export", "summary", "--help"], cmd_export_summary.__doc__)]
)
def test_help_is_the_docstring_with_an_example(argv: list[str], doc: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    """Each export command's --help shows its docstring, which carries an example."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert doc is not None and doc.splitlines()[0] in text and "Example: stopdash export summary" in text


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.xlsx", None, "xlsx"),
        ("a.XLSX", None, "xlsx"),
        ("a.html", None, "html"),
        ("folder", None, "csv"),
        ("a.zip", None, "csv"),
        ("folder", "csv", "csv"),
        ("a.xlsx", "xlsx", "xlsx"),
    ],
)
def test_output_format_follows_the_name(name: str, fmt: str | None, expected: str) -> None:
    """The format comes from --format, or else from the --out name."""
    assert output_format(Path(name), fmt) == expected


@pytest.mark.parametrize(
    ("name", "fmt"), [("a.pdf", None), ("a.csv.txt", None), ("a.html", "xlsx"), ("a.xlsx", "html"), ("a.csv", None), ("a.csv", "csv")]
)
def test_output_format_refuses_a_mismatch(name: str, fmt: str | None) -> None:
    """An --out name that does not fit the format is refused before any work."""
    with pytest.raises(ExportError):
        output_format(Path(name), fmt)
