"""Sign-in: who is looking, and what they may see (the decision itself is ingest.access)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ingest.access import LOCAL_USER, Access, access_for
from ingest.audit import record
from ingest.config import settings
from ingest.db import connection
from ingest.errors import StopdashError

ACCESS_KEY = "_stopdash_access"


def _auth_section() -> dict[str, object] | None:
    """The [auth] section of secrets.toml, or None when no identity provider is configured."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no or unreadable secrets file: local mode
        return None
    return dict(section) if section else None


def _provider(section: dict[str, object]) -> str | None:
    """st.login's provider argument: None for a single provider, else the first named one."""
    if "client_id" in section:
        return None
    return next((name for name, value in section.items() if isinstance(value, dict)), None)


def _audit_sign_in(db: Path, access: Access) -> None:
    try:
        with connection(db) as con:
            record(con, access.who, "sign-in", "dashboard", result=access.role)
    except StopdashError:
        pass  # a busy or missing database must not keep someone out; the next sign-in is recorded


def current_access(db: Path) -> Access:
    """The signed-in person's access; stops the page with a sign-in or "ask your administrator" screen."""
    section = _auth_section()
    if section is None:
        return LOCAL_USER
    if not st.user.is_logged_in:
        st.title("stopdash")
        st.write("Sign in with your work account to see the STOP grant portfolio.")
        provider = _provider(section)
        st.button("Sign in", type="primary", on_click=st.login, args=(provider,) if provider else ())
        st.stop()
    access = st.session_state.get(ACCESS_KEY)
    if access is None:
        access = access_for(str(st.user.get("email") or ""), settings())
        st.session_state[ACCESS_KEY] = access
        if db.exists():
            _audit_sign_in(db, access)
    if not access.can_see_anything:
        st.title("stopdash")
        st.warning(
            f"You are signed in as {access.who}, but you have no access to this dashboard yet. "
            "Ask your stopdash administrator to add you to the access list."
        )
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return access


def sidebar_badge(access: Access) -> None:
    """Say plainly which mode the app runs in and who is signed in."""
    with st.sidebar:
        if access is LOCAL_USER:
            st.caption("Local single-user mode: no sign-in is configured, so only this computer can open the dashboard.")
        else:
            scope = "all counties" if access.counties is None else f"{len(access.counties)} counties"
            st.caption(f"Signed in as {access.who} · {access.role} · {scope}")
            st.button("Sign out", on_click=st.logout, key="sign_out")
