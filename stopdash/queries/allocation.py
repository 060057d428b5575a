"""STOP allocation compliance, computed from the award register per award year (34 U.S.C. 10446(c)).

The percentage base of every check is the total ``award_amount`` of the award
year in the register: the state's STOP allocation as far as the register shows
it (subgranted dollars; the state's own administrative share is not in it).

Checks (docs/exports.md says why each is read this way):

* floors: law enforcement 25%, prosecution 25%, courts 5%, victim services 30%
  (categories *Victim services* and *Culturally specific victim services*);
* culturally specific: 10% *of the 30% victim-services allocation*, i.e. 3% of
  the base, met by the *Culturally specific victim services* category;
* sexual assault: the register's ``sa_amount`` totals at least 20% of the base,
  and (a separate row) those dollars lie in two or more of the statutory
  allocations (law enforcement, prosecution, courts, victim services);
* prevention: subgrants listing purpose area 20 total at most 5% of the base.

Whole dollars and cents are compared exactly (Decimal): a floor's required
dollars are rounded *up* to the cent and a cap's *down*, so "met" agrees with
the dollars shown. ``dollars_short_or_over`` is always actual minus required:
below zero a floor is short; above zero a cap is exceeded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import duckdb
import pandas as pd

from ingest.allocation_rules import PREVENTION_AREA, RULES, SA_ALLOCATIONS, Rule
from ingest.vocab import ALLOCATION_CATEGORIES
from stopdash.queries.reader import Db, check_year, reader, rows

# Short names of the 24 purpose areas of 34 U.S.C. 10441(b), as amended by VAWA 2022 (21-24 added then).
# Summaries for tables and charts: quote the statute itself in anything formal.
PURPOSE_AREAS: dict[int, str] = {
    1: "Training law enforcement, judges, court personnel and prosecutors",
    2: "Specialized law enforcement, prosecution and court units",
    3: "Police, court and prosecution policies, protocols, orders and services",
    4: "Data collection and communication systems",
    5: "Victim services and legal assistance",
    6: "Programs addressing stalking",
    7: "Programs for Indian tribes",
    8: "Statewide multidisciplinary coordination",
    9: "Training sexual assault forensic medical examiners",
    10: "Older victims and victims with disabilities",
    11: "Assistance to victims in immigration matters",
    12: "Core victim services and criminal justice initiatives",
    13: "Victim assistants in law enforcement (Jessica Gonzales)",
    14: "Domestic violence protocols for law enforcement personnel (Crystal Judson)",
    15: "Legislation and policies that enhance best practices",
    16: "Sexual assault response teams (SART) and coordinated responses",
    17: "Sexual assault investigation and prosecution policies and training",
    18: "Sexual assault in correctional and detention settings",
    19: "Sexual assault evidence kit backlogs",
    20: "Prevention and education (capped at 5%)",
    21: "Improved evidence collection",
    22: "Culturally specific services for victims of female genital mutilation or cutting",
    23: "Victim advocates for Indian victims in state and local justice agencies",
    24: "Fees for victims' birth certificates, passports and identification cards",
}
CHECK_COLUMNS = [
    "award_year",
    "code",
    "check",
    "kind",
    "floor_or_cap",
    "base_dollars",
    "required_dollars",
    "actual_dollars",
    "actual_share",
    "met",
    "dollars_short_or_over",
    "explanation",
]


def money(x: Decimal) -> str:
    return f"${x:,.2f}"


def pct(x: Decimal | float) -> str:
    return f"{float(x):.1%}"


def _cents(x: Decimal, rounding: str) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=rounding)


def _register(
    con: duckdb.DuckDBPyConnection, years: list[int]
) -> tuple[dict[int, dict[str, tuple[int, Decimal, Decimal]]], dict[int, tuple[Decimal, int]]]:
    """Per year: category -> (subgrants, award dollars, sexual-assault dollars); and purpose-area-20 (dollars, subgrants)."""
    by_cat: dict[int, dict[str, tuple[int, Decimal, Decimal]]] = defaultdict(dict)
    for year, cat, n, amount, sa in rows(
        con,
        """
            SELECT award_year, allocation_category, count(*), sum(award_amount), sum(sa_amount)
            FROM awards WHERE list_contains(?, award_year) GROUP BY ALL""",
        [years],
    ):
        by_cat[year][cat] = (n, amount, sa)
    prevention = {
        year: (amount or Decimal(0), n)
        for year, amount, n in rows(
            con,
            """
            SELECT a.award_year, sum(a.award_amount), count(*) FROM awards a
            WHERE list_contains(?, a.award_year)
              AND EXISTS (SELECT 1 FROM award_purpose_areas p WHERE p.subgrant_id = a.subgrant_id AND p.purpose_area = ?)
            GROUP BY ALL""",
            [years, PREVENTION_AREA],
        )
    }
    return by_cat, prevention


def _floor_row(year: int, rule: Rule, base: Decimal, actual: Decimal, what: str, extra: str = "") -> dict[str, object]:
    assert rule.share is not None
    if rule.kind == "floor":
        required = _cents(base * rule.share, ROUND_CEILING)
        met = actual >= required
    else:
        required = _cents(base * rule.share, ROUND_FLOOR)
        met = actual <= required
    gap = actual - required
    share = actual / base
    lead = f"{what} {money(actual)}, {pct(share)} of the {money(base)} awarded for {year}{extra}: "
    if rule.kind == "floor":
        tail = (
            f"{rule.label} of {money(required)} is met" + (f" with {money(gap)} to spare." if gap else " exactly.")
            if met
            else f"{money(-gap)} short of {rule.label} of {money(required)}."
        )
    else:
        tail = (
            (
                f"{money(-gap)} under {rule.label} of {money(required)}."
                if gap
                else f"exactly at {rule.label} of {money(required)}, which is allowed."
            )
            if met
            else f"{money(gap)} over {rule.label} of {money(required)}."
        )
    return {
        "award_year": year,
        "code": rule.code,
        "check": rule.check,
        "kind": rule.kind,
        "floor_or_cap": float(rule.share),
        "base_dollars": float(base),
        "required_dollars": float(required),
        "actual_dollars": float(actual),
        "actual_share": float(share),
        "met": bool(met),
        "dollars_short_or_over": float(gap),
        "explanation": lead + tail,
    }


def _year_checks(year: int, cats: dict[str, tuple[int, Decimal, Decimal]], prevention: tuple[Decimal, int]) -> list[dict[str, object]]:
    base = sum((v[1] for v in cats.values()), Decimal(0))

    def dollars(*names: str) -> Decimal:
        return sum((cats[c][1] for c in names if c in cats), Decimal(0))

    rule = {r.code: r for r in RULES}
    vs = dollars(*rule["victim_services"].categories)
    cs = dollars(*rule["culturally_specific"].categories)
    cs_of_vs = f"; that is {pct(cs / vs)} of all victim-services dollars" if vs else ""
    out = [
        _floor_row(year, rule["law_enforcement"], base, dollars(*rule["law_enforcement"].categories), "Law-enforcement subgrants received"),
        _floor_row(year, rule["prosecution"], base, dollars(*rule["prosecution"].categories), "Prosecution subgrants received"),
        _floor_row(year, rule["courts"], base, dollars(*rule["courts"].categories), "Court subgrants received"),
        _floor_row(year, rule["victim_services"], base, vs, "Victim-services subgrants (culturally specific included) received"),
        _floor_row(year, rule["culturally_specific"], base, cs, "Culturally specific victim-services subgrants received", cs_of_vs),
    ]
    sa_total = sum((v[2] for v in cats.values()), Decimal(0))
    out.append(_floor_row(year, rule["sexual_assault"], base, sa_total, "Sexual-assault dollars in the register total"))
    spread: dict[str, Decimal] = defaultdict(Decimal)
    for cat, (_, _, sa) in cats.items():
        if cat in SA_ALLOCATIONS and sa > 0:
            spread[SA_ALLOCATIONS[cat]] += sa
    counted = sum(spread.values(), Decimal(0))
    parts = "; ".join(f"{c} {money(spread[c])}" for c in sorted(spread, key=lambda c: -spread[c]))
    met = len(spread) >= 2
    outside = sa_total - counted
    note = (
        (
            f" A further {money(outside)} of sexual-assault dollars is in discretionary subgrants, which count toward "
            "the 20% but are not one of the statutory allocations."
        )
        if outside
        else ""
    )
    sentence = (
        f"Sexual-assault dollars for {year} lie in {len(spread)} of the four statutory allocations"
        + (f" ({parts})" if parts else "")
        + (": the two-or-more rule is met." if met else ": the statute asks for projects in two or more allocations, so this is not met.")
        + note
    )
    out.append(
        {
            "award_year": year,
            "code": "sexual_assault_allocations",
            "check": rule["sexual_assault_allocations"].check,
            "kind": "rule",
            "floor_or_cap": float("nan"),
            "base_dollars": float(base),
            "required_dollars": float("nan"),
            "actual_dollars": float(counted),
            "actual_share": float(counted / base),
            "met": met,
            "dollars_short_or_over": float("nan"),
            "explanation": sentence,
        }
    )
    amount, n = prevention
    out.append(
        _floor_row(
            year,
            rule["prevention_cap"],
            base,
            amount,
            f"Subgrants listing purpose area 20, prevention and education ({n} of them), total",
            " (a subgrant listing several purpose areas counts in full, so this is an upper bound)",
        )
    )
    return out


def allocation_checks(db: Db, award_year: int | None = None) -> pd.DataFrame:
    """One row per award year and statutory check: required and actual dollars, met, and dollars short (-) or over (+)."""
    with reader(db) as con:
        years = check_year(con, award_year)
        by_cat, prevention = _register(con, years)
    records = [r for y in years for r in _year_checks(y, by_cat[y], prevention.get(y, (Decimal(0), 0)))]
    frame = pd.DataFrame.from_records(records, columns=CHECK_COLUMNS)
    return frame.astype({"award_year": "int64", "met": "bool"})


def allocation_by_category(db: Db, award_year: int | None = None) -> pd.DataFrame:
    """Per award year and allocation category (all six, zeros included): subgrants, dollars, share, sexual-assault and match dollars."""
    with reader(db) as con:
        years = check_year(con, award_year)
        found = {
            (y, c): (n, a, sa, m)
            for y, c, n, a, sa, m in rows(
                con,
                """
            SELECT award_year, allocation_category, count(*), sum(award_amount), sum(sa_amount), sum(match_required)
            FROM awards WHERE list_contains(?, award_year) GROUP BY ALL""",
                [years],
            )
        }
    records = []
    for y in years:
        base = sum((v[1] for (yy, _), v in found.items() if yy == y), Decimal(0))
        for c in ALLOCATION_CATEGORIES:
            n, a, sa, m = found.get((y, c), (0, Decimal(0), Decimal(0), Decimal(0)))
            records.append(
                {
                    "award_year": y,
                    "allocation_category": c,
                    "subgrants": n,
                    "award_dollars": float(a),
                    "share": float(a / base) if base else float("nan"),
                    "sa_dollars": float(sa),
                    "match_required": float(m),
                }
            )
    return pd.DataFrame.from_records(records).astype({"award_year": "int64", "subgrants": "int64"})


def purpose_areas(db: Db, award_year: int | None = None) -> pd.DataFrame:
    """Per award year, each of the 24 purpose areas (and subgrants listing none): subgrants and dollars.

    ``award_dollars`` counts a subgrant's whole award under every area it lists (areas overlap and do not
    add up to the total); ``split_dollars`` divides each award evenly among its listed areas (they add up).
    """
    with reader(db) as con:
        years = check_year(con, award_year)
        found = {
            (y, pa): (n, a, s)
            for y, pa, n, a, s in rows(
                con,
                """
            WITH listed AS (
                SELECT a.subgrant_id, a.award_year, a.award_amount, p.purpose_area,
                       count(p.purpose_area) OVER (PARTITION BY a.subgrant_id) AS k
                FROM awards a LEFT JOIN award_purpose_areas p USING (subgrant_id)
                WHERE list_contains(?, a.award_year)
            )
            SELECT award_year, purpose_area, count(DISTINCT subgrant_id), sum(award_amount),
                   sum(CAST(award_amount AS DOUBLE) / greatest(k, 1))
            FROM listed GROUP BY ALL""",
                [years],
            )
        }
        bases = dict(rows(con, "SELECT award_year, sum(award_amount) FROM awards WHERE list_contains(?, award_year) GROUP BY 1", [years]))
    records = []
    for y in years:
        for pa in [*PURPOSE_AREAS, None]:
            n, a, s = found.get((y, pa), (0, Decimal(0), 0.0))
            records.append(
                {
                    "award_year": y,
                    "purpose_area": pa,
                    "short_name": PURPOSE_AREAS[pa] if pa is not None else "(no purpose area listed)",
                    "subgrants": n,
                    "award_dollars": float(a),
                    "share_of_awards": float(a / bases[y]),
                    "split_dollars": round(float(s), 2),
                }
            )
    frame = pd.DataFrame.from_records(records)
    return frame.astype({"award_year": "int64", "purpose_area": "Int64", "subgrants": "int64"})


SCOPED_COLUMNS = [
    "subgrant_id",
    "community",
    "organization",
    "allocation_category",
    "award_year",
    "award_amount",
    "sa_amount",
    "purpose_areas",
]


def scoped_awards(db: Db, scope: Sequence[str], award_year: int | None = None) -> pd.DataFrame:
    """The register's rows of the subgrants serving a county in *scope* (FIPS codes), for someone limited to those counties.

    No statewide figure: the allocation checks' base is every county's awards, so a county viewer gets their own rows only.
    """
    with reader(db) as con:
        found = rows(
            con,
            """
            SELECT a.subgrant_id, a.community, a.organization, a.allocation_category, a.award_year, a.award_amount, a.sa_amount,
                   (SELECT string_agg(CAST(p.purpose_area AS VARCHAR), ', ' ORDER BY p.purpose_area) FROM award_purpose_areas p
                    WHERE p.subgrant_id = a.subgrant_id) AS purpose_areas
            FROM awards a
            WHERE EXISTS (SELECT 1 FROM award_counties ac WHERE ac.subgrant_id = a.subgrant_id AND list_contains(?, ac.county_fips))
              AND (CAST(? AS INTEGER) IS NULL OR a.award_year = ?)
            ORDER BY a.award_year DESC, a.community, a.subgrant_id""",
            [list(scope), award_year, award_year],
        )
    frame = pd.DataFrame.from_records(found, columns=SCOPED_COLUMNS)
    return frame.astype({"award_year": "int64", "award_amount": "float64", "sa_amount": "float64"})
