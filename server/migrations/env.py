"""Alembic's entry: runs the revisions on the connection server.migrations.upgrade hands over, or, from the
`alembic` command line, on the database named by `-x url=...` (a URL or a SQLite file path)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection


def _run(conn: Connection) -> None:
    # transactional_ddl: SQLite's DDL is transactional too, so a failed revision leaves nothing behind
    # on either backend; the caller's transaction (and lock) holds every revision.
    context.configure(connection=conn, transactional_ddl=True, render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    from server.store import make_engine, transaction

    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database: alembic -c server/migrations/alembic.ini -x url=... <command>")
    with transaction(make_engine(url)) as conn:
        _run(conn)
