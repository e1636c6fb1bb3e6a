"""Time the Штрих-М driver against its emulator: a command round trip, a receipt, a result_of read-back.

Usage: .venv/bin/python bench/bench_shtrih.py [--runs 200]
Medians over loopback TCP and a pseudo-terminal; the protocol's own work, not a printer's speed
(a real register adds its printing and its fiscal drive's signing). Figures: docs/fiscal-shtrih.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from app.core.fiscal import FiscalDocument, Operator, Payment, Position  # noqa: E402
from app.fiscal.emulators.shtrih_emulator import ShtrihEmulator  # noqa: E402
from app.fiscal.shtrih import ShtrihDevice  # noqa: E402


def median_ms(fn: Callable[[int], object], runs: int) -> float:
    """The median wall time of fn(i) over `runs` calls, in milliseconds."""
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def receipt(i: int) -> FiscalDocument:
    """A three-line sale with a discount split, cash and card."""
    return FiscalDocument(
        uuid=f"bench-{i}", kind="sell", operator=Operator("Кассир", "500100732259"), taxation="osn",
        positions=(Position("Латте", 25000, 2, 45001, "vat22"), Position("Круассан", 15000, 1, 15000, "vat10")),
        payments=(Payment("cash", 30001), Payment("electronically", 30000)), customer_contact="+79161234567",
    )  # fmt: skip


def main() -> None:
    """Print the medians for each transport."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    for transport in ("tcp", "pty"):
        with ShtrihEmulator() as emu:
            emu.execute(b"\xe0" + (30).to_bytes(4, "little"))
            if transport == "tcp":
                setting = f"shtrih:tcp://127.0.0.1:{emu.serve_tcp().port}"
            else:
                setting = f"shtrih:serial:{emu.serve_pty().path}?baud=115200"
            dev = ShtrihDevice.from_setting(setting)
            dev.status()  # connect
            register = dev._device()
            status = median_ms(lambda _, r=register: r.state(), runs)
            sale = median_ms(lambda i, d=dev: d.register(receipt(i)), runs)
            fresh = ShtrihDevice.from_setting(setting)
            dev.close()
            fresh.status()
            lookup = median_ms(lambda i, f=fresh: (f._results.clear(), f.result_of(f"bench-{runs - 1 - i % 5}")), runs)
            fresh.close()
            print(
                f"{transport}: status 10h {status:.2f} ms, receipt {sale:.2f} ms, result_of (1-5 back) {lookup:.2f} ms"
            )


if __name__ == "__main__":
    main()
