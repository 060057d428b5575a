"""The Federal reporting page's queries: one calendar year of the federal views, display-ready.

Read from the public views federal_awards, allocation_ledger, report_timeliness, match_status,
federal_deadlines and the impact_status table. The subgrants of a year are those whose dates overlap
it or whose reports cover a quarter of it (as the federal workbook, stopdash/exports/federal.py).
Each function takes the database path first, so the dashboard's cache (dashboard/session.load) can
call it; none writes (the IMPACT Tool status is written by ingest/store/impact.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stopdash.queries.overview import read

STATUS_WORDS = {"on time": "On time", "late": "Late", "missing": "Missing", "not yet due": "Not yet due"}
DEADLINE_WORDS = {**STATUS_WORDS, "submitted": "Submitted", "due date passed": "Due date passed"}

# The subgrants of calendar year $year (a CTE body, used by several queries below).
_SCOPE = """
    SELECT subgrant_id FROM awards
    WHERE coalesce(start_date, DATE '0001-01-01') <= make_date($year, 12, 31)
      AND coalesce(end_date, DATE '9999-12-31') >= make_date($year, 1, 1)
    UNION SELECT subgrant_id FROM calendar_year_subgrant WHERE calendar_year = $year
"""


def calendar_years(db: Path) -> list[int]:
    """Calendar years the data covers (a subgrant runs in it or a report covers it), newest first."""
    df = read(
        db,
        """
        SELECT DISTINCT y FROM awards, range(year(start_date), year(end_date) + 1) AS r(y)
        WHERE start_date IS NOT NULL AND end_date IS NOT NULL
        UNION SELECT calendar_year FROM calendar_year_subgrant
        ORDER BY 1 DESC""",
    )
    return [int(y) for y in df.iloc[:, 0]]


def federal_awards(db: Path, year: int) -> pd.DataFrame:
    """Funds awarded and returned per federal award of the year (Administrator report 6A); unknown awards last."""
    return read(
        db,
        f"""
        WITH scope AS ({_SCOPE})
        SELECT coalesce(f.federal_award_number, '(no federal award number)') AS federal_award_number,
               f.federal_fiscal_year, f.award_amount, f.admin_share, f.subgrants, f.subawarded, f.returned, f.unobligated,
               f.known
        FROM federal_awards f
        WHERE f.federal_award_number IN (SELECT federal_award_number FROM awards WHERE subgrant_id IN (SELECT subgrant_id FROM scope))
           OR (f.known AND coalesce(f.period_start, DATE '0001-01-01') <= make_date($year, 12, 31)
               AND coalesce(f.period_end, DATE '9999-12-31') >= make_date($year, 1, 1))
        ORDER BY NOT f.known, f.federal_award_number""",
        year=year,
    )


def ledger(db: Path, year: int) -> pd.DataFrame:
    """The allocation ledger of each federal award of the year, checks not met first; met in words."""
    df = read(
        db,
        f"""
        WITH scope AS ({_SCOPE}),
        mine AS (SELECT DISTINCT federal_award_number FROM awards WHERE subgrant_id IN (SELECT subgrant_id FROM scope))
        SELECT l.federal_award_number, l."check", l.kind, l.required_dollars, l.actual_dollars, l.met,
               l.dollars_short_or_over, l.required_with_admin_dollars, l.met_with_admin
        FROM allocation_ledger l JOIN mine USING (federal_award_number)
        ORDER BY l.federal_award_number, l.met NULLS FIRST, l.dollars_short_or_over""",
        year=year,
    )
    df["met"] = df["met"].map(_met_words)
    df["met_with_admin"] = df["met_with_admin"].map(_met_words)
    return df


def _met_words(value: object) -> str:
    if value is True:
        return "Met"
    if value is False:
        return "Not met"
    return "Not known"


def timeliness(db: Path, year: int) -> pd.DataFrame:
    """Every quarterly report owed in the year: due, received, days late, status in words; late and missing first."""
    df = read(
        db,
        f"""
        WITH scope AS ({_SCOPE})
        SELECT t.subgrant_id, a.organization, t.period, t.due_on, t.received_on, t.days_late, t.status
        FROM report_timeliness t JOIN awards a USING (subgrant_id)
        WHERE left(t.period, 4) = CAST($year AS VARCHAR) AND t.subgrant_id IN (SELECT subgrant_id FROM scope)
        ORDER BY CASE t.status WHEN 'missing' THEN 0 WHEN 'late' THEN 1 WHEN 'not yet due' THEN 2 ELSE 3 END,
                 t.days_late DESC NULLS LAST, t.subgrant_id, t.period""",
        year=year,
    )
    df["status"] = df["status"].map(lambda s: STATUS_WORDS.get(s, s))
    return df


def timeliness_counts(df: pd.DataFrame) -> dict[str, int]:
    """How many reports of *df* (timeliness) are on time, late, missing and not yet due."""
    return {word: int((df["status"] == word).sum()) for word in STATUS_WORDS.values()}


def match_shortfalls(db: Path, year: int) -> pd.DataFrame:
    """Subgrants of the year whose documented match falls short of what the register requires, largest gap first."""
    return read(
        db,
        f"""
        WITH scope AS ({_SCOPE})
        SELECT m.subgrant_id, a.organization, m.award_year, m.match_required, m.documented, m.short_by
        FROM match_status m JOIN awards a USING (subgrant_id)
        WHERE NOT m.met AND m.subgrant_id IN (SELECT subgrant_id FROM scope)
        ORDER BY m.short_by DESC, m.subgrant_id""",
        year=year,
    )


def deadlines(db: Path, year: int) -> pd.DataFrame:
    """The federal calendar of the year (state dates and each subgrant's), soonest first; status in words."""
    df = read(
        db,
        """
        SELECT due_on, deadline, what, subgrant_id, status FROM federal_deadlines
        WHERE calendar_year = $year ORDER BY due_on, deadline, subgrant_id NULLS FIRST""",
        year=year,
    )
    df["subgrant_id"] = df["subgrant_id"].fillna("The state")
    df["status"] = df["status"].map(lambda s: DEADLINE_WORDS.get(s, s) if isinstance(s, str) else "Not known")
    return df


def next_due(df: pd.DataFrame) -> pd.DataFrame:
    """The deadlines of *df* (deadlines) not yet due, on the soonest date still ahead."""
    ahead = df[df["status"] == "Not yet due"]
    return ahead[ahead["due_on"] == ahead["due_on"].min()] if not ahead.empty else ahead


def impact_statuses(db: Path, year: int) -> pd.DataFrame:
    """Each subgrant of the year with its IMPACT Tool dates and point-of-contact e-mail (blank where none entered)."""
    return read(
        db,
        f"""
        WITH scope AS ({_SCOPE})
        SELECT a.subgrant_id, a.organization, i.link_sent_on, i.started_on, i.submitted_on, i.contact_email,
               i.updated_at, i.updated_by
        FROM awards a JOIN subgrant g USING (subgrant_id)
        LEFT JOIN impact_status i ON i.subgrant_key = g.subgrant_key AND i.calendar_year = $year
        WHERE a.subgrant_id IN (SELECT subgrant_id FROM scope)
        ORDER BY a.subgrant_id""",
        year=year,
    )
