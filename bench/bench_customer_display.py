"""Customer display redraw: how long the till's GUI thread spends when the basket on the display changes.

Usage:
    .venv/bin/python bench/bench_customer_display.py [--runs 25] [--size 1920x1080]

The display draws on the till's own GUI thread, between the keys of a scanner's burst: a redraw
must stay far below the keyboard wedge's 30 ms gap (app/ui/wedge.py) or a scan could be split.
Each run changes one line's quantity (new texts in every row that changed, the sums, the side)
then lets Qt lay out and paint what changed, offscreen; the figure is
the GUI thread's CPU time for it. Figures are medians, in docs/customer-display.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))

    from PySide6.QtWidgets import QApplication

    from app.core.services.results import CustomerInfo
    from app.ui import i18n
    from app.ui.checkout.customer_panel import tier_progress
    from app.ui.customer_display import CustomerDisplay, DisplayCustomer, DisplayLine, DisplayState

    app = QApplication([])
    i18n.install(app, "ru")
    info = CustomerInfo(
        customer_id=1, card="2000000000015", name="Анна Иванова", phone=None, phone_masked="", birthday=None,
        tier="Серебро", tier_spend=1_245_000, next_tier="Золото", to_next_tier=755_000, available=1_250, pending=0,
        expired=0, debt=0, stamps={}, stamps_needed={}, next_expiry_points=0, next_expiry_at=None, blocked=False,
    )  # fmt: skip
    customer = DisplayCustomer("Анна И.", info.tier, tier_progress(info), info.available)
    display = CustomerDisplay()
    display.resize(width, height)
    display.show()
    app.processEvents()
    print(f"customer display {width}x{height}, {args.runs} runs, median ms per basket change (offscreen)")
    for count in (1, 5, 20, 60):
        lines = tuple(DisplayLine(f"Товар номер {i}", 1, 10_000 + i, 10_000 + i) for i in range(count))
        state = DisplayState(lines=lines, subtotal=1, total=1, earned=5, customer=customer)
        display.show_state(state)  # the rows exist from here on (made once, as on a till)
        app.processEvents()
        times = []
        for run in range(args.runs):
            changed = (*lines[:-1], replace(lines[-1], qty=run + 2))
            # The GUI thread's CPU time (time.thread_time) over 50 ms of event processing: the new state,
            # the layout and the paint of what changed, as Qt schedules it, without counting the waiting.
            start, until = time.thread_time(), time.monotonic() + 0.05
            display.show_state(replace(state, lines=changed, total=run + 2))
            while time.monotonic() < until:
                app.processEvents()
                time.sleep(0.001)
            times.append((time.thread_time() - start) * 1000)
        print(f"  {count:3d} lines: {statistics.median(times):6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
