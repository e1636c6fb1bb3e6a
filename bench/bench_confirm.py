"""What confirming a payment with points adds at the till (issue 13: ≤ 1 s of cashier time with a QR).

Usage:
    .venv/bin/python bench/bench_confirm.py [--runs 200]

A fresh store with the demo program and `confirm.always`; one customer with points. Three timings, each
the median (and p95) of `--runs`, wall and CPU of this thread:
- a sale paying points without confirmation (the program without `confirm`), the baseline;
- the rotating card QR's text read (`parse_totp_qr`), its code checked (`confirm_totp`, a ticket) and the
  sale committed with the ticket;
- the same with a manager's PIN (argon2 at the till's cost: the PIN hash is what takes time there).
The camera's part (a QR in view to decoded text) is measured by bench/bench_scan.py (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402

from app.bootstrap import bootstrap  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM  # noqa: E402
from app.core.services.confirm import parse_totp_qr, totp_qr_text  # noqa: E402
from app.core.services.results import SaleRequest  # noqa: E402


def _timed(run: Callable[[], object], runs: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.thread_time()
        run()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.thread_time() - c) * 1000)
    walls.sort()
    return {
        "wall_ms": round(statistics.median(walls), 2),
        "wall_p95_ms": round(walls[int(len(walls) * 0.95) - 1], 2),
        "cpu_ms": round(statistics.median(cpus), 2),
    }


class _Till:
    """A fresh store with one customer holding points, on a clock the benchmark moves."""

    def __init__(self, path: Path, program: dict[str, object], clock: FixedClock) -> None:
        self.clock = clock
        self.ctx = bootstrap(path, create=True, clock=clock)
        self.ctx.store.init(program, actor="system")
        self.ctx.catalog.import_catalog(DEMO_CATALOG, actor="system")
        self.ctx.staff.add_cashier("Пётр", "9876", "manager", actor="system")
        self.card = self.ctx.customers.enroll("Анна", "+79160000001", actor="Иван").card
        self.ctx.customers.adjust_points(self.card, 10**6, "bench", actor="Пётр")
        phone = pyotp.parse_uri(self.ctx.confirm.totp_setup(self.card))
        assert isinstance(phone, pyotp.TOTP)
        self.phone = phone
        self.basket = (self.ctx.catalog.resolve_line("CHZ", 3),)

    def sale(self, ticket: str | None = None) -> None:
        self.ctx.checkout.sell(SaleRequest(self.basket, card=self.card, redeem=10, confirmed=ticket), actor="Иван")

    def plain(self) -> None:
        self.clock.advance(timedelta(seconds=31))
        self.sale()

    def by_qr(self) -> None:
        self.clock.advance(timedelta(seconds=31))  # a new TOTP step each time: each code counts once
        scanned, code = parse_totp_qr(totp_qr_text(self.card, self.phone.at(self.clock.now()))) or ("", "")
        self.sale(self.ctx.confirm.confirm_totp(scanned, code, actor="Иван"))

    def by_manager(self) -> None:
        self.clock.advance(timedelta(seconds=31))
        self.sale(self.ctx.confirm.confirm_manager(self.card, "9876", "bench", actor="Иван"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-confirm-"))
    clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    plain = _Till(folder / "plain.sqlite3", DEMO_PROGRAM, clock)
    confirm = _Till(folder / "confirm.sqlite3", {**DEMO_PROGRAM, "confirm": {"always": True}}, clock)
    results = {
        "sale paying points, no confirmation": _timed(plain.plain, args.runs),
        "rotating QR checked + sale": _timed(confirm.by_qr, args.runs),
        "manager PIN checked + sale": _timed(confirm.by_manager, max(10, args.runs // 10)),
    }
    plain.ctx.close()
    confirm.ctx.close()
    print(
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, {date.today()}"
    )
    for what, figures in results.items():
        print(f"{what:<40} {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
