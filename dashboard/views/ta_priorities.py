"""TA priorities: which communities need help first, and exactly why (the ta_priority ranking)."""

from __future__ import annotations

import streamlit as st

from dashboard import session, ui
from stopdash.escape import markdown as md
from stopdash.queries.portfolio import ta_priorities

f = session.filters()
st.title("TA priorities")
st.caption(
    "Each community is ranked on its latest accepted report (the quarter filter does not apply); region, county, "
    "award year and category filters do. The need score adds the weights of the reasons found; the state's "
    "administrator sets the weights and thresholds."
)

ranking = session.load(ta_priorities, f)
if ranking.empty:
    st.info("No community to rank for these filters.")
    st.stop()

only_needing = st.toggle("Only communities with at least one reason", value=True, key="ta_only_needing")
shown = ranking[ranking["need_score"] > 0] if only_needing else ranking
cols = st.columns(4)
with cols[0]:
    ui.metric("Communities ranked", ui.count(len(ranking)))
with cols[1]:
    ui.metric("With at least one reason", ui.count(int((ranking["need_score"] > 0).sum())))
with cols[2]:
    ui.metric("Highest need score", ui.count(ranking["need_score"].max()))
with cols[3]:
    ui.metric(
        "Behind on reports",
        ui.count(int((ranking["latest_report"] < ranking["latest_report"].max()).sum())),
        help="Communities whose newest accepted report is for an earlier quarter than the portfolio's latest.",
    )

if shown.empty:
    st.info("No community has any reason for TA with these filters.")
    st.stop()

table = shown.assign(where=shown["counties"] + " (" + shown["regions"] + ")")[
    ["rank", "subgrant_id", "community", "need_score", "reasons", "where", "latest_report", "maturity_change", "allocation_category"]
]
ui.table_view(
    ui.with_links(table),
    key="ranking",
    height=min(38 + 112 * len(table), 640),
    row_height=112,
    column_config={
        "rank": st.column_config.NumberColumn("Rank", width="small"),
        "subgrant_id": ui.link_column(),
        "community": st.column_config.TextColumn("Community", width="medium"),
        "reasons": st.column_config.TextColumn("Why", width="large"),
        "allocation_category": "Category",
        "where": st.column_config.TextColumn("Counties (region)", width="medium"),
        "latest_report": "Latest report",
        "need_score": st.column_config.ProgressColumn(
            "Need", format="%d", min_value=0, width="small", max_value=int(max(ranking["need_score"].max(), 1))
        ),
        "maturity_change": st.column_config.NumberColumn(
            "Maturity change", format="%+.2f", help="Mean maturity score, latest report minus the one before."
        ),
    },
)
ui.download_buttons(table, "ta-priorities", key="ta")

st.header("The first ten, explained")
for row in shown.head(10).itertuples():
    with st.container(border=True):
        st.markdown(
            f"**{row.rank}. [{md(row.community)}]({session.community_url(row.subgrant_id)})** · {md(row.subgrant_id)} · "
            f"need score **{row.need_score}** · {md(row.counties)} ({md(row.regions)}) · latest report {md(row.latest_report)}"
        )
        st.markdown("\n".join(f"- {md(reason)}" for reason in row.reason_list) or "- No reason found")
