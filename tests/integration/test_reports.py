"""The manager's reports (app/core/services/reports/) checked figure by figure against a small store.

The store is built through the real services: enrollments, sales with explicit times, a
coupon, a gift, a stamp card, a refund, points that expire by time passing. Every expected value
below is worked out by hand in the comments; the report of March 2025 must match all of them.
Times are Moscow local (UTC+3, no daylight saving).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, event, insert, select, update

from app.bootstrap import Context, bootstrap
from app.core import db, ledger, repo
from app.core import schema as t
from app.core.coupon_replay import ReplayLine, coupon_shares
from app.core.program import parse_program
from app.core.services.reports import (
    ActiveDay,
    CashierRow,
    CategoryRow,
    CouponRow,
    Filters,
    Period,
    PointsDay,
    Report,
    ReportsService,
    RevenueDay,
    RewardRow,
    Scope,
    StampRow,
    TierRow,
    median,
)
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.timeutil import to_ms
from tests.pg import PgServer, pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.stores import Stores

MSK = ZoneInfo("Europe/Moscow")

PROGRAM = {
    "point_value": 100,
    "timezone": "Europe/Moscow",
    # Both tiers earn 10 %: earned = floor(paid / 1000) points. Gold gives 10 % off.
    "tiers": [
        {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "10"},
        {"name": "Gold", "min_spend": 90000, "discount_pct": "10", "earn_rate_pct": "10"},
    ],
    "redeem": {"max_share_pct": "50", "min_balance": 0},
    "activation_days": 7,
    "expiry_days": 60,
    "welcome_bonus": {"points": 100, "expiry_days": 10},
    "stamps": [{"id": "coffee", "category": "coffee", "needed": 3}],
    "coupons": [{"code": "SALE10", "kind": "percent", "value": "10"}],
    "rewards": [{"id": "cookie", "name": "Печенье", "points": 50}],
}

MARCH = Period.local_days(date(2025, 3, 1), date(2025, 3, 31), MSK)
CLOCK = 0  # set below: the service reads the ledger as of 10 April 2025


def ms(text: str, zone: ZoneInfo = MSK) -> int:
    """'2025-03-03 10:00' local time to UTC milliseconds."""
    return to_ms(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone))


CLOCK = ms("2025-04-10 00:00")


@dataclass
class Store:
    """The fixture store and what the tests need to name in it."""

    ctx: Context
    cards: dict[str, str]
    ids: dict[str, int]
    coupon_sale: int


def _sell(
    ctx: Context,
    when: str,
    lines: list[tuple[str, int, int, str]],
    card: str | None = None,
    cashier: str | None = None,
    redeem: int | None = None,
    coupon: str | None = None,
    reward: str | None = None,
) -> int:
    basket = tuple(ctx.catalog.resolve_line(sku, qty, price, category) for sku, qty, price, category in lines)
    req = SaleRequest(basket, card=card, coupon=coupon, redeem=redeem, reward=reward, at=ms(when), cashier=cashier)
    res = ctx.checkout.sell(req, actor=SYSTEM)
    assert res.sale_id is not None
    return res.sale_id


COFFEE = ("coffee", 1, 25000, "coffee")
BAKERY = ("bakery", 1, 30000, "bakery")


def build_store(path: Path) -> Store:
    """The store of the module docstring; comments give each operation's points and money."""
    ctx = bootstrap(path, create=True)
    ctx.store.init(PROGRAM)
    cards: dict[str, str] = {}

    def enroll(key: str, name: str, phone: str, when: str) -> None:
        # Each enrollment grants a 100-point welcome lot, usable at once, expiring 10 days later.
        cards[key] = ctx.customers.enroll(name, phone, at=ms(when), actor=SYSTEM).card

    # --- before March
    enroll("D", "Дмитрий Козлов", "+79160000004", "2024-10-01 10:00")  # welcome expires 11 Oct
    # D: 300 ₽ of tea, Silver, earns 30 (usable 22 Nov, expires 21 Jan 2025, never written off:
    # D never comes back). His welcome lot is written off now, dated 11 Oct.
    _sell(ctx, "2024-11-15 12:00", [("tea", 1, 30000, "tea")], cards["D"], "Иван")
    enroll("A", "Анна Иванова", "+79160000001", "2025-01-10 10:00")  # welcome expires 20 Jan
    enroll("F", "Фёдор Павлов", "+79160000006", "2025-01-12 10:00")  # welcome expires 22 Jan
    enroll("B", "Борис Петров", "+79160000002", "2025-02-01 09:00")  # welcome expires 11 Feb
    # F: 200 ₽, earns 20 (usable 9 Feb, expires 10 Apr); his welcome is written off (dated 22 Jan).
    _sell(ctx, "2025-02-02 11:00", [("pie", 1, 20000, "bakery")], cards["F"], "Ольга")
    # B: 1000 ₽ paying 100 points (welcome) = 100 ₽: paid 900 ₽, earns 90 (usable 12 Feb, expires 13 Apr).
    _sell(ctx, "2025-02-05 10:00", [("cake", 1, 100000, "bakery")], cards["B"], "Ольга", redeem=100)
    # A: 2 coffees + bakery = 800 ₽, earns 80 (usable 17 Feb, expires 18 Apr), 2 coffee stamps;
    # her welcome is written off (dated 20 Jan).
    _sell(ctx, "2025-02-10 12:00", [("coffee", 2, 25000, "coffee"), BAKERY], cards["A"], "Ольга")

    # --- March
    # #8 A (spend 800 ₽: Silver) coffee 250 ₽ paying 80 points = 80 ₽ on the coffee line:
    # paid 170 ₽, earns 17 (usable 10 Mar); stamps 2 + 1 = 3.
    _sell(ctx, "2025-03-03 10:00", [COFFEE], cards["A"], "Ольга", redeem=80)
    enroll("V", "Вера Соколова", "+79160000003", "2025-03-05 09:00")  # welcome expires 15 Mar
    _sell(ctx, "2025-03-05 11:00", [("juice", 2, 15000, "drinks")], None, "Иван")  # anonymous 300 ₽
    # #11 A (spend 800 + 170 = 970 ₽: Gold) 2 coffees + bakery with SALE10; the stamp card is full,
    # so one coffee (250 ₽) is free. Coffee line: 500 − 250 = 250, coupon 25, card 10 % of 225 = 22,50.
    # Bakery: coupon 30, card 10 % of 270 = 27. Paid 202,50 + 243 = 445,50 ₽; earns 44 (usable 17 Mar).
    # Coupon discount = 25 + 30 = 55 ₽. Stamps 3 − 3 + 1 = 1.
    coupon_sale = _sell(
        ctx, "2025-03-10 15:00", [("coffee", 2, 25000, "coffee"), BAKERY], cards["A"], "Иван", coupon="SALE10"
    )
    # #12 B (spend 900 ₽: Gold) tea 200 ₽ − 10 % = 180 ₽, earns 18 (usable 19 Mar), and the cookie
    # gift for 50 points from his 90-point lot (40 left).
    _sell(ctx, "2025-03-12 13:00", [("tea", 1, 20000, "tea")], cards["B"], "Ольга", reward="cookie")
    _sell(ctx, "2025-03-15 10:00", [("bun", 1, 10000, "bakery")], None, "Ольга")  # anonymous 100 ₽
    # #14 V coffee 250 + juice 150 = 400 ₽ (Silver), earns 40 (usable 27 Mar); her unused welcome
    # expired on 15 Mar and is written off now, dated 15 Mar 09:00.
    _sell(ctx, "2025-03-20 12:00", [COFFEE, ("juice", 1, 15000, "drinks")], cards["V"], "Иван")
    # E never buys: her welcome expires on 30 Mar 18:00 and is never written off.
    enroll("E", "Елена Волкова", "+79160000005", "2025-03-20 18:00")
    # #16 Иван refunds the bakery line of #11: 243 ₽ back; points taken back
    # floor(44 × 24300 / 44550) = floor(24.0) = 24 from the sale's own lot (44 → 20).
    ctx.checkout.refund(coupon_sale, {1: 1}, at=ms("2025-03-22 10:00"), cashier="Иван", actor=SYSTEM)
    # #17 A (spend 970 + 445,50 − 243 = 1172,50 ₽: Gold) coffee 250 − 25 = 225 ₽ paying 30 points:
    # 17 from the lot expiring 9 May, 13 from the one expiring 16 May (20 → 7). Paid 195 ₽,
    # earns 19, usable only on 1 Apr 11:00: pending at the end of March.
    _sell(ctx, "2025-03-25 11:00", [COFFEE], cards["A"], "Ольга", redeem=30)
    _sell(ctx, "2025-03-28 16:00", [("water", 1, 5000, "drinks")], None, "Иван")  # anonymous 50 ₽
    # #19 B (Gold) coffee 250 − 25 = 225 ₽, earns 22, usable 6 Apr: pending at the end of March.
    _sell(ctx, "2025-03-30 09:00", [COFFEE], cards["B"], "Иван")

    # --- after March (must not change the March report)
    # A (Gold) bakery 300 − 30 = 270 ₽ paying 26 points: 7 from the lot expiring 16 May, then 19
    # from the lot of #17 (now usable). Earns floor(24400 / 1000) = 24.
    _sell(ctx, "2025-04-02 10:00", [BAKERY], cards["A"], "Ольга", redeem=26)

    ids = {}
    with db.transaction(ctx.engine, write=False) as conn:
        for key, card in cards.items():
            ids[key] = int(repo.customer_by_card(conn, card).id)
    return Store(ctx, cards, ids, coupon_sale)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, store_cache: Stores) -> Path:
    """The fixture store, built once per session (tests that write copy it first)."""
    return store_cache.march(tmp_path_factory.mktemp("reports") / "t.sqlite3")


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    """The fixture store opened read-only by convention (no test here writes through it)."""
    ctx = bootstrap(store_path)
    cards: dict[str, str] = {}
    ids: dict[str, int] = {}
    with db.transaction(ctx.engine, write=False) as conn:
        for r in conn.execute(select(t.customers.c.id, t.customers.c.phone)):
            key = {"1": "A", "2": "B", "3": "V", "4": "D", "5": "E", "6": "F"}[r.phone[-1]]
            ids[key] = int(r.id)
            cards[key] = repo.primary_card(conn, r.id)
        coupon_sale = int(conn.execute(select(t.sales.c.id).where(t.sales.c.coupon.is_not(None))).scalar_one())
    yield Store(ctx, cards, ids, coupon_sale)
    ctx.close()


@pytest.fixture(scope="module")
def service(store: Store) -> ReportsService:
    """Reports read as of 10 April 2025."""
    return ReportsService(store.ctx.engine, clock=lambda: CLOCK)


@pytest.fixture(scope="module")
def march(service: ReportsService) -> Report:
    """The report of March 2025, unfiltered."""
    return service.report(MARCH)


def _copy(store_path: Path, tmp_path: Path) -> Context:
    target = tmp_path / "copy.sqlite3"
    shutil.copy(store_path, target)
    return bootstrap(target)


# ----------------------------------------------------------------------------- the period


def test_local_days_period_runs_from_local_midnight_to_local_midnight() -> None:
    # 1 March 00:00 Moscow = 28 Feb 21:00 UTC; the end is 1 April 00:00 Moscow, exclusive.
    assert MARCH.start == to_ms(datetime(2025, 2, 28, 21, 0, tzinfo=ZoneInfo("UTC")))
    assert MARCH.end == to_ms(datetime(2025, 3, 31, 21, 0, tzinfo=ZoneInfo("UTC")))
    assert MARCH.days == 31


def test_period_refuses_an_end_before_its_start() -> None:
    with pytest.raises(ValueError):
        Period(10, 10)


# ----------------------------------------------------------------------------- sales


def test_sales_count_and_money_with_and_without_card(march: Report) -> None:
    s = march.sales
    # Card sales: 170 + 445,50 + 180 + 400 + 195 + 225 = 1615,50 ₽ in 6 sales; refund 243 ₽.
    assert (s.card.sales, s.card.gross, s.card.refunds, s.card.refunded, s.card.revenue) == (
        6, 161550, 1, 24300, 137250,
    )  # fmt: skip
    # Anonymous: 300 + 100 + 50 = 450 ₽ in 3 sales, no refunds.
    assert (s.anonymous.sales, s.anonymous.gross, s.anonymous.refunded, s.anonymous.revenue) == (3, 45000, 0, 45000)
    # All: 9 sales, 2065,50 ₽ taken, 243 ₽ given back: revenue 1822,50 ₽.
    assert (s.total.sales, s.total.gross, s.total.refunds, s.total.refunded, s.total.revenue) == (
        9, 206550, 1, 24300, 182250,
    )  # fmt: skip


def test_average_check_is_exact_with_and_without_card(march: Report) -> None:
    s = march.sales
    assert s.total.average_check == Fraction(206550, 9) == 22950
    assert s.card.average_check == Fraction(161550, 6) == 26925
    assert s.anonymous.average_check == 15000
    assert s.card.average_check_kopecks == 26925


def test_card_share_overall_and_per_cashier(march: Report) -> None:
    assert march.sales.card_share == Fraction(6, 9)
    # Иван: 300 anon, 445,50 card, 400 card, 50 anon, 225 card = 1420,50 ₽, minus his refund 243 ₽.
    # Ольга: 170 card, 180 card, 100 anon, 195 card = 645 ₽.
    assert march.sales.by_cashier == (
        CashierRow("Иван", 5, 3, Fraction(3, 5), 117750),
        CashierRow("Ольга", 4, 3, Fraction(3, 4), 64500),
    )


def test_cashier_filter_keeps_only_that_cashiers_sales_and_refunds(service: ReportsService) -> None:
    r = service.report(MARCH, Filters(cashier="Ольга"))
    assert (r.sales.total.sales, r.sales.total.gross, r.sales.total.refunded) == (4, 64500, 0)
    assert r.sales.card_share == Fraction(3, 4)
    # Her card sales #8 and #17 paid 80 ₽ and 30 ₽ of coffee with points; the gift was hers too.
    assert r.redeemed_by_category == (CategoryRow("coffee", 11000),)
    assert r.rewards == (RewardRow("cookie", "Печенье", 1, 50),)
    assert r.coupons == ()
    # Filters do not apply to the store-wide sections.
    assert r.points == service.report(MARCH).points


def test_store_filter_on_a_terminal_matches_its_own_name_or_nothing(store_path: Path, tmp_path: Path) -> None:
    ctx = _copy(store_path, tmp_path)
    with db.transaction(ctx.engine) as conn:
        repo.set_meta(conn, "store_name", "Кофейня на Садовой")
        repo.set_meta(conn, "terminal_name", "Касса 1")
    service = ReportsService(ctx.engine, clock=lambda: CLOCK)
    assert service.report(MARCH, Filters(store="Кофейня на Садовой", terminal="Касса 1")).sales.total.sales == 9
    assert service.dashboard(MARCH, Filters(terminal="Касса 2")).sales == 0
    ctx.close()


def test_a_terminal_file_reads_as_a_terminal_whatever_tables_it_holds(store_path: Path, tmp_path: Path) -> None:
    """The scope comes from the composition root, not from the tables the file happens to hold."""
    from server import schema as server_schema

    ctx = _copy(store_path, tmp_path)
    with db.transaction(ctx.engine) as conn:
        repo.set_meta(conn, "store_name", "Кофейня на Садовой")
        server_schema.metadata.create_all(conn)  # a stray copy of the server's tables
        conn.execute(insert(server_schema.stores).values(id=1, name="Арбат", address=""))
    service = ctx.reports  # as the app builds it
    assert service.scope is Scope.TERMINAL
    assert service.stores() == ["Кофейня на Садовой"]
    assert service.dashboard(MARCH, Filters(store="Кофейня на Садовой")).sales == 9
    assert service.dashboard(MARCH, Filters(store="Арбат")).sales == 0
    ctx.close()


def test_terminal_filter_on_the_server_follows_who_pushed_each_sale(store_path: Path, tmp_path: Path) -> None:
    from server import schema as server_schema
    from server.store import create_schema

    ctx = _copy(store_path, tmp_path)
    with db.transaction(ctx.engine) as conn:
        server_schema.metadata.create_all(conn)
        conn.execute(insert(server_schema.stores).values(id=1, name="Садовая", address=""))
        conn.execute(
            insert(server_schema.terminals),
            [{"id": 1, "store_id": 1, "name": "Касса 1"}, {"id": 2, "store_id": 1, "name": "Касса 2"}],
        )
        rows = conn.execute(select(t.sales.c.uid, t.sales.c.cashier).where(t.sales.c.at >= MARCH.start)).all()
        refund_uids = conn.execute(select(t.refunds.c.uid)).scalars().all()
        # Ольга works on till 2, everyone else on till 1; the refund went through till 1.
        outcomes = [(r.uid, 2 if r.cashier == "Ольга" else 1) for r in rows] + [(u, 1) for u in refund_uids]
        conn.execute(
            insert(server_schema.outcomes),
            [
                {"uid": uid, "terminal_id": term, "epoch": 0, "seq": i, "kind": "sale", "body_sha256": "",
                 "status": "applied", "result": "{}", "created_at": 0}
                for i, (uid, term) in enumerate(outcomes)
            ],
        )  # fmt: skip
    # As a server database booked before server schema 2: its upgrade finds each row's terminal in
    # txn_outcomes and writes it (and its store) on the row, where the reports read it.
    create_schema(ctx.engine)
    service = ReportsService(ctx.engine, clock=lambda: CLOCK, scope=Scope.CHAIN)  # a server database
    till2 = service.report(MARCH, Filters(store="Садовая", terminal="Касса 2")).sales
    assert (till2.total.sales, till2.total.revenue) == (4, 64500)  # Ольга's
    till1 = service.dashboard(MARCH, Filters(terminal="Касса 1"))
    assert (till1.sales, till1.revenue) == (5, 117750)
    assert service.dashboard(MARCH, Filters(store="Другой")).sales == 0
    ctx.close()


# ----------------------------------------------------------------------------- customers


def test_customer_counts(march: Report) -> None:
    c = march.customers
    # Enrolled before 1 April: D, A, F, B, V, E.
    assert c.customers == 6
    # Bought in [2 Mar, 1 Apr): A, B, V. In [1 Jan, 1 Apr): also F (2 Feb).
    assert (c.active_30, c.active_90) == (3, 4)
    # Enrolled in March: V (5 Mar) and E (20 Mar).
    assert c.new_enrollments == 2


def test_repeat_purchase_share_counts_customers_with_two_or_more_purchases(march: Report) -> None:
    # March card buyers: A (3 purchases), B (2), V (1): 2 of 3 bought again.
    c = march.customers
    assert (c.buyers, c.repeat_buyers, c.repeat_share) == (3, 2, Fraction(2, 3))


def test_median_days_between_consecutive_visits(march: Report) -> None:
    # A: 3 → 10 → 25 March (7 and 15 days); B: 12 → 30 March (18 days); V: one visit.
    assert march.customers.visit_gaps == 3
    assert march.customers.median_days_between_visits == 15


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([7, 18, 15, 2]) == Fraction(22, 2)
    assert median([1, 2]) == Fraction(3, 2)
    assert median([]) is None


# ----------------------------------------------------------------------------- points


def test_points_issued_redeemed_expired_and_taken_back(march: Report) -> None:
    p = march.points
    # Grants in March: 17 (A) + 100 (V welcome) + 44 (A) + 18 (B) + 40 (V) + 100 (E welcome) + 19 (A) + 22 (B).
    assert p.issued == 360
    # Spent: 80 (A, #8) + 50 (B's cookie) + 30 (A, #17).
    assert (p.redeemed, p.overdraft, p.overdraft_sales) == (160, 0, 0)
    # V's welcome (written off on 20 Mar, dated 15 Mar) + E's (due 30 Mar, not written off yet).
    assert p.expired == 200
    assert p.taken_back == 24
    assert p.sync == 0


def test_points_rates_are_exact_shares_of_issued(march: Report) -> None:
    assert march.points.redemption_rate == Fraction(160, 360)
    assert march.points.breakage == Fraction(200, 360)


def test_liability_at_the_end_of_the_period(march: Report) -> None:
    p = march.points
    # Lots holding points on 1 April 00:00: A 7 (expires 16 May) + 19 (pending until 1 Apr 11:00),
    # F 20, B 40 + 18 + 22 (pending until 6 Apr), V 40. D's 30 and E's 100 have expired.
    assert (p.liability, p.pending, p.available, p.debt) == (166, 41, 125, 0)
    assert (p.point_value, p.liability_kopecks) == (100, 16600)


def test_opening_liability_plus_moves_is_the_closing_liability(march: Report) -> None:
    p = march.points
    # On 1 March: A 80, F 20, B 90 (D's 30 expired on 21 Jan, never written off).
    assert p.opening_liability == 190
    assert p.opening_liability + p.issued - p.redeemed - p.expired - p.taken_back + p.sync == p.liability


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2024, 9, 1), date(2025, 4, 30)),
        (date(2025, 3, 1), date(2025, 3, 14)),
        (date(2025, 3, 15), date(2025, 4, 9)),
        (date(2025, 1, 20), date(2025, 1, 22)),
    ],
)
def test_points_balance_over_any_period(service: ReportsService, first: date, last: date) -> None:
    p = service.report(Period.local_days(first, last, MSK)).points
    assert p.opening_liability + p.issued - p.redeemed - p.expired - p.taken_back + p.sync == p.liability


def test_report_of_all_time_agrees_with_verify(store: Store, service: ReportsService) -> None:
    v = store.ctx.verifier.verify()
    assert v.problems == ()
    p = service.report(Period(0, CLOCK)).points
    assert p.opening_liability == 0
    assert (p.issued, p.redeemed, p.taken_back) == (v.granted, v.spent, v.taken_back)
    # verify() counts only the expiry written off; D's 30 and E's 100 are due but not written off.
    assert p.expired == v.expired + 130
    assert p.liability + 130 == v.balances
    assert p.issued - p.redeemed - p.expired - p.taken_back + p.sync == p.liability


def test_overdraft_from_an_offline_double_spend_is_redeemed_and_owed(store_path: Path, tmp_path: Path) -> None:
    ctx = _copy(store_path, tmp_path)
    at = ms("2025-04-05 12:00")
    with db.transaction(ctx.engine) as conn:
        uid = conn.execute(select(t.customers.c.uid).where(t.customers.c.phone == "+79160000002")).scalar_one()
        # The server books a terminal's offline spend of 100 points that B no longer holds:
        # his usable lots hold 40 + 18 (the 22 become usable on 6 Apr), so 42 become debt.
        ledger.apply_ops(conn, [ledger.spend_op(uid, 100, at)], "offline-txn", strict=False, post_expiry=False)
    service = ReportsService(ctx.engine, clock=lambda: CLOCK)
    p = service.report(Period.local_days(date(2025, 4, 1), date(2025, 4, 7), MSK)).points
    # Redeemed: A's 26 on 2 Apr + B's 100 (58 spent + 42 overdraft).
    assert (p.redeemed, p.overdraft, p.overdraft_sales, p.debt) == (126, 42, 1, 42)
    # On 8 April: A 24 (pending until 9 Apr), F 20, B 22, V 40, minus B's debt 42.
    assert (p.liability, p.pending, p.available) == (64, 24, 40)
    assert ctx.verifier.verify().problems == ()
    ctx.close()


def test_dashboard_matches_the_full_report(service: ReportsService, march: Report) -> None:
    d = service.dashboard(MARCH)
    assert (d.revenue, d.sales, d.card_sales, d.card_share) == (182250, 9, 6, Fraction(2, 3))
    assert (d.average_check, d.average_check_card, d.average_check_anonymous) == (
        Fraction(22950),
        Fraction(26925),
        Fraction(15000),
    )
    assert (d.active_30, d.new_enrollments) == (3, 2)
    assert (d.issued, d.redeemed, d.liability, d.liability_kopecks) == (360, 160, 166, 16600)
    p = march.points
    assert (d.issued, d.redeemed, d.liability) == (p.issued, p.redeemed, p.liability)


# ----------------------------------------------------------------------------- tiers, segments, lifetime


def test_tier_distribution_by_spend_as_of_the_end(march: Report, store: Store) -> None:
    # Spend over 365 days to 1 April: A 800 + 170 + 445,50 − 243 + 195 = 1367,50 ₽ (Gold),
    # B 900 + 180 + 225 = 1305 ₽ (Gold); V 400, D 300, F 200, E 0 ₽ (Silver).
    assert march.tiers == (TierRow("Silver", 0, 4), TierRow("Gold", 90000, 2))
    # The same tiers the cashier's screen shows at that instant.
    tiers = [store.ctx.customers.customer(card, at=MARCH.end).tier for card in store.cards.values()]
    assert sorted(tiers) == ["Gold", "Gold", "Silver", "Silver", "Silver", "Silver"]


def test_segments_by_recency(march: Report, store: Store) -> None:
    seg = {s.key: s for s in march.segments}
    assert {k: s.count for k, s in seg.items()} == {"active": 3, "at_risk": 1, "lost": 1, "never": 1}
    # Active (last purchase ≤ 30 days before 1 Apr), most purchases first: A 4, B 3, V 1.
    active = seg["active"].customers
    assert [(c.customer_id, c.purchases) for c in active] == [
        (store.ids["A"], 4),
        (store.ids["B"], 3),
        (store.ids["V"], 1),
    ]
    assert active[0].last_purchase_at == ms("2025-03-25 11:00")
    assert (active[0].name, active[0].phone_masked, active[0].card) == (
        "Анна Иванова",
        "+•••••••0001",
        store.cards["A"],
    )
    # F last bought on 2 Feb (57,5 days): at risk. D on 15 Nov: lost. E never bought.
    assert [c.customer_id for c in seg["at_risk"].customers] == [store.ids["F"]]
    assert [c.customer_id for c in seg["lost"].customers] == [store.ids["D"]]
    never = seg["never"].customers[0]
    assert (never.customer_id, never.last_purchase_at, never.purchases) == (store.ids["E"], None, 0)


def test_segment_limit_keeps_the_counts_and_the_first_customers(service: ReportsService, march: Report) -> None:
    short = service.report(MARCH, segment_limit=2)
    assert [s.count for s in short.segments] == [s.count for s in march.segments]
    assert [s.customers for s in short.segments] == [s.customers[:2] for s in march.segments]
    assert short.customers == march.customers and short.points == march.points


def test_lifetime_value_from_check_frequency_and_retention(march: Report) -> None:
    lt = march.lifetime
    # 6 card sales, 1615,50 ₽: average check 269,25 ₽; 3 buyers: 2 purchases each in 31 days.
    assert (lt.card_sales, lt.buyers, lt.average_check) == (6, 3, Fraction(26925))
    assert lt.purchases_per_year == Fraction(6, 3) * 365 / 31
    # Bought in the 31 days before March (29 Jan – 28 Feb): F, B, A; A and B came back.
    assert (lt.previous_buyers, lt.retained, lt.retention) == (3, 2, Fraction(2, 3))
    # Lifetime = (31 / 365 years) / (1 − 2/3) = 93/365 years.
    assert lt.lifetime_years == Fraction(93, 365)
    # CLV = 269,25 × (730/31) × (93/365) = 269,25 × 2 × 3 = 1615,50 ₽.
    assert lt.value == 161550


# ----------------------------------------------------------------------------- what points buy


def test_redeemed_amount_by_category(march: Report) -> None:
    # 80 ₽ (#8) + 30 ₽ (#17), both on coffee lines.
    assert march.redeemed_by_category == (CategoryRow("coffee", 11000),)


def test_coupon_uses_and_the_discount_the_coupon_itself_gave(march: Report, store: Store) -> None:
    # The sale's discount is 354,50 ₽ (free coffee 250 + coupon 55 + card 22,50 + 27); the coupon's own is 55 ₽.
    assert march.coupons == (CouponRow("SALE10", 1, 5500),)
    with db.transaction(store.ctx.engine, write=False) as conn:
        assert conn.execute(select(t.sales.c.discount).where(t.sales.c.id == store.coupon_sale)).scalar_one() == 35450


def test_the_coupon_replay_of_an_old_sale_gives_an_amount_coupon_after_the_free_unit() -> None:
    program = parse_program(
        {**PROGRAM, "coupons": [{"code": "M100", "kind": "amount", "value": 10000, "categories": ["coffee"]}]}
    )
    lines = [ReplayLine("coffee", 2, 25000, 50000, "coffee", 1), ReplayLine("bakery", 1, 30000, 30000, None, 0)]
    # Free coffee 250 ₽ leaves 250 ₽ of coffee: 100 ₽ off, all on the one coffee line.
    assert coupon_shares(program, program.coupon("m100"), lines) == [10000, 0]
    assert coupon_shares(program, program.coupon("NOPE"), lines) == [0, 0]


def test_the_coupon_report_reads_each_lines_stored_share(store_path: Path, store: Store, tmp_path: Path) -> None:
    # A share changed in the file changes the figure: the report reads the column, it replays nothing.
    ctx = _copy(store_path, tmp_path)
    with db.transaction(ctx.engine) as conn:
        changed = conn.execute(
            update(t.sale_lines)
            .where(t.sale_lines.c.sale_id == store.coupon_sale, t.sale_lines.c.coupon_discount > 0)
            .values(coupon_discount=t.sale_lines.c.coupon_discount + 1)
        ).rowcount
    assert changed == 2  # the coupon's 55 ₽ lie on two lines
    assert ctx.reports.report(MARCH).coupons == (CouponRow("SALE10", 1, 5500 + changed),)
    ctx.close()


def test_gift_rewards_count_and_points(march: Report) -> None:
    assert march.rewards == (RewardRow("cookie", "Печенье", 1, 50),)


def test_stamp_cards_completed(march: Report) -> None:
    # #11 made one coffee free; its net stamp move was −2 (−3 spent, +1 earned).
    assert march.stamps == (StampRow("coffee", 1),)


# ----------------------------------------------------------------------------- series


def test_revenue_by_local_day_with_and_without_card(march: Report) -> None:
    days = {d.day: d for d in march.series.revenue}
    assert len(days) == 31
    assert days[date(2025, 3, 3)] == RevenueDay(date(2025, 3, 3), 17000, 0)
    assert days[date(2025, 3, 5)] == RevenueDay(date(2025, 3, 5), 0, 30000)
    assert days[date(2025, 3, 22)] == RevenueDay(date(2025, 3, 22), -24300, 0)  # the refund
    assert sum(d.card for d in days.values()) == 137250
    assert sum(d.anonymous for d in days.values()) == 45000


def test_active_cards_per_day_over_a_30_day_window(march: Report) -> None:
    active = {d.day: d.active for d in march.series.active}
    # F (2 Feb) counts until 3 Mar, B (5 Feb) until 6 Mar then again from 12 Mar, A all month, V from 20 Mar.
    expected = {1: 3, 3: 3, 4: 2, 6: 2, 7: 1, 11: 1, 12: 2, 19: 2, 20: 3, 31: 3}
    assert {d: active[date(2025, 3, d)] for d in expected} == expected
    assert march.series.active[-1] == ActiveDay(date(2025, 3, 31), march.customers.active_30)


def test_points_issued_redeemed_expired_per_day(march: Report) -> None:
    days = {d.day: d for d in march.series.points}
    assert days[date(2025, 3, 3)] == PointsDay(date(2025, 3, 3), 17, 80, 0)
    assert days[date(2025, 3, 15)] == PointsDay(date(2025, 3, 15), 0, 0, 100)  # V's, dated at its expiry
    assert days[date(2025, 3, 20)] == PointsDay(date(2025, 3, 20), 140, 0, 0)
    assert days[date(2025, 3, 30)] == PointsDay(date(2025, 3, 30), 22, 0, 100)  # E's, not written off
    assert sum(d.issued for d in days.values()) == march.points.issued
    assert sum(d.redeemed for d in days.values()) == march.points.redeemed
    assert sum(d.expired for d in days.values()) == march.points.expired


def _tz_store(tmp_path: Path, zone: str) -> Context:
    ctx = bootstrap(tmp_path / f"{zone.replace('/', '-')}.sqlite3", create=True)
    ctx.store.init({**PROGRAM, "timezone": zone, "welcome_bonus": None})
    return ctx


def test_days_follow_local_midnight_across_a_daylight_saving_change(tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    ctx = _tz_store(tmp_path, "Europe/Berlin")
    # 30 March 2025 has 23 hours in Berlin: 00:30 is UTC+1, 23:30 is UTC+2. Both are that day.
    for when, price in (("2025-03-30 00:30", 100), ("2025-03-30 23:30", 200), ("2025-03-31 00:10", 400)):
        basket = (ctx.catalog.resolve_line("x", 1, price, "misc"),)
        ctx.checkout.sell(SaleRequest(basket, at=ms(when, berlin)), actor=SYSTEM)
    period = Period.local_days(date(2025, 3, 29), date(2025, 3, 31), berlin)
    report = ReportsService(ctx.engine, clock=lambda: CLOCK).report(period)
    assert [(d.day.day, d.anonymous) for d in report.series.revenue] == [(29, 0), (30, 300), (31, 400)]
    ctx.close()


def test_days_are_exact_in_a_zone_offset_by_half_an_hour(tmp_path: Path) -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    ctx = _tz_store(tmp_path, "Asia/Kolkata")
    # UTC+5:30: 00:15 local is 18:45 UTC the day before; an hour bucket would put it on the wrong day.
    for when, price in (("2025-03-09 23:50", 100), ("2025-03-10 00:15", 200)):
        basket = (ctx.catalog.resolve_line("x", 1, price, "misc"),)
        ctx.checkout.sell(SaleRequest(basket, at=ms(when, kolkata)), actor=SYSTEM)
    period = Period.local_days(date(2025, 3, 9), date(2025, 3, 10), kolkata)
    report = ReportsService(ctx.engine, clock=lambda: CLOCK).report(period)
    assert [(d.day.day, d.anonymous) for d in report.series.revenue] == [(9, 100), (10, 200)]
    ctx.close()


def test_an_empty_store_reports_zeros_and_no_ratios(tmp_path: Path) -> None:
    ctx = _tz_store(tmp_path, "Europe/Moscow")
    r = ReportsService(ctx.engine, clock=lambda: CLOCK).report(MARCH)
    assert (r.sales.total.sales, r.sales.card_share, r.sales.total.average_check) == (0, None, None)
    assert (r.customers.repeat_share, r.customers.median_days_between_visits) == (None, None)
    assert (r.points.redemption_rate, r.points.breakage, r.points.liability) == (None, None, 0)
    assert r.lifetime.value is None
    assert r.stamps == (StampRow("coffee", 0),)
    ctx.close()


def test_a_report_reads_without_writing(store: Store, service: ReportsService) -> None:
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(store.ctx.engine, "before_cursor_execute", record)
    try:
        service.report(MARCH)
        service.dashboard(MARCH)
    finally:
        event.remove(store.ctx.engine, "before_cursor_execute", record)
    writes = [s for s in statements if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP")]
    assert statements and writes == []


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg_engine(pg_server: PgServer) -> Iterator[Engine]:  # noqa: F811
    """A fresh PostgreSQL database from tests/pg.py (the run's server or a private cluster; never skipped)."""
    with pg_server.database() as url:
        engine = create_engine(re.sub(r"^postgresql://", "postgresql+psycopg://", url))
        yield engine
        engine.dispose()


def test_reports_are_the_same_on_postgresql(
    store: Store, service: ReportsService, pg_engine: Engine, march: Report
) -> None:
    with pg_engine.begin() as pg:
        t.metadata.drop_all(pg)
        t.metadata.create_all(pg)
        with store.ctx.engine.connect() as lite:
            for table in t.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in lite.execute(select(table))]
                if rows:
                    pg.execute(insert(table), rows)
    on_pg = ReportsService(pg_engine, clock=lambda: CLOCK)
    # One snapshot for the dozen statements of a report, as SQLite's read transaction gives.
    with db.transaction(on_pg.engine, write=False) as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar_one() == "repeatable read"
    assert on_pg.report(MARCH) == march
    assert on_pg.dashboard(MARCH) == service.dashboard(MARCH)
    assert on_pg.report(MARCH, Filters(cashier="Иван")) == service.report(MARCH, Filters(cashier="Иван"))
    # A year: the tiers come from the card sales read for the visits (their window lies inside).
    year = Period.local_days(date(2024, 4, 1), date(2025, 3, 31), MSK)
    assert on_pg.report(year) == service.report(year)
