"""The federal workbook's last two sheets: what it does not cover, and the Notes (plain words, no codes or settings)."""

from __future__ import annotations

from ingest.config import settings
from stopdash.exports.federal_register_sheets import records
from stopdash.exports.model import Sheet, Summary, make_frame
from stopdash.suppression import SHIFT

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


def not_covered_sheet() -> Sheet:
    kinds = {"Federal-form section": "text", "Why it is not here": "long"}
    return Sheet(
        "What this does not cover",
        "What this workbook does not cover",
        "Sections of the federal forms the quarterly workbook does not collect: this workbook is not the whole form.",
        make_frame(records(kinds, [list(r) for r in NOT_COVERED]), kinds),
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
