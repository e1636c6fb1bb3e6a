"""Promise 9, one focused test per limit: chain-wide limits are chain-wide (sync.md, Authority).

Refunds count the units given back on every terminal, before and after a terminal's restore; coupon
`max_uses`/`per_customer_max` and once-only bonuses count across the chain, and a use beyond them that
offline terminals made is booked and listed as a correction; the per-card offline cap restarts only after
a complete sync. On the `chain` fixture (server and two terminals in one process, virtual clock).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core import backup, db
from app.core import schema as t
from app.core.errors import LoyaltyError
from server import main as server_main
from tests.integration.sync.sim import DAY_MS, HOUR_MS, OFFLINE_REDEEM_CAP, Simulation
from tests.integration.sync.test_promises import later, outbox, rich_card, server_customers

PHONE = "+79160000001"


def corrections(chain: Simulation, **query: Any) -> list[dict[str, Any]]:
    """What GET /v1/admin/corrections lists (filters: store, customer, kind)."""
    assert chain.server is not None
    return list(chain.server.admin("GET", "/v1/admin/corrections", params=query)["corrections"])


def sell_coupon(chain: Simulation, i: int, code: str, card: str | None = None, *skus: str) -> Any:
    return chain.sell(i, replace(chain.basket(i, *(skus or ("LAT",)), card=card), coupon=code))


def refused(action: Any) -> str:
    with pytest.raises(LoyaltyError) as caught:
        action()
    return caught.value.code


# ----------------------------------------------------------------------------- the offline cap window


def test_the_offline_cap_window_restarts_after_a_complete_sync_not_after_a_push(chain: Simulation) -> None:
    assert chain.network is not None
    card = rich_card(chain, lattes=3)  # 220 points, known to both tills
    chain.sell(0, chain.basket(0, "LAT", "LAT", card=card, redeem=OFFLINE_REDEEM_CAP))
    chain.network.script = [None, "drop_request"]  # the push is acknowledged, the pull never arrives
    assert not chain.sync(0)
    assert outbox(chain.terminals[0], acked=0) == []
    # Acknowledged is not enough: the snapshot the till prices with does not show that spending yet.
    code = refused(lambda: chain.sell(0, chain.basket(0, "LAT", "LAT", card=card, redeem=10)))
    assert code == "redeem_capped"
    assert chain.sync(0)  # push (nothing left) and pull applied to its end: a complete sync
    chain.sell(0, chain.basket(0, "LAT", "LAT", card=card, redeem=10))
    chain.check_always()


# ----------------------------------------------------------------------------- coupons


def test_coupon_max_uses_count_across_the_chain_and_the_excess_is_listed(chain: Simulation) -> None:
    # FEW may be used 4 times in the whole chain; each till, not knowing the other's, allows 3.
    for i in (0, 1):
        for _ in range(3):
            sell_coupon(chain, i, "FEW")
            later(chain)
    assert chain.sync(0) and chain.sync(1) and chain.sync(0)
    listed = corrections(chain, kind="coupon_uses")
    assert len(listed) == 2  # 6 uses of 4: the last two booked are listed, with the discount they gave
    assert {(c["ref"], c["kopecks"], c["points"]) for c in listed} == {("FEW", 2000, 0)}
    assert {c["terminal_id"] for c in listed} == {chain.terminals[1].terminal_id}
    # Both tills learnt the chain's count by pull and refuse the coupon themselves now.
    for i in (0, 1):
        assert refused(lambda i=i: sell_coupon(chain, i, "FEW")) == "coupon_used_up"
    chain.check_always()


def test_coupon_per_customer_max_counts_the_card_on_every_till(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE)
    assert chain.sync(0) and chain.sync(1)
    first = sell_coupon(chain, 0, "ONCE", card, "LAT")
    second = sell_coupon(chain, 1, "ONCE", card, "LAT")  # offline from each other: both allowed it
    assert chain.sync(0) and chain.sync(1) and chain.sync(0)
    [listed] = corrections(chain, kind="coupon_per_customer")
    assert (listed["txn_uid"], listed["ref"], listed["kopecks"]) == (second.uid, "ONCE", 3000)
    assert first.uid != second.uid
    for i in (0, 1):
        assert refused(lambda i=i: sell_coupon(chain, i, "ONCE", card, "LAT")) == "coupon_per_customer"
    chain.check_always()


def test_a_limited_coupon_waits_for_a_sync_when_the_till_has_been_offline_too_long(chain: Simulation) -> None:
    later(chain, 49 * HOUR_MS)  # max_offline_hours is 48: other tills' uses meanwhile are unknown
    assert refused(lambda: sell_coupon(chain, 0, "FEW")) == "coupon_limit_offline"
    assert chain.sync(0)
    sell_coupon(chain, 0, "FEW")


# ----------------------------------------------------------------------------- once-only bonuses


def test_a_birthday_bonus_given_on_two_tills_is_taken_back_once_and_listed(chain: Simulation) -> None:
    assert chain.server is not None
    card = chain.enroll(0, PHONE, birthday="1990-01-01")  # the simulation starts on 1 January
    assert chain.sync(0) and chain.sync(1)
    a = chain.sell(0, chain.basket(0, "TEA", card=card))
    b = chain.sell(1, chain.basket(1, "TEA", card=card))  # the other till does not know of the first bonus
    assert a.quote.birthday_points == b.quote.birthday_points == 120
    assert chain.sync(0) and chain.sync(1) and chain.sync(0)
    [listed] = corrections(chain, kind="birthday")
    assert (listed["txn_uid"], listed["points"]) == (b.uid, 120)
    assert json.loads(chain.server_outcomes()[str(b.uid)][1])["corrected"] == ["birthday"]
    # Welcome 100 + one birthday bonus 120 (earned points of the tea are pending for a day).
    at = chain.clock.now
    assert server_customers(chain).customer(card, at=at).available == 220
    for i in (0, 1):
        assert chain.terminals[i].services.customers.customer(card, at=at).available == 220
    chain.check_always()


def test_a_referral_paid_on_two_tills_for_one_referee_is_taken_back_and_listed(chain: Simulation) -> None:
    referrer = chain.enroll(0, PHONE)
    referee = chain.enroll(0, "+79160000002", referrer=referrer)
    assert chain.sync(0) and chain.sync(1)
    # The referee's first purchase of at least 300 roubles, on each till.
    a = chain.sell(0, chain.basket(0, "CHZ", "CHZ", card=referee))
    b = chain.sell(1, chain.basket(1, "CHZ", "CHZ", card=referee))
    assert a.quote.referral_points_to_referrer == b.quote.referral_points_to_referrer == 80
    assert chain.sync(0) and chain.sync(1) and chain.sync(0)
    [listed] = corrections(chain, kind="referral")
    assert (listed["txn_uid"], listed["points"]) == (b.uid, 80)
    later(chain, DAY_MS + HOUR_MS)  # referral points are earned points: usable after a day
    assert server_customers(chain).customer(referrer, at=chain.clock.now).available == 100 + 80
    # The referee's third purchase pays no one: the till learnt the referral was paid.
    assert chain.sell(0, chain.basket(0, "CHZ", "CHZ", card=referee)).quote.referral_points_to_referrer == 0
    chain.check_always()


def test_a_till_whose_referral_payment_was_taken_back_still_knows_it_paid(chain: Simulation) -> None:
    assert chain.network is not None
    referrer = chain.enroll(0, PHONE)
    referee = chain.enroll(0, "+79160000002", referrer=referrer)
    assert chain.sync(0) and chain.sync(1)
    a = chain.sell(0, chain.basket(0, "CHZ", "CHZ", card=referee))
    b = chain.sell(1, chain.basket(1, *["CHZ"] * 14, card=referee))  # 4,060 roubles: Gold, on T1 only
    assert a.quote.referral_points_to_referrer == b.quote.referral_points_to_referrer == 80
    assert chain.sync(1)
    chain.network.script = [None, "drop_request"]  # T0's push is booked (A's payment taken back), no pull
    assert not chain.sync(0)
    assert [c["txn_uid"] for c in corrections(chain, kind="referral")] == [a.uid]
    # T0 prices on its cursor, before B: Silver, and the referral paid by its own sale A. The server rebuilds
    # that state by undoing B, which paid the referral too: A's payment still counts there (taken back or not).
    c = chain.sell(0, chain.basket(0, "CHZ", "CHZ", card=referee))
    assert c.quote.tier == "Silver" and c.quote.referral_points_to_referrer == 0
    assert chain.sync(0)  # C is applied: no rejection of the honest till
    chain.check_always()


def test_the_welcome_bonus_of_one_phone_enrolled_on_two_tills_is_given_once(chain: Simulation) -> None:
    first = chain.enroll(0, PHONE)
    later(chain)
    second = chain.enroll(1, PHONE)
    assert chain.sync(0) and chain.sync(1) and chain.sync(0)
    [listed] = corrections(chain, kind="welcome")
    assert listed["points"] == 100
    at = chain.clock.now
    assert server_customers(chain).customer(second, at=at).available == 100
    assert chain.terminals[0].services.customers.customer(first, at=at).available == 100
    chain.check_always()


# ----------------------------------------------------------------------------- refunds after a restore


def test_a_restored_till_cannot_refund_again_what_the_chain_gave_back(chain: Simulation, tmp_path: Path) -> None:
    """Refused by the server when pushed (nothing booked), and by the till itself once it has pulled."""
    assert chain.server is not None
    till = chain.terminals[0]
    card = chain.enroll(0, PHONE)
    sale = chain.sell(0, chain.basket(0, "LAT", "LAT", card=card))
    assert sale.sale_id is not None and chain.sync(0)
    copy = db.backup(till.engine, tmp_path / "old.sqlite3")
    chain.refund(0, sale.sale_id, {0: 1})
    assert chain.sync(0)

    assert till.ctx is not None
    till.ctx.close()
    till.ctx = till.sync = None
    backup.restore_store(copy, till.path, tmp_path / "before-restore")
    till.open()
    till.committed = {uid: kind for uid, kind in till.committed.items() if kind != "refund"}
    # The restored copy does not know the refund: it gives the same unit back again.
    again = chain.refund(0, sale.sale_id, {0: 1})
    chain.expected_rejections[str(again.uid)] = "refund_beyond_units"
    chain._act_reenroll(0)
    assert chain.sync(0)
    status, result = chain.server_outcomes()[str(again.uid)]
    assert status == "rejected" and json.loads(result)["code"] == "refund_beyond_units"
    with chain.server.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(t.refunds.c.uid == again.uid)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(t.refunds)).scalar_one() == 1
    # Pulled: the till offers only the unit the chain still has, and refuses more by itself.
    [line] = [ln for ln in till.services.checkout.sale_lines(sale.sale_id) if ln["idx"] == 0]
    assert line["refundable"] == 0
    assert refused(lambda: chain.refund(0, sale.sale_id, {0: 1})) in ("refund_units_chain", "refund_units_gone")
    chain.refund(0, sale.sale_id, {1: 1})  # the other latte was never given back
    assert chain.sync(0)
    chain.check_always()


def test_the_till_learns_refunds_by_pull_and_says_where_they_went(chain: Simulation, tmp_path: Path) -> None:
    """A refund the till's own file does not hold (made before a restore) is refused with its own words."""
    till = chain.terminals[0]
    sale = chain.sell(0, chain.basket(0, "LAT", "CRO"))  # anonymous: no customer snapshot carries it
    assert sale.sale_id is not None and chain.sync(0)
    copy = db.backup(till.engine, tmp_path / "old.sqlite3")
    chain.refund(0, sale.sale_id, {1: 1})
    assert chain.sync(0)
    assert till.ctx is not None
    till.ctx.close()
    till.ctx = till.sync = None
    backup.restore_store(copy, till.path, tmp_path / "before-restore")
    till.open()
    till.committed = {uid: kind for uid, kind in till.committed.items() if kind != "refund"}
    chain._act_reenroll(0)
    assert chain.sync(0)
    assert refused(lambda: chain.refund(0, sale.sale_id, {1: 1})) == "refund_units_chain"
    rest = chain.refund(0, sale.sale_id)  # "everything left": the latte only, the croissant went back before
    assert rest.money_back == 20000
    assert refused(lambda: chain.refund(0, sale.sale_id)) == "refund_done"
    assert chain.sync(0)
    chain.check_always()


# ----------------------------------------------------------------------------- the admin's list


def test_corrections_are_listed_by_store_customer_and_kind_and_by_the_cli(
    chain: Simulation, capsys: pytest.CaptureFixture[str]
) -> None:
    assert chain.server is not None
    card = chain.enroll(0, PHONE, birthday="1990-01-01")
    assert chain.sync(0) and chain.sync(1)
    chain.sell(0, chain.basket(0, "TEA", card=card))
    chain.sell(1, chain.basket(1, "TEA", card=card))
    for i in (0, 1):
        for _ in range(3):
            sell_coupon(chain, i, "FEW")
    assert chain.sync(0) and chain.sync(1)
    everything = corrections(chain)
    assert sorted(c["kind"] for c in everything) == ["birthday", "coupon_uses", "coupon_uses"]
    birthday = [c for c in everything if c["kind"] == "birthday"]
    assert corrections(chain, customer=birthday[0]["customer_uid"]) == birthday
    store = everything[0]["store_id"]
    assert len(corrections(chain, store=store)) == 3 and corrections(chain, store=store + 1) == []
    url = chain.server.db_url or str(chain.server.workdir / "server.sqlite3")
    assert server_main.main(["--db", url, "corrections", "--kind", "coupon_uses"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in printed["corrections"]] == ["coupon_uses", "coupon_uses"]
    assert printed["total_kopecks"] == sum(c["kopecks"] for c in everything)
