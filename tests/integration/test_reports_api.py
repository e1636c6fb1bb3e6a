"""The server's reports API (server/reports.py) on a real chain, on PostgreSQL and on SQLite.

Two terminals sell in two stores and sync through the real server app (tests/reports_chain.py has
the hand-counted March). The answers must be exactly what `ReportsService` computes on the server's
database, the store rows must add up to the chain's totals, and every bad input gets a clear 4xx.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest

import server.auth as server_auth
from app.core.services.report_json import from_json
from app.core.services.reports import Dashboard, Filters, Report, StoreRow
from tests.pg import PgServer, pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)
from tests.reports_chain import MARCH, MARCH_DAYS, Chain, running_chain


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """The chain of tests/reports_chain.py on a server database of each kind."""
    folder = tmp_path_factory.mktemp(f"chain-{request.param}")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            database = str(folder / "server.sqlite3")
        else:
            pg: PgServer = request.getfixturevalue("pg_server")
            database = stack.enter_context(pg.database())
        yield stack.enter_context(running_chain(folder, database))


def _stores(body: dict[str, Any]) -> dict[str | None, StoreRow]:
    return {row.store: row for row in (from_json(StoreRow, r) for r in body["stores"])}


# ----------------------------------------------------------------------------- figures


def test_dashboard_is_what_the_service_computes_on_the_server(chain: Chain) -> None:
    answer = chain.get("dashboard", **MARCH_DAYS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"] == {"start": MARCH.start, "end": MARCH.end}
    assert (body["first"], body["last"], body["timezone"]) == ("2025-03-01", "2025-03-31", "Europe/Moscow")
    figures = from_json(Dashboard, body["dashboard"])
    assert figures == chain.service.dashboard(MARCH)
    # The hand count of tests/reports_chain.py.
    assert (figures.sales, figures.card_sales, figures.revenue) == (6, 4, 110000)
    assert (figures.issued, figures.redeemed, figures.new_enrollments, figures.active_30) == (285, 100, 2, 2)


def test_full_report_is_what_the_service_computes_on_the_server(chain: Chain) -> None:
    answer = chain.get("full", start=MARCH.start, end=MARCH.end)
    assert answer.status_code == 200, answer.text
    report = from_json(Report, answer.json()["report"])
    expected = chain.service.report(MARCH)
    assert report == dataclasses.replace(expected, generated_at=report.generated_at)
    assert report.sales.total.refunded == 15000 and report.segment("active").count == 2


def test_one_row_per_store_with_the_hand_counted_figures(chain: Chain) -> None:
    body = chain.get("dashboard", **MARCH_DAYS).json()
    assert [row["store"] for row in body["stores"]] == ["Арбат", "Садовая"]  # equal revenue: by name
    rows = _stores(body)
    sadovaya, arbat = rows["Садовая"], rows["Арбат"]
    assert (sadovaya.sales, sadovaya.card_sales, sadovaya.gross, sadovaya.refunded, sadovaya.revenue) == (
        3, 2, 70000, 15000, 55000,
    )  # fmt: skip
    assert (sadovaya.issued, sadovaya.redeemed, sadovaya.new_enrollments, sadovaya.active_30) == (140, 100, 1, 1)
    assert (arbat.sales, arbat.card_sales, arbat.gross, arbat.refunded, arbat.revenue) == (3, 2, 55000, 0, 55000)
    assert (arbat.issued, arbat.redeemed, arbat.new_enrollments, arbat.active_30) == (145, 0, 1, 2)
    assert arbat.average_check_card == 22500 and arbat.average_check_anonymous == 10000
    assert sadovaya.card_share == arbat.card_share == Fraction(2, 3)


def test_store_rows_add_up_to_the_chain_totals(chain: Chain) -> None:
    body = chain.get("full", **MARCH_DAYS).json()
    rows = list(_stores(body).values())
    report = from_json(Report, body["report"])
    dashboard = chain.service.dashboard(MARCH)
    total = report.sales.total
    assert sum(r.sales for r in rows) == total.sales == dashboard.sales
    assert sum(r.card_sales for r in rows) == report.sales.card.sales
    assert sum(r.gross for r in rows) == total.gross
    assert sum(r.refunds for r in rows) == total.refunds
    assert sum(r.refunded for r in rows) == total.refunded
    assert sum(r.revenue for r in rows) == total.revenue == dashboard.revenue
    assert sum(r.issued for r in rows) == report.points.issued == dashboard.issued
    assert sum(r.redeemed for r in rows) == report.points.redeemed == dashboard.redeemed
    assert sum(r.new_enrollments for r in rows) == report.customers.new_enrollments
    # A customer who bought in two stores is active in both, and once in the chain.
    assert max(r.active_30 for r in rows) <= dashboard.active_30 <= sum(r.active_30 for r in rows)


def test_a_store_filter_keeps_that_stores_sales_and_row(chain: Chain) -> None:
    body = chain.get("dashboard", store="Арбат", **MARCH_DAYS).json()
    figures = from_json(Dashboard, body["dashboard"])
    assert figures == chain.service.dashboard(MARCH, Filters(store="Арбат"))
    assert (figures.sales, figures.revenue) == (3, 55000)
    assert [row["store"] for row in body["stores"]] == ["Арбат"]
    assert body["filters"] == {"cashier": None, "store": "Арбат", "terminal": None}


def test_a_cashier_filter_applies_to_the_sales_of_every_store(chain: Chain) -> None:
    body = chain.get("full", cashier="Мария", **MARCH_DAYS).json()
    report = from_json(Report, body["report"])
    assert report == dataclasses.replace(
        chain.service.report(MARCH, Filters(cashier="Мария")), generated_at=report.generated_at
    )
    rows = _stores(body)
    assert (rows["Арбат"].sales, rows["Садовая"].sales) == (3, 0)
    assert rows["Садовая"].issued == 140  # points are the store's whatever the cashier filter


def test_a_terminal_filter_follows_who_pushed_each_sale(chain: Chain) -> None:
    body = chain.get("dashboard", terminal="Садовая-1", **MARCH_DAYS).json()
    assert from_json(Dashboard, body["dashboard"]).sales == 3
    assert [row["store"] for row in body["stores"]] == ["Садовая"]


def test_segment_limit_keeps_the_counts(chain: Chain) -> None:
    report = from_json(Report, chain.get("full", segment_limit=1, **MARCH_DAYS).json()["report"])
    assert report.segment("active").count == 2 and len(report.segment("active").customers) == 1


def test_a_big_answer_is_gzipped_when_the_client_accepts_it(chain: Chain) -> None:
    answer = chain.client.get("/v1/reports/full", params=MARCH_DAYS, headers={**chain.admin, "Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.json()["report"]["sales"]["total"]["sales"] == 6  # httpx undoes the gzip
    plain = chain.client.get("/v1/reports/full", params=MARCH_DAYS, headers={**chain.admin, "Accept-Encoding": ""})
    assert "content-encoding" not in plain.headers
    assert len(gzip.compress(plain.content)) < len(plain.content)


# ----------------------------------------------------------------------------- who may read


def test_an_admin_session_reads_the_reports_too(chain: Chain) -> None:
    assert chain.get("dashboard", headers=chain.admin, **MARCH_DAYS).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token-at-all"}, {"Authorization": "Basic x"}])
def test_a_request_without_a_valid_token_is_refused(chain: Chain, headers: dict[str, str]) -> None:
    answer = chain.get("dashboard", headers=headers, **MARCH_DAYS)
    assert answer.status_code == 401 and answer.json()["detail"]


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({}, 422, "either as first and last"),
        ({**MARCH_DAYS, "start": MARCH.start, "end": MARCH.end}, 422, "either as first and last"),
        ({"first": "2025-03-01"}, 422, "both first and last"),
        ({"start": MARCH.start}, 422, "both start and end"),
        ({"first": "2025-03-31", "last": "2025-03-01"}, 422, "is after last"),
        ({"first": "2025-02-30", "last": "2025-03-01"}, 422, "first"),
        ({"first": "1999-12-31", "last": "2000-01-01"}, 422, "between"),
        ({"first": "2020-01-01", "last": "2025-12-31"}, 422, "at most 1830 days"),
        ({"start": MARCH.end, "end": MARCH.start}, 422, "after start"),
        ({"start": -1, "end": MARCH.end}, 422, "start"),
        ({"start": 0, "end": 1}, 422, "between"),
        ({"start": MARCH.start, "end": "soon"}, 422, "end"),
        ({**MARCH_DAYS, "store": "Нет такого"}, 404, "no store named"),
        ({**MARCH_DAYS, "terminal": "Касса 99"}, 404, "no terminal named"),
        ({**MARCH_DAYS, "cashier": "Иван\x00"}, 422, "control characters"),
        ({**MARCH_DAYS, "store": " Арбат"}, 422, "surrounding spaces"),
        ({**MARCH_DAYS, "store": ""}, 422, "store"),
        ({**MARCH_DAYS, "segment_limit": -1}, 422, "segment_limit"),
    ],
)
def test_bad_input_gets_a_clear_4xx(chain: Chain, params: dict[str, Any], status: int, says: str) -> None:
    answer = chain.get("full", **params)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["detail"]


def test_the_reports_api_is_in_the_published_schema(chain: Chain) -> None:
    paths = chain.client.get("/openapi.json").json()["paths"]
    assert {"first", "last", "start", "end", "store", "cashier", "terminal"} <= {
        p["name"] for p in paths["/v1/reports/dashboard"]["get"]["parameters"]
    }
    assert "segment_limit" in {p["name"] for p in paths["/v1/reports/full"]["get"]["parameters"]}


def test_a_terminals_token_alone_reads_no_report(chain: Chain) -> None:
    refused = chain.get("dashboard", headers=chain.terminal, **MARCH_DAYS)
    assert refused.status_code == 401 and "manager or admin login" in refused.json()["detail"]


def _manager(chain: Chain, stores: list[int]) -> dict[str, str]:
    server_auth.add_admin(chain.client.app.state.engine, "olga", "manager-secret", "manager", stores)  # type: ignore[attr-defined]
    token = chain.client.post("/v1/admin/login", json={"name": "olga", "password": "manager-secret"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_manager_reads_only_the_stores_of_its_login(chain: Chain) -> None:
    manager = _manager(chain, [2])  # Арбат
    own = chain.get("dashboard", headers=manager, store="Арбат", **MARCH_DAYS)
    assert own.status_code == 200, own.text
    assert [row["store"] for row in own.json()["stores"]] == ["Арбат"]
    assert own.json()["dashboard"] == chain.get("dashboard", store="Арбат", **MARCH_DAYS).json()["dashboard"]
    for params in ({"store": "Садовая"}, {}):
        refused = chain.get("full", headers=manager, **params, **MARCH_DAYS)
        assert refused.status_code == 403 and "Арбат" in refused.json()["detail"]


def test_an_admin_reads_every_store(chain: Chain) -> None:
    answer = chain.get("dashboard", **MARCH_DAYS)
    assert answer.status_code == 200
    assert [row["store"] for row in answer.json()["stores"]] == ["Арбат", "Садовая"]
