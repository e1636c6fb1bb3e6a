"""The one bridge delivers core events published on a worker thread to widgets on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.events import CustomerChanged, EventBus, RefundCommitted, SaleCommitted
from app.ui.bridge import Bridge


def test_events_published_off_the_gui_thread_arrive_on_it(qtbot: QtBot, qapp: QApplication) -> None:
    bus = EventBus()
    bridge = Bridge(bus)
    arrived: list[tuple[object, bool]] = []

    def on_gui(event: object) -> None:
        arrived.append((event, QThread.currentThread() is qapp.thread()))

    for signal in (bridge.sale_committed, bridge.refund_committed, bridge.customer_changed):
        signal.connect(on_gui)
    events = [SaleCommitted(1, None), RefundCommitted(2, 1), CustomerChanged(("2990000000019",))]
    worker = threading.Thread(target=lambda: [bus.publish(e) for e in events], name="db-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(arrived) == 3)
    assert arrived == [(e, True) for e in events]
    bridge.close()


def test_a_closed_bridge_hears_nothing(qapp: QApplication) -> None:
    bus = EventBus()
    bridge = Bridge(bus)
    arrived: list[object] = []
    bridge.sale_committed.connect(arrived.append)
    bridge.close()
    bus.publish(SaleCommitted(1, None))  # on this thread a connected signal would be delivered at once
    assert arrived == []
