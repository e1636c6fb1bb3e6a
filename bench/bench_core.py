"""Speed of the loyalty core on a generated store: pricing, committing sales, lookups, verify.

Usage:
    .venv/bin/python bench/bench_core.py --db /tmp/store-100k.sqlite3 --json /tmp/bench-100k.json
    .venv/bin/python bench/bench_core.py --compare /tmp/bench-10k.json /tmp/bench-100k.json ...
    .venv/bin/python bench/bench_core.py --db FILE --profile quote   # where the time goes (cProfile)

Every operation is timed in-process with `time.perf_counter_ns` around the public call,
after a warm-up, over `--ops` runs (≥ 1,000), and reported as median, p95 and p99 in ms.
The database file is copied first (`--in-place` skips that), because committing sales
changes it. The store must come from `bench/gen_store.py` (customer 1 holds 50 open lots).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import sqlalchemy  # noqa: E402

from app.bootstrap import Context, bootstrap  # noqa: E402
from app.core import db, repo  # noqa: E402
from app.core.identity import card_number  # noqa: E402
from app.core.pricing import CustomerView, LineIn, price  # noqa: E402
from app.core.services.results import SaleRequest  # noqa: E402
from app.core.services.support import SYSTEM  # noqa: E402
from app.core.timeutil import now_ms  # noqa: E402

KNOWN_CARD = card_number(1)  # gen_store.py gives customer 1 exactly 50 open lots
WARMUP = 50
TARGETS_MS = {"quote_20": 2.0, "sell": 15.0, "sell_redeem": 15.0, "lookup_card": 1.0, "lookup_phone": 1.0}
TARGET_VERIFY_S = 60.0

# What each measured operation is, for the tables.
LABELS = {
    "quote_20": "pricing: `quote`, 20 lines, customer with 50 lots, redeem max",
    "price_20": "  (rules only: `pricing.price`, same basket, no database)",
    "sell": "commit: `sell`, no redemption (WAL + FULL)",
    "sell_redeem": "commit: `sell`, redeem max (WAL + FULL)",
    "lookup_card": "lookup: `customer(card)` (balances, tier, stamps)",
    "lookup_phone": "lookup: `customer(phone)` (balances, tier, stamps)",
    "repo_card": "  (raw `repo.customer_by_card` in a read transaction)",
    "repo_phone": "  (raw `repo.customer_by_card_or_phone`, phone, read transaction)",
    "read_txn": "  (an empty read transaction: the floor of every call)",
}


@dataclass
class Timing:
    """Latencies of one operation (wall clock), and the CPU time this thread spent in each, in ns.

    On a shared machine the wall clock includes waiting for a core; the CPU time does not,
    so the pair tells work from contention (and from fsync, which is wall time only).
    """

    samples: list[int]
    cpu: list[int]

    def pct(self, q: float) -> float:
        """The q-quantile in ms (nearest rank: the smallest sample with at least q of them at or below it)."""
        ordered = sorted(self.samples)
        rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))
        return ordered[rank - 1] / 1e6

    def summary(self) -> dict[str, float]:
        """n, median, p95, p99 and max in ms."""
        cpu = sorted(self.cpu)
        return {
            "n": len(self.samples),
            "median_ms": round(self.pct(0.5), 4),
            "cpu_median_ms": round(cpu[len(cpu) // 2] / 1e6, 4) if cpu else 0.0,
            "p95_ms": round(self.pct(0.95), 4),
            "p99_ms": round(self.pct(0.99), 4),
            "max_ms": round(max(self.samples) / 1e6, 4),
        }


def timed(op: Callable[[int], object], ops: int, warmup: int = WARMUP) -> Timing:
    """Run op(i) warmup times untimed, then ops times, each timed alone."""
    for i in range(warmup):
        op(i)
    samples, cpu = [], []
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for i in range(warmup, warmup + ops):
        c0 = cpu_clock()
        t0 = clock()
        op(i)
        samples.append(clock() - t0)
        cpu.append(cpu_clock() - c0)
    return Timing(samples, cpu)


# ----------------------------------------------------------------------------- the store


def machine() -> dict[str, Any]:
    """Where the figures come from: the machine is shared, so its load is recorded too."""
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem_kb = int(fh.readline().split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_start": os.getloadavg()[0],
    }


def store_facts(path: Path) -> dict[str, Any]:
    """Row counts and file size of the store."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("customers", "sales", "sale_lines", "lots", "journal", "refunds", "outbox")
        }
        counts["open_lots_known"] = int(
            conn.execute(
                "SELECT count(*) FROM lots JOIN cards ON cards.customer_id = lots.customer_id "
                "WHERE cards.code = ? AND remaining > 0",
                (KNOWN_CARD,),
            ).fetchone()[0]
        )
    finally:
        conn.close()
    return {"file": str(path), "bytes": path.stat().st_size, **counts}


class Workload:
    """The inputs of every operation, drawn once from the store with a seeded generator."""

    def __init__(self, path: Path, ops: int, seed: int) -> None:
        rng = random.Random(seed)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            products = conn.execute("SELECT sku, name, category, price FROM products ORDER BY sku").fetchall()
            n_customers = int(conn.execute("SELECT max(id) FROM customers").fetchone()[0])
            at = now_ms()
            # Customers with points to spend now, for the sales that redeem.
            rich = [
                int(r[0])
                for r in conn.execute(
                    "SELECT customer_id FROM lots WHERE remaining > 0 AND available_at <= ? "
                    "AND (expires_at IS NULL OR expires_at > ?) AND customer_id != 1 GROUP BY customer_id",
                    (at, at),
                )
            ]
            total = ops + WARMUP
            plain_ids = rng.sample(range(2, n_customers + 1), min(total, n_customers - 1))
            taken = set(plain_ids)
            rich = [c for c in rich if c not in taken] or rich
            redeem_ids = rng.sample(rich, min(total, len(rich)))
            lookup_ids = rng.sample(range(1, n_customers + 1), min(total, n_customers))

            def card_and_phone(ids: list[int]) -> list[tuple[str, str]]:
                out = []
                for cid in ids:
                    code, phone = conn.execute(
                        "SELECT cards.code, customers.phone FROM cards "
                        "JOIN customers ON customers.id = cards.customer_id WHERE customers.id = ?",
                        (cid,),
                    ).fetchone()
                    out.append((str(code), str(phone)))
                return out

            self.plain = [c for c, _ in card_and_phone(plain_ids)]
            self.redeem = [c for c, _ in card_and_phone(redeem_ids)]
            looked = card_and_phone(lookup_ids)
        finally:
            conn.close()
        self.cards = [c for c, _ in looked]
        # As a cashier types it: 8 (9xx) xxx-xx-xx, so normalisation is part of the cost.
        self.phones = [f"8 ({p[2:5]}) {p[5:8]}-{p[8:10]}-{p[10:]}" for _, p in looked]
        lines = [LineIn(sku, name, cat, 1, price_) for sku, name, cat, price_ in products]
        by_cat: dict[str, list[LineIn]] = {}
        for line in lines:
            by_cat.setdefault(line.category, []).append(line)
        # A big basket: coffee (stamps, ×2 earn), tobacco (excluded), the rest mixed, some quantities > 1.
        picks = rng.sample(by_cat["coffee"], 4) + rng.sample(by_cat["tobacco"], 1)
        others = [ln for ln in lines if ln.category not in ("coffee", "tobacco")]
        picks += rng.sample(others, 15)
        self.basket20 = tuple(
            LineIn(ln.sku, ln.name, ln.category, 1 + (i % 3 == 0) + (i % 7 == 0), ln.unit_price)
            for i, ln in enumerate(picks)
        )
        self.baskets = [tuple(rng.sample(lines, rng.choice((1, 2, 2, 3, 3, 4)))) for _ in range(2 * total)]


# ----------------------------------------------------------------------------- the benchmarks


def bench_quote(ctx: Context, w: Workload, ops: int) -> dict[str, Timing]:
    """(a) Pricing a 20-line basket for the customer with 50 lots, and the rules alone."""
    req = SaleRequest(lines=w.basket20, card=KNOWN_CARD, redeem="max")
    quote = timed(lambda _i: ctx.checkout.quote(req), ops)
    # The same quote's inputs, read once, to time the pure rules without the database.
    info = ctx.customers.customer(KNOWN_CARD)
    _, program = ctx.programs.program()
    view = CustomerView(
        card=KNOWN_CARD, available=info.available, debt=info.debt, tier_spend=info.tier_spend,
        stamps=dict(info.stamps), birthday=None, birthday_years_granted=frozenset(), referral_due=False,
    )  # fmt: skip
    at = now_ms()
    rules = timed(lambda _i: price(program, list(w.basket20), at, view, None, "max"), ops)
    return {"quote_20": quote, "price_20": rules}


def bench_sell(ctx: Context, w: Workload, ops: int) -> tuple[dict[str, Timing], dict[str, int]]:
    """(b) Committing sales for many different customers, alternating with and without redemption."""
    plain, redeem = Timing([], []), Timing([], [])
    redeemed = 0
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for i in range(2 * (ops + WARMUP)):
        k = i // 2
        with_points = i % 2 == 1
        cards = w.redeem if with_points else w.plain
        req = SaleRequest(lines=w.baskets[i], card=cards[k % len(cards)], redeem="max" if with_points else None)
        c0 = cpu_clock()
        t0 = clock()
        result = ctx.checkout.sell(req, actor=SYSTEM)
        elapsed = clock() - t0
        used = cpu_clock() - c0
        if k < WARMUP:
            continue
        timing = redeem if with_points else plain
        timing.samples.append(elapsed)
        timing.cpu.append(used)
        redeemed += with_points and result.quote.redeemed_points > 0
    facts = {"distinct_customers": len(set(w.plain[: ops + WARMUP]) | set(w.redeem[: ops + WARMUP])),
             "sales_that_redeemed": redeemed}  # fmt: skip
    return {"sell": plain, "sell_redeem": redeem}, facts


def bench_lookup(ctx: Context, w: Workload, ops: int) -> dict[str, Timing]:
    """(c) Finding a customer by card and by phone: the service call, and the raw read apart."""
    engine = ctx.engine
    n = len(w.cards)

    def raw_card(i: int) -> object:
        with db.transaction(engine, write=False) as conn:
            return repo.customer_by_card(conn, w.cards[i % n])

    def raw_phone(i: int) -> object:
        with db.transaction(engine, write=False) as conn:
            return repo.customer_by_card_or_phone(conn, w.phones[i % n])

    def empty(_i: int) -> None:
        with db.transaction(engine, write=False):
            pass

    return {
        "lookup_card": timed(lambda i: ctx.customers.customer(w.cards[i % n]), ops),
        "lookup_phone": timed(lambda i: ctx.customers.customer(w.phones[i % n]), ops),
        "repo_card": timed(raw_card, ops),
        "repo_phone": timed(raw_phone, ops),
        "read_txn": timed(empty, ops),
    }


def bench_verify(ctx: Context) -> tuple[float, bool, int]:
    """(d) verify() over the whole store, in seconds."""
    t0 = time.perf_counter()
    report = ctx.verifier.verify()
    return time.perf_counter() - t0, report.ok, report.journal_rows


def count_statements(ctx: Context, w: Workload, calls: int = 20) -> dict[str, float]:
    """SQL statements per call of each use case: a cost that no machine load can blur."""
    seen = 0

    def tick(*_args: object) -> None:
        nonlocal seen
        seen += 1

    ops: dict[str, Callable[[int], object]] = {
        "quote_20": lambda _i: ctx.checkout.quote(SaleRequest(lines=w.basket20, card=KNOWN_CARD, redeem="max")),
        "lookup_card": lambda i: ctx.customers.customer(w.cards[i]),
        "lookup_phone": lambda i: ctx.customers.customer(w.phones[i]),
        "sell": lambda i: ctx.checkout.sell(SaleRequest(lines=w.baskets[-1 - i], card=w.plain[-1 - i]), actor=SYSTEM),
        "sell_redeem": lambda i: ctx.checkout.sell(
            SaleRequest(lines=w.baskets[-21 - i], card=w.redeem[-1 - i], redeem="max"), actor=SYSTEM
        ),
    }
    counts = {}
    sqlalchemy.event.listen(ctx.engine, "before_cursor_execute", tick)
    try:
        for name, op in ops.items():
            seen = 0
            for i in range(calls):
                op(i)
            counts[name] = seen / calls
    finally:
        sqlalchemy.event.remove(ctx.engine, "before_cursor_execute", tick)
    return counts


def run(path: Path, ops: int, seed: int, skip_verify: bool) -> dict[str, Any]:
    """Every benchmark on one store; returns the figures as JSON-able data."""
    info = {"machine": machine(), "store": store_facts(path), "ops": ops}
    w = Workload(path, ops, seed)
    ctx = bootstrap(path)
    ctx.start_background()  # as the till runs: WAL checkpoints between sales, not inside one
    try:
        results: dict[str, Timing] = {}
        results.update(bench_quote(ctx, w, ops))
        results.update(bench_lookup(ctx, w, ops))
        sells, facts = bench_sell(ctx, w, ops)
        results.update(sells)
        info["sell_facts"] = facts
        info["statements"] = count_statements(ctx, w)
        if not skip_verify:
            seconds, ok, rows = bench_verify(ctx)
            info["verify"] = {"seconds": round(seconds, 2), "ok": ok, "journal_rows": rows}
    finally:
        ctx.close()
    info["results"] = {name: t.summary() for name, t in results.items()}
    info["machine"]["loadavg_end"] = os.getloadavg()[0]
    return info


def profile(path: Path, what: str, ops: int, seed: int) -> None:
    """Print where one operation spends its time (cProfile, top 30 by cumulative time)."""
    w = Workload(path, ops, seed)
    ctx = bootstrap(path)
    calls: dict[str, Callable[[], object]] = {
        "quote": lambda: [
            ctx.checkout.quote(SaleRequest(lines=w.basket20, card=KNOWN_CARD, redeem="max")) for _ in range(ops)
        ],
        "sell": lambda: [
            ctx.checkout.sell(SaleRequest(lines=w.baskets[i], card=w.plain[i % len(w.plain)]), actor=SYSTEM)
            for i in range(ops)
        ],
        "lookup": lambda: [ctx.customers.customer(w.cards[i % len(w.cards)]) for i in range(ops)],
        "verify": ctx.verifier.verify,
    }
    prof = cProfile.Profile()
    try:
        prof.runcall(calls[what])
    finally:
        ctx.close()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


# ----------------------------------------------------------------------------- reporting


def _size(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


def compare(paths: Sequence[Path]) -> str:
    """Markdown tables of several runs (the first is the base of the ratios)."""
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    names = [f"{_size(r['store']['customers'])} cust. / {_size(r['store']['sales'])} sales" for r in runs]
    out = ["| store | file | customers | sales | lots | journal rows | outbox rows | load avg (start→end) |",
           "|---|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for name, r in zip(names, runs, strict=True):
        s, m = r["store"], r["machine"]
        out.append(
            f"| {name} | {s['bytes'] / 2**20:,.0f} MiB | {s['customers']:,} | {s['sales']:,} | {s['lots']:,} | "
            f"{s['journal']:,} | {s['outbox']:,} | {m['loadavg_start']:.1f}→{m['loadavg_end']:.1f} |"
        )
    out += ["", "Median / p95 / p99 in ms; `×` is the median against the first store.", ""]
    out.append("| operation | target p99 | " + " | ".join(names) + " |")
    out.append("|---|---:|" + "---:|" * len(runs))
    for key, label in LABELS.items():
        cells = []
        base = runs[0]["results"][key]["median_ms"]
        for r in runs:
            res = r["results"][key]
            ratio = res["median_ms"] / base if base else 0.0
            cells.append(f"{res['median_ms']:.2f} / {res['p95_ms']:.2f} / {res['p99_ms']:.2f} (×{ratio:.2f})")
        target = f"≤ {TARGETS_MS[key]:g}" if key in TARGETS_MS else ""
        out.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    verify = [
        f"{r['verify']['seconds']:.1f} s (report {'ok' if r['verify']['ok'] else 'NOT ok'})" if "verify" in r else "-"
        for r in runs
    ]
    out.append(
        f"| `verify()` over the whole store | ≤ {TARGET_VERIFY_S:g} s at 1M sales | " + " | ".join(verify) + " |"
    )
    out += ["", "CPU time of the calling thread per call (median, ms: the work, without waiting for a core"]
    out += ["or for fsync) and SQL statements per call (BEGIN included):", ""]
    out.append("| operation | " + " | ".join(f"{n}: CPU ms | stmts" for n in names) + " |")
    out.append("|---|" + "---:|---:|" * len(runs))
    for key, label in LABELS.items():
        cells = []
        for r in runs:
            stmts = r.get("statements", {}).get(key)
            cpu = r["results"][key].get("cpu_median_ms", 0.0)
            cells.append(f"{cpu:.2f} | {'' if stmts is None else f'{stmts:g}'}")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run on one store, compare runs, or profile one operation."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a store made by bench/gen_store.py")
    ap.add_argument("--ops", type=int, default=1000, help="timed runs per operation (≥ 1000 for the report)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--in-place", action="store_true", help="commit the benchmark's sales into --db itself")
    ap.add_argument("--skip-verify", action="store_true")
    ap.add_argument("--profile", choices=("quote", "sell", "lookup", "verify"))
    ap.add_argument("--compare", type=Path, nargs="+", help="print markdown tables of earlier --json runs")
    args = ap.parse_args(argv)
    if args.compare:
        print(compare(args.compare))
        return 0
    if args.db is None:
        ap.error("--db is required")
    path: Path = args.db.resolve()
    work = path
    if not args.in_place:
        # The benchmark commits ~2,000 sales; a copy keeps the generated store as it was.
        work = path.with_name(path.stem + ".bench" + path.suffix)
        for extra in (work, work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")):
            extra.unlink(missing_ok=True)
        shutil.copyfile(path, work)
    try:
        if args.profile:
            profile(work, args.profile, args.ops, args.seed)
            return 0
        info = run(work, args.ops, args.seed, args.skip_verify)
    finally:
        if work != path:
            for extra in (work, work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")):
                extra.unlink(missing_ok=True)
    info["store"]["file"] = str(path)
    text = json.dumps(info, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
