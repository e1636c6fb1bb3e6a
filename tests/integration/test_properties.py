"""Properties of the rules that must hold for every basket and every sequence of operations."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bootstrap import bootstrap
from app.core.coupon_replay import ReplayLine, coupon_shares
from app.core.errors import LoyaltyError
from app.core.pricing import CouponUse, CustomerView, LineIn, price
from app.core.program import parse_program
from app.core.refunds import SoldLine, cumulative, delta
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.timeutil import DAY_MS, parse_ts, to_ms

CATEGORIES = ["coffee", "bakery", "tobacco", "goods"]
T0 = to_ms(parse_ts("2026-03-02T10:00:00+03:00"))


def _program(discount: str = "5", share: str = "30", activation: int = 0, expiry: int | None = 365) -> dict[str, Any]:
    return {
        "tiers": [
            {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"},
            {"name": "Gold", "min_spend": 100000, "discount_pct": discount, "earn_rate_pct": "7"},
        ],
        "redeem": {"max_share_pct": share},
        "excluded": {"earn": ["tobacco"], "redeem": ["tobacco"], "discount": ["tobacco"]},
        "category_multipliers": {"coffee": "2"},
        "welcome_bonus": {"points": 150, "expiry_days": 30},
        "stamps": [{"id": "coffee", "category": "coffee", "needed": 3}],
        "coupons": [
            {"code": "P10", "kind": "percent", "value": "10", "categories": ["bakery"]},
            {"code": "A300", "kind": "amount", "value": 30000, "exclusive": True},
        ],
        "rewards": [{"id": "gift", "name": "Gift", "points": 20}],
        "activation_days": activation,
        "expiry_days": expiry,
    }


lines_st = st.lists(
    st.builds(
        lambda i, c, q, p: LineIn(f"S{i}", f"S{i}", c, q, p),
        st.integers(0, 99),
        st.sampled_from(CATEGORIES),
        st.integers(1, 5),
        st.integers(0, 500000),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    lines_st,
    st.sampled_from(["0", "5", "12.5", "100"]),
    st.sampled_from(["0", "30", "50", "100"]),
    st.integers(-50, 5000),
    st.integers(0, 6),
    st.sampled_from([None, "P10", "A300"]),
    st.integers(0, 400000),
)
def test_paid_is_never_negative_and_points_never_pay_more_than_the_share(
    lines: list[LineIn], discount: str, share: str, available: int, stamps: int, coupon: str | None, spend: int
) -> None:
    program = parse_program(_program(discount, share))
    view = CustomerView("C", available, max(0, -available), spend, {"coffee": stamps}, None, frozenset(), False)
    from app.core.pricing import CouponUse

    use = CouponUse(program.coupon(coupon), 0, 0) if coupon else None  # type: ignore[arg-type]
    q = price(program, lines, T0, view, use, "max")
    assert q.total == sum(line.paid for line in q.lines) >= 0
    assert q.redeemed_points <= max(0, available)
    for line in q.lines:
        assert 0 <= line.discount <= line.amount
        assert line.paid >= 0
        base = line.amount - line.discount
        share_limit = Fraction(base) * Fraction(share) / 100
        assert line.redeemed <= -(-share_limit // 1)  # ceil: a split may round a kopeck up
        if line.category == "tobacco":
            assert line.redeemed == 0 and line.discount == 0
    assert q.subtotal - q.discount - q.redeemed_amount == q.total


@settings(max_examples=300, deadline=None)
@given(lines_st, st.integers(0, 6), st.sampled_from(["P10", "A300"]), st.integers(0, 400000))
def test_the_coupon_share_stored_at_commit_is_what_replaying_the_stored_lines_gives(
    lines: list[LineIn], stamps: int, code: str, spend: int
) -> None:
    # Schema v5 stores pricing's share; the step that upgrades older files replays it from the lines they
    # stored. Both must agree on every basket a program with one rule per category can price.
    program = parse_program(_program())
    view = CustomerView("C", 0, 0, spend, {"coffee": stamps}, None, frozenset(), False)
    coupon = program.coupon(code)
    assert coupon is not None
    q = price(program, lines, T0, view, CouponUse(coupon, 0, 0))
    stored = [
        ReplayLine(ln.category, ln.qty, ln.unit_price, ln.amount, ln.stamp_rule, ln.stamps_given) for ln in q.lines
    ]
    assert [ln.coupon_discount for ln in q.lines] == coupon_shares(program, coupon, stored)
    for line in q.lines:
        assert 0 <= line.coupon_discount <= line.discount


sold_st = st.lists(
    st.builds(
        lambda q, p, r, rate, s: SoldLine(q, p, r, Fraction(rate), "coffee" if s else None, q if s else 0),
        st.integers(1, 6),
        st.integers(0, 10**6),
        st.integers(0, 10**5),
        st.sampled_from([0, 5, 10, 15]),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(sold_st, st.integers(0, 5000), st.integers(0, 3000), st.randoms(use_true_random=False))
def test_any_sequence_of_partial_refunds_adds_up_to_the_full_refund(
    lines: list[SoldLine], earned: int, redeemed: int, rnd: Any
) -> None:
    full = cumulative(lines, [line.qty for line in lines], earned, redeemed)
    units = [0] * len(lines)
    totals = {"money": 0, "taken": 0, "given": 0, "stamps": 0}
    previous = cumulative(lines, units, earned, redeemed)
    while units != [line.qty for line in lines]:
        i = rnd.choice([k for k in range(len(lines)) if units[k] < lines[k].qty])
        units[i] += rnd.randint(1, lines[i].qty - units[i])
        now = cumulative(lines, units, earned, redeemed)
        d = delta(now, previous)
        assert d.money_back >= 0 and d.points_taken_back >= 0 and d.points_given_back >= 0
        totals["money"] += d.money_back
        totals["taken"] += d.points_taken_back
        totals["given"] += d.points_given_back
        totals["stamps"] += sum(d.stamps_taken_back.values())
        previous = now
    assert totals["money"] == full.money_back == sum(line.paid for line in lines)
    assert totals["taken"] == full.points_taken_back == (earned if any(line.paid * line.rate for line in lines) else 0)
    assert totals["given"] == full.points_given_back
    assert totals["stamps"] == sum(full.stamps_taken_back.values()) == sum(line.stamps_given for line in lines)


op_st = st.lists(
    st.one_of(
        st.tuples(
            st.just("sale"),
            st.integers(0, 2),
            lines_st,
            st.sampled_from([None, "max", 10]),
            st.sampled_from([None, "P10", "A300"]),
            st.sampled_from([None, "gift"]),
        ),
        st.tuples(st.just("refund"), st.integers(0, 30), st.booleans()),
        st.tuples(st.just("wait"), st.integers(1, 40)),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(op_st, st.sampled_from([0, 7]), st.sampled_from([None, 20]))
def test_conservation_and_quote_commit_agreement_after_random_operations(
    ops: list[tuple[Any, ...]], activation: int, expiry: int | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ctx = bootstrap(Path(folder) / "p.sqlite3", create=True)
        ctx.store.init(_program(activation=activation, expiry=expiry))
        now = T0
        cards = [
            ctx.customers.enroll(f"C{i}", f"+7916000000{i}", at=now, card=f"C{i}", actor=SYSTEM).card for i in range(3)
        ]
        sales: list[tuple[int, int]] = []
        for op in ops:
            now += 60_000
            if op[0] == "wait":
                now += op[1] * DAY_MS
            elif op[0] == "sale":
                _, who, lines, redeem, coupon, reward = op
                req = SaleRequest(tuple(lines), cards[who], coupon, redeem, reward, now)
                try:
                    quote = ctx.checkout.quote(req)
                except LoyaltyError:
                    continue
                sale = ctx.checkout.sell(req, actor=SYSTEM)
                assert sale.quote == quote.quote
                assert sale.balance == quote.balance
                sales.append((sale.sale_id or 0, sum(line.qty for line in sale.quote.lines)))
            elif sales:
                sale_id, _ = sales[op[1] % len(sales)]
                lines = ctx.checkout.sale_lines(sale_id)
                open_lines = {li["idx"]: li["refundable"] for li in lines if li["refundable"]}
                if not open_lines:
                    continue
                units = None if op[2] else {min(open_lines): 1}
                ctx.checkout.refund(sale_id, units, now, actor=SYSTEM)
            report = ctx.verifier.verify()
            assert report.ok, report.problems
            assert report.granted - report.spent - report.expired - report.taken_back == report.balances
        ctx.close()
