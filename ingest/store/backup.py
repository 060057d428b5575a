"""Backup and restore: every internal table to Parquet, plus the archived originals.

DuckDB's own EXPORT/IMPORT DATABASE replays views before the views they depend
on, so a restore builds a fresh database with this program's schema and loads
the tables into it; the views then come back exactly as this version defines them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ingest.errors import DatabaseError, StopdashError
from ingest.store.db import SCHEMA_VERSION, VOCABULARY_TABLES, connection, refresh_derived

MANIFEST = "stopdash-backup.json"
# The secret behind the protected counts of people (stopdash.suppression): a restored database must give
# the same figures as the old one, or someone holding exports from both could compare them.
PRIVACY_KEY = "privacy.key"


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def backup(db: Path, out_dir: Path) -> dict[str, int]:
    """Write every table of *db* to *out_dir* as Parquet (and copy archive/); returns rows per table."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise StopdashError(f"The backup folder {out_dir} is not empty. Choose a new folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connection(db, read_only=True) as con:
        version = (con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() or ("0",))[0]
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            con.execute(f'COPY "{table}" TO {_literal(out_dir / f"{table}.parquet")} (FORMAT parquet)')
            counts[table] = (con.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,))[0]
    archive = db.parent / "archive"
    if archive.is_dir():
        shutil.copytree(archive, out_dir / "archive")
    key = db.parent / PRIVACY_KEY
    if key.is_file():
        _copy_private(key, out_dir / PRIVACY_KEY)
    (out_dir / MANIFEST).write_text(json.dumps({"schema_version": int(version), "tables": counts}, indent=2))
    return counts


def _copy_private(src: Path, dst: Path) -> None:
    """Copy a secret so that only its owner can read the copy."""
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(src.read_bytes())


def restore(backup_dir: Path, db: Path) -> dict[str, int]:
    """Build *db* (which must not exist) from a backup folder; returns rows per table."""
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.exists():
        raise StopdashError(f"{backup_dir} is not a stopdash backup (no {MANIFEST}).")
    if db.exists():
        raise StopdashError(f"{db} already exists. Restore into a new file, then replace the old one when you have checked it.")
    manifest = json.loads(manifest_path.read_text())
    if manifest["schema_version"] > SCHEMA_VERSION:
        raise DatabaseError(f"The backup was made by a newer stopdash (schema {manifest['schema_version']}). Upgrade stopdash first.")
    with connection(db) as con:
        con.execute("BEGIN")
        for table, expected in manifest["tables"].items():
            if table in ("meta", "county_ref", *VOCABULARY_TABLES):
                continue  # written from this version's configuration and vocabularies when the database opened
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet({_literal(backup_dir / f"{table}.parquet")})')
            got = (con.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,))[0]
            if got != expected:
                con.execute("ROLLBACK")
                raise DatabaseError(f"The backup's {table} table holds {got} rows, not the {expected} its manifest lists.")
        refresh_derived(con)  # a backup from an older stopdash may lack the derived tables or compute them otherwise
        con.execute("COMMIT")
    if (backup_dir / "archive").is_dir():
        shutil.copytree(backup_dir / "archive", db.parent / "archive", dirs_exist_ok=True)
    key = backup_dir / PRIVACY_KEY
    if key.is_file() and not (db.parent / PRIVACY_KEY).exists():
        _copy_private(key, db.parent / PRIVACY_KEY)
    tables: dict[str, int] = manifest["tables"]
    return tables
