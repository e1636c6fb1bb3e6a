"""What a receipt says: plain frozen values filled by the sale and refund flows (app.core.services.receipts).

All amounts are integer kopecks and all points are integer points; the renderers
never compute money, they only print what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

__all__ = ["Kind", "Payment", "Receipt", "ReceiptLine"]

Kind = Literal["sale", "refund"]
Payment = Literal["cash", "card"]


def _require_ints(obj: object) -> None:
    # A float slipping in here would be printed with binary rounding errors; fail loudly instead.
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, float):
            raise TypeError(f"{type(obj).__name__}.{f.name} must be an integer, got {value!r}")


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One product line: qty units at unit_price; amount - discount - redeemed == paid."""

    name: str
    qty: int
    unit_price: int
    amount: int
    discount: int
    redeemed: int
    paid: int
    is_reward: bool = False

    def __post_init__(self) -> None:
        """Reject float money early."""
        _require_ints(self)


@dataclass(frozen=True, slots=True)
class FiscalMark:
    """The fiscal receipt a register printed for this sale, or its return receipt for this refund (fiscal.md): our
    slip names it, so the two go together."""

    document_number: int  # ФД
    fiscal_sign: str  # ФП
    fn: str  # the fiscal drive's number
    shift: int | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """A sale or refund receipt; for a refund, lines are units returned and total is money back."""

    kind: Kind
    number: int
    barcode: str
    store_name: str
    store_address: str
    terminal: str
    cashier: str
    at: datetime
    lines: tuple[ReceiptLine, ...]
    subtotal: int
    discount: int
    redeemed_points: int
    redeemed_amount: int
    total: int
    payment: Payment
    card: str | None
    customer_name: str | None
    earned: int
    balance: int | None
    expiring_points: int
    expiring_at: datetime | None
    tier: str | None
    next_tier: str | None
    to_next_tier: int | None
    coupon: str | None
    join_url: str | None
    lang: str = "ru"
    refund_of: int | None = None
    points_taken_back: int = 0
    points_given_back: int = 0
    fiscal: FiscalMark | None = None  # the register's receipt of this sale (refund), when a register printed one

    def __post_init__(self) -> None:
        """Check the invariants the renderers rely on."""
        _require_ints(self)
        if self.kind not in ("sale", "refund"):
            raise ValueError(f"kind must be 'sale' or 'refund', got {self.kind!r}")
        if self.payment not in ("cash", "card"):
            raise ValueError(f"payment must be 'cash' or 'card', got {self.payment!r}")
        if self.lang not in ("ru", "en"):
            raise ValueError(f"lang must be 'ru' or 'en', got {self.lang!r}")
        # The printed time must be the shop's wall clock; a naive datetime hides a timezone bug.
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Receipt.at must be timezone-aware (local time of the shop)")
        if not self.barcode or not self.barcode.isascii() or not self.barcode.isprintable():
            raise ValueError(f"barcode must be printable ASCII for Code128, got {self.barcode!r}")
        if not isinstance(self.lines, tuple):
            raise TypeError("Receipt.lines must be a tuple so the receipt stays immutable")
