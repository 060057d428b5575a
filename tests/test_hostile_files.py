"""Hostile files cannot take down a batch or the server: each is refused alone, with its reason, and nothing of it is kept.

The files are real workbooks built here from tests/data/clean-report.xlsx, changed at the
XML level the way an attacker (or a broken exporter) would: cells far apart, a huge declared
range, cells without references, references beyond Excel's grid, a sheet hidden outside
xl/worksheets/. The reader (python-calamine) allocates a sheet's whole range, so without the
checks the first of them asks for 512 GB and aborts the process.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from conftest import DATA, UPLOAD, open_section, rows
from ingest import config
from ingest.config import settings
from ingest.errors import FileRefused
from ingest.intake import read_bounded
from ingest.pipeline import RegisterRefused, ingest_paths, load_register
from ingest.workbook.safety import check_bytes, check_sheet_extents

ROOT = Path(__file__).resolve().parents[1]
PARTNERS = "xl/worksheets/sheet2.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _parts() -> dict[str, bytes]:
    with zipfile.ZipFile(DATA / "clean-report.xlsx") as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _partners(change: Callable[[bytes], bytes]) -> bytes:
    """clean-report.xlsx with its Partners sheet's XML changed."""
    parts = _parts()
    parts[PARTNERS] = change(parts[PARTNERS])
    return _zip(parts)


def _append(cells: str) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"</sheetData>", cells.encode() + b"</sheetData>")


def sparse_as_saved(variant: str = "") -> bytes:
    """The case the review found: a value at XFD1048576 besides the data from A1, saved by a spreadsheet library."""
    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    wb["Partners"]["XFD1048576"] = f"x{variant}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def declared_dimension_only() -> bytes:
    return _partners(lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml))


def many_rows_without_references() -> bytes:
    """60,000 rows and cells with no r="..." (the reader places them one after another), the last row 40 cells wide."""
    import random

    values = random.Random(7).choices(range(10**6), k=60_040)  # varied, so the zip does not compress like a bomb
    rows_ = "".join(f"<row><c><v>{v}</v></c></row>" for v in values[:60_000])
    return _partners(_append(rows_ + "<row>" + "".join(f"<c><v>{v}</v></c>" for v in values[60_000:]) + "</row>"))


def namespace_prefixed() -> bytes:
    sheet = (
        f'<x:worksheet xmlns:x="{NS}"><x:dimension ref="A1"/><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Partner</x:t></x:is></x:c></x:row>'
        '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    return _partners(lambda _: sheet.encode())


def sheet_outside_worksheets_folder() -> bytes:
    """The Partners sheet moved to xl/elsewhere/, where only the workbook's relationships point."""
    parts = _parts()
    xml = parts.pop(PARTNERS)
    parts["xl/elsewhere/p.xml"] = _append('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')(xml)
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        parts[name] = parts[name].replace(b"/xl/worksheets/sheet2.xml", b"/xl/elsewhere/p.xml")
    return _zip(parts)


# name -> (how the workbook is made, the issue code it is refused with)
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "sparse-a1-xfd1048576": (sparse_as_saved, "sheet_too_large"),
    "sparse-a1-xfd1048576-dimension-hidden": (
        lambda: _partners(_append('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')),
        "sheet_too_large",
    ),
    "far-apart-cv60000": (lambda: _partners(_append('<row r="60000"><c r="CV60000"><v>1</v></c></row>')), "sheet_too_large"),
    "far-apart-zz150000": (lambda: _partners(_append('<row r="150000"><c r="ZZ150000"><v>1</v></c></row>')), "sheet_too_large"),
    "declared-dimension-only": (declared_dimension_only, "sheet_too_large"),
    "many-rows-without-references": (many_rows_without_references, "sheet_too_large"),
    "huge-column-letters": (lambda: _partners(_append('<row r="7"><c r="ZZZZZ7"><v>1</v></c></row>')), "corrupt_file"),
    "huge-row-number": (lambda: _partners(_append('<row r="99999999"><c r="A99999999"><v>1</v></c></row>')), "corrupt_file"),
    "namespace-prefixed-cells": (namespace_prefixed, "sheet_too_large"),
    "sheet-outside-worksheets-folder": (sheet_outside_worksheets_folder, "sheet_too_large"),
}


def limits_config(tmp_path: Path, **limits: object) -> Path:
    """A copy of the configuration with some [limits] changed (for STOPDASH_CONFIG)."""
    folder = tmp_path / "cfg"
    shutil.copytree(config.DATA_DIR, folder, ignore=shutil.ignore_patterns("demo", "*.duckdb*", "archive"))
    text = (folder / "config.toml").read_text(encoding="utf-8")
    for key, value in limits.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert n == 1, key
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archived(db: Path) -> set[str]:
    folder = db.parent / "archive"
    return {p.name.split(".")[0] for p in folder.iterdir()} if folder.exists() else set()


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], int | None]:
    """`stopdash ...` in a child process; also the peak memory (max RSS, bytes) of it and its workers where measurable."""
    code = (
        "import json, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "try:\n"
        "    import resource\n"
        "    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == 'darwin' else 1024)\n"
        "except ImportError:\n"
        "    peak = None\n"
        "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, 'peak': peak}))\n"
    )
    wrapper = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "stopdash.cli", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    result = json.loads(wrapper.stdout)
    return subprocess.CompletedProcess(args, result["rc"], result["out"], result["err"]), result["peak"]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_sheet_is_refused_before_the_reader_opens_it(name: str) -> None:
    """Each hostile variant is refused by the byte checks, with a message naming its sheet and what to do."""
    make, code = HOSTILE[name]
    with pytest.raises(FileRefused) as refused:
        check_bytes(make(), settings())
    assert refused.value.code == code
    assert refused.value.sheet == "Partners"
    assert "Partners" in refused.value.message and "send it again" in refused.value.message


@pytest.mark.parametrize(
    "sheet_data",
    [
        pytest.param("<row><c><v>1</v></c><c><v>2</v></c></row>" * 3, id="cells-without-references"),
        pytest.param('<row r="7"><c r="XFD7" s="1"/></row>', id="a-formatted-blank-cell-out-at-XFD"),
        pytest.param('<row r="100000"><c r="T100000"><v>1</v></c></row>', id="a-stray-value-within-the-limit"),
    ],
)
def test_plausible_sheets_pass_the_extent_check(sheet_data: str) -> None:
    """Sheets a person could send, stray cells included, pass as long as their range is within the limit."""
    check_bytes(_partners(_append(sheet_data)), settings())


def test_the_largest_plausible_report_sheet_passes() -> None:
    """A sheet of 20,000 rows by 50 columns (a million cells) is within the limit."""
    body = "".join(f'<row r="{r}">' + f'<c r="AX{r}"><v>{r}</v></c>' + "</row>" for r in range(1, 20_001))
    first = '<row r="1"><c r="A1"><v>0</v></c></row>'
    sheet = f'<worksheet xmlns="{NS}"><dimension ref="A1:AX20000"/><sheetData>{first}{body}</sheetData></worksheet>'
    parts = _parts()
    parts[PARTNERS] = sheet.encode()
    with zipfile.ZipFile(io.BytesIO(_zip(parts))) as z:
        check_sheet_extents(z, settings().max_sheet_cells)


def _write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def test_cli_batch_loads_the_valid_files_and_refuses_each_hostile_one(db: Path, tmp_path: Path) -> None:
    """`stopdash ingest` on a folder of hostile and valid files: the valid load, each hostile one is refused with its reason,
    exit 1, and nothing of a refused file is archived."""
    valid = {n: (DATA / n).read_bytes() for n in ["clean-report.xlsx", "clean-report-next-quarter.xlsx"]}
    hostile = {f"{name}.xlsx": make() for name, (make, _) in HOSTILE.items()}
    too_many_rows = _partners(
        _append("".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>P{r}</t></is></c></row>' for r in range(7, 20_010)))
    )
    hostile["too-many-rows.xlsx"] = too_many_rows
    hostile["unknown-subgrant.xlsx"] = (DATA / "unknown-subgrant.xlsx").read_bytes()
    _write(tmp_path / "inbox", {**hostile, **valid})
    big = tmp_path / "inbox" / "over-the-size-limit.xlsx"
    with open(big, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(26_000_000)
    before = archived(db)

    result, _ = run_cli("ingest", str(tmp_path / "inbox"), "--db", str(db))

    assert result.returncode == 1, result.stderr
    assert f"2 accepted, 0 accepted with errors, {len(hostile) + 1} rejected, 0 skipped" in result.stdout
    codes = dict(rows(db, "SELECT source_file, code FROM ingest_issues WHERE severity = 'error'"))
    expected = {f"{name}.xlsx": code for name, (_, code) in HOSTILE.items()}
    expected |= {"too-many-rows.xlsx": "too_many_rows", "unknown-subgrant.xlsx": "unknown_subgrant", big.name: "file_too_large"}
    assert codes == expected
    assert dict(rows(db, "SELECT source_file, status FROM submissions WHERE status <> 'rejected'")) == dict.fromkeys(valid, "accepted")
    for name in hostile:
        assert f"rejected  {name}: " in result.stdout
    assert archived(db) - before == {sha(data) for data in valid.values()}, "only the accepted files are archived"
    assert "Traceback" not in result.stderr


def test_a_file_that_kills_its_worker_is_refused_alone_and_the_worker_replaced(db: Path, tmp_path: Path) -> None:
    """With the extent check off, the reader dies on the hostile files (memory capped); each becomes a too_complex
    refusal, a new worker reads the next file, and the peak memory of the whole run stays under the cap."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the address-space cap (RLIMIT_AS) is enforced on Linux; elsewhere only the 512 GB request fails")
    cfg = limits_config(tmp_path, max_sheet_cells=10**15)
    files = {
        "a-sparse-a1-xfd1048576.xlsx": sparse_as_saved(),
        "b-clean-report.xlsx": (DATA / "clean-report.xlsx").read_bytes(),
        "c-far-apart-zz150000.xlsx": HOSTILE["far-apart-zz150000"][0](),
        "d-clean-report-next-quarter.xlsx": (DATA / "clean-report-next-quarter.xlsx").read_bytes(),
    }
    _write(tmp_path / "inbox", files)

    result, peak = run_cli("ingest", str(tmp_path / "inbox"), "--db", str(db), env=dict(os.environ, STOPDASH_CONFIG=str(cfg)))

    assert result.returncode == 1, result.stderr
    assert "2 accepted, 0 accepted with errors, 2 rejected" in result.stdout
    assert rows(db, "SELECT source_file, code FROM ingest_issues WHERE severity = 'error' ORDER BY 1") == [
        ("a-sparse-a1-xfd1048576.xlsx", "too_complex"),
        ("c-far-apart-zz150000.xlsx", "too_complex"),
    ]
    [(message,)] = rows(db, "SELECT DISTINCT message FROM ingest_issues WHERE code = 'too_complex'")
    assert "1,024 MB" in message and "Delete the unused rows and columns" in message
    # The refusal keeps the file's hash (read before it was parsed), and its bytes stay out of the archive.
    assert rows(db, "SELECT sha256 FROM submissions WHERE source_file LIKE 'a-%'") == [(sha(files["a-sparse-a1-xfd1048576.xlsx"]),)]
    assert not archived(db) & {sha(files["a-sparse-a1-xfd1048576.xlsx"]), sha(files["c-far-apart-zz150000.xlsx"])}
    if sys.platform.startswith("linux") and peak is not None:
        # far-apart-zz150000 would take 3.4 GB if the 1 GiB address-space cap did not stop it.
        assert peak < 1024 * 2**20, f"peak memory {peak / 2**20:.0f} MB"


def test_parallel_workers_keep_order_when_one_dies(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With two workers and files queued behind a fatal one, those files are read again by its replacement, in order."""
    import ingest.pipeline

    monkeypatch.setenv("STOPDASH_CONFIG", str(limits_config(tmp_path, max_sheet_cells=10**15)))
    monkeypatch.setattr(ingest.pipeline, "PARALLEL_FROM", 2)
    paths = []
    for i in range(12):
        path = tmp_path / "in" / f"{i:02d}.xlsx"
        path.parent.mkdir(exist_ok=True)
        if i in (1, 6):
            path.write_bytes(sparse_as_saved(str(i)))
        else:
            wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
            wb["Profile"]["B1"] = ["MN-T-001", "MN-T-002"][i % 2]
            wb["Maturity"]["C2"] = f"variant {i}"
            wb.save(path)
        paths.append(path)
    summary = ingest_paths(paths, db, workers=2)
    assert [o.source_file for o in summary.outcomes] == [p.name for p in paths]
    assert [o.status for o in summary.outcomes] == ["rejected" if i in (1, 6) else "accepted" for i in range(12)]
    assert rows(db, "SELECT count(*) FROM ingest_issues WHERE code = 'too_complex'") == [(2,)]


def test_a_file_that_outlasts_the_time_limit_is_refused_alone(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose reading never ends (a pipe no one writes to) is stopped at the time limit; the files around it load."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are a POSIX feature")
    monkeypatch.setenv("STOPDASH_CONFIG", str(limits_config(tmp_path, parse_timeout_s=1)))
    stuck = tmp_path / "never-ends.xlsx"
    os.mkfifo(stuck)
    paths = [DATA / "clean-report.xlsx", stuck, DATA / "clean-report-next-quarter.xlsx"]
    summary = ingest_paths(paths, db, workers=1)
    assert [(o.source_file, o.status) for o in summary.outcomes] == [
        ("clean-report.xlsx", "accepted"),
        ("never-ends.xlsx", "rejected"),
        ("clean-report-next-quarter.xlsx", "accepted"),
    ]
    [(code, message)] = rows(db, "SELECT code, message FROM ingest_issues WHERE source_file = 'never-ends.xlsx'")
    assert code == "parse_timeout"
    assert "longer than the 1-second limit" in message


def test_a_file_over_the_size_limit_is_refused_without_being_read(db: Path, tmp_path: Path) -> None:
    """A 2 GB file is refused by its size on disk: the run's peak memory stays far below the file's size."""
    big = tmp_path / "two-gigabytes.xlsx"
    with open(big, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(2 * 10**9)  # sparse: takes no disk space
    result, peak = run_cli("ingest", str(big), "--db", str(db))
    assert result.returncode == 1, result.stderr
    assert rows(db, "SELECT code FROM ingest_issues") == [("file_too_large",)]
    assert "The file is 2000.0 MB, over the 25 MB limit" in result.stdout
    if peak is not None:
        assert peak < 500 * 2**20, f"peak memory {peak / 2**20:.0f} MB"
    assert not archived(db) - {sha((DATA / "register.xlsx").read_bytes())}
    with pytest.raises(FileRefused, match="over the 25 MB limit"):
        read_bounded(big, settings().max_file_bytes)
    with pytest.raises(RegisterRefused, match="over the 25 MB limit"):
        load_register(big, db)


def test_links_inside_a_folder_are_not_followed(db: Path, tmp_path: Path) -> None:
    """A folder's links (to a file or folder, inside or outside it) are reported as not read; a link named directly is read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(DATA / "clean-report-next-quarter.xlsx", outside / "secret.xlsx")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "clean-report.xlsx", inbox / "report.xlsx")
    try:
        (inbox / "link-to-outside.xlsx").symlink_to(outside / "secret.xlsx")
        (inbox / "link-to-inside.xlsx").symlink_to(inbox / "report.xlsx")
        (inbox / "linked-folder").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("this system does not let tests make symbolic links")

    result, _ = run_cli("ingest", str(inbox), "--db", str(db))

    assert result.returncode == 1, result.stderr
    assert "1 accepted, 0 accepted with errors, 3 rejected" in result.stdout
    for name in ["link-to-outside.xlsx", "link-to-inside.xlsx", "linked-folder"]:
        assert f"rejected  {name}: {name} is a link to a file or folder elsewhere; links inside a folder are not followed" in result.stdout
    assert rows(db, "SELECT source_file FROM submissions") == [("report.xlsx",)]
    assert sha((outside / "secret.xlsx").read_bytes()) not in archived(db)

    named, _ = run_cli("ingest", str(inbox / "link-to-outside.xlsx"), "--db", str(db))
    assert named.returncode == 0, named.stdout + named.stderr
    assert rows(db, "SELECT status FROM submissions WHERE source_file = 'link-to-outside.xlsx'") == [("accepted",)]


def test_a_file_swapped_for_a_link_is_not_followed(tmp_path: Path) -> None:
    """A file found in a folder is opened without following a link, even if it was swapped for one after the folder was read."""
    target = tmp_path / "target.xlsx"
    target.write_bytes((DATA / "clean-report.xlsx").read_bytes())
    link = tmp_path / "swapped.xlsx"
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("this system does not let tests make symbolic links")
    with pytest.raises(FileRefused) as refused:
        read_bounded(link, settings().max_file_bytes, follow_links=False)
    assert refused.value.code == "symlink_not_followed"
    assert read_bounded(link, settings().max_file_bytes) == target.read_bytes()


def test_upload_box_refuses_a_hostile_file_and_the_app_keeps_running(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Through the Data quality upload box, a file that would abort the reader is refused (by the check, and with the
    check off by its worker's death) beside a valid upload that loads; the app keeps serving."""
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("STOPDASH_DB", str(db))
    report = sorted(p for p in (demo_db.parent / "demo-files" / "reports").rglob("*.xlsx") if "bad" not in p.parts)[-1]
    wb = openpyxl.load_workbook(report)
    wb.properties.title = "revised"  # new bytes for a report the demo already holds: it supersedes it
    revised = io.BytesIO()
    wb.save(revised)

    def upload(files: dict[str, bytes]) -> dict[str, tuple[str, str]]:
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.run()
        open_section(at.switch_page("views/data_quality.py").run(), UPLOAD)
        at.file_uploader(key="uploads").set_value([(n, d, "application/octet-stream") for n, d in files.items()]).run()
        at.button[[b.label for b in at.button].index("Ingest the uploaded files")].click().run()
        assert not at.exception, [e.value for e in at.exception]
        result = at.dataframe[-1].value
        at.run()  # the app still serves the page
        assert not at.exception
        return {f: (s, m) for f, s, m in zip(result["file"], result["status"], result["message"], strict=True)}

    checked = upload({"sparse-a1-xfd1048576.xlsx": sparse_as_saved(), report.name: revised.getvalue()})
    assert checked[report.name][0] == "Accepted", checked
    assert checked["sparse-a1-xfd1048576.xlsx"][0] == "Refused"
    assert "A1:XFD1048576" in checked["sparse-a1-xfd1048576.xlsx"][1]

    monkeypatch.setenv("STOPDASH_CONFIG", str(limits_config(tmp_path, max_sheet_cells=10**15)))
    died = upload({"sparse-again.xlsx": sparse_as_saved("again")})
    assert died["sparse-again.xlsx"][0] == "Refused"
    assert "needed more than" in died["sparse-again.xlsx"][1]
    assert rows(db, "SELECT code FROM ingest_issues WHERE source_file = 'sparse-again.xlsx'") == [("too_complex",)]
