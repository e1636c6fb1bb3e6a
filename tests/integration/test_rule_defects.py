"""Single-till rule defects of issue 11 (loyalty-rules.md §3–§5), driven through `loyalty-terminal` in this
process: a take-back after expiry, a second stamp rule on one category, the time order after a sale that
moved no points."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import bootstrap
from app.core.services.reports import Period, StampRow
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


# A second stamp rule on one category (§3 steps 3 and 10, §5 "stamps taken back ... per rule"): every rule of
# the line's category gives one stamp per unit, except the unit that rule made free (docs/rules.md).


def coffees(cli: Cli, card: str, qty: int, at: str, price: int = 20000) -> dict[str, Any]:
    return cli.ok("sale", "--card", card, "--line", f"CAP:{qty}:{price}:coffee", "--at", at)


def test_every_stamp_rule_of_a_category_gives_one_stamp_per_unit(cli: Cli) -> None:
    card = enroll(cli)
    sale = coffees(cli, card, 3, "2026-01-02T10:00:00+03:00")
    assert sale["stamps_earned"] == {"coffee5": 3, "coffee10": 3}
    shown = cli.ok("customer", "show", card, "--at", "2026-01-02T10:00:01+03:00")
    assert shown["stamps"] == {"coffee5": 3, "coffee10": 3}
    assert cli.ok("verify")["ok"] is True


def test_the_unit_a_rule_made_free_earns_no_stamp_of_that_rule_only(cli: Cli) -> None:
    card = enroll(cli)
    coffees(cli, card, 5, "2026-01-02T10:00:00+03:00")  # coffee5 is full, coffee10 holds 5
    sale = coffees(cli, card, 2, "2026-01-03T10:00:00+03:00")
    assert sale["discount"] == 20000  # one unit free, by coffee5 (coffee10 is not full)
    assert sale["stamps_spent"] == {"coffee5": 5}
    assert sale["stamps_earned"] == {"coffee5": 1, "coffee10": 2}
    shown = cli.ok("customer", "show", card, "--at", "2026-01-03T10:00:01+03:00")
    assert shown["stamps"] == {"coffee5": 1, "coffee10": 7}


def test_two_full_cards_of_one_category_free_two_units_and_spend_both(cli: Cli) -> None:
    card = enroll(cli)
    coffees(cli, card, 10, "2026-01-02T10:00:00+03:00")  # both cards full: coffee5 holds 10, coffee10 holds 10
    sale = coffees(cli, card, 3, "2026-01-03T10:00:00+03:00")
    assert sale["discount"] == 2 * 20000  # at most one reward per rule: two units of the line are free
    assert sale["stamps_spent"] == {"coffee5": 5, "coffee10": 10}
    assert sale["stamps_earned"] == {"coffee5": 2, "coffee10": 2}
    shown = cli.ok("customer", "show", card, "--at", "2026-01-03T10:00:01+03:00")
    assert shown["stamps"] == {"coffee5": 7, "coffee10": 2}
    # One full card and a basket of one unit: the rule listed first takes it, the other keeps its stamps.
    one = coffees(cli, card, 1, "2026-01-04T10:00:00+03:00")
    assert one["stamps_spent"] == {"coffee5": 5}
    assert one["stamps_earned"] == {"coffee5": 0, "coffee10": 1}


def test_a_refund_takes_back_the_stamps_of_every_rule(cli: Cli) -> None:
    card = enroll(cli)
    sale = coffees(cli, card, 3, "2026-01-02T10:00:00+03:00")
    one = cli.ok("refund", str(sale["sale_id"]), "--line", "0:1", "--at", "2026-01-03T10:00:00+03:00")
    assert one["stamps_taken_back"] == {"coffee5": 1, "coffee10": 1}
    rest = cli.ok("refund", str(sale["sale_id"]), "--at", "2026-01-04T10:00:00+03:00")
    assert rest["stamps_taken_back"] == {"coffee5": 2, "coffee10": 2}
    shown = cli.ok("customer", "show", card, "--at", "2026-01-04T10:00:01+03:00")
    assert shown["stamps"] == {"coffee5": 0, "coffee10": 0}
    assert cli.ok("verify")["ok"] is True


def test_the_sale_body_carries_every_rules_stamps_and_the_line_keeps_them(cli: Cli) -> None:
    card = enroll(cli)
    coffees(cli, card, 2, "2026-01-02T10:00:00+03:00")
    db = sqlite3.connect(cli.db)
    try:
        (body,) = db.execute("SELECT body FROM outbox WHERE kind = 'sale'").fetchone()
        rows = db.execute("SELECT idx, rule_id, stamps, ordinal FROM sale_line_stamps ORDER BY idx, ordinal").fetchall()
    finally:
        db.close()
    (line,) = json.loads(body)["lines"]
    # The v1 keys keep the first rule, as before; the v5 key lists every rule (docs/wire.md).
    assert (line["stamp_rule"], line["stamps_given"], line["stamps"]) == ("coffee5", 2, {"coffee5": 2, "coffee10": 2})
    assert "coupon_discount" not in line  # a sale without a coupon carries no share
    assert rows == [(0, "coffee5", 2, 0), (0, "coffee10", 2, 1)]


def test_the_report_counts_the_cards_each_rule_completed(cli: Cli) -> None:
    card = enroll(cli)
    coffees(cli, card, 10, "2026-01-02T10:00:00+03:00")  # both cards full
    coffees(cli, card, 3, "2026-01-03T10:00:00+03:00", price=30000)  # a free unit for each rule
    coffees(cli, card, 5, "2026-01-04T10:00:00+03:00")  # coffee5 again (it held 7)
    ctx = bootstrap(cli.db)
    report = ctx.reports.report(Period.local_days(date(2026, 1, 1), date(2026, 1, 31), "Europe/Moscow"))
    ctx.close()
    assert report.stamps == (StampRow("coffee10", 1), StampRow("coffee5", 2))
    # The free units' worth: two by coffee5 (300 and 200 roubles), one by coffee10 (300).
    assert report.payback.cost.stamps == 30000 + 20000 + 30000
