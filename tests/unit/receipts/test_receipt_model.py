"""Receipt model invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from app.receipts.model import ReceiptLine
from app.receipts.samples import sample_sale


def test_receipt_requires_timezone_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(sample_sale(), at=datetime(2025, 11, 25, 14, 3))


def test_receipt_rejects_float_money() -> None:
    with pytest.raises(TypeError, match="total must be an integer"):
        replace(sample_sale(), total=533.91)  # type: ignore[arg-type]


def test_receipt_line_rejects_float_money() -> None:
    with pytest.raises(TypeError, match="unit_price"):
        ReceiptLine("Чай", 1, 99.9, 9990, 0, 0, 9990)  # type: ignore[arg-type]


def test_receipt_rejects_non_ascii_barcode() -> None:
    with pytest.raises(ValueError, match="barcode"):
        replace(sample_sale(), barcode="Ч001")


def test_receipt_is_immutable() -> None:
    receipt = sample_sale()
    with pytest.raises(AttributeError):
        receipt.total = 1  # type: ignore[misc]


def test_sample_sale_amounts_add_up() -> None:
    r = sample_sale()
    assert r.total == r.subtotal - r.discount - r.redeemed_amount
    assert all(x.paid == x.amount - x.discount - x.redeemed for x in r.lines)
