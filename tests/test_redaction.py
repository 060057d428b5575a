"""Contact details in stored free text, attacked with generated variants: each is redacted whole.

Phone numbers in every common written form (and other countries'), e-mail
addresses with non-ASCII and full-width characters, street addresses and IP
addresses, planted in every free-text field that is stored (partner names,
maturity notes, protocol names, funders, TA topics).
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import openpyxl
import pytest

from conftest import DATA, rows
from ingest.pipeline import ingest_paths
from ingest.workbook.privacy import REDACTED, redact

_FULL_WIDTH = str.maketrans("0123456789-@.()+", "０１２３４５６７８９－＠．（）＋")


def phone_variants(n: int, seed: int = 5) -> list[tuple[str, str]]:
    """(written form, its digits) for *n* generated phone numbers."""
    rng = random.Random(seed)
    shapes = [
        "({a}) {e}-{s}",
        "{a}-{e}-{s}",
        "{a}.{e}.{s}",
        "{a}{e}{s}",
        "{a}/{e}/{s}",
        "{a}\u2013{e}\u2013{s}",
        "{a} {e} {s}",
        "1-{a}-{e}-{s}",
        "1{a}{e}{s}",
        "+1 {a} {e} {s}",
        "+1 ({a}) {e}-{s}",
        "+1-{a}-{e}-{s}",
        "1 ({a}) {e} {s}",
    ]
    out = []
    for i in range(n):
        a, e, s = rng.choice(["651", "612", "218", "507", "763", "952", "320"]), f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"
        text = shapes[i % len(shapes)].format(a=a, e=e, s=s)
        if i % 9 == 4:
            text = text.translate(_FULL_WIDTH)
        out.append((text, a + e + s))
    out += [("+44 20 7946 0958", "2079460958"), ("+33 1 42 68 53 00", "142685300"), ("+52 55 5342 7000", "5553427000")]
    return out


def email_variants() -> list[tuple[str, str]]:
    """(written form, a part of it that must not survive) for e-mail addresses people write."""
    return [
        ("jane.doe@example.org", "jane.doe"),
        ("maría.garcía@ejemplo.com.mx", "garc"),
        ("josé@exämple.de", "jos"),
        ("first+tag@sub.mail.example.co.uk", "first"),
        ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ｊａｎｅ"),
        ("O'Brien_K@agency.mn.us", "Brien"),
        ("user@例え.jp", "user"),
        ("jane (at) example (dot) org", "jane"),
    ]


ADDRESSES = [
    ("1234 Main St", "1234"),
    ("4500 W 38th Street Apt 2", "4500"),
    ("77 Lake Shore Drive, Unit 5B", "Shore"),
    ("P.O. Box 4412", "4412"),
    ("10.24.8.19", "10.24"),
]


@pytest.mark.parametrize(("text", "digits"), phone_variants(60))
def test_every_phone_form_is_redacted_whole(text: str, digits: str) -> None:
    """A phone number in any common form, inside a sentence, leaves no digit of it behind."""
    redacted, changed = redact(f"Call the advocate at {text}, any time.")
    assert changed and REDACTED in redacted
    assert digits[-7:] not in re.sub(r"\D", "", redacted.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    assert redacted.startswith("Call the advocate at ") and redacted.endswith(" any time.")


@pytest.mark.parametrize(("text", "part"), email_variants() + ADDRESSES)
def test_every_email_and_address_is_redacted_whole(text: str, part: str) -> None:
    """E-mail, street and IP addresses, also non-ASCII and full-width, are replaced whole: no part is left."""
    redacted, changed = redact(f"Write to {text} today")
    assert changed and part not in redacted and "@" not in redacted and "＠" not in redacted
    assert redacted.startswith("Write to ") and redacted.endswith(" today")


@pytest.mark.parametrize(
    "text",
    ["12 partners attended 3 meetings", "$12,500.00 from 2 funders", "Met on 2026-03-15 and 3/15/2026", "Step 4 of 8", "MN-STOP-2025-009"],
)
def test_counts_money_dates_and_ids_are_left_alone(text: str) -> None:
    """Numbers that are not contact details stay as written."""
    assert redact(text) == (text, False)


def test_contact_details_in_every_stored_free_text_field_are_redacted(db: Path, tmp_path: Path) -> None:
    """Partner, notes, protocol, funder and TA topic: each stored text has its contact details replaced, with a warning."""
    phones = phone_variants(10, seed=11)
    emails = email_variants()
    wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
    planted = {
        ("Partners", "A2"): f"Sheriff office, desk {phones[0][0]}",
        ("Maturity", "C3"): f"Ask {emails[1][0]} or call {phones[1][0]}",
        ("Maturity", "C4"): f"Meets at {ADDRESSES[0][0]} weekly",
        ("Protocols", "A2"): f"Response protocol (questions: {emails[0][0]})",
        ("Funding", "A2"): f"Lakes Foundation {phones[2][0]}",
        ("TA requests", "A2"): f"MOU help, reach me at {emails[4][0]}",
    }
    for (sheet, cell), text in planted.items():
        wb[sheet][cell] = text
    buffer = io.BytesIO()
    wb.save(buffer)
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(buffer.getvalue())
    [outcome] = ingest_paths([path], db, workers=1).outcomes
    assert outcome.status == "accepted"
    stored = [
        *rows(db, "SELECT partner FROM partners"),
        *rows(db, "SELECT notes FROM maturity_row WHERE notes IS NOT NULL"),
        *rows(db, "SELECT protocol FROM protocols"),
        *rows(db, "SELECT source FROM funding"),
        *rows(db, "SELECT topic FROM ta_row"),
    ]
    text = " ".join(str(v) for (v,) in stored)
    for phone, digits in phones[:3]:
        assert phone not in text and digits[-7:] not in re.sub(r"\D", "", text)
    for email, part in [emails[0], emails[1], emails[4]]:
        assert email not in text and part not in text
    assert "1234 Main" not in text
    assert text.count(REDACTED) == 7
    cells = rows(db, "SELECT sheet || '!' || cell FROM ingest_issues WHERE code = 'contact_redacted' ORDER BY 1")
    assert [c for (c,) in cells] == sorted(f"{s}!{c}" for s, c in planted)
