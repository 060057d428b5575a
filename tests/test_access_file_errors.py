"""A malformed access file (data/access.toml) stops the app with a plain message naming the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
    }
}
GOOD = '[users."admin@state.example.gov"]\nrole = "admin"\n'

# (case, file text, the line the message must name, words the fix must contain)
BROKEN = [
    ("missing quotes", GOOD + '[users."ta@coalition.example.org"]\nrole = coalition\n', 4, "double quotes"),
    ("missing equals sign", GOOD + '[users."ta@coalition.example.org"]\nrole "coalition"\n', 4, "role = "),
    ("unclosed heading", GOOD + '[users."ta@coalition.example.org"\nrole = "coalition"\n', 3, "square brackets"),
    ("curly quotes from a word processor", GOOD + "[users.\u201cta@coalition.example.org\u201d]\n", 3, "straight double quotes"),
    ("same person twice", GOOD + GOOD, 3, "heading"),
    ("unclosed list", GOOD + '[users."v@county.example.org"]\nrole = "viewer"\ncounties = ["Hennepin"\n', 5, "lists"),
    ("unknown role", GOOD + '[users."ta@coalition.example.org"]\nrole = "coaliton"\n', 3, '"coalition"'),
    ("no role", GOOD + '[domains."county.example.org"]\ncounties = ["Hennepin"]\n', 3, "role = "),
    ("unknown county", GOOD + '[users."v@c.example.org"]\nrole = "viewer"\ncounties = ["Gotham"]\n', 5, "FIPS"),
    ("unknown region", GOOD + '[users."v@c.example.org"]\nrole = "viewer"\nregions = ["Arowhead (EDR 3)"]\n', 5, "region filter"),
    ("setting misspelt", GOOD + '[users."v@c.example.org"]\nrole = "viewer"\ncounty = ["Hennepin"]\n', 5, "only role, counties"),
    ("setting misspelt on a domain", GOOD + '[domains."c.example.org"]\nrole = "coalition"\nRole = "admin"\n', 5, "only role"),
    ("viewer of nowhere", GOOD + '[users."v@c.example.org"]\nrole = "viewer"\n', 3, "would see nothing"),
    ("viewer of an empty list", GOOD + '[users."v@c.example.org"]\nrole = "viewer"\ncounties = []\n', 3, "Add counties"),
]


def open_signed_in(access: Path, email: str, monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> AppTest:
    monkeypatch.setenv("STOPDASH_ACCESS", str(access))
    monkeypatch.setenv("STOPDASH_DB", str(demo_db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets.update(AUTH)
    at.user.clear()
    at.user.update({"is_logged_in": True, "email": email})
    return at.run()


@pytest.mark.parametrize(("case", "text", "line", "fix"), BROKEN, ids=[b[0] for b in BROKEN])
def test_malformed_access_file_is_explained_and_lets_nobody_in(
    case: str, text: str, line: int, fix: str, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever signs in, a broken access file shows one plain message (file, line, fix) and no page, chart or sidebar."""
    access = tmp_path / "access.toml"
    access.write_text(text, encoding="utf-8")
    for email in ("admin@state.example.gov", "v@c.example.org", "stranger@example.com"):
        at = open_signed_in(access, email, monkeypatch, demo_db)
        assert not at.exception, [e.value for e in at.exception]
        message = " ".join(e.value for e in at.error)
        assert "access.toml" in message, message
        assert f"line {line}" in message, message
        assert fix in message, message
        assert "nobody can open the dashboard" in message
        assert str(tmp_path) not in message, "no server path in a visitor's message"
        assert "TOMLDecodeError" not in message and "Traceback" not in message
        assert not at.metric and not at.dataframe and not at.get("plotly_chart"), f"{case}: a page was drawn for {email}"
        assert [t.value for t in at.title] == ["stopdash"]


def test_a_fixed_access_file_lets_people_in_again(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the file is fixed, the same person gets in on the next page load."""
    access = tmp_path / "access.toml"
    access.write_text(GOOD + "role = admin\n", encoding="utf-8")
    assert open_signed_in(access, "admin@state.example.gov", monkeypatch, demo_db).error
    access.write_text(GOOD, encoding="utf-8")
    at = open_signed_in(access, "admin@state.example.gov", monkeypatch, demo_db)
    assert not at.exception and not at.error
    assert at.metric
