"""The wall clock as an injected value: the system's in the program, a fixed instant in tests.

Business times (sales, enrolments, shifts, expiry) come from the `Clock` a service was built
with, so a test that fixes the instant gives the same balances on any day it runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from app.core.timeutil import parse_ts, to_ms


class Clock(Protocol):
    """Where a service reads the current instant."""

    def now(self) -> datetime:
        """The current instant, an aware datetime."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The machine's current instant, in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still at an instant until told to move (tests, demos, replays)."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"a fixed clock needs an aware instant, got {instant!r}")
        self.instant = instant

    def now(self) -> datetime:
        """The fixed instant."""
        return self.instant

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by delta."""
        self.instant += delta


SYSTEM_CLOCK: Clock = SystemClock()

# How far ahead of the terminal's clock an operation may be dated (sync.md promise 13): two tills of one
# store a few minutes apart, a receipt typed in just after the fact. Further ahead is a typo or a tampered
# clock, refused outside the history-import mode (docs/rules.md, "Time").
FUTURE_TOLERANCE_MS = 5 * 60_000

# Tests that start the program as a user does (a child process, or cli.main with no arguments)
# cannot hand it a clock: this variable stands it at an instant. Never set in production.
FROZEN_NOW_ENV = "LOYALTY_FROZEN_NOW"


def default_clock(environ: Mapping[str, str] | None = None) -> Clock:
    """The system clock, or a clock fixed at $LOYALTY_FROZEN_NOW (ISO 8601 with an offset) for tests."""
    value = (os.environ if environ is None else environ).get(FROZEN_NOW_ENV, "").strip()
    return FixedClock(parse_ts(value)) if value else SYSTEM_CLOCK


def clock_ms(clock: Clock) -> int:
    """The clock's instant in integer UTC milliseconds, as stored."""
    return to_ms(clock.now())
