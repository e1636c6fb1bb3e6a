"""What a receipt says: the content model lives in the core (app.core.receipt), where the receipt
service fills it without importing a renderer; the renderers here keep importing it by this name."""

from __future__ import annotations

from app.core.receipt import FiscalMark, Kind, Payment, Receipt, ReceiptLine

__all__ = ["FiscalMark", "Kind", "Payment", "Receipt", "ReceiptLine"]
