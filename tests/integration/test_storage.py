"""SQLite discipline, units of work, schema upgrades from real old files, damaged files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.bootstrap import Context, bootstrap
from app.core import db
from app.core import schema as t
from app.core.clock import FixedClock
from app.core.errors import StorageError
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from tests.conftest import FIXTURES


def test_connections_use_wal_full_sync_foreign_keys_and_a_busy_timeout(ctx: Context) -> None:
    with db.transaction(ctx.engine, write=False) as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_a_unit_of_work_rolls_back_unless_it_completes(ctx: Context) -> None:
    with pytest.raises(RuntimeError), db.transaction(ctx.engine) as conn:
        conn.execute(insert(t.meta).values(key="probe", value="1"))
        raise RuntimeError("crash before commit")
    with db.transaction(ctx.engine, write=False) as conn:
        assert conn.execute(select(t.meta).where(t.meta.c.key == "probe")).first() is None


def test_writers_take_the_lock_at_begin(ctx: Context) -> None:
    other = sqlite3.connect(ctx.db_path, timeout=0.1)
    with db.transaction(ctx.engine), pytest.raises(sqlite3.OperationalError):
        other.execute("BEGIN IMMEDIATE")
    other.close()


def test_foreign_keys_are_enforced(ctx: Context) -> None:
    with pytest.raises(StorageError), db.transaction(ctx.engine) as conn:
        conn.execute(insert(t.cards).values(code="X", customer_id=999, active=1, issued_at=0))


def test_schema_v1_file_upgrades_with_a_backup_and_keeps_its_data(tmp_path: Path, frozen_clock: FixedClock) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURES / "schema-v1.sqlite3", path)
    # On a fixed clock: the file's sale of January 2026 leaves the 365-day tier window in January 2027.
    ctx = bootstrap(path, clock=frozen_clock)  # opening an old file upgrades it
    assert db.schema_version(ctx.engine) == db.SCHEMA_VERSION
    backups = list((tmp_path / "backups").glob("old-v1-*.sqlite3"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("PRAGMA user_version").fetchone()[0] == 1
    info = ctx.customers.customer("+79160000001")
    assert info.name == "Анна" and info.tier_spend == 30000
    sale = ctx.checkout.sell(SaleRequest((ctx.catalog.resolve_line("X", 1, 100, "coffee"),), info.card), actor=SYSTEM)
    assert sale.committed
    assert ctx.verifier.verify().ok
    ctx.close()


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_schema_v3_file_gets_the_reports_indexes_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    shutil.copy(FIXTURES / "schema-v3.sqlite3", path)
    assert not _indexes(path) & set(t.V4_INDEXES)
    ctx = bootstrap(path)
    assert db.schema_version(ctx.engine) == db.SCHEMA_VERSION >= 4  # v4 and every step after it
    assert len(list((tmp_path / "backups").glob("v3-v3-*.sqlite3"))) == 1
    assert set(t.V4_INDEXES) <= _indexes(path)
    # The data is untouched: Анна's sale and refund are there, and the ledger still balances.
    assert ctx.customers.customer("+79160000001").name == "Анна"
    assert ctx.verifier.verify().ok
    # The liability pass of the reports now reads the partial index, not the lots table.
    with ctx.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT sum(remaining), sum(CASE WHEN expires_at < 5 THEN remaining ELSE 0 END) "
                "FROM lots WHERE remaining > 0"
            )
        )
    assert "COVERING INDEX ix_lots_open_expiry" in plan
    ctx.close()


def test_a_new_file_has_the_reports_indexes(tmp_path: Path) -> None:
    ctx = bootstrap(tmp_path / "new.sqlite3", create=True)
    ctx.store.init()
    assert set(t.V4_INDEXES) <= _indexes(tmp_path / "new.sqlite3")
    ctx.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        ctx = bootstrap(path, create=True)
        ctx.store.init()


def test_a_damaged_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError, match="not a terminal database"):
        bootstrap(path)


def test_a_missing_file_is_not_created_by_accident(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="init"):
        bootstrap(tmp_path / "nope.sqlite3")
    assert not (tmp_path / "nope.sqlite3").exists()


def test_a_full_disk_refuses_the_sale_clearly_and_loses_nothing(tmp_path: Path) -> None:
    from sqlalchemy import event

    from app.core.demo import DEFAULT_PROGRAM
    from app.core.pricing import LineIn

    ctx = bootstrap(tmp_path / "full.sqlite3", create=True)
    ctx.store.init(DEFAULT_PROGRAM)
    card = ctx.customers.enroll("Анна", "+79160000001", actor=SYSTEM).card
    first = ctx.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 10000),), card), actor=SYSTEM)
    ctx.close()
    # SQLite reports SQLITE_FULL when the file may not grow: the same error as a full disk.
    ctx = bootstrap(tmp_path / "full.sqlite3")

    def cap(dbapi_conn: sqlite3.Connection, _: object) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(ctx.engine, "connect", cap)
    ctx.engine.dispose()
    big = tuple(LineIn(f"S{i}", "x" * 2000, "coffee", 1, 100) for i in range(200))
    with pytest.raises(StorageError, match="disk is full"):
        ctx.checkout.sell(SaleRequest(big, card), actor=SYSTEM)
    event.remove(ctx.engine, "connect", cap)
    ctx.engine.dispose()
    assert ctx.verifier.verify().ok
    assert ctx.customers.customer(card).available == first.balance
    ctx.close()


def test_a_read_only_database_refuses_writes_clearly(tmp_path: Path) -> None:
    from app.core.demo import DEFAULT_PROGRAM

    ctx = bootstrap(tmp_path / "ro.sqlite3", create=True)
    ctx.store.init(DEFAULT_PROGRAM)
    ctx.close()
    # Root ignores file modes, so open the file read-only through SQLite itself.
    from sqlalchemy import create_engine

    from app.core.services.customers import CustomerService

    engine = create_engine(
        f"sqlite:///file:{tmp_path / 'ro.sqlite3'}?mode=ro&uri=true", connect_args={"check_same_thread": False}
    )
    with pytest.raises(StorageError, match="read-only"):
        CustomerService(engine).enroll("Анна", "+79160000001", actor=SYSTEM)
    engine.dispose()


def test_the_checkpointer_copies_the_wal_back_and_stops_cleanly(tmp_path: Path) -> None:
    import time

    from app.core.demo import DEFAULT_PROGRAM
    from app.core.pricing import LineIn

    ctx = bootstrap(tmp_path / "wal.sqlite3", create=True)
    ctx.store.init(DEFAULT_PROGRAM)
    ctx.checkpointer = db.Checkpointer(ctx.db_path, interval=0.05, min_bytes=1)
    ctx.checkpointer.start()
    card = ctx.customers.enroll("Анна", "+79160000001", actor=SYSTEM).card
    for _ in range(5):
        ctx.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 10000),), card), actor=SYSTEM)
    deadline = time.monotonic() + 30
    while ctx.checkpointer.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ctx.checkpointer.runs > 0
    ctx.close()  # joins the thread
    assert ctx.checkpointer is None
