"""cli.md read literally and driven from outside, as the independent acceptance tests will.

Every test runs the command line's entry point (`app.cli.main`, in this process: tests/inprocess.py)
on a real SQLite file in a temporary folder; the last test runs the installed `loyalty-terminal` and
`python -m app` as child processes, to show they are that same program. Refusals must exit 2 with one line and leave the
database exactly as it was (compared as an SQL dump, or byte for byte where the file is not
a database). tests/integration/test_cli.py and tests/integration/test_worked_examples.py cover the basic paths; this
file covers what they do not: exact output keys, phone formats, pre-printed cards, time zones,
every coupon condition, refunds in parts, limits on what can be typed, broken files.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.inprocess import run_main

BIN = Path(sys.executable).parent / "loyalty-terminal"
SHOW_KEYS = {"card", "name", "tier", "tier_spend", "available", "pending", "expired", "debt", "stamps", "next_expiry"}

PROGRAM: dict[str, Any] = {
    "point_value": 100,
    "timezone": "Asia/Vladivostok",  # UTC+10 all year: local dates and hours differ from UTC and Moscow
    "tiers": [
        {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"},
        {"name": "Gold", "min_spend": 100000, "discount_pct": "10", "earn_rate_pct": "10"},
    ],
    "tier_window_days": 30,
    "redeem": {"max_share_pct": "30", "min_balance": 0},
    "excluded": {"earn": ["tobacco"], "redeem": ["tobacco"], "discount": ["tobacco"]},
    "category_multipliers": {"coffee": "2"},
    "happy_hours": [{"weekdays": [1], "from": "08:00", "to": "11:00", "earn_multiplier": "3"}],
    "welcome_bonus": {"points": 100, "expiry_days": 30},
    "birthday_bonus": {"points": 500, "days_before": 0, "days_after": 0, "expiry_days": 14},
    "referral": {"referrer_points": 300, "referee_points": 200, "min_first_purchase": 100000},
    "stamps": [{"id": "coffee", "category": "coffee", "needed": 5}],
    "rewards": [{"id": "mug", "name": "Mug", "points": 50}],
    "coupons": [
        {"code": "LATER", "kind": "percent", "value": "10", "valid_from": "2026-06-01T00:00:00+10:00"},
        {"code": "OLD", "kind": "percent", "value": "10", "valid_to": "2026-01-01T00:00:00+10:00"},
        {"code": "ONCE", "kind": "amount", "value": 1000, "max_uses": 1},
        {"code": "PERCARD", "kind": "amount", "value": 1000, "per_customer_max": 1},
        {"code": "CARDONLY", "kind": "amount", "value": 1000, "requires_card": True},
        {"code": "MINE", "kind": "percent", "value": "50", "customer": "VIP-1"},
        {"code": "BIG", "kind": "amount", "value": 1000, "min_total": 100000},
        {"code": "BAKERY", "kind": "percent", "value": "12.5", "categories": ["bakery"]},
        {"code": "ALLOFF", "kind": "amount", "value": 99999999, "exclusive": True},
    ],
    "expiry_days": 365,
}
CATALOG = "sku,name,category,price,barcode\nLAT,Latte,coffee,150.00,4600000000039\nCRO,Croissant,bakery,149.9,\n"


def ean_check(body: str) -> str:
    """GS1 check digit, written here again so the test does not trust the code under test."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


class Store:
    """A terminal database in a folder, and the real program run on it."""

    def __init__(self, folder: Path, program: dict[str, Any] | None = PROGRAM, copy_of: Store | None = None) -> None:
        self.folder = folder
        self.db = folder / "terminal.sqlite3"
        if copy_of is not None:
            shutil.copyfile(copy_of.db, self.db)
        elif program is not None:
            (folder / "program.json").write_text(json.dumps(program), encoding="utf-8")
            (folder / "catalog.csv").write_text(CATALOG, encoding="utf-8")
            self.ok("init", "--program", str(folder / "program.json"))
            self.ok("catalog", "import", str(folder / "catalog.csv"))

    def run(self, *args: str, json_out: bool = True, module: bool = False) -> subprocess.CompletedProcess[str]:
        """The CLI with --db and (by default) --json; in this process, or with module `python -m app`."""
        argv = [*args, "--db", str(self.db)] + (["--json"] if json_out else [])
        if not module:
            return run_main(argv, cwd=self.folder)
        cmd = [sys.executable, "-m", "app", *argv]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=self.folder, timeout=120, env=_env())

    def ok(self, *args: str) -> dict[str, Any]:
        """Run a command that must succeed; its one JSON object."""
        proc = self.run(*args)
        assert proc.returncode == 0, f"{args}: {proc.stdout} {proc.stderr}"
        out: dict[str, Any] = json.loads(proc.stdout)
        return out

    def refused(self, *args: str, reason: str = "", plain: bool = False) -> str:
        """Run a command that must be refused: exit 2, one line, nothing written; the reason.

        With plain, also without --json: nothing on stdout, one line on stderr.
        """
        before = self.dump()
        proc = self.run(*args)
        assert proc.returncode == 2, f"{args}: exit {proc.returncode}: {proc.stdout} {proc.stderr}"
        assert "Traceback" not in proc.stderr, proc.stderr
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 1, proc.stdout
        error = json.loads(lines[0])["error"]
        assert isinstance(error, str) and error and reason in error, error
        assert self.dump() == before, f"{args} wrote to the database"
        if plain:
            text = self.run(*args, json_out=False)
            assert text.returncode == 2 and text.stdout == "", text.stdout
            assert len(text.stderr.strip().splitlines()) == 1, text.stderr
        return error

    def dump(self) -> str:
        """The whole database as SQL (or the bytes of a file that is not one)."""
        if not self.db.exists():
            return "<no file>"
        conn = sqlite3.connect(self.db)
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The program and catalog set up once; each test gets its own copy of the file."""
    return Store(tmp_path_factory.mktemp("template"))


@pytest.fixture
def store(tmp_path: Path, template: Store) -> Store:
    return Store(tmp_path, copy_of=template)


# ----------------------------------------------------------------- customers


def test_customer_show_prints_exactly_the_listed_keys_by_card_or_by_phone_in_any_format(store: Store) -> None:
    added = store.ok(
        "customer", "add", "--name", "Анна", "--phone", "+7 916 123-45-67", "--at", "2026-03-02T10:00:00+10:00"
    )
    assert set(added) == {"customer_id", "card", "granted"} and added["granted"] == 100
    card = added["card"]
    assert len(card) == 13 and card.isdigit() and card.startswith("299") and card[-1] == ean_check(card[:-1])
    views = [
        store.ok("customer", "show", who, "--at", "2026-03-02T10:01:00+10:00")
        for who in (card, "+7 916 123-45-67", "8 (916) 123-45-67", "89161234567", "+79161234567", "9161234567")
    ]
    assert all(v == views[0] for v in views)
    view = views[0]
    assert set(view) == SHOW_KEYS
    assert view["card"] == card and view["name"] == "Анна" and view["tier"] == "Silver"
    assert (view["available"], view["pending"], view["expired"], view["debt"]) == (100, 0, 0, 0)
    assert view["stamps"] == {} and view["tier_spend"] == 0
    assert set(view["next_expiry"]) == {"points", "at"} and view["next_expiry"]["points"] == 100
    # 30 days after enrollment, with its UTC offset (the program's zone).
    assert datetime.fromisoformat(view["next_expiry"]["at"]) == datetime.fromisoformat("2026-04-01T10:00:00+10:00")
    assert datetime.fromisoformat(view["next_expiry"]["at"]).utcoffset() is not None
    later = store.ok("customer", "show", card, "--at", "2026-04-02T10:00:00+10:00")
    assert (later["available"], later["expired"]) == (0, 100)
    assert later["next_expiry"] == {"points": 0, "at": None}  # the same shape when nothing is left to expire
    store.refused("customer", "show", "8 (916) 999-99-99", reason="8 (916) 999-99-99")
    store.refused("customer", "show", "2990000000020", reason="unknown card")


def test_customer_add_takes_pre_printed_cards_and_refuses_bad_ones(store: Store) -> None:
    printed = "299000004242" + ean_check("299000004242")
    out = store.ok("customer", "add", "--name", "A", "--phone", "89160000001", "--card", printed)
    assert out["card"] == printed and set(out) == {"customer_id", "card", "granted"}
    assert store.ok("customer", "show", printed)["name"] == "A"
    wrong_digit = printed[:-1] + str((int(printed[-1]) + 1) % 10)
    store.refused(
        "customer", "add", "--name", "B", "--phone", "89160000002", "--card", wrong_digit, reason="check digit"
    )
    store.refused("customer", "add", "--name", "B", "--phone", "89160000002", "--card", printed, reason="already")
    store.refused("customer", "add", "--name", "B", "--phone", "89160000002", "--card", "", reason="--card")
    store.refused("customer", "add", "--name", "B", "--phone", "89160000002", "--card", "A B", reason="card number")
    store.refused("customer", "add", "--name", "B", "--phone", "8 916 000-00-01", reason="already enrolled")
    assert store.ok("customer", "add", "--name", "B", "--phone", "89160000002", "--card", "VIP-1")["card"] == "VIP-1"


def test_birthdays_are_dates_of_birth(store: Store) -> None:
    at = "2026-03-02T10:00:00+10:00"
    for day in ("2026-03-03", "1899-12-31", "1990-02-30", "05.07.1990"):
        store.refused("customer", "add", "--name", "B", "--phone", "89160000002", "--birthday", day, "--at", at)
    assert store.ok("customer", "add", "--name", "B", "--phone", "89160000002", "--birthday", "2026-03-02", "--at", at)


def test_a_29_february_birthday_is_celebrated_on_28_february_of_a_common_year_in_local_time(store: Store) -> None:
    card = store.ok(
        "customer", "add", "--name", "Leap", "--phone", "89160000003", "--birthday", "2000-02-29",
        "--at", "2026-01-10T10:00:00+10:00",
    )["card"]  # fmt: skip

    def bonus(at: str) -> int:
        # Dated years ahead of today's clock: a history import is the mode that may do that (promise 13).
        out = store.ok("sale", "--card", card, "--line", "X:1:1000:gifts", "--at", at, "--quote", "--import-history")
        return int(out["birthday_points"])

    # 28 February 2027, local time of Vladivostok: 00:00 there is 14:00 UTC the day before.
    assert bonus("2027-02-27T13:59:00Z") == 0
    assert bonus("2027-02-27T14:00:00Z") == 500
    assert bonus("2027-02-28T13:59:00Z") == 500
    assert bonus("2027-02-28T14:00:00Z") == 0  # 1 March there
    assert bonus("2028-02-29T10:00:00+10:00") == 500  # a leap year has the day itself
    assert bonus("2028-02-28T10:00:00+10:00") == 0
    sale = store.ok(
        "sale", "--card", card, "--line", "X:1:1000:gifts", "--at", "2027-02-28T09:00:00+10:00", "--import-history"
    )
    assert sale["birthday_points"] == 500 and sale["balance"] == 500 + sale["earned"]
    again = store.ok(
        "sale", "--card", card, "--line", "X:1:1000:gifts", "--at", "2027-02-28T12:00:00+10:00", "--import-history"
    )
    assert again["birthday_points"] == 0  # once per birthday


def test_referral_pays_the_referrer_once_on_the_first_purchase_big_enough(store: Store) -> None:
    referrer = store.ok("customer", "add", "--name", "R", "--phone", "89160000004", "--at", "2026-03-01T10:00:00+10:00")
    new = store.ok(
        "customer", "add", "--name", "N", "--phone", "89160000005", "--referrer", referrer["card"],
        "--at", "2026-03-01T11:00:00+10:00",
    )  # fmt: skip
    assert new["granted"] == 100 + 200  # welcome and the referee's points
    small = store.ok("sale", "--card", new["card"], "--line", "X:1:99999:gifts", "--at", "2026-03-03T12:00:00+10:00")
    big = store.ok("sale", "--card", new["card"], "--line", "X:1:100000:gifts", "--at", "2026-03-03T13:00:00+10:00")
    third = store.ok("sale", "--card", new["card"], "--line", "X:1:200000:gifts", "--at", "2026-03-03T14:00:00+10:00")
    assert [s["referral_points_to_referrer"] for s in (small, big, third)] == [0, 300, 0]
    assert store.ok("customer", "show", referrer["card"], "--at", "2026-03-03T15:00:00+10:00")["available"] == 400
    store.refused("customer", "add", "--name", "X", "--phone", "89160000006", "--referrer", "NOBODY", reason="NOBODY")


# ----------------------------------------------------------------- pricing


def test_happy_hours_use_the_program_time_zone(store: Store) -> None:
    card = store.ok("customer", "add", "--name", "H", "--phone", "89160000007", "--at", "2026-05-01T10:00:00+10:00")[
        "card"
    ]

    def earned(at: str) -> int:
        return int(store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", "--at", at, "--quote")["earned"])

    # Monday 1 June 2026, 08:00-11:00 in Vladivostok = Sunday 22:00 to Monday 01:00 UTC.
    assert earned("2026-05-31T21:59:00Z") == 5  # 07:59 local
    assert earned("2026-05-31T22:00:00Z") == 15  # 08:00 local, x3
    assert earned("2026-06-01T00:59:59Z") == 15
    assert earned("2026-06-01T01:00:00Z") == 5  # 11:00 local: `to` is excluded
    assert earned("2026-06-01T08:30:00+03:00") == 5  # 15:30 local, although 08:30 in Moscow


def test_the_tier_follows_money_paid_over_the_rolling_window_net_of_refunds(store: Store) -> None:
    card = store.ok("customer", "add", "--name", "T", "--phone", "89160000008", "--at", "2026-03-01T10:00:00+10:00")[
        "card"
    ]
    big = store.ok("sale", "--card", card, "--line", "X:1:150000:gifts", "--at", "2026-03-01T12:00:00+10:00")
    assert big["tier"] == "Silver"  # the tier of the spend before this sale
    inside = store.ok(
        "sale", "--card", card, "--line", "X:1:10000:gifts", "--at", "2026-03-31T11:59:00+10:00", "--quote"
    )
    assert (inside["tier"], inside["discount"]) == ("Gold", 1000)
    edge = store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", "--at", "2026-03-31T12:00:00+10:00", "--quote")
    assert (edge["tier"], edge["discount"]) == ("Silver", 0)  # window (t - 30 days, t]
    assert store.ok("customer", "show", card, "--at", "2026-03-15T12:00:00+10:00")["tier"] == "Gold"
    store.ok("refund", str(big["sale_id"]), "--at", "2026-03-15T12:00:00+10:00")
    after = store.ok("customer", "show", card, "--at", "2026-03-15T12:01:00+10:00")
    assert (after["tier"], after["tier_spend"]) == ("Silver", 0)


COUPON_REFUSALS = [
    ("not yet valid", ["--coupon", "LATER"], "not valid yet"),
    ("expired", ["--coupon", "OLD"], "expired"),
    ("needs a card", ["--coupon", "CARDONLY"], "card"),
    ("per customer needs a card", ["--coupon", "PERCARD"], "card"),
    ("personal, no card", ["--coupon", "MINE"], "card"),
    ("personal, another card", ["--coupon", "MINE", "--card", "C-1"], "another card"),
    ("below minimum", ["--coupon", "BIG"], "100000"),
    ("unknown", ["--coupon", "NOPE"], "unknown coupon"),
    ("empty", ["--coupon", ""], "--coupon"),
]


def test_every_coupon_condition_is_refused_with_its_reason(store: Store) -> None:
    store.ok(
        "customer",
        "add",
        "--name",
        "V",
        "--phone",
        "89160000009",
        "--card",
        "VIP-1",
        "--at",
        "2026-03-01T10:00:00+10:00",
    )
    store.ok(
        "customer", "add", "--name", "C", "--phone", "89160000010", "--card", "C-1", "--at", "2026-03-01T10:00:00+10:00"
    )
    at = ["--at", "2026-03-02T10:00:00+10:00"]
    for _, args, reason in COUPON_REFUSALS:
        store.refused("sale", "--line", "X:1:5000:bakery", *args, *at, reason=reason)
    mine = store.ok("sale", "--line", "X:1:5000:bakery", "--coupon", "mine", "--card", "VIP-1", *at)
    assert (mine["coupon"], mine["discount"]) == ("MINE", 2500)  # codes compare case-insensitively
    store.ok("sale", "--line", "X:1:5000:bakery", "--coupon", "ONCE", "--at", "2026-03-02T10:01:00+10:00")
    store.refused(
        "sale", "--line", "X:1:5000:bakery", "--coupon", "ONCE", "--at", "2026-03-02T10:02:00+10:00", reason="used up"
    )
    store.ok("sale", "--line", "X:1:5000:bakery", "--coupon", "PERCARD", "--card", "C-1", *at)
    store.refused(
        "sale", "--line", "X:1:5000:bakery", "--coupon", "PERCARD", "--card", "C-1",
        "--at", "2026-03-02T10:05:00+10:00", reason="already used",
    )  # fmt: skip
    # 12.5 % of 333 kopecks is 41.625: half up to 42, on the bakery line only.
    part = store.ok("sale", "--line", "X:1:333:bakery", "Y:1:333:coffee", "--coupon", "BAKERY", "--quote", *at)
    assert [li["discount"] for li in part["lines"]] == [42, 0]
    big = store.ok("sale", "--line", "X:1:100000:bakery", "--coupon", "BIG", "--quote", *at)
    assert big["discount"] == 1000 and big["total"] == 99000


def test_an_exclusive_coupon_replaces_the_card_discount(store: Store) -> None:
    card = store.ok("customer", "add", "--name", "G", "--phone", "89160000011", "--at", "2026-03-01T10:00:00+10:00")[
        "card"
    ]
    store.ok("sale", "--card", card, "--line", "X:1:150000:gifts", "--at", "2026-03-01T11:00:00+10:00")
    at = ["--at", "2026-03-02T10:00:00+10:00", "--quote"]
    gold = store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", *at)
    assert (gold["tier"], gold["discount"]) == ("Gold", 1000)
    both = store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", "X2:1:10000:bakery", "--coupon", "BAKERY", *at)
    assert both["discount"] == 1000 + 1250 + 875  # coupon first, then 10 % of what is left
    alone = store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", "T:1:5000:tobacco", "--coupon", "ALLOFF", *at)
    assert [li["discount"] for li in alone["lines"]] == [10000, 0]  # tobacco is excluded from discounts
    assert alone["total"] == 5000 and alone["earned"] == 0


def test_redeem_max_zero_and_more_than_allowed(store: Store) -> None:
    card = store.ok("customer", "add", "--name", "P", "--phone", "89160000012", "--at", "2026-03-01T10:00:00+10:00")[
        "card"
    ]
    at = ["--at", "2026-03-01T11:00:00+10:00"]
    quote = store.ok(
        "sale", "--card", card, "--line", "X:1:10000:gifts", "T:1:5000:tobacco", "--redeem", "0", "--quote", *at
    )
    assert quote["max_points"] == 30 and quote["redeemed_points"] == 0  # 30 % of the 100-rouble line, not tobacco
    error = store.refused("sale", "--card", card, "--line", "X:1:10000:gifts", "--redeem", "31", *at, plain=True)
    assert error == "at most 30 points can be redeemed"
    store.refused("sale", "--card", card, "--line", "X:1:10000:gifts", "--redeem", "9" * 60, *at, reason="at most 30")
    for bad in ("-1", "1.5", "²", "lots", ""):
        store.refused("sale", "--card", card, "--line", "X:1:10000:gifts", "--redeem", bad, *at, reason="--redeem")
    sale = store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", "T:1:5000:tobacco", "--redeem", "MAX", *at)
    assert (sale["redeemed_points"], sale["redeemed_amount"]) == (30, 3000)
    assert [li["redeemed"] for li in sale["lines"]] == [3000, 0]
    assert sale["total"] == 12000 and sale["balance"] == 100 - 30 + sale["earned"]


def test_a_quote_writes_nothing_even_with_a_birthday_a_coupon_stamps_and_points(store: Store) -> None:
    card = store.ok(
        "customer", "add", "--name", "Q", "--phone", "89160000013", "--birthday", "1990-03-05",
        "--at", "2026-03-01T10:00:00+10:00",
    )["card"]  # fmt: skip
    args = ["sale", "--card", card, "--line", "LAT:6", "CRO", "--coupon", "ONCE", "--redeem", "max", "--reward", "mug"]
    at = ["--at", "2026-03-05T10:00:00+10:00"]
    before = store.dump()
    quote = store.ok(*args, *at, "--quote")
    assert store.dump() == before
    assert quote["sale_id"] is None and quote["birthday_points"] == 500 and quote["reward_points"] == 50
    sale = store.ok(*args, *at)
    for key in ("subtotal", "discount", "redeemed_points", "total", "earned", "balance", "lines"):
        assert sale[key] == quote[key], key
    assert sale["sale_id"] is not None


def test_a_sale_without_a_card_earns_nothing_and_has_no_balance(store: Store) -> None:
    out = store.ok("sale", "--line", "LAT:2", "CRO", "4600000000039")
    assert out["subtotal"] == out["total"] == 3 * 15000 + 14990
    assert (out["earned"], out["balance"], out["tier"], out["redeemed_points"]) == (0, None, None, 0)
    assert datetime.fromisoformat(out["at"]).utcoffset() is not None


def test_a_free_price_item_is_priced_in_kopecks(store: Store) -> None:
    out = store.ok("sale", "--line", "GIFT:2:14990:bakery", "LAT:1:1:coffee")
    assert out["subtotal"] == 2 * 14990 + 1
    assert [(li["sku"], li["qty"], li["unit_price"], li["category"]) for li in out["lines"]] == [
        ("GIFT", 2, 14990, "bakery"),
        ("LAT", 1, 1, "coffee"),  # a free-price line, even with a catalog SKU
    ]


BAD_LINES = [
    ("LAT:0", "at least 1"),
    ("LAT:-1", "at least 1"),
    ("LAT:1.5", "at least 1"),
    ("LAT:²", "at least 1"),
    ("LAT:١", "at least 1"),
    ("LAT:100000", "at most 99999"),
    ("LAT:" + "9" * 40, "at most 99999"),
    ("X:1:149.90:bakery", "kopecks"),
    ("X:1:-100:bakery", "kopecks"),
    ("X:1:1000000001:bakery", "at most 1000000000"),
    ("X:1:" + "9" * 40 + ":bakery", "at most 1000000000"),
    ("X:1:100", "SKU:QTY:PRICE:CATEGORY"),
    ("X:1:100:", "category"),
    ("NOSUCH", "unknown product NOSUCH"),
    ("4600000000038", "unknown product"),
]


@pytest.mark.parametrize(("item", "reason"), BAD_LINES, ids=[b[0][:20] for b in BAD_LINES])
def test_a_bad_line_is_refused_with_a_reason(store: Store, item: str, reason: str) -> None:
    store.refused("sale", "--line", item, reason=reason, plain=True)


def test_the_biggest_basket_that_may_be_typed_is_sold(store: Store) -> None:
    out = store.ok("sale", "--line", "X:99999:1000000000:gifts", "Y:99999:1000000000:gifts")
    assert out["total"] == 2 * 99999 * 1000000000


def test_a_catalog_saved_by_a_russian_spreadsheet_is_imported(store: Store) -> None:
    csv = store.folder / "products.csv"
    csv.write_text(
        "\ufeffsku;name;category;price;barcode\r\nZEF;Зефир, ванильный;sweets;1 249,90;036000291452\r\n",
        encoding="utf-8",
    )
    assert store.ok("catalog", "import", str(csv)) == {"imported": 1}
    (product,) = store.ok("catalog", "list", "ZEF")["products"]
    assert (product["name"], product["price"], product["barcode"]) == ("Зефир, ванильный", 124990, "0036000291452")
    assert store.ok("sale", "--line", "036000291452:2", "--quote")["subtotal"] == 249980  # found by its UPC-A


# ----------------------------------------------------------------- refunds and time


def test_refunding_every_line_in_several_parts_adds_up_to_the_sale(store: Store) -> None:
    card = store.ok("customer", "add", "--name", "F", "--phone", "89160000014", "--at", "2026-03-01T10:00:00+10:00")[
        "card"
    ]
    sale = store.ok(
        "sale", "--card", card, "--line", "LAT:3", "CRO:2", "T:1:25050:tobacco", "--redeem", "max",
        "--at", "2026-03-01T11:00:00+10:00",
    )  # fmt: skip
    assert sale["redeemed_points"] == 100 and sale["earned"] > 0
    parts = []
    for n, lines in enumerate((["0:1"], ["0:1", "1:1"], ["2:1"], [])):
        args = [a for line in lines for a in ("--line", line)]
        parts.append(store.ok("refund", str(sale["sale_id"]), *args, "--at", f"2026-03-02T1{n}:00:00+10:00"))
    assert sum(p["money_back"] for p in parts) == sale["total"]
    assert sum(p["points_taken_back"] for p in parts) == sale["earned"]
    assert sum(p["points_given_back"] for p in parts) == sale["redeemed_points"]
    assert parts[2]["money_back"] == 25050 and parts[2]["points_taken_back"] == 0  # tobacco: no points either way
    assert all(set(p) >= {"money_back", "points_taken_back", "points_given_back", "balance"} for p in parts)
    assert parts[-1]["balance"] == 100  # back where the card started: the welcome points
    store.refused("refund", str(sale["sale_id"]), "--at", "2026-03-02T15:00:00+10:00", reason="already fully refunded")
    view = store.ok("customer", "show", card, "--at", "2026-03-02T16:00:00+10:00")
    assert (view["available"], view["tier_spend"], view["stamps"]) == (100, 0, {"coffee": 0})


def test_refund_refusals(store: Store) -> None:
    card = store.ok("customer", "add", "--name", "U", "--phone", "89160000015", "--at", "2026-03-01T10:00:00+10:00")[
        "card"
    ]
    sale = store.ok("sale", "--card", card, "--line", "LAT:2", "--at", "2026-03-01T11:00:00+10:00")
    sid = str(sale["sale_id"])
    store.refused("refund", sid, "--at", "2026-03-01T10:59:00+10:00", reason="before")
    store.refused("refund", sid, "--line", "1:1", "--at", "2026-03-01T12:00:00+10:00", reason="no line 1")
    store.refused("refund", sid, "--line", "0:3", "--at", "2026-03-01T12:00:00+10:00", reason="left to refund")
    store.refused("refund", sid, "--line", "0:0", "--at", "2026-03-01T12:00:00+10:00", reason="at least 1")
    store.refused("refund", sid, "--line", "0", "--at", "2026-03-01T12:00:00+10:00", reason="N:QTY")
    store.refused("refund", "²", reason="sale id")
    store.refused("refund", "12345", reason="unknown sale 12345")
    store.ok("sale", "--card", card, "--line", "LAT", "--at", "2026-03-01T13:00:00+10:00")
    store.refused("refund", sid, "--at", "2026-03-01T12:30:00+10:00", reason="before this customer's latest")


def test_balance_is_what_is_usable_after_the_operation(tmp_path: Path) -> None:
    store = Store(tmp_path, {**PROGRAM, "activation_days": 14})
    card = store.ok("customer", "add", "--name", "A", "--phone", "89160000016", "--at", "2026-03-01T10:00:00+10:00")[
        "card"
    ]
    sale = store.ok("sale", "--card", card, "--line", "X:1:10000:gifts", "--at", "2026-03-01T12:00:00+10:00")
    assert sale["earned"] == 5 and sale["balance"] == 100  # earned points are pending for 14 days
    assert store.ok("customer", "show", card, "--at", "2026-03-15T11:59:00+10:00")["pending"] == 5
    assert store.ok("customer", "show", card, "--at", "2026-03-15T12:00:00+10:00")["available"] == 105


def test_timestamps_need_an_offset_and_a_plausible_year(store: Store) -> None:
    store.refused("sale", "--line", "LAT", "--at", "2026-03-01T10:00:00", reason="offset")
    store.refused("sale", "--line", "LAT", "--at", "9999-12-31T23:59:59+00:00", reason="year")
    store.refused("sale", "--line", "LAT", "--at", "yesterday", reason="ISO 8601")
    out = store.ok("sale", "--line", "LAT", "--at", "2026-03-01T01:00:00Z")
    assert datetime.fromisoformat(out["at"]) == datetime.fromisoformat("2026-03-01T11:00:00+10:00")


# ----------------------------------------------------------------- the program and the database


def test_init_with_a_program_that_does_not_validate_creates_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for body in ({"tiers": [{"name": "S", "min_spend": 5}]}, {"tiers": [], "expiry_days": 10**9}, {"nope": 1}):
        bad.write_text(json.dumps(body), encoding="utf-8")
        proc = run_main(["init", "--program", str(bad), "--db", str(tmp_path / "t.sqlite3"), "--json"])
        assert proc.returncode == 2 and json.loads(proc.stdout)["error"], proc.stdout + proc.stderr
        assert not (tmp_path / "t.sqlite3").exists()


def test_program_set_refuses_bad_files_and_keeps_the_active_version(store: Store) -> None:
    version = store.ok("program", "show")["version"]
    bad = store.folder / "bad.json"
    for body in ('{"tiers": [{"name": "S", "min_spend": 0, "discount_pct": 5.5}]}', "[1, 2]", "{", "\ufeff", ""):
        bad.write_text(body, encoding="utf-8")
        store.refused("program", "set", str(bad))
    store.refused("program", "set", str(store.folder / "missing.json"), reason="missing.json")
    store.refused("program", "set", str(store.folder), reason="directory")
    assert store.ok("program", "show")["version"] == version


def test_init_demo_fills_an_empty_store_only(tmp_path: Path) -> None:
    store = Store(tmp_path, program=None)
    out = store.ok("init", "--demo")
    assert out["demo"]["customers"] > 0 and out["demo"]["sales"] > 0
    assert store.ok("verify")["ok"] is True
    store.refused("init", "--demo", reason="empty store")


def test_missing_files_directories_and_unknown_options_exit_2_with_one_line(store: Store) -> None:
    missing = str(store.folder / "missing.csv")
    for args in (
        ["catalog", "import", missing],
        ["catalog", "import", str(store.folder)],
        ["init", "--program", missing],
        ["sale", "--line", "LAT", "--frobnicate"],
        ["customer", "show"],
        ["customer", "add", "--name", "X"],
        ["refund"],
    ):
        store.refused(*args)
    proc = run_main(["customer", "show", "X", "--db", str(store.folder), "--json"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "header only"])
def test_a_damaged_database_file_is_refused_and_left_as_it_was(store: Store, damage: str) -> None:
    good = store.db.read_bytes()
    data = {
        "garbage": b"this is not a database\n" * 100,
        "truncated": good[: len(good) // 3],
        "empty": b"",
        "header only": b"SQLite format 3\x00" + bytes(range(256)) * 8,
    }[damage]
    store.db.write_bytes(data)
    for args in (["customer", "show", "X"], ["sale", "--line", "X:1:100:c"], ["verify"], ["catalog", "list"]):
        proc = store.run(*args)
        assert proc.returncode == 2, f"{damage} {args}: {proc.returncode} {proc.stdout} {proc.stderr}"
        assert "Traceback" not in proc.stderr and json.loads(proc.stdout)["error"]
        assert store.db.read_bytes() == data


def test_the_default_database_is_in_the_data_folder_and_python_m_app_is_the_same_program(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = _env(LOYALTY_HOME=str(home))
    proc = subprocess.run([str(BIN), "init", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert Path(json.loads(proc.stdout)["db"]) == home / "terminal.sqlite3" and (home / "terminal.sqlite3").is_file()
    args = ["customer", "add", "--name", "M", "--phone", "89160000017", "--json"]
    proc = subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    card = json.loads(proc.stdout)["card"]
    proc = subprocess.run(
        [str(BIN), "--json", "customer", "show", card], capture_output=True, text=True, env=env, timeout=120
    )  # --json before the command works too
    assert proc.returncode == 0 and json.loads(proc.stdout)["card"] == card
