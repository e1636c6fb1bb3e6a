"""What a scanned or typed code means, decided in one place (cashier app, CLI and tests)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from app.core.errors import LoyaltyError
from app.core.identity import CARD_PREFIX, QR_PREFIX, Keys, ascii_digits, gtin_valid, parse_card_qr, to_gtin13
from app.core.refusals import Refusal

Kind = Literal["card", "product", "coupon", "receipt", "unknown"]
RECEIPT = re.compile(r"^R(\d{1,12})$")

# A keyboard-wedge scanner "presses keys": with the Russian layout active, the keys of "LT1:" arrive
# as "ДЕ1Ж". Each Cyrillic letter (and the punctuation on the letter keys) back to the Latin
# character on the same key of a US keyboard; digits are the same in both layouts.
_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
_US = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RU_SHIFTED = "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ№"
_US_SHIFTED = 'QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>~#'
_LATIN_KEYS = str.maketrans(_RU + _RU_SHIFTED, _US + _US_SHIFTED)


@dataclass(frozen=True)
class ScanMeaning:
    """A classified code: kind, the value to act on, and why it was refused (kind 'unknown')."""

    kind: Kind
    value: str
    error: Refusal | None = None


def receipt_barcode(sale_id: int) -> str:
    """The text of the barcode printed on a receipt, which finds the sale for a refund."""
    return f"R{sale_id:06d}"


def latin_layout(text: str) -> str:
    """The text a scanner meant when it typed with the Russian layout active ("СФЗ" → "CAP")."""
    return text.translate(_LATIN_KEYS)


def classify(text: str, secret: Keys, coupon_codes: Collection[str] = ()) -> ScanMeaning:
    """Classify a code: signed card QR, card number, receipt, coupon, product barcode, or refused.

    A code typed in the Russian layout means what its keys mean in the Latin one.
    """
    meaning = _classify(text, secret, coupon_codes)
    latin = latin_layout(text)
    if meaning.kind == "unknown" and latin != text:
        typed_in_russian = _classify(latin, secret, coupon_codes)
        if typed_in_russian.kind != "unknown" or latin.strip().startswith(QR_PREFIX + ":"):
            return typed_in_russian
    return meaning


def _classify(text: str, secret: Keys, coupon_codes: Collection[str]) -> ScanMeaning:
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
