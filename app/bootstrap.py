"""The composition root: one place wires the database, the services and (later) devices."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from app.core import db
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import StorageError
from app.core.events import EventBus
from app.core.refusals import os_params
from app.core.services import LoyaltyService


def default_data_dir() -> Path:
    """The terminal's data folder: $LOYALTY_HOME, else the OS user-data folder."""
    env = os.environ.get("LOYALTY_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("loyalty-terminal", appauthor=False))


def default_db_path() -> Path:
    """The terminal database inside the data folder."""
    return default_data_dir() / "terminal.sqlite3"


@dataclass
class Context:
    """Everything a front end needs, built once."""

    db_path: Path
    engine: Engine
    loyalty: LoyaltyService
    bus: EventBus
    checkpointer: db.Checkpointer | None = None
    clock: Clock = SYSTEM_CLOCK  # every service built on this context reads the time here

    def start_background(self) -> None:
        """Start the WAL checkpointer of a long-running process (the till, the server)."""
        if self.checkpointer is None:
            self.checkpointer = db.Checkpointer(self.db_path)
            self.checkpointer.start()

    def close(self) -> None:
        """Stop background work and release database connections."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer.join(5)
            self.checkpointer = None
        self.engine.dispose()


def bootstrap(db_path: Path | None = None, *, create: bool = False, clock: Clock = SYSTEM_CLOCK) -> Context:
    """Open (or, with create, make) the terminal database and wire the services on it (on clock's time)."""
    path = Path(db_path) if db_path is not None else default_db_path()
    if not create:
        if not path.exists():
            raise StorageError("no_database", path=str(path))
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise StorageError("not_terminal_db", path=str(path))
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError("data_folder", path=str(path.parent), **os_params(exc)) from None
    engine = db.make_engine(path)
    service = LoyaltyService(engine, path, clock)
    if not create and db.schema_version(engine) < db.SCHEMA_VERSION:
        if db.schema_version(engine) == 0:
            raise StorageError("db_not_initialised", path=str(path))
        db.migrate(engine, path)
    return Context(path, engine, service, EventBus(), clock=clock)
