"""Every change a person makes is audited by the use case that makes it, in the same transaction.

For each use case: its audit row (code and parameters, the actor who did it) is written with the
change; a refused change writes neither; and when the audit row cannot be written, the change is
rolled back with it (an audit row is never lost, nor orphaned).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import Context, bootstrap
from app.core.demo import DEMO_PROGRAM
from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest
from app.core.services.staff import AuditEntry
from app.core.services.support import SYSTEM

CSV = "sku,name,category,price,barcode\nLATTE,Латте,coffee,250.00,\nCROIS,Круассан,bakery,150.00,\n"


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Context]:
    ctx = bootstrap(tmp_path / "t.sqlite3", create=True, transport=httpx.MockTransport(_chain_server))
    ctx.store.init(DEMO_PROGRAM)
    ctx.customers.enroll("Анна", "+79160000001", card="A1", actor=SYSTEM)
    ctx.checkout.sell(SaleRequest((LineIn("LATTE", "Латте", "coffee", 2, 25000),), "A1", cashier="Иван"), actor="Иван")
    yield ctx
    ctx.close()


def _chain_server(request: httpx.Request) -> httpx.Response:
    """A central server that enrolls any one-time code."""
    body = {"terminal_id": 3, "token": "t0k3n", "epoch": 1, "card_block": 7, "store": {"name": "Сеть"}}
    return httpx.Response(200, content=json.dumps(body))


def _rows(ctx: Context, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(ctx.db_path) as conn:
        return conn.execute(query).fetchall()


def _newest(ctx: Context) -> AuditEntry:
    return ctx.staff.audit_log(1)[0]


def _audit_count(ctx: Context) -> int:
    return int(_rows(ctx, "SELECT count(*) FROM audit")[0][0])


def _outbox_count(ctx: Context) -> int:
    return int(_rows(ctx, "SELECT count(*) FROM outbox")[0][0])


def _break_audit(ctx: Context) -> None:
    """From now on the audit table refuses every row, as a full disk or a damaged table would."""
    with sqlite3.connect(ctx.db_path) as conn:
        conn.execute("CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END")


# ----------------------------------------------------------------- the row is written with the change


def test_activating_a_program_writes_its_audit_row(shop: Context) -> None:
    version = shop.programs.set_program({**DEMO_PROGRAM, "name": "Весна"}, actor="Ольга", note="spring")
    row = _newest(shop)
    assert (row.actor, row.action) == ("Ольга", "program")
    assert row.params is not None
    assert row.params["version"] == version and row.params["name"] == "Весна"
    assert row.params["changed"] == ["name"] and row.params["note"] == "spring"


def test_importing_a_catalog_writes_its_audit_row(shop: Context) -> None:
    assert shop.catalog.import_catalog(CSV, actor="Ольга") == 2
    row = _newest(shop)
    assert (row.actor, row.action, row.params) == ("Ольга", "catalog_imported", {"products": 2})
    assert row.text == "2 products"


def test_changing_the_store_details_audits_each_changed_one(shop: Context) -> None:
    shop.store.set_store_details("Кофейня", "Тверская, 1", actor="Ольга")
    rows = shop.staff.audit_log(2)
    assert {(r.actor, r.action) for r in rows} == {("Ольга", "setting_changed")}
    assert sorted((r.params or {})["key"] for r in rows) == ["store_address", "store_name"]
    assert shop.store.store_details() == ("Кофейня", "Тверская, 1")


def test_the_store_details_and_the_tills_own_settings_are_saved_and_audited_together(shop: Context) -> None:
    shop.store.set_store_details("Кофейня", "Тверская, 1", actor=SYSTEM)
    before = _audit_count(shop)
    # The address left as it is (None), the name changed, and the printer (kept by the app) changed with them.
    shop.store.set_store_details("Кофейня №2", None, actor="Ольга", till_settings=[("printer", "", "pdf58")])
    assert shop.store.store_details() == ("Кофейня №2", "Тверская, 1")
    rows = shop.staff.audit_log(_audit_count(shop) - before)
    assert sorted((r.actor, (r.params or {})["key"], (r.params or {})["new"]) for r in rows) == [
        ("Ольга", "printer", "pdf58"),
        ("Ольга", "store_name", "Кофейня №2"),
    ]


def test_an_enrolment_writes_its_audit_row_without_personal_data(shop: Context) -> None:
    result = shop.customers.enroll("Борис Петров", "+79160000002", actor="Иван")
    row = _newest(shop)
    assert (row.actor, row.action) == ("Иван", "customer_enrolled")
    assert row.params == {"card": result.card, "granted_points": result.granted}
    assert "Борис" not in row.detail and "9160000002" not in row.detail  # the name and phone stay with the customer


def test_a_sale_writes_its_audit_row_with_the_cashier(shop: Context) -> None:
    sale = shop.checkout.sell(SaleRequest((LineIn("CROIS", "Круассан", "bakery", 1, 15000),), "A1"), actor="Иван")
    row = _newest(shop)
    assert (row.actor, row.action) == ("Иван", "sale")
    assert row.params == {"sale": sale.sale_id, "total_kopecks": sale.quote.total}


def test_a_quote_writes_no_audit_row(shop: Context) -> None:
    before = _audit_count(shop)
    shop.checkout.quote(SaleRequest((LineIn("CROIS", "Круассан", "bakery", 1, 15000),), "A1"))
    assert _audit_count(shop) == before


def test_the_audit_log_reads_one_actions_rows_past_the_newest_rows_of_all(shop: Context) -> None:
    shop.programs.set_program({**DEMO_PROGRAM, "name": "Весна"}, actor="Ольга")
    for _ in range(3):  # every sale has its row: they fill the newest rows
        shop.checkout.sell(SaleRequest((LineIn("CROIS", "Круассан", "bakery", 1, 15000),)), actor="Иван")
    assert [r.action for r in shop.staff.audit_log(2)] == ["sale", "sale"]
    programs = shop.staff.audit_log(2, "program")
    assert [(r.actor, (r.params or {}).get("name")) for r in programs] == [
        ("Ольга", "Весна"),
        (SYSTEM, DEMO_PROGRAM["name"]),
    ]


def test_enrolling_with_a_server_writes_its_audit_row(shop: Context) -> None:
    shop.sync.enroll("https://chain.example", "CODE-1", actor="Ольга")
    row = _newest(shop)
    assert (row.actor, row.action, row.params) == ("Ольга", "server_enrolled", {"url": "https://chain.example"})
    assert shop.sync.configured()


def test_adjusting_points_writes_its_audit_row(shop: Context) -> None:
    _, balance = shop.customers.adjust_points("A1", 250, "cold coffee", "Мария")
    row = _newest(shop)
    assert (row.actor, row.action) == ("Мария", "points_adjusted")
    assert row.params == {"card": "A1", "points": 250, "reason": "cold coffee", "balance_points": balance}


def test_replacing_a_card_writes_its_audit_row(shop: Context) -> None:
    new = shop.customers.replace_card("A1", "B2", actor="Мария")
    row = _newest(shop)
    assert (row.actor, row.action, row.params) == ("Мария", "card_replaced", {"old": "A1", "new": new})


def test_blocking_and_unblocking_a_card_write_their_audit_rows(shop: Context) -> None:
    shop.customers.block_card("A1", actor="Мария")
    assert (_newest(shop).action, _newest(shop).params) == ("card_blocked", {"card": "A1"})
    shop.customers.block_card("A1", blocked=False, actor="Мария")
    assert (_newest(shop).actor, _newest(shop).action) == ("Мария", "card_unblocked")


def test_a_refund_writes_its_audit_row_with_the_approving_manager(shop: Context) -> None:
    result = shop.checkout.refund(1, {0: 1}, cashier="Иван", actor="Ольга")
    row = _newest(shop)
    assert (row.actor, row.action) == ("Ольга", "refund")
    assert row.params == {
        "refund": result.refund_id,
        "sale": 1,
        "cashier": "Иван",
        "back_kopecks": result.money_back,
        "taken_points": result.points_taken_back,
        "given_points": result.points_given_back,
    }


# ----------------------------------------------------------------- a refusal writes neither

Change = Callable[[Context], object]

REFUSED: dict[str, Change] = {
    "program": lambda c: c.programs.set_program({"name": "broken", "tiers": "none"}, actor="Ольга"),
    "catalog": lambda c: c.catalog.import_catalog("sku,name,category,price\nX,,coffee,1.00\n", actor="Ольга"),
    "store_details": lambda c: c.store.set_store_details("Кофейня", "", actor=" "),
    "adjust": lambda c: c.customers.adjust_points("A1", -10_000, "typo", "Мария", allow_debt=False),
    "replace_card": lambda c: c.customers.replace_card("NOPE", actor="Мария"),
    "block_card": lambda c: c.customers.block_card("NOPE", actor="Мария"),
    "refund": lambda c: c.checkout.refund(1, {0: 5}, actor="Ольга"),
    "enroll": lambda c: c.customers.enroll("Анна Вторая", "+79160000001", actor="Иван"),  # the phone is taken
    "sale": lambda c: c.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 100),), "NOPE"), actor="Иван"),
    "no_actor": lambda c: c.customers.adjust_points("A1", 10, "gift", "  "),
    "enroll_no_actor": lambda c: c.customers.enroll("Борис", "+79160000002", actor=" "),
    "sale_no_actor": lambda c: c.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 100),)), actor=""),
    "server_no_actor": lambda c: c.sync.enroll("https://chain.example", "CODE-1", actor=" "),
}


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_change_writes_neither_change_nor_audit_row(shop: Context, change: Change) -> None:
    audit, outbox, details = _audit_count(shop), _outbox_count(shop), shop.store.store_details()
    with pytest.raises(LoyaltyError):
        change(shop)
    assert (_audit_count(shop), _outbox_count(shop), shop.store.store_details()) == (audit, outbox, details)


# ----------------------------------------------------------------- no audit row, no change

DONE: dict[str, Change] = {
    "program": lambda c: c.programs.set_program({**DEMO_PROGRAM, "name": "Весна"}, actor="Ольга"),
    "catalog": lambda c: c.catalog.import_catalog(CSV, actor="Ольга"),
    "adjust": lambda c: c.customers.adjust_points("A1", 250, "cold coffee", "Мария"),
    "replace_card": lambda c: c.customers.replace_card("A1", "B2", actor="Мария"),
    "block_card": lambda c: c.customers.block_card("A1", actor="Мария"),
    "refund": lambda c: c.checkout.refund(1, {0: 1}, actor="Ольга"),
    "enroll": lambda c: c.customers.enroll("Борис", "+79160000002", actor="Иван"),
    "sale": lambda c: c.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 1, 100),), "A1"), actor="Иван"),
    "store_details": lambda c: c.store.set_store_details("Кофейня", "", actor="Ольга"),
    "server": lambda c: c.sync.enroll("https://chain.example", "CODE-1", actor="Ольга"),
}


@pytest.mark.parametrize("change", DONE.values(), ids=DONE.keys())
def test_a_change_whose_audit_row_fails_is_rolled_back(shop: Context, change: Change) -> None:
    tables = ("programs", "products", "customers", "lots", "cards", "sales", "refunds", "outbox", "meta")
    before = [_rows(shop, f"SELECT * FROM {t}") for t in tables]
    _break_audit(shop)
    with pytest.raises(Exception, match="audit refused"):
        change(shop)
    after = [_rows(shop, f"SELECT * FROM {t}") for t in tables]
    assert after == before
    assert shop.customers.customer("A1").card == "A1" and not shop.customers.customer("A1").blocked
