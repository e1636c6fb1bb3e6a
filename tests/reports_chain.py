"""A small chain for the chain-reports tests: two stores, one terminal each, a March of hand-counted sales.

The program is tests/integration/test_reports.py's (10 % earned as points, 100 welcome points, 1 point = 1 ₽).
Everything goes through the real services: the admin API registers the stores and terminals, each
terminal enrolls with its one-time code, sells with explicit times, and syncs with the server.
Times are Moscow local (UTC+3).

Садовая (terminal "Садовая-1", cashier Иван):
  1 Mar 10:00  Анна enrolls: 100 welcome points
  2 Mar 12:00  Анна, tea 200 ₽: earns 20
  3 Mar 09:00  anonymous, 2 juices 300 ₽
  5 Mar 12:00  Анна, cake 300 ₽ paying 100 points: paid 200 ₽, earns 20
  6 Mar 10:00  one juice of the 3 March sale refunded: 150 ₽ back
  → 3 sales (2 with a card), 700 ₽ paid, 150 ₽ back, revenue 550 ₽; issued 140, redeemed 100;
    1 new member, 1 active card (Анна)

Арбат (terminal "Арбат-1", cashier Мария):
  4 Mar 11:00  Борис enrolls: 100 welcome points
  4 Mar 11:05  Борис, coffee 250 ₽: earns 25
  10 Mar 15:00 Анна (her card from Садовая), tea 200 ₽: earns 20
  12 Mar 09:00 anonymous, bun 100 ₽
  → 3 sales (2 with a card), 550 ₽, revenue 550 ₽; issued 145, redeemed 0; 1 new member,
    2 active cards (Борис, Анна)

The chain: 6 sales, 4 with a card, revenue 1100 ₽, issued 285, redeemed 100, 2 new members and
2 active cards (Анна bought in both stores: active cards do not add up across stores).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import server.auth as server_auth
from app.bootstrap import Context, bootstrap
from app.core.services.reports import Period, ReportsService, Scope
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.sync.service import SyncService
from server.api import create_app
from server.config import Settings
from server.store import make_engine
from tests.chain_live import LiveServer, live_server
from tests.integration.test_reports import MSK, PROGRAM, ms

MARCH = Period.local_days(date(2025, 3, 1), date(2025, 3, 31), MSK)
MARCH_DAYS = {"first": "2025-03-01", "last": "2025-03-31"}
STORES = ("Садовая", "Арбат")
ADMIN = ("admin", "reports-secret")
SERVER_URL = "http://chain.test"


@dataclass
class ChainTerminal:
    """One enrolled terminal of the chain."""

    store: str
    name: str
    ctx: Context
    sync: SyncService


def admin_setup(http: httpx.Client, admin: dict[str, str]) -> dict[str, str]:
    """Publish the program and register both stores with a terminal each; returns terminal name → code."""
    assert http.post("/v1/admin/program", json={"program": PROGRAM}, headers=admin).is_success
    codes = {}
    for store in STORES:
        store_id = http.post("/v1/admin/stores", json={"name": store}, headers=admin).json()["store_id"]
        answer = http.post("/v1/admin/terminals", json={"store_id": store_id, "name": f"{store}-1"}, headers=admin)
        codes[f"{store}-1"] = answer.json()["code"]
    return codes


def open_terminal(
    folder: Path, store: str, server_url: str, code: str, transport: httpx.BaseTransport | None = None
) -> ChainTerminal:
    """A fresh terminal database enrolled with the server and synced once (it has the program then)."""
    folder.mkdir(parents=True, exist_ok=True)
    ctx = bootstrap(folder / "terminal.sqlite3", create=True)
    ctx.store.init()
    sync = SyncService(ctx.engine, transport=transport)
    sync.enroll(server_url, code, actor=SYSTEM)
    sync.sync_once()
    return ChainTerminal(store, f"{store}-1", ctx, sync)


def _sale(
    term: ChainTerminal,
    when: str,
    lines: list[tuple[str, int, int, str]],
    card: str | None,
    cashier: str,
    redeem: int | None = None,
) -> int:
    basket = tuple(term.ctx.catalog.resolve_line(sku, qty, price, category) for sku, qty, price, category in lines)
    result = term.ctx.checkout.sell(
        SaleRequest(basket, card=card, redeem=redeem, at=ms(when), cashier=cashier), actor=SYSTEM
    )
    assert result.sale_id is not None
    return result.sale_id


def sell_march(sadovaya: ChainTerminal, arbat: ChainTerminal) -> dict[str, str]:
    """The operations of the module docstring, synced as a chain syncs; returns the cards by name."""
    anna = sadovaya.ctx.customers.enroll("Анна Иванова", "+79160000001", at=ms("2025-03-01 10:00"), actor=SYSTEM).card
    _sale(sadovaya, "2025-03-02 12:00", [("tea", 1, 20000, "tea")], anna, "Иван")
    juice = _sale(sadovaya, "2025-03-03 09:00", [("juice", 2, 15000, "drinks")], None, "Иван")
    _sale(sadovaya, "2025-03-05 12:00", [("cake", 1, 30000, "bakery")], anna, "Иван", redeem=100)
    sadovaya.ctx.checkout.refund(juice, {0: 1}, at=ms("2025-03-06 10:00"), cashier="Иван", actor=SYSTEM)
    sadovaya.sync.sync_once()
    arbat.sync.sync_once()  # Арбат learns Анна's card
    boris = arbat.ctx.customers.enroll("Борис Петров", "+79160000002", at=ms("2025-03-04 11:00"), actor=SYSTEM).card
    _sale(arbat, "2025-03-04 11:05", [("coffee", 1, 25000, "coffee")], boris, "Мария")
    _sale(arbat, "2025-03-10 15:00", [("tea", 1, 20000, "tea")], anna, "Мария")
    _sale(arbat, "2025-03-12 09:00", [("bun", 1, 10000, "bakery")], None, "Мария")
    arbat.sync.sync_once()
    sadovaya.sync.sync_once()
    return {"Анна": anna, "Борис": boris}


PLANTED_FLAGS = (("card_terminals", "Борис", "2025-03-14"), ("staff_card", "Борис", "2025-03-16"))


def plant_flags(
    sadovaya: ChainTerminal, arbat: ChainTerminal, cards: dict[str, str], http: Any, admin: dict[str, str]
) -> Any:
    """Fraud for the chain's flags (PLANTED_FLAGS): Борис's card at Арбат and, four minutes later, at Садовая
    on 14 March; Мария rings his card up four times on 16 March, and the admin gives Мария his phone as her own
    (a staff card). Анна buys on 20 March in Садовая (honest). Synced; `http` is the admin's client (httpx or
    a TestClient) and `admin` its headers. Returns the server's answer to the staff phone."""
    sadovaya.sync.sync_once()  # Садовая learns Борис's card
    boris = cards["Борис"]
    _sale(arbat, "2025-03-14 12:00", [("tea", 1, 20000, "tea")], boris, "Мария")
    _sale(sadovaya, "2025-03-14 12:04", [("tea", 1, 20000, "tea")], boris, "Иван")
    _sale(sadovaya, "2025-03-20 12:00", [("tea", 1, 20000, "tea")], cards["Анна"], "Иван")
    for hour in (10, 12, 14, 16):  # Мария rings up Борис's card for customers without one
        _sale(arbat, f"2025-03-16 {hour}:00", [("tea", 1, 20000, "tea")], boris, "Мария")
    arbat.sync.sync_once()
    sadovaya.sync.sync_once()
    phone = {"name": "Мария", "phone": "+7 916 000-00-02"}
    answer = http.put("/v1/admin/staff-phones", json=phone, headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


@dataclass
class Chain:
    """The server app (in process), its database's ReportsService, the tokens and the terminals."""

    client: TestClient
    service: ReportsService
    admin: dict[str, str]
    terminal: dict[str, str]  # the Садовая terminal's token (reads no report by itself)
    terminals: list[ChainTerminal]
    cards: dict[str, str]

    @property
    def transport(self) -> httpx.BaseTransport:
        """The in-process transport to the server app (what a terminal's client is given)."""
        transport: httpx.BaseTransport = self.client._transport
        return transport

    def get(self, part: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        """GET /v1/reports/<part> as the admin (or with other headers)."""
        headers = self.admin if headers is None else headers
        return self.client.get(f"/v1/reports/{part}", params=params, headers=headers)


@contextlib.contextmanager
def running_chain(folder: Path, database: str) -> Iterator[Chain]:
    """The server app on a database (a SQLite path or a PostgreSQL URL) and the two terminals, March sold."""
    with contextlib.ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        # argon2 at production cost would dominate; the admin login is not what is under test.
        patch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        app = create_app(Settings(database=database, admin_name=ADMIN[0], admin_password=ADMIN[1]))
        stack.callback(app.state.engine.dispose)
        client = TestClient(app, base_url=SERVER_URL)
        token = client.post("/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]}).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        codes = admin_setup(client, admin)
        terminals = []
        for name, code in codes.items():
            term = open_terminal(folder / name, name.split("-")[0], SERVER_URL, code, client._transport)
            stack.callback(term.ctx.close)
            terminals.append(term)
        cards = sell_march(*terminals)
        token_of_sadovaya = terminals[0].sync._meta("token")
        yield Chain(
            client,
            ReportsService(app.state.engine, scope=Scope.CHAIN),
            admin,
            {"Authorization": f"Bearer {token_of_sadovaya}"},
            terminals,
            cards,
        )


MANAGER = ("olga-arbat", "manager-secret")  # a manager's login to the server that reads Арбат only


@dataclass
class LiveChain:
    """The live server, both terminals (Садовая first) and the customers' cards."""

    server: LiveServer
    terminals: list[ChainTerminal]
    cards: dict[str, str]


@contextlib.contextmanager
def live_chain(folder: Path) -> Iterator[LiveChain]:
    """The real server under uvicorn on loopback (tests/chain_live.py) on a SQLite file, both stores enrolled
    over HTTP, March sold, the chain's fraud planted (plant_flags) and MANAGER reading Арбат only."""
    with contextlib.ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        # argon2 at production cost would dominate; the logins are not what is under test.
        patch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        server = stack.enter_context(live_server(str(folder / "server.sqlite3")))
        terminals = []
        for name, code in admin_setup(server.http, {}).items():
            term = open_terminal(folder / name, name.split("-")[0], server.url, code)
            stack.callback(term.ctx.close)
            terminals.append(term)
        cards = sell_march(*terminals)
        plant_flags(terminals[0], terminals[1], cards, server.http, {})
        engine = make_engine(server.database)
        try:
            server_auth.add_admin(engine, *MANAGER, "manager", [2])  # store 2: Арбат
        finally:
            engine.dispose()
        yield LiveChain(server, terminals, cards)
