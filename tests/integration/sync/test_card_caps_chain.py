"""The daily card limits count across the chain once a till has pulled the card (fraud.md, "Daily limits").

On the `chain` fixture: the real server (in process, on SQLite or TEST_DATABASE_URL's PostgreSQL) and two
real terminal files, synced by the real sync client over the simulated network, on a virtual clock. A pull
brings each customer's recent sales (`recent_sales`); a till counts those plus its own sales the server did
not hold yet. A till that has not pulled since counts what it knows: its own sales and the last pull's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core import repo as core_repo
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest, SaleResult
from server import snapshots as server_snapshots
from tests.integration.sync.sim import SIM_PROGRAM, Simulation
from tests.integration.sync.test_promises import later, rich_card

A, B = 0, 1


@pytest.fixture
def capped(chain: Simulation, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, Any]], None]:
    """Publish the simulation's program with these daily limits (and no offline redeem caps, which would
    refuse the large redemptions first) and let both tills pull it."""
    # The simulation's seeded ids give the program the uid an earlier test's program had: parse it afresh.
    monkeypatch.setattr(core_repo, "_program_cache", {})

    def publish(limits: dict[str, Any]) -> None:
        assert chain.server is not None
        program = {key: value for key, value in SIM_PROGRAM.items() if key != "offline_redeem_cap"}
        program |= {"stamps": [], "offline": {**SIM_PROGRAM["offline"], "terminal_redeem_cap": None}, "limits": limits}
        chain.server.admin("POST", "/v1/admin/program", json={"program": program})
        assert chain.sync(A) and chain.sync(B)

    return publish


def lattes(chain: Simulation, i: int, card: str, n: int = 7, redeem: int | None = None) -> SaleRequest:
    return chain.basket(i, *["LAT"] * n, card=card, redeem=redeem)


def warnings(result: SaleResult) -> list[tuple[str, dict[str, object]]]:
    return [(w.code, dict(w.params)) for w in result.warnings]


def refusal(action: Callable[[], object]) -> LoyaltyError:
    with pytest.raises(LoyaltyError) as caught:
        action()
    return caught.value


def quote(chain: Simulation, i: int, req: SaleRequest) -> SaleResult:
    with chain.clock.acting_as(i):
        return chain.terminals[i].services.checkout.quote(req)


def written(chain: Simulation, i: int) -> tuple[int, int]:
    """The till's sales and outbox rows."""
    with chain.terminals[i].engine.connect() as conn:
        sales = conn.execute(select(func.count()).select_from(t.sales)).scalar_one()
        queued = conn.execute(select(func.count()).select_from(t.outbox)).scalar_one()
    return int(sales), int(queued)


# ----------------------------------------------------------------------------- points paid


def test_points_paid_at_one_till_count_at_another_after_its_pull(chain: Simulation, capped: Any) -> None:
    capped({"card_spent": {"warn": 500, "stop": 1000}})
    card = rich_card(chain, lattes=40)  # 1,700 points, known to both tills; the day after its one sale
    spent = chain.sell(A, lattes(chain, A, card, redeem=600))
    assert warnings(spent) == [("warn_card_spent", {"card": card, "points": 600, "limit_points": 500})]
    later(chain)
    # B has not pulled since: it counts what it knows, its own sales (none today), and allows it with a warning.
    offline = quote(chain, B, lattes(chain, B, card, redeem=600))
    assert warnings(offline) == [("warn_card_spent", {"card": card, "points": 600, "limit_points": 500})]
    assert chain.sync(A) and chain.sync(B)
    # After the pull B knows A's 600: another 600 would be 1,200 of the 1,000 a day allows. Refused in words,
    # at the quote already and at the sale, and nothing is written.
    before = written(chain, B)
    refused = refusal(lambda: chain.sell(B, lattes(chain, B, card, redeem=600)))
    assert refused.code == "cap_card_spent"
    assert refused.params == {"card": card, "points": 1200, "limit_points": 1000}
    assert "1000" in str(refused) or "1 000" in str(refused)
    assert refusal(lambda: quote(chain, B, lattes(chain, B, card, redeem=600))).code == "cap_card_spent"
    assert written(chain, B) == before
    # Up to the limit it goes through, with the warning naming the chain's figure.
    done = chain.sell(B, lattes(chain, B, card, redeem=400))
    assert warnings(done) == [("warn_card_spent", {"card": card, "points": 1000, "limit_points": 500})]
    # A counts its own synced sale once (reflected, and in the server's list), not twice: 600 + 1 = 601.
    assert warnings(quote(chain, A, lattes(chain, A, card, redeem=1))) == [
        ("warn_card_spent", {"card": card, "points": 601, "limit_points": 500})
    ]
    assert chain.sync(B) and chain.sync(A)
    assert refusal(lambda: quote(chain, A, lattes(chain, A, card, redeem=1))).params["points"] == 1001


# ----------------------------------------------------------------------------- sales


def test_sales_of_a_card_count_across_the_chain_a_sale_of_no_points_too(chain: Simulation, capped: Any) -> None:
    capped({"card_sales": {"warn": 1, "stop": 2}})
    card = chain.enroll(A, "+79160000002")
    assert chain.sync(A) and chain.sync(B)  # B holds the customer: only the sale below can send it again
    later(chain)
    # Five kopecks: 10 % of it earns no point, and none are paid. It is a sale of the card all the same.
    nothing = chain.sell(A, SaleRequest((LineIn("X", "Pin", "gifts", 1, 5),), card, at=chain.clock.at(A)))
    assert (nothing.quote.earned, nothing.quote.redeemed_points) == (0, 0) and warnings(nothing) == []
    assert chain.sync(A) and chain.sync(B)
    later(chain)
    second = chain.sell(B, lattes(chain, B, card, n=1))
    assert warnings(second) == [("warn_card_sales", {"card": card, "count": 2, "limit": 1})]
    assert chain.sync(B) and chain.sync(A)
    later(chain)
    before = written(chain, A)
    refused = refusal(lambda: chain.sell(A, lattes(chain, A, card, n=1)))
    assert (refused.code, refused.params) == ("cap_card_sales", {"card": card, "count": 3, "limit": 2})
    assert written(chain, A) == before


def test_a_till_and_its_own_unsynced_sales_count_once_beside_the_chain(chain: Simulation, capped: Any) -> None:
    capped({"card_sales": {"warn": 3, "stop": 4}})
    card = chain.enroll(A, "+79160000003")
    later(chain)
    chain.sell(A, lattes(chain, A, card, n=1))  # synced: in the server's list and reflected here
    assert chain.sync(A) and chain.sync(B)
    later(chain)
    chain.sell(B, lattes(chain, B, card, n=1))
    assert chain.sync(B) and chain.sync(A)
    later(chain)
    chain.sell(A, lattes(chain, A, card, n=1))  # not synced: counted from A's own rows
    later(chain)
    assert warnings(quote(chain, A, lattes(chain, A, card, n=1))) == [
        ("warn_card_sales", {"card": card, "count": 4, "limit": 3})
    ]


# ----------------------------------------------------------------------------- the window


def test_a_snapshot_lists_the_sales_of_the_last_two_days_only(chain: Simulation, capped: Any) -> None:
    capped({"card_sales": {"warn": 5, "stop": 10}})
    card = chain.enroll(A, "+79160000005")
    later(chain)
    sale = chain.sell(A, lattes(chain, A, card, n=1))
    assert chain.sync(A)
    assert chain.server is not None

    def snapshot() -> dict[str, Any]:
        with chain.server.engine.connect() as conn:  # type: ignore[union-attr]
            owner = select(t.cards.c.customer_id).where(t.cards.c.code == card).scalar_subquery()
            row = conn.execute(select(t.customers).where(t.customers.c.id == owner)).one()
            return server_snapshots.customer_snapshot(conn, row)

    assert snapshot()["recent_sales"] == [[sale.at, sale.quote.earned, 0]]
    later(chain, server_snapshots.RECENT_SALES_MS + 60_000)
    # Gone from the window (no day of a till's count can hold it now); the tier spend keeps every sale.
    assert snapshot()["recent_sales"] == []
    assert snapshot()["spend"] == [[sale.at, sale.quote.total]]


# ----------------------------------------------------------------------------- an older server


def test_a_server_that_sends_no_recent_sales_leaves_each_till_its_own_count(
    chain: Simulation, capped: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    capped({"card_sales": {"warn": 2, "stop": 3}})
    card = chain.enroll(A, "+79160000004")
    later(chain)
    chain.sell(A, lattes(chain, A, card, n=1))
    assert chain.sync(A) and chain.sync(B)  # both tills hold the chain's figures: A's one sale
    new = server_snapshots.customer_snapshots

    def older(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in snap.items() if k != "recent_sales"} for snap in new(*args, **kwargs)]

    monkeypatch.setattr(server_snapshots, "customer_snapshots", older)  # a server from before this change
    later(chain)
    chain.sell(A, lattes(chain, A, card, n=1))
    assert chain.sync(A) and chain.sync(B)
    later(chain)
    # No chain figures any more: each till counts all its own sales, the synced (reflected) ones included, and
    # not the figures an earlier pull left (A would count 1 + 1, B 1 + 1).
    assert warnings(quote(chain, A, lattes(chain, A, card, n=1))) == [
        ("warn_card_sales", {"card": card, "count": 3, "limit": 2})
    ]
    assert warnings(quote(chain, B, lattes(chain, B, card, n=1))) == []
