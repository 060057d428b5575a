"""One definition of the progress-report workbook: the template, the reader, the demo and the database agree with it."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from ingest.config import settings
from ingest.store import writer
from ingest.store.db import connection
from ingest.workbook import format as wf
from ingest.workbook.report import PROFILE_LABELS, SECTIONS, parse_report
from ingest.workbook.sheets import find_sheet, find_table, header_key, labelled_values, read_sheets
from stopdash.demo.names import HEADER_SYNONYMS, PROFILE_LABEL_SYNONYMS, SHEET_SYNONYMS
from stopdash.template import write_template

EXTRA_TEMPLATE_SHEETS = {"Instructions", "Lists"}  # the guide and the hidden dropdown lists: not part of the report


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_template(tmp_path_factory.mktemp("template") / "template.xlsx").read_bytes()


def test_the_template_has_exactly_the_formats_sheets_in_order(template: bytes) -> None:
    names = [s.name for s in read_sheets(template) if s.name not in EXTRA_TEMPLATE_SHEETS]
    assert names == [s.name for s in wf.SHEETS]


@pytest.mark.parametrize("sheet", wf.TABLE_SHEETS, ids=lambda s: s.key)
def test_the_reader_finds_exactly_the_formats_columns_in_the_template(template: bytes, sheet: wf.SheetFormat) -> None:
    found = find_sheet(read_sheets(template), SECTIONS[sheet.key].sheets)
    assert found is not None and found.name == sheet.name
    table = find_table(found, SECTIONS[sheet.key].columns)
    assert table is not None and table.header_row == 0 and table.unknown == []
    assert list(table.columns) == [c.field for c in sheet.columns]  # every column, in the format's order


def test_the_reader_finds_exactly_the_formats_profile_labels_in_the_template(template: bytes) -> None:
    profile = find_sheet(read_sheets(template), wf.PROFILE.names)
    assert profile is not None
    fields = [name for name, _r, _c, _v in labelled_values(profile, PROFILE_LABELS)]
    assert fields == [c.field for c in wf.PROFILE.columns if c.in_template]


def test_a_filled_in_template_reads_every_sheet_without_a_format_complaint(template: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    wb["Profile"]["B1"], wb["Profile"]["B2"] = "MN-T-001", "2025-Q1"
    out = io.BytesIO()
    wb.save(out)
    report = parse_report(out.getvalue(), "template.xlsx", settings())
    assert report.refusal is None and (report.subgrant_id, report.period) == ("MN-T-001", "2025-Q1")
    assert set(report.sections) == {s.key for s in wf.TABLE_SHEETS} and all(v is not None for v in report.sections.values())
    assert not [i for i in report.issues if i.code in {"missing_sheet", "missing_columns", "unknown_column"}]


def test_every_stored_column_exists_in_the_database(tmp_path: Path) -> None:
    with connection(tmp_path / "format.duckdb") as con:
        columns = set(con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall())
    stored = [(s.table, c.stored_as) for s in wf.SHEETS for c in s.columns if c.stored_as]
    assert stored and [pair for pair in stored if pair not in columns] == []


@pytest.mark.parametrize("sheet", wf.TABLE_SHEETS, ids=lambda s: s.key)
def test_the_writer_stores_the_formats_columns_in_the_formats_table(sheet: wf.SheetFormat) -> None:
    assert writer._TABLE_NAMES[sheet.key] == sheet.table
    assert [name for name, _ in writer._TABLES[sheet.key]] == [c.stored_as for c in sheet.columns if c.stored_as]


def test_the_format_declares_each_name_once() -> None:
    sheet_keys = [header_key(n).replace(" ", "") for s in wf.SHEETS for n in s.names]
    assert len(sheet_keys) == len(set(sheet_keys))
    for sheet in wf.SHEETS:
        keys = [header_key(n) for c in sheet.columns for n in c.names]
        assert len(keys) == len(set(keys)), sheet.name
        assert all(c.vocabulary for c in sheet.columns if c.kind in {wf.CHOICE, wf.CODE})


def test_every_spelling_the_demo_writes_is_read_as_the_sheet_or_column_meant() -> None:
    for canonical, spellings in SHEET_SYNONYMS.items():
        meant = wf.BY_NAME[canonical]
        for spelling in spellings:
            sheets = [s for s in wf.SHEETS if header_key(spelling).replace(" ", "") in {header_key(n).replace(" ", "") for n in s.names}]
            assert sheets == [meant], spelling
    headers = {c.header: c for s in wf.TABLE_SHEETS for c in s.columns}
    for canonical, spellings in HEADER_SYNONYMS.items():
        assert all(header_key(sp) in {header_key(n) for n in headers[canonical].names} for sp in spellings), canonical
    labels = {c.header: c for c in wf.PROFILE.columns}
    for canonical, spellings in PROFILE_LABEL_SYNONYMS.items():
        assert all(PROFILE_LABELS.get(header_key(sp)) == labels[canonical].field for sp in spellings), canonical


def test_a_sheet_new_to_the_format_gets_its_headers_and_checks_in_the_template() -> None:
    """A sheet added to the format alone: the template writes it with checks by kind, and the reader finds its columns."""
    from openpyxl import Workbook

    from ingest.workbook.sheets import Column
    from stopdash import template

    new = wf.SheetFormat(
        "trainings",
        "Trainings",
        ("Cross-training",),
        (
            wf.ColumnFormat("topic", "Training topic", ("Topic",), required=True, stored_as="topic"),
            wf.ColumnFormat("held_on", "Held on", kind=wf.DATE, stored_as="held_on"),
            wf.ColumnFormat("attendees", "Attendees", kind=wf.WHOLE, stored_as="attendees"),
            wf.ColumnFormat("cost", "Cost", kind=wf.MONEY, stored_as="cost"),
            wf.ColumnFormat("mandatory", "Mandatory", kind=wf.YES_NO, stored_as="mandatory"),
            wf.ColumnFormat("focus", "Focus", kind=wf.CHOICE, vocabulary=("Sexual assault", "Stalking"), stored_as="focus"),
        ),
        "training_row",
    )
    wb = Workbook()
    ws = template._generic_sheet(wb, template._Lists(wb.active), new)
    kinds = {str(dv.sqref).split(":")[0]: dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"B2": "date", "C2": "whole", "D2": "decimal", "E2": "list", "F2": "list"}
    assert ws["B2"].number_format == "yyyy-mm-dd" and ws["D2"].number_format == "$#,##0.00"
    out = io.BytesIO()
    wb.save(out)
    sheet = find_sheet(read_sheets(out.getvalue()), new.names)
    assert sheet is not None
    table = find_table(sheet, [Column(c.field, c.names, c.required) for c in new.columns])
    assert table is not None and list(table.columns) == [c.field for c in new.columns] and table.unknown == []
