"""Sync use cases: enroll this terminal, push the outbox, pull the replica, look a customer up online."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, update

from app.core import db, repo
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.events import EventBus, SyncStatus
from app.core.timeutil import now_ms
from app.sync import replica
from app.sync.client import Client, Refused, SyncError, SyncTimeout

PUSH_BATCH = 500
MIN_PUSH_BATCH = 25  # a push that timed out is sent again halved, down to this many items
PULL_PAGE = 1000
APPLY_CHUNK = 50  # customers per local transaction: a sale never waits behind a long write


@dataclass(frozen=True)
class SyncReport:
    """What one sync cycle did."""

    pushed: int
    rejected: tuple[str, ...]
    pulled: int
    queue: int
    last_sync_ms: int

    def to_json(self) -> dict[str, object]:
        """The CLI's JSON shape."""
        return {"pushed": self.pushed, "rejected": list(self.rejected), "pulled": self.pulled,
                "queue": self.queue, "last_sync_ms": self.last_sync_ms}  # fmt: skip


@dataclass
class SyncService:
    """Talks to the central server for one terminal database."""

    engine: Engine
    bus: EventBus | None = None
    transport: httpx.BaseTransport | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _online: bool = False
    _push_size: int = 0  # items per push now (0: PUSH_BATCH); halved by a timeout, doubled back by answers

    def _meta(self, key: str) -> str | None:
        with db.transaction(self.engine, write=False) as conn:
            return repo.get_meta(conn, key)

    def configured(self) -> bool:
        """True once this terminal is enrolled with a server."""
        return self._meta("server_url") is not None and self._meta("token") is not None

    def _client(self) -> Client:
        url, token = self._meta("server_url"), self._meta("token")
        if url is None or token is None:
            raise LoyaltyError("this terminal is not enrolled with a server: run `loyalty-terminal enroll`")
        return Client(url, token, transport=self.transport)

    def enroll(self, url: str, code: str) -> dict[str, object]:
        """Exchange a one-time code for a token and switch this terminal to chain mode."""
        client = Client(url, transport=self.transport)
        try:
            data = client.enroll(code)
        finally:
            client.close()
        with db.transaction(self.engine) as conn:
            repo.set_meta(conn, "server_url", url)
            repo.set_meta(conn, "token", str(data["token"]))
            repo.set_meta(conn, "terminal_id", str(data["terminal_id"]))
            repo.set_meta(conn, "epoch", str(data["epoch"]))
            repo.set_meta(conn, "card_block", str(data["card_block"]))
            repo.set_meta(conn, "card_serial", "0")
            repo.set_meta(conn, "cursor", "0")
            repo.set_meta(conn, "catalog_version", "0")
            store = data.get("store")
            if isinstance(store, dict):
                repo.set_meta(conn, "store_name", str(store.get("name", "")))
                repo.set_meta(conn, "store_address", str(store.get("address", "")))
            repo.set_meta(conn, "terminal_name", str(data.get("terminal_name", "")))
            # A new epoch: everything not acknowledged goes again; the server dedups by id.
            conn.execute(update(t.outbox).where(t.outbox.c.status.is_(None)).values(acked=0))
        return {"terminal_id": data["terminal_id"], "epoch": data["epoch"], "server": url}

    def sync_once(self) -> SyncReport:
        """Push every queued transaction, then pull every change; raises SyncError when offline."""
        with self._lock:  # one push in flight per terminal
            client = self._client()
            try:
                pushed, rejected = self._push_all(client)
                pulled = self._pull_all(client)
            except (SyncError, Refused) as exc:
                self._publish(False, str(exc))
                raise
            finally:
                client.close()
            stamp = now_ms()
            with db.transaction(self.engine) as conn:
                repo.set_meta(conn, "last_sync_ms", str(stamp))
                depth = replica.queue_depth(conn)
            self._publish(True, "")
            return SyncReport(pushed, tuple(rejected), pulled, depth, stamp)

    def _push_all(self, client: Client) -> tuple[int, list[str]]:
        epoch = int(self._meta("epoch") or 0)
        pushed = 0
        rejected: list[str] = []
        while True:
            size = min(self._push_size or PUSH_BATCH, PUSH_BATCH)
            with db.transaction(self.engine, write=False) as conn:
                items = replica.pending(conn, size)
            if not items:
                return pushed, rejected
            try:
                results = client.push(epoch, items)
            except SyncTimeout:
                # Too slow for the wait (a loaded server): the next cycle sends fewer, so a push fits
                # instead of the same batch timing out for ever. The server may have committed this
                # one meanwhile; the re-send is then answered `duplicate`.
                self._push_size = max(min(MIN_PUSH_BATCH, PUSH_BATCH), len(items) // 2)
                raise
            if len(items) == size:
                self._push_size = min(size * 2, PUSH_BATCH)
            with db.transaction(self.engine) as conn:
                acked, reasons, gap = replica.acknowledge(conn, results)
                if gap is not None:
                    # The server lost what we sent before (restored from backup): send again from there.
                    conn.execute(update(t.outbox).where(t.outbox.c.seq >= gap).values(acked=0))
            if not acked and gap is None:
                raise SyncError("the server acknowledged nothing; will retry")
            pushed += acked
            rejected += reasons

    def _pull_all(self, client: Client) -> int:
        pulled = 0
        while True:
            cursor = int(self._meta("cursor") or 0)
            catalog = int(self._meta("catalog_version") or 0)
            data = client.pull(cursor, catalog, PULL_PAGE)
            customers = data["customers"]
            applied = int(data.get("applied_seq") or 0)
            for start in range(0, len(customers), APPLY_CHUNK):
                with db.transaction(self.engine) as conn:
                    replica.apply_customers(conn, customers[start : start + APPLY_CHUNK], applied)
            with db.transaction(self.engine) as conn:
                replica.apply_page_rest(conn, data)
            pulled += len(customers)
            if not data.get("more"):
                return pulled

    def lookup(self, query: str) -> None:
        """Fetch one customer's snapshot from the server into the replica (a card not seen here yet)."""
        client = self._client()
        try:
            snap = client.lookup(query)
        finally:
            client.close()
        with db.transaction(self.engine) as conn:
            replica.apply_customers(conn, [snap], int(repo.get_meta(conn, "applied_seq") or 0))

    def status(self) -> SyncStatus:
        """Online flag is the last cycle's; queue depth and last sync are read now."""
        with db.transaction(self.engine, write=False) as conn:
            depth = replica.queue_depth(conn)
            last = repo.get_meta(conn, "last_sync_ms")
        return SyncStatus(self._online, depth, int(last) if last else None)

    def _publish(self, online: bool, message: str) -> None:
        self._online = online
        if self.bus is not None:
            status = self.status()
            self.bus.publish(SyncStatus(online, status.queue_depth, status.last_sync_ms, message))


class SyncWorker(threading.Thread):
    """Runs sync cycles off the UI thread: every `interval` seconds, sooner when nudged, backing off
    exponentially with jitter while the server is unreachable. It never holds a sale up."""

    def __init__(self, service: SyncService, interval: float = 10.0, max_backoff: float = 300.0,
                 sleep: Callable[[float], None] | None = None) -> None:  # fmt: skip
        super().__init__(name="sync-worker", daemon=True)
        self.service = service
        self.interval = interval
        self.max_backoff = max_backoff
        self._wake = threading.Event()
        self._halt = threading.Event()
        self.failures = 0
        self.last_error = ""

    def nudge(self) -> None:
        """Sync soon (after a sale)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current cycle."""
        self._halt.set()
        self._wake.set()

    def run(self) -> None:
        """The loop."""
        while not self._halt.is_set():
            try:
                self.service.sync_once()
                self.failures = 0
                delay = self.interval
            except Refused as exc:
                self.last_error = str(exc)
                delay = self.max_backoff  # a revoked terminal should not hammer the server
            except LoyaltyError as exc:
                self.failures += 1
                self.last_error = str(exc)
                base = min(self.max_backoff, 2.0 ** min(self.failures, 10))
                delay = base * random.uniform(0.5, 1.5)
            self._wake.wait(delay)
            self._wake.clear()
