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
from app.core.errors import StorageError
from app.core.services import SaleRequest
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


def test_schema_v1_file_upgrades_with_a_backup_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURES / "schema-v1.sqlite3", path)
    ctx = bootstrap(path)  # opening an old file upgrades it
    assert db.schema_version(ctx.engine) == db.SCHEMA_VERSION
    backups = list((tmp_path / "backups").glob("old-v1-*.sqlite3"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("PRAGMA user_version").fetchone()[0] == 1
    info = ctx.loyalty.customer("+79160000001")
    assert info.name == "Анна" and info.tier_spend == 30000
    sale = ctx.loyalty.sell(SaleRequest((ctx.loyalty.resolve_line("X", 1, 100, "coffee"),), info.card))
    assert sale.committed
    assert ctx.loyalty.verify().ok
    ctx.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        ctx = bootstrap(path, create=True)
        ctx.loyalty.init()


def test_a_damaged_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError, match="not a terminal database"):
        bootstrap(path)


def test_a_missing_file_is_not_created_by_accident(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="init"):
        bootstrap(tmp_path / "nope.sqlite3")
    assert not (tmp_path / "nope.sqlite3").exists()
