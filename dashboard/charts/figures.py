"""DataFrame in, plotly Figure out: every chart of the dashboard (engine side: no streamlit).

Every figure has a title, axis titles with units, formatted numbers ($, %)
and colour-blind-safe colours: Okabe-Ito for categories, Viridis/Cividis for
ordered values. Nothing here needs the internet (the map is drawn by
:func:`dashboard.charts.geo.county_map` as plain polygons).

Plotly renders a subset of HTML in trace names, hover texts and tick labels, so
every builder escapes the text it is given (:func:`stopdash.escape.plotly`):
the data's text columns, category orders, colour keys and labels. Pass raw
values; a line break in a label (:func:`wrap`) becomes plotly's ``<br>``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import geo, theme
from stopdash.escape import plotly, plotly_values

__all__ = [
    "OKABE_ITO",
    "bar",
    "county_map",
    "diverging_bar",
    "heatmap",
    "line",
    "status_matrix",
    "with_labels",
    "wrap",
]

# Okabe & Ito (2008), ordered so the first colours contrast best on white; yellow comes late.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
RISE, FALL = "#0072B2", "#D55E00"
SEQUENTIAL = "Viridis"
FONT = {"family": "Source Sans, Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": "#262730"}


def with_labels(df: pd.DataFrame, name: str = "community", key: str = "subgrant_id") -> pd.DataFrame:
    """Add a ``label`` column: the community's name, with the subgrant ID when two subgrants share a name."""
    out = df.copy()
    if out.empty:
        out["label"] = pd.Series(dtype="object")
        return out
    shared = out.groupby(name)[key].transform("nunique") > 1
    out["label"] = out[name].where(~shared, out[name] + " [" + out[key] + "]")
    return out


def _escaped(df: pd.DataFrame) -> pd.DataFrame:
    """*df* with every text value escaped for plotly (numbers, dates and missing values unchanged)."""
    out = df.copy()
    for col in out.columns:
        kind = out[col].dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)):
            out[col] = pd.Series(plotly_values(out[col]), index=out.index, dtype=object)
    return out


def _order(values: Sequence[object] | None) -> list[object] | None:
    return None if values is None else plotly_values(values)


def _keys(mapping: dict[str, str] | None) -> dict[str, str] | None:
    return None if mapping is None else {plotly(k): v for k, v in mapping.items()}


def _in_template(text: object) -> str:
    """Escaped text placed inside a hovertemplate: a "%" is written as an entity so "%{...}" stays text."""
    return plotly(text).replace("%", "&#37;")


def _layout(
    fig: go.Figure,
    title: str,
    x_title: str | None,
    y_title: str | None,
    *,
    height: int,
    legend_title: str | None = None,
    note: str | None = None,
) -> go.Figure:
    fig.update_layout(
        title={
            "text": title,
            "x": 0.0,
            "xanchor": "left",
            "font": {"size": 16},
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
        },
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10 if not note else 40},
        hoverlabel={"font_size": 13},
        separators=".,",
    )
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    _place_legend(fig, legend_title, height)
    if note:
        fig.add_annotation(
            text=note,
            x=0,
            y=0,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            yshift=-30,
            showarrow=False,
            font={"size": 11, "color": "#595959"},
        )
    return fig


def _place_legend(fig: go.Figure, legend_title: str | None, height: int, width_hint: int = 700) -> None:
    """Put the legend in rows under the title (not over it), reserving the room it needs."""
    names = [str(t.name) for t in fig.data if t.showlegend is not False and t.name]
    if legend_title is None or not names:
        fig.update_layout(showlegend=False)
        return
    rows, used = 1, len(legend_title) * 8.0 + 20
    for name in names:
        item = len(name) * 7.5 + 45
        if used + item > width_hint:
            rows, used = rows + 1, 0.0
        used += item
    fig.update_layout(
        showlegend=True,
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 1 - 42 / height,
            "yanchor": "top",
            "xref": "container",
            "x": 0.01,
            "xanchor": "left",
            "traceorder": "normal",
            "title": {"text": legend_title},
        },
        margin={"t": 48 + 22 * rows},
    )


def _colors(values: Sequence[object], colors: dict[str, str] | None) -> dict[str, str]:
    colors = dict(colors or {})
    free = [c for c in OKABE_ITO if c not in colors.values()]
    for i, v in enumerate(dict.fromkeys(str(x) for x in values if str(x) not in colors)):
        colors[v] = free[i % len(free)]
    return colors


def _tickformat(value_format: str) -> str:
    """Axis ticks: dollars and plain counts abbreviated ($1.2M, 12k); shares and ratios as given."""
    if value_format.startswith("$"):
        return "$~s"
    return value_format


def bar(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    horizontal: bool = False,
    value_format: str = ",.0f",
    order: Sequence[object] | None = None,
    color_order: Sequence[object] | None = None,
    colors: dict[str, str] | None = None,
    barmode: str = "stack",
    legend_title: str | None = None,
    hover: str | None = None,
    height: int | None = None,
    note: str | None = None,
    show_values: bool = False,
) -> go.Figure:
    """Bars of *y* by *x* (stacked by *color*). With ``horizontal`` the categories (*x*) run down the side.

    *value_format* is a d3 format for the values ("$,.0f", ".0%", ",.0f"); *hover* names a text column
    added to the tooltip; *show_values* writes each bar's value at its end.
    """
    df, order, color_order, colors = _escaped(df), _order(order), _order(color_order), _keys(colors)
    fig = theme.figure()
    groups = [(None, df)] if color is None else [(key, df[df[color] == key]) for key in (color_order or list(dict.fromkeys(df[color])))]
    palette = _colors([g for g, _ in groups if g is not None], colors)
    value_axis = "x" if horizontal else "y"
    for key, part in groups:
        if part.empty and key is not None:
            continue
        extra = "<br>%{customdata}" if hover else ""
        fig.add_trace(
            go.Bar(
                x=part[y] if horizontal else part[x],
                y=part[x] if horizontal else part[y],
                orientation="h" if horizontal else "v",
                name=str(key) if key is not None else y_title,
                marker_color=palette.get(str(key), OKABE_ITO[0]) if key is not None else OKABE_ITO[0],
                customdata=part[hover] if hover else None,
                texttemplate=f"%{{{value_axis}:{value_format}}}" if show_values else None,
                textposition="outside" if show_values else None,
                cliponaxis=False,
                hovertemplate=(
                    f"%{{{'y' if horizontal else 'x'}}}<br>"
                    + (f"{_in_template(key)}: " if key is not None else f"{y_title}: ")
                    + f"%{{{value_axis}:{value_format}}}{extra}<extra></extra>"
                ),
                showlegend=key is not None,
            )
        )
    n = df[x].nunique() if not df.empty else 1
    if height is None:
        height = max(320, 26 * n + 140) if horizontal else 400
    _layout(
        fig,
        title,
        y_title if horizontal else x_title,
        x_title if horizontal else y_title,
        height=height,
        legend_title=legend_title if color else None,
        note=note,
    )
    fig.update_layout(barmode=barmode, bargap=0.25)
    categories = list(order) if order is not None else None
    if horizontal:
        fig.update_xaxes(tickformat=_tickformat(value_format), rangemode="tozero")
        fig.update_yaxes(
            autorange="reversed", type="category", **({"categoryorder": "array", "categoryarray": categories} if categories else {})
        )
    else:
        fig.update_yaxes(tickformat=_tickformat(value_format), rangemode="tozero")
        fig.update_xaxes(type="category", **({"categoryorder": "array", "categoryarray": categories} if categories else {}))
    return fig


def line(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    value_format: str = ",.0f",
    y_range: tuple[float, float] | None = None,
    colors: dict[str, str] | None = None,
    legend_title: str | None = None,
    height: int = 360,
    note: str | None = None,
) -> go.Figure:
    """Lines with markers of *y* over *x* (quarters), one per *color* group. Gaps stay gaps."""
    df, colors = _escaped(df), _keys(colors)
    fig = theme.figure()
    groups = [(None, df)] if color is None else list(df.groupby(color, sort=False))
    palette = _colors([g for g, _ in groups if g is not None], colors)
    for key, part in groups:
        fig.add_trace(
            go.Scatter(
                x=part[x],
                y=part[y],
                mode="lines+markers",
                name=str(key) if key is not None else y_title,
                line={"color": palette.get(str(key), OKABE_ITO[0]) if key is not None else OKABE_ITO[0], "width": 2.5},
                marker={"size": 7},
                connectgaps=False,
                hovertemplate=f"%{{x}}<br>{_in_template(key) if key is not None else y_title}: %{{y:{value_format}}}<extra></extra>",
                showlegend=key is not None,
            )
        )
    _layout(fig, title, x_title, y_title, height=height, legend_title=legend_title if color else None, note=note)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=_tickformat(value_format), rangemode="tozero")
    if y_range:
        fig.update_yaxes(range=list(y_range))
    return fig


def heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    z: str,
    *,
    title: str,
    x_title: str,
    y_title: str,
    value_label: str,
    value_format: str = ",.0f",
    x_order: Sequence[object] | None = None,
    y_order: Sequence[object] | None = None,
    zmin: float | None = None,
    zmax: float | None = None,
    colorscale: str = SEQUENTIAL,
    x_labels: dict[str, str] | None = None,
    show_values: bool = True,
) -> go.Figure:
    """A grid of *z* for each (*x*, *y*), e.g. community by indicator score; empty cells stay blank."""
    df, x_order, y_order = _escaped(df), _order(x_order), _order(y_order)
    x_labels = None if x_labels is None else {plotly(k): plotly(v) for k, v in x_labels.items()}
    grid = df.pivot_table(index=y, columns=x, values=z, aggfunc="first")
    if x_order is not None:
        grid = grid.reindex(columns=[c for c in x_order if c in grid.columns])
    if y_order is not None:
        grid = grid.reindex([r for r in y_order if r in grid.index])
    names = [x_labels.get(str(c), str(c)) if x_labels else str(c) for c in grid.columns]
    values = grid.to_numpy(dtype="float64")
    fig = theme.figure(
        go.Heatmap(
            z=values,
            x=[str(c) for c in grid.columns],
            y=[str(r) for r in grid.index],
            zmin=zmin,
            zmax=zmax,
            colorscale=colorscale,
            xgap=1,
            ygap=1,
            customdata=[[names[j] for j in range(len(names))] for _ in grid.index],
            text=[[("" if pd.isna(v) else format(v, value_format.lstrip("$"))) for v in row] for row in values] if show_values else None,
            texttemplate="%{text}" if show_values else None,
            hovertemplate=f"%{{y}}<br>%{{customdata}}<br>{value_label}: %{{z:{value_format}}}<extra></extra>",
            colorbar={
                "title": {"text": value_label, "side": "right"},
                "tickformat": value_format,
                "thickness": 14,
                "len": min(1.0, max(0.3, 400 / max(1, 22 * len(grid.index)))),
                "y": 1,
                "yanchor": "top",
                **({"dtick": 1} if value_format.endswith("0f") else {}),
            },
        )
    )
    height = max(320, 22 * len(grid.index) + 170)
    _layout(fig, title, x_title, y_title, height=height)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top", title_standoff=4)
    fig.update_layout(margin={"t": 110})
    return fig


def status_matrix(
    df: pd.DataFrame,
    x: str,
    y: str,
    status: str,
    *,
    title: str,
    x_title: str,
    y_title: str,
    statuses: Sequence[str],
    colors: Sequence[str],
    x_order: Sequence[object] | None = None,
    y_order: Sequence[object] | None = None,
    x_labels: dict[str, str] | None = None,
) -> go.Figure:
    """A grid of categories (e.g. practice status) with a legend that names each colour."""
    df, x_order, y_order = _escaped(df), _order(x_order), _order(y_order)
    x_labels = None if x_labels is None else {plotly(k): plotly(v) for k, v in x_labels.items()}
    statuses = [plotly(s) for s in statuses]
    codes = {s: i for i, s in enumerate(statuses)}
    coded = df.assign(_code=df[status].map(codes))
    grid = coded.pivot_table(index=y, columns=x, values="_code", aggfunc="first")
    if x_order is not None:
        grid = grid.reindex(columns=[c for c in x_order if c in grid.columns])
    if y_order is not None:
        grid = grid.reindex([r for r in y_order if r in grid.index])
    k = len(statuses)
    scale = []
    for i, c in enumerate(colors[:k]):
        scale += [[i / k, c], [(i + 1) / k, c]]
    names = [x_labels.get(str(c), str(c)) if x_labels else str(c) for c in grid.columns]
    values = grid.to_numpy(dtype="float64")
    fig = theme.figure(
        go.Heatmap(
            z=values,
            x=[str(c) for c in grid.columns],
            y=[str(r) for r in grid.index],
            zmin=-0.5,
            zmax=k - 0.5,
            colorscale=scale,
            showscale=False,
            xgap=1,
            ygap=1,
            customdata=[
                [f"{names[j]}: {statuses[int(v)] if not pd.isna(v) else 'not reported'}" for j, v in enumerate(row)] for row in values
            ],
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
    )
    for s, c in zip(statuses, colors, strict=False):  # legend entries for the colours
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="markers", name=s, marker={"size": 12, "color": c, "symbol": "square"}, showlegend=True)
        )
    height = max(320, 22 * len(grid.index) + 190)
    _layout(fig, title, x_title, y_title, height=height, legend_title="Status")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    fig.update_layout(
        margin={"t": 110}, legend={"x": 1, "xanchor": "right", "y": 1, "yanchor": "top", "yref": "container", "title": {"text": ""}}
    )
    return fig


def diverging_bar(
    df: pd.DataFrame,
    label: str,
    value: str,
    *,
    title: str,
    x_title: str,
    value_format: str = "+.2f",
    hover: str | None = None,
    rise_name: str = "Rose",
    fall_name: str = "Fell",
) -> go.Figure:
    """Horizontal bars right (blue) for rises and left (vermillion) for falls, largest first."""
    df = _escaped(df)
    fig = theme.figure()
    for name, part, c in ((rise_name, df[df[value] >= 0], RISE), (fall_name, df[df[value] < 0], FALL)):
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=part[value],
                y=part[label],
                orientation="h",
                name=name,
                marker_color=c,
                customdata=part[hover] if hover else None,
                hovertemplate="%{y}<br>Change: %{x:" + value_format + "}" + ("<br>%{customdata}" if hover else "") + "<extra></extra>",
            )
        )
    height = max(320, 26 * len(df) + 140)
    _layout(fig, title, x_title, None, height=height, legend_title="")
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=list(df[label]))
    fig.update_xaxes(tickformat=value_format, zeroline=True, zerolinecolor="#595959", zerolinewidth=1)
    return fig


def county_map(
    df: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_label: str,
    value_format: str,
    state_fips: str,
    height: int = 520,
) -> go.Figure:
    """The county choropleth of one measure (rows: county_fips, county_name, *value*); draws offline."""
    values = {str(r.county_fips): (None if pd.isna(getattr(r, value)) else float(getattr(r, value))) for r in df.itertuples()}
    names = {str(r.county_fips): str(r.county_name) for r in df.itertuples()}
    fig = geo.county_map(
        values,
        names,
        title=title,
        value_label=value_label,
        value_format=value_format,
        state_fips=state_fips,
        colorscale=SEQUENTIAL,
        height=height,
    )
    fig.update_layout(font=FONT, title={"font": {"size": 16}})
    return fig


def wrap(text: str, width: int = 28) -> str:
    """Break a long label into lines of at most about *width* characters (a builder draws each break as plotly's <br>)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)
