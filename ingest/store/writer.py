"""Writing parsed workbooks into DuckDB: whole files only, several per transaction.

Each batch is one transaction, so a crash or kill leaves every file either
fully stored or not at all. Rows go in as one statement per table per batch
(each column one list parameter, unnested), since DuckDB's cost is per
statement, not per row. Not through Arrow: building the first Arrow array
imports pandas, a sixth of a second of every `stopdash ingest`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ingest.store.audit import record
from ingest.store.db import refresh_derived
from ingest.workbook.awards import FEDERAL_FIELDS, ParsedRegister
from ingest.workbook.report import Issue, ParsedReport

MONEY = "DECIMAL(14,2)"
# Columns as (name, DuckDB type).
_TABLES: dict[str, list[tuple[str, str]]] = {
    "partners": [("partner", "VARCHAR"), ("discipline", "VARCHAR"), ("mou_signed", "BOOLEAN"), ("meetings_attended", "INTEGER")],
    "maturity": [("indicator_code", "VARCHAR"), ("score", "INTEGER"), ("notes", "VARCHAR")],
    "protocols": [
        ("protocol", "VARCHAR"),
        ("focus", "VARCHAR"),
        ("step", "INTEGER"),
        ("adopted_on", "DATE"),
        ("last_reviewed_on", "DATE"),
    ],
    "practices": [("practice_code", "VARCHAR"), ("status", "VARCHAR")],
    "funding": [
        ("source", "VARCHAR"),
        ("source_type", "VARCHAR"),
        ("form", "VARCHAR"),
        ("amount", MONEY),
        ("counts_toward_match", "BOOLEAN"),
    ],
    "ta": [("topic", "VARCHAR"), ("requested_on", "DATE"), ("status", "VARCHAR")],
    "services": [("victimization", "VARCHAR"), ("served", "INTEGER"), ("partially_served", "INTEGER"), ("not_served", "INTEGER")],
}
_TABLE_NAMES = {
    "partners": "partner_row",
    "maturity": "maturity_row",
    "protocols": "protocol_row",
    "practices": "practice_row",
    "funding": "funding_row",
    "ta": "ta_row",
    "services": "service_row",
}
_SUBMISSION = [
    ("submission_id", "INTEGER"),
    ("subgrant_key", "VARCHAR"),
    ("subgrant_id", "VARCHAR"),
    ("period", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("ingested_at", "TIMESTAMP"),
    ("status", "VARCHAR"),
    ("error_count", "INTEGER"),
    ("warning_count", "INTEGER"),
    ("prepared_by", "VARCHAR"),
    ("email", "VARCHAR"),
    ("date_submitted", "DATE"),
    ("meetings_held", "INTEGER"),
    ("survivors_engaged", "INTEGER"),
    *[(f"has_{k}", "BOOLEAN") for k in _TABLES],
]
_AUDIT = [
    ("occurred_at", "TIMESTAMP"),
    ("who", "VARCHAR"),
    ("action", "VARCHAR"),
    ("target", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("detail", "VARCHAR"),
    ("result", "VARCHAR"),
]
_FEDERAL_AWARD = [
    ("federal_award_number", "VARCHAR"),
    ("federal_fiscal_year", "INTEGER"),
    ("award_amount", MONEY),
    ("admin_share", MONEY),
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("source_file", "VARCHAR"),
    ("source_row", "INTEGER"),
    ("loaded_at", "TIMESTAMP"),
]
_ISSUE = [
    ("submission_id", "INTEGER"),
    ("sheet", "VARCHAR"),
    ("cell", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("code", "VARCHAR"),
    ("message", "VARCHAR"),
]


@dataclass
class Outcome:
    """What became of one file."""

    source_file: str
    status: str  # accepted, accepted_with_errors, rejected, skipped
    subgrant_id: str | None = None
    period: str | None = None
    errors: int = 0
    warnings: int = 0
    message: str = ""
    submission_id: int | None = None
    issues: list[Issue] = field(default_factory=list)  # the problems found, with sheet and cell


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    values = [list(column) for column in zip(*rows, strict=True)]
    for k, (_, kind) in enumerate(columns):
        if kind == MONEY:  # as text, so no dollar amount passes through a float on its way in
            values[k] = [None if v is None else str(v) for v in values[k]]
    # Unnests in one SELECT run side by side: row i takes the i-th value of every list.
    picks = ", ".join(f"unnest(${k}::{kind}[])" for k, (_, kind) in enumerate(columns, start=1))
    con.execute(f"INSERT INTO {table} ({', '.join(n for n, _ in columns)}) SELECT {picks}", values)


def store_reports(
    con: duckdb.DuckDBPyConnection, reports: list[ParsedReport], who: str, *, received: Mapping[str, dt.datetime] | None = None
) -> list[Outcome]:
    """Store a batch of checked reports (ingest.checks) in one transaction, audited as *who*; duplicates (same bytes) are skipped."""
    outcomes: list[Outcome] = []
    con.execute("BEGIN")
    try:
        seen = {row[0] for row in con.execute("SELECT sha256 FROM submission").fetchall()}
        next_id = (con.execute("SELECT max(submission_id) FROM submission").fetchone() or (None,))[0] or 0
        current = {
            (k, p): sid for sid, k, p in con.execute("SELECT submission_id, subgrant_key, period FROM current_submission").fetchall()
        }
        submissions: list[tuple[Any, ...]] = []
        issues: list[tuple[Any, ...]] = []
        facts: dict[str, list[tuple[Any, ...]]] = {k: [] for k in _TABLES}
        superseded: list[int] = []
        now = dt.datetime.now().replace(microsecond=0)
        for report in reports:
            if report.sha256 and report.sha256 in seen:  # a file never read (too large, a link) has no hash to match
                outcomes.append(
                    Outcome(report.source_file, "skipped", report.subgrant_id, report.period, message="already ingested (the same bytes)")
                )
                continue
            seen.add(report.sha256)
            next_id += 1
            sid = next_id
            subgrant_id = report.registered_id or report.subgrant_id
            subgrant_key = subgrant_id.strip().lower() if subgrant_id else None
            status = "rejected" if report.refusal else ("accepted_with_errors" if report.error_count else "accepted")
            if status != "rejected":
                previous = current.get((subgrant_key, report.period))
                if previous is not None:
                    superseded.append(previous)
                current[(subgrant_key, report.period)] = sid
                for name, rows in report.sections.items():
                    fields = [f for f, _ in _TABLES[name]]
                    facts[name].extend((sid, row_num, *(values[f] for f in fields)) for row_num, values in rows or [])
            p = report.profile if status != "rejected" else {}
            submissions.append(
                (
                    sid,
                    subgrant_key,
                    subgrant_id,
                    report.period,
                    report.source_file,
                    report.sha256,
                    (received or {}).get(report.sha256, now),  # when it reached the state; the audit keeps the real time
                    status,
                    report.error_count,
                    report.warning_count,
                    p.get("prepared_by"),
                    p.get("email"),
                    p.get("date_submitted"),
                    p.get("meetings_held"),
                    p.get("survivors_engaged"),
                    *[status != "rejected" and report.sections.get(k) is not None for k in _TABLES],
                )
            )
            issues.extend((sid, i.sheet, i.cell, i.severity, i.code, i.message) for i in report.issues)
            outcomes.append(
                Outcome(
                    report.source_file,
                    status,
                    subgrant_id,
                    report.period,
                    report.error_count,
                    report.warning_count,
                    report.refusal.message if report.refusal else "",
                    sid,
                    list(report.issues),
                )
            )
        _insert(con, "submission", _SUBMISSION, submissions)
        if superseded:  # after the insert: the older file may be in this same batch
            con.execute("UPDATE submission SET status = 'superseded' WHERE list_contains(?, submission_id)", [superseded])
        _insert(con, "issue", _ISSUE, issues)
        _insert(
            con,
            "audit",
            _AUDIT,
            [
                (now, who, "ingest", o.source_file, r.sha256, f"{o.subgrant_id or ''} {o.period or ''}".strip(), o.status)
                for o, r in zip(outcomes, reports, strict=True)
            ],
        )
        for name, rows in facts.items():
            _insert(con, _TABLE_NAMES[name], [("submission_id", "INTEGER"), ("row_num", "INTEGER"), *_TABLES[name]], rows)
        refresh_derived(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return outcomes


def store_register(con: duckdb.DuckDBPyConnection, parsed: ParsedRegister, who: str) -> int:
    """Insert or update subgrants by Subgrant ID, in one transaction audited as *who*; returns the load's id."""
    con.execute("BEGIN")
    try:
        load_id = ((con.execute("SELECT max(load_id) FROM register_load").fetchone() or (None,))[0] or 0) + 1
        now = dt.datetime.now().replace(microsecond=0)
        keys = [str(r["subgrant_id"]).strip().lower() for r in parsed.rows]
        if keys:
            con.execute("DELETE FROM subgrant WHERE list_contains(?, subgrant_key)", [keys])
        rows = [
            (
                key,
                r["subgrant_id"],
                r["organization"],
                r["community"],
                r["allocation_category"],
                r["award_year"],
                r["award_amount"],
                r["sa_amount"],
                r["match_required"],
                r["start_date"],
                r["end_date"],
                r["county_fips"],
                r["tribal_nations"],
                r["purpose_areas"],
                parsed.source_file,
                r["source_row"],
                now,
                *(r.get(name) for name in FEDERAL_FIELDS),
            )
            for key, r in zip(keys, parsed.rows, strict=True)
        ]
        _insert(
            con,
            "subgrant",
            [
                ("subgrant_key", "VARCHAR"),
                ("subgrant_id", "VARCHAR"),
                ("organization", "VARCHAR"),
                ("community", "VARCHAR"),
                ("allocation_category", "VARCHAR"),
                ("award_year", "INTEGER"),
                ("award_amount", MONEY),
                ("sa_amount", MONEY),
                ("match_required", MONEY),
                ("start_date", "DATE"),
                ("end_date", "DATE"),
                ("county_fips", "VARCHAR[]"),
                ("tribal_nations", "VARCHAR[]"),
                ("purpose_areas", "INTEGER[]"),
                ("source_file", "VARCHAR"),
                ("source_row", "INTEGER"),
                ("loaded_at", "TIMESTAMP"),
                ("federal_award_number", "VARCHAR"),
                ("award_date", "DATE"),
                ("uei", "VARCHAR"),
                ("returned_unused", MONEY),
                ("match_exempt", "BOOLEAN"),
            ],
            rows,
        )
        if parsed.federal_awards is not None:  # the sheet is the whole list; a register without it keeps the stored one
            con.execute("DELETE FROM federal_award")
            _insert(
                con,
                "federal_award",
                _FEDERAL_AWARD,
                [(*(a[name] for name, _ in _FEDERAL_AWARD[:6]), parsed.source_file, a["source_row"], now) for a in parsed.federal_awards],
            )
        errors = sum(i.severity == "error" for i in parsed.issues)
        con.execute(
            "INSERT INTO register_load VALUES (?, ?, ?, ?, ?, ?, ?)",
            [load_id, parsed.source_file, parsed.sha256, now, len(rows), errors, len(parsed.issues) - errors],
        )
        _insert(
            con,
            "register_issue",
            [("load_id", "INTEGER"), *_ISSUE[1:]],
            [(load_id, i.sheet, i.cell, i.severity, i.code, i.message) for i in parsed.issues],
        )
        record(
            con,
            who,
            "load-awards",
            parsed.source_file,
            sha256=parsed.sha256,
            detail=f"{len(rows)} subgrants loaded",
            result=f"{errors} row errors" if errors else "loaded",
        )
        refresh_derived(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return load_id
