"""What a sale's audit row costs: `sell` with and without it, in alternating blocks in one process.

Usage:
    nice .venv/bin/python bench/bench_audit.py --db /tmp/store-10k.sqlite3 [--blocks 62] [--per-block 50]

Every sale writes its audit row in its own transaction (app/core/services/checkout.py). On a shared
machine two separate benchmark runs differ by more than one row could cost, so this compares the two
in one process, on one file, under the same load: blocks of sales alternate between the real
`write_audit` and a stand-in that writes nothing (the only difference), the first two blocks are
warm-up. It reports the median, p95 and p99 wall time and the median CPU time of the thread per sale.
It works on a copy of the store (from bench/gen_store.py) next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import app.core.services.checkout as checkout_module  # noqa: E402
from app.bootstrap import bootstrap  # noqa: E402
from app.core.services.results import SaleRequest  # noqa: E402

WARMUP_BLOCKS = 2


def _nearest_rank(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-int(q * 1000) * len(ordered) // 1000) - 1)]


def run(path: Path, blocks: int, per_block: int, seed: int) -> dict[str, Any]:
    """Sell blocks×per_block sales on a copy of the store, every other block without its audit row."""
    copy = path.with_name(path.stem + "-bench-audit.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.copy(path, copy)
    ctx = bootstrap(copy)
    ctx.start_background()  # as the till runs: WAL checkpoints between sales, not inside one
    real = checkout_module.write_audit
    rng = random.Random(seed)
    lines = [
        ctx.catalog.resolve_line(p["sku"], 1) for p in ctx.catalog.catalog(limit=100_000) if p["category"] != "tobacco"
    ]
    with sqlite3.connect(copy) as conn:  # card customers (customer 1 of gen_store.py holds 50 lots: left out)
        cards = [str(r[0]) for r in conn.execute("SELECT code FROM cards WHERE active = 1 AND customer_id > 1")]
    # Three sales in four with a card, as in the generated store; a quarter anonymous.
    wall: dict[str, list[float]] = {"with": [], "without": []}
    cpu: dict[str, list[float]] = {"with": [], "without": []}
    try:
        for block in range(blocks):
            mode = "with" if block % 2 == 0 else "without"
            checkout_module.write_audit = real if mode == "with" else (lambda *_args, **_kwargs: None)
            for _ in range(per_block):
                card = rng.choice(cards) if rng.random() < 0.75 else None
                req = SaleRequest(tuple(rng.sample(lines, rng.choice((1, 2, 3, 4)))), card)
                c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
                ctx.checkout.sell(req, actor="bench")
                elapsed, used = time.perf_counter_ns() - t0, time.thread_time_ns() - c0
                if block >= WARMUP_BLOCKS:
                    wall[mode].append(elapsed / 1e6)
                    cpu[mode].append(used / 1e6)
    finally:
        checkout_module.write_audit = real
        ctx.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
    out: dict[str, Any] = {
        mode: {
            "sales": len(wall[mode]),
            "median_ms": round(statistics.median(wall[mode]), 3),
            "p95_ms": round(_nearest_rank(wall[mode], 0.95), 3),
            "p99_ms": round(_nearest_rank(wall[mode], 0.99), 3),
            "cpu_median_ms": round(statistics.median(cpu[mode]), 3),
        }
        for mode in ("with", "without")
    }
    out["loadavg_end"] = os.getloadavg()[0]
    return out


def main() -> int:
    """Command line: one comparison, printed as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a store made by bench/gen_store.py")
    ap.add_argument("--blocks", type=int, default=62)
    ap.add_argument("--per-block", type=int, default=50)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    print(json.dumps({"loadavg_start": os.getloadavg()[0], **run(args.db, args.blocks, args.per_block, args.seed)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
