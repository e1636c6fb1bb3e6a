"""The manager's reports (issue 5): sales, customers, points, tiers, segments and charts over a period.

Every figure comes from SQL aggregates written with SQLAlchemy Core that run unchanged on SQLite
(the terminal) and PostgreSQL (the central server): only count, sum, max, min, coalesce and CASE,
plus integer division of UTC milliseconds. Local days are never computed in SQL. Python works out
the UTC instants of the merchant's local midnights; SQL sums the sales and the journal over each
local day's range of instants, one short statement per day, or groups the few refunds and expired
lots into buckets of whole hours (or quarter hours, for zones offset by :30 or :45) that never
straddle a midnight, which Python adds up by local day; for the per-customer visit days Python
places each instant between the midnights itself. So a report is exact in any time zone, daylight
saving included.

A year of a 1,000,000-sale store is 687,000 sales, 1.4 million sale lines and a million journal
rows, so the report reads each of them once where it can: SQLite groups by sorting every row, and
Python pays for every row it receives (docs/benchmarks-reports.md).

Money is integer kopecks, points are integers, shares and averages are exact `Fraction`s;
formatting happens only in the exporters (`app/reports`). The definitions of every figure are in
docs/reports.md.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    inspect,
    literal_column,
    or_,
    select,
    table,
    union_all,
)

from app.core import db, repo, sql
from app.core import schema as t
from app.core.identity import mask_phone
from app.core.money import percent_of, round_half_up, split_largest_remainder
from app.core.payback import MAX_LIFETIME_YEARS, Baskets, MemberFigures, Payback, clv_range, payback, program_cost
from app.core.program import Coupon, Program, Tier, parse_program
from app.core.timeutil import DAY_MS, from_ms, now_ms, to_ms

__all__ = [
    "ActiveDay",
    "CashierRow",
    "CategoryRow",
    "CouponRow",
    "CustomerFigures",
    "Dashboard",
    "Filters",
    "Lifetime",
    "Period",
    "PointsDay",
    "PointsFigures",
    "Report",
    "ReportsService",
    "RevenueDay",
    "RewardRow",
    "SalesFigures",
    "SalesGroup",
    "Segment",
    "SegmentCustomer",
    "Series",
    "StampRow",
    "StoreRow",
    "TierRow",
    "coupon_discount",
    "median",
    "ratio",
]

HOUR_MS = 3_600_000
# Ids bound per IN list of a report query: few statements, and far below SQLite's 32,766 parameters.
_ID_CHUNK = 5000
SEGMENT_KEYS = ("active", "at_risk", "lost", "never")
ACTIVE_DAYS = 30
AT_RISK_DAYS = 90

# Server-only tables, named here without importing the server: a terminal file has none of them.
_terminals = table("terminals", column("id", Integer), column("store_id", Integer), column("name", String))
_stores = table("stores", column("id", Integer), column("name", String))


# ----------------------------------------------------------------------------- inputs


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


# ----------------------------------------------------------------------------- results


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


# ----------------------------------------------------------------------------- pure helpers


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


class SoldLine(NamedTuple):
    """What coupon_discount needs of a committed sale line (a tuple: a year's 40,000 coupon lines are made fast)."""

    category: str
    qty: int
    unit_price: int
    amount: int
    stamp_rule: str | None
    stamps_given: int


_SOLD_LINE = ("category", "qty", "unit_price", "amount", "stamp_rule", "stamps_given")  # its columns in sale_lines


def coupon_discount(program: Program, code: str, lines: Sequence[SoldLine]) -> int:
    """The discount a coupon gave on a committed sale: steps 3 and 4 of loyalty-rules.md §3 replayed.

    A sale stores only the line's total discount (stamps + coupon + card). The stamp reward is
    known from the lines (the free unit earns no stamp, so qty − stamps_given = 1 on its line), and
    the coupon step depends only on it, so the coupon's own share is recomputed exactly.
    """
    coupon = program.coupon(code)
    return 0 if coupon is None else _coupon_share(program, coupon, lines)


def _coupon_share(program: Program, coupon: Coupon, lines: Sequence[SoldLine]) -> int:
    """coupon_discount with the coupon found already."""
    amount = [ln.amount for ln in lines]
    disc = [0] * len(lines)
    for i, ln in enumerate(lines):
        if ln.stamp_rule is not None and ln.qty - ln.stamps_given == 1:
            disc[i] += ln.unit_price
    eligible = [
        i
        for i, ln in enumerate(lines)
        if (not coupon.categories or ln.category in coupon.categories) and ln.category not in program.excluded_discount
    ]
    if coupon.kind == "percent":
        # percent_of is round_half_up(x × percent / 100) in integers: a year's 17,000 coupon sales
        # replayed through Fractions cost 0.5 s.
        return sum(percent_of(amount[i] - disc[i], coupon.percent) for i in eligible)
    base = [amount[i] - disc[i] for i in eligible]
    off = min(coupon.amount, sum(base))
    return sum(split_largest_remainder(off, base))


def _midnight(day: date, zone: ZoneInfo) -> int:
    return to_ms(datetime.combine(day, time(0), zone))


def _mask(phone: str | None) -> str:
    """mask_phone, with a fast path for the normalized "+7..." numbers the terminal stores."""
    if not phone:
        return ""
    if len(phone) > 5 and phone[0] == "+" and phone[1:].isdigit():
        return "+" + "•" * (len(phone) - 5) + phone[-4:]
    return mask_phone(phone)


def _placed(table: Table, name: str) -> ColumnElement[int]:
    """A server-only column of a ledger table (server schema 2): store_id or terminal_id of the booking push."""
    return literal_column(f"{table.name}.{name}", Integer)


def _bound(name: str) -> BindParameter[int]:
    """A parameter given at each run of a prepared statement (sql.prepared)."""
    return bindparam(name, type_=BigInteger, required=False)


def _int(value: Any) -> int:
    # PostgreSQL sums bigints as Decimal; SQLite gives int or None.
    return 0 if value is None else int(value)


# ----------------------------------------------------------------------------- local days


@dataclass(frozen=True)
class _Days:
    """Local days from `first` on, their UTC midnights, and the SQL bucket size that never straddles one."""

    first: date
    starts: tuple[int, ...]  # UTC ms of each local midnight, first day included
    bucket: int

    @classmethod
    def covering(cls, zone: ZoneInfo, start: int, end: int) -> _Days:
        first = from_ms(start).astimezone(zone).date()
        last = from_ms(end - 1).astimezone(zone).date()
        starts = tuple(_midnight(first + timedelta(days=i), zone) for i in range((last - first).days + 1))
        # The largest divisor of an hour that divides every midnight inside the range: an hour for
        # whole-hour offsets, 15 or 30 minutes for the others. Buckets then sit inside one day.
        bucket = math.gcd(HOUR_MS, *starts[1:]) if len(starts) > 1 else HOUR_MS
        return cls(first, starts, bucket)

    def __len__(self) -> int:
        return len(self.starts)

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def index_of_bucket(self, bucket: int) -> int:
        """The day index of a bucket number (0 for a bucket before the first midnight)."""
        return max(bisect.bisect_right(self.starts, bucket * self.bucket) - 1, 0)

    def ranges(self, period: Period) -> list[tuple[int, int]]:
        """Each day's share [lo, hi) of the period, in UTC ms: the first and last may be partial days."""
        bounds = [max(self.starts[0], period.start), *self.starts[1:], period.end]
        return list(itertools.pairwise(bounds))


@dataclass
class _Moves:
    """Journal sums of the period (per kind, and per kind and local day) and of the rows dated after it."""

    KINDS = ("grant", "spend", "overdraft", "expire", "take_back", "sync")  # the kinds the report names

    days: dict[str, list[int]] = field(default_factory=lambda: {kind: [] for kind in _Moves.KINDS})
    every: int = 0  # every row in the period, of any kind (settlements too)
    overdraft_rows: int = 0
    later: int = 0  # every row dated from the end of the period on

    def add_day(self, kinds: Sequence[int], every: int, overdrafts: int) -> None:
        """The next day's sums, one per kind of KINDS, in that order."""
        for kind, points in zip(self.KINDS, kinds, strict=True):
            self.days[kind].append(points)
        self.every += every
        self.overdraft_rows += overdrafts

    def total(self, kind: str) -> int:
        return sum(self.days[kind])


@dataclass
class _SalesDays:
    """The period's sales read day by day (see ReportsService._sales_days); all but card_gross follow the filters."""

    card: list[int] = field(default_factory=list)  # Σ total of the card sales, per local day
    anonymous: list[int] = field(default_factory=list)  # ... of the sales without a card
    sold: dict[tuple[str | None, int], tuple[int, int]] = field(default_factory=dict)  # (cashier, card) -> n, Σ
    coupon_sales: int = 0  # sales with a coupon
    card_gross: int = 0  # Σ total of every card sale of the period, whatever the filters
    # What the program costs and the baskets it is weighed against (the kept sales only):
    # Σ subtotal with a card and without, Σ discount, Σ money paid with points, Σ gift points.
    card_basket: int = 0
    anonymous_basket: int = 0
    discount: int = 0
    points_paid: int = 0
    gift_points: int = 0


@dataclass
class _Lots:
    """Sums over the lots holding points (see ReportsService._lots)."""

    held: int  # every point lots hold now, expired or not
    unposted_before: int  # past expiry before the period, not written off
    unposted: int  # past expiry inside the period (up to as_of), not written off
    pending: int  # in lots usable only from the end of the period on
    by_bucket: dict[int, int] = field(default_factory=dict)  # unposted by bucket of the expiry instant
    debt: int = 0  # Σ customers.debt now


@dataclass
class _StoreSums:
    """One store's sums while the comparison is read; [0] without a card, [1] with one."""

    sales: list[int] = field(default_factory=lambda: [0, 0])
    gross: list[int] = field(default_factory=lambda: [0, 0])
    refunds: list[int] = field(default_factory=lambda: [0, 0])
    refunded: list[int] = field(default_factory=lambda: [0, 0])
    active_30: int = 0
    new_enrollments: int = 0
    issued: int = 0
    redeemed: int = 0

    def row(self, store: str | None) -> StoreRow:
        n, gross = sum(self.sales), sum(self.gross)
        back = sum(self.refunded)
        return StoreRow(
            store=store,
            sales=n,
            card_sales=self.sales[1],
            card_share=ratio(self.sales[1], n),
            gross=gross,
            refunds=sum(self.refunds),
            refunded=back,
            revenue=gross - back,
            average_check=ratio(gross, n),
            average_check_card=ratio(self.gross[1], self.sales[1]),
            average_check_anonymous=ratio(self.gross[0], self.sales[0]),
            active_30=self.active_30,
            new_enrollments=self.new_enrollments,
            issued=self.issued,
            redeemed=self.redeemed,
        )


def _place(conn: Connection, f: Filters) -> str:
    """How a store/terminal filter applies to this database: not at all, to nothing, or per transaction."""
    if f.store is None and f.terminal is None:
        return "all"
    if inspect(conn).has_table("txn_outcomes"):
        return "server"
    # A terminal file holds only its own sales: they all carry its own names, or none do.
    if f.store is not None and f.store != repo.get_meta(conn, "store_name"):
        return "none"
    if f.terminal is not None and f.terminal != repo.get_meta(conn, "terminal_name"):
        return "none"
    return "all"


# ----------------------------------------------------------------------------- the service


@dataclass(frozen=True)
class _Scope:
    period: Period
    filters: Filters
    program: Program
    zone: ZoneInfo
    days: _Days  # local days of the period
    as_of: int  # min(end, now)
    place: str  # "all", "none" or "server": how the store/terminal filter applies


class ReportsService:
    """Read-only reports over a terminal or server database; each call is one read transaction."""

    def __init__(self, engine: Engine, clock: Callable[[], int] = now_ms) -> None:
        # A report is a dozen statements that must see one snapshot. SQLite's read transaction
        # (WAL) is one already; PostgreSQL's default READ COMMITTED gives each statement its own.
        self.engine = (
            engine if engine.dialect.name == "sqlite" else engine.execution_options(isolation_level="REPEATABLE READ")
        )
        self.clock = clock
        self._programs: dict[str, Program] = {}

    # ------------------------------------------------------------------ public

    def period_of_days(self, first: date, last: date) -> Period:
        """The local days first..last in the merchant's time zone (program in force now)."""
        with db.transaction(self.engine, write=False) as conn:
            _, program = repo.program_at(conn, self.clock())
        return Period.local_days(first, last, program.zone)

    def stores(self) -> list[str]:
        """The store names a report can be filtered by: the server's stores, or this terminal's own name."""
        with db.transaction(self.engine, write=False) as conn:
            if inspect(conn).has_table("stores"):
                return sorted(str(name) for name in conn.execute(select(_stores.c.name)).scalars())
            # A terminal file is one store: its name when it has been given one (chain enrollment).
            name = repo.get_meta(conn, "store_name")
            return [name] if name else []

    def cashier_names(self) -> list[str]:
        """Every name a cashier filter can take: the staff list and the names written on sales and refunds."""
        with db.transaction(self.engine, write=False) as conn:
            names = {str(n) for n in conn.execute(select(t.sales.c.cashier).distinct()).scalars() if n is not None}
            names |= {str(n) for n in conn.execute(select(t.refunds.c.cashier).distinct()).scalars() if n is not None}
            if inspect(conn).has_table("cashiers"):
                names |= {str(n) for n in conn.execute(select(t.cashiers.c.name)).scalars()}
        return sorted(names, key=str.casefold)

    def dashboard(self, period: Period, filters: Filters | None = None) -> Dashboard:
        """The headline figures of a period: revenue, sales, card share, checks, active cards, points."""
        with db.transaction(self.engine, write=False) as conn:
            return self._dashboard(conn, period, filters or Filters())

    def report(self, period: Period, filters: Filters | None = None, segment_limit: int | None = None) -> Report:
        """The whole report of a period in one consistent read; segment_limit keeps that many customers per segment."""
        with db.transaction(self.engine, write=False) as conn:
            return self._report(conn, period, filters or Filters(), segment_limit)

    def by_store(self, period: Period, filters: Filters | None = None) -> tuple[StoreRow, ...]:
        """The chain comparison: one row per store (see StoreRow), most revenue first."""
        with db.transaction(self.engine, write=False) as conn:
            return self._by_store(conn, period, filters or Filters())

    def dashboard_by_store(
        self, period: Period, filters: Filters | None = None
    ) -> tuple[Dashboard, tuple[StoreRow, ...]]:
        """The headline figures and the store comparison read from one snapshot (they add up)."""
        with db.transaction(self.engine, write=False) as conn:
            f = filters or Filters()
            return self._dashboard(conn, period, f), self._by_store(conn, period, f)

    def report_by_store(
        self, period: Period, filters: Filters | None = None, segment_limit: int | None = None
    ) -> tuple[Report, tuple[StoreRow, ...]]:
        """The whole report and the store comparison read from one snapshot."""
        with db.transaction(self.engine, write=False) as conn:
            f = filters or Filters()
            return self._report(conn, period, f, segment_limit), self._by_store(conn, period, f)

    def _dashboard(self, conn: Connection, period: Period, filters: Filters) -> Dashboard:
        s = self._scope(conn, period, filters, days=False)
        (total, card, anonymous), _ = self._sales_groups(conn, s, self._sold(conn, s))
        active_30 = self._active_30(conn, s)
        new = self._new_enrollments(conn, s)
        issued, redeemed, later = self._journal_sums(conn, s)
        lots = self._lots(conn, s, buckets=False)
        liability = lots.held - lots.debt - later - lots.unposted_before - lots.unposted
        return Dashboard(
            period=period,
            filters=s.filters,
            revenue=total.revenue,
            sales=total.sales,
            card_sales=card.sales,
            card_share=ratio(card.sales, total.sales),
            average_check=total.average_check,
            average_check_card=card.average_check,
            average_check_anonymous=anonymous.average_check,
            active_30=active_30,
            new_enrollments=new,
            issued=issued,
            redeemed=redeemed,
            liability=liability,
            liability_kopecks=liability * s.program.point_value,
        )

    def _report(self, conn: Connection, period: Period, filters: Filters, segment_limit: int | None) -> Report:
        s = self._scope(conn, period, filters, days=True)
        daily = self._sales_days(conn, s)
        sales = self._sales(conn, s, daily)
        cards = self._card_sales(conn, s)
        visits = _Visits.build(cards, s)
        last, previous = self._purchases(conn, s)
        # The customers counted at the end, read once for the customers, the tiers and the segments.
        members = self._members(conn, s)
        customers = self._customers(conn, s, visits, last, len(members))
        points, points_days = self._points(conn, s)
        tiers = self._tiers(conn, s, members, cards)
        segments = self._segments(conn, s, last, members, segment_limit)
        lifetime = self._lifetime(s, visits, daily.card_gross, previous)
        categories, stamps, free_value = self._lines(conn, s)
        coupons = self._coupons(conn, s, daily.coupon_sales)
        rewards = self._rewards(conn, s)
        revenue_days = self._revenue_days(conn, s, daily)
        series = Series(revenue_days, visits.active_days, points_days)
        return Report(
            period=period,
            filters=s.filters,
            timezone=s.program.timezone,
            generated_at=self.clock(),
            as_of=s.as_of,
            sales=sales,
            customers=customers,
            points=points,
            tiers=tiers,
            segments=segments,
            lifetime=lifetime,
            redeemed_by_category=categories,
            coupons=coupons,
            rewards=rewards,
            stamps=stamps,
            series=series,
            payback=self._payback(s, daily, sales, lifetime, free_value, coupons),
        )

    def _payback(
        self,
        s: _Scope,
        daily: _SalesDays,
        sales: SalesFigures,
        lifetime: Lifetime,
        free_value: int,
        coupons: Sequence[CouponRow],
    ) -> Payback:
        """Does the program pay (app/core/payback.py): its cost and the baskets from the sums already read."""
        cost = program_cost(
            daily.discount,
            free_value,
            sum(c.discount for c in coupons),
            daily.points_paid,
            daily.gift_points,
            s.program.point_value,
        )
        baskets = Baskets(sales.card.sales, daily.card_basket, sales.anonymous.sales, daily.anonymous_basket)
        members = MemberFigures(
            buyers=lifetime.buyers,
            card_purchases=lifetime.card_sales,
            previous_buyers=lifetime.previous_buyers,
            retained=lifetime.retained,
            card_revenue=sales.card.revenue,
            revenue=sales.total.revenue,
        )
        clv = clv_range(
            lifetime.average_check,
            lifetime.purchases_per_year,
            lifetime.buyers,
            lifetime.previous_buyers,
            lifetime.retained,
            lifetime.period_days,
        )
        return payback(cost, baskets, members, clv)

    # ------------------------------------------------------------------ scope and filters

    def _scope(self, conn: Connection, period: Period, filters: Filters, days: bool) -> _Scope:
        # The program in force at the end sets the time zone, the tiers and the point value.
        _, program = repo.program_at(conn, period.end)
        zone = program.zone
        span = _Days.covering(zone, period.start, period.end) if days else _Days(date(1970, 1, 1), (0,), HOUR_MS)
        return _Scope(period, filters, program, zone, span, min(period.end, self.clock()), _place(conn, filters))

    def _where_sales(self, s: _Scope) -> list[ColumnElement[bool]]:
        return [t.sales.c.at >= s.period.start, t.sales.c.at < s.period.end, *self._kept_sales(s)]

    def _kept_sales(self, s: _Scope) -> list[ColumnElement[bool]]:
        """What the filters ask of a sale besides its date (nothing without filters)."""
        conds: list[ColumnElement[bool]] = []
        if s.filters.cashier is not None:
            conds.append(t.sales.c.cashier == s.filters.cashier)
        conds += self._where_place(s, t.sales)
        return conds

    def _where_refunds(self, s: _Scope) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [t.refunds.c.at >= s.period.start, t.refunds.c.at < s.period.end]
        if s.filters.cashier is not None:
            # The refund's own cashier: the one who handed the money back from their drawer.
            conds.append(t.refunds.c.cashier == s.filters.cashier)
        conds += self._where_place(s, t.refunds)
        return conds

    def _where_place(self, s: _Scope, table: Table) -> list[ColumnElement[bool]]:
        f = s.filters
        if s.place == "all":
            return []
        if s.place == "none":
            return [false()]
        # The server wrote on each row the store and terminal that pushed it (server schema 2).
        conds: list[ColumnElement[bool]] = []
        if f.terminal is not None:
            conds.append(
                _placed(table, "terminal_id").in_(select(_terminals.c.id).where(_terminals.c.name == f.terminal))
            )
        if f.store is not None:
            conds.append(_placed(table, "store_id").in_(select(_stores.c.id).where(_stores.c.name == f.store)))
        return conds

    # ------------------------------------------------------------------ sales

    def _sold(self, conn: Connection, s: _Scope) -> dict[tuple[str | None, int], tuple[int, int]]:
        """The dashboard's sales (with and without a card): plain sums, no cashier."""
        # Without sorting a year's sales into groups nobody reads (687,000 sales: 0.45 s -> 0.16 s of CPU).
        with_card = t.sales.c.customer_id.is_not(None)
        n, gross, n_card, gross_card = (
            _int(v)
            for v in conn.execute(
                select(
                    func.count(),
                    func.sum(t.sales.c.total),
                    func.sum(case((with_card, 1), else_=0)),
                    func.sum(case((with_card, t.sales.c.total), else_=0)),
                ).where(*self._where_sales(s))
            ).one()
        )
        return {(None, 1): (n_card, gross_card), (None, 0): (n - n_card, gross - gross_card)}

    def _sales_groups(
        self, conn: Connection, s: _Scope, sold: Mapping[tuple[str | None, int], tuple[int, int]]
    ) -> tuple[tuple[SalesGroup, SalesGroup, SalesGroup], dict[str | None, dict[str, int]]]:
        """All sales, with a card, without one, and per cashier: sold is (sales, gross) per (cashier, card)."""
        per: dict[tuple[str | None, int], list[int]] = {key: [n, gross, 0, 0] for key, (n, gross) in sold.items()}
        rcard = case((t.refunds.c.customer_id.is_(None), 0), else_=1).label("card")
        rinner = select(t.refunds.c.cashier, rcard, t.refunds.c.money_back).where(*self._where_refunds(s))
        rsub = rinner.subquery()
        for r in conn.execute(
            select(rsub.c.cashier, rsub.c.card, func.count(), func.sum(rsub.c.money_back)).group_by(
                rsub.c.cashier, rsub.c.card
            )
        ):
            row = per.setdefault((r[0], int(r[1])), [0, 0, 0, 0])
            row[2], row[3] = _int(r[2]), _int(r[3])

        def group(keep: Callable[[int], bool]) -> SalesGroup:
            n = gross = refunds = back = 0
            for (_, is_card), (a, b, c, d) in per.items():
                if keep(is_card):
                    n, gross, refunds, back = n + a, gross + b, refunds + c, back + d
            return SalesGroup(n, gross, refunds, back, gross - back, ratio(gross, n))

        cashiers: dict[str | None, dict[str, int]] = {}
        for (cashier, is_card), (n, gross, _, back) in per.items():
            c = cashiers.setdefault(cashier, {"sales": 0, "card_sales": 0, "revenue": 0})
            c["sales"] += n
            c["card_sales"] += n if is_card else 0
            c["revenue"] += gross - back
        return (group(lambda _: True), group(lambda c: c == 1), group(lambda c: c == 0)), cashiers

    def _sales(self, conn: Connection, s: _Scope, daily: _SalesDays) -> SalesFigures:
        (total, card, anonymous), cashiers = self._sales_groups(conn, s, daily.sold)
        rows = tuple(
            CashierRow(name, c["sales"], c["card_sales"], ratio(c["card_sales"], c["sales"]), c["revenue"])
            for name, c in sorted(cashiers.items(), key=lambda kv: (-kv[1]["revenue"], kv[0] or ""))
        )
        return SalesFigures(total, card, anonymous, ratio(card.sales, total.sales), rows)

    def _sales_days(self, conn: Connection, s: _Scope) -> _SalesDays:
        """One pass over the period's sales, day by day: revenue by day, sales per cashier, coupon sales.

        One statement per local day over its range of the date index, grouping the day's sales by
        cashier. SQLite groups by sorting the rows: the day's statements sort a year's 687,000 sales
        once in all, where a statement per figure sorted them twice (sales per cashier and card,
        revenue by hour and card: 0.73 s -> 0.29 s of CPU)."""
        sa = t.sales.c
        kept = self._kept_sales(s)
        card = sa.customer_id.is_not(None)
        keys: list[Any] = [sa.cashier]
        if kept:
            # With a filter the rows it leaves out still count for the lifetime value's check, which
            # is store-wide: they form groups of their own.
            keys.append(case((and_(*kept), 1), else_=0))
        stmt = (
            select(
                *keys,
                func.count(),
                func.sum(sa.total),
                func.sum(case((card, 1), else_=0)),
                func.sum(case((card, sa.total), else_=0)),
                func.sum(case((sa.coupon.is_not(None), 1), else_=0)),
                func.sum(sa.subtotal),
                func.sum(case((card, sa.subtotal), else_=0)),
                func.sum(sa.discount),
                func.sum(sa.redeemed_amount),
                func.sum(sa.reward_points),
            )
            .where(sa.at >= _bound("lo"), sa.at < _bound("hi"))
            .group_by(*keys)
        )
        run = sql.prepared(conn, stmt)
        out = _SalesDays()
        sold: dict[tuple[str | None, int], list[int]] = {}
        for lo, hi in s.days.ranges(s.period):
            day = [0, 0]  # card, anonymous
            for cashier, *rest in run({"lo": lo, "hi": hi}):
                keep = int(rest.pop(0)) if kept else 1
                n, gross, n_card, gross_card, coupons, basket, card_basket, discount, paid, gifts = (
                    _int(v) for v in rest
                )
                out.card_gross += gross_card
                if not keep:
                    continue
                out.card_basket += card_basket
                out.anonymous_basket += basket - card_basket
                out.discount += discount
                out.points_paid += paid
                out.gift_points += gifts
                day[0] += gross_card
                day[1] += gross - gross_card
                for is_card, count, money in ((0, n - n_card, gross - gross_card), (1, n_card, gross_card)):
                    if count:
                        got = sold.setdefault((cashier, is_card), [0, 0])
                        got[0] += count
                        got[1] += money
                out.coupon_sales += coupons
            out.card.append(day[0])
            out.anonymous.append(day[1])
        # In the order of the groups of one statement grouped by cashier and card, as SQLite returns
        # them (NULL first): cashiers with the same revenue stay in the order they had.
        for key in sorted(sold, key=lambda k: (k[0] is not None, k[0] or "", k[1])):
            out.sold[key] = (sold[key][0], sold[key][1])
        return out

    def _revenue_days(self, conn: Connection, s: _Scope, daily: _SalesDays) -> tuple[RevenueDay, ...]:
        size = s.days.bucket
        card_m = list(daily.card)
        anon_m = list(daily.anonymous)
        # Refunds are few (a year: 7,000 against 687,000 sales): grouped by bucket, as they were.
        refunds = select(
            (t.refunds.c.at // size).label("b"),
            case((t.refunds.c.customer_id.is_(None), 0), else_=1).label("card"),
            (-t.refunds.c.money_back).label("money"),
        ).where(*self._where_refunds(s))
        sub = refunds.subquery()
        for r in conn.execute(select(sub.c.b, sub.c.card, func.sum(sub.c.money)).group_by(sub.c.b, sub.c.card)):
            target = card_m if int(r[1]) else anon_m
            target[s.days.index_of_bucket(int(r[0]))] += _int(r[2])
        return tuple(RevenueDay(s.days.day(i), card_m[i], anon_m[i]) for i in range(len(s.days)))

    # ------------------------------------------------------------------ the chain, store by store

    def _by_store(self, conn: Connection, period: Period, filters: Filters) -> tuple[StoreRow, ...]:
        s = self._scope(conn, period, filters, days=False)
        server = inspect(conn).has_table("txn_outcomes")

        def grouped(base: Table, where: Sequence[ColumnElement[bool]], *cols: Any) -> Any:
            """(store key, *cols) of the base table's rows, as a subquery to group by the key."""
            # A terminal file is one store: every row is its own (key 0). On the server, the store
            # whose terminal pushed the row, written on it when it was booked; NULL when no terminal
            # did. (It was found through txn_outcomes, a hash join over every outcome per statement:
            # a month's store rows on a 1,000,000-sale chain took 0.6 s of PostgreSQL.)
            key = _placed(base, "store_id") if server else literal_column("0", Integer)
            return select(key.label("k"), *cols).where(*where).subquery()

        sums: dict[int | None, _StoreSums] = {}

        def of(key: Any) -> _StoreSums:
            return sums.setdefault(None if key is None else int(key), _StoreSums())

        sa, rf, cu, j = t.sales.c, t.refunds.c, t.customers.c, t.journal.c
        card = case((sa.customer_id.is_(None), 0), else_=1).label("card")
        sub = grouped(t.sales, self._where_sales(s), card, sa.total.label("money"))
        for key, is_card, n, money in conn.execute(
            select(sub.c.k, sub.c.card, func.count(), func.sum(sub.c.money)).group_by(sub.c.k, sub.c.card)
        ):
            of(key).sales[int(is_card)], of(key).gross[int(is_card)] = _int(n), _int(money)
        card = case((rf.customer_id.is_(None), 0), else_=1).label("card")
        sub = grouped(t.refunds, self._where_refunds(s), card, rf.money_back.label("money"))
        for key, is_card, n, money in conn.execute(
            select(sub.c.k, sub.c.card, func.count(), func.sum(sub.c.money)).group_by(sub.c.k, sub.c.card)
        ):
            of(key).refunds[int(is_card)], of(key).refunded[int(is_card)] = _int(n), _int(money)
        end = period.end
        recent = [sa.at >= end - ACTIVE_DAYS * DAY_MS, sa.at < end, sa.customer_id.is_not(None)]
        sub = grouped(t.sales, recent, sa.customer_id.label("cid"))
        for key, n in conn.execute(select(sub.c.k, func.count(func.distinct(sub.c.cid))).group_by(sub.c.k)):
            of(key).active_30 = _int(n)
        # A member belongs to the store whose terminal enrolled them (the customer's uid is the enrollment's).
        joined = [cu.enrolled_at >= period.start, cu.enrolled_at < end, cu.merged_into.is_(None)]
        sub = grouped(t.customers, joined, cu.id.label("cid"))
        for key, n in conn.execute(select(sub.c.k, func.count()).group_by(sub.c.k)):
            of(key).new_enrollments = _int(n)
        # Points follow the transaction that moved them: a sale's grant and spend rows carry its uid.
        moved = [j.at >= period.start, j.at < end, j.kind.in_(("grant", "spend", "overdraft"))]
        grant = case((j.kind == "grant", 1), else_=0).label("grant")
        sub = grouped(t.journal, moved, grant, j.points.label("points"))
        for key, is_grant, points in conn.execute(
            select(sub.c.k, sub.c.grant, func.sum(sub.c.points)).group_by(sub.c.k, sub.c.grant)
        ):
            if int(is_grant):
                of(key).issued = _int(points)
            else:
                of(key).redeemed = -_int(points)

        names, keep = self._store_names(conn, server, filters)
        for key in names:
            of(key)  # every store has its row, a quiet one too
        rows = []
        for key, got in sums.items():
            if key is None:
                # What no store's terminal sent: shown only when there is some and no store was asked for.
                if keep is not None or got == _StoreSums():
                    continue
            elif keep is not None and key not in keep:
                continue
            rows.append(got.row(None if key is None else names.get(key, str(key))))
        # Most revenue first; what no store sent comes last.
        rows.sort(key=lambda r: (r.store is None, -r.revenue, r.store or ""))
        return tuple(rows)

    def _store_names(self, conn: Connection, server: bool, f: Filters) -> tuple[dict[int, str | None], set[int] | None]:
        """Store names by key, and the keys a store or terminal filter keeps (None: all of them)."""
        keep: set[int] | None = None
        if not server:
            name = repo.get_meta(conn, "store_name") or None
            # A terminal's own sales carry its own names: a filter naming another keeps nothing.
            if (f.store is not None and f.store != name) or (
                f.terminal is not None and f.terminal != repo.get_meta(conn, "terminal_name")
            ):
                keep = set()
            return {0: name}, keep
        names: dict[int, str | None] = {int(k): str(v) for k, v in conn.execute(select(_stores.c.id, _stores.c.name))}
        if f.store is not None:
            keep = {k for k, v in names.items() if v == f.store}
        if f.terminal is not None:
            found = conn.execute(select(_terminals.c.store_id).where(_terminals.c.name == f.terminal)).scalars()
            held = {int(k) for k in found}
            keep = held if keep is None else keep & held
        return names, keep

    # ------------------------------------------------------------------ customers

    def _active_30(self, conn: Connection, s: _Scope) -> int:
        end = s.period.end
        return _int(
            conn.execute(
                select(func.count(func.distinct(t.sales.c.customer_id))).where(
                    t.sales.c.at >= end - ACTIVE_DAYS * DAY_MS, t.sales.c.at < end, t.sales.c.customer_id.is_not(None)
                )
            ).scalar_one()
        )

    def _new_enrollments(self, conn: Connection, s: _Scope) -> int:
        return _int(
            conn.execute(
                select(func.count()).where(
                    t.customers.c.enrolled_at >= s.period.start,
                    t.customers.c.enrolled_at < s.period.end,
                    t.customers.c.merged_into.is_(None),
                )
            ).scalar_one()
        )

    def _card_sales(self, conn: Connection, s: _Scope) -> _CardSales:
        """The card sales the visits need (from 29 local days before the period to its end) and, when its
        window starts inside that range, those the tiers need (up to the end, included), read once."""
        first = s.days.first - timedelta(days=ACTIVE_DAYS - 1)
        ext = _Days.covering(s.zone, _midnight(first, s.zone), s.period.end)
        after = self._tier_window(s)[0]
        tiers = after + 1 >= ext.starts[0]
        # The driver's own tuples: a year of a big store is 600,000 rows, and SQLAlchemy's rows cost
        # twice the reading (1.0 s -> 0.5 s of CPU). When the tiers' window lies inside the rows read,
        # one more column spares the tiers their own pass, which sorted the window's sales by
        # customer (a year's 560,000: 0.36 s -> 0.1 s): what the sale adds to the tier spend, nothing
        # once the server has reflected it. A customer whose sales all count nothing then has a spend
        # of 0 instead of none, and both leave them in the first tier: every other tier starts above 0.
        money = ", CASE WHEN reflected = 0 THEN total ELSE 0 END" if tiers else ""
        rows = sql.tuples(
            conn,
            f"SELECT customer_id, at{money} FROM sales WHERE at >= :start AND at <= :end AND customer_id IS NOT NULL",
            {"start": ext.starts[0], "end": s.period.end},
        )
        width = 3 if tiers else 2
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=width * len(rows))
        cols = flat.reshape(-1, width).T
        return _CardSales(ext, cols[0], cols[1], cols[2] if tiers else None)

    def _purchases(self, conn: Connection, s: _Scope) -> tuple[dict[int, tuple[int, int]], NDArray[np.int64]]:
        """Per card customer: the last purchase before the end of the period and how many there were;
        and the customers who bought in the period of the same length before it (sorted ids)."""
        # Walks the covering index sales(customer_id, at), in customer order: no table rows are
        # read and nothing is sorted. The previous period's buyers ride along (a second pass over
        # that year's sales cost 0.12 s).
        length = s.period.end - s.period.start
        rows = sql.tuples(
            conn,
            "SELECT customer_id, max(at), count(*),"
            " max(CASE WHEN at >= :before AND at < :start THEN 1 ELSE 0 END)"
            " FROM sales WHERE customer_id IS NOT NULL AND at < :end GROUP BY customer_id",
            {"before": s.period.start - length, "start": s.period.start, "end": s.period.end},
        )
        last = {cid: (at, n) for cid, at, n, _ in rows}  # ints from both drivers
        previous = np.sort(np.fromiter((int(r[0]) for r in rows if r[3]), dtype=np.int64))
        return last, previous

    def _members(self, conn: Connection, s: _Scope) -> list[int]:
        """The ids of the customers enrolled before the end of the period and not merged into another."""
        end = s.period.end
        return [
            int(cid)
            for (cid,) in sql.tuples(
                conn, "SELECT id FROM customers WHERE enrolled_at < :end AND merged_into IS NULL", {"end": end}
            )
        ]

    def _customers(
        self, conn: Connection, s: _Scope, visits: _Visits, last: Mapping[int, tuple[int, int]], customers: int
    ) -> CustomerFigures:
        end = s.period.end
        # "Bought in the last 30 days before the end" is "the last purchase is at most 30 days old".
        active_30 = sum(1 for at, _ in last.values() if at >= end - ACTIVE_DAYS * DAY_MS)
        active_90 = sum(1 for at, _ in last.values() if at >= end - AT_RISK_DAYS * DAY_MS)
        buyers = int(visits.buyers.size)
        repeat = visits.repeat_buyers
        return CustomerFigures(
            customers=customers,
            active_30=active_30,
            active_90=active_90,
            new_enrollments=self._new_enrollments(conn, s),
            buyers=buyers,
            repeat_buyers=repeat,
            repeat_share=ratio(repeat, buyers),
            visit_gaps=visits.gaps,
            median_days_between_visits=visits.median_gap,
        )

    def _segments(
        self,
        conn: Connection,
        s: _Scope,
        last: Mapping[int, tuple[int, int]],
        ids: Sequence[int],
        limit: int | None,
    ) -> tuple[Segment, ...]:
        end = s.period.end
        active_from = end - ACTIVE_DAYS * DAY_MS
        at_risk_from = end - AT_RISK_DAYS * DAY_MS
        # Sort plain tuples (most purchases, then most recent, then id) and build the results once.
        raw: dict[str, list[tuple[int, int, int]]] = {k: [] for k in SEGMENT_KEYS}
        for cid in ids:
            got = last.get(cid)
            if got is None:
                raw["never"].append((0, 0, cid))
                continue
            at, n = got
            key = "active" if at >= active_from else "at_risk" if at >= at_risk_from else "lost"
            raw[key].append((-n, -at, cid))
        chosen = {
            key: sorted(people) if limit is None else heapq.nsmallest(limit, people) for key, people in raw.items()
        }
        # Names, phones and cards only of the customers listed: all of them, or the first few.
        wanted = None if limit is None else [cid for people in chosen.values() for _, _, cid in people]
        names = self._names(conn, wanted)
        cards = self._primary_cards(conn, wanted)
        out = []
        for key in SEGMENT_KEYS:
            people = tuple(
                SegmentCustomer(
                    cid, names[cid][0], _mask(names[cid][1]), cards.get(cid, ""), -neg_at if n else None, -n
                )
                for n, neg_at, cid in chosen[key]
            )
            out.append(Segment(key, len(raw[key]), people))
        return tuple(out)

    def _names(self, conn: Connection, ids: Sequence[int] | None) -> dict[int, tuple[str, str | None]]:
        stmt = select(t.customers.c.id, t.customers.c.name, t.customers.c.phone)
        if ids is None:
            return {cid: (name, phone) for cid, name, phone in conn.execute(stmt)}
        out: dict[int, tuple[str, str | None]] = {}
        for chunk in range(0, len(ids), 500):
            for cid, name, phone in conn.execute(stmt.where(t.customers.c.id.in_(ids[chunk : chunk + 500]))):
                out[cid] = (name, phone)
        return out

    def _primary_cards(self, conn: Connection, ids: Sequence[int] | None) -> dict[int, str]:
        """As repo.primary_card: the newest active card of each customer (of all, or of these)."""
        stmt = select(t.cards.c.customer_id, t.cards.c.code, t.cards.c.issued_at).where(t.cards.c.active == 1)
        parts = (
            [stmt]
            if ids is None
            else [stmt.where(t.cards.c.customer_id.in_(ids[i : i + 500])) for i in range(0, len(ids), 500)]
        )
        cards: dict[int, tuple[int, str]] = {}
        for part in parts:
            for cid, code, issued in conn.execute(part):
                have = cards.get(cid)
                if have is None or issued >= have[0]:
                    cards[cid] = (issued, code)
        return {cid: code for cid, (_, code) in cards.items()}

    def _lifetime(self, s: _Scope, visits: _Visits, gross: int, previous: NDArray[np.int64]) -> Lifetime:
        """CLV from the period's card sales (gross: their Σ total) and the previous period's buyers (sorted ids)."""
        p = s.period
        card_sales, buyers = visits.card_sales, visits.buyers
        retained = int(np.intersect1d(previous, buyers, assume_unique=True).size)
        avg = ratio(gross, card_sales)
        per_year = None if not buyers.size else Fraction(card_sales, int(buyers.size)) * 365 / p.days
        retention = ratio(retained, int(previous.size))
        lifetime = None
        if retention is not None:
            years = p.days / 365
            cap = Fraction(MAX_LIFETIME_YEARS)
            lifetime = cap if retention == 1 else min(years / (1 - retention), cap)
        value = None
        if avg is not None and per_year is not None and lifetime is not None:
            value = round_half_up(avg * per_year * lifetime)
        return Lifetime(
            avg,
            card_sales,
            int(buyers.size),
            per_year,
            int(previous.size),
            retained,
            retention,
            lifetime,
            value,
            p.days,
        )

    # ------------------------------------------------------------------ points

    def _journal(self, conn: Connection, s: _Scope) -> _Moves:
        """The journal's sums by kind over the period, day by day, and of every row dated after it."""
        j = t.journal.c

        def points(*kinds: str) -> Any:
            return func.sum(case((j.kind.in_(kinds), j.points), else_=0))

        # Only at, kind and points are read, so an index journal(at, kind, points) covers each day's
        # range. Plain sums per day, not one statement grouped by kind and hour: SQLite groups by
        # sorting every row, and a year's million rows cost 0.53 s that way, 0.22 s so.
        stmt = select(
            *(points(kind) for kind in _Moves.KINDS),
            func.sum(j.points),
            func.sum(case((j.kind == "overdraft", 1), else_=0)),
        ).where(j.at >= _bound("lo"), j.at < _bound("hi"))
        run = sql.prepared(conn, stmt)
        moves = _Moves()
        for lo, hi in s.days.ranges(s.period):
            *kinds, every, overdrafts = (_int(v) for v in run({"lo": lo, "hi": hi})[0])
            moves.add_day(kinds, every, overdrafts)
        moves.later = _int(conn.execute(select(func.sum(j.points)).where(j.at >= s.period.end)).scalar_one())
        return moves

    def _journal_sums(self, conn: Connection, s: _Scope) -> tuple[int, int, int]:
        """Points issued and redeemed in the period, and the sum of every move dated after it."""
        j, end = t.journal.c, s.period.end
        # Two ranges of the date index: the period, and after it (usually a few rows), so no row
        # tests its date twice (a year's million rows: 0.15 -> 0.13 s).
        issued, paid = conn.execute(
            select(
                func.sum(case((j.kind == "grant", j.points), else_=0)),
                func.sum(case((j.kind.in_(("spend", "overdraft")), j.points), else_=0)),
            ).where(j.at >= s.period.start, j.at < end)
        ).one()
        later = conn.execute(select(func.sum(j.points)).where(j.at >= end)).scalar_one()
        return _int(issued), -_int(paid), _int(later)

    def _later_debt(self, conn: Connection, s: _Scope) -> int:
        """The sum of debt-account rows (no lot) dated from the end of the period on."""
        return _int(
            conn.execute(
                select(func.sum(t.journal.c.points)).where(
                    t.journal.c.at >= s.period.end, t.journal.c.lot_uid.is_(None)
                )
            ).scalar_one()
        )

    def _lots(self, conn: Connection, s: _Scope, buckets: bool) -> _Lots:
        """Sums over the lots holding points: all they hold, what is past expiry, what is pending."""
        p, lots = s.period, t.lots.c
        # Past expiry but not written off yet is expired all the same (§4): before the period, or
        # inside it (up to as_of). Pending: usable only from the end on. Plain sums, no grouping, and
        # only expires_at, available_at and remaining are read: an index on them where remaining > 0
        # covers the pass.
        expired = and_(lots.expires_at.is_not(None), lots.expires_at < s.as_of)

        def part(cond: ColumnElement[bool]) -> Any:
            return func.sum(case((cond, lots.remaining), else_=0))

        row = conn.execute(
            select(
                func.sum(lots.remaining),
                part(and_(expired, lots.expires_at < p.start)),
                part(and_(expired, lots.expires_at >= p.start)),
                part(lots.available_at >= p.end),
            ).where(lots.remaining > 0)
        ).one()
        out = _Lots(_int(row[0]), _int(row[1]), _int(row[2]), _int(row[3]))
        if buckets and out.unposted:
            # By the day they expired, for the chart: a short range of the same index.
            key = (lots.expires_at // s.days.bucket).label("b")
            sub = (
                select(key, lots.remaining)
                .where(lots.remaining > 0, lots.expires_at >= p.start, lots.expires_at < s.as_of)
                .subquery()
            )
            for bucket, points in conn.execute(select(sub.c.b, func.sum(sub.c.remaining)).group_by(sub.c.b)):
                out.by_bucket[int(bucket)] = _int(points)
        out.debt = _int(conn.execute(select(func.sum(t.customers.c.debt)).where(t.customers.c.debt != 0)).scalar_one())
        return out

    def _points(self, conn: Connection, s: _Scope) -> tuple[PointsFigures, tuple[PointsDay, ...]]:
        n = len(s.days)
        moves = self._journal(conn, s)
        by_day = {
            "grant": moves.days["grant"],
            "redeemed": [-(a + b) for a, b in zip(moves.days["spend"], moves.days["overdraft"], strict=True)],
            "expire": [-points for points in moves.days["expire"]],
        }
        lots = self._lots(conn, s, buckets=True)
        for bucket, points in lots.by_bucket.items():
            by_day["expire"][s.days.index_of_bucket(bucket)] += points
        unposted = lots.unposted
        # Σ journal = Σ remaining − Σ debt (verify() holds the ledger to it), so the balance before
        # the end is the stored one minus the moves dated from the end on: the journal's older rows
        # are never read.
        before_end = lots.held - lots.debt - moves.later
        closing = before_end - lots.unposted_before - unposted
        opening = before_end - moves.every - lots.unposted_before
        pending = lots.pending - self._pending_spent_later(conn, s)
        issued = moves.total("grant")
        redeemed = -(moves.total("spend") + moves.total("overdraft"))
        expired = -moves.total("expire") + unposted
        figures = PointsFigures(
            point_value=s.program.point_value,
            opening_liability=opening,
            issued=issued,
            redeemed=redeemed,
            overdraft=-moves.total("overdraft"),
            overdraft_sales=moves.overdraft_rows,
            expired=expired,
            taken_back=-moves.total("take_back"),
            sync=moves.total("sync"),
            liability=closing,
            available=closing - pending,
            pending=pending,
            # Debt is the negated balance of the rows without a lot; its later rows are undone.
            debt=lots.debt + self._later_debt(conn, s),
            liability_kopecks=closing * s.program.point_value,
            redemption_rate=ratio(redeemed, issued),
            breakage=ratio(expired, issued),
        )
        days = tuple(
            PointsDay(s.days.day(i), by_day["grant"][i], by_day["redeemed"][i], by_day["expire"][i]) for i in range(n)
        )
        return figures, days

    def _pending_spent_later(self, conn: Connection, s: _Scope) -> int:
        """Points moved, from the end on, out of lots that become usable only at or after the end."""
        # Such a lot cannot be spent before the end, so what it held then is what it holds now
        # minus these moves (spends and take-backs after it became usable).
        end = s.period.end
        return _int(
            conn.execute(
                select(func.sum(t.journal.c.points))
                .join(t.lots, t.lots.c.uid == t.journal.c.lot_uid)
                .where(t.journal.c.at >= end, t.lots.c.available_at >= end)
            ).scalar_one()
        )

    # ------------------------------------------------------------------ tiers

    def _tier_window(self, s: _Scope) -> tuple[int, int]:
        """The instants (after, up to] whose money counts toward the tiers at the end of the period."""
        window = s.program.tier_window_days
        at = s.period.end
        return (-(1 << 62) if window is None else at - window * DAY_MS), at

    def _tiers(self, conn: Connection, s: _Scope, members: Sequence[int], cards: _CardSales) -> tuple[TierRow, ...]:
        """Customers per tier; members: the customers counted at the end (see _members)."""
        program = s.program
        # Exactly repo.tier_spend for an operation at the end: money paid minus money given back
        # in (at − window, at], our unreflected rows plus the spend the server reported.
        start, at = self._tier_window(s)
        # As Program.tier_for: the tier with the highest min_spend not above the spend, else the
        # first one (min_spend 0).
        first = program.tiers[0]
        above = sorted((x for x in program.tiers if x is not first), key=lambda x: -x.min_spend)
        index = {x.name: i for i, x in enumerate(program.tiers)}
        counts = [0] * len(program.tiers)
        if above and cards.tiers is not None:
            spend = self._tier_spend(conn, s, members, cards)
            # The first of `above` (highest min_spend first) that the spend reaches, as SQL's CASE.
            reached = np.searchsorted(np.array([-x.min_spend for x in above], dtype=np.int64), -spend, side="left")
            for i, x in enumerate(above):
                counts[index[x.name]] = int(np.count_nonzero(reached == i))
        elif above:
            counts = self._tier_counts(conn, s, start, at, above, index)
        # Everyone else (no spend, or below the second tier) is in the first tier.
        counts[0] = len(members) - sum(counts[1:])
        ordered = sorted(program.tiers, key=lambda x: x.min_spend)
        return tuple(TierRow(x.name, x.min_spend, counts[index[x.name]]) for x in ordered)

    def _tier_spend(self, conn: Connection, s: _Scope, members: Sequence[int], cards: _CardSales) -> NDArray[np.int64]:
        """The tier spend of each member with money in the window, from the card sales read (any order)."""
        start, at = self._tier_window(s)
        assert cards.tiers is not None
        mine = cards.at > start  # every row read is at or before the end
        # Refunds and the server's spend: a few thousand rows a year.
        other = sql.tuples(
            conn,
            "SELECT customer_id, -money_back FROM refunds WHERE customer_id IS NOT NULL AND at > :start AND at <= :at"
            " AND reflected = 0 UNION ALL SELECT customer_id, amount FROM spend_events WHERE at > :start AND at <= :at",
            {"start": start, "at": at},
        )
        extra = np.array(other, dtype=np.int64).reshape(-1, 2)
        cid = np.concatenate((cards.cid[mine], extra[:, 0]))
        amount = np.concatenate((cards.tiers[mine], extra[:, 1]))
        order = np.argsort(cid, kind="stable")
        cid, amount = cid[order], amount[order]
        starts = np.flatnonzero(np.concatenate(([True], cid[1:] != cid[:-1]))) if cid.size else cid
        spend = np.add.reduceat(amount, starts) if cid.size else amount
        # Only the customers counted at the end: enrolled before it, not merged into another.
        return spend[np.isin(cid[starts], np.array(members, dtype=np.int64))]

    def _tier_counts(
        self, conn: Connection, s: _Scope, start: int, at: int, above: Sequence[Tier], index: Mapping[str, int]
    ) -> list[int]:
        """Customers per tier above the first, counted in SQL (the window reaches before the card sales read)."""
        sa, rf, se = t.sales.c, t.refunds.c, t.spend_events.c
        moves = union_all(
            select(sa.customer_id.label("cid"), sa.total.label("amount")).where(
                sa.customer_id.is_not(None), sa.at > start, sa.at <= at, sa.reflected == 0
            ),
            select(rf.customer_id.label("cid"), (-rf.money_back).label("amount")).where(
                rf.customer_id.is_not(None), rf.at > start, rf.at <= at, rf.reflected == 0
            ),
            select(se.customer_id.label("cid"), se.amount.label("amount")).where(se.at > start, se.at <= at),
        ).subquery()
        spend = select(moves.c.cid, func.sum(moves.c.amount).label("spend")).group_by(moves.c.cid).subquery()
        # Counted in SQL: a few rows come back, not one per customer.
        which = case(*((spend.c.spend >= x.min_spend, index[x.name]) for x in above), else_=0)
        per = (
            select(which.label("k"))
            .select_from(spend.join(t.customers, t.customers.c.id == spend.c.cid))
            .where(t.customers.c.enrolled_at < at, t.customers.c.merged_into.is_(None))
            .subquery()
        )
        counts = [0] * len(s.program.tiers)
        for k, n in conn.execute(select(per.c.k, func.count()).group_by(per.c.k)):
            counts[int(k)] = _int(n)
        return counts

    # ------------------------------------------------------------------ what points and discounts buy

    def _lines(self, conn: Connection, s: _Scope) -> tuple[tuple[CategoryRow, ...], tuple[StampRow, ...], int]:
        """One pass over the period's sale lines: kopecks paid with points per category, stamp cards completed,
        and the kopecks their free units were worth."""
        ln = t.sale_lines.c
        # The unit made free earns no stamp, so on its line qty − stamps_given = 1; a net stamp move
        # cannot tell, because a basket with more units than the card needed nets a positive delta.
        free = case((ln.stamp_rule.is_not(None), ln.qty - ln.stamps_given), else_=0)
        done = {rule.id: 0 for rule in s.program.stamps}
        # Only lines that add to a figure are grouped (SQLite groups by sorting, and a year holds 1.4
        # million lines, 0.3 million of them counted): a line with points paid, or a stamp line with
        # a free unit. A stamp line of a rule the program no longer has is kept all the same, so that
        # rule still gets its row when none of its cards was completed in the period.
        counted = or_(
            ln.redeemed != 0,
            and_(ln.stamp_rule.is_not(None), or_(ln.qty != ln.stamps_given, ln.stamp_rule.not_in(sorted(done)))),
        )
        rows = conn.execute(
            select(ln.category, ln.stamp_rule, func.sum(ln.redeemed), func.sum(free), func.sum(free * ln.unit_price))
            .join(t.sales, t.sales.c.id == ln.sale_id)
            .where(*self._where_sales(s), ln.is_reward == 0, counted)
            .group_by(ln.category, ln.stamp_rule)
        ).all()
        paid: dict[str, int] = {}
        free_value = 0
        for category, rule, redeemed, completed, worth in rows:
            free_value += _int(worth)
            if _int(redeemed):
                paid[str(category)] = paid.get(str(category), 0) + _int(redeemed)
            if rule is not None:
                done[str(rule)] = done.get(str(rule), 0) + _int(completed)
        categories = sorted((CategoryRow(c, n) for c, n in paid.items()), key=lambda c: (-c.amount, c.category))
        return tuple(categories), tuple(StampRow(rule, n) for rule, n in sorted(done.items())), free_value

    def _coupons(self, conn: Connection, s: _Scope, expected: int) -> tuple[CouponRow, ...]:
        """Uses and discount per coupon code; expected: how many of the period's sales (filtered) carry a coupon."""
        sa, ln, cu = t.sales.c, t.sale_lines.c, t.coupon_uses.c
        # Sales that carry no line but a gift are left out, as the inner join of the full read does.
        stmt = (
            select(sa.id, sa.coupon, sa.program_version, *(ln[name] for name in _SOLD_LINE))
            .outerjoin(t.sale_lines, and_(ln.sale_id == sa.id, ln.is_reward == 0))
            .where(*self._where_sales(s), sa.coupon.is_not(None))
            .order_by(sa.id, ln.idx)
        )
        # A coupon sale is found through coupon_uses (a row per coupon sale, a few thousand a year)
        # instead of reading every sale of the period (0.15 s for a year). The count of coupon sales
        # summed with the sales by day proves that none is missing; else every sale is read.
        found = select(cu.sale_id).where(cu.at >= s.period.start, cu.at < s.period.end)
        ids = sorted({row[0] for row in sql.prepared(conn, found)({})})
        rows: list[tuple[Any, ...]] = []
        for i in range(0, len(ids), _ID_CHUNK):
            rows += sql.prepared(conn, stmt.where(sa.id.in_(ids[i : i + _ID_CHUNK])))({})
        sales = _coupon_sales(rows)
        if len(sales) != expected:
            sales = _coupon_sales(sql.prepared(conn, stmt)({}))
        programs = self._program_versions(conn)
        found_coupons: dict[tuple[int, str], Coupon | None] = {}
        uses: dict[str, list[int]] = {}
        for code, version, lines in sales.values():
            if not lines:
                continue
            program = programs.get(version) or s.program
            if (version, code) not in found_coupons:  # looked up once per program version and code
                found_coupons[(version, code)] = program.coupon(code)
            coupon = found_coupons[(version, code)]
            off = 0 if coupon is None else _coupon_share(program, coupon, lines)
            row = uses.setdefault(code, [0, 0])
            row[0] += 1
            row[1] += off
        return tuple(
            CouponRow(code, n, off) for code, (n, off) in sorted(uses.items(), key=lambda kv: (-kv[1][0], kv[0]))
        )

    def _program_versions(self, conn: Connection) -> dict[int, Program]:
        """Every program version by number (a handful), parsed once per service."""
        out = {}
        for version, uid, body in conn.execute(select(t.programs.c.version, t.programs.c.uid, t.programs.c.body)):
            program = self._programs.get(uid)
            if program is None:
                program = self._programs[uid] = parse_program(json.loads(body))
            out[int(version)] = program
        return out

    def _rewards(self, conn: Connection, s: _Scope) -> tuple[RewardRow, ...]:
        rows = conn.execute(
            select(t.sales.c.reward_id, func.count(), func.sum(t.sales.c.reward_points))
            .where(*self._where_sales(s), t.sales.c.reward_id.is_not(None))
            .group_by(t.sales.c.reward_id)
        ).all()
        out = []
        for r in rows:
            reward = s.program.reward(str(r[0]))
            out.append(RewardRow(str(r[0]), reward.name if reward else str(r[0]), _int(r[1]), _int(r[2])))
        return tuple(sorted(out, key=lambda g: (-g.count, g.reward_id)))


def _coupon_sales(rows: Sequence[tuple[Any, ...]]) -> dict[int, tuple[str, int, list[SoldLine]]]:
    """Coupon sales by id from (id, coupon, program version, *SoldLine) rows in line order: code, version, lines."""
    sales: dict[int, tuple[str, int, list[SoldLine]]] = {}
    make = SoldLine._make
    for row in rows:
        got = sales.get(row[0])
        if got is None:
            got = sales[row[0]] = (str(row[1]), int(row[2]), [])
        if row[3] is not None:  # the outer join's row of a sale without lines
            got[2].append(make(row[3:]))
    return sales


@dataclass(frozen=True)
class _CardSales:
    """Card sales from 29 local days before the period to its end, included (ReportsService._card_sales)."""

    ext: _Days  # the local days covered, from the first one read
    cid: NDArray[np.int64]
    at: NDArray[np.int64]
    tiers: NDArray[np.int64] | None  # what each adds to the tier spend (0 when reflected), when read for the tiers


@dataclass(frozen=True)
class _Visits:
    """Card purchases folded by customer and local day: buyers, visit gaps, active cards per day."""

    buyers: NDArray[np.int64]  # customer ids with a purchase in the period, sorted
    repeat_buyers: int
    card_sales: int  # card purchases in the period
    gaps: int  # pairs of consecutive visit days in the period
    median_gap: Fraction | None  # days, the median of those gaps
    active_days: tuple[ActiveDay, ...]

    @classmethod
    def build(cls, cards: _CardSales, s: _Scope) -> _Visits:
        """Fold the card sales read; they start 29 local days before the period's first day."""
        ext = cards.ext
        # Rows at the very end of the period are there for the tiers only.
        before_end = cards.at < s.period.end
        cid, at = cards.cid[before_end], cards.at[before_end]
        n_days = len(ext)
        # The local day of each instant, from the UTC instants of local midnights worked out in Python.
        day = np.searchsorted(np.array(ext.starts, dtype=np.int64), at, side="right") - 1
        inside = at >= s.period.start
        buyers, counts = np.unique(cid[inside], return_counts=True)
        # Visits are (customer, local day) pairs; unique() sorts them by customer, then day.
        visits = _unique(cid * n_days + day)
        v_cid, v_day = visits // n_days, visits % n_days
        same = v_cid[1:] == v_cid[:-1]
        # Gaps between consecutive visit days inside the period (a day with a purchase from the start on).
        first = ACTIVE_DAYS - 1  # the period's first day
        if s.period.start == ext.starts[first]:
            seen = visits[v_day >= first]  # a period of whole days: its visits are those of its days
        else:
            seen = _unique(cid[inside] * n_days + day[inside])
        g_same = seen[1:] // n_days == seen[:-1] // n_days
        gaps = np.sort(np.diff(seen % n_days)[g_same])
        # A purchase on day v keeps a card active on days v .. v+29; a later visit within that
        # window takes over, so each visit covers [v, min(v + 30, next visit)) and none overlap.
        stop = v_day + ACTIVE_DAYS
        nxt = np.where(same, v_day[1:], stop[:-1]) if visits.size else v_day
        if visits.size:
            stop[:-1] = np.minimum(stop[:-1], nxt)
        size = n_days + ACTIVE_DAYS + 1
        level = np.cumsum(np.bincount(v_day, minlength=size) - np.bincount(stop, minlength=size))
        offset = ACTIVE_DAYS - 1
        series = tuple(ActiveDay(ext.day(i), int(level[i])) for i in range(offset, n_days))
        return cls(
            buyers=buyers,
            repeat_buyers=int((counts >= 2).sum()),
            card_sales=int(inside.sum()),
            gaps=int(gaps.size),
            median_gap=_median_of_sorted(gaps),
            active_days=series,
        )


def _unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values, sorted: np.unique's answer, by a sort (numpy 2's np.unique hashes, and took
    0.66 s on a year's 600,000 visit keys, which spread over a wide range, where sorting takes 0.03 s)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _median_of_sorted(values: NDArray[np.int64]) -> Fraction | None:
    """median() of values sorted already (a year holds 465,000 visit gaps: sorting them as Python ints cost 0.1 s)."""
    n = int(values.size)
    if not n:
        return None
    mid = n // 2
    return Fraction(int(values[mid])) if n % 2 else Fraction(int(values[mid - 1]) + int(values[mid]), 2)
