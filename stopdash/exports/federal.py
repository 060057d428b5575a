"""The federal reporting year as one Excel workbook: the sections of the federal forms the quarterly reports feed.

:func:`gather_federal` reads one calendar year from the public views (federal_awards,
allocation_ledger, calendar_year_subgrant, report_timeliness, match_status and the
report views) and returns display-ready sheets; :func:`write_federal_xlsx` and
:func:`federal_download` lay them out with the summary workbook's writer, so headers,
formats, inert grantee text and accessibility are the same. Counts of people are
sums of the same fixed stand-ins the summary uses (stopdash.suppression).
docs/exports.md describes every sheet and what the workbook does not cover.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ingest.config import settings
from ingest.vocab import DISCIPLINES, VICTIMIZATIONS
from stopdash.exports.excel import build_workbook, put
from stopdash.exports.model import Kinds, Sheet, Summary, make_frame
from stopdash.exports.summary import MIME, Download, _atomic_write
from stopdash.queries.allocation import PURPOSE_AREAS
from stopdash.queries.reader import Db, ExportError, reader, rows
from stopdash.suppression import SHIFT, Protector, database_file, figure, protector

__all__ = [
    "SHEETS",
    "federal_bytes",
    "federal_download",
    "federal_file_name",
    "gather_federal",
    "write_federal_xlsx",
    "write_gathered_federal",
]

SHEETS = (
    "General information",
    "Coordinated community response",
    "Victim services",
    "Leveraged resources",
    "Allocation ledger",
    "Funds awarded and returned (6A)",
    "Match",
    "Timeliness",
    "What this does not cover",
    "Notes",
)
NO_AWARD = "(no federal award number)"
SERVICE_MEASURES = (("served", "Served"), ("partially_served", "Partially served"), ("not_served", "Not served"))
STATUS_WORDS = {"on time": "On time", "late": "Late", "missing": "Missing", "not yet due": "Not yet due"}

# Federal-form sections the quarterly workbook does not collect (spec: "What this does not cover").
NOT_COVERED = [
    (
        "Staff funded by STOP (full-time equivalents)",
        "The quarterly workbook does not ask how many staff positions the subgrant pays for. Collect them in the federal "
        "reporting tool directly from each subgrantee.",
    ),
    (
        "Training events",
        "Numbers of trainings, the people trained and their professions are not in the quarterly workbook.",
    ),
    (
        "Demographics of victims served",
        "Race and ethnicity, age, gender, disability, language and other characteristics of the people served are not "
        "collected: the workbook keeps aggregate counts by victimization only, for victim confidentiality.",
    ),
    (
        "Criminal-justice activity",
        "Arrests, charges, prosecutions and their outcomes, protection orders, probation and offender monitoring are not collected.",
    ),
    (
        "Types of victim services and reasons people were not served",
        "The workbook counts people served, partially served and not served by victimization; which services they "
        "received (advocacy, counseling, legal help, shelter and so on) and why some were not served are not collected.",
    ),
    (
        "Narrative questions",
        "The federal forms' narrative answers (accomplishments, remaining needs, the state's planning and subgrant "
        "process) are written by staff; the workbook gives figures only.",
    ),
]


def _money(v: Any) -> float | None:
    return None if v is None else float(v)


def _yes_no(v: Any) -> str | None:
    return None if v is None else ("Yes" if v else "No")


def _records(kinds: Kinds, found: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(kinds, r, strict=True)) for r in found]


def _money_sums(recs: list[dict[str, Any]], cols: list[str]) -> list[float | None]:
    out = []
    for c in cols:
        known = [r[c] for r in recs if r[c] is not None]
        out.append(float(sum(known)) if known else None)
    return out


def _scope(con: Any, year: int) -> list[str]:
    """Subgrants of the calendar year: their dates overlap it, or one of their reports covers a quarter of it."""
    found = rows(
        con,
        """
        SELECT subgrant_id FROM awards
        WHERE coalesce(start_date, DATE '0001-01-01') <= make_date(?, 12, 31)
          AND coalesce(end_date, DATE '9999-12-31') >= make_date(?, 1, 1)
        UNION SELECT subgrant_id FROM calendar_year_subgrant WHERE calendar_year = ? ORDER BY 1""",
        [year, year, year],
    )
    return [r[0] for r in found]


def _check_year(con: Any, year: int) -> list[str]:
    if not rows(con, "SELECT count(*) FROM awards")[0][0]:
        raise ExportError(
            "The award register is empty, so there is nothing to report. Load it first: stopdash load-awards REGISTER.xlsx --db DB"
        )
    scope = _scope(con, year)
    if not scope:
        first, last = rows(con, "SELECT min(year(start_date)), max(year(end_date)) FROM awards")[0]
        span = f"in {first}" if first == last else f"from {first} to {last}"
        raise ExportError(
            f"No subgrant in the award register runs in calendar year {year}, and no progress report covers it. "
            f"The register's subgrants run {span}: choose a year they cover."
        )
    return scope


def general_sheet(con: Any, scope: list[str]) -> Sheet:
    found = rows(
        con,
        """
        SELECT a.subgrant_id, a.organization, a.community, a.allocation_category, a.federal_award_number, a.uei, a.award_year,
               a.award_date, a.award_amount, a.start_date, a.end_date,
               (SELECT list(purpose_area ORDER BY purpose_area) FROM award_purpose_areas p WHERE p.subgrant_id = a.subgrant_id)
        FROM awards a WHERE list_contains(?, a.subgrant_id) ORDER BY a.subgrant_id""",
        [scope],
    )
    kinds = {
        "Subgrant ID": "text",
        "Organization": "text",
        "Community": "text",
        "Allocation category": "text",
        "Federal award number": "text",
        "Unique entity ID": "text",
        "Award year": "year",
        "Award date": "date",
        "Award ($)": "money",
        "Start": "date",
        "End": "date",
        "Purpose areas": "long",
    }
    recs = []
    for *head, amount, start, end, areas in found:
        names = "; ".join(f"{a} {PURPOSE_AREAS.get(int(a), '(not a STOP purpose area)')}" for a in areas or [])
        recs.append(dict(zip(kinds, [*head, _money(amount), start, end, names or None], strict=True)))
    return Sheet(
        "General information",
        "General information: one row per subgrant",
        "From the award register: every subgrant whose dates overlap the year, with its federal award and purpose areas.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


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
    recs = _records(kinds, [[sid, org, *map(_money, rest)] for sid, org, *rest in found])
    recs.append(dict(zip(kinds, ["All subgrants", "", *_money_sums(recs, list(kinds)[2:])], strict=True)))
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


def _awards_in_scope(con: Any, scope: list[str], year: int) -> list[str | None]:
    found = rows(
        con,
        """
        SELECT DISTINCT federal_award_number FROM awards WHERE list_contains(?, subgrant_id)
        UNION SELECT federal_award_number FROM federal_awards
        WHERE known AND coalesce(period_start, DATE '0001-01-01') <= make_date(?, 12, 31)
              AND coalesce(period_end, DATE '9999-12-31') >= make_date(?, 1, 1)""",
        [scope, year, year],
    )
    return sorted({r[0] for r in found}, key=lambda n: (n is None, n or ""))


def ledger_sheet(con: Any, awards: list[str | None]) -> Sheet:
    known = [a for a in awards if a is not None]
    found = rows(
        con,
        """
        SELECT federal_award_number, "check", kind, floor_or_cap, base, base_dollars, required_dollars, actual_dollars,
               actual_share, met, dollars_short_or_over, base_with_admin_dollars, required_with_admin_dollars, met_with_admin
        FROM allocation_ledger
        WHERE list_contains(?, federal_award_number) OR (federal_award_number IS NULL AND ?)
        ORDER BY federal_award_number NULLS LAST, code""",
        [known, None in awards],
    )
    kinds = {
        "Federal award number": "text",
        "Check": "text",
        "Floor or cap": "share",
        "Base": "long",
        "Base ($)": "money",
        "Required ($)": "money",
        "Actual ($)": "money",
        "Actual share": "share",
        "Result": "text",
        "Short (-) or over (+) ($)": "money",
        "Base with the administrative share ($)": "money",
        "Required of that base ($)": "money",
        "Result on that base": "text",
    }
    words = {"floor": ("Met", "Short"), "cap": ("Within the cap", "Over the cap"), "rule": ("Met", "Not met")}

    def result(kind: str, met: Any) -> str | None:
        return None if met is None else words.get(kind, ("Met", "Not met"))[0 if met else 1]

    recs = [
        dict(
            zip(
                kinds,
                [
                    fan or NO_AWARD,
                    check,
                    _money(share),
                    base,
                    _money(base_d),
                    _money(req),
                    _money(actual),
                    _money(actual_share),
                    result(kind, met),
                    _money(gap),
                    _money(base_admin),
                    _money(req_admin),
                    result(kind, met_admin),
                ],
                strict=True,
            )
        )
        for fan, check, kind, share, base, base_d, req, actual, actual_share, met, gap, base_admin, req_admin, met_admin in found
    ]
    return Sheet(
        "Allocation ledger",
        "STOP allocation checks per federal award (34 U.S.C. 10446(c))",
        "Each floor and cap on the subawarded dollars of the federal award, and again on the award to the state less its "
        "administrative share (blank when the Federal awards sheet does not give them).",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


def funds_sheet(con: Any, awards: list[str | None]) -> Sheet:
    known = [a for a in awards if a is not None]
    found = rows(
        con,
        """
        SELECT federal_award_number, federal_fiscal_year, award_amount, admin_share, period_start, period_end, subgrants,
               subawarded, returned, reawarded, unobligated, known
        FROM federal_awards WHERE list_contains(?, federal_award_number) OR (federal_award_number IS NULL AND ?)
        ORDER BY federal_award_number NULLS LAST""",
        [known, None in awards],
    )
    kinds = {
        "Federal award number": "text",
        "Federal fiscal year": "year",
        "Award to the state ($)": "money",
        "Administrative share ($)": "money",
        "Period start": "date",
        "Period end": "date",
        "Subgrants": "int",
        "Subawarded ($)": "money",
        "Returned unused ($)": "money",
        "Returned and awarded again ($)": "money",
        "Not yet awarded ($)": "money",
        "On the Federal awards sheet": "text",
    }
    recs = _records(
        kinds,
        [
            [fan or NO_AWARD, ffy, _money(amount), _money(admin), start, end, n, *map(_money, (sub, ret, re, unob)), _yes_no(on)]
            for fan, ffy, amount, admin, start, end, n, sub, ret, re, unob, on in found
        ],
    )
    return Sheet(
        "Funds awarded and returned (6A)",
        "Funds awarded and returned, per federal award (STOP Administrator report, item 6A)",
        "The award to the state and its administrative share from the Federal awards sheet; subawarded and returned "
        "dollars from the award register. Money returned and awarded again is not tracked, so it is blank.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


def match_sheet(con: Any, scope: list[str]) -> Sheet:
    found = rows(
        con,
        """
        SELECT m.subgrant_id, a.organization, m.award_year, m.match_required, m.match_exempt, m.documented_cash,
               m.documented_in_kind, m.documented, m.short_by, m.met
        FROM match_status m JOIN awards a USING (subgrant_id)
        WHERE list_contains(?, m.subgrant_id) ORDER BY m.subgrant_id, m.award_year""",
        [scope],
    )
    kinds = {
        "Subgrant ID": "text",
        "Organization": "text",
        "Award year": "year",
        "Match required ($)": "money",
        "No match required": "text",
        "Documented cash ($)": "money",
        "Documented in-kind ($)": "money",
        "Documented ($)": "money",
        "Short by ($)": "money",
        "Result": "text",
    }
    recs = []
    for sid, org, award_year, required, exempt, cash, in_kind, documented, short, met in found:
        result = "Not required" if exempt else (None if met is None else ("Met" if met else "Short"))
        recs.append(
            dict(
                zip(
                    kinds,
                    [sid, org, award_year, _money(required), _yes_no(exempt), *map(_money, (cash, in_kind, documented, short)), result],
                    strict=True,
                )
            )
        )
    recs.append(
        dict(
            zip(
                kinds,
                ["All subgrants", "", None, *_money_sums(recs, ["Match required ($)"]), "", *_money_sums(recs, list(kinds)[5:9]), ""],
                strict=True,
            )
        )
    )
    return Sheet(
        "Match",
        "Match required and documented, per subgrant",
        "Documented: funding the accepted quarterly reports mark as counting toward match, all quarters of the subgrant. "
        "Victim-service and tribal projects need no match unless the register says otherwise.",
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
    recs = _records(kinds, [[*r[:6], STATUS_WORDS.get(r[6], r[6])] for r in found])
    return Sheet(
        "Timeliness",
        f"Quarterly progress reports owed in calendar year {year}: due, received, days late",
        "Due a set number of days after the quarter ends; received on the day the first accepted file came in. Days late "
        "for a missing report are counted to the due date of the latest reporting quarter, so they do not change with the clock.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


def not_covered_sheet() -> Sheet:
    kinds = {"Federal-form section": "text", "Why it is not here": "long"}
    return Sheet(
        "What this does not cover",
        "What this workbook does not cover",
        "Sections of the federal forms the quarterly workbook does not collect: this workbook is not the whole form.",
        make_frame(_records(kinds, [list(r) for r in NOT_COVERED]), kinds),
        kinds,
    )


def notes_rows(summary: Summary) -> list[tuple[str, str]]:
    t = summary.threshold
    fed = settings().federal
    return [
        (
            "Report",
            f"{summary.state_name} STOP Violence Against Women Formula Grant: the federal reporting year {summary.year}, "
            "the sections of the federal forms the quarterly reports and the award register feed.",
        ),
        ("Calendar year", f"January 1 to December 31, {summary.year}. Subgrants whose dates overlap the year are included."),
        ("Generated", summary.generated.isoformat(sep=" ")),
        (
            "Data as of",
            f"{summary.as_of:%Y-%m-%d %H:%M} (the latest progress report of the year ingested); reports up to {summary.period}."
            if summary.as_of and summary.period
            else "No accepted progress report covers the year yet; only the award register's figures are filled.",
        ),
        (
            "Counts of people",
            f"Survivors engaged and people served, partially served or not served are protected figures. Each count a "
            f"subgrant reported from 1 to {t} is replaced, before anything is added up, by a fixed stand-in within {SHIFT} "
            f"of it, chosen by a secret key kept with the database; zeros and counts above {t} are kept as reported. A "
            f"figure from 1 to {t} is shown as '1–{t}'. Every figure is the sum of the stand-ins it covers, so no two "
            f"figures can be subtracted to give a true small count; the same records always give the same figures as the "
            "portfolio summary and the dashboard.",
        ),
        (
            "Text from grantees",
            "Names come from grantees' workbooks and the award register. Text beginning with =, +, -, @, a tab or a "
            "carriage return is stored as plain text, so a spreadsheet never runs it as a formula.",
        ),
        ("Blank cells", "Unknown, not zero: the register or the reports do not say."),
        (
            "Sheet: General information",
            "Each subgrant's organization, community, federal award, unique entity ID, award and purpose areas by name.",
        ),
        (
            "Sheet: Coordinated community response",
            "Partners (in all and by discipline) and signed agreements as of the latest accepted report of the year; "
            "meetings held and protocols developed, adopted and reviewed, summed over the year's reports.",
        ),
        (
            "Sheet: Victim services",
            "Survivors engaged and people who sought services (served, partially served, not served), summed over the "
            "year's quarters: each quarter counts people who first sought services this year in that quarter, so the "
            "four add up to the year's count. Totals by victimization at the foot.",
        ),
        ("Sheet: Leveraged resources", "Cash and in-kind resources beyond STOP that the year's reports list, per subgrant."),
        (
            "Sheet: Allocation ledger",
            "The statutory floors and caps per federal award: on the dollars subawarded from it, and on the award to the "
            "state less its administrative share. Short (negative) or over (positive) is actual minus required.",
        ),
        (
            "Sheet: Funds awarded and returned (6A)",
            "Per federal award: the award to the state, the administrative share, dollars subawarded, returned unused at "
            "closeout, and not yet awarded (award less administrative share less subawarded plus returned).",
        ),
        (
            "Sheet: Match",
            "Per subgrant: the match the register requires, the match the reports document (cash and in-kind), and the "
            "shortfall. Victim-service and tribal projects need no match unless the register says otherwise.",
        ),
        (
            "Sheet: Timeliness",
            f"Every quarterly report owed in the year: due {fed.report_due_days} days after the quarter ends, the day the "
            "first accepted file came in, days late, and its status. A report not yet due is not counted late; figures "
            "are as of the end of the latest reporting quarter, so they do not change with the day the workbook is made.",
        ),
        (
            "Sheet: What this does not cover",
            "Federal-form sections the quarterly workbook does not collect; fill them in from other records.",
        ),
    ]


def gather_federal(db: Db, year: int) -> Summary:
    """Every sheet of the federal workbook for calendar *year*; a plain error when no subgrant or report covers it."""
    threshold = settings().suppression_threshold
    with reader(db) as con:
        scope = _check_year(con, year)
        period, as_of = rows(
            con,
            """SELECT max(period), max(ingested_at) FROM submissions
               WHERE status IN ('accepted', 'accepted_with_errors') AND left(period, 4) = CAST(? AS VARCHAR)""",
            [year],
        )[0]
        protect = protector(database_file(con), threshold)
        awards = _awards_in_scope(con, scope, year)
        sheets = [
            general_sheet(con, scope),
            ccr_sheet(con, scope, year),
            victim_services_sheet(con, scope, year, protect),
            leveraged_sheet(con, scope, year),
            ledger_sheet(con, awards),
            funds_sheet(con, awards),
            match_sheet(con, scope),
            timeliness_sheet(con, scope, year),
            not_covered_sheet(),
        ]
    summary = Summary(
        settings().state_name,
        year,
        [year],
        period,
        as_of,
        dt.datetime.now().replace(microsecond=0),
        threshold,
        sheets,
        make_frame([], {}),
        {"subgrants": len(scope)},
    )
    kinds = {"Item": "text", "Meaning": "long"}
    summary.sheets.append(
        Sheet(
            "Notes",
            "What each sheet and figure means",
            f"Calendar year {year}; definitions from the STOP statute and the reporting schema.",
            make_frame(_records(kinds, [list(r) for r in notes_rows(summary)]), kinds),
            kinds,
        )
    )
    return summary


def context_line(summary: Summary) -> str:
    reports = f"reports up to {summary.period}" if summary.period else "no progress reports of the year yet"
    data = f"data as of {summary.as_of:%Y-%m-%d}" if summary.as_of else "register only"
    return (
        f"{summary.state_name} STOP federal reporting · calendar year {summary.year} · {reports} · {data} · "
        f"generated {summary.generated:%Y-%m-%d %H:%M}"
    )


def xlsx_bytes(summary: Summary) -> bytes:
    """The summary workbook's layout, with the calendar year in each sheet's context line and the file's title."""
    wb = build_workbook(summary)
    line = context_line(summary)
    for ws in wb.worksheets:
        put(ws, 2, 1, line)
    wb.properties.title = f"{summary.state_name} STOP federal reporting year {summary.year}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_gathered_federal(summary: Summary, out: Path) -> Path:
    """Write an already gathered federal workbook, whole or not at all."""
    return _atomic_write(Path(out), xlsx_bytes(summary))


def write_federal_xlsx(db: Db, out: Path, year: int) -> Path:
    """The federal workbook of calendar *year*, written whole or not at all."""
    return write_gathered_federal(gather_federal(db, year), out)


def federal_bytes(db: Db, year: int) -> bytes:
    return xlsx_bytes(gather_federal(db, year))


def federal_file_name(year: int) -> str:
    return f"stop-federal-reporting-{year}.xlsx"


def federal_download(db: Db, year: int) -> Download:
    """Bytes, a file name and a MIME type for a one-click download: ``st.download_button(...)``."""
    return Download(federal_bytes(db, year), federal_file_name(year), MIME["xlsx"])
