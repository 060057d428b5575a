"""The demo award register: STOP subgrants, their money, geography and dates.

Money is allocated per award year to follow the statute's floors (34 U.S.C. 10446(c)),
except that the first award year falls short of the 5% courts floor on purpose,
so the compliance view has a finding to show. Geography spreads subgrants over
every Minnesota region (more in the Metro) and places tribal-serving ones in
counties near the nations they serve.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from ingest.quarters import quarter_end, quarter_start
from ingest.quarters import quarter_list as quarter_list
from ingest.workbook.awards import FEDERAL_AWARD_HEADER, REGISTER_HEADER
from stopdash.demo import names as N
from stopdash.demo.workbooks import save_reproducible

STATE_DIR = Path(__file__).resolve().parents[2] / "data" / "states" / "MN"

# Target shares of each award year's dollars (statute floors: LE 25, prosecution 25, courts 5, VS 30).
SHARES = {
    "Law enforcement": 0.27,
    "Prosecution": 0.26,
    "Courts": 0.06,
    "Victim services": 0.25,
    "Culturally specific victim services": 0.08,
    "Discretionary": 0.08,
}
# The first award year misses the 5% courts floor on purpose, so the dashboard has a finding to show.
SHORT_SHARES = {**SHARES, "Courts": 0.046, "Discretionary": 0.094}
MATCHED = {"Law enforcement", "Prosecution", "Courts", "Discretionary"}  # victim services need no match
# The state's federal awards, one per federal fiscal year (award year): number serial, and the share of the award
# left after the administrative share that the subgrants take (under 1: some still to award; the ledger's
# "with admin" base is then larger than the subawarded base, so a floor met on one can be short on the other).
FEDERAL_SERIALS = ("00123", "00456", "00789", "01011")
SUBAWARDED_SHARE = (1.0, 0.97, 0.99, 0.96)
ADMIN_SHARE = 0.10  # STOP lets a state keep up to 10% for administration
_UEI_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"  # SAM leaves out I and O


def federal_award_number(year: int, years: list[int]) -> str:
    """The state's federal award for an award year: 15JOVW-25-GG-00123-STOP for the first."""
    return f"15JOVW-{year % 100:02d}-GG-{FEDERAL_SERIALS[years.index(year) % len(FEDERAL_SERIALS)]}-STOP"


@dataclass
class Subgrant:
    """One row of the award register (plus the quarter indexes its dates cover)."""

    sid: str
    org: str
    community: str
    category: str
    year: int
    amount: int
    region: str
    place: str
    counties: list[str]
    tribes: list[str]
    n: int  # number of the fictional preparer
    sa: int = 0
    purposes: list[int] = field(default_factory=list)
    start: dt.date = dt.date.min
    end: dt.date = dt.date.max
    active: list[int] = field(default_factory=list)  # quarter indexes inside start..end
    # Federal reporting: the award it is paid from, when it was made, the grantee's UEI, dollars returned at closeout.
    federal_award: str = ""
    award_date: dt.date = dt.date.min
    uei: str = ""
    returned: int | None = None  # None: not known (still open)


# The demo's short names for the quarter arithmetic of ingest/quarters.py.
q_start = quarter_start
q_end = quarter_end


def _r500(x: float) -> int:
    return round(x / 500.0) * 500


def _allocate(rng: random.Random, shares: dict[str, float], k: int) -> list[tuple[str, int]]:
    """k (category, amount) pairs whose category totals follow ``shares`` (largest-remainder counts)."""
    raw = {c: p * k for c, p in shares.items()}
    counts = {c: int(v) for c, v in raw.items()}
    for c in sorted(shares, key=lambda c: raw[c] - counts[c], reverse=True)[: k - sum(counts.values())]:
        counts[c] += 1
    if k >= len(shares):  # every category funded at least once
        for c in shares:
            if counts[c] == 0:
                counts[max(counts, key=lambda x: counts[x])] -= 1
                counts[c] = 1
    live = sum(p for c, p in shares.items() if counts[c])
    out: list[tuple[str, int]] = []
    for c, p in shares.items():
        if not counts[c]:
            continue
        target = _r500(k * 115_000 * p / live)
        w = [rng.uniform(0.35, 1.9) for _ in range(counts[c])]
        parts = [min(250_000, max(25_000, _r500(target * x / sum(w)))) for x in w[:-1]]
        parts.append(min(250_000, max(25_000, target - sum(parts))))
        out += [(c, a) for a in parts]
    rng.shuffle(out)
    return out


def read_counties() -> list[dict[str, str]]:
    with open(STATE_DIR / "counties.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["key"] = r["region"].split(" (")[0]
    return rows


def read_tribes() -> list[str]:
    with open(STATE_DIR / "tribal_nations.csv", newline="", encoding="utf-8") as f:
        return [r["name"] for r in csv.DictReader(f)]


def plan_subgrants(rng: random.Random, n: int, quarters: list[tuple[int, int]]) -> list[Subgrant]:
    """The award register: categories, amounts, geography and dates."""
    counties, tribes = read_counties(), read_tribes()
    region_of = {c["name"]: c["key"] for c in counties}
    years = sorted({y for y, _ in quarters})
    rows: list[tuple[int, str, int]] = []
    for y in years:
        k = sum(1 for i in range(n) if years[i % len(years)] == y)
        rows += [(y, c, a) for c, a in _allocate(rng, SHORT_SHARES if y == years[0] else SHARES, k)]
    # Geography: ~12 in 90 near tribal nations; every region at least once, Metro weighted 4x.
    tribal = set(rng.sample(range(n), round(n * 12 / 90)))
    keys = list(N.PLACE_WORDS)
    others = n - len(tribal)
    regions = keys[:] if others >= len(keys) else rng.sample(keys, others)
    regions += rng.choices(keys, [4 if k == "Metro" else 1 for k in keys], k=others - len(regions))
    rng.shuffle(regions)
    used: set[str] = set()
    subs, seq = [], dict.fromkeys(years, 0)
    for i, (y, cat, amount) in enumerate(rows):
        if i in tribal:
            if rng.random() < 0.35:
                nations = list(rng.choice(N.TRIBAL_PAIRS))
            else:
                nations = [rng.choice([t for t in tribes if t in N.TRIBAL_COUNTIES])]
            near = list(dict.fromkeys(c for t in nations for c in N.TRIBAL_COUNTIES[t]))
            cs = rng.sample(near, min(len(near), rng.randint(1, 3)))
            region = region_of[cs[0]]
        else:
            nations, region = [], regions.pop()
            pool = [c["name"] for c in counties if c["key"] == region]
            cs = rng.sample(pool, min(len(pool), rng.choice([1, 1, 1, 2, 2, 3])))
        place = rng.choice(N.PLACE_WORDS[region])
        for _ in range(50):  # one community per subgrant unless deliberately shared below
            community = f"{place} {rng.choice(N.COMMUNITY_SUFFIXES)} (fictional)"
            if community in used:
                place = rng.choice(N.PLACE_WORDS[region])
            else:
                break
        else:
            community = f"{place} {rng.choice(N.COMMUNITY_SUFFIXES)} {i + 1} (fictional)"
        used.add(community)
        seq[y] += 1
        org = f"{rng.choice(N.PLACE_WORDS[region])} {rng.choice(N.ORG_KINDS[cat])} (demo)"
        subs.append(Subgrant(f"MN-STOP-{y}-{seq[y]:03d}", org, community, cat, y, amount, region, place, cs, nations, i + 1))
    _share_communities(rng, subs)
    first, last = q_start(*quarters[0]), q_end(*quarters[-1])
    nq = len(quarters)
    for s in subs:
        s.sa = min(s.amount, _r500(s.amount * rng.uniform(0.3, 1.0))) if rng.random() < 0.5 else 0
        s.purposes = sorted(rng.sample([p for p in range(1, 25) if p != 20], rng.randint(1, 4)))
        s.start, s.end, r = first, last, rng.random()
        if r < 0.15 and nq >= 3:  # starts late
            s.start = q_start(*quarters[rng.randint(1, min(3, nq - 1))])
        elif r < 0.25 and nq >= 3:  # ends early
            s.end = q_end(*quarters[nq - 1 - rng.randint(1, min(2, nq - 2))])
        s.active = [t for t, yq in enumerate(quarters) if q_start(*yq) <= s.end and q_end(*yq) >= s.start]
    # A few prevention (#20) projects, the smallest awards, so the 5% cap holds.
    for s in sorted(subs, key=lambda s: (s.amount, s.sid))[: max(1, n // 30)]:
        s.purposes = sorted({*s.purposes[:3], 20})
    _plan_federal(subs, years, last)
    return subs


def _plan_federal(subs: list[Subgrant], years: list[int], last: dt.date) -> None:
    """Federal award, award date, UEI and funds returned, each from the subgrant's own stream (the rest of the demo is unchanged)."""
    for s in subs:
        f = random.Random(f"federal {s.sid}")
        s.federal_award = federal_award_number(s.year, years)
        s.award_date = s.start - dt.timedelta(days=f.randint(14, 45))
        s.uei = _uei(f)
        closed = s.end < last
        if closed or f.random() < 0.1:  # closed out (and a few that gave money back early): what came back is known
            s.returned = _r500(s.amount * f.uniform(0.02, 0.15)) if f.random() < 0.7 else 0


def _uei(f: random.Random) -> str:
    """A fictional UEI: twelve of SAM's characters, the first a letter (nine digits in a row included: the
    confidentiality guard knows the register's UEI column, docs/confidentiality.md)."""
    return f.choice(_UEI_CHARS[:-10]) + "".join(f.choice(_UEI_CHARS) for _ in range(11))


def federal_awards(subs: list[Subgrant]) -> list[tuple[str, int, int, int, dt.date, dt.date]]:
    """The Federal awards sheet: (number, federal fiscal year, award amount, admin share, period start, period end)."""
    years = sorted({s.year for s in subs})
    out = []
    for i, y in enumerate(years):
        subawarded = sum(s.amount for s in subs if s.year == y)
        amount = _r500(subawarded / SUBAWARDED_SHARE[i % len(SUBAWARDED_SHARE)] / (1 - ADMIN_SHARE))
        out.append((federal_award_number(y, years), y, amount, _r500(amount * ADMIN_SHARE), dt.date(y - 1, 10, 1), dt.date(y + 2, 9, 30)))
    return out


def _share_communities(rng: random.Random, subs: list[Subgrant]) -> None:
    """The same collaborative funded through 2-3 allocation categories (one community, several subgrants)."""
    taken: set[str] = set()
    for _ in range(max(1, len(subs) // 30)):
        pool = [s for s in subs if s.sid not in taken and not s.tribes]
        if not pool:
            return
        a = rng.choice(pool)
        cats = {a.category}
        for b in [s for s in subs if s.region == a.region and s.sid not in taken and not s.tribes and s is not a]:
            if b.category not in cats and len(cats) < rng.choice([2, 3]):
                cats.add(b.category)
                taken.add(b.sid)
                b.community, b.counties, b.place = a.community, a.counties, a.place
        taken.add(a.sid)


def _county_text(rng: random.Random, names: list[str], fips: dict[str, str], messy: bool) -> str:
    """Counties as administrators type them: names, 'County' suffixes, lower case or FIPS codes."""
    if not messy:
        return "; ".join(names)
    out = []
    for c in names:
        forms = [c, c, f"{c} County", c.lower(), fips[c]]
        if c == "St. Louis":
            forms += ["St Louis County", "saint louis"]
        out.append(rng.choice(forms))
    return rng.choice(["; ", ", ", ";"]).join(out)


def write_register(rng: random.Random, subs: list[Subgrant], path: Path, messy: bool) -> None:
    fips = {c["name"]: c["fips"] for c in read_counties()}
    wb = Workbook()
    ws = wb.active
    ws.title = "Subgrants"
    ws["A1"] = "STOP subgrants — FICTIONAL DEMO DATA"
    ws.append([])
    ws.append(REGISTER_HEADER)
    for s in sorted(subs, key=lambda s: s.sid):
        ws.append(
            [
                s.sid,
                s.org,
                s.community,
                s.category,
                s.year,
                s.amount,
                s.sa,
                s.amount // 4 if s.category in MATCHED and not s.tribes else 0,  # tribal projects need no match
                s.start,
                s.end,
                _county_text(rng, s.counties, fips, messy),
                "; ".join(s.tribes),
                ";".join(str(p) for p in s.purposes),
                *_federal_cells(s, messy),
            ]
        )
    for col, width in zip("ABCDEFGHIJKLMNOPQR", (18, 48, 60, 32, 11, 14, 14, 14, 12, 12, 36, 44, 14, 26, 12, 15, 14, 13), strict=True):
        ws.column_dimensions[col].width = width
    fa = wb.create_sheet("Federal awards")
    fa.append(FEDERAL_AWARD_HEADER)
    for row in federal_awards(subs):
        fa.append(list(row))
    for col, width in zip("ABCDEF", (26, 20, 16, 22, 12, 12), strict=True):
        fa.column_dimensions[col].width = width
    save_reproducible(wb, path)


def _federal_cells(s: Subgrant, messy: bool) -> list[object]:
    """The register's federal columns for one subgrant, typed now and then as people type them."""
    f = random.Random(f"federal cells {s.sid}")
    number: object = s.federal_award
    award_date: object = s.award_date
    uei: object = s.uei
    if messy and f.random() < 0.2:
        number = f" {s.federal_award.lower()} "
    if messy and f.random() < 0.2:
        award_date = f"{s.award_date.month}/{s.award_date.day}/{s.award_date.year}"
    if messy and f.random() < 0.15:
        uei = s.uei.lower()
    exempt: object = None  # blank: the federal-share rule decides (victim services and tribal projects need none)
    if f.random() < 0.15:
        exempt = "No" if s.category in MATCHED and not s.tribes else "Yes"
    return [number, award_date, uei, s.returned, exempt]
