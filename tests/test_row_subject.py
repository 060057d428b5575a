"""A problem in a Maturity or Survivor engagement row names the indicator or practice of that row, in words.

Generated variants: every indicator and practice row of the clean report, each given a bad value of several kinds,
in upper or lower case codes; a row whose code is not the template's says nothing of what was written there.
"""

from __future__ import annotations

import io
import random

import openpyxl
import pytest

from conftest import DATA
from ingest.config import settings
from ingest.vocab import INDICATORS, PRACTICES
from ingest.workbook.report import parse_report

BAD_SCORES = [7, 0, -2, "lots", "9 of 10", 2.5]
BAD_STATUSES = ["Sometimes", "42", "maybe later", "Half"]


def _edited(sheet: str, edits: dict[str, object]) -> bytes:
    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    for cell, value in edits.items():
        wb[sheet][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rows(sheet: str) -> list[tuple[int, str]]:
    ws = openpyxl.load_workbook(DATA / "clean-report.xlsx")[sheet]
    return [(r, str(ws.cell(r, 1).value)) for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]


CASES = [("Maturity", "B", INDICATORS, "indicator", BAD_SCORES), ("Survivor engagement", "B", PRACTICES, "practice", BAD_STATUSES)]


@pytest.mark.parametrize(("sheet", "column", "names", "kind", "bad"), CASES, ids=[c[0] for c in CASES])
def test_each_rows_problem_names_its_indicator_or_practice(sheet: str, column: str, names: dict[str, str], kind: str, bad: list) -> None:
    rng = random.Random(sheet)
    for r, code in _rows(sheet):
        value = rng.choice(bad)
        written = rng.choice([code, code.lower(), f" {code} "])
        report = parse_report(_edited(sheet, {f"A{r}": written, f"{column}{r}": value}), "bad-row.xlsx", settings())
        found = [i for i in report.issues if i.sheet == sheet and i.cell == f"{column}{r}"]
        assert len(found) == 1, (sheet, r, value, report.issues)
        assert f"for {kind} {code} ({names[code]})" in found[0].message, found[0].message


@pytest.mark.parametrize("written", ["Jane Doe", "C99", "row for M.", "S 12"])
def test_a_code_not_in_the_template_is_not_repeated(written: str) -> None:
    report = parse_report(_edited("Maturity", {"A4": written, "B4": 7}), "odd-code.xlsx", settings())
    messages = [i.message for i in report.issues if i.sheet == "Maturity" and i.cell and i.cell.endswith("4")]
    assert messages, report.issues
    assert not [m for m in messages if written in m and "for indicator" in m], messages
    assert not [m for m in messages if "for indicator" in m], "an unknown code names no indicator"
