"""Overview: how the whole portfolio is doing this quarter, where, and the quarterly trends."""

from __future__ import annotations

import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from ingest.config import settings
from stopdash.escape import markdown as md
from stopdash.queries.overview import COUNTY_MEASURES, county_measures, headline, quarterly_trend

cfg = settings()
f = session.filters()
st.title(f"{cfg.state_name} STOP portfolio")
ui.quarter_caption("Headline figures")

heads = session.load(headline, f)
trend = session.load(quarterly_trend, f)

if heads.empty:
    st.info("No progress report has been ingested yet, so there are no quarterly figures. Upload reports on the Data quality page.")
    st.stop()


def _delta(row: dict) -> tuple[str | None, ui.DeltaColor]:
    """(delta text, colour rule) of one headline measure against the previous quarter."""
    now, before, kind = row["value"], row["previous"], row["kind"]
    since = f" since {row['previous_period']}"
    if row["key"] == "reports_received":
        if not row["expected"] or not row["previous_expected"]:
            return None, "off"
        change = now / row["expected"] - before / row["previous_expected"]
        return f"{change * 100:+.1f} pts{since}", "normal"
    if ui.missing(now) or ui.missing(before):
        return None, "off"
    change = now - before
    if kind == "dollars":
        text = f"{'+' if change >= 0 else '-'}{ui.money_short(abs(change))}{since}"  # short: the metric's box is narrow at 1280 px
    elif kind == "share":
        text = f"{change * 100:+.1f} pts{since}"
    elif kind == "ratio":
        text = f"{change:+.3f}{since}"
    else:
        text = f"{change:+,.0f}{since}"
    return text, "off" if row["key"] in ("communities", "stop_dollars") else "normal"


def _value(row: dict) -> str:
    kind, value = row["kind"], row["value"]
    if row["key"] == "reports_received":
        expected = row["expected"] or 0
        return f"{ui.count(value)} of {ui.count(expected)}"
    return {"dollars": ui.money, "share": ui.share, "ratio": ui.ratio}.get(kind, ui.count)(value)


rows = heads.to_dict("records")
for chunk in (rows[:4], rows[4:]):
    for col, row in zip(st.columns(4), chunk, strict=False):
        with col:
            delta, color = _delta(row)
            # No sparkline under the figure: a drawing without a text alternative; the trends are charted below, with tables.
            full = _value(row)
            shown_value = ui.money_short(row["value"]) if row["kind"] == "dollars" else full
            exact = f"{full}. " if shown_value != full else ""
            ui.metric(row["label"], shown_value, delta=delta, delta_color=color, help=f"{exact}{row['definition']}")

with st.expander("Definitions of the headline figures (for federal and state reports)"):
    st.markdown("\n".join(f"- **{r['label']}**: {r['definition']}" for r in rows))
    st.caption("The quarterly trends are charted below. The download has the figures, the previous quarter's and these definitions.")
    export = heads[["label", "value", "previous", "expected", "previous_expected", "period", "previous_period", "definition"]]
    ui.download_buttons(export, f"headline-figures-{heads['period'].iloc[0]}", key="headline")

st.header("Where")
measures = list(COUNTY_MEASURES)
left, right = st.columns([3, 2], gap="medium")
with right:
    measure = st.selectbox("Measure on the map", measures, key="map_measure", format_func=lambda m: COUNTY_MEASURES[m][0])
    label, fmt, definition = COUNTY_MEASURES[measure]
    st.caption(definition)
    counties = session.load(county_measures, f)
    shown = counties.dropna(subset=[measure]).sort_values(measure, ascending=False)
    if shown.empty:
        st.info("No county has data for this measure with these filters.")
    else:
        top = shown[["county_name", measure]].head(10).rename(columns={"county_name": "County", measure: label})
        st.markdown("**Top 10 counties**")
        column = (
            ui.MONEY
            if fmt.startswith("$")
            else ui.PERCENT
            if fmt.endswith("%")
            else st.column_config.NumberColumn(format="%.2f" if fmt.endswith("2f") else "%d")
        )
        ui.table_view(top, column_config={label: column}, key="top_counties")
with left:
    if shown.empty:
        st.info("No county to map for these filters.")
    else:
        fig = charts.county_map(
            counties,
            measure,
            title=f"{label}, {session.period()}",
            value_label=label,
            value_format=fmt,
            state_fips=cfg.state_fips,
            height=480,
        )
        ui.chart(
            fig,
            counties.rename(columns={"county_fips": "FIPS", "county_name": "County", "region": "Region"}),
            key="county_map",
            caption="Grey counties have no active subgrant matching the filters. Hover over a county for its value.",
            column_config={"stop_dollars": ui.MONEY, "leveraged_private": ui.MONEY, "protocol_share": ui.PERCENT},
        )
    unfunded = sorted(counties.loc[counties["communities"].isna(), "county_name"].dropna().astype(str))
    if unfunded:
        with st.expander(f"Counties with no funded community ({ui.count(len(unfunded))} of {ui.count(len(counties))})"):
            st.markdown("No active subgrant matching the filters serves these counties: " + md(", ".join(unfunded)) + ".")
    elif not counties.empty:
        st.caption("Every county shown has at least one funded community matching the filters.")

st.header("Quarterly trends")
if trend.empty:
    st.info("No quarterly figures for these filters.")
    st.stop()
table = trend.drop(columns=["survivors_engaged"]).rename(columns={"survivors_text": "survivors_engaged"})
reports = trend.melt(id_vars="period", value_vars=["reports_expected", "reports_received"], var_name="what", value_name="reports")
reports["what"] = reports["what"].map({"reports_expected": "Expected", "reports_received": "Received (accepted)"})
shares = trend.melt(id_vars="period", value_vars=["protocol_share", "practices_share"], var_name="what", value_name="share")
shares["what"] = shares["what"].map({"protocol_share": "Adopted protocol", "practices_share": "3+ survivor practices"})
money = trend.melt(id_vars="period", value_vars=["leveraged_private", "leveraged_total"], var_name="what", value_name="dollars")
money["what"] = money["what"].map({"leveraged_private": "Private", "leveraged_total": "All sources"})

a, b = st.columns(2, gap="medium")
with a:
    ui.chart(
        charts.bar(
            reports,
            "period",
            "reports",
            color="what",
            barmode="group",
            title="Reports received vs expected",
            x_title="Quarter",
            y_title="Reports (count)",
            legend_title="Reports",
            height=360,
        ),
        table[["period", "reports_expected", "reports_received"]],
        key="trend_reports",
    )
with b:
    ui.chart(
        charts.line(
            trend,
            "period",
            "maturity",
            title="Mean collaboration maturity",
            x_title="Quarter",
            y_title="Mean score (1–5)",
            value_format=".2f",
            y_range=(1, 5),
        ),
        table[["period", "communities_reporting", "maturity"]],
        key="trend_maturity",
        caption="Scores: 1 Networking · 2 Cooperation · 3 Coordination · 4 Coalition · 5 Collaboration.",
    )
c, d = st.columns(2, gap="medium")
with c:
    ui.chart(
        charts.line(
            shares,
            "period",
            "share",
            color="what",
            title="Share of reporting communities",
            x_title="Quarter",
            y_title="Communities (%)",
            value_format=".0%",
            y_range=(0, 1),
            legend_title="With",
        ),
        table[["period", "communities_reporting", "protocol_share", "practices_share"]],
        key="trend_shares",
        column_config={"protocol_share": ui.PERCENT, "practices_share": ui.PERCENT},
    )
with d:
    ui.chart(
        charts.line(
            money,
            "period",
            "dollars",
            color="what",
            title="Leveraged dollars per quarter",
            x_title="Quarter",
            y_title="Leveraged (US$)",
            value_format="$,.0f",
            legend_title="Funding",
        ),
        table[["period", "leveraged_private", "leveraged_total", "leverage_ratio"]],
        key="trend_money",
        column_config={"leveraged_private": ui.MONEY, "leveraged_total": ui.MONEY},
    )
