"""The TA-priority rules: one definition (ingest.config.TaRules), read by the view, the dashboard and the export alike."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import shutil
import tomllib
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ingest import config
from ingest.config import TaRules
from ingest.errors import ConfigError
from ingest.quarters import quarter_bounds
from ingest.store.db import connection
from ingest.vocab import ADOPTED_STEP
from stopdash.exports.report_sheets import protocols_sheet
from stopdash.queries.overview import Filters
from stopdash.queries.practice import protocols_overdue, protocols_stalled

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"


def config_copy(tmp_path: Path, edit: str = "") -> Path:
    """A copy of data/ whose config.toml has *edit* appended (a TOML table overriding the shipped one)."""
    folder = tmp_path / "cfg"
    shutil.copytree(config.DATA_DIR, folder, ignore=shutil.ignore_patterns("demo", "*.duckdb*", "archive"))
    path = folder / "config.toml"
    text = path.read_text(encoding="utf-8")
    if edit:
        # Replace the shipped [ta_rules.X] table by the edited one (TOML forbids defining a table twice).
        name = re.match(r"\[(ta_rules\.[a-z_]+)\]", edit.strip())
        if name:
            text = re.sub(rf"\[{re.escape(name[1])}\]\n(?:[^\[\n][^\n]*\n|\n)*", "", text)
        text += "\n" + edit + "\n"
    path.write_text(text, encoding="utf-8")
    return path


# ---- the one definition ---------------------------------------------------------------------------------------


def test_the_shipped_config_states_exactly_the_defaults() -> None:
    """data/config.toml lists every rule and setting, with the defaults of TaRules (they cannot drift apart)."""
    raw = tomllib.loads((config.DATA_DIR / "config.toml").read_text(encoding="utf-8"))["ta_rules"]
    defaults = TaRules()
    assert TaRules.from_config(raw) == defaults
    assert set(raw) == set(vars(defaults))
    for name, rule in vars(defaults).items():
        assert raw[name] == vars(rule), name


def test_a_rule_left_out_keeps_its_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = config_copy(tmp_path)
    path.write_text(re.sub(r"\[ta_rules\.low_maturity\]\n(?:[^\[\n][^\n]*\n|\n)*", "", path.read_text()), encoding="utf-8")
    monkeypatch.setenv("STOPDASH_CONFIG", str(path))
    assert config.settings().ta_rules == TaRules()


BAD = [
    ("[ta_rules.low_maturity]\nweight = 3\nbelow = 2.5\nabove = 4", "ta_rules.low_maturity.above", "weight, below"),
    ("[ta_rules.no_such_rule]\nweight = 1", "ta_rules.no_such_rule", "protocol_stalled, review_overdue"),
    ('[ta_rules.review_overdue]\nweight = 2\nmonths = "twelve"', "ta_rules.review_overdue.months", "a whole number"),
    ("[ta_rules.review_overdue]\nweight = 2\nmonths = 12.5", "ta_rules.review_overdue.months", "a whole number"),
    ("[ta_rules.report_errors]\nweight = -1", "ta_rules.report_errors.weight", "0 or more"),
    ("[ta_rules.low_maturity]\nweight = 3\nbelow = true", "ta_rules.low_maturity.below", "a number"),
    ("[ta_rules.maturity_fell]\nweight = 2\nby_at_least = [0.5]", "ta_rules.maturity_fell.by_at_least", "a number"),
]


@pytest.mark.parametrize(("edit", "key", "allowed"), BAD)
def test_a_wrong_setting_is_a_plain_error_naming_file_key_and_what_is_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str, key: str, allowed: str
) -> None:
    monkeypatch.setenv("STOPDASH_CONFIG", str(config_copy(tmp_path, edit)))
    with pytest.raises(ConfigError) as caught:
        config.settings()
    message = str(caught.value)
    assert message.startswith("config.toml: ") and key in message and allowed in message


def test_no_module_keeps_its_own_copy_of_a_default() -> None:
    """Only ingest/config.py reads the [ta_rules] table; everything else asks TaRules."""
    for path in [*sorted((ROOT / "ingest").rglob("*.py")), *(ROOT / "stopdash").rglob("*.py"), *(ROOT / "dashboard").rglob("*.py")]:
        if path.name == "config.py" and path.parent.name == "ingest":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"ta_rules\.get\(|\.get\(\"(protocol_stalled|review_overdue)\"", text), path


# ---- one setting changes the view, the dashboard and the export alike -------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """*day* minus whole calendar months, the day clamped to the month's length (as SQL's INTERVAL does)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def overdue_by_hand(db: Path, months: int) -> dict[tuple[str, str], set[str]]:
    """(subgrant, period) → the adopted protocols reported then whose last review (or adoption) is older than *months*."""
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT subgrant_id, period, protocol, step, coalesce(last_reviewed_on, adopted_on) FROM protocols").fetchall()
    out: dict[tuple[str, str], set[str]] = {}
    for sid, period, protocol, step, reviewed in found:
        due = months_before(quarter_bounds(period)[1], months)
        if step >= ADOPTED_STEP and reviewed is not None and reviewed < due:
            out.setdefault((sid, period), set()).add(protocol)
    return out


def test_review_period_changes_view_dashboard_and_export_alike(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ta_rules.review_overdue.months, changed in a temporary config, moves the ta_priority reason, the Protocols
    page's query and heading, and the export's Protocols sheet together, to the same protocols."""
    overdue_counts = []
    for months in (3, 12, 30):
        case = tmp_path / f"m{months}"
        db = case / "demo.duckdb"
        case.mkdir()
        shutil.copy(demo_db, db)
        edit = f"[ta_rules.review_overdue]\nweight = 2\nmonths = {months}"
        monkeypatch.setenv("STOPDASH_CONFIG", str(config_copy(case, edit)))
        with connection(db):
            pass  # reopening for writing rebuilds the views from the configuration
        expected = overdue_by_hand(db, months)
        overdue_counts.append(sum(map(len, expected.values())))
        with duckdb.connect(str(db), read_only=True) as con:
            period = con.execute("SELECT period FROM reporting_quarter").fetchone()[0]
            priorities = con.execute("SELECT subgrant_id, period, reasons FROM ta_priority WHERE period IS NOT NULL").fetchall()
            sheet = protocols_sheet(con, None, period)

        # The view: one reason per subgrant with overdue protocols in its latest report, saying the configured period.
        for sid, latest, reasons in priorities:
            said = [r for r in reasons if "not been reviewed" in r]
            n = len(expected.get((sid, latest), set()))
            wording = f"{n} adopted protocol{' has' if n == 1 else 's have'} not been reviewed in the last {months} months"
            assert said == ([wording] if n else [])

        # The dashboard's query, with the rule's own default.
        got = protocols_overdue(db, Filters(period=period))
        assert set(zip(got["subgrant_id"], got["protocol"], strict=True)) == {
            (sid, p) for (sid, q), names in expected.items() if q == period for p in names
        }

        # The export: the column names the period, and says Yes for exactly the same protocols.
        column = f"Review overdue ({months} months)"
        assert column in sheet.kinds
        frame = sheet.frame
        yes = frame[frame[column] == "Yes"]
        listed = set(zip(frame["Subgrant ID"], frame["Period"], strict=True))
        want = {(sid, q, p) for (sid, q), names in expected.items() if (sid, q) in listed for p in names}
        assert set(zip(yes["Subgrant ID"], yes["Period"], yes["Protocol"], strict=True)) == want

        # The page: its heading gives the configured period.
        monkeypatch.setenv("STOPDASH_DB", str(db))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        at.switch_page("views/protocols.py").run()
        at.session_state["protocols_section"] = "Overdue for review"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert f"Adopted protocols overdue for review (over {months} months)" in [h.value for h in at.header]
    assert len(set(overdue_counts)) > 1, "the demo portfolio needs protocols reviewed at different times"


def test_stalled_quarters_change_the_view_and_the_dashboard_alike(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ta_rules.protocol_stalled.min_quarters moves the dashboard's default and the view's reason together."""
    shown, reasons_given = [], []
    for quarters in (2, 3):
        case = tmp_path / f"q{quarters}"
        db = case / "demo.duckdb"
        case.mkdir()
        shutil.copy(demo_db, db)
        edit = f"[ta_rules.protocol_stalled]\nweight = 3\nmin_quarters = {quarters}\nbelow_step = 5"
        monkeypatch.setenv("STOPDASH_CONFIG", str(config_copy(case, edit)))
        with connection(db):
            pass
        assert config.settings().ta_rules.protocol_stalled.min_quarters == quarters
        with duckdb.connect(str(db), read_only=True) as con:
            period = con.execute("SELECT period FROM reporting_quarter").fetchone()[0]
            runs = [
                int(m[1])
                for (reasons,) in con.execute("SELECT reasons FROM ta_priority WHERE period = ?", [period]).fetchall()
                for r in reasons
                if (m := re.search(r"for (\d+) quarters$", r)) and r.startswith("Protocol has stayed")
            ]
        assert all(run >= quarters for run in runs)
        stalled = protocols_stalled(db, Filters(period=period))
        assert (stalled["quarters"] >= quarters).all() and (stalled["step"] < 5).all()
        assert stalled.equals(protocols_stalled(db, Filters(period=period), min_quarters=quarters, below_step=5))
        shown.append(len(stalled))
        reasons_given.append(len(runs))
    assert shown[0] > shown[1], "the demo portfolio has protocols stalled for exactly 2 quarters"
    assert reasons_given[0] >= reasons_given[1] > 0
