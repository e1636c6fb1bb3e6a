"""The customer confirms paying with points (issue 13): a code by SMS, the phone's rotating code, or a manager.

Opened by the checkout when the quote says the payment needs a confirmation (`SaleResult.confirm`). Every
proof is checked by app.core.services.confirm on the database worker; the dialog only collects digits and
shows the answers. It ends with a ticket (the sale then commits with it) or, on Esc, with nothing written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.codes import latin_layout
from app.core.refusals import Refusal
from app.core.services.confirm import ConfirmService, SentCode, parse_totp_qr
from app.ui.pin_dialog import LockCountdown, Refused, attempt, pin_field, set_status, staff_reason
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["ConfirmSpendDialog", "code_field"]

RESEND_S = 30  # the service sends one code per half minute and customer (app.core.services.confirm.RESEND_MS)


def code_field(parent: QWidget | None = None) -> QLineEdit:
    """A field for a 6-digit code, big enough to read across the counter."""
    field = QLineEdit(parent)
    field.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,6}"), field))
    field.setMaxLength(6)
    field.setAlignment(Qt.AlignmentFlag.AlignCenter)
    field.setStyleSheet("font-size: 28px; letter-spacing: 6px;")
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    field.setPlaceholderText("······")
    return field


def _status() -> QLabel:
    label = QLabel()
    label.setObjectName("status")
    label.setWordWrap(True)
    # Always in the layout, two lines high: an answer appearing never squeezes the field or the button.
    label.setMinimumHeight(52)
    return label


class ConfirmSpendDialog(QDialog):
    """Three ways for the customer (or a manager) to confirm paying points; ask() gives the ticket or None."""

    def __init__(
        self,
        confirm: ConfirmService,
        worker: Worker,
        card: str,
        points: int,
        why: str,
        actor: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.confirm = confirm
        self.worker = worker
        self.card = card
        self.actor = actor
        self.ticket: str | None = None
        self._busy = False
        self._resend_left = 0
        self._sent_once = False  # the SMS page's field takes the keyboard once a code is on its way
        self.setWindowTitle(self.tr("The customer confirms paying with points"))
        self.setModal(True)
        self.setMinimumWidth(800)  # the three ways' titles side by side, whole (a till's screen is 1024 wide)

        layout = QVBoxLayout(self)
        title = QLabel(explain(Refusal(f"confirm_needed_{why}", {"card": card, "points": points})), self)
        title.setObjectName("title")
        title.setWordWrap(True)
        hint = QLabel(self.tr("Alt+1, Alt+2, Alt+3: the way; Esc: back to the sale, nothing is paid"), self)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.setUsesScrollButtons(False)  # the three ways are always in sight, never behind an arrow
        self.tabs.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
        self.tabs.addTab(self._sms_page(), self.tr("Send a code by SMS"))
        self.tabs.addTab(self._phone_page(), self.tr("QR or code on the customer's phone"))
        self.tabs.addTab(self._manager_page(), self.tr("A manager confirms"))
        self.tabs.currentChanged.connect(self._page_shown)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("Cancel (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        for widget in (title, hint, self.tabs, buttons):
            layout.addWidget(widget)
        for number in range(3):
            QShortcut(QKeySequence(f"Alt+{number + 1}"), self, lambda n=number: self.tabs.setCurrentIndex(n))
        self._resend_timer = QTimer(self)
        self._resend_timer.setInterval(1000)
        self._resend_timer.timeout.connect(self._resend_tick)
        self.send_button.setFocus()

    # ------------------------------------------------------------------ pages

    def _sms_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.send_button = QPushButton(self.tr("Send a code by SMS"), page)
        self.send_button.setAutoDefault(True)
        self.send_button.clicked.connect(self.send_code)
        self.sms_info = QLabel(self.tr("The customer gets a 6-digit code on their phone and tells it."), page)
        self.sms_info.setObjectName("muted")
        self.sms_info.setWordWrap(True)
        self.sms_code = code_field(page)
        self.sms_code.returnPressed.connect(self.check_sms)
        self.sms_ok = QPushButton(self.tr("Confirm"), page)
        self.sms_ok.setObjectName("pay")
        self.sms_ok.clicked.connect(self.check_sms)
        self.sms_status = _status()
        form.addRow(self.send_button)
        form.addRow(self.sms_info)
        form.addRow(self.tr("Code from the SMS"), self.sms_code)
        form.addRow(self.sms_ok)
        form.addRow(self.sms_status)
        return page

    def _phone_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        info = QLabel(
            self.tr("Scan the QR on the customer's phone, or type the 6 digits under it (they change every 30 s)."),
            page,
        )
        info.setObjectName("muted")
        info.setWordWrap(True)
        self.totp_code = code_field(page)
        self.totp_code.returnPressed.connect(self.check_totp)
        self.totp_ok = QPushButton(self.tr("Confirm"), page)
        self.totp_ok.setObjectName("pay")
        self.totp_ok.clicked.connect(self.check_totp)
        self.totp_status = _status()
        form.addRow(info)
        form.addRow(self.tr("Code on the phone"), self.totp_code)
        form.addRow(self.totp_ok)
        form.addRow(self.totp_status)
        return page

    def _manager_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.pin = pin_field(page)
        self.reason = QLineEdit(page)
        self.reason.setPlaceholderText(self.tr("Why, in a few words (it is kept in the audit log)"))
        self.pin.returnPressed.connect(self.reason.setFocus)
        self.reason.returnPressed.connect(self.check_manager)
        self.manager_ok = QPushButton(self.tr("Confirm"), page)
        self.manager_ok.setObjectName("pay")
        self.manager_ok.clicked.connect(self.check_manager)
        self.manager_status = _status()
        form.addRow(self.tr("Manager's PIN"), self.pin)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.manager_ok)
        form.addRow(self.manager_status)
        self.countdown = LockCountdown(self.manager_status, self.manager_ok, self)
        return page

    @Slot(int)
    def _page_shown(self, index: int) -> None:
        sms = self.sms_code if self._sent_once else self.send_button
        (sms, self.totp_code, self.pin)[index].setFocus()

    def ask(self) -> str | None:
        """Show the dialog modally; the confirmation ticket, or None when cancelled."""
        return self.ticket if self.exec() == QDialog.DialogCode.Accepted else None

    # ------------------------------------------------------------------ a scanned rotating QR

    def scan(self, text: str) -> None:
        """A scan while the dialog is open: the rotating QR of the customer's phone fills the code and checks it."""
        parsed = parse_totp_qr(text) or parse_totp_qr(latin_layout(text))
        self.tabs.setCurrentIndex(1)
        if parsed is None:
            set_status(self.totp_status, self.tr("This is not the QR on the customer's phone"), "warn")
            return
        card, code = parsed
        if card != self.card:
            set_status(self.totp_status, self.tr("This QR is of another card ({card})").format(card=card), "error")
            return
        self.totp_code.setText(code)
        self.check_totp()

    # ------------------------------------------------------------------ SMS

    @Slot()
    def send_code(self) -> None:
        """Send the customer a one-time code (on the worker: SMS.ru answers over the network)."""
        if self._busy or self._resend_left > 0:
            return
        self._busy = True
        self.send_button.setEnabled(False)
        set_status(self.sms_status, self.tr("Sending…"), "info")
        self.worker.run(
            self.confirm.send_code, self.card, actor=self.actor, on_done=self._sent, on_error=self._send_failed
        )

    def _sent(self, sent: SentCode) -> None:
        self._busy = False
        self._sent_once = True
        until = datetime.fromtimestamp(sent.expires_at / 1000).strftime("%H:%M")
        set_status(
            self.sms_status,
            self.tr("Code sent to {phone}. It works until {time}.").format(phone=sent.phone_masked, time=until),
            "info",
        )
        self._start_resend_wait(RESEND_S)
        self.sms_code.clear()
        self.sms_code.setFocus()

    def _send_failed(self, error: BaseException) -> None:
        self._busy = False
        set_status(self.sms_status, explain(error), "error")
        wait = (
            getattr(error, "params", {}).get("wait_seconds") if getattr(error, "code", "") == "confirm_wait" else None
        )
        if isinstance(wait, int):
            self._start_resend_wait(wait)
        else:
            self.send_button.setEnabled(True)

    def _start_resend_wait(self, seconds: int) -> None:
        self._resend_left = seconds
        self.send_button.setEnabled(False)
        self._resend_tick(first=True)
        self._resend_timer.start()

    @Slot()
    def _resend_tick(self, first: bool = False) -> None:
        if not first:
            self._resend_left -= 1
        if self._resend_left <= 0:
            self._resend_left = 0
            self._resend_timer.stop()
            self.send_button.setEnabled(True)
            self.send_button.setText(self.tr("Send a new code"))
            return
        self.send_button.setText(self.tr("A new code in {seconds} s").format(seconds=self._resend_left))

    @Slot()
    def check_sms(self) -> None:
        """Check the code the customer read out."""
        code = self.sms_code.text().strip()
        if self._busy:
            return
        if len(code) != 6:
            set_status(self.sms_status, self.tr("The code has 6 digits"), "warn")
            return
        self._busy = True
        self.worker.run(
            self.confirm.confirm_code,
            self.card,
            code,
            actor=self.actor,
            on_done=self._confirmed,
            on_error=self._sms_refused,
        )

    def _sms_refused(self, error: BaseException) -> None:
        self._busy = False
        self.sms_code.clear()
        level = "warn" if getattr(error, "code", "") == "confirm_code_wrong" else "error"
        set_status(self.sms_status, explain(error), level)
        if getattr(error, "code", "") in ("confirm_code_attempts", "confirm_code_expired") and self._resend_left == 0:
            self.send_button.setEnabled(True)
            self.send_button.setText(self.tr("Send a new code"))
        self.sms_code.setFocus()

    # ------------------------------------------------------------------ the phone's own code

    @Slot()
    def check_totp(self) -> None:
        """Check the code on the customer's phone (offline)."""
        code = self.totp_code.text().strip()
        if self._busy:
            return
        if len(code) != 6:
            set_status(self.totp_status, self.tr("The code has 6 digits"), "warn")
            return
        self._busy = True
        self.worker.run(
            self.confirm.confirm_totp,
            self.card,
            code,
            actor=self.actor,
            on_done=self._confirmed,
            on_error=self._totp_refused,
        )

    def _totp_refused(self, error: BaseException) -> None:
        self._busy = False
        self.totp_code.clear()
        set_status(self.totp_status, explain(error), "error")
        self.totp_code.setFocus()

    # ------------------------------------------------------------------ a manager

    @Slot()
    def check_manager(self) -> None:
        """Check the manager's PIN and take the reason (audited)."""
        if self._busy or not self.manager_ok.isEnabled():
            return
        pin, reason = self.pin.text(), self.reason.text().strip()
        if not 4 <= len(pin) <= 8:
            set_status(self.manager_status, staff_reason(Refused("pin_format", "")), "warn")
            self.pin.setFocus()
            return
        if not reason:
            set_status(self.manager_status, explain(Refusal("confirm_reason")), "warn")
            self.reason.setFocus()
            return
        self._busy = True
        self.worker.run(
            attempt,
            self.confirm.confirm_manager,
            self.card,
            pin,
            reason,
            actor=self.actor,
            on_done=self._manager_answered,
            on_error=self._manager_failed,
        )

    def _manager_answered(self, result: Any) -> None:
        self._busy = False
        if isinstance(result, Refused):
            self.pin.clear()
            self.pin.setFocus()
            if result.code == "pin_locked":
                self.countdown.start(int(result.params["wait_seconds"]))
                return
            set_status(self.manager_status, staff_reason(result, manager=True), "error")
            return
        self._confirmed(result)

    def _manager_failed(self, error: BaseException) -> None:
        self._busy = False
        set_status(self.manager_status, explain(error), "error")

    # ------------------------------------------------------------------ done

    def _confirmed(self, ticket: str) -> None:
        self._busy = False
        self.ticket = ticket
        self._resend_timer.stop()
        self.accept()
