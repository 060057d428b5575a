"""How long each dashboard page takes to be fully drawn in a real browser (Chromium, through Playwright).

A page counts as drawn when its script has finished (no running indicator), every plotly chart has
drawn its SVG and no skeleton placeholder is left; the time is when that first held, confirmed by it
still holding a moment later. Each page is timed on a fresh open (a new browser tab on its URL) and
after an in-app click on its link in the sidebar, median of *repeat*. A bare Streamlit page (a title,
a metric, one plotly chart, a small table) is served the same way, in the same run, as the yardstick.

The goals, checked on the figures (printed, never asserted): on a fresh open every page within GOAL_FRESH of the
bare page; after an in-app click within GOAL_IN_APP of it; on the national database no page more than GOAL_NATIONAL
of its demo time.

Run alone: python bench/browser.py --db data/demo/demo.duckdb [--national]   (bench/run.py calls it on both databases;
--national builds the national database of 2,500 subgrants x 20 quarters with bench/run.py's steps, a few minutes)
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stopdash.cli import dashboard_command  # noqa: E402

CHROMIUM = os.environ.get("STOPDASH_CHROMIUM", "/usr/bin/chromium")
GOAL_FRESH = 1.3  # fresh open, times the bare page
GOAL_IN_APP = 0.4  # in-app click, times the bare page's fresh open
GOAL_NATIONAL = 1.3  # national database, times the same page on the demo
SETTLE_S = 0.4  # the drawn state must still hold this long after it first holds
TIMEOUT_S = 120.0
# The page titles in the sidebar and their URL paths (st.Page takes the path from the file name).
PAGES = {
    "overview": "",
    "collaboration": "collaboration",
    "protocols": "protocols",
    "survivor_engagement": "survivor_engagement",
    "leveraged_funding": "leveraged_funding",
    "allocation": "allocation",
    "ta_priorities": "ta_priorities",
    "community": "community?subgrant=MN-STOP-2025-002",
    "data_quality": "data_quality",
}

BARE_PAGE = """
import pandas as pd
import plotly.express as px
import streamlit as st

st.title("Bare page")
st.metric("Subgrants", 90)
frame = pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"], "reports": [80, 84, 86, 88]})
st.plotly_chart(px.bar(frame, x="quarter", y="reports"))
st.dataframe(frame)
"""

# True when the page is drawn; also what it drew: the main area's height and the tallest table's.
DRAWN_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1, [data-testid="stHeading"], [data-testid="stAlert"]')) return null;
  const busy = '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"], [data-testid="stSkeleton"]';
  if (document.querySelector(busy)) return null;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && /running/i.test(status.textContent || '')) return null;
  for (const plot of document.querySelectorAll('.js-plotly-plot')) { if (!plot.querySelector('.main-svg')) return null; }
  let table = 0;
  for (const t of document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]')) {
    table = Math.max(table, t.getBoundingClientRect().height);
  }
  return {height: main.scrollHeight, table: table, charts: document.querySelectorAll('.js-plotly-plot').length};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db: Path | None, script: Path | None = None) -> Iterator[str]:
    """The dashboard (or *script*) under `streamlit run`, headless on 127.0.0.1; yields its base URL."""
    port = _free_port()
    command = dashboard_command(port, "127.0.0.1")
    if script is not None:
        command[command.index(str(ROOT / "dashboard" / "app.py"))] = str(script)
    env = dict(os.environ, STOPDASH_DB=str(db or ""), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"streamlit did not start on {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _drawn(page: Any, start: float) -> tuple[float, dict[str, float]]:
    """Seconds from *start* until the page was drawn (and stayed so for SETTLE_S), and what it drew."""
    first: float | None = None
    facts: dict[str, float] = {}
    time.sleep(0.05)  # let the click or the navigation reach the server before the first look
    while True:
        now = time.perf_counter()
        state = page.evaluate(DRAWN_JS)
        if state is None:
            first = None
        else:
            facts = state
            if first is None:
                first = now
            elif now - first >= SETTLE_S:
                return first - start, facts
        if now - start > TIMEOUT_S:
            raise RuntimeError(f"{page.url} was not drawn within {TIMEOUT_S:.0f} s")
        time.sleep(0.03)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def time_pages(base: str, pages: dict[str, str], repeat: int, browser: Any, in_app: bool = True) -> dict[str, dict[str, float]]:
    """Per page: median fresh and in-app seconds, and the height drawn (main area, tallest table) in pixels."""
    result: dict[str, dict[str, float]] = {}
    for name, path in pages.items():
        fresh, clicks, facts = [], [], {}
        for _ in range(repeat + 1):  # the first round warms the server's caches and imports: not counted
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(base + path, wait_until="commit")
            seconds, facts = _drawn(page, start)
            fresh.append(seconds)
            if in_app:
                # Go elsewhere first, then come back by the sidebar link, as a person does.
                other = "data_quality" if name == "overview" else ""
                link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{other}"]').first
                link.click()
                _drawn(page, time.perf_counter())
                target = path.split("?")[0]
                link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{target}"]').first
                start = time.perf_counter()
                link.click()
                page.wait_for_url(lambda url, t=target: url.split("?")[0].rstrip("/").endswith("/" + t) if t else True)
                clicks.append(_drawn(page, start)[0])
            context.close()
        result[name] = {
            "fresh_s": _median(fresh[1:]),
            "in_app_s": _median(clicks[1:]) if clicks else float("nan"),
            "height_px": facts.get("height", 0),
            "table_px": facts.get("table", 0),
            "charts": facts.get("charts", 0),
        }
    return result


def pages_of(db: Path) -> dict[str, str]:
    """PAGES, the Community page opened on the database's own first subgrant (the demo's IDs are not the national's)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        first = con.execute("SELECT min(subgrant_id) FROM awards").fetchone()
    return {**PAGES, "community": f"community?subgrant={first[0]}"} if first and first[0] else PAGES


def measure(databases: dict[str, Path], repeat: int = 3) -> dict[str, Any]:
    """The bare page and every dashboard page on each database, in one browser."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="stopdash-bare-") as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            bare = Path(folder) / "bare.py"
            bare.write_text(BARE_PAGE, encoding="utf-8")
            with serve(None, bare) as base:
                out["bare"] = time_pages(base, {"bare": ""}, repeat, browser, in_app=False)["bare"]
            for label, db in databases.items():
                with serve(db) as base:
                    out[label] = time_pages(base, pages_of(db), repeat, browser)
        finally:
            browser.close()
    return out


def print_table(figures: dict[str, Any], apptest: dict[str, dict[str, float]] | None = None) -> dict[str, list[str]]:
    """Pages side by side: browser fresh and in-app per database, the AppTest figure, the height drawn, the ratios
    to the bare page (and national to demo), then the goals; returns the pages missing each goal."""
    bare = figures["bare"]["fresh_s"]
    print(f"  bare page (title, metric, one chart, small table): fresh {bare:.2f} s")
    labels = [k for k in figures if k != "bare"]
    head = "  {:<20}".format("page")
    for lab in labels:
        head += f"{lab + ' fresh':>15}{'in-app':>8}{'AppTest':>9}{'px':>7}{'fresh/bare':>11}{'in-app/bare':>12}"
    if {"demo", "national"} <= set(labels):
        head += f"{'national/demo':>14}"
    print(head, flush=True)
    missed: dict[str, list[str]] = {}
    for page in PAGES:
        line = f"  {page:<20}"
        for lab in labels:
            f = figures[lab][page]
            at = (apptest or {}).get(lab, {}).get(page)
            fresh, in_app = f["fresh_s"] / bare, f["in_app_s"] / bare
            line += f"{f['fresh_s']:>13.2f} s{f['in_app_s']:>6.2f} s{(f'{at:.2f} s' if at is not None else '-'):>9}"
            line += f"{f['height_px']:>7.0f}{fresh:>10.2f}x{in_app:>11.2f}x"
            if fresh > GOAL_FRESH:
                missed.setdefault(f"{lab}: fresh open within {GOAL_FRESH}x the bare page", []).append(f"{page} {fresh:.2f}x")
            if in_app > GOAL_IN_APP:
                missed.setdefault(f"{lab}: in-app click within {GOAL_IN_APP}x the bare page", []).append(f"{page} {in_app:.2f}x")
        if {"demo", "national"} <= set(labels):
            scale = figures["national"][page]["fresh_s"] / figures["demo"][page]["fresh_s"]
            line += f"{scale:>13.2f}x"
            if scale > GOAL_NATIONAL:
                missed.setdefault(f"national: fresh open within {GOAL_NATIONAL}x the demo's", []).append(f"{page} {scale:.2f}x")
        print(line, flush=True)
    goals = [f"{lab}: fresh open within {GOAL_FRESH}x the bare page" for lab in labels]
    goals += [f"{lab}: in-app click within {GOAL_IN_APP}x the bare page" for lab in labels]
    if {"demo", "national"} <= set(labels):
        goals.append(f"national: fresh open within {GOAL_NATIONAL}x the demo's")
    for goal in goals:
        print(f"  goal {goal}: " + ("met" if goal not in missed else "NOT met by " + ", ".join(missed[goal])), flush=True)
    return missed


def national_database(folder: Path, subgrants: int = 2500, quarters: int = 20) -> Path:
    """The national database of bench/run.py: one quarter of *subgrants* ingested, then copied to *quarters* quarters."""
    sys.path.insert(0, str(ROOT / "bench"))
    from run import ingest_in_child, widen_to_quarters

    from stopdash.demo.portfolio import write_portfolio

    corpus = write_portfolio(folder / "national", subgrants=subgrants, quarters=1, first_quarter="2026-Q4")
    db = folder / "national.duckdb"
    ingest_in_child(corpus.register, folder / "national" / "reports", db, 2)
    widen_to_quarters(db, quarters)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, action="append", default=[], help="a database (repeat for several)")
    parser.add_argument("--national", action="store_true", help="also build and measure the national database")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    databases = {db.stem: db for db in args.db}
    with tempfile.TemporaryDirectory(prefix="stopdash-national-") as folder:
        if args.national:
            databases["national"] = national_database(Path(folder))
        figures = measure(databases, args.repeat)
    print_table(figures)


if __name__ == "__main__":
    main()
