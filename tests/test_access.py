"""Roles from the access file, decided by one function with no identity provider involved."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.access import access_for
from ingest.config import settings
from ingest.errors import ConfigError

RULES = """
[users."Admin@State.example.gov"]
role = "admin"
[users."ta@coalition.example.org"]
role = "coalition"
[users."viewer@county.example.org"]
role = "viewer"
counties = ["Hennepin", "27123", "st louis county"]
regions = ["Southwest (EDR 8)"]
[domains."state.example.gov"]
role = "coalition"
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(RULES)
    return path


def test_listed_people_get_their_role_whatever_the_case(rules: Path) -> None:
    """E-mails match case-insensitively; admins and coalition staff see every county."""
    admin = access_for("admin@state.EXAMPLE.gov", settings(), rules)
    assert (admin.role, admin.counties, admin.can_upload, admin.can_export) == ("admin", None, True, True)
    ta = access_for("ta@coalition.example.org", settings(), rules)
    assert (ta.role, ta.can_upload, ta.can_export) == ("coalition", False, True)


def test_viewer_sees_only_listed_counties_and_regions(rules: Path) -> None:
    """A viewer's counties are the names, FIPS codes and regions listed, as FIPS codes."""
    viewer = access_for("viewer@county.example.org", settings(), rules)
    southwest = {c.fips for c in settings().counties if c.region == "Southwest (EDR 8)"}
    assert viewer.role == "viewer"
    assert viewer.counties == {"27053", "27123", "27137"} | southwest
    assert (viewer.can_upload, viewer.can_export) == (False, False)


def test_domain_rule_applies_when_no_personal_entry(rules: Path) -> None:
    """Someone from a listed domain gets the domain's role."""
    assert access_for("someone@state.example.gov", settings(), rules).role == "coalition"


@pytest.mark.parametrize("email", ["stranger@example.com", "", None])
def test_unlisted_or_anonymous_people_get_nothing(rules: Path, email: str | None) -> None:
    """No entry (or no e-mail) means role none: nothing to see."""
    access = access_for(email, settings(), rules)
    assert access.role == "none"
    assert not access.can_see_anything


def test_a_bad_access_file_is_a_clear_error(tmp_path: Path) -> None:
    """An unknown role or county is refused with a message naming the entry."""
    path = tmp_path / "access.toml"
    path.write_text('[users."x@example.org"]\nrole = "superuser"\n')
    with pytest.raises(ConfigError, match=r"x@example\.org"):
        access_for("x@example.org", settings(), path)
    path.write_text('[users."x@example.org"]\nrole = "viewer"\ncounties = ["Atlantis"]\n')
    with pytest.raises(ConfigError, match="Atlantis"):
        access_for("x@example.org", settings(), path)


def test_the_shipped_access_file_lets_nobody_in_by_default() -> None:
    """The example file ships with every entry commented out."""
    assert access_for("anyone@example.org", settings()).role == "none"
