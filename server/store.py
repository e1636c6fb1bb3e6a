"""The server's database: PostgreSQL in production, SQLite embedded; one transaction helper for both."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from app.core import db as terminal_db
from app.core import repo
from app.core import schema as core_schema
from app.core.errors import StorageError
from app.core.refusals import os_params
from server import schema as s

# The server's own schema version, kept in meta under "server_schema" (a database made before the
# number was kept is at 1); each step of _UPGRADES runs once, at the start of the first server that
# finds the database older.
SERVER_SCHEMA = 2


def _sqlite_file(path: Path) -> Engine:
    """The embedded store's engine; its folder is made (owner only) when missing, as on a fresh home."""
    if not path.parent.is_dir():
        try:
            # 0700: the file holds customers' phones and the admins' password hashes.
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError("server_data_folder", path=str(path.parent), **os_params(exc)) from None
    return terminal_db.make_engine(path)


def make_engine(url: str) -> Engine:
    """An engine for a database URL or a SQLite file path (whose folder is created when missing)."""
    if "://" not in url:
        return _sqlite_file(Path(url))
    if url.startswith("sqlite"):
        return _sqlite_file(Path(url.split("///", 1)[1]))
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite store."""
    return engine.dialect.name == "sqlite"


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One database transaction; SQLite gets the terminal's single-writer discipline."""
    if is_sqlite(engine):
        with terminal_db.transaction(engine) as conn:
            yield conn
        return
    with engine.begin() as conn:
        yield conn


def retrying(attempts: int = 5) -> Iterator[int]:
    """Attempt numbers for a transaction that may lose a deadlock or serialization race."""
    for attempt in range(attempts):
        yield attempt
        time.sleep(0.01 * (2**attempt))


def is_retryable(exc: Exception) -> bool:
    """A deadlock, a serialization failure or a lost insert race: the whole transaction can simply run again.

    23505 (unique violation) is the race of two terminals pushing the same new phone at once: each
    looked, saw none (the other had not committed), and the second insert fails. Run again, the
    transaction sees the committed customer and merges. A unique violation that is not a race fails
    the same way every attempt and is raised after the last one."""
    if isinstance(exc, OperationalError | DBAPIError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return code in {"40001", "40P01", "23505"}
    return False


def create_schema(engine: Engine) -> None:
    """Create the ledger and server tables if they are missing and bring the schema up to SERVER_SCHEMA (idempotent)."""
    try:
        with transaction(engine) as conn:
            if not is_sqlite(engine):
                # Server processes starting together (uvicorn workers) take turns: the second one
                # finds the schema made and upgraded. SQLite's writer lock does this by itself.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
            core_schema.metadata.create_all(conn)
            s.metadata.create_all(conn)
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_customers_change_seq ON customers (change_seq)")
            # The reports' indexes (terminal schema v4) on a server database made before them.
            conn.exec_driver_sql(
                "CREATE INDEX IF NOT EXISTS ix_lots_open_expiry ON lots (expires_at, available_at, remaining) "
                "WHERE remaining > 0"
            )
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_journal_at ON journal (at, kind, points)")
            for name in ("change", "card_block", "catalog"):
                if conn.execute(select(s.counters.c.value).where(s.counters.c.name == name)).first() is None:
                    conn.execute(insert(s.counters).values(name=name, value=0))
            version = int(repo.get_meta(conn, "server_schema") or 1)
            if version > SERVER_SCHEMA:
                raise StorageError(
                    f"the database has server schema {version}, newer than this server ({SERVER_SCHEMA}): update it"
                )
            for step in range(version, SERVER_SCHEMA):
                _UPGRADES[step - 1](conn)
            if version != SERVER_SCHEMA:
                repo.set_meta(conn, "server_schema", str(SERVER_SCHEMA))
            if is_sqlite(engine):
                conn.exec_driver_sql(f"PRAGMA user_version = {terminal_db.SCHEMA_VERSION}")
    except DBAPIError as exc:
        raise StorageError("server_db", detail=str(exc.orig)) from exc


_SCHEMA_LOCK = 7_420_001  # the advisory lock key of create_schema on PostgreSQL


def _v2(conn: Connection) -> None:
    """The store and terminal on the ledger rows pushes book (server.schema.PLACED_TABLES), filled for the rows
    already there from txn_outcomes."""
    for table in s.PLACED_TABLES:
        have = {c["name"] for c in inspect(conn).get_columns(table)}
        for column in s.PLACE_COLUMNS:
            if column not in have:
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER")
    fill_places(conn)


# _UPGRADES[i] takes the server schema from i + 1 to i + 2, inside create_schema's transaction.
_UPGRADES: list[Callable[[Connection], None]] = [_v2]


def fill_places(conn: Connection) -> dict[str, int]:
    """Set the store and terminal of every ledger row whose transaction a terminal pushed, from txn_outcomes;
    the rows set per table. What booking writes on new rows, for rows booked before schema 2 (and for
    benchmarks that load a chain in bulk)."""
    keys = {"customers": "uid", "sales": "uid", "refunds": "uid", "journal": "txn_uid"}
    done = {}
    for table in s.PLACED_TABLES:
        done[table] = conn.exec_driver_sql(
            f"UPDATE {table} SET store_id = tm.store_id, terminal_id = tm.id"
            f" FROM txn_outcomes o JOIN terminals tm ON tm.id = o.terminal_id WHERE o.uid = {table}.{keys[table]}"
        ).rowcount
    return done


def next_counter(conn: Connection, name: str, step: int = 1) -> int:
    """Advance a counter; the row lock is held to commit, so numbers follow commit order."""
    row = conn.execute(
        update(s.counters)
        .where(s.counters.c.name == name)
        .values(value=s.counters.c.value + step)
        .returning(s.counters.c.value)
    ).scalar_one()
    return int(row)
