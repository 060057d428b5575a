"""County boundaries and the offline county choropleth."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.colors import sample_colorscale

from dashboard.charts.geo import NO_DATA_COLOR, county_map, county_names, county_shapes

ROOT = Path(__file__).resolve().parents[1]
MN_COUNTIES = ROOT / "data" / "states" / "MN" / "counties.csv"


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    with MN_COUNTIES.open(newline="", encoding="utf-8") as f:
        return {row["fips"]: row["name"] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def values(names: dict[str, str]) -> dict[str, float | None]:
    vals: dict[str, float | None] = {g: float(i % 7) for i, g in enumerate(sorted(names))}
    vals["27137"] = 1234.0  # St. Louis: the highest
    vals["27001"] = None  # Aitkin: no data
    del vals["27003"]  # Anoka: absent, also no data
    return vals


def county_traces(fig: go.Figure) -> dict[str, go.Scatter]:
    return {t.name: t for t in fig.data if t.name != "colorbar"}


def test_minnesota_has_87_counties() -> None:
    """Minnesota (FIPS 27) yields exactly the 87 county GEOIDs, St. Louis (27137) among them."""
    shapes = county_shapes("27")
    assert len(shapes) == 87
    assert "27137" in shapes
    assert all(g.startswith("27") and len(g) == 5 for g in shapes)


def test_geoids_match_reference_data(names: dict[str, str]) -> None:
    """The shapefile's county codes are exactly those of data/states/MN/counties.csv."""
    assert set(county_shapes("27")) == set(names)


def test_rings_are_closed_lon_lat_with_at_least_four_points() -> None:
    """Every ring has at least 4 points, is closed, and lies in Minnesota's lon/lat box."""
    for geoid, rings in county_shapes("27").items():
        assert rings, geoid
        for ring in rings:
            assert len(ring) >= 4, geoid
            assert ring[0] == ring[-1], geoid
            for lon, lat in ring:
                assert -97.3 < lon < -89.4 and 43.4 < lat < 49.5, geoid


def test_shapes_are_simplified() -> None:
    """The whole state is simplified to a few thousand points at most."""
    total = sum(len(r) for rings in county_shapes("27").values() for r in rings)
    assert 500 < total < 5000


def test_shapes_are_cached_but_callers_get_copies() -> None:
    """A second call is served from the cache, and modifying one result does not affect the next."""
    first = county_shapes("27")
    first["27137"].clear()
    assert county_shapes("27")["27137"]


def test_unknown_state_is_empty() -> None:
    """A state code with no counties gives an empty mapping."""
    assert county_shapes("99") == {}


def test_county_names_from_census() -> None:
    """county_names gives the Census spelling of each county."""
    assert county_names("27")["27137"] == "St. Louis"


def test_one_trace_per_county_plus_colour_bar(values, names) -> None:
    """county_map draws one filled scatter per county and one colour-bar trace, all cartesian."""
    fig = county_map(values, names, title="Reports", value_label="Reports")
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 87 + 1
    assert all(t.type == "scatter" for t in fig.data)
    assert set(county_traces(fig)) == set(names)
    for t in county_traces(fig).values():
        assert t.fill == "toself" and t.hoveron == "fills" and t.showlegend is False
    bar = fig.data[-1]
    assert bar.name == "colorbar" and bar.marker.showscale is True
    assert bar.marker.colorbar.title.text == "Reports"
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.title.text == "Reports"


def test_highest_value_gets_top_colour(values, names) -> None:
    """The county with the highest value is filled with the scale's last colour, the lowest with its first."""
    fig = county_map(values, names, title="t", value_label="Reports")
    traces = county_traces(fig)
    top, bottom = sample_colorscale("Viridis", [1.0, 0.0])
    assert traces["27137"].fillcolor == top
    lowest = min((v, g) for g, v in values.items() if v is not None)[1]
    assert traces[lowest].fillcolor == bottom


def test_missing_values_are_grey(values, names) -> None:
    """A county whose value is None, or that is absent from values, is grey with "no data" on hover."""
    traces = county_traces(county_map(values, names, title="t", value_label="Reports"))
    for geoid in ("27001", "27003"):
        assert traces[geoid].fillcolor == NO_DATA_COLOR
        assert "no data" in traces[geoid].text
        assert names[geoid] in traces[geoid].text


def test_hover_shows_name_and_formatted_value(values, names) -> None:
    """Hovering a county shows its name and its value, formatted, with the value label."""
    trace = county_traces(county_map(values, names, title="t", value_label="Reports"))["27137"]
    assert "St. Louis" in trace.text
    assert "Reports: 1,234" in trace.text
    assert trace.hoverinfo == "text"
    money = county_traces(county_map({"27137": 2500.5}, names, title="t", value_label="Funding", value_format="$,.0f"))["27137"]
    assert "Funding: $2,500" in money.text


def test_no_data_at_all_draws_grey_map_without_colour_bar(names) -> None:
    """With no values the map still draws, every county grey, and no colour bar."""
    fig = county_map({}, names, title="t", value_label="Reports")
    assert len(fig.data) == 87
    assert {t.fillcolor for t in fig.data} == {NO_DATA_COLOR}


def test_figure_needs_no_internet(values, names) -> None:
    """The figure uses no geo subplot, map tiles or topojson, and its JSON holds no URL."""
    fig = county_map(values, names, title="t", value_label="Reports")
    text = fig.to_json()
    assert "topojson" not in text
    assert "http" not in text
    layout = fig.to_plotly_json()["layout"]
    assert not {"geo", "mapbox", "map"} & set(layout)


def test_charts_keep_their_look_whoever_set_plotlys_default_template() -> None:
    """Streamlit makes its own template plotly's default when its chart module loads (possibly after ours):
    every figure is still drawn on the white look, never on Streamlit's placeholder colours."""
    import plotly.io as pio
    import streamlit.elements.plotly_chart  # noqa: F401  (sets pio.templates.default = "streamlit")

    from dashboard.charts.figures import bar

    pio.templates.default = "streamlit"
    fig = bar(pd.DataFrame({"q": ["2026-Q1"], "n": [3]}), "q", "n", title="t", x_title="x", y_title="y")
    assert fig.layout.template.layout.to_plotly_json() == pio.templates["plotly_white"].layout.to_plotly_json()
    assert "#000001" not in fig.to_json()
