"""The check of parsed reports against the award register, before anything is stored.

:func:`check_register` is pure: a parsed report and the register's subgrants in, the
register's findings and the report as it is to be stored out; the report passed in
is left as it was. The pipeline reads the register once per batch (:func:`read_awards`,
before the write transaction starts), checks every report, then hands the checked
reports to the writer, which only writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.errors import FileRefused
from ingest.workbook.normalize import odd_characters, quarter_bounds
from ingest.workbook.report import Issue, ParsedReport

if TYPE_CHECKING:
    import duckdb

# The register's subgrants, in one query (subgrant_key is the Subgrant ID trimmed and in lower case).
AWARDS_SQL = "SELECT subgrant_key, subgrant_id, start_date, end_date FROM subgrant"


@dataclass(frozen=True)
class Award:
    """One subgrant of the award register, as the check of a progress report needs it."""

    subgrant_id: str  # as the register writes it
    start: dt.date
    end: dt.date


def register_key(subgrant_id: str) -> str:
    """How a Subgrant ID is matched to the register: surrounding spaces and case ignored."""
    return subgrant_id.strip().lower()


def awards_from_rows(rows: Iterable[tuple[str, str, dt.date, dt.date]]) -> dict[str, Award]:
    """The register by key, from rows of :data:`AWARDS_SQL` (key, Subgrant ID, start date, end date)."""
    return {key: Award(sid, start, end) for key, sid, start, end in rows}


def read_awards(con: duckdb.DuckDBPyConnection) -> dict[str, Award]:
    """The register's subgrants, read in one query (outside any write transaction)."""
    return awards_from_rows(con.execute(AWARDS_SQL).fetchall())


@dataclass(frozen=True)
class Checked:
    """A report as it is to be stored, and what the register check found in it (empty when it passed)."""

    report: ParsedReport
    issues: list[Issue]


def check_register(report: ParsedReport, awards: Mapping[str, Award]) -> Checked:
    """Refuse a report whose subgrant is unknown or whose quarter misses the award's dates.

    The returned report also carries the Subgrant ID as the register writes it
    (``registered_id``) whenever the register knows the ID, refused or not.
    """
    award = awards.get(register_key(report.subgrant_id or ""))
    checked = dataclasses.replace(report, registered_id=award.subgrant_id if award else None)
    if report.refusal or report.subgrant_id is None or report.period is None:
        return Checked(checked, [])
    refusal = _refusal(report.subgrant_id, report.period, award)
    if refusal is None:
        return Checked(checked, [])
    checked.refuse(refusal)  # a copy: the report passed in keeps its rows and issues
    return Checked(checked, list(checked.issues))


def check_batch(reports: Iterable[ParsedReport], awards: Mapping[str, Award]) -> list[Checked]:
    """:func:`check_register` for each report, in order."""
    return [check_register(report, awards) for report in reports]


def _refusal(subgrant_id: str, period: str, award: Award | None) -> FileRefused | None:
    if award is None:
        odd = odd_characters(subgrant_id)
        return FileRefused(
            "unknown_subgrant",
            f"Subgrant ID '{subgrant_id}' is not in the award register. "
            + (f"It contains {', '.join(odd)}, which may look like an ordinary letter or sign but is not; retype the ID. " if odd else "")
            + "Check it against your award letter; if it is right, ask the state to load the current register.",
        )
    q_start, q_end = quarter_bounds(period)
    if q_end < award.start or q_start > award.end:
        return FileRefused(
            "period_outside_award",
            f"The reporting period {period} is outside subgrant {award.subgrant_id}'s "
            f"dates ({award.start:%m/%d/%Y} to {award.end:%m/%d/%Y}). Check the period on the Profile sheet.",
        )
    return None
