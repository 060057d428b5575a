"""Shared test helpers: a real DuckDB file with the test register loaded, and the fixture folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import Summary, ingest_paths, load_register
from stopdash.demo.build import build_demo

DATA = Path(__file__).parent / "data"


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
