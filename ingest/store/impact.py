"""Each subgrant's VAWA IMPACT Tool status for a calendar year: checked, then written with its audit entry.

An admin enters the dates (link sent, started, submitted) and the point-of-contact e-mail on the
dashboard's Federal reporting page. :func:`save_impact_status` checks them (:func:`problems`, plain
sentences) and writes the one row of that subgrant and year in a short transaction that also holds
the audit entry; the connection waits for an ingest's write lock (ingest.store.db.open_db), so a save
during an ingest waits its turn instead of failing at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import StopdashError
from ingest.store.audit import record
from ingest.store.db import connection

__all__ = ["ImpactError", "ImpactStatus", "problems", "save_impact_status"]

# One @, something before it, a dot in the domain part, no spaces: enough to catch typing slips without
# refusing real addresses (the IMPACT Tool itself checks deliverability).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
EARLIEST = dt.date(2000, 1, 1)


class ImpactError(StopdashError):
    """An IMPACT Tool status that cannot be stored as entered (the message says why, in plain words)."""


@dataclass(frozen=True)
class ImpactStatus:
    subgrant_id: str
    calendar_year: int
    link_sent_on: dt.date | None = None
    started_on: dt.date | None = None
    submitted_on: dt.date | None = None
    contact_email: str | None = None


def _clean_email(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def problems(status: ImpactStatus) -> list[str]:
    """What is wrong with *status*, one plain sentence each (empty when it can be stored)."""
    found: list[str] = []
    where = f"{status.subgrant_id}, {status.calendar_year}"
    email = _clean_email(status.contact_email)
    if email is not None and not _EMAIL.match(email):
        found.append(f"{where}: “{email}” is not an e-mail address. Write it as name@example.org, or leave it blank.")
    steps = [("link sent", status.link_sent_on), ("started", status.started_on), ("submitted", status.submitted_on)]
    for name, day in steps:
        if day is not None and not EARLIEST <= day <= dt.date(status.calendar_year + 2, 12, 31):
            found.append(f"{where}: the {name} date {day:%Y-%m-%d} is outside the years this report could be made in. Check the year.")
    known = [(name, day) for name, day in steps if day is not None]
    for (first, a), (then, b) in itertools.pairwise(known):
        if b < a:
            found.append(f"{where}: {then} on {b:%Y-%m-%d} is before {first} on {a:%Y-%m-%d}. Fix one of the dates.")
    return found


def save_impact_status(db: Path, who: str, status: ImpactStatus) -> bool:
    """Store *status* (replacing that subgrant's row for the year) with its audit entry, in one transaction.

    Returns False when nothing changed (no write, no audit entry). Raises ImpactError with plain words when
    the status is wrong or the subgrant is not in the register; DatabaseError when the database stayed busy.
    """
    found = problems(status)
    if found:
        raise ImpactError(" ".join(found))
    email = _clean_email(status.contact_email)
    with connection(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            key = con.execute("SELECT subgrant_key FROM subgrant WHERE subgrant_id = ?", [status.subgrant_id]).fetchone()
            if key is None:
                raise ImpactError(f"{status.subgrant_id} is not in the award register any more. Reload the page.")
            values = [status.link_sent_on, status.started_on, status.submitted_on, email]
            before = con.execute(
                "SELECT link_sent_on, started_on, submitted_on, contact_email FROM impact_status "
                "WHERE subgrant_key = ? AND calendar_year = ?",
                [key[0], status.calendar_year],
            ).fetchone()
            if (list(before) if before else [None] * 4) == values:
                con.execute("ROLLBACK")
                return False
            con.execute("DELETE FROM impact_status WHERE subgrant_key = ? AND calendar_year = ?", [key[0], status.calendar_year])
            con.execute(
                "INSERT INTO impact_status VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [key[0], status.calendar_year, *values, dt.datetime.now().replace(microsecond=0), who],
            )
            record(con, who, "impact-status", status.subgrant_id, detail=_detail(status.calendar_year, values), result="saved")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return True


def _detail(year: int, values: Sequence[object]) -> str:
    names = ("link sent", "started", "submitted", "contact")
    said = ", ".join(f"{n} {v:%Y-%m-%d}" if isinstance(v, dt.date) else f"{n} {v}" for n, v in zip(names, values, strict=True) if v)
    return f"calendar year {year}: {said or 'all cleared'}"
