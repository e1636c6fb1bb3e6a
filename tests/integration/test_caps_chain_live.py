"""A card's daily limit holds across the chain, from the real start: two tills driven by `loyalty-terminal`
(cli.main in-process) and the real server (uvicorn on loopback) on SQLite and PostgreSQL (fraud.md, "Daily
limits", "Across a chain"). The finer cases (the 0-point sale, an older server, the window) are in
tests/integration/sync/test_card_caps_chain.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import server.auth as server_auth
from app.core.demo import DEMO_PROGRAM
from tests.chain_live import LiveServer, Till, live_server
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.server_db import fresh_server_database, pg_server_template, sqlite_server_template  # noqa: F401

BIG = "X:1:10000000:gifts"  # 100,000 roubles of gifts: 5,000 points at the demo program's 5 %
BASKET = "X:1:300000:gifts"  # 3,000 roubles: up to 900 points may pay (30 %)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_server_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture(autouse=True)
def cheap_admin_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at a test's cost for the admin's password, which no test here is about."""
    monkeypatch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def joined(tmp_path: Path, capsys: pytest.CaptureFixture[str], server: LiveServer, name: str) -> Till:
    made = Till(tmp_path / name, capsys)
    made.ok("init")
    made.ok("enroll", "--server", server.url, "--code", server.register(f"store {name}", name))
    made.ok("sync")
    return made


def sales(t: Till) -> int:
    with sqlite3.connect(t.db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM sales").fetchone()[0])


def test_points_paid_at_one_till_are_counted_at_another_after_it_syncs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    with live_server(database) as server:
        limits = {"card_spent": {"warn": 500, "stop": 1000}}
        server.admin("POST", "/v1/admin/program", json={"program": {**DEMO_PROGRAM, "limits": limits}})
        a, b = joined(tmp_path, capsys, server, "a"), joined(tmp_path, capsys, server, "b")
        card = a.ok("customer", "add", "--name", "Анна", "--phone", "+79160000001")["card"]
        assert a.ok("sale", "--card", card, "--line", BIG)["earned"] > 2000
        a.ok("sync")
        b.ok("sync")  # B knows the card and its points
        paid = a.ok("sale", "--card", card, "--line", BASKET, "--redeem", "600")
        assert [w["code"] for w in paid["warnings"]] == ["warn_card_spent"]
        # B has not synced since: it counts what it knows (its own sales, none), and would let 600 more pay.
        quoted = b.ok("sale", "--card", card, "--line", BASKET, "--redeem", "600", "--quote")
        assert [w["code"] for w in quoted["warnings"]] == ["warn_card_spent"]
        a.ok("sync")
        b.ok("sync")
        before = sales(b)
        code, said = b.run("sale", "--card", card, "--line", BASKET, "--redeem", "600")
        assert code == 2 and said["error"] == f"card {card} would pay 1200 today; the program allows 1000"
        assert sales(b) == before
        done = b.ok("sale", "--card", card, "--line", BASKET, "--redeem", "400")
        assert [w["reason"] for w in done["warnings"]] == [
            f"card {card} pays 1000 today (more than 500): check the customer"
        ]
        b.ok("sync")
        a.ok("sync")
        code, said = a.run("sale", "--card", card, "--line", BASKET, "--redeem", "1", "--quote")
        assert code == 2 and "would pay 1001 today" in said["error"]
