"""The sync promises with real processes: uvicorn, CLI terminals, a fault proxy and `kill -9`.

One scenario per server database (PostgreSQL, then SQLite):

1. the server runs as `loyalty-server serve` on 127.0.0.1; the admin API sets the program,
   the catalog, a store and three terminals with one-time codes;
2. three terminals (`loyalty-terminal` processes, each on its own file) init, enroll through
   the fault proxy, add customers, sell, refund and sync while the proxy passes, delays,
   drops, resets requests and cuts replies after the server committed;
3. offline, one phone is enrolled on two terminals and one customer spends the same points on
   two terminals (a double spend);
4. `kill -9` of a terminal in the middle of `sync` on a large queue, and of the server in the
   middle of a large push (then it is started again on the same port);
5. the network heals, every terminal syncs twice, and every promise is checked: every sale and
   refund the terminals committed is on the server exactly once (by uid), `verify` passes on
   the server and every terminal, every terminal shows every card exactly as the server does,
   the double spend is listed as an overdraft, and every queue is empty.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, func, select

from app.bootstrap import bootstrap
from app.cli import customer_json
from app.core import schema as t
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from app.core.services.customers import CustomerService
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from server import schema as s
from server.store import create_schema, make_engine
from tests.e2e.conftest import Admin, ServerProcess, Terminal, _command, child_env
from tests.e2e.proxy import FaultProxy
from tests.pg import PgServer, postgres_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

BIG_QUEUE = 520  # more than one push batch (500), so a kill lands between or inside batches
ALLOWED_REJECTIONS = ("managed on the server",)  # a terminal's own program row is refused in a chain


class Ledger:
    """What the terminals committed, as the CLI (or the in-process helper) printed it."""

    def __init__(self) -> None:
        self.sales: dict[str, str] = {}  # sale uid -> terminal name
        self.refunds: set[str] = set()
        self.rejections: list[str] = []

    def sale(self, term: Terminal, data: dict[str, Any]) -> dict[str, Any]:
        assert data.get("committed") is True, data
        self.sales[str(data["uid"])] = term.name
        return data


def _parallel(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run independent terminal jobs side by side (they are separate processes anyway)."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result() for f in [pool.submit(job) for job in jobs]]


_T0 = time.monotonic()


def _log(what: str) -> None:
    """A timeline on stdout (pytest shows it when the test fails): where the minutes went."""
    print(f"[{time.monotonic() - _T0:7.1f}s] {what}", flush=True)


def _sync(term: Terminal, book: Ledger, ok: bool = True) -> int:
    """One `loyalty-terminal sync`; keeps the rejections it reports."""
    rc, data = term.run("sync", ok=ok)
    _log(f"{term.name} sync -> {rc} {json.dumps(data, ensure_ascii=False)[:300]}")
    book.rejections += [str(r) for r in data.get("rejected", [])]
    return rc


def _sync_round(terms: list[Terminal], book: Ledger, attempts: int = 1) -> None:
    """Every terminal syncs, side by side, until it succeeds (at most `attempts` times each).

    More than one attempt is what the sync worker does too: on a loaded machine a push of 500
    items can outlast the client's 15 s timeout; the next attempt finds them committed."""

    def until_ok(term: Terminal) -> None:
        for attempt in range(1, attempts + 1):
            if _sync(term, book, ok=attempt == attempts) == 0:
                return

    _parallel([lambda term=term: until_ok(term) for term in terms])


def _queue_sales(term: Terminal, book: Ledger, n: int, card: str) -> None:
    """Fill a terminal's queue fast, in-process through the same services the CLI uses.

    Only to make a large queue quickly: synchronous=OFF spares ~n fsyncs of test data (the
    durability of a single CLI sale is not what this step is about)."""
    ctx = bootstrap(term.db)
    event.listen(ctx.engine, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA synchronous = OFF"))
    try:
        line = ctx.catalog.resolve_line("ESP", 1)
        for i in range(n):
            res = ctx.checkout.sell(SaleRequest((line,), card if i % 10 == 0 else None), actor=SYSTEM)
            book.sales[res.uid] = term.name
    finally:
        ctx.close()


def _kill9(proc: subprocess.Popen[str]) -> int | None:
    """`kill -9` a CLI process; returns its exit status if it had already ended by itself."""
    ended = proc.poll()
    proc.kill()
    proc.wait(timeout=30)
    return ended


def _server_verify(db: str) -> dict[str, Any]:
    proc = subprocess.run(
        [*_command("loyalty-server"), "--db", db, "verify"],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"loyalty-server verify failed: {proc.stdout} {proc.stderr}"
    return dict(json.loads(proc.stdout))


@pytest.fixture(params=["postgresql", "sqlite"])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The server's database: a fresh PostgreSQL database, or a SQLite file."""
    if request.param == "sqlite":
        yield str(tmp_path / "server.sqlite3")
        return
    pg: PgServer = request.getfixturevalue("pg_server")
    with pg.database() as url:
        yield url


def test_promises_hold_through_faults_and_kills(server_db: str, tmp_path: Path, server_factory: Any) -> None:
    started = time.monotonic()
    server: ServerProcess = server_factory(server_db).start()
    proxy = FaultProxy(server.port).start()
    admin = Admin(server.url)
    engine = make_engine(server_db)
    book = Ledger()
    try:
        admin.call("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        admin.call("PUT", "/v1/admin/catalog", json={"csv": DEMO_CATALOG})
        store = admin.call("POST", "/v1/admin/stores", json={"name": "Кофейня на Тверской"})["store_id"]
        codes = [
            admin.call("POST", "/v1/admin/terminals", json={"store_id": store, "name": f"Касса {i}"})["code"]
            for i in (1, 2, 3)
        ]
        t1, t2, t3 = terms = [Terminal(tmp_path / f"t{i}", f"t{i}") for i in (1, 2, 3)]

        # -- setup: init, enroll through the proxy, first sync (program and catalog)
        _log("setup")

        def setup(term: Terminal, code: str) -> None:
            term.run("init")
            term.run("enroll", "--server", proxy.url, "--code", code)
            _sync(term, book)

        _parallel([lambda term=term, code=code: setup(term, code) for term, code in zip(terms, codes, strict=True)])

        # -- customers, one per terminal, then everyone learns everyone
        _log("customers")

        def add(term: Terminal, phone: str) -> str:
            return str(term.run("customer", "add", "--name", f"Гость {term.name}", "--phone", phone)[1]["card"])

        phones = ("+79160000101", "+79160000102", "+79160000103")
        a, b, c = _parallel(
            [lambda term=term, phone=phone: add(term, phone) for term, phone in zip(terms, phones, strict=True)]
        )
        _sync_round(terms, book)  # each pushes its customer
        _sync_round(terms, book)  # each pulls the others'
        first = dict(
            _parallel(
                [
                    lambda term=term, card=card: (term.name, book.sale(term, term.sale(card, "CAP:2", "CRO")))
                    for term, card in ((t1, a), (t2, b), (t3, c))
                ]
            )
        )
        t2_on_a = book.sale(t2, t2.sale(a, "LAT:3"))

        # -- faults: every mode, a sale and a sync on every terminal (the next mode's sync pushes it)
        _log("faults")
        expected_rc = {"delay": 0, "drop": 2, "reset": 2, "cut": 2}
        for mode in ("delay", "drop", "reset", "cut"):
            proxy.set_mode(mode, delay_s=0.2)

            def round_(term: Terminal, card: str, mode: str = mode) -> tuple[str, int]:
                book.sale(term, term.sale(card, "ESP", "TEA"))
                return mode, _sync(term, book, ok=False)

            pairs = ((t1, a), (t2, b), (t3, c))
            for got_mode, rc in _parallel([lambda term=term, card=card: round_(term, card) for term, card in pairs]):
                assert rc == expected_rc[got_mode], f"sync in {got_mode} mode exited {rc}"
        assert min(proxy.connections[m] for m in ("drop", "reset", "cut")) >= 3, proxy.connections

        # -- offline: one phone enrolled on two terminals, a double spend of A's points, refunds
        _log("offline")
        proxy.set_mode("drop")

        def offline(term: Terminal, name: str, phone: str, synced_sale: int, units: tuple[str, ...]) -> dict[str, Any]:
            _, new = term.run("customer", "add", "--name", name, "--phone", phone)
            known = term.run("customer", "show", a)[1]["available"]
            # Each terminal pays out all of A's points it knows of: the basket's 30 % redeem cap (870)
            # is above any balance A reaches here, so the two spends together exceed A's balance by at
            # least the welcome bonus both terminals know, whatever the hour (happy hours double the
            # earnings) and whichever syncs of the fault rounds the other terminal's pull came after.
            # (Both used to spend the 180-point cap of LAT:3: with happy-hour earnings A held more than
            # 360, and the second spend overdrew only when a refund happened to be booked before it.)
            spend = book.sale(term, term.sale(a, "CHZ:10", redeem="max"))
            assert spend["redeemed_points"] == known > 0, ("the double spend must spend all it knows", known, spend)
            book.sale(term, term.sale(new["card"], "RAF"))
            _, refund = term.run("refund", str(synced_sale), *units)
            book.refunds.add(refund["uid"])
            return dict(new)

        d1, d2 = _parallel(
            [
                # A synced sale refunded whole on t1, part of one on t2; the same phone written two ways.
                lambda: offline(t1, "Дарья", "+79160000199", first["t1"]["sale_id"], ()),
                lambda: offline(t2, "Дарья Д.", "+7 916 000-01-99", t2_on_a["sale_id"], ("--line", "0:1")),
            ]
        )

        # -- kill -9 of a terminal in the middle of a sync of a large queue
        _log("kill -9 of a terminal")
        proxy.set_mode("pass")
        _queue_sales(t3, book, BIG_QUEUE, c)
        # Killed inside its first push: the server has booked the batch and answered, the answer waits
        # at the proxy, so the terminal has acknowledged nothing (a sleep here raced the whole sync,
        # which takes well under a second, on an idle machine and overshot it on a loaded one).
        proxy.hold_replies()
        proc = t3.popen("sync")
        assert proxy.wait_held(1, timeout=60), "the terminal never pushed"
        ended_t3 = _kill9(proc)
        proxy.release_replies()
        t3.run("verify")  # the terminal's file is intact after the kill
        _, status = t3.run("sync", "--status")
        assert ended_t3 is None and status["queue"] > 0, "the kill came after the sync had finished"
        _log(f"t3 killed with {status['queue']} of {BIG_QUEUE + 1}+ still queued")

        # -- kill -9 of the server in the middle of a large push, then a restart on the same port
        _log("kill -9 of the server")
        _queue_sales(t1, book, BIG_QUEUE, a)
        pushes = proxy.count("POST /v1/sync/push", whole=True)
        # Killed once the whole first push (500 items, one transaction) has reached it: it is reading or
        # booking them, or has just answered. Replies are held until then, so the terminal cannot have
        # finished its sync before the kill however fast the server was or however slow the test thread.
        proxy.hold_replies()
        proc = t1.popen("sync")
        assert proxy.wait_for("POST /v1/sync/push", pushes + 1, timeout=60, whole=True), "the terminal never pushed"
        server.kill9()
        proxy.release_replies()
        rc_t1 = proc.wait(timeout=60)
        with engine.connect() as conn:
            t1_id = conn.execute(select(s.terminals.c.id).where(s.terminals.c.name == "Касса 1")).scalar_one()
            kept = conn.execute(select(func.count()).where(s.outcomes.c.terminal_id == t1_id)).scalar_one()
        _log(f"server killed; t1's sync exited {rc_t1}, the server kept {kept} of t1's outcomes")
        assert rc_t1 != 0, "a sync whose server died must not report success"
        server.start()

        # -- heal: everyone syncs twice (the second round pulls what the others pushed in the first)
        _log("heal")
        proxy.set_mode("pass")
        _sync_round(terms, book, attempts=4)
        _sync_round(terms, book, attempts=4)
        for term in terms:
            assert term.run("sync", "--status")[1]["queue"] == 0, f"{term.name} still has a queue"
        unexpected = [r for r in book.rejections if not any(ok in r for ok in ALLOWED_REJECTIONS)]
        assert not unexpected, f"the server rejected committed work: {unexpected}"

        _check_exactly_once(engine, book)
        report = _server_verify(server_db)
        assert report["ok"] and report["customers"] >= 4, report
        for ok in _parallel([lambda term=term: term.run("verify")[1]["ok"] for term in terms]):
            assert ok is True
        _check_same_view(engine, terms)
        overdrafts = admin.call("GET", "/v1/admin/overdrafts")
        a_uid = _customer_uid(engine, a)
        assert any(o["customer_uid"] == a_uid and o["points"] > 0 for o in overdrafts["overdrafts"]), overdrafts
        assert _customer_uid(engine, d1["card"]) == _customer_uid(engine, d2["card"]), "one phone, one customer"
    finally:
        proxy.stop()
        admin.close()
        engine.dispose()
    _log(f"done in {time.monotonic() - started:.0f} s")


def _customer_uid(engine: Engine, card: str) -> str:
    info = CustomerService(engine).customer(card)
    with engine.connect() as conn:
        return str(conn.execute(select(t.customers.c.uid).where(t.customers.c.id == info.customer_id)).scalar_one())


def _check_exactly_once(engine: Engine, book: Ledger) -> None:
    """Every committed sale and refund is on the server once, applied once; nothing else is there."""
    uids = sorted(book.sales)
    with engine.connect() as conn:
        on_server: dict[str, int] = {}
        applied: dict[str, int] = {}
        for start in range(0, len(uids), 500):
            chunk = uids[start : start + 500]
            for uid, n in conn.execute(
                select(t.sales.c.uid, func.count()).where(t.sales.c.uid.in_(chunk)).group_by(t.sales.c.uid)
            ):
                on_server[uid] = n
            for uid, n in conn.execute(
                select(s.outcomes.c.uid, func.count())
                .where(s.outcomes.c.uid.in_(chunk), s.outcomes.c.status == "applied")
                .group_by(s.outcomes.c.uid)
            ):
                applied[uid] = n
        total = conn.execute(select(func.count()).select_from(t.sales)).scalar_one()
        refunds = set(conn.execute(select(t.refunds.c.uid)).scalars())
    missing = [u for u in uids if on_server.get(u) != 1]
    assert not missing, f"{len(missing)} committed sales are not on the server exactly once: {missing[:5]}"
    twice = [u for u in uids if applied.get(u) != 1]
    assert not twice, f"{len(twice)} sales were not applied exactly once: {twice[:5]}"
    assert total == len(uids), f"the server has {total} sales, the terminals committed {len(uids)}"
    assert book.refunds <= refunds, f"refunds missing on the server: {book.refunds - refunds}"


def _check_same_view(engine: Engine, terms: list[Terminal]) -> None:
    """Every terminal's `customer show` of every card equals the server's view at the same instant,
    the card it names too: after a phone merge that is the winner's card everywhere (the snapshot
    carries the server's card dates, and the merge dates the other card as an alias)."""
    at_ms = int(time.time() * 1000) + 60_000
    at = datetime.fromtimestamp(at_ms / 1000, tz=UTC).isoformat()
    customers = CustomerService(engine)
    server_view: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        every_card = sorted(conn.execute(select(t.cards.c.code)).scalars())
    for card in every_card:
        view = customers.customer(card, at_ms).to_json()
        view.pop("customer_id")  # a row number, different on every database
        server_view[card] = customer_json(view)  # what `customer show --json` prints of it

    def show_all(term: Terminal) -> list[str]:
        problems = []
        for card in every_card:
            _, view = term.run("customer", "show", card, "--at", at)
            want = dict(server_view[card])
            if view != want:
                diff = {k: (view.get(k), v) for k, v in want.items() if view.get(k) != v}
                problems.append(f"{term.name} card {card}: (terminal, server) {diff}")
        return problems

    problems = [p for found in _parallel([lambda term=term: show_all(term) for term in terms]) for p in found]
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(120)
def test_private_cluster_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The third way to PostgreSQL (a throwaway cluster from initdb) works and leaves nothing behind."""
    monkeypatch.setenv("LOYALTY_TEST_PG", "cluster")
    with postgres_server() as pg:
        assert pg.origin == "cluster" and pg.folder is not None and pg.folder.is_dir()
        assert pg.admin_url.startswith("postgresql://postgres@127.0.0.1:") and ":5432/" not in pg.admin_url
        with pg.database() as url:
            engine = make_engine(url)
            try:
                create_schema(engine)
                with engine.connect() as conn:
                    assert conn.execute(select(func.count()).select_from(s.terminals)).scalar_one() == 0
            finally:
                engine.dispose()
    assert not pg.folder.exists(), "the private cluster's folder must be deleted"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg.admin_url, connect_timeout=2).close()  # and its server stopped
