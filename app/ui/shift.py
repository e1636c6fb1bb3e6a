"""The cashier's shift: open it, see its figures so far, close it and read the final summary."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.services.staff import Cashier, Shift, ShiftSummary, StaffService
from app.ui import i18n
from app.ui.fiscal_port import FiscalTill
from app.ui.pin_dialog import Refused, attempt, set_status, staff_reason
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["ShiftDialog", "close_with_register", "open_with_register", "shift_state"]


def shift_state(staff: StaffService, cashier_id: int) -> ShiftSummary | None:
    """The cashier's open shift with its figures so far, or None (worker side)."""
    shift = staff.current_shift(cashier_id)
    return None if shift is None else staff.shift_summary(shift.id)


def open_with_register(staff: StaffService, fiscal: FiscalTill | None, cashier: Cashier) -> Any:
    """Open the register's shift (or adopt the open one), then the cashier's (worker side).

    Shifts follow the register (fiscal.md): a register that refuses (no paper, a shift over 24 hours)
    raises its FiscalError and no till shift is opened, so no sale is made that the register cannot print."""
    if fiscal is not None:
        fiscal.open_shift(cashier.name)
    return attempt(staff.open_shift, cashier.id)


def close_with_register(staff: StaffService, fiscal: FiscalTill | None, cashier: Cashier, shift_id: int) -> Any:
    """Close the register's shift (the Z-report), then the cashier's (worker side); (summary, Z-report or None).

    The register first: when it refuses, the till's shift stays open and the refusal is shown."""
    report = fiscal.close_shift(cashier.name) if fiscal is not None else None
    result = attempt(staff.close_shift, shift_id)
    return result if isinstance(result, Refused) else (result, report)


def _when(ms: int | None, zone: str) -> str:
    # The store's wall clock (the program's zone), as on its receipts; the machine's zone may be UTC.
    return "—" if ms is None else i18n.wall_time(ms, ZoneInfo(zone))


class ShiftDialog(QDialog):
    """Open or close the logged-in cashier's shift; shows the figures of the shift."""

    shift_opened = Signal(object)  # Shift
    shift_closed = Signal(object)  # ShiftSummary

    def __init__(
        self,
        staff: StaffService,
        worker: Worker,
        cashier: Cashier,
        parent: QWidget | None = None,
        *,
        fiscal: FiscalTill | None = None,
    ) -> None:
        super().__init__(parent)
        self.staff = staff
        self.fiscal = fiscal if fiscal is not None and fiscal.config.driven else None
        self.worker = worker
        self.cashier = cashier
        self.summary: ShiftSummary | None = None
        self.setWindowTitle(self.tr("Shift"))
        self.setMinimumWidth(460)
        self.title = QLabel(self.tr("Shift of {name}").format(name=cashier.name), self)
        self.title.setObjectName("title")
        self.form = QFormLayout()
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        self.open_button = QPushButton(self.tr("Open shift"), self)
        self.open_button.setObjectName("pay")
        self.open_button.clicked.connect(self.open_shift)
        self.close_button = QPushButton(self.tr("Close shift"), self)
        self.close_button.setObjectName("pay")
        self.close_button.clicked.connect(self.close_shift)
        self.done_button = done = QPushButton(self.tr("Done"), self)
        done.clicked.connect(self.accept)
        for button in (self.open_button, self.close_button):
            button.hide()
            button.setAutoDefault(False)
        # Enter does what the dialog is there for: opens a shift when none is open (closing one
        # asks first, so it stays a deliberate Tab away); with a shift open it closes the dialog.
        done.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(done)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        # Never smaller than its rows: the figures are added after the worker answers.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Reload the cashier's open shift and its figures."""
        self.worker.run(shift_state, self.staff, self.cashier.id, on_done=self._show, on_error=self._failed)

    def _show(self, summary: ShiftSummary | None) -> None:
        self.summary = summary
        self.open_button.setVisible(summary is None)
        self.close_button.setVisible(summary is not None and summary.closed_at is None)
        self.open_button.setDefault(summary is None)
        self.done_button.setDefault(summary is not None)
        (self.open_button if summary is None else self.done_button).setFocus()
        QTimer.singleShot(0, self, self._fit)  # once laid out; with self as context, dropped if it is gone
        if summary is None:
            self._fill([])
            set_status(self.status, self.tr("No shift is open. Open one to start selling."), "warn")
            return
        if summary.closed_at is None:
            set_status(self.status, "", "info")
        self._fill(self._rows(summary))

    @Slot()
    def _fit(self) -> None:
        # Grow to the rows and buttons shown after the worker answered (they were cut off below).
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))

    def _rows(self, s: ShiftSummary) -> list[tuple[str, str]]:
        rows = [
            (self.tr("Opened"), _when(s.opened_at, s.timezone)),
            (self.tr("Closed"), _when(s.closed_at, s.timezone)),
            (self.tr("Sales"), f"{s.sales_count} · {i18n.money(s.sales_money)}"),
            (self.tr("Refunds"), f"{s.refunds_count} · {i18n.money(s.refunds_money)}"),
            (self.tr("Takings"), i18n.money(s.net_money)),
        ]
        names = {"cash": self.tr("In cash"), "card": self.tr("By bank card")}
        for method, money in s.by_payment.items():
            rows.append((names.get(method, method), i18n.money(money)))
        rows += [
            (self.tr("Points issued"), i18n.points(s.points_issued)),
            (self.tr("Points redeemed"), i18n.points(s.points_redeemed)),
            (self.tr("Points taken back by refunds"), i18n.points(s.points_taken_back)),
            (self.tr("Points returned by refunds"), i18n.points(s.points_given_back)),
            (self.tr("Sales with a loyalty card"), f"{s.card_sales} · {s.card_share_pct} %"),
        ]
        return rows

    def _fill(self, rows: list[tuple[str, str]]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for label, value in rows:
            self.form.addRow(label, QLabel(value, self))

    @Slot()
    def open_shift(self) -> None:
        """Open a shift for this cashier on the worker."""
        self.open_button.setEnabled(False)
        if self.fiscal is not None:
            set_status(self.status, self.tr("Opening the shift on the fiscal register…"), "info")
        self.worker.run(
            open_with_register, self.staff, self.fiscal, self.cashier, on_done=self._opened, on_error=self._failed
        )

    def _opened(self, result: Any) -> None:
        self.open_button.setEnabled(True)
        if isinstance(result, Refused):
            set_status(self.status, staff_reason(result), "error")
            return
        assert isinstance(result, Shift)
        self.shift_opened.emit(result)
        if self.isVisible():  # not when opening it closed the dialog (asked at login)
            self.refresh()

    def confirm_close(self) -> bool:
        """Ask before closing (tests replace this)."""
        answer = QMessageBox.question(
            self,
            self.tr("Close shift"),
            self.tr("Close the shift now? Sales after this need a new shift."),
        )
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def close_shift(self) -> None:
        """Close the open shift on the worker and show its final figures."""
        if self.summary is None or not self.confirm_close():
            return
        self.close_button.setEnabled(False)
        if self.fiscal is not None:
            set_status(self.status, self.tr("Closing the shift on the fiscal register (Z-report)…"), "info")
        self.worker.run(
            close_with_register,
            self.staff,
            self.fiscal,
            self.cashier,
            self.summary.shift_id,
            on_done=self._closed,
            on_error=self._failed,
        )

    def _closed(self, result: Any) -> None:
        self.close_button.setEnabled(True)
        if isinstance(result, Refused):
            set_status(self.status, staff_reason(result), "error")
            return
        summary, report = result
        assert isinstance(summary, ShiftSummary)
        self._show(summary)
        text = self.tr("Shift No. {n} is closed.").format(n=summary.shift_id)
        if report is not None:
            text += " " + self.tr("The register printed the Z-report (register shift {n}).").format(n=report.shift)
        set_status(self.status, text, "info")
        self.shift_closed.emit(summary)

    def _failed(self, error: BaseException) -> None:
        for button in (self.open_button, self.close_button):
            button.setEnabled(True)
        set_status(self.status, explain(error), "error")
