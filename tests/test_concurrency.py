"""`stopdash ingest` while the dashboard is served and in use: real processes, a real browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import rows
from ingest.pipeline import collect_paths, ingest_paths, load_register
from stopdash.demo.portfolio import write_portfolio
from test_browser import _open, _wait_until_drawn, serve_app

pytestmark = pytest.mark.browser


def test_ingest_while_people_click_around(browser: object, tmp_path: Path) -> None:
    """Three CLI ingests run while pages reload: no lock error reaches anyone, and the new quarter shows."""
    files = write_portfolio(tmp_path / "files", subgrants=16, quarters=4)
    db = tmp_path / "live.duckdb"
    load_register(files.register, db)
    quarters = sorted(p.name for p in (tmp_path / "files" / "reports").iterdir() if p.name != "bad")
    ingest_paths(collect_paths([tmp_path / "files" / "reports" / q for q in quarters[:-1]]), db)
    newest = collect_paths([tmp_path / "files" / "reports" / quarters[-1]])
    groups = [newest[i::3] for i in range(3)]

    with serve_app(db, tmp_path / "streamlit.log") as url:
        page = _open(browser, url, [])
        try:
            page.goto(url, wait_until="domcontentloaded")
            _wait_until_drawn(page)
            assert f"Headline figures for {quarters[-2]}" in page.inner_text("body")
            runs = []
            for group in groups:
                ingest = subprocess.Popen(
                    [sys.executable, "-m", "stopdash.cli", "ingest", *map(str, group), "--db", str(db)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                reloads = 0
                while ingest.poll() is None or reloads < 2:  # keep clicking while it writes
                    target = ["", "data_quality", "ta_priorities"][reloads % 3]
                    page.goto(f"{url}/{target}", wait_until="domcontentloaded")
                    _wait_until_drawn(page)
                    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').all_inner_texts()
                    assert not errors, errors
                    reloads += 1
                _, err = ingest.communicate()
                runs.append((ingest.returncode, err, reloads))
            assert all(code in (0, 1) and "busy" not in err for code, err, _ in runs), runs
            page.goto(url, wait_until="domcontentloaded")
            _wait_until_drawn(page)
            assert f"Headline figures for {quarters[-1]}" in page.inner_text("body")
        finally:
            page.close()
    stored = rows(db, "SELECT count(*) FROM submissions WHERE period = ? AND status <> 'rejected'", [quarters[-1]])[0][0]
    assert stored == len(newest)
