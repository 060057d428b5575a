"""Queries of the Collaboration, Protocols and Survivor engagement pages (engine side: no streamlit).

Snapshots are for the selected quarter (``$period``); trends run up to it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.config import settings
from ingest.vocab import ESSENTIAL_DISCIPLINES, TRIBAL_DISCIPLINE
from stopdash.queries.overview import SELECTED, Filters, read, shown_people, survivors_per_quarter

# --- Collaboration ------------------------------------------------------------------------------


def maturity_levels(db: Path, f: Filters) -> pd.DataFrame:
    """Communities at each Levels-of-Collaboration level, per quarter up to the selected one."""
    return read(
        db,
        SELECTED
        + """
        SELECT c.period, coalesce(c.maturity_level, 'Not scored') AS level, count(*) AS communities
        FROM community_period c JOIN sel USING (subgrant_id)
        WHERE c.period <= $period
        GROUP BY ALL ORDER BY ALL
    """,
        f,
    )


def indicator_scores(db: Path, f: Filters) -> pd.DataFrame:
    """Each reporting community's C1-C10 scores in the selected quarter, with its mean."""
    return read(
        db,
        SELECTED
        + """
        SELECT m.subgrant_id, s.community, m.indicator_code, m.score,
               avg(m.score) OVER (PARTITION BY m.subgrant_id) AS mean_score
        FROM maturity_scores m JOIN sel s USING (subgrant_id)
        WHERE m.period = $period
        ORDER BY mean_score, s.community, m.subgrant_id, CAST(substr(m.indicator_code, 2) AS INTEGER)
    """,
        f,
    )


def partners_at_table(db: Path, f: Filters) -> pd.DataFrame:
    """Partners per community and discipline in the selected quarter (and how many signed an MOU)."""
    return read(
        db,
        SELECTED
        + """
        SELECT p.subgrant_id, s.community, p.discipline, count(*) AS partners,
               count(*) FILTER (WHERE p.mou_signed) AS mous_signed
        FROM partners p JOIN sel s USING (subgrant_id)
        WHERE p.period = $period
        GROUP BY ALL ORDER BY s.community, p.subgrant_id, p.discipline
    """,
        f,
    )


def essential_missing(db: Path, f: Filters) -> pd.DataFrame:
    """Reporting communities missing at least one essential discipline in the selected quarter."""
    return read(
        db,
        SELECTED
        + """
        SELECT c.subgrant_id, c.community, c.essential_missing,
               len(string_split(c.essential_missing, '; ')) AS missing_count, c.disciplines_present
        FROM community_period c JOIN sel USING (subgrant_id)
        WHERE c.period = $period AND c.essential_missing <> ''
        ORDER BY missing_count DESC, c.community
    """,
        f,
    )


def essential_missing_by_discipline(db: Path, f: Filters) -> pd.DataFrame:
    """For each essential discipline: how many reporting communities have no partner from it."""
    df = read(
        db,
        SELECTED
        + """
        SELECT u.discipline, count(*) AS communities
        FROM community_period c JOIN sel USING (subgrant_id), unnest(string_split(c.essential_missing, '; ')) AS u(discipline)
        WHERE c.period = $period AND c.essential_missing <> ''
        GROUP BY 1
    """,
        f,
    )
    base = read(
        db,
        SELECTED
        + """
        SELECT count(*) AS n FROM community_period c JOIN sel USING (subgrant_id)
        WHERE c.period = $period AND c.essential_missing IS NOT NULL
    """,
        f,
    )["n"].iloc[0]
    if df.empty:
        return df.assign(share=pd.Series(dtype="float64"), reporting=pd.Series(dtype="int64"))
    order = {d: i for i, d in enumerate([*ESSENTIAL_DISCIPLINES, TRIBAL_DISCIPLINE])}
    df["share"] = df["communities"] / base if base else None
    df["reporting"] = int(base)
    return df.sort_values("discipline", key=lambda s: s.map(lambda d: order.get(d, 99))).reset_index(drop=True)


def maturity_changes(db: Path, f: Filters) -> pd.DataFrame:
    """Change in each community's maturity score from the previous quarter to the selected one."""
    return read(
        db,
        SELECTED
        + """
        SELECT now.subgrant_id, now.community, before.maturity_score AS before, now.maturity_score AS after,
               round(now.maturity_score - before.maturity_score, 2) AS change,
               before.maturity_level AS level_before, now.maturity_level AS level_after
        FROM community_period now
        JOIN sel USING (subgrant_id)
        JOIN community_period before ON before.subgrant_id = now.subgrant_id AND before.period = $prev_period
        WHERE now.period = $period AND now.maturity_score IS NOT NULL AND before.maturity_score IS NOT NULL
        ORDER BY change DESC, now.community
    """,
        f,
    )


# --- Protocols ----------------------------------------------------------------------------------


def protocol_steps(db: Path, f: Filters) -> pd.DataFrame:
    """Protocols at each of the 8 steps (and not started), by focus, in the selected quarter."""
    return read(
        db,
        SELECTED
        + """
        SELECT p.step, p.step_name, coalesce(p.focus, 'Not stated') AS focus, count(*) AS protocols
        FROM protocols p JOIN sel USING (subgrant_id)
        WHERE p.period = $period
        GROUP BY ALL ORDER BY p.step, focus
    """,
        f,
    )


def protocols_stalled(db: Path, f: Filters, *, min_quarters: int | None = None, below_step: int | None = None) -> pd.DataFrame:
    """Protocols (reported in the selected quarter) that have stayed at one step below *below_step*
    for at least *min_quarters* consecutive quarters ending with it (both default to the TA rule's settings)."""
    rule = settings().ta_rules.protocol_stalled
    return read(
        db,
        SELECTED
        + """
        , pr AS (
            SELECT p.subgrant_id, s.community, p.protocol, p.focus, p.period, p.step, p.step_name,
                   quarter_index(p.period) AS qi
            FROM protocols p JOIN sel s USING (subgrant_id)
            WHERE p.period <= $period
        ), br AS (
            SELECT *, CASE WHEN step = lag(step) OVER w AND qi = lag(qi) OVER w + 1 THEN 0 ELSE 1 END AS new_run
            FROM pr WINDOW w AS (PARTITION BY subgrant_id, protocol ORDER BY qi)
        ), rn AS (
            SELECT *, sum(new_run) OVER (PARTITION BY subgrant_id, protocol ORDER BY qi) AS run_id FROM br
        ), last_run AS (
            SELECT subgrant_id, protocol, max(run_id) AS run_id, max(period) AS last_period FROM rn GROUP BY ALL
        )
        SELECT r.subgrant_id, any_value(r.community) AS community, r.protocol, any_value(r.focus) AS focus,
               any_value(r.step) AS step, any_value(r.step_name) AS step_name,
               count(*) AS quarters, min(r.period) AS since
        FROM rn r JOIN last_run l USING (subgrant_id, protocol, run_id)
        WHERE l.last_period = $period
        GROUP BY r.subgrant_id, r.protocol
        HAVING count(*) >= $min_quarters AND any_value(r.step) < $below_step
        ORDER BY quarters DESC, step, community
    """,
        f,
        min_quarters=rule.min_quarters if min_quarters is None else min_quarters,
        below_step=rule.below_step if below_step is None else below_step,
    )


def protocols_overdue(db: Path, f: Filters, *, months: int | None = None) -> pd.DataFrame:
    """Adopted protocols (step 5+) in the selected quarter not reviewed in the *months* before its end
    (by default the TA rule's review period)."""
    return read(
        db,
        SELECTED
        + """
        SELECT p.subgrant_id, s.community, p.protocol, p.focus, p.step, p.step_name, p.adopted_on, p.last_reviewed_on,
               date_diff('month', coalesce(p.last_reviewed_on, p.adopted_on), $q_end) AS months_since_review
        FROM protocols p JOIN sel s USING (subgrant_id)
        WHERE p.period = $period AND p.step >= adopted_step()
          AND coalesce(p.last_reviewed_on, p.adopted_on) IS NOT NULL
          AND coalesce(p.last_reviewed_on, p.adopted_on) < $q_end - to_months(CAST($months AS INTEGER))
        ORDER BY months_since_review DESC, s.community
    """,
        f,
        months=settings().ta_rules.review_overdue.months if months is None else months,
    )


# --- Survivor engagement ------------------------------------------------------------------------


def practice_adoption(db: Path, f: Filters) -> pd.DataFrame:
    """Communities by status of each practice S1-S8 in the selected quarter, with shares."""
    df = read(
        db,
        SELECTED
        + """
        SELECT sp.practice_code, sp.status, count(*) AS communities,
               count(*) / sum(count(*)) OVER (PARTITION BY sp.practice_code) AS share
        FROM survivor_practices sp JOIN sel USING (subgrant_id)
        WHERE sp.period = $period
        GROUP BY 1, 2
    """,
        f,
    )
    return _order_practices(df)


def practice_matrix(db: Path, f: Filters) -> pd.DataFrame:
    """Each reporting community's status on each practice in the selected quarter."""
    df = read(
        db,
        SELECTED
        + """
        SELECT sp.subgrant_id, s.community, sp.practice_code, sp.status,
               count(*) FILTER (WHERE ps.in_place) OVER (PARTITION BY sp.subgrant_id) AS in_place
        FROM survivor_practices sp JOIN sel s USING (subgrant_id) LEFT JOIN practice_status ps USING (status)
        WHERE sp.period = $period
    """,
        f,
    )
    df = _order_practices(df)
    return df.sort_values(["in_place", "community", "subgrant_id", "practice_order"], kind="stable").reset_index(drop=True)


def no_practice_in_place(db: Path, f: Filters) -> pd.DataFrame:
    """Reporting communities with no survivor-engagement practice in place in the selected quarter."""
    return read(
        db,
        SELECTED
        + """
        SELECT c.subgrant_id, c.community,
               (SELECT count(*) FROM survivor_practices sp
                WHERE sp.subgrant_id = c.subgrant_id AND sp.period = c.period AND sp.status = 'Planned') AS planned,
               (SELECT count(*) FROM community_period c2
                WHERE c2.subgrant_id = c.subgrant_id AND c2.period <= c.period AND c2.practices_in_place = 0) AS quarters_without
        FROM community_period c JOIN sel USING (subgrant_id)
        WHERE c.period = $period AND c.practices_in_place = 0
        ORDER BY quarters_without DESC, c.community
    """,
        f,
    )


def survivors_engaged(db: Path, f: Filters) -> pd.DataFrame:
    """Survivors engaged per quarter over the reporting communities: protected figures (sums of stand-ins).

    ``survivors_engaged`` is NaN where the figure reads as a range; ``survivors_text`` is what to show.
    """
    df = survivors_per_quarter(db, f)
    df["survivors_engaged"], df["survivors_text"] = shown_people(df["survivors_engaged"])
    return df


def _order_practices(df: pd.DataFrame) -> pd.DataFrame:
    df["practice_order"] = df["practice_code"].str[1:].astype(int)
    return df.sort_values(["practice_order"], kind="stable").reset_index(drop=True)
