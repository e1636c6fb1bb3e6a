"""A terminal reads the chain's reports from the server (app/sync/chain_reports.py), and refuses garbage clearly.

The server is the real app in process (tests/reports_chain.py); the broken servers are httpx mock
transports answering what a proxy, another program on the port or a buggy server might.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import bootstrap
from app.core.services.reports import Filters
from app.sync.chain_reports import ChainReports
from app.sync.client import Refused, SyncError
from tests.reports_chain import ADMIN, MARCH, Chain, running_chain

FIRST, LAST = date(2025, 3, 1), date(2025, 3, 31)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """The two-store chain on an embedded SQLite server."""
    folder = tmp_path_factory.mktemp("chain-client")
    with running_chain(folder, str(folder / "server.sqlite3")) as running:
        yield running


def reader(chain: Chain, transport: httpx.BaseTransport | None = None) -> ChainReports:
    """The Садовая terminal's view of the chain, through the given transport (the real server by default)."""
    reports = ChainReports(chain.terminals[0].ctx.engine, transport or chain.transport)
    reports._session = chain.admin["Authorization"].removeprefix("Bearer ")  # the manager has logged in
    return reports


def test_the_chain_dashboard_is_the_servers(chain: Chain) -> None:
    got = reader(chain).dashboard(FIRST, LAST, Filters())
    assert got.period == MARCH and (got.first, got.last, got.timezone) == (FIRST, LAST, "Europe/Moscow")
    assert got.dashboard == chain.service.dashboard(MARCH)
    assert [row.store for row in got.stores] == ["Арбат", "Садовая"]


def test_the_chain_report_is_the_servers(chain: Chain) -> None:
    got = reader(chain).report(MARCH, Filters(cashier="Мария"))
    expected = chain.service.report(MARCH, Filters(cashier="Мария"))
    assert got.report == dataclasses.replace(expected, generated_at=got.report.generated_at)
    assert sum(row.sales for row in got.stores) == 3


def test_a_terminal_that_is_not_enrolled_has_no_chain(tmp_path: Path) -> None:
    ctx = bootstrap(tmp_path / "alone.sqlite3", create=True)
    ctx.store.init()
    alone = ChainReports(ctx.engine)
    assert not alone.configured()
    with pytest.raises(SyncError, match="not enrolled"):
        alone.dashboard(FIRST, LAST, Filters())
    ctx.close()


def test_an_unreachable_server_is_a_sync_error(chain: Chain) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SyncError, match="server unreachable"):
        reader(chain, httpx.MockTransport(down)).dashboard(FIRST, LAST, Filters())


def test_a_refused_token_says_so(chain: Chain) -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "this terminal was revoked"})

    with pytest.raises(Refused, match="revoked"):
        reader(chain, httpx.MockTransport(refuse)).report(MARCH, Filters())


Change = Callable[[Any], Any]


def _set(*path: Any) -> Change:
    """Set the value at a path (the last item is the value); the answer is otherwise the real one."""

    def change(body: Any) -> Any:
        *keys, last, value = path
        target = body
        for key in keys:
            target = target[key]
        target[last] = value
        return body

    return change


def _drop(*path: Any) -> Change:
    def change(body: Any) -> Any:
        target = body
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return body

    return change


def _whole(replacement: Any) -> Change:
    return lambda _: replacement


def _tampered(chain: Chain, change: Change) -> httpx.MockTransport:
    """A server that answers the real answer, changed."""

    def handle(request: httpx.Request) -> httpx.Response:
        real = chain.client.get(request.url.path, params=dict(request.url.params), headers=chain.admin)
        return httpx.Response(200, json=change(real.json()))

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_drop("dashboard", "revenue"), "dashboard.revenue: missing"),
        (_set("dashboard", "sales", 6.0), "dashboard.sales: expected an integer, got a decimal number"),
        (_set("dashboard", "card_share", 0.66), "card_share: expected an exact fraction"),
        (_set("dashboard", "card_share", "2/0"), "zero denominator"),
        (_set("dashboard", "sales", True), "expected an integer, got a boolean"),
        (_set("stores", 0, "store", 7), "stores[0].store: expected text"),
        (_set("stores", {}), "stores: expected a list"),
        (_set("first", "1 March"), "first: expected an ISO date"),
        (_set("period", "end", 0), "a report period must end after it starts"),
        (_set("filters", "store", "Арбат"), "other filters"),
        (_whole(["not", "an", "object"]), "JSON that is not an object"),
        (_whole({}), "dashboard: expected an object, got null"),
    ],
)
def test_garbage_from_the_server_is_a_clear_sync_error(chain: Chain, change: Change, says: str) -> None:
    with pytest.raises(SyncError, match=re.escape(says)):
        reader(chain, _tampered(chain, change)).dashboard(FIRST, LAST, Filters())


def test_a_report_for_another_period_is_refused(chain: Chain) -> None:
    def shift(body: dict[str, Any]) -> dict[str, Any]:
        body["report"]["period"]["start"] -= 86_400_000
        return body

    with pytest.raises(SyncError, match="another period"):
        reader(chain, _tampered(chain, shift)).report(MARCH, Filters())


def test_segment_customers_in_the_wrong_shape_are_refused(chain: Chain) -> None:
    def reshape(body: dict[str, Any]) -> dict[str, Any]:
        segment = next(s for s in body["report"]["segments"] if s["customers"])
        segment["customers"]["rows"][0] = segment["customers"]["rows"][0][:3]
        return body

    with pytest.raises(SyncError, match=r"customers.rows\[0\]: expected a list of 6 values"):
        reader(chain, _tampered(chain, reshape)).report(MARCH, Filters())


def test_an_html_error_page_is_not_a_report(chain: Chain) -> None:
    def proxy(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Gateway login</html>")

    with pytest.raises(SyncError, match="not JSON"):
        reader(chain, httpx.MockTransport(proxy)).report(MARCH, Filters())


def test_a_server_error_is_reported_with_its_reason(chain: Chain) -> None:
    def broken(_: httpx.Request) -> httpx.Response:
        return httpx.Response(503, content=json.dumps({"detail": "database is starting"}).encode())

    with pytest.raises(SyncError, match="503: database is starting"):
        reader(chain, httpx.MockTransport(broken)).dashboard(FIRST, LAST, Filters())


def test_the_chain_reports_need_the_managers_login_to_the_server(chain: Chain) -> None:
    reports = ChainReports(chain.terminals[0].ctx.engine, chain.transport)
    with pytest.raises(SyncError) as needed:
        reports.dashboard(FIRST, LAST, Filters())
    assert needed.value.code == "report_login_needed"
    with pytest.raises(Refused) as wrong:
        reports.login(ADMIN[0], "not-the-password")
    assert wrong.value.code == "admin_wrong" and not reports.logged_in()
    reports.login(*ADMIN)
    assert reports.dashboard(FIRST, LAST, Filters()).dashboard == chain.service.dashboard(MARCH)


def test_a_logged_out_manager_must_log_in_again(chain: Chain) -> None:
    reports = ChainReports(chain.terminals[0].ctx.engine, chain.transport)
    reports.login(*ADMIN)
    session = reports._session
    reports.logout()
    assert not reports.logged_in()
    refused = chain.client.get("/v1/reports/dashboard", params={"first": "2025-03-01", "last": "2025-03-31"},
                               headers={"Authorization": f"Bearer {session}"})  # fmt: skip
    assert refused.status_code == 401


def test_a_locked_out_login_says_how_long_to_wait(chain: Chain) -> None:
    reports = ChainReports(chain.terminals[0].ctx.engine, chain.transport)
    for _ in range(5):
        with pytest.raises(Refused):
            reports.login("olga", "not-the-password")
    with pytest.raises(SyncError) as locked:
        reports.login("olga", "not-the-password")
    assert locked.value.code == "rate_limited" and 1 <= locked.value.params["wait_seconds"] <= 60
