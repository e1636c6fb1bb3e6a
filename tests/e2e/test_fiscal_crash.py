"""kill -9 of the terminal between the register's answer and the commit (fiscal.md, "Guarantees" 1).

The terminal is a real CLI process selling through the ATOL Web Server emulator over HTTP; a test-only
variable (LOYALTY_TEST_KILL_AFTER_REGISTER) makes it SIGKILL itself right after the register printed the
receipt and before the sale's transaction. The next start finishes the sale from its pending row: completed
exactly once, printed once.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.services.fiscal import KILL_AFTER_REGISTER
from app.fiscal.emulators.atol_web import AtolWebEmulator

ROOT = Path(__file__).resolve().parents[2]


def _terminal(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "app", *args, "--db", str(db), "--json"]
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, env=full, cwd=ROOT, timeout=120)


@pytest.fixture
def emu() -> Iterator[AtolWebEmulator]:
    """The emulated register, in this process, answering the terminal processes over loopback HTTP."""
    emulator = AtolWebEmulator(latency=0.05, auto_open_shift=True).start()
    yield emulator
    emulator.stop()


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def test_a_sale_killed_after_the_registers_answer_is_completed_once_at_the_next_start(
    tmp_path: Path, emu: AtolWebEmulator
) -> None:
    db = tmp_path / "terminal.sqlite3"
    for args in (
        ("init",),
        ("fiscal", "set", f"atol-web:{emu.url}"),
        ("customer", "add", "--name", "Анна", "--phone", "+79160000001", "--card", "C1"),
    ):
        assert _terminal(db, *args).returncode == 0, args
    killed = _terminal(db, "sale", "--card", "C1", "--line", "X:2:15000:coffee", env={KILL_AFTER_REGISTER: "1"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    sells = [t for t in emu.printed if t["type"] == "sell"]
    assert len(sells) == 1  # the register printed it ...
    assert _rows(db, "SELECT COUNT(*) FROM sales") == [(0,)]  # ... and the sale was not committed
    [(uid, status)] = _rows(db, "SELECT uid, status FROM fiscal_documents")
    assert status == "pending"

    # The next start (any command) asks the register for that uuid and books the sale as priced.
    shown = _terminal(db, "customer", "show", "C1")
    assert shown.returncode == 0, shown.stderr
    assert _rows(db, "SELECT uid, total FROM sales") == [(uid, 30000)]
    assert _rows(db, "SELECT status, sale_id FROM fiscal_documents") == [("registered", 1)]
    assert json.loads(shown.stdout)["available"] + json.loads(shown.stdout)["pending"] > 0  # earned points booked
    again = _terminal(db, "fiscal", "reconcile")
    assert json.loads(again.stdout) == {"completed": [], "cancelled": [], "still_pending": []}
    assert _rows(db, "SELECT COUNT(*) FROM sales") == [(1,)]
    assert len([t for t in emu.printed if t["type"] == "sell"]) == 1  # printed once
    assert _terminal(db, "verify").returncode == 0
