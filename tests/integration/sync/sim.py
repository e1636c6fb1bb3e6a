"""A deterministic simulation of terminals syncing with the central server (sync.md, "How to test it").

One process holds N terminals (real SQLite files, each its own bootstrap Context and SyncService)
and one server (`create_app` on a SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set).
Everything that could make two runs differ is pinned to the seed:

- a virtual clock: every service call gets an explicit `at=`; the modules that read the wall clock
  (`now_ms`) are pointed at the virtual clock (terminals see it shifted by their skew), and the
  server's expiry job runs with an explicit `now` and `grace`;
- transaction ids: `uuid7` is replaced by a seeded generator with the same layout;
- the network: an `httpx.BaseTransport` between every terminal and the server's TestClient transport
  that drops requests, drops replies after the server committed, duplicates, holds back and
  reorders, partitions a terminal for a while and answers garbage, all drawn from the seed;
- crash points: a terminal "dies" by raising `SimCrash` before a commit, after a commit, after a
  push reached the server but before the ack was stored, between pushed batches and between pulled
  chunks or pages; it is then reopened from its SQLite file with a fresh Context, as after a restart.

A safety phase runs a random workload with faults; a liveness phase then heals everything and syncs
until every queue is empty. Every promise that must always hold is checked after every step; the
convergence and bounded double-spend promises are checked at the end. A failure names the seed and
the step, and `SIM_SEED=<seed> pytest tests/integration/sync/test_sim.py` replays it.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

import app.core.repo as core_repo
import app.sync.replica as sync_replica
import app.sync.service as sync_service
import server.api as server_api
import server.auth as server_auth
import server.expiry as server_expiry
import server.ingest as server_ingest
import server.limits as server_limits
import server.snapshots as server_snapshots
from app.bootstrap import Context, bootstrap
from app.core import backup as core_backup
from app.core import db as core_db
from app.core import repo
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.identity import normalize_phone
from app.core.ids import uuid7
from app.core.services.customers import CustomerService
from app.core.services.results import RefundResult, SaleRequest, SaleResult
from app.core.services.verify import VerifyService
from app.core.timeutil import DAY_MS as DAY_MS  # re-exported for the focused tests
from app.core.timeutil import from_ms
from app.sync.client import Refused, SyncError
from app.sync.service import SyncService
from server import schema as s
from server.authority import prune_change_log
from server.config import Settings
from server.store import make_engine
from server.store import transaction as server_transaction

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
SIM_START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: a fixed origin, so every run sees the same dates
SERVER_URL = "http://sim-server"
ADMIN_NAME, ADMIN_PASSWORD = "sim-admin", "sim-admin-password"

OFFLINE_REDEEM_CAP = 150
TERMINAL_REDEEM_CAP = 400
MAX_OFFLINE_HOURS = 48
SKEW_STOP_SECONDS = 600
# The server waits at least as long as the longest offline window before writing expired lots off.
GRACE_MS = max(MAX_OFFLINE_HOURS, 72) * HOUR_MS
# The change log's horizon in the simulation (production: 30 days): one offline window, so runs prune often.
CHANGE_LOG_HORIZON_MS = MAX_OFFLINE_HOURS * HOUR_MS

# Small enough that a few hundred steps see activation (1 day), expiry (10 days) and the grace
# period; small caps so offline double spend is frequent and its bound is easy to check.
SIM_PROGRAM: dict[str, Any] = {
    "name": "Simulation",
    "point_value": 100,
    "timezone": "Europe/Moscow",
    "tiers": [
        {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "10"},
        {"name": "Gold", "min_spend": 400000, "discount_pct": "3", "earn_rate_pct": "15"},
    ],
    "redeem": {"max_share_pct": "50", "min_balance": 0},
    "activation_days": 1,
    "expiry_days": 10,
    "category_multipliers": {"coffee": "2"},
    "welcome_bonus": {"points": 100, "expiry_days": 5},
    "birthday_bonus": {"points": 120, "days_before": 3, "days_after": 3, "expiry_days": 7},
    "referral": {"referrer_points": 80, "referee_points": 40, "min_first_purchase": 30000},
    "stamps": [{"id": "coffee", "category": "coffee", "needed": 4}],
    "rewards": [{"id": "cookie", "name": "Cookie", "points": 60}],
    # Chain-wide limits (promise 9): a coupon the whole chain may use a few times, and one per card.
    "coupons": [
        {"code": "FEW", "kind": "percent", "value": "10", "max_uses": 4},
        {"code": "ONCE", "kind": "amount", "value": 3000, "per_customer_max": 1, "requires_card": True},
    ],
    "restore_expiry_days": 7,
    "offline_redeem_cap": OFFLINE_REDEEM_CAP,
    "offline": {
        "terminal_redeem_cap": TERMINAL_REDEEM_CAP,
        "max_offline_hours": MAX_OFFLINE_HOURS,
        "skew_warn_seconds": 60,
        "skew_stop_seconds": SKEW_STOP_SECONDS,
    },
}

SIM_CATALOG = """sku,name,category,price,barcode
ESP,Espresso,coffee,120.00,
CAP,Cappuccino,coffee,180.00,
LAT,Latte,coffee,200.00,
TEA,Tea,tea,110.00,
CRO,Croissant,bakery,150.00,
CHZ,Cheesecake,bakery,290.00,
JUI,Juice,drinks,190.00,
"""
SKUS = ("ESP", "CAP", "LAT", "TEA", "CRO", "CHZ", "JUI")

# What an action does, with its weight in the safety phase. Faults are actions too, so a seed
# decides both the workload and the weather.
ACTIONS: dict[str, int] = {
    "sale": 34,
    "enroll": 9,
    "refund": 7,
    "sync": 22,
    "tick": 5,
    "expiry": 3,
    "crash": 5,
    "partition": 2,
    "deliver_held": 3,
    "replay": 3,
    "skew": 1,
    "reenroll": 1,
    "server_restart": 1,
    "lookup": 2,
}
CRASH_POINTS = ("before_commit", "after_commit", "after_send", "mid_push", "mid_pull", "mid_page")
NETWORK_FAULTS = (
    "drop_request",  # lost before the server saw it
    "drop_reply",  # the server committed, the answer is lost (connection reset)
    "duplicate",  # the same request arrives twice
    "delay",  # held back and delivered later, after the terminal gave up and maybe re-sent it
    "garbage_500",  # an HTML error page from a proxy; the server never saw the request
    "garbage_500_after",  # the server committed, then a proxy replaced the answer with an error page
    "garbage_200",  # the server committed, the terminal gets a 200 that is not JSON (a captive portal)
    "garbage_json",  # the server committed, the terminal gets JSON that is not the protocol
)


SIM_MANAGER = "Менеджер смены"  # the store's manager registered on the server
SIM_PHONE_KEY = "5e" * 32


class SimCrash(BaseException):
    """A terminal dies at a crash point (BaseException, so no `except Exception` in the code under test eats it)."""


class SimFailure(AssertionError):
    """A promise was broken: the message names the seed, the step and how to replay it."""


# ----------------------------------------------------------------------------- clock and ids


class VirtualClock:
    """Server time, and each terminal's view of it (server time + that terminal's skew)."""

    def __init__(self, start: int) -> None:
        self.now = start
        self.skews: dict[int, int] = {}
        self.acting: int | None = None

    def server_ms(self) -> int:
        """The server's wall clock."""
        return self.now

    def terminal_ms(self) -> int:
        """The wall clock of the terminal currently acting (the server's when none is)."""
        return self.now + (self.skews.get(self.acting, 0) if self.acting is not None else 0)

    def at(self, terminal: int) -> int:
        """The business time a terminal stamps on an operation now."""
        return self.now + self.skews.get(terminal, 0)

    @contextmanager
    def acting_as(self, terminal: int) -> Iterator[None]:
        """Code run inside reads this terminal's clock (sync runs server code in between, which reads its own)."""
        before, self.acting = self.acting, terminal
        try:
            yield
        finally:
            self.acting = before


class TerminalClock:
    """One terminal's wall clock on the virtual clock, as its services read it (app.core.clock.Clock).

    Operations are dated on the virtual clock; the terminal refuses one dated ahead of its own clock
    (sync.md promise 13), so its clock must be the same virtual one, not the machine's."""

    def __init__(self, clock: VirtualClock, terminal: int) -> None:
        self.clock = clock
        self.terminal = terminal

    def now(self) -> datetime:
        """The terminal's instant: the server's virtual time plus this terminal's skew."""
        return from_ms(self.clock.at(self.terminal))


class SeededIds:
    """UUIDv7 strings from the virtual clock and a seeded generator: same seed, same ids."""

    def __init__(self, clock: VirtualClock, seed: int) -> None:
        self.clock = clock
        self.rng = random.Random(f"ids:{seed}")
        self.last_ms = 0
        self.counter = 0

    def __call__(self, now_ms: int | None = None) -> str:
        """Same signature and layout as app.core.ids.uuid7, monotonic within the run."""
        ms = self.clock.terminal_ms() if now_ms is None else now_ms
        if ms <= self.last_ms:
            ms = self.last_ms
            self.counter += 1
            if self.counter > 0xFFF:
                ms += 1
                self.counter = 0
        else:
            self.counter = self.rng.getrandbits(10)
        self.last_ms = ms
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | self.counter << 64 | 0b10 << 62 | self.rng.getrandbits(62)
        return str(uuid.UUID(int=value))


class Patches:
    """Attribute patches undone in reverse order (the simulation also runs outside pytest, in the soak)."""

    def __init__(self) -> None:
        self._saved: list[tuple[object, str, object]] = []

    def set(self, target: object, name: str, value: object) -> None:
        """Replace target.name until undo()."""
        self._saved.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    def undo(self) -> None:
        """Restore everything patched."""
        while self._saved:
            target, name, value = self._saved.pop()
            setattr(target, name, value)


@contextmanager
def one_shot_crash(module: object, name: str, on_call: int, fired: list[str]) -> Iterator[None]:
    """Make module.name raise SimCrash on its `on_call`-th call (calls before it run normally)."""
    real: Callable[..., Any] = getattr(module, name)
    calls = 0

    def trap(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == on_call:
            fired.append(name)
            raise SimCrash(f"crash in {name} (call {calls})")
        return real(*args, **kwargs)

    setattr(module, name, trap)
    try:
        yield
    finally:
        setattr(module, name, real)


# ----------------------------------------------------------------------------- network


@dataclass
class Held:
    """A request the network holds back, delivered later (after the sender gave up on it)."""

    terminal: int
    request: httpx.Request
    step: int


@dataclass
class PushSeen:
    """One push answer the server gave (whatever the network then did with it)."""

    terminal: int
    step: int
    items: list[dict[str, Any]]
    results: list[dict[str, Any]]


class Network:
    """The seeded weather between terminals and the server; it also watches every push answer."""

    def __init__(self, rng: random.Random, inner: httpx.BaseTransport) -> None:
        self.rng = rng
        self.inner = inner
        self.fault_rate = 0.0
        self.partitioned: dict[int, int] = {}  # terminal -> first step it can talk again
        self.held: list[Held] = []
        self.faults: Counter[str] = Counter()
        self.pushes: list[PushSeen] = []
        self.forwarded = 0
        self.step = 0
        self.server_errors: list[str] = []
        self.script: list[str | None] = []  # faults for the next requests, in order (focused tests)

    def link(self, terminal: int) -> TerminalLink:
        """The transport one terminal's SyncService uses."""
        return TerminalLink(self, terminal)

    def send(self, terminal: int, request: httpx.Request) -> httpx.Response:
        """Deliver (or not) one request of a terminal."""
        if self.partitioned.get(terminal, -1) > self.step:
            self.faults["partitioned_request"] += 1
            raise httpx.ConnectError("simulated partition: no route to the server", request=request)
        if self.script:
            fault = self.script.pop(0)
        else:
            fault = self.rng.choice(NETWORK_FAULTS) if self.rng.random() < self.fault_rate else None
        is_push = request.url.path == "/v1/sync/push"
        if fault == "delay" and (not is_push or any(h.terminal == terminal for h in self.held)):
            fault = "drop_request"  # hold only pushes, one per terminal: one push in flight per terminal
        if fault is not None:
            self.faults[fault] += 1
        if fault == "drop_request":
            raise httpx.ConnectError("simulated drop before the server saw the request", request=request)
        if fault == "delay":
            self.held.append(Held(terminal, request, self.step))
            raise httpx.ReadTimeout("simulated delay: the request is still on its way", request=request)
        if fault == "garbage_500":
            return _html(500, request)
        response = self.forward(terminal, request)
        if fault == "duplicate":
            response = self.forward(terminal, request)  # the same bytes twice; the caller sees the second answer
        if fault == "drop_reply":
            raise httpx.ReadError("simulated reset after the server committed", request=request)
        if fault == "garbage_500_after":
            return _html(500, request)
        if fault == "garbage_200":
            return httpx.Response(200, content=b"<html><body>Welcome to the hotel wifi</body></html>", request=request)
        if fault == "garbage_json":
            return httpx.Response(200, json={"results": "not a list", "cursor": "x"}, request=request)
        return response

    def forward(self, terminal: int, request: httpx.Request) -> httpx.Response:
        """Hand the request to the server and record what it answered to a push."""
        response = self.inner.handle_request(request)
        response.read()
        self.forwarded += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{request.method} {request.url.path} -> {response.status_code}")
        if request.url.path == "/v1/sync/push" and response.status_code == 200:
            items = json.loads(request.content)["items"]
            self.pushes.append(PushSeen(terminal, self.step, items, response.json()["results"]))
        return response

    def deliver_held(self, count: int | None = None) -> int:
        """Deliver held requests in a random order (their answers reach nobody); returns how many."""
        self.rng.shuffle(self.held)
        take = len(self.held) if count is None else min(count, len(self.held))
        batch, self.held = self.held[:take], self.held[take:]
        for held in batch:
            self.forward(held.terminal, held.request)
        return len(batch)


class TerminalLink(httpx.BaseTransport):
    """One terminal's end of the simulated network."""

    def __init__(self, network: Network, terminal: int) -> None:
        self.network = network
        self.terminal = terminal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Every request of this terminal goes through the weather."""
        request.read()
        return self.network.send(self.terminal, request)


def _html(status: int, request: httpx.Request) -> httpx.Response:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    return httpx.Response(status, headers={"content-type": "text/html"}, content=page, request=request)


class _RecordServerErrors:
    """ASGI wrapper: a server exception is a 500 to the terminal (as in production) and a finding here."""

    def __init__(self, app: Any, sink: list[str]) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            self.sink.append(traceback.format_exc(limit=8))
            raise


# ----------------------------------------------------------------------------- server and terminals


class ServerSim:
    """The central server in this process, reached through a TestClient transport."""

    def __init__(self, workdir: Path, db_url: str | None, errors: list[str]) -> None:
        self.workdir = workdir
        self.db_url = db_url
        self.errors = errors
        self.engine = self._engine(fresh=True)
        self.client = self._start()
        token = self.client.post("/v1/admin/login", json={"name": ADMIN_NAME, "password": ADMIN_PASSWORD}).json()
        self.headers = {"Authorization": f"Bearer {token['token']}"}
        self.restarts = 0

    def _engine(self, fresh: bool) -> Engine:
        if self.db_url is None:
            return make_engine(str(self.workdir / "server.sqlite3"))
        engine = make_engine(self.db_url)
        if fresh:
            # One PostgreSQL database serves every seed in turn: start each from empty tables.
            with engine.begin() as conn:
                s.metadata.drop_all(conn)
                t.metadata.drop_all(conn)
        return engine

    def _start(self) -> TestClient:
        settings = Settings(
            database=self.db_url or str(self.workdir / "server.sqlite3"),
            admin_name=ADMIN_NAME,
            admin_password=ADMIN_PASSWORD,
            expiry_interval_s=10**9,  # the simulation runs expiry itself, at virtual times
        )
        app = _RecordServerErrors(server_api.create_app(settings, self.engine), self.errors)
        # Not entered as a context manager: the lifespan (and its wall-clock expiry timer) never starts.
        return TestClient(app, base_url=SERVER_URL, raise_server_exceptions=False)

    @property
    def transport(self) -> httpx.BaseTransport:
        """The in-process transport to the running app."""
        transport: httpx.BaseTransport = self.client._transport
        return transport

    def restart(self) -> None:
        """Stop the app and start a new one on the same database (a server restart between requests)."""
        self.client.close()
        self.engine.dispose()
        self.engine = self._engine(fresh=False)
        self.client = self._start()
        self.restarts += 1

    def admin(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """An admin call over a clean line (the back office is not what is under test)."""
        response = self.client.request(method, path, headers=self.headers, **kwargs)
        if response.status_code != 200:
            raise SimFailure(f"admin {method} {path} answered {response.status_code}: {response.text[:300]}")
        data: dict[str, Any] = response.json()
        return data

    def close(self) -> None:
        """Stop the app and release the database."""
        self.client.close()
        self.engine.dispose()


@dataclass
class SaleNote:
    """What the simulation remembers of a committed sale: its receipt and its offline window."""

    terminal: int
    uid: str
    customer_uid: str | None
    paid_points: int  # redeemed + gift reward points: what the receipt paid with points
    earned: int
    window: tuple[int, int]  # (terminal, acknowledged rows at the time): one sync window


@dataclass
class TerminalSim:
    """One terminal: its SQLite file, its services, and what it acknowledged to the cashier."""

    index: int
    path: Path
    link: TerminalLink
    ids: Callable[[], str] = uuid7  # the simulation's seeded ids, handed to the root
    clock: TerminalClock | None = None  # the terminal's clock on the virtual one (the machine's when None)
    terminal_id: int = 0
    ctx: Context | None = None
    sync: SyncService | None = None
    committed: dict[str, str] = field(default_factory=dict)  # uid -> kind, every commit shown on screen
    reopened: int = 0

    def open(self, create: bool = False) -> None:
        """Open the file with a fresh Context and SyncService (as the app does at start)."""
        self.ctx = bootstrap(self.path, create=create, ids=self.ids, transport=self.link, clock=self.clock)
        if create:
            self.ctx.store.init()
        self.sync = self.ctx.sync

    def crash_and_reopen(self) -> None:
        """Forget everything in memory and reopen from the file, as after a power cut."""
        assert self.ctx is not None
        self.ctx.close()
        self.ctx, self.sync = None, None
        self.open()
        self.reopened += 1

    @property
    def services(self) -> Context:
        """The terminal's services (its composition root, open)."""
        assert self.ctx is not None
        return self.ctx

    @property
    def engine(self) -> Engine:
        """The terminal's database."""
        assert self.ctx is not None
        return self.ctx.engine

    def service(self) -> SyncService:
        """The terminal's sync service."""
        assert self.sync is not None
        return self.sync

    def meta(self, key: str) -> str | None:
        """A meta value of the terminal database."""
        with self.engine.connect() as conn:
            value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()
        return None if value is None else str(value)


# ----------------------------------------------------------------------------- the simulation


@dataclass
class SimConfig:
    """One run: the seed decides everything else."""

    seed: int
    steps: int = 200
    terminals: int = 3
    fault_rate: float = 0.25
    workdir: Path | None = None
    db_url: str | None = None
    liveness_rounds: int = 3
    keep_files: bool = False
    # A small card fills often, so free units are given offline on two terminals at once (booked as
    # stamp overdrafts since 21e9761); a huge one (10,000) keeps stamps from ever being spent.
    stamps_needed: int = 5


@dataclass
class SimReport:
    """What a run did (the soak adds these up)."""

    seed: int
    steps: int
    actions: Counter[str]
    faults: Counter[str]
    refusals: Counter[str]
    sales: int
    overdraft_points: int
    overdraft_allowance: int
    overdraft_rows: int
    stamp_overdraft: int  # free units given twice offline, listed in stamps
    merges: int
    expired_points: int
    server_requests: int
    liveness_rounds: int
    seconds: float
    hostile: Counter[str] = field(default_factory=Counter)  # promise 9's hostile actors, by what they did
    corrections: Counter[str] = field(default_factory=Counter)  # uses beyond chain-wide limits, listed, by kind


class Simulation:
    """N terminals, one server, a seeded network and workload; checks every promise as it goes."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.seed = config.seed
        self.rng = random.Random(f"workload:{config.seed}")
        self.clock = VirtualClock(SIM_START_MS)
        self.ids = SeededIds(self.clock, config.seed)
        self.step_no = 0
        self.phase = "setup"
        self.action = ""
        self.log: list[str] = []
        self.actions: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.crashes_fired: list[str] = []
        self.sales: dict[str, SaleNote] = {}
        self.phones_used: list[str] = []
        self.enrollments: dict[str, list[tuple[int, str]]] = {}  # phone -> (at, uid) of every enrollment
        self.server_errors: list[str] = []
        self.outcomes_seen: dict[str, tuple[str, str]] = {}
        self.pushes_checked = 0
        self.applied_seen: dict[str, int] = {}
        self.expired_points = 0
        self.touched: set[int] = set()
        self.server_touched = True
        self._own_dir = config.workdir is None
        self.workdir = Path(config.workdir) if config.workdir else Path(_mkdtemp())
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.patches = Patches()
        self.server: ServerSim | None = None
        self.network: Network | None = None
        self.terminals: list[TerminalSim] = []
        # Promise 9: hostile actors and the complete-sync window, drawn from their own seeded stream.
        self.limits_rng = random.Random(f"limits:{config.seed}")
        self.settled: dict[int, set[str]] = {}  # terminal -> sales a complete sync brought back in pulled figures
        self.backups: dict[int, tuple[Path, dict[str, str], set[str]]] = {}  # terminal -> (file, committed, settled)
        self.expected_rejections: dict[str, str] = {}  # uid -> the refusal code a hostile push must get
        self.hostile: Counter[str] = Counter()

    # ------------------------------------------------------------------ set up and tear down

    def _patch(self) -> None:
        clock, ids, p = self.clock, self.ids, self.patches
        for module in (core_repo, sync_service, sync_replica):
            p.set(module, "now_ms", clock.terminal_ms)
        for module in (server_ingest, server_snapshots, server_api, server_expiry, server_limits):
            p.set(module, "now_ms", clock.server_ms)
        # server.auth keeps the wall clock: token lifetimes are not under test and must not expire mid-run.
        # The terminals' loyalty services get the ids from the root (TerminalSim.open); these modules read the global.
        for module in (sync_replica, server_api, server_expiry):
            p.set(module, "uuid7", ids)
        # Small batches, pages and chunks: a few dozen customers then cross every boundary a crash can hit.
        p.set(sync_service, "PUSH_BATCH", 3)
        p.set(sync_service, "PULL_PAGE", 8)
        p.set(sync_service, "APPLY_CHUNK", 3)
        # argon2 at production cost would dominate a short run; the admin login is not under test.
        p.set(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

    def setup(self) -> None:
        """Start the server, publish the program and catalog, enroll and first-sync every terminal."""
        self._patch()
        self.server = ServerSim(self.workdir, self.config.db_url, self.server_errors)
        with self.server.engine.begin() as conn:
            # A fixed chain key for the pulled phones' hashes, as the ids are fixed: a seed replays exactly.
            repo.set_meta(conn, "phone_key", SIM_PHONE_KEY)
        self.network = Network(random.Random(f"network:{self.seed}"), self.server.transport)
        program = {
            **SIM_PROGRAM,
            "stamps": [{"id": "coffee", "category": "coffee", "needed": self.config.stamps_needed}],
        }
        self.server.admin("POST", "/v1/admin/program", json={"program": program})
        self.server.admin("PUT", "/v1/admin/catalog", json={"csv": SIM_CATALOG})
        store = self.server.admin("POST", "/v1/admin/stores", json={"name": "Simulated store"})["store_id"]
        # Blocks, card replacements and adjustments are booked only for a store's manager (sync.md promise 10).
        self.server.admin("POST", f"/v1/admin/stores/{store}/managers", json={"name": SIM_MANAGER})
        for i in range(self.config.terminals):
            term = TerminalSim(
                i, self.workdir / f"terminal-{i}.sqlite3", self.network.link(i), self.ids, TerminalClock(self.clock, i)
            )
            registered = self.server.admin("POST", "/v1/admin/terminals", json={"store_id": store, "name": f"T{i}"})
            term.terminal_id = int(registered["terminal_id"])
            term.open(create=True)
            self.clock.skews[i] = self.rng.randint(-20_000, 20_000)
            with self.clock.acting_as(i):
                term.service().enroll(SERVER_URL, registered["code"], actor=f"manager {i}")
                term.service().sync_once()
            self.terminals.append(term)
        self.network.fault_rate = self.config.fault_rate

    def close(self) -> None:
        """Release every database and undo the patches; remove the files unless asked to keep them."""
        for term in self.terminals:
            if term.ctx is not None:
                term.ctx.close()
        if self.server is not None:
            self.server.close()
        self.patches.undo()
        if self._own_dir and not self.config.keep_files:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ running

    def run(self) -> SimReport:
        """Setup, safety phase with faults, liveness phase without, final checks; raises SimFailure."""
        started = time.perf_counter()
        try:
            self.setup()
            self.phase = "safety"
            names, weights = list(ACTIONS), list(ACTIONS.values())
            for step in range(1, self.config.steps + 1):
                self.step_no = step
                assert self.network is not None
                self.network.step = step
                self.clock.now += self.rng.randint(1_000, 90_000)
                action = self.rng.choices(names, weights)[0]
                self._do(action)
                self._hostile_step()
                self.check_always()
            self.phase = "liveness"
            rounds = self.liveness()
            self.check_final()
            return self._report(rounds, time.perf_counter() - started)
        except SimFailure:
            raise
        except BaseException as exc:
            raise self.failure(f"unexpected {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=12)}") from exc
        finally:
            self.close()

    def failure(self, what: str) -> SimFailure:
        """A SimFailure naming seed, step, phase and action, with the last steps and how to replay."""
        # SIM_LOG=80 shows more of the run leading to a failure (what a replay while debugging needs).
        recent = "\n".join(self.log[-int(os.environ.get("SIM_LOG", "15")) :])
        if self.server_errors and "the server failed" not in what:
            # The step failed because the server did: its exception says why.
            what += f"\nserver exception:\n{self.server_errors[-1]}"
        return SimFailure(
            f"seed={self.seed} step={self.step_no} phase={self.phase} action={self.action}: {what}\n"
            f"last steps:\n{recent}\n"
            f"replay: SIM_SEED={self.seed} SIM_STEPS={self.config.steps}"
            " .venv/bin/pytest -q tests/integration/sync/test_sim.py"
        )

    def note(self, text: str) -> None:
        """Log a step (shown on failure)."""
        self.log.append(f"[{self.step_no} {self.phase}] {self.action}: {text}")
        if len(self.log) > 200:
            del self.log[:100]

    def _do(self, action: str) -> None:
        self.action = action
        self.actions[action] += 1
        i = self.rng.randrange(len(self.terminals))
        handler: Callable[[int], None] = getattr(self, f"_act_{action}")
        handler(i)

    def _refused(self, i: int, exc: LoyaltyError, what: str) -> None:
        # A refusal at the till is a legitimate outcome (nothing written); keep a short reason for the summary.
        reason = re.sub(r"\d+", "N", str(exc).split(":")[0]).strip()[:90]
        self.refusals[reason] += 1
        self.note(f"T{i} refused {what}: {exc}")

    # ------------------------------------------------------------------ workload actions

    def cards(self, i: int) -> list[str]:
        with self.terminals[i].engine.connect() as conn:
            return sorted(conn.execute(select(t.cards.c.code)).scalars())

    def _acked_rows(self, i: int) -> int:
        with self.terminals[i].engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(t.outbox.c.acked == 1)).scalar_one())

    def _sale_request(self, i: int) -> SaleRequest:
        term = self.terminals[i]
        cards = self.cards(i)
        card = self.rng.choice(cards) if cards and self.rng.random() < 0.88 else None
        lines = tuple(
            term.services.catalog.resolve_line(self.rng.choice(SKUS), self.rng.randint(1, 3))
            for _ in range(self.rng.randint(1, 3))
        )
        at = self.clock.at(i)
        redeem: int | str | None = None
        reward = None
        if card is not None:
            roll = self.rng.random()
            if roll < 0.35:
                redeem = "max"
            elif roll < 0.6:
                # A fixed amount typed by the cashier; one above what the card allows is refused with a reason.
                redeem = self.rng.randint(1, 80)
            if self.rng.random() < 0.12:
                reward = "cookie"
        coupon = None
        if self.limits_rng.random() < 0.15:
            coupon = self.limits_rng.choice(("FEW", "ONCE") if card is not None else ("FEW",))
        return SaleRequest(lines, card, redeem=redeem, reward=reward, coupon=coupon, at=at)

    def sell(self, i: int, req: SaleRequest) -> SaleResult:
        """Commit a sale at terminal i and remember its receipt; LoyaltyError when the till refuses it."""
        term = self.terminals[i]
        self.touched.add(i)
        window = (i, self._acked_rows(i))
        with self.clock.acting_as(i):
            result = term.services.checkout.sell(req, actor=f"cashier {i}")
        assert result.uid is not None
        term.committed[result.uid] = "sale"
        customer_uid = None
        with term.engine.connect() as conn:
            row = conn.execute(
                select(t.customers.c.uid).join(t.sales, t.sales.c.customer_id == t.customers.c.id)
                .where(t.sales.c.uid == result.uid)
            ).first()  # fmt: skip
            customer_uid = None if row is None else str(row.uid)
        q = result.quote
        self.sales[result.uid] = SaleNote(i, result.uid, customer_uid, q.redeemed_points + q.reward_points,
                                          q.earned, window)  # fmt: skip
        self.note(f"T{i} sold {result.uid[-6:]} card={req.card} redeem={req.redeem!r} reward={req.reward} "
                  f"-> paid {q.redeemed_points}+{q.reward_points} pts, earned {q.earned}")  # fmt: skip
        return result

    def basket(self, i: int, *skus: str, card: str | None = None, redeem: int | str | None = None,
               reward: str | None = None) -> SaleRequest:  # fmt: skip
        """A sale request of one unit per sku at terminal i's clock."""
        term = self.terminals[i]
        lines = tuple(term.services.catalog.resolve_line(sku, 1) for sku in skus)
        return SaleRequest(lines, card, redeem=redeem, reward=reward, at=self.clock.at(i))

    def enroll(self, i: int, phone: str, birthday: str | None = None, referrer: str | None = None) -> str:
        """Enroll a customer at terminal i and remember the commit; returns the card."""
        term = self.terminals[i]
        self.touched.add(i)
        with self.clock.acting_as(i):
            at = self.clock.at(i)
            result = term.services.customers.enroll(f"Customer {phone[-4:]}", phone, birthday=birthday,
                                                    referrer=referrer, at=at, actor=f"cashier {i}")  # fmt: skip
        with term.engine.connect() as conn:
            uid = conn.execute(
                select(t.customers.c.uid).join(t.cards, t.cards.c.customer_id == t.customers.c.id)
                .where(t.cards.c.code == result.card)
            ).scalar_one()  # fmt: skip
        term.committed[uid] = "enroll"
        self.enrollments.setdefault(normalize_phone(phone), []).append((at, uid))
        if phone not in self.phones_used:
            self.phones_used.append(phone)
        self.note(f"T{i} enrolled {phone} card {result.card} uid {uid[-6:]} birthday={birthday} ref={referrer}")
        return result.card

    def refund(self, i: int, sale_id: int, units: Mapping[int, int] | None = None) -> RefundResult:
        """Refund (part of) a sale at terminal i and remember the commit."""
        term = self.terminals[i]
        self.touched.add(i)
        with self.clock.acting_as(i):
            result = term.services.checkout.refund(sale_id, units, at=self.clock.at(i), actor=f"manager {i}")
        assert result.uid is not None
        term.committed[result.uid] = "refund"
        self.note(f"T{i} refunded sale {sale_id} units={units} -> took {result.points_taken_back} "
                  f"gave {result.points_given_back}")  # fmt: skip
        return result

    def _sell(self, i: int) -> str | None:
        """One random sale at terminal i; returns its uid when committed."""
        try:
            return self.sell(i, self._sale_request(i)).uid
        except LoyaltyError as exc:
            self._refused(i, exc, "sale")
            return None

    def _act_sale(self, i: int) -> None:
        self._sell(i)

    def _act_enroll(self, i: int) -> None:
        term = self.terminals[i]
        with term.engine.connect() as conn:
            here = set(conn.execute(select(t.customers.c.phone).where(t.customers.c.phone.is_not(None))).scalars())
        elsewhere = [p for p in self.phones_used if p not in here]
        roll = self.rng.random()
        if roll < 0.25 and elsewhere:
            phone = self.rng.choice(elsewhere)  # enrolled on another terminal, unknown here: the server merges
        elif roll < 0.35 and here:
            phone = self.rng.choice(sorted(here))  # already here: refused at the till
        else:
            phone = f"+7916{len(self.phones_used) + 1000 * (self.seed % 1000):07d}"
        birthday = None
        if self.rng.random() < 0.3:
            day = (self.clock.now + self.rng.randint(-5, 20) * DAY_MS) // 1000
            birthday = time.strftime("1990-%m-%d", time.gmtime(day))
        cards = self.cards(i)
        referrer = self.rng.choice(cards) if cards and self.rng.random() < 0.2 else None
        try:
            self.enroll(i, phone, birthday=birthday, referrer=referrer)
        except LoyaltyError as exc:
            self._refused(i, exc, "enrollment")

    def _act_refund(self, i: int) -> None:
        term = self.terminals[i]
        self.touched.add(i)
        with term.engine.connect() as conn:
            mine = [u for u, k in term.committed.items() if k == "sale"]
            ids = list(conn.execute(select(t.sales.c.id).where(t.sales.c.uid.in_(mine))).scalars())
        if not ids:
            return
        sale_id = self.rng.choice(sorted(ids))
        open_lines = [ln for ln in term.services.checkout.sale_lines(sale_id) if ln["refundable"] > 0]
        if not open_lines:
            return
        units = None
        if self.rng.random() < 0.6:
            line = self.rng.choice(open_lines)
            units = {int(line["idx"]): self.rng.randint(1, int(line["refundable"]))}
        try:
            self.refund(i, sale_id, units)
        except LoyaltyError as exc:
            self._refused(i, exc, "refund")

    def sync(self, i: int) -> bool:
        """One sync cycle of terminal i; False when the network or server made it fail (it will retry)."""
        self.touched.add(i)
        self.server_touched = True
        before = {uid for uid, kind in self.terminals[i].committed.items() if kind == "sale"}
        try:
            with self.clock.acting_as(i):
                report = self.terminals[i].service().sync_once()
        except (SyncError, Refused) as exc:
            self.note(f"T{i} sync failed: {exc}")
            return False
        self.note(f"T{i} synced: pushed {report.pushed} pulled {report.pulled} queue {report.queue}")
        # A complete sync: what was sold before it is in the pulled figures, the cap window restarts.
        self.settled.setdefault(i, set()).update(before)
        unexpected = [r for r in report.rejected if r.split(":", 1)[0] not in self.expected_rejections]
        if unexpected:
            raise self.failure(f"terminal {i}: the server rejected well-formed transactions: {unexpected}")
        return True

    def _act_sync(self, i: int) -> None:
        self.sync(i)

    def _act_tick(self, i: int) -> None:
        # Long enough, often enough, that a run sees activation (1 day), expiry (5-10 days) and the grace (3 days).
        hours = self.rng.choice((2, 6, 12, 24, 48, 72))
        self.clock.now += hours * HOUR_MS
        self.note(f"{hours} h pass")

    def _act_expiry(self, i: int) -> None:
        assert self.server is not None
        self.server_touched = True
        expired = server_expiry.post_expiry(self.server.engine, now=self.clock.now, grace=GRACE_MS)
        self.expired_points += expired
        # The change log is pruned as the timed expiry run prunes it, with a short horizon: an honest till's
        # push must never need an entry the pruning dropped (every push is checked for rejections).
        with server_transaction(self.server.engine) as conn:
            pruned = prune_change_log(conn, self.clock.server_ms(), CHANGE_LOG_HORIZON_MS)
        self.note(f"server expiry posted {expired} points, pruned {pruned} change log entries")

    def _act_crash(self, i: int) -> None:
        term = self.terminals[i]
        point = self.rng.choice(CRASH_POINTS)
        self.touched.add(i)
        self.server_touched = True
        fired: list[str] = []
        before = self.outbox_count(i)
        try:
            if point == "before_commit":
                # The outbox row is the sale's last write: dying there is dying before the commit.
                with one_shot_crash(core_repo, "write_outbox", 1, fired):
                    self._sell(i)
            elif point == "after_commit":
                self._sell(i)
                fired.append("after_commit")
            elif point == "after_send":
                with one_shot_crash(sync_replica, "acknowledge", 1, fired):
                    self.sync(i)
            elif point == "mid_push":
                with one_shot_crash(sync_replica, "acknowledge", 2, fired):
                    self.sync(i)
            elif point == "mid_pull":
                # Call 2: the first chunk is committed, the rest of the page and its cursor are not.
                with one_shot_crash(sync_replica, "apply_customers", 2, fired):
                    self.sync(i)
            else:
                with one_shot_crash(sync_replica, "apply_page_rest", self.rng.randint(1, 2), fired):
                    self.sync(i)
        except SimCrash as crash:
            self.note(f"T{i} crashed: {crash}")
        if point == "before_commit" and fired and self.outbox_count(i) != before:
            raise self.failure(f"terminal {i}: a sale that died before its commit left rows behind")
        term.crash_and_reopen()
        if fired:
            self.crashes_fired.append(point)
            assert self.network is not None
            self.network.faults[f"crash_{point}"] += 1
        self.note(f"T{i} restarted after crash point {point} ({'hit' if fired else 'not reached'})")
        if point == "before_commit" and self.outbox_count(i) != before:
            raise self.failure(f"terminal {i}: a sale that died before its commit is in the file after restart")

    def outbox_count(self, i: int) -> int:
        with self.terminals[i].engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.outbox)).scalar_one())

    def _act_partition(self, i: int) -> None:
        assert self.network is not None
        length = self.rng.randint(3, 25)
        self.network.partitioned[i] = self.step_no + length
        self.network.faults["partition"] += 1
        self.note(f"T{i} cut off for {length} steps")

    def _act_deliver_held(self, i: int) -> None:
        assert self.network is not None
        if self.network.held:
            self.server_touched = True
            n = self.network.deliver_held(self.rng.randint(1, 2))
            self.note(f"network delivered {n} held request(s) late")

    def _act_lookup(self, i: int) -> None:
        """The cashier types a card this terminal has not pulled yet: one customer fetched online."""
        assert self.server is not None
        self.touched.add(i)
        self.server_touched = True
        with self.server.engine.connect() as conn:
            everywhere = set(conn.execute(select(t.cards.c.code)).scalars())
        unknown = sorted(everywhere - set(self.cards(i)))
        if not unknown:
            return
        card = self.rng.choice(unknown)
        try:
            with self.clock.acting_as(i):
                self.terminals[i].service().lookup(card)
        except LoyaltyError as exc:  # offline (SyncError, Refused) or not found: the till carries on
            self.note(f"T{i} lookup of {card} failed: {exc}")
            return
        self.note(f"T{i} looked {card} up online")

    def _act_skew(self, i: int) -> None:
        assert self.network is not None
        if abs(self.clock.skews[i]) > SKEW_STOP_SECONDS * 1000 or self.rng.random() < 0.5:
            self.clock.skews[i] = self.rng.randint(-20_000, 20_000)
        else:
            # Past the stop bound: the terminal must stop paying with points once it notices.
            self.clock.skews[i] = self.rng.choice((-1, 1)) * self.rng.randint(11, 30) * MINUTE_MS
            self.network.faults["clock_skew"] += 1
        self.note(f"T{i} clock skew now {self.clock.skews[i] // 1000} s")

    def _act_server_restart(self, i: int) -> None:
        assert self.server is not None and self.network is not None
        self.server.restart()
        self.network.inner = self.server.transport
        self.network.faults["server_restart"] += 1
        self.note("server restarted")

    def _act_reenroll(self, i: int) -> None:
        """The terminal is re-imaged: a manager issues a new code and it enrolls again (a new epoch)."""
        assert self.server is not None and self.network is not None
        term = self.terminals[i]
        if self.network.partitioned.get(i, -1) > self.step_no:
            self.note(f"T{i} is cut off: re-enrollment waits until it is back on the network")
            return
        self.touched.add(i)
        self.server_touched = True
        for _attempt in range(8):
            code = self.server.admin("POST", f"/v1/admin/terminals/{term.terminal_id}/code")["code"]
            try:
                with self.clock.acting_as(i):
                    term.service().enroll(SERVER_URL, code, actor=f"manager {i}")
            except (SyncError, Refused) as exc:
                # The answer may have been lost after the code was spent: ask the manager for another.
                self.note(f"T{i} re-enrollment failed: {exc}")
                continue
            self.network.faults["reenroll"] += 1
            self.note(f"T{i} re-enrolled, epoch {term.meta('epoch')}")
            return
        raise self.failure(f"terminal {i} could not re-enroll in 8 attempts at fault rate {self.network.fault_rate}")

    def _act_replay(self, i: int) -> None:
        """Re-send an acknowledged batch verbatim (same outcomes) or with one item altered (refused loudly)."""
        assert self.server is not None
        term = self.terminals[i]
        self.server_touched = True
        with term.engine.connect() as conn:
            rows = list(
                conn.execute(
                    select(t.outbox.c.uid, t.outbox.c.seq, t.outbox.c.kind, t.outbox.c.body)
                    .where(t.outbox.c.acked == 1)
                    .order_by(t.outbox.c.seq)
                )
            )
        if not rows:
            return
        start = self.rng.randrange(len(rows))
        batch = rows[start : start + self.rng.randint(1, 5)]
        items = [{"uid": r.uid, "seq": r.seq, "kind": r.kind, "body": json.loads(r.body)} for r in batch]
        altered = None
        if self.rng.random() < 0.4:
            altered = self.rng.randrange(len(items))
            items[altered]["body"]["at"] = int(items[altered]["body"]["at"]) + 1
        before = self.ledger_size()
        response = self.server.transport.handle_request(
            httpx.Request(
                "POST",
                f"{SERVER_URL}/v1/sync/push",
                json={"epoch": int(term.meta("epoch") or 0), "items": items},
                headers={"Authorization": f"Bearer {term.meta('token')}"},
            )
        )
        response.read()
        if response.status_code != 200:
            raise self.failure(f"replay of an acknowledged batch answered {response.status_code}: {response.text}")
        results = response.json()["results"]
        outcomes = self.server_outcomes()
        for n, (item, res) in enumerate(zip(items, results, strict=True)):
            status, result = outcomes[item["uid"]]
            if n == altered:
                if res.get("status") != "rejected" or "different content" not in str(res.get("reason")):
                    raise self.failure(f"same id {item['uid']} with other content was not refused loudly: {res}")
                continue
            expected = {"uid": item["uid"], "status": "duplicate", "original": status, **json.loads(result)}
            if res != expected:
                raise self.failure(f"re-sent {item['uid']} answered {res}, first answer was {expected}")
        if self.ledger_size() != before:
            raise self.failure("re-sending an acknowledged batch changed the server ledger")
        self.note(f"T{i} replayed {len(items)} acknowledged item(s){' one altered' if altered is not None else ''}")

    # ------------------------------------------------------------------ hostile actors (promise 9)

    def _hostile_step(self) -> None:
        """Now and then, from its own seeded stream: a backup taken, a till restored from an old backup that
        refunds again what the chain already gave back, a till whose coupon counters were reset."""
        roll = self.limits_rng.random()
        i = self.limits_rng.randrange(len(self.terminals))
        if roll < 0.03:
            self._act_backup(i)
        elif roll < 0.07:
            self._act_restore(i)  # only where a backup was taken and what it lost reached the server
        elif roll < 0.085:
            self._act_coupon_reset(i)

    def _act_backup(self, i: int) -> None:
        term = self.terminals[i]
        target = self.workdir / f"terminal-{i}-backup-{self.step_no}.sqlite3"
        core_db.backup(term.engine, target)
        self.backups[i] = (target, dict(term.committed), set(self.settled.get(i, set())))
        self.hostile["backup"] += 1
        self.note(f"T{i} backed up")
        # A unit given back after the backup: what a restore from it would not know.
        with term.engine.connect() as conn:
            mine = [u for u, k in term.committed.items() if k == "sale"]
            ids = sorted(conn.execute(select(t.sales.c.id).where(t.sales.c.uid.in_(mine))).scalars())
        sale_lines = term.services.checkout.sale_lines
        lines = [(sale_id, ln) for sale_id in ids[-5:] for ln in sale_lines(sale_id) if ln["refundable"]]
        if lines:
            sale_id, line = self.limits_rng.choice(lines)
            try:
                self.refund(i, sale_id, {int(line["idx"]): 1})
            except LoyaltyError as exc:
                self._refused(i, exc, "refund after a backup")

    def _act_restore(self, i: int) -> None:
        """The documented recovery from an old backup, by a till that then refunds again before it pulls."""
        assert self.network is not None
        if i not in self.backups or self.network.partitioned.get(i, -1) > self.step_no:
            return
        path, committed, settled = self.backups[i]
        term = self.terminals[i]
        outcomes = self.server_outcomes()
        if any(outcomes.get(uid, ("missing", ""))[0] == "missing" for uid in term.committed if uid not in committed):
            return  # a restore would lose what the server does not hold yet: no manager restores then
        assert term.ctx is not None
        term.ctx.close()
        term.ctx = term.sync = None
        core_backup.restore_store(path, term.path, self.workdir / f"terminal-{i}-before-restore")
        term.open()
        term.committed, self.settled[i] = dict(committed), set(settled)
        self.touched.add(i)
        self.server_touched = True
        self.hostile["restore"] += 1
        self.note(f"T{i} restored from its backup of {len(committed)} commits")
        self._refund_again(i, pulled=False)
        self._act_reenroll(i)
        if self.sync(i):
            self._refund_again(i, pulled=True)

    def _server_refunded(self) -> dict[tuple[str, int], int]:
        assert self.server is not None
        with self.server.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT s.uid, rl.idx, SUM(rl.qty) FROM sales s JOIN refunds r ON r.sale_id = s.id"
                " JOIN refund_lines rl ON rl.refund_id = r.id GROUP BY s.uid, rl.idx"
            ).all()
        return {(str(uid), int(idx)): int(n) for uid, idx, n in rows}

    def _refund_again(self, i: int, pulled: bool) -> None:
        """Before a pull the till may offer units the chain gave back since its backup: such a refund is
        rejected by the server (nothing booked). After the pull it must not offer them at all."""
        term = self.terminals[i]
        back = self._server_refunded()
        with term.engine.connect() as conn:
            sales = [(int(r.id), str(r.uid)) for r in conn.execute(select(t.sales.c.id, t.sales.c.uid))
                     if term.committed.get(str(r.uid)) == "sale"]  # fmt: skip
        for sale_id, uid in sales:
            for line in term.services.checkout.sale_lines(sale_id):
                idx, qty = int(line["idx"]), int(line["qty"])
                chain_left = qty - back.get((uid, idx), 0)
                if int(line["refundable"]) <= chain_left:
                    continue
                if pulled:
                    raise self.failure(f"terminal {i} offers {line['refundable']} unit(s) of line {idx} of sale "
                                       f"{uid} after its pull; the chain has {chain_left} left")  # fmt: skip
                result = self.refund(i, sale_id, {idx: chain_left + 1})
                self.expected_rejections[str(result.uid)] = "refund_beyond_units"
                self.hostile["refund_again"] += 1
                return
        if pulled:
            # The till refuses, by itself, a refund of units the chain already gave back.
            for sale_id, uid in sales:
                for line in term.services.checkout.sale_lines(sale_id):
                    idx, qty = int(line["idx"]), int(line["qty"])
                    if back.get((uid, idx), 0):
                        try:
                            self.refund(i, sale_id, {idx: qty - back[(uid, idx)] + 1})
                        except LoyaltyError as exc:
                            self.hostile[f"refused_{exc.code}"] += 1
                            return
                        raise self.failure(f"terminal {i} refunded line {idx} of sale {uid} beyond the units the "
                                           "chain has left, after its pull")  # fmt: skip

    def _act_coupon_reset(self, i: int) -> None:
        """A till whose coupon counters were reset (tampered with) sells the chain-limited coupon again."""
        term = self.terminals[i]
        with term.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM coupon_uses")
            conn.exec_driver_sql("DELETE FROM chain_coupon_uses")
        self.touched.add(i)
        self.hostile["coupon_reset"] += 1
        cards = self.cards(i)
        for _ in range(self.limits_rng.randint(1, 3)):
            card = self.limits_rng.choice(cards) if cards and self.limits_rng.random() < 0.7 else None
            req = replace(self.basket(i, self.limits_rng.choice(SKUS), card=card), coupon="FEW")
            try:
                self.sell(i, req)
            except LoyaltyError as exc:
                self._refused(i, exc, "sale with a reset coupon counter")

    def _check_cap_window(self, i: int, merged: Mapping[str, str | None]) -> None:
        """Promise 9: points paid since the last complete sync (push acknowledged and pull applied past it)
        stay within the per-card and terminal caps; a push alone does not restart the window."""
        settled = self.settled.get(i, set())
        per_card: Counter[str] = Counter()
        total = 0
        for uid, kind in self.terminals[i].committed.items():
            note = self.sales.get(uid)
            if kind != "sale" or uid in settled or note is None or not note.paid_points:
                continue
            total += note.paid_points
            who = note.customer_uid
            while who is not None and merged.get(who):
                who = merged[who]
            if who is not None:
                per_card[who] += note.paid_points
        for who, paid in per_card.items():
            if paid > OFFLINE_REDEEM_CAP:
                raise self.failure(f"terminal {i}: {paid} points paid by customer {who} since the last complete "
                                   f"sync, over the per-card cap {OFFLINE_REDEEM_CAP}")  # fmt: skip
        if total > TERMINAL_REDEEM_CAP:
            raise self.failure(f"terminal {i}: {total} points paid since the last complete sync, over the "
                               f"terminal cap {TERMINAL_REDEEM_CAP}")  # fmt: skip

    def _check_limits(self) -> None:
        """Promise 9 on the server: refunds never beyond the units sold, chain-wide; every use beyond a coupon
        or once-only bonus limit is listed as a correction (and a duplicate bonus taken back)."""
        assert self.server is not None
        with self.server.engine.connect() as conn:
            over = conn.exec_driver_sql(
                "SELECT s.uid, sl.idx, sl.qty, SUM(rl.qty) FROM sales s JOIN sale_lines sl ON sl.sale_id = s.id"
                " JOIN refunds r ON r.sale_id = s.id JOIN refund_lines rl ON rl.refund_id = r.id AND rl.idx = sl.idx"
                " GROUP BY s.uid, sl.idx, sl.qty HAVING SUM(rl.qty) > sl.qty"
            ).all()
            merged = dict(conn.execute(select(t.customers.c.uid, t.customers.c.merged_into)).all())
            uid_of = dict(conn.execute(select(t.customers.c.id, t.customers.c.uid)).all())
            uses = conn.exec_driver_sql("SELECT code, customer_id FROM coupon_uses").all()
            fixes = conn.execute(select(s.corrections.c.kind, s.corrections.c.customer_uid, s.corrections.c.ref)).all()
            lots = conn.exec_driver_sql(
                "SELECT l.uid, l.customer_id, l.source, s.customer_id FROM lots l LEFT JOIN sales s"
                " ON s.uid = l.txn_uid WHERE l.source IN ('welcome', 'referee', 'birthday', 'referral')"
            ).all()
            years = Counter(int(r[0]) for r in conn.exec_driver_sql("SELECT customer_id FROM birthday_grants"))
        if over:
            raise self.failure(f"server: refunds beyond the units sold: {[tuple(r) for r in over[:3]]}")

        def owner(uid: Any) -> Any:
            while uid is not None and merged.get(uid):
                uid = merged[uid]
            return uid

        listed = Counter((kind, owner(who), ref) for kind, who, ref in fixes)
        taken = {ref for kind, _, ref in fixes if kind not in ("coupon_uses", "coupon_per_customer")}
        few = sum(1 for code, _ in uses if code == "FEW") - sum(n for (k, _, ref), n in listed.items()
                                                                if k == "coupon_uses" and ref == "FEW")  # fmt: skip
        if few > 4:
            raise self.failure(f"coupon FEW: {few} uses beyond the listed corrections, max_uses is 4")
        once = Counter(owner(uid_of.get(cid)) for code, cid in uses if code == "ONCE" and cid is not None)
        for who, n in once.items():
            if n - listed[("coupon_per_customer", who, "ONCE")] > 1:
                raise self.failure(f"coupon ONCE used {n} times by customer {who}, "
                                   f"{listed[('coupon_per_customer', who, 'ONCE')]} listed")  # fmt: skip
        kept: Counter[tuple[str, Any]] = Counter()
        for lot, cid, source, referee in lots:
            if lot not in taken:
                kept[(source, owner(uid_of.get(referee if source == "referral" else cid)))] += 1
        id_of = {u: c for c, u in uid_of.items()}
        for (source, who), n in kept.items():
            allowed = years[id_of.get(who, -1)] if source == "birthday" else 1
            if n > allowed:
                raise self.failure(f"customer {who} keeps {n} {source} bonus(es), {allowed} allowed: "
                                   "a once-only bonus given twice was not taken back and listed")  # fmt: skip

    # ------------------------------------------------------------------ liveness

    def liveness(self) -> int:
        """Heal the network, deliver what it held, sync everyone until queues are empty; returns the rounds."""
        assert self.network is not None and self.server is not None
        self.network.fault_rate = 0.0
        self.network.partitioned.clear()
        for i in range(len(self.terminals)):
            self.clock.skews[i] = self.rng.randint(-20_000, 20_000)
        self.network.deliver_held()
        self.server_touched = True
        for rounds in range(1, self.config.liveness_rounds + 1):
            self.step_no += 1
            self.network.step = self.step_no
            self.action = f"liveness round {rounds}"
            for i in range(len(self.terminals)):
                self.clock.now += 1_000
                if not self.sync(i):
                    raise self.failure(f"terminal {i} failed to sync on a healed network")
            self.check_always()
            if all(self.queue(i) == 0 for i in range(len(self.terminals))):
                break
        else:
            raise self.failure(f"queues still not empty after {self.config.liveness_rounds} rounds on a healed network")
        # Expiry due by now, then one more pull everywhere so every replica has the last word.
        self.clock.now += MINUTE_MS
        self.expired_points += server_expiry.post_expiry(self.server.engine, now=self.clock.now, grace=GRACE_MS)
        self.action = "final pull"
        for i in range(len(self.terminals)):
            self.clock.now += 1_000
            if not self.sync(i):
                raise self.failure(f"terminal {i} failed its final pull")
        self.check_always()
        return rounds

    def queue(self, i: int) -> int:
        with self.terminals[i].engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(t.outbox.c.acked == 0)).scalar_one())

    # ------------------------------------------------------------------ checks

    def server_outcomes(self) -> dict[str, tuple[str, str]]:
        assert self.server is not None
        with self.server.engine.connect() as conn:
            return {r.uid: (r.status, r.result) for r in conn.execute(select(s.outcomes))}

    def ledger_size(self) -> tuple[int, ...]:
        assert self.server is not None
        with self.server.engine.connect() as conn:
            return tuple(
                int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.sales, t.refunds, t.customers, t.journal, s.outcomes, s.overdrafts)
            )

    def check_always(self) -> None:
        """Promises 1-4 (and the pieces of 6 that hold at every instant), on what this step touched."""
        assert self.server is not None and self.network is not None
        if self.server_errors or self.network.server_errors:
            raise self.failure(f"the server failed a request: {self.network.server_errors[-1:]}"
                               f"\n{''.join(self.server_errors[-1:])}")  # fmt: skip
        outcomes = self.server_outcomes()
        for i in sorted(self.touched):
            self._check_terminal(i, outcomes)
        if self.server_touched:
            self._check_server(outcomes)
            self._check_push_answers(outcomes)
        self.touched.clear()
        self.server_touched = False

    def _check_terminal(self, i: int, outcomes: Mapping[str, tuple[str, str]]) -> None:
        term = self.terminals[i]
        with term.engine.connect() as conn:
            queued = {r.uid: r for r in conn.execute(select(t.outbox.c.uid, t.outbox.c.acked, t.outbox.c.status))}
            present = {
                "sale": set(conn.execute(select(t.sales.c.uid)).scalars()),
                "refund": set(conn.execute(select(t.refunds.c.uid)).scalars()),
                "enroll": set(conn.execute(select(t.customers.c.uid)).scalars()),
            }
            pending = [json.loads(b) for b in conn.execute(
                select(t.outbox.c.body).where(t.outbox.c.kind == "sale", t.outbox.c.acked == 0)).scalars()]  # fmt: skip
            merged = dict(conn.execute(select(t.customers.c.uid, t.customers.c.merged_into)).all())
        # 1. Nothing committed is lost: every commit shown on screen is in the file and in the queue.
        for uid, kind in term.committed.items():
            if uid not in queued:
                raise self.failure(f"terminal {i}: committed {kind} {uid} has no outbox row")
            if uid not in present[kind]:
                raise self.failure(f"terminal {i}: committed {kind} {uid} is gone from the file")
        # 2/3. A row leaves the queue only once the server holds it, with the status the server stored.
        for uid, row in queued.items():
            if row.acked:
                if uid not in outcomes:
                    raise self.failure(f"terminal {i}: {uid} is acknowledged but the server has no outcome for it")
                if row.status != outcomes[uid][0]:
                    raise self.failure(f"terminal {i}: {uid} stored as {row.status}, server says {outcomes[uid][0]}")
        # 6. Offline spending stays inside the caps: per card and per terminal, between acknowledgements.
        per_card: Counter[str] = Counter()
        total = 0
        for body in pending:
            paid = int(body["sale"]["redeemed_points"]) + int(body["sale"].get("reward_points", 0))
            total += paid
            who = body.get("customer_uid")
            while who is not None and merged.get(who):
                who = merged[who]
            if who is not None:
                per_card[who] += paid
        for who, paid in per_card.items():
            if paid > OFFLINE_REDEEM_CAP:
                raise self.failure(f"terminal {i}: {paid} points paid offline by customer {who}, "
                                   f"over the per-card cap {OFFLINE_REDEEM_CAP}")  # fmt: skip
        if total > TERMINAL_REDEEM_CAP:
            raise self.failure(
                f"terminal {i}: {total} points paid offline, over the terminal cap {TERMINAL_REDEEM_CAP}"
            )
        self._check_cap_window(i, merged)
        # 4. Conservation on the terminal.
        report = term.services.verifier.verify()
        if not report.ok:
            raise self.failure(f"terminal {i}: verify fails: {report.problems[:5]}")

    def _check_server(self, outcomes: Mapping[str, tuple[str, str]]) -> None:
        assert self.server is not None
        # 3. Outcomes are stored forever and never change.
        for uid, seen in self.outcomes_seen.items():
            if outcomes.get(uid) != seen:
                raise self.failure(f"server outcome of {uid} changed from {seen} to {outcomes.get(uid)}")
        self.outcomes_seen.update(outcomes)
        with self.server.engine.connect() as conn:
            kinds = dict(conn.execute(select(s.outcomes.c.uid, s.outcomes.c.kind)).all())
            tables = {
                "sale": set(conn.execute(select(t.sales.c.uid)).scalars()),
                "refund": set(conn.execute(select(t.refunds.c.uid)).scalars()),
                "enroll": set(conn.execute(select(t.customers.c.uid)).scalars()),
            }
            moves: dict[str, dict[str, int]] = {}
            for r in conn.execute(
                select(t.journal.c.txn_uid, t.journal.c.kind, func.sum(t.journal.c.points).label("p"))
                .where(t.journal.c.kind.in_(("spend", "overdraft")))
                .group_by(t.journal.c.txn_uid, t.journal.c.kind)
            ):
                moves.setdefault(r.txn_uid, {})[r.kind] = int(r.p)
            listed: Counter[str] = Counter()
            # Points only: a full stamp card spent twice offline is listed in the same table, in stamps.
            points_rows = select(s.overdrafts.c.txn_uid, s.overdrafts.c.points).where(s.overdrafts.c.unit == "points")
            for row in conn.execute(points_rows):
                listed[row.txn_uid] += int(row.points)
            flagged = dict(conn.execute(select(t.customers.c.uid, t.customers.c.flagged)).all())
            merged = dict(conn.execute(select(t.customers.c.uid, t.customers.c.merged_into)).all())
            overdraft_customers = list(conn.execute(select(s.overdrafts.c.customer_uid)).scalars())
            lots = dict(conn.execute(select(t.lots.c.uid, t.lots.c.points)).all())
            earned_lots = dict(conn.execute(select(t.sales.c.uid, t.sales.c.earned_lot_uid)).all())
        # 2. Exactly once: an applied transaction is in the ledger once, a rejected one not at all,
        #    and nothing is in the ledger without an outcome.
        for uid, (status, result) in outcomes.items():
            kind = kinds[uid]
            if kind in tables:
                there = uid in tables[kind]
                if there != (status == "applied"):
                    raise self.failure(f"server: {kind} {uid} is {status} but {'is' if there else 'is not'} booked")
                if status == "rejected" and "different content" not in result:
                    code = json.loads(result).get("code")
                    if self.expected_rejections.get(uid) != code:
                        raise self.failure(f"server rejected {kind} {uid}: {result}")
        for kind, uids in tables.items():
            stray = uids - outcomes.keys()
            if stray:
                raise self.failure(f"server: {kind}(s) booked without an outcome: {sorted(stray)[:3]}")
        # 6. The receipt is a fact and no overdraft is silent: the server books exactly the points each
        #    receipt paid (spent + overdraft), every overdraft move is listed, and the card is flagged.
        for uid in tables["sale"]:
            note = self.sales.get(uid)
            if note is None:
                raise self.failure(f"server booked sale {uid} that no terminal committed")
            paid = -sum(moves.get(uid, {}).values())
            if paid != note.paid_points:
                raise self.failure(f"server booked {paid} points for sale {uid}, its receipt paid {note.paid_points}")
            if -moves.get(uid, {}).get("overdraft", 0) != listed.get(uid, 0):
                raise self.failure(f"sale {uid}: overdraft booked {moves.get(uid)} but listed {listed.get(uid, 0)}")
            lot = earned_lots.get(uid)
            if note.earned and lots.get(lot) != note.earned:
                raise self.failure(f"sale {uid}: receipt earned {note.earned}, server lot holds {lots.get(lot)}")
        for who in overdraft_customers:
            while merged.get(who):
                who = merged[who]
            if not flagged.get(who):
                raise self.failure(f"customer {who} has an overdraft but the card is not flagged")
        self._check_limits()
        # 4. Conservation on the server.
        report = VerifyService(self.server.engine).verify()
        if not report.ok:
            raise self.failure(f"server verify fails: {report.problems[:5]}")

    def _check_push_answers(self, outcomes: Mapping[str, tuple[str, str]]) -> None:
        """2/3 on the wire: one `applied` per id ever, and every later answer repeats the stored first one."""
        assert self.network is not None
        for seen in self.network.pushes[self.pushes_checked :]:
            sent = {item["uid"] for item in seen.items}
            for res in seen.results:
                uid, status = res["uid"], res["status"]
                if uid not in sent:
                    raise self.failure(f"push answer names {uid}, which was not sent")
                if status == "gap":
                    raise self.failure(f"server reported a gap to terminal {seen.terminal}: {res}")
                stored = outcomes.get(uid)
                if stored is None:
                    raise self.failure(f"push answered {status} for {uid} but no outcome is stored")
                payload = {k: v for k, v in res.items() if k not in ("uid", "status", "original")}
                if payload != json.loads(stored[1]):
                    raise self.failure(f"push answered {res} for {uid}, stored outcome is {stored}")
                if status == "applied":
                    self.applied_seen[uid] = self.applied_seen.get(uid, 0) + 1
                    if self.applied_seen[uid] > 1:
                        raise self.failure(f"{uid} was applied twice")
                elif status == "duplicate":
                    if res.get("original") != stored[0]:
                        raise self.failure(f"duplicate of {uid} says original {res.get('original')}, stored {stored}")
                elif status == "rejected":
                    if self.expected_rejections.get(uid) != res.get("code"):
                        raise self.failure(f"push rejected {uid} from terminal {seen.terminal}: {res.get('reason')}")
                else:
                    raise self.failure(f"push answered an unknown status for {uid}: {res}")
        self.pushes_checked = len(self.network.pushes)

    def check_final(self) -> None:
        """Promises 5 and 6 after the liveness phase: empty queues, same balances, bounded listed overdraft."""
        assert self.server is not None
        self.action = "final checks"
        outcomes = self.server_outcomes()
        for term in self.terminals:
            if self.queue(term.index):
                raise self.failure(f"terminal {term.index} still has {self.queue(term.index)} queued")
            # 2. Every transaction any terminal committed reached the server ledger (applied, once).
            for uid, kind in term.committed.items():
                if uid in self.expected_rejections:
                    if outcomes.get(uid, ("missing", ""))[0] != "rejected":
                        raise self.failure(f"hostile {kind} {uid} was not rejected: {outcomes.get(uid)}")
                    continue
                if outcomes.get(uid, ("missing", ""))[0] != "applied":
                    raise self.failure(f"terminal {term.index}: {kind} {uid} never reached the ledger: "
                                       f"{outcomes.get(uid)}")  # fmt: skip
        # 5. Convergence: every terminal shows the server's balances for every card it knows.
        server = CustomerService(self.server.engine)
        at = self.clock.now
        for term in self.terminals:
            for card in self.cards(term.index):
                mine = term.services.customers.customer(card, at=at)
                theirs = server.customer(card, at=at)
                a = (mine.available, mine.pending, mine.debt, dict(mine.stamps))
                b = (theirs.available, theirs.pending, theirs.debt, dict(theirs.stamps))
                if a != b:
                    raise self.failure(f"terminal {term.index} shows card {card} as (available, pending, debt, "
                                       f"stamps) {a}, the server {b}")  # fmt: skip
        # Deterministic merge: per phone, the earliest enrollment (at, uid) survives, the others point to it.
        with self.server.engine.connect() as conn:
            by_uid = {r.uid: r for r in conn.execute(select(t.customers.c.uid, t.customers.c.phone,
                                                          t.customers.c.merged_into))}  # fmt: skip
        for phone, enrolled in self.enrollments.items():
            winner = min(enrolled)[1]
            if by_uid[winner].merged_into is not None or by_uid[winner].phone != phone:
                raise self.failure(f"phone {phone}: the earliest enrollment {winner} did not survive the merge")
            for _, uid in enrolled:
                who = uid
                while by_uid[who].merged_into is not None:
                    who = by_uid[who].merged_into
                if who != winner:
                    raise self.failure(f"phone {phone}: enrollment {uid} resolves to {who}, not to {winner}")
        # 6. Bounded double spend: the total overdraft is within what the caps allow, and all of it is
        #    in the admin report.
        report = self.server.admin("GET", "/v1/admin/overdrafts")
        with self.server.engine.connect() as conn:
            journal_overdraft = -int(
                conn.execute(
                    select(func.coalesce(func.sum(t.journal.c.points), 0)).where(t.journal.c.kind == "overdraft")
                ).scalar_one()
            )
            rows = int(conn.execute(select(func.count()).select_from(s.overdrafts)).scalar_one())
            point_rows = int(conn.execute(select(func.count()).where(s.overdrafts.c.unit == "points")).scalar_one())
            stamps = int(
                conn.execute(
                    select(func.coalesce(func.sum(s.overdrafts.c.points), 0)).where(s.overdrafts.c.unit != "points")
                ).scalar_one()
            )
        if int(report.get("total_stamps", 0)) != stamps:
            raise self.failure(f"overdraft report lists {report.get('total_stamps')} stamps, the table {stamps}")
        if int(report["total_points"]) != journal_overdraft or len(report["overdrafts"]) != min(rows, 1000):
            raise self.failure(f"overdraft report lists {report['total_points']} points in "
                               f"{len(report['overdrafts'])} rows, the journal holds {journal_overdraft}")  # fmt: skip
        allowance = self.overdraft_allowance()
        if journal_overdraft > allowance:
            raise self.failure(f"total overdraft {journal_overdraft} exceeds what the caps allow ({allowance})")
        self._overdraft = (journal_overdraft, allowance, point_rows, stamps)

    def overdraft_allowance(self) -> int:
        """What the caps allow: per terminal and sync window, min(terminal cap, Σ per card min(card cap, paid))."""
        per_card: Counter[tuple[tuple[int, int], str]] = Counter()
        for note in self.sales.values():
            if note.customer_uid is not None and note.paid_points:
                per_card[(note.window, note.customer_uid)] += note.paid_points
        per_window: Counter[tuple[int, int]] = Counter()
        for (window, _), paid in per_card.items():
            per_window[window] += min(paid, OFFLINE_REDEEM_CAP)
        return sum(min(paid, TERMINAL_REDEEM_CAP) for paid in per_window.values())

    def _report(self, rounds: int, seconds: float) -> SimReport:
        assert self.network is not None and self.server is not None
        with self.server.engine.connect() as conn:
            merges = int(conn.execute(select(func.count()).where(t.customers.c.merged_into.is_not(None))).scalar_one())
            corrections = Counter(str(kind) for kind in conn.execute(select(s.corrections.c.kind)).scalars())
        overdraft, allowance, rows, stamps = getattr(self, "_overdraft", (0, 0, 0, 0))
        return SimReport(
            seed=self.seed,
            steps=self.config.steps,
            actions=self.actions,
            faults=self.network.faults,
            refusals=self.refusals,
            sales=len(self.sales),
            overdraft_points=overdraft,
            overdraft_allowance=allowance,
            overdraft_rows=rows,
            stamp_overdraft=stamps,
            merges=merges,
            expired_points=self.expired_points,
            server_requests=self.network.forwarded,
            liveness_rounds=rounds,
            seconds=seconds,
            hostile=self.hostile,
            corrections=corrections,
        )


def _mkdtemp() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="loyalty-sim-")


def run_simulation(config: SimConfig) -> SimReport:
    """Run one seed end to end; raises SimFailure naming the seed and step on a broken promise."""
    return Simulation(config).run()


def seeds_from_env(default: Sequence[int]) -> list[int]:
    """SIM_SEED=1,2,3 (or one seed) overrides the default list, to replay a failure."""
    text = os.environ.get("SIM_SEED", "").strip()
    if not text:
        return list(default)
    return [int(part) for part in text.replace(" ", ",").split(",") if part]


def small_chain(workdir: Path, db_url: str | None = None) -> Simulation:
    """A server and two enrolled, synced terminals on a virtual clock, with a fault-free network, set up."""
    sim = Simulation(
        # A card of 10,000 stamps never fills: no free unit changes the expected figures of a basket.
        SimConfig(seed=0, steps=0, terminals=2, fault_rate=0.0, workdir=workdir, stamps_needed=10_000,
                  db_url=db_url)
    )  # fmt: skip
    sim.setup()
    # No skew unless a test sets one: expected instants (expiry, activation) are then exact.
    sim.clock.skews = dict.fromkeys(range(len(sim.terminals)), 0)
    return sim
