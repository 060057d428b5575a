"""Small display helpers shared by the pages: number formats, metrics, chart-with-table, links, downloads."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import session
from ingest.config import settings
from stopdash.exports.cells import table_csv, table_xlsx
from stopdash.suppression import SHIFT

# No plotly toolbar: its seven buttons would add seven keyboard stops per chart; the "Table" tab holds the figures.
PLOTLY_CONFIG = {
    "displayModeBar": False,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
LINK_LABEL = "Subgrant"
# Streamlit wraps long text in table cells only when rows are taller than 4rem (64 px).
WRAP_ROWS = 68


# --- Numbers ------------------------------------------------------------------------------------


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def money(value: Any) -> str:
    return "–" if missing(value) else f"${value:,.0f}"


def money_short(value: Any) -> str:
    """Dollars short enough for a metric on a laptop screen: $8.78M, $912K, $640."""
    if missing(value):
        return "–"
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"${value / size:,.3g}{unit}" if abs(value) < size * 1000 else f"${value / size:,.0f}{unit}"
    return f"${value:,.0f}"


def count(value: Any) -> str:
    return "–" if missing(value) else f"{value:,.0f}"


def share(value: Any, digits: int = 0) -> str:
    return "–" if missing(value) else f"{value:.{digits}%}"


def ratio(value: Any) -> str:
    """A leverage ratio (dollars leveraged per STOP dollar)."""
    return "–" if missing(value) else f"{value:,.3f}"


def suppression_note() -> str:
    n = settings().suppression_threshold
    return (
        f"Victim confidentiality: counts of people are protected figures. Each count from 1 to {n} in a report is "
        f"replaced by a fixed stand-in within {SHIFT} of it before anything is added up, so no two filters can be "
        f"subtracted to give a small count away; figures from 1 to {n} read “1–{n}”, and a total may differ from the "
        f"reported sum by up to {SHIFT} for each such count. No page holds victim-level session."
    )


# --- Metrics ------------------------------------------------------------------------------------

DeltaColor = Literal["normal", "inverse", "off"]  # how st.metric colours a change


def metric(
    label: str,
    value: str,
    *,
    delta: str | None = None,
    help: str | None = None,
    delta_color: DeltaColor = "normal",
    chart_data: list[float] | None = None,
) -> None:
    """A bordered metric; a zero delta ("+0 since …") reads "no change since …", without an arrow or colour."""
    arrow: Literal["auto", "off"] = "auto"
    if delta is not None and is_zero_change(delta):
        rest = delta.split(" ", 1)[1] if " " in delta else ""
        delta, delta_color, arrow = f"no change {rest}".strip(), "off", "off"
    st.metric(
        label,
        value,
        delta=delta,
        help=help,
        delta_color=delta_color,
        delta_arrow=arrow,
        border=True,
        chart_data=chart_data if chart_data and len(chart_data) > 1 else None,
        chart_type="area",
    )


def is_zero_change(delta: str) -> bool:
    head = delta.split(" ", 1)[0].lstrip("+-$").replace(",", "")
    try:
        return float(head) == 0
    except ValueError:
        return False


# --- Charts and tables --------------------------------------------------------------------------


def chart(
    fig: go.Figure, table: pd.DataFrame, *, key: str, column_config: Mapping[str, Any] | None = None, caption: str | None = None
) -> None:
    """A chart with the table behind it one click away (the "Table" tab)."""
    tab_chart, tab_table = st.tabs(["Chart", "Table"])
    with tab_chart:
        st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG, key=f"{key}_chart")
    with tab_table:
        table_view(table, column_config=column_config, key=f"{key}_table")
    if caption:
        st.caption(caption)


def table_view(
    df: pd.DataFrame,
    *,
    column_config: Mapping[str, Any] | None = None,
    key: str | None = None,
    height: int | str = "auto",
    row_height: int | None = None,
) -> None:
    """A table with readable headers ("source_file" → "Source file") unless *column_config* names the column."""
    config: dict[str, Any] = {str(c): str(c).replace("_", " ").capitalize() for c in df.columns}
    config.update(column_config or {})
    st.dataframe(df, hide_index=True, column_config=config, key=key, height=height, row_height=row_height)


def with_links(df: pd.DataFrame, key: str = "subgrant_id") -> pd.DataFrame:
    """*df* with its subgrant column turned into a link to the Community page (shown as the subgrant ID)."""
    out = df.copy()
    out[key] = [session.community_url(s) for s in out[key]]
    return out


def link_column(label: str = LINK_LABEL) -> Any:
    return st.column_config.LinkColumn(label, display_text=r"subgrant=([^&]+)", help="Open the community page of this subgrant")


MONEY = st.column_config.NumberColumn(format="dollar", step=1)
PERCENT = st.column_config.NumberColumn(format="percent", step=0.001)


def download_buttons(df: pd.DataFrame, name: str, *, key: str) -> None:
    """CSV and Excel downloads of *df* (list columns joined with "; ")."""
    flat = df.copy()
    for col in flat.columns:
        if flat[col].map(lambda v: isinstance(v, (list, tuple))).any():
            flat[col] = flat[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV",
        table_csv(flat),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    row.download_button(
        "Download Excel",
        table_xlsx(flat, name),
        file_name=f"{name}.xlsx",
        key=f"{key}_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def quarter_caption(what: str = "Figures") -> None:
    """Say which quarter the page shows."""
    period = session.period()
    st.caption(
        f"{what} for {period}, the {'selected' if session.filters().period else 'latest reported'} quarter."
        if period
        else "No progress report has been ingested yet."
    )
