"""The reports' coupon and sale-line passes before and after schema v5 (each line's coupon share stored).

Usage:
    .venv/bin/python bench/bench_coupon_report.py --db /tmp/store.sqlite3 [--runs 7] [--json out.json]

The store comes from `bench/gen_store.py`. Reports only read, so the file is used in place once it is at
this program's schema; a store of an older schema is upgraded on a copy beside it (`<name>-v<N>.sqlite3`,
kept for the next run), and the upgrade's time is reported (for v5: the replay of every coupon sale).
Run it with the code before v5 on a v4 store and with this code on the same store to compare (the same
script works on both: it finds the passes by name). The periods end at the local midnight after the
newest sale: the last 30 local days ("month") and the last 365 ("year"). Each figure is the median (and
the spread) of `--runs` runs after a warm-up, in wall time and in CPU time of this thread (SQLite runs in
the calling thread: the fair figure on a shared machine). The figures themselves are printed too, so two
runs can be checked to agree.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import shutil
import sqlite3
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from app.bootstrap import bootstrap  # noqa: E402
from app.core import db, repo  # noqa: E402
from app.core.services.reports import Filters, Period, ReportsService  # noqa: E402
from app.core.services.reports import sales as sales_pass  # noqa: E402
from app.core.timeutil import from_ms  # noqa: E402
from bench.timing import median_of  # noqa: E402


def _store_at_this_schema(path: Path) -> tuple[Path, float | None]:
    conn = sqlite3.connect(path)
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.close()
    if version == db.SCHEMA_VERSION:
        return path, None
    copy = path.with_name(f"{path.stem}-v{db.SCHEMA_VERSION}.sqlite3")
    if copy.exists():
        return copy, None
    shutil.copy(path, copy)
    started = time.perf_counter()
    engine = db.make_engine(copy)
    db.migrate(engine, None)
    engine.dispose()
    return copy, time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    path, upgrade_s = _store_at_this_schema(args.db)
    ctx = bootstrap(path)
    out: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "schema": db.SCHEMA_VERSION,
        "store": str(args.db),
        "upgrade_s": None if upgrade_s is None else round(upgrade_s, 2),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "load_start": os.getloadavg()[0],
        "periods": {},
    }
    with db.transaction(ctx.engine, write=False) as conn:
        newest = int(conn.exec_driver_sql("SELECT max(at) FROM sales").scalar_one())
        _, program = repo.program_at(conn, newest)
    day = from_ms(newest).astimezone(program.zone).date() + timedelta(days=1)
    svc = ReportsService(ctx.engine, clock=lambda: newest + 1)
    coupons = sales_pass._coupons
    old_signature = len(inspect.signature(coupons).parameters) == 4  # before v5: the program versions too
    for name, days in (("month", 30), ("year", 365)):
        period = Period.local_days(day - timedelta(days=days), day - timedelta(days=1), program.zone)
        with db.transaction(ctx.engine, write=False) as conn:
            s = svc._scope(conn, period, Filters(), days=True)
            expected = sales_pass._sales_days(conn, s).coupon_sales

            def coupon_pass(conn: Any = conn, s: Any = s, expected: int = expected) -> Any:
                if old_signature:
                    return coupons(conn, s, expected, svc._program_versions(conn))  # type: ignore[call-arg,attr-defined]
                return coupons(conn, s, expected)

            def lines_pass(conn: Any = conn, s: Any = s) -> Any:
                return sales_pass._lines(conn, s)

            got: dict[str, Any] = {"coupon_sales": expected}
            got["coupons"], rows = median_of(coupon_pass, args.runs)
            got["coupon_rows"] = [[r.code, r.uses, r.discount] for r in rows]
            got["lines"], (categories, stamps, free_value) = median_of(lines_pass, args.runs)
            got["stamp_rows"] = [[r.rule_id, r.completed] for r in stamps]
            got["free_value"] = free_value
            got["redeemed_by_category"] = [[c.category, c.amount] for c in categories]
        got["report"], _ = median_of(lambda period=period: svc.report(period), max(3, args.runs // 2))
        out["periods"][name] = got
        print(name, json.dumps(got, ensure_ascii=False))
    out["load_end"] = os.getloadavg()[0]
    ctx.close()
    print(f"upgrade: {out['upgrade_s']} s; load {out['load_start']:.2f} -> {out['load_end']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
