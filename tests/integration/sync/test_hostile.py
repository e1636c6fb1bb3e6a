"""Hostile terminals (sync.md v2, "How to test it"): forged bodies pushed through the real HTTP API with a
valid terminal token, on SQLite and PostgreSQL. Every forgery is rejected with nothing of it booked (the
balances unchanged, `verify` ok), while the honest items of the same batch still apply."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

import server.auth as server_auth
from app.bootstrap import bootstrap
from app.core import schema as t
from app.core import sql
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.services.verify import VerifyService
from server.api import create_app
from server.config import Settings
from tests.e2e.conftest import ADMIN
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.server_db import fresh_server_database, pg_server_template, sqlite_server_template  # noqa: F401

MANAGER = "Мария Управляющая"


def _till_bodies(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """What an honest till queues: two enrollments, sales with points, a redemption, a refund, adjust, block."""
    ctx = bootstrap(folder / "terminal.sqlite3", create=True)
    try:
        ctx.store.init(DEMO_PROGRAM)
        ctx.catalog.import_catalog(DEMO_CATALOG, actor=SYSTEM)
        anna = ctx.customers.enroll("Анна", "+79169990001", actor=SYSTEM).card
        boris = ctx.customers.enroll("Борис", "+79169990002", actor=SYSTEM).card
        first = ctx.checkout.sell(SaleRequest((ctx.catalog.resolve_line("CAP", 2),), anna), actor=SYSTEM)
        ctx.checkout.sell(SaleRequest((ctx.catalog.resolve_line("CAP", 3),), boris), actor=SYSTEM)
        ctx.checkout.refund(first.sale_id, {0: 1}, actor=MANAGER)
        ctx.checkout.sell(SaleRequest((ctx.catalog.resolve_line("CAP", 4),), anna, redeem=10), actor=SYSTEM)
        with ctx.engine.connect() as conn:
            rows = conn.execute(select(t.outbox.c.kind, t.outbox.c.body).order_by(t.outbox.c.seq)).all()
    finally:
        ctx.close()
    return [(r.kind, json.loads(r.body)) for r in rows if r.kind in ("enroll", "sale", "refund")]


@contextlib.contextmanager
def _server(url: str) -> Iterator[dict[str, Any]]:
    """A server on this database with the demo program, two stores, a terminal of each, store one's manager."""
    app = create_app(Settings(database=url, admin_name=ADMIN[0], admin_password=ADMIN[1]))
    try:
        client = TestClient(app)
        token = client.post("/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]}).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        assert client.post("/v1/admin/program", json={"program": DEMO_PROGRAM}, headers=admin).is_success
        assert client.put("/v1/admin/catalog", json={"csv": DEMO_CATALOG}, headers=admin).is_success
        store = client.post("/v1/admin/stores", json={"name": "One"}, headers=admin).json()["store_id"]
        two = client.post("/v1/admin/stores", json={"name": "Two"}, headers=admin).json()["store_id"]
        assert client.post(f"/v1/admin/stores/{store}/managers", json={"name": MANAGER}, headers=admin).is_success
        code = client.post("/v1/admin/terminals", json={"store_id": store, "name": "h"}, headers=admin).json()
        terminal = client.post("/v1/terminals/enroll", json={"code": code["code"]}).json()
        code = client.post("/v1/admin/terminals", json={"store_id": two, "name": "h2"}, headers=admin).json()
        other = client.post("/v1/terminals/enroll", json={"code": code["code"]}).json()
        yield {"client": client, "admin": admin, "epoch": terminal["epoch"], "seq": 0,
               "headers": {"Authorization": f"Bearer {terminal['token']}"},
               "other": {"client": client, "epoch": other["epoch"], "seq": 0,
                         "headers": {"Authorization": f"Bearer {other['token']}"}}}  # fmt: skip
    finally:
        app.state.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A server on each database (`_server`)."""
    with contextlib.ExitStack() as stack:
        # A copy of the session's database at head (tests/server_db.py), and a cheap admin hash: the
        # admin login is not under test here (argon2 at production cost is ~0.4 s of CPU per server).
        url = stack.enter_context(fresh_server_database(request, request.param, tmp_path))
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield stack.enter_context(_server(url))


def _push(chain: dict[str, Any], bodies: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    items = []
    for kind, body in bodies:
        chain["seq"] += 1
        items.append({"uid": body["uid"], "seq": chain["seq"], "kind": kind, "body": body})
    answer = chain["client"].post("/v1/sync/push", json={"epoch": chain["epoch"], "items": items},
                                  headers=chain["headers"])  # fmt: skip
    assert answer.status_code == 200, answer.text
    return list(answer.json()["results"])


def _books(chain: dict[str, Any]) -> dict[str, Any]:
    """What the server holds: row counts and every customer's points, and whether verify agrees."""
    engine = chain["client"].app.state.engine
    with engine.connect() as conn:
        counts = {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (t.customers, t.sales, t.refunds, t.journal, t.lots, t.cards, t.stamp_moves)
        }
        points = dict(conn.execute(select(t.lots.c.customer_id, func.sum(t.lots.c.remaining))
                                   .group_by(t.lots.c.customer_id)).all())  # fmt: skip
        blocked = dict(conn.execute(select(t.customers.c.uid, t.customers.c.blocked)).all())
    return {"counts": counts, "points": points, "blocked": blocked, "ok": VerifyService(engine).verify().ok}


@pytest.fixture
def honest(chain: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The chain after the honest till's bodies were pushed: every one applied."""
    bodies = _till_bodies(tmp_path)
    results = _push(chain, bodies)
    assert [r["status"] for r in results] == ["applied"] * len(bodies), results
    chain["bodies"] = bodies
    return chain


def _first(chain: dict[str, Any], kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(b for k, b in chain["bodies"] if k == kind))


def _fresh(body: dict[str, Any], n: int) -> dict[str, Any]:
    """The body as a new transaction: new uids for it and its lots (a forgery is never a re-send)."""
    text = json.dumps(body).replace(body["uid"], f"{body['uid'][:-6]}{n:06d}")
    for op in body.get("ops", []):
        if op["op"] == "grant":
            text = text.replace(op["lot"]["uid"], f"{op['lot']['uid'][:-6]}{n + 500:06d}")
    return dict(json.loads(text))


def _forgeries(chain: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(what, kind, body) of every forgery, each built from an honest body."""
    sale = _first(chain, "sale")
    anna, boris = sale["customer_uid"], [b for k, b in chain["bodies"] if k == "enroll"][1]["uid"]
    out: list[tuple[str, str, dict[str, Any]]] = []

    inflated = _fresh(sale, 1)
    for op in inflated["ops"]:
        if op["op"] == "grant":
            op["lot"]["points"] = 1_000_000
            op["lot"]["expires_at"] = None
    inflated["sale"]["earned"] = 1_000_000
    out.append(("inflated grant", "sale", inflated))

    other = _fresh(sale, 2)
    for op in other["ops"]:
        op["customer"] = boris  # the points go to another customer than the sale's
    out.append(("grant to another customer", "sale", other))

    spend = _fresh(sale, 3)
    spend["ops"].append({"op": "spend", "customer": anna, "points": 5, "at": spend["at"], "why": "redeem"})
    out.append(("spend without a redemption", "sale", spend))

    negative = _fresh(sale, 4)
    negative["lines"][0]["unit_price"] = -50_000
    negative["lines"][0]["amount"] = negative["lines"][0]["paid"] = -100_000
    negative["sale"]["subtotal"] = negative["sale"]["total"] = -100_000
    out.append(("negative total", "sale", negative))

    discount = _fresh(sale, 5)
    discount["lines"][0]["discount"] += 5_000
    discount["lines"][0]["paid"] -= 5_000
    discount["sale"]["discount"] += 5_000
    discount["sale"]["total"] -= 5_000
    out.append(("altered discount", "sale", discount))

    coupon = _fresh(sale, 6)
    coupon["sale"]["coupon"] = "NOSUCH"
    out.append(("made-up coupon", "sale", coupon))

    redeem = _fresh(_first(chain, "sale"), 7)
    redeem["sale"]["redeemed_points"] = 50_000
    redeem["sale"]["redeemed_amount"] = 50_000 * DEMO_PROGRAM.get("point_value", 100)
    redeem["ops"].insert(0, {"op": "spend", "customer": anna, "points": 50_000, "at": redeem["at"], "why": "redeem"})
    out.append(("redemption beyond the balance", "sale", redeem))

    refund = _fresh(_first(chain, "refund"), 8)
    refund["units"] = {"0": 5}
    out.append(("refund beyond units left", "refund", refund))

    unknown = _fresh(_first(chain, "refund"), 9)
    unknown["sale_uid"] = "no-such-sale"
    out.append(("refund of an unknown sale", "refund", unknown))

    money = _fresh(_first(chain, "refund"), 10)
    money["refund"]["money_back"] += 10_000
    out.append(("refund giving more money back", "refund", money))

    welcome = _fresh(_first(chain, "enroll"), 11)
    welcome["phone"] = "+79169990077"
    welcome["card"] = "2990000000999"
    for op in welcome["ops"]:
        op["lot"]["points"] = 99_999
    out.append(("inflated welcome bonus", "enroll", welcome))

    at = sale["at"] + 1000
    out.append(("block without a manager", "block", {"uid": "forged-block-1", "customer_uid": boris, "blocked": True,
                                                     "at": at}))  # fmt: skip
    out.append(("block by a stranger", "block", {"uid": "forged-block-2", "customer_uid": boris, "blocked": True,
                                                  "at": at, "actor": "Некто"}))  # fmt: skip
    out.append(("card retired without a manager", "card", {"uid": "forged-card-1", "customer_uid": boris,
                                                           "old_card": None, "new_card": None, "at": at}))  # fmt: skip
    grant = {"op": "grant", "customer": boris, "at": at, "lot": {"uid": "forged-lot", "points": 1000,
             "available_at": at, "expires_at": None, "source": "manual", "txn_uid": "forged-adjust-1"}}  # fmt: skip
    out.append(("adjustment by a stranger", "adjust", {"uid": "forged-adjust-1", "customer_uid": boris,
               "points": 1000, "reason": "x", "actor": "Некто", "at": at, "ops": [grant]}))  # fmt: skip
    cursor = _fresh(sale, 12)
    cursor["cursor"] = 10**9
    out.append(("a cursor the terminal never had", "sale", cursor))
    return out


def test_every_forgery_is_rejected_and_books_nothing(honest: dict[str, Any]) -> None:
    before = _books(honest)
    assert before["ok"]
    forgeries = _forgeries(honest)
    results = _push(honest, [(kind, body) for _, kind, body in forgeries])
    refused = {what: r for (what, _, _), r in zip(forgeries, results, strict=True)}
    assert {what: r["status"] for what, r in refused.items()} == dict.fromkeys(refused, "rejected"), refused
    after = _books(honest)
    assert after == before
    listed = honest["client"].get("/v1/admin/rejections", headers=honest["admin"]).json()["rejections"]
    assert {r["uid"] for r in listed} == {body["uid"] for _, _, body in forgeries}
    assert all(r["terminal_id"] and r["body"] for r in listed)


def test_honest_items_of_a_hostile_batch_still_apply(chain: dict[str, Any], tmp_path: Path) -> None:
    bodies = _till_bodies(tmp_path)
    chain["bodies"] = bodies
    forgeries = _forgeries(chain)
    mixed: list[tuple[str, dict[str, Any]]] = []
    for n, body in enumerate(bodies):
        mixed.append(body)
        if n < len(forgeries) and n >= 2:  # after both enrollments, so the forgeries name known customers
            mixed.append((forgeries[n][1], forgeries[n][2]))
    results = _push(chain, mixed)
    honest_uids = {b["uid"] for _, b in bodies}
    for (_, body), result in zip(mixed, results, strict=True):
        assert result["status"] == ("applied" if body["uid"] in honest_uids else "rejected"), (body["uid"], result)
    assert _books(chain)["ok"]


def test_a_manager_of_the_store_may_block_and_adjust_within_the_daily_limit(
    honest: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_ADJUST_POINTS_PER_DAY", "1500")
    boris = [b for k, b in honest["bodies"] if k == "enroll"][1]["uid"]
    at = _first(honest, "sale")["at"] + 5000

    def adjust(n: int, points: int) -> dict[str, Any]:
        uid = f"adjust-{n}"
        lot = {"uid": f"lot-{n}", "points": points, "available_at": at + n, "source": "manual", "txn_uid": uid,
               "expires_at": at + n + DEMO_PROGRAM["expiry_days"] * 86_400_000}  # fmt: skip
        return {"uid": uid, "customer_uid": boris, "points": points, "reason": "goodwill", "actor": MANAGER,
                "at": at + n, "ops": [{"op": "grant", "customer": boris, "at": at + n, "lot": lot}]}  # fmt: skip

    block = {"uid": "block-1", "customer_uid": boris, "blocked": True, "at": at, "actor": MANAGER}
    results = _push(honest, [("block", block), ("adjust", adjust(1, 1000)), ("adjust", adjust(2, 1000))])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"]
    assert results[2]["code"] == "adjust_limit"
    assert _books(honest)["blocked"][boris] == 1


def test_a_till_of_another_store_refunds_a_chain_sale_but_blocks_only_with_its_own_manager(
    chain: dict[str, Any], tmp_path: Path
) -> None:
    bodies = _till_bodies(tmp_path)
    at = next(n for n, (kind, _) in enumerate(bodies) if kind == "refund")
    assert [r["status"] for r in _push(chain, bodies[:at])] == ["applied"] * at
    # Store two's till refunds store one's sale (a refund of any chain sale, sync.md promise 10).
    assert [r["status"] for r in _push(chain["other"], bodies[at : at + 1])] == ["applied"]
    assert [r["status"] for r in _push(chain, bodies[at + 1 :])] == ["applied"] * (len(bodies) - at - 1)
    boris = [b for k, b in bodies if k == "enroll"][1]["uid"]
    block = {"uid": "block-other", "customer_uid": boris, "blocked": True, "at": bodies[-1][1]["at"] + 1,
             "actor": MANAGER}  # fmt: skip
    # Store one's manager is no manager of store two.
    (refused,) = _push(chain["other"], [("block", block)])
    assert (refused["status"], refused["code"]) == ("rejected", "manager_unknown")
    assert _books(chain)["blocked"][boris] == 0 and _books(chain)["ok"]


def test_re_deriving_a_batch_takes_the_same_number_of_statements_for_10_or_30_sales(
    pg_server: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    try:
        ctx.store.init(DEMO_PROGRAM)
        ctx.catalog.import_catalog(DEMO_CATALOG, actor=SYSTEM)
        cards = [ctx.customers.enroll(f"Гость {i}", f"+7916555{i:04d}", actor=SYSTEM).card for i in range(10)]
        for i in range(50):
            # No stamp card's category: a batch then writes the same tables whatever its size.
            lines = (ctx.catalog.resolve_line("TEA", 1 + i % 3), ctx.catalog.resolve_line("CRO", 1))
            ctx.checkout.sell(SaleRequest(lines, cards[i % 10], redeem=5 if i >= 10 else None), actor=SYSTEM)
        with ctx.engine.connect() as conn:
            rows = conn.execute(select(t.outbox.c.kind, t.outbox.c.body).order_by(t.outbox.c.seq)).all()
    finally:
        ctx.close()
    bodies = [(r.kind, json.loads(r.body)) for r in rows if r.kind in ("enroll", "sale")]
    with pg_server.database() as url, _server(url) as chain:
        engine = chain["client"].app.state.engine
        # Enrollments and a first sale each (stamp cards made): then every batch moves the same kinds of rows.
        assert {r["status"] for r in _push(chain, bodies[:20])} == {"applied"}
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def counted(*_: Any) -> None:
            statements[0] += 1

        driver = sql._driver

        def straight_to_the_driver(conn: Any) -> Any:
            statements[0] += 1  # a COPY or a read of tuples goes to psycopg directly, past SQLAlchemy's events
            return driver(conn)

        monkeypatch.setattr(sql, "_driver", straight_to_the_driver)
        per_batch = []
        for batch in (bodies[20:30], bodies[30:60]):
            statements[0] = 0
            assert {r["status"] for r in _push(chain, batch)} == {"applied"}
            per_batch.append(statements[0])
        event.remove(engine, "before_cursor_execute", counted)
    assert per_batch[0] == per_batch[1]
