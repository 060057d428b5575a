"""Property tests: arbitrary cell contents only ever become values or issues, never a crash."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.config import settings as stopdash_settings
from ingest.workbook import normalize as n
from ingest.workbook.report import SECTIONS, parse_report

cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(
        [
            "$12,500.00",
            "Q1 2026",
            "Step 4",
            "Coalition",
            "yes",
            "X",
            "(651) 555-0142",
            "=SUM(A1)",
            "Total",
            "C3",
            "S9",
            "\u00a0",
            "٣",
            "🙂",
            "שלום",
            "Law enforcement",
            "In place",
        ]
    ),
)

PARSERS = [n.parse_money, n.parse_whole, n.parse_yes_no, n.parse_date, n.parse_quarter, n.parse_score, n.parse_step, n.clean_text]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(value=cells)
def test_normalizers_return_a_value_or_raise_cell_problem(parser, value: object) -> None:
    """Every normalizer returns a value or None, or raises CellProblem, for any cell content."""
    try:
        parser(value)
    except n.CellProblem as e:
        problem = e
    else:
        return
    assert problem.code
    assert problem.rule


def workbook_bytes(profile: list[list[object]], tables: dict[str, list[list[object]]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Profile"
    for row in profile:
        ws.append(row)
    for name, table in tables.items():
        sheet = wb.create_sheet(name)
        for row in table:
            sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _safe(value: object) -> object:
    # openpyxl itself refuses control characters and some floats; the property is about our reader.
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable() or ch == " ") or None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    return value


rows_of_cells = st.lists(st.lists(cells.map(_safe), min_size=1, max_size=6), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile_values=st.lists(cells.map(_safe), min_size=2, max_size=2),
    body=rows_of_cells,
    sheet=st.sampled_from([spec.sheets[0] for spec in SECTIONS.values()]),
)
def test_any_cells_in_the_template_layout_end_as_values_or_issues(
    profile_values: list[object], body: list[list[object]], sheet: str
) -> None:
    """A workbook with arbitrary cells under the template's headers parses without an exception."""
    spec = next(s for s in SECTIONS.values() if s.sheets[0] == sheet)
    header = [c.names[0] for c in spec.columns]
    data = workbook_bytes([["Subgrant ID", profile_values[0]], ["Reporting period", profile_values[1]]], {sheet: [header, *body]})
    report = parse_report(data, "random.xlsx", stopdash_settings())
    if report.refusal is None:
        assert report.subgrant_id and report.period
        for issue in report.issues:
            assert issue.severity in ("error", "warning") and issue.code and issue.message
    else:
        assert report.issues and report.issues[0].severity == "error"
