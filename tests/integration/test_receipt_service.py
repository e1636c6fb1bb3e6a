"""Receipts rebuilt from committed sales and refunds (app/core/services/receipts.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.bootstrap import Context, bootstrap
from app.core import db, repo
from app.core.errors import NotFound
from app.core.services.receipts import (
    DEFAULT_JOIN_URL,
    receipt_for_refund,
    receipt_for_sale,
)
from app.core.services.results import SaleRequest, SaleResult
from app.core.services.support import SYSTEM
from app.core.timeutil import from_ms
from app.receipts.pdf import render_pdf
from tests.integration.test_staff import CATALOG, PROGRAM

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Context]:
    """A store with a program (500 welcome points expiring in 20 days) and two products."""
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    ctx.store.init(PROGRAM)
    ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)
    yield ctx
    ctx.close()


@pytest.fixture
def anna(store: Context) -> str:
    """Анна's card."""
    return store.customers.enroll("Анна Иванова", "+79160000001", actor=SYSTEM).card


def _card_sale(store: Context, card: str) -> SaleResult:
    lines = (store.catalog.resolve_line("CAP", 2), store.catalog.resolve_line("CRO", 1))
    return store.checkout.sell(SaleRequest(lines, card=card, redeem=40, payment="card", cashier="Иван"), actor=SYSTEM)


def test_sale_receipt_matches_the_sale_result(store: Context, anna: str) -> None:
    res = _card_sale(store, anna)
    assert res.sale_id is not None
    r = receipt_for_sale(store.engine, res.sale_id)
    q = res.quote
    assert (r.kind, r.number, r.barcode) == ("sale", res.sale_id, f"R{res.sale_id:06d}")
    assert (r.subtotal, r.discount, r.total) == (q.subtotal, q.discount, q.total)
    assert (r.redeemed_points, r.redeemed_amount) == (q.redeemed_points, q.redeemed_amount) == (40, 4000)
    assert r.earned == q.earned + q.birthday_points
    assert r.balance == res.balance
    assert [(ln.name, ln.qty, ln.unit_price, ln.amount, ln.discount, ln.redeemed, ln.paid) for ln in r.lines] == [
        (ln.name, ln.qty, ln.unit_price, ln.amount, ln.discount, ln.redeemed, ln.paid) for ln in q.lines
    ]
    assert sum(ln.paid for ln in r.lines) == r.total
    assert r.at == from_ms(res.at).astimezone(MSK) and r.at.utcoffset() is not None
    assert (r.payment, r.cashier, r.lang) == ("card", "Иван", "ru")


def test_sale_receipt_masks_the_card_and_shortens_the_name(store: Context, anna: str) -> None:
    r = receipt_for_sale(store.engine, _card_sale(store, anna).sale_id or 0)
    assert r.card == "•••• " + anna[-4:]
    assert r.customer_name == "Анна И."
    assert r.join_url is None


def test_sale_receipt_shows_points_expiring_within_30_days(store: Context, anna: str) -> None:
    enrolled_at = store.customers.customer(anna)
    res = _card_sale(store, anna)
    r = receipt_for_sale(store.engine, res.sale_id or 0)
    # The welcome lot (500, 20 days) paid the 40 redeemed points: 460 expire with it.
    assert r.expiring_points == 460
    assert enrolled_at.next_expiry_at is not None
    assert r.expiring_at == datetime.fromisoformat(enrolled_at.next_expiry_at)


def test_sale_receipt_shows_the_tier_and_what_is_left_to_the_next(store: Context, anna: str) -> None:
    res = _card_sale(store, anna)
    r = receipt_for_sale(store.engine, res.sale_id or 0)
    assert (r.tier, r.next_tier, r.to_next_tier) == ("Silver", "Gold", 100000 - res.quote.total)


def test_reprint_shows_the_balance_as_it_was_after_the_sale(store: Context, anna: str) -> None:
    first = _card_sale(store, anna)
    printed = receipt_for_sale(store.engine, first.sale_id or 0)
    second = _card_sale(store, anna)
    store.checkout.refund(first.sale_id or 0, actor=SYSTEM)
    assert second.balance != first.balance
    assert receipt_for_sale(store.engine, first.sale_id or 0) == printed


def test_points_expiring_after_30_days_get_no_notice(store: Context) -> None:
    store.programs.set_program({**PROGRAM, "welcome_bonus": {"points": 500, "expiry_days": 45}}, actor=SYSTEM)
    boris = store.customers.enroll("Борис", "+79160000002", actor=SYSTEM).card
    r = receipt_for_sale(store.engine, _card_sale(store, boris).sale_id or 0)
    assert (r.expiring_points, r.expiring_at) == (0, None)


def test_anonymous_sale_invites_with_the_default_join_url(store: Context) -> None:
    res = store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 1),)), actor=SYSTEM)
    r = receipt_for_sale(store.engine, res.sale_id or 0)
    assert (r.card, r.balance, r.tier, r.customer_name) == (None, None, None, None)
    assert r.join_url == DEFAULT_JOIN_URL
    assert (r.payment, r.cashier) == ("cash", "—")


def test_store_settings_fill_the_header_and_the_join_url(store: Context) -> None:
    with db.transaction(store.engine) as conn:
        repo.set_meta(conn, "store_name", "Кофейня «Зерно»")
        repo.set_meta(conn, "store_address", "ул. Малышева, 51")
        repo.set_meta(conn, "terminal_name", "Касса 2")
        repo.set_meta(conn, "join_url", "https://zerno.example/join")
    r = receipt_for_sale(
        store.engine,
        store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 1),)), actor=SYSTEM).sale_id or 0,
    )
    assert (r.store_name, r.store_address, r.terminal) == ("Кофейня «Зерно»", "ул. Малышева, 51", "Касса 2")
    assert r.join_url == "https://zerno.example/join"


def test_store_header_defaults(store: Context) -> None:
    r = receipt_for_sale(
        store.engine,
        store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 1),)), actor=SYSTEM).sale_id or 0,
    )
    assert (r.store_name, r.store_address, r.terminal) == ("Магазин", "", "Касса 1")


def test_refund_receipt_matches_the_refund_result(store: Context, anna: str) -> None:
    sale = _card_sale(store, anna)
    back = store.checkout.refund(sale.sale_id or 0, {1: 1}, cashier="Ольга", actor=SYSTEM)
    r = receipt_for_refund(store.engine, back.refund_id or 0)
    assert (r.kind, r.number, r.refund_of) == ("refund", back.refund_id, sale.sale_id)
    assert r.barcode == f"R{sale.sale_id:06d}"  # the sale's barcode: later refunds scan it
    assert r.total == back.money_back == sum(ln.paid for ln in r.lines)
    assert (r.points_taken_back, r.points_given_back) == (back.points_taken_back, back.points_given_back)
    assert r.balance == back.balance
    assert [(ln.name, ln.qty) for ln in r.lines] == [("Круассан", 1)]
    assert all(ln.amount - ln.discount - ln.redeemed == ln.paid for ln in r.lines)
    assert (r.cashier, r.payment, r.earned, r.join_url) == ("Ольга", "card", 0, None)


def test_partial_refund_receipts_add_up_to_the_sale(store: Context, anna: str) -> None:
    sale = _card_sale(store, anna)
    first = store.checkout.refund(sale.sale_id or 0, {0: 1}, actor=SYSTEM)
    rest = store.checkout.refund(sale.sale_id or 0, actor=SYSTEM)
    receipts = [receipt_for_refund(store.engine, x.refund_id or 0) for x in (first, rest)]
    assert sum(r.total for r in receipts) == sale.quote.total
    assert sum(r.redeemed_amount for r in receipts) == sale.quote.redeemed_amount
    assert sum(r.redeemed_points for r in receipts) == sale.quote.redeemed_points
    assert sum(ln.qty for r in receipts for ln in r.lines) == 3


def test_receipt_of_an_unknown_sale_is_not_found(store: Context) -> None:
    with pytest.raises(NotFound):
        receipt_for_sale(store.engine, 99)
    with pytest.raises(NotFound):
        receipt_for_refund(store.engine, 99)


def test_built_receipts_render_to_pdf(store: Context, anna: str) -> None:
    sale = _card_sale(store, anna)
    back = store.checkout.refund(sale.sale_id or 0, {0: 1}, actor=SYSTEM)
    sale_receipt = receipt_for_sale(store.engine, sale.sale_id or 0)
    refund_receipt = receipt_for_refund(store.engine, back.refund_id or 0)
    for receipt in (sale_receipt, refund_receipt):
        assert render_pdf(receipt, "80mm").startswith(b"%PDF")
