"""The cost of the chain-wide limits (server/limits.py) on a push and a pull, in one process, A/B.

    nice .venv/bin/python bench/bench_limits.py [--db sqlite|postgresql] [--batches 7] [--size 500]

A fresh server database; a terminal pushes batches of `size` card sales straight into
`server.ingest.push` (no HTTP): plain sales, then sales that each use a limited coupon and refunds of
half of them. Each kind of batch is pushed alternately with the limits' hooks in place and with them
replaced by no-ops (what the server did before promise 9), and the median milliseconds per batch of
each are printed, with a first pull page of the customers (its coupon counts and refund marks).
PostgreSQL comes from tests/pg.py (TEST_DATABASE_URL, the local server, or a throwaway cluster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402

from app.core import ledger  # noqa: E402
from app.core.demo import DEMO_PROGRAM  # noqa: E402
from app.core.wallet import Lot  # noqa: E402
from server import auth, ingest, limits, snapshots  # noqa: E402
from server.api import _set_program  # noqa: E402
from server.store import create_schema, make_engine  # noqa: E402

AT = 1_767_225_600_000
PROGRAM = {**DEMO_PROGRAM, "coupons": [{"code": "FEW", "kind": "percent", "value": "10", "max_uses": 100}]}


def enroll(uid: str, phone: str) -> tuple[str, dict[str, Any]]:
    lot = Lot(f"{uid}-welcome", 100, 0, AT, None, "welcome", uid)
    ops = [ledger.grant_op(uid, lot, AT)]
    return "enroll", {"uid": uid, "name": f"Guest {uid}", "phone": phone, "birthday": None, "card": f"card-{uid}",
                      "referrer_uid": None, "at": AT, "consent_at": AT, "ops": ops}  # fmt: skip


def sale(uid: str, customer: str, program_uid: str, coupon: str | None) -> tuple[str, dict[str, Any]]:
    earned = Lot(f"{uid}-earned", 5, 0, AT, None, "sale", uid)
    line = {"sku": "LAT", "name": "Latte", "category": "coffee", "qty": 2, "unit_price": 1000, "amount": 2000,
            "discount": 200 if coupon else 0, "redeemed": 0, "paid": 1800 if coupon else 2000, "rate": "1/10",
            "stamp_rule": None, "stamps_given": 0, "is_reward": 0}  # fmt: skip
    figures = {"tier": None, "subtotal": 2000, "discount": line["discount"], "redeemed_points": 0,
               "redeemed_amount": 0, "total": line["paid"], "earned": 5, "earned_lot_uid": earned.uid,
               "coupon": coupon}  # fmt: skip
    return "sale", {"uid": uid, "at": AT, "customer_uid": customer, "card": f"card-{customer}",
                    "program_uid": program_uid, "payment": "cash", "cashier": None, "sale": figures,
                    "lines": [line], "ops": [ledger.grant_op(customer, earned, AT)]}  # fmt: skip


def refund(uid: str, sale_uid: str, customer: str) -> tuple[str, dict[str, Any]]:
    return "refund", {"uid": uid, "sale_uid": sale_uid, "at": AT, "cashier": None, "units": {"0": 1},
                      "refund": {"money_back": 900, "points_taken_back": 2, "points_given_back": 0},
                      "ops": [ledger.take_back_op(customer, 2, AT, f"{sale_uid}-earned")]}  # fmt: skip


@contextmanager
def hooks_off() -> Iterator[None]:
    """The server as before promise 9: every hook of server/limits.py does nothing."""
    cls = limits.Limits
    saved = {name: getattr(cls, name) for name in ("check_refund", "refunded", "before_sale", "after_sale", "finish")}
    cls.check_refund = lambda self, body: None  # type: ignore[method-assign]
    cls.refunded = lambda self, body: None  # type: ignore[method-assign]
    cls.before_sale = lambda self, body: limits.Before()  # type: ignore[method-assign]
    cls.after_sale = lambda self, body, before: []  # type: ignore[method-assign]
    cls.finish = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(cls, name, value)


def run(engine: Engine, batches: int, size: int) -> dict[str, Any]:
    create_schema(engine)
    _set_program(engine, PROGRAM, AT)
    with engine.connect() as conn:
        program_uid = str(conn.exec_driver_sql("SELECT uid FROM programs ORDER BY version DESC LIMIT 1").scalar())
    store = auth.add_store(engine, "bench")
    terminal_id, code = auth.register_terminal(engine, store, "T1")
    epoch = int(auth.exchange_code(engine, code)["epoch"])
    seq = 0

    def push(bodies: list[tuple[str, dict[str, Any]]]) -> float:
        nonlocal seq
        items = []
        for kind, body in bodies:
            seq += 1
            items.append(ingest.Item(body["uid"], seq, kind, body))
        began = time.perf_counter()
        results = ingest.push(engine, terminal_id, epoch, items)
        took = time.perf_counter() - began
        assert all(r["status"] == "applied" for r in results), results[:3]
        return took * 1000

    customers = [f"c{i}" for i in range(size)]
    push([enroll(c, f"+7916{i:07d}") for i, c in enumerate(customers)])
    times: dict[str, list[float]] = {}
    n = 0
    for round_no in range(batches):
        for mode in ("on", "off") if round_no % 2 == 0 else ("off", "on"):
            with ExitStack() as stack:
                if mode == "off":
                    stack.enter_context(hooks_off())
                n += 1
                plain = [sale(f"p{n}-{c}", c, program_uid, None) for c in customers]
                times.setdefault(f"sales_{mode}", []).append(push(plain))
                n += 1
                coupons = [sale(f"k{n}-{c}", c, program_uid, "FEW") for c in customers]
                half = [refund(f"r{n}-{c}", body["uid"], c) for (_, body), c in zip(coupons, customers, strict=True)]
                times.setdefault(f"coupon_sales_and_refunds_{mode}", []).append(push(coupons + half[: size // 2]))
    began = time.perf_counter()
    page = snapshots.pull(engine, terminal_id, 0, 0, limit=size)
    pull_ms = (time.perf_counter() - began) * 1000
    return {
        "batch": size,
        "median_ms": {name: round(statistics.median(values), 1) for name, values in sorted(times.items())},
        "runs": {name: len(values) for name, values in times.items()},
        "first_pull_page_ms": round(pull_ms, 1),
        "page": {"customers": len(page["customers"]), "refunded_sales": len(page.get("refunded", {}))},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--size", type=int, default=500)
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.db == "postgresql":
            from tests.pg import postgres_database

            url = stack.enter_context(postgres_database())
        else:
            url = str(Path(stack.enter_context(tempfile.TemporaryDirectory())) / "server.sqlite3")
        engine = make_engine(url)
        stack.callback(engine.dispose)
        print(json.dumps({"db": args.db, **run(engine, args.batches, args.size)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
