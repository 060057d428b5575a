"""Configuration and the configured state's reference data (counties, tribal nations).

Another state is a configuration change: `state = "XX"` in data/config.toml and
a data/states/XX/ folder with the same two CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.errors import ConfigError
from ingest.vocab import ADOPTED_STEP, word_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    region: str


# --- The TA-priority rules ([ta_rules] in data/config.toml) --------------------------------------
# The one definition of each rule's settings and their defaults: the ta_priority view, the dashboard
# pages and the exports all read these. Each rule that fires adds its weight to a community's need score.


@dataclass(frozen=True)
class ProtocolStalled:
    weight: int = 3
    min_quarters: int = 3  # same highest step for this many consecutive quarters
    below_step: int = ADOPTED_STEP  # only protocols not yet adopted count as stalled


@dataclass(frozen=True)
class ReviewOverdue:
    weight: int = 2
    months: int = 12  # adopted protocols are reviewed at least this often


@dataclass(frozen=True)
class LowMaturity:
    weight: int = 3
    below: float = 2.5


@dataclass(frozen=True)
class MaturityFell:
    weight: int = 2
    by_at_least: float = 0.5


@dataclass(frozen=True)
class EssentialMissing:
    weight: int = 1  # per missing essential discipline
    max_weight: int = 4


@dataclass(frozen=True)
class NoSurvivorPractice:
    weight: int = 3


@dataclass(frozen=True)
class NoPrivateFunding:
    weight: int = 1
    quarters: int = 4


@dataclass(frozen=True)
class ReportMissing:
    weight: int = 3


@dataclass(frozen=True)
class ReportErrors:
    weight: int = 1


@dataclass(frozen=True)
class TaRules:
    protocol_stalled: ProtocolStalled = ProtocolStalled()
    review_overdue: ReviewOverdue = ReviewOverdue()
    low_maturity: LowMaturity = LowMaturity()
    maturity_fell: MaturityFell = MaturityFell()
    essential_missing: EssentialMissing = EssentialMissing()
    no_survivor_practice: NoSurvivorPractice = NoSurvivorPractice()
    no_private_funding: NoPrivateFunding = NoPrivateFunding()
    report_missing: ReportMissing = ReportMissing()
    report_errors: ReportErrors = ReportErrors()

    @classmethod
    def from_config(cls, raw: object, source: str = "config.toml") -> TaRules:
        """The rules of a [ta_rules] table; a missing rule or setting keeps its default.

        An unknown rule or setting, or a value that is not a number of the right kind, is a
        :class:`ConfigError` naming *source*, the key and what is allowed.
        """
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: ta_rules must be a table of rules ([ta_rules.protocol_stalled] and so on).")
        rule_types = {f.name: type(getattr(cls(), f.name)) for f in fields(cls)}
        unknown = sorted(set(raw) - set(rule_types))
        if unknown:
            raise ConfigError(f"{source}: ta_rules.{unknown[0]} is not a TA-priority rule. The rules are: {', '.join(rule_types)}.")
        rules: dict[str, Any] = {}
        for name, rule_type in rule_types.items():
            table = raw.get(name, {})
            if not isinstance(table, dict):
                raise ConfigError(f"{source}: ta_rules.{name} must be a table ([ta_rules.{name}]), not {table!r}.")
            allowed = {f.name: f.type for f in fields(rule_type)}
            wrong = sorted(set(table) - set(allowed))
            if wrong:
                raise ConfigError(
                    f"{source}: ta_rules.{name}.{wrong[0]} is not a setting of this rule. Its settings are: {', '.join(allowed)}."
                )
            values: dict[str, int | float] = {}
            for key, value in table.items():
                whole = allowed[key] in (int, "int")
                number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
                if number is None or number < 0 or (whole and not isinstance(number, int)):
                    kind = "a whole number" if whole else "a number"
                    raise ConfigError(f"{source}: ta_rules.{name}.{key} must be {kind} of 0 or more, not {value!r}.")
                values[key] = number  # kept as written: "below 3" stays 3 in the reasons' wording
            rules[name] = rule_type(**values)
        return cls(**rules)


_MONTH_DAY = ("%m-%d", 'a month and day such as "03-31"')


@dataclass(frozen=True)
class Federal:
    """The federal reporting calendar ([federal] in data/config.toml)."""

    report_due_days: int = 30  # a quarterly progress report is due this many days after the quarter ends
    financial_report_due_days: int = 30  # quarterly financial reports
    annual_data_due: tuple[int, int] = (1, 31)  # (month, day) of Y+1: subgrantee annual data for calendar year Y
    administrator_report_due: tuple[int, int] = (3, 31)  # (month, day) of Y+1: the STOP Administrator report for Y
    ffata_threshold: int = 30_000  # FFATA subaward report for subawards of at least this many dollars

    @classmethod
    def from_config(cls, raw: object, file_name: str) -> Federal:
        """The [federal] table read with plain errors; a missing key keeps its default."""
        if not isinstance(raw, dict):
            raise ConfigError(f"{file_name}: [federal] must be a table of settings, such as report_due_days = 30.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{file_name}: [federal] has an unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(known))}.")
        values: dict[str, Any] = {}
        for key in ["report_due_days", "financial_report_due_days", "ffata_threshold"]:
            if key in raw:
                value = raw[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ConfigError(f"{file_name}: [federal] {key} must be a whole number of 0 or more, not {value!r}.")
                values[key] = value
        for key in ["annual_data_due", "administrator_report_due"]:
            if key in raw:
                value = raw[key]
                try:
                    day = dt.datetime.strptime(f"2024-{value}", "%Y-" + _MONTH_DAY[0]) if isinstance(value, str) else None
                except ValueError:
                    day = None
                if day is None:
                    raise ConfigError(f"{file_name}: [federal] {key} must be {_MONTH_DAY[1]} (month first), not {value!r}.")
                values[key] = (day.month, day.day)
        return cls(**values)


@dataclass(frozen=True)
class Settings:
    state: str
    state_name: str
    suppression_threshold: int
    max_file_bytes: int
    max_expanded_bytes: int
    max_expansion_ratio: float
    ta_rules: TaRules
    counties: tuple[County, ...]
    tribal_nations: tuple[str, ...]
    county_index: dict[str, County] = field(repr=False)
    tribe_index: dict[str, str] = field(repr=False)
    # Reading one file: the largest extent (rows x columns) a sheet may span, and the
    # memory and time the separate process that reads it is given ([limits] in config.toml).
    max_sheet_cells: int = 2_000_000
    worker_memory_bytes: int = 1024 * 1024 * 1024
    parse_timeout_s: float = 120.0
    federal: Federal = field(default_factory=Federal)

    @property
    def state_fips(self) -> str:
        return self.counties[0].fips[:2]

    def county(self, text: str) -> County | None:
        """The county a name, alias, "X County" or 5-digit FIPS stands for."""
        key = word_key(text)
        if key.endswith(" county"):
            key = key[: -len(" county")]
        return self.county_index.get(key)

    def tribe(self, text: str) -> str | None:
        """The canonical name of a tribal nation of this state."""
        return self.tribe_index.get(word_key(text))


def config_path() -> Path:
    return Path(os.environ.get("STOPDASH_CONFIG", DATA_DIR / "config.toml"))


@lru_cache(maxsize=4)
def _load(path: Path) -> Settings:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"Cannot read the configuration {path.name}: {e}. Restore it from the project.") from e
    state = str(raw.get("state", "MN"))
    folder = path.parent / "states" / state
    try:
        with open(folder / "counties.csv", encoding="utf-8", newline="") as f:
            county_rows = list(csv.DictReader(f))
        with open(folder / "tribal_nations.csv", encoding="utf-8", newline="") as f:
            tribe_rows = list(csv.DictReader(f))
    except OSError as e:
        raise ConfigError(f"No reference data for state {state!r} in {folder.name}/: {e}.") from e

    counties = tuple(County(r["fips"], r["name"], r.get("region") or "") for r in county_rows)
    county_index: dict[str, County] = {}
    for county, row in zip(counties, county_rows, strict=True):
        for word in [county.fips, county.name, *filter(None, (row.get("aliases") or "").split(";"))]:
            county_index[word_key(word)] = county
    tribe_index: dict[str, str] = {}
    for row in tribe_rows:
        for word in [row["name"], *filter(None, (row.get("aliases") or "").split(";"))]:
            tribe_index[word_key(word)] = row["name"]
    limits = raw.get("limits", {})
    return Settings(
        state=state,
        state_name=str(raw.get("state_name", state)),
        suppression_threshold=int(raw.get("privacy", {}).get("suppression_threshold", 10)),
        max_file_bytes=int(float(limits.get("max_file_mb", 25)) * 1_000_000),
        max_expanded_bytes=int(float(limits.get("max_expanded_mb", 200)) * 1_000_000),
        max_expansion_ratio=float(limits.get("max_expansion_ratio", 100)),
        ta_rules=TaRules.from_config(raw.get("ta_rules", {}), path.name),
        counties=counties,
        tribal_nations=tuple(r["name"] for r in tribe_rows),
        county_index=county_index,
        tribe_index=tribe_index,
        max_sheet_cells=int(limits.get("max_sheet_cells", 2_000_000)),
        worker_memory_bytes=int(float(limits.get("worker_memory_mb", 1024)) * 1024 * 1024),
        parse_timeout_s=float(limits.get("parse_timeout_s", 120)),
        federal=Federal.from_config(raw.get("federal", {}), path.name),
    )


def settings() -> Settings:
    """The settings in force (data/config.toml, or the file STOPDASH_CONFIG names)."""
    return _load(config_path())
