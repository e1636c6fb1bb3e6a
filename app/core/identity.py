"""Card numbers with a check digit, signed card QR payloads, Russian phone numbers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.errors import LoyaltyError

CARD_PREFIX = "299"  # GS1 restricted-circulation range: never a retail product's barcode
QR_PREFIX = "LT1"
_CODE = re.compile(r"^[A-Za-z0-9\-]{1,32}$")


def ean_check_digit(body: str) -> str:
    """The GS1 check digit for a string of digits (EAN-8/EAN-13/UPC-A body)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ascii_digits(text: str) -> bool:
    """True for a non-empty string of 0-9 only (str.isdigit also takes "²" and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def gtin_valid(code: str) -> bool:
    """True when code is 8, 12 or 13 digits with a correct check digit."""
    return ascii_digits(code) and len(code) in (8, 12, 13) and ean_check_digit(code[:-1]) == code[-1]


def to_gtin13(code: str) -> str:
    """Product codes compare in 13-digit form: UPC-A and EAN-8 get leading zeros."""
    return code.zfill(13) if ascii_digits(code) and len(code) in (8, 12) else code


def card_number(serial: int) -> str:
    """The card number for a serial: an EAN-13 in the 299 range, printable as a barcode."""
    body = f"{CARD_PREFIX}{serial:09d}"
    return body + ean_check_digit(body)


def check_card_code(code: str) -> str:
    """Validate a card number typed or scanned; a generated number must pass its check digit."""
    code = code.strip()
    if not _CODE.match(code):
        raise LoyaltyError("card_chars", card=code)
    if ascii_digits(code) and len(code) == 13 and code.startswith(CARD_PREFIX) and not gtin_valid(code):
        raise LoyaltyError("card_check_digit", card=code)
    return code


def _mac(secret: bytes, card: str) -> str:
    digest = hmac.new(secret, card.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode()  # 8 characters, 40 bits


@dataclass(frozen=True)
class CardKeys:
    """The keys a terminal signs and checks card QR codes with (sync.md promise 11).

    local: this store's own secret; it signs every QR while the store stands alone, and still checks the
    three-part QRs it printed then. chain: the chain's keys by id (the current one and the one before it,
    from the server); a chain terminal signs with `current`, and the key id rides in the QR
    (`LT1:<card>:<mac>:<key id>`), so every till of the chain checks it offline."""

    local: bytes
    chain: Mapping[int, bytes] = field(default_factory=dict)
    current: int | None = None


Keys = bytes | CardKeys


def _keys(keys: Keys) -> CardKeys:
    return keys if isinstance(keys, CardKeys) else CardKeys(keys)


def card_qr_payload(keys: Keys, card: str) -> str:
    """The text of a card's QR: the number and a short HMAC (and the chain key's id), so a forged QR is refused."""
    found = _keys(keys)
    if found.current is not None and found.current in found.chain:
        return f"{QR_PREFIX}:{card}:{_mac(found.chain[found.current], card)}:{found.current}"
    return f"{QR_PREFIX}:{card}:{_mac(found.local, card)}"


def parse_card_qr(keys: Keys, text: str) -> str:
    """The card number in a signed QR payload; LoyaltyError when the signature does not match."""
    found = _keys(keys)
    parts = text.strip().split(":")
    if len(parts) not in (3, 4) or parts[0] != QR_PREFIX:
        raise LoyaltyError("qr_not_card")
    card, mac = parts[1], parts[2]
    if len(parts) == 4:
        if not ascii_digits(parts[3]) or len(parts[3]) > 9:
            raise LoyaltyError("qr_not_card")
        secret = found.chain.get(int(parts[3]))
        if secret is None:
            raise LoyaltyError("qr_key_unknown", key=int(parts[3]))
    else:
        secret = found.local
    if not hmac.compare_digest(_mac(secret, card), mac.upper()):
        raise LoyaltyError("qr_forged")
    return card


def normalize_phone(text: str) -> str:
    """A phone as +7XXXXXXXXXX (Russian +7/8 forms with spaces, dashes, brackets) or +digits."""
    raw = text.strip()
    if not re.fullmatch(r"[+\d\s\-().]{5,25}", raw):
        raise LoyaltyError("phone_chars", text=text)
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if digits.startswith("7") and len(digits) != 11:
            raise LoyaltyError("phone_ru_digits", text=text)
        if not 8 <= len(digits) <= 15:
            raise LoyaltyError("phone_length", text=text)
        return "+" + digits
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    raise LoyaltyError("phone_not_ru", text=text)


def mask_phone(phone: str) -> str:
    """Hide all but the last four digits, for screens and receipts."""
    digits = re.sub(r"\D", "", phone)
    return "+" + "•" * max(0, len(digits) - 4) + digits[-4:]


def looks_like_phone(text: str) -> bool:
    """True when text parses as a phone number."""
    try:
        normalize_phone(text)
    except LoyaltyError:
        return False
    return True
