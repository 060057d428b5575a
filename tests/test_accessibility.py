"""The real app in Chromium, checked with axe-core (WCAG 2.1 AA) and for cut-off text, at two laptop window sizes.

axe-core comes from the npm registry; tests/axe.py installs the pinned version on first use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import axe_script
from playwright.sync_api import expect

from test_browser import PAGES, SUBGRANT, _open, _wait_until_drawn, _wait_until_opened, serve_app

pytestmark = pytest.mark.browser

VIEWPORTS = {"1280x720": (1280, 720), "1366x768": (1366, 768)}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}

# Text elements whose text is cut (ellipsis or hidden overflow) inside the main area; the tables' canvas cells
# are checked separately (glide grid draws text in a canvas, so column widths are checked in the pages' tests).
OVERFLOW_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const cut = [];
    for (const el of main.querySelectorAll('*')) {
        if (el.offsetParent === null || !el.textContent.trim() || el.closest('.js-plotly-plot, [data-testid="stDataFrame"]')) continue;
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        const metric = el.closest('[data-testid="stMetricValue"], [data-testid="stMetricLabel"]') !== null;
        if (!own && !metric) continue;
        const s = getComputedStyle(el);
        const clips = s.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(s.overflowX) || metric;
        if (clips && el.scrollWidth > el.clientWidth + 1) cut.push(el.textContent.trim().slice(0, 80));
    }
    return [...new Set(cut)];
}"""


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(demo_db, tmp_path_factory.mktemp("a11y") / "streamlit.log") as url:
        yield url


def _summary(violations: list[dict]) -> str:
    return json.dumps(
        [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [
                    (n["target"], n["html"][:160], (n.get("any") or n.get("all") or n.get("none") or [{}])[0].get("message", "")[:160])
                    for n in v["nodes"][:4]
                ],
            }
            for v in violations
        ],
        indent=1,
    )


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("path", list(PAGES))
def test_page_has_no_axe_violations(server: str, browser: object, path: str, size: str) -> None:
    """Each page has no axe-core violation of any impact (WCAG 2.1 A and AA, and best practices) at laptop sizes."""
    width, height = VIEWPORTS[size]
    page = _open(browser, f"{server}/{path}", [])
    try:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        if PAGES[path][1]:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        page.add_script_tag(path=str(axe_script()))
        result = page.evaluate("opts => axe.run(document, opts)", AXE_OPTIONS)
        assert not result["violations"], f"{PAGES[path][0]} at {size}:\n{_summary(result['violations'])}"
    finally:
        page.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("path", list(PAGES))
def test_no_text_is_cut_off(server: str, browser: object, path: str, size: str) -> None:
    """No text in the main area (metric values and labels included) is cut off or ends in an ellipsis at laptop sizes."""
    width, height = VIEWPORTS[size]
    page = _open(browser, f"{server}/{path}", [])
    try:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        cut = page.evaluate(OVERFLOW_JS)
        assert not cut, f"{PAGES[path][0]} at {size} cuts off: {cut}"
    finally:
        page.close()


@pytest.mark.parametrize("path", [p for p, (_, charts) in PAGES.items() if charts])
def test_chart_tables_opened_have_no_axe_violations(server: str, browser: object, path: str) -> None:
    """The tables behind the charts, drawn only once their "Table" tab is opened, pass the same axe-core checks and
    cut nothing off at 1280x720, with every such tab opened by the keyboard (focus, then Enter)."""
    page = _open(browser, f"{server}/{path}", [])
    try:
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        tabs = page.get_by_role("tab", name="Table", exact=True)
        count = tabs.count()
        assert count, f"{PAGES[path][0]} has charts, each with a Table tab"
        for i in range(count):
            tables = page.locator('[data-testid="stDataFrame"]').count()
            tabs.nth(i).focus()
            page.keyboard.press("Enter")
            expect(tabs.nth(i)).to_have_attribute("aria-selected", "true", timeout=30_000)
            # The table comes with the rerun the tab asks for; the next tab is pressed only once it is drawn.
            page.wait_for_function("n => document.querySelectorAll('[data-testid=\"stDataFrame\"]').length > n", arg=tables)
            _wait_until_drawn(page)
        selected = page.locator('[role="tab"][aria-selected="true"]').all_inner_texts()
        assert selected.count("Table") == count, f"{PAGES[path][0]}: every Table tab opened by the keyboard ({selected})"
        page.add_script_tag(path=str(axe_script()))
        result = page.evaluate("opts => axe.run(document, opts)", AXE_OPTIONS)
        assert not result["violations"], f"{PAGES[path][0]} with its tables open:\n{_summary(result['violations'])}"
        cut = page.evaluate(OVERFLOW_JS)
        assert not cut, f"{PAGES[path][0]} with its tables open cuts off: {cut}"
    finally:
        page.close()


# Pages whose sections are tabs, each made and drawn only once it is open: their section names, in order.
SECTIONS = {
    "collaboration": ["Maturity", "Partners at the table", "Risers and fallers"],
    "protocols": ["Steps", "Stalled", "Overdue for review"],
    "survivor_engagement": ["Practices", "Survivors engaged", "No practice in place"],
    "data_quality": ["Submissions", "Missing reports", "Issues", "Upload reports and template"],
    f"community?subgrant={SUBGRANT}": [
        "Collaboration",
        "Partners",
        "Protocols",
        "Survivor engagement",
        "Funding",
        "Reports and issues",
        "TA requests",
    ],
}


def _known_uploader_markup(violation: dict) -> bool:
    """Streamlit's upload box marks its drop zone role="presentation" yet names and focuses it (an axe best practice,
    of minor impact), listed in docs/accessibility.md under what does not yet conform; any other node still fails."""
    return violation["id"] == "presentation-role-conflict" and all(
        'data-testid="stFileUploaderDropzone"' in node["html"] for node in violation["nodes"]
    )


@pytest.mark.parametrize("path", list(SECTIONS))
def test_each_section_opened_by_keyboard_has_no_axe_violations(server: str, browser: object, path: str) -> None:
    """Each section of a page, opened with the keyboard (arrow keys along the tab list, as the tabs pattern has it),
    draws its own content and passes axe-core with nothing cut off at 1280x720."""
    page = _open(browser, f"{server}/{path}", [])
    try:
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        for k, name in enumerate(SECTIONS[path]):
            tab = page.get_by_role("tab", name=name, exact=True)
            if k:
                page.get_by_role("tab", name=SECTIONS[path][k - 1], exact=True).focus()
                page.keyboard.press("ArrowRight")
                expect(tab).to_be_focused()
                page.keyboard.press("Enter")
            expect(tab).to_have_attribute("aria-selected", "true", timeout=30_000)
            _wait_until_opened(page)
            page.add_script_tag(path=str(axe_script()))
            result = page.evaluate("opts => axe.run(document, opts)", AXE_OPTIONS)
            violations = [v for v in result["violations"] if not _known_uploader_markup(v)]
            assert not violations, f"{PAGES[path][0]}, section {name}:\n{_summary(violations)}"
            cut = page.evaluate(OVERFLOW_JS)
            assert not cut, f"{PAGES[path][0]}, section {name}, cuts off: {cut}"
    finally:
        page.close()
