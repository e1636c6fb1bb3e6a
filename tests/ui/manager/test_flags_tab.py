"""The manager's «Подозрительные операции» tab: yesterday is the store's local day, and on an enrolled till the
whole chain's flags come from the server.

The chain is the real server under uvicorn on loopback (tests/reports_chain.live_chain: two stores synced over
HTTP, a card at two tills four minutes apart and a staff member's own card planted), read from the manager
window of the Садовая till, offscreen. The server's failures (no answer, an answer that is not flags, a session
it ended) are the same ChainReports given a transport that fails so, mid-test.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from app.core.services.fraud import FraudService
from app.core.services.reports import ReportsService
from app.core.services.staff import StaffService
from app.core.timeutil import to_ms
from app.sync.chain_reports import ChainReports
from app.ui.manager.flags_tab import FlagsTab
from app.ui.manager.ops import ManagerServices
from app.ui.manager.server_login import ServerLoginDialog
from app.ui.manager.widgets import ChooseFolder
from app.ui.manager.window import ManagerWindow
from app.ui.worker import Worker
from tests.chain_live import ADMIN
from tests.integration.test_staff import FAST
from tests.reports_chain import LiveChain, live_chain
from tests.ui.manager.conftest import Shop, tr

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture
def workers(qapp: object) -> Iterator[tuple[Worker, Worker, Worker]]:
    """The till's worker, the reports worker and the chain worker."""
    made = (Worker("db-worker"), Worker("reports-worker"), Worker("chain-reports-worker"))
    yield made
    for worker in made:
        worker.stop()


# ----------------------------------------------------------------------------- yesterday, by the store's clock


@pytest.fixture
def far_machine_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's clock set to Los Angeles (the store is in Moscow, 10 or 11 hours ahead)."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("utc", "yesterday"),
    [
        (datetime(2025, 4, 10, 21, 1, tzinfo=UTC), date(2025, 4, 10)),  # 00:01 on 11 April in Moscow
        (datetime(2025, 4, 10, 20, 59, tzinfo=UTC), date(2025, 4, 9)),  # 23:59 on 10 April in Moscow
    ],
)
def test_yesterday_is_the_stores_local_day_not_the_machines(
    qtbot: QtBot,
    shop: Shop,
    workers: tuple[Worker, Worker, Worker],
    far_machine_clock: None,
    utc: datetime,
    yesterday: date,
) -> None:
    fraud = FraudService(shop.ctx.engine, clock=lambda: to_ms(utc))
    assert fraud.yesterday() == yesterday
    # A standalone till: no chain to offer, however its ChainReports is given.
    tab = FlagsTab(fraud, workers[1], None, ChainReports(shop.ctx.engine), workers[2])
    qtbot.addWidget(tab)
    tab.load()
    qtbot.waitUntil(lambda: tab.shown is not None, timeout=30_000)
    assert tab.period() == (yesterday, yesterday) and tab.shown == (yesterday, yesterday)
    assert tab.scope.isHidden() and not tab.chain_scope() and tab.where.isHidden()


def test_days_chosen_before_yesterday_is_known_are_kept(qtbot: QtBot, shop: Shop, report_worker: Worker) -> None:
    tab = FlagsTab(FraudService(shop.ctx.engine, clock=lambda: to_ms(datetime(2025, 4, 10, tzinfo=UTC))), report_worker)
    qtbot.addWidget(tab)
    tab.set_period(*MARCH)
    qtbot.waitUntil(lambda: tab.shown is not None, timeout=30_000)
    assert tab.shown == MARCH and tab.period() == MARCH


# ----------------------------------------------------------------------------- the whole chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveChain]:
    with live_chain(tmp_path_factory.mktemp("flags-chain")) as running:
        yield running


def flags_tab(chain: LiveChain, workers: tuple[Worker, Worker, Worker]) -> tuple[ManagerWindow, FlagsTab]:
    """The Садовая till's manager window, as manager Ольга, on its «Подозрительные операции» tab (March)."""
    ctx = chain.terminals[0].ctx
    staff = StaffService(ctx.engine, FAST)
    if not staff.cashiers(include_disabled=True):
        staff.create_first_manager("Ольга", "9999")
    services = ManagerServices(
        ctx.programs,
        ctx.catalog,
        ctx.customers,
        staff,
        ReportsService(ctx.engine),
        "Ольга",
        ChainReports(ctx.engine),
        fraud=ctx.fraud,
    )
    db_worker, report_worker, chain_worker = workers
    window = ManagerWindow(services, db_worker, report_worker=report_worker, chain_worker=chain_worker)
    window.resize(1280, 800)
    window.show()
    tab = window._tab("flags")
    assert isinstance(tab, FlagsTab)
    tab.set_period(*MARCH)
    window.show_tab("flags")
    return window, tab


def close(qtbot: QtBot, window: ManagerWindow, workers: tuple[Worker, Worker, Worker]) -> None:
    qtbot.waitUntil(lambda: not any(w.busy() for w in workers), timeout=60_000)
    window.close()
    window.deleteLater()
    qtbot.wait(1)


def texts(tab: FlagsTab) -> list[str]:
    return [str(tab.model.index(r, 1).data()) for r in range(tab.model.rowCount())]


def shown(tab: FlagsTab, chain: bool) -> bool:
    """The flags of the scope are on screen (the exports write them)."""
    return tab.shown is not None and (tab.shown_where is not None) == chain and tab.csv_button.isEnabled()


def test_the_whole_chains_flags_from_the_server_after_the_manager_logs_in(
    qtbot: QtBot,
    chain: LiveChain,
    workers: tuple[Worker, Worker, Worker],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window, tab = flags_tab(chain, workers)
    qtbot.waitUntil(lambda: shown(tab, chain=False), timeout=30_000)
    assert not tab.scope.isHidden()  # enrolled: the chain is offered
    assert [tab.scope.itemText(i) for i in range(2)] == ["Этот терминал", "Вся сеть"]
    assert tab.where.text() == tr("FlagsTab", "This terminal's flags") == "Отметки этого терминала"
    local = texts(tab)
    assert not any("на разных кассах" in t for t in local)  # a till's file never compares tills

    # Not logged in to the server: the manager cancels the login, and is told in words, with the way to log in.
    monkeypatch.setattr(ServerLoginDialog, "ask", lambda self: False)
    tab.set_scope(True)
    assert tab.scope.currentData() == "terminal" and not tab.chain_scope()
    assert tab.server_note.text().startswith("Для отметок всей сети нужно войти на сервер")
    assert not tab.login_button.isHidden() and tab.login_button.text() == "Войти на сервер…"
    assert texts(tab) == local  # this till's flags stay

    # «Войти на сервер…», by keys: the dashboard's login dialog, then the chain's flags.
    asked: list[str] = []

    def log_in(self: ServerLoginDialog) -> bool:
        asked.append("asked")
        self.chain.login(*ADMIN)
        return True

    monkeypatch.setattr(ServerLoginDialog, "ask", log_in)
    tab.login_button.setFocus()
    qtbot.keyClick(tab.login_button, " ")
    qtbot.waitUntil(lambda: shown(tab, chain=True), timeout=30_000)
    assert asked == ["asked"] and tab.scope.currentText() == "Вся сеть"
    assert tab.server_note.isHidden() and tab.login_button.isHidden()
    assert tab.where.text() == "Отметки всей сети, по данным сервера"
    boris = chain.cards["Борис"]
    assert [(f.kind, f.card, f.day) for f in tab.flags] == [
        ("card_terminals", boris, date(2025, 3, 14)),
        ("staff_card", boris, date(2025, 3, 16)),
    ]
    assert "на разных кассах" in texts(tab)[0] and "Арбат / Арбат-1" in texts(tab)[0]
    assert tab.status.text() == "Отметок за период: 2."

    # The exports write what is shown: the chain's flags, named so.
    monkeypatch.setattr(ChooseFolder, "ask", lambda self: tmp_path)
    tab.export_csv()
    qtbot.waitUntil(lambda: tab.last_export is not None, timeout=30_000)
    assert tab.last_export == tmp_path / "chain-flags-2025-03-01_2025-03-31.csv"
    with tab.last_export.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [row[0] for row in rows[1:]] == ["2025-03-14", "2025-03-16"] and "Мария" in rows[2]
    tab.last_export = None
    tab.export_pdf()
    qtbot.waitUntil(lambda: tab.last_export is not None, timeout=30_000)
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "chain-flags-2025-03-01_2025-03-31.pdf").pages)
    assert "Отметки всей сети" in text and "Арбат / Арбат-1" in text

    # Back to this till: its own flags, its own file name.
    tab.set_scope(False)
    qtbot.waitUntil(lambda: shown(tab, chain=False), timeout=30_000)
    assert texts(tab) == local
    close(qtbot, window, workers)


def test_the_server_unreachable_or_talking_garbage_keeps_the_tills_flags(
    qtbot: QtBot, chain: LiveChain, workers: tuple[Worker, Worker, Worker]
) -> None:
    window, tab = flags_tab(chain, workers)
    qtbot.waitUntil(lambda: shown(tab, chain=False), timeout=30_000)
    local = texts(tab)
    reports = tab.chain
    assert reports is not None
    reports.login(*ADMIN)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    reports.transport = httpx.MockTransport(down)
    tab.set_scope(True)
    qtbot.waitUntil(lambda: not tab.server_note.isHidden(), timeout=30_000)
    qtbot.waitUntil(lambda: shown(tab, chain=False), timeout=30_000)
    assert tab.server_note.text().startswith("Не удалось получить отметки сети с сервера")
    assert "Нет связи с сервером" in tab.server_note.text()
    assert tab.scope.currentData() == "terminal" and texts(tab) == local and tab.login_button.isHidden()

    # A proxy's page that is JSON but no flags: worded, never a crash.
    reports.transport = httpx.MockTransport(lambda _: httpx.Response(200, json={"flags": "none"}))
    tab.set_scope(True)
    qtbot.waitUntil(lambda: "Не удалось прочитать ответ сервера" in tab.server_note.text(), timeout=30_000)
    qtbot.waitUntil(lambda: shown(tab, chain=False), timeout=30_000)
    assert texts(tab) == local

    # The server ended the session (a password reset): log in again, said so, with the button.
    gone = {"detail": "unknown or expired admin session"}
    reports.transport = httpx.MockTransport(lambda _: httpx.Response(401, json=gone))
    tab.set_scope(True)
    qtbot.waitUntil(lambda: not tab.login_button.isHidden(), timeout=30_000)
    assert tab.server_note.text().startswith("Для отметок всей сети нужно войти на сервер")
    assert not reports.logged_in() and tab.scope.currentData() == "terminal"
    qtbot.waitUntil(lambda: shown(tab, chain=False), timeout=30_000)
    close(qtbot, window, workers)
