"""Fixtures for the sync tests: a small chain (server + terminals) on the simulation's machinery."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.sync.sim import Simulation, small_chain


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Simulation]:
    """A server and two enrolled, synced terminals on a virtual clock, with a fault-free network.

    Tests drive it by hand: script faults with `chain.network.script`, move time with `chain.clock`,
    and call `chain.check_always()` to check every promise that must hold at any instant.
    """
    sim = small_chain(tmp_path, os.environ.get("TEST_DATABASE_URL"))
    try:
        yield sim
    finally:
        sim.close()
