"""PIN entry for the till: a big keypad, and the manager's approval of sensitive actions.

Checking a PIN costs an argon2 hash and a database read, so it runs on the database
worker; the dialog only collects digits and shows the answer.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.clock import Clock, clock_ms
from app.core.services.staff import Cashier, StaffError, StaffService
from app.ui.wording import explain, word
from app.ui.worker import Worker

__all__ = [
    "LockCountdown",
    "PinDialog",
    "PinPad",
    "Refused",
    "attempt",
    "grow_to_fit",
    "pin_field",
    "set_status",
    "staff_reason",
]


@dataclass(frozen=True)
class Refused:
    """A staff operation the service refused: its refusal code, the core's English reason, its parameters."""

    code: str
    reason: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fn on the worker; a StaffError comes back as a Refused value, worded later by code."""
    try:
        return fn(*args, **kwargs)
    except StaffError as exc:
        return Refused(exc.code, exc.reason, exc.params)


def staff_reason(refused: Refused, manager: bool = False) -> str:
    """A refusal in the cashier's language (app.ui.wording), a wrong PIN worded for who was asked."""
    code = "wrong_manager_pin" if manager and refused.code == "wrong_pin" else refused.code
    return word(code, {**refused.params, "text": refused.reason})


def set_status(label: QLabel, text: str, level: str = "info") -> None:
    """Show a message in a status label styled by level (info, warn, error)."""
    label.setText(text)
    label.setProperty("level", level)
    label.setVisible(bool(text))
    # A dynamic property does not restyle by itself.
    label.style().unpolish(label)
    label.style().polish(label)
    window = label.window()
    if isinstance(window, QDialog) and window.isVisible():
        # A message of two lines in a dialog already shown squeezed the PIN keys under it (the layout's
        # minimum ignores a wrapped label's height for its width): grow the dialog once the text is laid out.
        QTimer.singleShot(0, window, functools.partial(grow_to_fit, window))


def grow_to_fit(window: QWidget) -> None:
    """Make a dialog tall enough for its content at its width (never shorter, never past the screen)."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    width = window.width()
    needed = max(layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1, layout.sizeHint().height())
    screen = window.screen().availableGeometry() if window.screen() is not None else None
    if screen is not None:
        needed = min(needed, screen.height())
    if needed > window.height():
        window.resize(width, needed)


class LockCountdown(QObject):
    """A PIN lockout counted down in a status label until the instant the staff service's clock allows the
    next try; meanwhile the button is disabled and the PIN fields take no typing (the service refuses
    earlier tries anyway, and audits them)."""

    def __init__(
        self,
        label: QLabel,
        button: QPushButton,
        clock: Clock,
        fields: Sequence[QLineEdit] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.label = label
        self.button = button
        self.clock = clock
        self.fields = list(fields)
        self.until = 0  # UTC ms, on the service's clock
        self.left = 0  # whole seconds shown
        self._timer = QTimer(self)
        # Read from the clock, not counted in ticks: a busy event loop (or a test's clock) cannot make the
        # screen promise a try the service would still refuse. A quarter second: the figure turns on time.
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.tick)

    def active(self) -> bool:
        """True while the lockout is being counted down."""
        return self._timer.isActive()

    def start(self, wait_seconds: int) -> None:
        """Count down to this many seconds from now (the service's now)."""
        self.until = clock_ms(self.clock) + max(1, wait_seconds) * 1000
        self.button.setEnabled(False)
        for field in self.fields:
            field.clear()
            field.setReadOnly(True)
        self.left = 0
        self._timer.start()
        self.tick()

    def stop(self) -> None:
        """Stop counting (the lock no longer applies: another name was chosen, the dialog closes)."""
        self._timer.stop()
        self.left = 0
        self.button.setEnabled(True)
        for field in self.fields:
            field.setReadOnly(False)

    @Slot()
    def tick(self) -> None:
        """Show the seconds left on the clock; once none are, allow the next try."""
        left = -(-(self.until - clock_ms(self.clock)) // 1000)
        if left > 0:
            if left != self.left:
                self.left = left
                set_status(self.label, staff_reason(Refused("pin_locked", "", {"wait_seconds": left})), "error")
            return
        self.stop()
        set_status(self.label, self.tr("You can try again now"), "info")


def pin_field(parent: QWidget | None = None) -> QLineEdit:
    """A masked field that accepts up to 8 digits."""
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,8}"), field))
    field.setMaxLength(8)
    field.setAlignment(Qt.AlignmentFlag.AlignCenter)
    field.setStyleSheet("font-size: 28px; letter-spacing: 6px;")
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return field


class PinPad(QWidget):
    """Touch-sized digit keys typing into whichever of its PIN fields last had the focus."""

    def __init__(self, fields: Sequence[QLineEdit], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fields = list(fields)
        self._target = self._fields[0]
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "⌫"]
        for i, key in enumerate(keys):
            button = QPushButton(key, self)
            button.setObjectName("pinkey")
            # The keys never take the focus, so a physical keyboard keeps typing into the field.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumSize(72, 56)
            button.setStyleSheet("font-size: 24px; font-weight: bold;")
            button.clicked.connect(self._pressed)
            grid.addWidget(button, i // 3, i % 3)
        for field in self._fields:
            field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Remember the field the cashier is typing into."""
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self._target = watched
        return False

    @Slot()
    def _pressed(self) -> None:
        button = self.sender()
        if not isinstance(button, QPushButton):
            return
        key, field = button.text(), self._target
        if key == "C":
            field.clear()
        elif key == "⌫":
            field.backspace()
        elif len(field.text()) < field.maxLength():
            field.insert(key)
        field.setFocus()


class PinDialog(QDialog):
    """Asks for a manager's PIN; ask() returns the approving manager, or None if cancelled."""

    def __init__(self, staff: StaffService, worker: Worker, purpose: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff = staff
        self.worker = worker
        self.approved: Cashier | None = None
        self.setWindowTitle(self.tr("Manager approval"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        title = QLabel(purpose, self)
        title.setObjectName("title")
        title.setWordWrap(True)
        hint = QLabel(self.tr("A manager enters their PIN"), self)
        hint.setObjectName("muted")
        self.pin = pin_field(self)
        self.pin.returnPressed.connect(self.check)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(self.tr("Approve"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("pay")
        buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        # Accepting happens only once the worker has checked the PIN.
        self.ok.clicked.connect(self.check)
        buttons.rejected.connect(self.reject)
        for widget in (title, hint, self.pin, PinPad([self.pin], self), self.status, buttons):
            layout.addWidget(widget)
        self.countdown = LockCountdown(self.status, self.ok, staff.clock, [self.pin], self)
        self.pin.setFocus()

    def ask(self) -> Cashier | None:
        """Show the dialog modally; the approving manager, or None when cancelled."""
        return self.approved if self.exec() == QDialog.DialogCode.Accepted else None

    @Slot()
    def check(self) -> None:
        """Send the PIN to the worker for checking."""
        if not self.ok.isEnabled():  # a check in flight, or the lockout counting down
            return
        pin = self.pin.text()
        if not 4 <= len(pin) <= 8:
            set_status(self.status, staff_reason(Refused("pin_format", "")), "warn")
            return
        self.ok.setEnabled(False)
        self.worker.run(attempt, self.staff.check_manager_pin, pin, on_done=self._checked, on_error=self._failed)

    def _checked(self, result: Any) -> None:
        self.ok.setEnabled(True)
        if isinstance(result, Refused):
            self.pin.clear()
            if result.code == "pin_locked" or result.params.get("lock_seconds"):
                self.countdown.start(int(result.params.get("wait_seconds") or result.params["lock_seconds"]))
                return
            # One answer for a cashier's PIN and for no one's: the dialog never tells them apart.
            set_status(self.status, staff_reason(result, manager=True), "error")
            return
        self.approved = result
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.ok.setEnabled(True)
        set_status(self.status, explain(error), "error")
