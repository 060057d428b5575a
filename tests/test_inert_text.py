"""Grantee text never becomes markup: hostile names planted in a real register and reports show as literal text.

The strings go through the real ingest into a real DuckDB file, then through every page under AppTest
(markdown elements and plotly figures) and in the real app in headless Chromium (the DOM, the requests
made, the table toolbar and the app's own downloads).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from conftest import each_section, rows
from dashboard.charts import figures as charts
from ingest.pipeline import ingest_paths, load_register
from stopdash.demo.portfolio import write_portfolio
from stopdash.demo.workbooks import save_reproducible
from stopdash.escape import html as html_text
from stopdash.escape import markdown, plotly
from stopdash.exports.cells import FORMULA_STARTS

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
HOST = "evil.example"
# One of each attack; each carries the planted host (or a javascript: URL) so a leak is easy to see.
HOSTILE = [
    f'<a href="http://{HOST}/anchor">click me</a>',
    f'<img src="http://{HOST}/img.png" onerror="alert(1)">',
    f"![pic](http://{HOST}/md-image.png)",
    f"[link](http://{HOST}/md-link)",
    "[js](javascript:alert(1))",
    f"<a href='javascript:alert(1)'>js anchor</a> http://{HOST}/bare www.{HOST}",
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    f"<script>alert(1)</script> **bold** $x$ :red[red] <{HOST}>",
]
URL_PAYLOADS = [
    f"[x](http://{HOST}/url-link)",
    f"![x](http://{HOST}/url-image.png)",
    f'<a href="http://{HOST}/url-anchor">x</a>',
    "[js](javascript:alert(1))",
]
SUBGRANTS = 8


def _put(cell: object, text: str) -> None:
    cell.value = text
    cell.data_type = "s"  # a text cell, even when it starts with "=" (openpyxl would store a formula)


def _plant(folder: Path, db: Path) -> None:
    """The demo portfolio with hostile organization, community, partner, protocol and funder names, ingested into *db*."""
    pf = write_portfolio(folder, subgrants=SUBGRANTS, quarters=2, messy=False)
    wb = load_workbook(pf.register)
    for i, row in enumerate(r for r in wb.active.iter_rows(min_row=4) if r[0].value):
        _put(row[1], f"{HOSTILE[(i + 4) % len(HOSTILE)]} org")
        _put(row[2], HOSTILE[i % len(HOSTILE)])
    save_reproducible(wb, pf.register)
    reports = [p for p in pf.reports if p not in pf.bad_files]
    for k, path in enumerate(reports):
        wb = load_workbook(path)
        for sheet in ("Partners", "Protocols", "Funding"):
            for j, row in enumerate(wb[sheet].iter_rows(min_row=2)):
                if row[0].value and row[0].value != "Total":
                    _put(row[0], f"{HOSTILE[(j + k) % len(HOSTILE)]} {sheet.lower()} {j}")
        save_reproducible(wb, path)
    load_register(pf.register, db)
    summary = ingest_paths(reports, db, workers=1)
    assert {o.status for o in summary.outcomes} == {"accepted"}, [(o.source_file, o.message) for o in summary.outcomes]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "hostile.duckdb"
    _plant(folder, db)
    return db


def test_the_hostile_text_is_stored_as_written(hostile_db: Path) -> None:
    """Ingest keeps the planted text exactly (the dashboard, not the database, is where it must be made inert)."""
    communities = {r[0] for r in rows(hostile_db, "SELECT community FROM awards")}
    assert communities == set(HOSTILE[:SUBGRANTS])
    protocols = " ".join(r[0] for r in rows(hostile_db, "SELECT protocol FROM protocols"))
    funders = " ".join(r[0] for r in rows(hostile_db, "SELECT source FROM funding"))
    assert all(h in protocols for h in HOSTILE) and HOSTILE[0] in funders


# --- The escaping helpers ---------------------------------------------------------------------------

RENDER = MarkdownIt("commonmark", {"html": True})  # raw HTML on: the escaped text must not need it off


def shown(text: str) -> str:
    """Markdown as it reads on screen: backslash escapes and word joiners dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace("\u2060", "")


@pytest.mark.parametrize("text", HOSTILE + URL_PAYLOADS)
def test_markdown_escape_renders_the_literal_text(text: str) -> None:
    """A CommonMark renderer turns the escaped text into one paragraph of exactly the text: no link, image or tag."""
    rendered = RENDER.render(markdown(text)).replace("\u2060", "")  # the word joiners that stop autolinks are invisible
    assert rendered == f"<p>{html.escape(text, quote=True)}</p>\n".replace("&#x27;", "'")
    assert shown(markdown(text)) == text


@given(st.text(max_size=80))
def test_markdown_escape_never_makes_markup(text: str) -> None:
    """Whatever the text, the rendered markdown holds no element but the paragraph."""
    tags = set(re.findall(r"<(/?\w+)", RENDER.render(markdown(text))))
    assert tags <= {"p", "/p"}


@given(st.text(max_size=80))
def test_plotly_and_html_escapes_hold_no_tag(text: str) -> None:
    """Plotly and HTML text has no < or > left; decoding the entities gives the text back (a line break aside)."""
    for escaped in (plotly(text), html_text(text)):
        assert "<" not in escaped.replace("<br>", "") and ">" not in escaped.replace("<br>", "")
    assert html.unescape(html_text(text)) == text


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def assert_inert_figure(spec: dict) -> None:
    """No string in a plotly figure holds a tag that plotly would draw, other than the chart code's own <br>, <b> and <extra>."""
    for text in _strings(spec):
        bare = re.sub(r"</?(br|b|extra)>", "", text)
        assert "<" not in bare and ">" not in bare, text
        assert not any(h in text for h in HOSTILE if "<" in h or ">" in h)


def test_every_chart_builder_escapes_names_in_legends_hovers_and_ticks() -> None:
    """Bars, lines, heat maps, status grids, diverging bars and the county map escape what they are given."""
    names = HOSTILE[:6]
    df = pd.DataFrame({"name": names, "group": names[::-1], "value": range(6), "period": ["2025-Q1"] * 6, "detail": names})
    figures = [
        charts.bar(df, "name", "value", color="group", title="t", x_title="x", y_title="y", legend_title="g", hover="detail"),
        charts.bar(df, "name", "value", horizontal=True, order=names, title="t", x_title="x", y_title="y", hover="detail"),
        charts.line(df, "period", "value", color="name", title="t", x_title="x", y_title="y", legend_title=""),
        charts.heatmap(df, "group", "name", "value", title="t", x_title="x", y_title="y", value_label="v", y_order=names),
        charts.status_matrix(
            df.assign(status="In place"),
            "group",
            "name",
            "status",
            title="t",
            x_title="x",
            y_title="y",
            statuses=["In place"],
            colors=["#000"],
        ),
        charts.diverging_bar(df.assign(value=[1, -1] * 3), "name", "value", title="t", x_title="x", hover="detail"),
        charts.county_map(
            pd.DataFrame({"county_fips": ["27053"], "county_name": [HOSTILE[0]], "v": [1.0]}),
            "v",
            title="t",
            value_label=HOSTILE[1],
            value_format=",.0f",
            state_fips="27",
        ),
    ]
    for fig in figures:
        spec = fig.to_plotly_json()
        assert_inert_figure(spec)
        assert any(plotly(h) in s for s in _strings(spec) for h in names), "the escaped names are in the figure"
    legend = [t.name for t in figures[0].data]
    assert plotly(HOSTILE[0]) in legend and HOSTILE[0] not in legend


# --- Every page under AppTest -------------------------------------------------------------------------

PAGES = [
    "overview",
    "collaboration",
    "protocols",
    "survivor_engagement",
    "leveraged_funding",
    "allocation",
    "ta_priorities",
    "data_quality",
]


def _open(db: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query: str) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query)
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_texts(at: AppTest) -> list[str]:
    """Every text the page hands Streamlit's markdown renderer: headings, markdown, captions, alerts, labels, help."""
    texts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption") for e in getattr(at, kind)]
    texts += [e.value for kind in ("warning", "info", "error", "success") for e in getattr(at, kind)]
    texts += [t for m in at.metric for t in (m.label, m.proto.help)]
    texts += [t.label for t in at.tabs] + [e.label for e in at.expander]
    return texts


def figures(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def assert_inert_page(at: AppTest) -> None:
    for text in markdown_texts(at):
        assert HOST not in text and "javascript:" not in text, text  # escaped, they read evil\.example, javascript\:
        assert not any(h in text for h in HOSTILE + URL_PAYLOADS), text
    for spec in figures(at):
        assert_inert_figure(spec)


@pytest.mark.parametrize("page", PAGES)
def test_pages_show_hostile_names_as_text(hostile_db: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    """Every page renders over the hostile portfolio with no planted link, image or tag in its markdown or figures."""
    for shown_section in each_section(_open(hostile_db, monkeypatch, page)):  # each section of a page with sections
        assert_inert_page(shown_section)


def test_charts_carry_the_escaped_names(hostile_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The names are in the figures, escaped: the grids' community ticks and the largest-funders bars."""
    found = " ".join(
        s for page in ("collaboration", "leveraged_funding") for f in figures(_open(hostile_db, monkeypatch, page)) for s in _strings(f)
    )
    assert plotly(HOSTILE[0]) in found and plotly(HOSTILE[1]) in found


def test_ta_priorities_explain_with_escaped_names(hostile_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The "first ten, explained" cards name each community in escaped markdown, its link still the app's own."""
    at = _open(hostile_db, monkeypatch, "ta_priorities")
    cards = " ".join(m.value for m in at.markdown)
    ranked = [r[0] for r in rows(hostile_db, "SELECT community FROM ta_priority WHERE need_score > 0")]
    assert ranked
    for community in ranked:
        assert f"[{markdown(community)}](community?" in cards


@pytest.mark.parametrize("i", range(SUBGRANTS))
def test_community_page_shows_register_names_as_text(hostile_db: Path, monkeypatch: pytest.MonkeyPatch, i: int) -> None:
    """Each community's title, organization line and protocol legend hold its hostile names as escaped text."""
    sid, community, organization = rows(hostile_db, "SELECT subgrant_id, community, organization FROM awards ORDER BY subgrant_id")[i]
    at = _open(hostile_db, monkeypatch, "community", subgrant=sid)
    assert_inert_page(at)
    assert at.title[0].value == markdown(community)
    assert shown(at.title[0].value) == community
    assert any(f"**{markdown(organization)}**" in m.value for m in at.markdown)
    at.session_state["community_section"] = "Protocols"
    assert_inert_page(at.run())
    legends = [t["name"] for f in figures(at) for t in f["data"] if t.get("showlegend") is not False and "name" in t]
    protocols = {r[0] for r in rows(hostile_db, "SELECT protocol FROM protocols WHERE subgrant_id = ?", [sid])}
    assert {plotly(p) for p in protocols} <= set(legends)


@pytest.mark.parametrize("payload", URL_PAYLOADS)
def test_a_crafted_subgrant_in_the_url_is_quoted_as_text(hostile_db: Path, monkeypatch: pytest.MonkeyPatch, payload: str) -> None:
    """?subgrant= with link, image or anchor syntax is named in the warning as literal text."""
    at = _open(hostile_db, monkeypatch, "community", subgrant=payload)
    assert_inert_page(at)
    assert markdown(payload) in at.warning[0].value
    assert payload in shown(at.warning[0].value)


# --- The real app in Chromium ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_server(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_browser import serve_app

    with serve_app(hostile_db, tmp_path_factory.mktemp("hostile-server") / "streamlit.log") as url:
        yield url


LEAKS = """() => {
    const bad = (v) => v && (v.includes('evil.example') || v.trim().toLowerCase().startsWith('javascript:'));
    const found = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of ['href', 'xlink:href', 'src', 'srcset', 'action', 'formaction', 'poster', 'data']) {
            if (bad(el.getAttribute(attr))) found.push(el.tagName + ' ' + attr + '=' + el.getAttribute(attr));
        }
    }
    for (const el of document.querySelectorAll('a, img, script, iframe')) {
        if (el.tagName === 'SCRIPT' && el.textContent.includes('alert(1)')) found.push('SCRIPT ' + el.textContent);
    }
    return found;
}"""


# Hovering at (600, 400) has drawn its tooltip: there is no chart's plot area there, or its hover layer holds text.
HOVERED = """() => {
    const under = document.elementFromPoint(600, 400);
    const plot = under && under.closest('.js-plotly-plot');
    if (!plot || !under.closest('.nsewdrag, .draglayer')) return true;
    return plot.querySelector('.hoverlayer') !== null && plot.querySelector('.hoverlayer').childElementCount > 0;
}"""


def _visit(browser: object, url: str, requests: list[str], *, tab: str | None = None) -> tuple[str, list[str]]:
    """Open *url* (every request recorded, none but localhost let through); return the page text and any planted link or image."""
    from test_browser import LOCAL_HOSTS, _wait_until_drawn

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.on("request", lambda r: requests.append(r.url) if (urlparse(r.url).hostname or "") not in LOCAL_HOSTS else None)
    page.route("**/*", lambda route: route.continue_() if (urlparse(route.request.url).hostname or "") in LOCAL_HOSTS else route.abort())
    try:
        page.goto(url, wait_until="domcontentloaded")
        _wait_until_drawn(page)
        if tab:
            page.get_by_role("tab", name=tab).click()
            page.wait_for_function(
                "name => [...document.querySelectorAll('[role=tab][aria-selected=true]')].some(t => t.innerText.trim() === name)", arg=tab
            )
            _wait_until_drawn(page)
        page.mouse.move(600, 400)  # hovering draws tooltips: their text must be inert too
        page.wait_for_function(HOVERED)
        legends = " ".join(page.locator(".js-plotly-plot .legendtext").all_text_contents())
        return page.locator('[data-testid="stApp"]').inner_text() + "\n" + legends, page.evaluate(LEAKS)
    finally:
        page.close()


@pytest.mark.browser
def test_no_planted_link_image_or_request_in_chromium(hostile_server: str, hostile_db: Path, browser: object) -> None:
    """On every page, each community page and crafted URLs: no planted <a> or <img> in the DOM, no request off this computer."""
    requests: list[str] = []
    sids = [r[0] for r in rows(hostile_db, "SELECT subgrant_id FROM awards ORDER BY subgrant_id")]
    paths = ["", "collaboration", "protocols", "leveraged_funding", "ta_priorities", "data_quality", "allocation"]
    paths += [f"community?subgrant={s}" for s in sids] + [f"community?subgrant={quote(p)}" for p in URL_PAYLOADS]
    texts = []
    for path in paths:
        text, leaks = _visit(browser, f"{hostile_server}/{path}", requests)
        assert not leaks, (path, leaks)
        texts.append(text)
    text, leaks = _visit(browser, f"{hostile_server}/community?subgrant={sids[0]}", requests, tab="Protocols")
    assert not leaks, leaks
    assert "protocols 0" in text, "the protocol legend is drawn, its names as text"
    assert not requests, requests[:5]
    everything = "\n".join(texts).replace("\u2060", "")  # as read: the invisible word joiners aside
    assert HOSTILE[0] in everything and HOSTILE[2] in everything, "the hostile names show, as the text they are"
    assert URL_PAYLOADS[0] in everything


def _download(page: object, label: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).first.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.browser
def test_table_downloads_keep_formula_text_inert(hostile_server: str, browser: object) -> None:
    """The table toolbar offers no raw "Download as CSV"; the page's own CSV and Excel keep formula-like names inert."""
    from test_browser import _wait_until_drawn

    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    try:
        page.goto(f"{hostile_server}/ta_priorities", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        page.locator('[data-testid="stDataFrame"]').first.hover()
        page.get_by_role("button", name="Search").first.wait_for(timeout=10_000)  # the toolbar is showing
        assert page.get_by_role("button", name="Download as CSV").count() == 0
        cells = [c for row in csv.reader(io.StringIO(_download(page, "Download CSV").decode("utf-8-sig"))) for c in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
        formulas = [h for h in HOSTILE if h.startswith(FORMULA_STARTS)]
        assert any("'" + h in cells for h in formulas)  # a planted formula is there, made inert
        book = load_workbook(io.BytesIO(_download(page, "Download Excel")))
        texts = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert all(c.data_type == "s" for c in texts)
        assert all(c.quotePrefix for c in texts if c.value.startswith(FORMULA_STARTS))
        assert any(c.value in formulas for c in texts)
    finally:
        page.close()
