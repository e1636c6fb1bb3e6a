"""The manager window: dashboard and reports, the program editor, coupons, administration.

Reports can take seconds on a big store, so they run on a worker of their own (read-only: SQLite
readers never block the till's writer) while program changes, coupons and card tools stay on the
till's serialized worker and answer at once. The whole chain's reports come from the server on a
third worker, so a slow network never holds up this terminal's own figures.
"""

from __future__ import annotations

import atexit
import logging
from functools import partial

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from app.ui.manager import ops
from app.ui.manager.admin import AdminTab
from app.ui.manager.coupons import CouponsTab
from app.ui.manager.dashboard import DashboardTab
from app.ui.manager.ops import FilterChoices, ManagerServices
from app.ui.manager.program_editor import ProgramEditor
from app.ui.worker import Worker

__all__ = ["ManagerWindow"]

log = logging.getLogger(__name__)

# Workers whose window closed while a report was still running: kept until they finish.
_retiring: set[Worker] = set()


@atexit.register
def _stop_retiring() -> None:
    """At exit, stop the workers still finishing a call: a program closed with the manager screen open (its
    server logout queued, no event loop left to say it is done) aborted on a QThread destroyed while running."""
    for worker in list(_retiring):
        worker.stop()
        _retiring.discard(worker)


def _retire(worker: Worker) -> None:
    """Stop a worker now if idle, else as soon as its running call returns (never block the GUI on it)."""
    if not worker.busy():
        worker.stop()
        return
    _retiring.add(worker)
    worker.idle.connect(_Stopper(worker).stop)


class _Stopper(QObject):
    """Stops one retired worker when it becomes idle."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(worker)
        self.worker = worker

    @Slot()
    def stop(self) -> None:
        self.worker.stop()
        _retiring.discard(self.worker)


class ManagerWindow(QWidget):
    """Tabs for the owner: dashboard, program, coupons, administration."""

    closed = Signal()

    def __init__(
        self,
        services: ManagerServices,
        worker: Worker,
        parent: QWidget | None = None,
        report_worker: Worker | None = None,
        chain_worker: Worker | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.s = services
        self.worker = worker
        self._own_report_worker = report_worker is None
        self.report_worker = report_worker or Worker("reports-worker")
        # The server's answers, only for a terminal that may have one (made at once: a thread, no I/O).
        self._own_chain_worker = chain_worker is None and services.chain is not None
        self.chain_worker = chain_worker or (Worker("chain-reports-worker") if services.chain is not None else None)
        self.setWindowTitle(self.tr("Loyalty Terminal — manager"))
        self.setMinimumSize(1000, 700)
        self._grown = False

        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        header = QHBoxLayout()
        title = QLabel(self.tr("Manager: {name}").format(name=services.manager), self)
        title.setObjectName("title")
        close = QPushButton(self.tr("Close (Esc)"), self)
        close.clicked.connect(self.close)
        header.addWidget(title, 1)
        header.addWidget(close)
        column.addLayout(header)

        # Tabs are built, and read from the database, the first time they are shown (or asked for):
        # the window opens on the dashboard without waiting for the program editor's many fields.
        self.tabs = QTabWidget(self)
        self._built: dict[str, QWidget] = {}
        self._loaded: set[str] = set()
        for key, title in (
            ("dashboard", self.tr("Dashboard and reports")),
            ("program", self.tr("Program")),
            ("coupons", self.tr("Coupons")),
            ("admin", self.tr("Administration")),
            ("flags", self.tr("Suspicious activity")),
        ):
            if key == "flags" and services.fraud is None:
                continue  # a window built without the fraud service (tests of other tabs) has no such tab
            self.tabs.addTab(QWidget(self.tabs), title)
            self.tabs.widget(self.tabs.count() - 1).setObjectName(key)
        self.tabs.setStyleSheet("QTabBar::tab { min-height: 36px; padding: 0 14px; font-size: 16px; }")
        self.tabs.currentChanged.connect(self._tab_shown)
        column.addWidget(self.tabs, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        # By keys alone: Ctrl+1..4 open a tab with the keyboard on its tab bar (arrows move on, Tab
        # goes into the page); from inside a page Ctrl+Tab stays Qt's, turning the nearest tabs.
        for number, key in enumerate(self._KEYS, start=1):
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, partial(self.show_tab, key))

    # ------------------------------------------------------------------ tabs, built on demand

    _KEYS = ("dashboard", "program", "coupons", "admin", "flags")

    def _tab(self, key: str) -> QWidget:
        built = self._built.get(key)
        if built is not None:
            return built
        s, w = self.s, self.worker
        if key == "dashboard":
            built = DashboardTab(s, self.report_worker, self, self.chain_worker)
        elif key == "program":
            built = ProgramEditor(s, w, self)
            built.program_changed.connect(self._program_changed)
        elif key == "coupons":
            built = CouponsTab(s, w, self)
            built.program_changed.connect(self._program_changed)
        elif key == "flags":
            from app.ui.manager.flags_tab import FlagsTab

            assert s.fraud is not None, "the flags tab is offered only with the fraud service"
            built = FlagsTab(s.fraud, self.report_worker, self, s.chain, self.chain_worker)
        else:
            built = AdminTab(s, w, self)
        self._built[key] = built
        index = self._KEYS.index(key)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        placeholder = self.tabs.widget(index)
        title = self.tabs.tabText(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, built, title)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        placeholder.deleteLater()
        return built

    @property
    def dashboard(self) -> DashboardTab:
        """The dashboard and reports tab."""
        tab = self._tab("dashboard")
        assert isinstance(tab, DashboardTab)
        return tab

    @property
    def program(self) -> ProgramEditor:
        """The program editor tab."""
        tab = self._tab("program")
        assert isinstance(tab, ProgramEditor)
        return tab

    @property
    def coupons(self) -> CouponsTab:
        """The coupons tab."""
        tab = self._tab("coupons")
        assert isinstance(tab, CouponsTab)
        return tab

    @property
    def admin(self) -> AdminTab:
        """The administration tab."""
        tab = self._tab("admin")
        assert isinstance(tab, AdminTab)
        return tab

    def showEvent(self, event: QShowEvent) -> None:
        """On a big screen (1920×1080) the window takes most of it instead of a 1280×800 box."""
        screen = self.screen()
        if screen is not None and not self._grown:
            self._grown = True
            room = screen.availableGeometry()
            if room.width() >= 1600 and room.height() >= 960 and self.width() < room.width() * 0.8:
                self.resize(room.width() - 40, room.height() - 40)
                self.move(room.x() + 20, room.y() + 20)
        super().showEvent(event)

    def show_tab(self, key: str) -> None:
        """Open a tab (dashboard, program, coupons, admin, flags) and give the keyboard to the tab bar."""
        self.tabs.setCurrentIndex(self._KEYS.index(key))
        self.tabs.tabBar().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def start(self) -> None:
        """Load the tab on show (the dashboard when the window opens); the window is usable meanwhile."""
        self._tab_shown(self.tabs.currentIndex())
        # The keyboard starts on the tabs, not on «Close»: a stray Space would close the window.
        self.tabs.tabBar().setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(int)
    def _tab_shown(self, index: int) -> None:
        key = self._KEYS[index]
        tab = self._tab(key)
        if key in self._loaded:
            return
        self._loaded.add(key)
        if isinstance(tab, DashboardTab):
            tab.refresh()
            self.worker.run(ops.load_filter_choices, self.s, on_done=self._filter_choices, on_error=self._log_failure)
        elif isinstance(tab, ProgramEditor | CouponsTab | AdminTab) or key == "flags":
            tab.load()  # type: ignore[attr-defined]

    def _filter_choices(self, choices: FilterChoices) -> None:
        self.dashboard.set_filter_choices(choices)

    def _log_failure(self, error: BaseException) -> None:
        log.warning("manager screen: %s", error)

    @Slot(int)
    def _program_changed(self, _version: int) -> None:
        # Coupons live in the program: each loaded tab shows the newest version; the audit log has a new row.
        sender = self.sender()
        for key in ("program", "coupons"):
            tab = self._built.get(key)
            if key in self._loaded and tab is not None and tab is not sender:
                tab.load()  # type: ignore[attr-defined]
        if "admin" in self._loaded:
            self.admin.load_audit()

    def scan(self, text: str) -> None:
        """A card scanned while this window is open: look the customer up in Administration."""
        self.tabs.setCurrentWidget(self.admin)
        self.admin.scan(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Let a running report finish in the background; nothing waits for it."""
        if "dashboard" in self._built:
            self.dashboard.generation += 1  # any answer still on its way is stale now
        flags = self._built.get("flags")
        if flags is not None:
            flags.forget()  # type: ignore[attr-defined]
        if self._own_report_worker:
            _retire(self.report_worker)
            self._own_report_worker = False
        if self._own_chain_worker and self.chain_worker is not None:
            if self.s.chain is not None and self.s.chain.logged_in():
                self.chain_worker.run(self.s.chain.logout)  # the server session ends with the window
            _retire(self.chain_worker)
            self._own_chain_worker = False
        self.closed.emit()
        super().closeEvent(event)
        # A kiosk without a window manager activates no window when this one closes: the till takes
        # the keyboard back itself, or every F-key is lost until a click.
        till = self.parentWidget()
        take = getattr(till, "take_keyboard", None)
        if till is not None and callable(take):
            QTimer.singleShot(0, till, take)  # dropped if the till goes first (the app quitting)
