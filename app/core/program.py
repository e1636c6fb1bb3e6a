"""The loyalty program file (loyalty-rules.md §2): parsed once into frozen values, validated loudly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from app.core import program_file
from app.core.errors import LoyaltyError, ProgramError
from app.core.program_file import DEFAULT_TIMEZONE as DEFAULT_TIMEZONE
from app.core.timeutil import parse_ts, to_ms


@dataclass(frozen=True)
class Tier:
    """A tier reached by money paid over the tier window."""

    name: str
    min_spend: int
    discount_pct: Fraction
    earn_rate_pct: Fraction


@dataclass(frozen=True)
class HappyHour:
    """An earn multiplier on some weekdays between two local times."""

    weekdays: frozenset[int]
    start_min: int
    end_min: int
    earn_multiplier: Fraction


@dataclass(frozen=True)
class Bonus:
    """Points granted on an event, usable at once."""

    points: int
    expiry_days: int | None


@dataclass(frozen=True)
class BirthdayBonus:
    """Points granted once per birthday, inside a window of days around it."""

    points: int
    days_before: int
    days_after: int
    expiry_days: int | None


@dataclass(frozen=True)
class Referral:
    """Points for the newcomer at enrollment and for the referrer after a first purchase."""

    referrer_points: int
    referee_points: int
    min_first_purchase: int


@dataclass(frozen=True)
class StampRule:
    """A stamp card: every unit of a category is a stamp; `needed` stamps make one unit free."""

    id: str
    category: str
    needed: int


@dataclass(frozen=True)
class Coupon:
    """A coupon code (loyalty-rules.md §6)."""

    code: str
    kind: str
    percent: Fraction
    amount: int
    min_total: int
    categories: frozenset[str]
    valid_from: int | None
    valid_to: int | None
    max_uses: int | None
    per_customer_max: int | None
    requires_card: bool
    exclusive: bool
    customer: str | None


@dataclass(frozen=True)
class Reward:
    """A gift from the catalog, paid with points."""

    id: str
    name: str
    points: int


@dataclass(frozen=True)
class OfflinePolicy:
    """Bounds on redemption while a chain terminal cannot reach its server (sync.md)."""

    terminal_redeem_cap: int | None = None
    max_offline_hours: int | None = None
    skew_warn_seconds: int = 60
    skew_stop_seconds: int = 600


@dataclass(frozen=True)
class Watch:
    """When the manager's fraud flags are raised (app.core.services.fraud); none of it changes a price."""

    card_uses_per_day: int = 8  # a card used on more sales than this in one local day
    terminals_within_minutes: int = 10  # the same card at two terminals closer in time than this (chain)
    spend_after_earn_minutes: int = 30  # points paid this soon after the card last earned
    staff_card_sales_per_day: int = 3  # a staff member's own card on more sales than this in a day
    adjust_count_per_day: int = 5  # one person's manual adjustments in a day above this
    adjust_points_per_day: int = 2000  # or their points (added and removed alike) above this


@dataclass(frozen=True)
class Cap:
    """A daily limit: above `warn` the cashier is told, above `stop` the operation is refused (None: no such bound)."""

    warn: int | None = None
    stop: int | None = None


@dataclass(frozen=True)
class Caps:
    """Per-card and per-person daily limits (issue 13, part 2), counted on this till in the store's local day."""

    card_sales: Cap = Cap()  # sales with the card
    card_earned: Cap = Cap()  # points the card earns on purchases
    card_spent: Cap = Cap()  # points the card pays (redemptions and gifts)
    adjust_points: Cap = Cap()  # points one person adjusts by hand (added and removed alike)


@dataclass(frozen=True)
class ConfirmPolicy:
    """When paying with points needs the customer's confirmation (app.core.services.confirm)."""

    always: bool = False
    found_by_phone: bool = False  # the customer was found by phone or name, not by the card or its QR
    above_points: int | None = None  # paying more points than this
    code_minutes: int = 5  # an SMS code works this long
    code_attempts: int = 3  # and for this many tries


@dataclass(frozen=True)
class Program:
    """One validated program version; `raw` is the JSON it came from, kept for display and sync."""

    tiers: tuple[Tier, ...]
    point_value: int = 100
    timezone: str = DEFAULT_TIMEZONE
    tier_window_days: int | None = 365
    max_share_pct: Fraction = Fraction(30)
    min_balance: int = 0
    activation_days: int = 0
    expiry_days: int | None = None
    excluded_discount: frozenset[str] = frozenset()
    excluded_earn: frozenset[str] = frozenset()
    excluded_redeem: frozenset[str] = frozenset()
    category_multipliers: Mapping[str, Fraction] = field(default_factory=dict)
    happy_hours: tuple[HappyHour, ...] = ()
    welcome_bonus: Bonus | None = None
    birthday_bonus: BirthdayBonus | None = None
    referral: Referral | None = None
    stamps: tuple[StampRule, ...] = ()
    coupons: tuple[Coupon, ...] = ()
    rewards: tuple[Reward, ...] = ()
    restore_expiry_days: int = 90
    offline_redeem_cap: int | None = None
    offline: OfflinePolicy = OfflinePolicy()
    watch: Watch = Watch()
    caps: Caps = Caps()
    confirm: ConfirmPolicy = ConfirmPolicy()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def zone(self) -> ZoneInfo:
        """The merchant's time zone."""
        return ZoneInfo(self.timezone)

    def coupon(self, code: str) -> Coupon | None:
        """The coupon with this code (codes compare case-insensitively), if any."""
        wanted = code.strip().upper()
        return next((c for c in self.coupons if c.code.upper() == wanted), None)

    def reward(self, reward_id: str) -> Reward | None:
        """The gift reward with this id, if any."""
        return next((r for r in self.rewards if r.id == reward_id), None)

    def tier_for(self, spend: int) -> Tier:
        """The tier with the highest min_spend not above spend."""
        best = self.tiers[0]
        for tier in self.tiers:
            if tier.min_spend <= spend and tier.min_spend >= best.min_spend:
                best = tier
        return best

    def next_tier(self, spend: int) -> Tier | None:
        """The cheapest tier above the one spend reaches, if any."""
        above = [t for t in self.tiers if t.min_spend > spend]
        return min(above, key=lambda t: t.min_spend) if above else None


def parse_program(data: Any) -> Program:
    """Validate a program JSON object and return it frozen; ProgramError names the first problem.

    The file's fields are checked by its pydantic model (app.core.program_file); the rules between
    fields are checked here, each with its refusal code and the path of the field it names."""
    f = program_file.read(data)
    tiers = tuple(Tier(t.name, t.min_spend, t.discount_pct, t.earn_rate_pct) for t in f.tiers)
    for i, tier in enumerate(tiers):
        if tier.discount_pct > 100:
            raise ProgramError("program_max_plain", path=f"tiers[{i}].discount_pct", max=100)
    if not tiers:
        raise ProgramError("program_no_tiers", path="tiers")
    if tiers[0].min_spend != 0:
        raise ProgramError("program_first_tier", path="tiers[0].min_spend")
    if len({t.name for t in tiers}) != len(tiers):
        raise ProgramError("program_tier_names", path="tiers")
    if len({t.min_spend for t in tiers}) != len(tiers):
        raise ProgramError("program_tier_spends", path="tiers")
    if f.redeem.max_share_pct > 100:
        raise ProgramError("program_max_plain", path="redeem.max_share_pct", max=100)
    for i, h in enumerate(f.happy_hours):
        if h.start >= h.end:
            raise ProgramError("program_hours_order", path=f"happy_hours[{i}].from", end=f"happy_hours[{i}].to")
    if len({s.id for s in f.stamps}) != len(f.stamps):
        raise ProgramError("program_stamp_ids", path="stamps")
    coupons = [_coupon(c, f"coupons[{i}]") for i, c in enumerate(f.coupons)]
    if len({c.code.upper() for c in coupons}) != len(coupons):
        raise ProgramError("program_coupon_codes", path="coupons")
    if len({g.id for g in f.rewards}) != len(f.rewards):
        raise ProgramError("program_reward_ids", path="rewards")
    w, b, r, o, v = f.welcome_bonus, f.birthday_bonus, f.referral, f.offline, f.watch
    caps = Caps() if f.limits is None else Caps(*(_cap(c, f"limits.{n}") for n, c in f.limits))
    return Program(
        tiers=tiers,
        point_value=f.point_value,
        timezone=f.timezone,
        tier_window_days=f.tier_window_days,
        max_share_pct=f.redeem.max_share_pct,
        min_balance=f.redeem.min_balance,
        activation_days=f.activation_days,
        expiry_days=f.expiry_days,
        excluded_discount=f.excluded.discount,
        excluded_earn=f.excluded.earn,
        excluded_redeem=f.excluded.redeem,
        category_multipliers=dict(f.category_multipliers),
        happy_hours=tuple(HappyHour(h.weekdays, h.start, h.end, h.earn_multiplier) for h in f.happy_hours),
        welcome_bonus=None if w is None else Bonus(w.points, w.expiry_days),
        birthday_bonus=None if b is None else BirthdayBonus(b.points, b.days_before, b.days_after, b.expiry_days),
        referral=None if r is None else Referral(r.referrer_points, r.referee_points, r.min_first_purchase),
        stamps=tuple(StampRule(s.id, s.category, s.needed) for s in f.stamps),
        coupons=tuple(coupons),
        rewards=tuple(Reward(g.id, g.name, g.points) for g in f.rewards),
        restore_expiry_days=f.restore_expiry_days,
        offline_redeem_cap=f.offline_redeem_cap,
        offline=OfflinePolicy()
        if o is None
        else OfflinePolicy(o.terminal_redeem_cap, o.max_offline_hours, o.skew_warn_seconds, o.skew_stop_seconds),
        watch=Watch() if v is None else Watch(**v.model_dump()),
        caps=caps,
        confirm=ConfirmPolicy() if f.confirm is None else ConfirmPolicy(**f.confirm.model_dump()),
        raw=data,
    )


def _cap(c: program_file.CapIn | None, path: str) -> Cap:
    if c is None:
        return Cap()
    if c.warn is not None and c.stop is not None and c.warn >= c.stop:
        raise ProgramError("program_cap_order", path=f"{path}.warn", stop=f"{path}.stop")
    return Cap(c.warn, c.stop)


def _coupon(c: program_file.CouponIn, path: str) -> Coupon:
    code = c.code.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", code):
        raise ProgramError("program_coupon_code", path=f"{path}.code")
    percent, amount = Fraction(0), 0
    # The value's type follows the kind, so it is read here, with the same codes as any field.
    if c.kind == "percent":
        percent = program_file.coupon_percent(c.value, f"{path}.value")
        if not 0 < percent <= 100:
            raise ProgramError("program_percent", path=f"{path}.value")
    elif c.kind == "amount":
        amount = program_file.coupon_amount(c.value, f"{path}.value")
    else:
        raise ProgramError("program_coupon_kind", path=f"{path}.kind")
    valid_from, valid_to = _instant(c.valid_from, f"{path}.valid_from"), _instant(c.valid_to, f"{path}.valid_to")
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise ProgramError("program_hours_order", path=f"{path}.valid_from", end="valid_to")
    customer = c.customer
    if customer is not None and (not isinstance(customer, str) or not customer.strip()):
        raise ProgramError("program_card", path=f"{path}.customer")
    return Coupon(
        code=code,
        kind=c.kind,
        percent=percent,
        amount=amount,
        min_total=c.min_total,
        categories=c.categories,
        valid_from=valid_from,
        valid_to=valid_to,
        max_uses=c.max_uses,
        per_customer_max=c.per_customer_max,
        # per_customer_max needs to know who used it, so it implies a card (§6).
        requires_card=c.requires_card or c.per_customer_max is not None or customer is not None,
        exclusive=c.exclusive,
        customer=customer.strip() if isinstance(customer, str) else None,
    )


def _instant(value: str | None, path: str) -> int | None:
    if value is None:
        return None
    try:
        return to_ms(parse_ts(value))
    except LoyaltyError as exc:
        raise ProgramError(f"program_{exc.code}", path=path, **exc.params) from None


def local_time(program: Program, at_ms: int) -> datetime:
    """The sale instant in the merchant's local time."""
    from app.core.timeutil import from_ms

    return from_ms(at_ms).astimezone(program.zone)
