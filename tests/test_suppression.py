"""The protection of counts of people: stand-ins for small records, the range text, the secret key (pure functions)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stopdash.suppression import (
    KEY_ENV,
    SHIFT,
    PrivacyKeyError,
    Protector,
    consistent_counts,
    figure,
    is_suppressed,
    key_path,
    privacy_key,
    record_fraction,
    small_range,
    stand_in,
    suppress_count,
    window,
)

R = small_range(10)
KEY = bytes(range(32))


@pytest.mark.parametrize(("value", "shown"), [(None, None), (0, 0), (1, R), (10, R), (11, 11), (250, 250)])
def test_a_figure_is_shown_as_a_range_from_1_to_the_threshold(value: int | None, shown: object) -> None:
    """A figure from 1 to 10 reads "1–10"; 0, larger figures and unknown (blank) are shown as they are."""
    assert suppress_count(value, 10) == shown
    assert is_suppressed(suppress_count(value, 10)) == (shown == R)


def test_range_text_uses_an_en_dash() -> None:
    """The range is written with an en dash (Excel does not read "1–10" as a date)."""
    assert small_range(10) == "1\u201310"


@pytest.mark.parametrize("bad", [0, 1, -3, 2.5, True])
def test_threshold_must_be_at_least_two(bad: object) -> None:
    """A threshold below 2 (or not a whole number) is refused."""
    with pytest.raises(ValueError):
        suppress_count(3, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Protector(KEY, bad)  # type: ignore[arg-type]


def test_negative_counts_are_refused() -> None:
    """A negative count of people is an error, never a figure."""
    with pytest.raises(ValueError):
        suppress_count(-1, 10)
    with pytest.raises(ValueError):
        stand_in(-1, 0.5, 10)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 400), st.floats(0, 1, exclude_max=True), st.integers(2, 30), st.integers(1, 4))
def test_stand_in_stays_in_its_window(count: int, fraction: float, t: int, shift: int) -> None:
    """0 and counts above the threshold are kept; a count from 1 to t becomes a value within shift of it, still in 1..t."""
    s = stand_in(count, fraction, t, shift)
    if count == 0 or count > t:
        assert s == count
    else:
        assert 1 <= s <= t and abs(s - count) <= shift
        assert window(count, t, shift)[0] <= s <= window(count, t, shift)[1]


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 30), st.integers(1, 4))
def test_every_stand_in_is_consistent_with_at_least_two_true_counts(t: int, shift: int) -> None:
    """Knowing a stand-in exactly leaves at least two true counts (shift + 1 at the ends of the range), never one."""
    for s in range(1, t + 1):
        could_be = {c for c in range(1, t + 1) if window(c, t, shift)[0] <= s <= window(c, t, shift)[1]}
        assert could_be == set(consistent_counts(s, t, shift))
        assert len(could_be) >= min(t, shift + 1) >= 2


def test_fractions_spread_evenly_over_the_window() -> None:
    """Over many records, every value of a count's window is used about equally often (no value gives the count away)."""
    seen: dict[int, int] = {}
    for i in range(5000):
        s = stand_in(5, record_fraction(KEY, "served", f"S-{i}", "2026-Q1", "Stalking"), 10)
        seen[s] = seen.get(s, 0) + 1
    assert sorted(seen) == [3, 4, 5, 6, 7]
    assert min(seen.values()) > 850  # 1000 each expected


def test_record_key_depends_on_identity_not_spelling() -> None:
    """The record key is the same for a subgrant ID in any case, and differs by measure, quarter and victimization."""
    a = record_fraction(KEY, "served", "mn-T-001", "2026-q1", "Stalking")
    assert a == record_fraction(KEY, "served", "MN-T-001 ", "2026-Q1", "stalking")
    others = [
        record_fraction(KEY, "not_served", "MN-T-001", "2026-Q1", "Stalking"),
        record_fraction(KEY, "served", "MN-T-001", "2026-Q2", "Stalking"),
        record_fraction(KEY, "served", "MN-T-001", "2026-Q1", "Dating violence"),
        record_fraction(KEY, "served", "MN-T-002", "2026-Q1", "Stalking"),
        record_fraction(bytes(32), "served", "MN-T-001", "2026-Q1", "Stalking"),
    ]
    assert a not in others and len(set(others)) == len(others)
    with pytest.raises(ValueError):
        record_fraction(KEY, "victims", "MN-T-001", "2026-Q1")


def test_figure_is_the_sum_of_stand_ins_and_unknown_stays_unknown() -> None:
    """A figure adds the stand-ins it covers; with nothing reported it is None (blank), not 0."""
    p = Protector(KEY, 10)
    records = [("A", "2026-Q1", 3), ("B", "2026-Q1", 0), ("C", "2026-Q1", 40), ("D", "2026-Q1", None)]
    values = p.stand_ins("survivors_engaged", records)
    assert values[1:] == [0, 40, None] and 1 <= values[0] <= 5  # type: ignore[operator]
    assert figure(values) == values[0] + 40  # type: ignore[operator]
    assert figure([None, None]) is None and figure([]) is None


def test_the_key_is_made_once_private_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first use makes privacy.key beside the database, readable by its owner only; later uses read the same key."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    db = tmp_path / "stopdash.duckdb"
    key = privacy_key(db)
    assert key_path(db) == tmp_path / "privacy.key" and len(key) == 32
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "privacy.key").stat().st_mode) == 0o600
    assert privacy_key(db) == key and privacy_key(tmp_path / "other.duckdb") == key
    assert [p.name for p in tmp_path.iterdir()] == ["privacy.key"]  # no temporary file left behind


def test_a_damaged_key_is_refused_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged key file stops the figures with a plain message; it is never silently replaced by a new key."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    (tmp_path / "privacy.key").write_text("not a key")
    with pytest.raises(PrivacyKeyError, match="damaged"):
        privacy_key(tmp_path / "stopdash.duckdb")
    assert (tmp_path / "privacy.key").read_text() == "not a key"


def test_the_key_file_can_live_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$STOPDASH_PRIVACY_KEY names the key file to use instead of the one beside the database."""
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "keys" / "stop.key"))
    key = privacy_key(tmp_path / "db" / "stopdash.duckdb")
    assert (tmp_path / "keys" / "stop.key").read_text().strip() == key.hex()
    assert SHIFT == 2
