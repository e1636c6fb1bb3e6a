"""The checkout's state and its round trips to the services, always through the worker.

Every change bumps a revision and asks for a new quote; an answer for an older revision
is dropped (and, if changes came in meanwhile, the newest basket is priced next), so the
screen never shows prices of a basket that no longer exists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar, cast

import shiboken6
from PySide6.QtCore import QObject, Signal

from app.core.identity import looks_like_phone
from app.core.pricing import LineIn
from app.core.refusals import Refusal
from app.core.services.results import CustomerInfo, SaleRequest, SaleResult
from app.core.services.support import SYSTEM
from app.ui.checkout.requote import Change, Priced, quote_checkout
from app.ui.checkout.state import Basket, Redeem, StoreInfo, TillServices, load_store
from app.ui.fiscal_port import is_unknown
from app.ui.wording import explain
from app.ui.worker import Worker

Method = TypeVar("Method", bound=Callable[..., None])


def _while_alive(method: Method) -> Method:
    """A worker answer for a checkout whose window has closed meanwhile is dropped, not emitted."""

    @functools.wraps(method)
    def guarded(self: QObject, *args: Any, **kwargs: Any) -> None:
        if shiboken6.isValid(self):
            method(self, *args, **kwargs)

    return cast(Method, guarded)


class CheckoutController(QObject):
    """One checkout: lines, customer, points, coupon and gift; priced on every change."""

    lines_changed = Signal()
    priced = Signal(object)  # SaleResult of the current basket, or None (empty or refused)
    customer_changed = Signal(object)  # CustomerInfo or None
    extras_changed = Signal()  # coupon, points or gift changed (by the cashier or a refusal)
    message = Signal(str, str)  # text, level: info | warn | error
    sold = Signal(object)  # the committed SaleResult
    fiscal_unknown = Signal(object)  # the register's answer was lost: the error, to be checked
    receipt_attached = Signal(int)  # beside mode: the register's receipt was recorded with this sale
    register_refused = Signal()  # the register refused a receipt: its state (paper, shift, drive) is worth a look
    store_loaded = Signal(object)  # StoreInfo
    unknown_card = Signal(str)  # a well-formed card number nobody holds: offer enrollment
    unknown_phone = Signal(str)  # a phone number nobody has: offer enrollment with it

    def __init__(self, services: TillServices, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.worker = worker
        self.basket = Basket()
        self.customer: CustomerInfo | None = None
        self.store: StoreInfo | None = None
        self.cashier: str | None = None  # who is signed in: their name goes on every sale
        self.result: SaleResult | None = None
        self.selling = False
        self._request: SaleRequest | None = None
        self._revision = 0
        self._priced_revision = -1
        self._in_flight = False
        self._change: Change = "lines"
        self._customer_seq = 0
        self.last_row = -1  # the line the cashier touched last: +/- and Del act on it
        # How the attached customer was found (the program's `confirm` policy asks), and a confirmation
        # ticket already made for that card (a scanned rotating QR, or the dialog before a cancelled payment).
        self.found_by = "card"
        self._found_by_next = "card"
        self.confirmed: tuple[str, str] | None = None  # (card, ticket)

    # ----------------------------------------------------------------- store

    def load_store(self) -> None:
        """Read the program, the QR secret and the categories."""
        self.worker.run(load_store, self.services, on_done=self._store_done, on_error=self._refused)

    @_while_alive
    def _store_done(self, store: StoreInfo) -> None:
        self.store = store
        self.store_loaded.emit(store)

    def reload_card_keys(self) -> None:
        """Read the card QR keys again (a sync may have brought the chain's rotated key), on the worker."""
        if self.store is not None:
            self.worker.run(self.services.store.card_keys, on_done=self._keys_done, on_error=self._refused)

    @_while_alive
    def _keys_done(self, keys: Any) -> None:
        if self.store is not None:
            self.store = replace(self.store, secret=keys)

    # ----------------------------------------------------------------- lines

    def add_code(self, code: str) -> None:
        """Add one unit of the product with this sku or barcode."""
        if self._blocked():
            return
        self.worker.run(self.services.catalog.resolve_line, code, 1, on_done=self.add_line, on_error=self._refused)

    @_while_alive
    def add_line(self, line: LineIn) -> None:
        """Add a resolved line (a product found, or a free-price item)."""
        if self._blocked():
            return
        self.last_row = self.basket.add(line)
        self._changed("lines")

    def change_qty(self, row: int, delta: int) -> None:
        """Raise or lower a line's quantity; lowering below 1 does nothing (Del removes)."""
        if 0 <= row < len(self.basket.lines):
            self.set_qty(row, self.basket.lines[row].qty + delta)

    def set_qty(self, row: int, qty: int) -> None:
        """Set a line's quantity."""
        if not self._blocked() and self.basket.set_qty(row, qty):
            self.last_row = row
            self._changed("lines")

    def remove(self, row: int) -> None:
        """Remove a line."""
        if not self._blocked() and self.basket.remove(row):
            self.last_row = min(row, len(self.basket.lines) - 1)
            self._changed("lines")

    def clear(self) -> None:
        """Start a new checkout: no lines, no customer, no extras."""
        self.basket.clear()
        self.last_row = -1
        self._customer_seq += 1  # a lookup still on its way must not attach anybody
        self.confirmed = None
        if self.customer is not None:
            self.customer = None
            self.customer_changed.emit(None)
        self.extras_changed.emit()
        self._changed("lines")

    # ----------------------------------------------------------------- customer

    def attach_card(self, card_or_phone: str, *, refresh: bool = False, found_by: str = "card") -> None:
        """Look the customer up and attach them (a card read again while attached does nothing).

        With refresh, the attached customer's figures are shown anew (after a refund or sync). found_by says
        how the cashier found them (card, qr, phone, name): paying points may then need their confirmation.
        """
        if self._blocked():
            return
        self._customer_seq += 1
        self._found_by_next = found_by if not refresh else self.found_by
        self.worker.run(
            self.services.customers.customer,
            card_or_phone,
            on_done=partial(self._customer_found, self._customer_seq, refresh),
            on_error=partial(self._customer_missing, self._customer_seq, card_or_phone),
        )

    def attach(self, info: CustomerInfo) -> None:
        """Attach a customer already looked up (after enrollment)."""
        self._customer_seq += 1
        self._found_by_next = "card"  # enrolled at the counter with the card in hand
        self._customer_found(self._customer_seq, False, info)

    @_while_alive
    def _customer_found(self, seq: int, refresh: bool, info: CustomerInfo) -> None:
        if seq != self._customer_seq or self.selling:
            return  # a newer lookup or a reset came after this one
        if self.customer is not None and self.customer.customer_id == info.customer_id:
            self.customer = info
            if refresh:
                self.customer_changed.emit(info)
            if self._found_by_next in ("card", "qr") and self.found_by not in ("card", "qr"):
                self.found_by = self._found_by_next  # found by phone, then the card shown: the card counts
                self._changed("card")
            return  # the same card held in view again: read once
        self.customer = info
        self.found_by = self._found_by_next
        self.confirmed = None
        self.basket.card = info.card
        self.basket.redeem = None
        self.basket.reward = None
        self.customer_changed.emit(info)
        self.extras_changed.emit()
        if info.blocked:
            self.message.emit(self.tr("This card is blocked: the sale goes without loyalty."), "error")
        self._changed("card")

    @_while_alive
    def _customer_missing(self, seq: int, code: str, error: BaseException) -> None:
        if seq != self._customer_seq:
            return
        self.message.emit(explain(error), "warn")
        # A replaced card is known: offering to enroll it would hide why it no longer works.
        if code.isdigit() and len(code) == 13 and getattr(error, "code", "") != "card_replaced":
            self.unknown_card.emit(code)
        elif looks_like_phone(code) and getattr(error, "code", "") == "no_customer":
            self.unknown_phone.emit(code)

    def detach_customer(self) -> None:
        """Sell without the customer."""
        self._customer_seq += 1
        self.confirmed = None
        if self.customer is None:
            return
        self.customer = None
        self.basket.card = None
        self.basket.redeem = None
        self.basket.reward = None
        self.customer_changed.emit(None)
        self.extras_changed.emit()
        self._changed("card")

    # ----------------------------------------------------------------- extras

    def set_redeem(self, redeem: Redeem) -> None:
        """Points to pay with: a number, "max", or None."""
        if redeem == 0:
            redeem = None
        if redeem != self.basket.redeem and not self._blocked():
            self.basket.redeem = redeem
            self._changed("redeem")

    def set_coupon(self, code: str | None) -> None:
        """Apply a coupon code (None removes it)."""
        code = code.strip().upper() if code and code.strip() else None
        if code != self.basket.coupon and not self._blocked():
            self.basket.coupon = code
            self.extras_changed.emit()
            self._changed("coupon")

    def set_reward(self, reward_id: str | None) -> None:
        """Give a gift for points (None: no gift)."""
        if reward_id != self.basket.reward and not self._blocked():
            self.basket.reward = reward_id
            self._changed("reward")

    # ----------------------------------------------------------------- pricing

    @property
    def revision(self) -> int:
        """Counts the basket's changes (a message older than the newest change is stale)."""
        return self._revision

    @property
    def fresh(self) -> bool:
        """True when result prices exactly the basket on screen."""
        return self.result is not None and self._priced_revision == self._revision

    @property
    def pricing(self) -> bool:
        """True while a quote of the current basket is on its way."""
        return self._in_flight or (bool(self.basket.lines) and self._priced_revision != self._revision)

    def _changed(self, what: Change) -> None:
        self._revision += 1
        self.result = None
        if what != "lines" or self._change == "lines":
            self._change = what
        self.lines_changed.emit()
        if not self._in_flight:
            self._submit()

    def _submit(self) -> None:
        if not self.basket.lines:
            self._priced_revision = self._revision
            self._request = None
            self.priced.emit(None)
            return
        req = replace(self.basket.request(cashier=self.cashier), found_by=self.found_by)
        change, self._change = self._change, "lines"
        self._in_flight = True
        rev = self._revision
        self.worker.run(
            quote_checkout,
            self.services.checkout,
            req,
            change,
            on_done=partial(self._quoted, rev),
            on_error=partial(self._quote_crashed, rev),
        )

    @_while_alive
    def _quoted(self, rev: int, priced: Priced) -> None:
        self._in_flight = False
        if rev != self._revision:
            self._submit()  # the basket changed meanwhile: price the newest one
            return
        self._priced_revision = rev
        if priced.dropped:
            self._adopt(priced)
        if priced.result is None:
            self.result = self._request = None
            self.message.emit(explain(priced.error) if priced.error else "", "error")
            self.priced.emit(None)
            return
        self.result = priced.result
        self._request = priced.request
        if priced.dropped and priced.reason:
            self.message.emit(self._dropped_text(priced), "warn")
        self.priced.emit(priced.result)

    def _adopt(self, priced: Priced) -> None:
        """Take over what the rules accepted, so the controls show what will really be sold."""
        req = priced.request
        self.basket.coupon, self.basket.reward = req.coupon, req.reward
        self.basket.redeem = cast(Redeem, req.redeem)  # priced requests carry a number, "max" or None
        if req.card is None and self.customer is not None:
            self.customer = None
            self.basket.card = None
            self.customer_changed.emit(None)
        self.extras_changed.emit()

    def _dropped_text(self, priced: Priced) -> str:
        what = {
            "coupon": self.tr("Coupon removed"),
            "reward": self.tr("Gift removed"),
            "redeem": self.tr("Points changed"),
            "card": self.tr("Card detached"),
        }[priced.dropped[0]]
        return f"{what}: {explain(priced.error)}" if priced.error else what

    @_while_alive
    def _quote_crashed(self, rev: int, error: BaseException) -> None:
        self._in_flight = False
        if rev != self._revision:
            self._submit()
            return
        self._priced_revision = rev
        self.result = None
        self.message.emit(explain(error), "error")
        self.priced.emit(None)

    # ----------------------------------------------------------------- sale

    @property
    def actor(self) -> str:
        """Who the till's sales and enrolments are audited under: the signed-in cashier.

        The app sells only after a login; a window without a session (tests, screenshots, benchmarks) acts as
        the system."""
        return self.cashier or SYSTEM

    @property
    def fiscal_driven(self) -> bool:
        """True when every sale is registered on a fiscal register the till drives."""
        fiscal = self.services.fiscal
        return fiscal is not None and fiscal.config.driven

    @property
    def fiscal_beside(self) -> bool:
        """True when the register stands beside the till (the cashier rings it; the till records its QR)."""
        fiscal = self.services.fiscal
        return fiscal is not None and fiscal.config.mode == "beside"

    def sell(self, payment: str, contact: str | None = None, fiscal_qr: str | None = None) -> bool:
        """Commit the priced checkout as shown; False (with a message) when it cannot be sold yet.

        With a driven register the receipt is registered first: a refusal writes nothing and keeps the
        basket for a retry; a lost answer keeps it too, until the register has been asked what it printed."""
        if self.selling:
            return False
        if not self.basket.lines:
            self.message.emit(explain(Refusal("basket_empty")), "warn")
            return False
        if not self.fresh or self.result is None or self._request is None:
            self.message.emit(self.tr("Still pricing, one moment…"), "warn")
            return False
        points = self.result.quote.redeemed_points
        req = replace(
            self._request, redeem=points or None, payment=payment, cashier=self.cashier, confirmed=self.ticket()
        )
        self.selling = True
        fiscal = self.services.fiscal
        if fiscal is not None and fiscal_qr is not None:
            # Beside mode: the register's receipt came first; the sale is written with it, totals cross-checked.
            self.worker.run(
                fiscal.sell_beside, req, fiscal_qr, actor=self.actor, on_done=self._sold, on_error=self._sell_refused
            )
            return True
        if fiscal is not None and fiscal.config.driven:
            self.worker.run(
                fiscal.sell, req, actor=self.actor, contact=contact, on_done=self._sold, on_error=self._sell_refused
            )
            return True
        self.worker.run(
            self.services.checkout.sell, req, actor=self.actor, on_done=self._sold, on_error=self._sell_refused
        )
        return True

    @_while_alive
    def _sold(self, result: SaleResult) -> None:
        self.selling = False
        self.sold.emit(result)
        self.clear()

    @_while_alive
    def _sell_refused(self, error: BaseException) -> None:
        if is_unknown(error):
            # The register may have printed it: the basket stays locked (selling) until the register has been
            # asked, so the same purchase cannot be rung twice; fiscal_settled() ends the wait.
            self.message.emit(explain(error), "warn")
            self.fiscal_unknown.emit(error)
            return
        self.selling = False
        if str(getattr(error, "code", "")).startswith("confirm_needed"):
            self.confirmed = None  # the ticket ran out: the cashier asks again
        self._changed("lines")  # priced again, so the cashier can pay once the disk has room
        self.message.emit(explain(error), "error")  # after the change: it is about this basket
        if str(getattr(error, "code", "")).startswith("fiscal_"):
            self.register_refused.emit()

    def fiscal_settled(self, sold: bool) -> None:
        """The register said what became of a receipt whose answer was lost: sold (the basket goes) or not."""
        if not self.selling:
            return
        self.selling = False
        if sold:
            self.clear()
        else:
            self._changed("lines")

    # ----------------------------------------------------------------- beside mode

    def attach_receipt(self, sale_id: int, qr: str) -> None:
        """Record the register's receipt with a sale already made (its total cross-checked), on the worker."""
        fiscal = self.services.fiscal
        if fiscal is None:
            return
        self.worker.run(
            fiscal.attach, sale_id, qr, actor=self.actor,
            on_done=lambda _r: self.receipt_attached.emit(sale_id), on_error=self._refused,
        )  # fmt: skip

    def earn_only(self, qr: str) -> None:
        """A loyalty sale from the register's receipt alone, for the customer on screen (they earn on it)."""
        fiscal = self.services.fiscal
        if fiscal is None or self.customer is None or self.selling:
            return
        self.selling = True
        self.worker.run(
            fiscal.earn_only, self.customer.card, qr, actor=self.actor, cashier=self.cashier,
            on_done=self._sold, on_error=self._sell_refused,
        )  # fmt: skip

    # ----------------------------------------------------------------- confirming points

    def ticket(self) -> str | None:
        """The confirmation ticket made for the attached card, if any."""
        if self.confirmed is not None and self.basket.card == self.confirmed[0]:
            return self.confirmed[1]
        return None

    @property
    def needs_confirmation(self) -> bool:
        """True when the priced sale pays points that need the customer's confirmation not yet given."""
        return self.fresh and self.result is not None and self.result.confirm is not None and self.ticket() is None

    def set_ticket(self, card: str, ticket: str) -> None:
        """Keep a confirmation made for `card` until the sale (or the customer changes)."""
        self.confirmed = (card, ticket)

    def attach_rotating_qr(self, card: str, code: str) -> None:
        """The rotating QR of the customer's phone scanned: attach the card and confirm paying points at once."""
        if self._blocked():
            return
        self.attach_card(card, found_by="qr")
        confirm = self.services.confirm
        if confirm is None:
            return
        # Queued after the lookup on the one worker: the customer is attached before the ticket arrives.
        self.worker.run(
            confirm.confirm_totp,
            card,
            code,
            actor=self.actor,
            on_done=partial(self._pre_confirmed, card),
            on_error=self._pre_confirm_failed,
        )

    @_while_alive
    def _pre_confirmed(self, card: str, ticket: str) -> None:
        if self.basket.card == card:
            self.set_ticket(card, ticket)
            self.message.emit(self.tr("The customer's phone confirms paying with points."), "info")

    @_while_alive
    def _pre_confirm_failed(self, error: BaseException) -> None:
        self.message.emit(explain(error), "warn")

    # ----------------------------------------------------------------- helpers

    def _blocked(self) -> bool:
        if self.selling:
            self.message.emit(self.tr("Saving the sale, one moment…"), "warn")
        return self.selling

    @_while_alive
    def _refused(self, error: BaseException) -> None:
        self.message.emit(explain(error), "error")
