"""The server's customer view for the people who run the stores: the real phone, and only their stores' members.

A till pulls a phone as the chain's keyed hash and its masked form (sync.md promise 10); an admin, or a
manager of the store that enrolled or served the customer, reads the number itself (to call them back).
A manager asking about another store's member hears «no such customer», as for a phone no one has.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.demo import DEMO_PROGRAM
from server import auth
from server.main import main as server_main
from server.store import make_engine
from tests.chain_live import LiveServer, Till, live_server

LINE = "X:1:20000:coffee"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """The chain's server on SQLite (the store check is plain SQL; PostgreSQL runs it in test_cards_chain)."""
    with live_server(str(tmp_path / "server.sqlite3")) as live:
        live.admin("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        yield live


def joined(tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer, store: str) -> Till:
    """A fresh till enrolled as the only terminal of a new store, synced once."""
    till = Till(tmp_path / store, capsys)
    till.ok("init")
    till.ok("enroll", "--server", server.url, "--code", server.register(store, f"{store}-1"))
    till.ok("sync")
    return till


def manager_session(server: LiveServer, name: str, stores: list[int]) -> httpx.Client:
    """A manager's login reading these stores, as the manager screen logs in."""
    engine = make_engine(server.database)
    try:
        auth.add_admin(engine, name, "manager-secret-1", "manager", stores)
    finally:
        engine.dispose()
    http = httpx.Client(base_url=server.url, timeout=30)
    answer = http.post("/v1/admin/login", json={"name": name, "password": "manager-secret-1"})
    assert answer.is_success, answer.text
    http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return http


def store_id(server: LiveServer, name: str) -> int:
    """The server's id of a store, by its name."""
    stores = server.admin("GET", "/v1/admin/stores")["stores"]
    return int(next(s["id"] for s in stores if s["name"] == name))


def test_an_admin_and_the_stores_manager_see_the_real_phone_another_stores_manager_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer
) -> None:
    a, b = joined(tmp_path, capsys, server, "Садовая"), joined(tmp_path, capsys, server, "Арбат")
    card = a.ok("customer", "add", "--name", "Анна", "--phone", "+7 916 000-00-01")["card"]
    a.ok("sale", "--card", card, "--line", LINE)
    b.ok("customer", "add", "--name", "Борис", "--phone", "+79160000002")
    a.ok("sync")
    b.ok("sync")
    # The admin: the number itself, and beside it what the tills hold (the keyed hash, the masked form).
    anna: dict[str, Any] = server.admin("GET", "/v1/admin/customers/+79160000001")
    assert anna["phone"] == "+79160000001" and anna["name"] == "Анна"
    assert re.fullmatch(r"h:[0-9a-f]{32}:\+•{7}0001", anna["phone_till"])
    assert server.admin("GET", f"/v1/admin/customers/{card}")["phone"] == "+79160000001"
    # The same view from the server's own command line (run where the database is: an admin's).
    capsys.readouterr()
    assert server_main(["--db", server.database, "customer", card]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["phone"] == "+79160000001" and shown["phone_till"] == anna["phone_till"]
    assert server_main(["--db", server.database, "customer", "+79169999999"]) == 2
    # The till's own lookup keeps giving the till's form only.
    sadovaya, arbat = store_id(server, "Садовая"), store_id(server, "Арбат")
    with contextlib.closing(manager_session(server, "olga", [sadovaya])) as olga:
        mine = olga.get("/v1/admin/customers/+79160000001")
        assert mine.status_code == 200 and mine.json()["phone"] == "+79160000001"
        # Борис enrolled at Арбат: not Ольга's to read, answered as a phone no one has.
        theirs = olga.get("/v1/admin/customers/+79160000002")
        nobody = olga.get("/v1/admin/customers/+79169999999")
        assert theirs.status_code == nobody.status_code == 404
        assert "Борис" not in theirs.text and "phone_till" not in theirs.text
        # The rest of the admin API stays the admin's.
        assert olga.get("/v1/admin/stores").status_code == 403
    # A sale at Арбат makes Анна a member Арбат's manager may read too.
    b.ok("sync")
    b.ok("sale", "--card", card, "--line", LINE)
    b.ok("sync")
    with contextlib.closing(manager_session(server, "petr", [arbat])) as petr:
        assert petr.get("/v1/admin/customers/+79160000001").json()["phone"] == "+79160000001"
        assert petr.get("/v1/admin/customers/+79160000002").json()["phone"] == "+79160000002"
