"""The server's database: PostgreSQL in production, SQLite embedded; one transaction helper for both."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, update
from sqlalchemy.exc import DBAPIError, OperationalError

from app.core import db as terminal_db
from app.core import repo
from app.core.errors import StorageError
from app.core.refusals import os_params
from server import migrations
from server import schema as s

# The number kept in meta under "server_schema": the hand-written ladder's (1, 2) before Alembic took over;
# Alembic's revisions (server/migrations) keep it at 3 and on, so a server from before refuses the database
# instead of running on a schema it does not know.
SERVER_SCHEMA = 3
_LAST_HAND_SCHEMA = 2


def _sqlite_file(path: Path) -> Engine:
    """The embedded store's engine; its folder is made (owner only) when missing, as on a fresh home."""
    if not path.parent.is_dir():
        try:
            # 0700: the file holds customers' phones and the admins' password hashes.
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError("server_data_folder", path=str(path.parent), **os_params(exc)) from None
    return terminal_db.make_engine(path)


# The most PostgreSQL connections one server process opens at once (LOYALTY_SERVER_POOL; `serve --workers N`
# gives each worker its share of LOYALTY_SERVER_DB_CONNECTIONS), a third of them kept open between requests.
POOL_ENV = "LOYALTY_SERVER_POOL"
DEFAULT_POOL = 30


def make_engine(url: str, connections: int | None = None) -> Engine:
    """An engine for a database URL or a SQLite file path (whose folder is created when missing)."""
    if "://" not in url:
        return _sqlite_file(Path(url))
    if url.startswith("sqlite"):
        return _sqlite_file(Path(url.split("///", 1)[1]))
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    most = max(1, connections or int(os.environ.get(POOL_ENV) or DEFAULT_POOL))
    kept = max(1, most // 3)
    return create_engine(url, pool_size=kept, max_overflow=most - kept, pool_pre_ping=True)


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
    """Create the server database, or bring it to this server's newest migration (Alembic, server/migrations);
    once even when servers start together; a database a newer server upgraded is refused, unchanged."""
    try:
        with transaction(engine) as conn:
            if not is_sqlite(engine):
                # Server processes starting together (uvicorn workers) take turns: the second one
                # finds the schema made and upgraded. SQLite's writer lock does this by itself.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
            _refuse_newer(conn)
            migrations.upgrade(conn)
            if is_sqlite(engine):
                conn.exec_driver_sql(f"PRAGMA user_version = {terminal_db.SCHEMA_VERSION}")
    except DBAPIError as exc:
        raise StorageError("server_db", detail=str(exc.orig)) from exc


_SCHEMA_LOCK = 7_420_001  # the advisory lock key of create_schema on PostgreSQL


def _refuse_newer(conn: Connection) -> None:
    revision = migrations.current(conn)
    if revision is None:
        # New, or made by the hand-written ladder (no number: schema 1); revision 0001 adopts those.
        version = int(repo.get_meta(conn, "server_schema") or 1) if inspect(conn).has_table("meta") else 0
        if version > _LAST_HAND_SCHEMA:
            raise StorageError(
                f"the database has server schema {version}, newer than this server ({SERVER_SCHEMA}): update it"
            )
    elif not migrations.known(revision):
        raise StorageError(
            f"the database is at server migration {revision}, newer than this server ({migrations.head()}): update it"
        )


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
