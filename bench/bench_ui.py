"""Checkout window speed: card in front of the camera → customer shown, cold start, key press → basket.

Usage:
    .venv/bin/python bench/gen_store.py --customers 100000 --sales 300000 --out /tmp/store-100k.sqlite3
    .venv/bin/python bench/bench_ui.py --db /tmp/store-100k.sqlite3 [--runs 15] [--json out.json]

Without --db a small demo store is built in a temporary folder. The store is copied first
(the benchmark sells), and everything runs offscreen through the real window and worker.
Figures are medians; docs/benchmarks-ui.md has the results and how to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

READY = "READY"


def child_cold_start(db: Path) -> int:
    """In a fresh process: start the real app and print READY when the checkout takes scans."""
    from PySide6.QtWidgets import QApplication

    from app.ui.main import run_app

    def ready(_window: object) -> None:
        print(READY, flush=True)
        QApplication.quit()

    return run_app(db, on_ready=ready)


def cold_start(db: Path, runs: int, home: Path) -> list[float]:
    """Seconds from launching the process to a ready checkout screen, per run."""
    env = {**os.environ, "LOYALTY_HOME": str(home), "LOYALTY_WINDOWED": "1", "QT_QPA_PLATFORM": "offscreen"}
    # An installed app has its bytecode compiled; keep ours out of the checkout.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    times = []
    for run in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child-cold-start", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == READY:
                if run:  # the first run compiles the bytecode: not counted
                    times.append(time.perf_counter() - start)
                break
        proc.wait(timeout=60)
    return times


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Run the event loop until check() holds."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("timed out")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


class TimedCapture:
    """cv2.VideoCapture that notes when it hands out the first frame showing the card."""

    def __init__(self, source: Any, first_card_frame: int, marks: list[float]) -> None:
        import cv2

        self._capture = cv2.VideoCapture(str(source))
        self._index = 0
        self._first = first_card_frame
        self._marks = marks

    def isOpened(self) -> bool:
        return bool(self._capture.isOpened())

    def read(self) -> tuple[bool, Any]:
        ok, frame = self._capture.read()
        if ok and self._index == self._first:
            self._marks.append(time.perf_counter())
        self._index += 1
        return ok, frame

    def get(self, prop: int) -> float:
        return float(self._capture.get(prop))

    def release(self) -> None:
        self._capture.release()


def card_video(path: Path, payload: str, blank: int, card: int) -> Path:
    """A 1280×720 MJPG video: `blank` frames of counter top, then `card` frames with the card QR."""
    import cv2
    import numpy as np
    import segno

    qr = np.pad(np.array(segno.make(payload, error="m").matrix, dtype=np.uint8), 4)
    code = np.kron(1 - qr, np.ones((9, 9), dtype=np.uint8)) * 255
    rng = np.random.default_rng(5)
    background = cv2.resize(
        rng.normal(110, 18, (90, 160)).clip(0, 255).astype(np.uint8), (1280, 720), interpolation=cv2.INTER_CUBIC
    )
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (1280, 720))
    for i in range(blank + card):
        frame = np.roll(background, i * 5, axis=1)
        if i >= blank:
            top, left = 160 + i % 3, 420 + i % 2
            frame[top - 20 : top + code.shape[0] + 20, left - 40 : left + code.shape[1] + 40] = 245
            frame[top : top + code.shape[0], left : left + code.shape[1]] = code
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


def in_window(db: Path, runs: int, tmp: Path) -> dict[str, list[float]]:
    """Camera → customer panel, key press → basket, and wedge scan → line, in one real window."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import bootstrap
    from app.ui import i18n, theme
    from app.ui.camera import CameraFeed
    from app.ui.main_window import MainWindow
    from app.ui.worker import Worker

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    i18n.install(app, "ru")
    theme.apply(app)
    ctx = bootstrap(db)
    worker = Worker()
    window = MainWindow(ctx, worker)
    window.resize(1024, 768)
    window.show()
    window.activateWindow()
    wait_until(lambda: window.is_ready)
    c = window.controller
    panel = window.checkout.customer_panel
    results: dict[str, list[float]] = {"camera_to_panel_ms": [], "key_to_basket_ms": [], "key_to_priced_ms": []}
    results["wedge_scan_to_line_ms"] = []

    # gen_store.py's customer 1 has 50 open lots, the heaviest to price; any demo card otherwise.
    found = ctx.customers.find_customers("2990000000019")
    card = found[0]["card"] if found else ctx.customers.find_customers("Анна")[0]["card"]
    payload = ctx.customers.customer(card).qr
    video = card_video(tmp / "card.avi", payload, blank=8, card=20)

    # 1. From the first frame that shows the card to the panel filled.
    for _ in range(runs):
        c.clear()
        wait_until(lambda: c.customer is None and panel.info is None)
        marks: list[float] = []
        filled: list[float] = []
        panel.filled.connect(lambda _info, filled=filled: filled.append(time.perf_counter()))
        feed = CameraFeed(
            str(video),
            reader_options={"open_capture": lambda source, marks=marks: TimedCapture(source, 8, marks)},
        )
        feed.code_read.connect(window.on_scan)
        feed.start()
        wait_until(lambda filled=filled: bool(filled), timeout=15)
        feed.stop()
        panel.filled.disconnect()
        results["camera_to_panel_ms"].append((filled[0] - marks[0]) * 1000)

    # 2. A key press to the basket updated (and to the new prices shown).
    c.clear()
    c.attach_card(card)
    c.add_code("ESP")
    wait_until(lambda: c.customer is not None and c.fresh)
    field = window.checkout.product_field
    field.setFocus()
    model = window.checkout.model
    for _ in range(runs * 4):
        changed: list[float] = []
        model.dataChanged.connect(lambda *_a, changed=changed: changed.append(time.perf_counter()))
        start = time.perf_counter()
        QTest.keyClick(field, Qt.Key.Key_Plus)
        wait_until(lambda changed=changed: bool(changed))
        basket_at = changed[0]
        wait_until(lambda: c.fresh and not c.pricing)
        priced_at = time.perf_counter()
        model.dataChanged.disconnect()
        results["key_to_basket_ms"].append((basket_at - start) * 1000)
        results["key_to_priced_ms"].append((priced_at - start) * 1000)

    # 3. A wedge scan (13 digits + Enter, as fast as a scanner types) to the line in the basket.
    barcode = next(p["barcode"] for p in ctx.catalog.catalog() if p["barcode"])
    for _ in range(runs):
        c.clear()
        wait_until(lambda: not c.basket.lines and not c.pricing and not window.worker.busy())
        start = time.perf_counter()
        QTest.keyClicks(field, barcode)
        QTest.keyClick(field, Qt.Key.Key_Return)
        wait_until(lambda: bool(c.basket.lines))
        results["wedge_scan_to_line_ms"].append((time.perf_counter() - start) * 1000)

    window.close()
    worker.stop()
    ctx.close()
    return results


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import PySide6

    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def summary(values: list[float]) -> dict[str, float]:
    """Median, best, worst, 90th percentile."""
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a store to measure on (copied first); default: a small demo store")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child-cold-start", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_cold_start:
        return child_cold_start(args.child_cold_start)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["LOYALTY_HOME"] = str(tmp)
        db = tmp / "terminal.sqlite3"
        if args.db:
            shutil.copy(args.db, db)
        else:
            from app.bootstrap import bootstrap
            from app.core.demo import fill_demo

            ctx = bootstrap(db, create=True)
            ctx.store.init()
            fill_demo(ctx, customers=40, days=10)
            ctx.close()
        from app.bootstrap import bootstrap

        probe = bootstrap(db)
        with probe.engine.connect() as conn:
            customers = conn.exec_driver_sql("select count(*) from customers").scalar_one()
            sales = conn.exec_driver_sql("select count(*) from sales").scalar_one()
        probe.close()
        cold = cold_start(db, max(5, args.runs // 2), tmp)
        window = in_window(db, args.runs, tmp)
    report = {
        "machine": machine(),
        "store": {"customers": customers, "sales": sales},
        "cold_start_s": summary(cold),
        **{name: summary(values) for name, values in window.items()},
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
