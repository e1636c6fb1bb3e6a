"""Regenerate docs/screenshots/checkout*.png and enroll.png from the real window, offscreen.

Usage: .venv/bin/python scripts/screenshots.py [--size 1024x768] [--out docs/screenshots] [--lang ru]

Builds a demo store in a temporary folder, opens the checkout window, drives it the way a
cashier would (products, a customer, points, a coupon, enrollment) and grabs the window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app.bootstrap import bootstrap  # noqa: E402
from app.core.demo import fill_demo  # noqa: E402
from app.ui import i18n, theme  # noqa: E402
from app.ui.enroll_dialog import EnrollDialog  # noqa: E402
from app.ui.main import build_window  # noqa: E402
from app.ui.worker import Worker  # noqa: E402

MAX_PNG_BYTES = 300_000


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Run the event loop until check() is true."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(ms: int = 150) -> None:
    """Let layouts and paints finish."""
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)


def save(widget: QWidget, path: Path) -> None:
    """Grab a widget into a PNG and check its size."""
    settle()
    widget.grab().save(str(path), "PNG", 9)
    size = path.stat().st_size
    print(f"{path} {size // 1000} KB")
    if size > MAX_PNG_BYTES:
        raise SystemExit(f"{path} is larger than {MAX_PNG_BYTES} bytes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1024x768")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="ru", choices=i18n.LANGUAGES)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    i18n.install(app, args.lang)
    theme.apply(app)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LOYALTY_HOME"] = tmp  # settings of this run stay in the temp folder
        ctx = bootstrap(Path(tmp) / "terminal.sqlite3", create=True)
        ctx.loyalty.init()
        fill_demo(ctx.loyalty, customers=15, days=20)
        worker = Worker()
        window = build_window(ctx, worker, args.lang)
        window.resize(width, height)
        window.show()
        window.set_cashier("Ольга" if args.lang == "ru" else "Olga", "cashier")
        wait_until(lambda: window.is_ready)
        c = window.controller
        s = window.checkout

        # 1. An anonymous basket, the cashier looking for a product by name.
        barcodes = {p["sku"]: p["barcode"] for p in ctx.loyalty.catalog()}
        for sku in ("CAP", "CAP", "CRO", "JUI"):
            window.on_scan(barcodes[sku])  # as the barcode scanner would
        wait_until(lambda: len(c.basket.lines) == 3 and c.fresh)
        s.product_field.setFocus()
        s.product_field.setText("чиз")  # the demo menu is in Russian
        s.product_field.search_now()
        wait_until(lambda: s.product_field.suggestion_count() > 0)
        save(window, args.out / "checkout.png")

        # 2. The customer's card scanned, points redeemed, a coupon applied.
        s.product_field.clear()
        s.product_field.hide_suggestions()
        anna = ctx.loyalty.find_customers("Анна")[0]["card"]
        window.on_scan(ctx.loyalty.customer(anna).qr)
        wait_until(lambda: c.customer is not None and c.fresh)
        c.set_coupon("WELCOME10")
        wait_until(lambda: c.fresh)
        s.redeem()
        wait_until(lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0)
        save(window, args.out / "checkout-customer.png")

        # 3. Enrolling a new customer: the card's QR code.
        dialog = EnrollDialog(ctx.loyalty, worker, parent=window)
        dialog.phone.setText("+7 916 123-45-67")
        dialog.name.setText("Мария Сидорова" if args.lang == "ru" else "Maria Sidorova")
        dialog.birthday.setText("05.07.1990")
        dialog.consent.setChecked(True)
        dialog.show()
        dialog.try_enroll()
        wait_until(lambda: dialog.outcome is not None)
        save(dialog, args.out / "enroll.png")
        dialog.close()
        window.close()
        if window.printer is not None:
            window.printer.stop()
        worker.stop()
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
