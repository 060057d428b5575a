"""The stopdash benchmark: prints a table and writes bench/results/latest.json.

Everything is measured in one run, side by side, on the same files:
1. ingest throughput against a naive baseline (pandas.read_excel + one INSERT per row), in this process
   and as the whole `stopdash ingest FOLDER` process a person runs (start-up, workers and exit included);
2. a national corpus (2,500 subgrants, one quarter) with 1 and 2 worker processes, peak memory;
   and a national database of 2,500 subgrants x 20 quarters (the ingested quarter copied to 20);
3. the time each dashboard page takes to render (AppTest), and to be fully drawn in Chromium (bench/browser.py)
   beside a bare Streamlit page, on the demo and the national database;
4. `stopdash export summary` on the national database.

Run: `make bench` (about 5 minutes), or `python bench/run.py --quick` for a small smoke run.
Figures are printed, never asserted: tests do not time anything.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest outside a server warns on every run

from ingest.pipeline import collect_paths, ingest_paths, load_register  # noqa: E402
from ingest.store.db import refresh_derived  # noqa: E402
from stopdash.demo.build import build_demo  # noqa: E402
from stopdash.demo.portfolio import write_portfolio  # noqa: E402

RESULTS: dict[str, object] = {}


def say(label: str, value: str) -> None:
    print(f"  {label:<58} {value}", flush=True)


def naive_ingest(files: list[Path], db: Path) -> None:
    """The baseline: read every sheet with pandas, insert every row with its own statement."""
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE raw_row (file VARCHAR, sheet VARCHAR, row_num INTEGER, cells VARCHAR)")
    for path in files:
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
        except Exception:  # noqa: BLE001 - the baseline skips unreadable files
            continue
        for name, frame in sheets.items():
            for i, row in enumerate(frame.itertuples(index=False)):
                con.execute("INSERT INTO raw_row VALUES (?, ?, ?, ?)", [path.name, name, i, json.dumps([str(v) for v in row])])
    con.close()


def stopdash_command() -> list[str]:
    """The `stopdash` command as a person runs it (the installed script), else `python -m stopdash.cli`."""
    script = Path(sys.executable).with_name("stopdash")
    return [str(script)] if script.exists() else [sys.executable, "-m", "stopdash.cli"]


def whole_ingest(folder: Path, db: Path) -> float:
    """Seconds for the whole `stopdash ingest FOLDER` process: start, imports, workers, storing, summary, exit."""
    start = time.perf_counter()
    done = subprocess.run([*stopdash_command(), "ingest", str(folder), "--db", str(db)], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some files were refused or had row errors, as the corpus means them to
        raise RuntimeError(f"stopdash ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def timed(func, *args, **kwargs) -> float:
    start = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - start


def fresh_db(folder: Path, register: Path, name: str) -> Path:
    db = folder / f"{name}.duckdb"
    load_register(register, db)
    return db


def ingest_in_child(register: Path, files_dir: Path, db: Path, workers: int) -> dict[str, float]:
    """Ingest in a separate process, so its peak memory (and its workers') is its own."""
    code = f"""
import json, resource, sys, time
from pathlib import Path
from ingest.pipeline import collect_paths, ingest_paths, load_register
if __name__ == "__main__":
    load_register(Path({str(register)!r}), Path({str(db)!r}))
    files = collect_paths([Path({str(files_dir)!r})])
    start = time.perf_counter()
    ingest_paths(files, Path({str(db)!r}), workers={workers})
    seconds = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({{"files": len(files), "seconds": seconds, "peak_main_mb": me, "peak_worker_mb": kids}}))
"""
    script = db.parent / f"child_{workers}.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def widen_to_quarters(db: Path, quarters: int) -> None:
    """Copy the one ingested quarter to *quarters* quarters (new submission ids, shifted periods)."""
    con = duckdb.connect(str(db))
    span = con.execute("SELECT max(submission_id) FROM submission").fetchone()[0]
    con.execute("UPDATE subgrant SET start_date = DATE '2022-01-01', end_date = DATE '2026-12-31'")
    tables = ["issue", "partner_row", "maturity_row", "protocol_row", "practice_row", "funding_row", "ta_row", "service_row"]
    for k in range(1, quarters):
        shift = f"quarter_label(quarter_index(period) - {k})"
        con.execute(f"""INSERT INTO submission SELECT * REPLACE (submission_id + {span * k} AS submission_id,
                        {shift} AS period, sha256 || '-{k}' AS sha256) FROM submission WHERE submission_id <= {span}""")
        for table in tables:
            con.execute(
                f"INSERT INTO {table} SELECT * REPLACE (submission_id + {span * k} AS submission_id) "
                f"FROM {table} WHERE submission_id <= {span}"
            )
    refresh_derived(con)
    con.execute("CHECKPOINT")
    con.close()


def page_times(db: Path, repeat: int) -> dict[str, float]:
    """Median seconds to render each dashboard page under AppTest, its query cache emptied before each run."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["STOPDASH_DB"] = str(db)
    pages = sorted(p.stem for p in (ROOT / "dashboard" / "views").glob("*.py") if not p.name.startswith("_"))
    result = {}
    for page in pages:
        runs = []
        for _ in range(repeat + 1):  # the first run warms caches and imports; it is not counted
            at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
            if page == "community":
                at.query_params["subgrant"] = "MN-STOP-2025-002"
            st.cache_data.clear()  # measure the queries, not the cache
            start = time.perf_counter()
            at.run()
            if page != "overview":
                at.switch_page(f"views/{page}.py").run()
            runs.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"page {page} failed: {at.exception[0].value}")
        result[page] = sorted(runs[1:])[len(runs[1:]) // 2]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small smoke run (minutes become seconds)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    state_subgrants, state_quarters, national, quarters = (30, 2, 200, 4) if args.quick else (90, 4, 2500, 20)
    work = Path(tempfile.mkdtemp(prefix="stopdash-bench-"))
    # As on a machine where stopdash has run before: its modules' bytecode is cached (where PYTHONDONTWRITEBYTECODE
    # is set, no run ever writes it, and every process would compile the engine again, in each worker too).
    for package in ("ingest", "stopdash", "dashboard"):
        compileall.compile_dir(ROOT / package, quiet=1)
    RESULTS["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "quick": args.quick}
    try:
        print(f"1. Ingest throughput ({state_subgrants} subgrants x {state_quarters} quarters)")
        portfolio = write_portfolio(work / "state", subgrants=state_subgrants, quarters=state_quarters)
        files = collect_paths([work / "state" / "reports"])
        naive = timed(naive_ingest, files, work / "naive.duckdb")
        one = timed(ingest_paths, files, fresh_db(work, portfolio.register, "one"), workers=1)
        two = timed(ingest_paths, files, fresh_db(work, portfolio.register, "two"), workers=2)
        whole = min(whole_ingest(work / "state" / "reports", fresh_db(work, portfolio.register, f"whole{k}")) for k in range(3))
        helped = min(timed(subprocess.run, [*stopdash_command(), "--help"], check=True, capture_output=True, cwd=ROOT) for _ in range(3))
        RESULTS["throughput"] = {
            "files": len(files),
            "naive_s": naive,
            "stopdash_1_s": one,
            "stopdash_2_s": two,
            "naive_wps": len(files) / naive,
            "stopdash_1_wps": len(files) / one,
            "stopdash_2_wps": len(files) / two,
            "whole_process_s": whole,
            "whole_process_wps": len(files) / whole,
            "whole_process_vs_naive": naive / whole,
            "help_s": helped,
        }
        say("workbooks", f"{len(files)}")
        say("naive baseline (pandas.read_excel + INSERT per row)", f"{len(files) / naive:8.1f} workbooks/s")
        say("stopdash ingest, 1 worker process", f"{len(files) / one:8.1f} workbooks/s  ({naive / one:.1f}x baseline)")
        say("stopdash ingest, 2 workers (default from 100 files)", f"{len(files) / two:8.1f} workbooks/s  ({naive / two:.1f}x baseline)")
        say(
            "`stopdash ingest FOLDER`, the whole process (best of 3)",
            f"{len(files) / whole:8.1f} workbooks/s  ({naive / whole:.1f}x baseline; goal 250/s and 10x)",
        )
        say("`stopdash --help` (best of 3)", f"{helped:8.2f} s  (goal under 0.3 s)")

        print(f"2. National scale ({national} subgrants, one quarter; database widened to {quarters} quarters)")
        start = time.perf_counter()
        nat = write_portfolio(work / "national", subgrants=national, quarters=1, first_quarter="2026-Q4")
        say("corpus written", f"{time.perf_counter() - start:8.1f} s")
        runs = {w: ingest_in_child(nat.register, work / "national" / "reports", work / f"national-{w}.duckdb", w) for w in (1, 2)}
        for w, r in runs.items():
            say(
                f"national quarter, {w} process(es)",
                f"{r['files'] / r['seconds']:8.1f} workbooks/s  ({r['seconds']:.1f} s for {r['files']})",
            )
        say("peak memory (main process / largest worker)", f"{runs[2]['peak_main_mb']:8.0f} MB / {runs[2]['peak_worker_mb']:.0f} MB")
        say("scaling 1 -> 2 processes", f"{runs[1]['seconds'] / runs[2]['seconds']:8.2f}x")
        national_db = work / "national-2.duckdb"
        widen_to_quarters(national_db, quarters)
        rows = duckdb.connect(str(national_db), read_only=True).execute("SELECT count(*) FROM community_period").fetchone()[0]
        say("national database: community_period rows", f"{rows:8d}")
        RESULTS["national"] = {"ingest": runs, "community_period_rows": rows, "quarters": quarters}

        print("3. Dashboard pages (AppTest, cold query cache, median of 3 after a warm-up)")
        demo_db = build_demo(work / "demo" / "demo.duckdb")
        demo_times = page_times(demo_db, 3)
        national_times = page_times(national_db, 3)
        for page in demo_times:
            say(
                page,
                f"demo {demo_times[page]:6.2f} s   national {national_times[page]:6.2f} s   "
                f"ratio {national_times[page] / demo_times[page]:5.2f}",
            )
        RESULTS["pages"] = {"demo_s": demo_times, "national_s": national_times}

        print("3b. Dashboard pages in Chromium (fully drawn: fresh open and in-app click, median of 3), beside a bare page")
        from browser import measure, print_table

        drawn = measure({"demo": demo_db, "national": national_db}, 3)
        missed = print_table(drawn, {"demo": demo_times, "national": national_times})
        RESULTS["browser"] = drawn
        RESULTS["browser_goals_missed"] = missed

        print("4. Export summary on the national database")
        out = work / "summary.xlsx"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "stopdash.cli", "export", "summary", "--out", str(out), "--db", str(national_db)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        seconds = time.perf_counter() - start
        say("stopdash export summary (xlsx)", f"{seconds:8.2f} s  ({out.stat().st_size / 1e6:.1f} MB)")
        RESULTS["export"] = {"summary_xlsx_s": seconds}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(RESULTS, indent=2))
    print(f"Results written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
