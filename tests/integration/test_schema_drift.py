"""Every released schema upgrades from a real old file, and the upgraded file is shaped like a new one.

The shape is read from the file itself (sqlite_master and the PRAGMAs), not from app.core.schema: tables,
columns (name, declared type, nullability, default, primary key), foreign keys, indexes (name, columns,
uniqueness, partial WHERE) and triggers.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import bootstrap
from app.core import db
from app.core.clock import FixedClock
from tests.conftest import FIXTURES

# Files made by schema v1 and v2 declare 64-bit times INTEGER where later files say BIGINT. Both mean the
# same storage in SQLite (INTEGER affinity), and changing a declared type means rebuilding the table, so
# this one difference is read as none. Any other difference of type is drift.
_SAME_TYPE = {"BIGINT": "INTEGER"}


def _stored_default(declared: str, default: str | None) -> tuple[str, str] | None:
    """The value SQLite stores for a column's default: DEFAULT '0' and DEFAULT 0 on an integer column are one."""
    if default is None:
        return None
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(f"CREATE TABLE p (v {declared} DEFAULT {default})")
        probe.execute("INSERT INTO p DEFAULT VALUES")
        kind, value = probe.execute("SELECT typeof(v), quote(v) FROM p").fetchone()
        return str(kind), str(value)
    finally:
        probe.close()


def _where(sql: str | None) -> str | None:
    if sql is None or " WHERE " not in sql.upper():
        return None
    return " ".join(re.split(r"\sWHERE\s", sql, maxsplit=1, flags=re.IGNORECASE)[1].split())


def shape(path: Path) -> dict[str, Any]:
    """What a database file holds, as comparable plain values."""
    conn = sqlite3.connect(path)
    try:
        tables: dict[str, Any] = {}
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in names:
            columns = [
                (name, _SAME_TYPE.get(kind.upper(), kind.upper()), bool(notnull), _stored_default(kind, dflt), pk)
                for _cid, name, kind, notnull, dflt, pk in conn.execute(f"PRAGMA table_info({table})")
            ]
            foreign = sorted((row[2], row[3], row[4]) for row in conn.execute(f"PRAGMA foreign_key_list({table})"))
            indexes = {}
            for _seq, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
                keys = tuple(
                    (row[2], row[3], row[4])  # column, descending, collation
                    for row in conn.execute(f"PRAGMA index_xinfo({name})")
                    if row[5]  # key columns only, not the rowid every index carries
                )
                sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
                # SQLite names the indexes of UNIQUE and PRIMARY KEY constraints by their order; their columns say more.
                key = name if origin == "c" else f"{origin}:{','.join(k[0] for k in keys)}"
                indexes[key] = (keys, bool(unique), bool(partial), _where(sql[0] if sql else None))
            tables[table] = {"columns": columns, "foreign_keys": foreign, "indexes": indexes}
        triggers = {
            name: (table, " ".join(sql.split()))
            for name, table, sql in conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
        return {"tables": tables, "triggers": triggers}
    finally:
        conn.close()


def _fresh(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "fresh.sqlite3"
    ctx = bootstrap(path, create=True)
    ctx.store.init()
    ctx.close()
    return shape(path)


def _fixture_versions() -> list[int]:
    return sorted(int(p.stem.removeprefix("schema-v")) for p in FIXTURES.glob("schema-v*.sqlite3"))


def test_every_released_schema_has_a_fixture_file() -> None:
    assert _fixture_versions() == list(range(1, db.SCHEMA_VERSION + 1))


@pytest.mark.parametrize("version", _fixture_versions())
def test_an_old_file_upgrades_to_the_shape_of_a_new_one(tmp_path: Path, version: int, frozen_clock: FixedClock) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURES / f"schema-v{version}.sqlite3", path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == version
    ctx = bootstrap(path, clock=frozen_clock)  # opening an old file upgrades it; tests keep off today's date
    assert db.schema_version(ctx.engine) == db.SCHEMA_VERSION
    backups = list((tmp_path / "backups").glob(f"old-v{version}-*.sqlite3"))
    assert len(backups) == (1 if version < db.SCHEMA_VERSION else 0)
    # Its data is still there and the ledger balances.
    assert ctx.customers.customer("+79160000001").name == "Анна"
    assert ctx.verifier.verify().ok
    ctx.close()
    assert shape(path) == _fresh(tmp_path)


def test_the_steps_from_an_empty_file_give_the_shape_of_a_new_one(tmp_path: Path) -> None:
    path = tmp_path / "laddered.sqlite3"
    engine = db.make_engine(path)
    for version, step in enumerate(db.MIGRATIONS):
        with db.transaction(engine) as conn:
            step(conn)
            conn.exec_driver_sql(f"PRAGMA user_version = {version + 1}")
    engine.dispose()
    assert shape(path) == _fresh(tmp_path)


def test_the_drift_check_sees_a_column_the_steps_do_not_add(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURES / f"schema-v{db.SCHEMA_VERSION}.sqlite3", path)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE sales ADD COLUMN note TEXT")
    drifted = shape(path)["tables"]["sales"]["columns"]
    assert drifted != _fresh(tmp_path)["tables"]["sales"]["columns"]
    assert drifted[-1] == ("note", "TEXT", False, None, 0)


def test_a_step_that_fails_leaves_the_file_at_its_old_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v3.sqlite3"
    shutil.copy(FIXTURES / "schema-v3.sqlite3", path)
    before = shape(path)

    def fails_halfway(conn: Any) -> None:
        conn.exec_driver_sql("CREATE INDEX ix_lots_open_expiry ON lots (expires_at, available_at, remaining)")
        raise RuntimeError("power cut in the middle of a step")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS[:3], fails_halfway])
    with pytest.raises(RuntimeError):
        bootstrap(path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3
    assert shape(path) == before
