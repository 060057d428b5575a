"""The leadership brief: one self-contained HTML page (inline plotly.js, no network) that prints cleanly.

Charts only carry the project's fixed vocabularies (allocation checks, maturity
levels, protocol steps, funding source types) and counts of subgrants or
dollars, never grantee text or counts of people. Every text is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from ingest.vocab import FUNDING_TYPES, LEVELS, STEPS
from stopdash.exports.excel import context_line
from stopdash.exports.model import Summary
from stopdash.suppression import SHIFT

WIDTH, HEIGHT = 700, 330
BLUE, GREY, GREEN, RED = "#1F4E79", "#A6A6A6", "#2E7D32", "#B71C1C"
FLOOR_CODES = {
    "law_enforcement": "Law enforcement",
    "prosecution": "Prosecution",
    "courts": "Courts",
    "victim_services": "Victim services",
    "culturally_specific": "Culturally specific",
    "sexual_assault": "Sexual assault",
    "prevention_cap": "Prevention (cap)",
}
YEAR_COLORS = ["#1F4E79", "#5B9BD5", "#A9C8E8", "#F4B183"]

CSS = """
body { font-family: "Segoe UI", Arial, sans-serif; color: #222; margin: 0 auto; max-width: 760px; padding: 24px; }
h1 { font-size: 22px; color: #1F4E79; margin: 0 0 4px; }
h2 { font-size: 16px; color: #1F4E79; border-bottom: 2px solid #1F4E79; padding-bottom: 2px; margin: 22px 0 8px; }
.context { color: #595959; font-size: 12px; margin-bottom: 12px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
.card { border: 1px solid #C9D6E6; border-radius: 6px; padding: 8px 10px; background: #F5F8FC; }
.card .n { font-size: 20px; font-weight: 600; color: #1F4E79; }
.card .l { font-size: 11px; color: #444; }
table { border-collapse: collapse; width: 100%; font-size: 11px; }
th { background: #1F4E79; color: #fff; text-align: left; padding: 4px; }
td { border-bottom: 1px solid #DDE5EF; padding: 3px 4px; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
.met { color: #006100; background: #C6EFCE; font-weight: 600; padding: 0 4px; border-radius: 3px; white-space: nowrap; }
.short { color: #9C0006; background: #FFC7CE; font-weight: 600; padding: 0 4px; border-radius: 3px; white-space: nowrap; }
.why { color: #555; font-size: 10px; }
.chart { margin: 6px 0 14px; }
.notes { font-size: 10.5px; color: #444; }
@page { size: letter portrait; margin: 0.5in; }
@media print {
  body { padding: 0; max-width: none; }
  h2 { break-after: avoid; }
  .chart, .cards, tr { break-inside: avoid; }
  .card, th, .met, .short { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _money(x: float) -> str:
    text = f"${abs(x):,.0f}" if abs(x - round(x)) < 0.005 else f"${abs(x):,.2f}"
    return "-" + text if x < 0 else text


def _figure(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        width=WIDTH,
        height=HEIGHT,
        template="simple_white",
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        font={"family": "Segoe UI, Arial, sans-serif", "size": 11},
        legend={"orientation": "h", "y": -0.22},
    )
    return fig


def _allocation_chart(summary: Summary) -> go.Figure:
    checks = summary.checks[summary.checks["code"].isin(list(FLOOR_CODES))]
    fig = go.Figure()
    for i, (year, part) in enumerate(checks.groupby("award_year", sort=True)):
        fig.add_bar(
            x=[FLOOR_CODES[c] for c in part["code"]],
            y=part["actual_share"],
            name=f"{year} actual",
            marker_color=YEAR_COLORS[i % len(YEAR_COLORS)],
        )
    first = checks.drop_duplicates("code")
    fig.add_scatter(
        x=[FLOOR_CODES[c] for c in first["code"]],
        y=first["floor_or_cap"],
        mode="markers",
        name="Floor (cap for prevention)",
        marker={"symbol": "line-ew-open", "size": 34, "color": RED, "line": {"width": 3, "color": RED}},
    )
    fig.update_yaxes(tickformat=".0%", title="Share of award dollars")
    return _figure(fig, "Award dollars against the statutory floors")


def _maturity_chart(summary: Summary) -> go.Figure:
    levels = summary.sheet("Communities").frame["Maturity level"].value_counts()
    fig = go.Figure(
        go.Bar(
            x=[f"{i} {n}" for i, n in enumerate(LEVELS, 1)],
            y=[int(levels.get(n, 0)) for n in LEVELS],
            marker_color=BLUE,
            text=[int(levels.get(n, 0)) for n in LEVELS],
            textposition="outside",
        )
    )
    fig.update_yaxes(title="Subgrants")
    return _figure(fig, "Collaboration maturity (latest report of each subgrant)")


def _protocol_chart(summary: Summary) -> go.Figure:
    steps = summary.sheet("Communities").frame["Protocol step (highest)"].value_counts()
    counts = [int(steps.get(i, 0)) for i in range(len(STEPS))]
    fig = go.Figure(
        go.Bar(
            x=[f"{i} {n}" for i, n in enumerate(STEPS)],
            y=counts,
            text=counts,
            textposition="outside",
            marker_color=[GREY if i < 5 else GREEN for i in range(len(STEPS))],
        )
    )
    fig.update_yaxes(title="Subgrants")
    fig.update_xaxes(tickangle=-30)
    return _figure(fig, "Furthest protocol step (green: adopted, step 5 or beyond)")


def _funding_chart(summary: Summary) -> go.Figure:
    frame = summary.sheet("Leveraged funding").frame
    rows = frame[frame["Source type"].isin(FUNDING_TYPES)]
    fig = go.Figure()
    for form, color in (("Cash", BLUE), ("In-kind", "#9DC3E6")):
        part = rows[rows["Form"] == form]
        by_type = dict(zip(part["Source type"], part["All quarters to date ($)"], strict=True))
        fig.add_bar(y=FUNDING_TYPES, x=[by_type.get(t, 0) for t in FUNDING_TYPES], name=form, orientation="h", marker_color=color)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickprefix="$", tickformat=",.0f")
    fig.update_yaxes(autorange="reversed")
    return _figure(fig, "Funding leveraged beyond STOP, all quarters to date")


def _cards(summary: Summary) -> str:
    h = summary.headline
    checks = summary.checks
    met = f"{int(checks['met'].sum())} of {len(checks)}"
    fund = h.get("funding") or {}
    survivors = h.get("survivors_total")
    cards = [
        (_money(h["award_dollars"]), f"STOP dollars in {h['subgrants']} subgrants"),
        (str(h["communities"]), "communities (collaboratives)"),
        (met, "statutory checks met" + (f" ({len(summary.years)} award years)" if len(summary.years) > 1 else "")),
        (f"{h['received']} of {h['expected']}", f"reports in for {summary.period}" if summary.period else "reports (none yet)"),
        (f"{h['adopted']} of {h['reporting']}", "reporting subgrants with an adopted protocol"),
        ("–" if h["median_maturity"] is None else f"{h['median_maturity']:.2f}", "median maturity score (1–5)"),
        (_money(float(fund["All quarters to date ($)"] or 0)) if fund and summary.period else "–", "leveraged beyond STOP to date"),
        (
            "–" if survivors is None else (f"{survivors:,}" if isinstance(survivors, int) else str(survivors)),
            "survivors engaged (latest reports)",
        ),
    ]
    return "".join(f'<div class="card"><div class="n">{escape(n)}</div><div class="l">{escape(label)}</div></div>' for n, label in cards)


def _allocation_table(summary: Summary) -> str:
    out = [
        "<table><tr><th>Year</th><th>Check</th><th>Required</th><th>Actual</th><th>Share</th><th>Result</th>"
        "<th>Short (−) / over (+)</th></tr>"
    ]
    for r in summary.checks.itertuples():
        good = bool(r.met)
        label = {"floor": ("Met", "Short"), "cap": ("Within cap", "Over cap"), "rule": ("Met", "Not met")}[r.kind][0 if good else 1]
        required = "" if r.required_dollars != r.required_dollars else _money(r.required_dollars)
        gap = (
            ""
            if r.dollars_short_or_over != r.dollars_short_or_over
            else f"{'+' if r.dollars_short_or_over > 0 else ''}{_money(r.dollars_short_or_over)}"
        )
        out.append(
            f"<tr><td>{r.award_year}</td><td>{escape(r.check)}<div class='why'>{escape(r.explanation)}</div></td>"
            f"<td class='num'>{required}</td><td class='num'>{_money(r.actual_dollars)}</td>"
            f"<td class='num'>{r.actual_share:.1%}</td><td><span class='{'met' if good else 'short'}'>{label}</span></td>"
            f"<td class='num'>{escape(gap)}</td></tr>"
        )
    return "".join(out) + "</table>"


def brief_html(summary: Summary) -> str:
    """The whole brief as one HTML document (about 5 MB: plotly.js is inlined once, with the first chart)."""
    figures = [_allocation_chart(summary)]
    if summary.period:
        figures += [_maturity_chart(summary), _protocol_chart(summary), _funding_chart(summary)]
    config = {"displayModeBar": False, "responsive": False}
    charts = "".join(
        f'<div class="chart">{fig.to_html(full_html=False, include_plotlyjs=(i == 0), config=config)}</div>'
        for i, fig in enumerate(figures)
    )
    t = summary.threshold
    notes = [
        "Allocation base: all award dollars of the award year in the award register. The culturally specific floor is 10% of the "
        "30% victim-services allocation (3% of the total). Prevention counts every subgrant listing purpose area 20 in full.",
        f"Counts of people are protected figures: each count from 1 to {t} a subgrant reported is replaced by a fixed "
        f"stand-in within {SHIFT} of it before anything is added up, so no two briefs or filters can be subtracted to give a "
        f"small count; figures from 1 to {t} are shown as 1–{t}.",
        "Full tables and definitions: the Excel summary (stopdash export summary --format xlsx), sheet Notes.",
    ]
    title = f"{summary.state_name} STOP portfolio brief"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<div class="context">{escape(context_line(summary))}</div>
<div class="cards">{_cards(summary)}</div>
<h2>STOP allocation checks</h2>
{_allocation_table(summary)}
<h2>Charts</h2>
{charts}
<h2>Notes</h2>
<ul class="notes">{"".join(f"<li>{escape(n)}</li>" for n in notes)}</ul>
</body></html>
"""
