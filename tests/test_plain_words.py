"""Plain words everywhere a person reads: no raw codes, column names, None/nan, command-line flags or file paths.

Every page is opened on the demo portfolio under AppTest and every text it shows is collected: headings,
markdown, captions, alerts, metric labels and values, widget labels and options, tab labels, table column
labels (after column_config) and cell texts, and each plotly figure's titles, axis titles, legend, trace
names, hover templates and hover texts. The Notes sheet of the summary export is held to the same rule.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import each_section, open_tables
from stopdash.exports.notes import notes_rows
from stopdash.exports.tables import gather_summary

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
PAGES = sorted(p.stem for p in (ROOT / "dashboard" / "views").glob("*.py") if not p.name.startswith("_"))

# What must never reach a reader, each with the reason a grants manager would give.
RULES = {
    "a code or column name": re.compile(r"(?<![\w@./=?&-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])"),
    "None or nan": re.compile(r"(?<![\w-])(?:None|nan|NaN|NaT|null)(?![\w-])"),
    "a command-line flag": re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*"),
    # A path into the project or the server, or a settings or code file; a workbook's or database's own name is not.
    "a file path": re.compile(r"(?<![\w])(?:[\w.~-]+/)+[\w.-]+\.(?:toml|csv|md|py|duckdb|sql|json|ya?ml)\b|\b[\w-]+\.(?:toml|py)\b"),
}
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PLACEHOLDER = re.compile(r"%\{[^}]*\}|<extra>.*?</extra>|<br>|</?b>|&#37;")
_URL = re.compile(r"(?:https?://|/\?|\?)\S+")


def plain(text: str) -> str:
    """What a person reads from a markdown or hover-template string."""
    return _URL.sub(" ", _PLACEHOLDER.sub(" ", _ESCAPE.sub(r"\1", text)))


def findings(texts: list[tuple[str, str]]) -> list[str]:
    """Each (where, text) that breaks a rule, as 'where: rule: the offending part in its text'."""
    out = []
    for where, text in texts:
        shown = plain(text)
        for rule, pattern in RULES.items():
            for m in pattern.finditer(shown):
                out.append(f"{where}: {rule} {m.group(0)!r} in {shown[max(0, m.start() - 60) : m.end() + 60]!r}")
    return sorted(set(out))


def _figure_texts(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    layout = spec.get("layout", {})

    def title(node: Any) -> str:
        return str(node.get("text", "")) if isinstance(node, dict) else str(node or "")

    yield "chart title", title(layout.get("title"))
    for key, axis in layout.items():
        if re.fullmatch(r"[xy]axis\d*", key) and isinstance(axis, dict):
            yield f"chart {key} title", title(axis.get("title"))
            yield from ((f"chart {key} tick", str(t)) for t in axis.get("ticktext", []) or [])
    yield "chart legend title", title(layout.get("legend", {}).get("title"))
    yield from (("chart annotation", str(a.get("text", ""))) for a in layout.get("annotations", []) or [])
    for trace in spec.get("data", []):
        yield "chart trace name", str(trace.get("name", "") or "")
        yield "chart hover", str(trace.get("hovertemplate", "") or "")
        colorbar = (trace.get("colorbar") or {}).get("title")
        yield "chart colour-bar title", title(colorbar)
        for field in ("text", "hovertext", "customdata", "x", "y", "labels"):
            values = trace.get(field)
            if isinstance(values, str):
                values = [values]
            if isinstance(values, list):
                flat = [v for row in values for v in (row if isinstance(row, list) else [row])]
                yield from ((f"chart {field}", v) for v in flat if isinstance(v, str))


def _table_texts(element: Any) -> Iterator[tuple[str, str]]:
    config = json.loads(element.proto.columns or "{}")
    frame: pd.DataFrame = element.value
    for column in frame.columns:
        spec = config.get(str(column), {})
        if spec.get("hidden"):
            continue
        yield "table column", str(spec.get("label") or column)
        if frame[column].dtype == object:
            yield from (("table cell", v) for v in frame[column].dropna().astype(str).unique())


def page_texts(at: AppTest) -> list[tuple[str, str]]:
    """Every text a person sees on the page AppTest has drawn."""
    texts: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "exception"):
        texts += [(kind, str(e.value)) for e in getattr(at, kind)]
    for m in at.metric:
        texts += [("metric label", m.label), ("metric value", str(m.value)), ("metric help", m.proto.help or "")]
    for kind in ("selectbox", "multiselect", "radio", "toggle", "checkbox", "button", "text_input", "slider", "select_slider"):
        for w in at.get(kind):
            texts.append((f"{kind} label", str(getattr(w, "label", ""))))
            texts += [(f"{kind} option", str(o)) for o in getattr(w, "options", []) or []]
    texts += [("download label", str(b.proto.label)) for b in at.get("download_button")]
    texts += [("tab label", t.label) for t in at.tabs]
    texts += [("expander label", e.label) for e in at.expander]
    for d in at.dataframe:
        texts += list(_table_texts(d))
    for chart in at.get("plotly_chart"):
        texts += list(_figure_texts(json.loads(chart.proto.spec)))
    return [(w, t) for w, t in texts if t]


def open_page(page: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(demo_db))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    open_tables(at)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_only_plain_words(page: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing on the page reads as a code, a column name, None/nan, a flag or a file path."""
    at = open_page(page, demo_db, monkeypatch)
    texts = [text for shown in each_section(at) for text in page_texts(shown)]  # every section of the page
    assert len(texts) > 10, "the crawl found the page's texts"
    assert findings(texts) == []


def test_export_notes_are_plain_words(demo_db: Path) -> None:
    """The Notes sheet of the summary export: no column or view names, flags or config paths, for any year or quarter."""
    summary = gather_summary(demo_db)
    variants = [summary, gather_summary(demo_db, year=summary.years[0])]
    found = []
    for s in variants:
        found += findings([(f"notes {name}", text) for name, text in notes_rows(s)])
    assert found == []


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("The total award_amount of the year", "a code or column name"),
        ("Status: accepted\\_with\\_errors", "a code or column name"),
        ("Last file: None", "None or nan"),
        ("Ratio nan", "None or nan"),
        ("Award year 2025 only (--year).", "a command-line flag"),
        ("set in data/config.toml [privacy]", "a file path"),
        ("see docs/reporting-schema.md", "a file path"),
        ("Fix access.toml", "a file path"),
        ("Database at /srv/stopdash/data/stopdash.duckdb", "a file path"),
    ],
)
def test_the_rules_catch_what_they_name(text: str, rule: str) -> None:
    """Each rule flags its own kind of text (so a clean crawl means something)."""
    assert any(f": {rule} " in f for f in findings([("case", text)])), findings([("case", text)])


@pytest.mark.parametrize(
    "text",
    [
        "Files received per quarter, by what became of them",
        "With none in place",
        "Open the community page: /?subgrant=MN-STOP-2025-002&page=community_profile",
        "admin@state.example.gov",
        "MN-STOP-2025-002 · 2025-Q4 · 1–10",
        "%{x}<br>Files (count): %{y:,}<extra></extra>",
        dt.date(2025, 1, 1).isoformat(),
    ],
)
def test_plain_words_pass(text: str) -> None:
    """Ordinary words, IDs, e-mail addresses, links and hover placeholders are not flagged."""
    assert findings([("case", text)]) == []


def test_data_quality_after_an_upload_shows_only_plain_words(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After uploading a report with row problems and a refused file, the outcomes and problems are plain words too."""
    import shutil

    from test_upload_outcomes import _broken, _demo_report, _upload

    from conftest import DATA

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    report = _demo_report(demo_db)
    broken = _broken(report, {("Maturity", "B2"): 7, ("Funding", "D3"): "lots", ("Partners", "B2"): "Astrology"})
    at = _upload(db, {report.name: broken, "notes.xlsx": (DATA / "csv-renamed.xlsx").read_bytes()}, monkeypatch)
    texts = page_texts(at)
    assert any("Problem to fix" in t for _, t in texts), "the problems are on the page"
    assert findings(texts) == []
