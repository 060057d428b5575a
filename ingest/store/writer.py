"""Writing parsed workbooks into DuckDB: whole files only, several per transaction.

Each batch is one transaction, so a crash or kill leaves every file either
fully stored or not at all. Rows go in as Arrow tables (one statement per
table per batch), since DuckDB's cost is per statement, not per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from ingest.store.audit import record
from ingest.store.db import refresh_derived
from ingest.workbook.awards import FEDERAL_FIELDS, ParsedRegister
from ingest.workbook.report import Issue, ParsedReport

MONEY = pa.decimal128(14, 2)
_TABLES: dict[str, list[tuple[str, pa.DataType]]] = {
    "partners": [("partner", pa.string()), ("discipline", pa.string()), ("mou_signed", pa.bool_()), ("meetings_attended", pa.int32())],
    "maturity": [("indicator_code", pa.string()), ("score", pa.int32()), ("notes", pa.string())],
    "protocols": [
        ("protocol", pa.string()),
        ("focus", pa.string()),
        ("step", pa.int32()),
        ("adopted_on", pa.date32()),
        ("last_reviewed_on", pa.date32()),
    ],
    "practices": [("practice_code", pa.string()), ("status", pa.string())],
    "funding": [
        ("source", pa.string()),
        ("source_type", pa.string()),
        ("form", pa.string()),
        ("amount", MONEY),
        ("counts_toward_match", pa.bool_()),
    ],
    "ta": [("topic", pa.string()), ("requested_on", pa.date32()), ("status", pa.string())],
    "services": [("victimization", pa.string()), ("served", pa.int32()), ("partially_served", pa.int32()), ("not_served", pa.int32())],
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
    ("submission_id", pa.int32()),
    ("subgrant_key", pa.string()),
    ("subgrant_id", pa.string()),
    ("period", pa.string()),
    ("source_file", pa.string()),
    ("sha256", pa.string()),
    ("ingested_at", pa.timestamp("us")),
    ("status", pa.string()),
    ("error_count", pa.int32()),
    ("warning_count", pa.int32()),
    ("prepared_by", pa.string()),
    ("email", pa.string()),
    ("date_submitted", pa.date32()),
    ("meetings_held", pa.int32()),
    ("survivors_engaged", pa.int32()),
    *[(f"has_{k}", pa.bool_()) for k in _TABLES],
]
_AUDIT = [
    ("occurred_at", pa.timestamp("us")),
    ("who", pa.string()),
    ("action", pa.string()),
    ("target", pa.string()),
    ("sha256", pa.string()),
    ("detail", pa.string()),
    ("result", pa.string()),
]
_FEDERAL_AWARD = [
    ("federal_award_number", pa.string()),
    ("federal_fiscal_year", pa.int32()),
    ("award_amount", MONEY),
    ("admin_share", MONEY),
    ("period_start", pa.date32()),
    ("period_end", pa.date32()),
    ("source_file", pa.string()),
    ("source_row", pa.int32()),
    ("loaded_at", pa.timestamp("us")),
]
_ISSUE = [
    ("submission_id", pa.int32()),
    ("sheet", pa.string()),
    ("cell", pa.string()),
    ("severity", pa.string()),
    ("code", pa.string()),
    ("message", pa.string()),
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


def _arrow(columns: list[tuple[str, pa.DataType]], rows: list[tuple[Any, ...]]) -> pa.Table:
    names = [name for name, _ in columns]
    data: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pa.table({name: pa.array(list(values), type=kind) for (name, kind), values in zip(columns, data, strict=True)}).select(names)


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, pa.DataType]], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    batch = _arrow(columns, rows)  # noqa: F841 - read by DuckDB's replacement scan below
    con.execute(f"INSERT INTO {table} ({', '.join(n for n, _ in columns)}) SELECT * FROM batch")


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
            _insert(con, _TABLE_NAMES[name], [("submission_id", pa.int32()), ("row_num", pa.int32()), *_TABLES[name]], rows)
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
                ("subgrant_key", pa.string()),
                ("subgrant_id", pa.string()),
                ("organization", pa.string()),
                ("community", pa.string()),
                ("allocation_category", pa.string()),
                ("award_year", pa.int32()),
                ("award_amount", MONEY),
                ("sa_amount", MONEY),
                ("match_required", MONEY),
                ("start_date", pa.date32()),
                ("end_date", pa.date32()),
                ("county_fips", pa.list_(pa.string())),
                ("tribal_nations", pa.list_(pa.string())),
                ("purpose_areas", pa.list_(pa.int32())),
                ("source_file", pa.string()),
                ("source_row", pa.int32()),
                ("loaded_at", pa.timestamp("us")),
                ("federal_award_number", pa.string()),
                ("award_date", pa.date32()),
                ("uei", pa.string()),
                ("returned_unused", MONEY),
                ("match_exempt", pa.bool_()),
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
            [("load_id", pa.int32()), *_ISSUE[1:]],
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
