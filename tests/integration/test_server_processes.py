"""Several server processes on one database: the timed expiry runs once between them, `serve --workers`.

Every server process (a uvicorn worker, or one of N processes behind a load balancer) ticks its own
expiry timer. A PostgreSQL advisory lock held for the run's transaction and the time of the last run
(kept in meta) make that one run per interval across all of them; a manual run waits for a timed one
instead of racing it. The SQLite server is one process: `serve --workers N` refuses it and says why.
The same against real processes behind a round-robin proxy: tests/e2e/test_several_servers.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from app.core import repo
from app.core import schema as t
from app.core.identity import card_number
from app.core.services.verify import VerifyService
from server import expiry
from server.store import POOL_ENV, make_engine, next_counter, transaction
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)

AT = 1_790_000_000_000  # a fixed instant: every figure below is exact
DAY = 86_400_000
INTERVAL = 3_600_000
ROOT = Path(__file__).resolve().parents[2]  # the repository (this file is in tests/integration)


def customers_with_lots(engine: Engine, n: int, points: int = 100, expires_at: int = AT + DAY) -> list[str]:
    """n customers, each with a card and one lot, written as the ledger writes an enrollment's welcome
    lot (customer, card, lot, `grant` journal row), so `verify` holds before and after expiry."""
    uids = [f"cust-{i:04d}" for i in range(n)]
    with transaction(engine) as conn:
        change = next_counter(conn, "change", n) - n + 1
        conn.execute(insert(t.customers), [
            {"uid": u, "name": f"Guest {i}", "name_search": f"guest {i}", "phone": f"+7917{i:07d}", "birthday": None,
             "referrer_id": None, "referral_paid": 0, "consent_at": AT, "enrolled_at": AT, "last_op_at": AT,
             "debt": 0, "expired_total": 0, "blocked": 0, "merged_into": None, "snapshot_seq": 0, "flagged": 0,
             "change_seq": change + i}
            for i, u in enumerate(uids)])  # fmt: skip
        ids = dict(conn.execute(select(t.customers.c.uid, t.customers.c.id)).all())
        conn.execute(insert(t.cards), [
            {"code": card_number(8_000_000 + i), "customer_id": ids[u], "active": 1, "issued_at": AT}
            for i, u in enumerate(uids)])  # fmt: skip
        conn.execute(insert(t.lots), [
            {"uid": f"{u}-lot", "customer_id": ids[u], "points": points, "remaining": points, "available_at": AT,
             "expires_at": expires_at, "source": "welcome", "txn_uid": u} for u in uids])  # fmt: skip
        conn.execute(insert(t.journal), [
            {"customer_id": ids[u], "lot_uid": f"{u}-lot", "kind": "grant", "points": points, "at": AT, "txn_uid": u}
            for u in uids])  # fmt: skip
    return uids


def expire_rows(engine: Engine) -> dict[str, int]:
    """Expiry journal rows per lot."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.journal.c.lot_uid, func.count()).where(t.journal.c.kind == "expire").group_by(t.journal.c.lot_uid)
        ).all()
    return {str(lot): int(n) for lot, n in rows}


def test_the_timed_run_posts_once_per_interval(engine: Engine) -> None:
    customers_with_lots(engine, 3)
    now = AT + 2 * DAY
    assert expiry.run_due(engine, INTERVAL, now=now, grace=0) == 300
    # Another process's tick within the interval finds the run made: it does not run again.
    assert expiry.run_due(engine, INTERVAL, now=now + INTERVAL - 1, grace=0) is None
    with engine.connect() as conn:
        assert repo.get_meta(conn, expiry.LAST_RUN_KEY) == str(now)
    assert expiry.run_due(engine, INTERVAL, now=now + INTERVAL, grace=0) == 0  # the next interval's run
    assert expire_rows(engine) == {f"cust-{i:04d}-lot": 1 for i in range(3)}
    assert VerifyService(engine).verify().ok


def test_a_tick_before_the_lots_are_due_writes_no_expiry(engine: Engine) -> None:
    customers_with_lots(engine, 2)
    assert expiry.run_due(engine, INTERVAL, now=AT + DAY - 1, grace=0) == 0
    assert expire_rows(engine) == {}


def test_server_processes_ticking_together_make_one_run(pg_engine: Engine) -> None:
    customers_with_lots(pg_engine, 40)
    now = AT + 2 * DAY
    # Eight engines are eight processes' pools: each tick has its own connection and transaction.
    engines = [make_engine(str(pg_engine.url.render_as_string(hide_password=False))) for _ in range(8)]
    start = threading.Barrier(len(engines))

    def tick(engine: Engine) -> int | None:
        start.wait()
        return expiry.run_due(engine, INTERVAL, now=now, grace=0)

    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            results = list(pool.map(tick, engines))
    finally:
        for e in engines:
            e.dispose()
    assert results.count(None) == 7 and [r for r in results if r is not None] == [4000], results
    assert expire_rows(pg_engine) == {f"cust-{i:04d}-lot": 1 for i in range(40)}
    assert VerifyService(pg_engine).verify().ok


def test_a_tick_while_another_process_runs_expiry_skips_and_a_manual_run_waits(pg_engine: Engine) -> None:
    customers_with_lots(pg_engine, 2)
    now = AT + 2 * DAY
    other = make_engine(str(pg_engine.url.render_as_string(hide_password=False)))
    try:
        with other.connect() as held:
            # Another server process is inside its run: it holds the advisory lock to its commit.
            assert held.execute(text(f"SELECT pg_try_advisory_xact_lock({expiry.EXPIRY_LOCK})")).scalar_one()
            assert expiry.run_due(pg_engine, INTERVAL, now=now, grace=0) is None
            with ThreadPoolExecutor(1) as pool:
                manual = pool.submit(expiry.post_expiry, pg_engine, now, 0)
                waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                while not held.execute(text(waiting)).scalar_one():
                    assert not manual.done(), manual.result()  # it must wait for the lock, not run beside it
                    time.sleep(0.01)
                assert expire_rows(pg_engine) == {}
                held.commit()
                assert manual.result(timeout=60) == 200
    finally:
        other.dispose()
    assert expire_rows(pg_engine) == {"cust-0000-lot": 1, "cust-0001-lot": 1}
    with pg_engine.connect() as conn:
        assert repo.get_meta(conn, expiry.LAST_RUN_KEY) is None  # a manual run is not the timer's


def test_serve_with_workers_refuses_sqlite_and_says_why(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "server.main", "serve", "--db", str(db), "--workers", "3", "--port", "1"],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {
        "error": "--workers 3 needs PostgreSQL (--db postgresql://...): the embedded SQLite server runs as one process"
    }
    assert not db.exists()  # refused before anything was made


def test_a_server_process_opens_at_most_its_share_of_connections(
    pg_server: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pg_server.database() as url:
        given = make_engine(url, connections=15)
        monkeypatch.setenv(POOL_ENV, "6")  # what `serve --workers 5` gives each worker of 30
        inherited = make_engine(url)
        try:
            assert (given.pool.size(), given.pool._max_overflow) == (5, 10)  # type: ignore[attr-defined]
            assert (inherited.pool.size(), inherited.pool._max_overflow) == (2, 4)  # type: ignore[attr-defined]
        finally:
            given.dispose()
            inherited.dispose()
