"""The typed wire (app/core/wire.py): today's terminals' bodies pass unchanged, malformed ones are refused alike.

tests/fixtures/wire-bodies.json holds the bodies of every kind that the terminal queued before the
bodies were typed (tests/fixtures/make_wire_bodies.py, run on that code). They must validate as they
are, a terminal built now must queue the very same bytes, and a real server on SQLite and on
PostgreSQL must book them. A body whose integer is 1.5, true or "1" is refused whole with 422 on both
databases before anything is booked (a SQLite server used to store 1.5 and fail `verify` for good).
"""

from __future__ import annotations

import contextlib
import copy
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import server.auth as server_auth
from app.core import ledger, wire
from app.core import schema as t
from app.core.demo import DEMO_PROGRAM
from app.core.wallet import Lot
from server import schema as s
from server.api import create_app
from server.config import Settings
from tests.fixtures.make_wire_bodies import capture
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.server_db import fresh_server_database, pg_server_template, sqlite_server_template  # noqa: F401

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "wire-bodies.json"
ADMIN = ("admin", "wire-test-password")


def captured() -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return bodies


def test_the_fixture_holds_every_kind_and_every_operation() -> None:
    bodies = captured()
    assert {b["kind"] for b in bodies} == set(wire.BODIES)
    ops = {op["op"] for b in bodies for op in b["body"].get("ops", [])}
    assert ops == {"grant", "spend", "take_back", "stamps"}


def test_todays_bodies_validate_unchanged() -> None:
    for item in captured():
        body = copy.deepcopy(item["body"])
        assert wire.validator(item["kind"]).validate_python(body) == item["body"], item["kind"]


# Keys a sale line gained after the fixture was made (terminal schema v5, docs/wire.md "Versions"): optional,
# and sent only where they say something.
LATER_LINE_KEYS = ("coupon_discount", "stamps")


def _without_later_keys(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(bodies)
    for item in out:
        if item["kind"] == "sale":
            for line in item["body"]["lines"]:
                for key in LATER_LINE_KEYS:
                    line.pop(key, None)
    return out


def test_a_terminal_queues_the_same_bytes_as_before(tmp_path: Path) -> None:
    # The same scenario with the same ids: every body, key for key and value for value, but the keys added since.
    now = capture(tmp_path)
    assert _without_later_keys(now) == captured()
    # A coupon sale's lines (not a gift's) carry the coupon's share, which the old server replayed; no other do.
    sales = [item["body"] for item in now if item["kind"] == "sale"]
    for sale in sales:
        shares = [line.get("coupon_discount") for line in sale["lines"] if not line["is_reward"]]
        if sale["sale"].get("coupon"):
            assert None not in shares, sale["uid"]
            assert sum(shares) > 0
        else:
            assert shares == [None] * len(shares), sale["uid"]
    assert any(sale["sale"].get("coupon") for sale in sales)
    # The fixture's program has one stamp rule: no line names more than one.
    assert all("stamps" not in line for sale in sales for line in sale["lines"])


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("ops", 0, "points"), 1.5),
        (("ops", 0, "points"), True),
        (("ops", 0, "points"), "30"),
        (("sale", "total"), 1000.0),
        (("lines", 0, "qty"), 2.5),
        (("ops", 0, "op"), "bogus"),
        (("sale", "surprise"), 1),
        (("lines", 0, "amount"), 2**70),
    ],
)
def test_wrong_values_are_refused_by_the_shape(where: tuple[Any, ...], value: Any) -> None:
    sale = next(b["body"] for b in captured() if b["kind"] == "sale" and b["body"]["ops"])
    spend = copy.deepcopy(sale)
    spend["ops"] = [ledger.spend_op(sale["customer_uid"], 30, sale["at"])]
    target: Any = spend
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(wire.ValidationError):
        wire.validator("sale").validate_python(spend)


def test_a_grant_built_by_the_ledger_has_the_grant_shape() -> None:
    op = ledger.grant_op("c-1", Lot("l-1", 10, 0, 5, None, "sale", "t-1"), 5)
    assert wire.validator("adjust").validate_python(
        {"uid": "t-1", "customer_uid": "c-1", "points": 10, "reason": "r", "actor": "m", "at": 5, "ops": [op]}
    )["ops"] == [op]


# ------------------------------------------------------------------------------- a real server


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """A real server (its HTTP API) on each database, with one enrolled terminal: (client, terminal)."""
    with contextlib.ExitStack() as stack:
        # A copy of the session's database at head (tests/server_db.py), and a cheap admin hash: the
        # admin login is not under test here (argon2 at production cost is ~0.4 s of CPU per server).
        url = stack.enter_context(fresh_server_database(request, request.param, tmp_path))
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        app = create_app(Settings(database=url, admin_name=ADMIN[0], admin_password=ADMIN[1]))
        stack.callback(app.state.engine.dispose)
        client = TestClient(app)
        token = client.post("/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]}).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        store = client.post("/v1/admin/stores", json={"name": "Wire"}, headers=admin).json()["store_id"]
        # The program the fixture's terminal priced with, and its manager: the server re-derives every body
        # (sync.md promise 8) and books adjustments only for a manager of the store (promise 10).
        assert client.post("/v1/admin/program", json={"program": DEMO_PROGRAM}, headers=admin).is_success
        client.post(f"/v1/admin/stores/{store}/managers", json={"name": "manager"}, headers=admin)
        code = client.post("/v1/admin/terminals", json={"store_id": store, "name": "w"}, headers=admin).json()
        terminal = client.post("/v1/terminals/enroll", json={"code": code["code"]}).json()
        yield client, {"epoch": terminal["epoch"], "headers": {"Authorization": f"Bearer {terminal['token']}"},
                       "admin": admin}  # fmt: skip


def _push(client: TestClient, terminal: dict[str, Any], bodies: list[dict[str, Any]], first: int = 1) -> Any:
    items = [
        {"uid": b["body"].get("uid", f"catalog-{n}"), "seq": n, "kind": b["kind"], "body": b["body"]}
        for n, b in enumerate(bodies, start=first)
    ]
    return client.post("/v1/sync/push", json={"epoch": terminal["epoch"], "items": items},
                       headers=terminal["headers"])  # fmt: skip


def _booked(client: TestClient) -> dict[str, int]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (t.customers, t.sales, t.refunds, t.journal, t.lots, s.outcomes)
        }


def test_a_real_server_books_todays_bodies(server: tuple[TestClient, dict[str, Any]]) -> None:
    client, terminal = server
    answer = _push(client, terminal, captured())
    assert answer.status_code == 200, answer.text
    statuses = {(r["status"], r.get("reason")) for r in answer.json()["results"]}
    # A chain's program and catalog are managed on the server: the terminal's are refused, per item. A v1
    # block or card replacement names no manager: refused since sync.md v2 (promise 10, docs/authority.md).
    assert statuses == {
        ("applied", None),
        ("rejected", "the program of a chain is managed on the server, not on a terminal"),
        ("rejected", "the catalog of a chain is managed on the server, not on a terminal"),
        ("rejected", "a card needs a manager's approval, and none is named"),
        ("rejected", "a block needs a manager's approval, and none is named"),
    }, statuses
    assert client.get("/v1/admin/verify", headers=terminal["admin"]).json()["ok"]


def test_a_coupon_sale_from_an_older_terminal_is_booked_with_the_share_a_terminal_sends_now(
    server: tuple[TestClient, dict[str, Any]], tmp_path: Path
) -> None:
    """The fixture's bodies carry no coupon share (made before schema v5): the server replays it when booking,
    with the chain's program, and stores what a terminal built now sends on the same sale's lines."""
    client, terminal = server
    old = captured()
    program = next(b["body"] for b in old if b["kind"] == "program")
    chain = client.post("/v1/admin/program", json={"program": program["program"], "activate_at": 0},
                        headers=terminal["admin"])  # fmt: skip
    assert chain.status_code == 200, chain.text
    assert _push(client, terminal, old).status_code == 200
    now = {item["body"]["uid"]: item["body"] for item in capture(tmp_path) if item["kind"] == "sale"}
    sent = {
        (uid, idx): line.get("coupon_discount", 0)
        for uid, body in now.items()
        for idx, line in enumerate(body["lines"])
    }
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        booked = {
            (uid, int(idx)): int(share)
            for uid, idx, share in conn.execute(
                select(t.sales.c.uid, t.sale_lines.c.idx, t.sale_lines.c.coupon_discount).join(
                    t.sale_lines, t.sale_lines.c.sale_id == t.sales.c.id
                )
            )
        }
        stamps = conn.execute(select(func.count()).select_from(t.sale_line_stamps)).scalar_one()
    assert booked == sent
    assert sum(booked.values()) > 0
    # Every line with a stamp rule has its row per rule (the old bodies name one rule per line).
    assert stamps == sum(1 for body in now.values() for line in body["lines"] if line["stamp_rule"])


@pytest.mark.parametrize("value", [1.5, True, "30"], ids=["float", "bool", "string"])
def test_a_non_integer_point_count_is_refused_alike_on_both_databases(
    server: tuple[TestClient, dict[str, Any]], value: Any
) -> None:
    client, terminal = server
    bodies = captured()
    enroll = next(b for b in bodies if b["kind"] == "enroll")
    bad = copy.deepcopy(next(b for b in bodies if b["kind"] == "adjust" and b["body"]["points"] < 0))
    bad["body"]["customer_uid"] = bad["body"]["ops"][0]["customer"] = enroll["body"]["uid"]
    bad["body"]["ops"][0]["points"] = value
    before = _booked(client)
    answer = _push(client, terminal, [enroll, bad])
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith("body.items.1.adjust.body.ops.0.take_back.points: "), answer.text
    assert _booked(client) == before  # the whole push, the good enrollment too: nothing was booked
    # The terminal sends the enrollment again and it is booked; the server's books still add up.
    assert _push(client, terminal, [enroll]).json()["results"][0]["status"] == "applied"
    assert client.get("/v1/admin/verify", headers=terminal["admin"]).json()["ok"]


def test_the_published_api_describes_every_body_and_the_answer(tmp_path: Path) -> None:
    published = create_app(Settings(database=str(tmp_path / "s.sqlite3"))).openapi()
    schemas = published["components"]["schemas"]
    assert {shape.__name__ for shape in wire.BODIES.values()} <= set(schemas)
    assert {"GrantOp", "SpendOp", "TakeBackOp", "StampsOp", "PushAnswer", "PushOutcome"} <= set(schemas)
    answer = published["paths"]["/v1/sync/push"]["post"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/PushAnswer"}


def test_the_outbox_of_a_released_schema_v3_file_validates_unchanged() -> None:
    # A terminal of an older release, upgraded in place, pushes what its outbox already holds.
    old = Path(__file__).resolve().parents[2] / "fixtures" / "schema-v3.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{old}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT kind, body FROM outbox ORDER BY seq").fetchall()
    assert {kind for kind, _ in rows} >= {"enroll", "sale"}
    for kind, text in rows:
        body = json.loads(text)
        assert wire.validator(kind).validate_python(copy.deepcopy(body)) == body, kind


def test_a_take_back_after_expiry_names_what_expiry_took_and_has_the_shape() -> None:
    op = ledger.take_back_op("c-1", 10, 5, "l-1", expired=3)
    assert op["expired"] == 3 and "expired" not in ledger.take_back_op("c-1", 10, 5, "l-1")
    refund = {"uid": "r-1", "sale_uid": "s-1", "at": 5, "units": {"0": 1}, "ops": [op],
              "refund": {"money_back": 100, "points_taken_back": 10, "points_given_back": 0}}  # fmt: skip
    assert wire.validator("refund").validate_python(copy.deepcopy(refund)) == refund
    with pytest.raises(wire.ValidationError):
        wire.validator("refund").validate_python({**refund, "ops": [{**op, "expired": -1}]})
