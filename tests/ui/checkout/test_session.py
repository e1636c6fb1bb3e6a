"""The till's session around the checkout: log in, open the shift, refunds behind the cashier."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.services.staff import StaffService
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.refund_dialog import RefundDialog
from app.ui.session import Session
from app.ui.shift import ShiftDialog
from app.ui.worker import Worker


def _visible(kind: type) -> object | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_login_then_shift_then_sales_carry_the_cashier(
    qtbot: QtBot, window: MainWindow, store: Context, db_worker: Worker
) -> None:
    StaffService(store.engine).add_cashier("Ольга", "2468", role="cashier", actor="test")
    session = Session(window, store, db_worker)
    session.login()
    qtbot.waitUntil(lambda: isinstance(_visible(LoginDialog), LoginDialog))
    login = _visible(LoginDialog)
    assert isinstance(login, LoginDialog)
    qtbot.waitUntil(lambda: login.name.count() == 1 and login.go.isEnabled())
    login.name.setCurrentText("Ольга")
    qtbot.keyClicks(login.pin, "2468")
    qtbot.keyClick(login.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.controller.cashier == "Ольга", timeout=10_000)
    qtbot.waitUntil(lambda: isinstance(_visible(ShiftDialog), ShiftDialog), timeout=10_000)
    shift = _visible(ShiftDialog)
    assert isinstance(shift, ShiftDialog)
    shift.open_shift()
    staff = StaffService(store.engine)
    olga = next(c for c in staff.cashiers() if c.name == "Ольга")
    qtbot.waitUntil(lambda: staff.current_shift(olga.id) is not None, timeout=10_000)
    session.stop()


def test_closing_the_login_at_start_closes_the_till(
    qtbot: QtBot, window: MainWindow, store: Context, db_worker: Worker
) -> None:
    StaffService(store.engine).add_cashier("Ольга", "2468", role="cashier", actor="test")
    session = Session(window, store, db_worker)
    session.login()
    qtbot.waitUntil(lambda: isinstance(_visible(LoginDialog), LoginDialog))
    login = _visible(LoginDialog)
    assert isinstance(login, LoginDialog)
    login.reject()
    qtbot.waitUntil(lambda: not window.isVisible())
    session.stop()


def test_a_scanned_receipt_opens_the_refund_screen_for_the_signed_in_cashier(
    qtbot: QtBot, window: MainWindow, store: Context, db_worker: Worker
) -> None:
    session = Session(window, store, db_worker)
    window.refund_requested.emit(1)
    assert _visible(RefundDialog) is None  # nobody signed in: refused with a message
    session._logged_in(StaffService(store.engine).add_cashier("Ольга", "2468", actor="test"))
    window.refund_requested.emit(1)
    qtbot.waitUntil(lambda: isinstance(_visible(RefundDialog), RefundDialog))
    dialog = _visible(RefundDialog)
    assert isinstance(dialog, RefundDialog) and dialog.cashier == "Ольга"
    dialog.reject()
    for w in QApplication.topLevelWidgets():
        if isinstance(w, ShiftDialog):
            w.reject()
    session.stop()


def test_a_standalone_till_says_so_and_sync_now_explains_why_it_cannot(
    qtbot: QtBot, window: MainWindow, store: Context, db_worker: Worker
) -> None:
    session = Session(window, store, db_worker)
    session.start_sync()
    assert session.sync_worker is None and session.sync_label.text()
    session.sync_now()
    session.stop()
