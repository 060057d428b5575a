"""Counts of people that no filter, total or difference can give away (domain.md, "Victim confidentiality").

Every count of people the product shows (survivors engaged; people served, partially
served and not served) is computed from *protected records*, never from the true
counts. A record is one count as a grantee reported it: one subgrant's survivors
engaged in one quarter, or one subgrant's count of one outcome (served, partially
served, not served) for one victimization in one quarter.

* **Stand-ins.** A record's count from 1 to the threshold (default 10) is replaced,
  before anything is added up, by a fixed stand-in: a whole number within
  ``SHIFT`` (2) of it and still from 1 to the threshold. Which one is decided by the
  record's key: a keyed hash (HMAC-SHA256) of the record's stable identity
  (measure, subgrant ID, quarter, victimization) under a secret kept beside the
  database (``privacy.key``), so outsiders cannot compute it. The same record
  always gets the same stand-in, in every query and every process. Zero stays 0
  and counts above the threshold stay as reported.
* **Figures are sums of stand-ins.** A table cell, a total, a dashboard figure for any
  filters is the sum of the stand-ins of the records it covers. So whatever figures a
  reader puts together (two filters, a total minus its parts, any sum or difference),
  the most they can work out is stand-ins, and a stand-in from 1 to the threshold is
  consistent with at least three true counts (two at the ends of the range).
* **Shown.** A figure from 1 to the threshold is shown as the range text ``"1–10"``
  (en dash); 0 as 0 (only when every record covered is a true zero: a stand-in is never
  0); larger figures as numbers; unknown (nothing reported) stays blank.

Pure functions except :func:`privacy_key`, which reads (or, once, creates) the key file.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import StopdashError

Shown = int | str | None
SHIFT = 2  # a stand-in is at most this far from the true count
KEY_FILE = "privacy.key"
KEY_ENV = "STOPDASH_PRIVACY_KEY"
MEASURES = ("survivors_engaged", "served", "partially_served", "not_served")


class PrivacyKeyError(StopdashError):
    """The secret behind the stand-ins cannot be read or created."""


def _check(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ValueError(f"The suppression threshold must be a whole number of at least 2, not {threshold!r}.")


def small_range(threshold: int) -> str:
    """The text shown for a figure from 1 to *threshold*: "1–10"."""
    return f"1–{threshold}"


def suppress_count(value: int | None, threshold: int) -> Shown:
    """How a figure (a sum of stand-ins) is shown: the range text for 1..threshold, else the number; None stays None."""
    _check(threshold)
    if value is None:
        return None
    if value < 0:
        raise ValueError(f"A count of people cannot be negative ({value}).")
    return small_range(threshold) if 1 <= value <= threshold else int(value)


def is_suppressed(shown: Shown) -> bool:
    """Whether a shown value hides its figure (the range text)."""
    return isinstance(shown, str)


# ---- stand-ins ---------------------------------------------------------------------------------------------------


def record_fraction(key: bytes, measure: str, subgrant_id: str, period: str, victimization: str | None = None) -> float:
    """The record's key as a fraction in [0, 1): HMAC-SHA256 of its identity under the secret *key*.

    Subgrant IDs compare case-insensitively, as everywhere in stopdash; so do victimizations.
    """
    if measure not in MEASURES:
        raise ValueError(f"Unknown count of people {measure!r}.")
    parts = [measure, subgrant_id.strip().casefold(), period.strip().upper(), (victimization or "").strip().casefold()]
    digest = hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def window(count: int, threshold: int, shift: int = SHIFT) -> tuple[int, int]:
    """The stand-ins a count from 1 to *threshold* may get: within *shift* of it, within 1..threshold."""
    return max(1, count - shift), min(threshold, count + shift)


def stand_in(count: int, fraction: float, threshold: int, shift: int = SHIFT) -> int:
    """A record's protected count: 0 and counts above *threshold* as they are; 1..threshold → a value of its window.

    *fraction* (the record key, in [0, 1)) picks the value, evenly over the window.
    """
    if count < 0:
        raise ValueError(f"A count of people cannot be negative ({count}).")
    if count == 0 or count > threshold:
        return int(count)
    lo, hi = window(count, threshold, shift)
    return lo + min(int(fraction * (hi - lo + 1)), hi - lo)


def consistent_counts(shown_stand_in: int, threshold: int, shift: int = SHIFT) -> range:
    """Every true count from 1 to *threshold* that could have the stand-in *shown_stand_in* (at least two)."""
    return range(max(1, shown_stand_in - shift), min(threshold, shown_stand_in + shift) + 1)


@dataclass(frozen=True)
class Protector:
    """Stand-ins and shown figures under one secret and one threshold."""

    key: bytes
    threshold: int
    shift: int = SHIFT

    def __post_init__(self) -> None:
        _check(self.threshold)
        if self.shift < 1:
            raise ValueError("The shift of a stand-in must be at least 1.")

    def stand_in(self, measure: str, subgrant_id: str, period: str, count: Any, victimization: str | None = None) -> int | None:
        """The record's stand-in; None (nothing reported) stays None."""
        if count is None:
            return None
        try:
            n = int(count)
        except (TypeError, ValueError):  # NaN or pandas' NA: nothing reported
            return None
        if n == 0 or n > self.threshold:
            return stand_in(n, 0.0, self.threshold, self.shift)
        return stand_in(n, record_fraction(self.key, measure, subgrant_id, period, victimization), self.threshold, self.shift)

    def stand_ins(self, measure: str, records: Iterable[Sequence[Any]]) -> list[int | None]:
        """Stand-ins of (subgrant_id, period, count) or (subgrant_id, period, count, victimization) records."""
        return [self.stand_in(measure, str(r[0]), str(r[1]), r[2], str(r[3]) if len(r) > 3 and r[3] is not None else None) for r in records]

    def shown(self, figure: int | None) -> Shown:
        return suppress_count(figure, self.threshold)


def figure(stand_ins: Iterable[int | None]) -> int | None:
    """The figure of a group of records: the sum of their stand-ins; None when none was reported."""
    known = [v for v in stand_ins if v is not None]
    return sum(known) if known else None


# ---- the secret --------------------------------------------------------------------------------------------------


def key_path(db: Path) -> Path:
    """Where the secret lives: $STOPDASH_PRIVACY_KEY, else privacy.key in the database's folder."""
    override = os.environ.get(KEY_ENV)
    return Path(override) if override else Path(db).resolve().parent / KEY_FILE


def _parse(text: str) -> bytes | None:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        return None
    return key if len(key) >= 16 else None


def _create(path: Path) -> None:
    """Write a new secret so that no reader ever sees half of it: a private temporary file, linked into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made it first: theirs is kept
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links: create it exclusively (readers retry a half-written key)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, tmp.read_bytes())
                os.fsync(fd)
            finally:
                os.close(fd)
    finally:
        tmp.unlink(missing_ok=True)


def privacy_key(db: Path) -> bytes:
    """The secret of the database *db* (created once, on first use, readable by its owner only)."""
    path = key_path(db)
    for _ in range(10):
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            try:
                _create(path)
            except OSError as e:
                raise PrivacyKeyError(
                    f"Cannot create the privacy key {path}: {e.strerror}. Make its folder writable once, or set {KEY_ENV} "
                    "to a key file; counts of people are not shown without it."
                ) from e
            continue
        except (OSError, UnicodeDecodeError) as e:
            raise PrivacyKeyError(f"Cannot read the privacy key {path}: {e}. Restore it from the backup made with the database.") from e
        key = _parse(text)
        if key is not None:
            return key
        time.sleep(0.05)  # another process may be writing it this moment
    raise PrivacyKeyError(
        f"The privacy key {path} is damaged. Restore it from the backup made with the database; a new key would "
        "change every published count of people and let old and new figures be compared."
    )


def protector(db: Path, threshold: int | None = None) -> Protector:
    """The protector of the database *db*, at the configured threshold unless *threshold* is given."""
    if threshold is None:
        from ingest.config import settings

        threshold = settings().suppression_threshold
    return Protector(privacy_key(db), threshold)


def database_file(con: Any) -> Path:
    """The file of an open DuckDB connection (the key lives beside it)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        raise PrivacyKeyError("Counts of people are shown only from a database file (its privacy key lives beside it).")
    return Path(row[0])
