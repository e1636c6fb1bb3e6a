"""Server database fixtures of the integration tier: a fresh server database of each kind, schema created."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from server.store import make_engine
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, which pg_engine needs)
from tests.server_db import fresh_server_database, pg_server_template, sqlite_server_template  # noqa: F401


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """A fresh server database of each kind, schema created (a copy of the session's: tests/server_db.py)."""
    with fresh_server_database(request, request.param, tmp_path) as url:
        server = make_engine(url)
        yield server
        server.dispose()


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """A fresh PostgreSQL server database, schema created (a copy of the session's)."""
    with fresh_server_database(request, "postgresql", tmp_path) as url:
        server = make_engine(url)
        yield server
        server.dispose()
