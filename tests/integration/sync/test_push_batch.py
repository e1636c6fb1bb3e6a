"""The set-based push (server/ingest.py over app.core.ledger.Ledger), on the real server databases.

A pushed batch is booked in memory and written with a fixed number of statements. These tests pin what
that must not change: an item refused by a business rule leaves no trace while the items around it
apply; a uid repeated inside one batch is booked once; concurrent pushes over the same customers on
PostgreSQL neither deadlock nor double-book; and every customer a transaction changes gets its own
change number, so a pull page never has to hold a whole expiry run.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

import app.sync.service as sync_service
from app.core import ledger, sql
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.services.verify import VerifyService
from app.core.wallet import Lot
from app.sync.client import Client
from server import auth, authority, expiry, ingest, snapshots
from server import schema as s
from server.api import create_app
from server.config import Settings
from server.store import transaction
from tests.integration.sync.sim import Simulation
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)

AT = 1_790_000_000_000  # a fixed instant: every figure below is exact
DAY = 86_400_000


@pytest.fixture(autouse=True)
def _hand_made_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests book hand-made bodies whose figures follow no program, to test the push's mechanics
    (batching, undo, statements); re-deriving them is the authority's job, tested in test_hostile.py."""
    monkeypatch.setattr(authority, "ENFORCE", False)


class Terminal:
    """One enrolled terminal pushing hand-made bodies straight into server/ingest.push."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        store = auth.add_store(engine, f"store {name}")
        terminal_id, code = auth.register_terminal(engine, store, name)
        self.id, self.epoch = terminal_id, int(auth.exchange_code(engine, code)["epoch"])
        self.seq = 0

    def items(self, *bodies: tuple[str, dict[str, Any]]) -> list[ingest.Item]:
        """Bodies as the next items of this terminal's queue."""
        out = []
        for kind, body in bodies:
            self.seq += 1
            out.append(ingest.Item(body["uid"], self.seq, kind, body))
        return out

    def push(self, items: list[ingest.Item]) -> list[dict[str, Any]]:
        """POST /v1/sync/push without the HTTP layer."""
        return ingest.push(self.engine, self.id, self.epoch, items)


def enroll(uid: str, phone: str, points: int = 100, at: int = AT, expires_at: int | None = None) -> tuple[str, Any]:
    """An enrollment body with a welcome lot usable at once."""
    lot = Lot(f"{uid}-welcome", points, 0, at, expires_at, "welcome", uid)
    body = {"uid": uid, "name": f"Guest {uid}", "phone": phone, "birthday": None, "card": f"card-{uid}",
            "referrer_uid": None, "at": at, "consent_at": at, "ops": [ledger.grant_op(uid, lot, at)]}  # fmt: skip
    return "enroll", body


def sale(uid: str, customer: str, redeem: int = 0, earn: int = 0, at: int = AT) -> tuple[str, Any]:
    """A 10-rouble sale paying `redeem` points and earning `earn` points (usable at once)."""
    ops = []
    if redeem:
        ops.append(ledger.spend_op(customer, redeem, at))
    if earn:
        ops.append(ledger.grant_op(customer, Lot(f"{uid}-earned", earn, 0, at, None, "sale", uid), at))
    line = {"sku": "LAT", "name": "Latte", "category": "coffee", "qty": 1, "unit_price": 1000, "amount": 1000,
            "discount": 0, "redeemed": redeem, "paid": 1000 - redeem, "rate": "1/10", "stamp_rule": None,
            "stamps_given": 0, "is_reward": 0}  # fmt: skip
    figures = {"tier": None, "subtotal": 1000, "discount": 0, "redeemed_points": redeem, "redeemed_amount": redeem,
               "total": 1000 - redeem, "earned": earn, "earned_lot_uid": f"{uid}-earned" if earn else None}  # fmt: skip
    body = {"uid": uid, "at": at, "customer_uid": customer, "card": f"card-{customer}", "program_uid": None,
            "payment": "cash", "cashier": None, "sale": figures, "lines": [line], "ops": ops}  # fmt: skip
    return "sale", body


def balance(engine: Engine, uid: str) -> int:
    """Points usable now minus debt, from the stored rows."""
    with engine.connect() as conn:
        row = conn.execute(select(t.customers).where(t.customers.c.uid == uid)).one()
        held = conn.execute(
            select(func.coalesce(func.sum(t.lots.c.remaining), 0)).where(t.lots.c.customer_id == row.id)
        ).scalar_one()
    return int(held) - int(row.debt)


def count(engine: Engine, table: Any, *where: Any) -> int:
    """Rows of a table (matching a condition)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_a_refused_item_leaves_no_trace_and_the_items_around_it_apply(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    # Item 3 grants 500 points, then names an operation nobody knows: the whole item is refused,
    # its grant included, though it was already applied to the customer's wallet in memory.
    bad = {"uid": "adjust-3", "customer_uid": "A", "points": 500, "reason": "test", "actor": "m", "at": AT,
           "ops": [ledger.grant_op("A", Lot("lot-500", 500, 0, AT, None, "manual", "adjust-3"), AT),
                   {"op": "bogus", "customer": "A", "at": AT}]}  # fmt: skip
    items = term.items(enroll("A", "+79160000001"), sale("sale-2", "A", redeem=30, earn=10), ("adjust", bad),
                       sale("sale-4", "A", redeem=100, earn=10))  # fmt: skip
    results = term.push(items)
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "applied"]
    assert results[2]["reason"] == "unknown operation 'bogus'"
    # 100 - 30 + 10 = 80 held when sale 4 pays 100: 20 short, and its own 10 points pay half of it back.
    assert results[3]["overdraft"] == 20
    assert balance(engine, "A") == 100 - 30 + 10 - 100 + 10
    assert count(engine, t.lots, t.lots.c.uid == "lot-500") == 0
    assert count(engine, t.journal, t.journal.c.txn_uid == "adjust-3") == 0
    assert count(engine, t.sales) == 2
    with engine.connect() as conn:
        customer = conn.execute(select(t.customers).where(t.customers.c.uid == "A")).one()
        assert (customer.debt, customer.flagged) == (10, 1)
        assert conn.execute(select(s.overdrafts.c.txn_uid, s.overdrafts.c.points)).all() == [("sale-4", 20)]
        assert conn.execute(select(s.terminals.c.last_seq).where(s.terminals.c.id == term.id)).scalar() == 4
    assert VerifyService(engine).verify().ok
    # The refusal is an outcome like any other: a re-send gets it back, and nothing is booked twice.
    journal = count(engine, t.journal)
    again = term.push(items)
    assert [(r["status"], r["original"]) for r in again] == [("duplicate", r["status"]) for r in results]
    assert again[2]["reason"] == "unknown operation 'bogus'"
    assert [r["sale_id"] for r in (again[1], again[3])] == [results[1]["sale_id"], results[3]["sale_id"]]
    assert count(engine, t.sales) == 2 and count(engine, t.journal) == journal


def test_a_refused_item_that_read_the_stored_lots_puts_them_back(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    term.push(term.items(enroll("A", "+79160000001")))
    # A grant needs none of A's stored lots, so they are read only by the item that spends, which is refused.
    bad = {"uid": "adjust-2", "customer_uid": "A", "points": -30, "reason": "test", "actor": "m", "at": AT,
           "ops": [ledger.spend_op("A", 30, AT), {"op": "bogus", "customer": "A", "at": AT}]}  # fmt: skip
    results = term.push(term.items(sale("sale-1", "A", earn=10), ("adjust", bad), sale("sale-3", "A", redeem=100)))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[2]["overdraft"] == 0  # 100 welcome + 10 earned: the refused spend of 30 is not in the way
    assert balance(engine, "A") == 100 + 10 - 100
    with engine.connect() as conn:
        lots = dict(conn.execute(select(t.lots.c.uid, t.lots.c.remaining)).all())
    assert lots == {"A-welcome": 0, "sale-1-earned": 10}  # equal expiry (none): the older lot pays first
    assert VerifyService(engine).verify().ok


def test_a_refused_body_that_read_the_stored_lots_itself_puts_them_back(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    term.push(term.items(enroll("A", "+79160000001")))
    with transaction(engine) as conn:
        # No prefetch: the stored lots are read by the first body that spends, and that body is refused.
        books = ledger.Ledger(conn, strict=False, post_expiry=False)
        with books.item():
            books.apply_ops([ledger.grant_op("A", Lot("g-1", 10, 0, AT, None, "sale", "b-1"), AT)], "b-1")
        with pytest.raises(LoyaltyError), books.item():
            books.apply_ops([ledger.spend_op("A", 30, AT), {"op": "bogus", "customer": "A", "at": AT}], "b-2")
        with books.item():
            assert books.apply_ops([ledger.spend_op("A", 100, AT)], "b-3").overdraft == {}
        books.flush()
    with engine.connect() as conn:
        lots = dict(conn.execute(select(t.lots.c.uid, t.lots.c.remaining)).all())
    assert lots == {"A-welcome": 0, "g-1": 10}  # equal expiry (none): the older lot pays first
    assert VerifyService(engine).verify().ok


def test_a_refused_enrollment_takes_its_card_and_phone_back(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    kind, bad = enroll("B", "+79160000002")
    bad["ops"].append({"op": "bogus", "customer": "B", "at": AT})
    kind2, retry = enroll("B2", "+79160000002")
    retry["card"] = bad["card"]  # the refused enrollment's card and phone are free for the next one
    results = term.push(term.items((kind, bad), (kind2, retry), sale("sale-3", "B")))
    assert [r["status"] for r in results] == ["rejected", "applied", "rejected"]
    assert results[2]["reason"] == "unknown customer B"
    with engine.connect() as conn:
        assert conn.execute(select(t.customers.c.uid, t.customers.c.phone)).all() == [("B2", "+79160000002")]
        assert conn.execute(select(t.cards.c.code)).scalars().all() == [bad["card"]]
    assert VerifyService(engine).verify().ok


@pytest.mark.parametrize(("where", "value"), [("qty", "many"), ("qty", {"n": 1}), ("amount", 2**70)])
def test_a_value_the_database_refuses_fails_the_whole_push_with_a_4xx(engine: Engine, where: str, value: Any) -> None:
    # The push's edge checks every body's shape (app/core/wire.py), so SQLite refuses text in an
    # integer field as PostgreSQL does, though SQLite itself would keep it (type affinity).
    term = Terminal(engine, "T1")
    client = TestClient(create_app(Settings(database=str(engine.url)), engine))
    token = auth.exchange_code(engine, auth.new_code(engine, term.id))
    kind, bad = sale("sale-2", "A")
    bad["lines"][0][where] = value  # rows are streamed to PostgreSQL with COPY: its refusal must still be a 4xx
    items = [
        {"uid": i.uid, "seq": i.seq, "kind": i.kind, "body": i.body}
        for i in term.items(enroll("A", "+7916"), (kind, bad))
    ]
    answer = client.post("/v1/sync/push", json={"epoch": token["epoch"], "items": items},
                         headers={"Authorization": f"Bearer {token['token']}"})  # fmt: skip
    assert answer.status_code in (400, 422), answer.text
    assert count(engine, t.customers) == 0 and count(engine, s.outcomes) == 0  # the whole batch, not a part
    good = [{**items[0], "seq": 1}]
    answer = client.post("/v1/sync/push", json={"epoch": token["epoch"], "items": good},
                         headers={"Authorization": f"Bearer {token['token']}"})  # fmt: skip
    assert answer.json()["results"][0]["status"] == "applied"


def refund(uid: str, sale_uid: str, customer: str, take_back: int) -> tuple[str, Any]:
    """A refund of a sale's only line, taking back `take_back` earned points."""
    body = {"uid": uid, "sale_uid": sale_uid, "at": AT, "cashier": None, "units": {"0": 1},
            "refund": {"money_back": 1000, "points_taken_back": take_back, "points_given_back": 0,
                       "stamps_taken_back": {}},
            "ops": [ledger.take_back_op(customer, take_back, AT, f"{sale_uid}-earned")]}  # fmt: skip
    return "refund", body


def test_a_refund_of_a_sale_in_the_same_batch_is_booked_against_it(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    items = term.items(enroll("A", "+79160000001"), sale("sale-2", "A", earn=10), refund("refund-3", "sale-2", "A", 10),
                       refund("refund-4", "no-such-sale", "A", 5))  # fmt: skip
    results = term.push(items)
    assert [r["status"] for r in results] == ["applied", "applied", "applied", "rejected"]
    assert results[3]["reason"] == "unknown sale no-such-sale"
    with engine.connect() as conn:
        booked = conn.execute(select(t.refunds.c.id, t.refunds.c.sale_id, t.refunds.c.uid)).one()
        earned = conn.execute(select(t.lots.c.remaining).where(t.lots.c.uid == "sale-2-earned")).scalar()
    assert (booked.id, booked.sale_id, booked.uid) == (results[2]["refund_id"], results[1]["sale_id"], "refund-3")
    assert earned == 0 and balance(engine, "A") == 100
    assert VerifyService(engine).verify().ok


def test_card_replacement_and_blocking_are_booked_in_the_batch(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    replace = {"uid": "card-2", "customer_uid": "A", "old_card": "card-A", "new_card": "card-A2", "at": AT}
    taken = {"uid": "card-3", "customer_uid": "A", "old_card": "card-A2", "new_card": "card-B", "at": AT}
    block = {"uid": "block-4", "customer_uid": "A", "blocked": True, "at": AT}
    items = term.items(enroll("A", "+79160000001"), enroll("B", "+79160000002"), ("card", replace), ("card", taken),
                       ("block", block))  # fmt: skip
    results = term.push(items)
    # B's card given to A as well (offline, promise 11): the replacement stands without it, and it is quarantined.
    assert [r["status"] for r in results] == ["applied"] * 5
    assert results[3]["quarantined_card"] == "card-B" and results[3]["card"] is None
    with engine.connect() as conn:
        cards = {r.code: (r.active, r.customer_id) for r in conn.execute(select(t.cards))}
        ids = dict(conn.execute(select(t.customers.c.uid, t.customers.c.id)).all())
        blocked = dict(conn.execute(select(t.customers.c.uid, t.customers.c.blocked)).all())
        listed = conn.execute(select(s.card_quarantine.c.card, s.card_quarantine.c.customer_uid,
                                     s.card_quarantine.c.holder_uid, s.card_quarantine.c.kind)).all()  # fmt: skip
    assert cards == {"card-A": (0, ids["A"]), "card-A2": (0, ids["A"]), "card-B": (1, ids["B"])}
    assert [tuple(r) for r in listed] == [("card-B", "A", "B", "card")]
    assert blocked == {"A": 1, "B": 0}


def test_a_uid_repeated_in_one_batch_is_booked_once(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    first = sale("sale-x", "A", redeem=20, earn=5)
    other = sale("sale-x", "A", redeem=50)  # the same id, other content
    results = term.push(term.items(enroll("A", "+79160000001"), first, first, other))
    assert [r["status"] for r in results] == ["applied", "applied", "duplicate", "rejected"]
    assert results[2]["original"] == "applied" and results[2]["sale_id"] == results[1]["sale_id"]
    assert results[3]["reason"] == "this transaction id was already used for different content"
    assert count(engine, t.sales) == 1
    assert count(engine, s.outcomes) == 2
    assert balance(engine, "A") == 100 - 20 + 5
    assert VerifyService(engine).verify().ok


def test_a_double_enrollment_inside_a_batch_merges_and_later_items_see_the_merge(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    late = enroll("L", "+79160000009", at=AT + 1000)
    early = enroll("E", "+79160000009", at=AT)  # enrolled earlier elsewhere, so it wins
    results = term.push(term.items(late, sale("s-1", "L", redeem=40, at=AT + 2000), early,
                                   sale("s-2", "L", redeem=100, earn=7, at=AT + 3000)))  # fmt: skip
    assert [r["status"] for r in results] == ["applied"] * 4
    # One welcome bonus per phone (sync.md promise 9): the later enrollment's is taken back and listed.
    assert results[2] == {"uid": "E", "status": "applied", "customer_uid": "E", "corrected": ["welcome"]}
    with engine.connect() as conn:
        merged = dict(conn.execute(select(t.customers.c.uid, t.customers.c.merged_into)).all())
        listed = conn.execute(select(s.corrections.c.kind, s.corrections.c.ref, s.corrections.c.points)).all()
    assert merged == {"L": "E", "E": None}
    assert [tuple(r) for r in listed] == [("welcome", "L-welcome", 100)]
    # One welcome lot left on the winner: 100 - 40 (spent before the merge) leaves 60; sale 4 spends 100 of
    # them, 40 as overdraft, and its 7 earned points pay that debt first: -33, booked against the winner.
    assert balance(engine, "E") == -33 and balance(engine, "L") == 0
    assert results[3]["overdraft"] == 40
    assert VerifyService(engine).verify().ok


def test_a_push_takes_the_same_number_of_statements_for_20_or_200_sales(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    term = Terminal(pg_engine, "T1")
    term.push(term.items(*(enroll(f"C{i}", f"+7916{i:07d}") for i in range(200))))
    statements = [0]

    @event.listens_for(pg_engine, "before_cursor_execute")
    def counted(*_: Any) -> None:
        statements[0] += 1

    driver = sql._driver

    def straight_to_the_driver(conn: Any) -> Any:
        statements[0] += 1  # a COPY or a read of tuples goes to psycopg directly, past SQLAlchemy's events
        return driver(conn)

    monkeypatch.setattr(sql, "_driver", straight_to_the_driver)
    per_batch = []
    for size in (20, 200):
        statements[0] = 0
        results = term.push(term.items(*(sale(f"s{size}-{i}", f"C{i}", redeem=5, earn=3) for i in range(size))))
        assert {r["status"] for r in results} == {"applied"}
        per_batch.append(statements[0])
    event.remove(pg_engine, "before_cursor_execute", counted)
    assert per_batch[0] == per_batch[1]
    assert per_batch[0] < 30


def test_concurrent_pushes_over_the_same_customers_neither_deadlock_nor_double_book(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = [f"C{i}" for i in range(12)]
    enroller = Terminal(pg_engine, "enroller")
    enroller.push(enroller.items(*(enroll(c, f"+7916{i:07d}") for i, c in enumerate(customers))))
    terminals = [Terminal(pg_engine, f"T{k}") for k in range(4)]
    retried: list[str] = []
    retryable = ingest.is_retryable

    def watched(exc: Exception) -> bool:
        if retryable(exc):
            retried.append(str(getattr(getattr(exc, "orig", None), "sqlstate", "")))
            return True
        return False

    monkeypatch.setattr(ingest, "is_retryable", watched)
    per_customer = {c: 0 for c in customers}
    plans = []
    for k, term in enumerate(terminals):
        # Every terminal touches every customer in each batch, each in its own order: a push that
        # locked customers in the order its items name them would deadlock against the others.
        order = customers[k:] + customers[:k]
        if k % 2:
            order.reverse()
        batches = []
        for b in range(5):
            bodies = [sale(f"T{k}-{b}-{j}", c, redeem=7, earn=2) for j, c in enumerate(order * 2)]
            batches.append(term.items(*bodies))
            for c in order * 2:
                per_customer[c] += 1
        plans.append((term, batches))
    start = threading.Barrier(len(terminals))
    failures: list[BaseException] = []
    statuses: list[str] = []

    def run(term: Terminal, batches: list[list[ingest.Item]]) -> None:
        try:
            start.wait()
            for batch in batches:
                statuses.extend(r["status"] for r in term.push(batch))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert statuses == ["applied"] * sum(per_customer.values())
    assert "40P01" not in retried, "concurrent pushes deadlocked"
    # Each sale paid 7 and earned 2, whatever the order: a receipt is a fact, shortfalls are debt.
    for c in customers:
        assert balance(pg_engine, c) == 100 - 5 * per_customer[c]
    assert count(pg_engine, t.sales) == sum(per_customer.values())
    report = VerifyService(pg_engine).verify()
    assert report.ok, report.problems[:3]


def test_each_changed_customer_gets_its_own_change_number_so_pull_pages_stay_small(engine: Engine) -> None:
    term = Terminal(engine, "T1")
    uids = [f"X{i:02d}" for i in range(12)]
    results = term.push(term.items(*(enroll(u, f"+7916{i:07d}", expires_at=AT + DAY) for i, u in enumerate(uids))))
    assert {r["status"] for r in results} == {"applied"}
    with engine.connect() as conn:
        numbers = dict(conn.execute(select(t.customers.c.uid, t.customers.c.change_seq)).all())
    assert [numbers[u] for u in uids] == list(range(numbers[uids[0]], numbers[uids[0]] + 12))  # uid order
    # One expiry run changes all twelve in one transaction: still twelve numbers, in uid order.
    assert expiry.post_expiry(engine, now=AT + 2 * DAY, grace=0) == 12 * 100
    with engine.connect() as conn:
        after = dict(conn.execute(select(t.customers.c.uid, t.customers.c.change_seq)).all())
    assert sorted(after.values()) == list(range(min(after.values()), min(after.values()) + 12))
    assert [after[u] for u in uids] == sorted(after.values())
    cursor, pages = max(numbers.values()), []
    while True:
        page = snapshots.pull(engine, term.id, cursor, 0, limit=5)
        pages.append([c["uid"] for c in page["customers"]])
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert pages == [uids[0:5], uids[5:10], uids[10:12]]


# ----------------------------------------------------------------------------- the terminal's side of a slow push


class _Recording(httpx.BaseTransport):
    """A transport that answers every push with `applied` and keeps the timeouts the client asked for."""

    def __init__(self) -> None:
        self.read_timeouts: dict[int, float] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        items = json.loads(request.read())["items"]
        self.read_timeouts[len(items)] = request.extensions["timeout"]["read"]
        return httpx.Response(200, json={"results": [{"uid": i["uid"], "status": "applied"} for i in items]})


def test_the_push_timeout_grows_with_the_batch() -> None:
    transport = _Recording()
    client = Client("http://server.test", "token", transport=transport)
    for n in (1, 100, 500):
        client.push(1, [{"uid": f"u{i}", "seq": i + 1, "kind": "sale", "body": {}} for i in range(n)])
    client.close()
    waits = transport.read_timeouts
    assert waits[1] >= 15  # what a single item always had
    assert waits[1] < waits[100] < waits[500]
    assert waits[500] >= 40  # 500 items outlasted 15 s on a loaded machine


def test_a_push_that_times_out_is_sent_again_in_smaller_batches(
    chain: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chain.network is not None
    monkeypatch.setattr(sync_service, "PUSH_BATCH", 8)
    monkeypatch.setattr(sync_service, "MIN_PUSH_BATCH", 2)
    card = chain.enroll(0, "+79160000077")
    assert chain.sync(0)
    for _ in range(8):
        chain.sell(0, chain.basket(0, "CAP", card=card))
    sent = len(chain.network.pushes)
    chain.network.script = ["delay"]  # the first push is held past the client's wait: a ReadTimeout
    assert not chain.sync(0)
    assert chain.sync(0)
    # The cycle after the timeout sent 4, then (answered in time) went back to full batches.
    assert [len(p.items) for p in chain.network.pushes[sent:]] == [4, 4]
    assert chain.queue(0) == 0
    chain.network.deliver_held()  # the held push arrives late: every item in it is a duplicate now
    assert chain.sync(0)
    chain.check_always()
