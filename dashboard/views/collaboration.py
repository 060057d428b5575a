"""Collaboration: maturity by level over time, the C1-C10 grid, who is at the table, who is missing, risers and fallers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from ingest.vocab import DISCIPLINES, ESSENTIAL_DISCIPLINES, INDICATORS, LEVELS, TRIBAL_DISCIPLINE
from stopdash.queries.practice import (
    essential_missing,
    essential_missing_by_discipline,
    indicator_scores,
    maturity_changes,
    maturity_levels,
    partners_at_table,
)

f = session.filters()
period = session.period()
st.title("Collaboration")
ui.quarter_caption("Snapshots")

LEVEL_COLORS = dict(zip([*LEVELS, "Not scored"], ["#FDE725", "#5EC962", "#21918C", "#3B528B", "#440154", "#BDBDBD"], strict=True))
SHORT = {
    "Child protection and social services": "Child protection",
    "Survivor-led organization or survivor representative": "Survivor-led org.",
    "Culturally specific organization": "Culturally specific org.",
    "Health care (incl. SANE)": "Health care / SANE",
    "Mental and chemical health": "Mental & chemical health",
    "Community-based advocacy": "Community advocacy",
    "System-based advocacy": "System advocacy",
    "Probation and corrections": "Probation",
    "Tribal government or program": "Tribal government",
    "Shelter and housing": "Shelter & housing",
}

# A grid of more rows than a screenful is unreadable (and slow to draw for a national roll-up): the chart
# shows the communities most in need of attention, the table behind it all of them, on request.
MAX_DRAWN = 20


def drawn_note(drawn: int, total: int, which: str) -> str:
    return f" Drawn: the {drawn} {which} of {total} communities; the Table tab finds any of them." if total > drawn else ""


# The page is three sections, each made and drawn only while it is open (a person reads one at a time): five
# large charts and a long table drawn at once made the page the slowest to open. Its state: st.session_state["collaboration_section"].
sections = st.tabs(["Maturity", "Partners at the table", "Risers and fallers"], key="collaboration_section", on_change="rerun")
with sections[0]:
    if sections[0].open:
        # --- Maturity by level over time -------------------------------------------------------------------
        st.header("Maturity by level over time")
        levels = session.load(maturity_levels, f)
        if levels.empty:
            st.info("No maturity scores for these filters.")
        else:
            order = [lv for lv in [*LEVELS, "Not scored"] if lv in set(levels["level"])]
            ui.chart(
                charts.bar(
                    levels,
                    "period",
                    "communities",
                    color="level",
                    color_order=order,
                    colors=LEVEL_COLORS,
                    title="Reporting communities by level of collaboration",
                    x_title="Quarter",
                    y_title="Communities (count)",
                    legend_title="Level",
                    height=380,
                ),
                levels.pivot_table(index="period", columns="level", values="communities", fill_value=0)
                .reindex(columns=order)
                .reset_index(),
                key="levels",
                caption="Level of the mean of the ten indicator scores, rounded: 1 Networking, 2 Cooperation, 3 Coordination, "
                "4 Coalition, 5 Collaboration. Not scored: fewer than 7 indicators readable.",
            )

        # --- Community × indicator -------------------------------------------------------------------------
        st.header(f"Indicator scores by community, {period}")
        scores = session.load(indicator_scores, f)
        if scores.empty:
            st.info("No indicator scores for these filters in this quarter.")
        else:
            scores = charts.with_labels(scores)
            codes = list(INDICATORS)
            ranked = list(dict.fromkeys(scores["label"]))  # lowest mean first
            fig = charts.heatmap(
                scores[scores["label"].isin(ranked[:MAX_DRAWN])],
                "indicator_code",
                "label",
                "score",
                title="Collaboration maturity, C1–C10 (1–5)",
                x_title="Indicator",
                y_title="Community (lowest mean first)",
                value_label="Score (1–5)",
                value_format=".0f",
                x_order=codes,
                y_order=ranked[:MAX_DRAWN],
                zmin=1,
                zmax=5,
                x_labels={c: f"{c} {n}" for c, n in INDICATORS.items()},
            )

            def score_table() -> pd.DataFrame:  # every community's row: made only when the Table tab is open
                wide = scores.pivot_table(index=["subgrant_id", "community", "mean_score"], columns="indicator_code", values="score")
                wide = wide.reindex(columns=[c for c in codes if c in wide.columns]).reset_index().sort_values("mean_score")
                return ui.with_links(wide)

            ui.chart(
                fig,
                score_table,
                key="indicators",
                order="lowest mean score first",
                column_config={"subgrant_id": ui.link_column(), "mean_score": st.column_config.NumberColumn("Mean", format="%.2f")},
                caption=" · ".join(f"{c}: {n}" for c, n in INDICATORS.items())
                + drawn_note(min(MAX_DRAWN, len(ranked)), len(ranked), "lowest"),
            )

with sections[1]:
    if sections[1].open:
        # --- Who is at the table ---------------------------------------------------------------------------
        st.header(f"Who is at the table, {period}")
        partners = session.load(partners_at_table, f)
        if partners.empty:
            st.info("No partner lists for these filters in this quarter.")
        else:
            partners = charts.with_labels(partners)
            essential = {*ESSENTIAL_DISCIPLINES, TRIBAL_DISCIPLINE}
            present = [d for d in DISCIPLINES if d in set(partners["discipline"])] + sorted(set(partners["discipline"]) - set(DISCIPLINES))
            names = {d: (SHORT.get(d) or str(d)) + (" *" if d in essential else "") for d in present}
            breadth = partners.groupby("label")["discipline"].nunique().sort_values(kind="stable")
            fewest = list(breadth.index[:MAX_DRAWN])  # fewest disciplines at the table first
            fig = charts.heatmap(
                partners[partners["label"].isin(fewest)].assign(col=partners["discipline"].map(names)),
                "col",
                "label",
                "partners",
                title="Partners at the table, by discipline (count)",
                x_title="Discipline (* essential)",
                y_title="Community (fewest disciplines first)",
                y_order=fewest,
                value_label="Partners (count)",
                x_order=[names[d] for d in present],
                colorscale="Cividis",
                zmin=0,
            )
            fig.update_xaxes(tickangle=-45)

            def partner_table() -> pd.DataFrame:  # every community's row: made only when the Table tab is open
                wide = partners.pivot_table(index=["subgrant_id", "community"], columns="discipline", values="partners", fill_value=0)
                wide = wide.reindex(columns=present).reset_index()
                wide = wide.assign(_breadth=wide["subgrant_id"].map(partners.groupby("subgrant_id")["discipline"].nunique()))
                wide = wide.sort_values(["_breadth", "community"], kind="stable").drop(columns="_breadth")  # fewest first, as drawn
                return ui.with_links(wide)

            ui.chart(
                fig,
                partner_table,
                key="table",
                order="fewest disciplines at the table first",
                column_config={"subgrant_id": ui.link_column()},
                caption="Blank: no partner from that discipline. * Essential discipline (Tribal government: essential when "
                "the subgrant serves a tribal nation)." + drawn_note(len(fewest), len(breadth), "with the fewest disciplines"),
            )

        # --- Essential disciplines missing -----------------------------------------------------------------
        st.header(f"Essential disciplines missing, {period}")
        by_discipline = session.load(essential_missing_by_discipline, f)
        missing = session.load(essential_missing, f)
        if missing.empty:
            st.info("Every reporting community has every essential discipline at the table, or no partner lists were reported.")
        else:
            reporting = int(by_discipline["reporting"].iloc[0]) if not by_discipline.empty else 0
            st.caption(f"{len(missing)} of {reporting} communities reporting partners are missing at least one essential discipline.")
            if not by_discipline.empty:
                by_discipline["share_text"] = by_discipline["share"].map(lambda v: f"{v:.0%} of reporting communities")
                ui.chart(
                    charts.bar(
                        by_discipline,
                        "discipline",
                        "communities",
                        horizontal=True,
                        title="Communities without each essential discipline",
                        x_title="Discipline",
                        y_title="Communities missing it (count)",
                        hover="share_text",
                        height=320,
                        show_values=True,
                    ),
                    by_discipline.drop(columns=["share_text"]),
                    key="missing",
                    column_config={"share": ui.PERCENT},
                )
            ui.table_view(
                ui.with_links(missing[["subgrant_id", "community", "essential_missing", "missing_count", "disciplines_present"]]),
                key="missing_list",
                order="most essential disciplines missing first",
                row_height=ui.WRAP_ROWS,
                column_config={
                    "subgrant_id": ui.link_column(),
                    "community": st.column_config.TextColumn("Community", width="medium"),
                    "essential_missing": st.column_config.TextColumn("Essential disciplines missing", width="medium"),
                    "missing_count": st.column_config.NumberColumn("Missing", width="small"),
                    "disciplines_present": st.column_config.NumberColumn("At the table", width="small", help="Disciplines at the table"),
                },
            )

with sections[2]:
    if sections[2].open:
        # --- Risers and fallers ----------------------------------------------------------------------------
        st.header("Biggest risers and fallers since the previous quarter")
        changes = session.load(maturity_changes, f)
        moved = changes[changes["change"] != 0] if not changes.empty else changes
        if moved.empty:
            st.info("No community's maturity score moved between the two quarters, or too few communities reported both.")
        else:
            moved = charts.with_labels(moved)
            top = pd.concat([moved[moved["change"] > 0].head(10), moved[moved["change"] < 0].tail(10)])
            top = top.assign(
                detail=top["before"].map("{:.2f}".format)
                + " → "
                + top["after"].map("{:.2f}".format)
                + " ("
                + top["level_before"].fillna("")
                + " → "
                + top["level_after"].fillna("")
                + ")"
            )
            ui.chart(
                charts.diverging_bar(
                    top,
                    "label",
                    "change",
                    title="Change in mean maturity score (points, 1–5 scale)",
                    x_title="Change in score (points)",
                    hover="detail",
                ),
                ui.with_links(changes.sort_values("change", kind="stable")),
                key="movers",
                order="biggest fallers first",
                column_config={
                    "subgrant_id": ui.link_column(),
                    "before": st.column_config.NumberColumn(format="%.2f"),
                    "after": st.column_config.NumberColumn(format="%.2f"),
                    "change": st.column_config.NumberColumn(format="%+.2f"),
                },
                caption=f"Up to 10 risers and 10 fallers; {len(changes)} communities reported scores in both quarters "
                f"({len(moved)} moved). The table lists them all.",
            )
