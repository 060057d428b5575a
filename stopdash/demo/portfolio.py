"""A deterministic synthetic STOP portfolio: an award register plus quarterly report workbooks.

The demo must tell stories a real administrator would recognise (communities
that mature, stall, stay strong or decline; late and missing reports; one
award year short of a statutory floor), and it must exercise the ingest
contract in report-workbook.md: tolerated messiness, row-level errors,
a resubmission, and files that must be refused. Every name is fictional.

All randomness comes from one ``random.Random(seed)`` consumed in a fixed
order, and files are written without timestamps, so the same arguments give
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from ingest.vocab import DISCIPLINES, ESSENTIAL_DISCIPLINES, INDICATORS, PRACTICES, TRIBAL_DISCIPLINE, VICTIMIZATIONS
from ingest.workbook import format as wf
from stopdash.demo import names as N
from stopdash.demo.register import Subgrant, plan_subgrants, q_end, q_start, quarter_list, write_register
from stopdash.demo.workbooks import COSMETIC, Raw, Style, save_reproducible

TRAJECTORIES = (("maturing", 0.45), ("stalled", 0.30), ("strong", 0.15), ("declining", 0.10))
# Mess kinds placed in a handful of files each (the cosmetic ones in demo_xlsx.COSMETIC are spread widely).
SPECIAL = (
    "no_funding",
    "no_partners",
    "err_score",
    "err_amount",
    "err_discipline",
    "err_missing",
    "pii_email",
    "pii_phone",
    "total_mismatch",
    "formula_total",
    "formula_text",
)
ERROR_KINDS = {"err_score", "err_amount", "err_discipline", "err_missing"}

# How the demo renders each column's values (Style.render); the headers and their order come from the workbook format.
_RENDER_BY_KIND = {wf.YES_NO: "yesno", wf.WHOLE: "int", wf.DATE: "date", wf.MONEY: "money", wf.SCORE: "score", wf.STEP: "step"}


def _cols(key: str, **render: str) -> list[tuple[str, str]]:
    return [(c.header, render.get(c.field) or _RENDER_BY_KIND.get(c.kind, "text")) for c in wf.BY_KEY[key].columns]


PARTNER_COLS = _cols("partners", discipline="discipline")
MATURITY_COLS = _cols("maturity", indicator_code="indicator")
PROTOCOL_COLS = _cols("protocols")
PRACTICE_COLS = _cols("practices", practice_code="practice", status="status")
FUNDING_COLS = _cols("funding")
TA_COLS = _cols("ta")
SERVICE_COLS = _cols("services")
SHEET = {s.key: s.name for s in wf.SHEETS}
LABEL = {c.field: c.header for c in wf.PROFILE.columns}


@dataclass
class Portfolio:
    """What :func:`write_portfolio` wrote. ``mess`` and ``missing`` describe it for tests and demos."""

    register: Path
    reports: list[Path]  # in ingest order; bad files last
    bad_files: list[Path]
    mess: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # report -> mess kinds it carries
    missing: list[tuple[str, str]] = field(default_factory=list)  # (subgrant ID, "YYYY-Qn") expected, not sent
    # The day each report reached the state (its Profile's Date submitted): the demo's ingest records it as the
    # time the file was received, so reports sent after their due date show as late.
    received: dict[Path, dt.date] = field(default_factory=dict)


@dataclass
class Fund:
    source: str
    type: str
    form: str
    base: int
    growth: float  # per quarter, relative to base
    match: bool
    start: int  # first quarter index with this money
    stop: int = 99  # last quarter index with this money


@dataclass
class Protocol:
    name: str
    focus: str
    steps: dict[int, int]  # quarter index -> step
    adopted: dict[int, dt.date | None]
    reviewed: dict[int, dt.date | None]


@dataclass
class Story:
    """How one subgrant's collaborative develops over the demo's quarters."""

    traj: str  # maturing, stalled, strong or declining
    base: float = 2.0
    slope: float = 0.0
    offsets: list[float] = field(default_factory=list)
    drop: int | None = None  # declining: the quarter the scores fall and a partner leaves
    protocols: list[Protocol] = field(default_factory=list)
    practice_from: dict[str, int | None] = field(default_factory=dict)
    planned: set[str] = field(default_factory=set)  # practices stuck at "Planned"
    lost: str | None = None  # declining: the practice dropped at ``drop``
    partners: list[tuple[str, str, int, int]] = field(default_factory=list)  # name, discipline, joins, leaves
    funds: list[Fund] = field(default_factory=list)
    services: bool = False


def _plan_story(rng: random.Random, s: Subgrant, tr: str, quarters: list[tuple[int, int]]) -> Story:
    """Fix a subgrant's trajectory over time: maturity, protocols, survivor practices, partners, money."""
    act, g = s.active, Story(tr)
    first = q_start(*quarters[0])
    g.base = {
        "maturing": rng.uniform(1.5, 2.1),
        "stalled": rng.uniform(2.2, 2.5),
        "strong": rng.uniform(4.0, 4.5),
        "declining": rng.uniform(3.1, 3.6),
    }[tr]
    g.slope = rng.uniform(0.17, 0.23) if tr == "maturing" else 0.0
    spread = 0.45 if tr == "stalled" else 0.7
    g.offsets = [rng.uniform(-spread, spread) for _ in INDICATORS]
    g.drop = rng.choice(act[-2:]) if tr == "declining" and len(act) >= 3 else None
    focuses = rng.sample(["Sex trafficking and sexual exploitation", "Youth (Safe Harbor)"], 1)
    focuses += rng.sample(["Sexual assault", "Domestic violence", "Other"], rng.randint(0, 2))
    for k, focus in enumerate(focuses):
        steps: dict[int, int] = {}
        adopted: dict[int, dt.date | None] = {}
        reviewed: dict[int, dt.date | None] = {}
        if tr == "maturing":
            st, adopt, review, idle = (rng.randint(0, 2) if k == 0 else 0), None, None, 0
            for t in act:
                # The main protocol moves a step every 1-2 quarters; later ones move more slowly.
                moved = t > act[0] and ((idle >= 1 or rng.random() < 0.5) if k == 0 else rng.random() < 0.35)
                idle = 0 if moved else idle + 1
                st = min(8, st + moved)
                if st >= 5 and moved:  # adoption, and each later step, is a review of the protocol
                    review = q_start(*quarters[t]) + dt.timedelta(days=rng.randint(10, 60))
                    adopt = adopt or review
                steps[t], adopted[t], reviewed[t] = st, adopt, review
        else:
            st = {
                "stalled": rng.choice([2, 3, 3, 4]) if k == 0 else rng.randint(0, 1),
                "strong": rng.randint(6, 8),
                "declining": rng.choice([5, 6]),
            }[tr]
            adopt = first - dt.timedelta(days=rng.randint(380, 1000)) if st >= 5 else None
            review = adopt
            if tr == "strong" and rng.random() < 0.5:  # last review more than 12 months old: overdue
                review = first - dt.timedelta(days=rng.randint(400, 600))
            elif tr == "declining":  # reviewed a while ago, becomes overdue during the demo
                review = first - dt.timedelta(days=rng.randint(150, 300))
            fresh = tr == "strong" and review == adopt  # the rest of the strong ones review every few months
            for t in act:
                if fresh and adopt is not None:
                    review = max(review or adopt, q_start(*quarters[t]) - dt.timedelta(days=rng.randint(20, 120)))
                steps[t], adopted[t], reviewed[t] = st, adopt, review
        g.protocols.append(Protocol(N.PROTOCOL_NAMES[focus], focus, steps, adopted, reviewed))
    codes = list(PRACTICES)
    if tr == "maturing":  # practices adopted one by one; some never within the demo
        g.practice_from = {c: rng.randint(act[0] + 1, act[0] + len(quarters) + 2) for c in codes}
    elif tr == "stalled":
        g.practice_from = dict.fromkeys(codes)
        g.planned = set(rng.sample(codes, rng.randint(0, 2)))
    else:
        on = rng.sample(codes, rng.randint(5, 8) if tr == "strong" else rng.randint(3, 5))
        g.practice_from = {c: (-1 if c in on else None) for c in codes}
        g.lost = on[0] if g.drop is not None else None  # a declining collaborative loses one at the drop
    required = [*ESSENTIAL_DISCIPLINES, *([TRIBAL_DISCIPLINE] if s.tribes else [])]
    extras = [d for d in DISCIPLINES if d not in required and d != "Other"]
    joins: dict[str, int] = {}
    leaves: dict[str, int] = {}
    if tr == "stalled":  # key partners absent: what the coalition needs to see
        missing = set(rng.sample(ESSENTIAL_DISCIPLINES, rng.randint(1, 3))) | {TRIBAL_DISCIPLINE}
        roster = [d for d in required if d not in missing] + rng.sample(extras, rng.randint(1, 3))
    else:
        roster = required + rng.sample(
            extras, {"maturing": rng.randint(1, 4), "strong": rng.randint(2, 5), "declining": rng.randint(1, 3)}[tr]
        )
        if tr == "maturing" and len(act) > 1:
            joins[rng.choice(ESSENTIAL_DISCIPLINES[1:])] = rng.randint(act[0] + 1, act[-1])
        if g.drop is not None:
            leaves[rng.choice(["Law enforcement", "Health care (incl. SANE)"])] = g.drop
    g.partners = [(f"{s.place} {N.PARTNER_KINDS[d]} (demo)", d, joins.get(d, -1), leaves.get(d, 99)) for d in roster[:12]]

    def fund(typ: str, form: str, lo: int, hi: int, growth: float, match: bool, start: int, stop: int = 99) -> Fund:
        name = rng.choice(N.FUNDERS[typ]).format(place=s.place)
        return Fund(name, typ, form, rng.randrange(lo, hi, 50), growth, match, start, stop)

    g.funds = [fund("Local government", "In-kind", 2000, 8000, 0.0, True, -1)]
    if tr == "maturing":  # private money arrives and grows
        g.funds.append(fund("Private foundation", "Cash", 1500, 5000, 0.2, False, act[0] + rng.randint(0, 2)))
        g.funds.append(fund(rng.choice(["Corporate", "Individual donors"]), "Cash", 500, 2000, 0.15, False, act[0] + rng.randint(2, 5)))
    elif tr == "stalled" and rng.random() < 0.5:
        g.funds.append(fund("State government", "Cash", 2000, 6000, 0.0, False, -1))
    elif tr == "strong":
        g.funds += [
            fund("Private foundation", "Cash", 8000, 20000, 0.02, False, -1),
            fund("Corporate", "Cash", 2000, 8000, 0.0, False, -1),
            fund("Individual donors", "Cash", 500, 3000, 0.05, True, -1),
        ]
    elif tr == "declining":
        g.funds += [
            fund("Private foundation", "Cash", 5000, 12000, 0.0, False, -1, (g.drop or 99) - 1),
            fund("Civic or faith-based", "In-kind", 1000, 3000, 0.0, True, -1),
        ]
    g.services = s.category in ("Victim services", "Culturally specific victim services") or rng.random() < 0.3
    return g


def _practice_status(g: Story, code: str, t: int) -> str:
    start = g.practice_from.get(code)
    if code == g.lost:  # in place until the drop, then reported as only planned again
        return "Planned" if g.drop is not None and t >= g.drop else "In place"
    if start is not None and t >= start:
        return "In place"
    if code in g.planned or (start is not None and t >= start - 2):  # planned ahead of adoption
        return "Planned"
    return "Not in place"


def _report(
    s: Subgrant,
    g: Story,
    t: int,
    period: tuple[int, int],
    rng: random.Random,
    style: Style,
    sid: str | None = None,
    revision: bool = False,
    sent: list[dt.date] | None = None,
) -> Workbook:
    """One quarterly workbook for subgrant ``s`` at story quarter ``t``, stated as ``period``."""
    wb = Workbook()
    wb.remove(wb.active)
    y, q = period
    qs, qe = q_start(y, q), q_end(y, q)
    lvl = g.base + g.slope * (t - s.active[0])
    dropped = g.drop is not None and t >= g.drop
    scores = []
    for i, off in enumerate(g.offsets):
        v = round(lvl + off) - dropped
        scores.append(1 if g.traj == "stalled" and i == 6 else min(5, max(1, v)))  # stalled: no survivor voice
    statuses = {c: _practice_status(g, c, t) for c in PRACTICES}
    in_place = sum(v == "In place" for v in statuses.values())
    meetings = {"maturing": rng.randint(2, 4), "stalled": rng.randint(0, 2), "strong": rng.randint(3, 6), "declining": 1 if dropped else 3}[
        g.traj
    ]
    submitted = qe + dt.timedelta(days=rng.randint(5, 40) + 14 * revision)
    if sent is not None:
        sent.append(submitted)
    if not style.has("no_profile"):
        style.profile(
            wb,
            [
                (LABEL["subgrant_id"], "text", sid or s.sid),
                *style.period(y, q),
                (LABEL["prepared_by"], "text", f"Demo Preparer {s.n}"),
                (LABEL["email"], "text", f"preparer{s.n}@example.org"),
                (LABEL["date_submitted"], "date", submitted),
                (LABEL["meetings_held"], "int", meetings + revision),
                (LABEL["survivors_engaged"], "int", in_place * rng.randint(1, 3)),
            ],
        )
    if not style.has("no_partners"):
        rows: list[list[object]] = [
            [name, d, g.traj == "strong" or (g.protocols[0].steps[t] >= 5 and rng.random() < 0.85), rng.randint(0, max(meetings, 1))]
            for name, d, joins, leaves in g.partners
            if joins <= t < leaves
        ]
        if style.has("err_discipline"):
            rows.append(["Celestial Guidance Circle (demo)", Raw("Astrology"), False, 1])
        style.table(wb, SHEET["partners"], PARTNER_COLS, rows)
    notes = [rng.choice(N.MATURITY_NOTES) if rng.random() < 0.3 else None for _ in INDICATORS]
    if style.has("pii_email"):
        notes[0] = "Questions: write to coordinator.demo@example.org"
    if style.has("pii_phone"):
        notes[1] = "Call the coordinator at (651) 555-0142 before the next meeting"
    if style.has("formula_text"):
        notes[2] = '=HYPERLINK("https://example.org/agenda","agenda")'  # stored as text, never as a formula
    rows = [[c, scores[i], notes[i]] for i, c in enumerate(INDICATORS)]
    if style.has("err_score"):
        rows[4][1] = Raw(7)
    style.table(wb, SHEET["maturity"], MATURITY_COLS, rows)
    rows = [[p.name, p.focus, p.steps[t], p.adopted[t], p.reviewed[t]] for p in g.protocols]
    if style.has("err_missing"):
        rows.append(["Labor trafficking screening protocol", "Other", None, None, None])  # no Step
    style.table(wb, SHEET["protocols"], PROTOCOL_COLS, rows)
    style.table(wb, SHEET["practices"], PRACTICE_COLS, [[c, v] for c, v in statuses.items()])
    if not style.has("no_funding"):
        rows = [
            [f.source, f.type, f.form, round(f.base * (1 + f.growth * (t - max(f.start, 0))) / 50) * 50, f.match]
            for f in g.funds
            if f.start <= t <= f.stop
        ]
        total = sum(r[3] for r in rows)  # type: ignore[misc]
        if style.has("err_amount"):
            rows.append(["Refund to funder (demo)", "Other", "Cash", Raw(-1500), False])
        style.table(
            wb,
            SHEET["funding"],
            FUNDING_COLS,
            rows,
            total=total + 1000 * style.has("total_mismatch"),
            total_formula=style.has("formula_total"),
        )
    if rng.random() < {"stalled": 0.6, "maturing": 0.3, "strong": 0.1, "declining": 0.7 if dropped else 0.2}[g.traj]:
        rows = [
            [topic, qs + dt.timedelta(days=rng.randint(0, 80)), rng.choice(["Open", "In progress", "Resolved"])]
            for topic in rng.sample(N.TA_TOPICS, rng.randint(1, 2))
        ]
        style.table(wb, SHEET["ta"], TA_COLS, rows)
    if (g.services and rng.random() < 0.8) or style.has("victim_names"):
        scale = 3 if g.traj == "stalled" else 12
        rows = [[v, rng.randint(0, scale * 3), rng.randint(0, scale // 2), rng.randint(0, 3)] for v in VICTIMIZATIONS]
        cols = SERVICE_COLS
        if style.has("victim_names"):  # victim-identifying: the whole file must be refused
            cols = [*SERVICE_COLS, ("Victim name", "text")]
            for r, name in zip(
                rows,
                ["Jane Doe (fictional)", "Mary Roe (fictional)", "Jane Roe (fictional)", "Ann Doe (fictional)", "Sue Roe (fictional)"],
                strict=True,
            ):
                r.append(name)
        style.table(wb, SHEET["services"], cols, rows)
    return wb


def write_portfolio(
    out_dir: Path, *, seed: int = 2026, subgrants: int = 90, quarters: int = 8, first_quarter: str = "2025-Q1", messy: bool = True
) -> Portfolio:
    """Write the register, the quarterly reports and the bad files under ``out_dir``; same args, same bytes."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    qlist = quarter_list(first_quarter, quarters)
    label = [f"{y}-Q{q}" for y, q in qlist]
    subs = plan_subgrants(rng, subgrants, qlist)
    trajs = [name for name, p in TRAJECTORIES[:-1] for _ in range(round(p * subgrants))]
    trajs = (trajs + ["declining"] * subgrants)[:subgrants]
    rng.shuffle(trajs)
    story = {s.sid: _plan_story(rng, s, tr, qlist) for s, tr in zip(subs, trajs, strict=True)}
    register = out_dir / "award-register.xlsx"
    write_register(rng, subs, register, messy)

    # Reports expected but not sent: a few subgrants skip the latest quarter or two, plus ~4.5% at random.
    missing: set[tuple[str, int]] = set()
    late = [s for s in subs if story[s.sid].traj != "declining" and len(s.active) >= 3 and s.active[-1] == quarters - 1]
    for s in rng.sample(late, min(len(late), max(1, round(subgrants * 0.045)))):
        missing |= {(s.sid, t) for t in s.active[-rng.randint(1, 2) :]}
    for s in subs:
        missing |= {(s.sid, t) for t in s.active if story[s.sid].traj != "declining" and rng.random() < 0.045}
    due = [(s, t) for t in range(quarters) for s in sorted(subs, key=lambda s: s.sid) if t in s.active and (s.sid, t) not in missing]

    # Which files are messy, and how: cosmetic kinds widely, special kinds in a few files each.
    kinds: dict[int, set[str]] = {}
    if messy:
        chosen = rng.sample(range(len(due)), round(0.25 * len(due)))
        kinds = {i: set(rng.sample(COSMETIC, rng.randint(2, 4))) for i in sorted(chosen)}
        per = 3 if len(chosen) >= 3 * len(SPECIAL) else 1
        for j, kind in enumerate(k for k in SPECIAL for _ in range(per) if chosen):
            kinds[chosen[j % len(chosen)]].add(kind)
        for ks in kinds.values():  # kinds that cannot apply once a sheet is left out
            ks -= {"err_amount", "total_mismatch", "formula_total"} if "no_funding" in ks else set()
            ks -= {"err_discipline", "disciplines"} if "no_partners" in ks else set()
    last_clean = [i for i, (s, t) in enumerate(due) if t == quarters - 1 and i not in kinds] or [0]
    resub = rng.choice(last_clean) if messy else -1
    if resub >= 0:
        kinds[resub] = kinds.get(resub, set()) | {"err_score"}  # the first version had an error...

    pf = Portfolio(register, [], [], missing=sorted((sid, label[t]) for sid, t in missing))
    revised: Path | None = None
    for i, (s, t) in enumerate(due):
        content_seed, style_seed = rng.getrandbits(64), rng.getrandbits(64)
        path = out_dir / "reports" / label[t] / f"{s.sid}.xlsx"
        ks = kinds.get(i, set())
        sent: list[dt.date] = []
        wb = _report(s, story[s.sid], t, qlist[t], random.Random(content_seed), Style(random.Random(style_seed), ks), sent=sent)
        save_reproducible(wb, path)
        pf.reports.append(path)
        pf.received[path] = sent[0]
        if ks:
            pf.mess[path] = tuple(sorted(ks | ({"superseded"} if i == resub else set())))
        if i == resub:  # ...and the grantee sent a corrected workbook for the same quarter
            revised = path.with_name(f"{s.sid}-revised.xlsx")
            sent = []
            wb = _report(
                s, story[s.sid], t, qlist[t], random.Random(content_seed), Style(random.Random(style_seed)), revision=True, sent=sent
            )  # same content stream: only the error is gone
            save_reproducible(wb, revised)
            pf.received[revised] = sent[0]
            pf.mess[revised] = ("revision",)
    if revised is not None:  # after every first version, so it supersedes
        pf.reports.append(revised)
    _write_bad_files(rng, out_dir / "reports" / "bad", subs, story, qlist, pf)
    return pf


def _write_bad_files(
    rng: random.Random, bad: Path, subs: list[Subgrant], story: dict[str, Story], qlist: list[tuple[int, int]], pf: Portfolio
) -> None:
    """Files the ingest must refuse whole, one per file-level rule in report-workbook.md."""
    bad.mkdir(parents=True, exist_ok=True)
    s = subs[0]
    t = s.active[0]

    def write(name: str, wb: Workbook, why: str) -> None:
        save_reproducible(wb, bad / name)
        pf.bad_files.append(bad / name)
        pf.mess[bad / name] = (why,)

    csv_path = bad / "csv-renamed.xlsx"  # not a zip at all: unreadable as .xlsx
    csv_path.write_bytes(f"Subgrant ID,Reporting period\r\n{s.sid},{qlist[t][0]}-Q{qlist[t][1]}\r\n".encode())
    pf.bad_files.append(csv_path)
    pf.mess[csv_path] = ("not_xlsx",)
    for name, kind in (("no-profile.xlsx", "no_profile"), ("victim-identifying.xlsx", "victim_names")):
        write(name, _report(s, story[s.sid], t, qlist[t], random.Random(rng.getrandbits(64)), Style(random.Random(0), {kind})), kind)
    write(
        "unknown-subgrant.xlsx",
        _report(s, story[s.sid], t, qlist[t], random.Random(rng.getrandbits(64)), Style(random.Random(0)), sid="MN-STOP-1999-999"),
        "unknown_subgrant",
    )
    # A quarter before the subgrant starts (or before the whole demo, if every subgrant starts at once).
    late = next((x for x in subs if x.active and x.active[0] > 0), None)
    if late is not None:
        owner, period = late, qlist[late.active[0] - 1]
    else:
        y, q = qlist[0]
        owner, period = s, (y - 1, 4) if q == 1 else (y, q - 1)
    wb = _report(owner, story[owner.sid], owner.active[0], period, random.Random(rng.getrandbits(64)), Style(random.Random(0)))
    write("quarter-outside-award.xlsx", wb, "quarter_outside_dates")
    pf.reports += pf.bad_files
