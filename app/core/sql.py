"""Plain SQL for the hot paths: the sqlite3 cursor directly on a terminal, SQLAlchemy text() elsewhere.

A sale runs a dozen short statements. Through SQLAlchemy Core each costs ~0.1–0.25 ms of
Python; on the raw sqlite3 cursor ~0.01–0.02 ms. The statements stay portable (named
`:params`, standard SQL), so the PostgreSQL server runs the very same text through
SQLAlchemy, inside the same transaction either way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

Params = Mapping[str, Any]
# Values per IN list on SQLite: far below its bound on parameters (32,766; 999 before 3.32).
IN_CHUNK = 500


class Rec(dict[str, Any]):
    """A result row: by name (`row["id"]`) or as an attribute (`row.id`)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def raw(conn: Connection) -> sqlite3.Connection | None:
    """The sqlite3 connection under conn (same transaction), or None on another database."""
    if conn.dialect.name != "sqlite":
        return None
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def rows(conn: Connection, sql: str, params: Params | None = None) -> list[Rec]:
    """All rows of a query."""
    db = raw(conn)
    if db is not None:
        cur = db.execute(sql, params or {})
        names = [d[0] for d in cur.description]
        return [Rec(zip(names, r, strict=True)) for r in cur.fetchall()]
    return [Rec(r._mapping) for r in conn.execute(text(sql), dict(params or {}))]


def tuples(conn: Connection, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
    """All rows of a query as plain tuples, in the order of the select list (no per-column lookups)."""
    db = raw(conn)
    if db is not None:
        return db.execute(sql, params or {}).fetchall()
    return [tuple(r) for r in conn.execute(text(sql), dict(params or {}))]


def one(conn: Connection, sql: str, params: Params | None = None) -> Rec | None:
    """The first row of a query, or None."""
    db = raw(conn)
    if db is not None:
        cur = db.execute(sql, params or {})
        row = cur.fetchone()
        return None if row is None else Rec(zip([d[0] for d in cur.description], row, strict=True))
    found = conn.execute(text(sql), dict(params or {})).first()
    return None if found is None else Rec(found._mapping)


def scalar(conn: Connection, sql: str, params: Params | None = None) -> Any:
    """The first column of the first row, or None."""
    db = raw(conn)
    if db is not None:
        row = db.execute(sql, params or {}).fetchone()
        return None if row is None else row[0]
    return conn.execute(text(sql), dict(params or {})).scalar()


def run(conn: Connection, sql: str, params: Params | None = None) -> int:
    """Execute a statement; returns the number of rows it changed."""
    db = raw(conn)
    if db is not None:
        return db.execute(sql, params or {}).rowcount
    return conn.execute(text(sql), dict(params or {})).rowcount


def insert(conn: Connection, sql: str, params: Params) -> int:
    """Execute an INSERT into a table with an integer `id` key; returns the new id."""
    db = raw(conn)
    if db is not None:
        new_id = db.execute(sql, params).lastrowid
        assert new_id is not None
        return new_id
    return int(conn.execute(text(sql + " RETURNING id"), dict(params)).scalar_one())


def many(conn: Connection, sql: str, seq: Iterable[Params]) -> None:
    """Execute one statement for each parameter set."""
    items = list(seq)
    if not items:
        return
    db = raw(conn)
    if db is not None:
        db.executemany(sql, items)
    else:
        conn.execute(text(sql), [dict(p) for p in items])


def _in_lists(
    conn: Connection, template: str, values: Sequence[Any], params: Params | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The statements of a query whose `{in}` stands for `IN (values)`, and their parameters."""
    if conn.dialect.name != "sqlite":
        # One array parameter: a single statement however many values, so its ORDER BY ... FOR UPDATE
        # takes every row lock in one order (chunks would lock chunk by chunk, and could deadlock).
        yield template.replace("{in}", "= ANY(:in_values)"), {**(params or {}), "in_values": list(values)}
        return
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        names = [f"in_{i}" for i in range(len(chunk))]
        marks = ", ".join(":" + n for n in names)
        yield template.replace("{in}", f"IN ({marks})"), {**(params or {}), **dict(zip(names, chunk, strict=True))}


def rows_in(conn: Connection, template: str, values: Sequence[Any], params: Params | None = None) -> list[Rec]:
    """All rows of a query whose `{in}` stands for `IN (values)` (no rows for no values)."""
    found: list[Rec] = []
    if values:
        for sql, bound in _in_lists(conn, template, values, params):
            found += rows(conn, sql, bound)
    return found


def tuples_in(
    conn: Connection, template: str, values: Sequence[Any], params: Params | None = None
) -> list[tuple[Any, ...]]:
    """Like rows_in, as plain tuples in the order of the select list."""
    found: list[tuple[Any, ...]] = []
    if values:
        for sql, bound in _in_lists(conn, template, values, params):
            found += tuples(conn, sql, bound)
    return found


def for_update(conn: Connection) -> str:
    """Row locking suffix: PostgreSQL serialises writers of one customer; SQLite has one writer anyway."""
    return "" if conn.dialect.name == "sqlite" else " FOR UPDATE"
