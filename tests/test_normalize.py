"""Table-driven tests of every normalizer, including blanks and odd forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ingest.vocab import word_key
from ingest.workbook import normalize as n

BLANKS = [None, "", "   ", "\u00a0"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12500, Decimal("12500.00")),
        (12500.5, Decimal("12500.50")),
        ("$12,500.00", Decimal("12500.00")),
        ("12,500", Decimal("12500.00")),
        (" 12500 ", Decimal("12500.00")),
        ("(500)", Decimal("-500.00")),
        ("-75.5", Decimal("-75.50")),
        ("$\u00a01,000", Decimal("1000.00")),
        ("250 USD", Decimal("250.00")),
        (0, Decimal("0.00")),
    ],
)
def test_parse_money_reads_numbers_and_dollar_text(raw: object, expected: Decimal) -> None:
    """Dollars come from numbers and from text with $, commas and spaces."""
    assert n.parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["twelve", "$", "1.2.3", True, float("nan"), float("inf"), "1e15"])
def test_parse_money_refuses_what_is_not_money(raw: object) -> None:
    """Words, booleans, NaN and absurd amounts are not dollars."""
    with pytest.raises(n.CellProblem) as e:
        n.parse_money(raw)
    assert e.value.code == "not_money"


@pytest.mark.parametrize(
    "parser", [n.parse_money, n.parse_whole, n.parse_yes_no, n.parse_date, n.parse_quarter, n.parse_score, n.parse_step, n.clean_text]
)
@pytest.mark.parametrize("raw", BLANKS)
def test_every_normalizer_reads_a_blank_as_none(parser, raw: object) -> None:
    """A blank cell (None, empty, spaces, NBSP) is None for every normalizer."""
    assert parser(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [(12, 12), (12.0, 12), ("12", 12), (" 1,200 ", 1200), ("0", 0), ("-3", -3)])
def test_parse_whole_reads_whole_numbers(raw: object, expected: int) -> None:
    """Whole numbers come from ints, integral floats and text."""
    assert n.parse_whole(raw) == expected


@pytest.mark.parametrize("raw", [12.5, "12.5", "twelve", True, float("nan")])
def test_parse_whole_refuses_fractions_and_words(raw: object) -> None:
    """Fractions, words and booleans are not whole numbers."""
    with pytest.raises(n.CellProblem, match="whole number"):
        n.parse_whole(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Y", True),
        ("n", False),
        ("Yes", True),
        ("NO", False),
        ("True", True),
        ("false", False),
        ("X", True),
        ("x", True),
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        (True, True),
        (1.0, True),
        (" yes ", True),
    ],
)
def test_parse_yes_no_reads_every_listed_form(raw: object, expected: bool) -> None:
    """Y, N, Yes, No, True, False, X, 1 and 0 in any case are yes/no."""
    assert n.parse_yes_no(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "ja"])
def test_parse_yes_no_refuses_other_words(raw: object) -> None:
    """Anything else is a problem, not a guess."""
    with pytest.raises(n.CellProblem):
        n.parse_yes_no(raw)


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(2026, 3, 15),
        dt.datetime(2026, 3, 15, 0, 0),
        "2026-03-15",
        "3/15/2026",
        "March 15, 2026",
        "15-Mar-2026",
        "Mar 15, 2026",
        " 2026-03-15 00:00:00 ",
        46096,
    ],
)
def test_parse_date_reads_every_listed_form(raw: object) -> None:
    """Real dates, ISO, month-first, long and d-Mon-y forms (and a bare Excel serial) are dates."""
    assert n.parse_date(raw) == dt.date(2026, 3, 15)


@pytest.mark.parametrize("raw", ["15/3/2026", "soon", "2026-13-01", True, -5])
def test_parse_date_refuses_day_first_and_words(raw: object) -> None:
    """Day-first dates are refused rather than guessed (month first is the rule)."""
    with pytest.raises(n.CellProblem) as e:
        n.parse_date(raw)
    assert e.value.code == "not_a_date"


@pytest.mark.parametrize("raw", ["2026-Q1", "2026 Q1", "Q1 2026", "Q1-2026", "2026Q1", "q1 2026", " 2026-q1 "])
def test_parse_quarter_reads_every_listed_form(raw: object) -> None:
    """All five quarter spellings of the spec give 2026-Q1."""
    assert n.parse_quarter(raw) == "2026-Q1"


@pytest.mark.parametrize("raw", ["2026-Q5", "Q1", "2026", "first quarter 2026", 2026])
def test_parse_quarter_refuses_other_forms(raw: object) -> None:
    """A quarter needs a year and 1–4."""
    with pytest.raises(n.CellProblem):
        n.parse_quarter(raw)


def test_quarter_helpers_agree_on_bounds() -> None:
    """Quarter bounds, exact-quarter detection and shifting are consistent."""
    assert n.quarter_bounds("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert n.quarter_from_dates(dt.date(2026, 4, 1), dt.date(2026, 6, 30)) == "2026-Q2"
    assert n.quarter_from_dates(dt.date(2026, 4, 1), dt.date(2026, 7, 15)) is None
    assert n.quarter_from_dates(dt.date(2026, 4, 2), dt.date(2026, 6, 30)) is None
    assert n.shift_quarter("2026-Q1", -1) == "2025-Q4"
    assert n.quarter_of(dt.date(2026, 8, 1)) == "2026-Q3"


@pytest.mark.parametrize(("raw", "expected"), [(1, 1), (5.0, 5), ("3", 3), ("Networking", 1), ("coalition", 4), ("COLLABORATION", 5)])
def test_parse_score_reads_numbers_and_level_names(raw: object, expected: int) -> None:
    """Scores are 1–5 or the Levels of Collaboration names."""
    assert n.parse_score(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"), [(7, "score_out_of_range"), (0, "score_out_of_range"), (2.5, "invalid_score"), ("great", "invalid_score")]
)
def test_parse_score_refuses_out_of_range(raw: object, code: str) -> None:
    """A 7, a 0, a half or a word is a problem with its own code."""
    with pytest.raises(n.CellProblem) as e:
        n.parse_score(raw)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (4, 4),
        ("Step 4", 4),
        ("4 - Writing the protocol", 4),
        ("Writing the protocol", 4),
        ("step 0", 0),
        ("8", 8),
        ("Renewing interagency agreements (protocol formally adopted)", 5),
        ("5: Renewing interagency agreements", 5),
        ("Evaluation", 8),
    ],
)
def test_parse_step_reads_numbers_names_and_mixed_forms(raw: object, expected: int) -> None:
    """Steps are 0–8, 'Step N', 'N - Name' or a step's name."""
    assert n.parse_step(raw) == expected


@pytest.mark.parametrize("raw", [9, -1, "Step 12", "4 - Evaluation", "finished"])
def test_parse_step_refuses_unknown_steps(raw: object) -> None:
    """Out-of-range steps and a number that contradicts its name are problems."""
    with pytest.raises(n.CellProblem) as e:
        n.parse_step(raw)
    assert e.value.code == "unknown_step"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Health care", "health care (incl. SANE)"),
        ("Amount ($)", "amount"),
        ("Meetings held (count)", "MEETINGS HELD"),
        ("Grant\u00a0ID:", "grant id"),
        ("Community-based advocacy", "community based advocacy"),
    ],
)
def test_word_key_ignores_case_punctuation_and_trailing_parenthesis(a: str, b: str) -> None:
    """Words and headers match ignoring case, punctuation, NBSP and a trailing (...) part."""
    assert word_key(a) == word_key(b)


def test_clean_text_keeps_formula_like_text_as_text() -> None:
    """Formula-like text is stored as the plain text it is."""
    assert n.clean_text(' =HYPERLINK("x")\u00a0') == '=HYPERLINK("x")'
    assert n.clean_text(3.0) == "3"
