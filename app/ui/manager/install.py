"""Plug the manager screen into the checkout window: Manager → "Manager…" (Ctrl+M), behind a manager PIN.

Only this module is imported at start-up; the manager window (numpy, the reports) loads the first
time a manager opens it, so the till starts as fast as before.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.ui.main_window import MainWindow
from app.ui.pin_dialog import PinDialog

__all__ = ["ManagerLauncher", "install_manager"]

log = logging.getLogger(__name__)


class ManagerLauncher(QObject):
    """Owns the "Manager…" action: asks for a manager PIN, then opens (or raises) the manager window."""

    def __init__(self, window: MainWindow, session: Any) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.manager_window: QWidget | None = None
        self.action = QAction(self.tr("Manager…"), window)
        self.action.setShortcut(QKeySequence("Ctrl+M"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.open)
        window.addAction(self.action)  # the shortcut works with the menu closed

    @Slot()
    def open(self) -> None:
        """Ask for a manager's PIN; with it, show the manager window."""
        if self.manager_window is not None:
            self.manager_window.raise_()
            self.manager_window.activateWindow()
            return
        dialog = PinDialog(self.session.staff, self.window.worker, self.tr("Open the manager screen"), self.window)
        manager = dialog.ask()
        dialog.deleteLater()
        if manager is None:
            return
        from app.ui.manager.ops import ManagerServices
        from app.ui.manager.window import ManagerWindow

        ctx = self.window.ctx
        # The chain scope is offered once the reports worker finds the terminal enrolled with a server.
        services = ManagerServices(
            ctx.programs,
            ctx.catalog,
            ctx.customers,
            ctx.staff,
            ctx.reports,
            manager.name,
            ctx.chain_reports,
            fraud=ctx.fraud,
            confirm=ctx.confirm,
        )
        shown = ManagerWindow(services, self.window.worker, self.window)
        # Modal to the till: the checkout cannot change under the manager, and scans reach this window.
        shown.setWindowModality(Qt.WindowModality.ApplicationModal)
        shown.closed.connect(self._closed)
        self.manager_window = shown
        shown.resize(min(1280, max(self.window.width(), 1024)), min(800, max(self.window.height(), 700)))
        shown.show()
        shown.raise_()
        shown.activateWindow()
        shown.start()

    @Slot()
    def _closed(self) -> None:
        shown, self.manager_window = self.manager_window, None
        if shown is None:
            return
        worker = self.window.worker
        if worker.busy():
            # Answers still queued for the window's tabs: delete it once they have been delivered.
            worker.idle.connect(shown.deleteLater, Qt.ConnectionType.SingleShotConnection)
        else:
            shown.deleteLater()


def install_manager(window: MainWindow, session: Any) -> None:
    """Add "Manager…" (Ctrl+M) to the window's Manager menu; session gives the staff service."""
    launcher = ManagerLauncher(window, session)
    window.menu_actions([launcher.action])
