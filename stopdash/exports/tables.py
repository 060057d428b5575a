"""The tables of the federal-reporting summary, gathered from the public views (reporting-schema.md).

:func:`gather_summary` returns every sheet as a display-ready DataFrame (human
column headers, counts of people already protected) plus how each column is
formatted; the xlsx, csv and html writers only lay them out.

Filters: ``year`` keeps the subgrants of one award year (everywhere); ``period``
is the quarter the summary is *as of* (default: the portfolio's reporting
quarter). Community figures come from each subgrant's latest accepted report
up to that quarter; services and "in the quarter" money from that quarter only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from ingest.config import settings
from stopdash.exports.model import Sheet, Summary, make_frame
from stopdash.exports.notes import notes_rows
from stopdash.exports.report_sheets import (
    communities_sheet,
    data_quality_sheets,
    funding_sheet,
    protocols_sheet,
    services_sheet,
    survivors_sheet,
)
from stopdash.queries.allocation import allocation_by_category, allocation_checks, purpose_areas
from stopdash.queries.reader import Db, check_period, check_year, reader, rows
from stopdash.suppression import database_file, protector

__all__ = ["Sheet", "Summary", "gather_summary"]


def _allocation(db: Db, year: int | None) -> tuple[Sheet, Sheet, Sheet, pd.DataFrame]:
    checks = allocation_checks(db, year)
    kinds = {
        "Award year": "year",
        "Check": "text",
        "Floor or cap": "share",
        "Total awarded ($)": "money",
        "Required ($)": "money",
        "Actual ($)": "money",
        "Actual share": "share",
        "Result": "text",
        "Short (-) or over (+) ($)": "money",
        "Explanation": "long",
    }
    result = {"floor": ("Met", "Short"), "cap": ("Within the cap", "Over the cap"), "rule": ("Met", "Not met")}
    recs = [
        dict(
            zip(
                kinds,
                [
                    r.award_year,
                    r.check,
                    r.floor_or_cap,
                    r.base_dollars,
                    r.required_dollars,
                    r.actual_dollars,
                    r.actual_share,
                    result[r.kind][0 if r.met else 1],
                    r.dollars_short_or_over,
                    r.explanation,
                ],
                strict=True,
            )
        )
        for r in checks.itertuples()
    ]
    alloc = Sheet(
        "Allocation",
        "STOP allocation checks (34 U.S.C. 10446(c))",
        "Per award year, from the award register. Base: all award dollars of the year in the register.",
        make_frame(recs, kinds),
        kinds,
    )
    by_cat = allocation_by_category(db, year)
    kinds = {
        "Award year": "year",
        "Allocation category": "text",
        "Subgrants": "int",
        "Award ($)": "money",
        "Share of the year": "share",
        "Sexual assault ($)": "money",
        "Match required ($)": "money",
    }
    recs, totals = [], set()
    for y, part in by_cat.groupby("award_year", sort=True):
        recs += [
            dict(zip(kinds, [y, r.allocation_category, r.subgrants, r.award_dollars, r.share, r.sa_dollars, r.match_required], strict=True))
            for r in part.itertuples()
        ]
        totals.add(len(recs))
        recs.append(
            dict(
                zip(
                    kinds,
                    [
                        y,
                        "All categories",
                        part.subgrants.sum(),
                        part.award_dollars.sum(),
                        1.0 if part.award_dollars.sum() else None,
                        part.sa_dollars.sum(),
                        part.match_required.sum(),
                    ],
                    strict=True,
                )
            )
        )
    cats = Sheet(
        "Allocation by category",
        "Award dollars by allocation category",
        "Per award year, from the award register; culturally specific victim services also count as victim services.",
        make_frame(recs, kinds),
        kinds,
        totals,
    )
    pa = purpose_areas(db, year)
    kinds = {
        "Award year": "year",
        "Purpose area": "int",
        "Short name": "text",
        "Subgrants": "int",
        "Awards of subgrants listing it ($)": "money",
        "Share of the year": "share",
        "Split evenly ($)": "money",
    }
    recs = [
        dict(
            zip(
                kinds,
                [
                    r.award_year,
                    None if pd.isna(r.purpose_area) else int(r.purpose_area),
                    r.short_name,
                    r.subgrants,
                    r.award_dollars,
                    r.share_of_awards,
                    r.split_dollars,
                ],
                strict=True,
            )
        )
        for r in pa.itertuples()
    ]
    areas = Sheet(
        "Purpose areas",
        "Subgrants by STOP purpose area (34 U.S.C. 10441(b))",
        "A subgrant listing several areas counts in full under each (columns overlap); "
        "'Split evenly' divides its award equally among the areas it lists.",
        make_frame(recs, kinds),
        kinds,
    )
    return alloc, cats, areas, checks


def _headline(
    con: duckdb.DuckDBPyConnection, year: int | None, period: str | None, communities: pd.DataFrame, quality: pd.DataFrame
) -> dict[str, Any]:
    latest = communities[communities["Latest period"].notna()]
    row = quality[quality["Period"] == period]
    return {
        "subgrants": len(communities),
        "award_dollars": float(sum(communities["Award ($)"])),
        "communities": communities["Community"].nunique(),
        "reporting": len(latest),
        "adopted": int((latest["Protocols adopted"].fillna(0) > 0).sum()),
        "median_maturity": None if latest["Maturity score"].dropna().empty else float(latest["Maturity score"].dropna().median()),
        "coalition_or_above": int(latest["Maturity level"].isin(["Coalition", "Collaboration"]).sum()),
        "expected": int(row["Reports expected"].iloc[0] or 0) if len(row) else 0,
        "received": int(row["Accepted reports in"].iloc[0] or 0) if len(row) else 0,
    }


def gather_summary(db: Db, year: int | None = None, period: str | None = None) -> Summary:
    """Every table of the summary, filtered to one award year (or all) and as of one quarter (default: the latest)."""
    threshold = settings().suppression_threshold
    with reader(db) as con:
        years = check_year(con, year)
        quarter = check_period(con, period)
        as_of = rows(con, "SELECT max(ingested_at) FROM submissions")[0][0]
        communities = communities_sheet(con, year, quarter)
        funding = funding_sheet(con, year, quarter)
        protocols = protocols_sheet(con, year, quarter)
        protect = protector(database_file(con), threshold)
        survivors = survivors_sheet(con, year, quarter, protect)
        services = services_sheet(con, year, quarter, protect)
        quality, missing = data_quality_sheets(con, year, quarter)
        headline = _headline(con, year, quarter, communities.frame, quality.frame)
        alloc, cats, areas, checks = _allocation(con, year)
    headline["funding"] = funding.frame.iloc[-1].to_dict() if len(funding.frame) else {}
    headline["survivors_total"] = survivors.frame.iloc[-1]["Survivors engaged (people)"]
    summary = Summary(
        settings().state_name,
        year,
        years,
        quarter,
        as_of,
        dt.datetime.now().replace(microsecond=0),
        threshold,
        [alloc, cats, areas, communities, funding, protocols, survivors, services, quality, missing],
        checks,
        headline,
    )
    kinds = {"Item": "text", "Meaning": "long"}
    summary.sheets.append(
        Sheet(
            "Notes",
            "What each figure means",
            "Definitions from the reporting schema and the STOP statute.",
            make_frame([dict(zip(kinds, r, strict=True)) for r in notes_rows(summary)], kinds),
            kinds,
        )
    )
    return summary
