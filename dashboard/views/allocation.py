"""Allocation: the STOP statutory allocation checks per award year, purpose areas, and the export files."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from stopdash.escape import markdown as md
from stopdash.exports.summary import MIME, summary_bytes, summary_file_name
from stopdash.queries.allocation import allocation_by_category, allocation_checks, purpose_areas, scoped_awards

f = session.filters()
st.title("STOP allocation")

if f.scope is not None:  # a county viewer: the statewide checks include other counties' subgrants, so only their own rows
    st.caption(
        "The statutory allocation checks are computed over the whole state's awards, other counties' subgrants included, "
        "so they are for state and coalition staff. Here are the award register's rows of the subgrants serving your counties."
    )
    own = session.load(scoped_awards, f.scope)
    if f.award_years:
        own = own[own["award_year"].isin(f.award_years)]
    if own.empty:
        st.info("No subgrant serving your counties for these award years.")
        st.stop()
    ui.table_view(
        ui.with_links(own),
        key="alloc_own",
        column_config={
            "subgrant_id": ui.link_column(),
            "award_amount": st.column_config.NumberColumn("Awarded ($)", format="dollar"),
            "sa_amount": st.column_config.NumberColumn("Sexual assault ($)", format="dollar"),
        },
    )
    st.stop()

st.caption(
    "From the award register, per award year (34 U.S.C. 10446(c)): each statutory floor and cap, met or not, and by how many "
    "dollars. The percentage base is the year's total of subgrant awards in the register. Region, county and category "
    "filters do not apply: the statute speaks of the whole state's allocation."
)

checks = session.load(allocation_checks)
if checks.empty:
    st.info("The award register lists no subgrant yet.")
    st.stop()
years = sorted(checks["award_year"].unique().tolist(), reverse=True)
chosen = [y for y in years if not f.award_years or y in f.award_years] or years
year = chosen[0]  # one award-year control for every page: the sidebar's
if len(chosen) > 1:
    st.info(
        f"Showing award year {year}, the latest of {'those chosen' if f.award_years else 'the register'}. "
        "Choose a single award year under Filters, in the sidebar, to see another.",
        icon=":material/calendar_month:",
    )

mine = checks[checks["award_year"] == year]
short = mine[~mine["met"]]
cols = st.columns(3)
with cols[0]:
    ui.metric("Checks met", f"{int(mine['met'].sum())} of {len(mine)}")
with cols[1]:
    ui.metric("Subgrant dollars (the base)", ui.money(mine["base_dollars"].iloc[0]))
with cols[2]:
    gap = max(0.0, -float(short.loc[short["kind"] == "floor", "dollars_short_or_over"].sum()))
    ui.metric("Dollars short of floors", ui.money(gap), help="The sum of the shortfalls of the floors not met.")

for _, row in short.iterrows():
    st.warning(f"**{md(row['check'])}**: not met. {md(row['explanation'])}")

table = mine[["check", "required_dollars", "actual_dollars", "actual_share", "met", "dollars_short_or_over"]]
ui.table_view(
    table,
    key="alloc_checks",
    column_config={
        "check": st.column_config.TextColumn("Check", width="large"),
        "required_dollars": st.column_config.NumberColumn("Required ($)", format="dollar"),
        "actual_dollars": st.column_config.NumberColumn("Actual ($)", format="dollar"),
        "actual_share": st.column_config.NumberColumn("Actual share", format="percent"),
        "met": st.column_config.CheckboxColumn("Met"),
        "dollars_short_or_over": st.column_config.NumberColumn("Short (−) or over (+) ($)", format="dollar"),
    },
)
with st.expander("Each check in words (for reports)"):
    st.markdown("\n".join(f"- **{md(r['check'])}**: {md(r['explanation'])}" for _, r in mine.iterrows()))

st.header("Awards by allocation category")
by_category = session.load(allocation_by_category, year)
ui.chart(
    charts.bar(
        by_category,
        "allocation_category",
        "award_dollars",
        title=f"Subgrant dollars by allocation category, award year {year}",
        x_title="Allocation category",
        y_title="Awarded (US$)",
        value_format="$,.0f",
        show_values=True,
    ),
    by_category,
    key="alloc_category",
    column_config={
        "award_dollars": st.column_config.NumberColumn("Awarded ($)", format="dollar"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "sa_dollars": st.column_config.NumberColumn("Sexual assault ($)", format="dollar"),
        "match_required": st.column_config.NumberColumn("Match required ($)", format="dollar"),
    },
)

st.header("Subgrants by STOP purpose area")
areas = session.load(purpose_areas, year)
areas = areas[areas["subgrants"] > 0] if not areas.empty else areas
if areas.empty:
    st.info(f"No subgrant of award year {year} lists a purpose area.")
else:
    shown = areas.assign(
        area=[f"{int(a)}. {name}" if pd.notna(a) else name for a, name in zip(areas["purpose_area"], areas["short_name"], strict=True)]
    )
    ui.chart(
        charts.bar(
            shown,
            "area",
            "subgrants",
            title=f"Subgrants listing each purpose area, award year {year}",
            x_title="Purpose area (34 U.S.C. 10441(b))",
            y_title="Subgrants (count)",
            horizontal=True,
            height=120 + 28 * len(shown),
        ),
        shown[["area", "subgrants", "award_dollars", "share_of_awards", "split_dollars"]],
        key="alloc_areas",
        column_config={
            "area": st.column_config.TextColumn("Purpose area", width="large"),
            "subgrants": "Subgrants",
            "award_dollars": st.column_config.NumberColumn("Awarded ($)", format="dollar"),
            "share_of_awards": st.column_config.NumberColumn("Share of awards", format="percent"),
            "split_dollars": st.column_config.NumberColumn("Dollars split evenly across areas", format="dollar"),
        },
        caption="A subgrant listing several purpose areas counts in each; the last column splits its dollars evenly among them.",
    )

st.header("Reports for federal and state use")
if not session.access().can_export:
    st.info("The summary exports are for state and coalition staff.")
    st.stop()
period = session.period()
st.caption(
    f"The same files as the state's summary export, for award year {year} and quarter {period or 'latest'} (the sidebar's "
    "filters). Counts of people are protected figures (small counts replaced by fixed stand-ins, so no two exports can be "
    "subtracted to give one away); grantee text is written so a spreadsheet never runs it."
)


@st.cache_data(show_spinner=False, max_entries=24)
def _export(db: str, version: tuple[int, ...], fmt: str, year: int, period: str | None) -> bytes:
    """The file's bytes, made once per (database version, format, award year, quarter)."""
    del version  # cache key only: a new ingest makes new files
    return summary_bytes(Path(db), fmt, year, period)


@st.cache_resource
def _file_lock() -> threading.Lock:
    """One export file or audit entry at a time in this process: the file is made on its own thread while the click's
    rerun writes the audit entry, and DuckDB refuses a writing connection while the same process reads the file."""
    return threading.Lock()


def _maker(fmt: str, year: int, period: str | None) -> Callable[[], bytes]:
    """What the button runs when clicked: the file for the year and quarter shown now (never an earlier choice's)."""
    db = session.db_path()
    version = session.data_version(db)
    lock = _file_lock()

    def make() -> bytes:
        with lock:
            return _export(str(db), version, fmt, year, period)

    return make


def _audited(what: str, detail: str) -> None:
    """The click's audit entry, written once the file being made has let the database go."""
    with _file_lock():
        session.audit_export(what, detail)


row = st.container(horizontal=True)
for fmt, label in (("xlsx", "Summary workbook (Excel)"), ("csv", "Summary as CSV files (zip)"), ("html", "Leadership brief (HTML)")):
    name = summary_file_name(fmt, year, f.period)
    row.download_button(
        f"{label}: {name}",
        _maker(fmt, year, f.period),
        file_name=name,
        mime=MIME[fmt],
        key=f"dl_{fmt}",
        icon=":material/download:",
        on_click=_audited,
        args=(f"summary {fmt}", f"award year {year}, quarter {f.period or 'latest'}"),
    )
