"""ReportsService: the dashboard, the full report and the chain comparison, each one read transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import (
    Connection,
    Engine,
    select,
)

from app.core import db, repo
from app.core import schema as t
from app.core.payback import Baskets, MemberFigures, Payback, clv_range, payback, program_cost
from app.core.services.reports.customers import (
    _active_30,
    _card_sales,
    _customers,
    _lifetime,
    _members,
    _new_enrollments,
    _purchases,
    _segments,
    _tiers,
)
from app.core.services.reports.days import HOUR_MS, _Days, _Visits
from app.core.services.reports.points import _journal_sums, _lots, _points
from app.core.services.reports.results import (
    CouponRow,
    Dashboard,
    Filters,
    Lifetime,
    Period,
    Report,
    SalesFigures,
    Series,
    StoreRow,
    ratio,
)
from app.core.services.reports.sales import (
    _coupons,
    _lines,
    _revenue_days,
    _rewards,
    _sales,
    _sales_days,
    _sales_groups,
    _SalesDays,
    _sold,
    _store_rows,
)
from app.core.services.reports.scope import Scope, _Ask, _place, _stores
from app.core.timeutil import now_ms


class ReportsService:
    """Read-only reports over a terminal or server database; each call is one read transaction.

    The composition root says which (scope): a terminal's file (app.bootstrap) or the chain server's
    database (server.reports), whose rows carry the store and till that pushed them."""

    def __init__(self, engine: Engine, clock: Callable[[], int] = now_ms, scope: Scope = Scope.TERMINAL) -> None:
        # A report is a dozen statements that must see one snapshot. SQLite's read transaction
        # (WAL) is one already; PostgreSQL's default READ COMMITTED gives each statement its own.
        self.engine = (
            engine if engine.dialect.name == "sqlite" else engine.execution_options(isolation_level="REPEATABLE READ")
        )
        self.clock = clock
        self.scope = scope

    def period_of_days(self, first: date, last: date) -> Period:
        """The local days first..last in the merchant's time zone (program in force now)."""
        with db.transaction(self.engine, write=False) as conn:
            _, program = repo.program_at(conn, self.clock())
        return Period.local_days(first, last, program.zone)

    def stores(self) -> list[str]:
        """The store names a report can be filtered by: the server's stores, or this terminal's own name."""
        with db.transaction(self.engine, write=False) as conn:
            if self.scope is Scope.CHAIN:
                return sorted(str(name) for name in conn.execute(select(_stores.c.name)).scalars())
            # A terminal file is one store: its name when it has been given one (chain enrollment).
            name = repo.get_meta(conn, "store_name")
            return [name] if name else []

    def cashier_names(self) -> list[str]:
        """Every name a cashier filter can take: the staff list and the names written on sales and refunds."""
        with db.transaction(self.engine, write=False) as conn:
            names = {str(n) for n in conn.execute(select(t.sales.c.cashier).distinct()).scalars() if n is not None}
            names |= {str(n) for n in conn.execute(select(t.refunds.c.cashier).distinct()).scalars() if n is not None}
            if self.scope is Scope.TERMINAL:  # the staff list is the terminal's own
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

    def _by_store(self, conn: Connection, period: Period, filters: Filters) -> tuple[StoreRow, ...]:
        return _store_rows(conn, self._scope(conn, period, filters, days=False))

    def _dashboard(self, conn: Connection, period: Period, filters: Filters) -> Dashboard:
        s = self._scope(conn, period, filters, days=False)
        (total, card, anonymous), _ = _sales_groups(conn, s, _sold(conn, s))
        active_30 = _active_30(conn, s)
        new = _new_enrollments(conn, s)
        issued, redeemed, later = _journal_sums(conn, s)
        lots = _lots(conn, s, buckets=False)
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
        daily = _sales_days(conn, s)
        sales = _sales(conn, s, daily)
        cards = _card_sales(conn, s)
        visits = _Visits.build(cards, s)
        last, previous = _purchases(conn, s)
        # The customers counted at the end, read once for the customers, the tiers and the segments.
        members = _members(conn, s)
        customers = _customers(conn, s, visits, last, len(members))
        points, points_days = _points(conn, s)
        tiers = _tiers(conn, s, members, cards)
        segments = _segments(conn, s, last, members, segment_limit)
        lifetime = _lifetime(s, visits, daily.card_gross, previous)
        categories, stamps, free_value = _lines(conn, s)
        coupons = _coupons(conn, s, daily.coupon_sales)
        rewards = _rewards(conn, s)
        revenue_days = _revenue_days(conn, s, daily)
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
        s: _Ask,
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

    def _scope(self, conn: Connection, period: Period, filters: Filters, days: bool) -> _Ask:
        # The program in force at the end sets the time zone, the tiers and the point value.
        _, program = repo.program_at(conn, period.end)
        zone = program.zone
        span = _Days.covering(zone, period.start, period.end) if days else _Days(date(1970, 1, 1), (0,), HOUR_MS)
        place = _place(conn, filters, self.scope)
        return _Ask(self.scope, period, filters, program, zone, span, min(period.end, self.clock()), place)
