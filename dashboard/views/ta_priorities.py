"""TA priorities: which communities need help first, and exactly why (the ta_priority ranking)."""

from __future__ import annotations

import re

import streamlit as st

from dashboard import session, ui
from stopdash.escape import markdown as md
from stopdash.queries.portfolio import ta_priorities


def _in_short(reason: str) -> str:
    """A reason's opening words: "Collaboration maturity is low: 2.00 (Cooperation), below 2.5" → "Collaboration maturity is low"."""
    return re.split(r":| \(", reason, maxsplit=1)[0].strip()


f = session.filters()
st.title("TA priorities")
st.caption(
    "Each community is ranked on its latest accepted report (the quarter filter does not apply); region, county, "
    "award year and category filters do. The need score adds the weights of the reasons found; the state's "
    "administrator sets the weights and thresholds."
)

everything = session.load(ta_priorities, f)
if everything.empty:
    st.info("No community to rank for these filters.")
    st.stop()
ranking = everything[~everything["ended"]]
ended = everything[everything["ended"]]

only_needing = st.toggle("Only communities with at least one reason", value=True, key="ta_only_needing")
shown = ranking[ranking["need_score"] > 0] if only_needing else ranking
cols = st.columns(4)
with cols[0]:
    ui.metric(
        "Communities ranked",
        ui.count(len(ranking)),
        help="Awards still running in the reporting quarter. Awards that ended before it are listed at the bottom, not ranked.",
    )
with cols[1]:
    ui.metric("With at least one reason", ui.count(int((ranking["need_score"] > 0).sum())))
with cols[2]:
    ui.metric("Highest need score", ui.count(ranking["need_score"].max()) if not ranking.empty else "–")
with cols[3]:
    ui.metric(
        "Behind on reports",
        ui.count(int(ranking["behind"].sum())),
        help="Running awards whose newest accepted report is for an earlier quarter than the portfolio's latest "
        "(an award that has ended owes nothing after its end date).",
    )

if shown.empty:
    st.info("No running award has any reason for TA with these filters." if not ranking.empty else "Every award here has ended.")
else:
    st.caption(
        "Rank: the place among the communities chosen by the filters; statewide: among every running award in the state. "
        "Equal need scores share a place (“tied 3rd”)."
    )
    # The grid names each reason in a few words so the "Why" fits a 1280-pixel laptop screen beside the
    # community; the full reasons follow it (a scroll away), under "The first ten, explained" and in the downloads.
    table = shown.assign(
        where=shown["counties"] + " (" + shown["regions"] + ")",
        in_short=shown["reason_list"].map(lambda reasons: "; ".join(_in_short(r) for r in reasons)),
    )[
        [
            "place",
            "subgrant_id",
            "community",
            "need_score",
            "in_short",
            "statewide",
            "reasons",
            "where",
            "latest_report",
            "maturity_change",
            "allocation_category",
        ]
    ]
    ui.table_view(
        ui.with_links(table),
        key="ranking",
        height=min(38 + 112 * len(table), 640),
        row_height=112,
        column_config={
            "place": st.column_config.TextColumn("Rank", width=60),
            "statewide": st.column_config.TextColumn("Statewide", width="small"),
            "subgrant_id": ui.link_column(),
            "community": st.column_config.TextColumn("Community", width=170),
            "in_short": st.column_config.TextColumn("Why, in short", width=320),
            "reasons": st.column_config.TextColumn("Why, in full", width="large"),
            "allocation_category": "Category",
            "where": st.column_config.TextColumn("Counties (region)", width="medium"),
            "latest_report": "Latest report",
            "need_score": st.column_config.ProgressColumn(
                "Need", format="%d", min_value=0, width=70, max_value=int(max(ranking["need_score"].max(), 1))
            ),
            "maturity_change": st.column_config.NumberColumn(
                "Maturity change", format="%+.2f", help="Mean maturity score, latest report minus the one before."
            ),
        },
    )
    ui.download_buttons(table.drop(columns=["in_short"]), "ta-priorities", key="ta")

    st.header("The first ten, explained")
    for row in shown.head(10).itertuples():
        with st.container(border=True):
            st.markdown(
                f"**{md(row.place)}: [{md(row.community)}]({session.community_url(row.subgrant_id)})** · {md(row.subgrant_id)} · "
                f"need score **{row.need_score}** ({md(row.statewide)} statewide) · {md(row.counties)} ({md(row.regions)}) · "
                f"latest report {md(row.latest_report)}"
            )
            st.markdown("\n".join(f"- {md(reason)}" for reason in row.reason_list) or "- No reason found")

if not ended.empty:
    with st.expander(f"Awards that have ended, not ranked ({ui.count(len(ended))})"):
        st.caption("Their end date is before the reporting quarter: they owe no further report, and TA can no longer reach them.")
        gone = ended.assign(ended_on=ended["end_date"].map(lambda d: f"{d:%m/%d/%Y}"))
        ui.table_view(
            ui.with_links(gone[["subgrant_id", "community", "ended_on", "latest_report", "need_score", "reasons"]]),
            key="ended",
            column_config={
                "subgrant_id": ui.link_column(),
                "community": "Community",
                "ended_on": "Award ended",
                "latest_report": "Latest report",
                "need_score": st.column_config.NumberColumn("Need score at its last report", format="%d"),
                "reasons": st.column_config.TextColumn("Why, at its last report", width="large"),
            },
        )
