"""Plain words for what the ingest records: a file's outcome, a problem's place and meaning, statuses and kinds.

Pure functions (no streamlit), so the Data quality page and the tests share one wording.
"""

from __future__ import annotations

import re

from ingest.issue_codes import CODES
from ingest.store.writer import Outcome
from ingest.workbook.report import Issue

STATUS_NAMES = {
    "accepted": "Accepted",
    "accepted_with_errors": "Accepted, with problems to fix",
    "rejected": "Refused",
    "superseded": "Replaced by a later file",
    "skipped": "Already loaded",
    "nothing received": "Nothing received",
}
SEVERITY_NAMES = {"error": "Problem to fix", "warning": "Note"}
_PREFIX = re.compile(r"^(?P<sheet>[^!]+)!(?P<cell>[A-Z]{1,3}\d+)(?: \((?P<column>[^)]*)\))?:\s*")
_CELL = re.compile(r"^(?P<col>[A-Z]{1,3})(?P<row>\d+)$")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def status_words(status: object) -> str:
    """A submission status in words ("rejected" -> "Refused"); an unknown one with its underscores gone."""
    text = str(status)
    return STATUS_NAMES.get(text, text.replace("_", " ").capitalize())


def code_words(code: object) -> str:
    """What an issue code means, from the catalogue ("score_out_of_range" -> "A maturity score outside 1-5")."""
    found = CODES.get(str(code))
    text = found.meaning if found else str(code).replace("_", " ")
    text = re.sub(r"\s*\(NULL\)", "", text)  # the catalogue speaks to engineers here; a reader needs "unknown"
    return text[:1].upper() + text[1:]


def outcome_words(o: Outcome) -> str:
    """One file's outcome in a sentence: "Accepted", "Accepted, with 2 problems to fix", "Refused: ..."."""
    notes = f"{plural(o.warnings, 'note')}" if o.warnings else ""
    if o.status == "rejected":
        return f"Refused: {o.message}" if o.message else "Refused"
    if o.status == "skipped":
        return "Not loaded again: this same file was loaded before, so nothing changed"
    if o.status == "accepted_with_errors":
        left = "the row or cell it concerns was" if o.errors == 1 else "the rows or cells they concern were"
        text = f"Accepted, with {plural(o.errors, 'problem')} to fix ({left} left out)"
        return f"{text} and {notes}" if notes else text
    return f"Accepted, with {notes}" if notes else "Accepted"


def issue_place(issue: Issue) -> str:
    """Where a problem is: "Maturity sheet, cell B4 (row 4, column Score)"; "The whole file" when it has no cell."""
    found = _PREFIX.match(issue.message)
    column = found["column"] if found else None
    if issue.sheet and issue.cell:
        cell = _CELL.match(issue.cell)
        row = f"row {cell['row']}" if cell else ""
        detail = ", ".join(p for p in (row, f"column {column}" if column else "") if p)
        return f"{issue.sheet} sheet, cell {issue.cell}" + (f" ({detail})" if detail else "")
    if issue.sheet:
        return f"{issue.sheet} sheet"
    return "The whole file"


def issue_text(issue: Issue) -> str:
    """The problem itself, without the "Sheet!Cell (Column):" prefix the place already says."""
    text = _PREFIX.sub("", issue.message, count=1).strip()
    return text[:1].upper() + text[1:] if text else code_words(issue.code)


def issue_lines(o: Outcome) -> list[tuple[str, str, str]]:
    """(kind, place, what) for each problem of a file; a refusal already said in the outcome is not repeated."""
    return [
        (SEVERITY_NAMES.get(i.severity, "Note"), issue_place(i), issue_text(i))
        for i in sorted(o.issues, key=lambda i: (i.severity != "error", i.sheet or "", _cell_order(i.cell)))
        if not (o.status == "rejected" and i.message == o.message)
    ]


def _cell_order(cell: str | None) -> tuple[int, str]:
    found = _CELL.match(cell or "")
    return (int(found["row"]), found["col"]) if found else (0, cell or "")
