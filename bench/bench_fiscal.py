"""What registering the fiscal receipt adds to a sale (issue 12): a card sale with points, request to commit.

Usage:
    nice .venv/bin/python bench/bench_fiscal.py [--sales 60] [--latency 0.05] [--poll 0.05]

The ATOL Web Server emulator (app/fiscal/emulators/atol_web.py) runs in this process on loopback and its
register takes `latency` seconds per task (50 ms: the register's own time). Each sale goes through
`CheckoutService.sell` with the register hook, exactly as the till and the CLI run it: price and pending row
(one transaction), the driver's POST and polling of the task, the sale's commit with the receipt (one
transaction). Measured per sale, wall time:

- total: request to committed;
- beyond the register: total minus the register's own time (`latency`): our service, SQLite, HTTP and the
  driver's polling;
- service: total minus the time inside `FiscalDevice.register` (the driver's call): what the fiscal service
  and the two transactions cost;
- the same sale with no register (fiscal.device none), for comparison.

`--poll` is the driver's longest pause between result queries (AtolWebDevice's default 0.05 s). The driver
asks again at pauses that grow with the task's time (a sixth of it, from 2 ms), and once it has seen the
register's time for a receipt it skips to 90 % of that and then asks every 1/25 of it, so the answer is
picked up within a few milliseconds; `http_requests_per_sale` counts the POST and the GETs. The load average
is printed too: on a shared machine the wall figures move with it, the CPU figures much less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from app.bootstrap import bootstrap  # noqa: E402
from app.core.demo import DEFAULT_PROGRAM  # noqa: E402
from app.core.fiscal import FiscalDevice, FiscalDocument, FiscalResult  # noqa: E402
from app.core.pricing import LineIn  # noqa: E402
from app.core.services.results import SaleRequest  # noqa: E402
from app.fiscal.atol import AtolWebDevice  # noqa: E402
from app.fiscal.emulators.atol_web import AtolWebEmulator  # noqa: E402

WARMUP = 5


class Timed:
    """The real driver, with the wall time of each register() call noted."""

    def __init__(self, device: FiscalDevice) -> None:
        self.device = device
        self.last = 0.0

    def register(self, doc: FiscalDocument) -> FiscalResult:
        """Print `doc`, noting how long the driver took."""
        t0 = time.perf_counter()
        try:
            return self.device.register(doc)
        finally:
            self.last = time.perf_counter() - t0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.device, name)


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


def run(sales: int, latency: float, poll: float) -> dict[str, Any]:
    """Sell `sales` card sales with points through the emulated register, then as many with none."""
    folder = Path(tempfile.mkdtemp(prefix="bench-fiscal-"))
    emu = AtolWebEmulator(latency=latency, auto_open_shift=True).start()
    ctx = bootstrap(folder / "terminal.sqlite3", create=True)
    ctx.start_background()
    try:
        program = {**DEFAULT_PROGRAM, "redeem": {"max_share_pct": "50", "min_balance": 0},
                   "welcome_bonus": {"points": 1_000_000, "expiry_days": 365}}  # fmt: skip
        ctx.store.init(program)
        timed: list[Timed] = []

        def opener(setting: str) -> FiscalDevice:
            device = Timed(AtolWebDevice(setting.removeprefix("atol-web:"), timeout=10.0, poll=poll))
            timed.append(device)
            return device  # type: ignore[return-value]  # a FiscalDevice by delegation

        ctx.fiscal.opener = opener
        card = ctx.customers.enroll("Анна", "+79160000001", actor="bench").card
        req = SaleRequest(
            (LineIn("LAT", "Латте", "coffee", 2, 15001), LineIn("CRO", "Круассан", "bakery", 1, 12000)),
            card=card,
            redeem=50,
            payment="card",
            cashier="Ольга",
        )

        requests: list[int] = []

        def sell_all(n: int, driven: bool) -> tuple[list[float], list[float], list[float]]:
            totals, inside, cpu = [], [], []
            for i in range(n + WARMUP):
                logged = len(emu.log)
                c0 = time.thread_time()
                t0 = time.perf_counter()
                res = ctx.checkout.sell(req, actor="bench")
                elapsed = time.perf_counter() - t0
                used = time.thread_time() - c0
                assert res.committed and (res.fiscal is not None) == driven
                if i >= WARMUP:
                    if driven:
                        requests.append(len(emu.log) - logged)
                    totals.append(elapsed)
                    inside.append(timed[0].last if driven else 0.0)
                    cpu.append(used)
            return totals, inside, cpu

        ctx.fiscal.configure(f"atol-web:{emu.url}", actor="bench")
        totals, inside, cpu = sell_all(sales, True)
        ctx.fiscal.configure("none", actor="bench")
        plain, _, plain_cpu = sell_all(sales, False)
        printed = len([t for t in emu.printed if t["type"] == "sell"])
    finally:
        ctx.close()
        emu.stop()
    return {
        "sales": sales,
        "register_latency_ms": latency * 1000,
        "driver_poll_ms": poll * 1000,
        "printed": printed,
        "median_total_ms": _median_ms(totals),
        "median_beyond_register_ms": _median_ms([t - latency for t in totals]),
        "median_driver_call_ms": _median_ms(inside),
        "median_service_ms": _median_ms([t - d for t, d in zip(totals, inside, strict=True)]),
        "median_sale_without_register_ms": _median_ms(plain),
        # CPU of the selling thread (the service, SQLite, the driver's client; not the emulator's threads):
        # what the till's own work costs, whatever the machine's load.
        "median_cpu_ms": _median_ms(cpu),
        "median_cpu_without_register_ms": _median_ms(plain_cpu),
        "http_requests_per_sale": statistics.median(requests),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "p95_total_ms": round(sorted(totals)[int(0.95 * len(totals)) - 1] * 1000, 2),
    }


def main() -> int:
    """Run and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.05, help="the register's own time per task, seconds")
    parser.add_argument("--poll", type=float, default=0.05, help="the driver's longest pause between result queries")
    args = parser.parse_args()
    print(json.dumps(run(args.sales, args.latency, args.poll), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
