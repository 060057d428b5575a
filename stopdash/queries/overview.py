"""Every SQL the dashboard runs: the shared filters, the filter options and the Overview.

Engine side: no streamlit here. Each function opens the database read-only for
one short block and closes it, so `stopdash ingest` can write while the
dashboard is open. Queries read only the public views (docs/reporting-schema.md).

Topic modules hold the rest: :mod:`stopdash.queries.practice` (collaboration,
protocols, survivor engagement), :mod:`stopdash.queries.portfolio` (funding,
TA priorities, data quality) and :mod:`stopdash.queries.community`.

Every query starts from ``SELECTED``: the subgrants that match the
:class:`Filters`. Values are bound as named parameters (``$period``), never
formatted into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingest.config import settings
from ingest.quarters import previous_quarter, quarter_bounds, quarter_index, quarter_label
from ingest.store.db import connection
from stopdash.suppression import figure, protector, suppress_count

__all__ = [
    "SELECTED",
    "Filters",
    "Options",
    "county_measures",
    "data_version",
    "database_problem",
    "filter_options",
    "headline",
    "previous_quarter",
    "quarter_bounds",
    "quarter_index",
    "quarter_label",
    "quarterly_trend",
    "read",
    "shown_people",
    "survivors_per_quarter",
]


@dataclass(frozen=True)
class Filters:
    """The sidebar filters. Empty tuples mean "all"; ``period`` None means the latest reporting quarter.

    A subgrant matches the geography when any of its award counties is among
    ``counties`` (FIPS codes) or, when no county is chosen, in one of ``regions``.
    """

    award_years: tuple[int, ...] = ()
    period: str | None = None
    regions: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # What the person may see at all (a viewer's counties, FIPS); None means everything.
    scope: tuple[str, ...] | None = None

    @property
    def geography(self) -> bool:
        return bool(self.regions or self.counties)

    @property
    def narrowed(self) -> bool:
        """Whether any filter other than the quarter is set."""
        return bool(self.award_years or self.categories or self.geography)


# The subgrants that match the filters. Every query starts with it.
SELECTED = """
WITH sel AS (
    SELECT a.*
    FROM awards a
    WHERE (len(CAST($years AS INTEGER[])) = 0 OR list_contains(CAST($years AS INTEGER[]), a.award_year))
      AND (len(CAST($categories AS VARCHAR[])) = 0 OR list_contains(CAST($categories AS VARCHAR[]), a.allocation_category))
      AND ((len(CAST($counties AS VARCHAR[])) = 0 AND len(CAST($regions AS VARCHAR[])) = 0) OR EXISTS (
            SELECT 1 FROM award_counties ac JOIN counties k USING (county_fips)
            WHERE ac.subgrant_id = a.subgrant_id
              AND (list_contains(CAST($counties AS VARCHAR[]), ac.county_fips)
                   OR (len(CAST($counties AS VARCHAR[])) = 0 AND list_contains(CAST($regions AS VARCHAR[]), k.region)))))
      AND (CAST($scope AS VARCHAR[]) IS NULL OR EXISTS (
            SELECT 1 FROM award_counties ac
            WHERE ac.subgrant_id = a.subgrant_id AND list_contains(CAST($scope AS VARCHAR[]), ac.county_fips)))
)
"""

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


# --- Running queries ----------------------------------------------------------------------------


def _latest_period(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT period FROM reporting_quarter").fetchone()
    return row[0] if row else None


_PERIOD_PARAMS = {"period", "q_start", "q_end", "prev_period"}


def _params(con: duckdb.DuckDBPyConnection, f: Filters | None, extra: dict[str, Any], used: set[str] | None = None) -> dict[str, Any]:
    """The standard parameters of the filters (and the quarter they resolve to), then *extra*.

    The latest quarter is looked up only when the query (*used*) needs a quarter and none is given.
    """
    f = f or Filters()
    period = extra.pop("period", None) or f.period
    if period is None and (used is None or used & _PERIOD_PARAMS):
        period = _latest_period(con)
    params: dict[str, Any] = {
        "years": list(f.award_years),
        "categories": list(f.categories),
        "counties": list(f.counties),
        "regions": list(f.regions),
        "scope": None if f.scope is None else list(f.scope),
        "period": period,
    }
    if period:
        start, end = quarter_bounds(period)
        params.update(q_start=start, q_end=end, prev_period=previous_quarter(period))
    else:
        params.update(q_start=None, q_end=None, prev_period=None)
    params.update(extra)
    return params


def run(con: duckdb.DuckDBPyConnection, sql: str, f: Filters | None = None, **extra: Any) -> pd.DataFrame:
    """Run *sql* on an open connection, binding the parameters it names (``$name``)."""
    used = set(_PARAM.findall(sql))
    params = _params(con, f, dict(extra), used)
    missing = used - params.keys()
    if missing:
        raise KeyError(f"query parameters not supplied: {sorted(missing)}")
    return con.execute(sql, {k: params[k] for k in used}).df()


def read(db: Path, sql: str, f: Filters | None = None, **extra: Any) -> pd.DataFrame:
    """Open the database read-only, run one query, close it."""
    with connection(db, read_only=True) as con:
        return run(con, sql, f, **extra)


def shown_people(values: pd.Series, threshold: int | None = None) -> tuple[pd.Series, pd.Series]:
    """Figures of people (sums of stand-ins, never true counts): (numbers safe to draw, text to show).

    The rule of the exports (:func:`stopdash.suppression.suppress_count`): figures from
    1 to the suppression threshold are withheld (NaN) and read "1-N" (en dash); zero
    and figures above the threshold are shown; unknown stays unknown.
    """
    n = settings().suppression_threshold if threshold is None else threshold
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    shown = numbers.mask(numbers.between(1, n))

    def text(v: float) -> str:
        if pd.isna(v):
            return "not reported"
        safe = suppress_count(int(v), n)
        return safe if isinstance(safe, str) else f"{safe:,}"

    return shown, numbers.map(text).astype(object)


def data_version(db: Path) -> tuple[int, ...]:
    """A token that changes whenever the database (or its write-ahead log) changes on disk."""
    token: list[int] = []
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            st = path.stat()
        except OSError:
            token += [0, 0]
        else:
            token += [st.st_mtime_ns, st.st_size]
    return tuple(token)


def database_problem(db: Path) -> str | None:
    """None when *db* holds an award register; otherwise what is wrong, in one sentence."""
    if not db.exists():
        return f"There is no database at {db}."
    try:
        with connection(db, read_only=True) as con:
            row = con.execute("SELECT count(*) FROM awards").fetchone()
    except Exception as e:  # noqa: BLE001 - any failure here is shown to the user as the reason
        return str(e)
    return None if row and row[0] else f"The database {db} has no award register yet."


# --- Filter options -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the sidebar filters can choose from."""

    award_years: tuple[int, ...] = ()
    periods: tuple[str, ...] = ()  # ascending
    regions: tuple[str, ...] = ()
    counties: tuple[tuple[str, str, str], ...] = ()  # (fips, name, region), by name
    categories: tuple[str, ...] = ()
    latest: str | None = None

    def county_name(self, fips: str) -> str:
        return next((name for f, name, _ in self.counties if f == fips), fips)


def filter_options(db: Path) -> Options:
    with connection(db, read_only=True) as con:

        def column(sql: str) -> tuple[Any, ...]:
            return tuple(r[0] for r in con.execute(sql).fetchall())

        return Options(
            award_years=column("SELECT DISTINCT award_year FROM awards WHERE award_year IS NOT NULL ORDER BY 1"),
            periods=column("SELECT period FROM expected_reports UNION SELECT period FROM community_period ORDER BY 1"),
            regions=column("SELECT DISTINCT region FROM counties WHERE region <> '' ORDER BY 1"),
            counties=tuple(
                tuple(r) for r in con.execute("SELECT county_fips, county_name, region FROM counties ORDER BY county_name").fetchall()
            ),
            categories=column("SELECT DISTINCT allocation_category FROM awards WHERE allocation_category IS NOT NULL ORDER BY 1"),
            latest=_latest_period(con),
        )


# --- Overview -----------------------------------------------------------------------------------

_HEADLINE_SQL = (
    SELECTED
    + """
, active AS (SELECT * FROM sel WHERE start_date <= $q_end AND end_date >= $q_start)
, cp AS (SELECT c.*, s.award_amount FROM community_period c JOIN sel s USING (subgrant_id) WHERE c.period = $period)
, ex AS (SELECT e.* FROM expected_reports e JOIN sel USING (subgrant_id) WHERE e.period = $period)
SELECT
    (SELECT count(DISTINCT community) FROM active) AS communities,
    (SELECT CAST(sum(award_amount) AS DOUBLE) FROM active) AS stop_dollars,
    (SELECT CAST(sum(leveraged_private) AS DOUBLE) FROM cp) AS leveraged_private,
    (SELECT CAST(sum(leveraged_total) AS DOUBLE) / nullif(CAST(sum(award_amount) AS DOUBLE), 0)
       FROM cp WHERE leveraged_total IS NOT NULL) AS leverage_ratio,
    (SELECT avg(CASE WHEN protocols_adopted > 0 THEN 1.0 ELSE 0.0 END) FROM cp WHERE protocols_adopted IS NOT NULL) AS protocol_share,
    (SELECT avg(CASE WHEN practices_in_place >= 3 THEN 1.0 ELSE 0.0 END) FROM cp WHERE practices_in_place IS NOT NULL) AS practices_share,
    (SELECT count(*) FILTER (WHERE received) FROM ex) AS reports_received,
    (SELECT count(*) FROM ex) AS reports_expected
"""
)

# key → (label, kind, definition). The kind decides formatting: count, dollars, ratio, share.
HEADLINE_MEASURES: dict[str, tuple[str, str, str]] = {
    "communities": ("Communities funded", "count", "Distinct communities with a subgrant whose award dates overlap the quarter."),
    "stop_dollars": (
        "STOP dollars awarded",
        "dollars",
        "Sum of award amounts of the subgrants active in the quarter (whole award, not the quarter's share).",
    ),
    "leveraged_private": (
        "Leveraged private dollars",
        "dollars",
        "Private funding (foundations, corporations, individual donors, civic or faith-based groups) "
        "reported for the quarter, cash and in-kind.",
    ),
    "leverage_ratio": (
        "Leveraged $ per STOP $",
        "ratio",
        "All leveraged dollars (private and public) reported for the quarter divided by the STOP award "
        "amounts of the communities that reported funding: dollars leveraged per STOP dollar.",
    ),
    "protocol_share": (
        "With an adopted protocol",
        "share",
        "Share of communities reporting protocols whose protocol stands at step 5 or beyond.",
    ),
    "practices_share": (
        "With 3+ survivor practices",
        "share",
        "Share of communities reporting survivor engagement with at least 3 of the 8 practices in place.",
    ),
    "reports_received": (
        "Reports received",
        "count",
        "Accepted progress reports for the quarter, out of the reports owed by subgrants whose award "
        "dates cover it. The change is in the share received, in percentage points.",
    ),
}


def headline(db: Path, f: Filters) -> pd.DataFrame:
    """The Overview's headline figures for the quarter and the one before.

    One row per measure: key, label, kind, definition, value, previous, and for
    reports also expected and previous_expected.
    """
    with connection(db, read_only=True) as con:
        params = _params(con, f, {})
        period = params["period"]
        if not period:
            return pd.DataFrame(columns=["key", "label", "kind", "definition", "value", "previous", "period"])
        now = run(con, _HEADLINE_SQL, f, period=period).iloc[0]
        before = run(con, _HEADLINE_SQL, f, period=previous_quarter(period)).iloc[0]
    rows = []
    for key, (label, kind, definition) in HEADLINE_MEASURES.items():
        rows.append(
            {
                "key": key,
                "label": label,
                "kind": kind,
                "definition": definition,
                "value": _number(now[key]),
                "previous": _number(before[key]),
                "expected": _number(now["reports_expected"]) if key == "reports_received" else None,
                "previous_expected": _number(before["reports_expected"]) if key == "reports_received" else None,
                "period": period,
                "previous_period": previous_quarter(period),
            }
        )
    return pd.DataFrame(rows)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


_COUNTY_SQL = (
    SELECTED
    + """
, active AS (SELECT * FROM sel WHERE start_date <= $q_end AND end_date >= $q_start)
, cp AS (SELECT c.* FROM community_period c JOIN sel USING (subgrant_id) WHERE c.period = $period)
, served AS (
    SELECT ac.county_fips, a.subgrant_id, a.community, a.award_amount
    FROM award_counties ac JOIN active a USING (subgrant_id)
)
SELECT k.county_fips, k.county_name, k.region,
       count(DISTINCT s.community) AS communities,
       CAST(sum(s.award_amount) AS DOUBLE) AS stop_dollars,
       avg(cp.maturity_score) AS maturity,
       CAST(sum(cp.leveraged_private) AS DOUBLE) AS leveraged_private,
       avg(CASE WHEN cp.protocols_adopted IS NULL THEN NULL WHEN cp.protocols_adopted > 0 THEN 1.0 ELSE 0.0 END) AS protocol_share,
       max(t.need_score) AS need_max
FROM counties k
LEFT JOIN served s ON s.county_fips = k.county_fips
LEFT JOIN cp ON cp.subgrant_id = s.subgrant_id
LEFT JOIN ta_priority t ON t.subgrant_id = s.subgrant_id
WHERE (len(CAST($counties AS VARCHAR[])) = 0 OR list_contains(CAST($counties AS VARCHAR[]), k.county_fips))
  AND (len(CAST($counties AS VARCHAR[])) > 0 OR len(CAST($regions AS VARCHAR[])) = 0
       OR list_contains(CAST($regions AS VARCHAR[]), k.region))
  AND (CAST($scope AS VARCHAR[]) IS NULL OR list_contains(CAST($scope AS VARCHAR[]), k.county_fips))
GROUP BY ALL
ORDER BY k.county_name
"""
)

# Map measures: column → (label, d3/Python format, definition).
COUNTY_MEASURES: dict[str, tuple[str, str, str]] = {
    "stop_dollars": (
        "STOP dollars awarded",
        "$,.0f",
        "Award amounts of active subgrants serving the county (a subgrant serving several counties counts in each).",
    ),
    "communities": ("Communities funded", ",.0f", "Distinct communities with an active subgrant serving the county."),
    "maturity": (
        "Mean collaboration maturity (1–5)",
        ",.2f",
        "Mean maturity score of the reporting communities serving the county, in the quarter.",
    ),
    "leveraged_private": (
        "Leveraged private dollars",
        "$,.0f",
        "Private funding reported in the quarter by communities serving the county.",
    ),
    "protocol_share": (
        "Share with an adopted protocol",
        ".0%",
        "Share of reporting communities serving the county with a protocol at step 5 or beyond.",
    ),
    "need_max": ("Highest TA need score", ",.0f", "The highest TA need score among communities serving the county."),
}


def county_measures(db: Path, f: Filters) -> pd.DataFrame:
    """One row per county of the state (within the geography filter) with every map measure.

    Counties no active subgrant serves have no values (NULL), not zero.
    """
    df = read(db, _COUNTY_SQL, f)
    unfunded = df["communities"].fillna(0) == 0
    df.loc[unfunded, "communities"] = None
    return df


_TREND_SQL = (
    SELECTED
    + """
, cp AS (SELECT c.*, s.award_amount FROM community_period c JOIN sel s USING (subgrant_id) WHERE c.period <= $period)
, ex AS (
    SELECT e.period, count(*) AS reports_expected, count(*) FILTER (WHERE e.received) AS reports_received,
           count(DISTINCT e.community) AS communities, CAST(sum(s.award_amount) AS DOUBLE) AS stop_dollars
    FROM expected_reports e JOIN sel s USING (subgrant_id) WHERE e.period <= $period GROUP BY 1
), agg AS (
    SELECT period, count(*) AS communities_reporting,
           avg(maturity_score) AS maturity,
           CAST(sum(leveraged_private) AS DOUBLE) AS leveraged_private,
           CAST(sum(leveraged_total) AS DOUBLE) AS leveraged_total,
           CAST(sum(leveraged_total) AS DOUBLE)
             / nullif(CAST(sum(award_amount) FILTER (WHERE leveraged_total IS NOT NULL) AS DOUBLE), 0) AS leverage_ratio,
           avg(CASE WHEN protocols_adopted > 0 THEN 1.0 WHEN protocols_adopted = 0 THEN 0.0 END) AS protocol_share,
           avg(CASE WHEN practices_in_place >= 3 THEN 1.0 WHEN practices_in_place >= 0 THEN 0.0 END) AS practices_share
    FROM cp GROUP BY 1
)
SELECT period, coalesce(ex.communities, 0) AS communities, ex.stop_dollars,
       coalesce(ex.reports_expected, 0) AS reports_expected, coalesce(ex.reports_received, 0) AS reports_received,
       coalesce(agg.communities_reporting, 0) AS communities_reporting,
       agg.maturity, agg.leveraged_private, agg.leveraged_total, agg.leverage_ratio,
       agg.protocol_share, agg.practices_share
FROM ex FULL JOIN agg USING (period)
ORDER BY period
"""
)


def quarterly_trend(db: Path, f: Filters) -> pd.DataFrame:
    """One row per quarter up to the selected one: reports, maturity, leverage, protocol and practice shares.

    ``survivors_engaged`` is the protected figure of :func:`survivors_per_quarter` (NaN when it
    reads as a range; ``survivors_text`` says what to show).
    """
    df = read(db, _TREND_SQL, f)
    people = survivors_per_quarter(db, f).set_index("period")["survivors_engaged"]
    df["survivors_engaged"], df["survivors_text"] = shown_people(df["period"].map(people))
    return df


_SURVIVOR_RECORDS = (
    SELECTED
    + """
SELECT c.subgrant_id, c.period, c.survivors_engaged
FROM community_period c JOIN sel USING (subgrant_id)
WHERE c.period <= $period
ORDER BY c.period, c.subgrant_id
"""
)


def survivors_per_quarter(db: Path, f: Filters) -> pd.DataFrame:
    """Survivors engaged per quarter up to the selected one, over the filtered subgrants, as protected figures.

    One row per quarter with a report: ``survivors_engaged`` is the sum of the reports' stand-ins
    (:mod:`stopdash.suppression`; None when no report gave the count), ``communities_reporting``
    how many reports gave it. Never the true sum: any two filters differ by stand-ins only.
    """
    records = read(db, _SURVIVOR_RECORDS, f)
    p = protector(db)
    stand_ins = p.stand_ins("survivors_engaged", records.itertuples(index=False, name=None))
    records["stand_in"] = pd.Series(stand_ins, index=records.index, dtype=object)
    rows = [
        {"period": period, "survivors_engaged": figure(part["stand_in"]), "communities_reporting": int(part["stand_in"].notna().sum())}
        for period, part in records.groupby("period", sort=True)
    ]
    return pd.DataFrame(rows, columns=["period", "survivors_engaged", "communities_reporting"])
