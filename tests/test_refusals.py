"""File-level refusals: the whole file is refused, recorded, and nothing of it enters the views."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from conftest import DATA, ingest, rows
from ingest.pipeline import ingest_paths


@pytest.mark.parametrize(
    ("fixture", "code", "says"),
    [
        ("csv-renamed.xlsx", "not_a_workbook", "CSV"),
        ("html-renamed.xlsx", "not_a_workbook", "web page"),
        ("old-excel-97.xls", "xls_format", ".xls"),
        ("password-protected.xlsx", "encrypted_file", "password"),
        ("image-renamed.xlsx", "not_a_workbook", "an image"),
        ("no-profile-sheet.xlsx", "no_profile_sheet", "no Profile sheet"),
        ("no-period.xlsx", "no_period", "no reporting period"),
        ("period-not-a-quarter.xlsx", "no_period", "not exactly one calendar quarter"),
        ("unknown-subgrant.xlsx", "unknown_subgrant", "'MN-NOPE-999' is not in the award register"),
        ("period-outside-award.xlsx", "period_outside_award", "2026-Q1 is outside subgrant MN-T-003"),
    ],
)
def test_file_level_problems_refuse_the_whole_file(db: Path, fixture: str, code: str, says: str) -> None:
    """Each file-level problem gives a rejected submission with one actionable sentence, and no data."""
    summary = ingest(db, fixture)
    assert [o.status for o in summary.outcomes] == ["rejected"]
    assert summary.exit_code == 1
    assert rows(db, "SELECT status, error_count FROM submissions") == [("rejected", 1)]
    [(got_code, message, cell)] = rows(db, "SELECT code, message, cell FROM ingest_issues")
    assert (got_code, cell) == (code, None)
    assert says in message
    for view in ["partners", "maturity_scores", "protocols", "survivor_practices", "funding", "community_period"]:
        assert rows(db, f"SELECT count(*) FROM {view}") == [(0,)]


def test_refused_file_keeps_subgrant_and_period_where_readable(db: Path) -> None:
    """A refused file's submission row carries the subgrant and period it could read."""
    ingest(db, "period-outside-award.xlsx")
    assert rows(db, "SELECT subgrant_id, period, source_file FROM submissions") == [("MN-T-003", "2026-Q1", "period-outside-award.xlsx")]


@pytest.mark.parametrize(
    ("fixture", "kind", "label"),
    [
        ("name-header-column.xlsx", "a person's name", "Victim name"),
        ("identifying-date-column.xlsx", "a date of birth", "DOB"),
        ("identifying-number-in-cell.xlsx", "a Social Security number", None),
    ],
)
def test_victim_identifying_workbook_is_refused_and_no_value_kept(db: Path, fixture: str, kind: str, label: str | None) -> None:
    """Identifying data refuses the file; the log names sheet, cell and kind of data, never the label or a value; nothing is archived."""
    ingest(db, fixture)
    assert rows(db, "SELECT subgrant_id, period, status FROM submissions") == [(None, None, "rejected")]
    [(sheet, code, message)] = rows(db, "SELECT sheet, code, message FROM ingest_issues")
    assert (sheet, code) == ("Services", "victim_identifying_data")
    assert kind in message and "cell " in message
    assert label is None or label not in message
    assert "Jane" not in message and "6789" not in message
    sha = hashlib.sha256((DATA / fixture).read_bytes()).hexdigest()
    assert not list((db.parent / "archive").glob(f"{sha}*"))
    every_text = " ".join(str(v) for table in ["submission", "issue"] for row in rows(db, f"SELECT * FROM {table}") for v in row)
    assert "Jane" not in every_text and "MN-T-001" not in every_text


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_parsing(db: Path, tmp_path: Path) -> None:
    """An archive that would expand past 100:1 is refused unread."""
    bomb = tmp_path / "zip-bomb.xlsx"
    bomb.write_bytes(
        _zip_bytes(
            {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\x00" * 30_000_000}
        )
    )
    outcome = ingest_paths([bomb], db, workers=1).outcomes[0]
    assert outcome.status == "rejected"
    assert rows(db, "SELECT code FROM ingest_issues") == [("zip_bomb",)]


def test_xml_entity_declarations_are_refused(db: Path, tmp_path: Path) -> None:
    """A workbook part declaring XML entities (billion laughs) is refused unread."""
    with zipfile.ZipFile(DATA / "clean-report.xlsx") as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = laughs + (sheet.split(b"?>", 1)[1] if sheet.startswith(b"<?xml") else sheet)
    path = tmp_path / "xml-entity-expansion.xlsx"
    path.write_bytes(_zip_bytes(parts))
    ingest_paths([path], db, workers=1)
    assert rows(db, "SELECT code FROM ingest_issues") == [("xml_entities",)]


def test_truncated_workbook_is_refused_not_crashed(db: Path, tmp_path: Path) -> None:
    """A damaged zip becomes a rejected submission with a plain reason."""
    path = tmp_path / "truncated.xlsx"
    path.write_bytes((DATA / "clean-report.xlsx").read_bytes()[:2000])
    outcome = ingest_paths([path], db, workers=1).outcomes[0]
    assert outcome.status == "rejected"
    assert rows(db, "SELECT code FROM ingest_issues") == [("corrupt_file",)]


def test_a_refused_file_does_not_stop_the_others(db: Path) -> None:
    """In one run, good files load and bad ones are refused."""
    summary = ingest(db, "csv-renamed.xlsx", "clean-report.xlsx", "unknown-subgrant.xlsx")
    assert [o.status for o in summary.outcomes] == ["rejected", "accepted", "rejected"]
    assert rows(db, "SELECT count(*) FROM community_period") == [(1,)]


def test_parallel_ingest_carries_refusals_across_processes(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With enough files to use worker processes, refused and accepted files come back intact."""
    import ingest.pipeline

    PARALLEL_FROM = 8
    monkeypatch.setattr(ingest.pipeline, "PARALLEL_FROM", PARALLEL_FROM)
    names = ["clean-report.xlsx", "csv-renamed.xlsx", "name-header-column.xlsx", "unknown-subgrant.xlsx"]
    paths = []
    for i in range(PARALLEL_FROM):
        target = tmp_path / f"copy-{i:02d}-{names[i % 4]}"
        target.write_bytes((DATA / names[i % 4]).read_bytes())
        paths.append(target)
    summary = ingest_paths(paths, db, workers=2)
    assert [o.status for o in summary.outcomes[:4]] == ["accepted", "rejected", "rejected", "rejected"]
    assert {o.status for o in summary.outcomes[4:]} == {"skipped"}
    assert rows(db, "SELECT code FROM ingest_issues ORDER BY submission_id") == [
        ("not_a_workbook",),
        ("victim_identifying_data",),
        ("unknown_subgrant",),
    ]


def test_million_empty_formatted_rows_cost_nothing(db: Path, tmp_path: Path) -> None:
    """A sheet with a million formatted but empty rows is read as the few rows that hold data."""
    with zipfile.ZipFile(DATA / "clean-report.xlsx") as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = "xl/worksheets/sheet2.xml"  # Partners
    empty = "".join(f'<row r="{r}" s="1" customFormat="1"/>' for r in range(10, 1_000_001)).encode()
    parts[name] = parts[name].replace(b"</sheetData>", empty + b"</sheetData>")
    path = tmp_path / "million-empty-rows.xlsx"
    path.write_bytes(_zip_bytes(parts))
    assert path.stat().st_size < 5_000_000
    outcome = ingest_paths([path], db, workers=1).outcomes[0]
    assert (outcome.status, outcome.errors) == ("accepted", 0)
    assert rows(db, "SELECT count(*) FROM partners") == [(5,)]


def test_unicode_emoji_and_right_to_left_text_are_kept_exactly(db: Path, tmp_path: Path) -> None:
    """Names in any script, with emoji and right-to-left text, and a Unicode file name, are stored as written."""
    import openpyxl

    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    names = ["مركز الدعم 🤝", "שירות קהילתי", "Ñandú Advocacy — été 🌲", "\u202eRTL override"]
    for row, name in enumerate(names, start=2):
        wb["Partners"].cell(row=row, column=1, value=name)
    wb["Funding"].cell(row=2, column=1, value="Fondation 🙂 ∑")
    path = tmp_path / "rapport-été-🙂.xlsx"
    wb.save(path)
    outcome = ingest_paths([path], db, workers=1).outcomes[0]
    assert outcome.status == "accepted"
    stored = {r[0] for r in rows(db, "SELECT partner FROM partners")}
    assert set(names) <= stored
    assert rows(db, "SELECT source_file FROM submissions") == [("rapport-été-🙂.xlsx",)]
    assert rows(db, "SELECT source FROM funding WHERE source LIKE 'Fondation%'") == [("Fondation 🙂 ∑",)]
