"""Survivor engagement: adoption of practices S1-S8, the community-by-practice grid, who has none, survivors engaged over time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from ingest.vocab import PRACTICE_STATUSES, PRACTICES
from stopdash.queries.practice import no_practice_in_place, practice_adoption, practice_matrix, survivors_engaged

f = session.filters()
period = session.period()
st.title("Survivor engagement")
ui.quarter_caption("Snapshots")

# A grid of more communities than a screenful is unreadable (a national roll-up would be 50,000 px tall): the
# chart shows those with the fewest practices in place, the table behind it finds any of them.
MAX_DRAWN = 20
STATUS_COLORS = {"In place": "#0072B2", "Planned": "#E69F00", "Not in place": "#D9D9D9"}
labels = {code: f"{code} · {name}" for code, name in PRACTICES.items()}

adoption = session.load(practice_adoption, f)
matrix = session.load(practice_matrix, f)
if adoption.empty:
    st.info("No survivor-engagement practices reported for these filters in this quarter.")
else:
    per_community = matrix.drop_duplicates("subgrant_id")["in_place"]
    cols = st.columns(4)
    with cols[0]:
        ui.metric("Communities reporting", ui.count(len(per_community)))
    with cols[1]:
        ui.metric("Practices in place (mean)", f"{per_community.mean():.1f} of 8")
    with cols[2]:
        ui.metric("With 3 or more in place", ui.share((per_community >= 3).mean()))
    with cols[3]:
        ui.metric("With none in place", ui.count(int((per_community == 0).sum())))

# The page is three sections, each made and drawn only while it is open (a person reads one at a time): its three
# charts and long table drawn at once kept its first drawing over the goal. Its state: st.session_state["survivor_section"].
sections = st.tabs(["Practices", "Survivors engaged", "No practice in place"], key="survivor_section", on_change="rerun")
with sections[0]:
    if sections[0].open and not adoption.empty:
        st.header(f"Adoption of each practice, {period}")
        adoption["practice"] = adoption["practice_code"].map(lambda c: charts.wrap(labels.get(c) or str(c), 46))
        adoption["count_text"] = adoption["communities"].map(lambda n: f"{n:,} communities")
        ui.chart(
            charts.bar(
                adoption,
                "practice",
                "share",
                color="status",
                horizontal=True,
                color_order=list(PRACTICE_STATUSES),
                colors=STATUS_COLORS,
                order=[charts.wrap(v, 46) for v in labels.values()],
                value_format=".0%",
                title="Share of reporting communities, by practice status",
                x_title="Practice",
                y_title="Communities (%)",
                legend_title="Status",
                hover="count_text",
                height=520,
            ),
            adoption.pivot_table(index="practice_code", columns="status", values="communities", fill_value=0)
            .reindex(columns=list(PRACTICE_STATUSES))
            .reset_index(),
            key="adoption",
        )

        st.header(f"Practices by community, {period}")
        matrix = charts.with_labels(matrix)
        ranked = list(dict.fromkeys(matrix["label"]))  # fewest in place first
        fig = charts.status_matrix(
            matrix[matrix["label"].isin(ranked[:MAX_DRAWN])],
            "practice_code",
            "label",
            "status",
            title="Status of each practice (fewest in place first)",
            x_title="Practice",
            y_title="Community",
            statuses=list(PRACTICE_STATUSES),
            colors=[STATUS_COLORS[s] for s in PRACTICE_STATUSES],
            x_order=list(PRACTICES),
            y_order=ranked[:MAX_DRAWN],
            x_labels=labels,
        )

        def wide() -> pd.DataFrame:  # every community's row: made only when the Table tab is open
            grid = matrix.pivot_table(
                index=["subgrant_id", "community", "in_place"], columns="practice_code", values="status", aggfunc="first"
            )
            grid = grid.reindex(columns=[c for c in PRACTICES if c in grid.columns]).reset_index().sort_values(["in_place", "community"])
            return ui.with_links(grid)

        ui.chart(
            fig,
            wide,
            key="matrix",
            order="fewest practices in place first",
            column_config={"subgrant_id": ui.link_column(), "in_place": "In place (count)"},
            caption=" · ".join(f"{c}: {n}" for c, n in PRACTICES.items())
            + (
                f" Drawn: the {MAX_DRAWN} communities with the fewest practices in place, of {len(ranked)}; "
                "the Table tab finds any of them."
                if len(ranked) > MAX_DRAWN
                else ""
            ),
        )
with sections[1]:
    if sections[1].open:
        st.header("Survivors engaged over time")
        engaged = session.load(survivors_engaged, f)
        shown = engaged.dropna(subset=["survivors_engaged"])
        if engaged.empty:
            st.info("No survivors-engaged counts reported for these filters.")
        elif shown.empty:
            st.info(f"Every quarter's figure for these filters is too small to show. {ui.suppression_note()}")
        else:
            ui.chart(
                charts.bar(
                    engaged,
                    "period",
                    "survivors_engaged",
                    title="Survivors engaged in the collaboratives' work, per quarter",
                    x_title="Quarter",
                    y_title="Survivors engaged (people)",
                    hover="survivors_text",
                    height=360,
                    note="Quarters without a bar: a figure of 1–10 is not drawn." if len(shown) < len(engaged) else None,
                ),
                engaged[["period", "survivors_text", "communities_reporting"]].rename(columns={"survivors_text": "survivors_engaged"}),
                key="engaged",
                caption="Sum over reporting communities of the survivors who took part in the collaborative's "
                f"work in the quarter (one protected count per report, no names). {ui.suppression_note()}",
            )

with sections[2]:
    if sections[2].open:
        st.header(f"Communities with no practice in place, {period}")
        none = session.load(no_practice_in_place, f)
        if none.empty:
            st.info("Every reporting community has at least one survivor-engagement practice in place, for these filters.")
        else:
            ui.table_view(
                ui.with_links(none),
                key="none",
                order="longest without a practice first",
                column_config={
                    "subgrant_id": ui.link_column(),
                    "community": "Community",
                    "planned": "Practices planned",
                    "quarters_without": "Quarters reported with none in place",
                },
            )
