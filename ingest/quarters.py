"""Calendar-quarter arithmetic: the one definition of a YYYY-Qn quarter, its dates and its neighbours.

A quarter is written ``2026-Q1``. Its *index* is a running number (consecutive quarters
differ by 1, across year ends). The SQL macros of ingest/store/sql/views.sql
(quarter_index, quarter_label, quarter_start, quarter_end, quarter_of) compute the same
things inside the database; tests/test_quarters.py checks that they agree with these.
Pure Python: no database here.
"""

from __future__ import annotations

import datetime as dt


def quarter_index(period: str) -> int:
    """'2025-Q3' → a running quarter number (consecutive quarters differ by 1)."""
    return int(period[:4]) * 4 + int(period[-1]) - 1


def quarter_label(index: int) -> str:
    """The YYYY-Qn quarter of a running quarter number (the inverse of :func:`quarter_index`)."""
    return f"{index // 4}-Q{index % 4 + 1}"


def shift_quarter(period: str, by: int) -> str:
    """The quarter *by* quarters after (or before, if negative) *period*."""
    return quarter_label(quarter_index(period) + by)


def previous_quarter(period: str) -> str:
    return shift_quarter(period, -1)


def year_quarter(period: str) -> tuple[int, int]:
    """'2026-Q3' → (2026, 3)."""
    return int(period[:4]), int(period[-1])


def quarter_start(year: int, q: int) -> dt.date:
    """First day of quarter *q* (1–4) of *year*."""
    return dt.date(year, 3 * q - 2, 1)


def quarter_end(year: int, q: int) -> dt.date:
    """Last day of quarter *q* (1–4) of *year*."""
    return (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(days=1)


def quarter_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a YYYY-Qn quarter."""
    year, q = year_quarter(period)
    return quarter_start(year, q), quarter_end(year, q)


def quarter_of(day: dt.date) -> str:
    """The YYYY-Qn quarter a date falls in."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_from_dates(start: dt.date, end: dt.date) -> str | None:
    """The quarter that *start*–*end* is exactly, or None when it is not exactly one quarter."""
    if start.month not in (1, 4, 7, 10) or start.day != 1:
        return None
    period = quarter_of(start)
    return period if quarter_bounds(period) == (start, end) else None


def quarter_list(first: str, n: int) -> list[tuple[int, int]]:
    """*n* consecutive quarters from *first*, as (year, quarter) pairs."""
    start = quarter_index(first)
    return [year_quarter(quarter_label(start + k)) for k in range(n)]
