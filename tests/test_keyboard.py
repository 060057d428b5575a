"""The real app in Chromium, driven by the keyboard only: a community opens from a table's "Open a community"
control, the focus is visible on the way, and a long table's search box finds a community.

A table grid is a canvas that the Tab key cannot enter, so every table that links to communities carries a
choice of its rows and a link; these tests reach them the way a person without a mouse does: Tab, arrows, Enter.
"""

from __future__ import annotations

import re

import pytest

from test_browser import _wait_until_drawn, _wait_until_opened

pytestmark = pytest.mark.browser

SUBGRANT = re.compile(r"[A-Z]{2}-[A-Z]+-\d{4}-\d{3}")
MAX_PRESSES = 400

# What has the keyboard focus: its kind, whether its focus is drawn, and the control it belongs to.
FOCUS_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {kind: 'none', label: '', tab: null, value: '', text: ''};
    const s = getComputedStyle(el);
    const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (!!s.boxShadow && s.boxShadow !== 'none');
    const box = el.closest('[data-testid="stSelectbox"], [data-testid="stTextInput"]');
    const label = box ? (box.querySelector('label') || {}).innerText || '' : '';
    const tab = el.getAttribute('role') !== 'tab' ? null
        : {text: el.innerText.trim(), selected: el.getAttribute('aria-selected') === 'true'};
    const link = el.closest('[data-testid="stPageLink-NavLink"]');
    return {kind: link ? 'pagelink' : tab ? 'tab' : box ? 'field' : el.tagName.toLowerCase(), label: label.trim(), tab: tab,
            href: link ? link.getAttribute('href') : null,
            value: box ? ((box.querySelector('input') || {}).value || box.innerText).trim() : '',
            text: (el.innerText || '').trim().slice(0, 120), visible: visible};
}"""


def _page(browser: object, server: str, path: str) -> object:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    _wait_until_drawn(page)
    return page


def _tab_to(page: object, wanted: object) -> dict:
    """Press Tab until *wanted(focus)* holds, opening each chart's "Table" tab on the way (Enter), as a person does."""
    for _ in range(MAX_PRESSES):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        if wanted(focus):
            return focus
        if focus["kind"] == "tab" and focus["tab"]["text"] == "Chart" and focus["tab"]["selected"]:
            # Tab enters a tab list once, on its selected tab; the arrow keys move between its tabs (ARIA tabs pattern).
            page.keyboard.press("ArrowRight")
            focus = page.evaluate(FOCUS_JS)
        if focus["kind"] == "tab" and focus["tab"]["text"] == "Table" and not focus["tab"]["selected"]:
            page.keyboard.press("Enter")
            page.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('aria-selected') === 'true'")
            _wait_until_opened(page)
    pytest.fail(f"not reached with {MAX_PRESSES} presses of Tab")


# Whether the first page link after the focused element (the chosen table's own link) names *id*.
NEXT_LINK_NAMES = """id => {
    const here = document.activeElement;
    const links = [...document.querySelectorAll('[data-testid="stPageLink-NavLink"]')];
    const next = here && here !== document.body
        ? links.find(l => here.compareDocumentPosition(l) & Node.DOCUMENT_POSITION_FOLLOWING) : undefined;
    return next !== undefined && next.innerText.includes(id);
}"""


# Pages whose table with community links is in a section other than the first: (first section, that section).
SECTION_OF_TABLE = {"protocols": ("Steps", "Stalled")}


def _open_section(page: object, first: str, wanted: str) -> None:
    """Open a page's section from the keyboard: Tab to its section tabs, the arrow keys to *wanted*, Enter."""
    _tab_to(page, lambda f: f["kind"] == "tab" and f["tab"]["text"] == first)
    for _ in range(12):
        if page.evaluate(FOCUS_JS)["tab"]["text"] == wanted:
            break
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('aria-selected') === 'true'")
    _wait_until_opened(page)


def _open_control(focus: dict) -> bool:
    return focus["kind"] == "field" and focus["label"].startswith("Open a community")


@pytest.mark.parametrize("path", ["collaboration", "survivor_engagement", "ta_priorities", "protocols", "federal"])
@pytest.mark.parametrize("pick", [0, 1])
def test_a_community_opens_from_the_keyboard(server: str, browser: object, path: str, pick: int) -> None:
    """Tab reaches a table's "Open a community" choice, arrows pick a row, Tab reaches its link with the focus drawn,
    and Enter opens that community's page."""
    page = _page(browser, server, path)
    try:
        if path in SECTION_OF_TABLE:
            _open_section(page, *SECTION_OF_TABLE[path])
        chosen = _tab_to(page, _open_control)["value"]
        if pick:
            for _ in range(pick + 1):
                page.keyboard.press("ArrowDown")  # the first press opens the list
            page.keyboard.press("Enter")
            chosen = page.evaluate(FOCUS_JS)["value"]
            # The choice reruns the table alone; the link after the focused choice then names the chosen community
            # (a page with several tables has other links, which may name it too), and the app is idle again.
            page.wait_for_function(
                NEXT_LINK_NAMES, arg=SUBGRANT.search(chosen).group(0) if SUBGRANT.search(chosen) else chosen, timeout=30_000
            )
            _wait_until_drawn(page)
        link = _tab_to(page, lambda f: f["kind"] == "pagelink")
        assert SUBGRANT.search(chosen) and SUBGRANT.search(chosen).group(0) in link["text"], (chosen, link["text"])
        assert link["visible"], f"the focus on {link['text']!r} is not drawn"
        subgrant = SUBGRANT.search(link["text"] or "")
        assert subgrant, f"the link does not name its subgrant: {link['text']!r}"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/community\?.*subgrant="), timeout=30_000)
        _wait_until_drawn(page)
        assert f"subgrant={subgrant.group(0)}" in page.url
        assert subgrant.group(0) in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    finally:
        page.close()


def test_search_box_finds_a_community_from_the_keyboard(server: str, browser: object) -> None:
    """Typing a subgrant ID in a long table's search box and pressing Enter leaves only that community's rows."""
    page = _page(browser, server, "federal")  # its list of quarterly reports is the long table of the test portfolio
    try:
        _tab_to(page, lambda f: f["kind"] == "field" and f["label"].startswith("Search"))
        box = page.locator('[data-testid="stTextInput"] input:focus')
        before = box.locator("xpath=ancestor::*[@data-testid='stVerticalBlock'][1]").inner_text()
        total = re.search(r"Showing \d+ of (\d+)", before)
        assert total and int(total.group(1)) > 15, before
        page.keyboard.type("MN-STOP-2025-002")
        page.keyboard.press("Enter")
        page.wait_for_function(
            """n => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].some(c => {
                const m = /Showing (\\d+) of (\\d+) /.exec(c.innerText);
                return m && m[1] === m[2] && +m[2] < n; })""",
            arg=int(total.group(1)),
            timeout=30_000,
        )
        assert "MN-STOP-2025-002" in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    finally:
        page.close()
