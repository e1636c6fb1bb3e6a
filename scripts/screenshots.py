"""Retake the till's key screens in docs/screenshots/ from the real start, by keys, offscreen.

Usage: .venv/bin/python scripts/screenshots.py [--size 1024x768] [--out docs/screenshots]

Starts the program as `loyalty-terminal` does on an empty data folder (the first-run wizard
with the demo café, the login, the shift) through the journey harness (tests/ui/journeys/
harness.py), sells to a demo customer with points, a coupon and a gift, enrolls a customer and
opens a refund, all by key presses, and saves the whole screen at each step: login.png,
shift.png, checkout.png, checkout-customer.png, pay.png, enroll.png, refund.png.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

MAX_PNG_BYTES = 300_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1024x768", help="the screen, WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    try:
        screen = work / "screen.json"
        screen.write_text(json.dumps({"screens": [{"name": "till", "x": 0, "y": 0, "width": width, "height": height}]}))
        # Before Qt starts: an offscreen screen of the till's size, a fresh data folder, Russian.
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
        os.environ["LOYALTY_HOME"] = str(work / "home")
        for name in ("LOYALTY_LANG", "LOYALTY_CAMERA", "LOYALTY_WINDOWED"):
            os.environ.pop(name, None)
        (work / "home").mkdir()
        return _take(args.out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _take(out: Path, work: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from app.core.identity import card_qr_payload
    from tests.ui.journeys.harness import Journey, JourneyRunner, first_start, log_in

    app = QApplication([])
    shots = work / "shots"

    def script(h: Journey) -> None:
        from app.ui.checkout.pay_dialog import PayDialog
        from app.ui.enroll_dialog import EnrollDialog
        from app.ui.login import LoginDialog
        from app.ui.refund_dialog import RefundDialog
        from app.ui.shift import ShiftDialog

        first_start(h)
        window = h.main_window(timeout=120)
        c, checkout = window.controller, window.checkout
        h.modal(LoginDialog)
        h.screenshot("login")
        log_in(h)
        shift = h.modal(ShiftDialog)
        h.wait_for(shift.open_button.isVisible, "the shift dialog")
        h.screenshot("shift")
        h.press("Return")
        h.no_modal()
        for code in ("4600000000022", "4600000000022", "4600000000060"):
            h.scan(code)
        h.wait_for(lambda: c.fresh and c.result is not None and len(c.basket.lines) == 2, "the basket")
        h.screenshot("checkout")
        h.scan(card_qr_payload(h.gui(lambda: c.store.secret), "2990000000088"))
        h.wait_for(lambda: c.customer is not None, "the customer")
        h.press("F6")
        h.type("WELCOME10")
        h.press("Return")
        h.press("F7")
        h.wait_for(lambda: QApplication.activePopupWidget() is not None, "the gifts")
        h.press("Down", "Return")
        h.press("F5")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0, "points")
        h.press("F3")
        h.screenshot("checkout-customer")
        h.press("F12")
        h.modal(PayDialog)
        h.screenshot("pay")
        h.press("Return")
        h.no_modal()
        h.wait_for(lambda: not c.basket.lines, "the sale")
        h.press("F4")
        enroll = h.modal(EnrollDialog)
        h.type("+79160001122")
        h.press("Tab")
        h.type("Пётр Сидоров")
        h.screenshot("enroll")
        h.press("Escape")
        h.no_modal()
        h.press("F9")
        refund = h.modal(RefundDialog)
        h.type(str(h.gui(lambda: checkout.status.text()).split("№")[1].split()[0]))
        h.press("Return")
        h.wait_for(lambda: refund.sale is not None, "the sale to refund")
        h.screenshot("refund")
        del enroll

    JourneyRunner(work / "home", shots)(script)
    out.mkdir(parents=True, exist_ok=True)
    for shot in sorted(shots.glob("*.png")):
        if shot.stat().st_size > MAX_PNG_BYTES:
            raise SystemExit(f"{shot.name} is larger than {MAX_PNG_BYTES} bytes")
        shutil.copy(shot, out / shot.name)
        print(f"{out / shot.name} {shot.stat().st_size // 1000} KB")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
