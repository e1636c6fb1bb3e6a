"""The server's change log is pruned by the timed expiry run (docs/authority.md "Pruning the change log").

An entry goes once it is older than the horizon and every enrolled terminal not revoked was handed a
cursor past it; an honest till's push is still judged right afterwards. On the `chain` fixture (server and
two terminals in one process, virtual clock).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core import repo
from server import authority, expiry
from server import schema as s
from tests.integration.sync.sim import DAY_MS, HOUR_MS, Simulation
from tests.integration.sync.test_promises import later

PHONE = "+79160000001"


def logged(chain: Simulation) -> list[int]:
    """The change numbers the server's change log holds."""
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        return sorted(conn.execute(select(s.change_log.c.seq)).scalars())


def run_expiry(chain: Simulation) -> int | None:
    """The server's timed run, as its timer calls it (an interval of an hour)."""
    assert chain.server is not None
    return expiry.run_due(chain.server.engine, HOUR_MS, now=chain.clock.server_ms(), grace=0)


def cursor_of(chain: Simulation, i: int) -> int:
    """The newest cursor the server handed terminal i."""
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        found = conn.execute(
            select(s.terminals.c.pulled_cursor).where(s.terminals.c.id == chain.terminals[i].terminal_id)
        ).scalar_one()
    return int(found)


def test_an_entry_goes_once_older_than_the_horizon_and_past_every_active_terminals_cursor(
    chain: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chain.network is not None
    monkeypatch.setenv(authority.CHANGE_LOG_DAYS_ENV, "2")
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, "LAT", card=card))
    assert chain.sync(0)
    first = logged(chain)
    assert first and cursor_of(chain, 1) < max(first)
    run_expiry(chain)
    assert logged(chain) == first  # younger than the horizon: kept
    later(chain, 3 * DAY_MS)
    # T1 pushes, but is handed no cursor past the entries (its pull is lost): it still holds them.
    chain.sell(1, chain.basket(1, "TEA"))
    chain.network.script = [None, "drop_request"]
    assert not chain.sync(1)
    held = cursor_of(chain, 1)
    run_expiry(chain)
    assert logged(chain) == [seq for seq in first if seq > held] + [seq for seq in logged(chain) if seq > max(first)]
    # Once T1 has pulled past them, the entries older than the horizon go.
    assert chain.sync(1)
    later(chain, HOUR_MS + 1)
    run_expiry(chain)
    assert not set(first) & set(logged(chain))
    with chain.server.engine.connect() as conn:
        assert int(repo.get_meta(conn, authority.PRUNED_KEY) or 0) >= max(first)
    # An honest till still prices on what it saw: a sale to the card on each, both applied.
    sales = [chain.sell(i, chain.basket(i, "LAT", card=card)) for i in (0, 1)]
    assert chain.sync(0) and chain.sync(1)
    for sale in sales:
        assert json.loads(chain.server_outcomes()[str(sale.uid)][1]).get("code") is None
    chain.check_always()


def test_an_offline_terminal_holds_the_log_until_it_pulls_or_is_revoked(
    chain: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However long a till is offline, its queued sales name the cursor it had: it holds the log until the
    admin revokes it (simulation seed 22 found the first design, which let a till unseen for the horizon go)."""
    assert chain.server is not None
    monkeypatch.setenv(authority.CHANGE_LOG_DAYS_ENV, "1")
    card = chain.enroll(0, PHONE)
    assert chain.sync(0)
    first = logged(chain)
    assert first and cursor_of(chain, 1) < max(first)
    run_expiry(chain)
    # Two days on, only T0 syncs: T1 is offline, handed no cursor past the entries.
    later(chain, 2 * DAY_MS)
    chain.sell(0, chain.basket(0, "LAT", card=card))
    assert chain.sync(0)
    later(chain, HOUR_MS + 1)
    run_expiry(chain)
    held = cursor_of(chain, 1)
    assert [seq for seq in first if seq > held] == [seq for seq in logged(chain) if seq <= max(first)]
    chain.server.admin("POST", f"/v1/admin/terminals/{chain.terminals[1].terminal_id}/revoke")
    later(chain, HOUR_MS + 1)
    run_expiry(chain)
    left = logged(chain)
    assert left and min(left) > max(first)  # the first run's entries are gone; T0's new sale's are kept
