"""Sign-in: who is looking, and what they may see (the decision itself is dashboard.access).

Fail closed. Local single-user mode (every visitor is the local admin) needs two
things: no sign-in configured at all, and a server that listens on this computer
only (:mod:`dashboard.serving`, checked at run time). A sign-in configuration
that exists but cannot be used (a secrets file that does not parse, an
``[Auth]`` section in the wrong case, missing keys, the project's secrets file
not read because the server was started elsewhere) stops the app with a
message saying what to fix; it never falls back to local mode.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st

from dashboard.access import LOCAL_USER, UNVERIFIED, Access, access_for
from dashboard.serving import loopback_only
from ingest.config import settings
from ingest.errors import StopdashError
from ingest.store.audit import record
from ingest.store.db import connection
from stopdash.escape import markdown

ACCESS_KEY = "_stopdash_access"
ROOT = Path(__file__).resolve().parents[1]
PROJECT_SECRETS = ROOT / ".streamlit" / "secrets.toml"
GENERAL_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
HOW_TO = "See docs/sign-in.md. Until this is fixed nobody can open the dashboard."
_told: set[str] = set()


class SignInConfigError(Exception):
    """Sign-in is configured, but its settings cannot be used."""


def _shown(path: Path) -> str:
    """A secrets file as the message names it (no full server path for a visitor to read)."""
    for base, prefix in ((ROOT, ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return f"{path.parent.name}/{path.name}"


def auth_problem(secrets: Mapping[str, Any]) -> str | None:
    """What is wrong with the sign-in settings in *secrets* (the merged secrets), or None when they are usable or absent."""
    wrong_case = [k for k in secrets if isinstance(k, str) and k.strip().lower() == "auth" and k != "auth"]
    if wrong_case:
        return f"the secrets have a section [{wrong_case[0]}]; it must be named [auth], in lower case."
    section = secrets.get("auth")
    if section is None:
        stray = [k for k in secrets if isinstance(k, str) and k.strip().lower() in (*GENERAL_KEYS, *PROVIDER_KEYS)]
        if stray:
            return f"the sign-in setting {stray[0]} is outside an [auth] section; put it under [auth]."
        return None
    if not isinstance(section, Mapping):
        return "auth in the secrets must be a section, [auth], not a single value."
    missing = [k for k in GENERAL_KEYS if not section.get(k)]
    single = any(k in section for k in PROVIDER_KEYS)
    named = {k: v for k, v in section.items() if isinstance(v, Mapping) and k != "client_kwargs"}
    if single:
        missing += [k for k in PROVIDER_KEYS if not section.get(k)]
    elif not named:
        missing += list(PROVIDER_KEYS)
    for name, provider in named.items():
        if single:
            break
        if "_" in name:
            return f"the identity provider [auth.{name}] has an underscore in its name; Streamlit does not allow it."
        missing += [f"{name}.{k}" for k in PROVIDER_KEYS if not provider.get(k)]
    if missing:
        return f"the [auth] section lacks {', '.join(missing)}."
    return None


def _secrets_files() -> list[Path]:
    return [Path(p).expanduser() for p in st.get_option("secrets.files") or []]


def auth_section() -> dict[str, Any] | None:
    """The usable [auth] section; None when no sign-in is configured anywhere. Raises SignInConfigError otherwise."""
    files = _secrets_files()
    for path in files:
        if path.suffix == ".toml" and path.is_file():
            try:
                tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                raise SignInConfigError(f"{_shown(path)} cannot be read: {e}. Fix the file.") from e
    read = {p.resolve() for p in files}
    if PROJECT_SECRETS.is_file() and PROJECT_SECRETS.resolve() not in read:
        raise SignInConfigError(
            f"{_shown(PROJECT_SECRETS)} exists but the server did not read it: it was started from another folder. "
            "Start it from the project folder, or with `stopdash demo`."
        )
    try:
        merged: Mapping[str, Any] = st.secrets.to_dict()
    except Exception as e:  # Streamlit raises its own error types for an absent or unreadable store
        if any(p.exists() for p in files):
            raise SignInConfigError(f"the secrets cannot be read: {e}.") from e
        return None  # no secrets anywhere: no sign-in configured
    problem = auth_problem(merged)
    if problem:
        raise SignInConfigError(problem[0].upper() + problem[1:])
    section = merged.get("auth")
    return dict(section) if section else None


def _provider(section: dict[str, object]) -> str | None:
    """st.login's provider argument: None for a single provider, else the first named one."""
    if "client_id" in section:
        return None
    return next((name for name, value in section.items() if isinstance(value, dict) and name != "client_kwargs"), None)


def _audit_sign_in(db: Path, access: Access) -> None:
    try:
        with connection(db) as con:
            result = f"{access.role} ({access.refused})" if access.refused else access.role
            record(con, access.who, "sign-in", "dashboard", result=result)
    except StopdashError:
        pass  # a busy or missing database must not keep someone out; the next sign-in is recorded


def stop_app(message: str) -> NoReturn:
    """Show *message* (already markdown) instead of any page, tell the server's console once, and stop."""
    if message not in _told:
        _told.add(message)
        plain = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", message.replace("`", ""))  # the console reads no markdown
        print(f"stopdash: {plain}", file=sys.stderr, flush=True)
    st.title("stopdash")
    st.error(message, icon=":material/lock:")
    st.stop()
    raise AssertionError("unreachable: st.stop() raises")


def local_mode_refusal(address: str | None) -> str:
    shown = markdown(address) if address else "every network interface (no server.address set)"
    return (
        "stopdash will not start in local single-user mode here: no sign-in is configured, and this server "
        f"listens on {shown}, so anyone on the network would be an administrator. Either configure sign-in in "
        "`.streamlit/secrets.toml` (see docs/sign-in.md), or serve this computer only: "
        "`streamlit run dashboard/app.py --server.address 127.0.0.1` (or `stopdash demo`)."
    )


def current_access(db: Path) -> Access:
    """The signed-in person's access; stops the page with a sign-in, "ask your administrator" or configuration screen."""
    try:
        section = auth_section()
    except SignInConfigError as e:
        stop_app(f"Sign-in is configured but cannot be used: {markdown(e)} {HOW_TO}")
    if section is None:
        address = st.get_option("server.address")
        if not loopback_only(address, int(st.get_option("server.port"))):
            stop_app(local_mode_refusal(address))
        return LOCAL_USER
    if not st.user.is_logged_in:
        st.title("stopdash")
        st.write("Sign in with your work account to see the STOP grant portfolio.")
        provider = _provider(section)
        st.button("Sign in", type="primary", on_click=st.login, args=(provider,) if provider else ())
        st.stop()
    access = st.session_state.get(ACCESS_KEY)
    if access is None:
        access = access_for(str(st.user.get("email") or ""), settings(), email_verified=st.user.get("email_verified"))
        st.session_state[ACCESS_KEY] = access
        if db.exists():
            _audit_sign_in(db, access)
    if access.refused == UNVERIFIED:
        st.title("stopdash")
        st.warning(
            f"Your identity provider has not verified the e-mail address {markdown(access.who)}, so it cannot be "
            "used to sign in to this dashboard. Verify it with your provider (or ask your IT support), then sign in again."
        )
        st.button("Sign out", on_click=st.logout)
        st.stop()
    if not access.can_see_anything:
        st.title("stopdash")
        st.warning(
            f"You are signed in as {markdown(access.who)}, but you have no access to this dashboard yet. "
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
            st.caption(f"Signed in as {markdown(access.who)} · {markdown(access.role)} · {scope}")
            st.button("Sign out", on_click=st.logout, key="sign_out")
