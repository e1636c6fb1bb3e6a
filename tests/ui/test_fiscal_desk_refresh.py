"""The status bar asks the register again when asked while a question is out (FiscalDesk.refresh).

The shift opening (or a sale printing) asks for a refresh; if the previous question is still out, its
answer may be older than the change. Dropping that request left «Касса: готова» without the shift just
opened until the next minute's refresh. A register double whose first answer waits on a gate makes the
order certain; the workers are the app's own threads.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from app.core.fiscal import ShiftInfo
from app.ui.fiscal_desk import FiscalDesk
from app.ui.fiscal_port import FiscalConfig
from app.ui.worker import Worker


class _Checkout(QWidget):
    fiscal_check_requested = Signal()
    shift_open = True


class _Controller(QWidget):
    register_refused = Signal(object)
    sold = Signal(object)


class _Window(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.checkout = _Checkout(self)
        self.controller = _Controller(self)

    def menu_actions(self, actions: list[Any]) -> None:
        self.addActions(actions)


class _Register:
    """Answers «shift closed» first (held until the gate opens), «shift 1 open» after."""

    def __init__(self) -> None:
        self.config = FiscalConfig("shtrih:tcp://127.0.0.1:7778")
        self.gate = threading.Event()
        self.asked = 0

    def status(self) -> Any:
        self.asked += 1
        if self.asked == 1:
            self.gate.wait(10)
        shift = ShiftInfo(self.asked > 1, 1 if self.asked > 1 else 0, None)
        return SimpleNamespace(error=None, warnings=[], device=SimpleNamespace(shift=shift))


def test_a_refresh_asked_while_one_is_out_is_asked_again_when_the_answer_comes(qtbot: QtBot) -> None:
    window = _Window()
    qtbot.addWidget(window)
    register = _Register()
    worker = Worker("test-db")
    desk = FiscalDesk(window, register, worker, lambda: "Ольга")  # type: ignore[arg-type]
    try:
        desk.refresh()  # out, and held: the register answers «closed» once let go
        qtbot.waitUntil(lambda: register.asked == 1)
        desk.refresh()  # meanwhile the shift opened: this must not be lost
        register.gate.set()
        qtbot.waitUntil(lambda: register.asked == 2 and not desk.busy)
        qtbot.waitUntil(lambda: desk.label.full_text().endswith(("shift 1 open", "смена 1")))
    finally:
        register.gate.set()
        desk.stop()
        worker.stop()
