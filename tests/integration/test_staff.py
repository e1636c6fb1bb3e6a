"""Cashiers, PINs, shifts and the audit log (app/core/services/staff.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from app.bootstrap import Context, bootstrap
from app.core.services.results import SaleRequest
from app.core.services.staff import StaffError, StaffService
from app.core.services.support import SYSTEM

PROGRAM: dict[str, Any] = {
    "name": "Тест",
    "point_value": 100,
    "timezone": "Europe/Moscow",
    "tiers": [
        {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"},
        {"name": "Gold", "min_spend": 100000, "discount_pct": "5", "earn_rate_pct": "10"},
    ],
    "redeem": {"max_share_pct": "30", "min_balance": 0},
    "welcome_bonus": {"points": 500, "expiry_days": 20},
}
CATALOG = "sku,name,category,price,barcode\nCAP,Капучино,coffee,180.00,\nCRO,Круассан,bakery,150.00,\n"
# Cheap argon2 parameters keep the suite fast; production uses the library defaults.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Context]:
    """A store with a program, two products and nobody at the till yet."""
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    ctx.store.init(PROGRAM)
    ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)
    yield ctx
    ctx.close()


@pytest.fixture
def staff(store: Context) -> StaffService:
    """Staff service with manager Ольга (PIN 9999) and cashier Иван (PIN 1234)."""
    service = StaffService(store.engine, FAST)
    service.create_first_manager("Ольга", "9999")
    service.add_cashier("Иван", "1234", actor="Ольга")
    return service


def _raw(store: Context, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.db_path) as conn:
        return conn.execute(sql).fetchall()


def _refusal(exc: pytest.ExceptionInfo[StaffError]) -> str:
    return exc.value.code


# ----------------------------------------------------------------- PINs


def test_pin_is_stored_as_an_argon2_hash_not_the_pin(store: Context, staff: StaffService) -> None:
    (pin_hash,) = _raw(store, "SELECT pin_hash FROM cashiers WHERE name = 'Иван'")[0]
    assert "1234" not in pin_hash
    assert pin_hash.startswith("$argon2id$")


def test_login_with_the_right_pin_returns_the_cashier(staff: StaffService) -> None:
    cashier = staff.login("иван", "1234")  # names match regardless of case
    assert (cashier.name, cashier.role, cashier.is_manager) == ("Иван", "cashier", False)


def test_login_with_a_wrong_pin_is_refused(staff: StaffService) -> None:
    with pytest.raises(StaffError) as exc:
        staff.login("Иван", "4321")
    assert _refusal(exc) == "wrong_pin"
    assert "4321" not in str(exc.value)


def test_login_of_an_unknown_name_gets_the_same_answer_as_a_wrong_pin(staff: StaffService) -> None:
    with pytest.raises(StaffError) as exc:
        staff.login("Пётр", "1234")
    assert str(exc.value) == "wrong name or PIN"


def test_disabled_cashier_cannot_log_in(staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    staff.set_active(ivan.id, False, actor="Ольга")
    with pytest.raises(StaffError) as exc:
        staff.login("Иван", "1234")
    assert _refusal(exc) == "cashier_disabled"


def test_enabled_again_cashier_can_log_in(staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    staff.set_active(ivan.id, False, actor="Ольга")
    staff.set_active(ivan.id, True, actor="Ольга")
    assert staff.login("Иван", "1234").id == ivan.id


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", " 1234", "١٢٣٤"])
def test_pin_must_be_4_to_8_ascii_digits(staff: StaffService, pin: str) -> None:
    with pytest.raises(StaffError) as exc:
        staff.add_cashier("Пётр", pin, actor="Ольга")
    assert _refusal(exc) == "pin_format"


def test_reset_pin_replaces_the_old_one(staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    staff.reset_pin(ivan.id, "55667788", actor="Ольга")
    assert staff.login("Иван", "55667788").id == ivan.id
    with pytest.raises(StaffError):
        staff.login("Иван", "1234")


def test_a_weaker_hash_is_upgraded_at_the_next_login(store: Context, staff: StaffService) -> None:
    strong = StaffService(store.engine, PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    strong.login("Иван", "1234")
    (pin_hash,) = _raw(store, "SELECT pin_hash FROM cashiers WHERE name = 'Иван'")[0]
    assert "m=2048,t=2" in pin_hash


# ----------------------------------------------------------------- managers


def test_manager_pin_approves(staff: StaffService) -> None:
    assert staff.check_manager_pin("9999").name == "Ольга"


def test_cashier_pin_does_not_approve_a_refund_and_is_answered_as_a_wrong_pin(staff: StaffService) -> None:
    with pytest.raises(StaffError) as cashiers:
        staff.check_manager_pin("1234")
    with pytest.raises(StaffError) as wrong:
        staff.check_manager_pin("0000")
    # A different answer would confirm to whoever typed it that 1234 is some cashier's PIN.
    assert (cashiers.value.code, str(cashiers.value)) == (wrong.value.code, str(wrong.value))
    assert _refusal(cashiers) == "wrong_manager_pin"


def test_unknown_pin_does_not_approve(staff: StaffService) -> None:
    with pytest.raises(StaffError) as exc:
        staff.check_manager_pin("0000")
    assert _refusal(exc) == "wrong_manager_pin"


def test_disabled_manager_pin_does_not_approve(staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    staff.set_role(ivan.id, "manager", actor="Ольга")
    olga = staff.login("Ольга", "9999")
    staff.set_active(olga.id, False, actor="Иван")
    with pytest.raises(StaffError):
        staff.check_manager_pin("9999")
    assert staff.check_manager_pin("1234").name == "Иван"


def test_last_active_manager_cannot_be_disabled_or_demoted(staff: StaffService) -> None:
    olga = staff.login("Ольга", "9999")
    with pytest.raises(StaffError) as exc:
        staff.set_active(olga.id, False, actor="Ольга")
    assert _refusal(exc) == "last_manager_disable"
    with pytest.raises(StaffError) as exc:
        staff.set_role(olga.id, "cashier", actor="Ольга")
    assert _refusal(exc) == "last_manager_role"


# ----------------------------------------------------------------- first start


def test_fresh_store_needs_a_first_manager_and_creates_no_one_silently(store: Context) -> None:
    staff = StaffService(store.engine, FAST)
    assert staff.needs_first_manager()
    assert staff.cashiers() == []


def test_first_manager_is_a_manager_and_the_question_is_answered(store: Context) -> None:
    staff = StaffService(store.engine, FAST)
    first = staff.create_first_manager("  Ольга   Петрова ", "9999")
    assert (first.name, first.role) == ("Ольга Петрова", "manager")
    assert not staff.needs_first_manager()


def test_second_first_manager_is_refused(staff: StaffService) -> None:
    with pytest.raises(StaffError) as exc:
        staff.create_first_manager("Пётр", "1111")
    assert _refusal(exc) == "not_first"


def test_refused_change_writes_nothing(store: Context, staff: StaffService) -> None:
    before = _raw(store, "SELECT count(*) FROM audit")
    with pytest.raises(StaffError):
        staff.add_cashier("ИВАН", "5555", actor="Ольга")  # same name, other case
    assert _raw(store, "SELECT count(*) FROM audit") == before
    assert _raw(store, "SELECT count(*) FROM cashiers") == [(2,)]


# ----------------------------------------------------------------- audit


def test_cashier_changes_are_audited_without_the_pin(store: Context, staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    staff.reset_pin(ivan.id, "24682468", actor="Ольга")
    staff.set_role(ivan.id, "manager", actor="Ольга")
    log = staff.audit_log()
    # The store's set-up (its program, its catalog) is audited too, under "system": not what this test is about.
    log = [e for e in log if e.actor != "system"]
    assert [e.action for e in log] == ["role_changed", "pin_reset", "cashier_added", "cashier_added"]
    assert log[0].actor == "Ольга" and log[0].params == {"name": "Иван", "old": "cashier", "new": "manager"}
    assert log[0].text == "Иван: cashier -> manager"  # the English sentence for logs and the CLI
    # Every column but the instant: a millisecond clock reads "…9999…" now and then (a flaky failure seen in CI).
    text = " ".join(" ".join(map(str, row)) for row in _raw(store, "SELECT actor, action, detail FROM audit"))
    assert "1234" not in text and "24682468" not in text and "9999" not in text


# ----------------------------------------------------------------- shifts


def test_a_cashier_has_at_most_one_open_shift(staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    shift = staff.open_shift(ivan.id)
    assert staff.current_shift(ivan.id) == shift
    with pytest.raises(StaffError) as exc:
        staff.open_shift(ivan.id)
    assert _refusal(exc) == "shift_open"


def test_closed_shift_cannot_be_closed_again(staff: StaffService) -> None:
    shift = staff.open_shift(staff.login("Иван", "1234").id)
    staff.close_shift(shift.id)
    assert staff.current_shift(shift.cashier_id) is None
    with pytest.raises(StaffError) as exc:
        staff.close_shift(shift.id)
    assert _refusal(exc) == "shift_closed"


def test_shift_summary_matches_hand_computed_figures(store: Context, staff: StaffService) -> None:
    anna = store.customers.enroll("Анна Иванова", "+79160000001", actor=SYSTEM).card  # welcome: 500 points
    ivan = staff.login("Иван", "1234")
    shift = staff.open_shift(ivan.id)
    # Before the shift (back-dated): not counted.
    store.checkout.sell(
        SaleRequest((store.catalog.resolve_line("CRO", 1),), at=shift.opened_at - 60_000, cashier="Иван"), actor=SYSTEM
    )
    # A: anonymous, 2 × 180.00 cash = 360.00, no points.
    a = store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 2),), cashier="Иван"), actor=SYSTEM)
    # B: Анна, 150.00 by bank card, 40 points redeemed (cap is floor(15000×30%/100) = 45):
    # paid 110.00, earned floor(11000 × 5% / 100) = 5 points.
    b = store.checkout.sell(
        SaleRequest((store.catalog.resolve_line("CRO", 1),), card=anna, redeem=40, payment="card", cashier="Иван"),
        actor=SYSTEM,
    )
    assert (b.quote.total, b.quote.earned) == (11000, 5)
    # Another cashier's sale during the shift: not Иван's.
    store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 1),), cashier="Ольга"), actor=SYSTEM)
    # Refunds by Иван: one of A's two coffees (180.00), and all of B (110.00, −5 and +40 points).
    store.checkout.refund(a.sale_id or 0, {0: 1}, cashier="Иван", actor=SYSTEM)
    store.checkout.refund(b.sale_id or 0, None, cashier="Иван", actor=SYSTEM)

    summary = staff.close_shift(shift.id)
    # After the close: not counted either.
    store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 1),), cashier="Иван"), actor=SYSTEM)

    assert (summary.sales_count, summary.sales_money) == (2, 36000 + 11000)
    assert (summary.refunds_count, summary.refunds_money) == (2, 18000 + 11000)
    assert (summary.points_issued, summary.points_redeemed) == (5, 40)
    assert (summary.points_taken_back, summary.points_given_back) == (5, 40)
    assert (summary.card_sales, summary.card_share_pct) == (1, 50)
    assert dict(summary.sales_by_payment) == {"cash": 36000, "card": 11000}
    assert dict(summary.refunds_by_payment) == {"cash": 18000, "card": 11000}
    assert summary.by_payment == {"card": 0, "cash": 18000}
    assert summary.net_money == 18000
    assert summary.closed_at is not None and summary.closed_at > summary.opened_at
    assert staff.shift_summary(shift.id) == summary


def test_open_shift_summary_counts_up_to_now(store: Context, staff: StaffService) -> None:
    shift = staff.open_shift(staff.login("Иван", "1234").id)
    store.checkout.sell(SaleRequest((store.catalog.resolve_line("CAP", 1),), cashier="Иван"), actor=SYSTEM)
    summary = staff.shift_summary(shift.id)
    assert (summary.sales_count, summary.sales_money, summary.closed_at) == (1, 18000, None)
    assert summary.card_share_pct == 0


def test_disabled_cashier_cannot_open_a_shift(staff: StaffService) -> None:
    ivan = staff.login("Иван", "1234")
    staff.set_active(ivan.id, False, actor="Ольга")
    with pytest.raises(StaffError) as exc:
        staff.open_shift(ivan.id)
    assert _refusal(exc) == "cashier_disabled"
