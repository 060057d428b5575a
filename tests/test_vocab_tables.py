"""The vocabularies the views need live in small tables seeded from ingest/vocab.py, not in words copied into SQL."""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import pytest

from ingest import vocab
from ingest.store.db import VOCABULARY_TABLES, connection, open_db

ROOT = Path(__file__).resolve().parents[1]


def fetch(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_tables_hold_the_vocabularies(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    open_db(db).close()
    assert fetch(db, "SELECT step, name, adopted FROM protocol_step ORDER BY step") == [
        (i, name, i >= vocab.ADOPTED_STEP) for i, name in enumerate(vocab.STEPS)
    ]
    assert fetch(db, "SELECT name FROM maturity_level ORDER BY level") == [(name,) for name in vocab.LEVELS]
    assert {t for (t,) in fetch(db, "SELECT source_type FROM funding_type WHERE is_private")} == set(vocab.PRIVATE_FUNDING_TYPES)
    assert {t for (t,) in fetch(db, "SELECT source_type FROM funding_type")} == set(vocab.FUNDING_TYPES)
    assert fetch(db, "SELECT status FROM practice_status WHERE in_place") == [("In place",)]
    assert {d for (d,) in fetch(db, "SELECT discipline FROM essential_discipline")} == {
        *vocab.ESSENTIAL_DISCIPLINES,
        vocab.TRIBAL_DISCIPLINE,
    }


def test_a_database_missing_the_tables_gets_them_when_opened_for_writing(tmp_path: Path) -> None:
    """An older database (written before these tables existed) gains them, seeded, on its next write."""
    db = tmp_path / "old.duckdb"
    open_db(db).close()
    with duckdb.connect(str(db)) as con:
        for table in VOCABULARY_TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'fingerprint'")
    with connection(db):
        pass
    for table, seed in VOCABULARY_TABLES.items():
        assert len(fetch(db, f"SELECT * FROM {table}")) == len(seed), table


def test_the_views_read_the_vocabularies_as_the_contract_says(demo_db: Path) -> None:
    """Every derived word and count equals what ingest/vocab.py says, computed here from the raw rows."""
    for step, name in fetch(demo_db, "SELECT step, step_name FROM protocols"):
        assert name == vocab.STEPS[step]
    for source_type, private in fetch(demo_db, "SELECT source_type, is_private FROM funding"):
        assert private == (None if source_type is None else source_type in vocab.PRIVATE_FUNDING_TYPES)
    for score, level in fetch(demo_db, "SELECT maturity_score, maturity_level FROM community_period"):
        assert level == (None if score is None else vocab.LEVELS[math.floor(score + 0.5) - 1])
    adopted = dict(fetch(demo_db, "SELECT subgrant_id || period, count(*) FILTER (WHERE step >= 5) FROM protocols GROUP BY 1"))
    private = dict(
        fetch(
            demo_db,
            "SELECT subgrant_id || period, sum(amount) FILTER (WHERE source_type IN "
            "('Private foundation', 'Corporate', 'Individual donors', 'Civic or faith-based')) FROM funding GROUP BY 1",
        )
    )
    in_place = dict(
        fetch(demo_db, "SELECT subgrant_id || period, count(*) FILTER (WHERE status = 'In place') FROM survivor_practices GROUP BY 1")
    )
    rows = fetch(demo_db, "SELECT subgrant_id || period, protocols_adopted, leveraged_private, practices_in_place FROM community_period")
    assert any(a for _, a, _, _ in rows) and any(p for _, _, p, _ in rows) and any(n for _, _, _, n in rows)
    for key, n_adopted, n_private, n_in_place in rows:
        if n_adopted is not None:
            assert n_adopted == adopted.get(key, 0), key
        if n_private is not None:
            assert n_private == (private.get(key) or 0), key
        if n_in_place is not None:
            assert n_in_place == in_place.get(key, 0), key


# Words of the vocabularies (and the adopted step) that the SQL must not spell out.
COPIED = [
    *(repr(w) for w in [*vocab.PRIVATE_FUNDING_TYPES, *vocab.LEVELS, *vocab.STEPS]),
    "'In place'",
    ">= 5",
    "< 5",
]


@pytest.mark.parametrize(
    "path",
    [ROOT / "ingest/store/sql/views.sql", *sorted((ROOT / "stopdash/queries").glob("*.py")), ROOT / "stopdash/exports/report_sheets.py"],
    ids=lambda p: p.name,
)
def test_no_vocabulary_is_copied_into_sql(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":  # only the SQL strings: the triple-quoted blocks
        text = "\n".join(re.findall(r'"""(.*?)"""', text, flags=re.S)[1:])  # [1:]: not the module docstring
    found = [w for w in COPIED if w in text]
    assert not found, f"{path.name} spells out {found}; join the vocabulary tables instead"
