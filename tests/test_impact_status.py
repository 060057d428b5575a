"""The IMPACT Tool status write (ingest/store/impact.py), without Streamlit: checks, storage, audit, and ingest locks."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import rows
from ingest.pipeline import collect_paths, load_register
from ingest.store.impact import ImpactError, ImpactStatus, problems, save_impact_status
from stopdash.demo.portfolio import write_portfolio

SUBGRANT = "MN-T-001"
YEAR = 2025
DAYS = (dt.date(2025, 11, 3), dt.date(2025, 12, 1), dt.date(2026, 1, 20))


def status(*days: dt.date | None, email: str | None = "poc@example.org", subgrant: str = SUBGRANT) -> ImpactStatus:
    return ImpactStatus(subgrant, YEAR, *days, contact_email=email)  # type: ignore[arg-type]


def stored(db: Path) -> list[tuple[object, ...]]:
    return rows(
        db,
        """SELECT g.subgrant_id, i.calendar_year, i.link_sent_on, i.started_on, i.submitted_on, i.contact_email, i.updated_by
           FROM impact_status i JOIN subgrant g USING (subgrant_key) ORDER BY 1, 2""",
    )


def impact_audit(db: Path) -> list[tuple[object, ...]]:
    return rows(db, "SELECT who, target, detail, result FROM audit_log WHERE action = 'impact-status' ORDER BY occurred_at")


# Every order of three different dates, each with some dates left blank: only dates in the order
# link sent ≤ started ≤ submitted are accepted.
ORDERS = [
    tuple(None if blank else day for day, blank in zip(perm, blanks, strict=True))
    for perm in itertools.permutations(DAYS)
    for blanks in itertools.product([False, True], repeat=3)
]


@pytest.mark.parametrize("days", ORDERS)
def test_dates_must_come_in_order(days: tuple[dt.date | None, ...]) -> None:
    """Submitted is never before started, started never before the link was sent; a blank date is not compared."""
    known = [d for d in days if d is not None]
    wrong = problems(status(*days))
    assert (wrong == []) == (known == sorted(known))
    assert all("before" in w and "Fix one of the dates" in w for w in wrong)


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("poc@example.org", True),
        ("  first.last+stop@county.mn.us ", True),
        ("", True),
        ("   ", True),
        (None, True),
        ("poc", False),
        ("poc@", False),
        ("@example.org", False),
        ("poc@example", False),
        ("poc@@example.org", False),
        ("p oc@example.org", False),
        ("poc@example.", False),
        ("mailto:poc@example.org; other@example.org", False),
    ],
)
def test_email_is_checked(email: str | None, ok: bool) -> None:
    """The contact e-mail, when given, looks like an address; blank is allowed; a bad one gets a sentence saying how to write it."""
    wrong = problems(status(*DAYS, email=email))
    assert (wrong == []) is ok
    if not ok:
        assert wrong == [
            f"{SUBGRANT}, {YEAR}: “{email.strip()}” is not an e-mail address. Write it as name@example.org, or leave it blank."
        ]  # type: ignore[union-attr]


def test_a_date_years_away_is_refused() -> None:
    """A date typed with the wrong year (long before or after the reporting year) is refused in words."""
    assert "outside the years" in problems(status(dt.date(1925, 11, 3), None, None))[0]
    assert "outside the years" in problems(status(None, None, dt.date(2035, 1, 1)))[0]


def test_save_stores_replaces_and_audits(db: Path) -> None:
    """A save writes one row per subgrant and year (a second replaces it) and an audit entry each; an unchanged save writes nothing."""
    assert save_impact_status(db, "admin@state.example.gov", status(*DAYS, email=" poc@example.org "))
    assert stored(db) == [(SUBGRANT, YEAR, *DAYS, "poc@example.org", "admin@state.example.gov")]
    assert save_impact_status(db, "other@state.example.gov", status(DAYS[0], None, None, email=None))
    assert stored(db) == [(SUBGRANT, YEAR, DAYS[0], None, None, None, "other@state.example.gov")]
    assert not save_impact_status(db, "other@state.example.gov", status(DAYS[0], None, None, email=""))
    audit = impact_audit(db)
    assert [(a[0], a[1], a[3]) for a in audit] == [
        ("admin@state.example.gov", SUBGRANT, "saved"),
        ("other@state.example.gov", SUBGRANT, "saved"),
    ]
    assert audit[0][2] == "calendar year 2025: link sent 2025-11-03, started 2025-12-01, submitted 2026-01-20, contact poc@example.org"


def test_bad_or_unknown_writes_nothing(db: Path) -> None:
    """A refused status or a subgrant not in the register raises a plain error and leaves no row and no audit entry."""
    with pytest.raises(ImpactError, match="is before link sent"):
        save_impact_status(db, "admin", status(DAYS[1], DAYS[0], None))
    with pytest.raises(ImpactError, match="not in the award register"):
        save_impact_status(db, "admin", status(*DAYS, subgrant="MN-T-999"))
    assert stored(db) == [] and impact_audit(db) == []


HOLD = textwrap.dedent(
    """
    import pathlib, sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    pathlib.Path(sys.argv[3]).write_text("letting go")  # written before the database is let go
    con.close()
    """
)


def test_save_waits_for_a_writer_holding_the_database(db: Path, tmp_path: Path) -> None:
    """While another process holds the database for writing, a save waits for it to let go, then stores its row."""
    marker = tmp_path / "released"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "2", str(marker)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert save_impact_status(db, "admin", status(*DAYS))
        assert marker.exists(), "the save finished only after the other process let the database go"
    finally:
        holder.wait()
    assert stored(db) == [(SUBGRANT, YEAR, *DAYS, "poc@example.org", "admin")]


def test_saves_during_a_real_ingest(tmp_path: Path) -> None:
    """Saves made while `stopdash ingest` runs in another process all land, with their audit entries, and the ingest succeeds."""
    files = write_portfolio(tmp_path / "files", subgrants=6, quarters=2)
    db = tmp_path / "live.duckdb"
    load_register(files.register, db)
    subgrant = rows(db, "SELECT min(subgrant_id) FROM awards")[0][0]
    reports = collect_paths([p for p in (tmp_path / "files" / "reports").iterdir() if p.name != "bad"])
    ingest = subprocess.Popen(
        [sys.executable, "-m", "stopdash.cli", "ingest", *map(str, reports), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    saves = during = 0
    while ingest.poll() is None or saves < 2:
        running = ingest.poll() is None
        day = dt.date(2025, 10, 1) + dt.timedelta(days=saves)
        assert save_impact_status(db, "admin", ImpactStatus(subgrant, YEAR, day, contact_email=f"poc{saves}@example.org"))
        saves += 1
        during += running
    _, err = ingest.communicate()
    assert ingest.returncode in (0, 1) and "busy" not in err, err
    assert during >= 1, "at least one save began while the ingest ran"
    last = saves - 1
    assert rows(db, "SELECT link_sent_on, contact_email FROM impact_status") == [
        (dt.date(2025, 10, 1) + dt.timedelta(days=last), f"poc{last}@example.org")
    ]
    assert len(impact_audit(db)) == saves
    assert rows(db, "SELECT count(*) FROM audit_log WHERE action = 'ingest'")[0][0] >= 1
    assert rows(db, "SELECT count(*) FROM submissions WHERE status <> 'rejected'")[0][0] > 0
