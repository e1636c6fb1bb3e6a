"""Fraud flags over a big store: the daily digest, a month, a year and the whole history (issue 13: ≤ 5 s at 1M sales).

Usage:
    .venv/bin/python bench/gen_store.py --customers 100000 --sales 1000000 --out /tmp/store-1m.sqlite3
    .venv/bin/python bench/bench_fraud.py --db /tmp/store-1m.sqlite3 [--runs 5] [--json out.json]

The store comes from `bench/gen_store.py` and is upgraded on a copy beside it when its schema is older.
Two staff phones are given (two customers' phones), so the staff-card pass runs too. The chain's scope is
measured on a second copy made into a chain's rows: `store_id` and `terminal_id` on every sale (three
stores, two tills each, by the sale's id), the server's `stores`, `terminals` and `privileged` tables:
the statements the server runs, on the same million sales, in SQLite.

Each figure is the median (and the spread) of `--runs` runs after a warm-up, wall and CPU time of this
thread (SQLite runs in the calling thread: the fair figure on a shared machine), with the number of flags.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from app.bootstrap import bootstrap  # noqa: E402
from app.core import db  # noqa: E402
from app.core.services.fraud import FraudService  # noqa: E402
from app.core.services.reports import Scope  # noqa: E402
from app.core.services.support import SYSTEM  # noqa: E402
from app.core.timeutil import from_ms  # noqa: E402
from bench.timing import median_of  # noqa: E402


def _prepared(source: Path) -> Path:
    """A copy of the store at this program's schema, with two staff phones (kept for the next run)."""
    target = source.with_name(source.stem + "-fraud.sqlite3")
    if not target.exists():
        shutil.copyfile(source, target)
        ctx = bootstrap(target)
        try:
            ctx.store.init()
            phones = [r[0] for r in sqlite3.connect(target).execute("SELECT phone FROM customers LIMIT 2 OFFSET 10")]
            for i, phone in enumerate(phones):
                cashier = ctx.staff.add_cashier(f"Сотрудник {i}", f"{4000 + i}", actor=SYSTEM)
                ctx.staff.set_staff_phone(cashier.id, phone, actor=SYSTEM)
        finally:
            ctx.close()
    return target


def _chain_copy(store: Path) -> Path:
    """The same sales as a chain server's rows (SQLite): store and till on each sale, the server's tables."""
    target = store.with_name(store.stem + "-chain.sqlite3")
    if target.exists():
        return target
    shutil.copyfile(store, target)
    con = sqlite3.connect(target)
    con.executescript(
        """
        ALTER TABLE sales ADD COLUMN store_id INTEGER;
        ALTER TABLE sales ADD COLUMN terminal_id INTEGER;
        UPDATE sales SET terminal_id = 1 + id % 6, store_id = 1 + (id % 6) / 2;
        CREATE TABLE stores (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE terminals (id INTEGER PRIMARY KEY, store_id INTEGER, name TEXT);
        INSERT INTO stores VALUES (1, 'A'), (2, 'B'), (3, 'C');
        INSERT INTO terminals VALUES (1, 1, 'A-1'), (2, 1, 'A-2'), (3, 2, 'B-1'), (4, 2, 'B-2'), (5, 3, 'C-1'),
                                     (6, 3, 'C-2');
        CREATE TABLE privileged (id INTEGER PRIMARY KEY, txn_uid TEXT, store_id INTEGER, terminal_id INTEGER,
                                 kind TEXT, actor TEXT, customer_uid TEXT, points INTEGER, booked_at INTEGER);
        INSERT INTO privileged (txn_uid, store_id, terminal_id, kind, actor, customer_uid, points, booked_at)
            SELECT 'a' || id, 1, 1, 'adjust', actor, '', 50, at FROM audit WHERE action = 'points_adjusted';
        """
    )
    con.commit()
    con.close()
    return target


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    store = _prepared(args.db)
    chain = _chain_copy(store)
    ctx = bootstrap(store)
    try:
        zone = ctx.programs.program()[1].zone
        with db.transaction(ctx.engine, write=False) as conn:
            newest = int(conn.exec_driver_sql("SELECT MAX(at) FROM sales").scalar_one())
            oldest = int(conn.exec_driver_sql("SELECT MIN(at) FROM sales").scalar_one())
            sales = int(conn.exec_driver_sql("SELECT COUNT(*) FROM sales").scalar_one())
    finally:
        ctx.close()
    last = from_ms(newest).astimezone(zone).date()
    first_ever = from_ms(oldest).astimezone(zone).date()
    periods: dict[str, tuple[date, date]] = {
        "day (the daily digest)": (last, last),
        "month": (last - timedelta(days=29), last),
        "year": (last - timedelta(days=364), last),
        "whole history": (first_ever, last),
    }
    results: dict[str, Any] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}",
        "date": date.today().isoformat(),
        "sales": sales,
        "figures": {},
    }
    for scope, path in ((Scope.TERMINAL, store), (Scope.CHAIN, chain)):
        engine = db.make_engine(path)
        service = FraudService(engine, clock=lambda: newest, scope=scope)
        for name, (first, end) in periods.items():
            figures, flags = median_of(lambda s=service, f=first, e=end: s.flags(f, e), args.runs)
            kinds: dict[str, int] = {}
            for flag in flags:
                kinds[flag.kind] = kinds.get(flag.kind, 0) + 1
            figures["flags"] = kinds
            results["figures"][f"{scope.value}: {name}"] = figures
            print(f"{scope.value:<8} {name:<24} {figures}", flush=True)
        engine.dispose()
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
