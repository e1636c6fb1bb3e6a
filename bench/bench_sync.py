"""Sync speed: queue drain, concurrent ingest, first pull of a large chain, sale latency during a sync.

Usage (all on 127.0.0.1; PostgreSQL comes from tests/pg.py: TEST_DATABASE_URL, the local server,
or a private throwaway cluster):

    .venv/bin/python bench/bench_sync.py drain  [--sales 10000] [--runs 3]
    .venv/bin/python bench/bench_sync.py ingest [--terminals 20] [--sales 1000] [--workers 2] [--db sqlite]
    .venv/bin/python bench/bench_sync.py pull   [--customers 100000] [--runs 1]
    .venv/bin/python bench/bench_sync.py latency [--sales 400] [--customers 5000] [--blocks 4]
    .venv/bin/python bench/bench_sync.py all --json /tmp/bench-sync.json

Each prints one JSON object (machine, date, figures). What is timed:

- drain: `SyncService.sync_once()` of a terminal whose queue holds N sales (plus the enrollments of
  the customers they name) against a real `loyalty-server serve` on a fresh database. The queue
  is made once, offline, through `CheckoutService.sell` (with synchronous=OFF: only to make the
  test data quickly), and copied for every run; each run enrolls the copy with a fresh code.
- ingest: T terminals push at once (threads of HTTP clients, batches of 500 as the terminal
  sends them) to uvicorn with W worker processes; sales per second from the first request to the
  last answer. Every terminal's items are the same real bodies with every id, card and phone
  rewritten, so no two terminals share a transaction, a customer or a phone.
- pull: a new terminal's first `sync_once()` of a chain of C customers, each with a welcome lot;
  the server's tables are filled in bulk with SQL that writes exactly what the ledger would
  (customer, card, lot, a `grant` journal row), so `verify` passes on the server.
- latency: `CheckoutService.sell` commit times (each includes its fsyncs) in alternating blocks: with
  no sync, then while a `sync_once` on another thread (as the sync worker runs it, yielding to the
  till) pulls and stores C customers the server has just gained, new to this terminal, and again, until
  each side has N/blocks. `--cashier rush` sells back to back; `--cashier paced` prices each customer's
  basket as it is scanned, then pays, then pauses, on a sped-up clock (PACED_* below).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import httpx  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from app.bootstrap import bootstrap  # noqa: E402
from app.core import schema as t  # noqa: E402
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM  # noqa: E402
from app.core.identity import card_number  # noqa: E402
from app.core.ids import uuid7  # noqa: E402
from app.core.services.results import SaleRequest  # noqa: E402
from app.core.services.support import SYSTEM  # noqa: E402
from app.core.timeutil import now_ms  # noqa: E402
from app.sync.client import SyncError  # noqa: E402
from app.sync.service import SyncService  # noqa: E402
from server import auth  # noqa: E402
from server.store import create_schema, make_engine, next_counter, transaction  # noqa: E402
from tests.pg import postgres_database  # noqa: E402

ADMIN = ("bench", "bench-password")
BIN = Path(sys.executable).parent
# The paced cashier of `latency --cashier paced`, a real counter's rhythm sped up about twenty times so a
# run takes minutes: three quotes 40 ms apart while the items are scanned, the payment, then 0.4-1.0 s
# until the next customer; the till counts as in use for 0.5 s after it last touched the database.
PACED_SCAN_S = 0.04
PACED_LULL_S = (0.4, 1.0)
PACED_BUSY_S = 0.5
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def machine() -> dict[str, Any]:
    """Where and when the figures were taken."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "load_before": [round(x, 2) for x in load]}  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _proc_cpu(*match: str) -> dict[int, float]:
    """CPU seconds (user + system) so far of every process whose command line (or title) contains
    every string of `match`, and of their children (uvicorn's workers have a command line of their own)."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, bool, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            hit = all(m in cmdline for m in match)
            procs[int(entry.name)] = (int(fields[1]), hit, (int(fields[11]) + int(fields[12])) / tick)
    chosen = {pid for pid, (_, hit, _) in procs.items() if hit}
    while True:
        more = {pid for pid, (parent, _, _) in procs.items() if parent in chosen} - chosen
        if not more:
            return {pid: procs[pid][2] for pid in chosen}
        chosen |= more


def _machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (every process on the machine, ours or not)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait


class CpuMeter:
    """Where the CPU of a timed section went: the server's processes, its database's PostgreSQL backends,
    this benchmark's own process (the terminals' side), and the whole machine (other engineers included).

    Backends are counted while alive; the server's pool keeps its connections open to the end."""

    def __init__(self, server_match: str, db: str) -> None:
        self.server_match = server_match
        self.db_match = db.rsplit("/", 1)[-1] if db.startswith("postgresql") else ""

    def _now(self) -> dict[str, Any]:
        own = os.times()
        # A backend's title is "postgres: <cluster>: <user> <database> ..."; the server's own command line
        # may hold the database URL too, so the title's prefix is part of the match.
        backends = _proc_cpu("postgres: ", f" {self.db_match} ") if self.db_match else {}
        return {"server": _proc_cpu(self.server_match), "postgres": backends,
                "bench": own.user + own.system, "machine": _machine_busy()}  # fmt: skip

    def __enter__(self) -> CpuMeter:
        self.before = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        after = self._now()

        def spent(key: str) -> float:
            # Processes that started during the section count from zero.
            return sum(v - self.before[key].get(pid, 0.0) for pid, v in after[key].items())

        self.seconds = {"server": round(spent("server"), 2), "postgres": round(spent("postgres"), 2),
                        "bench": round(after["bench"] - self.before["bench"], 2),
                        "machine": round(after["machine"] - self.before["machine"], 2)}  # fmt: skip


class Server:
    """The server as a child process on 127.0.0.1: `loyalty-server serve`, or uvicorn with workers."""

    def __init__(self, db: str, workers: int = 1) -> None:
        self.db, self.workers, self.port = db, workers, _free_port()
        self.log = Path(tempfile.mkstemp(prefix="bench-server-", suffix=".log")[1])
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        engine = make_engine(self.db)
        create_schema(engine)  # once, before several workers would race to create it
        auth.add_admin(engine, *ADMIN)
        engine.dispose()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LOYALTY_SERVER_DB": self.db,
               "LOYALTY_ADMIN_NAME": ADMIN[0], "LOYALTY_ADMIN_PASSWORD": ADMIN[1]}  # fmt: skip
        # As a chain runs it: `loyalty-server serve --workers N` (uvicorn's workers on one PostgreSQL).
        cmd = [str(BIN / "loyalty-server"), "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(self.workers)]  # fmt: skip
        profile = os.environ.get("BENCH_PROFILE_SERVER")
        if profile:  # where the server's time goes: py-spy's collapsed stacks (pip install py-spy)
            cmd = [str(BIN / "py-spy"), "record", "-r", "100", "-f", "raw", "-o", profile, "--subprocesses", "--", *cmd]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    time.sleep(0.5 if self.workers > 1 else 0)  # let every worker start
                    return self
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # SIGINT: uvicorn stops cleanly on it, and py-spy (when profiling) writes its file.
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.unlink(missing_ok=True)


class AdminApi:
    """The admin routes the benchmarks need."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=120)
        token = self.http.post("/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]}).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.store = 0

    def chain(self) -> None:
        """Program, catalog and a store."""
        self.http.post("/v1/admin/program", json={"program": DEMO_PROGRAM}).raise_for_status()
        self.http.put("/v1/admin/catalog", json={"csv": DEMO_CATALOG}).raise_for_status()
        self.store = self.http.post("/v1/admin/stores", json={"name": "Bench"}).json()["store_id"]

    def code(self, name: str) -> str:
        return str(self.http.post("/v1/admin/terminals", json={"store_id": self.store, "name": name}).json()["code"])

    def verify(self) -> bool:
        return bool(self.http.get("/v1/admin/verify").json()["ok"])


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh server database: PostgreSQL (tests/pg.py) or a SQLite file."""
    if kind == "sqlite":
        yield str(folder / f"server-{uuid.uuid4().hex[:8]}.sqlite3")
    else:
        with postgres_database() as url:
            yield url


def make_queue(path: Path, sales: int, customers: int) -> None:
    """An offline terminal with `customers` enrollments and `sales` sales queued (4 in 5 with a card)."""
    ctx = bootstrap(path, create=True)
    # synchronous=OFF only while making test data: thousands of fsyncs would time the disk, not sync.
    event.listen(ctx.engine, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA synchronous = OFF"))
    ctx.engine.dispose()
    try:
        ctx.store.init(DEMO_PROGRAM)
        ctx.catalog.import_catalog(DEMO_CATALOG, actor=SYSTEM)
        cards = [ctx.customers.enroll(f"Гость {i}", f"+7916{i:07d}", actor=SYSTEM).card for i in range(customers)]
        lines = [ctx.catalog.resolve_line(sku, 1) for sku in ("ESP", "CAP", "LAT", "CRO", "TEA")]
        for i in range(sales):
            card = cards[i % customers] if i % 5 else None
            ctx.checkout.sell(SaleRequest((lines[i % 5], lines[(i + 2) % 5]), card), actor=SYSTEM)
    finally:
        ctx.close()


def bench_drain(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """(a) drain N queued sales from one terminal."""
    template = folder / "queue.sqlite3"
    t0 = time.perf_counter()
    make_queue(template, args.sales, args.customers_in_queue)
    made = time.perf_counter() - t0
    runs = []
    for run in range(args.runs):
        with database(args.db, folder) as db, Server(db) as server:
            admin = AdminApi(server.url)
            admin.chain()
            term = folder / f"drain-{run}.sqlite3"
            shutil.copy(template, term)
            ctx = bootstrap(term)
            sync = SyncService(ctx.engine)
            sync.enroll(server.url, admin.code(f"drain-{run}"), actor=SYSTEM)
            start = time.perf_counter()
            failures: list[str] = []
            with CpuMeter(f"--port {server.port}", db) as cpu:
                while True:
                    # As the sync worker does: a failed cycle (a push slower than the client's
                    # timeout, say) is tried again; the ids make the re-send harmless.
                    try:
                        report = sync.sync_once()
                        break
                    except SyncError as exc:
                        failures.append(str(exc))
                        if len(failures) > 200:
                            raise
            seconds = time.perf_counter() - start
            assert report.queue == 0, report
            ok = admin.verify()
            ctx.close()
            runs.append({"seconds": round(seconds, 2), "pushed": report.pushed, "pulled": report.pulled,
                         "failed_cycles": failures, "server_verify_ok": ok, "cpu_s": cpu.seconds})  # fmt: skip
            print(f"drain run {run}: {runs[-1]}", file=sys.stderr, flush=True)
    median = statistics.median(r["seconds"] for r in runs)
    return {"bench": "drain", "db": args.db, "sales": args.sales, "queue_made_s": round(made, 1), "runs": runs,
            "median_s": median, "sales_per_s": round(args.sales / median), "target_s": 10,
            "ratio_to_target": round(median / 10, 2)}  # fmt: skip


def _rewrite(text: str, k: int, ids: dict[str, str]) -> str:
    """Make terminal k's copy of a body: new ids, cards and phones that no other terminal has."""
    text = UUID_RE.sub(
        lambda m: ids.setdefault(m.group(0), str(uuid.uuid5(uuid.NAMESPACE_OID, f"{k}:{m.group(0)}"))), text
    )
    text = re.sub(r'"(29\d{11})"', lambda m: f'"{m.group(1)[:2]}{k:02d}{m.group(1)[4:]}"', text)
    return re.sub(r'"\+7916(\d{7})"', lambda m: f'"+79{k + 20:02d}{m.group(1)}"', text)


def bench_ingest(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """(b) T terminals pushing at once."""
    template = folder / "ingest-queue.sqlite3"
    make_queue(template, args.sales, args.customers_in_queue)
    ctx = bootstrap(template)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.kind, t.outbox.c.uid, t.outbox.c.body).order_by(t.outbox.c.seq)).all()
    ctx.close()
    rows = [r for r in rows if r.kind in ("enroll", "sale")]
    sales_each = sum(1 for r in rows if r.kind == "sale")
    customers = [r.uid for r in rows if r.kind == "enroll"]
    with database(args.db, folder) as db, Server(db, args.workers) as server:
        admin = AdminApi(server.url)
        admin.chain()
        terminals = []
        shared: dict[str, str] = {}
        setup: list[tuple[str, list[bytes]]] = []
        for k in range(args.terminals):
            enrolled = httpx.post(server.url + "/v1/terminals/enroll", json={"code": admin.code(f"ingest-{k}")}).json()
            # --shared: every terminal sells to the customers terminal 0 enrolled (pushed before the clock
            # starts), so concurrent pushes lock the same customer rows; otherwise no two terminals share one.
            ids: dict[str, str] = dict(shared) if args.shared else {}
            mine = [r for r in rows if r.kind == "sale" or not (args.shared and k)]
            items = [{"uid": _rewrite(r.uid, k, ids), "seq": i + 1, "kind": r.kind,
                      "body": json.loads(_rewrite(r.body, k, ids))} for i, r in enumerate(mine)]  # fmt: skip
            if args.shared and k == 0:
                shared = {u: ids[u] for u in customers}
                first = sum(1 for r in mine if r.kind == "enroll")
                setup.append(
                    (enrolled["token"], [json.dumps({"epoch": enrolled["epoch"], "items": items[:first]}).encode()])
                )
                items = items[first:]
            batches = [
                json.dumps({"epoch": enrolled["epoch"], "items": items[i : i + 500]}).encode()
                for i in range(0, len(items), 500)
            ]
            terminals.append((enrolled["token"], batches))

        def push_all(token: str, batches: list[bytes]) -> int:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            applied = 0
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as http:
                for batch in batches:
                    answer = http.post("/v1/sync/push", content=batch)
                    answer.raise_for_status()
                    applied += sum(1 for r in answer.json()["results"] if r["status"] == "applied")
            return applied

        for token, batches in setup:
            push_all(token, batches)
        start = time.perf_counter()
        with CpuMeter(f"--port {server.port}", db) as cpu, ThreadPoolExecutor(max_workers=args.terminals) as pool:
            applied = sum(pool.map(lambda tb: push_all(*tb), terminals))
        seconds = time.perf_counter() - start
        ok = admin.verify()
        size = _bytes_per_table(db) if args.db == "postgresql" else {}
    total_sales = sales_each * args.terminals
    sent = sum(len(json.loads(b)["items"]) for _, batches in terminals for b in batches)
    assert applied == sent, f"applied {applied} of {sent}"
    return {"bench": "ingest", "db": args.db, "workers": args.workers, "terminals": args.terminals,
            "shared_customers": args.shared,
            "sales": total_sales, "items": applied, "seconds": round(seconds, 2),
            "sales_per_s": round(total_sales / seconds), "items_per_s": round(applied / seconds),
            "target_sales_per_s": 2000, "ratio_to_target": round(total_sales / seconds / 2000, 2),
            "server_verify_ok": ok, "cpu_s": cpu.seconds,
            "cpu_ms_per_sale": {k: round(1000 * v / total_sales, 3) for k, v in cpu.seconds.items()},
            "db_bytes_per_sale": {k: round(v / total_sales) for k, v in size.items()}}  # fmt: skip


def _bytes_per_table(db: str) -> dict[str, int]:
    """Each table's size on disk with its indexes and TOAST (PostgreSQL), and the total, after a VACUUM (the
    space of rows the push updated is then free for the next rows, though still counted here)."""
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")
            rows = conn.exec_driver_sql(
                "SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables ORDER BY 2 DESC"
            ).all()
    finally:
        engine.dispose()
    sizes = {str(name): int(size) for name, size in rows if size}
    return {"total": sum(sizes.values()), **sizes}


def fill_chain(db: str, customers: int, chunk: int = 5000, first: int = 0) -> None:
    """C customers with a card and a 100-point welcome lot, written as the ledger writes an enrollment
    (numbered from `first`: their phones and cards follow from the number)."""
    engine = make_engine(db)
    create_schema(engine)
    at = now_ms() - 86_400_000
    expires = at + 365 * 86_400_000
    with transaction(engine) as conn:
        # One change number each, as separate enrollments get: a pull page never splits a number,
        # so one number shared by all would make the first page the whole chain.
        change = next_counter(conn, "change", customers) - customers + 1
    for start in range(first, first + customers, chunk):
        n = min(chunk, first + customers - start)
        with transaction(engine) as conn:
            # UUIDv7 as terminals mint them (sync.md): time-ordered, so a page's ids follow one another
            # in the replica's indexes as they do in a real chain (random ids cost each insert a page).
            uids = [uuid7() for _ in range(n)]
            conn.execute(insert(t.customers), [
                {"uid": u, "name": f"Клиент {start + i}", "name_search": f"клиент {start + i}",
                 "phone": f"+7917{start + i:07d}", "birthday": None, "referrer_id": None, "referral_paid": 0,
                 "consent_at": at, "enrolled_at": at, "last_op_at": at, "debt": 0, "expired_total": 0, "blocked": 0,
                 "merged_into": None, "snapshot_seq": 0, "flagged": 0, "change_seq": change + start - first + i}
                for i, u in enumerate(uids)])  # fmt: skip
            ids = dict(
                conn.execute(select(t.customers.c.uid, t.customers.c.id).where(t.customers.c.uid.in_(uids))).all()
            )
            conn.execute(insert(t.cards), [
                {"code": card_number(9_000_000 + start + i), "customer_id": ids[u], "active": 1, "issued_at": at}
                for i, u in enumerate(uids)])  # fmt: skip
            lots = [(u, uuid7()) for u in uids]
            conn.execute(insert(t.lots), [
                {"uid": lot, "customer_id": ids[u], "points": 100, "remaining": 100, "available_at": at,
                 "expires_at": expires, "source": "welcome", "txn_uid": u} for u, lot in lots])  # fmt: skip
            conn.execute(insert(t.journal), [
                {"customer_id": ids[u], "lot_uid": lot, "kind": "grant", "points": 100, "at": at, "txn_uid": u}
                for u, lot in lots])  # fmt: skip
    engine.dispose()


def bench_pull(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """(c) a new terminal's first pull of a large chain."""
    runs = []
    with database(args.db, folder) as db:
        t0 = time.perf_counter()
        fill_chain(db, args.customers)
        filled = time.perf_counter() - t0
        with Server(db) as server:
            admin = AdminApi(server.url)
            admin.chain()
            for run in range(args.runs):
                ctx = bootstrap(folder / f"pull-{run}.sqlite3", create=True)
                ctx.start_background()  # as the till runs: WAL checkpoints beside the pull, not inside it
                ctx.store.init()
                sync = SyncService(ctx.engine)
                sync.enroll(server.url, admin.code(f"pull-{run}"), actor=SYSTEM)
                start = time.perf_counter()
                # Where the CPU went: the terminal is this process; "machine" counts every process on the
                # two cores, other engineers' included, which is why the wall time moves with the load.
                with CpuMeter(f"--port {server.port}", db) as cpu:
                    report = sync.sync_once()
                seconds = time.perf_counter() - start
                with ctx.engine.connect() as conn:
                    have = len(conn.execute(select(t.customers.c.id)).all())
                ok = ctx.verifier.verify().ok
                ctx.close()
                runs.append({"seconds": round(seconds, 2), "pulled": report.pulled, "customers_on_terminal": have,
                             "terminal_verify_ok": ok, "cpu_s": cpu.seconds,
                             "load": [round(x, 2) for x in os.getloadavg()]})  # fmt: skip
                print(f"pull run {run}: {runs[-1]}", file=sys.stderr, flush=True)
            server_ok = admin.verify()
    median = statistics.median(r["seconds"] for r in runs)
    return {"bench": "pull", "db": args.db, "customers": args.customers, "fill_s": round(filled, 1), "runs": runs,
            "median_s": median, "customers_per_s": round(args.customers / median), "target_s": 20,
            "ratio_to_target": round(median / 20, 2), "server_verify_ok": server_ok}  # fmt: skip


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(ordered), "median_ms": pick(0.5), "p95_ms": pick(0.95), "p99_ms": pick(0.99), "max_ms": pick(1.0)}


def bench_latency(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """(d) sale commit times with no sync, and while the sync stores C customers new to this terminal."""
    with database(args.db, folder) as server_db:
        fill_chain(server_db, 1)
        with Server(server_db) as server:
            admin = AdminApi(server.url)
            admin.chain()
            ctx = bootstrap(folder / "latency.sqlite3", create=True)
            ctx.start_background()  # as the till runs: WAL checkpoints between sales, not inside one
            ctx.store.init()
            sync = SyncService(ctx.engine)
            sync.enroll(server.url, admin.code("latency"), actor=SYSTEM)
            sync.sync_once()  # program, catalog and the customer whose card the sales name
            sync.yield_to_till()  # as the app's SyncWorker runs it: the cashier comes first
            rng = random.Random(7)
            if args.cashier == "paced":
                sync.till_busy_s = PACED_BUSY_S  # the till's sense of "in use", on the paced cashier's time scale
            card = card_number(9_000_000)
            lines = (ctx.catalog.resolve_line("CAP", 1), ctx.catalog.resolve_line("CRO", 1))

            def sell(i: int) -> float:
                request = SaleRequest(lines, card if i % 2 else None)
                if args.cashier == "paced":
                    # A customer: the card and items are looked up and priced while they are scanned,
                    # then the payment; then the till stands idle until the next customer.
                    for _ in range(3):
                        ctx.checkout.quote(request)
                        time.sleep(PACED_SCAN_S)
                start = time.perf_counter_ns()
                ctx.checkout.sell(request, actor=SYSTEM)
                took = (time.perf_counter_ns() - start) / 1e6
                if args.cashier == "paced":
                    time.sleep(rng.uniform(*PACED_LULL_S))
                else:
                    time.sleep(0.005)  # a rush: sales back to back, leaving the sync thread its turns
                return took

            for i in range(20):  # warm-up
                sell(i)
            quiet: list[float] = []
            busy: list[float] = []
            cycles: list[dict[str, Any]] = []
            per_block = max(1, args.sales // args.blocks)
            added = 1
            # Alternating blocks, so drift (a growing WAL, other processes' load) falls on both sides alike.
            # A busy block sells while the sync pulls and stores C customers the server has just gained
            # (the costly case: every one is new here), and takes as many such pulls as its sales need.
            for _ in range(args.blocks):
                quiet += [sell(i) for i in range(per_block)]
                sold = 0
                while sold < per_block:
                    fill_chain(server_db, args.customers, first=added)
                    added += args.customers
                    with ThreadPoolExecutor(max_workers=1) as pool:
                        pulling = pool.submit(_timed_sync, sync)
                        while not pulling.done() and sold < per_block:
                            busy.append(sell(sold))
                            sold += 1
                        cycles.append(pulling.result(timeout=600))
            verify_ok = ctx.verifier.verify().ok
            ctx.close()
    failed = [c for c in cycles if "error" in c]
    assert not failed, f"a sync failed: {failed[:3]}"
    q, b = _percentiles(quiet), _percentiles(busy)
    return {"bench": "latency", "db": args.db, "customers_per_pull": args.customers, "blocks": args.blocks,
            "cashier": args.cashier, "no_sync": q, "during_sync": b, "pulls": len(cycles),
            "pull_s": [c["seconds"] for c in cycles], "pull_waited_s": [c["waited"] for c in cycles],
            "terminal_verify_ok": verify_ok, "p99_ratio": round(b["p99_ms"] / q["p99_ms"], 2),
            "median_ratio": round(b["median_ms"] / q["median_ms"], 2), "target_p99_ratio": 1.10}  # fmt: skip


def _timed_sync(sync: SyncService) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        report = sync.sync_once()
    except Exception as exc:  # reported with the figures, never silent
        return {"error": repr(exc)}
    return {"seconds": round(time.perf_counter() - start, 2), "pulled": report.pulled,
            "waited": round(sync.pull_waited_s(), 2)}  # fmt: skip


def main() -> int:
    """Run one benchmark (or all) and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["drain", "ingest", "pull", "latency", "all"])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--sales", type=int)
    parser.add_argument("--customers", type=int)
    parser.add_argument("--customers-in-queue", type=int, default=100)
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shared", action="store_true", help="ingest: every terminal sells to the same customers")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=4, help="latency: quiet/busy block pairs")
    parser.add_argument("--cashier", choices=["rush", "paced"], default="rush",
                        help="latency: sales back to back, or customers priced as scanned, pauses between")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine(), "results": []}
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        plan = ["drain", "ingest", "pull", "latency"] if args.what == "all" else [args.what]
        defaults = {"drain": (10_000, None), "ingest": (1_000, None), "pull": (None, 100_000), "latency": (400, 5_000)}
        for what in plan:
            sales, customers = defaults[what]
            ns = argparse.Namespace(**{**vars(args), "sales": args.sales or sales,
                                       "customers": args.customers or customers})  # fmt: skip
            result = globals()[f"bench_{what}"](ns, folder)
            print(json.dumps(result, ensure_ascii=False), flush=True)
            out["results"].append(result)
    out["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    print(json.dumps(out["machine"]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
