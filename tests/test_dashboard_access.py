"""Sign-in and roles in the running app (AppTest), with no live identity provider."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import UPLOAD, open_section, rows

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
ACCESS = """
[users."admin@state.example.gov"]
role = "admin"
[users."ta@coalition.example.org"]
role = "coalition"
[users."viewer@county.example.org"]
role = "viewer"
counties = ["Hennepin", "Ramsey"]
"""


@pytest.fixture
def signed_in(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Open a page as a signed-in person whose role comes from a test access file."""
    access = tmp_path / "access.toml"
    access.write_text(ACCESS)
    monkeypatch.setenv("STOPDASH_ACCESS", str(access))
    monkeypatch.setenv("STOPDASH_DB", str(demo_db))

    def open_as(email: str | None, page: str = "overview", **query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.secrets.update(AUTH)
        at.user.clear()
        at.user.update({"is_logged_in": email is not None, **({"email": email} if email else {})})
        at.query_params.update(query)
        at.run()
        if page != "overview":
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_as


def test_local_mode_says_so_and_needs_no_sign_in(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an identity provider the app runs as a local single user, and says so."""
    monkeypatch.setenv("STOPDASH_DB", str(demo_db))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert any("Local single-user mode" in c.value for c in at.caption)
    assert at.metric


def test_signed_out_visitor_sees_only_the_sign_in(signed_in) -> None:
    """With sign-in configured, a visitor who has not signed in sees a Sign in button and no figures."""
    at = signed_in(None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe


def test_unlisted_person_is_told_to_ask_the_administrator(signed_in, demo_db: Path) -> None:
    """A signed-in person with no role sees the plain no-access page, and the sign-in is audited."""
    at = signed_in("stranger@example.com")
    assert "ask your stopdash administrator" in at.warning[0].value.lower()
    assert not at.metric and not at.dataframe
    assert ("stranger@example.com", "sign-in", "none") in rows(demo_db, "SELECT who, action, result FROM audit_log")


def test_admin_sees_everything_and_the_audit_log(signed_in, demo_db: Path) -> None:
    """An admin sees the whole portfolio, the upload control and the audit page."""
    at = signed_in("admin@state.example.gov")
    subgrants = rows(demo_db, "SELECT count(*) FROM awards")[0][0]
    assert any(m.label == "Communities funded" for m in at.metric)
    assert len(signed_in("admin@state.example.gov", "community").selectbox(key="community_pick").options) == subgrants
    audit = signed_in("admin@state.example.gov", "audit")
    assert audit.title[0].value == "Audit log"
    assert audit.dataframe
    upload = open_section(signed_in("admin@state.example.gov", "data_quality"), UPLOAD)
    assert any("Progress-report workbooks" in u.label for u in upload.get("file_uploader"))


def test_coalition_reads_but_cannot_upload(signed_in) -> None:
    """Coalition staff see the data-quality page without the upload control."""
    at = open_section(signed_in("ta@coalition.example.org", "data_quality"), UPLOAD)
    assert not at.get("file_uploader")
    assert any("for state administrators" in i.value for i in at.info)


def test_viewer_sees_only_their_counties(signed_in, demo_db: Path) -> None:
    """A viewer's pages, pickers and tables hold only subgrants serving their counties."""
    mine = {r[0] for r in rows(demo_db, "SELECT DISTINCT subgrant_id FROM award_counties WHERE county_name IN ('Hennepin', 'Ramsey')")}
    everyone = {r[0] for r in rows(demo_db, "SELECT subgrant_id FROM awards")}
    assert mine and mine != everyone
    community = signed_in("viewer@county.example.org", "community")
    picker = community.selectbox(key="community_pick")
    assert {o.split(" · ")[-1] for o in picker.options} == mine
    ta = signed_in("viewer@county.example.org", "ta_priorities")
    shown_ids = {str(v).split("subgrant=")[-1] for df in ta.dataframe for v in df.value.get("subgrant_id", [])}
    assert shown_ids and shown_ids <= mine
    hidden = next(iter(everyone - mine))
    outsider = signed_in("viewer@county.example.org", "community", subgrant=hidden)
    assert outsider.warning and not outsider.metric
    region = signed_in("viewer@county.example.org")
    assert set(region.multiselect(key="f_county").options) <= {"Hennepin", "Ramsey"}


def test_viewer_sees_only_their_own_allocation_rows(signed_in, demo_db: Path) -> None:
    """On the Allocation page a county viewer sees their own subgrants' register rows: no statewide check, total or chart."""
    mine = {r[0] for r in rows(demo_db, "SELECT DISTINCT subgrant_id FROM award_counties WHERE county_name IN ('Hennepin', 'Ramsey')")}
    others = {r[0] for r in rows(demo_db, "SELECT subgrant_id FROM awards")} - mine
    assert mine and others
    at = signed_in("viewer@county.example.org", "allocation")
    shown = {str(v).split("subgrant=")[-1] for df in at.dataframe for v in df.value["subgrant_id"]}
    assert shown == mine
    assert not at.metric and not at.get("plotly_chart") and not at.main.button  # no export buttons either
    texts = " ".join(e.value for kind in ("markdown", "caption", "warning", "info", "subheader") for e in getattr(at, kind))
    assert not any(sid in texts for sid in others)
    statewide = rows(demo_db, "SELECT award_year, sum(award_amount) FROM awards GROUP BY 1")
    assert not any(f"{total:,.0f}" in texts for _, total in statewide)
    admin = signed_in("admin@state.example.gov", "allocation")
    assert any(m.label == "Subgrant dollars (the base)" for m in admin.metric)
