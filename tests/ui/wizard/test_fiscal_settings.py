"""Manager → Settings… → «Касса»: the register's settings saved through the fiscal service, audited under the
manager, and nothing written when the tab was only looked at."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.services.staff import Cashier
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog, _SettingsEntry, install_settings
from tests.ui.wizard.test_settings import approve, till

__all__ = ["till"]  # the fixture, shared with the other settings tests


def open_dialog(qtbot: QtBot, window: MainWindow, session: SimpleNamespace) -> SettingsDialog:
    install_settings(window, session).trigger()
    entry = window.findChild(_SettingsEntry)
    assert entry is not None and entry.dialog is not None
    qtbot.waitUntil(entry.dialog.save.isEnabled)
    entry.dialog.store_name.setText("Green Bean")  # the small store has none yet, and a store needs one
    return entry.dialog


def fiscal_audit(session: SimpleNamespace) -> list[tuple[str, str]]:
    return [
        (a.actor, (a.params or {}).get("key"))
        for a in session.staff.audit_log()
        if a.action == "setting_changed" and str((a.params or {}).get("key", "")).startswith("fiscal.")
    ]


def test_the_register_set_in_the_settings_is_saved_audited_and_read_again_by_the_till(
    qtbot: QtBot, till: tuple[MainWindow, SimpleNamespace, Cashier], monkeypatch: pytest.MonkeyPatch
) -> None:
    window, session, manager = till
    approve(monkeypatch, manager)
    dialog = open_dialog(qtbot, window, session)
    chooser = dialog.fiscal
    chooser.mode.setCurrentIndex(chooser.mode.findData("atol"))
    chooser.url.setText("192.168.1.20")
    chooser.taxation.setCurrentIndex(chooser.taxation.findData("usnIncome"))
    with qtbot.waitSignal(window.fiscal_changed, timeout=10_000):
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    saved = session.ctx.fiscal.settings()
    assert (saved.device, saved.taxation) == ("atol-web:http://192.168.1.20", "usnIncome")
    assert ("Olga", "fiscal.device") in fiscal_audit(session)


def test_opening_the_settings_and_saving_writes_no_fiscal_setting(
    qtbot: QtBot, till: tuple[MainWindow, SimpleNamespace, Cashier], monkeypatch: pytest.MonkeyPatch
) -> None:
    window, session, manager = till
    approve(monkeypatch, manager)
    dialog = open_dialog(qtbot, window, session)
    assert [change for change in dialog.changes() if change[0].startswith("fiscal.")] == []
    dialog.keep.setValue(30)
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert fiscal_audit(session) == []
