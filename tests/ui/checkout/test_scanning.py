"""Scans from the wedge and the camera act through one handler; forged codes change nothing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.identity import card_qr_payload
from app.ui.main_window import MainWindow
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, priced, scan_with_wedge


def test_a_card_qr_scan_attaches_the_customer(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    scan_with_wedge(card_qr_payload(store.store.secret(), demo_template.rich_card))
    qtbot.waitUntil(lambda: window.controller.customer is not None)
    assert window.controller.customer.card == demo_template.rich_card  # type: ignore[union-attr]


def test_a_forged_qr_scan_changes_nothing(qtbot: QtBot, window: MainWindow, demo_template: Demo) -> None:
    window.controller.add_code("LAT")
    qtbot.waitUntil(lambda: priced(window))
    before = (list(window.controller.basket.lines), window.controller.result)
    forged = card_qr_payload(b"another store's secret", demo_template.rich_card)
    with qtbot.waitSignal(window.checkout.router.handled) as handled:
        scan_with_wedge(forged)
    assert handled.args == ["unknown", forged]
    assert "поддельный" in window.checkout.status.text()
    assert window.checkout.status.property("level") == "error"
    assert window.controller.customer is None
    assert (list(window.controller.basket.lines), window.controller.result) == before
    assert window.checkout.product_field.text() == ""


def test_a_coupon_scan_applies_the_coupon(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("CHZ")
    window.controller.add_code("CHZ")
    qtbot.waitUntil(lambda: priced(window))
    scan_with_wedge("WELCOME10")
    qtbot.waitUntil(lambda: priced(window) and window.controller.result.quote.coupon == "WELCOME10")  # type: ignore[union-attr]


def test_a_receipt_scan_asks_for_a_refund_of_that_sale(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.refund_requested) as requested:
        scan_with_wedge("R000042")
    assert requested.args == [42]


def test_f9_asks_for_a_refund_without_a_sale(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.refund_requested) as requested:
        press(Qt.Key.Key_F9)
    assert requested.args == [0]


def test_an_unknown_card_number_offers_enrollment(qtbot: QtBot, window: MainWindow) -> None:
    scan_with_wedge("2990000009999")
    qtbot.waitUntil(lambda: "F4" in window.checkout.status.text())
    assert window.checkout._unknown_card == "2990000009999"
    assert window.controller.customer is None


def card_video(path: Path, payload: str, seconds: float = 2.0, fps: int = 30) -> Path:
    """An MJPG .avi, 1280×720: a counter, then a printed card with its QR held in view."""
    qr = np.array(segno.make(payload, error="m").matrix, dtype=np.uint8)
    qr = np.pad(qr, 4)
    module = 9
    code = np.kron(1 - qr, np.ones((module, module), dtype=np.uint8)) * 255
    rng = np.random.default_rng(3)
    # A blurry counter top, made once: sharp noise in every frame makes MJPG encoding slow.
    blotches = rng.normal(110, 18, (90, 160)).clip(0, 255).astype(np.uint8)
    background = cv2.resize(blotches, (1280, 720), interpolation=cv2.INTER_CUBIC)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (1280, 720))
    assert writer.isOpened()
    for i in range(int(seconds * fps)):
        frame = np.roll(background, i * 7, axis=1)
        if i >= 6:  # the card comes into view after 0.2 s and stays
            top, left = 160 + (i % 3), 420 + (i % 2)  # a slightly unsteady hand
            frame[top - 20 : top + code.shape[0] + 20, left - 40 : left + code.shape[1] + 40] = 245
            frame[top : top + code.shape[0], left : left + code.shape[1]] = code
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


@pytest.mark.slow
def test_a_card_held_to_the_webcam_fills_the_customer_panel_exactly_once(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo, tmp_path: Path
) -> None:
    video = card_video(tmp_path / "card.avi", card_qr_payload(store.store.secret(), demo_template.rich_card))
    fills: list[str] = []
    window.checkout.customer_panel.filled.connect(lambda info: fills.append(info.card))
    window.camera_source = str(video)
    press(Qt.Key.Key_F10)
    assert window.camera is not None and window.checkout.camera_row.isVisible()
    with qtbot.waitSignal(window.camera_changed, check_params_cb=lambda on: not on, timeout=10_000):
        pass  # the video plays to its end; the camera switches itself off
    assert fills == [demo_template.rich_card]
    assert window.checkout.preview.frames_shown > 0


def test_a_missing_camera_says_so(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.camera_source = str(tmp_path / "no-such-video.avi")
    press(Qt.Key.Key_F10)
    assert window.camera is None
    assert "no-such-video.avi" in window.checkout.status.text()
    assert window.checkout.status.property("level") == "error"


def test_a_scan_goes_to_an_open_dialog_that_takes_scans(qtbot: QtBot, window: MainWindow) -> None:
    got: list[str] = []

    class ScanningDialog(QDialog):
        def scan(self, text: str) -> None:
            got.append(text)
            self.accept()

    dialog = ScanningDialog(window)
    QTimer.singleShot(0, lambda: scan_with_wedge("R000042"))
    dialog.exec()
    assert got == ["R000042"]
    assert window.controller.basket.lines == []
