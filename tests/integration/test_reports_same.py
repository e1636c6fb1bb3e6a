"""The reports give exactly the figures recorded in tests/golden/reports.json.

To make a year's report of a 1,000,000-sale store fast, several figures changed shape (sales summed
day by day instead of grouped by hour, the visits and the tiers from one read of the card sales,
coupons found through coupon_uses, only the sale lines that count grouped, the journal summed day by
day). The figures were recorded once, when the fast code still agreed field by field with the code it
replaced, from two stores: the hand-counted fixture store of tests/integration/test_reports.py, and a store made
by bench/gen_store.py with cashiers, reflected sales, server-reported spend, a coupon sale whose
coupon_uses row is missing and stamp lines of a rule the program no longer has. Every field of every
result must still be the recorded one; a deliberate change regenerates the file (`python -m
tests.golden reports`, see tests/golden.py) and shows as its diff.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.bootstrap import bootstrap
from app.core import db, repo
from app.core.services.reports import Filters, Period, ReportsService
from app.core.timeutil import DAY_MS, from_ms, to_ms
from bench.gen_store import generate
from tests import golden
from tests.integration.test_reports import CLOCK, MSK, build_store
from tests.stores import Stores

# The generated store's newest sale: a fixed day, so the recorded figures hold on any date.
END = to_ms(datetime(2026, 12, 6, tzinfo=UTC))


def figures(svc: ReportsService, period: Period, filters: Filters, limit: int | None) -> dict[str, Any]:
    """Every figure of the report and of the dashboard."""
    return {"report": svc.report(period, filters, limit), "dashboard": svc.dashboard(period, filters)}


def check(case: str, got: dict[str, Any]) -> None:
    """The figures of one case are the recorded ones, one report section at a time for a readable failure."""
    want = recorded()[case]
    encoded = golden.encode(got)
    for key in want["report"]:
        assert encoded["report"][key] == want["report"][key], f"{case}: report.{key}"
    assert encoded["report"].keys() == want["report"].keys(), case
    assert encoded["dashboard"] == want["dashboard"], f"{case}: dashboard"


@functools.cache
def recorded() -> dict[str, Any]:
    """tests/golden/reports.json, read once."""
    return golden.load("reports")


# ----------------------------------------------------------------------------- the fixture store

FIXTURE_PERIODS = [
    (date(2025, 3, 1), date(2025, 3, 31)),
    (date(2025, 2, 1), date(2025, 2, 28)),
    (date(2025, 3, 10), date(2025, 3, 10)),
    (date(2024, 4, 1), date(2025, 3, 31)),  # a year: the tiers' window lies inside the card sales read
    (date(2024, 9, 1), date(2025, 4, 30)),
    (date(2025, 5, 1), date(2025, 5, 31)),  # nothing sold
]
FIXTURE_FILTERS = [Filters(), Filters(cashier="Иван"), Filters(cashier="Ольга"), Filters(cashier="?")]


def _name(f: Filters) -> str:
    return ",".join(f"{k}={v}" for k, v in vars(f).items() if v is not None) or "all"


def fixture_cases() -> dict[str, Callable[[ReportsService], dict[str, Any]]]:
    """Case name -> the figures it reads from the fixture store."""
    cases: dict[str, Callable[[ReportsService], dict[str, Any]]] = {}
    for first, last in FIXTURE_PERIODS:
        # Every cashier over a month or less; the long periods (mostly days without a sale) once with
        # a cashier's filter and once without.
        for f in FIXTURE_FILTERS if (last - first).days < 31 else FIXTURE_FILTERS[:2]:
            period = Period.local_days(first, last, MSK)
            cases[f"fixture {first}..{last} {_name(f)}"] = lambda svc, p=period, f=f: figures(svc, p, f, None)
    march = Period.local_days(date(2025, 3, 1), date(2025, 3, 31), MSK)
    # Starting and ending inside a day: the first and last days are partial, the visits are not
    # those of whole days.
    inside = Period(march.start + 11 * 3_600_000, march.end - 5 * 3_600_000)
    cases["fixture March 11:00..19:00 all"] = lambda svc: figures(svc, inside, Filters(), None)
    cases["fixture March 11:00..19:00 cashier=Иван, 2 listed"] = lambda svc: figures(
        svc, inside, Filters(cashier="Иван"), 2
    )
    return cases


def open_fixture(folder: Path) -> Any:
    path = folder / "fixture.sqlite3"
    build_store(path).ctx.close()
    return bootstrap(path)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory, store_cache: Stores) -> Iterator[ReportsService]:
    ctx = bootstrap(store_cache.march(tmp_path_factory.mktemp("same") / "fixture.sqlite3"))
    yield ReportsService(ctx.engine, clock=lambda: CLOCK)
    ctx.close()


@pytest.mark.parametrize("case", list(fixture_cases()))
def test_the_fixture_store_reports_the_recorded_figures(fixture_store: ReportsService, case: str) -> None:
    check(case, fixture_cases()[case](fixture_store))


# ----------------------------------------------------------------------------- a generated store


def make_generated(folder: Path) -> Path:
    """Two years of 12,000 sales to 400 customers, with what a chain terminal's store also holds."""
    path = folder / "generated.sqlite3"
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
        # ... and the rule's stamps per line where the reports read them since schema v5.
        conn.executemany("UPDATE sale_line_stamps SET rule_id = 'чай' WHERE sale_id = ? AND idx = ?",
                         [ln[:2] for ln in old_rule])  # fmt: skip
    conn.close()
    return path


def generated_service(path: Path) -> tuple[Any, ReportsService, ZoneInfo]:
    """The root over the generated store, and its reports read as of the day after its newest sale."""
    ctx = bootstrap(path)
    with db.transaction(ctx.engine, write=False) as conn:
        _, program = repo.program_at(conn, END)
    return ctx, ReportsService(ctx.engine, clock=lambda: END + DAY_MS), program.zone


def _days(zone: ZoneInfo, back: int, length: int) -> Period:
    last = from_ms(END).astimezone(zone).date() - timedelta(days=back)
    return Period.local_days(last - timedelta(days=length - 1), last, zone)


GENERATED_DAYS = [(0, 30), (0, 365), (0, 91), (200, 365), (0, 800), (40, 7), (-10, 30)]
GENERATED_FILTERS = [Filters(), Filters(cashier="Вера")]
# Every customer of every segment is listed for these (days back, length) without a filter; the other
# cases list the first 10 of each, which keeps the file small and reads the segments as the screens do.
LISTED_IN_FULL = {(0, 30), (200, 365)}


def generated_cases(zone: ZoneInfo) -> dict[str, Callable[[ReportsService], dict[str, Any]]]:
    """Case name -> the figures it reads from the generated store."""
    cases: dict[str, Callable[[ReportsService], dict[str, Any]]] = {}
    for back, length in GENERATED_DAYS:
        # Two years and more once, without a filter.
        for f in GENERATED_FILTERS if length < 700 else GENERATED_FILTERS[:1]:
            limit = None if (back, length) in LISTED_IN_FULL and not f.any() else 10
            period = _days(zone, back, length)
            listed = "all listed" if limit is None else f"{limit} listed"
            cases[f"generated {length} days to {back} back {_name(f)}, {listed}"] = (
                lambda svc, p=period, f=f, limit=limit: figures(svc, p, f, limit)
            )
    year = _days(zone, 0, 365)
    inside = Period(year.start + 13 * 3_600_000, year.end - 3 * 3_600_000)
    cases["generated year 13:00..21:00, 15 listed"] = lambda svc: figures(svc, inside, Filters(), 15)
    # A store filter on a terminal that has no store name: nothing is kept.
    cases["generated year store=Садовая, 15 listed"] = lambda svc: figures(svc, year, Filters(store="Садовая"), 15)
    return cases


GENERATED_ZONE = ZoneInfo("Europe/Moscow")  # the generated program's zone (checked below)


@pytest.fixture(scope="module")
def generated_path(tmp_path_factory: pytest.TempPathFactory, store_cache: Stores) -> Path:
    target = tmp_path_factory.mktemp("same") / "generated.sqlite3"
    return store_cache.copy("reports_same generated seed=11", make_generated, target)


@pytest.fixture(scope="module")
def generated(generated_path: Path) -> Iterator[ReportsService]:
    ctx, svc, zone = generated_service(generated_path)
    assert zone == GENERATED_ZONE
    yield svc
    ctx.close()


@pytest.mark.parametrize("case", list(generated_cases(GENERATED_ZONE)))
def test_a_generated_store_reports_the_recorded_figures(generated: ReportsService, case: str) -> None:
    check(case, generated_cases(GENERATED_ZONE)[case](generated))


def test_the_golden_file_holds_every_case_and_no_other() -> None:
    assert set(recorded()) == set(fixture_cases()) | set(generated_cases(GENERATED_ZONE))


def record(folder: Path) -> dict[str, Any]:
    """Every case's figures as today's code gives them (for tests/golden.py)."""
    out: dict[str, Any] = {}
    ctx = open_fixture(folder)
    svc = ReportsService(ctx.engine, clock=lambda: CLOCK)
    out.update({name: case(svc) for name, case in fixture_cases().items()})
    ctx.close()
    ctx, svc, zone = generated_service(make_generated(folder))
    assert zone == GENERATED_ZONE
    out.update({name: case(svc) for name, case in generated_cases(zone).items()})
    ctx.close()
    return out


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
        assert count("SELECT count(*) FROM sale_line_stamps WHERE rule_id = 'чай'") == 6
        assert count("SELECT count(*) FROM sale_lines WHERE coupon_discount > 0") > 50
        assert count("SELECT count(*) FROM sale_lines WHERE redeemed > 0") > 100
        assert count("SELECT count(DISTINCT cashier) FROM sales") == 3
        assert count("SELECT count(*) FROM sales WHERE reflected = 1") > 100
    finally:
        conn.close()
