"""Coming back from a lost database file or a new computer: the store is restored from a backup, never recreated
behind the owner's back (a new store would refuse every card already handed out)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context, bootstrap
from app.core.backup import backup_file, list_backups
from app.core.demo import DEFAULT_PROGRAM
from app.core.errors import NotFound
from app.core.services.support import SYSTEM
from app.ui import main as app_main
from app.ui import startup
from app.ui.wizard import FirstRunWizard, RestoreFrom
from tests.ui.checkout.test_main import run_until_ready


def lose(path: Path) -> None:
    """The store's file is gone (deleted by mistake, a disk swapped), its backups are not."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def has_customer(path: Path, phone: str) -> bool:
    ctx = bootstrap(path)
    try:
        ctx.customers.customer(phone)
        return True
    except NotFound:
        return False
    finally:
        ctx.close()


@pytest.fixture
def two_backups(small_store: Context, home: Path) -> tuple[Path, Path]:
    """An older backup with one customer, a newer one with two; then the store's file is lost."""
    small_store.customers.enroll("Анна", "+79160000001", consent=True, actor=SYSTEM)
    older = backup_file(small_store.db_path, home / "backups", label="older")
    small_store.customers.enroll("Борис", "+79160000002", consent=True, actor=SYSTEM)
    newer = backup_file(small_store.db_path, home / "backups", label="newer")
    os.utime(older, (1_700_000_000, 1_700_000_000))  # a day apart, whatever the clock's resolution
    os.utime(newer, (1_700_086_400, 1_700_086_400))
    small_store.close()
    lose(small_store.db_path)
    return older, newer


def test_a_lost_store_file_offers_its_newest_backup_and_the_till_opens_on_it(
    qapp: QApplication, home: Path, two_backups: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[str] = []

    def ask(self: startup.MissingStoreDialog) -> str:
        offered.append(self.informativeText())
        return "restore"

    monkeypatch.setattr(startup.MissingStoreDialog, "ask", ask)
    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: pytest.fail("the wizard must not start"))
    path = home / "terminal.sqlite3"
    window = run_until_ready(path)
    assert window.controller.store is not None and len(offered) == 1 and "2 backups" in offered[0]
    assert has_customer(path, "+79160000002")  # the newer backup's second customer


def test_a_damaged_newest_backup_is_passed_over_for_the_newest_good_one(
    qapp: QApplication, home: Path, two_backups: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, newer = two_backups
    with newer.open("r+b") as fh:
        fh.write(b"\x00garbage garbage garbage")
    monkeypatch.setattr(startup.MissingStoreDialog, "ask", lambda self: "restore")
    path = home / "terminal.sqlite3"
    run_until_ready(path)
    assert has_customer(path, "+79160000001") and not has_customer(path, "+79160000002")


def test_the_dialog_says_how_many_backups_and_when_the_newest_was_made(
    qapp: QApplication, home: Path, two_backups: tuple[Path, Path]
) -> None:
    dialog = startup.MissingStoreDialog(home / "terminal.sqlite3", list_backups(home / "backups", "terminal"))
    assert "missing" in dialog.text() and str(home) in dialog.text()
    # 1_700_086_400 is 22:13 UTC on 15 Nov 2023: on the Moscow store's clock, 01:13 the next day.
    assert "There are 2 backups" in dialog.informativeText() and "2023-11-16 01:13" in dialog.informativeText()
    assert dialog.defaultButton() is dialog.restore


def test_choosing_a_new_store_runs_the_wizard_and_keeps_the_backups(
    qapp: QApplication, home: Path, two_backups: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(startup.MissingStoreDialog, "ask", lambda self: "new")
    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: "empty")
    path = home / "terminal.sqlite3"
    run_until_ready(path)
    assert not has_customer(path, "+79160000001")
    assert all(p.exists() for p in two_backups)


def test_quitting_at_the_missing_store_question_creates_nothing(
    qapp: QApplication, home: Path, two_backups: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(startup.MissingStoreDialog, "ask", lambda self: "quit")
    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: pytest.fail("the wizard must not start"))
    path = home / "terminal.sqlite3"
    assert app_main.run_app(path) == 0
    assert not path.exists() and all(p.exists() for p in two_backups)


def test_with_no_backups_a_first_start_goes_straight_to_the_wizard(
    qapp: QApplication, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(startup.MissingStoreDialog, "ask", lambda self: pytest.fail("nothing to restore"))
    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: None)
    assert app_main.run_app(home / "terminal.sqlite3") == 0


def test_the_wizard_restores_a_backup_brought_from_another_computer(
    qtbot: QtBot, qapp: QApplication, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = bootstrap(tmp_path / "old-computer" / "terminal.sqlite3", create=True)
    old.store.init(DEFAULT_PROGRAM)
    old.customers.enroll("Вера", "+79160000003", consent=True, actor=SYSTEM)
    brought = backup_file(old.db_path, tmp_path / "usb-stick")
    old.close()
    path = home / "terminal.sqlite3"
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    monkeypatch.setattr(wizard, "pick_backup_file", lambda: brought)
    wizard.show()
    with qtbot.waitSignal(wizard.finished, timeout=10_000):
        wizard.store.restore_button.click()
    assert wizard.plan == RestoreFrom(brought)

    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: RestoreFrom(brought))
    window = run_until_ready(path)
    assert window.controller.store is not None
    assert has_customer(path, "+79160000003") and brought.exists()


def test_the_wizard_refuses_a_file_that_is_not_a_good_backup_and_stays_open(
    qtbot: QtBot, qapp: QApplication, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "photo.sqlite3"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a database at all")
    wizard = FirstRunWizard(home / "terminal.sqlite3")
    qtbot.addWidget(wizard)
    monkeypatch.setattr(wizard, "pick_backup_file", lambda: junk)
    wizard.show()
    wizard.store.restore_button.click()
    qtbot.waitUntil(lambda: "cannot be restored" in wizard.store.restore_status.text(), timeout=10_000)
    assert "not a database of the till" in wizard.store.restore_status.text()
    assert wizard.isVisible() and wizard.plan is None and wizard.store.restore_button.isEnabled()
    wizard.reject()
