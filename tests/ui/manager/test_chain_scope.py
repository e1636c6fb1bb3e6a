"""The manager screen's "Whole chain" scope: figures, stores side by side and exports from the central server.

End to end: the real server under uvicorn on 127.0.0.1 (PostgreSQL), two terminals that sold in
two stores and synced over HTTP (tests/reports_chain.py has the hand-counted March), and the
manager window of the Садовая terminal, offscreen. Then the server goes away, and the screen says
so and goes back to the terminal's own figures; an answer that is not a report does the same.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from app.bootstrap import Context, bootstrap
from app.core import db, repo
from app.core.fmt import NBSP, NNBSP
from app.core.services.reports import ReportsService
from app.core.services.staff import StaffService
from app.sync.chain_reports import ChainReports
from app.ui.manager.dashboard import DashboardTab
from app.ui.manager.ops import ManagerServices
from app.ui.manager.server_login import ServerLoginDialog
from app.ui.manager.widgets import ChooseFolder
from app.ui.manager.window import ManagerWindow
from app.ui.worker import Worker
from tests.e2e.conftest import ADMIN, Admin, ServerProcess
from tests.integration.test_staff import FAST
from tests.pg import PgServer, pg_server  # noqa: F401  (PostgreSQL for the server, a fixture)
from tests.reports_chain import ChainTerminal, admin_setup, open_terminal, sell_march
from tests.ui.manager.conftest import Shop, tr


@dataclass
class RunningChain:
    """The server process and the two terminals (Садовая first)."""

    server: ServerProcess
    terminals: list[ChainTerminal]


@pytest.fixture(scope="module")
def chain_once(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> Iterator[RunningChain]:  # noqa: F811
    """`loyalty-server serve` on PostgreSQL, both stores' terminals enrolled, March sold and synced over HTTP:
    once for the module (a server process, two enrollments and the March cost ~10 s of CPU). The tests read
    it and change nothing the others read: a manager is added to a terminal's staff, a login fails once."""
    folder = tmp_path_factory.mktemp("chain")
    with pg_server.database() as url:
        server = ServerProcess(url, folder / "server.log").start()
        admin = Admin(server.url)
        terminals: list[ChainTerminal] = []
        try:
            codes = admin_setup(admin.http, {})
            for name, code in codes.items():
                terminals.append(open_terminal(folder / name, name.split("-")[0], server.url, code))
            sell_march(*terminals)
            yield RunningChain(server, terminals)
        finally:
            for term in terminals:
                term.ctx.close()
            admin.close()
            server.stop()


@pytest.fixture
def running(chain_once: RunningChain) -> RunningChain:
    """The module's chain, its server running (a test that stopped it gets it back, on the same port)."""
    proc = chain_once.server.proc
    if proc is None or proc.poll() is not None:
        chain_once.server.start()
    return chain_once


@pytest.fixture
def workers(qapp: object) -> Iterator[tuple[Worker, Worker, Worker]]:
    """The till's worker, the reports worker and the chain worker."""
    made = (Worker("db-worker"), Worker("reports-worker"), Worker("chain-reports-worker"))
    yield made
    for worker in made:
        worker.stop()


def manager_window(
    qtbot: QtBot, ctx: Context, workers: tuple[Worker, Worker, Worker], chain: ChainReports
) -> ManagerWindow:
    """The manager window of a terminal, as manager Ольга, at 1280×800."""
    staff = StaffService(ctx.engine, FAST)
    if not staff.cashiers(include_disabled=True):
        staff.create_first_manager("Ольга", "9999")
    services = ManagerServices(
        ctx.programs, ctx.catalog, ctx.customers, staff, ReportsService(ctx.engine), "Ольга", chain
    )
    db_worker, report_worker, chain_worker = workers
    window = ManagerWindow(services, db_worker, report_worker=report_worker, chain_worker=chain_worker)
    window.resize(1280, 800)
    window.show()
    return window


def close(qtbot: QtBot, window: ManagerWindow, workers: tuple[Worker, Worker, Worker]) -> None:
    """Close the window once every answer has landed."""
    qtbot.waitUntil(lambda: not any(w.busy() for w in workers), timeout=60_000)
    window.close()
    window.deleteLater()
    qtbot.wait(1)


def march(qtbot: QtBot, window: ManagerWindow) -> DashboardTab:
    """The dashboard on March 2025, this terminal's figures loaded."""
    d = window.dashboard
    d.set_custom_period(date(2025, 3, 1), date(2025, 3, 31))
    window.start()
    qtbot.waitUntil(lambda: not d.loading() and d.bundle is not None, timeout=30_000)
    return d


def loaded(d: DashboardTab, chain: bool) -> bool:
    """The full report of the scope is on screen."""
    return not d.loading() and d.bundle is not None and (d.bundle.stores is not None) == chain


def rub(text: str) -> str:
    return text.replace(" ", NNBSP) + f"{NBSP}₽"


def server_login(monkeypatch: pytest.MonkeyPatch, asked: list[str] | None = None) -> None:
    """The manager "types" the server's admin login when the chain scope asks for it."""

    def ask(self: ServerLoginDialog) -> bool:
        if asked is not None:
            asked.append("asked")
        self.chain.login(*ADMIN)
        return True

    monkeypatch.setattr(ServerLoginDialog, "ask", ask)


def _enrolled(shop: Shop) -> None:
    """Give the report tests' store a server address and a token, as enrollment does."""
    with db.transaction(shop.ctx.engine) as conn:
        repo.set_meta(conn, "server_url", "http://server.test")
        repo.set_meta(conn, "token", "t" * 40)
        # The store's programs stand for versions its chain issued: an enrolled till prices with no other.
        conn.exec_driver_sql("DELETE FROM outbox WHERE kind = 'program'")


def test_an_answer_that_is_not_a_report_keeps_the_terminals_figures(
    qtbot: QtBot, shop: Shop, workers: tuple[Worker, Worker, Worker]
) -> None:
    _enrolled(shop)

    def proxy(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"dashboard": {"sales": "many"}})

    chain = ChainReports(shop.ctx.engine, httpx.MockTransport(proxy))
    chain._session = "s" * 40  # logged in to the server
    window = manager_window(qtbot, shop.ctx, workers, chain)
    d = march(qtbot, window)
    qtbot.waitUntil(lambda: not d.scope.isHidden(), timeout=10_000)
    local = d.tiles["revenue"].value.text()
    d.set_scope(True)
    qtbot.waitUntil(lambda: not d.status.isHidden(), timeout=30_000)
    qtbot.waitUntil(lambda: loaded(d, chain=False), timeout=30_000)
    assert "Не удалось прочитать ответ сервера" in d.status.text()
    assert d.scope.currentData() == "terminal" and d.tiles["revenue"].value.text() == local
    close(qtbot, window, workers)


def test_a_standalone_terminal_is_not_offered_the_chain(
    qtbot: QtBot, shop: Shop, workers: tuple[Worker, Worker, Worker]
) -> None:
    window = manager_window(qtbot, shop.ctx, workers, ChainReports(shop.ctx.engine))
    d = march(qtbot, window)
    qtbot.waitUntil(lambda: d.cashier.count() > 1, timeout=10_000)  # the filter choices have arrived
    assert d.scope.isHidden() and not d.chain()
    close(qtbot, window, workers)


def test_a_terminal_opened_fresh_reads_the_chain_too(
    qtbot: QtBot, running: RunningChain, workers: tuple[Worker, Worker, Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    server_login(monkeypatch)
    # The Арбат terminal, reopened from its file as the till would be after a restart.
    path = running.terminals[1].ctx.db_path
    ctx = bootstrap(path)
    try:
        window = manager_window(qtbot, ctx, workers, ChainReports(ctx.engine))
        d = march(qtbot, window)
        qtbot.waitUntil(lambda: not d.scope.isHidden(), timeout=10_000)
        d.store.setCurrentIndex(0)
        d.set_scope(True)
        qtbot.waitUntil(lambda: loaded(d, chain=True), timeout=60_000)
        d.store.setCurrentIndex(d.store.findData("Садовая"))

        def filtered() -> bool:
            return loaded(d, chain=True) and d.bundle is not None and d.bundle.report.filters.store == "Садовая"

        qtbot.waitUntil(filtered, timeout=60_000)
        stores = d.reports.blocks["stores_sales"].model
        assert [stores.index(r, 0).data() for r in range(stores.rowCount())] == ["Садовая"]
        assert d.tiles["revenue"].value.text() == rub("550,00")
        close(qtbot, window, workers)
    finally:
        ctx.close()


def test_a_manager_who_does_not_log_in_to_the_server_stays_on_the_terminals_figures(
    qtbot: QtBot, shop: Shop, workers: tuple[Worker, Worker, Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    _enrolled(shop)
    monkeypatch.setattr(ServerLoginDialog, "ask", lambda self: False)  # cancelled
    window = manager_window(qtbot, shop.ctx, workers, ChainReports(shop.ctx.engine))
    d = march(qtbot, window)
    qtbot.waitUntil(lambda: not d.scope.isHidden(), timeout=10_000)
    d.set_scope(True)
    assert d.scope.currentData() == "terminal" and not d.chain()
    close(qtbot, window, workers)


def test_the_server_login_dialog_words_a_wrong_password_and_logs_in_with_the_right_one(
    qtbot: QtBot, running: RunningChain, workers: tuple[Worker, Worker, Worker]
) -> None:
    ctx = running.terminals[0].ctx
    chain = ChainReports(ctx.engine)
    dialog = ServerLoginDialog(chain, workers[2])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText(ADMIN[0])
    dialog.password.setText("not-the-password")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.ok.isEnabled() and "пароль" in dialog.status.text(), timeout=30_000)
    assert dialog.status.text() == "Неверное имя или пароль" and not chain.logged_in()
    dialog.password.setText(ADMIN[1])
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        dialog.submit()
    assert chain.logged_in() and chain.stores is None  # the admin reads every store


# Last in the file: it stops the module's server (the `running` fixture would start it again for a test after it).
def test_the_chain_scope_shows_every_store_from_the_real_server(
    qtbot: QtBot,
    running: RunningChain,
    workers: tuple[Worker, Worker, Worker],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = running.terminals[0].ctx
    asked: list[str] = []
    server_login(monkeypatch, asked)
    window = manager_window(qtbot, ctx, workers, ChainReports(ctx.engine))
    d = march(qtbot, window)
    qtbot.waitUntil(lambda: not d.scope.isHidden(), timeout=10_000)  # enrolled: the scope is offered
    assert d.tiles["revenue"].value.text() == rub("550,00")  # Садовая alone: 700 ₽ − 150 ₽ refunded
    assert not d.pages.isTabVisible(d.pages.indexOf(d.reports.stores_page))

    d.set_scope(True)
    qtbot.waitUntil(lambda: loaded(d, chain=True), timeout=60_000)
    assert asked == ["asked"]  # the chain's reports needed the manager's server login
    assert d.scope.currentText() == tr("DashboardTab", "Whole chain") == "Вся сеть"
    assert d.tiles["revenue"].value.text() == rub("1 100,00")
    assert d.tiles["sales"].value.text() == "6"
    assert d.pages.isTabVisible(d.pages.indexOf(d.reports.stores_page))
    sales = d.reports.blocks["stores_sales"].model
    assert [[sales.index(r, c).data() for c in (0, 1, 3)] for r in range(sales.rowCount())] == [
        ["Арбат", rub("550,00"), "3"],
        ["Садовая", rub("550,00"), "3"],
        ["Вся сеть", rub("1 100,00"), "6"],
    ]
    people = d.reports.blocks["stores_customers"].model
    # Анна bought in both stores: active in each, and once in the chain.
    assert [[people.index(r, c).data() for c in (0, 1, 3)] for r in range(people.rowCount())] == [
        ["Арбат", "2", "145"],
        ["Садовая", "1", "140"],
        ["Вся сеть", "2", "285"],
    ]
    # The store filter now offers the chain's stores.
    assert [d.store.itemText(i) for i in range(1, d.store.count())] == ["Арбат", "Садовая"]

    monkeypatch.setattr(ChooseFolder, "ask", lambda self: tmp_path)
    d.export_csv()
    qtbot.waitUntil(lambda: d.last_export is not None, timeout=30_000)
    assert d.last_export is not None and d.last_export.name == "chain_report_2025-03-01_2025-03-31"
    with (d.last_export / "stores.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert [row[0] for row in table[1:]] == ["Арбат", "Садовая", "Вся сеть"]
    assert table[3][1] == "1100,00"
    d.last_export = None
    d.export_pdf()
    qtbot.waitUntil(lambda: d.last_export is not None, timeout=30_000)
    pdf = tmp_path / "chain_report_2025-03-01_2025-03-31.pdf"
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Магазины сети" in text and "Арбат" in text and "Вся сеть" in text

    # The server goes away: the manager is told, and this terminal's figures come back.
    running.server.stop()
    d.refresh()
    qtbot.waitUntil(lambda: loaded(d, chain=False), timeout=60_000)
    assert not d.status.isHidden() and "Нет связи с сервером" in d.status.text()
    assert d.status.text().startswith("Не удалось получить цифры сети с сервера")
    assert d.scope.currentData() == "terminal"
    assert d.tiles["revenue"].value.text() == rub("550,00")
    assert not d.pages.isTabVisible(d.pages.indexOf(d.reports.stores_page))
    close(qtbot, window, workers)
