"""Realistic sample receipts for tests, the benchmark, screenshots and a printer test page."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from .model import Receipt, ReceiptLine

__all__ = ["sample_anonymous_sale", "sample_long_sale", "sample_refund", "sample_sale"]

_TZ = ZoneInfo("Europe/Moscow")
_STORE = "Кофейня «Зерно и Пар»"
_ADDRESS = "г. Екатеринбург, ул. Малышева, д. 51, ТЦ «Антей», 1 этаж"


def _line(
    name: str,
    qty: int,
    unit_price: int,
    discount: int = 0,
    redeemed: int = 0,
    is_reward: bool = False,
) -> ReceiptLine:
    amount = qty * unit_price
    return ReceiptLine(
        name=name,
        qty=qty,
        unit_price=unit_price,
        amount=amount,
        discount=discount,
        redeemed=redeemed,
        paid=amount - discount - redeemed,
        is_reward=is_reward,
    )


def sample_sale(lang: str = "ru") -> Receipt:
    """A card sale with a tier discount, points redeemed, a reward line and a coupon."""
    lines = (
        _line("Капучино 300 мл", 2, 18000, discount=3600),
        _line(
            "Круассан миндальный с шоколадной начинкой, большой, выпечка дня",
            1,
            14990,
            discount=1499,
            redeemed=5000,
        ),
        _line("Чизкейк «Нью-Йорк»", 1, 25000, discount=2500, redeemed=10000),
        _line("Американо 250 мл", 1, 15000, redeemed=15000, is_reward=True),
    )
    return Receipt(
        kind="sale",
        number=1234,
        barcode="R001234",
        store_name=_STORE,
        store_address=_ADDRESS,
        terminal="Касса 2",
        cashier="Смирнова Е.",
        at=datetime(2025, 11, 25, 14, 3, tzinfo=_TZ),
        lines=lines,
        subtotal=sum(x.amount for x in lines),
        discount=sum(x.discount for x in lines),
        redeemed_points=300,
        redeemed_amount=sum(x.redeemed for x in lines),
        total=sum(x.paid for x in lines),
        payment="card",
        card="•••• 4821",
        customer_name="Анна П.",
        earned=534,
        balance=1245,
        expiring_points=120,
        expiring_at=datetime(2025, 12, 31, 23, 59, tzinfo=_TZ),
        tier="Silver",
        next_tier="Gold",
        to_next_tier=123456,
        coupon="ZERNO-7Q4K",
        join_url=None,
        lang=lang,
    )


def sample_anonymous_sale(lang: str = "ru") -> Receipt:
    """A cash sale without a loyalty card, inviting the customer to join by QR."""
    lines = (
        _line("Латте 400 мл", 1, 22000),
        _line("Сэндвич с индейкой", 2, 27500),
        _line("Вода минеральная 0,5 л", 1, 9000),
    )
    return Receipt(
        kind="sale",
        number=1235,
        barcode="R001235",
        store_name=_STORE,
        store_address=_ADDRESS,
        terminal="Касса 2",
        cashier="Смирнова Е.",
        at=datetime(2025, 11, 25, 14, 17, tzinfo=_TZ),
        lines=lines,
        subtotal=sum(x.amount for x in lines),
        discount=0,
        redeemed_points=0,
        redeemed_amount=0,
        total=sum(x.paid for x in lines),
        payment="cash",
        card=None,
        customer_name=None,
        earned=0,
        balance=None,
        expiring_points=0,
        expiring_at=None,
        tier=None,
        next_tier=None,
        to_next_tier=None,
        coupon=None,
        join_url="https://loyalty.example.ru/join?store=42&r=R001235",
        lang=lang,
    )


def sample_refund(lang: str = "ru") -> Receipt:
    """A refund of the cheesecake from sample_sale: money, earned and spent points go back."""
    line = _line("Чизкейк «Нью-Йорк»", 1, 25000, discount=2500, redeemed=10000)
    return Receipt(
        kind="refund",
        number=57,
        barcode="V000057",
        store_name=_STORE,
        store_address=_ADDRESS,
        terminal="Касса 1",
        cashier="Орлов Д.",
        at=datetime(2025, 11, 26, 10, 41, tzinfo=_TZ),
        lines=(line,),
        subtotal=line.amount,
        discount=line.discount,
        redeemed_points=100,
        redeemed_amount=line.redeemed,
        total=line.paid,
        payment="card",
        card="•••• 4821",
        customer_name="Анна П.",
        earned=0,
        balance=1220,
        expiring_points=0,
        expiring_at=None,
        tier="Silver",
        next_tier=None,
        to_next_tier=None,
        coupon=None,
        join_url=None,
        lang=lang,
        refund_of=1234,
        points_taken_back=125,
        points_given_back=100,
    )


def sample_long_sale(n_lines: int = 80, lang: str = "ru") -> Receipt:
    """A sale with many lines, to exercise wrapping and A4 pagination."""
    lines = tuple(
        _line(f"Товар № {i + 1}: зерно арабики, обжарка средняя, пачка 250 г", 1 + i % 3, 4990 + i)
        for i in range(n_lines)
    )
    base = sample_anonymous_sale(lang)
    return replace(
        base,
        number=1236,
        barcode="R001236",
        lines=lines,
        join_url="https://loyalty.example.ru/join?store=42&r=R001236",
        subtotal=sum(x.amount for x in lines),
        total=sum(x.paid for x in lines),
    )
