"""Core events are published by the services after their transaction has committed, never for a refusal,
and reach the widgets on the GUI thread through the one bridge."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Context, bootstrap
from app.core.demo import DEFAULT_PROGRAM
from app.core.errors import LoyaltyError
from app.core.events import CustomerChanged, EventBus, RefundCommitted, SaleCommitted
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from tests.integration.test_staff import CATALOG, FAST

PHONE = "+79160000001"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Context]:
    ctx = bootstrap(tmp_path / "t.sqlite3", create=True, hasher=FAST)
    ctx.store.init(DEFAULT_PROGRAM)
    ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)
    yield ctx
    ctx.close()


class Heard:
    """Every event of the given kinds, with what a fresh read saw of the database when it arrived."""

    def __init__(self, ctx: Context, *kinds: type) -> None:
        self.ctx = ctx
        self.events: list[Any] = []
        self.seen: list[object] = []
        for kind in kinds:
            ctx.bus.subscribe(kind, self.heard)

    def heard(self, event: Any) -> None:
        self.events.append(event)
        # Read on a connection of its own: only committed rows are visible to it.
        if isinstance(event, SaleCommitted):
            self.seen.append(len(self.ctx.checkout.sale_lines(event.sale_id)))
        elif isinstance(event, RefundCommitted):
            self.seen.append(sum(int(line["refundable"]) for line in self.ctx.checkout.sale_lines(event.sale_id)))
        elif isinstance(event, CustomerChanged):
            self.seen.append(self.ctx.customers.customer(event.cards[-1]).card)


def _sale(ctx: Context, card: str | None = None) -> Any:
    return ctx.checkout.sell(SaleRequest((ctx.catalog.resolve_line("CAP", 2),), card=card), actor=SYSTEM)


def test_a_sale_is_published_once_it_has_committed(store: Context) -> None:
    heard = Heard(store, SaleCommitted)
    sale = _sale(store)
    assert heard.events == [SaleCommitted(sale.sale_id, None)]
    assert heard.seen == [1]  # the listener already reads the sale's line


def test_a_priced_sale_and_a_refused_sale_publish_nothing(store: Context) -> None:
    heard = Heard(store, SaleCommitted, CustomerChanged)
    store.checkout.quote(SaleRequest((store.catalog.resolve_line("CAP", 1),)))
    with pytest.raises(LoyaltyError):
        _sale(store, card="2990000999999")  # no such card: refused, rolled back
    assert heard.events == []


def test_a_refund_is_published_once_it_has_committed_and_a_refused_one_is_not(store: Context) -> None:
    sale = _sale(store)
    heard = Heard(store, RefundCommitted)
    refund = store.checkout.refund(sale.sale_id, actor=SYSTEM)
    assert heard.events == [RefundCommitted(refund.refund_id, sale.sale_id)]
    assert heard.seen == [0]  # nothing left to refund: the refund was visible to the listener
    with pytest.raises(LoyaltyError):
        store.checkout.refund(sale.sale_id, actor=SYSTEM)  # already refunded in full
    assert len(heard.events) == 1


def test_enrolment_adjustment_replacement_and_blocking_publish_the_customers_cards(store: Context) -> None:
    heard = Heard(store, CustomerChanged)
    card = store.customers.enroll("Анна", PHONE, actor=SYSTEM).card
    store.customers.adjust_points(card, 50, "goodwill", "Ольга")
    new = store.customers.replace_card(card, actor=SYSTEM)
    store.customers.block_card(new, actor=SYSTEM)
    assert heard.events == [
        CustomerChanged((card,)),
        CustomerChanged((card,)),
        CustomerChanged((card, new)),
        CustomerChanged((new,)),
    ]
    assert heard.seen == [card, card, new, new]  # each change was committed when it was heard


def test_a_refused_enrolment_publishes_nothing(store: Context) -> None:
    store.customers.enroll("Анна", PHONE, actor=SYSTEM)
    heard = Heard(store, CustomerChanged)
    with pytest.raises(LoyaltyError):
        store.customers.enroll("Борис", PHONE, actor=SYSTEM)  # the phone is taken
    with pytest.raises(LoyaltyError):
        store.customers.enroll("", "+79160000002", actor=SYSTEM)
    assert heard.events == []


def test_a_failing_listener_does_not_turn_a_committed_sale_into_an_error(store: Context) -> None:
    def broken(_event: object) -> None:
        raise RuntimeError("listener bug")

    store.bus.subscribe(SaleCommitted, broken)
    heard = Heard(store, SaleCommitted)
    sale = _sale(store)
    assert sale.committed and heard.events == [SaleCommitted(sale.sale_id, None)]


def test_events_are_delivered_on_the_publishing_thread() -> None:
    bus = EventBus()
    threads: list[str] = []
    bus.subscribe(SaleCommitted, lambda _e: threads.append(threading.current_thread().name))
    worker = threading.Thread(target=bus.publish, args=(SaleCommitted(1, None),), name="db-worker")
    worker.start()
    worker.join()
    assert threads == ["db-worker"]
