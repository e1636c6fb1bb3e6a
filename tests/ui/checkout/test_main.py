"""The app starts through its composition root: an existing store, or a new one on first start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.bootstrap import Context
from app.ui import main as app_main
from app.ui.main_window import MainWindow


def run_until_ready(db: Path) -> MainWindow:
    seen: list[MainWindow] = []

    def ready(window: MainWindow) -> None:
        seen.append(window)
        window.close()
        QApplication.quit()

    assert app_main.run_app(db, on_ready=ready) == 0
    assert len(seen) == 1
    return seen[0]


def test_the_app_opens_an_existing_store_with_printing_wired(
    qapp: QApplication, store: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    monkeypatch.setenv("LOYALTY_WINDOWED", "1")
    window = run_until_ready(store.db_path)
    assert window.controller.store is not None and window.controller.store.rewards
    assert window.after_sale is not None and window.printer is not None


def test_first_start_creates_an_empty_store_with_the_default_program(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    monkeypatch.setenv("LOYALTY_WINDOWED", "1")
    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: "empty")
    db = tmp_path / "new" / "terminal.sqlite3"
    window = run_until_ready(db)
    assert db.exists()
    assert window.controller.store is not None
    assert window.controller.store.program_name == "Баллы 5%"


def test_quitting_at_first_start_creates_nothing(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    monkeypatch.setattr(app_main.FirstStartDialog, "ask", lambda self: None)
    db = tmp_path / "terminal.sqlite3"
    assert app_main.run_app(db) == 0
    assert not db.exists()
