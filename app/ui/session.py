"""Who is at the till and what runs beside the checkout: login, shifts, refunds, chain sync.

Plugged into the checkout window by `main.build_window`, through the window's hooks only
(`set_cashier`, `refund_requested`, `menu_actions`, `printer`), so the checkout knows
nothing of staff or sync.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from app.bootstrap import Context
from app.core.events import SyncStatus
from app.core.services.staff import Cashier
from app.core.timeutil import from_ms
from app.sync.service import SyncWorker
from app.ui.bridge import Bridge
from app.ui.fiscal_desk import FiscalDesk
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.shift import ShiftDialog, shift_state
from app.ui.worker import Worker

log = logging.getLogger(__name__)


class Session(QObject):
    """Login at start, a shift per cashier, refunds behind a manager PIN, and the sync status."""

    def __init__(self, window: MainWindow, ctx: Context, worker: Worker) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.worker = worker
        self.staff = ctx.staff
        self.cashier: Cashier | None = None
        self.bridge = Bridge(ctx.bus, self)
        self.sync = ctx.sync
        self.sync_worker: SyncWorker | None = None
        self.sync_label = QLabel(window)
        window.statusBar().addPermanentWidget(self.sync_label)
        window.refund_requested.connect(self.open_refund)
        self.bridge.sync_status.connect(self.show_sync)
        self._actions = self._make_actions()
        window.menu_actions(self._actions)
        self.fiscal = FiscalDesk(window, window.fiscal, worker, lambda: self.cashier.name if self.cashier else None)
        self.fiscal.load()

    def _make_actions(self) -> list[QAction]:
        items = [
            (self.tr("Reprint last receipt"), self.reprint),
            (self.tr("Shift…"), self.open_shift),
            (self.tr("Change cashier"), self.login),
            (self.tr("Sync now"), self.sync_now),
        ]
        actions = []
        for text, slot in items:
            action = QAction(text, self.window)
            action.triggered.connect(slot)
            actions.append(action)
        return actions

    # ----------------------------------------------------------------- login and shifts

    @Slot()
    def login(self) -> None:
        """Ask for a cashier (the first manager on a fresh store); closing it at start quits."""
        dialog = LoginDialog(self.staff, self.worker, self.window)
        dialog.logged_in.connect(self._logged_in)
        dialog.rejected.connect(self._login_cancelled)
        dialog.finished.connect(self.window.take_keyboard)
        dialog.open()

    @Slot(object)
    def _logged_in(self, cashier: Cashier) -> None:
        self.cashier = cashier
        self.window.set_cashier(cashier.name, cashier.role)
        self.worker.run(shift_state, self.staff, cashier.id, on_done=self._shift_known)

    @Slot()
    def _login_cancelled(self) -> None:
        if self.cashier is None:
            self.window.close()  # nobody signed in: the till does not sell anonymously

    def _shift_known(self, summary: Any) -> None:
        self.window.set_shift_open(summary is not None)
        if summary is None:
            self._shift_dialog(close_when_opened=True)
        else:
            self.fiscal.follow_shift()  # a shift left open: the register's is opened (or adopted) too

    @Slot()
    def open_shift(self) -> None:
        """Open or close the current cashier's shift."""
        self._shift_dialog(close_when_opened=False)

    def _shift_dialog(self, *, close_when_opened: bool) -> None:
        # Asked for at login, the dialog goes once the shift is open: the cashier came to sell.
        if self.cashier is None:
            self.window.show_error(self.tr("Log in first"))
            return
        dialog = ShiftDialog(self.staff, self.worker, self.cashier, self.window, fiscal=self.window.fiscal)
        dialog.shift_opened.connect(self._shift_opened)
        dialog.shift_closed.connect(self._shift_closed)
        if close_when_opened:
            dialog.shift_opened.connect(dialog.accept)
        dialog.finished.connect(self.window.take_keyboard)
        dialog.open()

    @Slot(object)
    def _shift_opened(self, _shift: object) -> None:
        self.window.set_shift_open(True)
        self.fiscal.refresh()  # the register's shift opened with it

    @Slot(object)
    def _shift_closed(self, _summary: object) -> None:
        self.window.set_shift_open(False)
        self.fiscal.refresh()  # the register's shift closed with it (Z-report)

    # ----------------------------------------------------------------- refunds and printing

    @Slot(int)
    def open_refund(self, sale_id: int) -> None:
        """The refund screen for a scanned receipt (or empty, to scan or type one)."""
        if self.cashier is None:
            self.window.show_error(self.tr("Log in first"))
            return
        # Imported here, not at start: it pulls in the printing stack, which a background thread
        # loads after the window is up (two threads importing one module race in a frozen build).
        from app.ui.refund_dialog import RefundDialog

        printing = self.window.printer if hasattr(self.window.printer, "print_refund") else None
        dialog = RefundDialog(
            self.ctx.checkout,
            self.staff,
            self.worker,
            self.cashier.name,
            printing,
            sale_id,
            self.window,
            receipts=self.ctx.receipts,
            fiscal=self.window.fiscal,
        )
        dialog.finished.connect(self.window.take_keyboard)
        dialog.open()

    @Slot()
    def reprint(self) -> None:
        """Print the last receipt again (after fixing a printer)."""
        reprint = getattr(self.window.printer, "reprint_last", None)
        if callable(reprint):
            reprint()
        else:
            self.window.show_error(self.tr("No printer is set up"))

    # ----------------------------------------------------------------- chain sync

    def start_sync(self) -> None:
        """Run the sync worker when this terminal is enrolled with a server."""
        if self.sync_worker is None and self.sync.configured():
            self.sync_worker = SyncWorker(self.sync)
            self.sync_worker.start()
            self.sync_label.setText(self.tr("Server: connecting…"))
        elif self.ctx.store.awaiting_reconnect():
            self.sync_label.setText(self.tr("Restored from a backup: connect to the server again (Settings)"))
        elif not self.sync.configured():
            self.sync_label.setText(self.tr("Standalone"))

    @Slot()
    def sync_now(self) -> None:
        """Sync at once instead of waiting for the timer."""
        if self.sync_worker is None:
            self.window.show_error(self.tr("This terminal is not connected to a server"))
            return
        self.sync_worker.nudge()

    @Slot(object)
    def show_sync(self, status: SyncStatus) -> None:
        """Online/offline, queue depth and the last successful sync in the status bar."""
        # The store's wall clock (the program's zone), as on its receipts, not the machine's zone.
        zone = self.ctx.programs.zone()
        last = (
            from_ms(status.last_sync_ms).astimezone(zone).strftime("%H:%M") if status.last_sync_ms else self.tr("never")
        )
        state = self.tr("online") if status.online else self.tr("offline")
        self.sync_label.setText(
            self.tr("Server: {state} · queue {n} · synced {at}").format(state=state, n=status.queue_depth, at=last)
        )

    def stop(self) -> None:
        """Stop the sync worker and unsubscribe (the window is closing)."""
        if self.sync_worker is not None:
            self.sync_worker.stop()
        self.fiscal.stop()
        self.bridge.close()
