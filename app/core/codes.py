"""What a scanned or typed code means, decided in one place (cashier app, CLI and tests)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from app.core.errors import LoyaltyError
from app.core.identity import CARD_PREFIX, QR_PREFIX, ascii_digits, gtin_valid, parse_card_qr, to_gtin13
from app.core.refusals import Refusal

Kind = Literal["card", "product", "coupon", "receipt", "unknown"]
RECEIPT = re.compile(r"^R(\d{1,12})$")


@dataclass(frozen=True)
class ScanMeaning:
    """A classified code: kind, the value to act on, and why it was refused (kind 'unknown')."""

    kind: Kind
    value: str
    error: Refusal | None = None


def receipt_barcode(sale_id: int) -> str:
    """The text of the barcode printed on a receipt, which finds the sale for a refund."""
    return f"R{sale_id:06d}"


def classify(text: str, secret: bytes, coupon_codes: Collection[str] = ()) -> ScanMeaning:
    """Classify a code: signed card QR, card number, receipt, coupon, product barcode, or refused."""
    code = text.strip()
    if not code:
        return ScanMeaning("unknown", "", Refusal("empty_scan"))
    if code.startswith(QR_PREFIX + ":"):
        try:
            return ScanMeaning("card", parse_card_qr(secret, code))
        except LoyaltyError as exc:
            return ScanMeaning("unknown", code, Refusal(exc.code, exc.params))
    match = RECEIPT.match(code)
    if match:
        return ScanMeaning("receipt", str(int(match.group(1))))
    if ascii_digits(code) and len(code) == 13 and code.startswith(CARD_PREFIX):
        if not gtin_valid(code):
            return ScanMeaning("unknown", code, Refusal("card_check_digit", {"card": code}))
        return ScanMeaning("card", code)
    if code.upper() in {c.upper() for c in coupon_codes}:
        return ScanMeaning("coupon", code.upper())
    if ascii_digits(code) and len(code) in (8, 12, 13):
        if not gtin_valid(code):
            return ScanMeaning("unknown", code, Refusal("barcode_check_digit", {"code": code}))
        return ScanMeaning("product", to_gtin13(code))
    return ScanMeaning("unknown", code, Refusal("unknown_code", {"code": code}))
