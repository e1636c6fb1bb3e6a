"""SQLite discipline in one place: WAL, synchronous=FULL, foreign keys, busy timeout,
one writer with BEGIN IMMEDIATE, and a numbered, backed-up migration ladder."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import StaticPool

from app.core import migrations, private, schema
from app.core.errors import StorageError

SCHEMA_VERSION = len(migrations.STEPS)
_writer_locks: dict[str, threading.Lock] = {}
_waiting: dict[str, int] = {}  # threads blocked on a writer lock, per database (guarded by _waiting_lock)
_waiting_lock = threading.Lock()
# When the till last used each database (time.monotonic()): one key's assignment is atomic, no lock needed.
_activity: dict[str, float] = {}
# How long a statement waits for another program's lock before the till says the store is locked (seconds).
# Read at each use, so the tests of a store held locked can wait less for the same refusal.
LOCK_WAIT_S = 10.0


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # Python's sqlite3 would otherwise open transactions itself; we issue BEGIN ourselves.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {round(LOCK_WAIT_S * 1000)}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    # FULL: a sale acknowledged on screen survives power loss (sync.md promise 1).
    cur.execute("PRAGMA synchronous = FULL")
    # Checkpoints belong to the background checkpointer (long-lived processes); this only bounds
    # the WAL of a process that has none, so a sale rarely pays for copying the WAL back.
    cur.execute("PRAGMA wal_autocheckpoint = 8000")
    cur.close()


def _on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: str | Path) -> Engine:
    """An engine for one terminal database file (":memory:" for throwaway tests)."""
    memory = str(path) == ":memory:"
    engine = create_engine(
        "sqlite://" if memory else f"sqlite:///{Path(path)}",
        # One shared connection for an in-memory store; a small pool for a file, because
        # opening a connection re-runs the pragmas and that would tax every transaction.
        poolclass=StaticPool if memory else None,
        connect_args={"check_same_thread": False, "timeout": LOCK_WAIT_S},
    )
    if not memory:
        # Before the pragmas: SQLite gives the -wal and -shm it creates next the database file's mode.
        event.listen(engine, "connect", lambda _conn, _record: private.private_file(Path(path)))
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def writer_lock(engine: Engine) -> threading.Lock:
    """The one-writer lock of this database inside this process."""
    return _writer_locks.setdefault(str(engine.url), threading.Lock())


def seconds_since_activity(engine: Engine) -> float | None:
    """How long since this process last used the database for the till's own work (None: not yet).

    Every transaction counts but those made with background=True (the sync), so a cashier's card
    lookup or basket quote marks the till busy seconds before the sale it leads to is committed.
    """
    last = _activity.get(str(engine.url))
    return None if last is None else time.monotonic() - last


def writers_waiting(engine: Engine) -> int:
    """How many threads of this process wait to write to this database (a long job lets them go first)."""
    return _waiting.get(str(engine.url), 0)


def _acquire(lock: threading.Lock, key: str) -> None:
    if lock.acquire(blocking=False):
        return
    with _waiting_lock:
        _waiting[key] = _waiting.get(key, 0) + 1
    try:
        lock.acquire()
    finally:
        with _waiting_lock:
            _waiting[key] -= 1


@contextmanager
def transaction(
    engine: Engine, write: bool = True, durable: bool = True, background: bool = False
) -> Iterator[Connection]:
    """One short transaction: BEGIN IMMEDIATE for writers, deferred for readers; rolls back on error.

    durable=False is for writes that can simply be made again, such as a pulled page whose cursor has
    not moved yet: the commit skips its fsync (~3 ms here). In WAL mode the next durable commit, a
    sale's or the cursor's, syncs the log with every commit before it, and a power loss before that
    drops only a tail of such commits, never part of one. background=True is for work that waits for
    the till (the sync): it does not count as the till being used (seconds_since_activity)."""
    if not background:
        _activity[str(engine.url)] = time.monotonic()
    lock = writer_lock(engine) if write else None
    if lock is not None:
        _acquire(lock, str(engine.url))
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection if not durable and engine.dialect.name == "sqlite" else None
            if raw is not None:
                # Only outside a transaction may the level change; set back before the pool hands it on.
                raw.execute("PRAGMA synchronous = NORMAL")
            try:
                conn = conn.execution_options(begin="IMMEDIATE" if write else "DEFERRED")
                with conn.begin():
                    yield conn
            finally:
                if raw is not None:
                    try:
                        raw.execute("PRAGMA synchronous = FULL")
                    except sqlite3.Error:
                        conn.invalidate()  # never hand a sale a connection that would skip its fsync
                        raise
    except (OperationalError, sqlite3.OperationalError) as exc:
        code, params = _storage_reason(exc, _engine_path(engine))
        raise StorageError(code, **params) from exc
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
            raise
        raise _database_error(exc, engine) from exc
    finally:
        if lock is not None:
            lock.release()


# SQLite's primary result codes (the low byte of an extended code such as SQLITE_IOERR_WRITE).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_FULL = 5, 6, 10, 13
# Below this much free space an I/O error writing the database is read as the disk being full:
# SQLite reports a full disk as SQLITE_FULL only for the main file, as a plain I/O error for the -wal/-shm.
_LOW_DISK_BYTES = 1_000_000


def sqlite_condition(exc: BaseException, path: Path | None) -> str | None:
    """ "db_busy" or "disk_full" when what stopped SQLite is a lock held by another program or a full disk
    (conditions that pass, not damage in the file), else None."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(orig)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return "db_busy"
    if primary == _SQLITE_FULL or "disk is full" in text:
        return "disk_full"
    if (primary == _SQLITE_IOERR or "disk I/O error" in text) and path is not None:
        try:
            if shutil.disk_usage(path.parent).free < _LOW_DISK_BYTES:
                return "disk_full"
        except OSError:
            return None
    return None


def _engine_path(engine: Engine) -> Path | None:
    name = engine.url.database
    return Path(name) if name and name != ":memory:" else None


def _storage_reason(exc: Exception, path: Path | None = None) -> tuple[str, dict[str, str]]:
    text = str(getattr(exc, "orig", exc))
    condition = sqlite_condition(exc, path)
    if condition is not None:
        return condition, {}
    if "full" in text:
        return "disk_full", {}
    if "readonly" in text or "read-only" in text:
        return "db_read_only", {}
    if "locked" in text or "busy" in text:
        return "db_busy", {}
    return "db_error", {"detail": text}


Step = Callable[[Connection], None]


def _step(statements: tuple[str, ...], after: Step | None = None) -> Step:
    def run(conn: Connection) -> None:
        for statement in statements:
            conn.exec_driver_sql(statement)
        if after is not None:
            after(conn)

    return run


# Each step takes the schema from version i to i+1 inside one transaction. A new file is created directly
# at the latest schema (app.core.schema); the steps, frozen SQL (app.core.migrations), upgrade files made by
# older releases, so a column added to the live tables later never changes what an old step does.
MIGRATIONS: list[Callable[[Connection], None]] = [
    _step(statements, migrations.AFTER.get(i)) for i, statements in enumerate(migrations.STEPS)
]


def _database_error(exc: BaseException, engine: Engine) -> StorageError:
    """A file SQLite could not use: a lock or a full disk said as such, never called damage."""
    condition = sqlite_condition(exc, _engine_path(engine))
    if condition is not None:
        return StorageError(condition)
    return StorageError("db_damaged", detail=str(getattr(exc, "orig", None) or exc))


def schema_version(engine: Engine) -> int:
    """The schema version stored in the file (0 for a new file)."""
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    except DatabaseError as exc:
        raise _database_error(exc, engine) from exc


def backup(engine: Engine, target: Path) -> Path:
    """Copy the live database to target with SQLite's online backup (consistent under writes)."""
    private.private_folder(target.parent)
    raw: Any = engine.raw_connection()
    try:
        dst = sqlite3.connect(str(target))
        try:
            private.private_file(target)
            raw.driver_connection.backup(dst)
        finally:
            dst.close()
    finally:
        raw.close()
    return target


def migrate(engine: Engine, db_path: Path | None) -> int:
    """Bring the file to SCHEMA_VERSION; an existing file is backed up before the first step."""
    current = schema_version(engine)
    if current > SCHEMA_VERSION:
        raise StorageError("db_newer", found=current, supported=SCHEMA_VERSION)
    if current == SCHEMA_VERSION:
        return current
    if current > 0 and db_path is not None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup(engine, db_path.parent / "backups" / f"{db_path.stem}-v{current}-{stamp}.sqlite3")
    if current == 0:
        with transaction(engine) as conn:
            schema.metadata.create_all(conn)
            conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return SCHEMA_VERSION
    for version in range(current, SCHEMA_VERSION):
        with transaction(engine) as conn:
            MIGRATIONS[version](conn)
            # user_version is transactional in SQLite: a failed step leaves the old number.
            conn.exec_driver_sql(f"PRAGMA user_version = {version + 1}")
    return SCHEMA_VERSION


class Checkpointer(threading.Thread):
    """Copies the WAL back into the database file between sales (PASSIVE: never blocks a writer).

    Without it SQLite checkpoints inside whichever commit crosses the threshold, and that sale
    waits for the copy.
    """

    def __init__(self, path: Path, interval: float = 1.0, min_bytes: int = 1_000_000) -> None:
        super().__init__(name="wal-checkpointer", daemon=True)
        self.path = path
        self.interval = interval
        self.min_bytes = min_bytes
        self._halt = threading.Event()
        self.runs = 0

    def run(self) -> None:
        """Check the WAL size every interval; checkpoint when it has grown."""
        wal = Path(str(self.path) + "-wal")
        conn: sqlite3.Connection | None = None
        try:
            while not self._halt.wait(self.interval):
                try:
                    if not wal.exists() or wal.stat().st_size < self.min_bytes:
                        continue
                    if conn is None:
                        conn = sqlite3.connect(str(self.path), timeout=0.1, isolation_level=None)
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.runs += 1
                except (OSError, sqlite3.Error):
                    continue  # busy or gone: try again at the next tick
        finally:
            if conn is not None:
                conn.close()

    def stop(self) -> None:
        """Stop after the current check."""
        self._halt.set()
