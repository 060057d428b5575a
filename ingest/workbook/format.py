"""The progress-report workbook's format, in one place (report-workbook.md, section 2).

Each sheet is declared once: its canonical name and the names also read, and its
columns (the canonical header the template writes, the headers also read, the kind
of value with its vocabulary, whether the column is required, and the database
column it is stored in). The reader (ingest.workbook.report), the blank template
(stopdash.template), the demo writer (stopdash.demo) and the tests take the sheets
and columns from here; adding a sheet is adding a :class:`SheetFormat` to
:data:`SHEETS`, a table to sql/schema.sql, a row model, and its writer columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.vocab import (
    DISCIPLINES,
    FOCUSES,
    FUNDING_FORMS,
    FUNDING_TYPES,
    INDICATORS,
    LEVELS,
    PRACTICE_STATUSES,
    PRACTICES,
    STEPS,
    TA_STATUSES,
    VICTIMIZATIONS,
)

# Kinds of value a column holds.
TEXT, CHOICE, CODE, YES_NO, WHOLE, SCORE, STEP, DATE, MONEY, QUARTER = (
    "text",
    "choice",  # one of `vocabulary`
    "code",  # a code of `vocabulary` (C1..C10, S1..S8), or its full name
    "yes_no",
    "whole",  # a whole number, 0 or more
    "score",  # 1..5, or a level's name
    "step",  # a protocol step's number, or its name
    "date",
    "money",
    "quarter",
)


@dataclass(frozen=True)
class ColumnFormat:
    """One column of a table sheet, or one labelled value of the Profile."""

    field: str  # the name in a parsed row
    header: str  # the canonical header (or Profile label), as the template writes it
    synonyms: tuple[str, ...] = ()  # other headers read as this column
    kind: str = TEXT
    vocabulary: tuple[str, ...] = ()
    required: bool = False
    stored_as: str | None = None  # the column of the sheet's table it is stored in (None: not stored)
    in_template: bool = True  # False for an alternative the reader accepts but the template does not offer

    @property
    def names(self) -> list[str]:
        """Every header read as this column, the canonical one first."""
        return [self.header, *self.synonyms]


@dataclass(frozen=True)
class SheetFormat:
    """One sheet of the workbook."""

    key: str  # the section's name in a parsed report
    name: str  # canonical sheet name
    synonyms: tuple[str, ...]
    columns: tuple[ColumnFormat, ...]
    table: str  # the database table its rows are stored in

    @property
    def names(self) -> list[str]:
        """Every sheet name read as this sheet, the canonical one first."""
        return [self.name, *self.synonyms]

    @property
    def headers(self) -> list[str]:
        """The template's headers (or Profile labels), in order."""
        return [c.header for c in self.columns if c.in_template]

    def column(self, field: str) -> ColumnFormat:
        return next(c for c in self.columns if c.field == field)


def _stored(
    field: str, header: str, synonyms: tuple[str, ...] = (), kind: str = TEXT, *, vocabulary: tuple[str, ...] = (), required: bool = False
) -> ColumnFormat:
    """A column stored under its own name."""
    return ColumnFormat(field, header, synonyms, kind, vocabulary, required, stored_as=field)


PROFILE = SheetFormat(
    "profile",
    "Profile",
    ("Grantee", "Grantee info", "Cover", "General information"),
    (
        _stored("subgrant_id", "Subgrant ID", ("Grant ID", "Subgrant number", "Award ID"), required=True),
        _stored("period", "Reporting period", ("Period", "Quarter"), QUARTER, required=True),
        ColumnFormat("period_start", "Period start", kind=DATE, in_template=False),
        ColumnFormat("period_end", "Period end", kind=DATE, in_template=False),
        _stored("prepared_by", "Prepared by"),
        _stored("email", "Email", ("E-mail",)),
        _stored("date_submitted", "Date submitted", kind=DATE),
        _stored("meetings_held", "Collaborative meetings held", ("Meetings held",), WHOLE),
        _stored("survivors_engaged", "Survivors engaged", ("Survivors consulted",), WHOLE),
    ),
    "submission",
)

TABLE_SHEETS: tuple[SheetFormat, ...] = (
    SheetFormat(
        "partners",
        "Partners",
        ("Partner agencies", "MDT members", "Collaborative members", "Team"),
        (
            _stored("partner", "Partner", ("Agency", "Organization", "Member"), required=True),
            _stored("discipline", "Discipline", ("Sector", "Type"), CHOICE, vocabulary=tuple(DISCIPLINES), required=True),
            _stored("mou_signed", "MOU signed", ("MOU", "Signed agreement"), YES_NO),
            _stored("meetings_attended", "Meetings attended", ("Attendance",), WHOLE),
        ),
        "partner_row",
    ),
    SheetFormat(
        "maturity",
        "Maturity",
        ("Collaboration maturity", "Self-assessment", "Collaboration self-assessment"),
        (
            _stored("indicator_code", "Indicator", ("Factor",), CODE, vocabulary=tuple(INDICATORS), required=True),
            _stored("score", "Score", ("Rating", "Level"), SCORE, vocabulary=tuple(LEVELS), required=True),
            _stored("notes", "Notes"),
        ),
        "maturity_row",
    ),
    SheetFormat(
        "protocols",
        "Protocols",
        ("Protocol status",),
        (
            _stored("protocol", "Protocol", ("Name", "Protocol name"), required=True),
            _stored("focus", "Focus", ("Topic",), CHOICE, vocabulary=tuple(FOCUSES)),
            _stored("step", "Step", ("Stage", "Status"), STEP, vocabulary=tuple(STEPS), required=True),
            _stored("adopted_on", "Adopted on", ("Date adopted",), DATE),
            _stored("last_reviewed_on", "Last reviewed", ("Last reviewed on", "Review date"), DATE),
        ),
        "protocol_row",
    ),
    SheetFormat(
        "practices",
        "Survivor engagement",
        ("Survivor involvement", "Survivor voice"),
        (
            _stored("practice_code", "Practice", (), CODE, vocabulary=tuple(PRACTICES), required=True),
            _stored("status", "Status", (), CHOICE, vocabulary=tuple(PRACTICE_STATUSES), required=True),
        ),
        "practice_row",
    ),
    SheetFormat(
        "funding",
        "Funding",
        ("Leveraged funding", "Leveraged funds", "Other funding", "Resources leveraged"),
        (
            _stored("source", "Source", ("Funder",), required=True),
            _stored("source_type", "Type", ("Source type",), CHOICE, vocabulary=tuple(FUNDING_TYPES), required=True),
            _stored("form", "Form", ("Cash or in-kind",), CHOICE, vocabulary=tuple(FUNDING_FORMS)),
            _stored("amount", "Amount", ("Value",), MONEY, required=True),
            _stored("counts_toward_match", "Counts toward match", ("Match",), YES_NO),
        ),
        "funding_row",
    ),
    SheetFormat(
        "ta",
        "TA requests",
        ("TA", "Technical assistance"),
        (
            _stored("topic", "Topic", required=True),
            _stored("requested_on", "Requested on", kind=DATE),
            _stored("status", "Status", (), CHOICE, vocabulary=tuple(TA_STATUSES)),
        ),
        "ta_row",
    ),
    SheetFormat(
        "services",
        "Services",
        (),
        (
            _stored("victimization", "Victimization", (), CHOICE, vocabulary=tuple(VICTIMIZATIONS), required=True),
            _stored("served", "Served", kind=WHOLE),
            _stored("partially_served", "Partially served", kind=WHOLE),
            _stored("not_served", "Not served", kind=WHOLE),
        ),
        "service_row",
    ),
)

SHEETS: tuple[SheetFormat, ...] = (PROFILE, *TABLE_SHEETS)
BY_KEY: dict[str, SheetFormat] = {s.key: s for s in SHEETS}
BY_NAME: dict[str, SheetFormat] = {s.name: s for s in SHEETS}
