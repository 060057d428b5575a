"""TA priorities rank only awards still running, show ties as ties, and say which rank is which (statewide, region)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from stopdash.queries import community as qc
from stopdash.queries.overview import Filters
from stopdash.queries.portfolio import ordinal, place, ta_priorities


def facts(db: Path) -> pd.DataFrame:
    """Each ta_priority row with its award's end date, regions and whether it ended before the reporting quarter."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""
            SELECT t.subgrant_id, t.need_score, t.period,
                   a.end_date < quarter_start((SELECT period FROM reporting_quarter)) AS ended,
                   (SELECT period FROM reporting_quarter) AS reporting_quarter,
                   (SELECT list(DISTINCT k.region ORDER BY k.region) FROM award_counties ac JOIN counties k USING (county_fips)
                    WHERE ac.subgrant_id = t.subgrant_id) AS regions
            FROM ta_priority t JOIN awards a USING (subgrant_id)
        """).df()


def competition(scores: list[int]) -> list[tuple[int, int]]:
    """(rank, how many share it) of each score, highest first: 1, 2, 2, 4."""
    return [(1 + sum(s > x for s in scores), scores.count(x)) for x in scores]


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    """Places read as English ordinals, the teens included."""
    assert ordinal(n) == text
    assert place(n, 1) == text
    assert place(n, 2) == f"tied {text}"
    assert place(None, None) == ""


def test_ended_awards_are_not_ranked_nor_behind(demo_db: Path) -> None:
    """An award whose end date is before the reporting quarter is unranked, listed last, and never counted as behind on reports."""
    expected = facts(demo_db).set_index("subgrant_id")
    assert expected["ended"].any() and (~expected["ended"]).any(), "the demo portfolio should have ended and running awards"
    got = ta_priorities(demo_db, Filters()).set_index("subgrant_id")
    assert got["ended"].to_dict() == expected["ended"].to_dict()
    ended = got[got["ended"]]
    assert ended["rank"].isna().all() and (ended["place"] == "").all() and not ended["behind"].any()
    assert list(got["ended"]) == sorted(got["ended"]), "ended awards come after every ranked one"
    running = got[~got["ended"]]
    rq = expected["reporting_quarter"].iloc[0]
    behind = {s for s, p in running["latest_report"].items() if p is None or pd.isna(p) or p < rq}
    assert set(running.index[running["behind"]]) == behind


@pytest.mark.parametrize("narrow", [False, True])
def test_ranks_are_competition_ranks_with_ties_named(demo_db: Path, narrow: bool) -> None:
    """Within the selection, equal need scores share a place and read "tied Nth"; the statewide place counts every running award."""
    every = facts(demo_db)
    running = every[~every["ended"]]
    f = Filters()
    if narrow:  # one region: the selection's ranks differ from the statewide ones
        region = running.explode("regions")["regions"].value_counts().index[0]
        f = Filters(regions=(region,))
    got = ta_priorities(demo_db, f)
    mine = got[~got["ended"]]
    ranks = competition(mine["need_score"].tolist())
    assert [int(r) for r in mine["rank"]] == [r for r, _ in ranks]
    assert mine["place"].tolist() == [("tied " if k > 1 else "") + ordinal(r) for r, k in ranks]
    assert any(k > 1 for _, k in ranks) or narrow, "the demo portfolio should have a tie"
    state = dict(zip(running["subgrant_id"], competition(running["need_score"].tolist()), strict=True))
    for sid, text in zip(mine["subgrant_id"], mine["statewide"], strict=True):
        r, k = state[sid]
        assert text == f"{'tied ' if k > 1 else ''}{ordinal(r)} of {len(running)}"


def test_community_page_rank_names_statewide_and_region(demo_db: Path) -> None:
    """Every community's TA box says its statewide place and its place in each region it serves (or that its award ended)."""
    every = facts(demo_db)
    running = every[~every["ended"]]
    state = dict(zip(running["subgrant_id"], competition(running["need_score"].tolist()), strict=True))
    per_region = running.explode("regions")
    for row in every.itertuples():
        ta = qc.ta_priority(demo_db, row.subgrant_id.lower())  # IDs compare case-insensitively
        assert ta is not None
        if row.ended:
            assert ta["ranks"].startswith("not ranked: the award ended on ")
            continue
        r, k = state[row.subgrant_id]
        parts = [f"{'tied ' if k > 1 else ''}{ordinal(r)} of {len(running)} statewide"]
        for region in row.regions:
            peers = per_region[per_region["regions"] == region]
            rr, kk = competition(peers["need_score"].tolist())[list(peers["subgrant_id"]).index(row.subgrant_id)]
            parts.append(f"{'tied ' if kk > 1 else ''}{ordinal(rr)} of {len(peers)} in {region}")
        assert ta["ranks"] == "; ".join(parts)


def test_award_ending_later_is_ranked_again(demo_db: Path, tmp_path: Path) -> None:
    """Moving an ended award's end date past the reporting quarter puts it back in the ranking (hand-changed register)."""
    db = tmp_path / "moved.duckdb"
    shutil.copy(demo_db, db)
    ended = facts(db).query("ended")["subgrant_id"].iloc[0]
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE subgrant SET end_date = DATE '2099-12-31' WHERE subgrant_id = ?", [ended])
    got = ta_priorities(db, Filters()).set_index("subgrant_id")
    assert not got.loc[ended, "ended"] and not pd.isna(got.loc[ended, "rank"])
    assert "statewide" in qc.ta_priority(db, ended)["ranks"]
