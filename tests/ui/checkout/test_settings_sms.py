"""Settings › SMS: the SMS.ru api_id the confirmation codes are sent with, kept in the till's database and audited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.services.staff import Cashier
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from app.ui.worker import Worker


def test_the_sms_key_is_shown_saved_audited_and_taken_away(
    qtbot: QtBot, window: MainWindow, store: Context, db_worker: Worker, tmp_path: Path
) -> None:
    saved = QSettings(str(tmp_path / "till.ini"), QSettings.Format.IniFormat)
    manager = Cashier(1, "Ольга", "manager")
    store.confirm.set_sms_api_id("OLD-KEY", actor="Ольга")

    def opened() -> SettingsDialog:
        dialog = SettingsDialog(window, store, db_worker, manager, saved)
        qtbot.waitUntil(lambda: dialog.save.isEnabled() and dialog.sms_api_id.text() != "", timeout=10_000)
        return dialog

    dialog = opened()
    assert dialog.sms_api_id.text() == "OLD-KEY"
    dialog.sms_api_id.setText("  NEW-KEY ")
    dialog.submit()
    qtbot.waitUntil(lambda: store.confirm.sms_api_id() == "NEW-KEY", timeout=10_000)
    dialog.deleteLater()
    dialog = opened()
    dialog.sms_api_id.clear()
    dialog.submit()
    qtbot.waitUntil(lambda: store.confirm.sms_api_id() == "", timeout=10_000)
    dialog.deleteLater()
    with sqlite3.connect(store.db_path) as db:
        rows = db.execute("SELECT detail FROM audit WHERE action = 'setting_changed'").fetchall()
    assert len(rows) == 3 and not any("KEY" in detail for (detail,) in rows)  # the key itself is never written
