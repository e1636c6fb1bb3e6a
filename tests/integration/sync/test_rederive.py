"""Promise 8 under offline double grants: the state the server rebuilds for a till's cursor is what the till saw.

Each test is a case the simulation or the real-process fault test found, where the server undid another
till's later change and rebuilt a state the honest till never saw, so it rejected the till's next sale
(`figures_mismatch`). On the `chain` fixture (server and two terminals in one process, virtual clock) or
the same chain with a stamp card that fills.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.core import repo
from app.core import schema as t
from tests.integration.sync.sim import SimConfig, Simulation
from tests.integration.sync.test_limits import corrections
from tests.integration.sync.test_promises import later, server_customers

PHONE = "+79160000001"
GOLD = ["CHZ"] * 14  # 4,060 roubles: past Gold's 4,000 in one sale


def test_a_birthday_bonus_paid_on_two_tills_stays_granted_in_the_view_of_the_second(chain: Simulation) -> None:
    """Seed 25 of the simulation: both tills pay one birthday bonus offline; the server keeps the year's mark
    with the first booked (B), and undoing B for A's till removed the year although A's own sale paid it."""
    assert chain.network is not None
    card = chain.enroll(0, PHONE, birthday="1990-01-01")  # the simulation starts on 1 January
    assert chain.sync(0) and chain.sync(1)
    a = chain.sell(0, chain.basket(0, "TEA", card=card))
    b = chain.sell(1, chain.basket(1, *GOLD, card=card))  # Gold, known to T1 only
    assert a.quote.birthday_points == b.quote.birthday_points == 120
    assert chain.sync(1)
    chain.network.script = [None, "drop_request"]  # T0's push is booked (A's bonus taken back), no pull
    assert not chain.sync(0)
    assert [c["txn_uid"] for c in corrections(chain, kind="birthday")] == [a.uid]
    # T0 prices on its cursor, before B: Silver, this year's bonus paid by its own sale A. The server rebuilds
    # that state by undoing B, whose year mark is the only one it keeps: A's payment must still count there.
    c = chain.sell(0, chain.basket(0, "TEA", card=card))
    assert c.quote.tier == "Silver" and c.quote.birthday_points == 0
    assert chain.sync(0)
    assert json.loads(chain.server_outcomes()[str(c.uid)][1]).get("code") is None
    chain.check_always()  # raises on any rejection of an honest till


@pytest.fixture
def stamp_chain(tmp_path: Path, server_db_url: str | None) -> Iterator[Simulation]:
    """The chain fixture with a coffee card of 4 stamps, which fills."""
    # Seeded ids make this program's uid the chain fixture's: the till's parsed-program cache (by uid) must
    # not hand it that program's card of 10,000 stamps.
    repo._program_cache.clear()
    sim = Simulation(SimConfig(seed=0, steps=0, terminals=2, fault_rate=0.0, workdir=tmp_path, stamps_needed=4,
                               db_url=server_db_url))  # fmt: skip
    sim.setup()
    sim.clock.skews = dict.fromkeys(range(len(sim.terminals)), 0)
    try:
        yield sim
    finally:
        sim.close()
        repo._program_cache.clear()


@pytest.mark.parametrize("one_batch", [False, True], ids=["later-batch", "same-batch"])
def test_a_full_stamp_card_spent_on_two_tills_stays_spent_in_the_view_of_the_second(
    stamp_chain: Simulation, one_batch: bool
) -> None:
    """The real-process fault test ("sale.discount is 0, the rules give 12000"): both tills spend one full card
    offline; the server books the second spend short (the card stops at zero, a stamp overdraft), and undoing
    the first spend for the second till gave it back a full card its till had spent."""
    chain = stamp_chain
    assert chain.network is not None
    card = chain.enroll(0, PHONE)
    chain.sell(0, chain.basket(0, *["ESP"] * 4, card=card))  # a full card
    assert chain.sync(0) and chain.sync(1) and chain.sync(0)
    later(chain)
    a = chain.sell(0, chain.basket(0, "ESP", card=card))
    b = chain.sell(1, chain.basket(1, "ESP", *GOLD, card=card))  # Gold, known to T1 only
    assert a.quote.stamps_spent == b.quote.stamps_spent == {"coffee": 4}
    assert chain.sync(1)
    if not one_batch:
        chain.network.script = [None, "drop_request"]  # T0's push is booked (A's spend short), no pull
        assert not chain.sync(0)
    later(chain)
    # T0 prices on its cursor, before B: Silver, the card spent by its own sale A, so no free coffee.
    c = chain.sell(0, chain.basket(0, "ESP", card=card))
    assert c.quote.tier == "Silver" and not c.quote.stamps_spent
    assert chain.sync(0)
    assert json.loads(chain.server_outcomes()[str(c.uid)][1]).get("code") is None
    chain.check_always()  # raises on any rejection of an honest till


def test_a_referee_looked_up_without_its_referrer_pays_no_referral_and_is_not_rejected(chain: Simulation) -> None:
    """Seed 41 of the simulation: a till that looked a referee up online (the lookup gives that customer alone)
    does not hold the referrer, so it pays no referral (the link waits for the referrer's pull); the server
    re-derived the referral as due and rejected the sale. The referral stays due for a later sale."""
    referrer = chain.enroll(0, PHONE)
    referee = chain.enroll(0, "+79160000002", referrer=referrer)
    assert chain.sync(0)
    with chain.clock.acting_as(1):
        chain.terminals[1].service().lookup(referee)
    a = chain.sell(1, chain.basket(1, "CHZ", "CHZ", card=referee))  # 580 roubles: a first purchase that pays one
    assert a.quote.referral_points_to_referrer == 0
    assert chain.sync(1)
    assert json.loads(chain.server_outcomes()[str(a.uid)][1]).get("code") is None
    chain.check_always()  # raises on any rejection of an honest till
    # Now that it holds the referrer (pulled), its next sale to the referee pays the referral once.
    assert chain.sync(1)
    b = chain.sell(1, chain.basket(1, "CHZ", "CHZ", card=referee))
    assert b.quote.referral_points_to_referrer == 80
    assert chain.sync(1)
    chain.check_always()


# ----------------------------------------------------------------------------- the till follows the verdict


def test_the_once_only_marks_of_a_sale_the_server_rejected_are_due_again_on_the_till(chain: Simulation) -> None:
    """A sale that paid a referral, a birthday bonus and a once-per-card coupon is rejected by the server (its
    body altered on the till, as a broken or tampered till would push it): nothing of it is booked, so after the
    next sync the till's figures are the server's: the referral, the bonus and the coupon are due again."""
    referrer = chain.enroll(0, PHONE)
    referee = chain.enroll(0, "+79160000002", birthday="1990-01-01", referrer=referrer)
    assert chain.sync(0)
    a = chain.sell(0, replace(chain.basket(0, "CHZ", "CHZ", card=referee), coupon="ONCE"))
    assert (a.quote.referral_points_to_referrer, a.quote.birthday_points, a.quote.coupon) == (80, 120, "ONCE")
    term = chain.terminals[0]
    with term.engine.begin() as conn:
        body = json.loads(conn.execute(select(t.outbox.c.body).where(t.outbox.c.uid == str(a.uid))).scalar_one())
        body["sale"]["earned"] += 1
        conn.execute(update(t.outbox).where(t.outbox.c.uid == str(a.uid)).values(body=json.dumps(body)))
    chain.expected_rejections[str(a.uid)] = "figures_mismatch"
    assert chain.sync(0)
    assert chain.server_outcomes()[str(a.uid)][0] == "rejected"
    at = chain.clock.now
    here, there = (c.customer(referee, at=at).to_json() for c in (term.services.customers, server_customers(chain)))
    for key in ("customer_id", "phone", "birthday", "qr"):  # row ids; minimised on the till (promise 10)
        here.pop(key, None), there.pop(key, None)
    assert here == there
    assert term.services.customers.customer(referrer, at=at).available == 100  # the referral points are gone
    b = chain.sell(0, replace(chain.basket(0, "CHZ", "CHZ", card=referee), coupon="ONCE"))
    assert (b.quote.referral_points_to_referrer, b.quote.birthday_points, b.quote.coupon) == (80, 120, "ONCE")
    assert chain.sync(0)
    assert json.loads(chain.server_outcomes()[str(b.uid)][1]).get("code") is None
    assert not corrections(chain)  # paid once in the chain: nothing to take back
    chain.check_always()
