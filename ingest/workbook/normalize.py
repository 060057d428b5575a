"""Small, pure normalizers, one per messy-cell rule.

Failure policy, the same for all: a blank cell (None, "" or only spaces) gives
None; a value that cannot be read raises :class:`CellProblem` with a stable
issue code and the rule in words. Nothing here raises anything else.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

# The quarter arithmetic lives in ingest/quarters.py; these names stay importable from here.
from ingest.quarters import quarter_bounds as quarter_bounds
from ingest.quarters import quarter_from_dates as quarter_from_dates
from ingest.quarters import quarter_of as quarter_of
from ingest.quarters import shift_quarter as shift_quarter
from ingest.vocab import LEVELS, STEPS, word_key


class CellProblem(ValueError):
    """A value broke a rule: `code` is the issue slug, `rule` says what was expected.

    `found`, when given, says what the cell shows in words (instead of quoting it
    against the rule), e.g. "the cell shows #N/A (an Excel error)".
    """

    def __init__(self, code: str, rule: str, found: str | None = None):
        super().__init__(rule)
        self.code = code
        self.rule = rule
        self.found = found


Raw = object
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")


def clean_text(value: Raw) -> str | None:
    """Text as a person wrote it: spaces (incl. non-breaking) collapsed and trimmed; blank is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


_MONEY_RULE = "a dollar amount such as 12500 or $12,500.00"
_GROUPED = re.compile(r"^\d{1,3}(?:[,.]\d{3})+$")


def _number_text(text: str, rule_code: str, rule: str) -> Decimal:
    """A number written by a person, in US or European style; an ambiguous form is a problem, never a guess.

    ``12,500`` and ``1,234.56`` (US), ``9.100,00``, ``1.234.567`` and ``12,50`` (European) are read;
    ``9.100`` could be nine point one or nine thousand one hundred, so it is refused with the reason.
    """
    body = re.sub(r"[\s\u00a0\u2007\u202f\u2009']", "", text)  # "9 100,00" and "9'100.00" group thousands
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        decimal_mark = "," if body.rfind(",") > body.rfind(".") else "."
        whole, _, fraction = body.rpartition(decimal_mark)
        if not _GROUPED.match(whole.lstrip("-")) or not fraction.isdigit():
            raise CellProblem(rule_code, rule)
        body = re.sub(r"[,.]", "", whole) + "." + fraction
    elif commas:
        whole, _, fraction = body.rpartition(",")
        if commas == 1 and len(fraction) in (1, 2) and whole.lstrip("-").isdigit():
            body = whole + "." + fraction  # 12,50: a European decimal comma (a US thousands group has three digits)
        elif _GROUPED.match(body.lstrip("-")):
            body = body.replace(",", "")
        else:
            raise CellProblem(rule_code, rule)
    elif dots > 1:
        if not _GROUPED.match(body.lstrip("-")):
            raise CellProblem(rule_code, rule)
        body = body.replace(".", "")  # 1.234.567: European thousands
    elif dots == 1 and re.fullmatch(r"-?\d{1,3}\.\d{3}", body):
        whole, fraction = body.split(".")
        raise CellProblem(
            "ambiguous_number",
            f"write thousands without a dot ({whole}{fraction}) and decimals with a dot ({whole}.{fraction[:2]})",
            found=f"'{text}' could mean {whole},{fraction} or {whole}.{fraction.rstrip('0') or '0'}",
        )
    try:
        number = Decimal(body)
    except InvalidOperation:
        raise CellProblem(rule_code, rule) from None
    if not number.is_finite():
        raise CellProblem(rule_code, rule)
    return number


def parse_money(value: Raw) -> Decimal | None:
    """Dollars from numbers or text like "$12,500.00", "12,500", " 12500 ", "(500)" (negative), "9.100,00" (European)."""
    if isinstance(value, bool):
        raise CellProblem("not_money", _MONEY_RULE)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellProblem("not_money", _MONEY_RULE)
        if abs(value) >= 1e12:
            raise CellProblem("not_money", "a dollar amount below one trillion")
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = clean_text(value)
    if text is None:
        return None
    excel_error(text)
    negative = text.startswith("(") and text.endswith(")")
    body = text.strip("()").replace("$", "").strip()
    if body.upper().endswith("USD"):
        body = body[:-3]
    amount = _number_text(body, "not_money", _MONEY_RULE)
    if abs(amount) >= Decimal("1e12"):
        raise CellProblem("not_money", "a dollar amount below one trillion")
    amount = amount.quantize(Decimal("0.01"))
    return -amount if negative else amount


def parse_whole(value: Raw) -> int | None:
    """A whole number from 12, 12.0, "12" or "1,200"; 12.5, "twelve" or the ambiguous "1.200" are problems."""
    rule = "a whole number such as 12"
    if isinstance(value, bool):
        raise CellProblem("not_whole_number", rule)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise CellProblem("not_whole_number", rule)
        value = int(value)
    if isinstance(value, int):
        if abs(value) > 10**12:
            raise CellProblem("not_whole_number", rule)
        return value
    text = clean_text(value)
    if text is None:
        return None
    excel_error(text)
    number = _number_text(text, "not_whole_number", rule)
    if number != number.to_integral_value() or abs(number) > 10**12:
        raise CellProblem("not_whole_number", rule)
    return int(number)


# What Excel shows in a cell whose formula failed; a reader sees only the text (or nothing).
EXCEL_ERRORS = (
    *("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"),
    *("#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!"),
)


def excel_error(text: str | None) -> None:
    """Raise CellProblem("excel_error") when *text* is what Excel shows for a failed formula."""
    if text and text.strip().upper() in EXCEL_ERRORS:
        raise CellProblem(
            "excel_error", "correct the formula or type the value", found=f"the cell shows {text.strip().upper()} (an Excel error)"
        )


# Characters that look like a hyphen or a space, or are not seen at all, in IDs people copy from letters and PDFs.
_LOOKALIKE_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u00ad"), "-")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u180e"), None)


def clean_id(value: Raw) -> str | None:
    """An identifier as typed, with look-alike dashes as hyphens and invisible characters removed."""
    text = clean_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).translate(_LOOKALIKE_DASHES).translate(_INVISIBLE)
    return clean_text(text)


def odd_characters(text: str) -> list[str]:
    """Characters in an ID that are neither ASCII nor clearly meant, named for a message ("'М' (Cyrillic capital letter em)")."""
    return [f"'{ch}' ({unicodedata.name(ch, 'an unnamed character').lower()})" for ch in dict.fromkeys(text) if ord(ch) > 127]


_YES = {"y", "yes", "true", "x", "1", "\u2713", "\u2714", "\u2611", "\u2705", "\u2612"}  # ✓ ✔ ☑ ✅ ☒ (a box ticked with an x)
_NO = {"n", "no", "false", "0", "\u2717", "\u2718", "\u274c", "\u2610", "\u274e"}  # ✗ ✘ ❌ ☐ (an empty box) ❎


def parse_yes_no(value: Raw) -> bool | None:
    """Yes/no from Y, N, Yes, No, True, False, X (yes), 1, 0 in any case."""
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    excel_error(text)
    key = text.lower().rstrip(".")
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellProblem("not_yes_no", "yes or no (Y, N, Yes, No, True, False, X, 1, 0, or a tick ✓ or cross ✗)")


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y", "%d-%B-%Y", "%m/%d/%y", "%B %d %Y")


def parse_date(value: Raw) -> dt.date | None:
    """A date from a real Excel date, 2026-03-15, 3/15/2026 (month first), March 15, 2026 or 15-Mar-2026."""
    rule = "a date such as 2026-03-15 or 3/15/2026"
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem("not_a_date", rule)
    if isinstance(value, (int, float)):
        # A number in a date column is an Excel serial whose date format was lost.
        if isinstance(value, float) and not math.isfinite(value):
            raise CellProblem("not_a_date", rule)
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellProblem("not_a_date", rule)
    text = clean_text(value)
    if text is None:
        return None
    text = re.sub(r"[T ]00:00(:00(\.0+)?)?$", "", text)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellProblem("not_a_date", rule)


_QUARTER_FORMS = (
    re.compile(r"^(?P<y>\d{4})\s*[-/ ]?\s*q(?P<q>[1-4])$"),
    re.compile(r"^q(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})$"),
)


def parse_quarter(value: Raw) -> str | None:
    """A calendar quarter as YYYY-Qn from 2026-Q1, 2026 Q1, Q1 2026, Q1-2026 or 2026Q1."""
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    for form in _QUARTER_FORMS:
        match = form.match(key)
        if match:
            return f"{match['y']}-Q{match['q']}"
    raise CellProblem("not_a_quarter", "a calendar quarter such as 2026-Q1")


_LEVEL_INDEX = {word_key(name): i + 1 for i, name in enumerate(LEVELS)}


def parse_score(value: Raw) -> int | None:
    """A maturity score 1–5 from a number or a level name (Networking=1 … Collaboration=5)."""
    rule = "a whole number from 1 to 5 or a level name (Networking … Collaboration)"
    if isinstance(value, str) and word_key(value) in _LEVEL_INDEX:
        return _LEVEL_INDEX[word_key(value)]
    try:
        score = parse_whole(value)
    except CellProblem:
        raise CellProblem("invalid_score", rule) from None
    if score is not None and not 1 <= score <= 5:
        raise CellProblem("score_out_of_range", rule)
    return score


_STEP_INDEX = {word_key(name): i for i, name in enumerate(STEPS)}
_STEP_INDEX[word_key("Protocol formally adopted")] = 5
_STEP_INDEX[word_key("Renewing interagency agreements (protocol formally adopted)")] = 5
_STEP_FORM = re.compile(r"^(?:step\s*)?(\d+)(?:\s*(?:[-:.)–—]\s*|\s+)(.*))?$")


def parse_step(value: Raw) -> int | None:
    """A protocol step 0–8 from 4, "Step 4", "4 - Writing the protocol" or a step's name."""
    rule = "a protocol step from 0 to 8, such as 4 or 4 - Writing the protocol"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        step = parse_whole(value)
    else:
        text = clean_text(value)
        if text is None:
            return None
        key = word_key(text)
        if key in _STEP_INDEX:
            return _STEP_INDEX[key]
        match = _STEP_FORM.match(text.strip().lower())
        if not match:
            raise CellProblem("unknown_step", rule)
        step = int(match[1])
        name = word_key(match[2] or "")
        if name and _STEP_INDEX.get(name, step) != step:
            raise CellProblem("unknown_step", rule + " (the number and name disagree)")
    if step is None or not 0 <= step <= 8:
        raise CellProblem("unknown_step", rule)
    return step


def match_word(value: Raw, index: dict[str, str], code: str, what: str) -> str | None:
    """The canonical spelling of a vocabulary word, matched with :func:`word_key`."""
    text = clean_text(value)
    if text is None:
        return None
    found = index.get(word_key(text))
    if found is None:
        raise CellProblem(code, what)
    return found
