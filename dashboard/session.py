"""The dashboard's link to the engine: the database path, cached queries and the shared filters.

Every query goes through :func:`load`, one ``st.cache_data`` cache keyed by the
query function, its (hashable) arguments and a data-version token taken from
the database file and its write-ahead log: a fresh ``stopdash ingest`` changes
the token, so the next rerun reads the new data without a restart. No
connection outlives a query (the engine opens the file read-only and closes
it), so the CLI can write while the dashboard is open.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import streamlit as st

from dashboard.access import LOCAL_USER, Access
from ingest.errors import StopdashError
from ingest.store.audit import log
from ingest.store.db import default_db_path
from stopdash.escape import markdown
from stopdash.queries.overview import Filters, Options, data_version

T = TypeVar("T")

FILTERS_KEY = "_stopdash_filters"
URL_KEY = "_stopdash_filter_params"
OPTIONS_KEY = "_stopdash_options"
ACCESS_KEY = "_stopdash_page_access"


def audit_export(what: str, detail: str) -> None:
    """Record a download the person asked for (who, what, with which filters)."""
    try:
        log(db_path(), access().who, "export", what, detail=detail, result="written")
    except StopdashError:
        st.warning("The export was made, but the audit log could not be written (the database is busy). Tell your administrator.")


def access() -> Access:
    """The signed-in person's access (local single-user mode: an admin)."""
    return st.session_state.get(ACCESS_KEY, LOCAL_USER)


def db_path() -> Path:
    """$STOPDASH_DB, else data/stopdash.duckdb (relative to where the app was started)."""
    return default_db_path()


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(module: str, name: str, db: str, version: tuple[int, ...], args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    del version  # part of the cache key only
    func = getattr(importlib.import_module(module), name)
    return func(Path(db), *args, **dict(kwargs))


def load(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an engine query ``func(db, *args, **kwargs)`` through the cache; stop the page on a database error."""
    db = db_path()
    try:
        return _cached(func.__module__, func.__name__, str(db), data_version(db), args, tuple(sorted(kwargs.items())))
    except StopdashError as e:
        st.error(f"The data could not be read: {markdown(e)}")
        st.stop()
        raise  # unreachable: st.stop() raises


def filters() -> Filters:
    """The sidebar filters in force (set by app.py on every run)."""
    return st.session_state.get(FILTERS_KEY, Filters())


def options() -> Options:
    return st.session_state.get(OPTIONS_KEY, Options())


def period() -> str | None:
    """The quarter the pages show: the chosen one, else the latest reported."""
    return filters().period or options().latest


def community_url(subgrant_id: str) -> str:
    """A relative link to the Community page of *subgrant_id* that keeps the current filters."""
    params = dict(st.session_state.get(URL_KEY, {}))
    params["subgrant"] = subgrant_id
    return "community?" + urlencode(params, doseq=True)
