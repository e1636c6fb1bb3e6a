"""The loyalty program file (loyalty-rules.md §2): parsed once into frozen values, validated loudly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.errors import LoyaltyError, ProgramError
from app.core.money import parse_decimal
from app.core.timeutil import parse_ts, to_ms

DEFAULT_TIMEZONE = "Europe/Moscow"  # a program file that names no zone


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


_KEYS = {
    "point_value",
    "timezone",
    "tiers",
    "tier_window_days",
    "redeem",
    "activation_days",
    "expiry_days",
    "excluded",
    "category_multipliers",
    "happy_hours",
    "welcome_bonus",
    "birthday_bonus",
    "referral",
    "stamps",
    "coupons",
    "rewards",
    "restore_expiry_days",
    "offline_redeem_cap",
    "offline",
    "name",
}
# Upper bounds far above any real program, so that a typo cannot make a date beyond the year
# 9999 (days) or a figure no database column holds (points, kopecks, counts).
MAX_DAYS = 36_600
MAX_INTEGER = 10**15
MAX_DECIMAL = 1_000_000  # percentages and multipliers
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class _Reader:
    """Typed access to one JSON object with errors that name the offending key path."""

    def __init__(self, data: Any, path: str, allowed: set[str]) -> None:
        if not isinstance(data, dict):
            if not path:
                raise ProgramError("program_top_not_object")
            raise ProgramError("program_not_object", path=path)
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ProgramError("program_unknown_key", path=_join(path, unknown[0]))
        self.data: dict[str, Any] = data
        self.path = path

    def where(self, key: str) -> str:
        return _join(self.path, key)

    def integer(self, key: str, default: int | None, *, minimum: int = 0, nullable: bool = False) -> Any:
        if key not in self.data:
            if default is None and not nullable:
                raise ProgramError("program_missing_key", path=self.where(key))
            return default
        value = self.data[key]
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProgramError("program_not_integer", path=self.where(key), value=value)
        if value < minimum:
            raise ProgramError("program_min", path=self.where(key), min=minimum, value=value)
        maximum = MAX_DAYS if key.endswith("_days") or key.startswith("days_") else MAX_INTEGER
        if value > maximum:
            raise ProgramError("program_max", path=self.where(key), max=maximum, value=value)
        return value

    def dec(self, key: str, default: str | None) -> Fraction:
        if key not in self.data:
            if default is None:
                raise ProgramError("program_missing_key", path=self.where(key))
            return Fraction(default)
        value = self.data[key]
        if isinstance(value, float):
            raise ProgramError("program_float", path=self.where(key), value=value)
        try:
            number = parse_decimal(value, self.where(key))
        except ValueError:
            # parse_decimal's three refusals, as codes (its ValueError text is for other callers).
            if isinstance(value, int) and not isinstance(value, bool):
                raise ProgramError("program_negative", path=self.where(key), value=value) from None
            code = "program_not_decimal" if isinstance(value, bool) else "program_decimal_string"
            raise ProgramError(code, path=self.where(key), value=value) from None
        if number > MAX_DECIMAL:
            raise ProgramError("program_max_decimal", path=self.where(key), max=MAX_DECIMAL, value=value)
        return number

    def string(self, key: str, default: str | None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ProgramError("program_text", path=self.where(key))
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise ProgramError("program_flag", path=self.where(key))
        return value

    def strings(self, key: str) -> frozenset[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProgramError("program_strings", path=self.where(key))
        return frozenset(value)

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise ProgramError("program_list", path=self.where(key))
        return value

    def time(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ProgramError("program_timestamp", path=self.where(key))
        try:
            return to_ms(parse_ts(value))
        except LoyaltyError as exc:
            raise ProgramError(f"program_{exc.code}", path=self.where(key), **exc.params) from None


def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)


def _minutes(text: Any, where: str) -> int:
    if not isinstance(text, str) or not _HHMM.match(text):
        raise ProgramError("program_time", path=where, value=text)
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_program(data: Any) -> Program:
    """Validate a program JSON object and return it frozen; ProgramError names the first problem."""
    top = _Reader(data, "", _KEYS)
    timezone = top.string("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProgramError("program_timezone", path="timezone", value=timezone) from None

    if "tiers" not in top.data:
        raise ProgramError("program_missing_key", path="tiers")
    tiers: list[Tier] = []
    for i, item in enumerate(top.array("tiers")):
        t = _Reader(item, f"tiers[{i}]", {"name", "min_spend", "discount_pct", "earn_rate_pct"})
        tier = Tier(
            name=t.string("name", None),
            min_spend=t.integer("min_spend", None),
            discount_pct=t.dec("discount_pct", "0"),
            earn_rate_pct=t.dec("earn_rate_pct", "0"),
        )
        if tier.discount_pct > 100:
            raise ProgramError("program_max_plain", path=t.where("discount_pct"), max=100)
        tiers.append(tier)
    if not tiers:
        raise ProgramError("program_no_tiers", path="tiers")
    if tiers[0].min_spend != 0:
        raise ProgramError("program_first_tier", path="tiers[0].min_spend")
    if len({t.name for t in tiers}) != len(tiers):
        raise ProgramError("program_tier_names", path="tiers")
    if len({t.min_spend for t in tiers}) != len(tiers):
        raise ProgramError("program_tier_spends", path="tiers")

    redeem = _Reader(top.data.get("redeem", {}), "redeem", {"max_share_pct", "min_balance"})
    max_share = redeem.dec("max_share_pct", "30")
    if max_share > 100:
        raise ProgramError("program_max_plain", path="redeem.max_share_pct", max=100)
    excluded = _Reader(top.data.get("excluded", {}), "excluded", {"discount", "earn", "redeem"})

    multipliers: dict[str, Fraction] = {}
    mult_data = top.data.get("category_multipliers", {})
    mult = _Reader(mult_data, "category_multipliers", set(mult_data) if isinstance(mult_data, dict) else set())
    for category in mult.data:
        multipliers[category] = mult.dec(category, None)

    happy: list[HappyHour] = []
    for i, item in enumerate(top.array("happy_hours")):
        h = _Reader(item, f"happy_hours[{i}]", {"weekdays", "from", "to", "earn_multiplier"})
        days = h.array("weekdays")
        if not days or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days):
            raise ProgramError("program_weekdays", path=h.where("weekdays"))
        start = _minutes(h.data.get("from"), h.where("from"))
        end = _minutes(h.data.get("to"), h.where("to"))
        if start >= end:
            raise ProgramError("program_hours_order", path=h.where("from"), end=h.where("to"))
        happy.append(HappyHour(frozenset(days), start, end, h.dec("earn_multiplier", None)))

    welcome = None
    if top.data.get("welcome_bonus") is not None:
        w = _Reader(top.data["welcome_bonus"], "welcome_bonus", {"points", "expiry_days"})
        welcome = Bonus(w.integer("points", None), w.integer("expiry_days", None, minimum=1, nullable=True))
    birthday = None
    if top.data.get("birthday_bonus") is not None:
        b = _Reader(
            top.data["birthday_bonus"],
            "birthday_bonus",
            {"points", "days_before", "days_after", "expiry_days"},
        )
        birthday = BirthdayBonus(
            b.integer("points", None),
            b.integer("days_before", 0),
            b.integer("days_after", 0),
            b.integer("expiry_days", None, minimum=1, nullable=True),
        )
    referral = None
    if top.data.get("referral") is not None:
        r = _Reader(top.data["referral"], "referral", {"referrer_points", "referee_points", "min_first_purchase"})
        referral = Referral(
            r.integer("referrer_points", 0), r.integer("referee_points", 0), r.integer("min_first_purchase", 0)
        )

    stamps: list[StampRule] = []
    for i, item in enumerate(top.array("stamps")):
        s = _Reader(item, f"stamps[{i}]", {"id", "category", "needed"})
        stamps.append(StampRule(s.string("id", None), s.string("category", None), s.integer("needed", None, minimum=1)))
    if len({s.id for s in stamps}) != len(stamps):
        raise ProgramError("program_stamp_ids", path="stamps")

    coupons = [_coupon(item, f"coupons[{i}]") for i, item in enumerate(top.array("coupons"))]
    if len({c.code.upper() for c in coupons}) != len(coupons):
        raise ProgramError("program_coupon_codes", path="coupons")

    rewards: list[Reward] = []
    for i, item in enumerate(top.array("rewards")):
        g = _Reader(item, f"rewards[{i}]", {"id", "name", "points"})
        rewards.append(Reward(g.string("id", None), g.string("name", None), g.integer("points", None, minimum=1)))
    if len({g.id for g in rewards}) != len(rewards):
        raise ProgramError("program_reward_ids", path="rewards")

    offline = OfflinePolicy()
    if top.data.get("offline") is not None:
        o = _Reader(
            top.data["offline"],
            "offline",
            {"terminal_redeem_cap", "max_offline_hours", "skew_warn_seconds", "skew_stop_seconds"},
        )
        offline = OfflinePolicy(
            o.integer("terminal_redeem_cap", None, nullable=True),
            o.integer("max_offline_hours", None, nullable=True),
            o.integer("skew_warn_seconds", 60),
            o.integer("skew_stop_seconds", 600),
        )
    if "name" in top.data:
        top.string("name", None)

    return Program(
        tiers=tuple(tiers),
        point_value=top.integer("point_value", 100, minimum=1),
        timezone=timezone,
        tier_window_days=top.integer("tier_window_days", 365, minimum=1, nullable=True),
        max_share_pct=max_share,
        min_balance=redeem.integer("min_balance", 0),
        activation_days=top.integer("activation_days", 0),
        expiry_days=top.integer("expiry_days", None, minimum=1, nullable=True),
        excluded_discount=excluded.strings("discount"),
        excluded_earn=excluded.strings("earn"),
        excluded_redeem=excluded.strings("redeem"),
        category_multipliers=multipliers,
        happy_hours=tuple(happy),
        welcome_bonus=welcome,
        birthday_bonus=birthday,
        referral=referral,
        stamps=tuple(stamps),
        coupons=tuple(coupons),
        rewards=tuple(rewards),
        restore_expiry_days=top.integer("restore_expiry_days", 90, minimum=1),
        offline_redeem_cap=top.integer("offline_redeem_cap", None, nullable=True),
        offline=offline,
        raw=data,
    )


def _coupon(item: Any, path: str) -> Coupon:
    c = _Reader(
        item,
        path,
        {
            "code",
            "kind",
            "value",
            "min_total",
            "categories",
            "valid_from",
            "valid_to",
            "max_uses",
            "per_customer_max",
            "requires_card",
            "exclusive",
            "customer",
        },
    )
    code = c.string("code", None).strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", code):
        raise ProgramError("program_coupon_code", path=c.where("code"))
    kind = c.data.get("kind")
    percent, amount = Fraction(0), 0
    if kind == "percent":
        percent = c.dec("value", None)
        if not 0 < percent <= 100:
            raise ProgramError("program_percent", path=c.where("value"))
    elif kind == "amount":
        amount = c.integer("value", None, minimum=1)
    else:
        raise ProgramError("program_coupon_kind", path=c.where("kind"))
    valid_from, valid_to = c.time("valid_from"), c.time("valid_to")
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise ProgramError("program_hours_order", path=c.where("valid_from"), end="valid_to")
    per_customer = c.integer("per_customer_max", None, minimum=1, nullable=True)
    customer = c.data.get("customer")
    if customer is not None and (not isinstance(customer, str) or not customer.strip()):
        raise ProgramError("program_card", path=c.where("customer"))
    return Coupon(
        code=code,
        kind=kind,
        percent=percent,
        amount=amount,
        min_total=c.integer("min_total", 0),
        categories=c.strings("categories"),
        valid_from=valid_from,
        valid_to=valid_to,
        max_uses=c.integer("max_uses", None, minimum=1, nullable=True),
        per_customer_max=per_customer,
        # per_customer_max needs to know who used it, so it implies a card (§6).
        requires_card=c.flag("requires_card") or per_customer is not None or customer is not None,
        exclusive=c.flag("exclusive"),
        customer=customer.strip() if isinstance(customer, str) else None,
    )


def local_time(program: Program, at_ms: int) -> datetime:
    """The sale instant in the merchant's local time."""
    from app.core.timeutil import from_ms

    return from_ms(at_ms).astimezone(program.zone)
