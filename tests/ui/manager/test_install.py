"""The manager screen opens from the checkout window's Manager menu, and only with a manager's PIN."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.core.services.staff import Cashier
from app.ui import main as app_main
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.manager.install import ManagerLauncher, install_manager
from app.ui.manager.window import ManagerWindow
from app.ui.pin_dialog import PinDialog, Refused, staff_reason
from app.ui.shift import ShiftDialog
from app.ui.worker import Worker
from tests.ui.checkout.support import focused, press, type_slowly, when_dialog_opens
from tests.ui.manager.conftest import Shop, Template, tr


@pytest.fixture
def till(qtbot: QtBot, shop: Shop, db_worker: Worker) -> Iterator[MainWindow]:
    window = MainWindow(shop.ctx, db_worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_ready, timeout=10_000)
    yield window
    qtbot.waitUntil(lambda: not db_worker.busy(), timeout=20_000)


def typed_pin(qtbot: QtBot, pin: str, said: list[str] | None = None) -> Callable[[PinDialog], Cashier | None]:
    """PinDialog.ask as a person at the till answers it: type the PIN, press Approve, give up if refused.

    What the dialog said on a refusal is appended to `said`.
    """

    def ask(dialog: PinDialog) -> Cashier | None:
        dialog.show()
        dialog.pin.setText(pin)
        dialog.ok.click()
        qtbot.waitUntil(lambda: dialog.approved is not None or dialog.status.isVisibleTo(dialog), timeout=10_000)
        if said is not None and dialog.approved is None:
            said.append(dialog.status.text())
        dialog.close()
        return dialog.approved

    return ask


def launcher_of(till: MainWindow) -> ManagerLauncher:
    found = till.findChildren(ManagerLauncher)
    assert len(found) == 1
    return found[0]


def test_the_manager_action_is_in_the_manager_menu_with_ctrl_m(till: MainWindow, shop: Shop) -> None:
    install_manager(till, SimpleNamespace(staff=shop.staff))
    action = launcher_of(till).action
    assert action in till.manager_menu.actions()
    assert action.shortcut() == QKeySequence("Ctrl+M")
    assert action.text() == tr("ManagerLauncher", "Manager…")


def test_a_manager_pin_opens_the_manager_window(
    qtbot: QtBot, till: MainWindow, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_manager(till, SimpleNamespace(staff=shop.staff))
    monkeypatch.setattr(PinDialog, "ask", typed_pin(qtbot, "9999"))
    launcher = launcher_of(till)
    launcher.action.trigger()
    shown = launcher.manager_window
    assert isinstance(shown, ManagerWindow) and shown.isVisible()
    assert shown.s.manager == "Ольга"
    qtbot.waitUntil(lambda: not shown.dashboard.loading(), timeout=20_000)
    shown.close()
    assert launcher.manager_window is None


def test_a_cashier_pin_is_refused(qtbot: QtBot, till: MainWindow, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    install_manager(till, SimpleNamespace(staff=shop.staff))
    said: list[str] = []
    monkeypatch.setattr(PinDialog, "ask", typed_pin(qtbot, "1234", said))
    launcher = launcher_of(till)
    launcher.action.trigger()
    assert launcher.manager_window is None
    assert said == [staff_reason(Refused("not_manager", ""), manager=True)]


def test_a_wrong_pin_is_refused(qtbot: QtBot, till: MainWindow, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    install_manager(till, SimpleNamespace(staff=shop.staff))
    monkeypatch.setattr(PinDialog, "ask", typed_pin(qtbot, "0000"))
    launcher = launcher_of(till)
    launcher.action.trigger()
    assert launcher.manager_window is None


def _shown(kind: type) -> object | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_ctrl_m_and_a_manager_pin_open_the_manager_window_in_the_started_app(
    qtbot: QtBot, template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the real start (run_app: login, shift dialog), by keys alone: Ctrl+M, the PIN, Enter."""
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    monkeypatch.setenv("LOYALTY_WINDOWED", "1")
    monkeypatch.delenv("LOYALTY_CAMERA", raising=False)
    path = tmp_path / "terminal.sqlite3"
    shutil.copy(template.path, path)
    reached: list[ManagerWindow] = []

    def journey(till: MainWindow) -> None:
        try:
            qtbot.waitUntil(lambda: isinstance(_shown(LoginDialog), LoginDialog), timeout=10_000)
            login = _shown(LoginDialog)
            assert isinstance(login, LoginDialog)
            qtbot.waitUntil(lambda: login.go.isEnabled() and login.name.hasFocus(), timeout=10_000)
            type_slowly("Ольга")
            press(Qt.Key.Key_Tab)
            type_slowly("9999")
            press(Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: till.controller.cashier == "Ольга", timeout=20_000)
            qtbot.waitUntil(lambda: isinstance(_shown(ShiftDialog), ShiftDialog), timeout=10_000)
            press(Qt.Key.Key_Escape)  # no shift needed to manage the store
            # What the manager finds in the menu bar: «Управляющий» → «Менеджер…  Ctrl+M».
            assert till.manager_menu.title() == "&Управляющий"
            entry = [a for a in till.manager_menu.actions() if a.text() == "Менеджер…"]
            assert len(entry) == 1 and entry[0].shortcut() == QKeySequence("Ctrl+M")
            qtbot.waitUntil(lambda: _shown(ShiftDialog) is None and QApplication.focusWidget() is not None)

            def type_the_pin(dialog: QWidget) -> None:
                assert isinstance(dialog, PinDialog)
                qtbot.waitUntil(lambda: dialog.pin.hasFocus())  # the keyboard moves to the dialog once shown
                type_slowly("9999")
                press(Qt.Key.Key_Return)

            when_dialog_opens(type_the_pin)  # the PIN dialog holds Ctrl+M in its own event loop
            QTest.keyClick(focused(), Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda: isinstance(_shown(ManagerWindow), ManagerWindow), timeout=20_000)
            shown = _shown(ManagerWindow)
            assert isinstance(shown, ManagerWindow)
            reached.append(shown)
            qtbot.waitUntil(lambda: not shown.dashboard.loading(), timeout=20_000)
            shown.close()
        finally:
            till.close()
            QApplication.quit()

    assert app_main.run_app(path, on_ready=journey) == 0
    assert len(reached) == 1 and reached[0].s.manager == "Ольга"
