"""The real start on a store another program holds locked, or on a full disk: said as such, no restore offered."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.bootstrap import bootstrap
from app.core.backup import backup_file, integrity_problem
from app.core.demo import DEFAULT_PROGRAM
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.ui import main as app_main
from app.ui import startup
from tests.integration.test_locked_and_full import (  # noqa: F401 (small_disk and short_lock_wait are fixtures)
    ExclusiveLock,
    fill,
    short_lock_wait,
    small_disk,
)


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Everything the start said (critical boxes and start-up messages); a restore offer fails the test."""
    said: list[str] = []

    def no_offer(self: startup.DamagedStoreDialog) -> bool:
        # Recorded and declined (Quit): failing inside the modal loop would leave the app running.
        said.append(f"RESTORE OFFERED: {self.informativeText()}")
        return False

    def message(self: startup.StartupMessage) -> bool:
        said.append(self.text())
        return False

    monkeypatch.setattr(startup.DamagedStoreDialog, "ask", no_offer)
    monkeypatch.setattr(startup.StartupMessage, "ask", message)
    monkeypatch.setattr(app_main.QMessageBox, "critical", lambda parent, title, text: said.append(text))
    yield said


def _store_with_a_sale(path: Path) -> Path:
    """A store with an acknowledged card sale made after its newest backup."""
    ctx = bootstrap(path, create=True)
    ctx.store.init(DEFAULT_PROGRAM)
    card = ctx.customers.enroll("Анна", "+79160000001", actor=SYSTEM).card
    backup_file(path, path.parent / "backups")
    ctx.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 10000),), card), actor=SYSTEM)
    ctx.close()
    return path


def _sales(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])


@pytest.mark.parametrize("crashed_before", [False, True], ids=["after a clean stop", "after a crash"])
def test_a_store_locked_by_another_program_is_said_locked_and_never_replaced(
    qapp: QApplication,
    home: Path,
    told: list[str],
    crashed_before: bool,
    short_lock_wait: None,  # noqa: F811 (the fixture imported above)
) -> None:
    path = _store_with_a_sale(home / "terminal.sqlite3")
    if crashed_before:
        (home / ".lock").write_text("999999")  # a pid left behind: the start checks the whole file first
    holder = ExclusiveLock(path)
    try:
        assert app_main.run_app(path) == 1
    finally:
        holder.stop()
    assert len(told) == 1 and "locked by another program" in told[0]
    assert integrity_problem(path) is None and _sales(path) == 1  # the sale after the backup is still there
    assert not list(home.glob("*.damaged-*"))


def test_a_store_on_a_full_disk_is_said_full_and_never_replaced(
    qapp: QApplication,
    home: Path,
    told: list[str],
    small_disk: Path,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = small_disk / "data"
    monkeypatch.setenv("LOYALTY_HOME", str(data))
    path = _store_with_a_sale(data / "terminal.sqlite3")
    fill(small_disk)
    assert app_main.run_app(path) == 1
    assert len(told) == 1 and "is full" in told[0]
    (small_disk / "filler").unlink()  # even reading a WAL store needs room for its -shm
    assert _sales(path) == 1
    assert not list(data.glob("*.damaged-*"))
