"""Fixtures for the sync tests: a small chain (server + terminals) on the simulation's machinery."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.sim import SimConfig, Simulation


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Simulation]:
    """A server and two enrolled, synced terminals on a virtual clock, with a fault-free network.

    Tests drive it by hand: script faults with `chain.network.script`, move time with `chain.clock`,
    and call `chain.check_always()` to check every promise that must hold at any instant.
    """
    sim = Simulation(
        # A card of 10,000 stamps never fills: no free unit changes the expected figures of a basket.
        SimConfig(seed=0, steps=0, terminals=2, fault_rate=0.0, workdir=tmp_path, stamps_needed=10_000,
                  db_url=os.environ.get("TEST_DATABASE_URL"))
    )  # fmt: skip
    sim.setup()
    # No skew unless a test sets one: expected instants (expiry, activation) are then exact.
    sim.clock.skews = dict.fromkeys(range(len(sim.terminals)), 0)
    try:
        yield sim
    finally:
        sim.close()
