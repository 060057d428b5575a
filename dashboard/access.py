"""Who may see and do what: one small function, tested without an identity provider.

Roles come from data/access.toml (or the file STOPDASH_ACCESS names):
admin (everything, uploads and exports), coalition (every page read-only, TA
exports), viewer (read-only, limited to listed counties or regions). A
signed-in person with no entry gets the role "none" and sees nothing; so does
anyone whose identity provider says their e-mail address is not verified
(an ``email_verified`` claim that is false), whatever the access file says.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.config import DATA_DIR, County, Settings
from ingest.errors import ConfigError

ROLES = ("admin", "coalition", "viewer")
SETTINGS = ("role", "counties", "regions")  # what an entry may say; anything else is a typo, refused
UNVERIFIED = "e-mail not verified"


@dataclass(frozen=True)
class Access:
    role: str  # admin, coalition, viewer, or none
    who: str
    counties: frozenset[str] | None = None  # FIPS codes the person may see; None means every county
    refused: str = ""  # why a signed-in person gets nothing whatever the access file says (UNVERIFIED), else ""

    @property
    def can_upload(self) -> bool:
        return self.role == "admin"

    @property
    def can_export(self) -> bool:
        return self.role in ("admin", "coalition")

    @property
    def can_see_anything(self) -> bool:
        return self.role in ROLES and (self.counties is None or bool(self.counties))


LOCAL_USER = Access("admin", "local user")


def access_path() -> Path:
    return Path(os.environ.get("STOPDASH_ACCESS", DATA_DIR / "access.toml"))


def load_rules(path: Path) -> dict[str, dict[str, object]]:
    """The [users] and [domains] tables of the access file, keyed in lower case."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"Cannot read the access file {path.name}: {e}. Fix it; until then nobody is let in.") from e
    rules: dict[str, dict[str, object]] = {}
    for table, prefix in (("domains", "@"), ("users", "")):
        for key, entry in raw.get(table, {}).items():
            if not isinstance(entry, dict) or entry.get("role") not in ROLES:
                raise ConfigError(f'{path.name}: [{table}."{key}"] needs role = one of {", ".join(ROLES)}.')
            unknown = sorted(set(entry) - set(SETTINGS))
            if unknown:  # "county" for "counties" would silently show a viewer nothing, or mean something else
                raise ConfigError(
                    f'{path.name}: [{table}."{key}"] has the setting {unknown[0]}, which is not one of {", ".join(SETTINGS)}.'
                )
            if entry["role"] == "viewer" and not (_listed(entry, "counties") or _listed(entry, "regions")):
                raise ConfigError(f'{path.name}: [{table}."{key}"] is a viewer but lists no counties or regions.')
            rules[prefix + key.strip().lower().lstrip("@")] = entry
    return rules


def _listed(entry: dict[str, object], key: str) -> list[str]:
    value = entry.get(key) or []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def claims_unverified(email_verified: object) -> bool:
    """Whether an ``email_verified`` claim says no: False, or a false-looking text ("false", "0", "no", "")."""
    if isinstance(email_verified, bool):
        return not email_verified
    if isinstance(email_verified, str):
        return email_verified.strip().lower() in ("false", "0", "no", "")
    if isinstance(email_verified, int | float):
        return email_verified == 0
    return False  # None: the provider sent no claim; the address is the provider's to vouch for


def access_for(email: str | None, cfg: Settings, path: Path | None = None, *, email_verified: object = None) -> Access:
    """The access of a signed-in person: their own entry first, then their e-mail domain's.

    *email_verified* is the identity token's ``email_verified`` claim (None when the provider sends none):
    when it says the address is not verified, the person gets nothing.
    """
    if not email:
        return Access("none", "unknown")
    email = email.strip().lower()
    if claims_unverified(email_verified):
        return Access("none", email, refused=UNVERIFIED)
    rules = load_rules(path or access_path())
    entry = rules.get(email) or rules.get("@" + email.rpartition("@")[2])
    if entry is None:
        return Access("none", email)
    role = str(entry["role"])
    if role != "viewer":
        return Access(role, email)
    return Access("viewer", email, viewer_counties(entry, cfg, email))


def viewer_counties(entry: dict[str, object], cfg: Settings, who: str) -> frozenset[str]:
    """The FIPS codes a viewer's entry lists, by county (name or FIPS) and region; a name the state lacks is refused."""
    allowed: set[str] = set()
    for name in _listed(entry, "counties"):
        county = cfg.county(str(name))
        if county is None:
            raise ConfigError(f"access.toml: '{name}' (for {who}) is not a county of {cfg.state_name}.")
        allowed.add(county.fips)
    allowed |= {c.fips for region in _listed(entry, "regions") for c in _region_counties(region, cfg, who)}
    return frozenset(allowed)


def _region_counties(region: str, cfg: Settings, who: str) -> list[County]:
    """The counties of *region* (any case); a name that is no region of the state is a mistake, refused."""
    found = [c for c in cfg.counties if c.region.lower() == region.strip().lower()]
    if not found:
        raise ConfigError(f"access.toml: '{region}' (for {who}) is not a region of {cfg.state_name}.")
    return found
