"""The services read the time from the clock they were built with, never from the machine."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.bootstrap import Context, bootstrap
from app.cli import main
from app.core.clock import FROZEN_NOW_ENV, SYSTEM_CLOCK, FixedClock, SystemClock, default_clock
from app.core.demo import fill_demo
from app.core.services.results import SaleRequest
from app.core.services.staff import StaffService
from app.core.services.support import SYSTEM
from app.core.timeutil import DAY_MS, to_ms
from tests.conftest import FROZEN_NOW


def _demo(folder: Path, clock: FixedClock) -> Context:
    ctx = bootstrap(folder / "terminal.sqlite3", create=True, clock=clock)
    ctx.store.init()
    fill_demo(ctx, customers=5, days=6)
    return ctx


def _balances(ctx: Context) -> dict[str, tuple[int, int, int, str]]:
    found = ctx.customers.find_customers("+7916", limit=100)
    infos = [ctx.customers.customer(c["card"]) for c in found]
    return {i.name: (i.available, i.pending, i.expired, i.tier) for i in infos}


def test_a_sale_given_no_time_is_stamped_with_the_services_clock(frozen_clock: FixedClock, tmp_path: Path) -> None:
    ctx = _demo(tmp_path, frozen_clock)
    try:
        frozen_clock.advance(timedelta(hours=1))
        sale = ctx.checkout.sell(SaleRequest(lines=(ctx.catalog.resolve_line("CAP", 1),)), actor=SYSTEM)
        assert sale.at == to_ms(FROZEN_NOW + timedelta(hours=1))
    finally:
        ctx.close()


def test_the_demo_store_is_filled_up_to_the_clocks_instant(frozen_clock: FixedClock, tmp_path: Path) -> None:
    ctx = _demo(tmp_path, frozen_clock)
    try:
        with ctx.engine.connect() as conn:
            first, last = conn.exec_driver_sql("SELECT min(at), max(at) FROM sales").one()
    finally:
        ctx.close()
    assert to_ms(FROZEN_NOW) - 6 * DAY_MS <= first <= last < to_ms(FROZEN_NOW)


def test_the_same_seed_and_instant_give_the_same_demo_store(tmp_path: Path) -> None:
    one = _demo(tmp_path / "one", FixedClock(FROZEN_NOW))
    two = _demo(tmp_path / "two", FixedClock(FROZEN_NOW))
    try:
        assert _balances(one) == _balances(two)
        assert any(available for available, *_ in _balances(one).values())
    finally:
        one.close()
        two.close()


def test_balances_age_with_the_injected_clock_not_the_machines(frozen_clock: FixedClock, tmp_path: Path) -> None:
    ctx = _demo(tmp_path, frozen_clock)
    try:
        before = _balances(ctx)
        frozen_clock.advance(timedelta(days=400))  # past the demo program's 365-day expiry
        after = _balances(ctx)
    finally:
        ctx.close()
    assert all(expired == 0 for _, _, expired, _ in before.values())
    assert all(available == 0 for available, *_ in after.values())
    assert sum(expired for _, _, expired, _ in after.values()) >= sum(a + p for a, p, *_ in before.values())


def test_a_shift_opened_with_no_time_is_stamped_with_the_staff_clock(frozen_clock: FixedClock, tmp_path: Path) -> None:
    ctx = _demo(tmp_path, frozen_clock)
    try:
        staff = StaffService(ctx.engine, clock=frozen_clock)
        cashier = staff.add_cashier("Ольга", "2468", actor="test")
        frozen_clock.advance(timedelta(minutes=5))
        shift = staff.open_shift(cashier.id)
        assert shift.opened_at == to_ms(FROZEN_NOW + timedelta(minutes=5))
    finally:
        ctx.close()


def test_a_fixed_clock_refuses_a_naive_instant_and_the_system_clock_is_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 6, 10, 9, 0))
    assert SystemClock().now().tzinfo is UTC


def test_a_program_started_as_a_user_does_can_be_frozen_by_the_tests_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert default_clock({}) is SYSTEM_CLOCK
    monkeypatch.setenv(FROZEN_NOW_ENV, FROZEN_NOW.isoformat())
    assert default_clock().now() == FROZEN_NOW
    assert main(["init", "--demo", "--db", str(tmp_path / "t.sqlite3"), "--json"]) == 0  # as the wizard's demo
    capsys.readouterr()
    with sqlite3.connect(tmp_path / "t.sqlite3") as conn:
        last = conn.execute("SELECT max(at) FROM sales").fetchone()[0]
    assert to_ms(FROZEN_NOW) - DAY_MS < last < to_ms(FROZEN_NOW)  # the demo's month ends at the frozen instant
