"""Times on screen are the store's wall clock (its program's zone), whatever zone the machine is set to.

The machine runs in UTC here and the store is in Moscow: 06:50 UTC must read 09:50, as on the receipts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core import backup
from app.core.demo import DEFAULT_PROGRAM
from app.core.events import SyncStatus
from app.core.services.staff import StaffService
from app.core.services.support import SYSTEM
from app.core.timeutil import to_ms
from app.ui.main_window import MainWindow
from app.ui.session import Session
from app.ui.settings_dialog import _SettingsEntry, install_settings
from app.ui.shift import ShiftDialog
from app.ui.startup import MissingStoreDialog, backup_time
from app.ui.worker import Worker
from tests.integration.test_staff import FAST

INSTANT = datetime(2026, 6, 10, 6, 50, tzinfo=UTC)  # 09:50 in Moscow, 11:50 in Yekaterinburg


@pytest.fixture(autouse=True)
def machine_in_utc() -> Iterator[None]:
    """The machine's own zone is UTC (as on many servers and kiosks) for the length of a test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _backup_made_at(store: Context, folder: Path, when: datetime) -> backup.BackupInfo:
    made = backup.backup_file(store.db_path, folder)
    os.utime(made, (when.timestamp(), when.timestamp()))
    return backup.list_backups(folder)[0]


def test_a_shift_opened_at_0650_utc_reads_0950_in_a_moscow_store(
    qtbot: QtBot, small_store: Context, db_worker: Worker
) -> None:
    staff = StaffService(small_store.engine, FAST)
    cashier = staff.add_cashier("Ольга", "2468", actor="test")
    staff.open_shift(cashier.id, at=to_ms(INSTANT))
    dialog = ShiftDialog(staff, db_worker, cashier)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.summary is not None)
    shown = [dialog.form.itemAt(i).widget().text() for i in range(dialog.form.count())]
    assert any("09:50" in text and "2026" in text for text in shown), shown
    assert not any("06:50" in text for text in shown), shown


def test_a_backup_is_dated_on_the_clock_of_the_store_it_holds(small_store: Context, tmp_path: Path) -> None:
    info = _backup_made_at(small_store, tmp_path / "moscow", INSTANT)
    assert "09:50" in backup_time(info)
    small_store.programs.set_program({**DEFAULT_PROGRAM, "timezone": "Asia/Yekaterinburg"}, actor=SYSTEM)
    info = _backup_made_at(small_store, tmp_path / "yekaterinburg", INSTANT)
    assert backup.zone_of(info.path).key == "Asia/Yekaterinburg"
    assert "11:50" in backup_time(info)


def test_the_missing_store_question_dates_the_newest_backup_in_the_stores_zone(
    qtbot: QtBot, small_store: Context, tmp_path: Path
) -> None:
    info = _backup_made_at(small_store, tmp_path / "b", INSTANT)
    dialog = MissingStoreDialog(tmp_path / "gone" / "terminal.sqlite3", [info])
    qtbot.addWidget(dialog)
    assert "09:50" in dialog.informativeText() and "06:50" not in dialog.informativeText()


def test_the_settings_date_the_newest_backup_in_the_stores_zone(
    qtbot: QtBot, small_store: Context, db_worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backup_made_at(small_store, small_store.db_path.parent / "backups", INSTANT)
    window = MainWindow(small_store, db_worker)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.is_ready)
    staff = StaffService(small_store.engine, FAST)
    manager = staff.create_first_manager("Olga", "2468")
    monkeypatch.setattr(_SettingsEntry, "ask_manager", lambda self: manager)
    session = type("S", (), {"ctx": small_store, "worker": db_worker, "staff": staff, "start_sync": lambda: None})
    install_settings(window, session).trigger()
    entry = window.findChild(_SettingsEntry)
    assert entry is not None and entry.dialog is not None
    text = entry.dialog.backup_state.text()
    assert "09:50" in text and "06:50" not in text, text
    entry.dialog.reject()


def test_the_last_sync_in_the_status_bar_is_on_the_stores_clock(
    qtbot: QtBot, small_store: Context, db_worker: Worker
) -> None:
    window = MainWindow(small_store, db_worker)
    qtbot.addWidget(window)
    session = Session(window, small_store, db_worker)
    try:
        session.show_sync(SyncStatus(online=True, queue_depth=0, last_sync_ms=to_ms(INSTANT)))
        assert "09:50" in session.sync_label.text(), session.sync_label.text()
    finally:
        session.stop()


def test_a_backup_is_named_on_the_stores_clock(small_store: Context, tmp_path: Path) -> None:
    made = backup.backup_file(small_store.db_path, tmp_path / "b")  # "Backup written: <name>" on screen
    named = datetime.strptime(made.stem.split("-", 1)[1][:15], "%Y%m%d-%H%M%S")
    moscow = datetime.now(ZoneInfo("Europe/Moscow")).replace(tzinfo=None)
    assert abs(named - moscow) < timedelta(minutes=2), (made.name, moscow)
