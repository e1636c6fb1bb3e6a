"""What a receipt says, independent of paper: the shared content blocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from app.receipts.content import Barcode, Block, Boxed, Pair, Qr, Text, build_blocks
from app.receipts.samples import sample_anonymous_sale, sample_refund, sample_sale


def _texts(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Text):
            out.append(b.text)
        elif isinstance(b, Pair):
            out.append(f"{b.left} | {b.right}")
    return [t.replace("\u202f", " ").replace("\u00a0", " ") for t in out]


def test_expiring_points_verb_agrees_with_number() -> None:
    at = datetime(2026, 1, 31, tzinfo=ZoneInfo("Europe/Moscow"))
    one = _texts(build_blocks(replace(sample_sale(), expiring_points=21, expiring_at=at)))
    many = _texts(build_blocks(replace(sample_sale(), expiring_points=25, expiring_at=at)))
    assert "21 балл сгорит 31.01.2026" in one
    assert "25 баллов сгорят 31.01.2026" in many


def test_no_expiry_line_without_a_date() -> None:
    texts = _texts(build_blocks(replace(sample_sale(), expiring_at=None)))
    assert not any("сгор" in t for t in texts)


def test_no_next_tier_line_at_top_tier() -> None:
    texts = _texts(build_blocks(replace(sample_sale(), next_tier=None, to_next_tier=None)))
    assert not any("До уровня" in t for t in texts)


def test_join_qr_only_for_anonymous_sale() -> None:
    anonymous = build_blocks(sample_anonymous_sale())
    with_card = build_blocks(replace(sample_sale(), join_url="https://x.example/join"))
    assert any(isinstance(b, Qr) for b in anonymous)
    assert not any(isinstance(b, Qr) for b in with_card)


def test_coupon_is_framed() -> None:
    assert Boxed("Ваш купон на следующую покупку", "ZERNO-7Q4K") in build_blocks(sample_sale())


def test_receipt_ends_with_barcode_and_fiscal_disclaimer() -> None:
    blocks = build_blocks(sample_refund())
    assert Barcode("V000057") in blocks
    assert _texts(blocks)[-1] == "Не является фискальным документом"


def test_refund_has_no_sale_only_lines() -> None:
    texts = _texts(build_blocks(sample_refund()))
    assert "Спасибо за покупку!" not in texts
    assert not any(t.startswith("Начислено") for t in texts)


def test_subtotal_hidden_when_nothing_is_taken_off() -> None:
    texts = _texts(build_blocks(sample_anonymous_sale()))
    assert not any(t.startswith("Сумма |") for t in texts)
