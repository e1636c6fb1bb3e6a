"""Expiry is an explicit journal entry, posted only after the expiry instant plus a grace period."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from app.core import ledger, repo
from app.core import schema as t
from app.core.ids import uuid7
from app.core.timeutil import now_ms
from server.authority import prune_change_log
from server.ingest import mark_changed
from server.store import is_sqlite, transaction

DEFAULT_GRACE_HOURS = 72
# PostgreSQL advisory lock key of an expiry run (store.py's schema lock is 7_420_001). Transaction-scoped:
# a server killed mid-run loses its connection, and PostgreSQL lets the lock go with it.
EXPIRY_LOCK = 7_420_002
# meta key: when the last timed run began (ms), so N server processes post one run per interval between them.
LAST_RUN_KEY = "server_expiry_ran_at"


def grace_ms(engine: Engine) -> int:
    """At least as long as the longest offline window a terminal may redeem in."""
    with transaction(engine) as conn:
        return _grace(conn)


def _grace(conn: Connection) -> int:
    _, program = repo.program_at(conn, now_ms())
    hours = program.offline.max_offline_hours or DEFAULT_GRACE_HOURS
    return max(hours, DEFAULT_GRACE_HOURS) * 3_600_000


def post_expiry(engine: Engine, now: int | None = None, grace: int | None = None) -> int:
    """Write off lots whose expiry instant + grace has passed; returns the points expired.

    On PostgreSQL it waits for a run another server process is making, then finds what that run left."""
    with transaction(engine) as conn:
        if not is_sqlite(engine):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({EXPIRY_LOCK})")
        return _post(conn, now_ms() if now is None else now, grace)


def run_due(engine: Engine, interval_ms: int, now: int | None = None, grace: int | None = None) -> int | None:
    """The timer's run: posts expiry unless another server process is posting it or did so less than
    `interval_ms` ago (None then), so N processes make one run per interval between them."""
    now = now_ms() if now is None else now
    with transaction(engine) as conn:
        # SQLite (the embedded server) is one process, and its writer lock already serialises the run.
        if (
            not is_sqlite(engine)
            and not conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({EXPIRY_LOCK})").scalar_one()
        ):
            return None
        last = int(repo.get_meta(conn, LAST_RUN_KEY) or 0)
        if last <= now < last + interval_ms:
            return None
        repo.set_meta(conn, LAST_RUN_KEY, str(now))
        posted = _post(conn, now, grace)
        # The change log's entries no terminal can still need go with the same timed run (docs/authority.md).
        prune_change_log(conn, now)
        return posted


def _post(conn: Connection, now: int, grace: int | None) -> int:
    grace = _grace(conn) if grace is None else grace
    # In customer id order: a push locks its customers in id order too, so the two never deadlock.
    due = conn.execute(
        select(t.lots.c.customer_id)
        .where(t.lots.c.remaining > 0, t.lots.c.expires_at.is_not(None), t.lots.c.expires_at + grace <= now)
        .distinct()
        .order_by(t.lots.c.customer_id)
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
