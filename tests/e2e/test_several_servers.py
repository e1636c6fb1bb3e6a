"""Three server processes on one PostgreSQL behind a round-robin proxy, under the fault tests.

1. three `loyalty-server serve` processes on one fresh PostgreSQL database, each ticking its expiry
   timer every second; before they start, the database holds customers whose points are due to
   expire; a `FaultProxy` over the three ports hands each new connection to the next process;
2. three `loyalty-terminal` processes init, enroll through the proxy, add customers, sell and sync
   while the proxy resets requests and cuts replies after the server committed;
3. one terminal's queued push is sent to the three processes at the same instant (a terminal whose
   retry reached another process while the first was still booking): each item is applied once;
4. `kill -9` of a terminal in the middle of its sync, and of the server process that is booking a
   large push (the proxy then sends the retries to the other two; the killed one starts again);
5. the network heals and every promise is checked: every committed sale is on the server exactly
   once, `verify` passes on the server and every terminal, every terminal shows every card as the
   server does, every queue is empty; and expiry ran once: one expiry row per due lot, although
   three processes ticked for the whole test.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, func, select

from app.bootstrap import bootstrap
from app.cli import customer_json
from app.core import repo
from app.core import schema as t
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from app.core.services.customers import CustomerService
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.sync import replica
from server import expiry
from server import schema as s
from server.main import main as server_main
from server.store import POOL_ENV, create_schema, make_engine
from tests.e2e.conftest import Admin, ServerProcess, Terminal
from tests.e2e.proxy import FaultProxy, Mode
from tests.e2e.test_real_processes import (
    Ledger,
    _check_exactly_once,
    _kill9,
    _log,
    _parallel,
    _sync,
    _sync_round,
)
from tests.inprocess import run_main
from tests.integration.test_server_processes import customers_with_lots

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PROCESSES = 3
DUE = 2  # customers whose points are due to expire when the servers start
BIG_QUEUE = 520  # more than one push batch (500)


def _queue_sales(term: Terminal, book: Ledger, n: int) -> None:
    """Fill a terminal's queue fast, in-process through the checkout service the CLI uses (anonymous sales).

    synchronous=OFF spares ~n fsyncs of test data; the durability of one CLI sale is not tested here."""
    ctx = bootstrap(term.db)
    event.listen(ctx.engine, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA synchronous = OFF"))
    try:
        line = ctx.catalog.resolve_line("ESP", 1)
        for _ in range(n):
            book.sales[ctx.checkout.sell(SaleRequest((line,), None), actor=SYSTEM).uid] = term.name
    finally:
        ctx.close()


def _queued_push(term: Terminal) -> tuple[str, dict[str, Any]]:
    """The terminal's token and the push its next sync would send (the oldest 500 queued items)."""
    ctx = bootstrap(term.db)
    try:
        with ctx.engine.connect() as conn:
            token, epoch = repo.get_meta(conn, "token"), repo.get_meta(conn, "epoch")
            items = replica.pending(conn, 500)
    finally:
        ctx.close()
    assert token and epoch and items
    return token, {"epoch": int(epoch), "items": items}


# The closing checks read state: what the real processes left behind is read in this process, through the
# same command line (`app.cli.main`), instead of ~30 more processes at ~0.7 s of CPU each, nearly all imports.


def _read(term: Terminal, *args: str) -> dict[str, Any]:
    """`loyalty-terminal --db DB --json ARGS` in this process, which must succeed; its JSON answer."""
    done = run_main(["--db", str(term.db), "--json", *args])
    assert done.returncode == 0, f"{term.name} {' '.join(args)} exited {done.returncode}: {done.stdout} {done.stderr}"
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _server_verify(url: str) -> dict[str, Any]:
    """`loyalty-server --db URL verify` in this process; its JSON report."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = server_main(["--db", url, "verify"])
    assert code == 0, f"loyalty-server verify failed: {out.getvalue()}"
    return dict(json.loads(out.getvalue()))


def _check_same_view(engine: Engine, terms: list[Terminal]) -> None:
    """Every terminal's `customer show` of every card equals the server's view at the same instant, the card
    it names too (tests/e2e/test_real_processes.py's check, each `customer show` run in this process)."""
    at_ms = int(time.time() * 1000) + 60_000
    at = datetime.fromtimestamp(at_ms / 1000, tz=UTC).isoformat()
    customers = CustomerService(engine)
    with engine.connect() as conn:
        every_card = sorted(conn.execute(select(t.cards.c.code)).scalars())
    problems = []
    for card in every_card:
        want = customers.customer(card, at_ms).to_json()
        want.pop("customer_id")  # a row number, different on every database
        want = customer_json(want)  # what `customer show --json` prints of it
        for term in terms:
            view = _read(term, "customer", "show", card, "--at", at)
            if view != want:
                diff = {k: (view.get(k), v) for k, v in want.items() if view.get(k) != v}
                problems.append(f"{term.name} card {card}: (terminal, server) {diff}")
    assert not problems, "\n".join(problems)


def _same_push_to_every_process(servers: list[ServerProcess], token: str, push: dict[str, Any]) -> None:
    """The same push, to each process at the same instant: one booking per item, the rest duplicates."""
    start = threading.Barrier(len(servers))

    def send(server: ServerProcess) -> list[dict[str, Any]]:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            start.wait()
            answer = http.post("/v1/sync/push", json=push, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return list(answer.json()["results"])

    with ThreadPoolExecutor(len(servers)) as pool:
        answers = list(pool.map(send, servers))
    for n, item in enumerate(push["items"]):
        statuses = sorted(answer[n]["status"] for answer in answers)
        assert statuses == ["applied"] + ["duplicate"] * (len(servers) - 1), (item["uid"], statuses)


def test_three_server_processes_behind_a_round_robin_proxy(pg_server: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    with pg_server.database() as url:
        engine = make_engine(url)
        create_schema(engine)
        # Due long ago (the grace is at most days): the first tick of any process finds them.
        due = customers_with_lots(engine, DUE, expires_at=int(time.time() * 1000) - 400 * 86_400_000)
        servers = [
            ServerProcess(url, tmp_path / f"server-{i}.log", env={"LOYALTY_EXPIRY_INTERVAL": "1"})
            for i in range(PROCESSES)
        ]
        proxy = FaultProxy([server.port for server in servers])
        try:
            _parallel([server.start for server in servers])  # together: each upgrades nothing, makes the admin once
            proxy.start()
            _scenario(engine, url, servers, proxy, tmp_path)
            _log("expiry")
            with engine.connect() as conn:
                rows = conn.execute(
                    select(t.journal.c.lot_uid, func.count())
                    .where(t.journal.c.kind == "expire")
                    .group_by(t.journal.c.lot_uid)
                ).all()
                ran_at = repo.get_meta(conn, expiry.LAST_RUN_KEY)
            assert dict(rows) == {f"{uid}-lot": 1 for uid in due}, rows
            assert ran_at is not None
            assert all(proxy.upstreams[server.port] > 0 for server in servers), proxy.upstreams
        finally:
            proxy.stop()
            for server in servers:
                server.stop()
            engine.dispose()
    _log(f"done in {time.monotonic() - started:.0f} s")


def _scenario(engine: Engine, url: str, servers: list[ServerProcess], proxy: FaultProxy, tmp_path: Path) -> None:
    admin = Admin(servers[0].url)
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

        _log("setup")

        def setup(term: Terminal, code: str, phone: str) -> str:
            term.run("init")
            term.run("enroll", "--server", proxy.url, "--code", code)
            card = str(term.run("customer", "add", "--name", f"Гость {term.name}", "--phone", phone)[1]["card"])
            _sync(term, book)  # pushes the customer, pulls the program, the catalog and the due customers
            return card

        phones = ("+79160000101", "+79160000102", "+79160000103")
        jobs = zip(terms, codes, phones, strict=True)
        cards = _parallel([lambda a=term, b=code, c=phone: setup(a, b, c) for term, code, phone in jobs])

        _log("faults")
        # A reset cuts the request before the server has it all; a cut loses the reply after it committed.
        modes: tuple[Mode, ...] = ("reset", "cut")
        for mode in modes:
            proxy.set_mode(mode)

            def round_(term: Terminal, card: str) -> int:
                book.sale(term, term.sale(card, "ESP", "TEA"))
                return _sync(term, book, ok=False)

            rcs = _parallel([lambda a=term, b=card: round_(a, b) for term, card in zip(terms, cards, strict=True)])
            assert rcs == [2, 2, 2], f"sync in {mode} mode exited {rcs}"
        proxy.set_mode("pass")
        _sync_round(terms, book, attempts=2)  # what the cut replies left unacknowledged is acknowledged now

        _log("one push, three processes at once")
        _queue_sales(t2, book, 120)
        token, push = _queued_push(t2)
        _same_push_to_every_process(servers, token, push)

        _log("kill -9 of a terminal")
        _queue_sales(t3, book, BIG_QUEUE)
        proxy.hold_replies()
        proc = t3.popen("sync")
        assert proxy.wait_held(1, timeout=60), "the terminal never pushed"
        ended = _kill9(proc)
        proxy.release_replies()
        assert ended is None, "the kill came after the sync had finished"
        assert _read(t3, "verify")["ok"] is True

        _log("kill -9 of the server process booking a push")
        _queue_sales(t1, book, BIG_QUEUE)
        pushes = proxy.count("POST /v1/sync/push", whole=True)
        proxy.hold_replies()
        proc = t1.popen("sync")
        assert proxy.wait_for("POST /v1/sync/push", pushes + 1, timeout=60, whole=True), "the terminal never pushed"
        booking = next(server for server in servers if server.port == proxy.upstream_of("POST /v1/sync/push"))
        booking.kill9()
        proxy.release_replies()
        assert proc.wait(timeout=60) != 0, "a sync whose server died must not report success"

        _log("heal: two processes, then three")
        _sync_round(terms, book, attempts=4)  # the proxy skips the dead process
        booking.start()
        _sync_round(terms, book, attempts=4)
        for term in terms:
            assert _read(term, "sync", "--status")["queue"] == 0, f"{term.name} still has a queue"
        assert not book.rejections or all("managed on the server" in r for r in book.rejections), book.rejections

        _check_exactly_once(engine, book)
        report = _server_verify(url)
        assert report["ok"] and report["customers"] >= 3 + DUE, report
        for term in terms:
            assert _read(term, "verify")["ok"] is True, term.name
        _check_same_view(engine, terms)
        with engine.connect() as conn:
            pushed_by = set(
                conn.execute(select(s.outcomes.c.terminal_id).where(s.outcomes.c.kind == "sale").distinct()).scalars()
            )
        assert len(pushed_by) == 3
    finally:
        admin.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def test_serve_with_workers_runs_that_many_processes_each_with_its_share_of_connections(
    pg_server: Any, tmp_path: Path
) -> None:
    with pg_server.database() as url:
        server = ServerProcess(url, tmp_path / "server.log", env={"LOYALTY_SERVER_WORKERS": "2"})
        try:
            server.start()
            admin = Admin(server.url)  # the admin was made once, before the workers
            admin.call("POST", "/v1/admin/stores", json={"name": "Магазин"})
            assert [s["name"] for s in admin.call("GET", "/v1/admin/stores")["stores"]] == ["Магазин"]
            admin.close()
            assert server.proc is not None
            workers = [
                pid for pid in _children(server.proc.pid) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
            assert len(workers) == 2, workers
            for pid in workers:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                assert f"{POOL_ENV}=15".encode() in environ  # 30 connections in all, shared by the two
        finally:
            server.stop()
