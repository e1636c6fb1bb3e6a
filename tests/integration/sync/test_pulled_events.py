"""Customers pulled from the server by sync are published as CustomerChanged, once their page has committed."""

from __future__ import annotations

from app.core.events import CustomerChanged
from tests.integration.sync.sim import Simulation


def test_a_customer_pulled_by_sync_is_published_with_its_cards_after_the_commit(chain: Simulation) -> None:
    here = chain.terminals[1]
    assert here.ctx is not None and here.sync is not None
    here.sync.bus = here.ctx.bus  # as the root wires it: the till's one bus
    heard: list[CustomerChanged] = []
    known: list[str] = []

    def listener(event: CustomerChanged) -> None:
        heard.append(event)
        known.extend(
            c for c in event.cards if here.services.customers.find_customers(c)
        )  # read on a connection of its own

    here.ctx.bus.subscribe(CustomerChanged, listener)
    card = chain.enroll(0, "+79160000001")
    assert chain.sync(0)
    assert chain.sync(1)
    assert any(card in event.cards for event in heard)
    assert card in known  # the listener already found the pulled customer


def test_a_sync_that_pulls_no_customer_publishes_nothing(chain: Simulation) -> None:
    here = chain.terminals[1]
    assert here.ctx is not None and here.sync is not None
    here.sync.bus = here.ctx.bus
    heard: list[CustomerChanged] = []
    here.ctx.bus.subscribe(CustomerChanged, heard.append)
    assert chain.sync(1)
    assert heard == []
