"""Bounded time on the terminal (sync.md v2 promise 13), through `loyalty-terminal` in this process: an
operation dated too far ahead is refused outside the history-import mode, and no dated operation moves the
terminal's clock for the sales after it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.clock import FROZEN_NOW_ENV
from app.core.timeutil import parse_ts
from tests.inprocess import Cli

NOW = "2026-06-10T12:00:00+03:00"  # the terminal's clock in these tests
PROGRAM: dict[str, Any] = {
    "timezone": "Europe/Moscow",
    "tiers": [{"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"}],
    "welcome_bonus": {"points": 100, "expiry_days": 30},
    "expiry_days": 365,
}


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv(FROZEN_NOW_ENV, NOW)
    (tmp_path / "program.json").write_text(json.dumps(PROGRAM), encoding="utf-8")
    shell = Cli(tmp_path, capsys)
    shell.ok("init", "--program", str(tmp_path / "program.json"))
    return shell


def enroll(cli: Cli, phone: str, *more: str) -> str:
    return str(cli.ok("customer", "add", "--name", "Анна", "--phone", phone, *more)["card"])


@pytest.mark.parametrize(
    "command",
    [
        ("sale", "--line", "TV:1:10000:electronics"),
        ("customer", "add", "--name", "Борис", "--phone", "+79160000009"),
        ("customer", "show", "CARD"),
        ("refund", "SALE"),
    ],
)
def test_an_operation_dated_far_ahead_of_the_clock_is_refused_and_writes_nothing(
    cli: Cli, command: tuple[str, ...]
) -> None:
    card = enroll(cli, "+79160000001")
    sale = cli.ok("sale", "--card", card, "--line", "TV:1:10000:electronics")
    args = [card if a == "CARD" else str(sale["sale_id"]) if a == "SALE" else a for a in command]
    before = cli.db.read_bytes()
    code, data = cli.run(*args, "--at", "2030-01-01T10:00:00+03:00")
    assert code == 2 and "ahead of this terminal's clock" in data["error"] and "--import-history" in data["error"]
    assert cli.db.read_bytes() == before


def test_a_few_minutes_ahead_is_within_the_tolerance(cli: Cli) -> None:
    card = enroll(cli, "+79160000001")
    cli.ok("sale", "--card", card, "--line", "TV:1:10000:electronics", "--at", "2026-06-10T12:04:00+03:00")
    code, _ = cli.run("sale", "--card", card, "--line", "TV:1:10000:electronics", "--at", "2026-06-10T12:10:00+03:00")
    assert code == 2


def test_a_history_import_may_date_ahead_without_moving_the_clock_for_later_sales(cli: Cli) -> None:
    other = enroll(cli, "+79160000002", "--at", "2026-06-01T12:00:00+03:00")  # welcome points expire 07-01
    card = enroll(cli, "+79160000001")
    ahead = cli.ok("sale", "--card", card, "--line", "TV:1:10000:electronics", "--at", "2030-01-01T10:00:00+03:00",
                   "--import-history")  # fmt: skip
    assert parse_ts(ahead["at"]).year == 2030
    later = cli.ok("sale", "--card", other, "--line", "TV:1:10000:electronics")
    # Dated now, not after 2030; the other customer's welcome points (expiring in July 2026) are still there.
    assert parse_ts(later["at"]) < parse_ts("2026-06-10T12:00:01+03:00")
    assert later["balance"] == 100 + later["earned"]
    shown = cli.ok("customer", "show", other)
    assert (shown["available"], shown["expired"]) == (100 + later["earned"], 0)
    assert cli.ok("verify")["ok"] is True


def test_a_back_dated_import_does_not_move_the_clock_back_or_forward(cli: Cli) -> None:
    card = enroll(cli, "+79160000001", "--at", "2025-01-01T10:00:00+03:00", "--import-history")
    old = cli.ok("sale", "--card", card, "--line", "TV:1:10000:electronics", "--at", "2025-01-02T10:00:00+03:00",
                 "--import-history")  # fmt: skip
    assert parse_ts(old["at"]).year == 2025
    now = cli.ok("sale", "--card", card, "--line", "TV:1:10000:electronics")
    assert parse_ts("2026-06-10T12:00:00+03:00") <= parse_ts(now["at"]) < parse_ts("2026-06-10T12:00:01+03:00")
