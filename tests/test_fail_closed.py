"""Sign-in fails closed: local single-user mode only on loopback, unreadable sign-in settings stop the app.

The served cases start a real `streamlit run` from another folder and read the page in Chromium;
the rest run the app under AppTest with real Streamlit configuration and secrets files.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit import config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

from conftest import rows, streamlit_server
from dashboard import auth
from dashboard.access import UNVERIFIED, access_for
from dashboard.serving import is_loopback_address, listening_addresses, loopback_only
from ingest.config import settings

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
REFUSAL = "will not start in local single-user mode"
AUTH = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-secret"
client_id = "id"
client_secret = "secret"
server_metadata_url = "https://login.example.org/.well-known/openid-configuration"
"""
ACCESS = '[users."admin@state.example.gov"]\nrole = "admin"\n'


# --- The address the server listens on ------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        (None, False),
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.10.5", False),
        ("10.0.0.1", False),
        ("stopdash.state.example.gov", False),
        ("unix:///run/stopdash.sock", False),
        ("localhost.evil.example", False),
    ],
)
def test_only_loopback_addresses_count_as_this_computer(address: str | None, loopback: bool) -> None:
    """Loopback names and addresses serve this computer only; unset, wildcard, network, host-name and socket addresses do not."""
    assert is_loopback_address(address) is loopback


@pytest.mark.parametrize(("bind", "loopback"), [("0.0.0.0", False), ("127.0.0.1", True)])
def test_the_live_listening_socket_decides_too(bind: str, loopback: bool) -> None:
    """A socket this process really listens on counts: configured as localhost but bound to every interface is not loopback."""
    with socket.socket() as s:
        s.bind((bind, 0))
        s.listen()
        port = s.getsockname()[1]
        assert listening_addresses(port) == [bind]
        assert loopback_only("localhost", port) is loopback
    assert listening_addresses(port) == []


# --- Sign-in settings that exist but cannot be used ----------------------------------------------

GOOD = {"redirect_uri": "u", "cookie_secret": "c", "client_id": "i", "client_secret": "s", "server_metadata_url": "m"}


@pytest.mark.parametrize(
    ("secrets", "problem"),
    [
        ({}, None),
        ({"connections": {"x": 1}}, None),
        ({"auth": GOOD}, None),
        ({"auth": {"redirect_uri": "u", "cookie_secret": "c", "okta": {k: GOOD[k] for k in auth.PROVIDER_KEYS}}}, None),
        ({"Auth": GOOD}, "[Auth]"),
        ({"AUTH": GOOD}, "[AUTH]"),
        ({"auth": {}}, "lacks redirect_uri, cookie_secret, client_id"),
        ({"auth": "yes"}, "must be a section"),
        ({"auth": {**GOOD, "cookie_secret": ""}}, "lacks cookie_secret"),
        ({"auth": {k: v for k, v in GOOD.items() if k != "server_metadata_url"}}, "lacks server_metadata_url"),
        ({"auth": {"redirect_uri": "u", "cookie_secret": "c", "okta": {"client_id": "i"}}}, "okta.client_secret"),
        ({"auth": {"redirect_uri": "u", "cookie_secret": "c", "my_idp": dict(GOOD)}}, "underscore"),
        ({"auth": {**GOOD, "Client_ID": "i", "client_id": ""}}, "lacks client_id"),
        ({"client_id": "i", "client_secret": "s"}, "outside an [auth] section"),
    ],
)
def test_sign_in_settings_are_usable_or_named_wrong(secrets: dict, problem: str | None) -> None:
    """Sign-in settings are either absent, complete, or reported with what is wrong (never silently ignored)."""
    found = auth.auth_problem(secrets)
    assert (found is None) if problem is None else (problem in (found or "")), found


@contextmanager
def option(key: str, value: object) -> Iterator[None]:
    """A Streamlit configuration option set for the duration of a test."""
    old = config.get_option(key)
    config.set_option(key, value)
    try:
        yield
    finally:
        config.set_option(key, old)


@pytest.fixture
def secrets_file(tmp_path: Path) -> Iterator[Path]:
    """A secrets.toml that Streamlit reads (and only it); Streamlit's secrets store is emptied before and after."""
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    secrets_singleton._reset()
    try:
        with option("secrets.files", [str(path)]):
            yield path
    finally:
        secrets_singleton._reset()


def _run(db: Path, monkeypatch: pytest.MonkeyPatch, **user: object) -> AppTest:
    monkeypatch.setenv("STOPDASH_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    if user:
        at.user.clear()
        at.user.update(user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """Markdown as it reads on screen: backslash escapes and word joiners dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def _stopped(at: AppTest, words: str) -> None:
    messages = " ".join(shown(e.value) for e in at.error)
    assert words in messages, messages
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not any("Local single-user mode" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('[auth]\nredirect_uri = "https://x/oauth2callback"\ncookie_secret = \n', "cannot be read"),
        ("[auth\nclient_id = 'x'\n", "cannot be read"),
        ('[auth]\nclient_id = "unterminated\n', "cannot be read"),
        (AUTH.replace("[auth]", "[Auth]"), "must be named [auth]"),
        (AUTH.replace("[auth]", "[AUTH]"), "must be named [auth]"),
        ("[auth]\n", "lacks redirect_uri"),
        (AUTH.replace('cookie_secret = "test-secret"\n', ""), "lacks cookie_secret"),
        (AUTH.replace("[auth]\n", ""), "outside an [auth] section"),
    ],
    ids=["no-value", "unclosed-header", "unterminated-string", "Auth", "AUTH", "empty", "no-cookie-secret", "no-header"],
)
def test_unusable_sign_in_settings_stop_the_app(
    secrets_file: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch, content: str, words: str
) -> None:
    """A secrets file that does not parse, a wrong-cased [Auth] or missing keys stop the app; it never opens in local mode."""
    secrets_file.write_text(content)
    at = _run(demo_db, monkeypatch)
    _stopped(at, "Sign-in is configured but cannot be used")
    _stopped(at, words)
    assert "docs/sign-in.md" in at.error[0].value


def test_working_secrets_file_asks_for_sign_in(secrets_file: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file with a correct [auth] section shows the Sign in button (the checks do not refuse good settings)."""
    secrets_file.write_text(AUTH)
    at = _run(demo_db, monkeypatch)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.error and not at.metric


def test_project_secrets_not_read_stop_the_app(secrets_file: Path, tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project secrets file that the server did not read (started from another folder) stops the app instead of local mode."""
    project = tmp_path / "project" / ".streamlit" / "secrets.toml"
    project.parent.mkdir(parents=True)
    project.write_text(AUTH)
    monkeypatch.setattr(auth, "PROJECT_SECRETS", project)
    at = _run(demo_db, monkeypatch)
    _stopped(at, "the server did not read it")


@pytest.mark.parametrize("address", ["0.0.0.0", "", "192.168.10.5", "::", "unix:///tmp/stopdash.sock"])
def test_no_sign_in_on_the_network_stops_the_app(demo_db: Path, monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Without sign-in, a server that listens beyond this computer shows only the refusal, which says what to do."""
    with option("server.address", address or None):
        at = _run(demo_db, monkeypatch)
    _stopped(at, REFUSAL)
    message = at.error[0].value
    assert ".streamlit/secrets.toml" in message and "docs/sign-in.md" in message and "--server.address 127.0.0.1" in message


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1", "::1"])
def test_no_sign_in_on_loopback_is_local_mode(demo_db: Path, monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Without sign-in, a server on loopback only runs in local single-user mode, and says so."""
    with option("server.address", address):
        at = _run(demo_db, monkeypatch)
    assert any("Local single-user mode" in c.value for c in at.caption)
    assert at.metric and not at.error


# --- Unverified e-mail addresses -------------------------------------------------------------------


@pytest.mark.parametrize("claim", [False, "false", "False", "0", "no", "", 0])
def test_unverified_email_gets_nothing_whatever_the_access_file(tmp_path: Path, claim: object) -> None:
    """An email_verified claim that says no means no access, even for an address listed as admin."""
    path = tmp_path / "access.toml"
    path.write_text(ACCESS)
    access = access_for("admin@state.example.gov", settings(), path, email_verified=claim)
    assert (access.role, access.refused, access.can_see_anything) == ("none", UNVERIFIED, False)


@pytest.mark.parametrize("claim", [True, "true", None])
def test_verified_or_unstated_email_keeps_its_role(tmp_path: Path, claim: object) -> None:
    """A true claim, or none at all, leaves the access file to decide."""
    path = tmp_path / "access.toml"
    path.write_text(ACCESS)
    assert access_for("admin@state.example.gov", settings(), path, email_verified=claim).role == "admin"


@pytest.mark.parametrize("claim", [False, "false"])
def test_unverified_email_is_refused_in_the_app(
    secrets_file: Path, tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch, claim: object
) -> None:
    """Signed in with email_verified false, an admin's address sees the refusal and no figures; the refusal is audited."""
    secrets_file.write_text(AUTH)
    (tmp_path / "access.toml").write_text(ACCESS)
    monkeypatch.setenv("STOPDASH_ACCESS", str(tmp_path / "access.toml"))
    at = _run(demo_db, monkeypatch, is_logged_in=True, email="admin@state.example.gov", email_verified=claim)
    assert "has not verified the e-mail address" in at.warning[0].value
    assert not at.metric and not at.dataframe
    assert [b.label for b in at.button] == ["Sign out"]
    audited = rows(demo_db, "SELECT result FROM audit_log WHERE who = 'admin@state.example.gov' AND action = 'sign-in'")
    assert (f"none ({UNVERIFIED})",) in audited
    verified = _run(demo_db, monkeypatch, is_logged_in=True, email="admin@state.example.gov", email_verified=True)
    assert verified.metric and not verified.warning


# --- The real server, started from another folder --------------------------------------------------


@contextmanager
def served_from(cwd: Path, db: Path, log: Path, *flags: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run` of the dashboard started in *cwd* (so the project's .streamlit/ is not read), with *flags*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")} | {"HOME": str(cwd)}
    with streamlit_server(db, log, *flags, cwd=cwd, env=env) as served:
        yield served


def _page_text(browser: object, url: str, expect: tuple[str, ...] = ()) -> str:
    """The app's text once drawn; with *expect*, once those texts are all shown (or the wait runs out)."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=30_000)
        page.wait_for_function(
            '() => !document.querySelector(\'[data-testid="stStatusWidget"] img, [data-testid="stStatusWidget"] svg\')', timeout=60_000
        )
        if expect:
            with contextlib.suppress(Exception):  # the assertion after says what is missing
                page.wait_for_function(
                    "texts => texts.every(t => document.querySelector('[data-testid=\"stApp\"]').innerText.includes(t))",
                    arg=list(expect),
                    timeout=60_000,
                )
        else:  # the app says its script has run to the end
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'",
                timeout=60_000,
            )
        return page.locator('[data-testid="stApp"]').inner_text()
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("flags", [(), ("--server.address", "0.0.0.0")], ids=["address-unset", "0.0.0.0"])
def test_started_elsewhere_on_the_network_refuses(browser: object, demo_db: Path, tmp_path: Path, flags: tuple[str, ...]) -> None:
    """Started from another folder without sign-in, on every interface: the page holds only the refusal, the console says it too."""
    log = tmp_path / "streamlit.log"
    with served_from(tmp_path, demo_db, log, *flags) as (url, _):
        text = _page_text(browser, url)
    assert REFUSAL in text and "--server.address 127.0.0.1" in text
    assert "Local single-user mode" not in text and "Communities funded" not in text
    assert REFUSAL in log.read_text(errors="replace")


@pytest.mark.browser
def test_started_elsewhere_on_loopback_is_local_mode(browser: object, demo_db: Path, tmp_path: Path) -> None:
    """Started from another folder without sign-in but on 127.0.0.1: local single-user mode works."""
    with served_from(tmp_path, demo_db, tmp_path / "streamlit.log", "--server.address", "127.0.0.1") as (url, _):
        text = _page_text(browser, url, expect=("Local single-user mode", "Communities funded"))
    assert "Local single-user mode" in text and "Communities funded" in text
    assert REFUSAL not in text


@pytest.mark.browser
def test_started_elsewhere_with_broken_secrets_refuses(browser: object, demo_db: Path, tmp_path: Path) -> None:
    """A malformed secrets.toml where the server starts stops it even on loopback: no fallback to local mode."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(AUTH.replace("[auth]", "[Auth]"))
    with served_from(tmp_path, demo_db, tmp_path / "streamlit.log", "--server.address", "127.0.0.1") as (url, _):
        text = _page_text(browser, url)
    assert "Sign-in is configured but cannot be used" in text and "[auth]" in text
    assert "Local single-user mode" not in text
