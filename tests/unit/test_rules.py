"""The rules as pure functions over integers: pricing, the points wallet, refunds. No database, no clock."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.core.errors import LoyaltyError
from app.core.pricing import CustomerView, LineIn, price
from app.core.program import parse_program
from app.core.refunds import SoldLine, cumulative, delta
from app.core.timeutil import DAY_MS, parse_ts, to_ms
from app.core.wallet import Lot, Wallet

PROGRAM = parse_program(
    {
        "tiers": [{"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"}],
        "redeem": {"max_share_pct": "30"},
        "excluded": {"earn": ["tobacco"], "redeem": ["tobacco"], "discount": ["tobacco"]},
        "expiry_days": 365,
    }
)
AT = to_ms(parse_ts("2026-03-04T12:00:00+03:00"))  # a Wednesday noon in Moscow
BASKET = [LineIn("CAP", "Капучино", "coffee", 2, 18000), LineIn("CRO", "Круассан", "bakery", 1, 15000)]
RICH = CustomerView("A1", 10_000, 0, 0, {}, None, frozenset(), False)


# ----------------------------------------------------------------- pricing


def test_an_anonymous_basket_costs_its_lines_and_earns_nothing() -> None:
    quote = price(PROGRAM, BASKET, AT)
    assert (quote.subtotal, quote.total, quote.earned, quote.max_points) == (51000, 51000, 0, 0)


def test_a_card_earns_the_tier_rate_on_what_is_paid_rounded_down() -> None:
    quote = price(PROGRAM, BASKET, AT, RICH)
    assert quote.tier == "Silver"
    assert quote.earned == 25  # 5 % of 510.00 ₽ is 25.50 points


def test_redeeming_the_maximum_pays_the_redeem_share_and_earns_on_the_rest() -> None:
    quote = price(PROGRAM, BASKET, AT, RICH, redeem="max")
    assert (quote.redeemed_points, quote.redeemed_amount, quote.total) == (153, 15300, 35700)  # 30 % of 510 ₽
    assert [line.redeemed for line in quote.lines] == [10800, 4500]  # split by amount, adding up exactly
    assert quote.earned == 17  # 5 % of 357.00 ₽


def test_redeeming_more_than_the_share_is_refused_with_the_maximum() -> None:
    with pytest.raises(LoyaltyError, match="at most 153 points"):
        price(PROGRAM, BASKET, AT, RICH, redeem=154)


def test_excluded_goods_neither_earn_nor_take_points() -> None:
    with_tobacco = [*BASKET, LineIn("CIG", "Сигареты", "tobacco", 1, 25000)]
    quote = price(PROGRAM, with_tobacco, AT, RICH, redeem="max")
    assert quote.subtotal == 76000 and quote.max_points == 153
    assert quote.lines[-1].redeemed == 0 and quote.earned == 17


def test_points_without_a_card_are_refused() -> None:
    with pytest.raises(LoyaltyError, match="needs a loyalty card"):
        price(PROGRAM, BASKET, AT, None, redeem=5)


# ----------------------------------------------------------------- wallet


def _lot(uid: str, points: int, available_at: int = 0, expires_at: int | None = None) -> Lot:
    return Lot(uid, points, points, available_at, expires_at, "sale", f"txn-{uid}")


def test_spending_takes_the_soonest_expiring_points_first() -> None:
    wallet = Wallet()
    wallet.grant(_lot("late", 100, expires_at=AT + 300 * DAY_MS), AT)
    wallet.grant(_lot("soon", 50, expires_at=AT + 10 * DAY_MS), AT)
    moves = wallet.spend(70, AT)
    assert [(m.lot_uid, m.points) for m in moves] == [("soon", -50), ("late", -20)]
    assert wallet.available(AT) == 80


def test_pending_points_cannot_be_spent_and_expired_ones_are_gone() -> None:
    wallet = Wallet()
    wallet.grant(_lot("pending", 40, available_at=AT + DAY_MS), AT)
    wallet.grant(_lot("expiring", 30, expires_at=AT + DAY_MS), AT)
    now = wallet.balances(AT)
    assert (now.available, now.pending, now.expired) == (30, 40, 0)
    later = wallet.balances(AT + DAY_MS)
    assert (later.available, later.pending, later.expired) == (40, 0, 30)
    with pytest.raises(LoyaltyError, match="not enough points"):
        wallet.spend(31, AT)


def test_an_offline_double_spend_becomes_debt_that_the_next_points_pay() -> None:
    wallet = Wallet()
    wallet.grant(_lot("a", 100), AT)
    wallet.spend(80, AT)
    moves = wallet.overdraw(80, AT + 1)  # the second terminal paid out 80 it thought were there
    assert [m.kind for m in moves] == ["spend", "overdraft"] and moves[-1].points == -60
    assert (wallet.debt, wallet.available(AT + 1)) == (60, -60)
    wallet.grant(_lot("b", 100), AT + 2)
    assert (wallet.debt, wallet.available(AT + 2)) == (0, 40)


# ----------------------------------------------------------------- refunds

SOLD = [
    SoldLine(qty=3, paid=30001, redeemed=9000, rate=Fraction(5, 100), stamp_rule="coffee", stamps_given=3),
    SoldLine(qty=1, paid=10000, redeemed=3000, rate=Fraction(5, 100), stamp_rule=None, stamps_given=0),
]


def test_a_partial_refund_gives_back_its_share_rounded_down() -> None:
    one = cumulative(SOLD, [1, 0], earned=20, redeemed=120)
    assert one.money_back == 10000  # a third of 300.01 ₽, floored
    assert one.points_taken_back == 4  # 20 × 100.00 / 400.01
    assert one.points_given_back == 30  # 120 points × 30.00 ₽ of the 120.00 ₽ they paid
    assert one.stamps_taken_back == {"coffee": 1}


def test_partial_refunds_add_up_to_the_whole_refund_exactly() -> None:
    steps = [[1, 0], [2, 0], [2, 1], [3, 1]]
    before = cumulative(SOLD, [0, 0], earned=20, redeemed=120)
    moved = [0, 0, 0]
    for units in steps:
        now = cumulative(SOLD, units, earned=20, redeemed=120)
        step = delta(now, before)
        moved = [moved[0] + step.money_back, moved[1] + step.points_taken_back, moved[2] + step.points_given_back]
        before = now
    whole = cumulative(SOLD, [3, 1], earned=20, redeemed=120)
    assert moved == [whole.money_back, whole.points_taken_back, whole.points_given_back] == [40001, 20, 120]
