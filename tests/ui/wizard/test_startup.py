"""Start-up checks: one till per data folder, a usable folder, and never a silent start on a damaged database."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.bootstrap import Context
from app.core.backup import backup_file, integrity_problem
from app.core.instance import InstanceLock
from app.core.services.support import SYSTEM
from app.ui import main as app_main
from app.ui import startup
from tests.ui.checkout.test_main import run_until_ready


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The start-up messages shown (answered "Quit")."""
    shown: list[str] = []

    def ask(self: startup.StartupMessage) -> bool:
        shown.append(self.text())
        return False

    monkeypatch.setattr(startup.StartupMessage, "ask", ask)
    return shown


def damage(path: Path) -> None:
    """What a power cut during a disk write can leave: garbage where the file header was."""
    with path.open("r+b") as fh:
        fh.write(b"\x00garbage garbage garbage")


def test_a_second_instance_is_refused_with_already_running(qapp: QApplication, home: Path, messages: list[str]) -> None:
    first = InstanceLock(home)
    first.acquire()
    try:
        assert app_main.run_app(home / "terminal.sqlite3") == 0
    finally:
        first.release()
    assert len(messages) == 1 and "already running" in messages[0]
    assert not (home / "terminal.sqlite3").exists()


def test_a_damaged_database_offers_the_latest_good_backup_and_restores_it(
    qapp: QApplication, home: Path, small_store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small_store.db_path
    good = backup_file(path, home / "backups")
    small_store.close()
    damage(path)
    offered: list[startup.Damaged] = []

    def ask(self: startup.DamagedStoreDialog) -> bool:
        offered.append(self.damaged)
        return True

    monkeypatch.setattr(startup.DamagedStoreDialog, "ask", ask)
    window = run_until_ready(path)
    assert window.controller.store is not None  # the till opened, on the restored file
    assert offered[0].backup is not None and offered[0].backup.path == good
    assert integrity_problem(path) is None
    assert len(list(home.glob("terminal.sqlite3.damaged-*"))) == 1  # kept for whoever investigates


def test_a_damaged_database_without_a_backup_is_never_opened(
    qapp: QApplication, home: Path, small_store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small_store.db_path
    small_store.close()
    damage(path)
    said: list[str] = []

    def ask(self: startup.DamagedStoreDialog) -> bool:
        said.append(self.informativeText())
        return True

    monkeypatch.setattr(startup.DamagedStoreDialog, "ask", ask)
    assert app_main.run_app(path) == 1
    assert "no good backup" in said[0]
    assert integrity_problem(path) is not None  # left as it was, for the technician


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "read-only"), (errno.ENOSPC, "is full")],
    ids=["read-only folder", "full disk"],
)
def test_an_unwritable_data_folder_is_explained_and_the_till_does_not_start(
    qapp: QApplication, home: Path, messages: list[str], monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    def refuse(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(startup.os, "fsync", refuse)
    assert app_main.run_app(home / "terminal.sqlite3") == 1
    assert len(messages) == 1 and words in messages[0] and str(home) in messages[0]
    assert not (home / ".lock").exists()


def damage_an_index(path: Path) -> None:
    """Damage that leaves the file openable: garbage over the root page of one of the journal's indexes."""
    import sqlite3

    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_journal_at'").fetchone()[0]
    conn.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size)  # the page header: its type byte becomes invalid
        fh.write(b"\xff" * 512)


def test_after_a_clean_stop_the_till_opens_at_once_and_a_damaged_file_found_later_stops_it(
    qapp: QApplication, home: Path, small_store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small_store.db_path
    small_store.customers.enroll("Анна", "+79160000001", actor=SYSTEM)
    good = backup_file(path, home / "backups")
    small_store.close()
    lock = InstanceLock(home)  # the last run ended well
    lock.acquire()
    lock.release()
    damage_an_index(path)
    assert integrity_problem(path) is not None
    told: list[str] = []
    monkeypatch.setattr(app_main.QMessageBox, "critical", lambda parent, title, text: told.append(text))
    checked_first: list[str] = []
    monkeypatch.setattr(startup, "open_checked", lambda p: checked_first.append(str(p)) or pytest.fail("checked"))
    # The till opens without the full check; the check in the background stops it.
    assert app_main.run_app(path) == 1
    assert checked_first == [] and len(told) == 1 and "damaged" in told[0]
    monkeypatch.undo()

    # The next start checks before opening and offers the newest good backup.
    offered: list[startup.Damaged] = []

    def ask(self: startup.DamagedStoreDialog) -> bool:
        offered.append(self.damaged)
        return True

    monkeypatch.setenv("LOYALTY_HOME", str(home))
    monkeypatch.setattr(startup.DamagedStoreDialog, "ask", ask)
    window = run_until_ready(path)
    assert window.controller.store is not None
    assert offered[0].backup is not None and offered[0].backup.path == good
    assert integrity_problem(path) is None


def test_after_a_crash_the_file_is_checked_before_the_till_opens(
    qapp: QApplication, home: Path, small_store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small_store.db_path
    small_store.close()
    (home / ".lock").write_text("4242")  # the pid of a till that lost its power
    checked: list[Path] = []
    real = startup.open_checked
    monkeypatch.setattr(startup, "open_checked", lambda p: checked.append(p) or real(p))
    monkeypatch.setattr(startup, "IntegrityWatch", lambda *a: pytest.fail("no second check in the background"))
    run_until_ready(path)
    assert checked == [path]
