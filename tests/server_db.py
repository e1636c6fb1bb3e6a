"""Server databases made once per session and copied per test: Alembic's upgrade to head costs ~0.3 s of CPU.

A test that wants a fresh server database at the newest schema gets a copy of a template the session
made once with the real `create_schema`: on SQLite the file is copied, on PostgreSQL the database is
created `TEMPLATE` the session's. The copy is what `create_schema` would have made (same revision, same
tables, same meta); the server still runs `create_schema` on it at start-up, which finds it at head.
Tests of the migrations themselves make their databases the long way.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.store import create_schema, make_engine
from tests.pg import PgServer


def _made(url: str) -> None:
    engine = make_engine(url)
    try:
        create_schema(engine)
    finally:
        engine.dispose()  # a PostgreSQL template must have no connection open when it is copied


@pytest.fixture(scope="session")
def sqlite_server_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite server database at the newest schema, made once for the session (copy it, never open it)."""
    path = tmp_path_factory.mktemp("server-template") / "server.sqlite3"
    _made(str(path))
    for extra in ("-wal", "-shm"):  # dispose checkpointed the log: the main file holds everything
        assert not Path(f"{path}{extra}").exists() or Path(f"{path}{extra}").stat().st_size == 0
    return path


@pytest.fixture(scope="session")
def pg_server_template(pg_server: PgServer) -> Iterator[str]:
    """The name of a PostgreSQL server database at the newest schema, made once for the session."""
    with pg_server.database() as url:
        _made(url)
        yield url.rsplit("/", 1)[1].split("?", 1)[0]


@contextlib.contextmanager
def fresh_server_database(request: pytest.FixtureRequest, kind: str, folder: Path) -> Iterator[str]:
    """A new server database of a kind ("sqlite": a file in folder; "postgresql": a URL), schema at head."""
    if kind == "sqlite":
        path = folder / "server.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_server_template"), path)
        yield str(path)
        return
    pg: PgServer = request.getfixturevalue("pg_server")
    with pg.database(template=request.getfixturevalue("pg_server_template")) as url:
        yield url
