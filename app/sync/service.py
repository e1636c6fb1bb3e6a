"""Sync use cases: enroll this terminal, push the outbox, pull the replica, look a customer up online."""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, delete, func, select, update

from app.core import db, repo, sql
from app.core import schema as t
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import LoyaltyError
from app.core.events import CustomerChanged, EventBus, SyncStatus
from app.core.services.support import check_actor, write_audit
from app.core.timeutil import now_ms
from app.sync import replica
from app.sync.client import Client, Refused, SyncError, SyncTimeout

PUSH_BATCH = 500
MIN_PUSH_BATCH = 25  # a push that timed out is sent again halved, down to this many items
PULL_PAGE = 1000  # customers per pulled page,
PULL_PAGE_SELLING = 200  # or this many while the till sells: parsing a page holds the GIL (~20 ms for 1,000)
APPLY_CHUNK = 1000  # at most this many pulled customers per local transaction,
APPLY_BUDGET_S = 0.005  # and about this long while the till sells (a sale arriving meanwhile waits for it),
APPLY_BUDGET_IDLE_S = 0.05  # or this long when the till has made no transaction for APPLY_CALM_S:
APPLY_CALM_S = 2.0  # a first pull into an idle till needs few, large transactions, a selling till short ones
APPLY_MIN = 10  # and never fewer customers than this (fewer would mostly pay a transaction's fixed cost)
CARD_RANGE_LOW = 200  # fewer card numbers left than this: the sync asks the server for another range
APPLY_FIRST_S = 0.0002  # a pulled customer's cost to store, until transactions have been timed
# The cashier comes first: while the till is in use (TILL_BUSY_S), a background sync waits for a pause
# before it pushes, and before it fetches or stores each pulled page, at most this long in all per sync
# (the caps on offline redemption only get stricter when syncs are further apart). Sales then rarely
# share the writer, the disk or the GIL with a sync; the chain is at most this much staler.
YIELD_MAX_S = 120.0
YIELD_POLL_S = 0.05
# The till counts as selling this long after it last used the database: a customer's card and basket are
# looked up and priced (reads) seconds before the payment commits, so a pull is paused by then.
TILL_BUSY_S = 10.0
# A terminal's token is replaced this often (a token copied off a till stops working within this time);
# the background sync does it after a good sync, `loyalty-terminal sync rotate-token` at once.
TOKEN_MAX_AGE_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class SyncReport:
    """What one sync cycle did."""

    pushed: int
    rejected: tuple[str, ...]
    pulled: int
    queue: int
    last_sync_ms: int
    quarantined: tuple[str, ...] = ()  # cards the server booked without issuing: another customer holds them
    card_numbers_left: int | None = None  # a chain terminal's card numbers still to issue

    def to_json(self) -> dict[str, object]:
        """The CLI's JSON shape."""
        return {"pushed": self.pushed, "rejected": list(self.rejected), "pulled": self.pulled,
                "queue": self.queue, "last_sync_ms": self.last_sync_ms, "quarantined": list(self.quarantined),
                "card_numbers_left": self.card_numbers_left}  # fmt: skip


@dataclass
class SyncService:
    """Talks to the central server for one terminal database."""

    engine: Engine
    bus: EventBus | None = None
    transport: httpx.BaseTransport | None = None
    clock: Clock = SYSTEM_CLOCK  # the time of the audit row an enrolment writes
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _online: bool = False
    _last_sale_ms: int = 0  # when this till last wrote a sale (or any transaction), or one waited for us
    _per_customer: float = APPLY_FIRST_S  # seconds to store one pulled customer, as recently timed
    _push_size: int = 0  # items per push now (0: PUSH_BATCH); halved by a timeout, doubled back by answers
    _yielded_s: float = 0.0  # how long this sync's pull has waited for the till to pause
    _interrupt: threading.Event = field(default_factory=threading.Event)
    yield_max_s: float = 0.0  # an asked-for sync (CLI, tests) goes at once; the background worker yields
    till_busy_s: float = TILL_BUSY_S

    def _meta(self, key: str) -> str | None:
        with db.transaction(self.engine, write=False, background=True) as conn:
            return repo.get_meta(conn, key)

    def configured(self) -> bool:
        """True once this terminal is enrolled with a server."""
        return self._meta("server_url") is not None and self._meta("token") is not None

    def _client(self) -> Client:
        url, token = self._meta("server_url"), self._meta("token")
        if url is None or token is None:
            raise LoyaltyError("not_enrolled")
        return Client(url, token, transport=self.transport)

    def enroll(self, url: str, code: str, program_choice: str | None = None, *, actor: str) -> dict[str, object]:
        """Exchange a one-time code for a token and switch this terminal to chain mode, audited under `actor`.

        program_choice: what a standalone store does with its own program (sync.md promise 12): "adopt" the
        chain's, or "seed" the chain's (one without a program) from it. Without a choice, a store whose
        program differs from the chain's is refused by the server, and its code stays unspent. The server's
        answer, the switch and the audit row are stored in one transaction."""
        actor = check_actor(actor)
        if program_choice not in (None, "adopt", "seed"):
            raise LoyaltyError("program_choice_both")
        own = self._own_program(program_choice)
        history, last = self._history()
        client = Client(url, transport=self.transport)
        try:
            data = client.enroll(code, program_choice, own, history, last)
        finally:
            client.close()
        with db.transaction(self.engine, background=True) as conn:
            if repo.get_meta(conn, "joined_seq") is None:
                # What this store queued before it joined: its own programs and catalog, refused by the server as
                # managed there (and expected to be), so they do not count as rejections of a sync. The same
                # number the server was told: its sales and enrollments up to it are priced with `history`.
                repo.set_meta(conn, "joined_seq", str(last))
            repo.set_meta(conn, "server_url", url)
            repo.set_meta(conn, "token", str(data["token"]))
            repo.set_meta(conn, "terminal_id", str(data["terminal_id"]))
            repo.set_meta(conn, "epoch", str(data["epoch"]))
            repo.set_meta(conn, "card_block", str(data["card_block"]))
            if isinstance(data.get("phone_key"), str):
                # The chain's key of pulled phones (sync.md promise 10): the till finds them by phone with it.
                repo.set_meta(conn, "phone_key", data["phone_key"])
            repo.set_meta(conn, "card_serial", "0")
            repo.set_meta(conn, "cursor", "0")
            repo.set_meta(conn, "catalog_version", "0")
            store = data.get("store")
            if isinstance(store, dict):
                repo.set_meta(conn, "store_name", str(store.get("name", "")))
                repo.set_meta(conn, "store_address", str(store.get("address", "")))
            repo.set_meta(conn, "terminal_name", str(data.get("terminal_name", "")))
            repo.set_meta(conn, "token_issued_ms", str(now_ms()))
            # A new epoch: everything not acknowledged goes again; the server dedups by id.
            conn.execute(update(t.outbox).where(t.outbox.c.status.is_(None)).values(acked=0))
            write_audit(conn, self.clock, actor, "server_enrolled", {"url": url})
            if isinstance(data.get("card_keys"), dict):
                repo.set_card_keys(conn, data["card_keys"])
            card_range = data.get("card_range")
            if isinstance(card_range, dict):
                # A new epoch's range replaces the old ones: a restored till may have used them since its backup.
                repo.set_card_ranges(conn, [[int(card_range["first"]), int(card_range["last"])]])
            replica.store_programs(conn, data.get("programs") or [])
        return {"terminal_id": data["terminal_id"], "epoch": data["epoch"], "server": url,
                "programs": len(data.get("programs") or [])}  # fmt: skip

    def seed_program(self, program: dict[str, Any]) -> bool:
        """Make this store's program the chain's first, when the chain has none (the first-run wizard's template
        for a store it enrolled). Kept until the server answers: tried now and at each sync. True once done."""
        with db.transaction(self.engine, background=True) as conn:
            repo.set_meta(conn, "seed_program", json.dumps(program, ensure_ascii=False, sort_keys=True))
        client = self._client()
        try:
            return self._seed_pending(client)
        except SyncError:
            return False  # unreachable now: the next sync gives it
        finally:
            client.close()

    def _seed_pending(self, client: Client) -> bool:
        """Send a pending seed program; the chain's programs come back (its own, if it had one meanwhile)."""
        text = self._meta("seed_program")
        if text is None:
            return False
        try:
            data = client.seed_program(json.loads(text))
        except Refused as exc:
            if exc.code != "chain_has_program":
                raise
            data = {"programs": []}  # the chain got a program meanwhile: that one applies, pulled as usual
        with db.transaction(self.engine, background=True) as conn:
            replica.store_programs(conn, data["programs"])
            conn.execute(delete(t.meta).where(t.meta.c.key == "seed_program"))
        return bool(data["programs"])

    def _history(self) -> tuple[list[dict[str, Any]] | None, int]:
        """The programs this standalone store priced its queued history with, and the last sequence number it
        queued (docs/authority.md "A store joining the chain"); no programs for a terminal of the chain
        already (its history was recorded when it joined) or a store that queued nothing priced."""
        with db.transaction(self.engine, write=False, background=True) as conn:
            last = int(conn.execute(select(func.max(t.outbox.c.seq))).scalar() or 0)
            if repo.chain_mode(conn) or repo.get_meta(conn, "joined_seq") is not None:
                return None, last
            # Only what is priced counts: a fresh till's queued default program alone is no history.
            priced = select(t.outbox.c.seq).where(t.outbox.c.kind.in_(("sale", "refund", "enroll"))).limit(1)
            if conn.execute(priced).first() is None:
                return None, last
            rows = conn.execute(select(t.programs.c.uid, t.programs.c.activate_at, t.programs.c.body)).all()
        return [{"uid": str(r.uid), "activate_at": int(r.activate_at), "program": json.loads(r.body)}
                for r in rows] or None, last  # fmt: skip

    def _own_program(self, program_choice: str | None) -> dict[str, Any] | None:
        """The program this store priced with, for the server to compare or seed with; None when it has none
        that matters: a terminal of the chain already, a store adopting the chain's, or a fresh till that has
        neither customers nor sales (its default program was never a store's choice)."""
        with db.transaction(self.engine, write=False, background=True) as conn:
            if repo.chain_mode(conn) or program_choice == "adopt":
                return None
            used = (
                conn.execute(select(t.customers.c.id).limit(1)).first()
                or conn.execute(select(t.sales.c.id).limit(1)).first()
            )
            if program_choice is None and not used:
                return None
            try:
                _, program = repo.program_at(conn, repo.peek_clock(conn, None))
            except LoyaltyError:
                return None
            return dict(program.raw)

    def sync_once(self) -> SyncReport:
        """Push every queued transaction, then pull every change; raises SyncError when offline."""
        with self._lock:  # one push in flight per terminal
            client = self._client()
            try:
                self._yielded_s = 0.0
                self._wait_for_pause()
                self._seed_pending(client)
                pushed, rejected, quarantined = self._push_all(client)
                with db.transaction(self.engine, write=False, background=True) as conn:
                    # Every row up to here is on the server before this pull starts: once the pull has
                    # been applied to its end, the pulled figures include them (a complete sync).
                    through = replica.acked_through(conn)
                pulled = self._pull_all(client)
                self._follow_verdicts(client)
                left = self._refresh_cards(client)
            except (SyncError, Refused) as exc:
                self._publish(False, str(exc))
                raise
            finally:
                client.close()
            stamp = now_ms()
            with db.transaction(self.engine, background=True) as conn:
                repo.set_meta(conn, "last_sync_ms", str(stamp))
                repo.set_meta(conn, repo.SYNCED_SEQ, str(through))
                depth = replica.queue_depth(conn)
                issued = repo.get_meta(conn, "token_issued_ms")
                if issued is None:  # enrolled before tokens were rotated: its age counts from now
                    repo.set_meta(conn, "token_issued_ms", str(stamp))
            if issued is not None and stamp - int(issued) >= TOKEN_MAX_AGE_MS:
                with contextlib.suppress(SyncError, Refused):  # the sync succeeded; rotation is tried next time
                    self._rotate()
            self._publish(True, "")
            return SyncReport(pushed, tuple(rejected), pulled, depth, stamp, tuple(quarantined), left)

    def _refresh_cards(self, client: Client) -> int | None:
        """The chain's card keys (a rotation reaches the till), and a new card range when few numbers are left."""
        with db.transaction(self.engine, write=False, background=True) as conn:
            ranged = repo.get_meta(conn, "card_ranges") is not None or repo.get_meta(conn, "card_block") is not None
            left = repo.card_numbers_left(conn)
        try:
            data = client.cards(need_range=ranged and left < CARD_RANGE_LOW)
        except SyncError as exc:
            if exc.code == "server_status" and exc.params.get("status") == 404:
                return None  # a server from before chain card keys: the till keeps its own numbering
            raise
        with db.transaction(self.engine, background=True) as conn:
            repo.set_card_keys(conn, data["card_keys"])
            fresh = data.get("card_range")
            if isinstance(fresh, dict):
                ranges = [*repo.card_ranges(conn), [int(fresh["first"]), int(fresh["last"])]]
                repo.set_card_ranges(conn, [r for r in ranges if r[1] >= r[0]])
            return repo.card_numbers_left(conn) if ranged else None

    def rotate_token(self) -> dict[str, object]:
        """Replace this terminal's token with a new one from the server; the old one is refused afterwards."""
        with self._lock:
            return self._rotate()

    def _rotate(self) -> dict[str, object]:
        client = self._client()
        try:
            token = client.rotate_token()
        finally:
            client.close()
        # Kept before it is used: from the server's first sight of the new token the old one is dead,
        # and a till that lost the new one would have to be enrolled again.
        with db.transaction(self.engine, background=True) as conn:
            repo.set_meta(conn, "token", token)
            repo.set_meta(conn, "token_issued_ms", str(now_ms()))
        client = self._client()
        try:
            me = client.whoami()  # the new token's first use: the server drops the old one now
        finally:
            client.close()
        return {"terminal_id": me["terminal_id"], "rotated": True}

    def _push_all(self, client: Client) -> tuple[int, list[str], list[str]]:
        epoch = int(self._meta("epoch") or 0)
        joined = int(self._meta("joined_seq") or 0)
        pushed = 0
        rejected: list[str] = []
        quarantined: list[str] = []
        while True:
            size = min(self._push_size or PUSH_BATCH, PUSH_BATCH)
            with db.transaction(self.engine, write=False, background=True) as conn:
                items = replica.pending(conn, size)
            if not items:
                return pushed, rejected, quarantined
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
            # What this store queued before it joined the chain (its programs and catalog) is the server's to refuse.
            local = {i["uid"] for i in items if i["kind"] in ("program", "catalog") and i["seq"] <= joined}
            quarantined += [f"{r['uid']}: card {r['quarantined_card']}" for r in results if r.get("quarantined_card")]
            with db.transaction(self.engine, background=True) as conn:
                acked, reasons, gap = replica.acknowledge(conn, results, expected=local)
                refused = [str(r["uid"]) for r in results if "rejected" in (r.get("status"), r.get("original"))]
                replica.refresh_later(conn, replica.undo_rejected(conn, refused))
                if gap is not None:
                    # The server lost what we sent before (restored from backup): send again from there.
                    conn.execute(update(t.outbox).where(t.outbox.c.seq >= gap).values(acked=0))
            if not acked and gap is None:
                raise SyncError("nothing_acked")
            pushed += acked
            rejected += reasons

    def _follow_verdicts(self, client: Client) -> None:
        """The customers of sales and refunds the server rejected, fetched again: the server booked nothing of
        them, and a customer it did not change since comes in no pull page, so the till's figures (points,
        stamps, once-only marks) would keep what the rejected rows did. A few lookups, only after a rejection;
        the list is kept in meta with the acknowledgement, so a sync cut short does them next time."""
        while True:
            with db.transaction(self.engine, write=False, background=True) as conn:
                wanted = replica.to_refresh(conn)
                if not wanted:
                    return
                row = sql.one(conn, "SELECT id FROM customers WHERE uid = :u", {"u": wanted[0]})
                card = repo.primary_card(conn, int(row.id)) if row is not None else ""
            snap = None
            if card:
                try:
                    snap = client.lookup(card)
                except SyncError as exc:
                    if exc.code != "server_status" or exc.params.get("status") != 404:
                        raise  # offline again, or the server failed: the sync fails and the list waits
                    # Not on the server (merged away, or never booked): nothing to follow.
            with db.transaction(self.engine, background=True) as conn:
                if snap is not None:
                    replica.apply_customers(conn, [snap], int(repo.get_meta(conn, "applied_seq") or 0))
                replica.refreshed(conn, wanted[0])
            if snap is not None:
                self._customers_changed([snap])

    def yield_to_till(self, max_s: float = YIELD_MAX_S) -> None:
        """Background mode: pulled data waits for a pause in the till's work, up to max_s per sync."""
        self.yield_max_s = max_s
        self._interrupt.clear()

    def interrupt(self) -> None:
        """Stop waiting for the till to pause (the app is closing): the sync in progress ends at once."""
        self._interrupt.set()

    def pull_waited_s(self) -> float:
        """How long the last sync (its push and pull) waited for the till to pause."""
        return self._yielded_s

    def _pull_all(self, client: Client) -> int:
        pulled = 0
        self._wait_for_pause()
        catalog = int(self._meta("catalog_version") or 0)
        data = client.pull(int(self._meta("cursor") or 0), catalog, self._page_size())
        # The next page is asked for while this one is stored, so the server builds it meanwhile. Leaving
        # the block waits for that request, so an error here never leaves one running behind it.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
            while True:
                ahead = None
                if data.get("more"):
                    # The cursor and catalog version this page stores are the ones the next request names.
                    if data.get("catalog") is not None:
                        catalog = int(data["catalog_version"])
                    self._wait_for_pause()
                    ahead = fetcher.submit(client.pull, int(data["cursor"]), catalog, self._page_size())
                self._store_page(data)
                pulled += len(data["customers"])
                if ahead is None:
                    return pulled
                data = ahead.result()

    def _selling(self) -> bool:
        return now_ms() - self._last_sale_ms < APPLY_CALM_S * 1000

    def _till_busy(self) -> bool:
        """Used by a cashier lately: in this process (any read or write), or a transaction by another one."""
        idle = db.seconds_since_activity(self.engine)
        if idle is not None and idle < self.till_busy_s:
            return True  # known in memory: no need to open a transaction beside a till that is selling
        with db.transaction(self.engine, write=False, background=True) as conn:
            self._last_sale_ms = max(self._last_sale_ms, replica.last_local_write(conn))
        return now_ms() - self._last_sale_ms < self.till_busy_s * 1000

    def _wait_for_pause(self) -> None:
        """Wait while the till is in use, up to yield_max_s in all for this sync (0: never wait)."""
        while self._yielded_s < self.yield_max_s:
            if not self._till_busy():
                return
            began = time.monotonic()
            if self._interrupt.wait(YIELD_POLL_S):
                raise SyncError("sync_stopped")
            self._yielded_s += time.monotonic() - began

    def _page_size(self) -> int:
        return min(PULL_PAGE, PULL_PAGE_SELLING) if self._selling() else PULL_PAGE

    def _store_page(self, data: dict[str, Any]) -> None:
        """One pulled page: its customers in transactions sized by time, then its cursor."""
        customers = replica.page_order(data["customers"])
        applied = int(data.get("applied_seq") or 0)
        start = 0
        while start < len(customers):
            # The page in several transactions, each holding the one writer for about the budget: a sale
            # waits at most that. The cursor moves only with the page's last, durable, transaction, so a
            # crash or a power loss in between is repaired by pulling the page again; these need no fsync.
            self._wait_for_pause()
            budget = APPLY_BUDGET_S if self._selling() else APPLY_BUDGET_IDLE_S
            size = min(APPLY_CHUNK, max(APPLY_MIN, int(budget / self._per_customer)))
            if len(customers) - start - size < size // 4:
                size = len(customers) - start  # no small remainder in a transaction of its own
            chunk = customers[start : start + size]
            began = time.perf_counter()
            with db.transaction(self.engine, durable=False, background=True) as conn:
                replica.apply_customers(conn, chunk, applied)
                self._last_sale_ms = replica.last_local_write(conn)
            self._customers_changed(chunk)
            took = time.perf_counter() - began
            start += len(chunk)
            if len(chunk) >= APPLY_MIN:  # a handful is mostly the fixed cost of a transaction: it would mislead
                self._per_customer = 0.7 * self._per_customer + 0.3 * took / len(chunk)
            self._let_sales_go()
        with db.transaction(self.engine, background=True) as conn:
            replica.apply_page_rest(conn, data)

    def _let_sales_go(self) -> None:
        """A sale that waited for the writer takes it before our next chunk (a lock is not a queue)."""
        deadline = time.monotonic() + 0.05
        while db.writers_waiting(self.engine) and time.monotonic() < deadline:
            self._last_sale_ms = now_ms()
            time.sleep(0.0002)

    def lookup(self, query: str) -> None:
        """Fetch one customer's snapshot from the server into the replica (a card not seen here yet)."""
        client = self._client()
        try:
            snap = client.lookup(query)
        finally:
            client.close()
        with db.transaction(self.engine, background=True) as conn:
            replica.apply_customers(conn, [snap], int(repo.get_meta(conn, "applied_seq") or 0))
        self._customers_changed([snap])

    def status(self) -> SyncStatus:
        """Online flag is the last cycle's; queue depth and last sync are read now."""
        with db.transaction(self.engine, write=False, background=True) as conn:
            depth = replica.queue_depth(conn)
            last = repo.get_meta(conn, "last_sync_ms")
        return SyncStatus(self._online, depth, int(last) if last else None)

    def _customers_changed(self, snaps: Sequence[Mapping[str, Any]]) -> None:
        """Tell the till which cards pulled snapshots touched (after their transaction has committed)."""
        cards = tuple(str(code) for snap in snaps for code in snap.get("cards", ()))
        if self.bus is not None and cards:
            self.bus.publish(CustomerChanged(cards))

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
        # In the background the cashier comes first: pulled data waits for a pause in the selling.
        service.yield_to_till()
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
        """Stop after the current cycle (a pull waiting for the till to pause gives up at once)."""
        self._halt.set()
        self._wake.set()
        self.service.interrupt()

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
