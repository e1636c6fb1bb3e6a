"""Administration: a customer's card (manual points, replacement with a new QR, blocking), cashiers, the audit log.

Every change runs on the worker through `ops` and leaves an audit row naming the manager who
opened this screen. Cashier changes are refused by the staff service with a code, worded here.
"""

from __future__ import annotations

import functools
from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, QRegularExpression, Qt, Slot
from PySide6.QtGui import QPixmap, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpacerItem,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.services.results import CustomerInfo
from app.core.services.staff import AuditEntry, Cashier
from app.core.timeutil import from_ms
from app.ui import i18n
from app.ui.manager import ops
from app.ui.manager.audit_words import ACTIONS, action_text, detail_text
from app.ui.manager.models import Col, RecordsModel
from app.ui.manager.ops import CardReplaced, CustomerHit, ManagerServices
from app.ui.manager.widgets import ChooseFolder, Confirm, give_keyboard_back
from app.ui.pin_dialog import Refused, pin_field, set_status, staff_reason
from app.ui.theme import row_label
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["AdminTab", "CashierDialog", "NewPinDialog", "action_text"]


def _table(model: RecordsModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    # Tab leaves the table for the next field (arrows move between cells): a keyboard is never trapped.
    view.setTabKeyNavigation(False)
    view.setModel(model)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(32)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class CashierDialog(QDialog):
    """A new cashier: name, PIN twice, role; ask() returns (name, pin, role) or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New cashier"))
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.pin = pin_field(self)
        self.again = pin_field(self)
        self.role = QComboBox(self)
        self.role.addItem(self.tr("Cashier"), "cashier")
        self.role.addItem(self.tr("Manager"), "manager")
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.hide()
        form.addRow(row_label(self.tr("Name")), self.name)
        form.addRow(row_label(self.tr("PIN (4–8 digits)")), self.pin)
        form.addRow(row_label(self.tr("PIN again")), self.again)
        form.addRow(row_label(self.tr("Role")), self.role)
        form.addRow(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if self.pin.text() != self.again.text():
            set_status(self.status, self.tr("The two PINs differ: type it again"), "warn")
            return
        self.accept()

    def ask(self) -> tuple[str, str, str] | None:
        """(name, PIN, role), or None when cancelled."""
        focus = QApplication.focusWidget()
        answered = self.exec()
        give_keyboard_back(self.parentWidget(), focus)
        if answered != QDialog.DialogCode.Accepted:
            return None
        return self.name.text(), self.pin.text(), str(self.role.currentData())


class NewPinDialog(QDialog):
    """A new PIN for a cashier, typed twice; ask() returns it or None."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New PIN for {name}").format(name=name))
        form = QFormLayout(self)
        self.pin = pin_field(self)
        self.again = pin_field(self)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.hide()
        form.addRow(row_label(self.tr("New PIN")), self.pin)
        form.addRow(row_label(self.tr("PIN again")), self.again)
        form.addRow(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if self.pin.text() != self.again.text():
            set_status(self.status, self.tr("The two PINs differ: type it again"), "warn")
            return
        self.accept()

    def ask(self) -> str | None:
        """The new PIN, or None when cancelled."""
        focus = QApplication.focusWidget()
        answered = self.exec()
        give_keyboard_back(self.parentWidget(), focus)
        return self.pin.text() if answered == QDialog.DialogCode.Accepted else None


class AdminTab(QTabWidget):
    """Customer card tools, cashiers and the audit log."""

    def __init__(self, services: ManagerServices, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.worker = worker
        self.info: CustomerInfo | None = None
        self.replaced: CardReplaced | None = None
        self.audit_rows: tuple[AuditEntry, ...] = ()
        self._audit_asked = 0  # the newest audit read asked for: older answers are dropped
        self.zone = ZoneInfo("Europe/Moscow")
        self.last_export: Any = None
        self.addTab(self._customer_page(), self.tr("Customer card"))
        self.addTab(self._cashiers_page(), self.tr("Cashiers"))
        self.addTab(self._audit_page(), self.tr("Audit log"))

    def load(self) -> None:
        """Read the cashiers and the audit log."""
        self.worker.run(ops.cashiers, self.s, on_done=self._show_cashiers, on_error=self._cashier_failed)
        self.load_audit()

    # ================================================================== customer card

    def _customer_page(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setContentsMargins(8, 8, 8, 8)
        search = QHBoxLayout()
        self.query = QLineEdit(page)
        self.query.setPlaceholderText(self.tr("Card, phone or name"))
        self.query.returnPressed.connect(self.find)
        find = QPushButton(self.tr("Find"), page)
        find.clicked.connect(self.find)
        search.addWidget(self.query, 1)
        search.addWidget(find)
        self.hits = RecordsModel(
            [
                Col(self.tr("Name"), attrgetter("name")),
                Col(self.tr("Phone"), attrgetter("phone")),
                Col(self.tr("Card"), attrgetter("card")),
            ],
            self,
        )
        self.hits_view = _table(self.hits, page)
        self.hits_view.selectionModel().selectionChanged.connect(self._hit_chosen)
        left = QVBoxLayout()
        left.addLayout(search)
        left.addWidget(self.hits_view, 1)
        grid.addLayout(left, 0, 0, 2, 1)

        card = QGroupBox(self.tr("Customer"), page)
        info = QVBoxLayout(card)
        self.customer_label = QLabel(self.tr("Find a customer and choose them in the list."), card)
        self.customer_label.setObjectName("title")
        self.customer_label.setWordWrap(True)
        self.balance_label = QLabel(card)
        self.balance_label.setWordWrap(True)
        self.balance_label.setStyleSheet("font-size: 18px;")
        info.addWidget(self.customer_label)
        info.addWidget(self.balance_label)
        grid.addWidget(card, 0, 1)

        actions = QGroupBox(self.tr("Change"), page)
        form = QFormLayout(actions)
        # Labels above their fields: the fields keep the column's whole width at 1024 pixels.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.points = QSpinBox(actions)
        self.points.setRange(-1_000_000, 1_000_000)
        self.points.setValue(100)
        self.reason = QLineEdit(actions)
        self.reason.setPlaceholderText(self.tr("Why (required)"))
        self.adjust_button = QPushButton(self.tr("Add or remove points"), actions)
        self.adjust_button.clicked.connect(self.adjust)
        form.addRow(row_label(self.tr("Points (+ add, − remove)")), self.points)
        form.addRow(row_label(self.tr("Reason")), self.reason)
        form.addRow(self.adjust_button)
        form.addItem(QSpacerItem(0, 14))
        self.new_card = QLineEdit(actions)
        self.new_card.setPlaceholderText(self.tr("empty: next number"))
        self.new_card.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,20}"), self.new_card))
        self.replace_button = QPushButton(self.tr("Replace a lost card"), actions)
        self.replace_button.clicked.connect(self.replace)
        form.addRow(row_label(self.tr("New card number")), self.new_card)
        form.addRow(self.replace_button)
        self.block_button = QPushButton(self.tr("Block the card"), actions)
        self.block_button.clicked.connect(self.toggle_block)
        form.addRow(self.block_button)
        self.phone_qr_button = QPushButton(self.tr("QR for the customer's phone"), actions)
        self.phone_qr_button.setToolTip(
            self.tr("The customer scans it once with an authenticator app: its codes then confirm paying points")
        )
        self.phone_qr_button.clicked.connect(self.phone_setup)
        self.phone_qr_button.setVisible(self.s.confirm is not None)
        form.addRow(self.phone_qr_button)
        grid.addWidget(actions, 1, 1)

        self.qr = QLabel(page)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = QLabel(page)
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption.setWordWrap(True)
        self.qr_caption.setObjectName("title")
        qr_box = QVBoxLayout()
        qr_box.addWidget(self.qr)
        qr_box.addWidget(self.qr_caption)
        qr_box.addStretch(1)
        # Shown once a card has been replaced: until then the customer list gets the room.
        self.qr.hide()
        self.qr_caption.hide()
        grid.addLayout(qr_box, 0, 2, 2, 1)
        self.card_status = QLabel(page)
        self.card_status.setObjectName("status")
        self.card_status.setWordWrap(True)
        self.card_status.hide()
        grid.addWidget(self.card_status, 2, 0, 1, 3)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 4)
        grid.setColumnStretch(1, 4)
        self._card_grid = grid
        self._enable_card_actions()
        return page

    def scan(self, text: str) -> None:
        """A scanned card (wedge or camera) looks the customer up."""
        self.setCurrentIndex(0)
        self.query.setText(text.strip())
        self.find()

    @Slot()
    def find(self) -> None:
        """Look customers up by card, phone or name."""
        query = self.query.text().strip()
        if not query:
            return
        self.worker.run(ops.find_customers, self.s, query, on_done=self._found, on_error=self._card_failed)

    def _found(self, hits: list[CustomerHit]) -> None:
        self.hits.set_rows(hits)
        if len(hits) == 1:
            self.hits_view.selectRow(0)
        elif not hits:
            set_status(self.card_status, self.tr("Nobody found"), "warn")

    @Slot(QItemSelection, QItemSelection)
    def _hit_chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if not selected.indexes():
            return
        hit = self.hits.record(selected.indexes()[0].row())
        self.open_card(hit.card)

    def open_card(self, card: str) -> None:
        """Show a customer's balances and enable the card actions."""
        self.worker.run(ops.customer, self.s, card, on_done=self._show_customer, on_error=self._card_failed)

    def _show_customer(self, info: CustomerInfo) -> None:
        self.info = info
        self.customer_label.setText(f"{info.name} · {info.card}")
        lines = [
            self.tr("Tier: {tier}").format(tier=info.tier),
            self.tr("Available: {points}").format(points=i18n.points(info.available)),
            self.tr("Pending: {points}").format(points=i18n.points(info.pending)),
        ]
        if info.debt:
            lines.append(self.tr("Debt: {points}").format(points=i18n.points(info.debt)))
        if info.blocked:
            lines.append(self.tr("The card is BLOCKED"))
        self.balance_label.setText("\n".join(lines))
        self.block_button.setText(self.tr("Unblock the card") if info.blocked else self.tr("Block the card"))
        self._enable_card_actions()

    def _enable_card_actions(self) -> None:
        for button in (self.adjust_button, self.replace_button, self.block_button, self.phone_qr_button):
            button.setEnabled(self.info is not None)

    def _card_failed(self, error: BaseException) -> None:
        self._enable_card_actions()
        set_status(self.card_status, explain(error), "error")

    @Slot()
    def adjust(self) -> None:
        """Add or remove points with a reason (audited)."""
        if self.info is None:
            return
        points, reason = self.points.value(), self.reason.text().strip()
        if points == 0:
            set_status(self.card_status, self.tr("Enter the points to add (or, with a minus, to remove)"), "warn")
            return
        if not reason:
            set_status(self.card_status, self.tr("Say why the points are adjusted"), "warn")
            self.reason.setFocus()
            return
        info = self.info
        after = info.available + points
        if points < 0 and after < 0:
            # The core keeps debt for refunds of spent points and offline double spends only; no
            # program option lets a hand adjustment put a card below zero.
            set_status(
                self.card_status,
                self.tr(
                    "Cannot remove {points}: the card has {available}, and a balance cannot go below zero by hand."
                ).format(points=i18n.points(-points), available=i18n.points(info.available)),
                "error",
            )
            self.points.setFocus()
            return
        # The day's limit of hand adjustments (program `limits`): a warning is said in the question, a stop
        # refuses here, before anyone is asked.
        self.adjust_button.setEnabled(False)
        self.worker.run(
            self.s.customers.adjustment_warnings,
            points,
            self.s.manager,
            on_done=lambda warnings: self._ask_adjust(info, points, reason, warnings),
            on_error=self._adjust_refused,
        )

    def _adjust_refused(self, error: BaseException) -> None:
        self.adjust_button.setEnabled(True)
        set_status(self.card_status, explain(error), "error")

    def _ask_adjust(self, info: CustomerInfo, points: int, reason: str, warnings: Any) -> None:
        self.adjust_button.setEnabled(True)
        if self.info is None or self.info.card != info.card:
            return  # another card was opened meanwhile
        after = info.available + points
        question = (
            self.tr("Add {points} to card {card} ({name})?")
            if points > 0
            else self.tr("Remove {points} from card {card} ({name})?")
        ).format(points=i18n.points(abs(points)), card=info.card, name=info.name)
        question += "\n" + self.tr("Balance now: {now}. After: {after}.").format(
            now=i18n.points(info.available), after=i18n.points(after)
        )
        question += "\n" + self.tr("Reason: {reason}").format(reason=reason)
        for warning in warnings:
            question += "\n\n⚠ " + explain(warning)
        if warnings:
            set_status(self.card_status, "\n".join(explain(w) for w in warnings), "warn")
        if not Confirm(self, self.tr("Adjust points"), question).ask():
            set_status(self.card_status, self.tr("Nothing changed."), "info")
            return
        self.adjust_button.setEnabled(False)
        self.worker.run(
            ops.adjust_points,
            self.s,
            self.info.card,
            points,
            reason,
            on_done=self._adjusted,
            on_error=self._card_failed,
        )

    def _adjusted(self, info: CustomerInfo) -> None:
        self._show_customer(info)
        self.reason.clear()
        set_status(
            self.card_status, self.tr("Done. Balance: {points}").format(points=i18n.points(info.available)), "info"
        )
        self.load_audit()

    @Slot()
    def replace(self) -> None:
        """Move the account to a new card (the old one stops working) and show the new card's QR."""
        if self.info is None:
            return
        question = self.tr("Card {card} stops working and its points move to the new card. Go on?").format(
            card=self.info.card
        )
        if not Confirm(self, self.tr("Replace the card"), question).ask():
            return
        self.replace_button.setEnabled(False)
        self.worker.run(
            ops.replace_card,
            self.s,
            self.info.card,
            self.new_card.text().strip() or None,
            on_done=self._replaced,
            on_error=self._card_failed,
        )

    @Slot()
    def phone_setup(self) -> None:
        """Show the QR that sets the customer's phone up to confirm paying points (RFC 6238 codes, offline)."""
        if self.info is None or self.s.confirm is None:
            return
        card = self.info.card
        self.worker.run(
            self.s.confirm.totp_setup,
            card,
            on_done=lambda uri: self._show_phone_setup(card, uri),
            on_error=self._card_failed,
        )

    def _show_phone_setup(self, card: str, uri: str) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(ops.qr_png(uri), "PNG")
        self.qr.show()
        self.qr_caption.show()
        self._card_grid.setColumnStretch(2, 3)
        side = min(260, max(self.qr.width(), 180))
        self.qr.setPixmap(pixmap.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
        self.qr_caption.setText(self.tr("Phone setup for card {card}").format(card=card))
        set_status(
            self.card_status,
            self.tr(
                "The customer scans this QR once with an authenticator app; the 6 digits it shows then confirm"
                " paying with points, even without the network."
            ),
            "info",
        )

    def _replaced(self, result: CardReplaced) -> None:
        self.replaced = result
        self.new_card.clear()
        self.query.setText(result.info.card)  # the list shows the new card, not the one that stopped working
        self.find()
        self._show_customer(result.info)
        pixmap = QPixmap()
        pixmap.loadFromData(result.qr_png, "PNG")
        self.qr.show()
        self.qr_caption.show()
        self._card_grid.setColumnStretch(2, 3)
        side = min(260, max(self.qr.width(), 180))
        self.qr.setPixmap(pixmap.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
        self.qr_caption.setText(self.tr("New card {card}").format(card=result.info.card))
        set_status(
            self.card_status,
            self.tr("Card {old} replaced by {new}; the points moved with it.").format(
                old=result.old_card, new=result.info.card
            ),
            "info",
        )
        self.load_audit()

    @Slot()
    def toggle_block(self) -> None:
        """Block the card (refused at the till) or unblock it."""
        if self.info is None:
            return
        block = not self.info.blocked
        question = (
            self.tr("Block card {card}? It will be refused at the till.") if block else self.tr("Unblock card {card}?")
        ).format(card=self.info.card)
        if not Confirm(self, self.tr("Block or unblock"), question).ask():
            return
        self.block_button.setEnabled(False)
        self.worker.run(
            ops.block_card, self.s, self.info.card, block, on_done=self._blocked, on_error=self._card_failed
        )

    def _blocked(self, info: CustomerInfo) -> None:
        self._show_customer(info)
        text = self.tr("The card is blocked.") if info.blocked else self.tr("The card works again.")
        set_status(self.card_status, text, "info")
        self.load_audit()

    # ================================================================== cashiers

    def _cashiers_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.cashiers = RecordsModel(
            [
                Col(self.tr("Name"), attrgetter("name")),
                Col(self.tr("Role"), self._role_text),
                Col(self.tr("State"), self._active_text),
            ],
            self,
        )
        self.cashiers_view = _table(self.cashiers, page)
        self.cashiers_view.selectionModel().selectionChanged.connect(self._cashier_chosen)
        buttons = QHBoxLayout()
        add = QPushButton(self.tr("Add…"), page)
        add.clicked.connect(self.add_cashier)
        self.active_button = QPushButton(self.tr("Disable"), page)
        self.active_button.clicked.connect(self.toggle_active)
        self.pin_button = QPushButton(self.tr("New PIN…"), page)
        self.pin_button.clicked.connect(self.reset_pin)
        self.role_button = QPushButton(self.tr("Make manager"), page)
        self.role_button.clicked.connect(self.toggle_role)
        self.phone_button = QPushButton(self.tr("Own phone…"), page)
        self.phone_button.setToolTip(self.tr("The staff member's own phone: their card's use is watched"))
        self.phone_button.clicked.connect(self.staff_phone)
        for b in (add, self.active_button, self.pin_button, self.role_button, self.phone_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.cashier_status = QLabel(page)
        self.cashier_status.setObjectName("status")
        self.cashier_status.setWordWrap(True)
        self.cashier_status.hide()
        column.addWidget(self.cashiers_view, 1)
        column.addLayout(buttons)
        column.addWidget(self.cashier_status)
        self._cashier_buttons()
        return page

    def _role_text(self, c: Cashier) -> str:
        return self.tr("manager") if c.is_manager else self.tr("cashier")

    def _active_text(self, c: Cashier) -> str:
        return self.tr("works") if c.active else self.tr("disabled")

    def selected_cashier(self) -> Cashier | None:
        """The cashier chosen in the list."""
        index = self.cashiers_view.currentIndex()
        return self.cashiers.record(index.row()) if index.isValid() else None

    @Slot(QItemSelection, QItemSelection)
    def _cashier_chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._cashier_buttons()

    def _cashier_buttons(self) -> None:
        c = self.selected_cashier()
        for b in (self.active_button, self.pin_button, self.role_button, self.phone_button):
            b.setEnabled(c is not None)
        if c is not None:
            self.active_button.setText(self.tr("Disable") if c.active else self.tr("Enable"))
            self.role_button.setText(self.tr("Make cashier") if c.is_manager else self.tr("Make manager"))

    def _show_cashiers(self, result: list[Cashier] | Refused) -> None:
        if isinstance(result, Refused):
            set_status(self.cashier_status, staff_reason(result), "error")
            return
        chosen = self.selected_cashier()
        self.cashiers.set_rows(result)
        if chosen is not None:
            for i, c in enumerate(result):
                if c.id == chosen.id:
                    self.cashiers_view.selectRow(i)
        self._cashier_buttons()

    def _cashier_done(self, result: list[Cashier] | Refused) -> None:
        self._show_cashiers(result)
        if not isinstance(result, Refused):
            set_status(self.cashier_status, self.tr("Saved."), "info")
            self.load_audit()

    def _cashier_failed(self, error: BaseException) -> None:
        set_status(self.cashier_status, explain(error), "error")

    def _staff(self, action: str, *args: Any) -> None:
        self.worker.run(
            ops.staff_change, self.s, action, *args, on_done=self._cashier_done, on_error=self._cashier_failed
        )

    @Slot()
    def add_cashier(self) -> None:
        """Add a cashier or manager."""
        answer = CashierDialog(self).ask()
        if answer is not None:
            self._staff("add", *answer)

    @Slot()
    def toggle_active(self) -> None:
        """Disable the chosen cashier (they can no longer log in) or enable them again."""
        c = self.selected_cashier()
        if c is not None:
            self._staff("set_active", c.id, not c.active)

    @Slot()
    def reset_pin(self) -> None:
        """Give the chosen cashier a new PIN."""
        c = self.selected_cashier()
        if c is None:
            return
        pin = NewPinDialog(c.name, self).ask()
        if pin is not None:
            self._staff("reset_pin", c.id, pin)

    @Slot()
    def staff_phone(self) -> None:
        """Give the chosen staff member's own phone (fraud flags watch their card), or take it away."""
        c = self.selected_cashier()
        if c is not None:
            self.worker.run(
                self.s.staff.staff_phones,
                on_done=lambda phones: self._ask_staff_phone(c, phones.get(c.name, "")),
                on_error=self._cashier_failed,
            )

    def _ask_staff_phone(self, c: Cashier, phone: str) -> None:
        focus = QApplication.focusWidget()
        text, ok = QInputDialog.getText(
            self,
            self.tr("Own phone"),
            self.tr(
                "{name}'s own phone (empty: none). Their card's sales are watched in «Suspicious activity»."
            ).format(name=c.name),
            text=phone,
        )
        give_keyboard_back(self, focus)
        if ok:
            self.worker.run(
                self.s.staff.set_staff_phone,
                c.id,
                text.strip() or None,
                actor=self.s.manager,
                on_done=lambda _none: self.worker.run(
                    self.s.staff.staff_phones, on_done=lambda phones: self._staff_phone_saved(c, phones.get(c.name, ""))
                ),
                on_error=self._cashier_failed,
            )

    def _staff_phone_saved(self, c: Cashier, phone: str) -> None:
        # The phone as it was kept (normalised: +7…), read back.
        text = self.tr("{name}'s own phone: {phone}.") if phone else self.tr("{name} has no own phone given.")
        set_status(self.cashier_status, text.format(name=c.name, phone=phone), "info")
        self.load_audit()

    @Slot()
    def toggle_role(self) -> None:
        """Make the chosen cashier a manager, or a manager a cashier."""
        c = self.selected_cashier()
        if c is not None:
            self._staff("set_role", c.id, "cashier" if c.is_manager else "manager")

    # ================================================================== audit log

    def _audit_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        bar = QHBoxLayout()
        self.action_filter = QComboBox(page)
        self.action_filter.addItem(self.tr("All actions"), None)
        self.action_filter.currentIndexChanged.connect(self.load_audit)
        refresh = QPushButton(self.tr("Refresh"), page)
        refresh.clicked.connect(self.load_audit)
        export = QPushButton(self.tr("Save as CSV…"), page)
        export.clicked.connect(self.export_audit)
        bar.addWidget(QLabel(self.tr("Action:"), page))
        bar.addWidget(self.action_filter)
        bar.addWidget(refresh)
        bar.addStretch(1)
        bar.addWidget(export)
        self.audit = RecordsModel(
            [
                Col(self.tr("Time"), self._audit_time, key=attrgetter("at")),
                Col(self.tr("Who"), attrgetter("actor")),
                Col(self.tr("Action"), self._audit_action),
                Col(self.tr("Details"), self._audit_detail),
            ],
            self,
        )
        self.audit_view = _table(self.audit, page)
        self.audit_status = QLabel(page)
        self.audit_status.setObjectName("status")
        self.audit_status.setWordWrap(True)
        self.audit_status.hide()
        column.addLayout(bar)
        column.addWidget(self.audit_view, 1)
        column.addWidget(self.audit_status)
        return page

    def _audit_time(self, e: AuditEntry) -> str:
        local = from_ms(e.at).astimezone(self.zone)
        return local.strftime("%d.%m.%Y %H:%M:%S" if i18n.language() == "ru" else "%Y-%m-%d %H:%M:%S")

    def _audit_action(self, e: AuditEntry) -> str:
        return action_text(e.action)

    def _audit_detail(self, e: AuditEntry) -> str:
        return detail_text(e, self.zone)

    @Slot()
    def load_audit(self, *_args: Any) -> None:
        """Read the newest audit rows of the chosen action (all actions when none is chosen)."""
        # Read from the database for the action chosen: sales fill the newest rows of all actions.
        self._audit_asked += 1
        self.worker.run(
            ops.audit_log,
            self.s,
            self.action_filter.currentData(),
            on_done=functools.partial(self._show_audit, self._audit_asked),
            on_error=self._audit_failed,
        )

    def _show_audit(self, asked: int, rows: list[AuditEntry]) -> None:
        if asked != self._audit_asked:
            return  # the manager chose another action meanwhile
        self.audit_rows = tuple(rows)
        chosen = self.action_filter.currentData()
        self.action_filter.blockSignals(True)
        while self.action_filter.count() > 1:
            self.action_filter.removeItem(1)
        for action in sorted(set(ACTIONS) | {r.action for r in rows}, key=action_text):
            self.action_filter.addItem(action_text(action), action)
        index = self.action_filter.findData(chosen) if chosen is not None else 0
        self.action_filter.setCurrentIndex(max(index, 0))
        self.action_filter.blockSignals(False)
        self._filter_audit()

    @Slot()
    def _filter_audit(self, *_args: Any) -> None:
        self.audit.set_rows(self.filtered_audit())

    def filtered_audit(self) -> tuple[AuditEntry, ...]:
        """The audit rows of the chosen action (all when none is chosen)."""
        action = self.action_filter.currentData()
        return tuple(r for r in self.audit_rows if action is None or r.action == action)

    def set_action_filter(self, action: str | None) -> None:
        """Show only rows of one action (None: all), read again from the database."""
        self.action_filter.setCurrentIndex(max(self.action_filter.findData(action), 0) if action else 0)

    def _audit_failed(self, error: BaseException) -> None:
        set_status(self.audit_status, explain(error), "error")

    @Slot()
    def export_audit(self) -> None:
        """Save the rows shown as a CSV file in a folder the manager picks."""
        folder = ChooseFolder(self, self.tr("Folder for the audit log")).ask()
        if folder is None:
            return
        stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
        text = ops.audit_csv(self.filtered_audit(), self.zone, i18n.language())
        self.worker.run(
            ops.write_text,
            folder / f"audit_{stamp}.csv",
            text,
            on_done=self._audit_exported,
            on_error=self._audit_failed,
        )

    def _audit_exported(self, path: Any) -> None:
        self.last_export = path
        set_status(self.audit_status, self.tr("Saved: {path}").format(path=path), "info")
