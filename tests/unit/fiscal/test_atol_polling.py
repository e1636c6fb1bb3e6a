"""The ATOL driver's pauses between result queries (no HTTP, no clock: the policy as a function)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.fiscal.atol import EXPECT_SHARE, POLL_MIN, POLL_SHARE, AtolWebDevice


@pytest.fixture
def device() -> Iterator[AtolWebDevice]:
    """A driver that is never asked anything (the client opens no connection until a request)."""
    dev = AtolWebDevice("http://127.0.0.1:9", poll=0.05)
    yield dev
    dev.close()


def test_pauses_grow_with_the_time_taken_between_the_minimum_and_poll(device: AtolWebDevice) -> None:
    """Unknown time: a short first pause, then a sixth of the time taken, never above `poll`."""
    assert device._pause(0.0, None) == POLL_MIN
    assert device._pause(0.06, None) == pytest.approx(0.06 / POLL_SHARE)
    assert device._pause(5.0, None) == device.poll
    pauses = [device._pause(t / 100, None) for t in range(100)]
    assert pauses == sorted(pauses)


def test_a_known_time_is_skipped_to_then_asked_often(device: AtolWebDevice) -> None:
    """With the register's usual time known (50 ms): wait until 90 % of it, then ask every 2 ms, then as before."""
    assert device._pause(0.001, 0.05) == pytest.approx(EXPECT_SHARE * 0.05 - 0.001)
    assert device._pause(0.046, 0.05) == pytest.approx(max(0.05 / 25, POLL_MIN))
    assert device._pause(0.2, 0.05) == device._pause(0.2, None)
