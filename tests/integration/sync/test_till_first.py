"""The cashier comes first: a background pull waits while the till is in use (sync.md promise 7)."""

from __future__ import annotations

import threading
import time
from typing import Any

from app.core import repo
from app.core.db import transaction
from app.sync.client import SyncError
from app.sync.service import SyncService
from tests.integration.sync.sim import Simulation

PHONE, OTHER = "+79160000001", "+79160000002"


def _cursor(chain: Simulation, i: int) -> int:
    with transaction(chain.terminals[i].engine, write=False, background=True) as conn:
        return int(repo.get_meta(conn, "cursor") or 0)


def _background(chain: Simulation, yield_max_s: float) -> SyncService:
    """Terminal 0's sync as the app's SyncWorker runs it, with a short 'busy' window for the test."""
    term = chain.terminals[0]
    service = SyncService(term.engine, transport=term.link)
    service.yield_to_till(yield_max_s)
    service.till_busy_s = 0.3
    return service


def _something_to_pull(chain: Simulation) -> Any:
    """A customer enrolled on terminal 1 that terminal 0 has not pulled; the last sale a minute old."""
    card = chain.enroll(0, PHONE)
    assert chain.sync(0)
    chain.enroll(1, OTHER)
    assert chain.sync(1)
    chain.clock.now += 60_000
    return chain.basket(0, "LAT", card=card)


def _in_thread(service: SyncService) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(service.sync_once())
        except Exception as exc:  # the test reads it
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_a_background_pull_waits_while_the_cashier_prices_baskets_and_goes_in_a_pause(chain: Simulation) -> None:
    basket = _something_to_pull(chain)
    till = chain.terminals[0].services
    till.checkout.quote(basket)  # a customer at the counter
    before = _cursor(chain, 0)
    service = _background(chain, yield_max_s=30)
    thread, out = _in_thread(service)
    for _ in range(10):  # a second of scanning: the basket is priced again and again
        till.checkout.quote(basket)
        time.sleep(0.1)
    assert thread.is_alive() and _cursor(chain, 0) == before  # nothing stored while the till was in use
    thread.join(30)
    assert not thread.is_alive() and not isinstance(out[0], Exception), out
    assert out[0].pulled >= 1 and _cursor(chain, 0) > before
    assert service.pull_waited_s() >= 0.9


def test_a_till_that_never_pauses_still_gets_its_pull_after_the_longest_wait(chain: Simulation) -> None:
    basket = _something_to_pull(chain)
    till = chain.terminals[0].services
    till.checkout.quote(basket)
    service = _background(chain, yield_max_s=0.5)
    thread, out = _in_thread(service)
    while thread.is_alive():  # a rush that does not stop
        till.checkout.quote(basket)
        time.sleep(0.05)
    assert out[0].pulled >= 1
    assert 0.5 <= service.pull_waited_s() < 5


def test_stopping_the_app_ends_a_pull_that_waits_for_the_till(chain: Simulation) -> None:
    basket = _something_to_pull(chain)
    chain.terminals[0].services.checkout.quote(basket)
    service = _background(chain, yield_max_s=600)
    service.till_busy_s = 600  # busy for as long as the test lasts
    thread, out = _in_thread(service)
    deadline = time.monotonic() + 30
    while service.pull_waited_s() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    service.interrupt()
    thread.join(30)
    assert not thread.is_alive() and isinstance(out[0], SyncError)
    assert "stopped" in str(out[0])
    service.yield_to_till(0.5)  # a worker started again on the same service waits as before
    thread, out = _in_thread(service)
    thread.join(30)
    assert out and not isinstance(out[0], Exception), out


def test_a_sync_asked_for_goes_at_once_even_at_a_busy_till(chain: Simulation) -> None:
    basket = _something_to_pull(chain)
    chain.terminals[0].services.checkout.quote(basket)
    term = chain.terminals[0]
    service = SyncService(term.engine, transport=term.link)  # as `loyalty-terminal sync` makes it
    assert service.sync_once().pulled >= 1 and service.pull_waited_s() == 0
