"""One card everywhere, programs from the chain, bounded time on the server (sync.md promises 11, 12, 13).

Through the real command line in-process and the real server (uvicorn on loopback), on a SQLite and a
PostgreSQL server database: the server stores card keys, card ranges and quarantined cards.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

import server.auth as server_auth
from app.core.demo import DEFAULT_PROGRAM, DEMO_PROGRAM
from app.core.identity import card_number
from app.core.timeutil import iso, now_ms
from app.sync import service as sync_service
from server import cards as server_cards
from server.main import main as server_main
from tests.chain_live import LiveServer, Till, live_server
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.server_db import fresh_server_database, pg_server_template, sqlite_server_template  # noqa: F401

LINE = "X:1:20000:coffee"  # 200 roubles of coffee, a free-price line (no catalog needed)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new server database of each kind, at the newest schema (a copy of the session's: tests/server_db.py)."""
    with fresh_server_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture(autouse=True)
def cheap_admin_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost (~0.2 s of CPU to hash, as much to verify) for the admin's password, which no
    test here is about: each server start hashes it and the admin logs in once."""
    monkeypatch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def server(database: str) -> Iterator[LiveServer]:
    """The chain's server, with the demo program as the chain's."""
    with live_server(database) as live:
        live.admin("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        yield live


def till(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> Till:
    """A fresh terminal database."""
    made = Till(tmp_path / name, capsys)
    made.ok("init")
    return made


def joined(tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer, name: str) -> Till:
    """A fresh terminal enrolled with the server (a store of its own name) and synced once."""
    made = till(tmp_path, capsys, name)
    made.ok("enroll", "--server", server.url, "--code", server.register(f"store {name}", name))
    made.ok("sync")
    return made


def customer(t: Till, phone: str, *more: str) -> dict[str, Any]:
    return t.ok("customer", "add", "--name", f"Customer {phone[-4:]}", "--phone", phone, *more)


# ----------------------------------------------------------------------------- one card everywhere


def test_a_card_qr_printed_on_one_till_is_read_offline_on_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    with live_server(database) as server:
        server.admin("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        a, b = joined(tmp_path, capsys, server, "a"), joined(tmp_path, capsys, server, "b")
        anna = customer(a, "+79160000001")
        a.ok("sync")
        b.ok("sync")
    # The server is gone: B reads A's card QR with the chain key it was given at enrollment.
    payload = _qr_of(a, anna["card"])
    assert payload.count(":") == 3  # LT1:<card>:<mac>:<key id>
    assert b.ok("customer", "show", payload)["name"] == "Customer 0001"
    assert b.ok("sale", "--card", payload, "--line", LINE)["earned"] > 0
    parts = payload.split(":")
    parts[2] = ("B" if parts[2][0] == "A" else "A") + parts[2][1:]
    code, said = b.run("customer", "show", ":".join(parts))
    assert code == 2 and "forged" in said["error"]


def _info(t: Till, who: str) -> Any:
    """The customer as the till's screens get her (CustomerInfo)."""
    from app.bootstrap import bootstrap

    ctx = bootstrap(t.db)
    try:
        return ctx.customers.customer(who)
    finally:
        ctx.close()


def _qr_of(t: Till, card: str) -> str:
    """The card's QR payload as the till prints it (the enrolment result and the customer card carry it)."""
    from app.bootstrap import bootstrap

    ctx = bootstrap(t.db)
    try:
        return ctx.customers.customer(card).qr
    finally:
        ctx.close()


def test_a_rotated_key_keeps_printed_cards_working_and_a_till_without_it_says_sync(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a, b = joined(tmp_path, capsys, server, "a"), joined(tmp_path, capsys, server, "b")
    old = customer(a, "+79160000001")
    old_qr = _qr_of(a, old["card"])
    rotated = server.admin("POST", "/v1/admin/cards/rotate-key")
    assert rotated["kept"] == [rotated["current"], int(old_qr.rsplit(":", 1)[1])]
    a.ok("sync")
    new = customer(a, "+79160000002")
    new_qr = _qr_of(a, new["card"])
    assert new_qr.rsplit(":", 1)[1] == str(rotated["current"])
    a.ok("sync")
    code, said = b.run("customer", "show", new_qr)  # B has not synced since the rotation
    assert code == 2 and f"chain key {rotated['current']}" in said["error"] and "sync" in said["error"]
    b.ok("sync")
    assert b.ok("customer", "show", new_qr)["name"] == "Customer 0002"
    assert b.ok("customer", "show", old_qr)["name"] == "Customer 0001"  # printed before the rotation: still read
    # The server's own command rotates too; two rotations later the first key is no longer kept.
    assert server_main(["--db", server.database, "cards", "rotate-key"]) == 0
    b.ok("sync")
    code, said = b.run("customer", "show", old_qr)
    assert code == 2 and "does not hold" in said["error"]
    assert b.ok("customer", "show", old["card"])["name"] == "Customer 0001"  # the number still works


def test_card_numbers_come_from_server_ranges_and_a_till_without_numbers_refuses_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_cards, "RANGE_SIZE", 3)
    monkeypatch.setattr(sync_service, "CARD_RANGE_LOW", 1)  # ask for more only when none is left
    a, b = joined(tmp_path, capsys, server, "a"), joined(tmp_path, capsys, server, "b")
    issued_a = [customer(a, f"+7916000000{i}")["card"] for i in range(3)]
    issued_b = [customer(b, f"+7916000001{i}")["card"] for i in range(3)]
    base = 500_000_000
    assert issued_a == [card_number(base + n) for n in (1, 2, 3)]  # a's range, then b's: none shared
    assert issued_b == [card_number(base + n) for n in (4, 5, 6)]
    code, said = a.run("customer", "add", "--name", "Fourth", "--phone", "+79160000004")
    assert code == 2 and "no card numbers are left" in said["error"] and "sync" in said["error"]
    assert a.ok("customer", "add", "--name", "Fourth", "--phone", "+79160000004", "--card", "PRE-0001")["card"]
    report = a.ok("sync")
    assert report["card_numbers_left"] == 3
    assert customer(a, "+79160000005")["card"] == card_number(base + 7)
    assert [r["terminal_id"] for r in _ranges(server)] == [1, 2, 1]


def _ranges(server: LiveServer) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from server import schema as s
    from server.store import make_engine

    engine = make_engine(server.database)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(s.card_ranges).order_by(s.card_ranges.c.id))]
    finally:
        engine.dispose()


def test_a_preprinted_card_issued_twice_offline_keeps_both_customers_and_their_sales(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a, b = joined(tmp_path, capsys, server, "a"), joined(tmp_path, capsys, server, "b")
    anna = customer(a, "+79160000001", "--card", "PRE-0042")  # both tills offline: each issues the printed card
    boris = customer(b, "+79160000002", "--card", "PRE-0042")
    sale_a = a.ok("sale", "--card", "PRE-0042", "--line", LINE)
    sale_b = b.ok("sale", "--card", "PRE-0042", "--line", LINE)
    assert a.ok("sync")["quarantined"] == []
    code, report = b.run("sync")
    assert code == 1, report  # done, but something for the manager: `sync` says so
    assert len(report["quarantined"]) == 1 and "PRE-0042" in report["quarantined"][0] and report["rejected"] == []
    assert b.run("sync")[0] == 0  # nothing new the second time
    # Both customers and both sales are on the server; the card stays with the first one.
    first = server.admin("GET", "/v1/admin/customers/+79160000001")
    second = server.admin("GET", "/v1/admin/customers/+79160000002")
    assert first["cards"] == ["PRE-0042"] and second["cards"] == []
    booked = {c["uid"]: sum(lot["remaining"] for lot in c["lots"]) for c in (first, second)}
    assert list(booked.values()) == [anna["granted"] + sale_a["earned"], boris["granted"] + sale_b["earned"]]
    listed = server.admin("GET", "/v1/admin/cards/quarantine")["quarantined"]
    assert [(q["card"], q["customer_uid"], q["holder_uid"], q["kind"]) for q in listed] == [
        ("PRE-0042", second["uid"], first["uid"], "enroll")
    ]
    capsys.readouterr()
    assert server_main(["--db", server.database, "cards", "quarantine"]) == 0
    assert [q["card"] for q in json.loads(capsys.readouterr().out)["quarantined"]] == ["PRE-0042"]
    assert server.admin("GET", "/v1/admin/verify")["ok"] is True
    # On B the card now finds the customer who holds it; Boris is found by his phone, his points intact.
    assert b.ok("customer", "show", "PRE-0042")["name"] == "Customer 0001"
    assert b.ok("customer", "show", "+79160000002")["available"] == boris["granted"] + sale_b["earned"]
    assert b.ok("verify")["ok"] is True


def test_sync_exits_non_zero_and_says_so_when_something_was_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a = joined(tmp_path, capsys, server, "a")
    card = customer(a, "+79160000001")["card"]
    ahead = iso(now_ms() + 3 * 3_600_000)  # a history import may date ahead on the till; the server refuses it
    a.ok("sale", "--card", card, "--line", LINE, "--at", ahead, "--import-history")
    code = _main_text(a, capsys, "sync")
    assert code[0] == 1 and "rejected 1" in code[1] and "ahead of the server's clock" in code[1]
    assert "rejected or quarantined" in code[2]


def _main_text(t: Till, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from app.cli import main

    status = main([*args, "--db", str(t.db)])
    out = capsys.readouterr()
    return status, out.out, out.err


# ----------------------------------------------------------------------------- programs come from the chain


def test_program_set_on_an_enrolled_terminal_is_refused_and_it_prices_with_the_chains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a = joined(tmp_path, capsys, server, "a")
    own = tmp_path / "own.json"
    own.write_text(json.dumps({**DEMO_PROGRAM, "name": "Local", "category_multipliers": {"coffee": "5"}}))
    code, said = a.run("program", "set", str(own))
    assert code == 2 and "comes from the chain's server" in said["error"]
    assert a.ok("program", "show")["program"]["name"] == DEMO_PROGRAM["name"]
    card = customer(a, "+79160000001")["card"]
    chains = till(tmp_path, capsys, "same-as-chain")  # a standalone till with the chain's program, to compare
    (tmp_path / "chain.json").write_text(json.dumps(DEMO_PROGRAM))
    chains.ok("program", "set", str(tmp_path / "chain.json"))
    other = customer(chains, "+79160000001")["card"]
    quote = a.ok("sale", "--card", card, "--line", LINE, "--quote")
    same = chains.ok("sale", "--card", other, "--line", LINE, "--quote")
    priced = ("subtotal", "discount", "total", "earned", "tier", "lines")
    assert {k: quote[k] for k in priced} == {k: same[k] for k in priced} and quote["earned"] > 0


def test_a_standalone_store_joining_a_chain_must_choose_and_adopt_keeps_its_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    shop = till(tmp_path, capsys, "shop")  # a store of its own: the default program, a customer, a sale
    card = customer(shop, "+79160000009")["card"]
    shop.ok("sale", "--card", card, "--line", LINE)
    code = server.register("shop", "shop-1")
    refused, said = shop.run("enroll", "--server", server.url, "--code", code)
    assert refused == 2 and "differs from the chain's" in said["error"] and "--adopt" in said["error"]
    assert shop.ok("sync", "--status")["configured"] is False  # nothing of the chain was kept
    shop.ok("enroll", "--server", server.url, "--code", code, "--adopt")  # the same code: it was not spent
    assert shop.ok("program", "show")["program"]["name"] == DEMO_PROGRAM["name"]
    report = shop.ok("sync")  # its own programs, queued before it joined, are refused as expected: no alarm
    assert report["rejected"] == [] and report["pushed"] >= 3
    assert shop.ok("customer", "show", card)["name"] == "Customer 0009"


def _standalone_joined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> tuple[Till, str, list[dict[str, Any]]]:
    """A store of its own (the default program, a customer, a 200-rouble sale) that joined with --adopt and has
    not synced: the till, the card, and its queued items (seq, uid, kind, body) as it will push them."""
    shop = till(tmp_path, capsys, "shop")
    card = customer(shop, "+79160000009")["card"]
    shop.ok("sale", "--card", card, "--line", LINE)
    shop.ok("enroll", "--server", server.url, "--code", server.register("shop", "shop-1"), "--adopt")
    with contextlib.closing(sqlite3.connect(shop.db)) as conn:
        rows = conn.execute("SELECT seq, uid, kind, body FROM outbox ORDER BY seq").fetchall()
    return (
        shop,
        card,
        [{"seq": seq, "uid": uid, "kind": kind, "body": json.loads(body)} for seq, uid, kind, body in rows],
    )


def _push_by_hand(server: LiveServer, t: Till, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Push items with the till's own token, past its software: each outcome by uid."""
    import httpx

    with contextlib.closing(sqlite3.connect(t.db)) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    answer = httpx.post(f"{server.url}/v1/sync/push", json={"epoch": int(meta["epoch"]), "items": items},
                        headers={"Authorization": f"Bearer {meta['token']}"}).json()  # fmt: skip
    return {r["uid"]: r for r in answer["results"]}


def _inflated(body: dict[str, Any], points: int) -> dict[str, Any]:
    """A sale body whose grant claims `points`."""
    forged = json.loads(json.dumps(body))
    forged["sale"]["earned"] = points
    forged["ops"][0]["lot"]["points"] = points
    return forged


def test_a_joining_stores_history_follows_its_own_program_and_nothing_after_the_join_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    shop, card, queued = _standalone_joined(tmp_path, capsys, server)
    with contextlib.closing(sqlite3.connect(shop.db)) as conn:
        joined_seq = int(conn.execute("SELECT value FROM meta WHERE key = 'joined_seq'").fetchone()[0])
    assert joined_seq == queued[-1]["seq"]  # everything it queued is its history
    # The admin sees what the store priced its history with, and which of its items that covers.
    (own,) = server.admin("GET", "/v1/admin/programs/joined")["joined"]
    assert own["program"]["name"] == DEFAULT_PROGRAM["name"] != DEMO_PROGRAM["name"]
    assert (own["choice"], own["joined_seq"]) == ("adopt", joined_seq)
    report = shop.ok("sync")
    assert report["rejected"] == []
    held = server.admin("GET", f"/v1/admin/customers/{card}")
    sold = next(i["body"] for i in queued if i["kind"] == "sale")
    assert sold["sale"]["earned"] > 0 and [lot["points"] for lot in held["lots"]] == [sold["sale"]["earned"]]
    assert shop.ok("customer", "show", card)["available"] == sum(lot["remaining"] for lot in held["lots"]) > 0
    # After the join the old program prices nothing: neither a sale dated after it, nor one dated before it
    # but sequenced after the history the store declared (a token replaying its history with new ids).
    with contextlib.closing(sqlite3.connect(shop.db)) as conn:
        last = int(conn.execute("SELECT max(seq) FROM outbox").fetchone()[0])
    late = {**sold, "uid": "late-old-program", "at": now_ms()}
    again = {**sold, "uid": "again-old-program"}
    for body in (late, again):
        lot = {**sold["ops"][0]["lot"], "uid": body["uid"] + "-lot", "txn_uid": body["uid"], "available_at": body["at"]}
        body["ops"] = [{**sold["ops"][0], "at": body["at"], "lot": lot}]
        body["sale"] = {**sold["sale"], "earned_lot_uid": body["uid"] + "-lot"}
    outcomes = _push_by_hand(server, shop, [{"uid": b["uid"], "seq": last + n, "kind": "sale", "body": b}
                                            for n, b in enumerate((late, again), 1)])  # fmt: skip
    assert [outcomes[u]["status"] for u in (late["uid"], again["uid"])] == ["rejected", "rejected"]
    assert all(outcomes[u]["code"] == "figures_mismatch" for u in (late["uid"], again["uid"])), outcomes
    # Refused for the chain's rules, which price that basket otherwise (not for its shape).
    assert all(f"sale.earned is {sold['sale']['earned']}, the rules give" in outcomes[u]["reason"] for u in outcomes)
    assert server.admin("GET", f"/v1/admin/customers/{card}")["lots"] == held["lots"]  # nothing booked


def test_a_forged_item_of_a_joining_stores_history_is_still_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    shop, card, queued = _standalone_joined(tmp_path, capsys, server)
    sale = next(i for i in queued if i["kind"] == "sale")
    honest_points = sale["body"]["sale"]["earned"]
    forged = [{**i, "body": _inflated(i["body"], 100 * honest_points)} if i is sale else i for i in queued]
    outcomes = _push_by_hand(server, shop, forged)  # its own history, the sale's points inflated
    enrolled = next(i["uid"] for i in queued if i["kind"] == "enroll")
    assert outcomes[enrolled]["status"] == "applied"
    assert outcomes[sale["uid"]]["status"] == "rejected" and outcomes[sale["uid"]]["code"] == "figures_mismatch"
    assert server.admin("GET", f"/v1/admin/customers/{card}")["lots"] == []  # nothing of it booked
    rejected = server.admin("GET", "/v1/admin/rejections")["rejections"]
    assert [r["uid"] for r in rejected if r["code"] == "figures_mismatch"] == [sale["uid"]]


def test_a_store_that_changed_its_program_before_joining_keeps_the_sales_of_each_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    shop = till(tmp_path, capsys, "shop")
    card = customer(shop, "+79160000009")["card"]
    first = shop.ok("sale", "--card", card, "--line", LINE)["earned"]
    richer = {**DEFAULT_PROGRAM, "name": "Richer", "tiers": [{**DEFAULT_PROGRAM["tiers"][0], "earn_rate_pct": "15"}]}
    path = tmp_path / "richer.json"
    path.write_text(json.dumps(richer))
    shop.ok("program", "set", str(path))
    second = shop.ok("sale", "--card", card, "--line", LINE)["earned"]
    assert second == 3 * first  # priced with the second version
    shop.ok("enroll", "--server", server.url, "--code", server.register("shop", "shop-1"), "--adopt")
    names = {j["program"]["name"] for j in server.admin("GET", "/v1/admin/programs/joined")["joined"]}
    assert names == {DEFAULT_PROGRAM["name"], "Richer"}
    assert shop.ok("sync")["rejected"] == []
    held = server.admin("GET", f"/v1/admin/customers/{card}")
    assert sorted(lot["points"] for lot in held["lots"]) == [first, second]


def test_a_store_seeds_a_chain_without_a_program_and_the_next_one_adopts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    own = {**DEFAULT_PROGRAM, "name": "Seeded from the first shop"}
    with live_server(database) as server:
        first = till(tmp_path, capsys, "first")
        path = tmp_path / "own.json"
        path.write_text(json.dumps(own))
        first.ok("program", "set", str(path))
        customer(first, "+79160000001")
        code = server.register("first", "first-1")
        refused, said = first.run("enroll", "--server", server.url, "--code", code, "--adopt")
        assert refused == 2 and "no program to adopt" in said["error"] and "--seed-program" in said["error"]
        refused, said = first.run("enroll", "--server", server.url, "--code", code)
        assert refused == 2 and "has no program yet" in said["error"]
        first.ok("enroll", "--server", server.url, "--code", code, "--seed-program")
        assert server.admin("GET", "/v1/admin/program")["program"]["name"] == own["name"]
        assert first.ok("program", "show")["program"]["name"] == own["name"]
        second = till(tmp_path, capsys, "second")
        second.ok("program", "set", str(path))
        customer(second, "+79160000002")
        other = server.register("second", "second-1")
        refused, said = second.run("enroll", "--server", server.url, "--code", other, "--seed-program")
        assert refused == 2 and "already has a program" in said["error"]
        second.ok("enroll", "--server", server.url, "--code", other)  # the same program: no choice to make
        code_both = main_both(second)
        assert code_both == 2


def main_both(t: Till) -> int:
    """--adopt and --seed-program together are a usage error (argparse)."""
    from app.cli import main

    try:
        return main(["enroll", "--server", "http://x", "--code", "C", "--adopt", "--seed-program", "--db", str(t.db)])
    except SystemExit as exc:
        return int(exc.code or 0)


# ----------------------------------------------------------------------------- time on the server


def test_a_push_dated_ahead_of_the_servers_clock_is_rejected_and_books_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a = joined(tmp_path, capsys, server, "a")
    ahead = iso(now_ms() + 24 * 3_600_000)
    customer(a, "+79160000001", "--at", ahead, "--import-history")
    code, report = a.run("sync")
    assert code == 1 and len(report["rejected"]) == 1 and "ahead of the server's clock" in report["rejected"][0]
    with pytest.raises(AssertionError):
        server.admin("GET", "/v1/admin/customers/+79160000001")  # nothing of it was booked
    within = iso(now_ms() + 60_000)  # a minute ahead: within the tolerance
    customer(a, "+79160000002", "--at", within)
    assert a.run("sync")[0] == 0
    assert server.admin("GET", "/v1/admin/customers/+79160000002")["enrolled_at"] <= now_ms() + 120_000


def test_the_first_run_wizard_seeds_a_chain_without_a_program_and_the_next_store_prices_with_it(
    tmp_path: Path, database: str
) -> None:
    from app.core.templates import template
    from app.ui.wizard.creation import StorePlan, create_store, enroll_staging

    with live_server(database) as server:
        made = []
        for name, chosen in (("first", "points"), ("second", "tiers")):
            path = tmp_path / name / "terminal.sqlite3"
            path.parent.mkdir()
            enroll_staging(path, server.url, server.register(name, f"{name}-1"))
            plan = StorePlan(name, program=chosen, manager_name="Olga", manager_pin="2468", server_url=server.url)
            ctx = create_store(path, plan)
            try:
                made.append(ctx.programs.program()[1].raw["name"])
            finally:
                ctx.close()
        chain = server.admin("GET", "/v1/admin/program")["program"]["name"]
    # The first store's template became the chain's program; the second store's template was not used.
    assert made == [template("points").program["name"]] * 2 == [chain] * 2


def test_one_person_enrolled_twice_with_one_card_merges_and_nothing_is_quarantined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a, b = joined(tmp_path, capsys, server, "a"), joined(tmp_path, capsys, server, "b")
    customer(a, "+79160000001", "--card", "PRE-0007")
    customer(b, "+79160000001", "--card", "PRE-0007")  # the same person, at the other store, offline
    assert a.run("sync")[0] == 0
    code, report = b.run("sync")
    assert code == 0 and report["quarantined"] == [] and report["rejected"] == []
    # One customer, found by her card and by her phone; a till holds the phone as the chain's keyed hash and its
    # masked form (sync.md promise 10), never the number (the admin's view shows both: phone_till is the till's).
    held = server.admin("GET", "/v1/admin/customers/PRE-0007")
    assert server.admin("GET", "/v1/admin/customers/+79160000001")["uid"] == held["uid"]
    assert re.fullmatch(r"h:[0-9a-f]{32}:\+•{7}0001", held["phone_till"]) and held["phone"] == "+79160000001"
    assert server.admin("GET", "/v1/admin/cards/quarantine")["quarantined"] == []
    for t in (a, b):
        t.ok("sync")
        assert t.ok("customer", "show", "+79160000001")["card"] == "PRE-0007"  # found offline by the keyed hash
        shown = _info(t, "+79160000001")
        assert shown.phone == shown.phone_masked == "+•••••••0001"  # what the till's screens show
        with contextlib.closing(sqlite3.connect(t.db)) as conn:  # and what it keeps: the pulled form
            assert conn.execute("SELECT phone FROM customers WHERE id = ?", (shown.customer_id,)).fetchone() == (
                held["phone_till"],
            )


def test_a_program_an_older_release_stored_on_an_enrolled_till_is_not_priced_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:

    a = joined(tmp_path, capsys, server, "a")
    local = {**DEMO_PROGRAM, "name": "Local after enrolling"}
    with contextlib.closing(sqlite3.connect(a.db)) as conn, conn:
        # What `program set` did on an enrolled till before: a version of its own, queued for the server.
        conn.execute(
            "INSERT INTO programs (uid, body, activate_at, created_at) VALUES ('local-1', ?, 0, 1)",
            (json.dumps(local),),
        )
        conn.execute(
            "INSERT INTO outbox (uid, kind, body, created_at, acked) VALUES ('local-1', 'program', ?, 1, 0)",
            (json.dumps({"uid": "local-1", "program": local, "activate_at": 0}),),
        )
    assert a.ok("program", "show")["program"]["name"] == DEMO_PROGRAM["name"]
    code, report = a.run("sync")  # the server refuses it, and says so
    assert code == 1 and "managed on the server" in report["rejected"][0]
    assert a.ok("program", "show")["program"]["name"] == DEMO_PROGRAM["name"]


def test_a_forged_push_dated_ahead_moves_no_customers_clock_and_honest_items_in_the_batch_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:

    import httpx

    a = joined(tmp_path, capsys, server, "a")
    customer(a, "+79160000001")
    a.ok("sync")
    before = server.admin("GET", "/v1/admin/customers/+79160000001")
    with contextlib.closing(sqlite3.connect(a.db)) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        seq = int(conn.execute("SELECT max(seq) FROM outbox").fetchone()[0])
    # A block is booked only with a registered manager of the terminal's store named (sync.md promise 10):
    # both name one, so the first is refused for its date alone and the second is honest.
    store_id = server.admin("POST", "/v1/admin/stores", json={"name": "store a"})["store_id"]
    server.admin("POST", f"/v1/admin/stores/{store_id}/managers", json={"name": "Manager Anna"})
    now = now_ms()
    items = [
        {"uid": "forged-ahead", "seq": seq + 1, "kind": "block",
         "body": {"uid": "forged-ahead", "customer_uid": before["uid"], "blocked": True, "at": now + 86_400_000,
                  "actor": "Manager Anna"}},
        {"uid": "honest-now", "seq": seq + 2, "kind": "block",
         "body": {"uid": "honest-now", "customer_uid": before["uid"], "blocked": False, "at": now,
                  "actor": "Manager Anna"}},
    ]  # fmt: skip
    answer = httpx.post(f"{server.url}/v1/sync/push", json={"epoch": int(meta["epoch"]), "items": items},
                        headers={"Authorization": f"Bearer {meta['token']}"}).json()  # fmt: skip
    assert [r["status"] for r in answer["results"]] == ["rejected", "applied"]
    assert "ahead of the server's clock" in answer["results"][0]["reason"]
    after = server.admin("GET", "/v1/admin/customers/+79160000001")
    assert after["blocked"] == 0 and before["last_op_at"] <= after["last_op_at"] <= now_ms()
