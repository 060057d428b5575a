"""Queries of the Leveraged funding, TA priorities and Data quality pages (engine side: no streamlit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from stopdash.queries.overview import SELECTED, Filters, read

ALL_QUARTERS = 10_000

# Funding rows within the last $span quarters up to the selected one.
_IN_SPAN = """
    fu.period <= $period
    AND quarter_index(fu.period) > quarter_index($period) - $span
"""


def _span(quarters: int | None) -> int:
    return ALL_QUARTERS if quarters is None else max(1, int(quarters))


# --- Leveraged funding --------------------------------------------------------------------------


def funding_by_type(db: Path, f: Filters, quarters: int | None = 1) -> pd.DataFrame:
    """Leveraged dollars by source type and form (cash / in-kind), over the last *quarters* quarters."""
    return read(
        db,
        SELECTED
        + """
        SELECT fu.source_type, fu.form, bool_or(fu.is_private) AS is_private,
               CAST(sum(fu.amount) AS DOUBLE) AS amount, count(DISTINCT fu.subgrant_id) AS communities
        FROM funding fu JOIN sel USING (subgrant_id)
        WHERE """
        + _IN_SPAN
        + """
        GROUP BY 1, 2 ORDER BY amount DESC
    """,
        f,
        span=_span(quarters),
    )


def funding_trend(db: Path, f: Filters) -> pd.DataFrame:
    """Private and public leveraged dollars per quarter, up to the selected one."""
    return read(
        db,
        SELECTED
        + """
        SELECT fu.period, CASE WHEN fu.is_private THEN 'Private' ELSE 'Public' END AS sector,
               CAST(sum(fu.amount) AS DOUBLE) AS amount
        FROM funding fu JOIN sel USING (subgrant_id)
        WHERE fu.period <= $period
        GROUP BY 1, 2 ORDER BY 1, 2
    """,
        f,
    )


def leverage_by_community(db: Path, f: Filters, quarters: int | None = 1) -> pd.DataFrame:
    """Per community: leveraged dollars over the span, its STOP award, and the leverage ratios."""
    return read(
        db,
        SELECTED
        + """
        , rep AS (
            SELECT c.subgrant_id FROM community_period c JOIN sel USING (subgrant_id)
            WHERE c.leveraged_total IS NOT NULL AND c.period <= $period
              AND quarter_index(c.period) > quarter_index($period) - $span
            GROUP BY 1
        ), lev AS (
            SELECT fu.subgrant_id, CAST(sum(fu.amount) AS DOUBLE) AS leveraged_total,
                   CAST(coalesce(sum(fu.amount) FILTER (WHERE fu.is_private), 0) AS DOUBLE) AS leveraged_private
            FROM funding fu JOIN sel USING (subgrant_id)
            WHERE """
        + _IN_SPAN
        + """
            GROUP BY 1
        )
        SELECT s.subgrant_id, s.community, s.allocation_category, CAST(s.award_amount AS DOUBLE) AS award_amount,
               coalesce(l.leveraged_total, 0) AS leveraged_total, coalesce(l.leveraged_private, 0) AS leveraged_private,
               coalesce(l.leveraged_total, 0) / nullif(CAST(s.award_amount AS DOUBLE), 0) AS leverage_ratio,
               coalesce(l.leveraged_private, 0) / nullif(CAST(s.award_amount AS DOUBLE), 0) AS private_ratio
        FROM rep JOIN sel s USING (subgrant_id) LEFT JOIN lev l USING (subgrant_id)
        ORDER BY leverage_ratio DESC NULLS LAST, s.community
    """,
        f,
        span=_span(quarters),
    )


def top_funders(db: Path, f: Filters, quarters: int | None = 1, limit: int = 15) -> pd.DataFrame:
    """The largest funders (by source name) over the span, with how many communities each supports."""
    return read(
        db,
        SELECTED
        + """
        SELECT fu.source, any_value(fu.source_type) AS source_type,
               string_agg(DISTINCT fu.form, ' and ' ORDER BY fu.form) AS form, bool_or(fu.is_private) AS is_private,
               CAST(sum(fu.amount) AS DOUBLE) AS amount, count(DISTINCT fu.subgrant_id) AS communities
        FROM funding fu JOIN sel USING (subgrant_id)
        WHERE """
        + _IN_SPAN
        + """
        GROUP BY 1 ORDER BY amount DESC, fu.source LIMIT $limit
    """,
        f,
        span=_span(quarters),
        limit=limit,
    )


# --- TA priorities ------------------------------------------------------------------------------


# An award has ended when its end date falls before the portfolio's reporting quarter: it owes no report for that
# quarter or any after it, so it is neither "behind on reports" nor ranked for TA (help cannot reach it any more).
# Ranks are competition ranks (1, 2, 2, 4): communities with equal need scores share a place, and *_tied says
# how many share it. The statewide and region ranks are over every award still running, whatever the filters.
TA_RANKS = """
, rq AS (SELECT max(period) AS period FROM reporting_quarter)
, ta_all AS (
    SELECT t.subgrant_id, t.need_score, a.end_date,
           coalesce(a.end_date < quarter_start((SELECT period FROM rq)), false) AS ended
    FROM ta_priority t JOIN awards a USING (subgrant_id)
), running AS (SELECT * FROM ta_all WHERE NOT ended)
, state_rank AS (
    SELECT subgrant_id, rank() OVER (ORDER BY need_score DESC) AS state_rank,
           count(*) OVER (PARTITION BY need_score) AS state_tied, count(*) OVER () AS state_of
    FROM running
), region_rank AS (
    SELECT subgrant_id, region, rank() OVER (PARTITION BY region ORDER BY need_score DESC) AS region_rank,
           count(*) OVER (PARTITION BY region, need_score) AS region_tied, count(*) OVER (PARTITION BY region) AS region_of
    FROM (SELECT DISTINCT r.subgrant_id, r.need_score, k.region
          FROM running r JOIN award_counties ac USING (subgrant_id) JOIN counties k USING (county_fips))
), region_ranks AS (
    SELECT subgrant_id, list(struct_pack(region := region, rank := region_rank, tied := region_tied, of := region_of)
                             ORDER BY region) AS region_ranks
    FROM region_rank GROUP BY 1
)
"""


def ordinal(n: int) -> str:
    """1 → '1st', 2 → '2nd', 11 → '11th', 23 → '23rd'."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def place(rank: Any, tied: Any) -> str:
    """A rank in words: '3rd', or 'tied 3rd' when more than one community shares it; '' when not ranked."""
    if rank is None or pd.isna(rank):
        return ""
    shared = tied is not None and not pd.isna(tied) and int(tied) > 1
    return ("tied " if shared else "") + ordinal(int(rank))


def ta_priorities(db: Path, f: Filters) -> pd.DataFrame:
    """The ta_priority ranking for the selected subgrants, highest need first, with where each community is
    and how its maturity moved between its last two reports.

    Awards that have ended (``ended``; see TA_RANKS) come last, unranked (``rank`` is NULL). ``rank`` ranks the
    running awards of the selection (``place`` says it in words, ties as "tied 3rd"); ``statewide`` is the place
    among every running award in the state ("8th of 90"). ``behind`` marks running awards whose latest accepted
    report is older than the reporting quarter (or that have none).
    """
    df = read(
        db,
        SELECTED
        + TA_RANKS
        + """
        , geo AS (
            SELECT ac.subgrant_id, string_agg(DISTINCT ac.county_name, ', ' ORDER BY ac.county_name) AS counties,
                   string_agg(DISTINCT k.region, ', ' ORDER BY k.region) AS regions
            FROM award_counties ac JOIN counties k USING (county_fips) GROUP BY 1
        ), last2 AS (
            SELECT subgrant_id, maturity_score,
                   row_number() OVER (PARTITION BY subgrant_id ORDER BY period DESC) AS k
            FROM community_period
        ), picked AS (
            SELECT t.*, x.ended, x.end_date FROM ta_priority t JOIN sel USING (subgrant_id) JOIN ta_all x USING (subgrant_id)
        )
        SELECT CASE WHEN NOT t.ended THEN rank() OVER (PARTITION BY t.ended ORDER BY t.need_score DESC) END AS rank,
               CASE WHEN NOT t.ended THEN count(*) OVER (PARTITION BY t.ended, t.need_score) END AS tied,
               t.subgrant_id, t.community, s.allocation_category, g.counties, g.regions,
               t.period AS latest_report, t.need_score, len(t.reasons) AS reason_count,
               array_to_string(t.reasons, '; ') AS reasons, t.reasons AS reason_list,
               round(a.maturity_score - b.maturity_score, 2) AS maturity_change,
               t.ended, t.end_date,
               NOT t.ended AND (t.period IS NULL OR t.period < (SELECT period FROM rq)) AS behind,
               sr.state_rank, sr.state_tied, sr.state_of
        FROM picked t
        JOIN sel s USING (subgrant_id)
        LEFT JOIN geo g USING (subgrant_id)
        LEFT JOIN last2 a ON a.subgrant_id = t.subgrant_id AND a.k = 1
        LEFT JOIN last2 b ON b.subgrant_id = t.subgrant_id AND b.k = 2
        LEFT JOIN state_rank sr ON sr.subgrant_id = t.subgrant_id
        ORDER BY t.ended, t.need_score DESC, t.community, t.subgrant_id
    """,
        f,
    )
    df["rank"] = df["rank"].astype("Int64")
    df["place"] = [place(r, t) for r, t in zip(df["rank"], df["tied"], strict=True)]
    df["statewide"] = [
        f"{place(r, t)} of {int(n)}" if not pd.isna(r) else ""
        for r, t, n in zip(df["state_rank"], df["state_tied"], df["state_of"], strict=True)
    ]
    return df


# --- Data quality -------------------------------------------------------------------------------


def submissions_by_status(db: Path, f: Filters) -> pd.DataFrame:
    """Files received per quarter and status, up to the selected quarter."""
    return read(
        db,
        SELECTED
        + """
        SELECT su.period, su.status, count(*) AS files
        FROM submissions su JOIN sel USING (subgrant_id)
        WHERE su.period <= $period
        GROUP BY 1, 2 ORDER BY 1, 2
    """,
        f,
    )


def unmatched_files(db: Path) -> pd.DataFrame:
    """Files that could not be tied to a subgrant or a quarter (they match no filter)."""
    return read(
        db,
        """
        SELECT su.submission_id, su.source_file, su.ingested_at, su.status, su.error_count,
               (SELECT string_agg(i.message, ' ') FROM ingest_issues i
                WHERE i.submission_id = su.submission_id AND i.severity = 'error') AS reason
        FROM submissions su
        WHERE su.subgrant_id IS NULL OR su.period IS NULL
        ORDER BY su.ingested_at DESC, su.submission_id DESC
    """,
    )


def missing_reports(db: Path, f: Filters, *, all_quarters: bool = False) -> pd.DataFrame:
    """Reports owed (the subgrant's award dates cover the quarter) but not accepted, newest first.

    ``last_file`` says what became of the latest file sent for that quarter, if any.
    """
    return read(
        db,
        SELECTED
        + """
        , sent AS (
            SELECT subgrant_id, period, arg_max(status, ingested_at) AS last_file, count(*) AS files
            FROM submissions WHERE subgrant_id IS NOT NULL GROUP BY 1, 2
        )
        SELECT e.period, e.subgrant_id, e.community, e.allocation_category, e.award_year,
               coalesce(sent.last_file, 'nothing received') AS last_file, coalesce(sent.files, 0) AS files_sent
        FROM expected_reports e JOIN sel USING (subgrant_id)
        LEFT JOIN sent ON sent.subgrant_id = e.subgrant_id AND sent.period = e.period
        WHERE NOT e.received AND (e.period = $period OR ($all AND e.period <= $period))
        ORDER BY e.period DESC, e.community
    """,
        f,
        all=all_quarters,
    )


def issues(db: Path, f: Filters, *, all_quarters: bool = False, severities: tuple[str, ...] = ("error", "warning")) -> pd.DataFrame:
    """Problems found in files for the selected quarter (or all up to it): file, sheet, cell, message.

    Files that could not be tied to a subgrant are included only when no filter narrows the portfolio.
    """
    return read(
        db,
        SELECTED
        + """
        SELECT su.period, su.subgrant_id, s.community, i.source_file, su.status, i.sheet, i.cell,
               i.severity, i.code, i.message, su.ingested_at
        FROM ingest_issues i
        JOIN submissions su USING (submission_id)
        LEFT JOIN sel s ON s.subgrant_id = su.subgrant_id
        WHERE list_contains(CAST($severities AS VARCHAR[]), i.severity)
          AND (s.subgrant_id IS NOT NULL OR ((su.subgrant_id IS NULL OR su.period IS NULL) AND NOT $narrowed))
          AND (su.period IS NULL OR su.period = $period OR ($all AND su.period <= $period))
          AND su.status <> 'superseded'
        ORDER BY i.severity, su.period DESC NULLS FIRST, i.source_file, i.sheet, i.cell
    """,
        f,
        all=all_quarters,
        severities=list(severities),
        narrowed=f.narrowed,
    )


def audit_log(db: Path, action: str | None = None, limit: int = 2000) -> pd.DataFrame:
    """The newest audit rows (who did what, when, with what result), optionally of one action."""
    return read(
        db,
        """
        SELECT occurred_at, who, action, target, sha256, detail, result FROM audit_log
        WHERE $action IS NULL OR action = $action
        ORDER BY occurred_at DESC LIMIT $limit
    """,
        action=action,
        limit=limit,
    )
