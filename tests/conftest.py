"""Shared test helpers: a real DuckDB file with the test register loaded, the fixture folder, the browser and the served app."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from ingest.pipeline import Summary, ingest_paths, load_register
from stopdash.demo.build import build_demo

if TYPE_CHECKING:  # the ingest tests need not import Streamlit
    from streamlit.testing.v1 import AppTest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"


def open_tables(at: AppTest) -> AppTest:
    """Open every chart's "Table" tab (ui.chart draws a table only while its tab is open) and run the page again,
    so checks that read every table on a page see the ones behind the charts too."""
    tabs = [key for key in at.session_state if str(key).endswith("_tabs")]
    for key in tabs:
        at.session_state[key] = "Table"
    return at.run() if tabs else at


UPLOAD = "Upload reports and template"  # the Data quality page's section with the upload box and the template


def open_section(at: AppTest, label: str) -> AppTest:
    """The page run again with its section *label* open (a page with sections draws only the open one)."""
    for key in [key for key in at.session_state if str(key).endswith("_section")]:
        at.session_state[key] = label
    return at.run()


def each_section(at: AppTest) -> Iterator[AppTest]:
    """The page with each of its sections open in turn, every chart's table open too. A page with sections (tabs
    kept in st.session_state[...'_section']) makes and draws only the open one, so checks that read all a page
    can show visit each; a page without sections is given once."""
    keys = [key for key in at.session_state if str(key).endswith("_section")]
    if not keys:
        yield open_tables(at)
        return
    labels = [t.label for t in at.tabs if t.label not in ("Chart", "Table")]
    for label in labels:
        for key in keys:
            at.session_state[key] = label
        yield open_tables(at.run())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A fresh database holding tests/data/register.xlsx (subgrants MN-T-001..003)."""
    path = tmp_path / "stopdash.duckdb"
    load_register(DATA / "register.xlsx", path)
    return path


def ingest(db: Path, *names: str) -> Summary:
    """Ingest fixture files by name, one after another."""
    return ingest_paths([DATA / n for n in names], db, workers=1)


def rows(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Run SQL on the database (read-only) and return all rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16-subgrant, 4-quarter demo portfolio, built once per test session."""
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(db, subgrants=16, quarters=4)
    return db


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium (else Playwright's own) driven by Playwright; a failure (not a skip) when neither is there."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        exe = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else p.chromium.executable_path)
        assert Path(exe).exists(), "The browser tests need Chromium: run `make test` (it installs one), or apt-get install chromium"
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(
    db: Path, log: Path, *flags: str, cwd: Path = ROOT, env: dict[str, str] | None = None, host: str = "127.0.0.1"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run` of the dashboard over *db*, started in *cwd* with *flags*, on a free port; yields its URL
    (on *host*) and the process once it answers, and fails the test with the end of its log if it never does."""
    port = free_port()
    environment = dict(os.environ if env is None else env) | {"STOPDASH_DB": str(db)}
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), "--server.headless", "true", *flags]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def serve_app(db: Path, log: Path) -> Iterator[str]:
    """The dashboard served from the project folder on localhost over *db*; yields its URL."""
    flags = ("--server.address", "localhost", "--browser.gatherUsageStats", "false")
    with streamlit_server(db, log, *flags, host="localhost") as (url, _):
        yield url


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served on the small demo portfolio, once per test module."""
    with serve_app(demo_db, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


# The award register's columns as written before the federal columns, spelled out (an older register does not change
# with the code), and the federal columns added after them.
OLD_HEADER = [
    "Subgrant ID",
    "Organization",
    "Community",
    "Allocation category",
    "Award year",
    "Award amount",
    "Sexual assault amount",
    "Match required",
    "Start date",
    "End date",
    "Counties",
    "Tribal nations",
    "Purpose areas",
]
FEDERAL_HEADER = ["Federal award number", "Award date", "UEI", "Returned unused", "Match exempt"]


def old_register_row(
    sid: str, category: str = "Law enforcement", tribes: str = "", *, organization: str = "Org (test)", community: str = "Community (test)"
) -> list[object]:
    """A subgrant's cells under OLD_HEADER: a 2025 Hennepin award of $100,000 with a $25,000 match."""
    return [
        sid,
        organization,
        community,
        category,
        2025,
        100000,
        0,
        25000,
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        "Hennepin",
        tribes,
        "1",
    ]
