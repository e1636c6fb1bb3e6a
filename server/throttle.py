"""Rate limits and lockout of admin login and enrollment-code exchange (the `limits` library).

Each guarded key (an admin name, a client address) has several fixed windows, e.g. 5 failures a
minute, 20 an hour, 100 a day: a guesser is locked out for a minute after 5, an hour after 20, a day
after 100, so the lockout grows with the attempts (docs/security.md). Only failures are counted;
while any window of a key is full, its requests are refused before any password is hashed.

The counters live in the server's database (`rate_limits`, a `limits` storage backend written here),
so every server process on one PostgreSQL sees the same failures: N workers do not give a guesser N
times the tries, and a lockout holds whichever process answers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Connection, Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from server import schema as s
from server.store import is_sqlite, transaction

__all__ = ["DEFAULT_LIMITS", "Guard", "SqlStorage", "Throttle"]

# Per guarded kind: the windows of failures (the `limits` notation).
DEFAULT_LIMITS = {
    "login-name": "5/minute;20/hour;100/day",
    "login-addr": "20/minute;100/hour;500/day",  # a whole office may share one address
    "enroll-addr": "10/minute;30/hour;100/day",
}


def _now_ms() -> int:
    return int(time.time() * 1000)


class SqlStorage(Storage):
    """A `limits` storage on the server's database: counters every server process shares."""

    STORAGE_SCHEME = ["loyalty-sql"]  # noqa: RUF012  (the library declares it a plain attribute)

    def __init__(self, engine: Engine) -> None:
        super().__init__(None)
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What the database may raise (the library wraps them only when asked)."""
        return Exception

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add to a key's counter, starting a new window when the old one has passed (one atomic upsert)."""
        with transaction(self.engine) as conn:
            return self._incr(conn, key, expiry, amount)

    def incr_many(self, keys: Sequence[tuple[str, int]]) -> None:
        """Add one to several keys' counters (key, window seconds) in one transaction: one commit per failure."""
        with transaction(self.engine) as conn:
            for key, expiry in keys:
                self._incr(conn, key, expiry, 1)

    def _incr(self, conn: Connection, key: str, expiry: int, amount: int) -> int:
        now = _now_ms()
        table = s.rate_limits
        dialect = sqlite if is_sqlite(self.engine) else postgresql
        stmt = dialect.insert(table).values(key=key, hits=amount, expires_at=now + int(expiry * 1000))
        live = table.c.expires_at > now
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "hits": case((live, table.c.hits + amount), else_=amount),
                "expires_at": case((live, table.c.expires_at), else_=now + int(expiry * 1000)),
            },
        ).returning(table.c.hits)
        return int(conn.execute(stmt).scalar_one())

    def live(self, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
        """The live windows of several keys in one read: key -> (hits, end in UTC ms)."""
        now = _now_ms()
        t = s.rate_limits
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.c.key, t.c.hits, t.c.expires_at).where(t.c.key.in_(list(keys))))
            return {r.key: (int(r.hits), int(r.expires_at)) for r in rows if r.expires_at > now}

    def _row(self, key: str) -> tuple[int, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.rate_limits.c.hits, s.rate_limits.c.expires_at).where(s.rate_limits.c.key == key)
            ).first()
        if row is None or row.expires_at <= _now_ms():
            return None
        return int(row.hits), int(row.expires_at)

    def get(self, key: str) -> int:
        """The counter of a key's live window (0 when none)."""
        row = self._row(key)
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        """When a key's window ends (epoch seconds; now when there is none)."""
        row = self._row(key)
        return time.time() if row is None else row[1] / 1000

    def check(self) -> bool:
        """The database answers."""
        with self.engine.connect() as conn:
            conn.execute(select(1))
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        with transaction(self.engine) as conn:
            return int(conn.execute(delete(s.rate_limits)).rowcount)

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with transaction(self.engine) as conn:
            conn.execute(delete(s.rate_limits).where(s.rate_limits.c.key == key))

    def purge(self) -> int:
        """Drop the windows that have passed (the expiry timer calls it); the rows dropped."""
        with transaction(self.engine) as conn:
            return int(conn.execute(delete(s.rate_limits).where(s.rate_limits.c.expires_at <= _now_ms())).rowcount)


@dataclass(frozen=True)
class Guard:
    """One guarded key: its kind (a key of the limits table) and its value (a name, an address)."""

    kind: str
    value: str


class Throttle:
    """Counts failures per key and tells how long a locked-out key must wait.

    The fixed-window rule of `limits.strategies.FixedWindowRateLimiter` (`self.limiter`, on the same
    storage), applied to every window of a request at once: one read to test, one transaction to count."""

    def __init__(self, engine: Engine, limits: dict[str, str] | None = None) -> None:
        self.storage = SqlStorage(engine)
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.limits: dict[str, list[RateLimitItem]] = {
            kind: parse_many(text) for kind, text in {**DEFAULT_LIMITS, **(limits or {})}.items()
        }

    def _items(self, guard: Guard) -> list[RateLimitItem]:
        return self.limits[guard.kind]

    def _keys(self, guards: Sequence[Guard]) -> list[tuple[str, RateLimitItem]]:
        # The library's own key of each window (its FixedWindowRateLimiter reads and counts the same rows).
        return [(item.key_for(g.kind, g.value), item) for g in guards for item in self._items(g)]

    def wait_s(self, guards: Sequence[Guard]) -> int:
        """Seconds until every key may try again (0: none is locked out); one read for all windows."""
        keys = self._keys(guards)
        live = self.storage.live([key for key, _ in keys])
        now_ms = _now_ms()
        wait_ms = max(
            (live[key][1] - now_ms for key, item in keys if key in live and live[key][0] >= item.amount), default=0
        )
        return max(1, math.ceil(wait_ms / 1000)) if wait_ms > 0 else 0

    def fail(self, guards: Sequence[Guard]) -> None:
        """Count one failure against every window of every key, in one transaction."""
        self.storage.incr_many([(key, item.get_expiry()) for key, item in self._keys(guards)])
