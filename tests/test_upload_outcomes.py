"""Right under the upload box, each file's outcome and each of its problems in words, with sheet, cell and row."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from conftest import DATA, UPLOAD, open_section
from ingest.issue_codes import CODES

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def plain(markdown: str) -> str:
    """The text a person reads from a markdown string (its backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


RAW = re.compile(r"\b(accepted_with_errors|rejected|superseded|" + "|".join(CODES) + r")\b")


def _demo_report(demo_db: Path) -> Path:
    return sorted(p for p in (demo_db.parent / "demo-files" / "reports").rglob("*.xlsx") if "bad" not in p.parts)[-1]


def _broken(report: Path, edits: dict[tuple[str, str], object]) -> bytes:
    wb = openpyxl.load_workbook(report)
    for (sheet, cell), value in edits.items():
        wb[sheet][cell] = value
    wb.properties.title = "edited"  # new bytes, so the file is not skipped as already loaded
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(db: Path, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    open_section(at.switch_page("views/data_quality.py").run(), UPLOAD)
    at.file_uploader(key="uploads").set_value([(n, d, "application/octet-stream") for n, d in files.items()]).run()
    at.button[[b.label for b in at.button].index("Ingest the uploaded files")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# (what breaks, edits to the demo report, the outcome, the place and the words each problem line must carry)
CASES: list[tuple[str, dict[tuple[str, str], object], str, list[str]]] = [
    ("score of 7", {("Maturity", "B3"): 7}, "Accepted, with 1 problem to fix", ["Maturity sheet, cell B3 (row 3, column Score)", "'7'"]),
    (
        "two problems",
        {("Maturity", "B2"): 7, ("Funding", "D3"): "lots"},
        "Accepted, with 2 problems to fix",
        ["Maturity sheet, cell B2 (row 2, column Score)", "Funding sheet, cell D3 (row 3, column Amount)", "'lots'"],
    ),
    (
        "unknown discipline",
        {("Partners", "B2"): "Astrology"},
        "Accepted, with 1 problem to fix",
        ["Partners sheet, cell B2", "'Astrology'"],
    ),
    ("unknown practice", {("Survivor engagement", "A2"): "S99"}, "Accepted, with 1 problem to fix", ["Survivor engagement sheet, cell A2"]),
]


@pytest.mark.parametrize(("case", "edits", "outcome", "words"), CASES, ids=[c[0] for c in CASES])
def test_upload_says_each_problem_in_words_with_its_place(
    case: str,
    edits: dict[tuple[str, str], object],
    outcome: str,
    words: list[str],
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report with row problems: its outcome in a sentence, each problem with sheet, cell, row and column, no codes."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    report = _demo_report(demo_db)
    at = _upload(db, {report.name: _broken(report, edits)}, monkeypatch)
    boxes = [plain(w.value) for w in at.warning if report.name in plain(w.value)]
    assert len(boxes) == 1 and outcome in boxes[0], [w.value for w in at.warning]
    problems = next(plain(m.value) for m in at.markdown if m.value.startswith("- Problem to fix"))
    for text in words:
        assert text in problems, problems
    assert problems.count("- Problem to fix") == len(edits)
    assert not at.error, [e.value for e in at.error]
    seen = [w.value for w in [*at.warning, *at.success, *at.markdown, *at.caption]]
    seen += [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
    assert not [t for t in seen if RAW.search(t)], "no status or issue code on the page"


def test_upload_outcomes_for_clean_refused_and_repeated_files(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean file says Accepted, a refused one says Refused and why, the same bytes again say nothing changed."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    report = _demo_report(demo_db)
    clean = _broken(report, {})
    at = _upload(db, {report.name: clean, "notes.xlsx": (DATA / "csv-renamed.xlsx").read_bytes()}, monkeypatch)
    accepted: Callable[[AppTest], list[str]] = lambda t: [plain(s.value) for s in t.success if report.name in plain(s.value)]  # noqa: E731
    assert [v.endswith(": Accepted") for v in accepted(at)] == [True], [s.value for s in at.success]
    refused = [plain(w.value) for w in at.warning if "notes.xlsx" in plain(w.value)]
    assert len(refused) == 1 and "Refused: The file is not an Excel workbook" in refused[0]
    table = at.dataframe[-1].value
    assert dict(zip(table["file"], table["status"], strict=True)) == {report.name: "Accepted", "notes.xlsx": "Refused"}
    again = _upload(db, {report.name: clean}, monkeypatch)
    assert any("Not loaded again" in plain(s.value) for s in again.success), [s.value for s in again.success]
