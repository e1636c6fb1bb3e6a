"""Plain SQL for the hot paths: the sqlite3 cursor directly on a terminal, SQLAlchemy text() elsewhere.

A sale runs a dozen short statements. Through SQLAlchemy Core each costs ~0.1–0.25 ms of
Python; on the raw sqlite3 cursor ~0.01–0.02 ms. The statements stay portable (named
`:params`, standard SQL), so the PostgreSQL server runs the very same text through
SQLAlchemy, inside the same transaction either way.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ClauseElement

from app.core import schema

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.sql.compiler import SQLCompiler

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
    return [Rec(r._mapping) for r in conn.exec_driver_sql(_pyformat(sql), dict(params or {}))]


def tuples(conn: Connection, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
    """All rows of a query as plain tuples, in the order of the select list (no per-column lookups)."""
    db = raw(conn)
    if db is not None:
        return db.execute(sql, params or {}).fetchall()
    statement = _pyformat(sql)
    # The driver's own rows (tuples already): a pushed batch reads thousands of lots, and SQLAlchemy's
    # row-by-row fetch cost more than reading them.
    with _driver_errors(statement), _driver(conn).cursor() as cur:
        return cur.execute(statement, dict(params or {})).fetchall()


def prepared(conn: Connection, statement: ClauseElement) -> Callable[[Params], list[tuple[Any, ...]]]:
    """A SQLAlchemy Core query compiled once, as a function that runs it on the driver with the given
    parameters and returns the driver's own tuples.

    For a query run hundreds of times, such as a report's sums day by day: SQLAlchemy spends ~0.15 ms
    on each execution of a statement it has cached, and makes a Row of every tuple."""
    compiled = cast("SQLCompiler", statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True}))
    text_sql = str(compiled)
    defaults = dict(compiled.params)  # parameters given later are bindparam(..., required=False)
    db = raw(conn)
    if db is not None:
        names = list(compiled.positiontup or ())

        def run_sqlite(params: Params) -> list[tuple[Any, ...]]:
            merged = {**defaults, **params}
            return db.execute(text_sql, [merged[n] for n in names]).fetchall()

        return run_sqlite

    def run(params: Params) -> list[tuple[Any, ...]]:
        with _driver_errors(text_sql), _driver(conn).cursor() as cur:
            return cur.execute(text_sql, {**defaults, **params}).fetchall()

    return run


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
        # Straight to the driver (psycopg pipelines an executemany): text() would compile and copy every
        # parameter set in Python first, which cost more than the database's work for a pushed batch.
        conn.exec_driver_sql(_pyformat(sql), [dict(p) for p in items])


def insert_rows(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    same: Mapping[str, Any] | None = None,
) -> None:
    """Insert rows, each a mapping that holds every column: COPY on PostgreSQL, one executemany on SQLite.
    `same` gives more columns with one value for every row.

    COPY streams all the rows as one statement. An executemany, even pipelined, costs the driver and the
    server a statement per row: for a pushed batch of 500 sales (4,500 rows) that was most of its time."""
    tail = list((same or {}).values())
    values = [[row[c] for c in columns] + tail for row in rows]
    if not values:
        return
    columns = [*columns, *(same or {})]
    names = ", ".join(columns)
    db = raw(conn)
    if db is not None:
        db.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", values)
        return
    statement = f"COPY {table} ({names}) FROM STDIN"
    with _driver_errors(statement), _driver(conn).cursor() as cur, cur.copy(statement) as copy:
        for value in values:
            copy.write_row(value)


def update_rows(
    conn: Connection, table: str, key: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> None:
    """Set columns of many rows of a ledger table, each found by a unique key: one UPDATE on PostgreSQL.

    The new values travel as one array per column (`UPDATE ... FROM unnest(...)`), not a statement per row.
    A key must not repeat: PostgreSQL would apply only one of its values."""
    items = list(rows)
    if not items:
        return
    db = raw(conn)
    if db is not None:
        sets = ", ".join(f"{c} = :{c}" for c in columns)
        db.executemany(f"UPDATE {table} SET {sets} WHERE {key} = :{key}", items)
        return
    names = [key, *columns]
    kinds = [schema.metadata.tables[table].c[n].type.compile(dialect=conn.dialect) for n in names]
    statement = (
        f"UPDATE {table} AS t SET {', '.join(f'{c} = v.{c}' for c in columns)}"
        f" FROM unnest({', '.join(f'%s::{kind}[]' for kind in kinds)}) AS v({', '.join(names)})"
        f" WHERE t.{key} = v.{key}"
    )
    conn.exec_driver_sql(statement, tuple([item[n] for item in items] for n in names))


def _driver(conn: Connection) -> psycopg.Connection[tuple[Any, ...]]:
    # The psycopg connection under conn, inside the same transaction.
    driver = conn.connection.driver_connection
    assert driver is not None
    return cast("psycopg.Connection[tuple[Any, ...]]", driver)


@contextmanager
def _driver_errors(statement: str) -> Iterator[None]:
    """psycopg errors raised as SQLAlchemy's, as conn.execute would (callers tell bad input from retries by them)."""
    import psycopg  # the server's driver: a terminal never gets here, and need not load it

    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """A statement with `:name` parameters in the driver's own style (`%(name)s`), for exec_driver_sql."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


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
