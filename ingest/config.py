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
from ingest.vocab import word_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    region: str


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
        for key in ("report_due_days", "financial_report_due_days", "ffata_threshold"):
            if key in raw:
                value = raw[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ConfigError(f"{file_name}: [federal] {key} must be a whole number of 0 or more, not {value!r}.")
                values[key] = value
        for key in ("annual_data_due", "administrator_report_due"):
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
    ta_rules: dict[str, dict[str, Any]]
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
        ta_rules=dict(raw.get("ta_rules", {})),
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
