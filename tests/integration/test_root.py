"""The composition root builds every service once, on one database, with the clock, ids and hasher it is given."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.demo import DEFAULT_PROGRAM
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.timeutil import to_ms
from tests.integration.test_staff import CATALOG, FAST

MARCH_10 = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
FROZEN = to_ms(MARCH_10)


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Context]:
    counter = itertools.count(1)
    ctx = bootstrap(
        tmp_path / "t.sqlite3",
        create=True,
        clock=FixedClock(MARCH_10),
        ids=lambda: f"id-{next(counter):04d}",
        hasher=FAST,
    )
    ctx.store.init(DEFAULT_PROGRAM)
    ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)
    yield ctx
    ctx.close()


def test_each_service_is_built_once_and_shares_the_database_and_the_bus(root: Context) -> None:
    assert root.staff is root.staff and root.receipts is root.receipts
    assert root.sync is root.sync and root.reports is root.reports and root.chain_reports is root.chain_reports
    assert root.staff.engine is root.engine and root.sync.engine is root.engine
    assert root.sync.bus is root.bus and root.checkout.bus is root.bus and root.customers.bus is root.bus
    assert root.sync.clock is root.clock  # the audit row of an enrolment with a server is dated by it


def test_the_injected_clock_dates_sales_and_shifts(root: Context) -> None:
    sale = root.checkout.sell(SaleRequest((root.catalog.resolve_line("CAP", 1),)), actor=SYSTEM)
    # The business clock never repeats a time: each write on the frozen clock takes the next millisecond.
    assert FROZEN <= sale.at < FROZEN + 10
    manager = root.staff.create_first_manager("Ольга", "9999")
    assert sale.at < root.staff.open_shift(manager.id).opened_at < FROZEN + 10


def test_the_injected_ids_name_the_journal(root: Context) -> None:
    sale = root.checkout.sell(SaleRequest((root.catalog.resolve_line("CAP", 1),)), actor=SYSTEM)
    assert sale.uid is not None and sale.uid.startswith("id-")


def test_the_injected_hasher_hashes_pins(root: Context) -> None:
    root.staff.create_first_manager("Ольга", "9999")
    assert root.staff.hasher is FAST
    assert root.staff.login("Ольга", "9999").name == "Ольга"
