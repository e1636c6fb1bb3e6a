"""The one-writer discipline's two knobs for long background writers (app/core/db.py): a transaction
that skips its fsync hands its connection back at full durability, and a writer can see that a sale waits."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.core import db

FULL, NORMAL = 2, 1


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = db.make_engine(tmp_path / "t.sqlite3")
    db.migrate(engine, tmp_path / "t.sqlite3")
    return engine


def _level(engine: Engine) -> int:
    with db.transaction(engine) as conn:
        return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_a_transaction_that_skips_its_fsync_gives_the_connection_back_at_full(engine: Engine) -> None:
    with db.transaction(engine, durable=False) as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == NORMAL
        conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    assert _level(engine) == FULL  # the pool hands the same connection to the next sale
    with pytest.raises(RuntimeError), db.transaction(engine, durable=False) as conn:
        conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('k2', 'v')")
        raise RuntimeError("a failed write")
    assert _level(engine) == FULL, "also after a rollback"
    with db.transaction(engine, write=False) as conn:
        keys = [r[0] for r in conn.exec_driver_sql("SELECT key FROM meta WHERE key LIKE 'k%'")]
    assert keys == ["k"], "the committed one is there, the rolled back one is not"


def test_a_writer_sees_how_many_wait_for_the_database(engine: Engine) -> None:
    assert db.writers_waiting(engine) == 0
    inside, waiting_done = threading.Event(), threading.Event()

    def sale() -> None:
        with db.transaction(engine):
            inside.set()
        waiting_done.set()

    with db.transaction(engine):
        thread = threading.Thread(target=sale)
        thread.start()
        # The sale blocks on the writer lock; the count says so while it does (polled, never timed).
        while db.writers_waiting(engine) == 0:
            assert not inside.is_set()
            threading.Event().wait(0.001)
        assert db.writers_waiting(engine) == 1
    waiting_done.wait(10)
    thread.join(10)
    assert inside.is_set() and db.writers_waiting(engine) == 0
