"""Queries of the Community page: one subgrant and its community across quarters (engine side: no streamlit).

Subgrant IDs compare case-insensitively, as everywhere in stopdash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ingest.store.db import connection
from stopdash.queries.allocation import PURPOSE_AREAS
from stopdash.queries.overview import SELECTED, Filters, read, run, shown_people
from stopdash.queries.portfolio import TA_RANKS, place
from stopdash.suppression import protector

_ONE = "lower(subgrant_id) = lower($sid)"


def communities(db: Path, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every subgrant the person may see (all, or those serving a county in *scope*), for the community picker."""
    return read(
        db,
        SELECTED + "SELECT subgrant_id, community, organization, award_year FROM sel ORDER BY community, subgrant_id",
        Filters(scope=scope),
    )


def profile(db: Path, subgrant_id: str) -> dict[str, Any] | None:
    """The award register's facts about one subgrant, with its counties, regions, tribal nations and purpose areas."""
    df = read(
        db,
        """
        SELECT a.*,
               (SELECT string_agg(ac.county_name, ', ' ORDER BY ac.county_name) FROM award_counties ac
                WHERE ac.subgrant_id = a.subgrant_id) AS counties,
               (SELECT string_agg(DISTINCT k.region, ', ' ORDER BY k.region) FROM award_counties ac
                JOIN counties k USING (county_fips) WHERE ac.subgrant_id = a.subgrant_id) AS regions,
               (SELECT string_agg(t.tribal_nation, ', ' ORDER BY t.tribal_nation) FROM award_tribal_nations t
                WHERE t.subgrant_id = a.subgrant_id) AS tribal_nations,
               (SELECT list(p.purpose_area ORDER BY p.purpose_area) FROM award_purpose_areas p
                WHERE p.subgrant_id = a.subgrant_id) AS purpose_area_numbers
        FROM awards a WHERE lower(a.subgrant_id) = lower($sid)
    """,
        sid=subgrant_id,
    )
    if df.empty:
        return None
    row: dict[str, Any] = df.iloc[0].to_dict()
    numbers = [int(n) for n in (row.pop("purpose_area_numbers") if row.get("purpose_area_numbers") is not None else [])]
    row["purpose_areas"] = purpose_area_names(numbers)
    return row


def purpose_area_names(numbers: list[int]) -> str:
    """Purpose areas by number and short name, `; `-joined: "5 Victim services and legal assistance; 20 Prevention ..."."""
    return "; ".join(f"{n} {PURPOSE_AREAS[n]}" if n in PURPOSE_AREAS else f"{n} (not a STOP purpose area)" for n in numbers)


def periods(db: Path, subgrant_id: str) -> pd.DataFrame:
    """The community_period rows of one subgrant, oldest first; survivors engaged as its protected figure.

    ``survivors_engaged`` is the report's stand-in (NaN where it reads as a range), ``survivors_text``
    what to show: the same figure every page and export uses for that report.
    """
    df = read(db, "SELECT * FROM community_period WHERE " + _ONE + " ORDER BY period", sid=subgrant_id)
    p = protector(db)
    stand_ins = p.stand_ins("survivors_engaged", df[["subgrant_id", "period", "survivors_engaged"]].itertuples(index=False, name=None))
    df["survivors_engaged"], df["survivors_text"] = shown_people(pd.Series(stand_ins, index=df.index, dtype=object))
    return df


def indicators(db: Path, subgrant_id: str) -> pd.DataFrame:
    return read(
        db,
        "SELECT period, indicator_code, score FROM maturity_scores WHERE "
        + _ONE
        + " ORDER BY period, CAST(substr(indicator_code, 2) AS INTEGER)",
        sid=subgrant_id,
    )


def partners(db: Path, subgrant_id: str) -> pd.DataFrame:
    return read(
        db,
        "SELECT period, partner, discipline, mou_signed, meetings_attended FROM partners WHERE "
        + _ONE
        + " ORDER BY period DESC, discipline, partner",
        sid=subgrant_id,
    )


def protocols(db: Path, subgrant_id: str) -> pd.DataFrame:
    return read(
        db,
        "SELECT period, protocol, focus, step, step_name, adopted_on, last_reviewed_on FROM protocols WHERE "
        + _ONE
        + " ORDER BY period, protocol",
        sid=subgrant_id,
    )


def practices(db: Path, subgrant_id: str) -> pd.DataFrame:
    return read(
        db,
        "SELECT period, practice_code, status FROM survivor_practices WHERE "
        + _ONE
        + " ORDER BY period, CAST(substr(practice_code, 2) AS INTEGER)",
        sid=subgrant_id,
    )


def funding(db: Path, subgrant_id: str) -> pd.DataFrame:
    return read(
        db,
        "SELECT period, source, source_type, form, CAST(amount AS DOUBLE) AS amount, is_private, counts_toward_match "
        "FROM funding WHERE " + _ONE + " ORDER BY period DESC, amount DESC",
        sid=subgrant_id,
    )


def ta_requests(db: Path, subgrant_id: str) -> pd.DataFrame:
    return read(
        db,
        "SELECT period, topic, requested_on, status FROM ta_requests WHERE " + _ONE + " ORDER BY period DESC, requested_on DESC",
        sid=subgrant_id,
    )


def ta_priority(db: Path, subgrant_id: str) -> dict[str, Any] | None:
    """The community's TA need score and reasons, with its place statewide and in each region it serves.

    ``ranks`` says the places in words ("8th of 90 statewide; 1st of 7 in Northwest", ties as "tied 3rd"); an award
    that has ended is not ranked, and ``ranks`` says so.
    """
    df = read(
        db,
        "WITH"
        + TA_RANKS.lstrip().removeprefix(",")  # TA_RANKS continues a WITH clause; here it starts one
        + """
        SELECT t.*, x.ended, x.end_date, sr.state_rank, sr.state_tied, sr.state_of, rr.region_ranks
        FROM ta_priority t JOIN ta_all x USING (subgrant_id)
        LEFT JOIN state_rank sr USING (subgrant_id) LEFT JOIN region_ranks rr USING (subgrant_id)
        WHERE lower(t.subgrant_id) = lower($sid)
    """,
        sid=subgrant_id,
    )
    if df.empty:
        return None
    row: dict[str, Any] = df.iloc[0].to_dict()
    row["reasons"] = list(row["reasons"]) if row["reasons"] is not None else []
    row["ranks"] = _ranks_text(row)
    return row


def _ranks_text(row: dict[str, Any]) -> str:
    if row["ended"]:
        return f"not ranked: the award ended on {pd.Timestamp(row['end_date']):%m/%d/%Y}, before the reporting quarter"
    parts = [f"{place(row['state_rank'], row['state_tied'])} of {int(row['state_of'])} statewide"]
    regions = row["region_ranks"]
    for r in list(regions) if regions is not None else []:
        parts.append(f"{place(r['rank'], r['tied'])} of {int(r['of'])} in {r['region']}")
    return "; ".join(parts)


def reports(db: Path, subgrant_id: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(files received, their issues, quarters owed and whether each was received)."""
    with connection(db, read_only=True) as con:
        files = run(
            con,
            "SELECT submission_id, period, source_file, ingested_at, status, error_count, warning_count "
            "FROM submissions WHERE " + _ONE + " ORDER BY ingested_at DESC, submission_id DESC",
            sid=subgrant_id,
        )
        found = run(
            con,
            """
            SELECT su.period, i.source_file, i.sheet, i.cell, i.severity, i.code, i.message
            FROM ingest_issues i JOIN submissions su USING (submission_id)
            WHERE lower(su.subgrant_id) = lower($sid)
            ORDER BY su.period DESC, i.severity, i.sheet, i.cell
        """,
            sid=subgrant_id,
        )
        owed = run(con, "SELECT period, received FROM expected_reports WHERE " + _ONE + " ORDER BY period DESC", sid=subgrant_id)
    return files, found, owed
