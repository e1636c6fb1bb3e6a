"""Server database fixtures of the integration tier: a fresh server database of each kind, schema created."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from server.store import create_schema, make_engine
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, which pg_engine needs)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """A fresh server database of each kind, schema created."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = str(tmp_path / "server.sqlite3")
        else:
            url = stack.enter_context(request.getfixturevalue("pg_server").database())
        server = make_engine(url)
        create_schema(server)
        yield server
        server.dispose()


@pytest.fixture
def pg_engine(pg_server: Any) -> Iterator[Engine]:  # noqa: F811
    """A fresh PostgreSQL server database, schema created."""
    with pg_server.database() as url:
        server = make_engine(url)
        create_schema(server)
        yield server
        server.dispose()
