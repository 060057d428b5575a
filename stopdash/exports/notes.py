"""The Notes sheet: what each figure of the summary means, the filters used, and the protection rules.

Definitions follow reporting-schema.md (the public views) and domain.md (the STOP rules);
docs/exports.md explains the choices behind the allocation checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.vocab import INDICATORS, LEVELS, PRACTICES, STEPS
from stopdash.suppression import SHIFT

if TYPE_CHECKING:
    from stopdash.exports.model import Summary

SHEET_NOTES = {
    "Allocation": "Each statutory check per award year: the floor or cap, the dollars it requires, the dollars the register "
    "shows, whether it is met, and the dollars short (negative) or over (positive): actual minus required.",
    "Allocation by category": "Subgrants, award dollars, share, sexual-assault dollars and required match per allocation category.",
    "Purpose areas": "Subgrants and award dollars under each of the 24 STOP purpose areas (34 U.S.C. 10441(b), as amended in 2022).",
    "Communities": "One row per subgrant with its latest collaboration figures.",
    "Leveraged funding": "Funding beyond STOP reported on the Funding sheets, by source type and form, with totals.",
    "Protocols": "Every protocol in each subgrant's latest report, its step in the 8-step cycle, and whether a review is overdue.",
    "Survivor engagement": "Status of the eight survivor-engagement practices per subgrant, and survivors engaged "
    "(protected figures: see Counts of people).",
    "Services": "People served, partially served and not served, by victimization, in the quarter (protected figures: see Counts "
    "of people); every total is the sum of the protected figures it covers.",
    "Data quality": "Per quarter: reports expected and received, and ingested files by status.",
    "Missing reports": "Every quarterly report owed and not received as an accepted report.",
}

DEFINITIONS = [
    (
        "Allocation base",
        "The total of the award amounts of the award year in the award register: the state's STOP allocation as far as "
        "the register shows it (subgranted dollars; the state's administrative share is not in the register). Load every "
        "subgrant of the year for the shares to be right.",
    ),
    ("Victim services floor", "30% of the base, met by the categories Victim services and Culturally specific victim services together."),
    (
        "Culturally specific floor",
        "At least 10% of the 30% victim-services allocation goes to culturally specific community-based "
        "organizations: 10% x 30% = 3% of the base, met by the category Culturally specific victim services. The explanation also "
        "gives its share of all victim-services dollars.",
    ),
    (
        "Sexual-assault set-aside",
        "Two rows. (1) The register's Sexual assault amount totals at least 20% of the base. (2) Those dollars "
        "lie in at least two of the four statutory allocations (law enforcement, prosecution, courts, victim services; culturally "
        "specific counts as victim services; discretionary subgrants count toward the 20% but are not an allocation).",
    ),
    (
        "Prevention cap",
        "Purpose area 20 (prevention and education) may use at most 5% of the base. The register does not split an "
        "award between purpose areas, so a subgrant listing area 20 counts in full: an upper bound.",
    ),
    ("Required dollars", "Share x base, rounded up to the cent for a floor and down for a cap, so 'met' agrees with the dollars shown."),
    (
        "Maturity score",
        "Mean of the quarter's ten indicator self-scores (1-5), 2 decimals; blank when fewer than 7 were readable. "
        "Indicators: " + "; ".join(f"{c} {n}" for c, n in INDICATORS.items()) + ".",
    ),
    (
        "Maturity level",
        "The Levels of Collaboration name of the score rounded to a whole number, halves up: "
        + ", ".join(f"{i} {n}" for i, n in enumerate(LEVELS, 1))
        + ".",
    ),
    (
        "Protocol step",
        "Highest step among the quarter's protocols in the 8-step cycle: "
        + "; ".join(f"{i} {n}" for i, n in enumerate(STEPS))
        + ". Step 5 or beyond counts as adopted.",
    ),
    (
        "Review overdue",
        "An adopted protocol whose last review (or adoption, if never reviewed) is older than the review period "
        "before the end of its quarter.",
    ),
    ("Survivor practices", "; ".join(f"{c} {n}" for c, n in PRACTICES.items()) + ". 'Practices in place' counts those In place."),
    (
        "Leveraged private, total",
        "Sums of the Funding sheet amounts: private source types only (private foundation, corporate, "
        "individual donors, civic or faith-based), and all types. Blank when the report had no Funding sheet; 0 when it was empty.",
    ),
    ("Leverage ratio", "Leveraged total in the quarter divided by the subgrant's award amount, 4 decimals."),
    ("Reports expected", "A subgrant owes a report for every quarter its start-end dates overlap, up to the summary's quarter."),
    ("Blank cells", "Unknown, not zero: the report lacked the sheet, or the subgrant has no accepted report yet."),
]


def notes_rows(summary: Summary) -> list[tuple[str, str]]:
    t = summary.threshold
    years = ", ".join(map(str, summary.years))
    out = [
        ("Report", f"{summary.state_name} STOP Violence Against Women Formula Grant portfolio: federal-reporting summary."),
        ("Generated", summary.generated.isoformat(sep=" ")),
        (
            "Data as of",
            f"{summary.as_of:%Y-%m-%d %H:%M} (the latest progress report ingested)"
            if summary.as_of
            else "No progress report has been ingested yet; only the award register checks have figures.",
        ),
        (
            "Award years",
            f"Award year {summary.year} only, as chosen for this export."
            if summary.year is not None
            else f"All award years in the register: {years}.",
        ),
        (
            "Quarter",
            f"As of {summary.period}: community figures come from each subgrant's latest accepted report up to it; "
            "services and 'in the quarter' money from that quarter alone."
            if summary.period
            else "No quarter: no accepted report yet.",
        ),
        (
            "Suppression",
            f"A figure of people from 1 to {t} is shown as '1–{t}'; 0 means every count behind it was a reported 0; blank "
            f"means not reported. The threshold ({t}) is part of the dashboard's privacy settings, kept by its administrator. Counts of "
            "subgrants, files and protocols are not counts of people and are shown whole.",
        ),
        (
            "Counts of people",
            "Survivors engaged and people served, partially served or not served are protected figures, not the counts as "
            f"reported. Each count a subgrant reported from 1 to {t} is replaced, before anything is added up, by a fixed "
            f"stand-in within {SHIFT} of it (still from 1 to {t}), chosen by a secret key kept with the database; zeros and "
            f"counts above {t} are kept as reported. Every figure (a row, a total, any dashboard filter, any award year or "
            "quarter) is the sum of the stand-ins it covers, so no two figures, however filtered, can be subtracted to give a "
            f"true count from 1 to {t}. A figure over several subgrants may differ from the true sum by up to {SHIFT} for each "
            f"of their counts from 1 to {t}; the same records always give the same figure.",
        ),
        (
            "Text from grantees",
            "Names and notes come from grantees' workbooks. Text beginning with =, +, -, @, a tab or a carriage "
            "return is stored as plain text (marked with a leading apostrophe in CSV) so a spreadsheet never runs it as a formula.",
        ),
        (
            "Source",
            "The stopdash database's public reporting views (described in the reporting schema of the stopdash "
            "documentation): awards, their purpose areas, community figures per quarter, protocols, survivor practices, "
            "funding, services, submissions and the reports expected.",
        ),
    ]
    out += [(f"Sheet: {name}", text) for name, text in SHEET_NOTES.items()]
    return out + DEFINITIONS
