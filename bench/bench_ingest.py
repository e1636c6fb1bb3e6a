"""The ingest figures of issue 11 in one command: 20 terminals pushing at once, and one terminal's drain.

    .venv/bin/python bench/bench_ingest.py --label after --json /tmp/ingest-after.json

runs, on PostgreSQL (tests/pg.py finds it) through the real HTTP server (`loyalty-server serve
--workers W`, uvicorn, on 127.0.0.1):

- ingest: `bench_sync.py ingest` (20 terminals × 1,000 sales pushed at once in batches of 500, every
  body a real terminal's, ids, cards and phones rewritten per terminal) with each worker count of
  `--workers` (default 1 and 2), `--runs` times (default 3), the worker counts alternating run by
  run so the machine's load falls on each alike; the median sales per second per worker count;
- drain: `bench_sync.py drain` (one terminal's `sync_once` of 10,000 queued sales, `--drain-runs`
  times on fresh databases); the median seconds.

It prints one JSON object (every run's figures, the medians, the machine and its load) and the
markdown rows pasted into docs/benchmarks-sync.md. Targets (issue 11, with re-derivation): at least
2,000 sales/s with 20 terminals on 2 cores, and the drain within 10 s. The machine is shared: quote
the medians with the load averages printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bench import bench_sync

TARGET_SALES_PER_S = 2000
TARGET_DRAIN_S = 10.0


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every run, then the medians."""
    out: dict[str, Any] = {"label": args.label, "machine": bench_sync.machine(), "ingest": [], "drain": None}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        for n in range(args.runs):
            for workers in args.workers:
                ns = argparse.Namespace(db="postgresql", sales=args.sales, terminals=args.terminals, workers=workers,
                                        customers_in_queue=100, shared=False)  # fmt: skip
                load = _load()
                result = bench_sync.bench_ingest(ns, Path(tempfile.mkdtemp(dir=folder)))
                result.update(run=n, load_before=load, load_after=_load())
                print(json.dumps(result), file=sys.stderr, flush=True)
                out["ingest"].append(result)
        if args.drain_runs:
            ns = argparse.Namespace(db="postgresql", sales=args.drain_sales, runs=args.drain_runs,
                                    customers_in_queue=100)  # fmt: skip
            load = _load()
            out["drain"] = {**bench_sync.bench_drain(ns, folder), "load_before": load, "load_after": _load()}
    out["medians"] = {
        f"ingest_w{w}_sales_per_s": statistics.median(r["sales_per_s"] for r in out["ingest"] if r["workers"] == w)
        for w in args.workers
        if args.runs
    }
    if out["drain"]:
        out["medians"]["drain_s"] = out["drain"]["median_s"]
    out["machine"]["load_after"] = _load()
    return out


def rows(out: dict[str, Any]) -> list[str]:
    """The markdown rows of docs/benchmarks-sync.md: medians first, every run and its load after."""
    day = out["machine"]["date"][:10]
    lines = []
    for key, median in out["medians"].items():
        if key == "drain_s":
            runs = out["drain"]["runs"]
            each = " / ".join(f"{r['seconds']:.2f}" for r in runs)
            lines.append(
                f"| drain 10,000 queued sales, one terminal ({out['label']}) | {day} | **{median:.2f} s** ({each} s);"
                f" load {out['drain']['load_before'][0]} → {out['drain']['load_after'][0]}"
                f" | ≤ {TARGET_DRAIN_S:.0f} s | {median / TARGET_DRAIN_S:.2f} |"
            )
            continue
        workers = int(key.split("_w")[1].split("_")[0])
        runs = [r for r in out["ingest"] if r["workers"] == workers]
        each = " / ".join(f"{r['sales_per_s']:,}" for r in runs)
        loads = " / ".join(str(r["load_before"][0]) for r in runs)
        cpu = statistics.median(r["cpu_ms_per_sale"]["server"] for r in runs)
        pg = statistics.median(r["cpu_ms_per_sale"]["postgres"] for r in runs)
        lines.append(
            f"| ingest, 20 terminals × {runs[0]['sales'] // runs[0]['terminals']:,} sales, {workers} worker(s)"
            f" ({out['label']}) | {day} | **{median:,.0f} sales/s** ({each}); load {loads}; CPU per sale: server"
            f" {cpu:.3f} ms, PostgreSQL {pg:.3f} ms | ≥ {TARGET_SALES_PER_S:,}/s | {median / TARGET_SALES_PER_S:.2f} |"
        )
    return lines


def main() -> int:
    """Run the ingest and drain benchmarks and print JSON and markdown rows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="now", help="a word for the rows: before, after, ...")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server worker counts (1 2)")
    parser.add_argument("--runs", type=int, default=3, help="ingest runs per worker count (3)")
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--sales", type=int, default=1000, help="sales per terminal (1000)")
    parser.add_argument("--drain-sales", type=int, default=10_000)
    parser.add_argument("--drain-runs", type=int, default=3, help="0 skips the drain")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    print(json.dumps({"medians": out["medians"], "machine": out["machine"]}), flush=True)
    print("\n".join(rows(out)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
