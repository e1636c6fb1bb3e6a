"""What the use-case services share: who did it, the audit row they write, expiry times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine

from app.core import audit, repo, sql
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import LoyaltyError
from app.core.events import EventBus
from app.core.ids import uuid7
from app.core.timeutil import DAY_MS

__all__ = ["SYSTEM", "Ids", "OperationService", "check_actor", "check_dated", "expiry", "write_audit"]

SYSTEM = "system"  # the actor of changes no person asked for: a new store's set-up, a demo's fill

Ids = Callable[[], str]  # a new unique, time-ordered id (tests pass predictable ones)


class OperationService:
    """What the services that date and commit operations hold: engine, clock, ids, event bus, import mode."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock = SYSTEM_CLOCK,
        *,
        ids: Ids = uuid7,
        bus: EventBus | None = None,
        history_import: bool = False,
    ) -> None:
        self.engine = engine
        self.clock = clock  # business times of operations given no explicit time
        self.ids = ids  # journal and lot ids; tests pass predictable ones
        self.bus = bus or EventBus()
        self.history_import = history_import  # operations may be dated ahead of the clock (promise 13)

    def _dated(self, conn: Connection, at: int | None) -> None:
        check_dated(conn, at, self.clock, self.history_import)


def check_actor(actor: str) -> str:
    """The actor's name, trimmed; an empty one is refused before anything is written."""
    name = actor.strip()
    if not name:
        raise LoyaltyError("audit_incomplete")
    return name


def write_audit(conn: Connection, clock: Clock, actor: str, action: str, params: Mapping[str, Any]) -> None:
    """One audit row (an action code and its parameters) inside the caller's transaction.

    Written with the change it describes, so the row and the change commit or roll back together.
    Its time is the moment it was done; peeking (not advancing) the business clock keeps every
    business time the operations get exactly what it was before audit rows were written here.
    Plain SQL (app.core.sql): every sale writes one, and SQLAlchemy Core's insert cost a sale 0.25 ms.
    """
    sql.run(
        conn,
        "INSERT INTO audit (at, actor, action, detail) VALUES (:at, :actor, :action, :detail)",
        {"at": repo.peek_clock(conn, None, clock), "actor": actor, "action": action, "detail": audit.encode(params)},
    )


def check_dated(conn: Connection, at: int | None, clock: Clock, history_import: bool) -> None:
    """Refuse an operation dated too far ahead of the terminal's clock, outside a history import."""
    # Importing history from a previous system: operations may be dated ahead of the clock (promise 13).
    if at is not None and not history_import:
        repo.check_not_ahead(conn, at, clock)


def expiry(at: int, days: int | None) -> int | None:
    """When points granted at `at` expire (None: never)."""
    return None if days is None else at + days * DAY_MS
