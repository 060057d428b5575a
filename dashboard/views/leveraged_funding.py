"""Leveraged funding: by source type and form, private vs public, leverage ratio by community, trend, largest funders."""

from __future__ import annotations

import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from stopdash.queries.portfolio import funding_by_type, funding_trend, leverage_by_community, top_funders

f = session.filters()
period = session.period()
st.title("Leveraged funding")

SPANS = {"quarter": (1, f"{period}"), "year": (4, f"the 4 quarters to {period}"), "all": (None, f"all quarters to {period}")}
span = (
    st.segmented_control(
        "Period",
        list(SPANS),
        default="quarter",
        key="funding_span",
        format_func=lambda k: {"quarter": "Selected quarter", "year": "Last 4 quarters", "all": "All quarters"}[k],
    )
    or "quarter"
)
quarters, span_text = SPANS[span]
st.caption(f"Resources leveraged beyond STOP, as reported on the Funding sheet, for {span_text}.")

by_type = session.load(funding_by_type, f, quarters)
if by_type.empty:
    st.info("No leveraged funding reported for these filters in this period.")
    st.stop()

total = by_type["amount"].sum()
private = by_type.loc[by_type["is_private"], "amount"].sum()
cash = by_type.loc[by_type["form"] == "Cash", "amount"].sum()
by_community = session.load(leverage_by_community, f, quarters)
award = by_community["award_amount"].sum()
cols = st.columns(4)
with cols[0]:
    ui.metric("Leveraged, all sources", ui.money(total))
with cols[1]:
    ui.metric("Private", ui.money(private), help="Private foundations, corporations, individual donors, civic or faith-based groups.")
with cols[2]:
    ui.metric("Private share", ui.share(private / total if total else None))
with cols[3]:
    ui.metric(
        "Leveraged $ per STOP $",
        ui.ratio(total / award if award else None),
        help="Leveraged dollars of the communities that reported funding, divided by their STOP award amounts.",
    )
st.caption(f"Cash {ui.money(cash)} ({ui.share(cash / total if total else None)}), in-kind {ui.money(total - cash)}.")

st.header("By source type and form")
by_type["source_label"] = by_type["source_type"] + by_type["is_private"].map({True: " (private)", False: " (public)"})
order = by_type.groupby("source_label")["amount"].sum().sort_values(ascending=False).index.tolist()
ui.chart(
    charts.bar(
        by_type,
        "source_label",
        "amount",
        color="form",
        horizontal=True,
        order=order,
        value_format="$,.0f",
        title="Leveraged dollars by source type, cash and in-kind",
        x_title="Source type",
        y_title="Leveraged (US$)",
        legend_title="Form",
        colors={"Cash": "#0072B2", "In-kind": "#E69F00"},
    ),
    by_type.drop(columns=["source_label"]),
    key="by_type",
    column_config={"amount": ui.MONEY},
)

st.header("Private and public, quarter by quarter")
trend = session.load(funding_trend, f)
ui.chart(
    charts.bar(
        trend,
        "period",
        "amount",
        color="sector",
        color_order=["Private", "Public"],
        value_format="$,.0f",
        colors={"Private": "#0072B2", "Public": "#56B4E9"},
        title="Leveraged dollars per quarter, private and public",
        x_title="Quarter",
        y_title="Leveraged (US$)",
        legend_title="Sector",
        height=380,
    ),
    trend.pivot_table(index="period", columns="sector", values="amount", fill_value=0).reset_index(),
    key="trend",
    column_config={"Private": ui.MONEY, "Public": ui.MONEY},
)

st.header("Leverage ratio by community")
if by_community.empty:
    st.info("No community reported funding in this period.")
else:
    labelled = charts.with_labels(by_community)
    top = labelled.head(20).assign(
        detail=lambda d: d["leveraged_total"].map(ui.money) + " leveraged on a " + d["award_amount"].map(ui.money) + " award"
    )
    ui.chart(
        charts.bar(
            top,
            "label",
            "leverage_ratio",
            horizontal=True,
            value_format=",.2f",
            hover="detail",
            show_values=True,
            title=f"Leveraged dollars per STOP dollar: the top {len(top)} of {len(labelled)} communities",
            x_title="Community",
            y_title="Leverage ratio ($ leveraged per $1 of STOP award)",
        ),
        ui.with_links(by_community),
        key="ratio",
        column_config={
            "subgrant_id": ui.link_column(),
            "award_amount": st.column_config.NumberColumn("STOP award", format="dollar", step=1),
            "leveraged_total": st.column_config.NumberColumn("Leveraged, all sources", format="dollar", step=1),
            "leveraged_private": st.column_config.NumberColumn("Leveraged, private", format="dollar", step=1),
            "leverage_ratio": st.column_config.NumberColumn("$ leveraged per STOP $", format="%.3f"),
            "private_ratio": st.column_config.NumberColumn("Private $ per STOP $", format="%.3f"),
        },
        caption="The table lists every community that reported funding in the period, with its private ratio too.",
    )

st.header("Largest funders")
funders = session.load(top_funders, f, quarters)
funders["label"] = funders["source"] + " · " + funders["source_type"]
funders["sector"] = funders["is_private"].map({True: "Private", False: "Public"})
ui.chart(
    charts.bar(
        funders,
        "label",
        "amount",
        color="sector",
        horizontal=True,
        value_format="$,.0f",
        colors={"Private": "#0072B2", "Public": "#56B4E9"},
        color_order=["Private", "Public"],
        order=funders["label"].tolist(),
        legend_title="Sector",
        title=f"The {len(funders)} largest funders",
        x_title="Funder · type",
        y_title="Leveraged (US$)",
    ),
    funders.drop(columns=["label", "sector"]),
    key="funders",
    column_config={"amount": ui.MONEY, "communities": "Communities supported"},
)
