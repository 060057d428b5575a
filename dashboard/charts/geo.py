"""County boundaries and an offline county choropleth (engine side: no streamlit here).

Boundaries come from the Census 2016 cartographic boundary county file
(1:500,000) that the ``plotly-geo`` package ships, read with pyshp. The map is
drawn as filled polygons on plain cartesian axes, so it needs no internet
access: plotly's geo subplots (``go.Choropleth``) and map tiles would make the
browser fetch topojson or tiles from a CDN, which locked-down networks block.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import plotly.graph_objects as go
import shapefile
from plotly.colors import sample_colorscale

from dashboard.charts import theme
from stopdash.escape import plotly

__all__ = ["NO_DATA_COLOR", "SIMPLIFY_TOLERANCE", "county_map", "county_names", "county_shapes"]

Point = tuple[float, float]
Ring = list[Point]

# Douglas–Peucker tolerance, in degrees (about 1 km north–south).
SIMPLIFY_TOLERANCE = 0.01
NO_DATA_COLOR = "#d9d9d9"
_BORDER_COLOR = "#ffffff"
_COUNTY_FILE = "cb_2016_us_county_500k"


def _shapefile_base() -> str:
    """Path (without extension) of the county shapefile inside the plotly-geo package."""
    return str(resources.files("_plotly_geo") / "package_data" / _COUNTY_FILE)


def _signed_area(ring: Ring) -> float:
    """Shoelace area; negative for clockwise rings (shapefile outer rings are clockwise)."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))


def _split_rings(points: list[Point], parts: list[int]) -> list[Ring]:
    bounds = [*parts, len(points)]
    return [[(float(x), float(y)) for x, y in points[a:b]] for a, b in itertools.pairwise(bounds)]


def _seg_dist(p: Point, a: Point, b: Point) -> float:
    """Distance from p to the segment a–b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    seg2 = dx * dx + dy * dy
    if seg2 == 0.0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / seg2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _douglas_peucker(points: Ring, tol: float) -> Ring:
    """Douglas–Peucker simplification of an open polyline (iterative, keeps both ends)."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        a, b = points[first], points[last]
        best, index = -1.0, -1
        for i in range(first + 1, last):
            d = _seg_dist(points[i], a, b)
            if d > best:
                best, index = d, i
        if index != -1 and best > tol:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _simplify_ring(ring: Ring, tol: float) -> Ring:
    """Simplify a closed ring; the result is closed (first == last point).

    The ring is cut at the vertex farthest from its start, and each half is
    simplified on its own (Douglas–Peucker needs two distinct end points).
    """
    if ring[0] != ring[-1]:
        ring = ring + ring[:1]
    if len(ring) <= 4:
        return ring
    start = ring[0]
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - start[0]) ** 2 + (ring[i][1] - start[1]) ** 2)
    first = _douglas_peucker(ring[: far + 1], tol)
    second = _douglas_peucker(ring[far:], tol)
    return first + second[1:]


@lru_cache(maxsize=8)
def _load_state(state_fips: str, tol: float) -> tuple[dict[str, tuple[tuple[Point, ...], ...]], dict[str, str]]:
    """Simplified outer rings and Census names of one state's counties, by 5-digit GEOID."""
    shapes: dict[str, tuple[tuple[Point, ...], ...]] = {}
    names: dict[str, str] = {}
    with shapefile.Reader(_shapefile_base()) as reader:
        wanted = [i for i, rec in enumerate(reader.iterRecords(fields=["STATEFP"])) if rec[0] == state_fips]
        for i in wanted:
            rec = reader.record(i)
            shape = reader.shape(i)
            geoid = rec["GEOID"]
            names[geoid] = rec["NAME"]
            rings = _split_rings(shape.points, list(shape.parts))
            outer = [r for r in rings if len(r) >= 4 and _signed_area(r) < 0] or rings
            simplified: list[Ring] = []
            for ring in outer:
                small = _simplify_ring(ring, tol)
                if len(small) >= 4:
                    simplified.append(small)
            if not simplified:  # every ring collapsed: keep the largest one unsimplified
                simplified = [max(outer, key=lambda r: abs(_signed_area(r)))]
            # Largest ring first; islands smaller than the tolerance box are dropped.
            simplified.sort(key=lambda r: -abs(_signed_area(r)))
            kept = [simplified[0]] + [
                r
                for r in simplified[1:]
                if (max(x for x, _ in r) - min(x for x, _ in r)) > tol or (max(y for _, y in r) - min(y for _, y in r)) > tol
            ]
            shapes[geoid] = tuple(tuple(r) for r in kept)
    return shapes, names


def county_shapes(state_fips: str) -> dict[str, list[list[tuple[float, float]]]]:
    """GEOID → outer rings (lists of (lon, lat), closed) of every county of ``state_fips``.

    Rings are simplified with Douglas–Peucker at :data:`SIMPLIFY_TOLERANCE` degrees;
    holes (inner rings) are dropped. The file is read once per state (cached);
    each call returns fresh lists, so callers may modify them. An unknown state
    code yields an empty dict.
    """
    shapes, _ = _load_state(str(state_fips).zfill(2), SIMPLIFY_TOLERANCE)
    return {geoid: [list(r) for r in rings] for geoid, rings in shapes.items()}


def county_names(state_fips: str) -> dict[str, str]:
    """GEOID → county name as spelled in the Census file (e.g. "27137" → "St. Louis")."""
    _, names = _load_state(str(state_fips).zfill(2), SIMPLIFY_TOLERANCE)
    return dict(names)


def _format(value: float, spec: str) -> str:
    """Format with a spec that is valid in both Python and d3 (",.0f", ".1%", "$,.0f")."""
    try:
        if spec.startswith("$"):
            text = format(abs(value), spec[1:])
            return ("-$" if value < 0 else "$") + text
        return format(value, spec)
    except (ValueError, TypeError):
        return f"{value:,.2f}".rstrip("0").rstrip(".")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _polygon_xy(rings: Iterable[Iterable[Point]], kx: float) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        if xs:
            xs.append(None)
            ys.append(None)
        for lon, lat in ring:
            xs.append(lon * kx)
            ys.append(lat)
    return xs, ys


def county_map(
    values: dict[str, float | None],
    names: dict[str, str],
    *,
    title: str,
    value_label: str,
    value_format: str = ",.0f",
    state_fips: str = "27",
    colorscale: str = "Viridis",
    height: int = 520,
) -> go.Figure:
    """A county choropleth that draws with no internet access.

    ``values`` maps 5-digit county FIPS (GEOID) to a number, or None for "no data";
    counties of the state absent from ``values`` are "no data" too, and keys
    outside the state are ignored. ``names`` maps GEOID to the display name
    (the Census name is used when missing). ``value_format`` is a format spec
    understood by both Python and d3 (``",.0f"``, ``",.1f"``, ``".0%"``,
    ``"$,.0f"``): it formats the hover text and the colour-bar ticks.

    The figure holds one filled ``go.Scatter`` per county, in GEOID order, named
    by GEOID (``trace.name``) and carrying the county's value in ``customdata``,
    then, when at least one county has a value, one invisible trace that draws
    the colour bar. Low values get the scale's first colour, the highest value
    its last; counties without a value are :data:`NO_DATA_COLOR`.
    """
    fips = str(state_fips).zfill(2)
    shapes, census_names = _load_state(fips, SIMPLIFY_TOLERANCE)
    if not shapes:
        raise ValueError(f"no counties found for state FIPS {fips!r}")

    lats = [lat for rings in shapes.values() for ring in rings for _, lat in ring]
    lons = [lon for rings in shapes.values() for ring in rings for lon, _ in ring]
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))

    numbers = {g: float(v) for g, v in values.items() if g in shapes and v is not None and _is_number(v)}
    if numbers:
        cmin, cmax = min(numbers.values()), max(numbers.values())
        if cmin == cmax:  # one value everywhere: scale from 0 (or span 1) so the bar is drawable
            cmin, cmax = (0.0, cmax) if cmax > 0 else (cmax, cmax + 1.0)
    else:
        cmin, cmax = 0.0, 1.0

    fig = theme.figure()
    for geoid in sorted(shapes):
        name = plotly(names.get(geoid) or census_names.get(geoid, geoid))  # plotly renders HTML in hover text
        value = numbers.get(geoid)
        if value is None:
            color = NO_DATA_COLOR
            text = f"<b>{name}</b><br>{plotly(value_label)}: no data"
        else:
            t = (value - cmin) / (cmax - cmin)
            color = sample_colorscale(colorscale, [min(1.0, max(0.0, t))])[0]
            text = f"<b>{name}</b><br>{plotly(value_label)}: {_format(value, value_format)}"
        xs, ys = _polygon_xy(shapes[geoid], kx)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=color,
                line={"color": _BORDER_COLOR, "width": 0.6},
                name=geoid,
                text=text,  # a single string: shown when hovering anywhere inside the fill
                customdata=[value],
                hoveron="fills",
                hoverinfo="text",
                showlegend=False,
            )
        )

    if numbers:
        fig.add_trace(
            go.Scatter(
                x=[min(lons) * kx],
                y=[min(lats)],
                mode="markers",
                marker={
                    "size": 0,
                    "opacity": 0,
                    "color": [cmin],
                    "colorscale": colorscale,
                    "cmin": cmin,
                    "cmax": cmax,
                    "showscale": True,
                    "colorbar": {
                        "title": {"text": plotly(value_label), "side": "right"},
                        "tickformat": value_format,
                        "thickness": 14,
                        "len": 0.8,
                        "outlinewidth": 0,
                    },
                },
                name="colorbar",
                hoverinfo="skip",
                showlegend=False,
            )
        )

    missing = len(shapes) - len(numbers)
    note = None
    if not numbers:
        note = "No data for any county"
    elif missing:
        note = f"Grey: no data ({missing} {'county' if missing == 1 else 'counties'})"
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 30 if note else 10},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="closest",
        showlegend=False,
        xaxis={"visible": False, "showgrid": False, "zeroline": False},
        yaxis={"visible": False, "showgrid": False, "zeroline": False, "scaleanchor": "x", "scaleratio": 1},
        annotations=[
            {
                "text": note,
                "x": 0,
                "y": 0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "top",
                "yshift": -4,
                "showarrow": False,
                "font": {"size": 11, "color": "#595959"},
            }
        ]
        if note
        else [],
    )
    return fig
