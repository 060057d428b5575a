"""In Chromium: one click downloads the summary file for the sidebar's award year, and a year switch never serves the old file."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from test_browser import _open, _wait_until_drawn, serve_app

pytestmark = pytest.mark.browser


def _cells(data: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {str(v) for ws in book.worksheets for row in ws.iter_rows(max_row=40, values_only=True) for v in row if v is not None}


def test_one_click_downloads_the_year_shown(demo_db: Path, browser: object, tmp_path: Path) -> None:
    """Clicking the Excel button downloads that year's workbook at once; after switching the year, the next click gets the new year's."""
    db = tmp_path / "two-years.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "UPDATE subgrant SET award_year = award_year - 1 WHERE subgrant_id IN (SELECT subgrant_id FROM subgrant ORDER BY 1 LIMIT 8)"
        )
        years = [r[0] for r in con.execute("SELECT DISTINCT award_year FROM subgrant ORDER BY 1").fetchall()]
    with serve_app(db, tmp_path / "streamlit.log") as server:
        page = _open(browser, server, [])
        try:
            got = {}
            for year in years:
                page.goto(f"{server}/allocation?year={year}", wait_until="domcontentloaded")
                _wait_until_drawn(page)
                with page.expect_download(timeout=60_000) as info:
                    page.get_by_role("button", name="Summary workbook (Excel)").click()
                download = info.value
                got[year] = (download.suggested_filename, Path(download.path()).read_bytes())
            for year, (name, data) in got.items():
                assert name == f"stop-summary-fy{year}-latest.xlsx"
                assert any(str(year) in c for c in _cells(data)), f"the {year} workbook should say its award year"
            assert got[years[0]][1] != got[years[1]][1]
        finally:
            page.close()
    with duckdb.connect(str(db), read_only=True) as con:
        details = [r[0] for r in con.execute("SELECT detail FROM audit_log WHERE action = 'export' ORDER BY occurred_at").fetchall()]
    assert details[-2:] == [f"award year {y}, quarter latest" for y in years]
