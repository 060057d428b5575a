"""Federal reporting: one calendar year's federal duties: the workbook, the ledger, timeliness, match, deadlines, IMPACT."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import session, ui
from ingest.errors import StopdashError
from ingest.store.impact import ImpactStatus, problems, save_impact_status
from stopdash.escape import markdown as md
from stopdash.exports.federal import federal_download, federal_file_name
from stopdash.exports.summary import MIME
from stopdash.queries import federal as q
from stopdash.queries.allocation import scoped_awards

f = session.filters()
access = session.access()
st.title("Federal reporting")
st.caption(
    "One calendar year of the state's federal reporting to the Office on Violence Against Women: the federal workbook, "
    "each federal award's allocation checks and funds, report timeliness, match, the year's deadlines and each "
    "subgrant's progress in the federal reporting tool (the VAWA IMPACT Tool). The sidebar's filters do not apply: "
    "federal reporting covers the whole state."
)

years = session.load(q.calendar_years)
if not years:
    st.info("The award register lists no subgrant with dates yet, so there is no reporting year to show.")
    st.stop()
year = st.selectbox("Calendar year", years, index=0, key="fed_year", help="The years the register's subgrants run in, newest first.")

own: set[str] | None = None  # a county viewer sees their own subgrants' rows only
if f.scope is not None:
    own = set(session.load(scoped_awards, f.scope)["subgrant_id"])


def _mine(df: pd.DataFrame) -> pd.DataFrame:
    return df if own is None else df[df["subgrant_id"].isin(own)]


@st.cache_resource
def _file_lock() -> threading.Lock:
    """One workbook, audit entry or status save at a time in this process (DuckDB refuses a writing connection while
    the same process reads the file to make a workbook on the download's thread)."""
    return threading.Lock()


@st.cache_data(show_spinner=False, max_entries=8)
def _workbook(db: str, version: tuple[int, ...], year: int) -> bytes:
    """The federal workbook's bytes, made once per (database version, year)."""
    del version  # cache key only: a new ingest or save makes a new file
    return federal_download(Path(db), year).data


def _maker(year: int) -> Callable[[], bytes]:
    """What the button runs when clicked: the workbook of the year shown now."""
    db = session.db_path()
    version = session.data_version(db)
    lock = _file_lock()

    def make() -> bytes:
        with lock:
            return _workbook(str(db), version, year)

    return make


def _audited(what: str, detail: str) -> None:
    with _file_lock():
        session.audit_export(what, detail)


# --- The workbook -------------------------------------------------------------------------------

st.header("Federal reporting workbook")
if access.can_export:
    st.caption(
        "An Excel workbook for the year with a sheet per federal-form section the quarterly reports feed, the allocation "
        "ledger, funds awarded and returned, match, timeliness, and what the workbook does not cover. Counts of people "
        "are protected figures; grantee text is written so a spreadsheet never runs it."
    )
    name = federal_file_name(year)
    st.download_button(
        f"Federal reporting workbook (Excel): {name}",
        _maker(year),
        file_name=name,
        mime=MIME["xlsx"],
        key="dl_federal",
        icon=":material/download:",
        on_click=_audited,
        args=("federal xlsx", f"calendar year {year}"),
    )
else:
    st.info("The federal workbook is for state and coalition staff.")

# --- Federal awards: funds and the allocation ledger -------------------------------------------

FUNDS_ROWS = {
    "federal_fiscal_year": "Federal fiscal year",
    "award_amount": "Award to the state",
    "admin_share": "Administrative share",
    "subgrants": "Subgrants",
    "subawarded": "Subawarded",
    "returned": "Returned unused",
    "unobligated": "Not yet subawarded",
}
LEDGER_COLUMNS = {
    "check": st.column_config.TextColumn("Check", width="medium"),
    "required_dollars": st.column_config.NumberColumn("Required ($)", format="dollar"),
    "actual_dollars": st.column_config.NumberColumn("Actual ($)", format="dollar"),
    "met": "Met",
    "dollars_short_or_over": st.column_config.NumberColumn("Short (−) or over (+) ($)", format="dollar"),
}


# The quarterly reports owed, as the late list and the Deadlines tab both show them.
TIMELINESS_COLUMNS = {
    "subgrant_id": ui.link_column(),
    "organization": st.column_config.TextColumn("Organization", width="medium"),
    "period": "Quarter",
    "due_on": st.column_config.DateColumn("Due on"),
    "received_on": st.column_config.DateColumn("Received on"),
    "days_late": "Days late",
    "status": "Status",
}


def _funds_table(funds: pd.DataFrame) -> pd.DataFrame:
    """One row per figure, one column per federal award (few awards, many figures: narrow enough for a laptop)."""
    out = pd.DataFrame({"Figure": list(FUNDS_ROWS.values())})
    for _, award in funds.iterrows():
        out[award["federal_award_number"]] = [
            "–" if ui.missing(award[c]) else (str(int(award[c])) if c in ("federal_fiscal_year", "subgrants") else ui.money(award[c]))
            for c in FUNDS_ROWS
        ]
    return out


if own is not None:
    st.header("Federal awards")
    st.caption(
        "The allocation ledger and funds per federal award are computed over the whole state's subgrants, so they are "
        "for state and coalition staff."
    )
else:
    st.header("Funds awarded and returned")
    funds = session.load(q.federal_awards, year)
    if funds.empty:
        st.info(f"No subgrant of {year} names its federal award in the award register.")
    else:
        st.caption(
            "Per federal award (the STOP Administrator report, item 6A): the award to the state, the share kept for "
            "administration, what was subawarded and returned unused at closeout. Re-awarded funds are not tracked."
            + ("" if funds["known"].all() else " An award not on the register's Federal awards sheet shows its subgrants' figures only.")
        )
        ui.table_view(_funds_table(funds), key="fed_funds")
    st.header("Allocation ledger")
    book = session.load(q.ledger, year)
    if book.empty:
        st.info(f"No federal award of {year} has subawarded dollars to check.")
    else:
        st.caption(
            "Each statutory floor and cap (34 U.S.C. 10446(c)) on each federal award, checks not met first. The base is "
            "either the dollars subawarded on the award or the award to the state less its administrative share."
        )
        for award, mine in book.groupby("federal_award_number", sort=True):
            st.markdown(f"**Federal award {md(award)}**")
            tab_sub, tab_admin = st.tabs(["Base: dollars subawarded", "Base: award less the administrative share"])
            with tab_sub:
                ui.table_view(mine[list(LEDGER_COLUMNS)], key=f"fed_ledger_{award}", column_config=LEDGER_COLUMNS)
            with tab_admin:
                if mine["required_with_admin_dollars"].isna().all():
                    st.info(
                        "This award is not on the register's Federal awards sheet, so its amount and administrative share are not known."
                    )
                else:
                    with_admin = mine.assign(
                        required_dollars=mine["required_with_admin_dollars"],
                        met=mine["met_with_admin"],
                        dollars_short_or_over=mine["actual_dollars"] - mine["required_with_admin_dollars"],
                    )
                    ui.table_view(with_admin[list(LEDGER_COLUMNS)], key=f"fed_ledger_admin_{award}", column_config=LEDGER_COLUMNS)

# --- Timeliness ---------------------------------------------------------------------------------

st.header("Report timeliness")
times = _mine(session.load(q.timeliness, year))
if times.empty:
    st.info(f"No quarterly progress report is owed in {year} yet.")
else:
    counts = q.timeliness_counts(times)
    cols = st.columns(4)
    for col, (word, n) in zip(cols, counts.items(), strict=True):
        with col:
            ui.metric(word, ui.count(n))
    st.caption(
        "Each report is due a set number of days after its quarter ends and received on the day its first accepted file "
        "came in. Days late for a missing report are counted to the end of the latest reporting quarter's allowance, so "
        "they do not change with the clock."
    )
    late = times[times["status"].isin(["Late", "Missing"])]
    if late.empty:
        st.success(f"Every quarterly report of {year} due so far came in on time.")
    else:
        ui.table_view(
            ui.with_links(late),
            key="fed_late",
            column_config=TIMELINESS_COLUMNS,
            order="most days late first",
        )

# --- Match --------------------------------------------------------------------------------------

st.header("Match shortfalls")
short = _mine(session.load(q.match_shortfalls, year))
if short.empty:
    st.success(f"Every subgrant of {year} that needs a match has documented enough so far.")
else:
    st.caption(
        "Subgrants whose funding marked as counting toward match, over all their accepted reports, is less than the "
        "register requires. Victim-service and tribal projects need no match unless the register says otherwise."
    )
    ui.table_view(
        ui.with_links(short),
        key="fed_match",
        column_config={
            "subgrant_id": ui.link_column(),
            "organization": st.column_config.TextColumn("Organization", width="medium"),
            "award_year": st.column_config.NumberColumn("Award year", format="%d"),
            "match_required": st.column_config.NumberColumn("Match required ($)", format="dollar"),
            "documented": st.column_config.NumberColumn("Documented ($)", format="dollar"),
            "short_by": st.column_config.NumberColumn("Short by ($)", format="dollar"),
        },
        order="largest shortfall first",
    )

# --- Deadlines ----------------------------------------------------------------------------------

st.header("Deadlines")
dates = session.load(q.deadlines, year)
if own is not None:
    dates = dates[dates["subgrant_id"].isin(own | {"The state"})]
if dates.empty:
    st.info(f"No federal deadline falls in {year}.")
else:
    soon = q.next_due(dates)
    if soon.empty:
        st.caption(f"Every deadline of {year} has passed (as of the latest reporting quarter's allowance).")
    else:
        kinds = ", ".join(dict.fromkeys(soon["deadline"]))
        st.info(
            f"Due next, on {soon['due_on'].iloc[0]:%B %-d, %Y}: {md(kinds)} ({len(soon)} in all).",
            icon=":material/event:",
        )
    tab_owed, tab_all = st.tabs(["Quarterly reports", "Every federal date"])
    with tab_owed:
        ui.table_view(
            ui.with_links(times[["subgrant_id", "organization", "period", "due_on", "received_on", "days_late", "status"]])
            if not times.empty
            else times,
            key="fed_owed",
            column_config=TIMELINESS_COLUMNS,
            order="missing and late first",
        )
    with tab_all:
        ui.table_view(
            dates,
            key="fed_dates",
            column_config={
                "due_on": st.column_config.DateColumn("Due on"),
                "deadline": st.column_config.TextColumn("Deadline", width="medium"),
                "what": st.column_config.TextColumn("What", width="large"),
                "subgrant_id": "Who",
                "status": "Status",
            },
            order="soonest first",
        )

# --- IMPACT Tool status -------------------------------------------------------------------------

st.header("Federal reporting tool (IMPACT) status")
st.caption(
    f"For each subgrant: when the link to the VAWA IMPACT Tool was sent for {year}'s annual data, when the subgrantee "
    "started and submitted, and whom to contact."
)
impact = _mine(session.load(q.impact_statuses, year))
note = st.session_state.pop("fed_impact_note", None)
if note:
    st.success(md(note), icon=":material/check_circle:")
IMPACT_COLUMNS: dict[str, Any] = {
    "subgrant_id": ui.link_column(),
    "organization": st.column_config.TextColumn("Organization", width="medium"),
    "link_sent_on": st.column_config.DateColumn("Link sent"),
    "started_on": st.column_config.DateColumn("Started"),
    "submitted_on": st.column_config.DateColumn("Submitted"),
    "contact_email": st.column_config.TextColumn("Contact e-mail", width="medium"),
}
if impact.empty:
    st.info(f"No subgrant runs in {year}.")
    st.stop()
ui.table_view(ui.with_links(impact[list(IMPACT_COLUMNS)]), key="fed_impact", column_config=IMPACT_COLUMNS)
if access.role != "admin":
    st.caption("State administrators keep these dates up to date.")
    st.stop()


def _day(value: Any) -> dt.date | None:
    return None if ui.missing(value) or pd.isna(value) else pd.Timestamp(value).date()


st.markdown("**Change a subgrant's status**")
chosen = st.selectbox("Subgrant", impact["subgrant_id"].tolist(), key="fed_impact_subgrant")
now = impact.set_index("subgrant_id").loc[chosen]
with st.form(f"fed_impact_form_{chosen}_{year}"):
    sent = st.date_input("Link sent on", value=_day(now["link_sent_on"]), format="YYYY-MM-DD", key=f"fi_sent_{chosen}_{year}")
    started = st.date_input("Started on", value=_day(now["started_on"]), format="YYYY-MM-DD", key=f"fi_started_{chosen}_{year}")
    submitted = st.date_input("Submitted on", value=_day(now["submitted_on"]), format="YYYY-MM-DD", key=f"fi_submitted_{chosen}_{year}")
    email = st.text_input(
        "Point-of-contact e-mail",
        value=now["contact_email"] if isinstance(now["contact_email"], str) else "",
        key=f"fi_email_{chosen}_{year}",
    )
    saved = st.form_submit_button("Save status", icon=":material/save:")
if saved:
    status = ImpactStatus(chosen, year, sent, started, submitted, email)
    wrong = problems(status)
    if wrong:
        st.error("The status was not saved:\n\n" + "\n".join(f"- {md(w)}" for w in wrong))
    else:
        try:
            with _file_lock():
                changed = save_impact_status(session.db_path(), access.who, status)
        except StopdashError as e:
            st.error(f"The status was not saved: {md(e)}")
        else:
            st.session_state["fed_impact_note"] = (
                f"Saved the {year} status of {chosen}." if changed else f"Nothing changed for {chosen}: the status was already so."
            )
            st.rerun()  # redraw the table above with what was stored
