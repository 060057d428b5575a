"""The real app in Debian's Chromium at 1366×768, offline: every page draws, nothing errors, nothing overflows.

Screenshots go to a temporary folder, or to docs/screenshots/ when STOPDASH_SCREENSHOTS=docs.
These tests fail (they do not skip) when chromium is missing: apt-get install chromium.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest

from conftest import serve_app

__all__ = ["PAGES", "_open", "_wait_until_drawn", "serve_app"]  # test_accessibility reads these from here

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SUBGRANT = "MN-STOP-2025-002"
# url path → (screenshot name, whether plotly charts must draw there)
PAGES = {
    "": ("overview", True),
    "collaboration": ("collaboration", True),
    "protocols": ("protocols", True),
    "survivor_engagement": ("survivor_engagement", True),
    "leveraged_funding": ("leveraged_funding", True),
    "ta_priorities": ("ta_priorities", False),
    f"community?subgrant={SUBGRANT}": ("community", True),
    "data_quality": ("data_quality", True),
    "allocation": ("allocation", True),
    "federal": ("federal", False),
}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# The TA ranking keeps its secondary columns (where, latest report, category) one horizontal scroll away.
WIDE_TABLES_ALLOWED = {"ta_priorities"}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("STOPDASH_SCREENSHOTS") == "docs":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


def _open(browser: object, url: str, blocked: list[str]) -> object:
    """A 1366×768 page whose every non-localhost request is aborted (and recorded)."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})

    def offline(route: object) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    return page


# Drawn: the app says its script has run to the end (stApp's script state, set by Streamlit's own frontend),
# no skeleton placeholder is left and every plotly chart has drawn its SVG.
DRAWN_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    return [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'));
}"""


def _wait_until_drawn(page: object) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(DRAWN_JS, timeout=90_000)


# Every open tab panel has drawn something: a lazy tab's content comes with the rerun its opening asks for, and the app
# may still read as idle for a moment after the click, before that rerun has begun.
PANELS_FILLED_JS = """() => [...document.querySelectorAll('[role="tabpanel"]')]
    .filter(p => !p.hidden && p.offsetParent !== null)
    .every(p => p.querySelector('h2, [data-testid="stAlert"], [data-testid="stDataFrame"], .js-plotly-plot, [data-testid="stMarkdown"]'))"""


def _wait_until_opened(page: object) -> None:
    """After opening a lazy tab: its panel has drawn its content, and the app is idle with everything drawn."""
    page.wait_for_function(PANELS_FILLED_JS, timeout=90_000)
    _wait_until_drawn(page)


@pytest.mark.parametrize("path", list(PAGES))
def test_page_draws_offline_without_errors(server: str, browser: object, shots: Path, path: str) -> None:
    """Each page draws in Chromium with the internet blocked: no exception or error box, charts drawn, nothing cut off."""
    name, has_charts = PAGES[path]
    blocked: list[str] = []
    page = _open(browser, f"{server}/{path}", blocked)
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        if has_charts:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        page.screenshot(path=str(shots / f"{name}.png"))
        assert page.locator('[data-testid="stException"]').count() == 0, page.locator('[data-testid="stException"]').all_inner_texts()
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        if has_charts:
            assert page.locator(".js-plotly-plot").count() > 0
        else:
            assert page.locator('[data-testid="stDataFrame"]').count() > 0
        overflow = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return main.scrollWidth - main.clientWidth;
        }""")
        assert overflow <= 1, f"{name} is wider than a 1366-pixel window by {overflow}px"
        if name not in WIDE_TABLES_ALLOWED:
            wide = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
                .filter(d => d.offsetParent !== null)
                .map(d => { const s = d.querySelector('.dvn-scroller'); return s ? s.scrollWidth - s.clientWidth : 0; })
                .filter(w => w > 1)""")
            assert not wide, f"{name} has tables wider than the window (by {wide} px): columns would be hidden"
        assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() >= 1, "the filters are in the sidebar"
    finally:
        page.close()
    assert not blocked, f"{name} tried to reach the internet: {blocked[:5]}"


def test_overview_map_draws_offline(server: str, browser: object) -> None:
    """The county map draws as filled polygons with the internet blocked: every county of the state is a shape."""
    blocked: list[str] = []
    page = _open(browser, server, blocked)
    try:
        page.goto(server, wait_until="domcontentloaded")
        _wait_until_drawn(page)
        chart = page.locator(".js-plotly-plot").filter(has_text="STOP dollars awarded").first
        chart.wait_for(timeout=30_000)
        fills = chart.locator("path.js-fill").count()
        assert fills >= 80, f"only {fills} county shapes drawn"
        assert not blocked, f"the page tried to reach the internet: {blocked[:5]}"
    finally:
        page.close()


def test_community_link_opens_the_community(server: str, browser: object) -> None:
    """A Subgrant link in the TA-priority table leads to that community's page."""
    page = _open(browser, f"{server}/ta_priorities", [])
    try:
        page.goto(f"{server}/ta_priorities", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        link = page.locator('[data-testid="stMainBlockContainer"] a[href*="community?"]').first
        href = link.get_attribute("href")
        assert href
        subgrant = parse_qs(urlparse(href).query)["subgrant"][0]
        page.goto(urljoin(page.url, href), wait_until="domcontentloaded")
        _wait_until_drawn(page)
        assert subgrant in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
        assert f"subgrant={subgrant}" in page.url
    finally:
        page.close()
