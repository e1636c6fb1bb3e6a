"""PIN lockout: wrong PINs in a row lock a login (and manager approval) for a growing, persisted delay."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.bootstrap import Context, bootstrap
from app.core import fmt
from app.core.clock import FixedClock
from app.core.db import make_engine
from app.core.services.staff import LOCKOUT_AFTER, LOCKOUT_FIRST_S, LOCKOUT_MAX_S, StaffError, StaffService
from tests.integration.test_staff import FAST, PROGRAM

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Context]:
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    ctx.store.init(PROGRAM)
    yield ctx
    ctx.close()


@pytest.fixture
def staff(store: Context, clock: FixedClock) -> StaffService:
    """Manager Ольга (PIN 9999) and cashier Иван (PIN 1234) on a clock that moves only when told."""
    service = StaffService(store.engine, FAST, clock)
    service.create_first_manager("Ольга", "9999")
    service.add_cashier("Иван", "1234", actor="Ольга")
    return service


def _wrong_logins(staff: StaffService, name: str, times: int) -> list[str]:
    codes = []
    for _ in range(times):
        with pytest.raises(StaffError) as exc:
            staff.login(name, "0000")
        codes.append(exc.value.code)
    return codes


def _refused(call: object, *args: str) -> StaffError:
    with pytest.raises(StaffError) as exc:
        call(*args)  # type: ignore[operator]
    return exc.value


def test_wrong_pins_below_the_limit_do_not_lock(staff: StaffService) -> None:
    assert _wrong_logins(staff, "Иван", LOCKOUT_AFTER - 1) == ["wrong_pin"] * (LOCKOUT_AFTER - 1)
    assert staff.login("Иван", "1234").name == "Иван"


def test_after_too_many_wrong_pins_even_the_right_pin_is_refused_with_the_wait(
    staff: StaffService, clock: FixedClock
) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    clock.advance(timedelta(seconds=10))
    refusal = _refused(staff.login, "Иван", "1234")
    assert refusal.code == "pin_locked"
    assert refusal.params == {"wait_seconds": LOCKOUT_FIRST_S - 10}
    assert "1234" not in str(refusal)


def test_the_lock_ends_after_its_delay(staff: StaffService, clock: FixedClock) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    clock.advance(timedelta(seconds=LOCKOUT_FIRST_S))
    assert staff.login("Иван", "1234").name == "Иван"


def test_each_further_wrong_pin_doubles_the_delay_up_to_the_cap(staff: StaffService, clock: FixedClock) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    waits = []
    for _ in range(8):
        clock.advance(timedelta(seconds=LOCKOUT_MAX_S))  # past any lock: one more try is allowed
        _wrong_logins(staff, "Иван", 1)
        waits.append(_refused(staff.login, "Иван", "1234").params["wait_seconds"])
    assert waits == [min(LOCKOUT_FIRST_S * 2**i, LOCKOUT_MAX_S) for i in range(1, 9)]
    assert waits[-1] == LOCKOUT_MAX_S


def test_a_right_pin_resets_the_count(staff: StaffService, clock: FixedClock) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER - 1)
    staff.login("Иван", "1234")
    assert _wrong_logins(staff, "Иван", LOCKOUT_AFTER - 1) == ["wrong_pin"] * (LOCKOUT_AFTER - 1)
    assert staff.login("Иван", "1234").name == "Иван"


def test_one_locked_login_does_not_lock_another(staff: StaffService) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    assert staff.login("Ольга", "9999").name == "Ольга"


def test_an_unknown_name_locks_like_a_known_one(staff: StaffService) -> None:
    # Otherwise the lockout itself would tell which names exist.
    _wrong_logins(staff, "Пётр", LOCKOUT_AFTER)
    assert _refused(staff.login, "Пётр", "1234").code == "pin_locked"


def test_the_lock_survives_a_restart(store: Context, staff: StaffService, clock: FixedClock) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    engine = make_engine(store.db_path)
    try:
        restarted = StaffService(engine, FAST, clock)
        assert _refused(restarted.login, "Иван", "1234").code == "pin_locked"
    finally:
        engine.dispose()


def test_every_wrong_pin_and_every_locked_attempt_is_audited_without_the_pin(
    store: Context, staff: StaffService
) -> None:
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    _refused(staff.login, "Иван", "4321")
    with sqlite3.connect(store.db_path) as conn:
        rows = conn.execute("SELECT actor, action, detail FROM audit WHERE action LIKE 'pin_%' ORDER BY id").fetchall()
    assert [(actor, action) for actor, action, _ in rows] == [("Иван", "pin_failed")] * LOCKOUT_AFTER + [
        ("Иван", "pin_locked")
    ]
    assert all("0000" not in detail and "4321" not in detail for _, _, detail in rows)
    assert '"failures": 5' in rows[LOCKOUT_AFTER - 1][2]


def test_manager_approval_locks_after_too_many_wrong_pins(staff: StaffService, clock: FixedClock) -> None:
    for _ in range(LOCKOUT_AFTER):
        assert _refused(staff.check_manager_pin, "0000").code == "wrong_manager_pin"
    assert _refused(staff.check_manager_pin, "9999").code == "pin_locked"
    clock.advance(timedelta(seconds=LOCKOUT_FIRST_S))
    assert staff.check_manager_pin("9999").name == "Ольга"


def test_a_cashiers_pin_at_the_manager_prompt_counts_as_a_wrong_pin(staff: StaffService) -> None:
    for _ in range(LOCKOUT_AFTER):
        assert _refused(staff.check_manager_pin, "1234").code == "wrong_manager_pin"
    assert _refused(staff.check_manager_pin, "9999").code == "pin_locked"


def test_a_lock_set_under_a_clock_later_put_back_never_waits_beyond_the_cap(
    staff: StaffService, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=365))
    _wrong_logins(staff, "Иван", LOCKOUT_AFTER)
    clock.advance(timedelta(days=-365))
    assert _refused(staff.login, "Иван", "1234").params["wait_seconds"] == LOCKOUT_MAX_S
    clock.advance(timedelta(seconds=LOCKOUT_MAX_S))
    assert staff.login("Иван", "1234").name == "Иван"


@pytest.mark.parametrize(
    ("seconds", "ru", "en"),
    [
        (1, "1\u00a0секунду", "1\u00a0second"),
        (45, "45\u00a0секунд", "45\u00a0seconds"),
        (60, "1\u00a0минуту", "1\u00a0minute"),
        (61, "2\u00a0минуты", "2\u00a0minutes"),
        (900, "15\u00a0минут", "15\u00a0minutes"),
    ],
)
def test_a_wait_is_worded_in_whole_units(seconds: int, ru: str, en: str) -> None:
    assert (fmt.format_wait(seconds, "ru"), fmt.format_wait(seconds, "en")) == (ru, en)
