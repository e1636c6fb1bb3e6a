"""The till's PIN lockout from the real start (`loyalty-terminal` with no arguments), by keys alone.

The program runs on a clock stood still by $LOYALTY_FROZEN_NOW (app.core.clock.default_clock), so the
journey moves time itself (the Context's FixedClock) instead of sleeping through a 30-second lock: the
countdown on screen is read from that clock (app.ui.pin_dialog.LockCountdown), as the staff service's
lock is.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.journeys.harness import MANAGER, Journey, JourneyRunner, first_start, open_shift
from tests.ui.journeys.test_manager_journeys import press_opening, query, tab_to

FROZEN = "2026-12-07T12:00:00+03:00"
WRONG = "4321"


def move_clock(h: Journey, window: Any, seconds: int) -> None:
    """Time passes on the program's clock (the one its services and its countdowns read)."""
    h.log.append(f"+{seconds} s")
    h.gui(lambda: window.ctx.clock.advance(timedelta(seconds=seconds)))


def manager_window() -> Any:
    """The manager window once it is shown (None before)."""
    from app.ui.manager.window import ManagerWindow

    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, ManagerWindow) and w.isVisible()), None)


def squeezed(dialog: Any) -> list[str]:
    """The login dialog's keypad, message and button overlapping, or the keys shorter than they need
    (a two-line message once pushed the last row of keys under itself: clipped() looks at widths only)."""
    parts = {"keypad": dialog.pad, "message": dialog.status, "button": dialog.go}
    shown = {name: w.geometry() for name, w in parts.items() if w.isVisible()}
    problems = [
        f"{a} {shown[a].getRect()} overlaps {b} {shown[b].getRect()}"
        for a in shown
        for b in shown
        if a < b and shown[a].intersects(shown[b])
    ]
    if dialog.pad.height() < dialog.pad.minimumSizeHint().height():
        problems.append(f"keypad {dialog.pad.height()} px high, needs {dialog.pad.minimumSizeHint().height()}")
    return problems


def test_wrong_pins_lock_the_login_with_a_countdown_and_the_manager_sees_each_in_the_audit(
    journey: JourneyRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.services.staff import LOCKOUT_AFTER, LOCKOUT_FIRST_S
    from app.ui.login import LoginDialog
    from app.ui.pin_dialog import PinDialog

    monkeypatch.setenv("LOYALTY_FROZEN_NOW", FROZEN)

    def script(h: Journey) -> None:
        first_start(h)
        window = h.main_window(timeout=90)
        dialog = h.modal(LoginDialog, timeout=60)
        h.wait_for(lambda: dialog.go.isEnabled(), "the login dialog to know the cashiers")
        h.type(MANAGER[0])
        h.press("Tab")
        for _ in range(LOCKOUT_AFTER - 1):
            h.type(WRONG)
            h.press("Return")
            h.wait_for(
                lambda: dialog.go.isEnabled() and dialog.pin.text() == "" and dialog.status.text(), "the refusal"
            )
            assert h.gui(dialog.status.text) == "Неверное имя или PIN"
            assert h.gui(lambda: dialog.pin.hasFocus()), "the PIN field keeps the keyboard after a wrong PIN"
        # The wrong PIN that locks: the wait is shown at once, not after one more try.
        h.type(WRONG)
        h.press("Return")
        h.wait_for(lambda: "через" in dialog.status.text(), "the countdown")
        shown = f"Слишком много неверных PIN: попробуйте снова через {LOCKOUT_FIRST_S}\u00a0секунд"
        assert h.gui(dialog.status.text) == shown
        assert not h.gui(dialog.go.isEnabled)
        h.nothing_cut_off(dialog, "the login dialog counting down")
        h.wait_for(lambda: not squeezed(dialog), "the keypad whole beside a two-line message")
        h.screenshot("login-lockout")
        # The countdown follows the clock, second by second.
        move_clock(h, window, 1)
        h.wait_for(lambda: "через 29\u00a0секунд" in dialog.status.text(), "29 seconds left")
        move_clock(h, window, 8)
        h.wait_for(lambda: "через 21\u00a0секунду" in dialog.status.text(), "21 seconds left (its plural)")
        # Typing while locked: the field takes nothing and Enter tries nothing (no row is audited).
        h.type(MANAGER[1])
        h.press("Return")
        assert h.gui(dialog.pin.text) == "" and not h.gui(dialog.go.isEnabled)
        assert "через 21" in h.gui(dialog.status.text)
        # The wait is over: the right PIN lets the manager in.
        move_clock(h, window, 21)
        h.wait_for(lambda: dialog.go.isEnabled() and not dialog.pin.isReadOnly(), "the login to be allowed again")
        assert h.gui(dialog.status.text) == "Можно попробовать снова"
        h.type(MANAGER[1])
        h.press("Return")
        open_shift(h)
        # The manager's approval (Ctrl+M) has a lockout of its own, counted down the same way.
        press_opening(h, "Ctrl+M")
        approval = h.modal(PinDialog)
        for _ in range(LOCKOUT_AFTER - 1):
            h.type(WRONG)
            h.press("Return")
            h.wait_for(lambda: approval.ok.isEnabled() and approval.status.text(), "the refusal")
            assert h.gui(approval.status.text) == "Неверный PIN менеджера"
        h.type(WRONG)
        h.press("Return")
        h.wait_for(lambda: "через 30" in approval.status.text(), "the manager approval's countdown")
        h.nothing_cut_off(approval, "the manager's PIN dialog counting down")
        move_clock(h, window, 12)
        h.wait_for(lambda: "через 18\u00a0секунд" in approval.status.text(), "18 seconds left")
        h.type(MANAGER[1])
        assert h.gui(approval.pin.text) == "" and not h.gui(approval.ok.isEnabled)
        move_clock(h, window, 18)
        h.wait_for(lambda: approval.ok.isEnabled(), "the manager's PIN allowed again")
        h.type(MANAGER[1])
        h.press("Return")
        # The manager reads every wrong PIN in the audit log: Ctrl+4, the «Журнал» page, the action.
        manager = h.wait_for(manager_window, "the manager window")
        h.wait_for(lambda: not manager.dashboard.loading(), "the dashboard", 60)
        h.press("Ctrl+4")
        admin = manager.admin
        tab_to(h, admin.tabBar(), "Administration's pages")
        h.press("Right")
        h.press("Right")
        h.wait_for(lambda: admin.currentIndex() == 2 and admin.audit.rowCount() > 0, "the audit log")
        tab_to(h, admin.action_filter, "the action filter")
        for _ in range(h.gui(admin.action_filter.count)):
            if h.gui(lambda: admin.action_filter.currentData()) == "pin_failed":
                break
            h.press("Down")
        h.wait_for(lambda: admin.audit.rowCount() == 2 * LOCKOUT_AFTER, "the wrong PINs, one row each")

        def shown_rows() -> list[list[str]]:
            model = admin.audit
            return [
                [str(model.index(r, c).data()) for c in range(model.columnCount())] for r in range(model.rowCount())
            ]

        rows = h.gui(shown_rows)
        assert all("Неверный PIN" in row for row in rows), rows
        login = sorted(row[-1] for row in rows if row[-1].startswith("Вход"))
        approvals = sorted(row[-1] for row in rows if row[-1].startswith("Подтверждение менеджера"))
        assert {row[1] for row in rows if row[-1].startswith("Вход")} == {MANAGER[0]}, rows
        assert login[0] == "Вход: неверных PIN подряд 1, без блокировки", login
        assert login[-1] == "Вход: неверных PIN подряд 5, блокировка на 30\u00a0секунд", login
        assert approvals[-1] == "Подтверждение менеджера: неверных PIN подряд 5, блокировка на 30\u00a0секунд"
        assert len(login) == len(approvals) == LOCKOUT_AFTER, rows
        h.screenshot("manager-audit-pin-lockout")
        press_opening(h, "Escape")
        h.wait_for(lambda: QApplication.activeModalWidget() is None, "the till again")

    journey(script)
    audited = query(journey.home, "SELECT actor, action FROM audit WHERE action LIKE 'pin_%' ORDER BY id")
    # The PINs typed while locked never reached the service: no pin_locked row.
    assert audited == [(MANAGER[0], "pin_failed")] * LOCKOUT_AFTER + [("?", "pin_failed")] * LOCKOUT_AFTER
