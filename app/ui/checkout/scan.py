"""One handler for every scan (camera or keyboard wedge): classify, then act on the checkout."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from app.core.codes import classify, latin_layout
from app.core.identity import QR_PREFIX
from app.core.services.confirm import parse_totp_qr
from app.ui.checkout.controller import CheckoutController
from app.ui.fiscal_port import fiscal_qr_text
from app.ui.wording import explain


class ScanRouter(QObject):
    """Card: attach the customer; product: add it; coupon: apply it; receipt: ask for a refund; a fiscal
    register's receipt QR: hand it to the checkout (beside mode)."""

    receipt_scanned = Signal(int)
    fiscal_receipt_scanned = Signal(str)  # the QR of a fiscal register's receipt (beside mode)
    handled = Signal(str, str)  # kind, value

    def __init__(self, controller: CheckoutController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller

    @Slot(str)
    def handle(self, text: str) -> None:
        """Act on one scanned or typed code; an unknown or forged code changes nothing."""
        store = self._controller.store
        if store is None:
            self._controller.message.emit(self.tr("Still starting up: scan again in a moment"), "warn")
            return
        rotating = parse_totp_qr(text) or parse_totp_qr(latin_layout(text))
        if rotating is not None:
            # The customer's phone shows its rotating QR: the card, and their confirmation of paying points.
            self._controller.attach_rotating_qr(*rotating)
            self.handled.emit("card", rotating[0])
            return
        fiscal_qr = fiscal_qr_text(text)
        if fiscal_qr is not None:
            self.fiscal_receipt_scanned.emit(fiscal_qr)
            self.handled.emit("fiscal", fiscal_qr)
            return
        meaning = classify(text, store.secret, store.coupon_codes)
        if meaning.kind == "card":
            signed = latin_layout(text).strip().startswith(QR_PREFIX + ":")
            self._controller.attach_card(meaning.value, found_by="qr" if signed else "card")
        elif meaning.kind == "product":
            self._controller.add_code(meaning.value)
        elif meaning.kind == "coupon":
            self._controller.set_coupon(meaning.value)
        elif meaning.kind == "receipt":
            self.receipt_scanned.emit(int(meaning.value))
        else:
            self._controller.message.emit(explain(meaning.error or ""), "error")
        self.handled.emit(meaning.kind, meaning.value)
