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

from dashboard.access import LOCAL_USER, ROLES, SETTINGS, UNVERIFIED, Access, access_for, access_path, load_rules, viewer_counties
from dashboard.serving import loopback_only
from ingest.config import settings
from ingest.errors import ConfigError, StopdashError
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


ACCESS_FILE = "the access list (the file access.toml in the data folder)"
ACCESS_AFTER = "Save the file, then reload this page. Until it is fixed nobody can open the dashboard."
_TOML_AT = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)\s*$")


def _line_of(lines: list[str], needle: str) -> int | None:
    return next((n for n, text in enumerate(lines, 1) if needle in text.split("#", 1)[0]), None)


def access_file_problem(path: Path, error: ConfigError) -> str:
    """What is wrong with the access file, in plain words (markdown): the file, the line, and what to write instead."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return (
            f"Sign-in cannot be checked: {ACCESS_FILE} cannot be opened as text. Save it again as plain text "
            f"(UTF-8) with a text editor such as Notepad. {ACCESS_AFTER}"
        )
    lines = text.splitlines()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = _TOML_AT.match(str(e))
        line = int(found["line"]) if found else len(lines)
        what = found["what"] if found else str(e).replace("(at end of document)", "").strip()
        where = f"on line {line}" if found else f"at its end (line {line}, which leaves something open)"
        shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        quoted = f" (the line reads: {markdown(shown)})" if shown else ""
        return (
            f"Sign-in cannot be checked: {ACCESS_FILE} has a mistake {where}{quoted}. The reader says: {markdown(what.lower())}. "
            'Each line must be a heading in square brackets, such as [users."name@agency.gov"], or a setting such as '
            'role = "viewer", with the text in straight double quotes and lists in square brackets, such as '
            f'counties = ["Hennepin", "Ramsey"]. {ACCESS_AFTER}'
        )
    roles = ", ".join(f'"{r}"' for r in ROLES)
    for table in ("domains", "users"):
        entries = raw.get(table, {})
        for key, entry in entries.items() if isinstance(entries, dict) else ():
            if not isinstance(entry, dict) or entry.get("role") not in ROLES:
                at = _line_of(lines, key)
                where = f"on line {at}" if at else f"in the [{table}] part"
                got = entry.get("role") if isinstance(entry, dict) else None
                said = f"gives the role {markdown(repr(got))}" if got is not None else "gives no role"
                return (
                    f"Sign-in cannot be checked: {ACCESS_FILE}, {where}, {said} for {markdown(key)}. "
                    f"Under that heading write role = followed by one of {roles}. {ACCESS_AFTER}"
                )
    for table in ("domains", "users"):
        entries = raw.get(table, {})
        for key, entry in entries.items() if isinstance(entries, dict) else ():
            at = _line_of(lines, key)
            where = f"on line {at}" if at else f"in the [{table}] part"
            unknown = sorted(set(entry) - set(SETTINGS))
            if unknown:
                below = _line_of(lines[at or 0 :], unknown[0])  # the setting's own line, under its heading
                where = f"on line {below + (at or 0)}" if below else where
                return (
                    f"Sign-in cannot be checked: {ACCESS_FILE}, {where}, has the setting {markdown(unknown[0])} for "
                    f"{markdown(key)}, which the dashboard does not know. An entry may say only role, counties "
                    f'and regions, such as counties = ["Hennepin"] or regions = ["Arrowhead (EDR 3)"]. {ACCESS_AFTER}'
                )
            if entry.get("role") == "viewer" and not (entry.get("counties") or entry.get("regions")):
                return (
                    f"Sign-in cannot be checked: {ACCESS_FILE}, {where}, makes {markdown(key)} a viewer but lists "
                    'no county or region for them, so they would see nothing. Add counties = ["Hennepin"] or '
                    f'regions = ["Arrowhead (EDR 3)"] under that heading, or give another role. {ACCESS_AFTER}'
                )
    place = re.search(r"'(?P<name>[^']*)' \(for (?P<who>[^)]*)\) is not a (?P<kind>county|region) of (?P<state>.*)\.$", str(error))
    if place:
        at = _line_of(lines, f'"{place["name"]}"')
        where = f" on line {at}" if at else ""
        fix = {
            "county": "Write the county's name as the state spells it, or its 5-digit FIPS code",
            "region": "Write the region as the dashboard's region filter spells it, such as Arrowhead (EDR 3)",
        }[place["kind"]]
        return (
            f"Sign-in cannot be checked: {ACCESS_FILE} lists the {place['kind']} {markdown(place['name'])}{where} (for "
            f"{markdown(place['who'])}), which is not a {place['kind']} of {markdown(place['state'])}. {fix}, or remove it. "
            f"{ACCESS_AFTER}"
        )
    return f"Sign-in cannot be checked: {ACCESS_FILE} cannot be used. {markdown(error)} {ACCESS_AFTER}"


def check_access_file(path: Path) -> None:
    """Raise ConfigError for any mistake anywhere in the access file, not only in the entry of whoever signs in."""
    cfg = settings()
    for key, entry in load_rules(path).items():
        if entry.get("role") == "viewer":
            viewer_counties(entry, cfg, key)


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
        try:
            check_access_file(access_path())
            access = access_for(str(st.user.get("email") or ""), settings(), email_verified=st.user.get("email_verified"))
        except ConfigError as e:  # fail closed: nobody gets in until the file is fixed
            stop_app(access_file_problem(access_path(), e))
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
