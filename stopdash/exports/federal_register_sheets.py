"""The federal workbook's sheets drawn from the award register: general information, allocation ledger, 6A, match.

Each function takes an open connection and the calendar year's subgrants (or federal awards) and returns a
display-ready Sheet (stopdash.exports.model); stopdash.exports.federal gathers them.
"""

from __future__ import annotations

from typing import Any

from stopdash.exports.model import Kinds, Sheet, make_frame
from stopdash.queries.allocation import PURPOSE_AREAS
from stopdash.queries.reader import rows

NO_AWARD = "(no federal award number)"


def money(v: Any) -> float | None:
    return None if v is None else float(v)


def yes_no(v: Any) -> str | None:
    return None if v is None else ("Yes" if v else "No")


def records(kinds: Kinds, found: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(kinds, r, strict=True)) for r in found]


def money_sums(recs: list[dict[str, Any]], cols: list[str]) -> list[float | None]:
    out = []
    for c in cols:
        known = [r[c] for r in recs if r[c] is not None]
        out.append(float(sum(known)) if known else None)
    return out


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
        recs.append(dict(zip(kinds, [*head, money(amount), start, end, names or None], strict=True)))
    return Sheet(
        "General information",
        "General information: one row per subgrant",
        "From the award register: every subgrant whose dates overlap the year, with its federal award and purpose areas.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


def awards_in_scope(con: Any, scope: list[str], year: int) -> list[str | None]:
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
        WHERE list_contains(?, federal_award_number) ORDER BY federal_award_number, code""",
        [known],
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
        "Award less administrative share ($)": "money",
        "Required on that base ($)": "money",
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
                    money(share),
                    base,
                    money(base_d),
                    money(req),
                    money(actual),
                    money(actual_share),
                    result(kind, met),
                    money(gap),
                    money(base_admin),
                    money(req_admin),
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
        "administrative share (blank when the Federal awards sheet does not give them). Subgrants with no federal award "
        "number are in no award's checks.",
        make_frame(recs, kinds),
        kinds,
        freeze_cols=1,
    )


def funds_sheet(con: Any, awards: list[str | None], scope: list[str]) -> Sheet:
    known = [a for a in awards if a is not None]
    found = rows(
        con,
        """
        SELECT federal_award_number, federal_fiscal_year, award_amount, admin_share, period_start, period_end, subgrants,
               subawarded, returned, reawarded, unobligated, known
        FROM federal_awards WHERE list_contains(?, federal_award_number) ORDER BY federal_award_number""",
        [known],
    )
    # The views leave out subgrants the register gives no federal award number; they are one row here, so no dollar is lost.
    unnumbered = rows(
        con,
        """SELECT NULL, NULL, NULL, NULL, NULL, NULL, count(*), sum(award_amount), sum(returned_unused), NULL, NULL, false
           FROM awards WHERE federal_award_number IS NULL AND list_contains(?, subgrant_id) HAVING count(*) > 0""",
        [scope],
    )
    found = [*found, *unnumbered]
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
    recs = records(
        kinds,
        [
            [fan or NO_AWARD, ffy, money(amount), money(admin), start, end, n, *map(money, (sub, ret, re, unob)), yes_no(on)]
            for fan, ffy, amount, admin, start, end, n, sub, ret, re, unob, on in found
        ],
    )
    return Sheet(
        "Funds awarded and returned (6A)",
        "Funds awarded and returned, per federal award (STOP Administrator report, item 6A)",
        "The award to the state and its administrative share from the Federal awards sheet; subawarded and returned "
        "dollars from the award register. Money returned and awarded again is not tracked, so it is blank. Subgrants the "
        f"register gives no federal award number are one row, {NO_AWARD}.",
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
                    [sid, org, award_year, money(required), yes_no(exempt), *map(money, (cash, in_kind, documented, short)), result],
                    strict=True,
                )
            )
        )
    recs.append(
        dict(
            zip(
                kinds,
                ["All subgrants", "", None, *money_sums(recs, ["Match required ($)"]), "", *money_sums(recs, list(kinds)[5:9]), ""],
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
