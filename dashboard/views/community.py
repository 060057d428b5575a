"""Community: everything about one subgrant and its community across quarters (shareable: ?subgrant=ID)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from ingest.vocab import INDICATORS, PRACTICE_STATUSES, PRACTICES, STEPS
from stopdash.escape import markdown as md
from stopdash.queries import community as qc

STATUS_COLORS = {"In place": "#0072B2", "Planned": "#E69F00", "Not in place": "#D9D9D9"}

everyone = session.load(qc.communities, session.filters().scope)
if everyone.empty:
    st.info("The award register lists no subgrant.")
    st.stop()
ids = everyone["subgrant_id"].tolist()
by_lower = {s.lower(): s for s in ids}
names = dict(zip(everyone["subgrant_id"], everyone["community"], strict=True))

wanted = st.query_params.get("subgrant")
if wanted and wanted.lower() not in by_lower:
    st.warning(f"No subgrant “{md(wanted)}” in the award register. Choose one below.")
from_url = by_lower.get((wanted or "").lower())
if "community_pick" not in st.session_state or (from_url and from_url != st.session_state.get("community_pick")):
    st.session_state["community_pick"] = from_url


def _remember() -> None:
    if st.session_state.get("community_pick"):
        st.query_params["subgrant"] = st.session_state["community_pick"]


sid = st.selectbox(
    "Community", ids, key="community_pick", on_change=_remember, placeholder="Choose a community", format_func=lambda s: f"{names[s]} · {s}"
)
if not sid:
    st.title("Community")
    st.info("Choose a community above, or open one from any table (the Subgrant links).")
    st.stop()
st.query_params["subgrant"] = sid

p = session.load(qc.profile, sid)
if p is None:  # removed from the register since the list was read
    st.info(f"Subgrant {md(sid)} is no longer in the award register. Choose another community above.")
    st.stop()
    raise SystemExit  # unreachable: st.stop() raises
st.title(md(p["community"]))
st.markdown(
    f"**{md(p['organization'])}** · subgrant **{md(p['subgrant_id'])}** · {md(p['allocation_category'])} · "
    f"award year {p['award_year']} · {md(ui.money(p['award_amount']))} "
    f"({pd.Timestamp(p['start_date']):%b %Y} – {pd.Timestamp(p['end_date']):%b %Y})  \n"
    f"Counties: {md(p['counties'] or '–')} ({md(p['regions'] or '–')})"
    + (f" · Tribal nations: {md(p['tribal_nations'])}" if p["tribal_nations"] else "")
)
if p["purpose_areas"]:
    st.markdown(f"STOP purpose areas: {md(p['purpose_areas'])}")

history = session.load(qc.periods, sid)
period = session.period()
upto = history[history["period"] <= period] if period else history
if upto.empty:
    st.info(f"No accepted progress report from this subgrant up to {period}.")
else:
    now = upto.iloc[-1]
    before = upto.iloc[-2] if len(upto) > 1 else None
    since = f", changes since {md(before['period'])}." if before is not None else "."
    st.caption(f"Figures from its report for {md(now['period'])}{since}")

    def delta(col: str, fmt: str = "{:+.2f}") -> str | None:
        if before is None or ui.missing(now[col]) or ui.missing(before[col]):
            return None
        return fmt.format(now[col] - before[col])

    row1 = st.columns(4)
    with row1[0]:
        ui.metric(
            "Maturity (1–5)",
            f"{now['maturity_score']:.2f}" if not ui.missing(now["maturity_score"]) else "–",
            delta=delta("maturity_score"),
            help=f"Level: {md(now['maturity_level'] or 'not scored')}",
        )
    with row1[1]:
        ui.metric(
            "Disciplines at the table",
            ui.count(now["disciplines_present"]),
            delta=delta("disciplines_present", "{:+.0f}"),
            help=f"Essential missing: {md(now['essential_missing'] or 'none')}",
        )
    with row1[2]:
        ui.metric(
            "Protocols adopted",
            ui.count(now["protocols_adopted"]),
            delta=delta("protocols_adopted", "{:+.0f}"),
            help=f"Highest step: {md(now['protocol_step_max'])}",
        )
    with row1[3]:
        ui.metric(
            "Survivor practices in place", f"{ui.count(now['practices_in_place'])} of 8", delta=delta("practices_in_place", "{:+.0f}")
        )
    row2 = st.columns(4)
    with row2[0]:
        ui.metric("Leveraged private", ui.money(now["leveraged_private"]))
    with row2[1]:
        ui.metric("Leveraged $ per STOP $", ui.ratio(now["leverage_ratio"]), delta=delta("leverage_ratio", "{:+.3f}"))
    with row2[2]:
        ui.metric("Survivors engaged", now["survivors_text"], help=ui.suppression_note())
    with row2[3]:
        ui.metric("MOUs signed", ui.count(now["mous_signed"]))
    if now["essential_missing"]:
        st.warning(f"Essential partners missing from the table: {md(now['essential_missing'])}", icon=":material/group_off:")

ta = session.load(qc.ta_priority, sid)
if ta:
    with st.container(border=True):
        st.markdown(f"**TA need score {ta['need_score']}**: {md(ta['ranks'])} (latest report {md(ta['period'] or 'none yet')})")
        st.markdown("\n".join(f"- {md(r)}" for r in ta["reasons"]) or "- No reason for TA found.")

# Only the open section is made and drawn (a person reads one at a time): each hidden section's charts and tables
# were drawn by the browser on every open of the page. The section shown is in st.session_state["community_section"].
tabs = st.tabs(
    ["Collaboration", "Partners", "Protocols", "Survivor engagement", "Funding", "Reports and issues", "TA requests"],
    key="community_section",
    on_change="rerun",
)
with tabs[0]:
    if tabs[0].open:
        if history.empty:
            st.info("No maturity scores reported.")
        else:
            ui.chart(
                charts.line(
                    history,
                    "period",
                    "maturity_score",
                    title="Mean collaboration maturity",
                    x_title="Quarter",
                    y_title="Mean score (1–5)",
                    value_format=".2f",
                    y_range=(1, 5),
                    height=320,
                ),
                history[["period", "maturity_score", "maturity_level", "disciplines_present", "essential_missing", "mous_signed"]],
                key="c_maturity",
            )
            scores = session.load(qc.indicators, sid)
            if not scores.empty:
                ui.chart(
                    charts.heatmap(
                        scores,
                        "period",
                        "indicator_code",
                        "score",
                        title="Indicator scores by quarter (1–5)",
                        x_title="Quarter",
                        y_title="Indicator",
                        value_label="Score (1–5)",
                        value_format=".0f",
                        y_order=list(INDICATORS),
                        zmin=1,
                        zmax=5,
                    ),
                    scores.pivot_table(index="indicator_code", columns="period", values="score").reindex(list(INDICATORS)).reset_index(),
                    key="c_indicators",
                    caption=" · ".join(f"{c}: {n}" for c, n in INDICATORS.items()),
                )
with tabs[1]:
    if tabs[1].open:
        partners = session.load(qc.partners, sid)
        if partners.empty:
            st.info("No partner list reported.")
        else:
            latest = partners["period"].max()
            st.markdown(f"**Partners in {md(latest)}**")
            ui.table_view(
                partners[partners["period"] == latest].drop(columns=["period"]),
                key="c_partners",
                column_config={"mou_signed": st.column_config.CheckboxColumn("MOU signed")},
            )
            with st.expander("Every quarter"):
                ui.table_view(partners, key="c_partners_all")
with tabs[2]:
    if tabs[2].open:
        protocols = session.load(qc.protocols, sid)
        if protocols.empty:
            st.info("No protocol reported.")
        else:
            fig = charts.line(
                protocols,
                "period",
                "step",
                color="protocol",
                title="Step of each protocol in the 8-step cycle",
                x_title="Quarter",
                y_title="Step (0–8)",
                value_format="d",
                y_range=(-0.3, 8.3),
                legend_title="",
            )
            fig.update_yaxes(tickvals=list(range(9)), ticktext=[f"{i} {n}" for i, n in enumerate(STEPS)])
            ui.chart(
                fig,
                protocols,
                key="c_protocols",
                column_config={
                    "adopted_on": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "last_reviewed_on": st.column_config.DateColumn(format="YYYY-MM-DD"),
                },
            )
with tabs[3]:
    if tabs[3].open:
        practices = session.load(qc.practices, sid)
        if practices.empty:
            st.info("No survivor-engagement practices reported.")
        else:
            ui.chart(
                charts.status_matrix(
                    practices,
                    "period",
                    "practice_code",
                    "status",
                    title="Practice status by quarter",
                    x_title="Quarter",
                    y_title="Practice",
                    statuses=list(PRACTICE_STATUSES),
                    colors=[STATUS_COLORS[s] for s in PRACTICE_STATUSES],
                    y_order=list(PRACTICES),
                ),
                practices.pivot_table(index="practice_code", columns="period", values="status", aggfunc="first")
                .reindex(list(PRACTICES))
                .reset_index(),
                key="c_practices",
                caption=" · ".join(f"{c}: {n}" for c, n in PRACTICES.items()),
            )
        if not history.empty:
            st.markdown("**Survivors engaged**")
            ui.table_view(history[["period", "survivors_text"]].rename(columns={"survivors_text": "survivors_engaged"}), key="c_survivors")
            st.caption(ui.suppression_note())
with tabs[4]:
    if tabs[4].open:
        funding = session.load(qc.funding, sid)
        if funding.empty:
            st.info("No leveraged funding reported.")
        else:
            per = funding.groupby(["period", "source_type"], as_index=False)["amount"].sum()
            ui.chart(
                charts.bar(
                    per,
                    "period",
                    "amount",
                    color="source_type",
                    value_format="$,.0f",
                    height=360,
                    title="Leveraged dollars per quarter, by source type",
                    x_title="Quarter",
                    y_title="Leveraged (US$)",
                    legend_title="Source type",
                ),
                funding,
                key="c_funding",
                column_config={"amount": ui.MONEY},
            )
with tabs[5]:
    if tabs[5].open:
        files, issues, owed = session.load(qc.reports, sid)
        missing = owed[~owed["received"]]
        if not missing.empty:
            st.warning("No accepted report for: " + md(", ".join(missing["period"])), icon=":material/assignment_late:")
        st.markdown("**Files received**")
        if files.empty:
            st.info("No file received from this subgrant.")
        else:
            ui.table_view(files.drop(columns=["submission_id"]), key="c_files")
        st.markdown("**Issues found in its files**")
        if issues.empty:
            st.info("No issue found in its files.")
        else:
            ui.table_view(issues, key="c_issues", column_config={"message": st.column_config.TextColumn(width="large")})
        st.markdown("**Reports owed**")
        ui.table_view(owed, key="c_owed", column_config={"received": st.column_config.CheckboxColumn("Received")})
with tabs[6]:
    if tabs[6].open:
        requests = session.load(qc.ta_requests, sid)
        if requests.empty:
            st.info("No TA request reported.")
        else:
            ui.table_view(requests, key="c_requests", column_config={"requested_on": st.column_config.DateColumn(format="YYYY-MM-DD")})
