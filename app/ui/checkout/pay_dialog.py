"""Payment: cash or card (recorded only; the terminal does not talk to a card reader).

With a fiscal register the till drives, the dialog also takes the buyer's phone or e-mail for an
electronic receipt (tag 1008), when the customer asks for one; empty means a paper receipt only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import i18n


class PayDialog(QDialog):
    """Ask how the customer pays; Enter pays, ↑/↓ switch cash and card, Esc goes back."""

    def __init__(self, due: int, parent: QWidget | None = None, *, fiscal: bool = False) -> None:
        super().__init__(parent)
        self.due = due
        self.fiscal = fiscal
        self.setWindowTitle(self.tr("Payment"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self._layout = layout
        caption = QLabel(self.tr("To pay"))
        caption.setObjectName("muted")
        amount = QLabel(i18n.money(due))
        amount.setObjectName("due")
        layout.addWidget(caption)
        layout.addWidget(amount)

        methods = QHBoxLayout()
        self.cash = QRadioButton(self.tr("Cash"))
        self.card = QRadioButton(self.tr("Card"))
        self.cash.setChecked(True)
        self.group = QButtonGroup(self)
        for button in (self.cash, self.card):
            self.group.addButton(button)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter must stay with the payment
            methods.addWidget(button)
        layout.addLayout(methods)

        received_row = QHBoxLayout()
        self.received_caption = QLabel(self.tr("Cash received"))
        self.received = QLineEdit()
        self.received.setPlaceholderText(i18n.money(due))
        self.received.textChanged.connect(self._update_change)
        received_row.addWidget(self.received_caption)
        received_row.addWidget(self.received, 1)
        layout.addLayout(received_row)
        self.change = QLabel()
        self.change.setWordWrap(True)  # «Not enough: …» is longer than the dialog is wide
        layout.addWidget(self.change)
        self.contact = QLineEdit()
        self.contact.setPlaceholderText(self.tr("phone or e-mail, if the customer wants it"))
        self.contact.setMaxLength(120)
        self.contact_caption = QLabel(self.tr("Electronic receipt"))
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.contact_caption)
        contact_row.addWidget(self.contact, 1)
        layout.addLayout(contact_row)
        for widget in (self.contact, self.contact_caption):
            widget.setVisible(fiscal)
        self.register_note = QLabel(self.tr("The fiscal register prints the receipt"))
        self.register_note.setObjectName("muted")
        self.register_note.setVisible(fiscal)
        layout.addWidget(self.register_note)
        hint = QLabel(
            self.tr("Enter: pay · ↑/↓: cash or card · Tab: electronic receipt · Esc: back")
            if fiscal
            else self.tr("Enter: pay · ↑/↓: cash or card · Esc: back")
        )
        hint.setObjectName("muted")
        layout.addWidget(hint)

        buttons = QDialogButtonBox()
        self.pay_button = buttons.addButton(self.tr("Pay"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Back"), QDialogButtonBox.ButtonRole.RejectRole)
        self.pay_button.setObjectName("pay")
        self.pay_button.setDefault(True)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.group.buttonToggled.connect(self._method_changed)
        self.received.setFocus()
        self._update_change()

    @Slot()
    def _fit(self) -> None:
        needed = self._layout.totalHeightForWidth(self.width()) if self._layout.hasHeightForWidth() else -1
        self.resize(self.width(), max(self.height(), needed, self.sizeHint().height()))

    def method(self) -> str:
        """ "cash" or "card"."""
        return "card" if self.card.isChecked() else "cash"

    def set_note(self, text: str) -> None:
        """A line for the cashier above the hints (beside mode: what to key into the register)."""
        self.register_note.setText(text)
        self.register_note.setWordWrap(True)
        self.register_note.setStyleSheet("font-weight: bold;")
        self.register_note.show()

    def buyer_contact(self) -> str | None:
        """The phone or e-mail typed for an electronic receipt, or None."""
        text = self.contact.text().strip()
        return text if self.fiscal and text else None

    def ask(self) -> str | None:
        """Show the dialog; the payment method, or None when the cashier went back."""
        return self.method() if self.exec() == QDialog.DialogCode.Accepted else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """↑/↓ switch the method wherever the focus is; Enter pays."""
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            (self.card if self.cash.isChecked() else self.cash).setChecked(True)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._try_accept()
            return
        super().keyPressEvent(event)

    @Slot()
    def _try_accept(self) -> None:
        if self.method() == "cash" and self._received() is None:
            return
        self.accept()

    def _received(self) -> int | None:
        text = self.received.text().strip()
        if not text:
            return self.due
        try:
            value = i18n.parse_money(text)
        except ValueError:
            return None
        return value if value >= self.due else None

    @Slot()
    def _method_changed(self) -> None:
        cash = self.cash.isChecked()
        self.received.setVisible(cash)
        self.received_caption.setVisible(cash)
        self.change.setVisible(cash)
        if cash:
            self.received.setFocus()
        else:
            self.pay_button.setFocus()

    @Slot()
    def _update_change(self) -> None:
        received = self._received()
        if received is None:
            self.change.setText(self.tr("Not enough: type the amount received, or leave it empty"))
            self.change.setStyleSheet("color: #b3261e;")
            QTimer.singleShot(0, self._fit)  # two lines now: grow instead of pushing the buttons out
        else:
            self.change.setText(self.tr("Change: {money}").format(money=i18n.money(received - self.due)))
            self.change.setStyleSheet("")
