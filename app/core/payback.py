"""Does the loyalty program pay? Its cost against what members bring beyond non-members (issue 9 §4).

Pure functions over integers and exact fractions: the report service sums the period's sales and
hands the sums here; nothing reads a database or a clock. The definitions are in docs/reports.md
§13 and the tests check them on figures worked out by hand (tests/integration/test_payback.py).

- Cost: what the program gave away at the till, in kopecks: card (tier) discounts, free units of
  full stamp cards, the coupons' own discount, the money paid with points and the gifts taken for
  points (their points × the value of a point).
- Members bring beyond non-members: as many visits as members made, each worth the members'
  average basket (before any discount and points) instead of the non-members' average basket.
- The balance: what members bring beyond non-members − the cost. A positive balance says the
  program pays for itself by that measure (it compares baskets; it cannot tell whether members would
  have spent as much without the program).
- CLV is shown only from a minimum sample of customers, and as a range: the retention's 95 % Wilson
  score interval carried through the lifetime formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import isqrt

from app.core.money import round_half_up

__all__ = [
    "CLV_MIN_SAMPLE",
    "MAX_LIFETIME_YEARS",
    "Z_95",
    "Baskets",
    "ClvRange",
    "MemberFigures",
    "Payback",
    "ProgramCost",
    "clv_range",
    "lifetime_years",
    "member_extra",
    "payback",
    "program_cost",
    "wilson_interval",
]

# A CLV needs at least this many card buyers in the period before (the retention's sample) and in
# the period itself (purchases per buyer): below 30 the retention's 95 % interval is wider than
# ±18 points for a retention near a half, and the lifetime it gives means little.
CLV_MIN_SAMPLE = 30
# Expected customer lifetime is capped (as the report's own CLV): a retention near 1 is not forever.
MAX_LIFETIME_YEARS = 10
# z for a two-sided 95 % interval, 1.96, squared exactly: 3.8416.
Z_95 = Fraction(196, 100)
_SQRT_PLACES = 10**9  # square roots to nine decimals, rounded outward


@dataclass(frozen=True)
class ProgramCost:
    """What the program gave away in a period, kopecks: each kind and the total."""

    tier_discounts: int  # card (tier) discounts
    stamps: int  # free units of full stamp cards
    coupons: int  # the coupons' own discount
    points: int  # money paid with points at the till
    gifts: int  # gifts taken for points: their points × the value of a point

    @property
    def total(self) -> int:
        """Every kind together."""
        return self.tier_discounts + self.stamps + self.coupons + self.points + self.gifts


@dataclass(frozen=True)
class Baskets:
    """Sales with and without a card and their baskets (Σ subtotal: before any discount and points)."""

    card_sales: int
    card_basket: int
    anonymous_sales: int
    anonymous_basket: int


@dataclass(frozen=True)
class MemberFigures:
    """What else tells members from non-members (store-wide, as the report's customers)."""

    buyers: int  # card customers with a purchase in the period
    card_purchases: int  # their purchases in the period
    previous_buyers: int  # card customers who bought in the period of the same length before
    retained: int  # ... and bought again in this one
    card_revenue: int  # revenue of the sales with a card (refunds deducted), kopecks
    revenue: int  # revenue of all sales, kopecks


@dataclass(frozen=True)
class ClvRange:
    """CLV as a range, or None with the reason (`sample` below `minimum`, or no data)."""

    sample: int  # the smaller of the previous period's card buyers and this period's
    minimum: int
    retention_low: Fraction | None
    retention_high: Fraction | None
    low: int | None  # kopecks
    value: int | None  # the point estimate (the report's CLV), shown only with the range
    high: int | None

    @property
    def enough(self) -> bool:
        """True when the sample is large enough to show a CLV."""
        return self.value is not None


@dataclass(frozen=True)
class Payback:
    """The program's cost against what members bring beyond non-members, in one period."""

    cost: ProgramCost
    baskets: Baskets
    card_average_basket: Fraction | None
    anonymous_average_basket: Fraction | None
    extra: int | None  # kopecks members brought beyond as many non-member visits; None without both kinds
    balance: int | None  # extra − cost
    per_rouble: Fraction | None  # extra / cost: kopecks brought per kopeck the program cost
    visits_per_member: Fraction | None  # card purchases per card buyer in the period
    retention: Fraction | None
    card_revenue_share: Fraction | None  # card revenue / revenue (None when revenue is not positive)
    clv: ClvRange


def program_cost(
    discounts: int, stamps: int, coupons: int, points_paid: int, gift_points: int, point_value: int
) -> ProgramCost:
    """The cost by kind: the sales' discounts are stamps + coupons + card discounts, so the card's is what is left."""
    return ProgramCost(
        tier_discounts=discounts - stamps - coupons,
        stamps=stamps,
        coupons=coupons,
        points=points_paid,
        gifts=gift_points * point_value,
    )


def member_extra(b: Baskets) -> int | None:
    """card_sales × (card average basket − non-card average basket), half up; None without both kinds of sale."""
    if not b.card_sales or not b.anonymous_sales:
        return None
    return round_half_up(b.card_basket - Fraction(b.card_sales * b.anonymous_basket, b.anonymous_sales))


def _sqrt_outward(x: Fraction, up: bool) -> Fraction:
    """√x to nine decimals, rounded down (up=False) or up: exact integers, no float."""
    scaled = x.numerator * _SQRT_PLACES**2 // x.denominator
    root = isqrt(scaled)
    if up and (root * root != scaled or scaled * x.denominator != x.numerator * _SQRT_PLACES**2):
        root += 1
    return Fraction(root, _SQRT_PLACES)


def wilson_interval(k: int, n: int, z: Fraction = Z_95) -> tuple[Fraction, Fraction]:
    """The Wilson score interval of a share k/n, widened outward to nine decimals; n > 0, 0 ≤ k ≤ n."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"a share needs 0 <= k <= n and n > 0, got {k}/{n}")
    z2 = z * z
    p = Fraction(k, n)
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = _sqrt_outward(z2 * (p * (1 - p) / n + z2 / (4 * n * n)), up=True) / denominator
    return max(Fraction(0), centre - half), min(Fraction(1), centre + half)


def lifetime_years(period_days: Fraction, retention: Fraction, cap: int = MAX_LIFETIME_YEARS) -> Fraction:
    """(period days / 365) / (1 − retention), at most cap years (cap years at a retention of 1)."""
    if retention >= 1:
        return Fraction(cap)
    return min(period_days / 365 / (1 - retention), Fraction(cap))


def clv_range(
    average_check: Fraction | None,
    purchases_per_year: Fraction | None,
    buyers: int,
    previous_buyers: int,
    retained: int,
    period_days: Fraction,
    minimum: int = CLV_MIN_SAMPLE,
) -> ClvRange:
    """CLV = average check × purchases a year × lifetime, with the lifetime at the retention's interval ends."""
    sample = min(buyers, previous_buyers)
    if sample < minimum or average_check is None or purchases_per_year is None:
        return ClvRange(sample, minimum, None, None, None, None, None)
    low_r, high_r = wilson_interval(retained, previous_buyers)
    per_visit_year = average_check * purchases_per_year

    def value(retention: Fraction) -> int:
        return round_half_up(per_visit_year * lifetime_years(period_days, retention))

    return ClvRange(
        sample,
        minimum,
        low_r,
        high_r,
        value(low_r),
        value(Fraction(retained, previous_buyers)),
        value(high_r),
    )


def _share(part: int, whole: int) -> Fraction | None:
    return None if whole == 0 else Fraction(part, whole)


def payback(
    cost: ProgramCost,
    baskets: Baskets,
    members: MemberFigures,
    clv: ClvRange,
) -> Payback:
    """The cost against what members bring beyond non-members, with the member figures beside it."""
    extra = member_extra(baskets)
    return Payback(
        cost=cost,
        baskets=baskets,
        card_average_basket=_share(baskets.card_basket, baskets.card_sales),
        anonymous_average_basket=_share(baskets.anonymous_basket, baskets.anonymous_sales),
        extra=extra,
        balance=None if extra is None else extra - cost.total,
        per_rouble=None if extra is None or cost.total <= 0 else Fraction(extra, cost.total),
        visits_per_member=_share(members.card_purchases, members.buyers),
        retention=_share(members.retained, members.previous_buyers),
        card_revenue_share=None if members.revenue <= 0 else Fraction(members.card_revenue, members.revenue),
        clv=clv,
    )
