"""Start of the day: the first manager on a fresh store, logging in, opening and closing a shift."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.services.results import SaleRequest
from app.core.services.staff import LOCKOUT_AFTER, StaffService
from app.core.services.support import SYSTEM
from app.ui import i18n
from app.ui.login import LoginDialog
from app.ui.pin_dialog import PinDialog, PinPad
from app.ui.shift import ShiftDialog
from app.ui.worker import Worker
from tests.integration.test_staff import CATALOG, FAST, PROGRAM


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Context]:
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    ctx.store.init(PROGRAM)
    ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)
    yield ctx
    ctx.close()


@pytest.fixture
def staff(store: Context) -> StaffService:
    return StaffService(store.engine, FAST)


@pytest.fixture
def staffed(staff: StaffService) -> StaffService:
    staff.create_first_manager("Ольга", "9999")
    staff.add_cashier("Иван", "1234", actor="Ольга")
    return staff


def _login(qtbot: QtBot, staff: StaffService, worker: Worker) -> LoginDialog:
    dialog = LoginDialog(staff, worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.go.isEnabled)
    return dialog


def _press(qtbot: QtBot, pad: PinPad, keys: str) -> None:
    buttons = {b.text(): b for b in pad.findChildren(QPushButton)}
    for key in keys:
        qtbot.mouseClick(buttons[key], Qt.MouseButton.LeftButton)


def test_fresh_store_asks_for_the_first_manager(qtbot: QtBot, staff: StaffService, db_worker: Worker) -> None:
    dialog = _login(qtbot, staff, db_worker)
    assert dialog.first_start and dialog.new_name.isVisible() and dialog.pin_again.isVisible()
    # QTest can only type Latin-1 characters; the Cyrillic name is set, the PINs are keyed in.
    dialog.new_name.setText("Ольга")
    dialog.pin.setFocus()
    _press(qtbot, dialog.pad, "2468")
    dialog.pin_again.setFocus()
    _press(qtbot, dialog.pad, "2468")
    with qtbot.waitSignal(dialog.logged_in, timeout=10_000) as signal:
        qtbot.keyClick(dialog.pin_again, Qt.Key.Key_Return)
    manager = signal.args[0]
    assert (manager.name, manager.role) == ("Ольга", "manager")
    assert staff.login("Ольга", "2468") == manager


def test_first_manager_pins_must_match(qtbot: QtBot, staff: StaffService, db_worker: Worker) -> None:
    dialog = _login(qtbot, staff, db_worker)
    dialog.new_name.setText("Ольга")
    qtbot.keyClicks(dialog.pin, "2468")
    qtbot.keyClicks(dialog.pin_again, "2469")
    qtbot.keyClick(dialog.pin_again, Qt.Key.Key_Return)
    assert "differ" in dialog.status.text()
    assert staff.needs_first_manager()


def test_cashier_logs_in_with_name_and_pin(qtbot: QtBot, staffed: StaffService, db_worker: Worker) -> None:
    dialog = _login(qtbot, staffed, db_worker)
    assert not dialog.first_start
    assert [dialog.name.itemText(i) for i in range(dialog.name.count())] == ["Иван", "Ольга"]
    dialog.name.setCurrentIndex(0)
    qtbot.keyClicks(dialog.pin, "1234")
    with qtbot.waitSignal(dialog.logged_in, timeout=10_000) as signal:
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert (signal.args[0].name, signal.args[0].role) == ("Иван", "cashier")
    assert dialog.cashier == signal.args[0]


def test_wrong_pin_is_refused_in_plain_words(qtbot: QtBot, staffed: StaffService, db_worker: Worker) -> None:
    dialog = _login(qtbot, staffed, db_worker)
    dialog.name.setCurrentText("иван")  # any case
    qtbot.keyClicks(dialog.pin, "4321")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.status.text() == "Wrong name or PIN")
    assert dialog.cashier is None and dialog.pin.text() == ""


def test_disabled_cashier_is_told_to_ask_a_manager(qtbot: QtBot, staffed: StaffService, db_worker: Worker) -> None:
    staffed.set_active(staffed.login("Иван", "1234").id, False, actor="Ольга")
    dialog = _login(qtbot, staffed, db_worker)
    dialog.name.setCurrentText("иван")  # any case
    qtbot.keyClicks(dialog.pin, "1234")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "disabled" in dialog.status.text())
    assert dialog.cashier is None


def test_short_pin_is_refused_before_asking_the_database(
    qtbot: QtBot, staffed: StaffService, db_worker: Worker
) -> None:
    dialog = _login(qtbot, staffed, db_worker)
    dialog.name.setCurrentText("иван")  # any case
    qtbot.keyClicks(dialog.pin, "12")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.status.text() == "A PIN is 4 to 8 digits"


def test_pin_pad_clears_and_erases(qtbot: QtBot, staffed: StaffService, db_worker: Worker) -> None:
    dialog = _login(qtbot, staffed, db_worker)
    dialog.pin.setFocus()
    _press(qtbot, dialog.pad, "123⌫")
    assert dialog.pin.text() == "12"
    _press(qtbot, dialog.pad, "C")
    assert dialog.pin.text() == ""
    _press(qtbot, dialog.pad, "123456789")
    assert dialog.pin.text() == "12345678"  # 8 digits at most


def test_shift_opens_and_closes_with_its_figures(
    qtbot: QtBot, store: Context, staffed: StaffService, db_worker: Worker
) -> None:
    ivan = staffed.login("Иван", "1234")
    dialog = ShiftDialog(staffed, db_worker, ivan)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.open_button.isVisible)
    with qtbot.waitSignal(dialog.shift_opened, timeout=10_000):
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.close_button.isVisible)
    store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 2),), cashier="Иван"), actor=SYSTEM)
    dialog.confirm_close = lambda: True  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.shift_closed, timeout=10_000) as closed:
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    summary = closed.args[0]
    assert (summary.sales_count, summary.sales_money) == (1, 36000)
    assert "closed" in dialog.status.text() and not dialog.close_button.isVisible()
    shown = [dialog.form.itemAt(i).widget().text() for i in range(dialog.form.count())]
    assert "Sales" in shown and any("360,00" in text for text in shown)


def _locked_staff(store: Context) -> StaffService:
    """Ольга and Иван on a clock that stands still, so the wait shown is exact."""
    staff = StaffService(store.engine, FAST, FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC)))
    staff.create_first_manager("Ольга", "9999")
    staff.add_cashier("Иван", "1234", actor="Ольга")
    return staff


def test_login_locked_after_wrong_pins_says_how_long_to_wait_in_words(
    qtbot: QtBot, qapp: QApplication, store: Context, db_worker: Worker
) -> None:
    staff = _locked_staff(store)
    i18n.install(qapp, "ru")
    dialog = _login(qtbot, staff, db_worker)
    dialog.name.setCurrentText("Иван")
    for _ in range(LOCKOUT_AFTER - 1):
        qtbot.keyClicks(dialog.pin, "4321")
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.go.isEnabled() and dialog.pin.text() == "")
    assert dialog.status.text() == "Неверное имя или PIN"
    qtbot.keyClicks(dialog.pin, "4321")  # the wrong PIN that locks: the wait is shown at once
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "через" in dialog.status.text())
    assert dialog.status.text() == "Слишком много неверных PIN: попробуйте снова через 30\u00a0секунд"
    qtbot.keyClicks(dialog.pin, "1234")  # the right PIN, but the login is locked: the field takes nothing
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.pin.text() == "" and not dialog.go.isEnabled() and dialog.cashier is None


def test_manager_approval_locked_after_wrong_pins_says_how_long_to_wait(
    qtbot: QtBot, qapp: QApplication, store: Context, db_worker: Worker
) -> None:
    staff = _locked_staff(store)
    i18n.install(qapp, "en")
    dialog = PinDialog(staff, db_worker, "Refund of sale No. 1")
    qtbot.addWidget(dialog)
    dialog.show()
    for pin in ["1234"] * (LOCKOUT_AFTER - 1):  # a cashier's PIN is one more wrong manager PIN
        qtbot.keyClicks(dialog.pin, pin)
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.ok.isEnabled() and dialog.pin.text() == "")
        assert dialog.status.text() == "Wrong manager PIN"
    qtbot.keyClicks(dialog.pin, "1234")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Too many" in dialog.status.text())
    qtbot.keyClicks(dialog.pin, "9999")  # the manager's own PIN, refused while locked: nothing typed
    assert dialog.pin.text() == "" and not dialog.ok.isEnabled()
    assert dialog.status.text() == "Too many wrong PINs: try again in 30\u00a0seconds"
    assert dialog.approved is None


def _lock_login(qtbot: QtBot, dialog: LoginDialog, name: str) -> None:
    dialog.name.setCurrentText(name)
    for _ in range(LOCKOUT_AFTER):  # the last one locks the login and starts the countdown
        qtbot.keyClicks(dialog.pin, "4321")
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.pin.text() == "" and (dialog.go.isEnabled() or dialog.countdown.active()))


def test_the_login_lockout_counts_down_and_then_lets_the_cashier_try(
    qtbot: QtBot, qapp: QApplication, store: Context, db_worker: Worker
) -> None:
    i18n.install(qapp, "en")
    dialog = _login(qtbot, _locked_staff(store), db_worker)
    _lock_login(qtbot, dialog, "Иван")
    assert dialog.countdown.active() and not dialog.go.isEnabled()
    first = dialog.countdown.left
    assert dialog.status.text() == f"Too many wrong PINs: try again in {first}\u00a0seconds"
    clock = dialog.staff.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(seconds=1))  # a second on the service's clock, without waiting for it
    dialog.countdown.tick()
    assert dialog.status.text() == f"Too many wrong PINs: try again in {first - 1}\u00a0seconds"
    clock.advance(timedelta(seconds=first - 2))
    dialog.countdown.tick()
    assert dialog.countdown.left == 1 and not dialog.go.isEnabled()
    clock.advance(timedelta(seconds=1))
    dialog.countdown.tick()
    assert not dialog.countdown.active() and dialog.go.isEnabled()
    assert dialog.status.text() == "You can try again now"


def test_another_name_is_not_held_by_a_lockout_counting_down(
    qtbot: QtBot, qapp: QApplication, store: Context, db_worker: Worker
) -> None:
    i18n.install(qapp, "ru")
    dialog = _login(qtbot, _locked_staff(store), db_worker)
    _lock_login(qtbot, dialog, "Иван")
    assert dialog.countdown.active()
    dialog.name.setCurrentText("Ольга")
    assert not dialog.countdown.active() and dialog.go.isEnabled() and dialog.status.text() == ""


def test_manager_approval_counts_its_lockout_down_and_never_tells_a_cashiers_pin(
    qtbot: QtBot, qapp: QApplication, store: Context, db_worker: Worker
) -> None:
    staff = _locked_staff(store)
    i18n.install(qapp, "ru")
    dialog = PinDialog(staff, db_worker, "Возврат чека № 1")
    qtbot.addWidget(dialog)
    dialog.show()
    answers = []
    for pin in ["1234", "5555", "1234", "5555"]:  # Иван's PIN, and no one's
        qtbot.keyClicks(dialog.pin, pin)
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.ok.isEnabled() and dialog.pin.text() == "")
        answers.append(dialog.status.text())
    assert answers == ["Неверный PIN менеджера"] * 4
    for pin in ["1234"] * (LOCKOUT_AFTER - 4):
        qtbot.keyClicks(dialog.pin, pin)
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.pin.text() == "" and (dialog.ok.isEnabled() or dialog.countdown.active()))
    assert dialog.countdown.active() and not dialog.ok.isEnabled() and dialog.approved is None
    left = dialog.countdown.left
    staff.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    dialog.countdown.tick()
    assert dialog.status.text().startswith("Слишком много неверных PIN") and dialog.countdown.left == left - 1
