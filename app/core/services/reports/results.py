"""What a report asks (Period, Filters) and what it answers: frozen dataclasses of integers and exact fractions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from app.core.money import round_half_up
from app.core.payback import Payback
from app.core.timeutil import DAY_MS, to_ms


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of UTC milliseconds."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a report period must end after it starts")

    @classmethod
    def local_days(cls, first: date, last: date, zone: str | ZoneInfo) -> Period:
        """The local days first..last (both included) of a time zone, midnight to midnight."""
        tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        return cls(_midnight(first, tz), _midnight(last + timedelta(days=1), tz))

    @property
    def days(self) -> Fraction:
        """The length in days of 24 hours (exact)."""
        return Fraction(self.end - self.start, DAY_MS)


@dataclass(frozen=True)
class Filters:
    """Which sales and refunds count: by cashier, by store and terminal name (on the server)."""

    cashier: str | None = None
    store: str | None = None
    terminal: str | None = None

    def any(self) -> bool:
        """True when some filter is set."""
        return any(v is not None for v in (self.cashier, self.store, self.terminal))


@dataclass(frozen=True)
class SalesGroup:
    """Sales of one kind (all, with a card, without): counts and money in kopecks."""

    sales: int
    gross: int  # Σ total of the sales in the period
    refunds: int  # number of refunds dated in the period
    refunded: int  # Σ money_back of those refunds
    revenue: int  # gross − refunded
    average_check: Fraction | None  # gross / sales, exact; None without sales

    @property
    def average_check_kopecks(self) -> int | None:
        """The average check rounded half up to the kopeck."""
        return None if self.average_check is None else round_half_up(self.average_check)


@dataclass(frozen=True)
class CashierRow:
    """One cashier's sales; `cashier` None groups sales that name nobody."""

    cashier: str | None
    sales: int
    card_sales: int
    card_share: Fraction | None
    revenue: int


@dataclass(frozen=True)
class SalesFigures:
    """The sales section: all sales, with a card, without one, and per cashier."""

    total: SalesGroup
    card: SalesGroup
    anonymous: SalesGroup
    card_share: Fraction | None
    by_cashier: tuple[CashierRow, ...]


@dataclass(frozen=True)
class CustomerFigures:
    """The customers section (store-wide)."""

    customers: int  # enrolled before the end of the period, not merged into another
    active_30: int  # bought in [end − 30 days, end)
    active_90: int  # bought in [end − 90 days, end)
    new_enrollments: int  # enrolled in the period
    buyers: int  # card customers with at least one purchase in the period
    repeat_buyers: int  # ... with at least two
    repeat_share: Fraction | None  # repeat_buyers / buyers
    visit_gaps: int  # pairs of consecutive visit days (local) in the period
    median_days_between_visits: Fraction | None


@dataclass(frozen=True)
class PointsFigures:
    """The points section: moves dated in the period and the liability at its end (store-wide)."""

    point_value: int  # kopecks one point pays, program in force at the end
    opening_liability: int  # points, at the start of the period
    issued: int  # grant rows
    redeemed: int  # spend + overdraft rows (checkout redemptions and gifts)
    overdraft: int  # of which booked as debt: offline double-spend
    overdraft_sales: int  # spends that overdrew (overdraft rows)
    expired: int  # expire rows + points of lots past expiry not written off yet
    taken_back: int  # take_back rows (refunds)
    sync: int  # corrections from the server's snapshots (chain terminals)
    liability: int  # points, at the end: available + pending − debt
    available: int  # available balance total (debt already subtracted)
    pending: int  # not usable yet (activation period)
    debt: int  # points owed by customers (included in available with a minus)
    liability_kopecks: int  # liability × point_value
    redemption_rate: Fraction | None  # redeemed / issued
    breakage: Fraction | None  # expired / issued


@dataclass(frozen=True)
class TierRow:
    """Customers per tier, by tier spend as of the end of the period."""

    name: str
    min_spend: int
    customers: int


@dataclass(frozen=True, slots=True)
class SegmentCustomer:
    """One customer in a recency segment."""

    customer_id: int
    name: str
    phone_masked: str
    card: str
    last_purchase_at: int | None
    purchases: int  # purchases before the end of the period, all time


@dataclass(frozen=True)
class Segment:
    """A recency segment (active, at_risk, lost, never): how many, and its customers, most purchases first.

    `customers` lists all `count` of them, or only the first ones when the report was asked for
    with a segment_limit (a printed report needs a few; the CSV and the screen need everyone).
    """

    key: str
    count: int
    customers: tuple[SegmentCustomer, ...]


@dataclass(frozen=True)
class Lifetime:
    """Customer lifetime value: average check × purchases per customer per year × lifetime in years."""

    average_check: Fraction | None  # Σ total / number of card sales in the period
    card_sales: int
    buyers: int
    purchases_per_year: Fraction | None  # card_sales / buyers × 365 / period days
    previous_buyers: int  # card customers who bought in the previous period of the same length
    retained: int  # ... and bought again in this one
    retention: Fraction | None  # retained / previous_buyers
    lifetime_years: Fraction | None  # period years / (1 − retention), at most MAX_LIFETIME_YEARS
    value: int | None  # kopecks, rounded half up
    period_days: Fraction


@dataclass(frozen=True)
class CategoryRow:
    """Kopecks paid with points on the lines of one category."""

    category: str
    amount: int


@dataclass(frozen=True)
class CouponRow:
    """One coupon code: uses and the discount the coupon itself gave (kopecks)."""

    code: str
    uses: int
    discount: int


@dataclass(frozen=True)
class RewardRow:
    """One gift from the catalog: how many were given and the points they cost."""

    reward_id: str
    name: str
    count: int
    points: int


@dataclass(frozen=True)
class StampRow:
    """Stamp cards completed (a unit made free) per stamp rule."""

    rule_id: str
    completed: int


@dataclass(frozen=True)
class RevenueDay:
    """Revenue of one local day, with and without a card (kopecks, refunds subtracted)."""

    day: date
    card: int
    anonymous: int


@dataclass(frozen=True)
class ActiveDay:
    """Customers who bought in the 30 local days ending with this day."""

    day: date
    active: int


@dataclass(frozen=True)
class PointsDay:
    """Points issued, redeemed and expired on one local day."""

    day: date
    issued: int
    redeemed: int
    expired: int


@dataclass(frozen=True)
class Series:
    """Time series for the charts, one entry per local day of the period."""

    revenue: tuple[RevenueDay, ...]
    active: tuple[ActiveDay, ...]
    points: tuple[PointsDay, ...]


@dataclass(frozen=True)
class Report:
    """The full report of a period."""

    period: Period
    filters: Filters
    timezone: str
    generated_at: int
    as_of: int  # min(end, now): the instant the ledger state is read at
    sales: SalesFigures
    customers: CustomerFigures
    points: PointsFigures
    tiers: tuple[TierRow, ...]
    segments: tuple[Segment, ...]
    lifetime: Lifetime
    redeemed_by_category: tuple[CategoryRow, ...]
    coupons: tuple[CouponRow, ...]
    rewards: tuple[RewardRow, ...]
    stamps: tuple[StampRow, ...]
    series: Series
    # Issue 9 §4: does the program pay? (None in an answer from a server that predates it.)
    payback: Payback | None = None

    def segment(self, key: str) -> Segment:
        """The segment with this key."""
        return next(s for s in self.segments if s.key == key)


@dataclass(frozen=True)
class Dashboard:
    """The headline figures of a period, read fast."""

    period: Period
    filters: Filters
    revenue: int
    sales: int
    card_sales: int
    card_share: Fraction | None
    average_check: Fraction | None
    average_check_card: Fraction | None
    average_check_anonymous: Fraction | None
    active_30: int
    new_enrollments: int
    issued: int
    redeemed: int
    liability: int
    liability_kopecks: int


@dataclass(frozen=True)
class StoreRow:
    """One store's figures in the chain comparison; `store` None gathers what no store's terminal sent.

    Sales figures follow every filter; active cards, new members and points are counted per store
    whatever the cashier or terminal filter (as the report's customers and points ignore them).
    """

    store: str | None
    sales: int
    card_sales: int
    card_share: Fraction | None
    gross: int  # Σ total of the store's sales in the period
    refunds: int
    refunded: int
    revenue: int  # gross − refunded
    average_check: Fraction | None
    average_check_card: Fraction | None
    average_check_anonymous: Fraction | None
    active_30: int  # card customers who bought in this store in the 30 days before the end
    new_enrollments: int  # enrolled at this store's terminals in the period
    issued: int  # points granted by this store's transactions in the period
    redeemed: int  # points paid (spend + overdraft) in this store's transactions in the period


def ratio(part: int, whole: int) -> Fraction | None:
    """part / whole exactly; None when whole is 0."""
    return None if whole == 0 else Fraction(part, whole)


def median(values: Sequence[int]) -> Fraction | None:
    """The median (mean of the two middle values for an even count); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return Fraction(ordered[mid - 1] + ordered[mid], 2)


def _midnight(day: date, zone: ZoneInfo) -> int:
    return to_ms(datetime.combine(day, time(0), zone))
