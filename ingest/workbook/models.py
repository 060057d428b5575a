"""Pydantic models of one table row each, built on the normalizers.

A row is validated whole; every problem in it comes back from
`ValidationError.errors()` and becomes an issue naming its cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from ingest import vocab as v
from ingest.workbook import normalize as n


def _word(index: dict[str, str], code: str, what: str) -> BeforeValidator:
    return BeforeValidator(lambda raw: n.match_word(raw, index, code, what))


def _at_least_zero(code: str, what: str) -> AfterValidator:
    def check(value: Any) -> Any:
        if value is not None and value < 0:
            raise n.CellProblem(code, f"{what} of zero or more")
        return value

    return AfterValidator(check)


Text = Annotated[str, BeforeValidator(n.clean_text)]
Id = Annotated[str, BeforeValidator(n.clean_id)]  # look-alike dashes as hyphens, invisible characters dropped
OptText = Annotated[str | None, BeforeValidator(n.clean_text)]
Count = Annotated[int | None, BeforeValidator(n.parse_whole), _at_least_zero("negative_count", "a count")]
Money = Annotated[Decimal, BeforeValidator(n.parse_money), _at_least_zero("negative_amount", "a dollar amount")]
YesNo = Annotated[bool | None, BeforeValidator(n.parse_yes_no)]
Date = Annotated[dt.date | None, BeforeValidator(n.parse_date)]

_DISCIPLINES = v.vocabulary_index(v.DISCIPLINES, v.DISCIPLINE_SYNONYMS)
_FOCUSES = v.vocabulary_index(v.FOCUSES, v.FOCUS_SYNONYMS)
_INDICATORS = v.vocabulary_index(v.INDICATORS)
# Indicator names in domain.md carry a parenthetical explanation; accept the full text too.
_INDICATORS.update({v.word_key("Shared vision and common values (agreed meaning of victim-centered)"): "C1"})
_PRACTICES = v.vocabulary_index(v.PRACTICES)
_PRACTICE_STATUSES = v.vocabulary_index(
    v.PRACTICE_STATUSES, {"yes": "In place", "no": "Not in place", "y": "In place", "n": "Not in place"}
)
_FUNDING_TYPES = v.vocabulary_index(v.FUNDING_TYPES, v.FUNDING_TYPE_SYNONYMS)
_FORMS = v.vocabulary_index(v.FUNDING_FORMS, {"in kind": "In-kind", "inkind": "In-kind", "cash": "Cash"})
_TA_STATUSES = v.vocabulary_index(v.TA_STATUSES, {"closed": "Resolved", "done": "Resolved", "pending": "Open"})
_VICTIMIZATIONS = v.vocabulary_index(v.VICTIMIZATIONS, {"sex trafficking and sexual exploitation": "Sex trafficking"})


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class PartnerRow(Row):
    partner: Text
    discipline: Annotated[
        str,
        _word(
            _DISCIPLINES,
            "unknown_discipline",
            "a discipline from the template's list (e.g. Law enforcement, Prosecution, Community-based advocacy)",
        ),
    ]
    mou_signed: YesNo = None
    meetings_attended: Count = None


class MaturityRow(Row):
    indicator_code: Annotated[str, _word(_INDICATORS, "unknown_indicator", "an indicator code C1 to C10 or an indicator's name")]
    score: Annotated[int, BeforeValidator(n.parse_score)]
    notes: OptText = None


class ProtocolRow(Row):
    protocol: Text
    focus: Annotated[
        str | None, _word(_FOCUSES, "unknown_focus", "a focus from the template's list (e.g. Sex trafficking and sexual exploitation)")
    ] = None
    step: Annotated[int, BeforeValidator(n.parse_step)]
    adopted_on: Date = None
    last_reviewed_on: Date = None


class PracticeRow(Row):
    practice_code: Annotated[str, _word(_PRACTICES, "unknown_practice", "a practice code S1 to S8 or a practice's text")]
    status: Annotated[str, _word(_PRACTICE_STATUSES, "unknown_status", "In place, Planned or Not in place")]


class FundingRow(Row):
    source: Text
    source_type: Annotated[
        str,
        _word(
            _FUNDING_TYPES, "unknown_funding_type", "a type from the template's list (e.g. Private foundation, Corporate, Local government)"
        ),
    ]
    form: Annotated[str | None, _word(_FORMS, "unknown_form", "Cash or In-kind"), AfterValidator(lambda f: f or "Cash")] = "Cash"
    amount: Money
    counts_toward_match: Annotated[bool, BeforeValidator(lambda raw: n.parse_yes_no(raw) or False)] = False


class TaRow(Row):
    topic: Text
    requested_on: Date = None
    status: Annotated[str | None, _word(_TA_STATUSES, "unknown_status", "Open, In progress or Resolved")] = None


class ServiceRow(Row):
    victimization: Annotated[
        str,
        _word(_VICTIMIZATIONS, "unknown_victimization", "Sexual assault, Domestic violence, Dating violence, Stalking or Sex trafficking"),
    ]
    served: Count = None
    partially_served: Count = None
    not_served: Count = None


@dataclass(frozen=True)
class Problem:
    """One value of a row that could not be read: which field, the issue code, the rule, what the cell shows."""

    field: str
    code: str
    rule: str
    found: str | None = None
    required: bool = True


def problems(model: type[Row], record: dict[str, object], *, keep_optional: bool = True) -> tuple[Row | None, list[Problem]]:
    """Validate one row: (the row, problems). A bad required value drops the row (None).

    With *keep_optional*, a bad value in an optional column is left empty (NULL) instead
    and the rest of the row is kept: a check mark in "MOU signed" must not lose the partner.
    """
    record = dict(record)
    found: list[Problem] = []
    for _attempt in range(2):
        try:
            return model.model_validate(record), found
        except ValidationError as e:
            dropped = False
            for err in e.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                spec = model.model_fields.get(name)
                required = spec is None or spec.is_required() or not keep_optional
                cause = (err.get("ctx") or {}).get("error")
                if isinstance(cause, n.CellProblem):
                    found.append(Problem(name, cause.code, cause.rule, cause.found, required))
                elif record.get(name) is None or n.clean_text(record.get(name)) is None:
                    found.append(Problem(name, "missing_value", "a value", "this required cell is empty", True))
                    required = True
                else:
                    found.append(Problem(name, "invalid_value", err["msg"], None, required))
                if required:
                    dropped = True
                else:
                    record[name] = None
            if dropped:
                return None, found
    return None, found
