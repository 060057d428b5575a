"""stopdash dashboard: page config, the page list and navigation; the shared sidebar filters are dashboard/filters.py.

Run it with `stopdash demo`, or: STOPDASH_DB=data/stopdash.duckdb python -m streamlit run dashboard/app.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(_ROOT))

from dataclasses import replace  # noqa: E402

from dashboard import session  # noqa: E402
from dashboard.auth import current_access, sidebar_badge  # noqa: E402
from dashboard.filters import sidebar_filters  # noqa: E402
from stopdash.escape import markdown  # noqa: E402
from stopdash.queries.overview import database_problem, filter_options  # noqa: E402

# Streamlit's own table toolbar ("Download as CSV", and copying cells) would write grantee text raw, formula-like
# cells included; the app's own downloads (ui.download_buttons) keep them inert. The project's config.toml turns it
# off; this covers a server started without that file. The browser learns the option when a run starts, so rerun once.
if not st.get_option("client.disableDataExport"):
    st.set_option("client.disableDataExport", True)
    st.rerun()

# An emoji favicon is drawn locally; a :material/...: one would be fetched from fonts.gstatic.com.
st.set_page_config(layout="wide", page_title="stopdash", page_icon="🤝")

# The page files live in dashboard/views/, not dashboard/pages/: Streamlit (1.67) treats a folder named
# `pages` beside the entry point as an old-style multipage app until st.navigation has run once in the
# process, so a first request for /collaboration (or AppTest.switch_page) would run that page bare,
# without this file's filters and navigation.
_PAGES = Path(__file__).parent / "views"

# The page list: one place. (The allocation page slots in here, e.g. after "Leveraged funding".)
PAGES = [
    st.Page(_PAGES / "overview.py", title="Overview", default=True),
    st.Page(_PAGES / "collaboration.py", title="Collaboration"),
    st.Page(_PAGES / "protocols.py", title="Protocols"),
    st.Page(_PAGES / "survivor_engagement.py", title="Survivor engagement"),
    st.Page(_PAGES / "leveraged_funding.py", title="Leveraged funding"),
    st.Page(_PAGES / "allocation.py", title="Allocation"),
    st.Page(_PAGES / "federal.py", title="Federal reporting"),
    st.Page(_PAGES / "ta_priorities.py", title="TA priorities"),
    st.Page(_PAGES / "community.py", title="Community"),
    st.Page(_PAGES / "data_quality.py", title="Data quality"),
]

ADMIN_PAGES = [st.Page(_PAGES / "audit.py", title="Audit log")]

# WCAG 2.1 AA: captions and other faded text at 4.5:1 or more on white, a clearly visible keyboard focus,
# headings sized by level (each page's sections are h2 under the page's h1), a page's section tabs (key "..._section")
# larger than the Chart / Table tabs inside them, metric labels and values that wrap
# rather than end in "…" on a laptop screen.
ACCESSIBLE_CSS = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *, [data-testid="stMetricDelta"][color="off"],
[data-testid="stWidgetLabel"] [data-testid="stTooltipIcon"], [data-baseweb="select"] [aria-hidden="true"] {
  color: #4a4f5c !important; opacity: 1 !important;
}
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible, input:focus-visible, [tabindex]:focus-visible,
[data-testid="stSidebarNav"] a:focus-visible, summary:focus-visible {
  outline: 3px solid #0072B2 !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #ffffff !important;
}
[data-testid="stMainBlockContainer"] h2 { font-size: 1.5rem; }
[data-testid="stTabs"][class*="_section"] [role="tab"]:not([role="tabpanel"] [role="tab"]) p { font-size: 1.1rem; font-weight: 600; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, [data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; height: auto !important;
}
</style>"""


def main() -> None:
    db = session.db_path()
    access = current_access(db)
    page = st.navigation(PAGES + (ADMIN_PAGES if access.role == "admin" else []))
    problem = session.load(database_problem) if db.exists() else database_problem(db)
    if problem:
        st.title("stopdash")
        st.warning(
            f"{markdown(problem)}\n\nLoad an award register and reports first, then reload this page:\n\n"
            f"- a real portfolio: `stopdash load-awards REGISTER.xlsx --db {db}` then `stopdash ingest REPORTS/ --db {db}`\n"
            "- or the fictional demo portfolio: `stopdash demo`\n\n"
            "The dashboard reads the database named by the `STOPDASH_DB` environment variable "
            "(default `data/stopdash.duckdb`).",
            icon=":material/database:",
        )
        st.stop()
    scope = None if access.counties is None else tuple(sorted(access.counties))
    opts = session.load(filter_options)
    if scope is not None:  # a viewer chooses among their own counties and regions only
        counties = tuple(c for c in opts.counties if c[0] in scope)
        opts = replace(opts, counties=counties, regions=tuple(r for r in opts.regions if any(c[2] == r for c in counties)))
    st.session_state[session.OPTIONS_KEY] = opts
    st.session_state[session.ACCESS_KEY] = access
    st.session_state[session.FILTERS_KEY] = sidebar_filters(opts, scope)
    sidebar_badge(access)
    st.html(ACCESSIBLE_CSS)
    with st.sidebar:
        st.caption(f"Database: {markdown(db.name)} · latest reports: {markdown(opts.latest or 'none yet')}")
    page.run()


main()
