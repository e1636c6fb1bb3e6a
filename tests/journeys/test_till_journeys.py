"""The cashier's journeys from the real start (`loyalty-terminal` with no arguments), by keys alone."""

from __future__ import annotations

import sqlite3

from app.ui.shift import ShiftDialog
from tests.journeys.harness import MANAGER, STORE_NAME, Journey, JourneyRunner, first_start, log_in


def query(runner: JourneyRunner, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Read the store's SQLite file the program wrote (after it has ended)."""
    with sqlite3.connect(runner.home / "terminal.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def test_first_start_creates_the_store_and_its_manager_who_logs_in(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        first_start(h)
        window = h.main_window(timeout=90)
        log_in(h)
        h.modal(ShiftDialog)
        assert h.gui(lambda: window.cashier_label.text()).endswith(f"{MANAGER[0]} (управляющий)")

    assert journey(script) == 0
    assert query(journey, "SELECT name, role FROM cashiers") == [(MANAGER[0], "manager")]
    assert query(journey, "SELECT value FROM meta WHERE key = ?", "store_name") == [(STORE_NAME,)]
