"""The quarter arithmetic: ingest/quarters.py, and the SQL macros of the database that must agree with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import quarters as Q
from ingest.store.db import open_db

# Every quarter of 1999 to 2031 (year ends, a leap year's February, the turn of the century).
SPAN = [f"{y}-Q{q}" for y in range(1999, 2032) for q in range(1, 5)]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A real database with its schema, views and macros (created as every writer creates them)."""
    connection = open_db(tmp_path_factory.mktemp("quarters") / "q.duckdb")
    yield connection
    connection.close()


def sql_quarters(con: duckdb.DuckDBPyConnection, periods: list[str]) -> list[tuple[object, ...]]:
    """What the macros make of each quarter: index, label of the index, label of index ± 1, start, end."""
    return con.execute(
        """
        SELECT p, quarter_index(p), quarter_label(quarter_index(p)), quarter_label(quarter_index(p) - 1),
               quarter_label(quarter_index(p) + 1), quarter_start(p), quarter_end(p)
        FROM unnest(CAST(? AS VARCHAR[])) WITH ORDINALITY AS u(p, n) ORDER BY n
        """,
        [periods],
    ).fetchall()


def python_quarters(periods: list[str]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for p in periods:
        start, end = Q.quarter_bounds(p)
        out.append((p, Q.quarter_index(p), Q.quarter_label(Q.quarter_index(p)), Q.previous_quarter(p), Q.shift_quarter(p, 1), start, end))
    return out


def test_sql_macros_agree_with_python_on_every_quarter_of_three_decades(con: duckdb.DuckDBPyConnection) -> None:
    assert sql_quarters(con, SPAN) == python_quarters(SPAN)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1000, 9998), st.integers(1, 4)), min_size=1, max_size=40))
def test_sql_macros_agree_with_python_on_any_quarter(con: duckdb.DuckDBPyConnection, picks: list[tuple[int, int]]) -> None:
    periods = [f"{y}-Q{q}" for y, q in picks]
    assert sql_quarters(con, periods) == python_quarters(periods)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)), min_size=1, max_size=40))
def test_quarter_of_a_date_agrees_in_sql_and_python(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> None:
    found = con.execute("SELECT quarter_of(d) FROM unnest(CAST(? AS DATE[])) WITH ORDINALITY AS u(d, n) ORDER BY n", [days]).fetchall()
    assert [r[0] for r in found] == [Q.quarter_of(d) for d in days]


@pytest.mark.parametrize(
    ("period", "by", "expected"),
    [
        ("2025-Q4", 1, "2026-Q1"),
        ("2026-Q1", -1, "2025-Q4"),
        ("1999-Q4", 1, "2000-Q1"),
        ("2026-Q3", -7, "2024-Q4"),
        ("2026-Q3", 8, "2028-Q3"),
        ("2026-Q2", 0, "2026-Q2"),
    ],
)
def test_shifting_crosses_year_ends(period: str, by: int, expected: str) -> None:
    assert Q.shift_quarter(period, by) == expected
    assert Q.quarter_index(expected) - Q.quarter_index(period) == by


@pytest.mark.parametrize("period", SPAN)
def test_a_quarter_is_its_dates_exactly(period: str) -> None:
    start, end = Q.quarter_bounds(period)
    assert Q.quarter_of(start) == Q.quarter_of(end) == period
    assert Q.quarter_of(start - dt.timedelta(days=1)) == Q.previous_quarter(period)
    assert Q.quarter_of(end + dt.timedelta(days=1)) == Q.shift_quarter(period, 1)
    assert Q.quarter_from_dates(start, end) == period
    assert Q.quarter_from_dates(start, end - dt.timedelta(days=1)) is None
    assert Q.quarter_from_dates(start + dt.timedelta(days=1), end) is None


def test_quarter_list_runs_over_year_ends() -> None:
    assert Q.quarter_list("2025-Q3", 4) == [(2025, 3), (2025, 4), (2026, 1), (2026, 2)]
    assert Q.quarter_list("2026-Q1", 0) == []


def test_every_module_uses_the_one_definition() -> None:
    """The quarter functions other modules export are the ones of ingest/quarters.py, not copies."""
    from ingest.workbook import normalize
    from stopdash.demo import register
    from stopdash.queries import overview

    assert normalize.quarter_bounds is Q.quarter_bounds and normalize.shift_quarter is Q.shift_quarter
    assert normalize.quarter_of is Q.quarter_of and normalize.quarter_from_dates is Q.quarter_from_dates
    assert overview.quarter_index is Q.quarter_index and overview.quarter_label is Q.quarter_label
    assert overview.previous_quarter is Q.previous_quarter
    assert register.q_start is Q.quarter_start and register.q_end is Q.quarter_end and register.quarter_list is Q.quarter_list


def test_the_sql_keeps_no_copy_of_the_arithmetic() -> None:
    """Queries and views compute quarters through the macros, not by slicing 'YYYY-Qn' themselves."""
    root = Path(__file__).resolve().parents[1]
    sources = [root / "ingest/store/sql/views.sql", *sorted((root / "stopdash").rglob("*.py"))]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if path.name == "views.sql":
            text = text[text.index("CREATE OR REPLACE VIEW") :]  # after the macros themselves
        assert "AS INTEGER) * 4" not in text and "AS INTEGER) * 3" not in text, path
