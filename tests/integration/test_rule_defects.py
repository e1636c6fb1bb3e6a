"""Single-till rule defects of issue 11 (loyalty-rules.md §3–§5), driven through `loyalty-terminal` in this
process: a take-back after expiry, a second stamp rule on one category, the time order after a sale that
moved no points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.inprocess import Cli

PROGRAM: dict[str, Any] = {
    "timezone": "Europe/Moscow",
    "tiers": [{"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"}],
    "excluded": {"earn": ["tobacco"]},
    "expiry_days": 30,
    "stamps": [
        {"id": "coffee5", "category": "coffee", "needed": 5},
        {"id": "coffee10", "category": "coffee", "needed": 10},
    ],
}


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    (tmp_path / "program.json").write_text(json.dumps(PROGRAM), encoding="utf-8")
    shell = Cli(tmp_path, capsys)
    shell.ok("init", "--program", str(tmp_path / "program.json"))
    return shell


def enroll(cli: Cli, at: str = "2026-01-01T10:00:00+03:00") -> str:
    return str(cli.ok("customer", "add", "--name", "Анна", "--phone", "+79160000001", "--at", at)["card"])


def test_a_refund_after_the_sales_points_expired_takes_nothing_more_from_live_lots(cli: Cli) -> None:
    card = enroll(cli)
    first = cli.ok("sale", "--card", card, "--line", "TV:1:200000:electronics", "--at", "2026-01-02T10:00:00+03:00")
    assert first["earned"] == 100  # expires 2026-02-01 10:00
    second = cli.ok("sale", "--card", card, "--line", "KB:1:100000:electronics", "--at", "2026-02-15T10:00:00+03:00")
    assert second["earned"] == 50 and second["balance"] == 50  # the first sale's 100 expired
    refund = cli.ok("refund", str(first["sale_id"]), "--at", "2026-02-20T10:00:00+03:00")
    # The figure follows §5; the 100 points already left the card by expiry, so none is recovered again.
    assert refund["points_taken_back"] == 100
    shown = cli.ok("customer", "show", card, "--at", "2026-02-20T10:00:01+03:00")
    assert (shown["available"], shown["debt"], shown["expired"]) == (50, 0, 100)
    assert cli.ok("verify")["ok"] is True


def test_partial_refunds_after_expiry_count_the_expired_points_once(cli: Cli) -> None:
    card = enroll(cli)
    first = cli.ok("sale", "--card", card, "--line", "TV:2:100000:electronics", "--at", "2026-01-02T10:00:00+03:00")
    assert first["earned"] == 100
    # 60 of the 100 paid for a gift before they expired: those the refund must recover, the other 40 expired.
    cli.ok("sale", "--card", card, "--line", "KB:1:800000:electronics", "--redeem", "60",
           "--at", "2026-01-20T10:00:00+03:00")  # fmt: skip
    live = cli.ok("sale", "--card", card, "--line", "PC:1:400000:electronics", "--at", "2026-02-15T10:00:00+03:00")
    before = cli.ok("customer", "show", card, "--at", "2026-02-20T09:59:59+03:00")
    assert (before["available"], before["expired"]) == (200, 40 + 397)  # the gift sale's own 397 expired too
    one = cli.ok("refund", str(first["sale_id"]), "--line", "0:1", "--at", "2026-02-20T10:00:00+03:00")
    two = cli.ok("refund", str(first["sale_id"]), "--line", "0:1", "--at", "2026-02-21T10:00:00+03:00")
    assert one["points_taken_back"] + two["points_taken_back"] == 100
    after = cli.ok("customer", "show", card, "--at", "2026-02-21T10:00:01+03:00")
    # Of the 100 taken back, 40 had expired: 60 come out of the live lots (spent points recovered once).
    assert (after["available"], after["debt"]) == (200 - 60, 0), live
    assert cli.ok("verify")["ok"] is True


def test_a_card_sale_that_moved_no_points_still_sets_the_time_order(cli: Cli) -> None:
    card = enroll(cli)
    quiet = cli.ok("sale", "--card", card, "--line", "CIG:1:25000:tobacco", "--at", "2026-03-01T10:00:00+03:00")
    assert quiet["earned"] == 0 and quiet["redeemed_points"] == 0
    before = cli.db.read_bytes()
    code, data = cli.run("sale", "--card", card, "--line", "CIG:1:25000:tobacco", "--at", "2026-02-01T10:00:00+03:00")
    assert code == 2 and "before this customer's latest" in data["error"]
    assert cli.db.read_bytes() == before
