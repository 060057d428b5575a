"""The federal workbook's sheets drawn from the progress reports: community response, victim services, resources, timeliness.

Each function takes an open connection, the calendar year's subgrants and the year, and returns a display-ready
Sheet. Counts of people are sums of the records' fixed stand-ins (stopdash.suppression), as in the summary.
"""

from __future__ import annotations

from typing import Any

from ingest.vocab import DISCIPLINES, VICTIMIZATIONS
from stopdash.exports.federal_register_sheets import money, money_sums, records
from stopdash.exports.model import Kinds, Sheet, make_frame
from stopdash.queries.reader import rows
from stopdash.suppression import Protector, figure

SERVICE_MEASURES = (("served", "Served"), ("partially_served", "Partially served"), ("not_served", "Not served"))
STATUS_WORDS = {"on time": "On time", "late": "Late", "missing": "Missing", "not yet due": "Not yet due"}


def ccr_sheet(con: Any, scope: list[str], year: int) -> Sheet:
    found = rows(
        con,
        """
        SELECT a.subgrant_id, a.community, c.quarters_reported, c.partners, c.partners_by_discipline, c.mous_signed,
               c.meetings_held, c.protocols_developed, c.protocols_adopted, c.protocols_reviewed
        FROM awards a LEFT JOIN calendar_year_subgrant c ON c.subgrant_id = a.subgrant_id AND c.calendar_year = ?
        WHERE list_contains(?, a.subgrant_id) ORDER BY a.subgrant_id""",
        [year, scope],
    )
    seen = {d for r in found for d in dict(r[4] or {})}
    disciplines = [d for d in DISCIPLINES if d in seen] + sorted(seen - set(DISCIPLINES))
    kinds: Kinds = {
        "Subgrant ID": "text",
        "Community": "text",
        "Quarters reported": "int",
        "Partners at year end": "int",
        **{f"Partners: {d}": "int" for d in disciplines},
        "Agreements (MOUs) signed at year end": "int",
        "Meetings held": "int",
        "Protocols developed": "int",
        "Protocols adopted": "int",
        "Protocols reviewed": "int",
    }
    recs = []
    for sid, community, quarters, partners, by, *rest in found:
        counts = dict(by or {})
        per = [counts.get(d, 0 if by is not None else None) for d in disciplines]
        recs.append(dict(zip(kinds, [sid, community, quarters or 0, partners, *per, *rest], strict=True)))
    numbers = list(kinds)[3:]
    total = {"Subgrant ID": "All subgrants", "Community": "", "Quarters reported": sum(r["Quarters reported"] for r in recs)}
    for c in numbers:
        known = [r[c] for r in recs if r[c] is not None]
        total[c] = sum(known) if known else None
    recs.append(total)
    return Sheet(
        "Coordinated community response",
        f"Coordinated community response, calendar year {year}",
        "Partners and agreements as of each subgrant's latest accepted report of the year; meetings and protocol steps "
        "summed over the year's reports. Blank: no report of the year had that sheet.",
        make_frame(recs, kinds),
        kinds,
        {len(recs) - 1},
        freeze_cols=1,
    )


def victim_services_sheet(con: Any, scope: list[str], year: int, protect: Protector) -> Sheet:
    """Survivors engaged and people served per subgrant: each quarter's (and victimization's) count is one record."""
    survivors = rows(
        con,
        """SELECT subgrant_id, period, survivors_engaged FROM community_period
           WHERE left(period, 4) = CAST(? AS VARCHAR) AND list_contains(?, subgrant_id) ORDER BY 1, 2""",
        [year, scope],
    )
    services = rows(
        con,
        """SELECT subgrant_id, period, victimization, sum(served), sum(partially_served), sum(not_served) FROM services
           WHERE left(period, 4) = CAST(? AS VARCHAR) AND list_contains(?, subgrant_id) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        [year, scope],
    )
    names = rows(con, "SELECT subgrant_id, community FROM awards WHERE list_contains(?, subgrant_id) ORDER BY 1", [scope])
    engaged: dict[str, list[int | None]] = {}
    for sid, period, count in survivors:
        engaged.setdefault(sid, []).append(protect.stand_in("survivors_engaged", sid, period, count))
    # (subgrant, victimization) -> three lists of stand-ins (served, partially, not served)
    cells: dict[tuple[str, str], list[list[int | None]]] = {}
    for sid, period, victimization, *counts in services:
        per = cells.setdefault((sid, victimization), [[], [], []])
        for j, ((measure, _), count) in enumerate(zip(SERVICE_MEASURES, counts, strict=True)):
            per[j].append(protect.stand_in(measure, sid, period, count, victimization))
    kinds: Kinds = {
        "Subgrant ID": "text",
        "Community": "text",
        "Victimization": "text",
        "Survivors engaged (people)": "people",
        **{f"{label} (people)": "people" for _, label in SERVICE_MEASURES},
        "All outcomes (people)": "people",
    }
    show = protect.shown

    def line(sid: str, community: str, what: str, survivors_: list[int | None], outcome: list[list[int | None]]) -> dict[str, Any]:
        figures = [figure(v) for v in outcome]
        everything = figure(v for part in outcome for v in part)
        return dict(zip(kinds, [sid, community, what, show(figure(survivors_)), *map(show, figures), show(everything)], strict=True))

    recs = []
    for sid, community in names:
        outcome: list[list[int | None]] = [[], [], []]
        for (s, _), per in cells.items():
            if s == sid:
                for j in range(3):
                    outcome[j] += per[j]
        recs.append(line(sid, community, "All victimizations", engaged.get(sid, []), outcome))
    totals = set()
    found = {v for _, v in cells}
    for victimization in [*VICTIMIZATIONS, *sorted(found - set(VICTIMIZATIONS))]:
        outcome = [[], [], []]
        for (_, v), per in cells.items():
            if v == victimization:
                for j in range(3):
                    outcome[j] += per[j]
        totals.add(len(recs))
        recs.append(line("All subgrants", "", victimization, [], outcome))
    totals.add(len(recs))
    recs.append(
        line(
            "All subgrants",
            "",
            "All victimizations",
            [v for part in engaged.values() for v in part],
            [[v for per in cells.values() for v in per[j]] for j in range(3)],
        )
    )
    return Sheet(
        "Victim services",
        f"Survivors engaged and people seeking services, calendar year {year} (aggregate counts)",
        f"Sums of the year's accepted quarterly reports: each counts people who first sought services this year in that "
        f"quarter. Counts of people are protected figures (see Notes): 1 to {protect.threshold} show as a range; "
        "every total is the sum of the protected figures it covers.",
        make_frame(recs, kinds),
        kinds,
        totals,
        freeze_cols=1,
    )


def leveraged_sheet(con: Any, scope: list[str], year: int) -> Sheet:
    found = rows(
        con,
        """
        SELECT a.subgrant_id, a.organization, a.award_amount, c.leveraged_cash, c.leveraged_in_kind, c.leveraged_total
        FROM awards a LEFT JOIN calendar_year_subgrant c ON c.subgrant_id = a.subgrant_id AND c.calendar_year = ?
        WHERE list_contains(?, a.subgrant_id) ORDER BY a.subgrant_id""",
        [year, scope],
    )
    kinds = {
        "Subgrant ID": "text",
        "Organization": "text",
        "Award ($)": "money",
        "Cash ($)": "money",
        "In-kind ($)": "money",
        "Total ($)": "money",
    }
    recs = records(kinds, [[sid, org, *map(money, rest)] for sid, org, *rest in found])
    recs.append(dict(zip(kinds, ["All subgrants", "", *money_sums(recs, list(kinds)[2:])], strict=True)))
    return Sheet(
        "Leveraged resources",
        f"Resources leveraged beyond STOP, calendar year {year}",
        "Sums of the Funding sheets of the year's accepted quarterly reports, cash and in-kind. Blank: no report of the "
        "year had a Funding sheet.",
        make_frame(recs, kinds),
        kinds,
        {len(recs) - 1},
        freeze_cols=1,
    )


def timeliness_sheet(con: Any, scope: list[str], year: int) -> Sheet:
    found = rows(
        con,
        """
        SELECT t.subgrant_id, a.organization, t.period, t.due_on, t.received_on, t.days_late, t.status
        FROM report_timeliness t JOIN awards a USING (subgrant_id)
        WHERE left(t.period, 4) = CAST(? AS VARCHAR) AND list_contains(?, t.subgrant_id) ORDER BY t.subgrant_id, t.period""",
        [year, scope],
    )
    kinds = {
        "Subgrant ID": "text",
        "Organization": "text",
        "Quarter": "text",
        "Due on": "date",
        "Received on": "date",
        "Days late": "int",
        "Status": "text",
    }
    recs = records(kinds, [[*r[:6], STATUS_WORDS.get(r[6], r[6])] for r in found])
    return Sheet(
        "Timeliness",
        f"Quarterly progress reports owed in calendar year {year}: due, received, days late",
        "Due a set number of days after the quarter ends; received on the day the first accepted file came in. Days late "
        "for a missing report are counted to the due date of the latest reporting quarter, so they do not change with the clock.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )
