"""The summary's sheets drawn from progress reports: communities, funding, protocols, survivors, services, data quality.

Each function takes an open connection, the award-year filter and the quarter
the summary is as of, and returns display-ready Sheets (see export_model).
"""

from __future__ import annotations

from typing import Any

from ingest.config import settings
from ingest.vocab import FUNDING_TYPES, PRACTICES, PRIVATE_FUNDING_TYPES, VICTIMIZATIONS
from stopdash.exports.model import PRACTICE_SHORT, Sheet, make_frame, scope_filter
from stopdash.queries.reader import rows
from stopdash.suppression import Protector, figure

_LATEST = """latest AS (
    SELECT * FROM community_period WHERE period <= ?
    QUALIFY row_number() OVER (PARTITION BY subgrant_id ORDER BY period DESC) = 1)"""


def communities_sheet(con: Any, year: int | None, period: str | None) -> Sheet:
    where, params = scope_filter(year)
    found = rows(
        con,
        f"""
        WITH {_LATEST},
        counties AS (SELECT subgrant_id, string_agg(county_name, '; ' ORDER BY county_name) AS names FROM award_counties GROUP BY 1),
        received AS (SELECT subgrant_id, max(ingested_at) AS last_in FROM submissions
                     WHERE status IN ('accepted', 'accepted_with_errors') AND period <= ? GROUP BY 1),
        missing AS (SELECT subgrant_id, count(*) FILTER (WHERE NOT received) AS n FROM expected_reports WHERE period <= ? GROUP BY 1)
        SELECT a.subgrant_id, a.organization, a.community, a.allocation_category, a.award_year, a.award_amount, c.names,
               l.period, l.maturity_score, l.maturity_level, l.protocol_step_max, l.protocols_adopted, l.practices_in_place,
               l.leveraged_private, l.leveraged_total, l.leverage_ratio, CAST(r.last_in AS DATE), coalesce(m.n, 0)
        FROM awards a LEFT JOIN counties c USING (subgrant_id) LEFT JOIN latest l USING (subgrant_id)
        LEFT JOIN received r USING (subgrant_id) LEFT JOIN missing m USING (subgrant_id)
        WHERE {where} ORDER BY a.subgrant_id""",
        [period, period, period, *params],
    )
    kinds = {
        "Subgrant ID": "text",
        "Organization": "text",
        "Community": "text",
        "Allocation category": "text",
        "Award year": "year",
        "Award ($)": "money",
        "Counties": "text",
        "Latest period": "text",
        "Maturity score": "score",
        "Maturity level": "text",
        "Protocol step (highest)": "int",
        "Protocols adopted": "int",
        "Survivor practices in place": "int",
        "Leveraged private ($)": "money",
        "Leveraged total ($)": "money",
        "Leverage ratio": "ratio",
        "Last report received": "date",
        "Reports missing": "int",
    }
    recs = [
        dict(zip(kinds, [*r[:5], float(r[5]), *r[6:13], *(None if v is None else float(v) for v in r[13:15]), *r[15:]], strict=True))
        for r in found
    ]
    return Sheet(
        "Communities",
        "Communities: one row per subgrant",
        f"Figures from each subgrant's latest accepted report up to {period or '(no reports yet)'}; leveraged funding is that quarter's.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


def funding_sheet(con: Any, year: int | None, period: str | None) -> Sheet:
    where, params = scope_filter(year)
    found = {
        (t, f): r
        for t, f, *r in rows(
            con,
            f"""
        SELECT f.source_type, f.form, sum(f.amount) FILTER (WHERE f.period = ?), sum(f.amount),
               sum(f.amount) FILTER (WHERE f.period = ? AND f.counts_toward_match),
               count(DISTINCT f.subgrant_id) FILTER (WHERE f.period = ?)
        FROM funding f WHERE f.period <= ? AND f.subgrant_id IN (SELECT subgrant_id FROM awards WHERE {where})
        GROUP BY ALL""",
            [period, period, period, period, *params],
        )
    }
    kinds = {
        "Source type": "text",
        "Private": "text",
        "Form": "text",
        "In the quarter ($)": "money",
        "All quarters to date ($)": "money",
        "Counted as match in the quarter ($)": "money",
        "Subgrants reporting in the quarter": "int",
    }
    order = {t: i for i, t in enumerate(FUNDING_TYPES)}
    recs: list[dict[str, Any]] = []

    def money(v: Any) -> float:
        return float(v or 0)

    for (t, f), (q, to_date, match, n) in sorted(found.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        recs.append(
            dict(zip(kinds, [t, "Yes" if t in PRIVATE_FUNDING_TYPES else "No", f, money(q), money(to_date), money(match), n], strict=True))
        )
    totals = set()
    for label, pick in (("Private sources", "Yes"), ("Public and other sources", "No"), ("All sources", None)):
        part = [r for r in recs[: len(found)] if pick is None or r["Private"] == pick]
        totals.add(len(recs))
        recs.append(
            dict(
                zip(kinds, [label, pick or "", "Cash and in-kind", *(sum(r[k] for r in part) for k in list(kinds)[3:6]), None], strict=True)
            )
        )
    return Sheet(
        "Leveraged funding",
        "Resources leveraged beyond STOP, by source type and form",
        f"Quarter: {period or '(no reports yet)'}; 'to date' sums every accepted quarterly report up to it.",
        make_frame(recs, kinds),
        kinds,
        totals,
    )


def protocols_sheet(con: Any, year: int | None, period: str | None) -> Sheet:
    where, params = scope_filter(year)
    months = settings().ta_rules.review_overdue.months
    found = rows(
        con,
        f"""
        WITH {_LATEST}
        SELECT p.subgrant_id, a.community, p.period, p.protocol, p.focus, p.step, p.step_name,
               CASE WHEN p.step >= adopted_step() THEN 'Yes' ELSE 'No' END, p.adopted_on, p.last_reviewed_on,
               CASE WHEN p.step < adopted_step() THEN NULL
                    WHEN coalesce(p.last_reviewed_on, p.adopted_on) IS NULL THEN 'Unknown'
                    WHEN coalesce(p.last_reviewed_on, p.adopted_on) < quarter_end(p.period) - to_months(CAST(? AS INTEGER))
                         THEN 'Yes' ELSE 'No' END
        FROM protocols p JOIN latest l USING (subgrant_id, period) JOIN awards a USING (subgrant_id)
        WHERE {where} ORDER BY p.subgrant_id, p.step DESC, p.protocol""",
        [period, months, *params],
    )
    kinds = {
        "Subgrant ID": "text",
        "Community": "text",
        "Period": "text",
        "Protocol": "text",
        "Focus": "text",
        "Step": "int",
        "Step name": "text",
        "Adopted": "text",
        "Adopted on": "date",
        "Last reviewed": "date",
        f"Review overdue ({months} months)": "text",
    }
    return Sheet(
        "Protocols",
        "Protocols by step of the 8-step cycle",
        f"Each subgrant's protocols in its latest accepted report up to {period or '(no reports yet)'}; step 5 or beyond is adopted.",
        make_frame([dict(zip(kinds, r, strict=True)) for r in found], kinds),
        kinds,
        freeze_cols=1,
    )


def survivors_sheet(con: Any, year: int | None, period: str | None, protect: Protector) -> Sheet:
    where, params = scope_filter(year)
    found = rows(
        con,
        f"""
        WITH {_LATEST}
        SELECT a.subgrant_id, a.community, l.period, l.practices_in_place, l.survivors_engaged,
               (SELECT map(list(practice_code), list(status)) FROM survivor_practices s
                WHERE s.subgrant_id = l.subgrant_id AND s.period = l.period)
        FROM latest l JOIN awards a USING (subgrant_id) WHERE {where} ORDER BY a.subgrant_id""",
        [period, *params],
    )
    codes = list(PRACTICES)
    kinds = {
        "Subgrant ID": "text",
        "Community": "text",
        "Period": "text",
        **{f"{c} {PRACTICE_SHORT[c]}": "text" for c in codes},
        "Practices in place": "int",
        "Survivors engaged (people)": "people",
    }
    stand_ins = protect.stand_ins("survivors_engaged", [(r[0], r[2], r[4]) for r in found])
    recs = []
    for r, value in zip(found, stand_ins, strict=True):
        statuses = dict(r[5] or {})
        recs.append(dict(zip(kinds, [r[0], r[1], r[2], *(statuses.get(c) for c in codes), r[3], protect.shown(value)], strict=True)))
    in_place = [sum(1 for r in found if dict(r[5] or {}).get(c) == "In place") for c in codes]
    total = protect.shown(figure(stand_ins))
    recs.append(dict(zip(kinds, ["All subgrants", "Subgrants with the practice in place", "", *in_place, None, total], strict=True)))
    return Sheet(
        "Survivor engagement",
        "Survivor engagement practices and survivors engaged",
        f"Each subgrant's latest accepted report up to {period or '(no reports yet)'}. Counts of people are protected "
        f"figures (see Notes): 1 to {protect.threshold} show as a range.",
        make_frame(recs, kinds),
        kinds,
        {len(recs) - 1},
        freeze_cols=1,
    )


SERVICE_MEASURES = ("served", "partially_served", "not_served")


def services_sheet(con: Any, year: int | None, period: str | None, protect: Protector) -> Sheet:
    where, params = scope_filter(year)
    found = rows(
        con,
        f"""
        SELECT subgrant_id, victimization, sum(served), sum(partially_served), sum(not_served) FROM services
        WHERE period = ? AND subgrant_id IN (SELECT subgrant_id FROM awards WHERE {where})
        GROUP BY 1, 2 ORDER BY 1, 2""",
        [period, *params],
    )
    reporting = len({r[0] for r in found})
    # Each subgrant's count of each outcome for each victimization is one record with its own stand-in.
    cells: dict[str, list[list[int | None]]] = {}
    for sid, victimization, *counts in found:
        per = cells.setdefault(victimization, [[], [], []])
        for j, (measure, count) in enumerate(zip(SERVICE_MEASURES, counts, strict=True)):
            per[j].append(protect.stand_in(measure, sid, period or "", count, victimization))
    names = [*VICTIMIZATIONS, *sorted(set(cells) - set(VICTIMIZATIONS))]
    body = [[figure(v) for v in cells[n]] if n in cells else [None, None, None] for n in names]
    row_totals = [figure(r) for r in body]
    col_totals = [figure(r[j] for r in body) for j in range(3)]
    kinds = {"Victimization": "text", "Served": "people", "Partially served": "people", "Not served": "people", "Total": "people"}
    recs = []
    if found:
        show = protect.shown
        recs = [dict(zip(kinds, [n, *map(show, body[i]), show(row_totals[i])], strict=True)) for i, n in enumerate(names)]
        recs.append(dict(zip(kinds, ["All victimizations", *map(show, col_totals), show(figure(row_totals))], strict=True)))
    return Sheet(
        "Services",
        "People served, by victimization (aggregate counts)",
        f"Reports for {period or '(no reports yet)'} only, from {reporting} subgrant(s). Counts of people are protected "
        f"figures (see Notes): 1 to {protect.threshold} show as a range; totals are sums of the protected figures.",
        make_frame(recs, kinds),
        kinds,
        {len(recs) - 1} if recs else set(),
    )


def data_quality_sheets(con: Any, year: int | None, period: str | None) -> tuple[Sheet, Sheet]:
    where, params = scope_filter(year)
    found = rows(
        con,
        f"""
        WITH exp AS (
            SELECT period, count(*) AS expected, count(*) FILTER (WHERE received) AS received
            FROM expected_reports WHERE period <= ? AND {where} GROUP BY 1
        ), sub AS (
            SELECT coalesce(period, '(period unreadable)') AS period,
                   count(*) FILTER (WHERE status = 'accepted') AS ok, count(*) FILTER (WHERE status = 'accepted_with_errors') AS errs,
                   count(*) FILTER (WHERE status = 'rejected') AS rej, count(*) FILTER (WHERE status = 'superseded') AS sup,
                   sum(error_count) AS e, sum(warning_count) AS w
            FROM submissions
            WHERE (period IS NULL OR period <= ?)
              AND (CAST(? AS INTEGER) IS NULL OR subgrant_id IN (SELECT subgrant_id FROM awards WHERE award_year = ?))
            GROUP BY 1
        )
        SELECT period, expected, received, expected - received, ok, errs, rej, sup, e, w
        FROM exp FULL JOIN sub USING (period) ORDER BY period""",
        [period, *params, period, year, year],
    )
    kinds = {
        "Period": "text",
        "Reports expected": "int",
        "Accepted reports in": "int",
        "Reports missing": "int",
        "Files accepted": "int",
        "Files accepted with row errors": "int",
        "Files rejected": "int",
        "Files superseded by a newer one": "int",
        "Row errors": "int",
        "Warnings": "int",
    }
    quality = Sheet(
        "Data quality",
        "Progress reports: expected, received, and files by status",
        "One row per quarter up to the summary's quarter; 'expected' counts subgrants whose dates overlap the quarter. "
        "Details of each problem: the ingest_issues view.",
        make_frame([dict(zip(kinds, r, strict=True)) for r in found], kinds),
        kinds,
    )
    missing = rows(
        con,
        """
        SELECT e.subgrant_id, a.organization, e.community, e.allocation_category, e.award_year, e.period
        FROM expected_reports e JOIN awards a USING (subgrant_id)
        WHERE NOT e.received AND e.period <= ? AND (CAST(? AS INTEGER) IS NULL OR e.award_year = ?)
        ORDER BY e.period DESC, e.subgrant_id""",
        [period, year, year],
    )
    kinds = {
        "Subgrant ID": "text",
        "Organization": "text",
        "Community": "text",
        "Allocation category": "text",
        "Award year": "year",
        "Period missing": "text",
    }
    return quality, Sheet(
        "Missing reports",
        "Quarterly reports owed and not received",
        "An accepted report is missing for each row; a rejected file does not count as received.",
        make_frame([dict(zip(kinds, r, strict=True)) for r in missing], kinds),
        kinds,
    )
