"""The checkout screen: product search and basket on the left, the customer and discounts on the right."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.core.codes import classify, latin_layout
from app.core.identity import QR_PREFIX, looks_like_phone
from app.core.refusals import Refusal
from app.core.services.confirm import parse_totp_qr
from app.core.services.results import CustomerInfo, SaleResult
from app.ui import i18n, theme
from app.ui.camera import CameraPreview
from app.ui.checkout.basket_model import BasketModel
from app.ui.checkout.basket_view import BasketView
from app.ui.checkout.beside import BesidePanel, register_discount
from app.ui.checkout.controller import CheckoutController
from app.ui.checkout.customer_panel import CustomerPanel
from app.ui.checkout.extras import ExtrasBar
from app.ui.checkout.free_item_dialog import FreeItemDialog
from app.ui.checkout.pay_dialog import PayDialog
from app.ui.checkout.scan import ScanRouter
from app.ui.checkout.state import StoreInfo
from app.ui.checkout.totals import TotalsPanel
from app.ui.checkout.typeahead import TypeAheadField
from app.ui.confirm_dialog import ConfirmSpendDialog
from app.ui.enroll_dialog import EnrollDialog
from app.ui.wording import explain
from app.ui.worker import Worker


def describe_product(product: dict[str, Any]) -> str:
    """A product suggestion: name and price."""
    return f"{product['name']} — {i18n.money(product['price'])}"


def describe_customer(customer: dict[str, Any]) -> str:
    """A customer suggestion: name, masked phone, card."""
    return f"{customer['name']} · {customer['phone']} · {customer['card']}"


class ConfirmDialog(QMessageBox):
    """A yes/no question; Enter answers yes, Esc no."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setText(text)
        self.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        self.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.setEscapeButton(QMessageBox.StandardButton.No)

    def ask(self) -> bool:
        """True when the cashier said yes."""
        return self.exec() == QMessageBox.StandardButton.Yes


class CheckoutScreen(QWidget):
    """Everything a loyalty checkout needs on one screen, driven by keyboard, scanner or touch."""

    ready = Signal()
    sale_committed = Signal(object)  # SaleResult
    refund_requested = Signal(int)
    fiscal_check_requested = Signal()  # the register's answer was lost: ask it what it printed

    def __init__(self, controller: CheckoutController, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.worker = worker
        services = controller.services
        self.router = ScanRouter(controller, self)
        self.model = BasketModel()
        self._unknown_card: str | None = None
        self._unknown_phone: str | None = None  # looked up and not found: F4 enrolls with it
        self._message_revision = 0  # the basket's revision when the status line was last written
        self._pay_when_priced = False
        # Set by the session (None: no staff are plugged in, as in a bare checkout); a sale
        # outside any shift would be missing from every shift's takings.
        self.shift_open: bool | None = None

        # Left: product field, basket, totals.
        self.product_field = TypeAheadField(
            worker, partial(services.catalog.catalog, limit=20), describe_product, min_chars=2, basket_keys=True
        )
        self.product_field.setPlaceholderText(self.tr("Scan, or type a product name or code (F3)"))
        self.free_button = QPushButton(self.tr("Free price (F8)"))
        self.basket = BasketView(self.model)
        self.totals = TotalsPanel()
        self.pay_button = QPushButton(self.tr("Pay (F12)"))
        self.pay_button.setObjectName("pay")
        self.pay_button.setAutoDefault(True)  # Enter on the focused button pays
        self.pay_button.setEnabled(False)

        top_left = QHBoxLayout()
        top_left.addWidget(self.product_field, 1)
        top_left.addWidget(self.free_button)
        # The camera picture sits under the basket, which scrolls, so the customer side never shrinks.
        self.preview = CameraPreview()
        self.preview.setFixedSize(theme.scaled(256), theme.scaled(144))
        preview_hint = QLabel(self.tr("Hold the card's QR code or the product's barcode to the camera (F10: off)"))
        preview_hint.setObjectName("muted")
        preview_hint.setWordWrap(True)
        self.camera_row = QWidget()
        camera_layout = QHBoxLayout(self.camera_row)
        camera_layout.setContentsMargins(0, 0, 0, 0)
        camera_layout.addWidget(preview_hint, 1)
        camera_layout.addWidget(self.preview)
        self.camera_row.hide()
        left = QVBoxLayout()
        left.addLayout(top_left)
        left.addWidget(self.basket, 1)
        left.addWidget(self.camera_row)
        left.addWidget(self.totals)
        self.beside = BesidePanel()
        self.beside.hide()
        left.addWidget(self.beside)
        self.awaiting_receipt: int | None = None  # beside mode: the last sale, until its register receipt is scanned

        # Right: customer field, customer panel, points/coupon/gift, camera preview, pay.
        self.customer_field = TypeAheadField(worker, services.customers.find_customers, describe_customer, min_chars=2)
        self.customer_field.setPlaceholderText(self.tr("Card, phone, name"))
        self.enroll_button = QPushButton(self.tr("New (F4)"))
        self.customer_panel = CustomerPanel()
        self.extras = ExtrasBar()
        top_right = QHBoxLayout()
        top_right.addWidget(self.customer_field, 1)
        top_right.addWidget(self.enroll_button)
        right_column = QWidget()
        # The customer side keeps a readable width; the basket takes whatever is left.
        right_column.setMinimumWidth(theme.scaled(330))
        right_column.setMaximumWidth(theme.scaled(420))
        right = QVBoxLayout(right_column)
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(top_right)
        right.addWidget(self.customer_panel, 1)
        right.addWidget(self.extras)
        right.addWidget(self.pay_button)

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(right_column, 0)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(theme.scaled(34))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.addLayout(columns, 1)
        layout.addWidget(self.status)
        self.show_message(self.tr("Ready. Scan a product or the customer's card."), "info")

        self._connect()
        self.product_field.setFocus()

    def _connect(self) -> None:
        c = self.controller
        c.lines_changed.connect(self._lines_changed)
        c.priced.connect(self._priced)
        c.customer_changed.connect(self._customer_changed)
        c.extras_changed.connect(self._refresh_extras)
        c.message.connect(self.show_message)
        c.sold.connect(self._sold)
        c.store_loaded.connect(self._store_loaded)
        c.unknown_card.connect(self._remember_unknown_card)
        c.unknown_phone.connect(self._remember_unknown_phone)
        self.router.receipt_scanned.connect(self.refund_requested)
        self.router.fiscal_receipt_scanned.connect(self.fiscal_receipt)
        c.receipt_attached.connect(self._receipt_attached)
        c.fiscal_unknown.connect(self._fiscal_unknown)
        self.product_field.picked.connect(self._product_picked)
        self.product_field.submitted.connect(self._product_submitted)
        self.product_field.basket_key.connect(self.basket_key)
        self.product_field.escaped.connect(self.escape)
        self.basket.basket_key.connect(self.basket_key)
        self.customer_field.picked.connect(self._customer_picked)
        self.customer_field.suggestions_shown.connect(self._customers_found)
        self.customer_field.submitted.connect(self._customer_submitted)
        self.customer_field.escaped.connect(self.focus_products)
        self.customer_panel.coupon_clicked.connect(self._coupon_from_panel)
        self.customer_panel.detach_clicked.connect(c.detach_customer)
        self.extras.redeem_changed.connect(c.set_redeem)
        self.extras.coupon_entered.connect(self._coupon_entered)
        self.extras.reward_chosen.connect(self._reward_chosen)
        self.free_button.clicked.connect(self.free_item)
        self.enroll_button.clicked.connect(self.enroll)
        self.pay_button.clicked.connect(self.pay)

    # ----------------------------------------------------------------- controller → screen

    @Slot(str, str)
    def show_message(self, text: str, level: str = "info") -> None:
        """Show a message in the status area (info, warn or error)."""
        self.status.setText(text)
        self.status.setProperty("level", level)
        self._message_revision = self.controller.revision
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    @Slot()
    def _lines_changed(self) -> None:
        self.model.set_lines(self.controller.basket.lines)
        self.basket.select_row(self.controller.last_row)
        self.totals.set_pending(bool(self.controller.basket.lines))
        self.pay_button.setEnabled(False)

    @Slot(object)
    def _priced(self, result: SaleResult | None) -> None:
        quote = result.quote if result is not None else None
        self.model.set_quote(quote)
        self.basket.select_row(self.controller.last_row)
        self.totals.show_quote(quote, with_card=self.controller.customer is not None)
        self.beside.show_quote(quote)
        self._refresh_extras()
        self.pay_button.setEnabled(result is not None)
        stale = self.status.property("level") in ("error", "warn") and self._message_revision < self.controller.revision
        if result is not None and stale:
            # The basket changed since that refusal or warning and now prices: it no longer applies.
            self.show_message(self.tr("To pay: {total}").format(total=i18n.money(result.quote.total)), "info")
        if result is not None:
            self._show_limits(result)
        if self._pay_when_priced:
            self._pay_when_priced = False
            if result is not None:
                QTimer.singleShot(0, self.pay)  # not from inside the worker's callback

    def _show_limits(self, result: SaleResult) -> None:
        """Soft daily limits passed, and a payment in points that needs the customer's confirmation: said before
        anyone pays (hard limits refuse the quote and are shown like any refusal)."""
        texts = [explain(w) for w in result.warnings]
        if result.confirm is not None and self.controller.ticket() is None:
            points = result.quote.redeemed_points + result.quote.reward_points
            texts.append(explain(Refusal(f"confirm_needed_{result.confirm}", {"card": result.card, "points": points})))
        if texts:
            self.show_message("\n".join(texts), "warn" if result.warnings else "info")

    @Slot(object)
    def _customer_changed(self, info: CustomerInfo | None) -> None:
        self.customer_panel.show_customer(info)
        if info is not None:
            self._unknown_card = self._unknown_phone = None
            self.show_message(self.tr("Customer: {name}").format(name=info.name), "info")
        self._refresh_extras()

    @Slot()
    def _refresh_extras(self) -> None:
        c = self.controller
        self.extras.update_from(c.basket, c.customer, c.result if c.fresh else None)

    @Slot(object)
    def _store_loaded(self, store: StoreInfo) -> None:
        self.extras.set_rewards(store.rewards)
        self._refresh_extras()
        self.ready.emit()

    @Slot(object)
    def _sold(self, result: SaleResult) -> None:
        q = result.quote
        text = self.tr("Sale {id} saved: paid {paid}.").format(id=result.sale_id, paid=i18n.money(q.total))
        if result.card is not None:
            text += " " + self.tr("Earned {points}, balance {balance}.").format(
                points=i18n.points(q.earned), balance=i18n.points(result.balance or 0)
            )
        fiscal = self.controller.services.fiscal
        printed = fiscal.registered.pop(result.sale_id, None) if fiscal is not None else None
        if printed is not None:
            text += " " + self.tr("Fiscal receipt No. {n} printed.").format(n=printed.get("document_number"))
        elif self.controller.fiscal_beside:
            attached = fiscal.attached.pop(result.sale_id, False) if fiscal is not None else False
            if attached:
                text += " " + self.tr("The register's receipt is recorded with it.")
                self.awaiting_receipt = None
            else:
                text += " " + self.tr("Now scan the register receipt's QR code.")
                self.awaiting_receipt = result.sale_id
        self.show_message(text, "info")
        self.sale_committed.emit(result)
        self.focus_products()

    @Slot(str)
    def _remember_unknown_phone(self, phone: str) -> None:
        self._unknown_phone = phone
        self.show_message(
            self.tr("No customer has the phone {phone}: press F4 to enroll one with it.").format(phone=phone), "warn"
        )

    @Slot(str)
    def _remember_unknown_card(self, card: str) -> None:
        self._unknown_card = card
        self.show_message(
            self.tr("Card {card} is not enrolled yet: press F4 to enroll the customer with it.").format(card=card),
            "warn",
        )

    # ----------------------------------------------------------------- cashier → controller

    @Slot(int)
    def basket_key(self, key: int) -> None:
        """+ and - change the quantity of the selected (or last touched) line, Del removes it."""
        row = self.basket.current_row()
        if row < 0 or row >= self.model.line_count():
            row = self.controller.last_row
        if row < 0:
            return
        if key == Qt.Key.Key_Plus:
            self.controller.change_qty(row, 1)
        elif key == Qt.Key.Key_Minus:
            self.controller.change_qty(row, -1)
        elif key == Qt.Key.Key_Delete:
            self.controller.remove(row)

    @Slot(object)
    def _product_picked(self, product: dict[str, Any]) -> None:
        self.controller.add_code(str(product["sku"]))

    @Slot(str)
    def _product_submitted(self, text: str) -> None:
        if not text:
            if self.controller.basket.lines:
                self.pay()
            return
        store = self.controller.store
        rotating = parse_totp_qr(text) or parse_totp_qr(latin_layout(text))
        if rotating is not None or (
            store is not None and classify(text, store.secret, store.coupon_codes).kind != "unknown"
        ):
            self.product_field.clear()
            self.router.handle(text)
            return
        self.worker.run(
            self.controller.services.catalog.catalog, text, 20, on_done=partial(self._product_results, text)
        )

    def _product_results(self, text: str, products: list[dict[str, Any]], typed: str | None = None) -> None:
        if self.product_field.text().strip() != (typed or text):
            return  # the cashier typed on meanwhile
        if len(products) == 1:
            self.product_field.clear()
            self.product_field.hide_suggestions()
            self.controller.add_code(str(products[0]["sku"]))
        elif products:
            self.product_field.show_suggestions(products)
        elif typed is None and latin_layout(text) != text:
            # "СФЗ" is "CAP" typed (or scanned) with the Russian layout on: look for that too.
            latin = latin_layout(text)
            self.worker.run(
                self.controller.services.catalog.catalog,
                latin,
                20,
                on_done=partial(self._product_results, latin, typed=text),
            )
        else:
            self.show_message(self.tr("Nothing found for “{text}”").format(text=typed or text), "warn")

    @Slot(object)
    def _customer_picked(self, customer: dict[str, Any]) -> None:
        # Picked from a phone or name search: not the card in hand (paying points may need a confirmation).
        typed = self.customer_field.text()
        found_by = "phone" if sum(ch.isdigit() for ch in typed) >= 4 else "name"
        self.controller.attach_card(str(customer["card"]), found_by=found_by)
        self.focus_products()

    @Slot(str)
    def _customer_submitted(self, text: str) -> None:
        if not text:
            self.focus_products()
            return
        store = self.controller.store
        meaning = classify(text, store.secret, ()) if store is not None else None
        rotating = parse_totp_qr(text) or parse_totp_qr(latin_layout(text))
        if rotating is not None:
            self.customer_field.clear()
            self.controller.attach_rotating_qr(*rotating)
            self.focus_products()
        elif meaning is not None and meaning.kind == "card":
            self.customer_field.clear()
            signed = latin_layout(text).strip().startswith(QR_PREFIX + ":")
            self.controller.attach_card(meaning.value, found_by="qr" if signed else "card")
            self.focus_products()
        elif looks_like_phone(text):
            self.customer_field.clear()
            self.controller.attach_card(text, found_by="phone")
            self.focus_products()
        elif meaning is not None and meaning.error and text.isdigit() and len(text) == 13:
            self.show_message(explain(meaning.error), "error")
        else:
            self.customer_field.search_now()

    @Slot(int)
    def _customers_found(self, count: int) -> None:
        if count == 0 and self.customer_field.hasFocus():
            text = self.customer_field.text().strip()
            self.show_message(self.tr("No customer found for “{text}”").format(text=text), "warn")

    @Slot(str)
    def _coupon_from_panel(self, code: str) -> None:
        self.controller.set_coupon(code)

    @Slot(object)
    def _coupon_entered(self, code: str | None) -> None:
        store = self.controller.store
        if code and store is not None:
            meaning = classify(code, store.secret, store.coupon_codes)  # also typed in the Russian layout
            if meaning.kind == "coupon":
                code = meaning.value
        self.controller.set_coupon(code)
        if code:
            self.focus_products()

    @Slot(object)
    def _reward_chosen(self, reward_id: str | None) -> None:
        self.controller.set_reward(reward_id)
        self.focus_products()

    # ----------------------------------------------------------------- actions (keys and buttons)

    @Slot()
    def focus_products(self) -> None:
        """F3: the cursor to the product field (the window takes the keyboard back from a closed dialog)."""
        if not self.window().isActiveWindow():
            self.window().activateWindow()
        self.customer_field.hide_suggestions()
        self.product_field.setFocus()
        self.product_field.selectAll()

    @Slot()
    def focus_customer(self) -> None:
        """F2: the cursor to the customer field."""
        self.product_field.hide_suggestions()
        self.customer_field.setFocus()
        self.customer_field.selectAll()

    @Slot()
    def redeem(self) -> None:
        """F5: pay with the most points allowed; the points field takes the cursor to type fewer."""
        if self.controller.customer is None:
            self.show_message(self.tr("Paying with points needs the customer's card (F2 or scan)"), "warn")
            return
        self.extras.redeem_max()

    @Slot()
    def coupon(self) -> None:
        """F6: the cursor to the coupon field."""
        self.extras.focus_coupon()

    @Slot()
    def gift(self) -> None:
        """F7: open the gift list."""
        if self.controller.customer is None:
            self.show_message(self.tr("A gift needs the customer's card (F2 or scan)"), "warn")
            return
        self.extras.open_gifts()

    @Slot()
    def free_item(self) -> None:
        """F8: add a free-price item."""
        store = self.controller.store
        dialog = FreeItemDialog(store.categories if store else (), self)
        line = dialog.ask()
        dialog.deleteLater()
        if line is not None:
            self.controller.add_line(line)
        self.focus_products()

    @Slot()
    def enroll(self) -> None:
        """F4: enroll a new customer (with the unknown card just scanned, if any) and attach them."""
        c = self.controller
        dialog = EnrollDialog(
            c.services.customers, self.worker, self._unknown_card, self, phone=self._unknown_phone, actor=c.actor
        )
        dialog.enrolled.connect(self._enrolled)
        dialog.ask()
        dialog.deleteLater()
        self.focus_products()

    @Slot(object)
    def _enrolled(self, result: Any) -> None:
        self._unknown_card = self._unknown_phone = None
        self.controller.attach_card(result.card)

    @Slot()
    def pay(self) -> None:
        """F12: take the payment and commit the sale."""
        c = self.controller
        if c.selling:
            return
        if not c.basket.lines:
            self.show_message(self.tr("The basket is empty"), "warn")
            return
        if self.shift_open is False:
            self.show_message(self.tr("No shift is open: open one (Manager › Shift…), then pay"), "warn")
            return
        if c.pricing:
            self._pay_when_priced = True  # pay as soon as the newest basket is priced
            return
        if not c.fresh or c.result is None:
            self.show_message(self.tr("This basket cannot be sold: see the message above"), "error")
            return
        if c.needs_confirmation and not self._confirm_points():
            self.focus_products()
            return
        method, contact = self.ask_payment(c.result.quote)
        if method is not None:
            c.sell(method, contact)
        self.focus_products()

    def _confirm_points(self) -> bool:
        """The customer (or a manager) confirms paying points; False (nothing written) when cancelled."""
        c = self.controller
        result, confirm = c.result, c.services.confirm
        if result is None or result.card is None:
            return False
        if confirm is None:
            self.show_message(explain(Refusal("confirm_needed")), "error")
            return False
        points = result.quote.redeemed_points + result.quote.reward_points
        dialog = ConfirmSpendDialog(
            confirm, self.worker, result.card, points, result.confirm or "always", c.actor, self
        )
        ticket = dialog.ask()
        dialog.deleteLater()
        if ticket is None:
            self.show_message(self.tr("Not confirmed: nothing was paid. Pay without points, or confirm again."), "warn")
            return False
        c.set_ticket(result.card, ticket)
        self.show_message(self.tr("Confirmed: paying with points."), "info")
        return True

    def ask_payment(self, quote: Any) -> tuple[str | None, str | None]:
        """The pay dialog: the method (None: back) and, with a driven register, the buyer's contact."""
        c = self.controller
        dialog = PayDialog(quote.total, self, fiscal=c.fiscal_driven)
        if c.fiscal_beside:
            dialog.set_note(
                self.tr("Key into the register: discount {discount}, collect {total}.").format(
                    discount=i18n.money(register_discount(quote)), total=i18n.money(quote.total)
                )
            )
        method = dialog.ask()
        contact = dialog.buyer_contact()
        dialog.deleteLater()
        return method, contact

    def set_fiscal_mode(self) -> None:
        """The register's mode changed (loaded at start, or saved in Settings): show the beside panel or not."""
        self.beside.setVisible(self.controller.fiscal_beside)
        if not self.controller.fiscal_beside:
            self.awaiting_receipt = None

    # ----------------------------------------------------------------- beside mode: the register's receipt

    @Slot(str)
    def fiscal_receipt(self, qr: str) -> None:
        """The register receipt's QR: sells the basket with it, records it with the last sale, or earns on it.

        With lines in the basket the sale is made with the receipt (its total must be the basket's); with an
        empty basket it is recorded with the sale just made without one; with neither, the customer on
        screen earns on the receipt's total (an earn-only sale)."""
        c = self.controller
        if not c.fiscal_beside:
            self.show_message(self.tr("This is a fiscal receipt's QR code, but no register is set beside the till"
                                      " (Manager › Settings… › Fiscal register)"), "warn")  # fmt: skip
            return
        if c.selling:
            return
        if c.basket.lines:
            if self.shift_open is False:
                self.show_message(self.tr("No shift is open: open one (Manager › Shift…), then pay"), "warn")
                return
            if not c.fresh or c.result is None:
                self.show_message(self.tr("Still pricing, one moment…"), "warn")
                return
            if c.needs_confirmation and not self._confirm_points():
                self.focus_products()
                return
            method, _contact = self.ask_payment(c.result.quote)
            if method is not None:
                c.sell(method, fiscal_qr=qr)
            self.focus_products()
            return
        if self.awaiting_receipt is not None:
            c.attach_receipt(self.awaiting_receipt, qr)
            return
        if c.customer is None:
            self.show_message(
                self.tr("Find the customer first (F2), then scan the register's receipt to add points for it"), "warn"
            )
            return
        c.earn_only(qr)

    @Slot(int)
    def _receipt_attached(self, sale_id: int) -> None:
        self.awaiting_receipt = None
        self.show_message(self.tr("The register's receipt is recorded with sale {id}.").format(id=sale_id), "info")

    @Slot(object)
    def _fiscal_unknown(self, _error: object) -> None:
        self.fiscal_check_requested.emit()

    @Slot()
    def escape(self) -> None:
        """Esc: close what is open; on a busy checkout, ask and then start over."""
        c = self.controller
        if not c.basket.lines and c.customer is None and c.basket.coupon is None:
            self.focus_products()
            return
        dialog = ConfirmDialog(self.tr("Clear this checkout and start over?"), self)
        clear = dialog.ask()
        dialog.deleteLater()
        if clear:
            c.clear()
            self.show_message(self.tr("Checkout cleared."), "info")
        self.focus_products()

    def set_camera_preview(self, on: bool) -> None:
        """Show or hide the camera picture."""
        self.camera_row.setVisible(on)
        if not on:
            self.preview.clear()
