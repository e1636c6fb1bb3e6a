"""The server's database under Alembic (server/migrations), on SQLite and on a real PostgreSQL.

Databases made by the hand-written ladder before Alembic (server schema 1, 2, and 1 without its number; built
from the DDL that code ran, tests/fixtures/server-schema-*.sql) upgrade to the newest revision with their rows
and end up shaped like a new database; a new one is made at the newest revision and agrees with the live
tables; a database a newer server upgraded is refused; servers starting together upgrade it once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect, text

from app.core import repo
from app.core import schema as core_schema
from app.core.demo import DEMO_PROGRAM
from app.core.errors import StorageError
from server import migrations
from server import schema as s
from server.store import SERVER_SCHEMA, create_schema, make_engine, transaction
from tests.conftest import FIXTURES
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "server.sqlite3")
        return
    with request.getfixturevalue("pg_server").database() as pg_url:
        yield pg_url


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def old_database(engine: Engine, version: int, *, numbered: bool = True) -> None:
    """A database as the hand-written ladder of server schema `version` left it, with a store's pushed rows."""
    ddl = (FIXTURES / f"server-schema-{version}.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    statements = [part.strip() for part in ddl.split(";\n") if part.strip() and not part.strip().startswith("--")]
    with transaction(engine) as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        if not numbered:
            conn.exec_driver_sql("DELETE FROM meta WHERE key = 'server_schema'")
        # The store's id from its sequence (PostgreSQL), as the server's own inserts take theirs: it is 1.
        conn.exec_driver_sql("INSERT INTO stores (name, address) VALUES ('Магазин 1', '')")
        conn.exec_driver_sql(
            "INSERT INTO terminals (id, store_id, name, epoch, revoked) VALUES (11, 1, 'Касса 1', 1, 0)"
        )
        conn.exec_driver_sql(
            "INSERT INTO customers (id, uid, name, name_search, phone, referral_paid, enrolled_at, last_op_at,"
            " debt, expired_total, blocked) VALUES (1, 'c-1', 'Анна', 'анна', '+79160000001', 0, 1000, 2000, 0, 0, 0)"
        )
        conn.exec_driver_sql(
            "INSERT INTO sales (id, uid, customer_id, at, program_version, subtotal, discount, redeemed_points,"
            " redeemed_amount, total, earned, reward_points, birthday_points, referral_points, payment)"
            " VALUES (1, 's-1', 1, 2000, 1, 30000, 0, 0, 0, 30000, 300, 0, 0, 0, 'cash')"
        )
        conn.exec_driver_sql(
            "INSERT INTO lots (id, uid, customer_id, points, remaining, available_at, source, txn_uid)"
            " VALUES (1, 'l-1', 1, 300, 300, 2000, 'earn', 's-1')"
        )
        conn.exec_driver_sql(
            "INSERT INTO journal (customer_id, lot_uid, kind, points, at, txn_uid)"
            " VALUES (1, 'l-1', 'earn', 300, 2000, 's-1')"
        )
        for seq, (uid, kind) in enumerate((("c-1", "enroll"), ("s-1", "sale"))):
            conn.exec_driver_sql(
                "INSERT INTO txn_outcomes (uid, terminal_id, epoch, seq, kind, body_sha256, status, result, created_at)"
                f" VALUES ('{uid}', 11, 1, {seq}, '{kind}', '', 'applied', '{{}}', 0)"
            )


def shape(engine: Engine) -> dict[str, Any]:
    """The database's tables, columns, indexes, unique and foreign keys, as the backend reports them."""
    with engine.connect() as conn:
        found = inspect(conn)
        out: dict[str, Any] = {}
        for table in sorted(found.get_table_names()):
            out[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in found.get_columns(table)
                ],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]), _options(i))
                    for i in found.get_indexes(table)
                ),
                "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
                "foreign": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                    for f in found.get_foreign_keys(table)
                ),
            }
        if engine.dialect.name == "sqlite":
            # The reflection of SQLite leaves a partial index's WHERE out; the file keeps it.
            out["-where"] = sorted(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
        return out


def _options(index: Any) -> tuple[tuple[str, str], ...]:
    # A partial index's WHERE, as text (reflection gives SQL expressions).
    return tuple(sorted((key, str(value)) for key, value in index.get("dialect_options", {}).items()))


def _fresh_shape(engine: Engine, url: str, tmp_path: Path) -> dict[str, Any]:
    if engine.dialect.name == "sqlite":
        fresh = make_engine(str(tmp_path / "fresh.sqlite3"))
    else:
        fresh = make_engine(url.rsplit("/", 1)[0] + "/" + _new_pg_database(url))
    try:
        create_schema(fresh)
        return shape(fresh)
    finally:
        fresh.dispose()


def _new_pg_database(url: str) -> str:
    name = "fresh_" + os.urandom(5).hex()
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return name


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return migrations.current(conn)


def test_a_new_database_is_made_at_the_newest_migration(engine: Engine) -> None:
    create_schema(engine)
    assert _revision(engine) == migrations.head()
    with engine.connect() as conn:
        assert repo.get_meta(conn, "server_schema") == str(SERVER_SCHEMA) == "3"
        counters = conn.execute(text("SELECT name, value FROM counters ORDER BY name")).all()
    # card_serial: the card number ranges start above the numbers the per-terminal blocks made (promise 11).
    assert [tuple(r) for r in counters] == [("card_block", 0), ("card_serial", 500_000_000), ("catalog", 0),
                                            ("change", 0)]  # fmt: skip


def test_the_newest_migration_agrees_with_the_live_tables(engine: Engine) -> None:
    """What the revisions make is what app.core.schema and server.schema describe, but for the columns and the
    index only the server adds to the ledger tables (raw SQL in server.store and booking)."""
    create_schema(engine)
    model = MetaData()
    for metadata in (core_schema.metadata, s.metadata):
        for table in metadata.sorted_tables:
            table.to_metadata(model)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), model)
    found = sorted(_named(diff) for diff in diffs)
    placed = [("remove_column", table, column) for table in s.PLACED_TABLES for column in s.PLACE_COLUMNS]
    assert found == sorted([*placed, ("remove_index", "customers", "ix_customers_change_seq")])


def _named(diff: Any) -> tuple[str, str, str]:
    """One of compare_metadata's differences as (kind, table, name); anything unforeseen is shown whole."""
    if diff[0] == "remove_column":  # ("remove_column", schema, table, column)
        return diff[0], diff[2], diff[3].name
    if diff[0] in ("add_index", "remove_index"):
        return diff[0], diff[1].table.name, diff[1].name
    return diff[0], "?", repr(diff)


@pytest.mark.parametrize(
    ("version", "numbered"), [(1, False), (1, True), (2, True)], ids=["no-number", "schema-1", "schema-2"]
)
def test_a_database_of_the_hand_written_ladder_upgrades_to_the_newest_migration(
    engine: Engine, url: str, tmp_path: Path, version: int, numbered: bool
) -> None:
    old_database(engine, version, numbered=numbered)
    assert _revision(engine) is None
    create_schema(engine)
    assert _revision(engine) == migrations.head()
    with engine.connect() as conn:
        assert repo.get_meta(conn, "server_schema") == "3"
        # The rows are kept; a schema-1 database gets the store and terminal of the rows a terminal pushed.
        sale = conn.execute(text("SELECT total, store_id, terminal_id FROM sales WHERE uid = 's-1'")).one()
        customer = conn.execute(text("SELECT name, store_id, terminal_id FROM customers WHERE uid = 'c-1'")).one()
        journal = conn.execute(text("SELECT points, store_id, terminal_id FROM journal")).one()
        assert conn.execute(text("SELECT count(*) FROM counters")).scalar_one() == 4  # card_serial: promise 11
    placed = (1, 11) if version == 1 else (None, None)
    assert tuple(sale) == (30000, *placed)
    assert tuple(customer) == ("Анна", *placed)
    assert tuple(journal) == (300, *placed)
    assert shape(engine) == _fresh_shape(engine, url, tmp_path)
    create_schema(engine)  # a second start changes nothing
    assert _revision(engine) == migrations.head()


def test_a_database_at_revision_0002_gets_each_lines_coupon_share_and_a_row_per_stamp_rule(
    engine: Engine, url: str, tmp_path: Path
) -> None:
    """Revision 0004 (terminal schema v5's change): coupon sales booked before are replayed once with the
    program version each was booked with, or the one in force at its instant when the server never knew it."""
    old_database(engine, 2)
    with transaction(engine) as conn:
        command.upgrade(migrations.config(conn), "0002")
        body = json.dumps(DEMO_PROGRAM)  # WELCOME10: 10 %; MINUS100: 100 roubles; a coffee stamp card
        conn.execute(
            text("INSERT INTO programs (version, uid, body, activate_at, created_at) VALUES (1, 'p-1', :b, 0, 0)"),
            {"b": body},
        )
        sale = (
            "INSERT INTO sales (id, uid, customer_id, at, program_version, subtotal, discount, redeemed_points,"
            " redeemed_amount, total, earned, coupon, reward_points, birthday_points, referral_points, payment)"
            " VALUES (:id, :uid, 1, 3000, :version, 0, 0, 0, 0, 0, 0, :coupon, 0, 0, 0, 'cash')"
        )
        conn.execute(text(sale), {"id": 2, "uid": "s-2", "version": 1, "coupon": "WELCOME10"})
        conn.execute(text(sale), {"id": 3, "uid": "s-3", "version": 7, "coupon": "MINUS100"})  # unknown here
        line = (
            "INSERT INTO sale_lines (sale_id, idx, sku, name, category, qty, unit_price, amount, discount,"
            " redeemed, paid, rate, stamp_rule, stamps_given, is_reward) VALUES (:sale, :idx, 'X', 'X', :category,"
            " :qty, :price, :amount, 0, 0, 0, '0', :rule, :given, :gift)"
        )
        lines = [
            # The free unit of a full card (qty − stamps = 1) leaves 250 of the coffee for the coupon.
            {"sale": 2, "idx": 0, "category": "coffee", "qty": 2, "price": 25000, "rule": "coffee", "given": 1,
             "gift": 0},
            {"sale": 2, "idx": 1, "category": "bakery", "qty": 1, "price": 30000, "rule": None, "given": 0,
             "gift": 0},
            {"sale": 2, "idx": 2, "category": "reward", "qty": 1, "price": 0, "rule": None, "given": 0, "gift": 1},
            {"sale": 3, "idx": 0, "category": "tea", "qty": 3, "price": 10000, "rule": None, "given": 0,
             "gift": 0},
            {"sale": 3, "idx": 1, "category": "coffee", "qty": 1, "price": 20000, "rule": "coffee", "given": 1,
             "gift": 0},
        ]  # fmt: skip
        conn.execute(text(line), [{**ln, "amount": ln["qty"] * ln["price"]} for ln in lines])
    create_schema(engine)
    assert _revision(engine) == migrations.head()
    with engine.connect() as conn:
        shares = conn.execute(text("SELECT sale_id, idx, coupon_discount FROM sale_lines ORDER BY sale_id, idx"))
        rows = conn.execute(text("SELECT sale_id, idx, rule_id, stamps FROM sale_line_stamps ORDER BY sale_id, idx"))
        assert [tuple(r) for r in shares] == [(2, 0, 2500), (2, 1, 3000), (2, 2, 0), (3, 0, 6000), (3, 1, 4000)]
        assert [tuple(r) for r in rows] == [(2, 0, "coffee", 1), (3, 1, "coffee", 1)]
    assert shape(engine) == _fresh_shape(engine, url, tmp_path)


def test_ix_lots_open_holds_only_the_open_lots_on_both_backends(engine: Engine) -> None:
    old_database(engine, 2)
    create_schema(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            where = conn.exec_driver_sql(
                "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = 'ix_lots_open'"
            ).scalar_one()
        else:
            where = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ix_lots_open'").scalar_one()
    assert "remaining > 0" in where


def test_a_database_a_newer_server_upgraded_is_refused(engine: Engine) -> None:
    create_schema(engine)
    with transaction(engine) as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match="newer than this server"):
        create_schema(engine)
    assert _revision(engine) == "9999"


def test_a_database_of_a_newer_hand_written_ladder_is_refused(engine: Engine) -> None:
    old_database(engine, 2)
    with transaction(engine) as conn:
        repo.set_meta(conn, "server_schema", "3")  # numbered by a server that is not under Alembic: unknown
    with pytest.raises(StorageError, match="newer than this server"):
        create_schema(engine)
    assert _revision(engine) is None


def test_a_failed_migration_leaves_the_database_as_it_was(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    old_database(engine, 1)
    before = shape(engine)

    def broken(conn: Any) -> None:
        migrations.upgrade(conn)
        raise RuntimeError("the server stopped in the middle of its upgrade")

    monkeypatch.setattr(migrations, "upgrade", broken)
    with pytest.raises(RuntimeError):
        create_schema(engine)
    assert _revision(engine) is None
    assert shape(engine) == before


_START = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
from server.store import create_schema, make_engine
create_schema(make_engine(sys.argv[1]))
"""


def test_servers_starting_together_on_postgresql_upgrade_once(pg_server: Any, tmp_path: Path) -> None:  # noqa: F811
    with ExitStack() as stack:
        url = stack.enter_context(pg_server.database())
        engine = make_engine(url)
        stack.callback(engine.dispose)
        old_database(engine, 1, numbered=False)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        starts = [
            subprocess.Popen([sys.executable, "-c", _START, url], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        logs = [p.communicate(timeout=120)[1] for p in starts]
        assert [p.returncode for p in starts] == [0, 0, 0], logs
        ran = [line for log in logs for line in log.splitlines() if "Running upgrade" in line]
        assert len(ran) == len(list(migrations.HERE.glob("versions/v0*.py"))), ran  # each revision, by one of the three
        assert _revision(engine) == migrations.head()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
            assert conn.execute(text("SELECT store_id, terminal_id FROM sales")).one() == (1, 11)


def test_loyalty_server_upgrades_an_old_database_when_it_starts(engine: Engine, url: str) -> None:
    old_database(engine, 1, numbered=False)
    program = Path(sys.executable).with_name("loyalty-server")
    done = subprocess.run(
        [str(program), "--db", url, "store", "Магазин 2"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert _revision(engine) == migrations.head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM stores ORDER BY id")).scalars().all() == ["Магазин 1", "Магазин 2"]


def test_loyalty_server_refuses_a_newer_database_and_says_so(engine: Engine, url: str) -> None:
    create_schema(engine)
    with transaction(engine) as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    program = Path(sys.executable).with_name("loyalty-server")
    done = subprocess.run(
        [str(program), "--db", url, "store", "Магазин 2"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2
    assert "server migration 9999, newer than this server" in done.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stores")).scalar_one() == 0
