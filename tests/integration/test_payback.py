"""Does the program pay? (app/core/payback.py, docs/reports.md §13) on figures worked out by hand.

The pure functions first, then the report of March 2025 of the hand-counted store of
tests/integration/test_reports.py, whose sales the comments of build_store describe one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from app.bootstrap import bootstrap
from app.core.payback import (
    CLV_MIN_SAMPLE,
    Baskets,
    MemberFigures,
    ProgramCost,
    clv_range,
    lifetime_years,
    member_extra,
    payback,
    program_cost,
    wilson_interval,
)
from app.core.services.report_json import from_json, to_json
from app.core.services.reports import Filters, Report, ReportsService
from tests.integration.test_reports import CLOCK, MARCH
from tests.stores import Stores

# ----------------------------------------------------------------------------- the cost


def test_the_card_discount_is_what_the_stamps_and_coupons_leave_of_the_discounts() -> None:
    # March: discounts 424,50 ₽ = a free coffee 250 ₽ + SALE10's 55 ₽ + card discounts 119,50 ₽.
    cost = program_cost(42450, 25000, 5500, 11000, 50, 100)
    assert cost == ProgramCost(tier_discounts=11950, stamps=25000, coupons=5500, points=11000, gifts=5000)
    assert cost.total == 58450


def test_gifts_cost_their_points_at_the_value_of_a_point() -> None:
    assert program_cost(0, 0, 0, 0, 120, 50).gifts == 6000


# ----------------------------------------------------------------------------- members against non-members


def test_members_bring_their_visits_times_the_difference_of_average_baskets() -> None:
    # 6 card baskets of 2150 ₽ in all against non-members' 450 ₽ in 3: 2150 − 6 × 150 = 1250 ₽.
    assert member_extra(Baskets(6, 215000, 3, 45000)) == 125000


def test_members_who_spend_less_bring_a_negative_figure() -> None:
    assert member_extra(Baskets(2, 10000, 1, 8000)) == 10000 - 16000


def test_the_extra_is_rounded_half_up_to_the_kopeck() -> None:
    assert member_extra(Baskets(1, 1, 2, 1)) == 1  # 1 − 1/2 = 0,5 kopeck
    assert member_extra(Baskets(1, 100, 3, 100)) == 67  # 100 − 100/3 = 66,67


def test_no_comparison_without_sales_of_both_kinds() -> None:
    assert member_extra(Baskets(0, 0, 3, 45000)) is None
    assert member_extra(Baskets(6, 215000, 0, 0)) is None


def test_the_balance_is_what_members_bring_less_the_cost() -> None:
    cost = program_cost(42450, 25000, 5500, 11000, 50, 100)
    members = MemberFigures(buyers=3, card_purchases=6, previous_buyers=3, retained=2, card_revenue=137250,
                            revenue=182250)  # fmt: skip
    got = payback(cost, Baskets(6, 215000, 3, 45000), members, clv_range(None, None, 3, 3, 2, Fraction(31)))
    assert got.extra == 125000 and got.balance == 66550
    assert got.per_rouble == Fraction(125000, 58450)
    assert got.card_average_basket == Fraction(215000, 6) and got.anonymous_average_basket == 15000
    assert got.visits_per_member == 2
    assert got.retention == Fraction(2, 3)
    assert got.card_revenue_share == Fraction(61, 81)  # 1372,50 / 1822,50


def test_no_return_per_rouble_when_the_program_cost_nothing() -> None:
    members = MemberFigures(0, 0, 0, 0, 0, 0)
    got = payback(program_cost(0, 0, 0, 0, 0, 100), Baskets(1, 100, 1, 50), members,
                  clv_range(None, None, 0, 0, 0, Fraction(1)))  # fmt: skip
    assert got.balance == 50 and got.per_rouble is None
    assert got.card_revenue_share is None and got.retention is None and got.visits_per_member is None


# ----------------------------------------------------------------------------- CLV: a sample and a range


def test_wilson_interval_of_a_half_of_thirty() -> None:
    # p = 1/2, z² = 3,8416, n = 30: centre 1/2; half width = √(3,8416 × (0,25/30 + 3,8416/3600)) / (1 + 3,8416/30)
    # = √0,0361127 / 1,1280533 = 0,1900335 / 1,1280533 = 0,1684615: [0,3315385; 0,6684615].
    low, high = wilson_interval(15, 30)
    assert Fraction(33153, 100000) < low < Fraction(33154, 100000)
    assert Fraction(66846, 100000) < high < Fraction(66847, 100000)
    assert low + high == 1  # symmetric about a half (outward rounding is the same on both sides)


def test_wilson_interval_at_the_edges_stays_within_zero_and_one() -> None:
    # k = 0: upper = z² / (n + z²) = 3,8416 / 33,8416 = 0,1135171.
    low, high = wilson_interval(0, 30)
    assert low == 0 and Fraction(1135170, 10**7) < high < Fraction(1135172, 10**7)
    low, high = wilson_interval(30, 30)
    assert high == 1 and Fraction(8864828, 10**7) < low < Fraction(8864830, 10**7)


def test_wilson_interval_refuses_an_impossible_share() -> None:
    with pytest.raises(ValueError):
        wilson_interval(4, 3)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_lifetime_is_period_years_over_the_share_lost_and_capped() -> None:
    assert lifetime_years(Fraction(31), Fraction(2, 3)) == Fraction(93, 365)
    assert lifetime_years(Fraction(31), Fraction(1)) == 10
    assert lifetime_years(Fraction(365), Fraction(99, 100)) == 10  # 100 years, capped


def test_no_clv_from_four_customers() -> None:
    # The store that read «10 years» from 4 customers: no figure at all below the minimum sample.
    got = clv_range(Fraction(30000), Fraction(12), buyers=4, previous_buyers=4, retained=4, period_days=Fraction(30))
    assert not got.enough and got.value is None and got.low is None and got.high is None
    assert got.sample == 4 and got.minimum == CLV_MIN_SAMPLE == 30


def test_the_smaller_of_the_two_periods_buyers_is_the_sample() -> None:
    got = clv_range(Fraction(30000), Fraction(12), 500, previous_buyers=29, retained=20, period_days=Fraction(30))
    assert got.sample == 29 and not got.enough


def test_clv_range_from_thirty_customers() -> None:
    # docs/reports.md §6 with 30 previous buyers of whom 20 came back (r = 2/3):
    # 269,25 ₽ × 730/31 × 93/365 = 1615,50 ₽. Wilson for 20/30: [0,4877973; 0,8076970], so the lifetime runs
    # from (31/365) / 0,5122027 = 0,165816 to (31/365) / 0,1923030 = 0,441656 years, and the CLV from
    # 6340,40 ₽ × 0,165816 = 1051,34 ₽ to 6340,40 ₽ × 0,441656 = 2800,27 ₽.
    got = clv_range(Fraction(26925), Fraction(730, 31), buyers=30, previous_buyers=30, retained=20,
                    period_days=Fraction(31))  # fmt: skip
    assert got.enough and got.value == 161550
    assert got.low is not None and 105130 <= got.low <= 105140
    assert got.high is not None and 280020 <= got.high <= 280030
    assert got.retention_low is not None and got.retention_high is not None
    assert Fraction(48779, 100000) < got.retention_low < Fraction(4878, 10000)


# ----------------------------------------------------------------------------- the report of the fixture store


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory, store_cache: Stores) -> Iterator[Report]:
    ctx = bootstrap(store_cache.march(tmp_path_factory.mktemp("payback") / "t.sqlite3"))
    yield ReportsService(ctx.engine, clock=lambda: CLOCK).report(MARCH)
    ctx.close()


def test_march_program_cost_by_kind(march: Report) -> None:
    # tests/integration/test_reports.py's March: card discounts 49,50 (#11) + 20 (#12) + 25 (#17) + 25 (#19) = 119,50 ₽;
    # a free coffee 250 ₽ (#11); SALE10 55 ₽; points 80 + 30 = 110 ₽; the cookie 50 points = 50 ₽.
    p = march.payback
    assert p is not None
    assert p.cost == ProgramCost(tier_discounts=11950, stamps=25000, coupons=5500, points=11000, gifts=5000)


def test_march_members_against_non_members(march: Report) -> None:
    # Card baskets: 250 + 800 + 200 + 400 + 250 + 250 = 2150 ₽ in 6; non-members 300 + 100 + 50 = 450 ₽ in 3.
    p = march.payback
    assert p is not None
    assert p.extra == 125000 and p.balance == 125000 - 58450
    assert p.visits_per_member == 2  # A, B, V bought 6 times
    assert p.retention == Fraction(2, 3)  # of F, B, A (February) A and B came back
    assert p.card_revenue_share == Fraction(137250, 182250)
    assert not p.clv.enough and p.clv.sample == 3  # three customers: no CLV


def test_a_cashier_filter_weighs_that_cashiers_sales(tmp_path: Path, store_cache: Stores) -> None:
    ctx = bootstrap(store_cache.march(tmp_path / "t.sqlite3"))
    try:
        p = ReportsService(ctx.engine, clock=lambda: CLOCK).report(MARCH).payback
        # Ольга: #8 (80 points), #12 (20 ₽ off, the cookie), #15 anonymous bun 100 ₽, #17 (25 ₽ off, 30 points).
        olga = ReportsService(ctx.engine, clock=lambda: CLOCK).report(MARCH, Filters(cashier="Ольга")).payback
    finally:
        ctx.close()
    assert p is not None and olga is not None
    assert olga.cost == ProgramCost(tier_discounts=4500, stamps=0, coupons=0, points=11000, gifts=5000)
    # 3 card baskets 250 + 200 + 250 = 700 ₽ against one 100 ₽ bun: 700 − 300 = 400 ₽.
    assert olga.extra == 40000


def test_the_payback_travels_as_report_json_and_an_older_answer_without_it_reads(march: Report) -> None:
    data = to_json(march)
    assert from_json(Report, data) == march
    del data["payback"]
    assert from_json(Report, data).payback is None
