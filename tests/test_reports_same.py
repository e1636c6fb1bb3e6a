"""The reports as they are read now give exactly the figures of the reports they replaced.

To make a year's report of a 1,000,000-sale store fast, several figures changed shape (sales summed
day by day instead of grouped by hour, the visits and the tiers from one read of the card sales,
coupons found through coupon_uses, only the sale lines that count grouped, the journal summed day by
day). tests/old_reports.py keeps the code as it was; here both read the same stores and must agree
on every field of every result: the hand-counted fixture store of tests/test_reports.py, and a
store made by bench/gen_store.py with cashiers, reflected sales, server-reported spend, a coupon
sale whose coupon_uses row is missing and stamp lines of a rule the program no longer has.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from app.bootstrap import bootstrap
from app.core import db, repo
from app.core.services.reports import Filters, Period, ReportsService
from app.core.timeutil import DAY_MS, from_ms, now_ms
from bench.gen_store import generate
from tests import old_reports
from tests.test_reports import CLOCK, MSK, build_store

END = (now_ms() // DAY_MS - 1) * DAY_MS  # the generated store's newest sale, in the past


def plain(value: Any) -> Any:
    """A result as plain data, whichever module's dataclasses it is made of."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def same(
    new: ReportsService, old: old_reports.ReportsService, period: Period, filters: Filters, limit: int | None
) -> None:
    """Every figure of the report and of the dashboard is the old one."""
    old_filters = old_reports.Filters(filters.cashier, filters.store, filters.terminal)
    old_period = old_reports.Period(period.start, period.end)
    got = plain(new.report(period, filters, limit))
    want = plain(old.report(old_period, old_filters, limit))
    for key in want:  # one section at a time, for a readable failure
        assert got[key] == want[key], key
    assert plain(new.dashboard(period, filters)) == plain(old.dashboard(old_period, old_filters))


# ----------------------------------------------------------------------------- the fixture store


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReportsService, Any]]:
    path = tmp_path_factory.mktemp("same") / "fixture.sqlite3"
    build_store(path).ctx.close()
    ctx = bootstrap(path)
    yield ReportsService(ctx.engine, clock=lambda: CLOCK), old_reports.ReportsService(ctx.engine, clock=lambda: CLOCK)
    ctx.close()


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 3, 1), date(2025, 3, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 10), date(2025, 3, 10)),
        (date(2024, 4, 1), date(2025, 3, 31)),  # a year: the tiers' window lies inside the card sales read
        (date(2024, 9, 1), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 5, 31)),  # nothing sold
    ],
)
@pytest.mark.parametrize(
    "filters", [Filters(), Filters(cashier="Иван"), Filters(cashier="Ольга"), Filters(cashier="?")]
)
def test_the_fixture_store_reports_as_before(
    fixture_store: tuple[ReportsService, Any], first: date, last: date, filters: Filters
) -> None:
    new, old = fixture_store
    same(new, old, Period.local_days(first, last, MSK), filters, None)


def test_a_period_between_two_instants_reports_as_before(fixture_store: tuple[ReportsService, Any]) -> None:
    new, old = fixture_store
    march = Period.local_days(date(2025, 3, 1), date(2025, 3, 31), MSK)
    # Starting and ending inside a day: the first and last days are partial, the visits are not
    # those of whole days.
    same(new, old, Period(march.start + 11 * 3_600_000, march.end - 5 * 3_600_000), Filters(), None)
    same(new, old, Period(march.start + 11 * 3_600_000, march.end - 5 * 3_600_000), Filters(cashier="Иван"), 2)


# ----------------------------------------------------------------------------- a generated store


@pytest.fixture(scope="module")
def generated_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two years of 12,000 sales to 400 customers, with what a chain terminal's store also holds."""
    path = tmp_path_factory.mktemp("same") / "generated.sqlite3"
    generate(path, customers=400, sales=12_000, seed=11, end=END)
    conn = sqlite3.connect(path)
    with conn:
        # Cashiers (and sales that name none); a refund's cashier is not always the sale's.
        conn.execute(
            "UPDATE sales SET cashier = CASE id % 4 WHEN 0 THEN NULL WHEN 1 THEN 'Анна' WHEN 2 THEN 'Борис' "
            "ELSE 'Вера' END"
        )
        conn.execute("UPDATE refunds SET cashier = CASE id % 3 WHEN 0 THEN 'Анна' WHEN 1 THEN NULL ELSE 'Вера' END")
        # Sales and refunds the server has reflected already, and spend it reported: the tiers.
        conn.execute("UPDATE sales SET reflected = 1 WHERE id % 9 = 0")
        conn.execute("UPDATE refunds SET reflected = 1 WHERE id % 4 = 0")
        conn.executemany(
            "INSERT INTO spend_events (customer_id, at, amount) VALUES (?, ?, ?)",
            [(cid, END - cid * 3 * DAY_MS, 50_000 + cid * 10_000) for cid in range(1, 200, 7)],
        )
        # A coupon sale whose coupon_uses row is missing: the coupons are read the long way then.
        conn.execute(
            "DELETE FROM coupon_uses WHERE sale_id = (SELECT max(id) FROM sales WHERE coupon IS NOT NULL AND at < ?)",
            (END - 100 * DAY_MS,),
        )
        # Stamp lines of a rule the program no longer has: one completed card, and lines without.
        lines = conn.execute(
            "SELECT sale_id, idx, qty - stamps_given FROM sale_lines WHERE stamp_rule IS NOT NULL ORDER BY sale_id"
        ).fetchall()
        old_rule = [ln for ln in lines if ln[2] == 0][:5] + [ln for ln in lines if ln[2] == 1][:1]
        conn.executemany("UPDATE sale_lines SET stamp_rule = 'чай' WHERE sale_id = ? AND idx = ?",
                         [ln[:2] for ln in old_rule])  # fmt: skip
    conn.close()
    return path


@pytest.fixture(scope="module")
def generated(generated_path: Path) -> Iterator[tuple[ReportsService, Any, ZoneInfo]]:
    """Both reports over the generated store, read as of the day after its newest sale."""
    ctx = bootstrap(generated_path)
    with db.transaction(ctx.engine, write=False) as conn:
        _, program = repo.program_at(conn, END)
    yield (
        ReportsService(ctx.engine, clock=lambda: END + DAY_MS),
        old_reports.ReportsService(ctx.engine, clock=lambda: END + DAY_MS),
        program.zone,
    )
    ctx.close()


def _days(zone: ZoneInfo, back: int, length: int) -> Period:
    last = from_ms(END).astimezone(zone).date() - timedelta(days=back)
    return Period.local_days(last - timedelta(days=length - 1), last, zone)


@pytest.mark.parametrize(
    ("back", "length"),
    [(0, 30), (0, 365), (0, 91), (200, 365), (0, 800), (40, 7), (-10, 30)],
)
@pytest.mark.parametrize("filters", [Filters(), Filters(cashier="Вера")])
def test_a_generated_store_reports_as_before(
    generated: tuple[ReportsService, Any, ZoneInfo], back: int, length: int, filters: Filters
) -> None:
    new, old, zone = generated
    same(new, old, _days(zone, back, length), filters, None)


def test_a_generated_store_reports_as_before_with_few_customers_listed(
    generated: tuple[ReportsService, Any, ZoneInfo],
) -> None:
    new, old, zone = generated
    year = _days(zone, 0, 365)
    same(new, old, year, Filters(), 15)
    same(new, old, Period(year.start + 13 * 3_600_000, year.end - 3 * 3_600_000), Filters(), 15)
    # A store filter on a terminal that has no store name: nothing is kept.
    same(new, old, year, Filters(store="Садовая"), 15)


def test_the_generated_store_holds_what_the_comparison_needs(generated_path: Path) -> None:
    """The cases the fixture plants are there, else the comparison would prove less than it says."""
    conn = sqlite3.connect(generated_path)
    try:

        def count(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        assert count("SELECT count(*) FROM sales WHERE coupon IS NOT NULL") > 50
        assert count("SELECT count(*) FROM sales WHERE coupon IS NOT NULL AND id NOT IN "
                     "(SELECT sale_id FROM coupon_uses)") == 1  # fmt: skip
        assert count("SELECT count(*) FROM sales WHERE reward_id IS NOT NULL") > 10
        assert count("SELECT count(*) FROM sale_lines WHERE stamp_rule = 'coffee' AND qty - stamps_given = 1") > 10
        assert count("SELECT count(*) FROM sale_lines WHERE stamp_rule = 'чай'") == 6
        assert count("SELECT count(*) FROM sale_lines WHERE redeemed > 0") > 100
        assert count("SELECT count(DISTINCT cashier) FROM sales") == 3
        assert count("SELECT count(*) FROM sales WHERE reflected = 1") > 100
    finally:
        conn.close()
