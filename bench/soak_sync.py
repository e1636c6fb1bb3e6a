"""Long soak of the sync simulation: many seeds, many steps, a summary of what was injected and found.

Usage:
    .venv/bin/python bench/soak_sync.py --seeds 200 --steps 2000
    .venv/bin/python bench/soak_sync.py --seeds 40 --steps 500 --start 1000 --jobs 2 --json /tmp/soak.json
    .venv/bin/python bench/soak_sync.py --seeds 20 --steps 300 --stamps-needed 10000   # stamps never spent

Each seed is a full run of tests/integration/sync/sim.py (safety phase with faults, liveness phase, every
promise checked after every step). A failing seed is listed with the first lines of its report;
replay it with `SIM_SEED=<seed> SIM_STEPS=<steps> .venv/bin/pytest -q tests/integration/sync/test_sim.py`.
The exit status is 1 when any seed failed. With TEST_DATABASE_URL set, the server runs on that
PostgreSQL database (one job at a time then: the seeds share the database).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Outcome:
    """One seed's result, picklable across processes."""

    seed: int
    ok: bool
    seconds: float
    report: dict[str, Any] = field(default_factory=dict)
    failure: str = ""


def run_seed(args: tuple[int, int, int, float, int]) -> Outcome:
    """Run one seed in this process (a worker of the pool)."""
    seed, steps, terminals, fault_rate, stamps_needed = args
    # starlette's TestClient warns at import that httpx is deprecated for it; not news for a soak.
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    from tests.integration.sync.sim import SimConfig, SimFailure, run_simulation

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"soak-{seed}-") as workdir:
        config = SimConfig(
            seed=seed,
            steps=steps,
            terminals=terminals,
            fault_rate=fault_rate,
            workdir=Path(workdir),
            db_url=os.environ.get("TEST_DATABASE_URL"),
            stamps_needed=stamps_needed,
        )
        try:
            report = run_simulation(config)
        except SimFailure as exc:
            return Outcome(seed, False, time.perf_counter() - started, failure=str(exc))
    data = {
        "actions": dict(report.actions),
        "faults": dict(report.faults),
        "refusals": dict(report.refusals),
        "sales": report.sales,
        "overdraft_points": report.overdraft_points,
        "overdraft_allowance": report.overdraft_allowance,
        "overdraft_rows": report.overdraft_rows,
        "stamp_overdraft": report.stamp_overdraft,
        "merges": report.merges,
        "expired_points": report.expired_points,
        "server_requests": report.server_requests,
        "liveness_rounds": report.liveness_rounds,
    }
    return Outcome(seed, True, time.perf_counter() - started, report=data)


def summarize(outcomes: list[Outcome], steps: int, seconds: float) -> dict[str, Any]:
    """Totals over every seed."""
    faults: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    figures: Counter[str] = Counter()
    rounds: Counter[int] = Counter()
    for o in outcomes:
        if not o.ok:
            continue
        faults.update(o.report["faults"])
        actions.update(o.report["actions"])
        refusals.update(o.report["refusals"])
        for key in ("sales", "overdraft_points", "overdraft_allowance", "overdraft_rows", "stamp_overdraft", "merges",
                    "expired_points", "server_requests"):  # fmt: skip
            figures[key] += o.report[key]
        rounds[o.report["liveness_rounds"]] += 1
    failed = [o for o in outcomes if not o.ok]
    return {
        "seeds_run": len(outcomes),
        "seeds_failed": len(failed),
        "steps_per_seed": steps,
        "steps_total": steps * len(outcomes),
        "seconds": round(seconds, 1),
        "seconds_per_seed_median": round(sorted(o.seconds for o in outcomes)[len(outcomes) // 2], 1) if outcomes else 0,
        "faults": dict(faults.most_common()),
        "faults_total": sum(faults.values()),
        "actions": dict(actions.most_common()),
        "refusals": dict(refusals.most_common(15)),
        "figures": dict(figures),
        "liveness_rounds": {str(k): v for k, v in sorted(rounds.items())},
        "failures": [{"seed": o.seed, "report": o.failure.splitlines()[0] if o.failure else ""} for o in failed],
    }


def print_summary(summary: dict[str, Any], outcomes: list[Outcome]) -> None:
    """The human-readable summary."""
    print(f"seeds run: {summary['seeds_run']}, failed: {summary['seeds_failed']}, steps per seed: "
          f"{summary['steps_per_seed']} (total {summary['steps_total']}), {summary['seconds']} s "
          f"(median {summary['seconds_per_seed_median']} s per seed)")  # fmt: skip
    print(f"faults injected: {summary['faults_total']}")
    for kind, n in summary["faults"].items():
        print(f"  {kind:<22} {n}")
    print("actions: " + ", ".join(f"{k} {v}" for k, v in summary["actions"].items()))
    f = summary["figures"]
    if f:
        print(f"sales {f['sales']}, merges {f['merges']}, points expired {f['expired_points']}, "
              f"server requests {f['server_requests']}")  # fmt: skip
        print(f"overdraft: {f['overdraft_points']} points in {f['overdraft_rows']} entries, "
              f"caps allowed {f['overdraft_allowance']}")  # fmt: skip
        print(f"free stamp units given twice offline (listed in stamps): {f['stamp_overdraft']}")
    print(
        "liveness rounds to drain every queue: " + ", ".join(f"{k}: {v}" for k, v in summary["liveness_rounds"].items())
    )
    print("most frequent refusals at the till:")
    for reason, n in summary["refusals"].items():
        print(f"  {n:>5}  {reason}")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        print(f"FAILURES ({len(failed)}):")
        for o in failed:
            print(f"--- seed {o.seed}\n" + "\n".join(o.failure.splitlines()[:4]))
    else:
        print("no failures")


def main(argv: list[str] | None = None) -> int:
    """Run the soak; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=200, help="how many seeds (default 200)")
    parser.add_argument("--start", type=int, default=1000, help="first seed (default 1000, apart from the CI seeds)")
    parser.add_argument("--steps", type=int, default=2000, help="safety-phase steps per seed (default 2000)")
    parser.add_argument("--terminals", type=int, default=3)
    parser.add_argument("--fault-rate", type=float, default=0.25, help="share of requests hit by a network fault")
    parser.add_argument("--stamps-needed", type=int, default=5, help="stamp card size (10000: never full)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds run in parallel (processes)")
    parser.add_argument("--json", type=Path, help="also write the summary and every seed's figures here")
    args = parser.parse_args(argv)
    if os.environ.get("TEST_DATABASE_URL") and args.jobs != 1:
        parser.error("with TEST_DATABASE_URL the seeds share one database: use --jobs 1")

    tasks = [(seed, args.steps, args.terminals, args.fault_rate, args.stamps_needed)
             for seed in range(args.start, args.start + args.seeds)]  # fmt: skip
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        for outcome in pool.imap_unordered(run_seed, tasks):
            outcomes.append(outcome)
            status = "ok" if outcome.ok else "FAILED"
            print(f"seed {outcome.seed}: {status} in {outcome.seconds:.1f} s "
                  f"({len(outcomes)}/{len(tasks)})", flush=True)  # fmt: skip
    outcomes.sort(key=lambda o: o.seed)
    summary = summarize(outcomes, args.steps, time.perf_counter() - started)
    print()
    print_summary(summary, outcomes)
    if args.json:
        detail = [{"seed": o.seed, "ok": o.ok, "seconds": round(o.seconds, 1), **o.report, "failure": o.failure}
                  for o in outcomes]  # fmt: skip
        args.json.write_text(json.dumps({"summary": summary, "seeds": detail}, indent=2, ensure_ascii=False))
    return 1 if any(not o.ok for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
