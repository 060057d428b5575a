"""Protocols: where each protocol stands in the 8-step cycle, which have stalled, which adopted ones are overdue for review."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from ingest.config import settings
from ingest.vocab import ADOPTED_STEP, STEPS
from stopdash.queries.practice import protocol_steps, protocols_overdue, protocols_stalled

f = session.filters()
period = session.period()
rules = settings().ta_rules
st.title("Protocols")
ui.quarter_caption("Protocol status")

steps = session.load(protocol_steps, f)
if steps.empty:
    st.info("No protocols reported for these filters in this quarter.")
    st.stop()

total = int(steps["protocols"].sum())
adopted = int(steps.loc[steps["step"] >= ADOPTED_STEP, "protocols"].sum())
started = int(steps.loc[steps["step"] > 0, "protocols"].sum())
min_quarters = rules.protocol_stalled.min_quarters
below_step = rules.protocol_stalled.below_step
months = rules.review_overdue.months

cols = st.columns(4)
with cols[0]:
    ui.metric("Protocols reported", ui.count(total), help="Protocols listed in the quarter's reports (a community may have several).")
with cols[1]:
    ui.metric(
        "Adopted (step 5+)",
        f"{adopted:,} ({adopted / total:.0%})",
        help="A protocol at step 5 (interagency agreements renewed) or beyond counts as adopted.",
    )
with cols[2]:
    ui.metric("In development (steps 1–4)", ui.count(started - adopted))
with cols[3]:
    ui.metric("Not started (step 0)", ui.count(total - started))

# The page is three sections, each made and drawn only while it is open (a person reads one at a time): its two
# charts and two long tables drawn at once kept its first drawing over the goal. Its state: st.session_state["protocols_section"].
labels = {i: f"{i} · {name}" for i, name in enumerate(STEPS)}
sections = st.tabs(["Steps", "Stalled", "Overdue for review"], key="protocols_section", on_change="rerun")
with sections[0]:
    if sections[0].open:
        st.header(f"Protocols at each step, by focus, {period}")
        steps["step_label"] = steps["step"].map(labels)
        ui.chart(
            charts.bar(
                steps,
                "step_label",
                "protocols",
                color="focus",
                horizontal=True,
                order=list(labels.values()),
                title="Protocols by step of the 8-step cycle",
                x_title="Step",
                y_title="Protocols (count)",
                legend_title="Focus",
                height=430,
            ),
            steps.pivot_table(index=["step", "step_name"], columns="focus", values="protocols", fill_value=0).reset_index(),
            key="steps",
            caption="Boles and Patterson's eight-step model: steps 5–8 are adopted protocols; after step 8 the cycle starts again.",
        )
with sections[1]:
    if sections[1].open:
        st.header("Stalled protocols")
        quarters = st.slider(
            "Stalled: same step for at least (quarters)",
            2,
            8,
            min(max(min_quarters, 2), 8),
            key="stalled_quarters",
            help=f"Protocols below step {below_step} whose step has not moved for this many consecutive quarters, "
            f"up to {period}. The TA-priority rule uses {min_quarters}.",
        )
        stalled = session.load(protocols_stalled, f, min_quarters=quarters, below_step=below_step)
        if stalled.empty:
            st.info(f"No protocol has stayed at one step for {quarters} quarters or more with these filters.")
        else:
            stalled["step_label"] = stalled["step"].map(labels)
            by_step = stalled.groupby("step_label", as_index=False).agg(protocols=("protocol", "count"))
            st.caption(
                f"{len(stalled)} protocols, in {stalled['subgrant_id'].nunique()} communities, have not moved for {quarters}+ quarters."
            )
            ui.chart(
                charts.bar(
                    by_step,
                    "step_label",
                    "protocols",
                    horizontal=True,
                    order=[v for v in labels.values() if v in set(by_step["step_label"])],
                    title=f"Stalled protocols by the step they are stuck at ({quarters}+ quarters)",
                    x_title="Step",
                    y_title="Protocols (count)",
                    height=300,
                    show_values=True,
                ),
                by_step,
                key="stalled_chart",
            )
            ui.table_view(
                ui.with_links(stalled[["subgrant_id", "community", "protocol", "step_label", "quarters", "since"]]),
                key="stalled",
                row_height=ui.WRAP_ROWS,
                column_config={
                    "subgrant_id": ui.link_column(),
                    "community": st.column_config.TextColumn("Community", width=200),
                    "protocol": st.column_config.TextColumn("Protocol", width=200),
                    "step_label": st.column_config.TextColumn("Stuck at step", width=190),
                    "quarters": st.column_config.NumberColumn("Quarters", width=70),
                    "since": st.column_config.TextColumn("Since", width=70),
                },
            )
with sections[2]:
    if sections[2].open:
        st.header(f"Adopted protocols overdue for review (over {months} months)")
        overdue = session.load(protocols_overdue, f, months=months)
        if overdue.empty:
            st.info("Every adopted protocol has been reviewed (or adopted) within the review period, for these filters.")
        else:
            st.caption(
                f"{len(overdue)} adopted protocols in {overdue['subgrant_id'].nunique()} communities have not been reviewed "
                f"in the {months} months before the end of {period} (adoption counts as a review when no review date is given)."
            )
            overdue["step_label"] = overdue["step"].map(labels)
            overdue["review"] = [
                f"{pd.Timestamp(d):%Y-%m-%d}, {m} months ago"
                for d, m in zip(overdue["last_reviewed_on"].fillna(overdue["adopted_on"]), overdue["months_since_review"], strict=True)
            ]
            ui.table_view(
                ui.with_links(overdue[["subgrant_id", "community", "protocol", "step_label", "review"]]),
                key="overdue",
                row_height=ui.WRAP_ROWS,
                column_config={
                    "subgrant_id": ui.link_column(),
                    "community": st.column_config.TextColumn("Community", width=200),
                    "protocol": st.column_config.TextColumn("Protocol", width=200),
                    "step_label": st.column_config.TextColumn("Step", width=160),
                    "review": st.column_config.TextColumn("Last reviewed (or adopted)", width=190),
                },
            )
            ui.download_buttons(overdue.drop(columns=["step_label", "review"]), "protocols-overdue-for-review", key="overdue_dl")
