"""Start the cashier app: the application, translations, the store (a demo on first start), the window.

This is the GUI's composition root: it builds the window and plugs in what other screens
offer (receipt printing when app.ui.printing provides a PrintService).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton, QWidget

from app.bootstrap import Context, bootstrap, default_data_dir, default_db_path
from app.core.services.results import SaleResult
from app.ui import i18n, theme
from app.ui.checkout.reasons import explain
from app.ui.main_window import MainWindow
from app.ui.pyside_fix import GuiGarbageCollector, pin_singletons
from app.ui.worker import Worker

log = logging.getLogger(__name__)
StoreKind = Literal["demo", "empty"]
OnReady = Callable[[MainWindow], None]


def settings() -> QSettings:
    """The terminal's settings, kept next to its database (so LOYALTY_HOME moves them too)."""
    return QSettings(str(default_data_dir() / "settings.ini"), QSettings.Format.IniFormat)


def save_setting(key: str, value: str) -> None:
    """Remember one setting."""
    store = settings()
    store.setValue(key, value)
    store.sync()


def camera_source(saved: object) -> str | None:
    """LOYALTY_CAMERA (a device number or a video file), else the saved setting."""
    value = os.environ.get("LOYALTY_CAMERA") or (str(saved) if saved else "")
    return value.strip() or None


class FirstStartDialog(QMessageBox):
    """No database yet: a demo store to try things, or an empty store to start selling."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Loyalty Terminal — first start"))
        self.setIcon(QMessageBox.Icon.Question)
        self.setText(self.tr("There is no store on this computer yet."))
        self.setInformativeText(
            self.tr(
                "A demo store has a café's program, menu, customers and a month of sales to try "
                "everything. An empty store has the default program (5% back in points) and no customers.\n\n"
                "The store will be saved in {path}"
            ).format(path=path)
        )
        self.demo: QPushButton = self.addButton(self.tr("Demo store"), QMessageBox.ButtonRole.AcceptRole)
        self.empty: QPushButton = self.addButton(self.tr("Empty store"), QMessageBox.ButtonRole.AcceptRole)
        self.addButton(self.tr("Quit"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.demo)

    def ask(self) -> StoreKind | None:
        """The store to create, or None to quit."""
        self.exec()
        if self.clickedButton() is self.demo:
            return "demo"
        if self.clickedButton() is self.empty:
            return "empty"
        return None


def open_store(path: Path, create: StoreKind | None) -> Context:
    """Open the store, or create a demo or empty one (runs on the worker)."""
    ctx = bootstrap(path, create=create is not None)
    ctx.start_background()
    if create is not None:
        from app.core.demo import DEFAULT_PROGRAM, fill_demo

        ctx.loyalty.init()
        if create == "demo":
            fill_demo(ctx.loyalty)
        else:
            ctx.loyalty.set_program(DEFAULT_PROGRAM)
    return ctx


def build_window(
    ctx: Context, worker: Worker, lang: str, saved: QSettings | None = None, *, defer_printing: bool = False
) -> MainWindow:
    """The checkout window with everything other screens plug into it.

    With defer_printing the printing stack (reportlab, ESC/POS, QtPrintSupport: a third of
    the start-up time) loads on a background thread once the window is up; a sale made
    before that is printed as soon as it has loaded.
    """
    saved = saved or settings()
    window = MainWindow(ctx, worker, camera_source=camera_source(saved.value("camera/source")))
    if defer_printing:
        _PrintingLoader(window, ctx, worker, lang, saved).start()
    else:
        wire_printing(window, ctx, worker, lang, saved)
    return window


def _printing_module() -> ModuleType | None:
    """app.ui.printing, or None in a build without it."""
    try:
        return importlib.import_module("app.ui.printing")
    except ImportError:
        return None


class _PrintingLoader(QObject):
    """Import the printing stack off the GUI thread, then plug it in, printing held sales."""

    _imported = Signal(object)

    def __init__(self, window: MainWindow, ctx: Context, worker: Worker, lang: str, saved: QSettings) -> None:
        super().__init__(window)
        self._args = (window, ctx, worker, lang, saved)
        self._held: list[SaleResult] = []
        window.after_sale = self._held.append
        self._imported.connect(self._wire)

    def start(self) -> None:
        threading.Thread(target=self._import, name="printing-import", daemon=True).start()

    def _import(self) -> None:
        self._imported.emit(_printing_module())

    @Slot(object)
    def _wire(self, module: ModuleType | None) -> None:
        window = self._args[0]
        window.after_sale = None
        if module is not None:
            wire_printing(*self._args)
        for result in self._held:
            if window.after_sale is not None:
                window.after_sale(result)
        self._held.clear()


def wire_printing(window: MainWindow, ctx: Context, worker: Worker, lang: str, saved: QSettings) -> None:
    """Print a receipt after each sale when the printing module is there; otherwise nothing."""
    module = _printing_module()
    if module is None:
        return
    PrintService, printer_from_setting = module.PrintService, module.printer_from_setting
    try:
        printer = printer_from_setting(str(saved.value("printer") or ""), ctx.db_path.parent)
    except ValueError as exc:
        window.checkout.show_message(str(exc), "error")
        return
    service = PrintService(worker, ctx.engine, printer, lang, parent=window, window=window)
    service.failed.connect(window.show_error)
    window.printer = service
    window.after_sale = service.after_sale


class _Starter(QObject):
    """Opens the store on the worker, then shows the window (or says why it could not)."""

    def __init__(
        self, app: QApplication, worker: Worker, lang: str, on_ready: OnReady | None, progress: QWidget | None
    ) -> None:
        super().__init__()
        self.app = app
        self.worker = worker
        self.lang = lang
        self.on_ready = on_ready
        self.progress = progress
        self.ctx: Context | None = None
        self.window: MainWindow | None = None
        self.session: Any = None

    def opened(self, ctx: Context) -> None:
        self.ctx = ctx
        if self.progress is not None:
            self.progress.close()
        window = build_window(ctx, self.worker, self.lang, defer_printing=True)
        self.window = window
        from app.ui.session import Session

        self.session = Session(window, ctx, self.worker)
        self.session.start_sync()
        window.ready.connect(self._ready)
        window.resize(1024, 768)
        if os.environ.get("LOYALTY_WINDOWED"):
            window.show()
        else:
            window.showMaximized()
        # Kiosk terminals often run without a window manager to hand the keyboard over.
        window.raise_()
        window.activateWindow()
        window.checkout.focus_products()

    @Slot()
    def _ready(self) -> None:
        if self.session is not None:
            self.session.login()  # non-blocking: the checkout is drawn behind the login
        if self.on_ready is not None and self.window is not None:
            self.on_ready(self.window)

    def failed(self, reason: str) -> None:
        if self.progress is not None:
            self.progress.close()
        QMessageBox.critical(None, "Loyalty Terminal", explain(reason))
        self.app.exit(1)


def run_app(db_path: Path | None, *, on_ready: OnReady | None = None) -> int:
    """Run the cashier app on the store at db_path (default: the data folder); returns the exit code."""
    pin_singletons()  # PySide6 6.12.0 would otherwise crash after a few hundred signals
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Loyalty Terminal")
    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(True)
    saved = settings()
    lang = i18n.choose_language(str(saved.value("language") or ""))
    i18n.install(app, lang)
    theme.apply(app)
    path = Path(db_path) if db_path is not None else default_db_path()
    create: StoreKind | None = None
    if not path.exists():
        create = FirstStartDialog(path).ask()
        if create is None:
            return 0
    progress = None
    if create is not None:
        progress = QProgressDialog(QApplication.translate("Start", "Creating the store…"), "", 0, 0)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        progress.show()
    collector = GuiGarbageCollector(app)
    worker = Worker()
    starter = _Starter(app, worker, lang, on_ready, progress)
    worker.run(open_store, path, create, on_done=starter.opened, on_error=starter.failed)
    try:
        return app.exec()
    finally:
        if starter.session is not None:
            starter.session.stop()
        if starter.window is not None:
            starter.window.stop_camera()
            stop_printer = getattr(starter.window.printer, "stop", None)
            if callable(stop_printer):
                stop_printer()  # lets a receipt being printed finish
        worker.stop()
        if starter.ctx is not None:
            starter.ctx.close()
        # Leave the application as found (tests and embedders run more loops after this one):
        # closing the last window posted a Quit that would end the next event loop at once.
        collector.stop()
        app.setQuitOnLastWindowClosed(quit_on_close)
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
