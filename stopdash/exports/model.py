"""The shapes the summary writers share: a Sheet (one table) and the Summary (all of them, with context)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ingest.vocab import PRACTICES

# Column kinds the writers format: year, money ($), share (%), int, people (suppressed counts), score, ratio,
# date, text, long (wrapped text).
Kinds = dict[str, str]

PRACTICE_SHORT = {
    "S1": "Survivors paid",
    "S2": "Advisory group",
    "S3": "Help write protocols",
    "S4": "Confidential feedback",
    "S5": "Input changed practice",
    "S6": "Peer support",
    "S7": "Participation supported",
    "S8": "Leadership roles",
}
assert set(PRACTICE_SHORT) == set(PRACTICES)


@dataclass
class Sheet:
    """One table of the summary: a sheet in xlsx, a file in csv, a section in html."""

    name: str
    title: str
    subtitle: str
    frame: pd.DataFrame
    kinds: Kinds
    total_rows: set[int] = field(default_factory=set)  # positions of total rows (drawn bold)
    freeze_cols: int = 0


@dataclass
class Summary:
    state_name: str
    year: int | None
    years: list[int]
    period: str | None
    as_of: dt.datetime | None
    generated: dt.datetime
    threshold: int
    sheets: list[Sheet]
    checks: pd.DataFrame  # allocation_checks, for the html brief
    headline: dict[str, Any]

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)


def make_frame(records: list[dict[str, Any]], kinds: Kinds) -> pd.DataFrame:
    """Object columns, so that numbers, suppressed-count texts and blanks can share a column."""

    def cell(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and v != v) else v

    return pd.DataFrame({c: pd.Series([cell(r.get(c)) for r in records], dtype=object) for c in kinds})


def scope_filter(year: int | None) -> tuple[str, list[Any]]:
    return "(CAST(? AS INTEGER) IS NULL OR award_year = ?)", [year, year]
