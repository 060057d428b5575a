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


def _typos(word: str) -> set[str]:
    """Every one-letter slip of *word*: a letter left out, doubled, swapped with the next, or in capitals."""
    slips = {word[:i] + word[i + 1 :] for i in range(len(word))}
    slips |= {word[:i] + word[i] + word[i:] for i in range(len(word))}
    slips |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    slips |= {word.capitalize(), word.upper(), word.rstrip("s"), word + "s"}
    return slips - {word}


@pytest.mark.parametrize("setting", ["role", "counties", "regions"])
def test_a_misspelt_setting_lets_nobody_in(setting: str, tmp_path: Path) -> None:
    """A setting the access file does not know (any one-letter slip of a real one) is refused for everyone, not
    read as absent: a viewer's "county" would otherwise show them nothing, or a misspelt extra line pass unseen."""
    path = tmp_path / "access.toml"
    values = {"role": '"viewer"', "counties": '["Hennepin"]', "regions": '["Southwest (EDR 8)"]'}
    for slip in sorted(_typos(setting) - set(values)):
        body = "\n".join(f"{slip if k == setting else k} = {v}" for k, v in values.items())
        path.write_text(f'[users."admin@state.example.gov"]\nrole = "admin"\n[users."v@county.example.org"]\n{body}\n')
        for email in ("admin@state.example.gov", "v@county.example.org"):
            with pytest.raises(ConfigError):
                access_for(email, settings(), path)


@pytest.mark.parametrize("region", ["Southwest", "Arrowhead EDR 3", "Metro (EDR 12)", "Twin Cities"])
def test_a_region_not_of_the_state_is_refused(region: str, tmp_path: Path) -> None:
    """A region name that is none of the state's (a near miss included) stops sign-in instead of showing nothing."""
    path = tmp_path / "access.toml"
    path.write_text(f'[users."v@county.example.org"]\nrole = "viewer"\nregions = ["{region}"]\n')
    with pytest.raises(ConfigError, match="not a region"):
        access_for("v@county.example.org", settings(), path)
