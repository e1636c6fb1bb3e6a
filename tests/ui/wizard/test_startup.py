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
