"""Small display helpers shared by the pages: number formats, metrics, chart-with-table, long tables, links, downloads."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlparse

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
# A table first shows this many rows (the most in need of attention first: the callers sort so); a search box and
# "Rows shown" choice give the rest on request, so no page draws more than a screenful of rows unasked.
FIRST_ROWS = 15
ROW_PX = 35  # st.dataframe's default row height
COMMUNITY_PAGE = Path(__file__).parent / "views" / "community.py"


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
    fig: go.Figure,
    table: pd.DataFrame | Callable[[], pd.DataFrame],
    *,
    key: str,
    column_config: Mapping[str, Any] | None = None,
    caption: str | None = None,
    order: str | None = None,
) -> None:
    """A chart with the table behind it one click away (the "Table" tab); *order* says how a long table is sorted.

    The table is drawn only while its tab is open: every hidden grid was drawn by the browser on each page open
    (a tenth to a fifth of a page's fresh-open time). A *table* that is costly to make (a pivot of every
    community) may be given as a function, called only then. Its tab's state is ``st.session_state[f"{key}_tabs"]``."""
    tab_chart, tab_table = st.tabs(["Chart", "Table"], key=f"{key}_tabs", on_change="rerun")
    with tab_chart:
        st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG, key=f"{key}_chart")
    with tab_table:
        if tab_table.open:
            table_view(table() if callable(table) else table, column_config=column_config, key=f"{key}_table", order=order)
    if caption:
        st.caption(caption)


def table_view(
    df: pd.DataFrame,
    *,
    column_config: Mapping[str, Any] | None = None,
    key: str | None = None,
    height: int | str = "auto",
    row_height: int | None = None,
    order: str | None = None,
) -> None:
    """A table with readable headers ("source_file" → "Source file") unless *column_config* names the column.

    A table of more than FIRST_ROWS rows becomes a long table (first rows, search, more on request); a table
    that links to communities gets a keyboard-operable "Open a community" control below it.
    """
    if key is not None and height == "auto" and len(df) > FIRST_ROWS:
        long_table(df, key=key, column_config=column_config, row_height=row_height, order=order)
        return
    _grid(df, column_config=column_config, key=key, height=height, row_height=row_height)
    if key is not None and _link_column(df) is not None:
        open_community(df, key=key)


def _grid(df: pd.DataFrame, *, column_config: Mapping[str, Any] | None, key: str | None, height: int | str, row_height: int | None) -> None:
    config: dict[str, Any] = {str(c): readable_header(str(c)) for c in df.columns}
    for name, given in (column_config or {}).items():
        # A shared format (MONEY, PERCENT) carries no label: keep the readable header rather than the column's name.
        config[name] = {**given, "label": config.get(name, name)} if isinstance(given, dict) and not given.get("label") else given
    drawn: Any = table_height(len(df), row_height) if height == "auto" else height
    st.dataframe(df, hide_index=True, column_config=config, key=key, height=drawn, row_height=row_height)


def readable_header(name: str) -> str:
    """A column name in words ("source_file" → "Source file"); a header already in words (an award number) is kept as it is."""
    return name.replace("_", " ").capitalize() if name == name.lower() else name


def table_height(rows: int, row_height: int | None = None) -> int:
    """Pixels for at most FIRST_ROWS rows and the header: more rows scroll inside the grid, not down the page."""
    return (min(rows, FIRST_ROWS) + 1) * (row_height or ROW_PX) + 3


def long_table(
    df: pd.DataFrame,
    *,
    key: str,
    column_config: Mapping[str, Any] | None = None,
    row_height: int | None = None,
    search: Sequence[str] = ("subgrant_id", "community", "label"),
    noun: str = "rows",
    order: str | None = None,
) -> None:
    """The first FIRST_ROWS rows of *df* (sorted by the caller, most in need first), a search box over the *search*
    columns and a "Rows shown" choice (first 15, first 50, all); a rerun of these controls redraws this table only."""
    _long_table(df, key, dict(column_config or {}), row_height, tuple(search), noun, order)


@st.fragment
def _long_table(
    df: pd.DataFrame,
    key: str,
    column_config: dict[str, Any],
    row_height: int | None,
    search: tuple[str, ...],
    noun: str,
    order: str | None,
) -> None:
    total = len(df)
    if _link_column(df) is not None and noun == "rows":
        noun = "communities"
    row = st.container(horizontal=True, vertical_alignment="bottom")
    query = row.text_input(f"Search {noun}", key=f"{key}_search", placeholder="Subgrant ID or name", width=320)
    choices = [n for n in (FIRST_ROWS, 50) if n < total] + [total]
    wanted = row.selectbox(
        "Rows shown",
        choices,
        format_func=lambda n: f"All {n:,}" if n == total else f"First {n}",
        key=f"{key}_rows",
        width=160,
    )
    found = df
    if query.strip():
        columns = [c for c in search if c in df.columns]
        words = query.strip().lower()
        hit = pd.Series(False, index=df.index)
        for c in columns:
            text = df[c].map(lambda v: _subgrant_of(v) if isinstance(v, str) else ("" if missing(v) else str(v)))
            hit |= text.str.lower().str.contains(words, regex=False)
        found = df[hit]
    shown = found.head(int(wanted))
    matching = f" matching “{query.strip()}”" if query.strip() else ""
    st.caption(f"Showing {len(shown):,} of {len(found):,} {noun}{matching}" + (f", {order}." if order else "."))
    if found.empty:
        st.info(f"No {noun} match “{query.strip()}”. Try part of a subgrant ID or a name, or clear the search box.")
        return
    _grid(shown, column_config=column_config, key=f"{key}_grid", height="auto", row_height=row_height)
    if _link_column(shown) is not None:
        open_community(shown, key=key)


def _subgrant_of(value: str) -> str:
    """The subgrant ID of a Community page link (as with_links makes them), or *value* itself."""
    if value.startswith("community?"):
        return parse_qs(urlparse(value).query).get("subgrant", [value])[0]
    return value


def _link_column(df: pd.DataFrame) -> str | None:
    """The column of *df* holding Community page links, if any."""
    for c in df.columns:
        values = df[c].dropna()
        if len(values) and isinstance(values.iloc[0], str) and values.iloc[0].startswith("community?"):
            return str(c)
    return None


def open_community(df: pd.DataFrame, *, key: str) -> None:
    """A keyboard-operable way to open a community of the table (its canvas grid is out of reach of the Tab key):
    a choice of the rows shown and a link to the chosen community's page."""
    column = _link_column(df)
    if column is None:
        return
    links = list(dict.fromkeys(df[column].dropna()))
    names = df.drop_duplicates(column).set_index(column)["community"] if "community" in df.columns else None

    def label(url: str) -> str:
        name = names.get(url) if names is not None else None
        return f"{_subgrant_of(url)} · {name}" if isinstance(name, str) and name else _subgrant_of(url)

    row = st.container(horizontal=True, vertical_alignment="bottom")
    url = row.selectbox("Open a community from this table", links, format_func=label, key=f"{key}_open", width=360)
    if url:
        params = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(urlparse(url).query).items()}
        row.page_link(COMMUNITY_PAGE, label=f"Open {_subgrant_of(url)}", icon=":material/arrow_forward:", query_params=params)


def with_links(df: pd.DataFrame, key: str = "subgrant_id") -> pd.DataFrame:
    """*df* with its subgrant column turned into a link to the Community page (shown as the subgrant ID)."""
    out = df.copy()
    out[key] = [session.community_url(s) for s in out[key]]
    return out


def link_column(label: str = LINK_LABEL) -> Any:
    return st.column_config.LinkColumn(label, display_text=r"subgrant=([^&]+)", help="Open the community page of this subgrant")


MONEY = st.column_config.NumberColumn(format="dollar", step=1)
PERCENT = st.column_config.NumberColumn(format="percent", step=0.001)


@st.cache_data(show_spinner=False, max_entries=256)
def _file(flat: pd.DataFrame, name: str, kind: str) -> bytes:
    """One download's bytes, made once per table and kept for every later run and session."""
    return table_csv(flat) if kind == "csv" else table_xlsx(flat, name)


def download_buttons(df: pd.DataFrame, name: str, *, key: str) -> None:
    """CSV and Excel downloads of *df* (list columns joined with "; ").

    The files are made once per table and cached: making both on every run of a page cost the server more
    than drawing it. (A callable, made on the click, was tried: a click just after a rerun was lost, as
    the rerun had dropped the file the button still pointed to.)"""
    flat = df.copy()
    for col in flat.columns:
        if flat[col].map(lambda v: isinstance(v, (list, tuple))).any():
            flat[col] = flat[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV",
        _file(flat, name, "csv"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    row.download_button(
        "Download Excel",
        _file(flat, name, "xlsx"),
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
