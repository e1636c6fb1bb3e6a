"""The app starts through its composition root: an existing store, or a new one on first start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.ui import main as app_main
from app.ui.main_window import MainWindow


def run_until_ready(db: Path, also: Callable[[MainWindow], bool] = lambda _w: True) -> MainWindow:
    """Run the real app until the checkout is ready (and also(window) holds), then quit."""
    seen: list[MainWindow] = []

    def check() -> None:
        window = seen[0]
        if also(window):
            window.close()
            QApplication.quit()
        else:
            QTimer.singleShot(20, check)

    def ready(window: MainWindow) -> None:
        seen.append(window)
        check()

    assert app_main.run_app(db, on_ready=ready) == 0
    assert len(seen) == 1
    return seen[0]


def test_the_app_opens_an_existing_store_with_printing_wired(
    qapp: QApplication, store: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    monkeypatch.setenv("LOYALTY_WINDOWED", "1")
    window = run_until_ready(store.db_path, also=lambda w: w.printer is not None)  # printing loads after
    assert window.controller.store is not None and window.controller.store.rewards
    assert window.after_sale is not None


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


def test_a_sale_made_before_printing_has_loaded_is_printed_once_it_has(
    qtbot: QtBot, store: Context, db_worker: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    printed: list[int] = []

    class FakePrintService:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.failed = SimpleNamespace(connect=lambda slot: None)
            self.cleared = SimpleNamespace(connect=lambda slot: None)

        def after_sale(self, result: SimpleNamespace) -> None:
            printed.append(result.sale_id)

    class UnusablePrinter:  # a setting the fake always understands
        pass

    fake = SimpleNamespace(
        PrintService=FakePrintService,
        UnusablePrinter=UnusablePrinter,
        printer_from_setting=lambda setting, folder: object(),
    )
    window = MainWindow(store, db_worker)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.is_ready)
    loader = app_main._PrintingLoader(window, store, db_worker, "ru", app_main.settings())  # type: ignore[arg-type]
    assert window.after_sale is not None
    window.after_sale(SimpleNamespace(sale_id=7))  # type: ignore[arg-type]
    assert printed == []
    monkeypatch.setattr(app_main, "_printing_module", lambda: fake)
    loader._wire(fake)
    assert printed == [7]
    window.after_sale(SimpleNamespace(sale_id=8))  # type: ignore[arg-type]
    assert printed == [7, 8]


def test_the_language_switch_is_saved_for_the_next_start(
    qtbot: QtBot, store: Context, db_worker: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    window = MainWindow(store, db_worker)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.switch_language()
    assert app_main.settings().value("language") == "en"
    assert any(word in window.checkout.status.text() for word in ("English", "английском"))


def test_the_language_switch_says_a_whole_russian_sentence(
    qtbot: QtBot, qapp: object, store: Context, db_worker: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not «интерфейс будет на English»: each language has its own sentence."""
    from PySide6.QtWidgets import QApplication

    from app.ui import i18n

    assert isinstance(qapp, QApplication)
    monkeypatch.setenv("LOYALTY_HOME", str(tmp_path))
    i18n.install(qapp, "ru")
    window = MainWindow(store, db_worker)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert window.windowTitle() == "Терминал лояльности — касса"
    window.switch_language()
    assert window.checkout.status.text() == "После перезапуска интерфейс будет на английском языке"
