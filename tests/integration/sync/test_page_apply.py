"""The page-level apply of pulled snapshots (app/sync/replica.py) against what the one-customer-at-a-time
code it replaced stored (recorded once in tests/golden/page_apply.json; `python -m tests.golden page_apply`
regenerates it, see tests/golden.py), on a replica with unsynced work, a merge inside the page, expiry and
refunds; a page cut short by a crash; and the cards every terminal must show alike."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import app.sync.replica as sync_replica
from app.core import db
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.services.customers import CustomerService
from app.core.services.verify import VerifyService
from app.sync.client import Client
from server import expiry
from tests import golden
from tests.integration.sync.sim import (
    DAY_MS,
    GRACE_MS,
    HOUR_MS,
    MINUTE_MS,
    SIM_MANAGER,
    SimCrash,
    Simulation,
    TerminalSim,
    one_shot_crash,
    small_chain,
)

Apply = Callable[[Any, Sequence[Mapping[str, Any]], int], None]


def later(chain: Simulation, ms: int = MINUTE_MS) -> None:
    chain.clock.now += ms


def page_for(term: TerminalSim) -> dict[str, Any]:
    """What the terminal's next pull would store, fetched without pushing its queue first."""
    client = Client(str(term.meta("server_url")), str(term.meta("token")), transport=term.link)
    try:
        return client.pull(int(term.meta("cursor") or 0), int(term.meta("catalog_version") or 0), 1000)
    finally:
        client.close()


def copy_of(term: TerminalSim, path: Path) -> Engine:
    db.backup(term.engine, path)
    return db.make_engine(path)


def store(engine: Engine, data: Mapping[str, Any], apply: Apply, chunk: int | None = None) -> None:
    """The page's customers (in transactions of `chunk`, page order), then its cursor, as the sync worker does."""
    customers = sync_replica.page_order(data["customers"])
    step = chunk or len(customers) or 1
    for start in range(0, len(customers), step):
        with db.transaction(engine) as conn:
            apply(conn, customers[start : start + step], int(data.get("applied_seq") or 0))
    with db.transaction(engine) as conn:
        sync_replica.apply_page_rest(conn, data)


def state(engine: Engine) -> dict[str, Any]:
    """Everything a pulled page can change, keyed by uids and codes (row ids and sync txn ids differ)."""
    with engine.connect() as conn:
        uid_of = dict(conn.execute(select(t.customers.c.id, t.customers.c.uid)).all())
        customers = {
            r.uid: (r.name, r.phone, r.birthday, r.referral_paid, r.blocked, r.flagged, r.merged_into,
                    r.expired_total, r.debt, r.last_op_at, uid_of.get(r.referrer_id), r.snapshot_seq)
            for r in conn.execute(select(t.customers))
        }  # fmt: skip
        lots = {
            r.uid: (uid_of[r.customer_id], r.points, r.remaining, r.available_at, r.expires_at, r.source, r.txn_uid)
            for r in conn.execute(select(t.lots))
        }
        journal = Counter(
            (uid_of[r.customer_id], r.lot_uid, r.kind, r.points)
            for r in conn.execute(select(t.journal))
            if r.txn_uid.startswith("sync-")
        )
        stamps = {(uid_of[r.customer_id], r.rule_id): r.count for r in conn.execute(select(t.stamps))}
        moves = Counter(
            (uid_of[r.customer_id], r.rule_id, r.delta)
            for r in conn.execute(select(t.stamp_moves))
            if r.txn_uid.startswith("sync-")
        )
        cards = {r.code: uid_of[r.customer_id] for r in conn.execute(select(t.cards))}
        spend = sorted((uid_of[r.customer_id], r.at, r.amount) for r in conn.execute(select(t.spend_events)))
        years = sorted((uid_of[r.customer_id], r.year) for r in conn.execute(select(t.birthday_grants)))
        reflected = {r.uid: r.reflected for r in conn.execute(select(t.sales.c.uid, t.sales.c.reflected))}
        refunds = {r.uid: r.reflected for r in conn.execute(select(t.refunds.c.uid, t.refunds.c.reflected))}
        recent = {uid_of[r.customer_id]: r.sales for r in conn.execute(select(t.chain_card_sales))}
    return {"customers": customers, "lots": lots, "sync journal": journal, "stamps": stamps,
            "sync stamp moves": moves, "cards": cards, "spend": spend, "birthday years": years,
            "sales reflected": reflected, "refunds reflected": refunds, "chain card sales": recent}  # fmt: skip


def views(engine: Engine, cards: Sequence[str], at: int) -> dict[str, tuple[int, int, int, int, dict[str, int]]]:
    """What the till shows for each card: available, pending, expired, debt, stamps."""
    customers = CustomerService(engine)
    out = {}
    for card in cards:
        info = customers.customer(card, at=at)
        out[card] = (info.available, info.pending, info.expired, info.debt, dict(info.stamps))
    return out


@pytest.fixture
def busy_chain(chain: Simulation) -> dict[str, Any]:
    return make_busy(chain)


def make_busy(chain: Simulation) -> dict[str, Any]:
    """T1 holds unsynced sales, a refund and a spend while the server moved on: its next page holds
    changed customers, a customer merged away (enrolled on T1) and the one it was merged into (new to T1),
    and expiry the server posted."""
    a = chain.enroll(0, "+79160000101", birthday="1990-01-05")
    b = chain.enroll(0, "+79160000102", referrer=a)
    later(chain)
    chain.sell(0, chain.basket(0, "LAT", "LAT", "CAP", card=a))
    chain.sell(0, chain.basket(0, "ESP", "CRO", card=b))
    later(chain, DAY_MS + HOUR_MS)
    assert chain.sync(0) and chain.sync(1)
    c_sale = chain.sell(1, chain.basket(1, "LAT", "TEA", card=a))
    assert chain.sync(1)
    # One phone enrolled on both: T0's enrollment is earlier and wins, T1's reaches the server first.
    winner = chain.enroll(0, "+79160000199")
    later(chain)
    loser = chain.enroll(1, "+79160000199")
    assert chain.sync(1) and chain.sync(0)
    # T1, unsynced: a sale on the merged-away card, points paid and stamps given on another, a refund.
    later(chain)
    chain.sell(1, chain.basket(1, "LAT", "CAP", card=loser))
    chain.sell(1, chain.basket(1, "CAP", "CAP", card=b, redeem="max"))
    chain.sell(1, chain.basket(1, "ESP", card=a, redeem=30))
    assert c_sale.sale_id is not None
    chain.refund(1, c_sale.sale_id)
    # The server moves on: T0 sells to a and to the winner, and expiry writes old lots off.
    chain.sell(0, chain.basket(0, "LAT", card=a))
    chain.sell(0, chain.basket(0, "CHZ", "LAT", card=winner))
    assert chain.sync(0)
    later(chain, 4 * DAY_MS + GRACE_MS)
    assert chain.server is not None
    assert expiry.post_expiry(chain.server.engine, now=chain.clock.now, grace=GRACE_MS) > 0
    return {"cards": [a, b, winner, loser]}


UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical(value: Any) -> Any:
    """golden.encode(value) with each UUIDv7 replaced by its rank among them (uid-000, uid-001, ...).

    The simulation's seeded ids are the same from run to run of one program, but how many ids a run
    draws before the page depends on what else the process imported; their order does not. The ranks
    keep what the state says (which lot, journal row and card belongs to whom, who was merged into whom)."""
    text = json.dumps(golden.encode(value), ensure_ascii=False)
    label = {uid: f"uid-{i:03d}" for i, uid in enumerate(sorted(set(UID.findall(text))))}
    data = json.loads(UID.sub(lambda m: label[m.group()], text))
    for part in data["state"].values():
        if isinstance(part, dict) and "pairs" in part:  # keyed by uids: in the order of the new names
            part["pairs"].sort(key=lambda kv: json.dumps(kv[0]))
    return data


def applied(chain: Simulation, cards: Sequence[str], engine: Engine, data: Mapping[str, Any], chunk: int | None) -> Any:
    """The page stored by the page-level apply: everything it changed, and what the till shows for each card."""
    with chain.clock.acting_as(1):
        store(engine, data, sync_replica.apply_customers, chunk)
    assert VerifyService(engine).verify().ok
    return canonical({"state": state(engine), "views": views(engine, cards, chain.clock.now)})


def record(folder: Path) -> dict[str, Any]:
    """What the page apply stores on the busy chain's T1 (for tests/golden.py)."""
    chain = small_chain(folder)
    try:
        cards = make_busy(chain)["cards"]
        term = chain.terminals[1]
        with chain.clock.acting_as(1):
            data = page_for(term)
        engine = copy_of(term, folder / "page.sqlite3")
        try:
            return {"page": applied(chain, cards, engine, data, None)}
        finally:
            engine.dispose()
    finally:
        chain.close()


def test_page_apply_stores_what_the_one_at_a_time_apply_stored(
    chain: Simulation, busy_chain: dict[str, Any], tmp_path: Path
) -> None:
    term = chain.terminals[1]
    with chain.clock.acting_as(1):
        data = page_for(term)
    merged = [c for c in data["customers"] if c.get("merged_into")]
    assert merged and any(c["uid"] == merged[0]["merged_into"] for c in data["customers"]), "a merge in the page"
    assert any(c["expired_total"] for c in data["customers"]), "expiry in the page"
    want = golden.load("page_apply")["page"]
    for name, chunk in (("page", None), ("page in chunks of 2", 2)):
        engine = copy_of(term, tmp_path / f"{name}.sqlite3")
        got = applied(chain, busy_chain["cards"], engine, data, chunk)
        engine.dispose()
        assert got["views"] == want["views"], name
        for key, value in want["state"].items():
            assert got["state"][key] == value, f"{name}: {key}"


def test_storing_the_same_page_again_writes_nothing(chain: Simulation, busy_chain: dict[str, Any]) -> None:
    term = chain.terminals[1]
    with chain.clock.acting_as(1):
        data = page_for(term)
        store(term.engine, data, sync_replica.apply_customers)
        first = state(term.engine)
        store(term.engine, data, sync_replica.apply_customers, chunk=3)
    assert state(term.engine) == first
    assert term.services.verifier.verify().ok


def test_a_merge_inside_one_page_shows_the_server_balance_plus_the_unsynced_sale(
    chain: Simulation, busy_chain: dict[str, Any]
) -> None:
    _, _, winner, loser = busy_chain["cards"]
    term = chain.terminals[1]
    with chain.clock.acting_as(1):
        data = page_for(term)
        # Each customer in a transaction of its own: the merged-away one is stored first (page order).
        store(term.engine, data, sync_replica.apply_customers, chunk=1)
    at = chain.clock.now
    assert chain.server is not None
    server = CustomerService(chain.server.engine)
    here = term.services.customers.customer(loser, at=at)
    there = server.customer(winner, at=at)
    assert here.customer_id == term.services.customers.customer(winner, at=at).customer_id, "both cards, one customer"
    # T1's unsynced sale on the merged-away card (latte and cappuccino) earned points and gave coffee stamps.
    with term.engine.connect() as conn:
        sale = conn.execute(select(t.sales).where(t.sales.c.card == loser, t.sales.c.reflected == 0)).one()
    assert here.available + here.pending == there.available + there.pending + sale.earned
    assert here.stamps["coffee"] == there.stamps.get("coffee", 0) + 2
    assert term.services.verifier.verify().ok
    assert chain.sync(1)  # and once it is pushed, the terminal shows what the server shows
    assert term.services.customers.customer(loser, at=at).available == server.customer(loser, at=at).available


def test_a_crash_mid_page_is_repaired_by_pulling_the_page_again(chain: Simulation, busy_chain: dict[str, Any]) -> None:
    term = chain.terminals[1]
    with pytest.raises(SimCrash), one_shot_crash(sync_replica, "apply_customers", 2, []):
        chain.sync(1)  # pushed, then died with the first chunk of the page stored and the cursor not moved
    term.crash_and_reopen()
    assert term.services.verifier.verify().ok, "a cut page leaves a consistent file"
    assert chain.sync(1)
    assert chain.sync(0) and chain.sync(1)
    at = chain.clock.now
    assert chain.server is not None
    assert views(term.engine, busy_chain["cards"], at) == views(chain.server.engine, busy_chain["cards"], at)
    chain.check_always()


def test_every_terminal_shows_the_winners_card_after_a_merge(chain: Simulation) -> None:
    winner = chain.enroll(0, "+79160000201")
    later(chain)
    loser = chain.enroll(1, "+79160000201")
    assert chain.sync(1) and chain.sync(0) and chain.sync(1)
    assert chain.server is not None
    for engine in (chain.server.engine, chain.terminals[0].engine, chain.terminals[1].engine):
        customers = CustomerService(engine)
        assert customers.customer(loser).card == winner, "the other card is an alias"
        assert customers.customer("+79160000201").card == winner


def test_a_replaced_card_stops_working_on_every_terminal(chain: Simulation) -> None:
    old = chain.enroll(0, "+79160000301")
    assert chain.sync(0) and chain.sync(1)
    with chain.clock.acting_as(0):
        new = chain.terminals[0].services.customers.replace_card(old, at=chain.clock.at(0), actor=SIM_MANAGER)
    assert chain.sync(0) and chain.sync(1)
    there = chain.terminals[1].services
    assert there.customers.customer(new).card == new
    with pytest.raises(LoyaltyError, match="replaced"):
        there.customers.customer(old)


def test_a_referee_pulled_before_its_referrer_is_linked_once_the_referrer_arrives(
    chain: Simulation, tmp_path: Path
) -> None:
    # The referrer buys after the referee enrolled: its change number passes the referee's, so a till pulling
    # both stores the referee first (here in calls of one customer, as separate pages would).
    referrer = chain.enroll(0, "+79160000301")
    referee = chain.enroll(0, "+79160000302", referrer=referrer)
    assert chain.sync(0)
    later(chain)
    chain.sell(0, chain.basket(0, "LAT", card=referrer))
    assert chain.sync(0)
    term = chain.terminals[1]
    with chain.clock.acting_as(1):
        data = page_for(term)
    order = [c["uid"] for c in sync_replica.page_order(data["customers"])]
    engine = copy_of(term, tmp_path / "page.sqlite3")
    try:
        store(engine, data, sync_replica.apply_customers, chunk=1)
        with engine.connect() as conn:
            rows = {r.uid: r for r in conn.execute(select(t.customers))}
            by_id = {r.id: r.uid for r in rows.values()}
            owner = dict(conn.execute(select(t.cards.c.code, t.cards.c.customer_id)).all())
        uid_of = {card: by_id[owner[card]] for card in (referrer, referee)}
        assert order.index(uid_of[referee]) < order.index(uid_of[referrer])
        assert by_id.get(rows[uid_of[referee]].referrer_id) == uid_of[referrer]
        with engine.connect() as conn:
            assert conn.execute(select(t.meta.c.value).where(t.meta.c.key == "pending_referrers")).scalar() == "{}"
    finally:
        engine.dispose()
