"""Backups while the till runs: on a schedule, off the GUI thread, with retention; failures said once and retried."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.backup import backup_file, list_backups
from app.core.errors import StorageError
from app.ui import backups
from app.ui.backups import BackupScheduler, backup_if_changed


@pytest.fixture
def saved(home: Path) -> QSettings:
    return QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat)


def test_a_scheduled_backup_runs_off_the_gui_thread_and_prunes(
    qtbot: QtBot, small_store: Context, saved: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = small_store.db_path.parent / "backups"
    for _ in range(3):
        backup_file(small_store.db_path, folder)
    saved.setValue("backup/keep", 2)
    threads: list[threading.Thread] = []

    def recording_backup(*args: object, **kwargs: object) -> Path:
        threads.append(threading.current_thread())
        return backup_file(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backups, "backup_file", recording_backup)
    scheduler = BackupScheduler(small_store.db_path, saved, interval_ms=20)
    with qtbot.waitSignal(scheduler.done, timeout=10_000) as done:
        scheduler.start()
    scheduler.stop(final=False)
    assert threads and threads[0] is not threading.main_thread()
    assert done.args[0] is not None and done.args[0].exists()
    assert list_backups(folder)[0].path == done.args[0]  # the newest
    assert len(list_backups(folder)) == 2


def test_a_failing_backup_is_said_once_and_retried_until_it_works(
    qtbot: QtBot, small_store: Context, saved: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []

    def full_disk_twice(*args: object, **kwargs: object) -> Path:
        attempts.append(1)
        if len(attempts) <= 2:
            raise StorageError("backup_write", path="/backups", os="No space left on device", errno="ENOSPC")
        return backup_file(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backups, "backup_file", full_disk_twice)
    scheduler = BackupScheduler(small_store.db_path, saved, interval_ms=60_000, retry_ms=10)
    said: list[str] = []
    scheduler.failed.connect(said.append)
    with qtbot.waitSignal(scheduler.done, timeout=10_000):
        scheduler.run_now()
    scheduler.stop(final=False)
    assert len(attempts) == 3
    assert len(said) == 1 and "the disk is full" in said[0]
    assert scheduler.last_error is None


def test_an_unchanged_store_is_not_copied_again(small_store: Context) -> None:
    folder = small_store.db_path.parent / "backups"
    first = backup_if_changed(small_store.db_path, folder, keep=14)
    assert first is not None
    long_ago = time.time() - 3600
    for path in (small_store.db_path, Path(f"{small_store.db_path}-wal")):
        if path.exists():
            os.utime(path, (long_ago, long_ago))
    assert backup_if_changed(small_store.db_path, folder, keep=14) is None
    assert len(list_backups(folder)) == 1


def test_closing_the_till_makes_a_last_backup(small_store: Context, saved: QSettings) -> None:
    scheduler = BackupScheduler(small_store.db_path, saved)
    scheduler.start()
    scheduler.stop(final=True)
    assert len(list_backups(small_store.db_path.parent / "backups")) == 1
