"""Windows use exact instants on every terminal of a chain (sync.md v2 promise 13): a customer's spend
pulled from the server keeps the instant of each sale, so a tier window ends to the millisecond on a till
that did not make the sale, not at a whole UTC day (which is 21:00 the day before in Moscow)."""

from __future__ import annotations

import pytest

import app.core.repo as core_repo
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest
from app.core.timeutil import DAY_MS, parse_ts, to_ms
from tests.integration.sync.sim import SIM_PROGRAM, Simulation


def test_a_pulled_sale_counts_in_the_tier_window_to_the_instant_near_moscow_midnight(
    chain: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chain.server is not None
    # The simulation's seeded ids give this program the uid an earlier test's program had: parse it afresh.
    monkeypatch.setattr(core_repo, "_program_cache", {})
    program = {**SIM_PROGRAM, "tier_window_days": 1, "stamps": []}
    chain.server.admin("POST", "/v1/admin/program", json={"program": program})
    chain.clock.now = to_ms(parse_ts("2026-01-02T00:30:00+03:00"))  # 21:30 UTC on 1 January
    assert chain.sync(0) and chain.sync(1)
    assert chain.terminals[1].services.programs.program(chain.clock.at(1))[1].tier_window_days == 1
    card = chain.enroll(0, "+79160000777")
    gold = LineIn("GIFT", "Gift box", "gifts", 1, 400_000)  # exactly Gold's min_spend
    sale = chain.sell(0, SaleRequest((gold,), card, at=chain.clock.at(0)))
    assert sale.quote.tier == "Silver"
    assert chain.sync(0) and chain.sync(1)

    def tier_on_the_other_till(at: int) -> str | None:
        chain.clock.now = at
        with chain.clock.acting_as(1):
            quote = chain.terminals[1].services.checkout.quote(SaleRequest((gold,), card, at=chain.clock.at(1)))
        return quote.quote.tier

    # (sale time − 1 day, sale time]: Gold until 00:30 Moscow time the next night, Silver from then on.
    assert tier_on_the_other_till(sale.at + DAY_MS - 60_000) == "Gold"
    assert tier_on_the_other_till(sale.at + DAY_MS + 60_000) == "Silver"
