"""A terminal reads the chain's fraud flags from the server (ChainReports.flags), and refuses garbage clearly.

The server is the real one under uvicorn on loopback (tests/chain_live.py), on a SQLite file; the two
stores of tests/reports_chain.py enroll and sync over HTTP, then the chain's fraud is planted
(`plant_flags`: a card at two terminals four minutes apart, a staff member's own card). The broken
servers are httpx mock transports answering the real answer, changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from app.sync.chain_reports import ChainReports
from app.sync.client import Refused, SyncError
from tests.chain_live import ADMIN
from tests.reports_chain import MANAGER, LiveChain, live_chain

FIRST, LAST = date(2025, 3, 1), date(2025, 3, 31)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveChain]:
    with live_chain(tmp_path_factory.mktemp("chain-flags")) as running:
        yield running


def reader(chain: LiveChain, login: tuple[str, str] = ADMIN) -> ChainReports:
    """The Садовая terminal's view of the chain, logged in to the server as `login`."""
    reports = ChainReports(chain.terminals[0].ctx.engine)
    reports.login(*login)
    return reports


def test_the_chain_flags_are_the_servers(chain: LiveChain) -> None:
    reports = reader(chain)
    got = reports.flags(FIRST, LAST)
    boris = chain.cards["Борис"]
    assert [(f.kind, f.card, f.day) for f in got] == [
        ("card_terminals", boris, date(2025, 3, 14)),
        ("staff_card", boris, date(2025, 3, 16)),
    ]
    assert got[0].detail["terminals"] == ["Арбат / Арбат-1", "Садовая / Садовая-1"]
    assert (got[1].person, got[1].count, dict(got[1].detail)) == ("Мария", 4, {"rung_by_owner": 4, "stores": ["Арбат"]})
    # Read back exactly as the server wrote them.
    raw = chain.server.http.get("/v1/reports/flags", params={"first": "2025-03-01", "last": "2025-03-31"}).json()
    assert [f.to_json() for f in got] == raw["flags"]
    # One day: only that day's flag.
    assert [f.kind for f in reports.flags(date(2025, 3, 16), date(2025, 3, 16))] == ["staff_card"]
    reports.logout()


def test_a_manager_reads_the_flags_of_its_own_stores_only(chain: LiveChain) -> None:
    reports = reader(chain, MANAGER)
    assert reports.stores == ("Арбат",)
    # Both flags involve Арбат's sales; the four-minute pair needs Садовая's sale too, which is not the
    # manager's: only Мария's staff card remains.
    assert [(f.kind, f.person) for f in reports.flags(FIRST, LAST)] == [("staff_card", "Мария")]
    reports.logout()


def test_the_chain_flags_need_the_managers_login_and_the_session_ends_with_logout(chain: LiveChain) -> None:
    reports = ChainReports(chain.terminals[0].ctx.engine)
    with pytest.raises(SyncError) as needed:
        reports.flags(FIRST, LAST)
    assert needed.value.code == "report_login_needed"
    reports.login(*ADMIN)
    session = reports._session
    reports.logout()
    reports._session = session  # a session the server has ended
    with pytest.raises(Refused):
        reports.flags(FIRST, LAST)
    assert not reports.logged_in()  # forgotten: the manager logs in again


def test_an_unreachable_server_is_a_sync_error(chain: LiveChain) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    reports = ChainReports(chain.terminals[0].ctx.engine, httpx.MockTransport(down))
    reports._session = "s" * 40
    with pytest.raises(SyncError, match="server unreachable") as caught:
        reports.flags(FIRST, LAST)
    assert caught.value.code == "server_unreachable"


Change = Callable[[Any], Any]


def _tampered(chain: LiveChain, change: Change) -> ChainReports:
    """The Садовая terminal reading through a server that answers the real answer, changed."""

    def handle(request: httpx.Request) -> httpx.Response:
        real = chain.server.http.get(request.url.path, params=dict(request.url.params))
        assert real.status_code == 200, real.text
        return httpx.Response(200, json=change(real.json()))

    reports = ChainReports(chain.terminals[0].ctx.engine, httpx.MockTransport(handle))
    reports._session = "s" * 40  # logged in (the mock asks with the admin's own session)
    return reports


def _flag(key: str, value: Any, index: int = 0) -> Change:
    def change(body: Any) -> Any:
        body["flags"][index][key] = value
        return body

    return change


def _drop(key: str) -> Change:
    def change(body: Any) -> Any:
        del body["flags"][0][key]
        return body

    return change


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda _: ["not", "an", "object"], "server_not_object"),
        (lambda _: {"first": "2025-03-01", "last": "2025-03-31"}, "flags: expected a list of flags"),
        (lambda b: {**b, "flags": {"0": b["flags"][0]}}, "flags: expected a list of flags"),
        (lambda b: {**b, "flags": [7]}, "flags[0]: expected an object, got an integer"),
        (_flag("kind", "robbery"), "flags[0].kind: expected one of busy_card"),
        (_drop("kind"), "flags[0].kind: expected one of"),
        (_flag("day", "14 March"), "flags[0].day: expected an ISO date, got text '14 March'"),
        (_flag("count", 2.0), "flags[0].count: expected a whole number of zero or more, got a decimal number"),
        (_flag("count", True), "flags[0].count: expected a whole number of zero or more, got a boolean"),
        (_flag("count", -1), "flags[0].count: expected a whole number"),
        (_drop("count"), "flags[0].count: expected a whole number of zero or more, got null"),
        (_flag("card", 42), "flags[0].card: expected text or null, got an integer"),
        (_flag("person", ["Мария"], 1), "flags[1].person: expected text or null, got a list"),
        (_flag("detail", "none"), "flags[0].detail: expected an object"),
        (_flag("detail", {"terminals": "Арбат"}), "flags[0].detail.terminals: expected a list of names"),
        (_flag("detail", {"stores": [7]}, 1), "flags[1].detail.stores: expected a list of names"),
        (_flag("detail", {"rung_by_owner": "4"}, 1), "flags[1].detail.rung_by_owner: expected a whole number"),
        (lambda b: {**b, "first": "yesterday"}, "first: expected an ISO date"),
        (lambda b: {**b, "first": "2025-03-02"}, "the server answered for 2025-03-02..2025-03-31"),
        (_flag("day", "2025-04-01"), "a flag of 2025-04-01, outside 2025-03-01..2025-03-31"),
    ],
)
def test_garbage_from_the_server_is_a_clear_sync_error(chain: LiveChain, change: Change, says: str) -> None:
    reports = _tampered(chain, change)
    with pytest.raises(SyncError) as caught:
        reports.flags(FIRST, LAST)
    assert says == caught.value.code or re.search(re.escape(says), str(caught.value)), str(caught.value)


def test_an_html_error_page_is_not_a_list_of_flags(chain: LiveChain) -> None:
    def proxy(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Gateway login</html>")

    reports = ChainReports(chain.terminals[0].ctx.engine, httpx.MockTransport(proxy))
    reports._session = "s" * 40
    with pytest.raises(SyncError, match="not JSON"):
        reports.flags(FIRST, LAST)
