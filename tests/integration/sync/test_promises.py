"""One focused test per sync promise and protocol rule (sync.md), on a server and two terminals in one process.

Each test drives the `chain` fixture by hand (tests/integration/sync/conftest.py): scripted network faults, a virtual
clock, crash points, and `chain.check_always()` for every promise that must hold at any instant.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

import app.core.repo as core_repo
import app.sync.replica as sync_replica
from app.core import db
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.services.customers import CustomerService
from app.core.services.verify import VerifyService
from app.sync.client import Refused, SyncError
from app.sync.service import SyncService
from server import expiry
from server import schema as s
from tests.integration.sync.sim import (
    DAY_MS,
    GRACE_MS,
    HOUR_MS,
    MINUTE_MS,
    OFFLINE_REDEEM_CAP,
    SERVER_URL,
    SimCrash,
    Simulation,
    TerminalSim,
    one_shot_crash,
)

PHONE = "+79160000001"


# ----------------------------------------------------------------------------- helpers


def later(chain: Simulation, ms: int = MINUTE_MS) -> None:
    """Let virtual time pass (no sleeps anywhere in these tests)."""
    chain.clock.now += ms


def outbox(term: TerminalSim, acked: int | None = None) -> list[dict[str, Any]]:
    """The terminal's outbox rows as push items, in sequence order."""
    stmt = select(t.outbox).order_by(t.outbox.c.seq)
    if acked is not None:
        stmt = stmt.where(t.outbox.c.acked == acked)
    with term.engine.connect() as conn:
        return [{"uid": r.uid, "seq": r.seq, "kind": r.kind, "body": json.loads(r.body)} for r in conn.execute(stmt)]


def push_raw(chain: Simulation, term: TerminalSim, items: list[dict[str, Any]], epoch: int | None = None,
             token: str | None = None) -> httpx.Response:  # fmt: skip
    """POST /v1/sync/push as the terminal would, on a clean line."""
    assert chain.server is not None
    request = httpx.Request(
        "POST",
        f"{SERVER_URL}/v1/sync/push",
        json={"epoch": epoch if epoch is not None else int(term.meta("epoch") or 0), "items": items},
        headers={"Authorization": f"Bearer {token or term.meta('token')}"},
    )
    response = chain.server.transport.handle_request(request)
    response.read()
    return response


def server_customers(chain: Simulation) -> CustomerService:
    """The customer service over the server's ledger (balances)."""
    assert chain.server is not None
    return CustomerService(chain.server.engine)


def server_books(chain: Simulation) -> VerifyService:
    """The books of the server's ledger, recomputed from its journal."""
    assert chain.server is not None
    return VerifyService(chain.server.engine)


def balances(service: CustomerService, card: str, at: int) -> tuple[int, int, int]:
    """(available, pending, debt) of a card at an instant."""
    info = service.customer(card, at=at)
    return info.available, info.pending, info.debt


def assert_converged(chain: Simulation, *cards: str) -> None:
    """After one pull each, every terminal shows the server's balances for these cards."""
    for i in range(len(chain.terminals)):
        assert chain.sync(i), f"terminal {i} could not sync"
    at = chain.clock.now
    want = {card: balances(server_customers(chain), card, at) for card in cards}
    for term in chain.terminals:
        for card in cards:
            assert balances(term.services.customers, card, at) == want[card], f"terminal {term.index}, card {card}"


def rich_card(chain: Simulation, phone: str = PHONE, terminal: int = 0, lattes: int = 8) -> str:
    """A customer with 100 welcome points + 40 per latte available, known to every terminal."""
    card = chain.enroll(terminal, phone)
    later(chain)
    chain.sell(terminal, chain.basket(terminal, *["LAT"] * lattes, card=card))  # 200 roubles, 10% x2 for coffee
    later(chain, DAY_MS + HOUR_MS)  # activation_days = 1
    for i in range(len(chain.terminals)):
        assert chain.sync(i)
    return card


def overdraft_report(chain: Simulation) -> dict[str, Any]:
    """What /v1/admin/overdrafts lists."""
    assert chain.server is not None
    return chain.server.admin("GET", "/v1/admin/overdrafts")


# ----------------------------------------------------------------------------- 1. nothing committed is lost


def test_committed_sale_survives_a_crash_before_it_is_sent(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    sale = chain.sell(0, chain.basket(0, "LAT", card=card))
    chain.terminals[0].crash_and_reopen()
    chain.check_always()  # the sale and its outbox row are in the reopened file
    assert chain.queue(0) == 2
    assert chain.sync(0)
    assert sale.uid in chain.server_outcomes()
    chain.check_always()


def test_sale_that_dies_before_its_commit_leaves_nothing_behind(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    before = chain.outbox_count(0)
    fired: list[str] = []
    with pytest.raises(SimCrash), one_shot_crash(core_repo, "write_outbox", 1, fired):
        chain.sell(0, chain.basket(0, "LAT", card=card))
    chain.terminals[0].crash_and_reopen()
    assert fired == ["write_outbox"]
    assert chain.outbox_count(0) == before
    with chain.terminals[0].engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.sales)).scalar_one() == 0
    chain.check_always()


def test_crash_after_send_before_the_ack_is_stored_resends_as_duplicate(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    sale = chain.sell(0, chain.basket(0, "LAT", card=card))
    with pytest.raises(SimCrash), one_shot_crash(sync_replica, "acknowledge", 1, []):
        chain.sync(0)
    chain.terminals[0].crash_and_reopen()
    assert chain.queue(0) == 2  # the server has both, the terminal does not know yet
    assert chain.server_outcomes()[str(sale.uid)][0] == "applied"
    assert chain.sync(0)
    assert chain.queue(0) == 0
    assert chain.network is not None
    assert [r["status"] for r in chain.network.pushes[-1].results] == ["duplicate", "duplicate"]
    chain.check_always()


def test_crash_between_pulled_chunks_resumes_and_converges(chain: Simulation) -> None:
    cards = [chain.enroll(0, f"+7916000{n:04d}") for n in range(12)]
    assert chain.sync(0)
    # 12 customers: three pages of 8 and chunks of 3 on the terminal; die after the first chunk.
    with pytest.raises(SimCrash), one_shot_crash(sync_replica, "apply_customers", 2, []):
        chain.sync(1)
    chain.terminals[1].crash_and_reopen()
    assert chain.sync(1)
    assert_converged(chain, *cards)
    chain.check_always()


# ----------------------------------------------------------------------------- 2. exactly once


def test_reply_lost_after_server_commit_is_not_applied_twice(chain: Simulation) -> None:
    card = rich_card(chain)
    assert chain.network is not None
    sale = chain.sell(0, chain.basket(0, "LAT", card=card, redeem=40))
    chain.network.script = ["drop_reply"]
    assert not chain.sync(0)
    assert chain.server_outcomes()[str(sale.uid)][0] == "applied"
    assert chain.queue(0) == 1
    assert chain.sync(0)
    assert chain.queue(0) == 0
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(t.sales.c.uid == sale.uid)).scalar_one() == 1
        spent = conn.execute(select(func.sum(t.journal.c.points)).where(
            t.journal.c.txn_uid == sale.uid, t.journal.c.kind == "spend")).scalar_one()  # fmt: skip
    assert spent == -40
    chain.check_always()
    assert_converged(chain, card)


def test_duplicated_request_is_applied_once(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, "CAP", card=card))
    assert chain.network is not None
    chain.network.script = ["duplicate"]
    assert chain.sync(0)
    statuses = [[r["status"] for r in p.results] for p in chain.network.pushes[-2:]]
    assert statuses == [["applied", "applied"], ["duplicate", "duplicate"]]
    chain.check_always()


def test_delayed_push_delivered_after_the_resend_is_a_duplicate(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, "CAP", card=card))
    assert chain.network is not None
    chain.network.script = ["delay"]
    assert not chain.sync(0)  # the terminal times out; its request is still on the wire
    assert chain.sync(0)  # re-sent and applied
    assert chain.network.deliver_held() == 1  # the old copy arrives last
    assert [r["status"] for r in chain.network.pushes[-1].results] == ["duplicate", "duplicate"]
    chain.check_always()


# ----------------------------------------------------------------------------- 3. stable outcomes


def test_resending_a_batch_returns_the_same_outcomes(chain: Simulation) -> None:
    card = rich_card(chain)
    chain.sell(0, chain.basket(0, "LAT", card=card, redeem=30))
    chain.sell(0, chain.basket(0, "CHZ", card=card))
    assert chain.sync(0)
    assert chain.network is not None
    first = {r["uid"]: r for p in chain.network.pushes for r in p.results if r["status"] == "applied"}
    items = outbox(chain.terminals[0], acked=1)
    before = chain.ledger_size()
    for _ in range(2):
        results = push_raw(chain, chain.terminals[0], items).json()["results"]
        assert [r["status"] for r in results] == ["duplicate"] * len(items)
        for r in results:
            again = {k: v for k, v in r.items() if k not in ("status", "original")}
            assert r["original"] == "applied"
            assert again == {k: v for k, v in first[r["uid"]].items() if k != "status"}
    assert chain.ledger_size() == before
    chain.check_always()


def test_same_id_with_different_content_is_refused_loudly(chain: Simulation) -> None:
    card = rich_card(chain)
    sale = chain.sell(0, chain.basket(0, "LAT", card=card, redeem=30))
    assert chain.sync(0)
    item = next(i for i in outbox(chain.terminals[0]) if i["uid"] == sale.uid)
    item["body"]["sale"]["redeemed_points"] = 3  # same id, other content
    stored = chain.server_outcomes()[str(sale.uid)]
    before = chain.ledger_size()
    response = push_raw(chain, chain.terminals[0], [item])
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"uid": sale.uid, "status": "rejected", "reason": "this transaction id was already used for different content"}
    ]
    assert chain.ledger_size() == before
    assert chain.server_outcomes()[str(sale.uid)] == stored  # the first outcome stands
    chain.check_always()


# ----------------------------------------------------------------------------- protocol rules


def test_gap_is_reported_with_the_expected_sequence(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    assert chain.sync(0)
    chain.sell(0, chain.basket(0, "CAP", card=card))
    chain.sell(0, chain.basket(0, "TEA", card=card))
    first, second = outbox(chain.terminals[0], acked=0)
    before = chain.ledger_size()
    results = push_raw(chain, chain.terminals[0], [second]).json()["results"]
    assert results == [{"uid": second["uid"], "status": "gap", "expected": first["seq"]}]
    assert chain.ledger_size() == before  # nothing after a gap is applied
    assert chain.sync(0)  # the terminal sends from the expected sequence on
    assert chain.queue(0) == 0
    chain.check_always()


def test_items_out_of_order_in_one_batch_are_refused_as_a_whole(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, "CAP", card=card))
    items = outbox(chain.terminals[0], acked=0)
    response = push_raw(chain, chain.terminals[0], list(reversed(items)))
    assert response.status_code == 422
    assert "increasing terminal sequence" in response.json()["detail"]
    assert chain.sync(0)
    chain.check_always()


def test_double_enrollment_with_one_phone_merges_earlier_wins(chain: Simulation) -> None:
    earlier = chain.enroll(0, PHONE)
    later(chain)
    second = chain.enroll(1, PHONE)  # offline from T0: T1 does not know the phone yet
    # The later enrollment reaches the server first; the earlier one still wins.
    assert chain.sync(1)
    assert chain.sync(0)
    assert chain.sync(1)
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        rows = {r.uid: r for r in conn.execute(select(t.customers))}
    winner_uid = next(u for u, k in chain.terminals[0].committed.items() if k == "enroll")
    loser_uid = next(u for u, k in chain.terminals[1].committed.items() if k == "enroll")
    assert rows[loser_uid].merged_into == winner_uid
    assert rows[winner_uid].merged_into is None and rows[winner_uid].phone == PHONE
    server = server_customers(chain)
    at = chain.clock.now
    # One customer, both cards, balances added; but one welcome bonus per phone (promise 9): the later
    # enrollment's is taken back and listed as a correction.
    assert server.customer(earlier, at=at).customer_id == server.customer(second, at=at).customer_id
    assert server.customer(second, at=at).available == 100
    [listed] = chain.server.admin("GET", "/v1/admin/corrections")["corrections"]
    assert (listed["kind"], listed["customer_uid"], listed["points"]) == ("welcome", winner_uid, 100)
    assert server.customer(PHONE, at=at).card in (earlier, second)
    assert_converged(chain, earlier, second)
    chain.check_always()


def test_offline_double_spend_is_booked_as_overdraft_and_listed(chain: Simulation) -> None:
    card = rich_card(chain, lattes=3)
    have = chain.terminals[0].services.customers.customer(card, at=chain.clock.now).available
    assert have == 220
    spend = 140  # within the per-card cap on each terminal, 60 more than the card holds in all
    a = chain.sell(0, chain.basket(0, *["LAT"] * 2, card=card, redeem=spend))
    b = chain.sell(1, chain.basket(1, *["LAT"] * 2, card=card, redeem=spend))  # the same points, offline
    assert chain.sync(0)
    assert chain.sync(1)
    assert chain.sync(0)
    outcomes = chain.server_outcomes()
    short = 2 * spend - have
    assert json.loads(outcomes[str(a.uid)][1])["overdraft"] == 0
    assert json.loads(outcomes[str(b.uid)][1])["overdraft"] == short
    report = overdraft_report(chain)
    assert report["total_points"] == short
    [row] = report["overdrafts"]
    assert (row["txn_uid"], row["points"], row["terminal_id"]) == (b.uid, short, chain.terminals[1].terminal_id)
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        # The sale's own earned lot pays the debt back first (loyalty-rules.md §4).
        assert conn.execute(select(t.customers.c.flagged, t.customers.c.debt)).one() == (1, short - b.quote.earned)
    assert_converged(chain, card)
    assert chain.terminals[0].services.customers.customer(card, at=chain.clock.now).debt == short - b.quote.earned
    chain.check_always()


def test_overdraft_on_a_merged_card_flags_the_surviving_customer(chain: Simulation) -> None:
    assert chain.network is not None and chain.server is not None
    earlier = chain.enroll(0, PHONE)
    assert chain.sync(0)
    later(chain)
    second = chain.enroll(1, PHONE)
    chain.network.script = ["drop_reply"]  # the server merges T1's customer away; T1 does not hear of it
    assert not chain.sync(1)
    assert chain.sync(0)  # T0 learns the merged customer: 100 points (one welcome bonus per phone, promise 9)
    chain.sell(0, chain.basket(0, "LAT", "LAT", card=earlier, redeem=50))
    assert chain.sync(0)  # 50 left on the server
    sale = chain.sell(1, chain.basket(1, "LAT", card=second, redeem=100))  # T1 still sees its own 100
    assert chain.sync(1)
    assert overdraft_report(chain)["total_points"] == 50
    with chain.server.engine.connect() as conn:
        survivor = conn.execute(select(t.customers).where(t.customers.c.merged_into.is_(None))).one()
    assert (survivor.flagged, survivor.debt) == (1, 50 - sale.quote.earned)
    chain.check_always()


def test_expiry_waits_for_the_grace_period_and_late_offline_redemption_is_honoured(chain: Simulation) -> None:
    assert chain.server is not None
    card = chain.enroll(0, PHONE)  # welcome bonus: 100 points, expiring after 5 days
    enrolled = chain.clock.now
    expires = enrolled + 5 * DAY_MS
    later(chain, 4 * DAY_MS)
    assert chain.sync(0) and chain.sync(1)
    # T1 goes offline and, one hour before the expiry, pays 50 points.
    assert chain.network is not None
    chain.network.partitioned[1] = 10**9
    chain.clock.now = expires - HOUR_MS
    late = chain.sell(1, chain.basket(1, "LAT", card=card, redeem=50))
    chain.clock.now = expires + HOUR_MS
    assert expiry.post_expiry(chain.server.engine, now=chain.clock.now, grace=GRACE_MS) == 0  # inside the grace
    chain.clock.now = expires + GRACE_MS - MINUTE_MS
    assert expiry.post_expiry(chain.server.engine, now=chain.clock.now, grace=GRACE_MS) == 0
    # T1 comes back within the grace: its redemption is paid from the lot it was dated against.
    chain.network.partitioned.clear()
    assert chain.sync(1)
    assert json.loads(chain.server_outcomes()[str(late.uid)][1])["overdraft"] == 0
    chain.clock.now = expires + GRACE_MS
    assert expiry.post_expiry(chain.server.engine, now=chain.clock.now, grace=GRACE_MS) == 50  # what was left
    assert overdraft_report(chain)["total_points"] == 0
    assert chain.sync(0) and chain.sync(1)
    info = server_customers(chain).customer(card, at=chain.clock.now)
    assert (info.available, info.expired, info.debt) == (late.quote.earned, 50, 0)
    assert_converged(chain, card)
    chain.check_always()


def test_redemption_arriving_after_the_grace_period_is_booked_as_a_listed_overdraft(chain: Simulation) -> None:
    """The receipt is a fact even when it arrives after its points were written off: never silent."""
    assert chain.server is not None and chain.network is not None
    card = chain.enroll(0, PHONE)
    expires = chain.clock.now + 5 * DAY_MS
    later(chain, 4 * DAY_MS)
    assert chain.sync(0) and chain.sync(1)
    chain.network.partitioned[1] = 10**9
    chain.clock.now = expires - HOUR_MS
    late = chain.sell(1, chain.basket(1, "LAT", card=card, redeem=50))
    chain.clock.now = expires + GRACE_MS + DAY_MS
    assert expiry.post_expiry(chain.server.engine, now=chain.clock.now, grace=GRACE_MS) == 100
    chain.network.partitioned.clear()
    assert chain.sync(1)
    assert json.loads(chain.server_outcomes()[str(late.uid)][1])["overdraft"] == 50
    assert overdraft_report(chain)["total_points"] == 50
    chain.check_always()


def test_revoked_terminal_is_refused(chain: Simulation) -> None:
    assert chain.server is not None
    term = chain.terminals[0]
    chain.server.admin("POST", f"/v1/admin/terminals/{term.terminal_id}/revoke")
    card = chain.enroll(0, PHONE)  # the till keeps working
    sale = chain.sell(0, chain.basket(0, "LAT", card=card))
    with chain.clock.acting_as(0), pytest.raises(Refused, match="revoked"):
        term.service().sync_once()
    assert chain.queue(0) == 2  # nothing is lost: it waits for a manager to sort the terminal out
    assert str(sale.uid) not in chain.server_outcomes()
    chain.check_always()


def test_old_epoch_is_refused_after_reenrollment(chain: Simulation, tmp_path: Any) -> None:
    assert chain.server is not None
    term = chain.terminals[0]
    card = chain.enroll(0, PHONE)
    assert chain.sync(0)
    old_epoch, old_token = int(term.meta("epoch") or 0), term.meta("token")
    image = db.backup(term.engine, tmp_path / "restored-image.sqlite3")  # the terminal as it was
    chain._act_reenroll(0)
    assert int(term.meta("epoch") or 0) == old_epoch + 1
    # The new token with the old epoch: superseded (409).
    response = push_raw(chain, term, [], epoch=old_epoch)
    assert response.status_code == 409
    assert "superseded" in response.json()["detail"]
    # The old image (old token) is refused; the re-enrolled terminal goes on.
    assert chain.network is not None
    restored = SyncService(db.make_engine(image), transport=chain.network.link(0))
    try:
        with chain.clock.acting_as(0), pytest.raises(Refused):
            restored.sync_once()
    finally:
        restored.engine.dispose()
    assert push_raw(chain, term, [], token=old_token).status_code == 401
    chain.sell(0, chain.basket(0, "LAT", card=card))
    assert chain.sync(0)
    chain.check_always()


def test_reenrolled_terminal_does_not_count_its_synced_sales_twice(chain: Simulation) -> None:
    card = rich_card(chain)
    chain.sell(0, chain.basket(0, "LAT", card=card, redeem=50))
    assert chain.sync(0)
    chain._act_reenroll(0)  # a new epoch: the server's watermark of this terminal starts again
    assert chain.sync(0)  # nothing to push, only a pull
    assert_converged(chain, card)
    chain.check_always()


def test_garbage_answer_loses_nothing_and_retries(chain: Simulation) -> None:
    assert chain.network is not None
    card = chain.enroll(0, PHONE)
    for fault, says in [
        ("garbage_500", "server answered 500"),
        ("garbage_500_after", "server answered 500"),
        ("garbage_200", "not JSON"),
        ("garbage_json", "no valid results"),
    ]:
        sale = chain.sell(0, chain.basket(0, "CAP", card=card))
        chain.network.script = [fault]
        with chain.clock.acting_as(0), pytest.raises(SyncError, match=says):
            chain.terminals[0].service().sync_once()
        assert chain.queue(0) >= 1, fault
        assert sale.uid in {i["uid"] for i in outbox(chain.terminals[0], acked=0)}
        chain.check_always()
    assert chain.sync(0)
    assert chain.queue(0) == 0
    chain.check_always()
    assert chain.sync(1)
    assert_converged(chain, card)


def test_second_offline_birthday_bonus_is_booked_and_the_queue_drains(chain: Simulation) -> None:
    today = time.strftime("1990-%m-%d", time.gmtime(chain.clock.now // 1000))
    card = chain.enroll(0, PHONE, birthday=today)
    assert chain.sync(0) and chain.sync(1)
    for i in (0, 1):  # both terminals pay the birthday bonus offline
        later(chain)
        assert chain.sell(i, chain.basket(i, "TEA", card=card)).quote.birthday_points == 120
    assert chain.sync(0)
    assert chain.sync(1)
    assert chain.sync(0)
    assert chain.queue(0) == chain.queue(1) == 0
    assert_converged(chain, card)
    chain.check_always()


# ----------------------------------------------------------------------------- 4. conservation


def test_verify_finds_a_balance_the_journal_does_not_explain(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, "LAT", card=card))
    assert chain.sync(0)
    assert chain.server is not None
    assert server_books(chain).verify().ok
    with chain.server.engine.begin() as conn:
        conn.execute(update(t.lots).where(t.lots.c.source == "welcome").values(remaining=t.lots.c.remaining + 5))
    report = server_books(chain).verify()
    assert not report.ok
    assert any("journal says otherwise" in p for p in report.problems)


def test_offline_stamp_double_spend_keeps_the_ledger_verifiable(chain: Simulation) -> None:
    assert chain.server is not None
    program = chain.server.admin("GET", "/v1/admin/program")["program"]
    program["stamps"] = [{"id": "coffee", "category": "coffee", "needed": 2}]
    chain.server.admin("POST", "/v1/admin/program", json={"program": program})
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, "ESP", "ESP", card=card))  # a full card
    assert chain.sync(0) and chain.sync(1)
    chain.sell(0, chain.basket(0, "ESP", card=card))  # the free coffee, offline, on both terminals
    chain.sell(1, chain.basket(1, "ESP", card=card))
    assert chain.sync(0) and chain.sync(1)
    assert server_books(chain).verify().ok
    listed = chain.server.admin("GET", "/v1/admin/overdrafts")
    assert listed["total_stamps"] == 2 and any(o["unit"] == "stamps:coffee" for o in listed["overdrafts"])
    for n in (0, 1):
        assert chain.terminals[n].services.verifier.verify().ok


# ----------------------------------------------------------------------------- 5. convergence


def test_partitioned_terminal_converges_after_the_partition_heals(chain: Simulation) -> None:
    assert chain.network is not None
    card = rich_card(chain)
    chain.network.partitioned[1] = 10**9
    for _ in range(3):
        later(chain)
        chain.sell(1, chain.basket(1, "CAP", "CRO", card=card, redeem=20))
        chain.sell(0, chain.basket(0, "TEA", card=card))
        assert not chain.sync(1)
        assert chain.sync(0)
    chain.network.partitioned.clear()
    assert chain.sync(1) and chain.sync(0)
    assert chain.queue(0) == chain.queue(1) == 0
    assert_converged(chain, card)
    chain.check_always()


# ----------------------------------------------------------------------------- 6. bounded double spend


def test_offline_redeem_cap_refusal_says_why(chain: Simulation) -> None:
    card = rich_card(chain)
    chain.sell(0, chain.basket(0, *["LAT"] * 3, card=card, redeem=OFFLINE_REDEEM_CAP - 50))
    with pytest.raises(LoyaltyError, match=r"at most 50 points .*per-card limit between syncs is reached"):
        chain.sell(0, chain.basket(0, *["LAT"] * 3, card=card, redeem=60))
    quote = chain.terminals[0].services.checkout.quote(chain.basket(0, *["LAT"] * 3, card=card, redeem="max"))
    assert quote.quote.max_points == 50
    with pytest.raises(LoyaltyError, match=r"gift Cookie needs 60 points, only 50 .*per-card limit"):
        chain.sell(0, chain.basket(0, "LAT", card=card, reward="cookie"))
    assert chain.sync(0)  # acknowledged: a new window opens
    chain.sell(0, chain.basket(0, *["LAT"] * 3, card=card, redeem=60))


def test_offline_redemption_stops_after_too_long_without_sync_and_on_a_skewed_clock(chain: Simulation) -> None:
    card = rich_card(chain)
    later(chain, 49 * HOUR_MS)
    with pytest.raises(LoyaltyError, match="no successful sync for over 48 h"):
        chain.sell(0, chain.basket(0, "LAT", card=card, redeem=10))
    chain.sell(0, chain.basket(0, "LAT", card=card))  # earning never stops
    assert chain.sync(0)
    chain.clock.skews[0] = 20 * MINUTE_MS
    assert chain.sync(0)  # the terminal measures its offset from the server's answer
    with pytest.raises(LoyaltyError, match="clock is off by more than allowed"):
        chain.sell(0, chain.basket(0, "LAT", card=card, redeem=10))
    chain.check_always()


def test_checkout_never_waits_for_the_network(chain: Simulation) -> None:
    """A sale commits while a sync is stuck in the middle of a push."""
    assert chain.network is not None
    card = chain.enroll(0, PHONE)
    term = chain.terminals[0]
    entered, release = threading.Event(), threading.Event()
    network = chain.network

    class Stuck(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.read()
            if request.url.path == "/v1/sync/push":
                entered.set()
                release.wait(30)
            return network.send(0, request)

    stuck = SyncService(term.engine, transport=Stuck())
    errors: list[BaseException] = []

    def run() -> None:
        try:
            stuck.sync_once()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert entered.wait(30), "the sync never reached the network"
        sale = chain.sell(0, chain.basket(0, "LAT", card=card))
        # Committed while the sync is still inside its push, which only the test can release:
        # the sale did not wait for the network (how long it takes is bench/bench_sync.py's).
        assert sale.committed and worker.is_alive() and not release.is_set()
    finally:
        release.set()
        worker.join(30)
    assert not errors, errors
    assert chain.sync(0)
    assert str(sale.uid) in chain.server_outcomes()
    chain.check_always()


def test_simulation_checks_catch_a_lost_commit(chain: Simulation) -> None:
    """The harness itself: deleting a committed sale from a terminal file is reported with seed and step."""
    card = chain.enroll(0, PHONE)
    sale = chain.sell(0, chain.basket(0, "LAT", card=card))
    with db.transaction(chain.terminals[0].engine) as conn:
        conn.execute(t.outbox.delete().where(t.outbox.c.uid == sale.uid))
    with pytest.raises(AssertionError, match=r"seed=0 step=0 .*has no outbox row"):
        chain.check_always()
    chain.touched.clear()


def test_overdraft_admin_report_matches_the_ledger(chain: Simulation) -> None:
    test_offline_double_spend_is_booked_as_overdraft_and_listed(chain)
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        booked = -conn.execute(select(func.sum(t.journal.c.points)).where(t.journal.c.kind == "overdraft")).scalar_one()
        listed = conn.execute(select(func.sum(s.overdrafts.c.points))).scalar_one()
    assert booked == listed == overdraft_report(chain)["total_points"]


def test_garbage_answer_to_a_lookup_is_a_sync_error(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    assert chain.sync(0)
    assert chain.network is not None
    chain.network.script = ["garbage_json"]  # JSON, but not a customer snapshot
    with chain.clock.acting_as(1), pytest.raises(SyncError, match="not a customer snapshot"):
        chain.terminals[1].service().lookup(card)
    with chain.clock.acting_as(1):
        chain.terminals[1].service().lookup(card)  # on a clean line it works
    assert chain.terminals[1].services.customers.customer(card, at=chain.clock.now).available == 100
    chain.touched.add(1)
    chain.check_always()
