"""The shared sidebar filters: quarter, award year, category, region and county, kept in the URL.

app.py draws them on every run (before the page) and stores the resulting Filters for the pages
(dashboard.session.filters()). Every page reads the same award year from here: there is no second year control.
"""

from __future__ import annotations

import streamlit as st

from dashboard import session
from stopdash.queries.overview import Filters, Options

# URL parameter → (session key, kind). Lists are repeated parameters (?region=A&region=B).
URL_FILTERS = {
    "year": ("f_year", "ints"),
    "quarter": ("f_quarter", "one"),
    "region": ("f_region", "list"),
    "county": ("f_county", "list"),
    "category": ("f_category", "list"),
}


LATEST = "latest"


def _allowed(opts: Options) -> dict[str, list[object]]:
    return {
        "year": list(opts.award_years),
        "quarter": list(opts.periods),
        "region": list(opts.regions),
        "county": [fips for fips, _, _ in opts.counties],
        "category": list(opts.categories),
    }


def _read_url(opts: Options) -> None:
    """Once per session: start the filter widgets from the URL (unknown values are dropped)."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    allowed = _allowed(opts)
    for param, (key, kind) in URL_FILTERS.items():
        raw = st.query_params.get_all(param)
        if kind == "ints":
            values: list[object] = [int(v) for v in raw if v.strip().isdigit()]
        else:
            values = [v for v in raw if v]
        values = [v for v in values if v in allowed[param]]
        if kind == "one":
            st.session_state[key] = values[-1] if values else LATEST
        else:
            st.session_state[key] = list(dict.fromkeys(values))


def _write_url(values: dict[str, list[object]]) -> None:
    """Mirror the filters in the URL (other parameters, e.g. ?subgrant=, are left alone)."""
    for param, chosen in values.items():
        text = [str(v) for v in chosen]
        if not text:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get_all(param) != text:
            st.query_params[param] = text


def _clear_filters() -> None:
    for key, _ in URL_FILTERS.values():
        st.session_state[key] = LATEST if key == "f_quarter" else []


def sidebar_filters(opts: Options, scope: tuple[str, ...] | None) -> Filters:
    _read_url(opts)
    with st.sidebar:
        st.header("Filters", divider="gray")
        periods = [LATEST, *reversed(opts.periods)]
        if st.session_state.get("f_quarter") not in periods:
            st.session_state["f_quarter"] = LATEST
        chosen = st.selectbox(
            "Quarter",
            periods,
            key="f_quarter",
            format_func=lambda p: f"Latest ({opts.latest or 'none yet'})" if p == LATEST else p,
            help="Snapshots show this quarter; trends run up to it.",
        )
        quarter = None if chosen == LATEST else chosen
        years = st.multiselect("Award year", list(opts.award_years), key="f_year", placeholder="All award years")
        categories = st.multiselect("Allocation category", list(opts.categories), key="f_category", placeholder="All categories")
        regions = st.multiselect("Region", list(opts.regions), key="f_region", placeholder="All regions")
        county_choices = [fips for fips, _, region in opts.counties if not regions or region in regions]
        st.session_state["f_county"] = [c for c in st.session_state.get("f_county", []) if c in county_choices]
        counties = st.multiselect(
            "County",
            county_choices,
            key="f_county",
            format_func=opts.county_name,
            placeholder="All counties" if not regions else "All counties in the regions",
            help="A subgrant matches when any county it serves is chosen (or, with no county chosen, is in a chosen region).",
        )
        st.button(
            "Clear filters",
            icon=":material/filter_alt_off:",
            on_click=_clear_filters,
            disabled=not (years or categories or regions or counties or quarter),
        )
    url_values: dict[str, list[object]] = {
        "year": list(years),
        "quarter": [quarter] if quarter else [],
        "region": list(regions),
        "county": list(counties),
        "category": list(categories),
    }
    _write_url(url_values)
    st.session_state[session.URL_KEY] = {k: [str(x) for x in v] for k, v in url_values.items() if v}
    return Filters(
        award_years=tuple(sorted(years)),
        period=quarter,
        regions=tuple(regions),
        counties=tuple(counties),
        categories=tuple(categories),
        scope=scope,
    )
