"""Speed of the manager's reports on a big store: dashboard, full report, PDF and CSV export.

Usage:
    .venv/bin/python bench/bench_reports.py --db /tmp/store-100k.sqlite3 --json /tmp/bench-reports.json
    .venv/bin/python bench/bench_reports.py --db FILE --without-indexes   # also on a copy without schema v4's indexes
    .venv/bin/python bench/bench_reports.py --db FILE --profile report    # where the time goes (cProfile)

The store comes from `bench/gen_store.py` (e.g. 100,000 customers, 1,000,000 sales). Reports only
read, so the file is used in place once it is at this program's schema. A store of an older
schema (made before v4, which added the reports' indexes) is left as it is for the other
benchmarks: the upgrade runs on a copy beside it (`<name>-v4.sqlite3`, kept for the next run) and
its time is reported. The periods end at the local midnight after the newest sale: the last 30
days ("month") and the last 365 days ("year"). Each figure is the median (and the spread) of
`--runs` runs (at least 5) after one warm-up run, in wall time and in CPU time of this thread
(SQLite runs in the calling thread, so CPU time is the fair figure on a shared machine).

`--without-indexes` also measures a copy with schema v4's two indexes dropped: what they gain,
on the same data (docs/benchmarks-reports.md). `--sell-cost N` measures what they cost: N sales
committed with bench_core.py's workload on a copy with them and on one without.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import sqlalchemy  # noqa: E402

from app.bootstrap import bootstrap  # noqa: E402
from app.core import db, repo, schema  # noqa: E402
from app.core.services.reports import Period, ReportsService  # noqa: E402
from app.core.timeutil import from_ms  # noqa: E402
from app.reports.export_csv import export_csv  # noqa: E402
from app.reports.export_pdf import SEGMENT_ROWS, export_pdf  # noqa: E402

TARGET_DASHBOARD_MS = 500
TARGET_PDF_S = 3.0


def machine() -> dict[str, Any]:
    """Where the figures come from: the machine is shared, so its load is recorded too."""
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_start": round(os.getloadavg()[0], 2),
    }


def store_facts(path: Path) -> dict[str, Any]:
    """Row counts and file size of the store."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("customers", "sales", "sale_lines", "lots", "journal", "refunds")
        }
        counts["open_lots"] = int(conn.execute("SELECT count(*) FROM lots WHERE remaining > 0").fetchone()[0])
    finally:
        conn.close()
    return {**counts, "file_mib": round(path.stat().st_size / 2**20)}


def timed(fn: Callable[[], Any], runs: int) -> dict[str, Any]:
    """Median, min and max wall and thread-CPU milliseconds of `runs` calls after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        fn()
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        wall.append((time.perf_counter_ns() - w0) / 1e6)
    return {
        "wall_ms": round(statistics.median(wall), 1),
        "wall_min_ms": round(min(wall), 1),
        "wall_max_ms": round(max(wall), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "runs": runs,
    }


def periods(service: ReportsService, engine: sqlalchemy.Engine) -> dict[str, Period]:
    """The last 30 and 365 local days up to the newest sale's day."""
    with db.transaction(engine, write=False) as conn:
        last = conn.execute(sqlalchemy.select(sqlalchemy.func.max(schema.sales.c.at))).scalar_one()
        _, program = repo.program_at(conn, last)
    zone = ZoneInfo(program.timezone)
    day = from_ms(last).astimezone(zone).date()
    return {
        "month": Period.local_days(day - timedelta(days=29), day, zone),
        "year": Period.local_days(day - timedelta(days=364), day, zone),
    }


def measure(path: Path, runs: int, out: Path, only: str | None = None) -> dict[str, Any]:
    """Every timing on one store file."""
    out.mkdir(parents=True, exist_ok=True)
    ctx = bootstrap(path)
    try:
        service = ReportsService(ctx.engine)
        spans = periods(service, ctx.engine)
        # The newest sale is "now": the ledger is read as of the end of each period.
        end = max(p.end for p in spans.values())
        service = ReportsService(ctx.engine, clock=lambda: end)
        results: dict[str, Any] = {}
        for name, period in spans.items():
            if only is not None and name != only:
                continue
            full = service.report(period)
            printed = service.report(period, segment_limit=SEGMENT_ROWS)
            pdf = out / f"report-{name}.pdf"
            results[f"dashboard_{name}"] = timed(lambda p=period: service.dashboard(p), runs)
            # What the screen or the CSV needs: every customer of every segment.
            results[f"report_{name}"] = timed(lambda p=period: service.report(p), runs)
            # The PDF export as the owner runs it: a report for print (15 customers per segment) + the PDF.
            results[f"report_and_pdf_{name}"] = timed(
                lambda p=period, f=pdf: export_pdf(service.report(p, segment_limit=SEGMENT_ROWS), f), runs
            )
            results[f"pdf_{name}"] = timed(lambda r=printed, f=pdf: export_pdf(r, f), runs)
            results[f"csv_{name}"] = timed(lambda r=full, d=out / f"csv-{name}": export_csv(r, d), runs)
            results[f"pdf_{name}"]["pages"] = _pages(pdf)
            results[f"pdf_{name}"]["kib"] = round(pdf.stat().st_size / 1024)
            results[f"{name}_sales"] = full.sales.total.sales
        return results
    finally:
        ctx.close()


def dashboard_only(path: Path, runs: int) -> dict[str, Any]:
    """The month's dashboard timing on one store file."""
    ctx = bootstrap(path)
    try:
        month = periods(ReportsService(ctx.engine), ctx.engine)["month"]
        service = ReportsService(ctx.engine, clock=lambda: month.end)
        return timed(lambda: service.dashboard(month), runs)
    finally:
        ctx.close()


def _remove(db_file: Path) -> None:
    for f in (db_file, db_file.with_name(db_file.name + "-wal"), db_file.with_name(db_file.name + "-shm")):
        f.unlink(missing_ok=True)


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def without_indexes(path: Path, work: Path, names: tuple[str, ...]) -> Path:
    """A copy of the store without some of schema v4's indexes (the original is left as it is)."""
    copy = work / f"{path.stem}-without.sqlite3"
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
        for name in names:
            dst.execute(f"DROP INDEX {name}")
        # No ANALYZE: terminals never run it, so the planner works without statistics here too.
        dst.commit()
    finally:
        src.close()
        dst.close()
    return copy


def sell_cost(store: Path, work: Path, ops: int) -> dict[str, Any]:
    """Commit times of `sell` (bench_core's workload) on a copy with schema v4's indexes and on one without."""
    from bench_core import Workload, bench_sell  # this folder is on sys.path when run as a script

    out: dict[str, Any] = {}
    for label, dropped in (("without_indexes", schema.V4_INDEXES), ("with_indexes", ())):
        copy = without_indexes(store, work, dropped)
        ctx = bootstrap(copy)
        try:
            timings, _ = bench_sell(ctx, Workload(copy, ops, seed=7), ops)
            out[label] = {name: timing.summary() for name, timing in timings.items()}
        finally:
            ctx.close()
            _remove(copy)
    return out


def upgraded(path: Path) -> tuple[Path, dict[str, Any] | None]:
    """The store at this program's schema: itself, or an upgraded copy beside it (and what the upgrade took)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version >= db.SCHEMA_VERSION:
        return path, None
    copy = path.with_name(f"{path.stem}-v{db.SCHEMA_VERSION}.sqlite3")
    if copy.exists():
        return copy, None  # upgraded by an earlier run
    partial = copy.with_name(copy.name + ".part")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    engine = db.make_engine(partial)
    try:
        w0, c0 = time.perf_counter(), time.thread_time()
        db.migrate(engine, None)  # the upgrade a terminal runs at its first start (its backup aside)
        took = {"from_schema": version, "wall_s": round(time.perf_counter() - w0, 1),
                "cpu_s": round(time.thread_time() - c0, 1)}  # fmt: skip
    finally:
        engine.dispose()
    partial.replace(copy)
    return copy, took


def markdown(results: dict[str, Any]) -> str:
    """The markdown rows pasted into docs/benchmarks-reports.md."""
    lines = ["| step | period | wall median (min–max), ms | CPU median, ms |", "|---|---|---|---|"]
    for key, value in results.items():
        if not isinstance(value, dict):
            continue
        step, name = key.rsplit("_", 1)
        spread = f"{value['wall_ms']} ({value['wall_min_ms']}–{value['wall_max_ms']})"
        lines.append(f"| {step} | {name} | {spread} | {value['cpu_ms']} |")
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark and print (and optionally save) the figures as JSON and markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a store made by bench/gen_store.py")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (at least 5)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--out", type=Path, help="folder for the PDF and CSV files (default: a temporary one)")
    parser.add_argument(
        "--without-indexes", action="store_true", help="also measure a copy without schema v4's indexes"
    )
    parser.add_argument("--period", choices=("month", "year"), help="measure only this period")
    parser.add_argument("--sell-cost", type=int, metavar="N", help="only time N sales with and without the indexes")
    parser.add_argument("--profile", choices=("dashboard", "report", "pdf"), help="cProfile one step instead")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    if not args.db.exists():
        parser.error(f"no store at {args.db}: make one with bench/gen_store.py")
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    out.mkdir(parents=True, exist_ok=True)
    store, upgrade = upgraded(args.db)

    if args.profile:
        ctx = bootstrap(store)
        service = ReportsService(ctx.engine)
        month = periods(service, ctx.engine)["month"]
        service = ReportsService(ctx.engine, clock=lambda: month.end)
        report = service.report(month, segment_limit=SEGMENT_ROWS)
        step: Callable[[], Any] = {
            "dashboard": lambda: service.dashboard(month),
            "report": lambda: service.report(month, segment_limit=SEGMENT_ROWS),
            "pdf": lambda: export_pdf(report, out / "profile.pdf"),
        }[args.profile]
        profiler = cProfile.Profile()
        profiler.runcall(step)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        ctx.close()
        return 0

    data: dict[str, Any] = {"machine": machine(), "store": store_facts(store), "upgrade": upgrade}
    if args.sell_cost:
        data["sell_cost"] = sell_cost(store, out, args.sell_cost)
        data["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
        print(json.dumps(data, indent=2, ensure_ascii=False))
        if args.json:
            args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        return 0
    data["as_is"] = measure(store, args.runs, out, args.period)
    if args.without_indexes:
        # Without each index alone, on the dashboard (what they are for); then without both, on everything.
        data["dashboard_month_without_one_index"] = {}
        for name in schema.V4_INDEXES:
            copy = without_indexes(store, out, (name,))
            try:
                data["dashboard_month_without_one_index"][name] = dashboard_only(copy, args.runs)
            finally:
                _remove(copy)
        copy = without_indexes(store, out, schema.V4_INDEXES)
        try:
            data["without_indexes"] = measure(copy, args.runs, out / "without", args.period)
        finally:
            _remove(copy)
    data["machine"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    data["targets"] = {"dashboard_ms": TARGET_DASHBOARD_MS, "pdf_s": TARGET_PDF_S}
    print(json.dumps(data, indent=2, ensure_ascii=False))
    for key in ("as_is", "without_indexes"):
        if key in data:
            print(f"\n### {key}\n\n{markdown(data[key])}")
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nfiles: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
