"""The store filter: offered only when the data holds several stores (a server database), hidden on a till."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy import insert

from app.core import db, repo
from app.core.services.reports import ReportsService, Scope
from app.ui.manager.window import ManagerWindow
from tests.ui.manager.conftest import Shop


def test_a_terminal_lists_its_own_store_name_once_it_has_one(shop: Shop) -> None:
    assert shop.services.reports.stores() == []
    with db.transaction(shop.ctx.engine) as conn:
        repo.set_meta(conn, "store_name", "Кофейня на Садовой")
    assert shop.services.reports.stores() == ["Кофейня на Садовой"]


def test_a_server_database_lists_every_store(shop: Shop) -> None:
    from server import schema as server_schema

    with db.transaction(shop.ctx.engine) as conn:
        server_schema.metadata.create_all(conn)
        conn.execute(
            insert(server_schema.stores),
            [{"id": 1, "name": "Садовая", "address": ""}, {"id": 2, "name": "Арбат", "address": ""}],
        )
    # The server reads its database in the chain's scope (server/reports.py), whatever tables it holds.
    assert ReportsService(shop.ctx.engine, scope=Scope.CHAIN).stores() == ["Арбат", "Садовая"]


def test_the_store_filter_is_hidden_with_one_store(qtbot: QtBot, window: ManagerWindow) -> None:
    window.start()
    qtbot.waitUntil(lambda: window.dashboard.cashier.count() > 1, timeout=10_000)
    assert window.dashboard.store.isHidden()


def test_the_store_filter_is_offered_with_several_stores(qtbot: QtBot, shop: Shop, window: ManagerWindow) -> None:
    from app.ui.manager.ops import FilterChoices

    window.dashboard.set_filter_choices(FilterChoices(("Иван",), ("Арбат", "Садовая")))
    d = window.dashboard
    assert not d.store.isHidden() and [d.store.itemText(i) for i in range(1, d.store.count())] == ["Арбат", "Садовая"]
    d.store.setCurrentIndex(1)
    assert d.filters().store == "Арбат"
