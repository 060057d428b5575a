"""The confidentiality guard reads every element of every XML part: text planted as an element, an attribute, the
text after an element or an XML comment, in any part of a real workbook (the package's content types and links
included), refuses the file; and a part the guard has already seen clean, and remembers, is read again when one
byte of it differs."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import openpyxl
import pytest
from test_guard import label_variants, ssn_variants

from conftest import DATA, rows
from ingest.errors import FileRefused
from ingest.pipeline import archive_dir, ingest_paths
from ingest.workbook.guard import check_package
from ingest.workbook.privacy import has_ssn

CLEAN = (DATA / "clean-report.xlsx").read_bytes()
XML_PARTS = sorted(i.filename for i in zipfile.ZipFile(io.BytesIO(CLEAN)).infolist() if i.filename.endswith((".xml", ".rels")))
SHEETS = [p for p in XML_PARTS if p.startswith("xl/worksheets/")]


def _rewrite(data: bytes, part: str, edit) -> bytes:  # type: ignore[no-untyped-def]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, edit(body) if info.filename == part else body)
    return out.getvalue()


def _plant(body: bytes, how: str, text: str) -> bytes:
    """*text* put into an XML part as a new element's text, an attribute, the text after an element or a comment."""
    end = body.rfind(b"</")  # just inside the root element's end tag
    inserts = {
        "element": f'<n:note xmlns:n="urn:planted">{escape(text)}</n:note>',
        "attribute": f'<n:note xmlns:n="urn:planted" about={quoteattr(text)}/>',
        "text-after": f'<n:note xmlns:n="urn:planted"/>{escape(text)}',
        "comment": f"<!-- {text.replace('--', '- -')} -->",
    }
    return body[:end] + inserts[how].encode() + body[end:]


def _in_a_cell(body: bytes, how: str, text: str) -> bytes:
    """*text* put inside a sheet's first cell: as an attribute of the cell, or as text after its value."""
    start = body.index(b"<c ")
    if how == "cell-attribute":
        return body[: start + 3] + f"about={quoteattr(text)} ".encode() + body[start + 3 :]
    close = body.index(b"</c>", start)
    return body[:close] + escape(text).encode() + body[close:]


def _secrets(n: int, seed: int) -> list[str]:
    """Generated identifying labels and SSNs written with separators (the forms read in any text, attributes included)."""
    labels = label_variants(400, seed=seed)[::37][: n // 2]
    ssns = [s for s in ssn_variants(80, seed=seed) if has_ssn(s, bare=False)][: n - len(labels)]
    return labels + ssns


def _refused(data: bytes, secret: str) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        check_package(data)
    assert refused.value.code == "victim_identifying_data", (secret, refused.value.message)
    assert secret.strip() not in refused.value.message and not refused.value.keep_values
    return refused.value


@pytest.mark.parametrize("part", XML_PARTS)
def test_text_planted_anywhere_in_any_part_refuses_the_file_even_after_that_part_was_seen_clean(part: str) -> None:
    """An element, attribute, trailing text or comment planted in any XML part is refused, though the clean part was remembered."""
    check_package(CLEAN)  # the clean parts are now remembered as clean in this process
    for i, secret in enumerate(_secrets(8, seed=len(part))):
        how = ["element", "attribute", "text-after", "comment"][i % 4]
        _refused(_rewrite(CLEAN, part, lambda body, h=how, s=secret: _plant(body, h, s)), secret)
        check_package(CLEAN)  # and the clean file still passes


@pytest.mark.parametrize("sheet", SHEETS)
@pytest.mark.parametrize("how", ["cell-attribute", "cell-text-after-value"])
def test_text_planted_inside_a_cell_is_refused_naming_the_cell(sheet: str, how: str) -> None:
    """Text hidden inside a cell's XML (an attribute, text after its value) refuses the file, naming the sheet and cell."""
    for secret in _secrets(4, seed=len(sheet) + len(how)):
        refusal = _refused(_rewrite(CLEAN, sheet, lambda body, h=how, s=secret: _in_a_cell(body, h, s)), secret)
        assert " cell " in refusal.message and refusal.sheet, refusal.message


def test_one_changed_byte_in_a_remembered_part_is_read_again() -> None:
    """The theme, remembered as clean, is read again when a generated label replaces its name (same length or not)."""
    check_package(CLEAN)
    theme = next(p for p in XML_PARTS if "theme" in p)
    rng = random.Random(5)
    for secret in rng.sample(label_variants(300, seed=2), 6):
        data = _rewrite(CLEAN, theme, lambda body, s=secret: body.replace(b'name="Office Theme"', f"name={quoteattr(s)}".encode(), 1))
        assert data != CLEAN
        _refused(data, secret)


def _ssn_formatted(row: int) -> bytes:
    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    wb["Services"][f"F{row}"] = 123456789
    wb["Services"][f"F{row}"].number_format = "000-00-0000"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_remembered_styles_part_still_marks_its_ssn_format() -> None:
    """Two workbooks with the same styles (one of them Excel's SSN format): a number in that format refuses each of them."""
    for row in (3, 4, 5):  # the same styles part every time, remembered after the first
        with pytest.raises(FileRefused) as refused:
            check_package(_ssn_formatted(row))
        assert refused.value.code == "victim_identifying_data" and f"F{row}" in refused.value.message


def test_a_file_refused_for_its_content_types_keeps_nothing(db: Path, tmp_path: Path) -> None:
    """A label hidden in the package's list of content types refuses the file: no archive copy, no value in the database."""
    secret = label_variants(50, seed=4)[7]
    path = tmp_path / "content-types.xlsx"
    data = _rewrite(CLEAN, "[Content_Types].xml", lambda body: _plant(body, "attribute", secret))
    path.write_bytes(data)
    [outcome] = ingest_paths([path], db, workers=1).outcomes
    assert outcome.status == "rejected"
    [(code, message)] = rows(db, "SELECT code, message FROM ingest_issues WHERE source_file = ?", [path.name])
    assert code == "victim_identifying_data" and secret.strip() not in message
    assert not any(p.read_bytes() == data for p in archive_dir(db).iterdir())  # the register alone is archived
    assert secret.strip().encode() not in db.read_bytes()
