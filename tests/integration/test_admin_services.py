"""A manager's tools: manual adjustments, lost cards, blocked cards, program versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import Context, bootstrap
from app.core.demo import DEMO_PROGRAM
from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM


@pytest.fixture
def shop(tmp_path: Path) -> Context:
    ctx = bootstrap(tmp_path / "t.sqlite3", create=True)
    ctx.store.init(DEMO_PROGRAM)
    ctx.customers.enroll("Анна", "+79160000001", card="A1", actor=SYSTEM)
    return ctx


def test_adding_points_by_hand_makes_them_usable_at_once(shop: Context) -> None:
    _, balance = shop.customers.adjust_points("A1", 250, "compensation for a cold coffee", "Мария")
    assert balance == 100 + 250
    assert shop.customers.customer("A1").available == 350
    assert shop.verifier.verify().ok


def test_removing_points_by_hand_takes_them_back_and_may_leave_debt(shop: Context) -> None:
    _, balance = shop.customers.adjust_points("A1", -130, "welcome bonus given twice", "Мария")
    info = shop.customers.customer("A1")
    assert balance == -30 and info.debt == 30
    assert shop.verifier.verify().ok


def test_the_manager_screen_never_takes_a_card_below_zero_by_hand(shop: Context) -> None:
    before = shop.customers.customer("A1")
    with pytest.raises(LoyaltyError, match="cannot go below zero"):
        shop.customers.adjust_points("A1", -101, "typo", "Мария", allow_debt=False)
    after = shop.customers.customer("A1")
    assert (after.available, after.debt) == (before.available, 0) == (100, 0)
    _, balance = shop.customers.adjust_points("A1", -100, "all of it", "Мария", allow_debt=False)
    assert balance == 0


def test_an_adjustment_needs_a_reason_and_points(shop: Context) -> None:
    with pytest.raises(LoyaltyError, match="why"):
        shop.customers.adjust_points("A1", 10, " ", "Мария")
    with pytest.raises(LoyaltyError, match="at least one"):
        shop.customers.adjust_points("A1", 0, "nothing", "Мария")


def test_a_replaced_card_moves_the_balance_and_the_old_card_stops_working(shop: Context) -> None:
    new = shop.customers.replace_card("A1", actor=SYSTEM)
    assert shop.customers.customer(new).available == 100
    with pytest.raises(LoyaltyError, match="replaced"):
        shop.customers.customer("A1")
    with pytest.raises(LoyaltyError, match="replaced"):
        shop.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 10000),), "A1"), actor=SYSTEM)
    assert shop.customers.customer("+79160000001").card == new


def test_a_blocked_card_is_refused_at_checkout_until_unblocked(shop: Context) -> None:
    shop.customers.block_card("A1", actor=SYSTEM)
    with pytest.raises(LoyaltyError, match="blocked"):
        shop.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 10000),), "A1"), actor=SYSTEM)
    shop.customers.block_card("A1", blocked=False, actor=SYSTEM)
    assert shop.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 10000),), "A1"), actor=SYSTEM).committed


def test_program_versions_are_listed_newest_first(shop: Context) -> None:
    shop.programs.set_program({**DEMO_PROGRAM, "name": "Весна"}, actor=SYSTEM)
    versions = shop.programs.program_versions()
    assert [v["name"] for v in versions][:2] == ["Весна", DEMO_PROGRAM["name"]]
