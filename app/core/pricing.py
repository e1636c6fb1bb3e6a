"""Pricing a checkout (loyalty-rules.md §3): a pure function from plain values to plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from app.core.errors import LoyaltyError
from app.core.money import floor, percent_of, split_largest_remainder
from app.core.program import Coupon, Program, Tier, local_time
from app.core.timeutil import DAY_MS

# Bounds on what a cashier can enter, far above any real basket: a typo of a few extra digits
# is refused with a reason instead of pricing a sale whose total no database column can hold.
MAX_QTY = 99_999
MAX_UNIT_PRICE = 1_000_000_000  # kopecks: ten million roubles a unit


@dataclass(frozen=True)
class LineIn:
    """A basket line as the cashier entered it."""

    sku: str
    name: str
    category: str
    qty: int
    unit_price: int


@dataclass(frozen=True)
class CustomerView:
    """What pricing needs to know of a customer, read before the sale."""

    card: str
    available: int  # available balance at the sale instant, debt already subtracted
    debt: int
    tier_spend: int
    stamps: Mapping[str, int]
    birthday: date | None
    birthday_years_granted: frozenset[int]
    referral_due: bool  # enrolled with a referrer who has not been paid yet


@dataclass(frozen=True)
class CouponUse:
    """A coupon offered at checkout, with how often it was used so far."""

    coupon: Coupon
    uses_total: int
    uses_by_customer: int


@dataclass(frozen=True)
class LineOut:
    """A priced line: discount, points paid and money paid, with the exact earn rate."""

    sku: str
    name: str
    category: str
    qty: int
    unit_price: int
    amount: int
    discount: int
    redeemed: int
    paid: int
    rate: Fraction
    stamp_rule: str | None  # the first stamp rule of the line's category (the v1 wire's one rule per line)
    stamps_given: int  # ... and the stamps it gave
    is_reward: bool = False
    coupon_discount: int = 0  # the part of `discount` the coupon gave (step 4), stored with the line
    stamps: Mapping[str, int] = field(default_factory=dict)  # stamps given per rule (every rule of the category)


@dataclass(frozen=True)
class Quote:
    """Everything a sale will write, computed before anything is written."""

    tier: str | None
    lines: tuple[LineOut, ...]
    subtotal: int
    discount: int
    redeemed_points: int
    redeemed_amount: int
    max_points: int
    total: int
    earned: int
    birthday_points: int
    birthday_year: int | None
    reward_id: str | None
    reward_points: int
    referral_points_to_referrer: int
    coupon: str | None
    stamps_spent: Mapping[str, int] = field(default_factory=dict)
    stamps_earned: Mapping[str, int] = field(default_factory=dict)


def tier_of(program: Program, customer: CustomerView | None) -> Tier | None:
    """The customer's tier from spend before this sale."""
    return None if customer is None else program.tier_for(customer.tier_spend)


def birthday_due(program: Program, customer: CustomerView, at_ms: int) -> int | None:
    """The birthday (by its year) whose bonus window holds the sale's local date, if not yet paid."""
    bonus = program.birthday_bonus
    if bonus is None or customer.birthday is None:
        return None
    today = local_time(program, at_ms).date()
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            day = customer.birthday.replace(year=year)
        except ValueError:  # 29 February in a common year counts as 28 February
            day = date(year, 2, 28)
        window = day - timedelta(days=bonus.days_before) <= today <= day + timedelta(days=bonus.days_after)
        if window and year not in customer.birthday_years_granted:
            return year
    return None


def check_coupon(program: Program, use: CouponUse, card: str | None, subtotal: int, at_ms: int) -> None:
    """Refuse a coupon that fails any of its conditions, saying which."""
    c = use.coupon
    if c.valid_from is not None and at_ms < c.valid_from:
        raise LoyaltyError("coupon_not_yet", coupon=c.code)
    if c.valid_to is not None and at_ms >= c.valid_to:
        raise LoyaltyError("coupon_expired", coupon=c.code)
    if c.requires_card and card is None:
        raise LoyaltyError("coupon_needs_card", coupon=c.code)
    if c.customer is not None and card != c.customer:
        raise LoyaltyError("coupon_personal", coupon=c.code)
    if c.max_uses is not None and use.uses_total >= c.max_uses:
        raise LoyaltyError("coupon_used_up", coupon=c.code)
    if c.per_customer_max is not None and use.uses_by_customer >= c.per_customer_max:
        raise LoyaltyError("coupon_per_customer", coupon=c.code, n=c.per_customer_max)
    if subtotal < c.min_total:
        raise LoyaltyError("coupon_min_total", coupon=c.code, min_kopecks=c.min_total)


def _cap_params(program: Program, cap: str) -> dict[str, int]:
    """What an offline cap's wording needs beyond its code: the hours without a sync."""
    return {"hours": program.offline.max_offline_hours or 0} if cap == "cap_stale" else {}


def happy_multiplier(program: Program, at_ms: int) -> Fraction:
    """The largest earn multiplier of the happy hours covering the sale's local time (1 if none)."""
    local = local_time(program, at_ms)
    minute = local.hour * 60 + local.minute
    best = Fraction(1)
    found = False
    for h in program.happy_hours:
        if local.isoweekday() in h.weekdays and h.start_min <= minute < h.end_min:
            best = h.earn_multiplier if not found else max(best, h.earn_multiplier)
            found = True
    return best


def price(
    program: Program,
    lines: list[LineIn],
    at_ms: int,
    customer: CustomerView | None = None,
    coupon: CouponUse | None = None,
    redeem: int | str | None = None,
    reward_id: str | None = None,
    redeem_cap: tuple[int | None, str] | None = None,
) -> Quote:
    """Price a basket exactly as loyalty-rules.md §3 says; raises LoyaltyError on a refusal."""
    if not lines:
        raise LoyaltyError("basket_empty")
    for line in lines:
        if line.qty < 1:
            raise LoyaltyError("qty_min", sku=line.sku)
        if line.qty > MAX_QTY:
            raise LoyaltyError("qty_max", sku=line.sku, max=MAX_QTY)
        if line.unit_price < 0:
            raise LoyaltyError("price_negative", sku=line.sku)
        if line.unit_price > MAX_UNIT_PRICE:
            raise LoyaltyError("price_max", sku=line.sku, max_kopecks=MAX_UNIT_PRICE)
    if customer is None and (redeem not in (None, 0) or reward_id is not None):
        raise LoyaltyError("redeem_needs_card")

    n = len(lines)
    amount = [line.qty * line.unit_price for line in lines]
    disc = [0] * n
    subtotal = sum(amount)
    tier = tier_of(program, customer)

    # Step 2: a birthday bonus granted now counts in this sale.
    birthday_year = birthday_due(program, customer, at_ms) if customer else None
    birthday_points = program.birthday_bonus.points if birthday_year is not None and program.birthday_bonus else 0

    # Step 3: the cheapest unit of a stamp rule's category is free once the card is full.
    stamps_spent: dict[str, int] = {}
    free_line: dict[str, int] = {}
    if customer is not None:
        for rule in program.stamps:
            if customer.stamps.get(rule.id, 0) < rule.needed:
                continue
            candidates = [i for i in range(n) if lines[i].category == rule.category and lines[i].unit_price >= 0]
            # A unit whose line is already fully discounted by an earlier rule is no reward.
            candidates = [i for i in candidates if amount[i] - disc[i] >= lines[i].unit_price]
            if not candidates:
                continue
            cheapest = min(candidates, key=lambda i: (lines[i].unit_price, i))
            disc[cheapest] += lines[cheapest].unit_price
            stamps_spent[rule.id] = rule.needed
            free_line[rule.id] = cheapest

    # Step 4: the coupon. Its share of each line's discount is kept: the coupon report reads it.
    coupon_code = None
    coupon_off = [0] * n
    if coupon is not None:
        check_coupon(program, coupon, customer.card if customer else None, subtotal, at_ms)
        c = coupon.coupon
        coupon_code = c.code
        eligible = [
            i
            for i in range(n)
            if (not c.categories or lines[i].category in c.categories)
            and lines[i].category not in program.excluded_discount
        ]
        if c.kind == "percent":
            for i in eligible:
                coupon_off[i] = percent_of(amount[i] - disc[i], c.percent)
        else:
            base = [amount[i] - disc[i] for i in eligible]
            off = min(c.amount, sum(base))
            for i, part in zip(eligible, split_largest_remainder(off, base), strict=True):
                coupon_off[i] = part
        for i in eligible:
            disc[i] += coupon_off[i]

    # Step 5: the card discount of the tier.
    if tier is not None and tier.discount_pct > 0 and not (coupon and coupon.coupon.exclusive):
        for i in range(n):
            if lines[i].category not in program.excluded_discount:
                disc[i] += percent_of(amount[i] - disc[i], tier.discount_pct)

    # Step 6: redemption. A chosen gift's points are set aside first (step 9 pays it from what is
    # left), so max_points is what can really be redeemed beside it: one figure for the field,
    # for "max" and for the refusal.
    reward = program.reward(reward_id) if reward_id is not None else None
    if reward_id is not None and reward is None:
        raise LoyaltyError("unknown_reward", reward=reward_id)
    set_aside = reward.points if reward is not None else 0
    base_r = [amount[i] - disc[i] if lines[i].category not in program.excluded_redeem else 0 for i in range(n)]
    max_points = 0
    capped_by = ""
    if customer is not None:
        available = customer.available + birthday_points
        share = program.max_share_pct  # floor(B × share / 100 / point_value), in integers
        max_points = sum(base_r) * share.numerator // (share.denominator * 100 * program.point_value)
        max_points = max(0, min(max_points, available - set_aside))
        if available < program.min_balance:
            max_points = 0
        cap, cap_reason = redeem_cap if redeem_cap is not None else (None, "")
        if cap is not None and cap - set_aside < max_points:
            max_points = max(0, cap - set_aside)
            capped_by = cap_reason
    if redeem == "max":
        points = max_points
    elif redeem is None:
        points = 0
    elif isinstance(redeem, int) and not isinstance(redeem, bool) and redeem >= 0:
        points = redeem
        if points > max_points:
            if capped_by:
                raise LoyaltyError("redeem_capped", points=max_points, cap=capped_by, **_cap_params(program, capped_by))
            raise LoyaltyError("redeem_max", points=max_points)
    else:
        raise LoyaltyError("redeem_value", value=redeem)
    red_amount = points * program.point_value
    red = split_largest_remainder(red_amount, base_r)

    # Step 7: paid.
    paid = [amount[i] - disc[i] - red[i] for i in range(n)]

    # Step 8: earning, one floor over the exact sum.
    hh = happy_multiplier(program, at_ms)
    rate_of: dict[str, Fraction] = {}  # one rate per category: a basket has few categories, many lines
    for line in lines:
        if line.category in rate_of:
            continue
        if customer is None or tier is None or line.category in program.excluded_earn:
            rate_of[line.category] = Fraction(0)
        else:
            multiplier = program.category_multipliers.get(line.category, Fraction(1))
            rate_of[line.category] = tier.earn_rate_pct * multiplier * hh
    rates = [rate_of[line.category] for line in lines]
    # Σ p_i × rate_i summed exactly per distinct rate (integers first), then one floor.
    paid_at_rate: dict[Fraction, int] = {}
    for i in range(n):
        if rates[i]:
            paid_at_rate[rates[i]] = paid_at_rate.get(rates[i], 0) + paid[i]
    earned = floor(sum((rate * p for rate, p in paid_at_rate.items()), Fraction(0)) / (100 * program.point_value))

    # Step 9: a gift reward, paid from what is left after the redemption.
    reward_points = 0
    reward_line: list[LineOut] = []
    if reward is not None:
        assert customer is not None
        left = customer.available + birthday_points - points
        if left < reward.points:
            raise LoyaltyError("gift_points", name=reward.name, need=reward.points, have=max(left, 0))
        # A gift paid with points spends them like a redemption, so the offline caps bound it too.
        cap, cap_reason = redeem_cap if redeem_cap is not None else (None, "")
        if cap is not None and points + reward.points > cap:
            raise LoyaltyError(
                "gift_capped",
                name=reward.name,
                need=reward.points,
                points=max(cap - points, 0),
                cap=cap_reason,
                **_cap_params(program, cap_reason),
            )
        reward_points = reward.points
        reward_line.append(
            LineOut(reward.id, reward.name, "reward", 1, 0, 0, 0, 0, 0, Fraction(0), None, 0, is_reward=True)
        )

    # Step 10: stamps earned, one per unit of the rule's category, not for the unit that rule made free.
    # Every rule of a category gives its stamps (a second rule on one category used to get none).
    given = [0] * n
    rule_of: list[str | None] = [None] * n
    per_rule: list[dict[str, int]] = [{} for _ in range(n)]
    stamps_earned: dict[str, int] = {}
    if customer is not None:
        for rule in program.stamps:
            for i in range(n):
                if lines[i].category == rule.category and rule.id not in per_rule[i]:
                    units = lines[i].qty - (1 if free_line.get(rule.id) == i else 0)
                    per_rule[i][rule.id] = units
                    if rule_of[i] is None:
                        rule_of[i], given[i] = rule.id, units
                    stamps_earned[rule.id] = stamps_earned.get(rule.id, 0) + units

    referral = 0
    due = customer is not None and customer.referral_due and program.referral is not None
    if due and program.referral is not None and sum(paid) >= program.referral.min_first_purchase:
        referral = program.referral.referrer_points

    out = tuple(
        LineOut(
            lines[i].sku,
            lines[i].name,
            lines[i].category,
            lines[i].qty,
            lines[i].unit_price,
            amount[i],
            disc[i],
            red[i],
            paid[i],
            rates[i],
            rule_of[i],
            given[i],
            coupon_discount=coupon_off[i],
            stamps=per_rule[i],
        )
        for i in range(n)
    ) + tuple(reward_line)
    return Quote(
        tier=tier.name if tier else None,
        lines=out,
        subtotal=subtotal,
        discount=sum(disc),
        redeemed_points=points,
        redeemed_amount=red_amount,
        max_points=max_points,
        total=sum(paid),
        earned=earned,
        birthday_points=birthday_points,
        birthday_year=birthday_year,
        reward_id=reward_id,
        reward_points=reward_points,
        referral_points_to_referrer=referral,
        coupon=coupon_code,
        stamps_spent=stamps_spent,
        stamps_earned=stamps_earned,
    )


def days_ms(days: int) -> int:
    """A number of days as milliseconds (a day is 24 hours from the instant)."""
    return days * DAY_MS
