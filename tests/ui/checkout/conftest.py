"""Fixtures for the checkout window tests: a small demo store (built once) and the real window."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.demo import fill_demo
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.ui import i18n
from app.ui.main_window import MainWindow
from app.ui.worker import Worker
from tests.conftest import FROZEN_NOW

RICH_NAME = "Анна Иванова"


@dataclass(frozen=True)
class Demo:
    """The template store: where it is and the facts tests need about it."""

    path: Path
    rich_card: str  # a customer with plenty of points
    barcodes: dict[str, str]  # sku -> barcode


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """As in the app (GuiGarbageCollector): never let the collector run on the worker thread,
    where deleting a forgotten Qt widget crashes the process."""
    gc.collect()
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture(autouse=True)
def _russian(qapp: QApplication) -> None:
    """The cashier app starts in Russian, so every checkout test does too, whatever ran before it
    (tests/ui/conftest.py puts the previous language back afterwards)."""
    i18n.install(qapp, "ru")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A small demo store built once; every test works on its own copy."""
    folder = tmp_path_factory.mktemp("demo-store")
    ctx = bootstrap(folder / "terminal.sqlite3", create=True, clock=FixedClock(FROZEN_NOW))
    try:
        ctx.store.init()
        fill_demo(ctx, customers=6, days=4, now=FROZEN_NOW)
        rich = ctx.customers.find_customers(RICH_NAME)[0]["card"]
        # A big purchase so the customer has points for redeeming and gifts.
        ctx.checkout.sell(SaleRequest(lines=(ctx.catalog.resolve_line("CHZ", 40),), card=rich), actor=SYSTEM)
        barcodes = {p["sku"]: p["barcode"] for p in ctx.catalog.catalog()}
    finally:
        ctx.close()
    return Demo(folder / "terminal.sqlite3", rich, barcodes)


@pytest.fixture
def store(tmp_path: Path, demo_template: Demo, frozen_clock: FixedClock) -> Iterator[Context]:
    """A private copy of the demo store, on the clock the demo was made at."""
    target = tmp_path / "terminal.sqlite3"
    shutil.copy(demo_template.path, target)
    ctx = bootstrap(target, clock=frozen_clock)
    yield ctx
    ctx.close()


@pytest.fixture
def window(qtbot: QtBot, store: Context, db_worker: Worker, tmp_path: Path) -> MainWindow:
    """The real checkout window on the store, shown, active and ready for scans."""
    os.environ["LOYALTY_HOME"] = str(tmp_path)
    app = QApplication.instance()
    assert app is not None
    i18n.install(app, "ru")
    win = MainWindow(store, db_worker)
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: win.is_ready and win.isActiveWindow(), timeout=5000)
    win.checkout.product_field.setFocus()
    return win
