"""A standalone store joins a chain, and its manager reads the whole chain's reports: from the real start, by keys.

The chain's server is the real one (uvicorn on loopback in a thread of the test process,
tests/chain_live.py); the program is `loyalty-terminal` with no arguments on a fresh folder, through
the first-run wizard as a store of its own with the demo café's program. Then:

- Settings → «Сервер» (Alt+У, «Настройки…», the manager's PIN): the address and a one-time code typed,
  and the choice about the store's program (sync.md promise 12) made with the arrows — asked when the
  programs differ, the server's refusal of a wrong choice said in Russian with the code kept, then
  «adopt the chain's program» or «seed the chain with this store's»;
- the manager screen (Ctrl+M): the «Вся сеть» scope asks for the manager's server login; a wrong
  password is refused in Russian; the right one shows the chain's figures scoped to that manager's
  stores; closing the screen ends the server session (logout).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import shiboken6

from app.core.demo import DEMO_PROGRAM
from tests.chain_live import LiveServer, live_server
from tests.ui.journeys.harness import Journey, JourneyFailed, JourneyRunner, till_ready
from tests.ui.journeys.test_manager_journeys import (
    focus_is,
    open_manager,
    open_settings,
    press_opening,
    tab_to,
)

CHAIN_PROGRAM = {**DEMO_PROGRAM, "name": "Сеть «Зерно»: единая программа"}
SERVER_MANAGER = ("olga", "olga-server-pass-1")


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[LiveServer]:
    """The chain's server on SQLite, with no program yet."""
    with live_server(str(tmp_path / "server.sqlite3")) as live:
        yield live


def server_page(h: Journey, dialog: Any) -> Any:
    """The settings' «Сервер» page (the tab bar, Right until it): its ServerChooser."""
    tab_to(h, dialog.tabs.tabBar(), "the settings' pages")
    for _ in range(h.gui(dialog.tabs.count)):
        if h.gui(lambda: dialog.tabs.tabText(dialog.tabs.currentIndex())) == "Сервер":
            break
        h.press("Right")
    else:
        raise JourneyFailed("no «Сервер» page in the settings")
    return dialog.server


def choose(h: Journey, chooser: Any, choice: str | None) -> None:
    """The program choice, by the arrows (Tab to the list first)."""
    box = chooser.program_choice
    tab_to(h, box, "the program choice")
    for _ in range(4):
        if h.gui(lambda: box.currentData()) == choice:
            return
        h.press("Down" if h.gui(box.currentIndex) < h.gui(lambda: box.findData(choice)) else "Up")
    raise JourneyFailed(f"the choice {choice!r} was not reached with the arrows")


def connect(h: Journey, chooser: Any) -> str:
    """«Подключить» by Space; the message shown once the server has answered."""
    tab_to(h, chooser.connect_button, "«Подключить»")
    h.press("Space")
    h.wait_for(lambda: not chooser.busy and chooser.status.isVisible(), "the server's answer", 60)
    return str(h.gui(chooser.status.text))


def type_address_and_code(h: Journey, chooser: Any, url: str, code: str) -> None:
    """Tab to the address, type it, Tab, type the code."""
    tab_to(h, chooser.url, "the server address")
    h.type(url)
    h.press("Tab")
    assert h.gui(focus_is(chooser.code)), "Tab goes from the address to the code"
    h.type(code)


def sessions_left(chain: LiveServer, name: str) -> int:
    """Live server sessions of an account (read from the server's database beside it)."""
    from server.store import make_engine

    engine = make_engine(chain.database)
    try:
        with engine.connect() as conn:
            sql = "SELECT count(*) FROM admin_tokens t JOIN admins a ON a.id = t.admin_id WHERE a.name = ?"
            return int(conn.exec_driver_sql(sql, (name,)).scalar() or 0)
    finally:
        engine.dispose()


def store_program(home: Path) -> str:
    """The name of the program the till prices with now (its newest version)."""
    with contextlib.closing(sqlite3.connect(home / "terminal.sqlite3")) as db:
        body = db.execute("SELECT body FROM programs ORDER BY version DESC LIMIT 1").fetchone()[0]
    return str(json.loads(body)["name"])


def join_by_adopting(h: Journey, chain: LiveServer, code: str, seen: dict[str, Any]) -> None:
    """Settings → «Сервер» on a store of its own joining a chain that has a program: asked, refused, adopted."""
    dialog = open_settings(h)
    chooser = server_page(h, dialog)
    assert h.gui(dialog.server_state.text) == "Касса работает автономно (не подключена к серверу)."
    type_address_and_code(h, chooser, chain.url, code)
    # The default («the same as the chain's»): the programs differ, so the server asks for the choice.
    seen["differs"] = connect(h, chooser)
    h.focused(type(chooser.program_choice), "the keyboard on the program choice the server asked for")
    h.nothing_cut_off(dialog, "the settings' Server page with the server's question")
    h.screenshot("settings-join-choice")
    # Seeding a chain that has a program: refused, in Russian, and the code is still good.
    choose(h, chooser, "seed")
    seen["seed"] = connect(h, chooser)
    # Adopting the chain's program: joined.
    choose(h, chooser, "adopt")
    seen["adopt"] = connect(h, chooser)
    h.wait_for(lambda: chain.url in dialog.server_state.text(), "the settings to say which server")
    press_opening(h, "Escape")
    h.no_modal()


def check_adopted(seen: dict[str, Any], chain: LiveServer, home: Path) -> None:
    """What join_by_adopting was told, and the program the till prices with after it."""
    assert "отличается от программы сети" in seen["differs"], seen
    assert "новый код" not in seen["differs"] and "новый код" not in seen["seed"], seen
    assert seen["seed"] == "У сети уже есть программа: выберите «перейти на программу сети»", seen
    assert seen["adopt"].startswith(f"Подключено к {chain.url}"), seen
    assert store_program(home) == CHAIN_PROGRAM["name"]


def test_joining_a_chain_without_a_program_seeds_it_with_the_stores(journey: JourneyRunner, chain: LiveServer) -> None:
    code = chain.register("Садовая", "Садовая-1")
    seen: dict[str, str] = {}

    def script(h: Journey) -> None:
        till_ready(h)
        dialog = open_settings(h)
        chooser = server_page(h, dialog)
        # A code no one issued: refused, with what to do.
        type_address_and_code(h, chooser, chain.url, "NOT-A-CODE")
        seen["bad code"] = connect(h, chooser)
        h.press("Ctrl+A")
        tab_to(h, chooser.code, "the code", key="Shift+Tab")
        h.press("Ctrl+A")
        h.type(code)
        # Adopting from a chain with no program: refused, in Russian.
        choose(h, chooser, "adopt")
        seen["adopt"] = connect(h, chooser)
        choose(h, chooser, "seed")
        seen["seed"] = connect(h, chooser)
        press_opening(h, "Escape")
        h.no_modal()

    journey(script)
    assert (
        seen["bad code"]
        == "Сервер не принял код: код неизвестен или устарел. Попросите у управляющего сетью новый код."
    ), seen
    assert "новый код" not in seen["adopt"] and seen["adopt"] != seen["seed"], seen
    assert seen["seed"].startswith(f"Подключено к {chain.url}"), seen
    # The chain's program is now the store's (the demo café's).
    assert chain.admin("GET", "/v1/admin/program")["program"]["name"] == store_program(journey.home)


# The store's yesterday (the chain's program is the demo's: Moscow), the flags tab's first period.
YESTERDAY = datetime.now(ZoneInfo(DEMO_PROGRAM["timezone"])).date() - timedelta(days=1)


def plant_adjustments(chain: LiveServer, stores: dict[str, int]) -> None:
    """Eight hand adjustments yesterday in each store, as the server booked them (by Вера at Садовая, by Пётр at
    Арбат): the chain's pattern «adjustments». Written into the server's database: the journey is about reading."""
    from server import schema as s
    from server.store import make_engine

    noon = int(datetime(YESTERDAY.year, YESTERDAY.month, YESTERDAY.day, 9, tzinfo=UTC).timestamp() * 1000)
    engine = make_engine(chain.database)
    try:
        with engine.begin() as conn:
            rows = [
                dict(
                    txn_uid=f"planted-{store}-{i}",
                    store_id=stores[store],
                    terminal_id=0,
                    kind="adjust",
                    actor=actor,
                    customer_uid="",
                    points=10,
                    booked_at=noon + i * 60_000,
                )
                for store, actor in (("Садовая", "Вера"), ("Арбат", "Пётр"))
                for i in range(8)
            ]
            conn.execute(s.privileged.insert(), rows)
    finally:
        engine.dispose()


def test_a_store_adopts_the_chains_program_and_its_manager_reads_the_chain_after_a_server_login(
    journey: JourneyRunner, chain: LiveServer
) -> None:
    from server import auth
    from server.store import make_engine

    chain.admin("POST", "/v1/admin/program", json={"program": CHAIN_PROGRAM})
    code = chain.register("Садовая", "Садовая-1")
    chain.register("Арбат", "Арбат-1")
    stores = {s["name"]: s["id"] for s in chain.admin("GET", "/v1/admin/stores")["stores"]}
    engine = make_engine(chain.database)
    try:
        auth.add_admin(engine, SERVER_MANAGER[0], SERVER_MANAGER[1], "manager", [stores["Садовая"]])
    finally:
        engine.dispose()
    seen: dict[str, Any] = {}
    plant_adjustments(chain, stores)

    def script(h: Journey) -> None:
        from app.ui.manager.server_login import ServerLoginDialog

        till_ready(h)
        join_by_adopting(h, chain, code, seen)
        window = open_manager(h)
        d = window.dashboard
        # «Вся сеть» from the scope list: the server's login is asked first.
        tab_to(h, d.scope, "the scope (this terminal / the whole chain)")
        before = h.gui(lambda: d.generation)
        press_opening(h, "Down")
        login = h.modal(ServerLoginDialog)
        h.focused(type(login.name), "the name field")
        h.type(SERVER_MANAGER[0])
        h.press("Tab")
        h.type("wrong-password")
        h.press("Return")
        h.wait_for(lambda: login.ok.isEnabled() and login.status.text() != "Спрашиваем сервер…", "the refusal", 60)
        seen["wrong"] = h.gui(login.status.text)
        assert h.gui(login.password.text) == "", "a refused password is cleared"
        h.nothing_cut_off(login, "the server login with its refusal")
        h.screenshot("manager-server-login-refused")
        h.type(SERVER_MANAGER[1])
        press_opening(h, "Return")
        h.wait_for(lambda: not (shiboken6.isValid(login) and login.isVisible()), "the login to be accepted", 60)
        h.wait_for(
            lambda: d.chain() and d.generation > before and not d.loading() and d.chain_figures is not None,
            "the chain's report",
            60,
        )
        seen["stores"] = h.gui(lambda: [d.store.itemText(i) for i in range(d.store.count())])
        seen["figure stores"] = h.gui(lambda: [row.store for row in d.chain_figures.stores])
        seen["filters"] = h.gui(lambda: d.chain_figures.dashboard.filters)
        seen["shown stores"] = h.gui(lambda: window.s.chain.stores)
        seen["head"] = h.gui(d.period_label.text)
        seen["session"] = h.gui(lambda: window.s.chain.logged_in()) and sessions_left(chain, SERVER_MANAGER[0]) == 1
        h.nothing_cut_off(window, "the manager screen on the whole chain")
        h.screenshot("manager-chain")
        # The suspicious-activity tab, «Вся сеть»: the same server session, her stores' flags only.
        h.press("Ctrl+5")
        flags = window._tab("flags")
        h.wait_for(lambda: flags.scope.isVisible() and flags.shown is not None, "the flags tab to know the chain")
        tab_to(h, flags.scope, "the flags' scope (this terminal / the whole chain)")
        press_opening(h, "Down")
        h.wait_for(lambda: flags.shown_where is not None and flags.shown is not None, "the chain's flags", 60)
        seen["flags where"] = h.gui(flags.where.text)
        seen["flags"] = h.gui(lambda: [(f.kind, f.person, f.count) for f in flags.flags])
        seen["flags text"] = h.gui(lambda: flags.model.data(flags.model.index(0, 1)))
        seen["flags period"] = h.gui(lambda: flags.shown)
        h.nothing_cut_off(window, "the chain's flags")
        h.screenshot("manager-chain-flags")
        # Closing the manager screen logs out of the server.
        press_opening(h, "Escape")
        h.wait_for(lambda: not shiboken6.isValid(window) or not window.isVisible(), "Esc to close the manager screen")
        h.wait_for(lambda: sessions_left(chain, SERVER_MANAGER[0]) == 0, "the server session to end (logout)")

    journey(script)
    check_adopted(seen, chain, journey.home)
    assert seen["wrong"] == "Неверное имя или пароль", seen["wrong"]
    assert seen["session"] is True
    # Scoped to her store: the server's figures, the store filter and the words above the figures.
    assert "Арбат" not in seen["stores"] and seen["shown stores"] == ("Садовая",), seen
    assert seen["figure stores"] == ["Садовая"] and seen["filters"].store == "Садовая", seen
    assert seen["head"].startswith("Магазин «Садовая», по данным сервера: "), seen
    # The flags tab asked the server, as her: Садовая's planted adjustments, not Арбат's.
    assert seen["flags where"] == "Отметки ваших магазинов (Садовая), по данным сервера", seen["flags where"]
    assert seen["flags period"] == (YESTERDAY, YESTERDAY), seen["flags period"]
    assert seen["flags"] == [("adjustments", "Вера", 8)], seen["flags"]
    assert seen["flags text"] == "Вера: 8 ручных корректировок баллов за день, всего 80 баллов; магазин: Садовая"
    # The manager's session is over on the server: a report without it is refused.
    with contextlib.closing(httpx.Client(base_url=chain.url)) as http:
        assert http.get("/v1/reports/dashboard").status_code == 401
