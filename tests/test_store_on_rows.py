"""Server schema 2: the ledger rows a push books carry the store and terminal that pushed them.

The chain reports split the figures by store. They used to find each row's store through
txn_outcomes (which terminal pushed the transaction), joined for every statement; now the server
writes store_id and terminal_id on the customer, sale, refund and journal rows it books, and its
upgrade fills them from txn_outcomes for the rows booked before. Checked here: a push (and a merge
inside one) writes them, the server's own expiry rows have none, an older database gets exactly
what booking would have written, and the store rows and store-filtered reports are the ones the
join through txn_outcomes gave (tests/old_reports.py), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, insert, inspect, select, text

from app.core import repo
from app.core import schema as t
from app.core.errors import StorageError
from app.core.services.reports import Filters, Period, ReportsService
from app.core.timeutil import DAY_MS, from_ms, now_ms
from bench.gen_store import generate
from server import expiry
from server import schema as s
from server.store import SERVER_SCHEMA, create_schema, fill_places, make_engine, transaction
from tests import old_reports
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.sync.test_push_batch import AT, Terminal, enroll, refund, sale

END = (now_ms() // DAY_MS - 1) * DAY_MS
KEYS = {"customers": "uid", "sales": "uid", "refunds": "uid", "journal": "id"}


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
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


def places(engine: Engine) -> dict[str, dict[Any, tuple[Any, Any]]]:
    """Per placed table: each row's key -> (store_id, terminal_id)."""
    out = {}
    with engine.connect() as conn:
        for table in s.PLACED_TABLES:
            rows = conn.execute(text(f"SELECT {KEYS[table]}, store_id, terminal_id FROM {table}"))
            out[table] = {key: (store, term) for key, store, term in rows}
    return out


def chain(engine: Engine) -> tuple[Terminal, Terminal]:
    """Two terminals in two stores: enrollments, sales, a refund, a customer buying in both, a merge."""
    t1, t2 = Terminal(engine, "T1"), Terminal(engine, "T2")
    assert [r["status"] for r in t1.push(t1.items(
        enroll("A", "+79160000001", expires_at=AT + DAY_MS), sale("s1", "A", earn=10), refund("r1", "s1", "A", 10),
    ))] == ["applied"] * 3  # fmt: skip
    assert [r["status"] for r in t2.push(t2.items(
        enroll("B", "+79160000002"), sale("s2", "B", redeem=50), sale("s3", "A", earn=5, at=AT + 1000),
        # C enrolls on T2 with A's phone: merged into A, who enrolled first.
        enroll("C", "+79160000001", at=AT + 2000),
    ))] == ["applied"] * 4  # fmt: skip
    return t1, t2


def store_of(engine: Engine, terminal: Terminal) -> tuple[int, int]:
    with engine.connect() as conn:
        store = conn.execute(select(s.terminals.c.store_id).where(s.terminals.c.id == terminal.id)).scalar_one()
    return int(store), terminal.id


def test_a_push_writes_its_store_and_terminal_on_every_row_it_books(engine: Engine) -> None:
    t1, t2 = chain(engine)
    expired = expiry.post_expiry(engine, now=AT + 2 * DAY_MS, grace=0)  # A's welcome lot, by the server itself
    assert expired > 0
    one, two = store_of(engine, t1), store_of(engine, t2)
    assert one != two
    got = places(engine)
    assert got["sales"] == {"s1": one, "s2": two, "s3": two}
    assert got["refunds"] == {"r1": one}
    assert got["customers"] == {"A": one, "B": two, "C": two}
    with engine.connect() as conn:
        journal = conn.execute(select(t.journal.c.id, t.journal.c.txn_uid, t.journal.c.kind)).all()
    pushed = {"A": one, "s1": one, "r1": one, "B": two, "s2": two, "s3": two, "C": two}
    for row in journal:
        # The expiry the server posts is nobody's push.
        want = (None, None) if row.kind == "expire" else pushed[row.txn_uid]
        assert got["journal"][row.id] == want, row


def test_an_older_server_database_gets_the_columns_booking_would_have_written(engine: Engine) -> None:
    chain(engine)
    expiry.post_expiry(engine, now=AT + 2 * DAY_MS, grace=0)
    booked = places(engine)
    # The database as a server before schema 2 left it: no such columns, no schema number, no Alembic.
    with transaction(engine) as conn:
        for table in s.PLACED_TABLES:
            for column in s.PLACE_COLUMNS:
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.exec_driver_sql("DELETE FROM meta WHERE key = 'server_schema'")
        conn.exec_driver_sql("DROP TABLE alembic_version")
    create_schema(engine)
    assert places(engine) == booked
    create_schema(engine)  # a second start changes nothing
    assert places(engine) == booked
    with engine.connect() as conn:
        assert repo.get_meta(conn, "server_schema") == str(SERVER_SCHEMA) == "3"


def test_a_database_of_a_newer_server_is_refused(engine: Engine) -> None:
    with transaction(engine) as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d'")  # a revision this server lacks
    with pytest.raises(StorageError, match="newer than this server"):
        create_schema(engine)


def test_servers_starting_together_upgrade_the_schema_once(pg_server: Any) -> None:  # noqa: F811
    import threading

    with pg_server.database() as url:
        engines = [make_engine(url) for _ in range(3)]
        errors: list[BaseException] = []

        def start(engine: Engine) -> None:
            try:
                create_schema(engine)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(e,)) for e in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with engines[0].connect() as conn:
            assert repo.get_meta(conn, "server_schema") == str(SERVER_SCHEMA)
            names = {c["name"] for c in inspect(conn).get_columns("sales")}
            assert {"store_id", "terminal_id"} <= names
        for engine in engines:
            engine.dispose()


# ----------------------------------------------------------------------------- a generated chain


def plain(value: Any) -> Any:
    """A result as plain data, whichever module's dataclasses it is made of."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated store of 8,000 sales, with cashiers, as the ledger a three-store chain would hold."""
    import sqlite3

    path = tmp_path_factory.mktemp("places") / "store.sqlite3"
    generate(path, customers=300, sales=8_000, seed=7, end=END)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE sales SET cashier = CASE id % 3 WHEN 0 THEN 'Анна' WHEN 1 THEN 'Борис' END")
        conn.execute("UPDATE refunds SET cashier = 'Анна'")
    conn.close()
    return path


def load_chain(store: Path, engine: Engine, stores: int = 3) -> None:
    """The store's ledger in a server database, each sale, refund and enrollment pushed by one store's till
    (chosen from its uid, as bench/bench_chain_reports.py splits the big store), and the places filled."""
    from sqlalchemy import create_engine

    lite = create_engine(f"sqlite:///{store}")
    with lite.connect() as src, transaction(engine) as conn:
        for table in t.metadata.sorted_tables:
            if table.name in ("meta", "outbox") or table in t.V2_TABLES:
                continue
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            if rows:
                conn.execute(insert(table), rows)
        for i in range(stores):
            conn.execute(insert(s.stores).values(id=i + 1, name=f"Магазин {i + 1}", address=""))
            # Till numbers unlike store numbers: a store id read where a till id belongs shows.
            conn.execute(insert(s.terminals).values(id=i + 11, store_id=i + 1, name=f"Касса {i + 1}", epoch=1))
        outcomes = []
        for kind, table in (("enroll", "customers"), ("sale", "sales"), ("refund", "refunds")):
            for (uid,) in src.execute(text(f"SELECT uid FROM {table}")):
                outcomes.append({"uid": uid, "terminal_id": zlib.crc32(uid.encode()) % stores + 11, "epoch": 1,
                                 "seq": len(outcomes), "kind": kind, "body_sha256": "", "status": "applied",
                                 "result": "{}", "created_at": 0})  # fmt: skip
        conn.execute(insert(s.outcomes), outcomes)
        filled = fill_places(conn)
    lite.dispose()
    assert filled["sales"] > 7_000 and filled["journal"] > 10_000


def test_the_store_rows_are_the_ones_found_through_txn_outcomes(store_path: Path, engine: Engine) -> None:
    load_chain(store_path, engine)
    new = ReportsService(engine, clock=lambda: END + DAY_MS)
    old = old_reports.ReportsService(engine, clock=lambda: END + DAY_MS)
    with engine.connect() as conn:
        _, program = repo.program_at(conn, END)
    last = from_ms(END).astimezone(program.zone).date()
    asks = [
        Filters(),
        Filters(store="Магазин 2"),
        Filters(terminal="Касса 3"),
        Filters(store="Магазин 1", terminal="Касса 1"),
        Filters(store="Магазин 1", terminal="Касса 2"),  # a till of another store: nothing
        Filters(cashier="Анна"),
        Filters(store="Магазин 3", cashier="Борис"),
    ]
    for days in (30, 365):
        period = Period.local_days(last - timedelta(days=days - 1), last, program.zone)
        old_period = old_reports.Period(period.start, period.end)
        for f in asks:
            old_f = old_reports.Filters(f.cashier, f.store, f.terminal)
            assert plain(new.by_store(period, f)) == plain(old.by_store(old_period, old_f)), (days, f)
            got, rows = new.report_by_store(period, f, 15)
            want, old_rows = old.report_by_store(old_period, old_f, 15)
            assert plain(rows) == plain(old_rows), (days, f)
            assert plain(got) == plain(want), (days, f)
            assert plain(new.dashboard(period, f)) == plain(old.dashboard(old_period, old_f)), (days, f)
    # The stores split the chain: every store has sales, and their rows add up to the chain.
    rows = new.by_store(Period.local_days(last - timedelta(days=364), last, program.zone))
    assert len(rows) == 3 and all(r.sales > 1_000 for r in rows)
