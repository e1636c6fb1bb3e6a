"""The server database's migrations (Alembic): one revision per change, frozen once released.

`upgrade` brings a database to the newest revision inside the caller's transaction, so the caller's lock
(PostgreSQL's advisory lock, SQLite's writer lock) makes servers that start together upgrade it once.
How to add a revision: docs/migrations.md.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

HERE = Path(__file__).parent


def config(conn: Connection | None = None) -> Config:
    """Alembic's configuration for this folder; env.py runs the revisions on conn when one is given."""
    # No alembic.ini at run time (it is for the `alembic` command, and an installed package need not carry it).
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@functools.cache
def _scripts() -> ScriptDirectory:
    """The revision files, read once per process (they do not change while a server runs)."""
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this server knows."""
    revision = _scripts().get_current_head()
    assert revision is not None  # the folder always holds the baseline revision
    return revision


def known(revision: str) -> bool:
    """True when this server's revisions include revision (a database a newer server upgraded does not)."""
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises its own errors, of several kinds, for an unknown revision
        return False


def current(conn: Connection) -> str | None:
    """The revision the database is at (None: not under Alembic yet, new or made by the hand-written ladder)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> None:
    """Run every revision the database lacks, inside conn's transaction."""
    if current(conn) == head():
        return  # nothing to run; Alembic's own upgrade would read every revision file again to find that out
    command.upgrade(config(conn), "head")
