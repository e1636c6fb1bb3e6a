"""The manager screen's fixtures: the reports tests' March 2025 store, staff, the services and the window."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context, bootstrap
from app.core.services.reports import ReportsService
from app.core.services.staff import StaffService
from app.core.services.support import SYSTEM
from app.ui import i18n
from app.ui.manager.ops import ManagerServices
from app.ui.manager.window import ManagerWindow
from app.ui.worker import Worker
from tests.integration.test_reports import CLOCK, build_store
from tests.integration.test_staff import CATALOG, FAST


@dataclass
class Shop:
    """The store of tests/integration/test_reports.py (March 2025, read as of 10 April 2025), its catalog of
    Капучино 180 ₽ and Круассан 150 ₽, manager Ольга (PIN 9999) and cashier Иван (PIN 1234)."""

    ctx: Context
    staff: StaffService
    services: ManagerServices
    cards: dict[str, str]


@pytest.fixture(autouse=True)
def russian(qapp: QApplication) -> None:
    """The screen in its default language (money as "1 234,56 ₽"); tests compare through tr()."""
    i18n.install(qapp, "ru")


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """As in the app (GuiGarbageCollector): the collector never runs on a worker thread, where
    deleting a forgotten Qt widget would crash the process."""
    gc.collect()
    gc.disable()
    yield
    gc.collect()
    gc.enable()


def tr(context: str, source: str) -> str:
    """A source string as the screen shows it (translated when the Russian catalogue has it)."""
    return QCoreApplication.translate(context, source)


@dataclass(frozen=True)
class Template:
    """The store file built once per session, and its customers' cards by letter (A = Анна, ...)."""

    path: Path
    cards: dict[str, str]


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("manager-store") / "t.sqlite3"
    store = build_store(path)
    store.ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)  # the preview's sample basket comes from the catalog
    staff = StaffService(store.ctx.engine, FAST)
    staff.create_first_manager("Ольга", "9999")
    staff.add_cashier("Иван", "1234", actor="Ольга")
    store.ctx.close()
    return Template(path, dict(store.cards))


@pytest.fixture
def shop(tmp_path: Path, template: Template) -> Iterator[Shop]:
    """A private copy of the template store."""
    target = tmp_path / "t.sqlite3"
    shutil.copy(template.path, target)
    ctx = bootstrap(target, hasher=FAST)
    staff = ctx.staff
    services = ManagerServices(
        ctx.programs, ctx.catalog, ctx.customers, staff, ReportsService(ctx.engine, clock=lambda: CLOCK), "Ольга"
    )
    yield Shop(ctx, staff, services, dict(template.cards))
    ctx.close()


@pytest.fixture
def report_worker(qapp: object) -> Iterator[Worker]:
    worker = Worker("reports-worker")
    yield worker
    worker.stop()


@pytest.fixture
def window(qtbot: QtBot, shop: Shop, db_worker: Worker, report_worker: Worker) -> Iterator[ManagerWindow]:
    """The manager window, shown; each tab reads the store when it is first shown (start() loads the
    dashboard, as opening the window from the till does)."""
    shown = ManagerWindow(shop.services, db_worker, report_worker=report_worker)
    shown.resize(1280, 800)
    shown.show()
    yield shown
    # Not qtbot.addWidget: pytest-qt would delete the window before this fixture ends, while
    # answers are still queued for it. As the app does (install.py), it goes once they have landed.
    qtbot.waitUntil(lambda: not db_worker.busy() and not report_worker.busy(), timeout=20_000)
    shown.close()
    shown.deleteLater()
    qtbot.wait(1)
