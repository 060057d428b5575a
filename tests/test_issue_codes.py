"""The catalogue of issue codes is the one truth: the engine raises only its codes, and the docs are its table.

A diff here matters: a code a grantee sees in the log must be explained in docs/ingest.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.issue_codes import CODES, markdown_table

ROOT = Path(__file__).resolve().parents[1]
# Where the engine names a code: the first argument of a refusal or cell problem, a vocabulary's code, an issue's code.
_RAISED = [
    re.compile(r'(?:FileRefused|CellProblem|Problem)\(\s*(?:[a-z_]+,\s*)?"([a-z]+(?:_[a-z0-9]+)+)"', re.S),
    re.compile(r'"(?:error|warning)"(?:\s+if[^,]+else\s+"(?:error|warning)")?,\s*"([a-z]+(?:_[a-z0-9]+)+)"', re.S),
    re.compile(r'\(\s*"[a-z_]+",\s*"([a-z]+(?:_[a-z0-9]+)+)",\s*[f"]', re.S),
    re.compile(r'(?:_word|match_word)\(\s*[^,]+,\s*[^,]*?"([a-z]+(?:_[a-z0-9]+)+)"', re.S),
]
_DYNAMIC = {"duplicate_indicator", "duplicate_practice", "duplicate_victimization"}  # f"duplicate_{field}"


def _engine_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "ingest").rglob("*.py")) if p.name != "issue_codes.py")


def test_every_code_the_engine_raises_is_in_the_catalogue() -> None:
    """A new issue code must be added to the catalogue (and so to the docs) before it can ship."""
    source = _engine_source()
    raised = {m for pattern in _RAISED for m in pattern.findall(source)}
    raised.discard("county_ref")  # a table name, not a code
    assert raised - set(CODES) == set()


def test_every_catalogued_code_is_raised_somewhere() -> None:
    """No stale code: each one in the catalogue is written in the engine."""
    source = _engine_source()
    assert {c for c in CODES if f'"{c}"' not in source} - _DYNAMIC == set()


def test_the_docs_table_is_the_catalogue() -> None:
    """docs/ingest.md shows exactly the catalogue's table (regenerate with python -m ingest.issue_codes)."""
    docs = (ROOT / "docs" / "ingest.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- issue-codes:start -->\n(.*)\n<!-- issue-codes:end -->", docs, re.S)
    assert table is not None and table.group(1) == markdown_table()


def test_severities_are_error_or_warning() -> None:
    """ingest_issues.severity is only ever error or warning."""
    assert {c.severity for c in CODES.values()} == {"error", "warning"}


def test_every_code_logged_for_the_demo_portfolio_is_catalogued(demo_db: Path) -> None:
    """The codes the demo portfolio's messy and bad files produce are all explained."""
    from conftest import rows

    logged = {code for (code,) in rows(demo_db, "SELECT DISTINCT code FROM ingest_issues")}
    assert logged and logged <= set(CODES)
