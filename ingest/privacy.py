"""Victim confidentiality (34 U.S.C. 12291(b)(2)): refuse identifying data, redact contact details.

The refusal names the sheet and the cell of the offending label, never a value.
"""

from __future__ import annotations

import re

from ingest.errors import FileRefused
from ingest.workbook import Sheet, cell_ref, header_key

# Labels (as header_key gives them) that announce victim-identifying data.
_IDENTIFYING = re.compile(
    r"^(?:"
    r"(?:victim|client|survivor|person served|participant)s?(?: s)? (?:full |first |last )?name"
    r"|name of (?:the )?(?:victim|client|survivor)"
    r"|(?:first|last|full|given|family|middle|maiden) name|firstname|lastname|surname"
    r"|(?:victim|client|survivor)s?(?: s)? (?:date of birth|dob|birth ?date|address|ssn|phone)"
    r"|date of birth|dob|d o b|birth ?date|birthday"
    r"|ssn|social security(?: number| no| num)?|soc sec(?: no)?"
    r"|(?:home|street|residential|residence|victim|client|survivor) address"
    r")$"
)
_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)")


def refuse_identifying(sheets: list[Sheet]) -> None:
    """Raise FileRefused (keeping no values) if any sheet carries victim-identifying data."""
    for sheet in sheets:
        for r, cells in enumerate(sheet.rows):
            for c, value in enumerate(cells):
                if not isinstance(value, str) or not value:
                    continue
                if len(value) <= 60 and _IDENTIFYING.match(header_key(value)):
                    raise FileRefused(
                        "victim_identifying_data",
                        f"Sheet '{sheet.name}' has a column or label '{value.strip()[:60]}' at {cell_ref(r, c)}: "
                        "reports must never carry information that identifies a victim. Delete it, "
                        "and every value under it, then send the report again.",
                        sheet=sheet.name,
                        keep_values=False,
                    )
                if _SSN.search(value):
                    raise FileRefused(
                        "victim_identifying_data",
                        f"Sheet '{sheet.name}' cell {cell_ref(r, c)} holds what looks like a Social Security number: "
                        "reports must never carry information that identifies a person. Delete it and send the report again.",
                        sheet=sheet.name,
                        keep_values=False,
                    )


def redact(text: str) -> tuple[str, bool]:
    """Text with e-mail addresses and phone numbers replaced by [redacted]; and whether any was."""
    redacted = _PHONE.sub("[redacted]", _EMAIL.sub("[redacted]", text))
    return redacted, redacted != text
