"""Expiry is an explicit journal entry, posted only after the expiry instant plus a grace period."""

from __future__ import annotations

from sqlalchemy import Engine, select

from app.core import ledger, repo
from app.core import schema as t
from app.core.ids import uuid7
from app.core.timeutil import now_ms
from server.ingest import mark_changed
from server.store import transaction

DEFAULT_GRACE_HOURS = 72


def grace_ms(engine: Engine) -> int:
    """At least as long as the longest offline window a terminal may redeem in."""
    with transaction(engine) as conn:
        _, program = repo.program_at(conn, now_ms())
    hours = program.offline.max_offline_hours or DEFAULT_GRACE_HOURS
    return max(hours, DEFAULT_GRACE_HOURS) * 3_600_000


def post_expiry(engine: Engine, now: int | None = None, grace: int | None = None) -> int:
    """Write off lots whose expiry instant + grace has passed; returns the points expired."""
    now = now_ms() if now is None else now
    grace = grace_ms(engine) if grace is None else grace
    with transaction(engine) as conn:
        due = conn.execute(
            select(t.lots.c.customer_id)
            .where(t.lots.c.remaining > 0, t.lots.c.expires_at.is_not(None), t.lots.c.expires_at + grace <= now)
            .distinct()
        ).scalars()
        total = 0
        changed: set[str] = set()
        log: dict[str, list[str]] = {}  # what the change log names: the expiry's journal transaction per customer
        for customer_id in list(due):
            row = conn.execute(select(t.customers).where(t.customers.c.id == customer_id)).one()
            row = ledger.customer_by_uid(conn, row.uid)
            wallet, snapshot = repo.load_wallet(conn, row)
            moves = wallet.post_expiry(now - grace)
            total += -sum(m.points for m in moves)
            txn = uuid7()
            repo.save_wallet(conn, row.id, wallet, snapshot, moves, txn)
            changed.add(row.uid)
            log[row.uid] = [txn]
        mark_changed(conn, changed, log)
    return total
