"""The synthetic demo portfolio: reproducible bytes, the register contract, and readable workbooks."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ingest.vocab import word_key
from ingest.workbook.awards import REGISTER_HEADER
from stopdash.demo.portfolio import ERROR_KINDS, Portfolio, write_portfolio
from stopdash.demo.register import SHARES, plan_subgrants, quarter_list

SMALL: dict[str, Any] = {"subgrants": 12, "quarters": 3}
PROFILE_NAMES = {"profile", "grantee", "grantee info", "cover", "general information"}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Portfolio:
    return write_portfolio(tmp_path_factory.mktemp("demo") / "out", **SMALL)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    """Two runs with the same arguments write the same file names with the same bytes."""
    write_portfolio(tmp_path / "a", **SMALL)
    write_portfolio(tmp_path / "b", **SMALL)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_another_seed_gives_another_portfolio(tmp_path: Path) -> None:
    """The seed drives the content: a different seed changes the register."""
    one = write_portfolio(tmp_path / "a", **SMALL)
    two = write_portfolio(tmp_path / "b", seed=7, **SMALL)
    assert one.register.read_bytes() != two.register.read_bytes()


def test_no_wall_clock_time_in_the_zip(small: Portfolio) -> None:
    """Every zip entry and the document properties carry the fixed 2026-01-01 stamp, not the time of the run."""
    for path in [small.register, *small.reports]:
        if path.name == "csv-renamed.xlsx":
            continue
        with zipfile.ZipFile(path) as z:
            assert {info.date_time for info in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}, path
            assert b"2026-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_register_has_title_header_and_one_row_per_subgrant(small: Portfolio) -> None:
    """The register's sheet "Subgrants" has a title in row 1, the exact header in row 3 and 12 unique subgrants."""
    ws = openpyxl.load_workbook(small.register)["Subgrants"]
    assert "FICTIONAL DEMO DATA" in ws["A1"].value
    assert [c.value for c in ws[3]] == REGISTER_HEADER
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(rows) == 12
    assert len({r[0] for r in rows}) == 12
    assert all(25_000 <= r[5] <= 250_000 and r[5] % 500 == 0 for r in rows)
    assert all("(fictional)" in r[2] and "(demo)" in r[1] for r in rows)


def test_bad_files_exist_and_come_last(small: Portfolio) -> None:
    """The five deliberately bad files exist and are the last entries of the ingest order."""
    assert len(small.bad_files) == 5
    assert all(p.exists() and p.parent.name == "bad" for p in small.bad_files)
    assert small.reports[-5:] == small.bad_files


def test_every_report_opens_and_has_a_profile_sheet(small: Portfolio) -> None:
    """Each quarterly workbook opens with openpyxl and has a Profile sheet under one of its tolerated names."""
    reports = [p for p in small.reports if p not in small.bad_files]
    assert reports
    for path in reports:
        wb = openpyxl.load_workbook(path)
        assert any(word_key(name) in PROFILE_NAMES for name in wb.sheetnames), (path, wb.sheetnames)


def test_reports_are_filed_by_quarter_and_subgrant(small: Portfolio) -> None:
    """Each report sits at reports/<YYYY-Qn>/<subgrant-id>.xlsx, in quarter order; expected-but-missing ones are absent."""
    reports = [p for p in small.reports if p not in small.bad_files and not p.stem.endswith("-revised")]
    quarters = [p.parent.name for p in reports]
    assert quarters == sorted(quarters)
    assert set(quarters) <= {"2025-Q1", "2025-Q2", "2025-Q3"}
    sent = {(p.stem, p.parent.name) for p in reports}
    assert small.missing
    assert not sent & set(small.missing)


def test_resubmission_follows_the_version_it_corrects(small: Portfolio) -> None:
    """The one revised workbook comes after the original of the same subgrant and quarter, which had a row error."""
    revised = [p for p in small.reports if p.stem.endswith("-revised")]
    assert len(revised) == 1
    original = revised[0].with_name(revised[0].name.replace("-revised", ""))
    assert small.reports.index(original) < small.reports.index(revised[0])
    assert "err_score" in small.mess[original]
    assert not set(small.mess[revised[0]]) & ERROR_KINDS


def test_tidy_portfolio_has_no_mess(tmp_path: Path) -> None:
    """With messy=False only the bad files are marked, and no revision is written."""
    pf = write_portfolio(tmp_path / "tidy", messy=False, **SMALL)
    assert set(pf.mess) == set(pf.bad_files)
    assert not any(p.stem.endswith("-revised") for p in pf.reports)


def test_default_register_misses_only_the_courts_floor_in_the_first_year() -> None:
    """The default register meets every statutory floor except courts (about 4.6%) in the first award year."""
    subs = plan_subgrants(random.Random(2026), 90, quarter_list("2025-Q1", 8))
    for year in (2025, 2026):
        rows = [s for s in subs if s.year == year]
        total = sum(s.amount for s in rows)
        share = {c: sum(s.amount for s in rows if s.category == c) / total for c in SHARES}
        vs = share["Victim services"] + share["Culturally specific victim services"]
        assert share["Law enforcement"] >= 0.25
        assert share["Prosecution"] >= 0.25
        assert vs >= 0.30
        assert share["Culturally specific victim services"] >= 0.10 * vs
        assert sum(s.sa for s in rows) >= 0.20 * total
        assert (share["Courts"] < 0.05) == (year == 2025)
    first_year = [s for s in subs if s.year == 2025]
    courts = sum(s.amount for s in first_year if s.category == "Courts") / sum(s.amount for s in first_year)
    assert 0.04 < courts < 0.05  # short by a little, not by a lot
