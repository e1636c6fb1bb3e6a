"""Who is at the till: the cashier logs in with name and PIN; a fresh store first gets a manager."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.services.staff import Cashier, StaffService
from app.ui.pin_dialog import LockCountdown, PinPad, Refused, attempt, pin_field, set_status, staff_reason
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["LoginDialog", "login_state"]


def login_state(staff: StaffService) -> tuple[bool, list[str]]:
    """Whether the store needs its first manager, and the names that can log in (worker side)."""
    if staff.needs_first_manager():
        return True, []
    return False, [c.name for c in staff.cashiers()]


class LoginDialog(QDialog):
    """Name and PIN with a big keypad; on a fresh store it creates the first manager instead."""

    logged_in = Signal(object)  # Cashier

    def __init__(self, staff: StaffService, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff = staff
        self.worker = worker
        self.cashier: Cashier | None = None
        self.first_start = False
        self.setWindowTitle(self.tr("Log in"))
        self.setModal(True)
        self.setMinimumWidth(420)

        self.title = QLabel(self.tr("Log in"), self)
        self.title.setObjectName("title")
        self.explain = QLabel(self)
        self.explain.setObjectName("muted")
        self.explain.setWordWrap(True)
        self.explain.hide()
        # An editable list: pick a name with a finger or type it.
        self.name = QComboBox(self)
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.new_name = QLineEdit(self)
        self.new_name.hide()
        self.pin = pin_field(self)
        self.pin_again = pin_field(self)
        self.pin_again.hide()
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.form.addRow(self.tr("Name"), self.name)
        self.form.addRow(self.tr("PIN"), self.pin)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        self.go = QPushButton(self.tr("Log in"), self)
        self.go.setObjectName("pay")
        self.go.setEnabled(False)  # until the worker says which screen this is
        self.go.clicked.connect(self.submit)
        self.pin.returnPressed.connect(self.submit)
        self.pin_again.returnPressed.connect(self.submit)
        self.pad = PinPad([self.pin, self.pin_again], self)
        self.countdown = LockCountdown(self.status, self.go, staff.clock, [self.pin, self.pin_again], self)
        # A lockout belongs to the name it was earned on: another name may try at once.
        self.name.currentTextChanged.connect(self._name_changed)

        self._layout = layout = QVBoxLayout(self)
        # Never smaller than the content: the first-start form adds rows after construction.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addLayout(self.form)
        layout.addWidget(self.pad)
        layout.addWidget(self.status)
        layout.addWidget(self.go)
        self.worker.run(login_state, self.staff, on_done=self._state, on_error=self._failed)

    def ask(self) -> Cashier | None:
        """Show the dialog modally; the logged-in cashier, or None when closed."""
        return self.cashier if self.exec() == QDialog.DialogCode.Accepted else None

    def _state(self, state: tuple[bool, list[str]]) -> None:
        first, names = state
        self.first_start = first
        self.go.setEnabled(True)
        if first:
            self._become_first_start()
            return
        self.name.clear()
        self.name.addItems(names)
        self.name.setCurrentIndex(-1)
        self.name.setFocus()

    def _become_first_start(self) -> None:
        self.setWindowTitle(self.tr("First start"))
        self.title.setText(self.tr("Create the store's manager"))
        self.explain.setText(
            self.tr(
                "No one can log in yet. The manager approves refunds, manual adjustments and "
                "settings, and adds the cashiers. Choose the manager's name and a PIN of 4 to 8 digits."
            )
        )
        self.explain.show()
        self.form.removeRow(0)  # the list of names: there are none
        self.form.insertRow(0, self.tr("Manager's name"), self.new_name)
        self.new_name.show()
        self.form.addRow(self.tr("PIN again"), self.pin_again)
        self.pin_again.show()
        self.go.setText(self.tr("Create manager and log in"))
        self.new_name.setFocus()
        # Grow once the new rows are laid out (after this event) instead of squeezing the keys.
        QTimer.singleShot(0, self._fit)

    @Slot()
    def _fit(self) -> None:
        # Not adjustSize(): it caps a window at 2/3 of the screen, too short on a 768-line till;
        # and the wrapped explanation needs the height for this width, not the size hint's.
        layout = self._layout
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        self.resize(self.width(), max(self.height(), needed, self.sizeHint().height()))

    @Slot()
    def submit(self) -> None:
        """Check the entries here, then log in (or create the first manager) on the worker."""
        if not self.go.isEnabled():
            return
        pin = self.pin.text()
        name = (self.new_name.text() if self.first_start else self.name.currentText()).strip()
        if not name:
            set_status(self.status, staff_reason(Refused("staff_name_empty", "")), "warn")
            return
        if not 4 <= len(pin) <= 8:
            set_status(self.status, staff_reason(Refused("pin_format", "")), "warn")
            return
        if self.first_start and pin != self.pin_again.text():
            self.pin_again.clear()
            set_status(self.status, self.tr("The two PINs differ: type it again"), "warn")
            return
        action = self.staff.create_first_manager if self.first_start else self.staff.login
        self.go.setEnabled(False)
        self.worker.run(attempt, action, name, pin, on_done=self._answered, on_error=self._failed)

    @Slot(str)
    def _name_changed(self, _: str) -> None:
        if self.countdown.active():
            self.countdown.stop()
            set_status(self.status, "")

    def _answered(self, result: Any) -> None:
        self.go.setEnabled(True)
        if isinstance(result, Refused):
            self.pin.clear()
            if result.code == "pin_locked" or result.params.get("lock_seconds"):
                self.countdown.start(int(result.params.get("wait_seconds") or result.params["lock_seconds"]))
                return
            set_status(self.status, staff_reason(result), "error")
            return
        self.cashier = result
        self.logged_in.emit(result)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.go.setEnabled(True)
        set_status(self.status, explain(error), "error")
