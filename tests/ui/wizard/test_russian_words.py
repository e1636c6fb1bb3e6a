"""The first start and the start-up checks in Russian: refusals worded by code, the system's own words
(ConnectError: [Errno 111]…, «database disk image is malformed») kept for the log, titles in Russian."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.backup import backup_file, integrity_problem
from app.core.demo import demo_program, fill_demo
from app.ui import i18n, startup
from app.ui.wizard.wizard import FirstRunWizard

LEAKS = ("Errno", "ConnectError", "malformed", "server unreachable", "Connection refused", "disk image")


@pytest.fixture
def russian(qapp: QApplication, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("LOYALTY_LANG", "ru")
    i18n.install(qapp, "ru")


def damaged_copy(good: Path, target: Path) -> Path:
    """A file whose header is SQLite's but whose pages are not: what SQLite calls «malformed»."""
    data = bytearray(good.read_bytes())
    for page in range(1, len(data) // 4096):
        data[page * 4096 : page * 4096 + 64] = b"\xff" * 64
    target.write_bytes(bytes(data))
    return target


def test_an_unreachable_server_is_said_in_russian_without_the_systems_words(
    qtbot: QtBot, russian: None, home: Path, closed_port: int
) -> None:
    wizard = FirstRunWizard(home / "terminal.sqlite3")
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.windowTitle().startswith("Терминал лояльности")
    wizard.store.name.setText("Зелёное зерно")  # QTest types ASCII only
    qtbot.mouseClick(wizard.button(wizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    chooser = wizard.server.chooser
    qtbot.keyClicks(chooser.url, f"http://127.0.0.1:{closed_port}")
    qtbot.keyClicks(chooser.code, "ABCD-1234")
    with qtbot.waitSignal(chooser.finished, timeout=10_000) as tried:
        qtbot.mouseClick(chooser.connect_button, Qt.MouseButton.LeftButton)
    text = chooser.status.text()
    assert tried.args[0] is False
    assert text.startswith(f"Сервер http://127.0.0.1:{closed_port} недоступен"), text
    assert not any(leak in text for leak in LEAKS), text
    wizard.reject()


def test_a_damaged_backup_offered_to_the_wizard_is_refused_in_russian(
    qtbot: QtBot, russian: None, home: Path, small_store: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = backup_file(small_store.db_path, tmp_path / "backups")
    broken = damaged_copy(good, tmp_path / "broken.sqlite3")
    assert integrity_problem(broken) is not None
    wizard = FirstRunWizard(home / "new" / "terminal.sqlite3")
    qtbot.addWidget(wizard)
    monkeypatch.setattr(wizard, "pick_backup_file", lambda: broken)
    wizard.show()
    wizard.store.restore_button.click()
    status = wizard.store.restore_status
    qtbot.waitUntil(lambda: "нельзя восстановить" in status.text(), timeout=10_000)
    assert str(broken) in status.text()
    assert not any(leak in status.text() for leak in LEAKS), status.text()
    wizard.reject()


def test_the_damaged_store_dialog_is_titled_and_worded_in_russian(
    qtbot: QtBot, russian: None, small_store: Context, tmp_path: Path
) -> None:
    good = backup_file(small_store.db_path, tmp_path / "backups")
    problem = integrity_problem(damaged_copy(good, tmp_path / "broken.sqlite3"))
    assert problem is not None and problem.code in ("integrity", "file_damaged")
    dialog = startup.DamagedStoreDialog(startup.Damaged(problem, None))
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Терминал лояльности"
    shown = " ".join((dialog.text(), dialog.informativeText()))
    assert "повреждён" in shown and not any(leak in shown for leak in LEAKS), shown
    said = startup.damaged_while_open(startup.explain(problem))
    assert "повреждён" in said and "malformed" not in said


def test_a_russian_demo_store_names_its_tiers_and_stamp_card_in_russian(russian: None, small_store: Context) -> None:
    fill_demo(small_store, customers=2, days=1, lang="ru")
    _, program = small_store.programs.program()
    assert [t.name for t in program.tiers] == ["Серебро", "Золото", "Платина"]
    assert [s.id for s in program.stamps] == ["кофе"]
    assert [t["name"] for t in demo_program("en")["tiers"]] == ["Silver", "Gold", "Platinum"]


def test_a_database_error_word_stays_in_the_log(russian: None) -> None:
    """SQLite's own text is a parameter of the refusal, for the log; the screen says what it means."""
    from app.core.errors import StorageError
    from app.ui.wording import explain

    error = StorageError("db_damaged", detail=str(sqlite3.DatabaseError("database disk image is malformed")))
    assert "malformed" in str(error)
    assert explain(error).startswith("База данных повреждена")


def test_a_read_only_data_folder_is_described_in_russian(russian: None, tmp_path: Path) -> None:
    import errno

    problem = startup._classify(tmp_path, OSError(errno.EROFS, "Read-only file system"))
    text = startup.describe(problem)
    assert "диск доступен только для чтения" in text and "Read-only" not in text, text
