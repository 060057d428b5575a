"""Attacks on the published counts of people: no filter, total or difference recovers a true count from 1 to 10.

Random portfolios (fixed seeds) go through the real ingest into a real DuckDB file. Every people
figure the product publishes is collected under every filter it offers: the export workbook
(xlsx bytes read back) and the HTML brief's card for each award year and quarter, the dashboard's
query functions for award years, categories, regions, counties, viewer scopes and quarters, and
the Community page's per-report figures. An attacker who knows which records each figure covers
(the register is public) and the perturbation bounds then differences every pair and many triples
of figures (A − B, A − B − C), intersects what every observation allows, and must never be left
with a single true count from 1 to 10.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from test_allocation import write_register
from test_export_injection import write_report

from ingest.config import settings
from ingest.pipeline import ingest_paths, load_register
from ingest.vocab import VICTIMIZATIONS
from stopdash.exports.brief import brief_html
from stopdash.exports.excel import xlsx_bytes
from stopdash.exports.tables import gather_summary
from stopdash.queries import community as qc
from stopdash.queries.overview import Filters, quarterly_trend
from stopdash.queries.practice import survivors_engaged
from stopdash.suppression import SHIFT, protector, small_range

ROOT = Path(__file__).resolve().parents[1]
T = settings().suppression_threshold
RANGE = small_range(T)
QUARTERS = ("2026-Q1", "2026-Q2")
# Two counties in each of three regions, so that region, county and scope filters cut the portfolio differently.
COUNTIES = {"Aitkin": "Arrowhead (EDR 3)", "Carlton": "Arrowhead (EDR 3)", "Anoka": "Metro (EDR 11)", "Dakota": "Metro (EDR 11)"}
COUNTIES |= {"Becker": "West Central (EDR 4)", "Clay": "West Central (EDR 4)"}
CATEGORIES = ["Law enforcement", "Prosecution", "Victim services", "Courts"]
SEEDS = [11, 23, 37, 59]
MEASURES = ("served", "partially_served", "not_served")

Record = tuple[str, ...]  # (measure, subgrant ID, quarter[, victimization])


# ---- a random portfolio through the real ingest --------------------------------------------------------------


def _people(rng: random.Random) -> int:
    """A count of people, mostly small: the cases differencing attacks go after."""
    roll = rng.random()
    return 0 if roll < 0.15 else rng.randint(1, T) if roll < 0.75 else rng.randint(T + 1, 45)


@dataclass
class Portfolio:
    db: Path
    subgrants: dict[str, dict[str, object]]  # id -> year, category, counties
    truth: dict[Record, int] = field(default_factory=dict)  # every reported count of people
    reported: set[tuple[str, str]] = field(default_factory=set)  # (subgrant, quarter) with an accepted report

    def selected(self, f: Filters) -> set[str]:
        """The subgrants a dashboard filter keeps, worked out here from the register (not by the product's SQL)."""
        out = set()
        for sid, s in self.subgrants.items():
            counties = {settings().county(c).fips for c in s["counties"]}  # type: ignore[union-attr, attr-defined]
            regions = {COUNTIES[c] for c in s["counties"]}  # type: ignore[attr-defined]
            if f.award_years and s["year"] not in f.award_years:
                continue
            if f.categories and s["category"] not in f.categories:
                continue
            if f.counties and not counties & set(f.counties):
                continue
            if not f.counties and f.regions and not regions & set(f.regions):
                continue
            if f.scope is not None and not counties & set(f.scope):
                continue
            out.add(sid)
        return out


def build(root: Path, seed: int) -> Portfolio:
    rng = random.Random(seed)
    rows, subgrants = [], {}
    for n in range(1, rng.randint(7, 10) + 1):
        year = rng.choice([2025, 2026])
        counties = rng.sample(sorted(COUNTIES), rng.choice([1, 1, 2]))
        sid = f"D{seed}-{n:02d}"
        subgrants[sid] = {"year": year, "category": rng.choice(CATEGORIES), "counties": counties}
        rows.append(
            {
                "id": sid,
                "category": subgrants[sid]["category"],
                "year": year,
                "amount": 100_000,
                "start": dt.date(year, 1, 1),
                "end": dt.date(2026, 12, 31),
                "counties": "; ".join(counties),
            }
        )
    db = root / "portfolio.duckdb"
    assert not [i for i in load_register(write_register(root / "register.xlsx", rows), db).issues if i.severity == "error"]
    p = Portfolio(db, subgrants)
    files = []
    for sid, q in itertools.product(subgrants, QUARTERS):
        if rng.random() < 0.15:
            continue  # this report never came
        survivors = None if rng.random() < 0.08 else _people(rng)
        services = [(v, _people(rng), _people(rng), _people(rng)) for v in rng.sample(VICTIMIZATIONS, rng.randint(0, 3))]
        files.append(write_report(root / f"{sid}-{q}.xlsx", sid, q, survivors, [("Protocol", 3)], services=services))
        p.reported.add((sid, q))
        if survivors is not None:
            p.truth[("survivors_engaged", sid, q)] = survivors
        for v, *counts in services:
            for measure, c in zip(MEASURES, counts, strict=True):
                p.truth[(measure, sid, q, v)] = c
    assert ingest_paths(files, db, workers=1).count("rejected") == 0
    return p


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def portfolio(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Portfolio:
    return build(tmp_path_factory.mktemp(f"p{request.param}"), request.param)


# ---- every published figure, with the records it covers -------------------------------------------------------

Figure = tuple[frozenset[Record], object]  # (records covered, value as shown)


def _survivor_records(p: Portfolio, sids: Iterable[str], q: str) -> frozenset[Record]:
    return frozenset(r for r in (("survivors_engaged", s, q) for s in sids) if r in p.truth)


def _latest(p: Portfolio, sid: str, q: str) -> str | None:
    return max((period for s, period in p.reported if s == sid and period <= q), default=None)


def export_figures(p: Portfolio, year: int | None, period: str | None) -> list[Figure]:
    """The people figures of one summary: the workbook's two sheets (read back from xlsx) and the brief's card."""
    q = period or QUARTERS[-1]
    sids = sorted(s for s, v in p.subgrants.items() if year is None or v["year"] == year)
    summary = gather_summary(p.db, year, period)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(summary)))
    out: list[Figure] = []

    def sheet(name: str) -> list[dict[str, object]]:
        ws = wb[name]
        header = [c.value for c in ws[4]]
        found = []
        for row in ws.iter_rows(min_row=5, values_only=True):
            if all(v is None for v in row) or row[0] == "Nothing to show for this selection.":
                break
            found.append(dict(zip(header, row, strict=True)))
        return found

    survivors = sheet("Survivor engagement")
    every: set[Record] = set()
    for r in survivors[:-1]:
        latest = _latest(p, str(r["Subgrant ID"]), q)
        assert latest == r["Period"]
        records = _survivor_records(p, [str(r["Subgrant ID"])], latest)
        every |= records
        if records:
            out.append((records, r["Survivors engaged (people)"]))
        else:
            assert r["Survivors engaged (people)"] is None
    assert {str(r["Subgrant ID"]) for r in survivors[:-1]} == {s for s in sids if _latest(p, s, q)}
    total = survivors[-1]["Survivors engaged (people)"]
    if every:
        out.append((frozenset(every), total))
    page = brief_html(summary)
    card = re.search(r'<div class="n">([^<]*)</div><div class="l">survivors engaged \(latest reports\)</div>', page)
    assert card is not None
    if every:
        out.append((frozenset(every), _value(card[1])))

    services = sheet("Services")
    cells: dict[tuple[str, str], set[Record]] = {}
    for rec in p.truth:
        if rec[0] in MEASURES and rec[2] == q and rec[1] in sids:
            cells.setdefault((rec[3], rec[0]), set()).add(rec)
    for r in services:
        vict = str(r["Victimization"])
        rows = list(VICTIMIZATIONS) if vict == "All victimizations" else [vict]
        for measure, column in [*zip(MEASURES, ["Served", "Partially served", "Not served"], strict=True), (None, "Total")]:
            records = frozenset(x for v in rows for m in ([measure] if measure else MEASURES) for x in cells.get((v, m), ()))
            if records:
                out.append((records, r[column]))
            else:
                assert r[column] is None, (vict, column)
    return out


def dashboard_filters(p: Portfolio) -> list[Filters]:
    """Every combination of the sidebar's filters over this portfolio (and three viewers' scopes)."""
    fips = {c: settings().county(c).fips for c in COUNTIES}  # type: ignore[union-attr]
    years: list[tuple[int, ...]] = [(), (2025,), (2026,), (2025, 2026)]
    used = sorted({str(s["category"]) for s in p.subgrants.values()})
    cats: list[tuple[str, ...]] = [(), *((c,) for c in used), tuple(used[:2])]
    regions = sorted(set(COUNTIES.values()))
    geo: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), ())]
    geo += [((r,), ()) for r in regions] + [((), (fips[c],)) for c in sorted(COUNTIES)]
    geo += [((), (fips["Aitkin"], fips["Anoka"])), ((), (fips["Carlton"], fips["Clay"], fips["Dakota"]))]
    scopes: list[tuple[str, ...] | None] = [None, (fips["Anoka"], fips["Dakota"]), (fips["Aitkin"], fips["Becker"], fips["Clay"])]
    return [
        Filters(award_years=y, categories=c, regions=r, counties=k, scope=s)
        for y, c, (r, k), s in itertools.product(years, cats, geo, scopes)
    ]


def queried(p: Portfolio, filters: list[Filters]) -> list[Filters]:
    """One filter combination for each distinct set of subgrants the combinations select, and every 15th besides
    (opening the database for each of ~900 combinations would take a minute per portfolio)."""
    first: dict[frozenset[str], Filters] = {}
    for f in filters:
        first.setdefault(frozenset(p.selected(f)), f)
    return list(dict.fromkeys([*first.values(), *filters[::15]]))


def dashboard_figures(p: Portfolio, filters: list[Filters]) -> list[Figure]:
    """Survivors engaged per quarter on the Survivor engagement and Overview pages, and per report on the Community page."""
    out: list[Figure] = []
    for f in filters:
        engaged = survivors_engaged(p.db, f)
        sel = p.selected(f)
        for row in engaged.itertuples():
            records = _survivor_records(p, sel, row.period)
            assert row.communities_reporting == len(records)
            if records:
                out.append((records, _value(row.survivors_text)))
        if not f.categories and not f.counties and f.scope is None:  # the Overview's trend: the same figures
            trend = quarterly_trend(p.db, f)
            assert list(trend["survivors_text"]) == [
                dict(zip(engaged.period, engaged.survivors_text, strict=True)).get(q, "not reported") for q in trend.period
            ]
    for sid in p.subgrants:
        for row in qc.periods(p.db, sid).itertuples():
            records = _survivor_records(p, [sid], row.period)
            if records:
                out.append((records, _value(row.survivors_text)))
    return out


def _value(text: str) -> object:
    return text if text == RANGE else int(text.replace(",", ""))


def published(p: Portfolio) -> list[Figure]:
    figures = [f for y in (None, 2025, 2026) for q in (None, *QUARTERS) for f in export_figures(p, y, q)]
    return figures + dashboard_figures(p, queried(p, dashboard_filters(p)))


@pytest.fixture(scope="module")
def figures(portfolio: Portfolio) -> list[Figure]:
    return published(portfolio)


# ---- the attacker -----------------------------------------------------------------------------------------------


def bounds(shown: object) -> tuple[int, int]:
    """What a shown figure says about the figure behind it (the sum of its records' stand-ins)."""
    if shown == RANGE:
        return 1, T
    assert isinstance(shown, int) and (shown == 0 or shown > T), shown
    return shown, shown


def _window(c: int, shift: int) -> tuple[int, int]:
    """The documented perturbation: a count from 1 to T gets a stand-in within *shift* of it, still from 1 to T."""
    return max(1, c - shift), min(T, c + shift)


# For k small records: true sum -> the (lowest, highest) sums of stand-ins each combination of true counts allows.
_SPANS: dict[tuple[int, int], dict[int, set[tuple[int, int]]]] = {}
MAX_SMALL = 8


def _spans(k: int, shift: int) -> dict[int, set[tuple[int, int]]]:
    """Every (true sum, lowest and highest sum of stand-ins) that k counts from 1 to T can have (exact, by dynamic programming)."""
    if (k, shift) not in _SPANS:
        states = {(0, 0, 0)}
        for _ in range(k):
            states = {(c + x, lo + _window(x, shift)[0], hi + _window(x, shift)[1]) for c, lo, hi in states for x in range(1, T + 1)}
        table: dict[int, set[tuple[int, int]]] = {}
        for c, lo, hi in states:
            table.setdefault(c, set()).add((lo, hi))
        _SPANS[(k, shift)] = table
    return _SPANS[(k, shift)]


class Attacker:
    """Knows the register, which records each figure covers, every zero and every count above T exactly
    (more than is published), and that the rest are 1..T perturbed within SHIFT. Collects, for each group of
    records, the true sums every observation allows, and intersects them."""

    def __init__(self, truth: dict[Record, int], shift: int = SHIFT):
        self.truth, self.shift = truth, shift
        self.allowed: dict[frozenset[Record], set[int]] = {}
        self.observations = self.skipped = self.pairs = self.triples = 0

    def observe(self, group: frozenset[Record], lo: int, hi: int) -> None:
        """The stand-ins of *group* sum to something in lo..hi."""
        known = sum(self.truth[r] for r in group if not 1 <= self.truth[r] <= T)
        small = sum(1 for r in group if 1 <= self.truth[r] <= T)
        if small == 0:
            return  # its true sum is 0 or above T, exact anyway: not a small count
        if small > MAX_SMALL:
            self.skipped += 1
            return
        lo, hi = lo - known, hi - known
        sums = {known + total for total, spans in _spans(small, self.shift).items() if any(a <= hi and b >= lo for a, b in spans)}
        assert known + sum(self.truth[r] for r in group if 1 <= self.truth[r] <= T) in sums, "the attacker's model must allow the truth"
        self.observations += 1
        self.allowed[group] = self.allowed.get(group, sums) & sums

    def pinned(self) -> dict[frozenset[Record], int]:
        """Groups whose true count is 1..T and left with one possible value."""
        return {g: next(iter(s)) for g, s in self.allowed.items() if len(s) == 1 and 1 <= next(iter(s)) <= T}


def attack(
    truth: dict[Record, int],
    figures: list[Figure],
    max_triples: int = 150_000,
    *,
    shift: int = SHIFT,
    read: Callable[[object], tuple[int, int]] = bounds,
) -> Attacker:
    """Every figure alone, every pair A − B with B inside A, and up to *max_triples* A − B − C (B, C disjoint inside A).

    *shift* and *read* are the mechanism the attacker assumes: how far a record's stand-in may be from its count,
    and what a shown figure says about the sum of its records' stand-ins.
    """
    shown: dict[frozenset[Record], tuple[int, int]] = {}
    for group, value in figures:
        b = read(value)
        assert shown.setdefault(group, b) == b, "the same records must give the same figure under every filter"
    a = Attacker(truth, shift)
    groups = sorted(shown, key=lambda g: (len(g), sorted(g)))
    for g in groups:
        a.observe(g, *shown[g])
    inside = {g: [h for h in groups if h < g] for g in groups}
    triples = 0
    for g in groups:
        lo_g, hi_g = shown[g]
        for h in inside[g]:
            lo_h, hi_h = shown[h]
            a.pairs += 1
            a.observe(g - h, lo_g - hi_h, hi_g - lo_h)
        for h, k in itertools.combinations(inside[g], 2):
            if triples >= max_triples or h & k or not g - h - k:
                continue
            triples += 1
            a.triples += 1
            (lo_h, hi_h), (lo_k, hi_k) = shown[h], shown[k]
            a.observe(g - h - k, lo_g - hi_h - hi_k, hi_g - lo_h - lo_k)
    return a


# ---- the tests --------------------------------------------------------------------------------------------------


def test_portfolio_has_small_counts_to_attack(portfolio: Portfolio, figures: list[Figure]) -> None:
    """Each generated portfolio has many small counts and thousands of published figures (the attack has material)."""
    small = [c for c in portfolio.truth.values() if 1 <= c <= T]
    filters = dashboard_filters(portfolio)
    print(f"{len(filters)} filter combinations, {len(queried(portfolio, filters))} queried, {len(figures)} figures")
    assert len(small) >= 10 and len(figures) >= 300 and len(filters) >= 600


def test_no_difference_of_published_figures_gives_a_small_count_away(portfolio: Portfolio, figures: list[Figure]) -> None:
    """Pairs and triples of published figures, every observation intersected, never leave one true count from 1 to 10."""
    a = attack(portfolio.truth, figures)
    print(
        f"{len(figures)} figures, {a.pairs} pairs, {a.triples} triples, {len(a.allowed)} groups attacked, "
        f"{a.observations} observations, {a.skipped} skipped (over {MAX_SMALL} small counts)"
    )
    assert a.observations > 1000
    assert a.pinned() == {}


def test_the_attack_breaks_true_totals(portfolio: Portfolio, figures: list[Figure]) -> None:
    """The same attack on true totals shown with the 1–10 rule (what each table used to publish) recovers small counts."""
    naive = [(g, RANGE if 1 <= (v := sum(portfolio.truth[r] for r in g)) <= T else v) for g, _ in figures]
    assert attack(portfolio.truth, naive, max_triples=0, shift=0).pinned()


def test_the_attack_breaks_independent_noise_per_figure() -> None:
    """Noise drawn per figure (the cell-key method on its own, ±2) falls to intersected differences in some portfolio."""
    found = 0
    rng = random.Random(5)
    for _ in range(20):
        truth: dict[Record, int] = {
            ("survivors_engaged", f"S{i}", "2026-Q1"): rng.choice([rng.randint(1, T), rng.randint(T + 1, 60)]) for i in range(12)
        }
        records = sorted(truth)
        target = records[0]
        groups = [frozenset(rng.sample(records[1:], 5)) for _ in range(60)]
        figures: list[Figure] = []
        for g in groups:
            for grp in (g, g | {target}):
                v = sum(truth[r] for r in grp)
                cell_key = int(hashlib.sha256(repr(sorted(grp)).encode()).hexdigest(), 16)
                noisy = max(v + cell_key % 5 - 2, T + 1) if v > T else v
                figures.append((grp, RANGE if 1 <= v <= T else noisy))
        found += bool(attack(truth, figures, max_triples=0, shift=0, read=noisy_bounds).pinned())
    assert found


def noisy_bounds(shown: object) -> tuple[int, int]:
    """Per-figure noise of ±2 (kept above T): what a shown number says about the true figure."""
    if shown == RANGE or shown == 0:
        return bounds(shown)
    assert isinstance(shown, int)
    return (T + 1, T + 3) if shown == T + 1 else (max(T + 1, shown - 2), shown + 2)


def test_figures_are_sums_of_fixed_stand_ins(portfolio: Portfolio, figures: list[Figure]) -> None:
    """Every published figure is the sum of its records' stand-ins (so combining figures yields stand-ins at most),
    and even knowing every stand-in exactly, every group with a true count from 1 to 10 keeps two or more candidates."""
    p = protector(portfolio.db)
    stand = {r: p.stand_in(r[0], r[1], r[2], c, r[3] if len(r) > 3 else None) for r, c in portfolio.truth.items()}
    for group, value in figures:
        assert p.shown(sum(stand[r] for r in group)) == value  # type: ignore[misc]
    for r, c in portfolio.truth.items():
        s = stand[r]
        assert s == c if c == 0 or c > T else (1 <= s <= T and abs(s - c) <= SHIFT)  # type: ignore[operator]
    for group, _ in figures:
        small = [r for r in group if 1 <= portfolio.truth[r] <= T]
        if not small:
            continue
        fixed = sum(portfolio.truth[r] for r in group if r not in small)
        lowest = fixed + sum(max(1, stand[r] - SHIFT) for r in small)  # type: ignore[operator]
        highest = fixed + sum(min(T, stand[r] + SHIFT) for r in small)  # type: ignore[operator]
        assert highest - lowest >= 2


_PROBE = """
import json, sys
from pathlib import Path
from stopdash.exports.tables import gather_summary
from stopdash.queries.overview import Filters
from stopdash.queries.practice import survivors_engaged
db = Path(sys.argv[1])
out = {}
for year in (None, 2025, 2026):
    s = gather_summary(db, year)
    for name in ("Survivor engagement", "Services"):
        out[f"{year} {name}"] = s.sheet(name).frame.astype(str).values.tolist()
for f in (Filters(), Filters(award_years=(2025,)), Filters(categories=("Courts", "Prosecution"))):
    out[repr(f)] = survivors_engaged(db, f)["survivors_text"].tolist()
print(json.dumps(out, sort_keys=True))
"""


def _probe(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _PROBE, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_same_figures_in_every_process_and_call(portfolio: Portfolio, tmp_path: Path) -> None:
    """Two fresh processes give the figures this one gives; on a copy with no key yet, two processes racing to make it agree."""
    here = subprocess.run([sys.executable, "-c", _PROBE, str(portfolio.db)], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    again = _probe(portfolio.db).communicate()[0]
    assert here == again and json.loads(here)
    some = dashboard_filters(portfolio)[::97]
    assert export_figures(portfolio, 2026, None) == export_figures(portfolio, 2026, None)
    assert dashboard_figures(portfolio, some) == dashboard_figures(portfolio, some)
    copy = tmp_path / "copy" / "portfolio.duckdb"
    copy.parent.mkdir()
    shutil.copy(portfolio.db, copy)
    racers = [_probe(copy) for _ in range(3)]
    outputs = {r.communicate()[0] for r in racers}
    assert len(outputs) == 1 and all(r.returncode == 0 for r in racers)
    assert (copy.parent / "privacy.key").read_text() != (portfolio.db.parent / "privacy.key").read_text()
    assert outputs != {here} or not any(1 <= c <= T for c in portfolio.truth.values())  # another secret, other stand-ins
