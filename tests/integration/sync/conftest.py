"""Fixtures for the sync tests: a small chain (server + terminals) on the simulation's machinery."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.sync.sim import Simulation, small_chain
from tests.pg import ENV_URL, pg_server  # noqa: F401  (a fixture: PostgreSQL when TEST_DATABASE_URL names it)


@pytest.fixture
def new_server_db(request: pytest.FixtureRequest) -> Iterator[Callable[[], str | None]]:
    """Make databases for simulated servers: None (a SQLite file) unless TEST_DATABASE_URL names a PostgreSQL
    server; then each call makes a fresh database there with tests/pg.py (dropped after the test), as every
    other PostgreSQL test gets one."""
    with contextlib.ExitStack() as stack:

        def make() -> str | None:
            if not os.environ.get(ENV_URL):
                return None
            return str(stack.enter_context(request.getfixturevalue("pg_server").database()))

        yield make


@pytest.fixture
def server_db_url(new_server_db: Callable[[], str | None]) -> str | None:
    """The simulated server's database (see new_server_db)."""
    return new_server_db()


@pytest.fixture
def chain(tmp_path: Path, server_db_url: str | None) -> Iterator[Simulation]:
    """A server and two enrolled, synced terminals on a virtual clock, with a fault-free network.

    Tests drive it by hand: script faults with `chain.network.script`, move time with `chain.clock`,
    and call `chain.check_always()` to check every promise that must hold at any instant.
    """
    sim = small_chain(tmp_path, server_db_url)
    try:
        yield sim
    finally:
        sim.close()
