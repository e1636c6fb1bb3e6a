"""Start the cashier app: the checks, the application, translations, the store (the wizard on first start), the window.

The app's start, on top of the composition root (app.bootstrap, whose Context holds every
service): it checks the data folder (writable, room left, one instance), sets up logging, opens
the store only when its file is sound (app.ui.startup, app.ui.store_open), sets a new one up
with the first-run wizard (app.ui.wizard), builds the window and plugs in what needs Qt:
receipt printing, the session, settings, the manager screen and scheduled backups. The QSettings
helpers live in app.ui.settings_store; the names are re-exported here for older callers.
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
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from app.bootstrap import Context, default_db_path
from app.core.backup import list_backups
from app.core.errors import StorageError
from app.core.instance import InstanceLock
from app.core.services.results import SaleResult
from app.ui import i18n, startup, theme
from app.ui.backups import BackupScheduler
from app.ui.customer_display import SETTING_ENABLED, SETTING_SCREEN, DisplayFeed, DisplayHost
from app.ui.main_window import MainWindow
from app.ui.manager.install import install_manager
from app.ui.pyside_fix import GuiGarbageCollector
from app.ui.session import Session
from app.ui.settings_dialog import install_settings
from app.ui.settings_store import camera_source, save_setting, settings
from app.ui.store_open import StoreKind, open_store
from app.ui.wizard import FirstRunWizard, RestoreFrom, StorePlan
from app.ui.wording import explain, os_words
from app.ui.worker import Worker

__all__ = [
    "FirstStartDialog",
    "OnReady",
    "StoreKind",
    "build_window",
    "camera_source",
    "open_store",
    "run_app",
    "save_setting",
    "settings",
    "wire_customer_display",
    "wire_printing",
]

log = logging.getLogger(__name__)
OnReady = Callable[[MainWindow], None]


# The first-start dialog run_app shows when there is no database (tests replace its ask()).
# Its ask() returns a StorePlan, or None to quit; open_store() still takes the old "demo" and
# "empty" answers, for scripts and tests that want a store without the wizard.
FirstStartDialog = FirstRunWizard


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
        self._cancelled = False
        self._imported.connect(self._wire)

    def start(self) -> None:
        threading.Thread(target=self._import, name="printing-import", daemon=True).start()

    def _import(self) -> None:
        self._imported.emit(_printing_module())

    def cancel(self) -> None:
        """The app is closing: an import finishing later must not start a print thread nobody stops."""
        self._cancelled = True

    @Slot(object)
    def _wire(self, module: ModuleType | None) -> None:
        if self._cancelled:
            return
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
    setting = str(saved.value("printer") or "")
    try:
        printer = printer_from_setting(setting, ctx.db_path.parent)
    except ValueError:
        # Still a print service, so Settings can put a right printer in; until then every
        # receipt says what is wrong, in words, and the problem stays on screen.
        printer = module.UnusablePrinter(setting)
    service = PrintService(worker, ctx.receipts, printer, lang, parent=window, window=window)
    service.show_messages = False  # the window shows printer problems in its own status line
    fiscal = getattr(ctx, "fiscal", None)
    if fiscal is not None:
        service.fiscal_of = fiscal.receipt_of  # the slip names the register's receipt of the sale
        service.fiscal_of_refund = fiscal.receipt_of_refund  # and a refund's slip its return receipt
    service.failed.connect(window.show_printer_problem)
    service.cleared.connect(window.clear_printer_problem)
    window.printer = service
    window.after_sale = service.after_sale
    if isinstance(printer, module.UnusablePrinter):
        window.show_printer_problem(printer.problem())


def wire_customer_display(window: MainWindow, ctx: Context, worker: Worker, saved: QSettings) -> DisplayHost:
    """The customer display, fed by the checkout, on the screen the settings name (F11 shows or hides it)."""
    feed = DisplayFeed(window.controller)
    enabled = str(saved.value(SETTING_ENABLED) or "false").lower() in ("true", "1", "yes")
    host = DisplayHost(feed, parent=window)
    host.message.connect(window.checkout.show_message)
    window.installEventFilter(host)  # closing the till closes the display
    window.menu_actions([host.action])
    # Placed once the till listens: a chosen screen missing at start is said in its status line.
    host.configure(enabled, str(saved.value(SETTING_SCREEN) or ""))
    # The join link an anonymous customer's receipt carries, read once on the worker.
    worker.run(ctx.receipts.join_url, on_done=feed.set_join_url)
    return host


class _Starter(QObject):
    """Opens the store on the worker, then shows the window (or says why it could not)."""

    def __init__(
        self,
        app: QApplication,
        worker: Worker,
        lang: str,
        on_ready: OnReady | None,
        progress: QWidget | None,
        plan: StorePlan | None = None,
        path: Path | None = None,
        outcome: _Outcome | None = None,
    ) -> None:
        super().__init__()
        self.app = app
        self.path = path
        self.outcome = outcome or _Outcome()
        self.check_in_background = False  # opened without the full check: run it once the till is up
        self.watch: startup.IntegrityWatch | None = None
        self.worker = worker
        self.lang = lang
        self.on_ready = on_ready
        self.progress = progress
        self.plan = plan
        self.ctx: Context | None = None
        self.window: MainWindow | None = None
        self.session: Any = None
        self.backups: BackupScheduler | None = None

    def opened(self, result: Context | startup.Damaged) -> None:
        if self.progress is not None:
            self.progress.close()
        if isinstance(result, startup.Damaged):
            self._damaged(result)
            return
        ctx = result
        self.ctx = ctx
        if self.plan is not None:
            # Saved only now: a wizard that ended without a store leaves no settings behind.
            save_setting("printer", self.plan.printer)
            save_setting("camera/source", self.plan.camera)
        window = build_window(ctx, self.worker, self.lang, defer_printing=True)
        self.window = window
        self.session = Session(window, ctx, self.worker)
        self.session.start_sync()
        install_settings(window, self.session)  # idempotent: Session may install it itself
        wire_customer_display(window, ctx, self.worker, settings())
        install_manager(window, self.session)
        self.backups = BackupScheduler(ctx.db_path, settings(), window)
        self.backups.failed.connect(window.show_error)
        self.backups.start()
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
        # From now on closing the checkout ends the app (not the dialogs shown before it).
        self.app.setQuitOnLastWindowClosed(True)

    def _damaged(self, damaged: startup.Damaged) -> None:
        """Never open a damaged file: restore the newest good backup, or quit."""
        restore = startup.DamagedStoreDialog(damaged).ask()  # also says so when there is no backup
        if not restore or damaged.backup is None or self.path is None:
            self.app.exit(1)
            return
        self.progress = _busy(QApplication.translate("Start", "Restoring the backup…"))
        self.worker.run(
            startup.restore_and_open,
            self.path,
            damaged.backup.path,
            on_done=self.opened,
            on_error=self.failed,
        )

    @Slot()
    def _ready(self) -> None:
        if self.check_in_background and self.path is not None and self.watch is None:
            self.watch = startup.IntegrityWatch(self.path, self)
            self.watch.damaged.connect(self._damaged_while_open)
            self.watch.start()
        if self.session is not None:
            self.session.login()  # non-blocking: the checkout is drawn behind the login
        if self.on_ready is not None and self.window is not None:
            self.on_ready(self.window)

    @Slot(str)
    def _damaged_while_open(self, problem: str) -> None:
        """The background check failed the open store: stop selling on it, and check first next time."""
        self.outcome.clean = False
        title = QCoreApplication.translate("Startup", "Loyalty Terminal")
        QMessageBox.critical(self.window, title, startup.damaged_while_open(problem))
        self.app.exit(1)

    def failed(self, error: BaseException) -> None:
        if self.progress is not None:
            self.progress.close()
        QMessageBox.critical(None, QCoreApplication.translate("Startup", "Loyalty Terminal"), explain(error))
        self.app.exit(1)

    def stop(self) -> None:
        """Closing: stop what runs beside the window, then make the closing backup."""
        if self.session is not None:
            self.session.stop()
        if self.window is not None:
            loader = self.window.findChild(_PrintingLoader)
            if loader is not None:
                loader.cancel()
            self.window.stop_camera()
            stop_printer = getattr(self.window.printer, "stop", None)
            if callable(stop_printer):
                stop_printer()  # lets a receipt being printed finish
        self.worker.stop()
        if self.backups is not None:
            self.backups.stop(final=True)  # after the last write, before the engine closes
        if self.ctx is not None:
            self.ctx.close()


def _busy(text: str) -> QProgressDialog:
    """A modal "please wait" without a cancel button (the work runs on the worker)."""
    progress = QProgressDialog(text, "", 0, 0)
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.show()
    return progress


def run_app(db_path: Path | None, *, on_ready: OnReady | None = None) -> int:
    """Run the cashier app on the store at db_path (default: the data folder); returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Loyalty Terminal")
    saved = settings()
    lang = i18n.choose_language(str(saved.value("language") or ""))
    i18n.install(app, lang)
    theme.apply(app)
    path = Path(db_path) if db_path is not None else default_db_path()
    folder = path.parent
    problem = startup.folder_problem(folder)
    if (
        problem is not None
        and not startup.StartupMessage(startup.describe(problem), can_continue=problem.kind == "low").ask()
    ):
        return 1
    lock = InstanceLock(folder)
    try:
        lock.acquire()
    except StorageError:
        startup.StartupMessage(
            QApplication.translate(
                "Start", "Loyalty Terminal is already running on this computer (data folder {folder})."
            ).format(folder=folder)
        ).ask()
        return 0  # not a failure: the till is open, in the other window
    except OSError as exc:
        startup.StartupMessage(startup.describe(startup.FolderProblem("other", folder, os_words(exc)))).ask()
        return 1
    handler = startup.start_logging(folder)
    outcome = _Outcome()
    try:
        return _run_locked(app, path, lang, on_ready, lock.previous_unclean, outcome)
    finally:
        startup.stop_logging(handler)
        # A store found damaged while open leaves the mark of an unclean run: the next start checks first.
        lock.release(clean=outcome.clean)


class _Outcome:
    """How this run ended, for the instance lock: clean unless the open store was found damaged."""

    clean = True


def _run_locked(
    app: QApplication, path: Path, lang: str, on_ready: OnReady | None, unclean: bool, outcome: _Outcome
) -> int:
    """The rest of the start, once this process owns the data folder.

    After a crash or power cut (unclean) the whole file is checked before the till opens; after a
    clean stop it opens at once and the same check runs in the background (seconds on a big store).
    """
    log.info("starting on %s", path)
    quit_on_close = app.quitOnLastWindowClosed()
    # Dialogs come and go before the checkout opens; none of them closing may end the app.
    app.setQuitOnLastWindowClosed(False)
    worker = Worker()
    create: StoreKind | StorePlan | None = None
    restore: tuple[Any, ...] | None = None  # how to make the store from a backup instead
    if not path.exists():
        backups = list_backups(startup.backup_folder(path), path.stem)
        # The file is gone but its backups are not: a new store would disown every card handed out.
        choice = startup.MissingStoreDialog(path, backups).ask() if backups else "new"
        if choice == "restore":
            restore = (startup.restore_newest_and_open, path)
        elif choice == "new":
            answer = FirstStartDialog(path, worker).ask()
            if isinstance(answer, RestoreFrom):
                restore = (startup.restore_file_and_open, path, answer.source)
            else:
                create = answer
        if create is None and restore is None:
            worker.stop()
            app.setQuitOnLastWindowClosed(quit_on_close)
            return 0
    progress = None
    if create is not None:
        progress = _busy(QApplication.translate("Start", "Creating the store…"))
    elif restore is not None:
        progress = _busy(QApplication.translate("Start", "Restoring the backup…"))
    collector = GuiGarbageCollector(app)
    plan = create if isinstance(create, StorePlan) else None
    starter = _Starter(app, worker, lang, on_ready, progress, plan, path, outcome)
    if create is not None:
        worker.run(open_store, path, create, on_done=starter.opened, on_error=starter.failed)
    elif restore is not None:
        worker.run(*restore, on_done=starter.opened, on_error=starter.failed)
    elif unclean:
        log.info("the last run did not end cleanly: checking the database before opening it")
        worker.run(startup.open_checked, path, on_done=starter.opened, on_error=starter.failed)
    else:
        starter.check_in_background = True
        worker.run(startup.open_fast, path, on_done=starter.opened, on_error=starter.failed)
    try:
        return app.exec()
    finally:
        starter.stop()
        # Leave the application as found (tests and embedders run more loops after this one):
        # closing the last window posted a Quit that would end the next event loop at once.
        collector.stop()
        app.setQuitOnLastWindowClosed(quit_on_close)
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
