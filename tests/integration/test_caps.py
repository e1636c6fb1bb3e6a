"""Daily limits of a card and of a person: the soft bound warns, the hard one refuses in words and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from app.core.errors import LoyaltyError, ProgramError
from app.core.program import parse_program
from app.core.services.results import SaleRequest
from app.core.timeutil import to_ms

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 3, 2, 9, 0, tzinfo=MSK)
LIMITS = {
    "card_sales": {"warn": 2, "stop": 3},
    "card_spent": {"warn": 100, "stop": 150},
    "adjust_points": {"warn": 200, "stop": 300},
}


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    clock = FixedClock(START.astimezone(UTC))
    c = bootstrap(tmp_path / "t.sqlite3", create=True, clock=clock)
    c.store.init({**DEMO_PROGRAM, "limits": LIMITS}, actor="system")
    c.catalog.import_catalog(DEMO_CATALOG, actor="system")
    return c


def _sell(ctx: Context, card: str, when: datetime, redeem: int | None = None) -> tuple[int, tuple[str, ...]]:
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.instant = when.astimezone(UTC)
    req = SaleRequest((ctx.catalog.resolve_line("CHZ", 3),), card=card, redeem=redeem, at=to_ms(when), cashier="Иван")
    done = ctx.checkout.sell(req, actor="Иван")
    assert done.sale_id is not None
    return done.sale_id, tuple(w.code for w in done.warnings)


def _sales(ctx: Context) -> int:
    import sqlite3

    return int(sqlite3.connect(ctx.db_path).execute("SELECT COUNT(*) FROM sales").fetchone()[0])


def test_a_card_warns_past_the_soft_bound_and_is_refused_past_the_hard_one(ctx: Context) -> None:
    card = ctx.customers.enroll("Анна", "+79160000001", at=to_ms(START), actor="Иван").card
    assert _sell(ctx, card, START + timedelta(minutes=5))[1] == ()
    assert _sell(ctx, card, START + timedelta(minutes=10))[1] == ()
    # The quote already tells the cashier, before anyone pays.
    basket = (ctx.catalog.resolve_line("CHZ", 1),)
    assert [w.code for w in ctx.checkout.quote(SaleRequest(basket, card=card)).warnings] == ["warn_card_sales"]
    assert _sell(ctx, card, START + timedelta(minutes=15))[1] == ("warn_card_sales",)
    with pytest.raises(LoyaltyError) as refused:
        _sell(ctx, card, START + timedelta(minutes=20))
    assert refused.value.code == "cap_card_sales" and refused.value.params == {"card": card, "count": 4, "limit": 3}
    assert "allows 3" in str(refused.value)
    assert _sales(ctx) == 3
    with pytest.raises(LoyaltyError):
        ctx.checkout.quote(SaleRequest(basket, card=card))
    # A new local day (Moscow midnight, 21:00 UTC) starts the count again.
    assert _sell(ctx, card, START.replace(hour=0, minute=1) + timedelta(days=1))[1] == ()


def test_points_paid_in_a_day_are_bounded(ctx: Context) -> None:
    card = ctx.customers.enroll("Борис", "+79160000002", at=to_ms(START), actor="Иван").card
    ctx.customers.adjust_points(card, 150, "подарок", actor="Пётр", at=to_ms(START))
    assert _sell(ctx, card, START + timedelta(minutes=5), redeem=90)[1] == ()
    with pytest.raises(LoyaltyError) as refused:
        _sell(ctx, card, START + timedelta(minutes=10), redeem=80)
    assert refused.value.code == "cap_card_spent" and refused.value.params["points"] == 170
    assert _sell(ctx, card, START + timedelta(minutes=15), redeem=20)[1] == ("warn_card_spent",)


def test_one_persons_adjustments_are_bounded_per_day(ctx: Context) -> None:
    card = ctx.customers.enroll("Вера", "+79160000003", at=to_ms(START), actor="Иван").card
    ctx.customers.adjust_points(card, 150, "компенсация", actor="Пётр", at=to_ms(START))
    assert [w.code for w in ctx.customers.adjustment_warnings(100, "Пётр")] == ["warn_adjust_points"]
    ctx.customers.adjust_points(card, -100, "ошибка", actor="Пётр", at=to_ms(START))  # 250: warned, allowed
    with pytest.raises(LoyaltyError) as refused:
        ctx.customers.adjust_points(card, 60, "ещё", actor="Пётр", at=to_ms(START))
    assert refused.value.code == "cap_adjust_points" and refused.value.params["points"] == 310
    ctx.customers.adjust_points(card, 60, "другой менеджер", actor="Анна", at=to_ms(START))  # her own count
    assert ctx.customers.customer(card).available == 100 + 150 - 100 + 60


def test_a_soft_bound_at_or_above_the_hard_one_is_refused() -> None:
    with pytest.raises(ProgramError) as bad:
        parse_program({**DEMO_PROGRAM, "limits": {"card_sales": {"warn": 5, "stop": 5}}})
    assert bad.value.code == "program_cap_order" and bad.value.path == "limits.card_sales.warn"
    assert parse_program(DEMO_PROGRAM).caps.card_sales.stop is None
