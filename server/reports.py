"""The reports API: the manager's dashboard and full report over the whole chain, with a store-by-store comparison,
and the chain's fraud flags (app.core.services.fraud).

Read with an admin or manager login of the admin API (`POST /v1/admin/login`): an admin reads
every store, a manager only the stores its account names (and must name one of them); a
terminal's token alone reads nothing (a till asks its manager for that login).

Every figure is `ReportsService`'s, computed on the server's database in one read-only
snapshot (REPEATABLE READ on PostgreSQL, a read transaction on SQLite); the JSON shape is
`app.core.services.report_json`'s. Answers are gzip-compressed when the client accepts it: the
customer lists of a big chain's segments are megabytes of text.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine, select

from app.core import repo
from app.core.errors import LoyaltyError, NotFound
from app.core.services.fraud import FraudService
from app.core.services.report_json import to_json
from app.core.services.reports import Filters, Period, ReportsService, Scope, StoreRow
from app.core.timeutil import DAY_MS, from_ms, now_ms, to_ms
from server import auth
from server import schema as s

__all__ = ["MAX_DAYS", "router"]

# A report covers at most about five years: longer asks would only tie up the database.
MAX_DAYS = 1830
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
# Instants as UTC milliseconds within the same calendar bounds (a day of slack for any time zone).
FIRST_MS = to_ms(datetime.combine(FIRST_DAY, time(0), ZoneInfo("UTC"))) - DAY_MS
LAST_MS = to_ms(datetime.combine(LAST_DAY, time(0), ZoneInfo("UTC"))) + 2 * DAY_MS
GZIP_FROM = 2048  # bytes: smaller answers go as they are

router = APIRouter(prefix="/v1/reports", tags=["reports"])


def _reader(request: Request, authorization: Annotated[str | None, Header()] = None) -> auth.Admin:
    """Who reads: an admin or manager session; 401 otherwise (a terminal's token too)."""
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) < 12:
        raise HTTPException(401, "missing bearer token")
    token = authorization[7:].strip()
    engine: Engine = request.app.state.engine
    try:
        return auth.admin_for(engine, token)
    except LoyaltyError as exc:
        try:
            auth.terminal_for(engine, token)
        except LoyaltyError:
            raise HTTPException(401, str(exc)) from None
        raise HTTPException(401, str(LoyaltyError("report_login"))) from None


ReaderDep = Annotated[auth.Admin, Depends(_reader)]
First = Annotated[date | None, Query(description="first local day of the period (with `last`)")]
Last = Annotated[date | None, Query(description="last local day of the period, included (with `first`)")]
Start = Annotated[int | None, Query(ge=0, description="start of the period, UTC milliseconds (with `end`)")]
End = Annotated[int | None, Query(ge=0, description="end of the period, UTC milliseconds, excluded (with `start`)")]
Store = Annotated[str | None, Query(min_length=1, max_length=200, description="only this store's sales")]
Cashier = Annotated[str | None, Query(min_length=1, max_length=200, description="only this cashier's sales")]
Terminal = Annotated[str | None, Query(min_length=1, max_length=200, description="only this terminal's sales")]
SegmentLimit = Annotated[
    int | None,
    Query(ge=0, le=1_000_000, description="customers listed per segment (all of them when absent)"),
]


@router.get("/dashboard")
def dashboard(
    request: Request,
    reader: ReaderDep,
    first: First = None,
    last: Last = None,
    start: Start = None,
    end: End = None,
    store: Store = None,
    cashier: Cashier = None,
    terminal: Terminal = None,
) -> Response:
    """The headline figures of a period over the chain (or a store), and one row per store."""
    engine: Engine = request.app.state.engine
    service = ReportsService(engine, scope=Scope.CHAIN)
    period = _period(service, first, last, start, end)
    filters = _filters(engine, store, cashier, terminal)
    allowed = _scope(engine, reader, filters)
    figures, stores = service.dashboard_by_store(period, filters)
    body = {**_head(engine, period, filters, _seen(stores, allowed)), "dashboard": to_json(figures)}
    return _answer(request, body)


@router.get("/full")
def full(
    request: Request,
    reader: ReaderDep,
    first: First = None,
    last: Last = None,
    start: Start = None,
    end: End = None,
    store: Store = None,
    cashier: Cashier = None,
    terminal: Terminal = None,
    segment_limit: SegmentLimit = None,
) -> Response:
    """The whole report of a period over the chain (or a store), and one row per store."""
    engine: Engine = request.app.state.engine
    service = ReportsService(engine, scope=Scope.CHAIN)
    period = _period(service, first, last, start, end)
    filters = _filters(engine, store, cashier, terminal)
    allowed = _scope(engine, reader, filters)
    report, stores = service.report_by_store(period, filters, segment_limit)
    body = {**_head(engine, period, filters, _seen(stores, allowed)), "report": to_json(report)}
    return _answer(request, body)


@router.get("/flags")
def flags(request: Request, reader: ReaderDep, first: date, last: date) -> Response:
    """The fraud flags of the local days first..last over the chain; a manager's only for its stores."""
    engine: Engine = request.app.state.engine
    if first > last:
        raise HTTPException(422, f"first ({first}) is after last ({last})")
    if first < FIRST_DAY or last > LAST_DAY or (last - first).days + 1 > MAX_DAYS:
        raise HTTPException(422, f"days must lie between {FIRST_DAY} and {LAST_DAY}, {MAX_DAYS} at most")
    stores = None if reader.role == "admin" else sorted(reader.stores)
    found = FraudService(engine, scope=Scope.CHAIN).flags(first, last, stores=stores)
    body = {"first": first.isoformat(), "last": last.isoformat(), "flags": [f.to_json() for f in found]}
    return _answer(request, body)


# ----------------------------------------------------------------------------- inputs


def _period(
    service: ReportsService, first: date | None, last: date | None, start: int | None, end: int | None
) -> Period:
    """The period asked for: local days (first, last) or UTC instants (start, end), never both."""
    days = first is not None or last is not None
    instants = start is not None or end is not None
    if days == instants:
        raise HTTPException(
            422, "give the period either as first and last (local dates) or as start and end (UTC milliseconds)"
        )
    if days:
        if first is None or last is None:
            raise HTTPException(422, "a period of days needs both first and last")
        if first > last:
            raise HTTPException(422, f"first ({first}) is after last ({last})")
        if first < FIRST_DAY or last > LAST_DAY:
            raise HTTPException(422, f"days must lie between {FIRST_DAY} and {LAST_DAY}")
        if (last - first).days + 1 > MAX_DAYS:
            raise HTTPException(422, f"a report covers at most {MAX_DAYS} days")
        return service.period_of_days(first, last)
    if start is None or end is None:
        raise HTTPException(422, "a period of instants needs both start and end")
    if end <= start:
        raise HTTPException(422, "end must be after start")
    if start < FIRST_MS or end > LAST_MS:
        raise HTTPException(422, f"instants must lie between {FIRST_MS} and {LAST_MS}")
    if end - start > MAX_DAYS * DAY_MS + DAY_MS:  # a day of slack: a local day can last 25 hours
        raise HTTPException(422, f"a report covers at most {MAX_DAYS} days")
    return Period(start, end)


def _filters(engine: Engine, store: str | None, cashier: str | None, terminal: str | None) -> Filters:
    """The filters, checked: readable text, and a store or terminal that exists (404 otherwise)."""
    for name, value in (("store", store), ("cashier", cashier), ("terminal", terminal)):
        if value is not None and (value != value.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)):
            raise HTTPException(422, f"{name}: no control characters or surrounding spaces")
    with engine.connect() as conn:
        if store is not None and conn.execute(select(s.stores.c.id).where(s.stores.c.name == store)).first() is None:
            raise NotFound(f"no store named {store!r}")
        if terminal is not None and (
            conn.execute(select(s.terminals.c.id).where(s.terminals.c.name == terminal)).first() is None
        ):
            raise NotFound(f"no terminal named {terminal!r}")
    return Filters(cashier=cashier, store=store, terminal=terminal)


def _scope(engine: Engine, reader: auth.Admin, filters: Filters) -> frozenset[str] | None:
    """The store names this login may see (None: all); a manager must name one of its stores (403 otherwise)."""
    if reader.role == "admin":
        return None
    with engine.connect() as conn:
        rows = conn.execute(select(s.stores.c.name).where(s.stores.c.id.in_(sorted(reader.stores))))
        names = frozenset(str(n) for n in rows.scalars())
    if filters.store is None or filters.store not in names:
        raise HTTPException(403, str(LoyaltyError("report_scope", stores=", ".join(sorted(names)) or "-")))
    return names


def _seen(stores: tuple[StoreRow, ...], allowed: frozenset[str] | None) -> tuple[StoreRow, ...]:
    """The store rows a login may see: a manager's own stores only."""
    return stores if allowed is None else tuple(r for r in stores if r.store in allowed)


# ----------------------------------------------------------------------------- the answer


def _head(engine: Engine, period: Period, filters: Filters, stores: tuple[StoreRow, ...]) -> dict[str, Any]:
    """What both answers share: the period as instants and as local days, the filters, the store rows."""
    with engine.connect() as conn:
        _, program = repo.program_at(conn, period.end)  # the program a report reads its time zone from
    zone = program.zone
    return {
        "period": to_json(period),
        "first": from_ms(period.start).astimezone(zone).date().isoformat(),
        "last": from_ms(period.end - 1).astimezone(zone).date().isoformat(),
        "timezone": program.timezone,
        "filters": to_json(filters),
        "stores": to_json(stores),
        "server_time": now_ms(),
    }


def _answer(request: Request, body: dict[str, Any]) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Vary": "Accept-Encoding"}
    if len(data) >= GZIP_FROM and "gzip" in request.headers.get("accept-encoding", ""):
        data = gzip.compress(data, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)
