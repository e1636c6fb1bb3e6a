"""The unit tier: no database and no Qt. A test here that opens one or loads the other fails.

Three guards, so that a test which needs a database is moved to tests/integration (or tests/ui)
rather than slowing the tier down quietly:

- at collection, a unit test that asks for a fixture of a database, a server or Qt is an error;
- while a unit test runs, opening SQLite or PostgreSQL raises (directly or through SQLAlchemy);
- tests/unit/test_tiers.py reads every module here: none imports a database layer or Qt, and
  importing them all in a fresh interpreter loads no Qt. (Nothing can refuse Qt at run time:
  pytest-qt has loaded PySide6 before the first test.)
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
# Fixtures that bring a database, a server or a window with them.
FORBIDDEN_FIXTURES = frozenset(
    {"ctx", "pg_server", "pg_url", "store_cache", "qapp", "qtbot", "db_worker", "server_factory"}
)


def _in_unit(item: pytest.Item) -> bool:
    return HERE in item.path.resolve().parents


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A unit test that asks for a database, server or Qt fixture is a collection error."""
    wrong = [
        f"{item.nodeid} uses {sorted(FORBIDDEN_FIXTURES & set(getattr(item, 'fixturenames', ())))}"
        for item in items
        if _in_unit(item) and FORBIDDEN_FIXTURES & set(getattr(item, "fixturenames", ()))
    ]
    if wrong:
        raise pytest.UsageError("unit tests may not use database, server or Qt fixtures: " + "; ".join(wrong))


def _refuse_database(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a unit test opened a database: move it to tests/integration")


@pytest.fixture(autouse=True)
def _no_database_no_qt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """While a unit test runs, SQLite and PostgreSQL cannot be opened."""
    if not _in_unit(request.node):
        yield
        return
    # SQLAlchemy's SQLite dialect calls sqlite3.dbapi2.connect; both names are the same function.
    monkeypatch.setattr(sqlite3, "connect", _refuse_database)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", _refuse_database)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        monkeypatch.setattr(psycopg, "connect", _refuse_database)
        monkeypatch.setattr(psycopg.Connection, "connect", _refuse_database)
    yield
