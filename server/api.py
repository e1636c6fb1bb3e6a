"""The HTTP API (FastAPI): terminal enrollment, push, pull, customer lookup and administration."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic_core import to_json
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, ProgrammingError, StatementError

from app.core import db, repo, wire
from app.core import schema as t
from app.core.catalog import parse_catalog_csv, store_products
from app.core.errors import LoyaltyError, NotFound
from app.core.ids import uuid7
from app.core.program import parse_program
from app.core.services.staff import put_staff_phone
from app.core.services.verify import VerifyService
from app.core.timeutil import now_ms
from server import auth, authority, cards, customers, expiry, ingest, limits, programs, reports, snapshots
from server import schema as s
from server.config import Settings
from server.store import create_schema, make_engine, next_counter, transaction
from server.throttle import Guard, Throttle

# The database's integer ranges: a bigger number is a bad request (422), not a database error (500).
INT32 = 2**31 - 1
INT64 = 2**63 - 1
TerminalId = Annotated[int, Path(ge=1, le=INT32)]
# Request bodies past these sizes are refused with 413 before they are read whole or parsed
# (starlette's body limit: at once when Content-Length says so, else as soon as the bytes pass it).
MiB = 1024 * 1024
BODY_MAX = 1 * MiB  # any request not named below
PUSH_BODY_MAX = 8 * MiB  # a push of at most 1,000 items
CATALOG_BODY_MAX = 48 * MiB  # 20 million characters of CSV, some of them two bytes
SMALL_BODY_MAX = 4096  # login and enrollment: a name, a password, a code
log = logging.getLogger("loyalty.server")
# What booking a body that does not have its kind's shape raises (a missing key, a wrong type, a
# NULL where the ledger needs a value, a list where the driver needs a number: ProgrammingError and
# InterfaceError "cannot adapt/bind"). A database that is down (OperationalError) is not here.
MALFORMED = (
    KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, IntegrityError, ProgrammingError,
    InterfaceError,
    # The ledger's hot statements run on the raw sqlite3 cursor on an embedded SQLite server.
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError,
)  # fmt: skip


class Strict(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class HistoryProgramIn(Strict):
    uid: str = Field(min_length=1, max_length=64)
    activate_at: int = Field(ge=-INT64, le=INT64)
    program: dict[str, Any]


class EnrollIn(Strict):
    code: str = Field(min_length=4, max_length=64)
    # A store joining the chain (sync.md promise 12): adopt the chain's program or seed it from its own, and the
    # program it priced with until now (compared with the chain's when it names no choice).
    program_choice: Literal["adopt", "seed"] | None = None
    program: dict[str, Any] | None = None
    # The programs a standalone store priced its queued history with, and its last queued sequence number
    # (docs/authority.md "A store joining the chain"): that history is re-derived with them.
    history: list[HistoryProgramIn] | None = Field(default=None, max_length=64)
    joined_seq: int | None = Field(default=None, ge=0, le=INT64)


class CardsIn(Strict):
    need_range: bool = False


class SeedIn(Strict):
    program: dict[str, Any]


class TokenIn(Strict):
    """A terminal asking for a new token (nothing to say)."""


class PushedIn(Strict):
    uid: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1, le=INT64)


class PushItemIn(PushedIn):
    """A pushed transaction of a kind this server has no shape for: refused per item (unknown_kind)."""

    kind: str = Field(min_length=1, max_length=32)
    body: dict[str, Any]


# One item model per kind, its body checked against the kind's shape in app.core.wire (strict
# integers, no unknown keys). A body that does not have its shape refuses the whole push with 422
# before anything is booked, as a body the ledger could not book did before (docs/wire.md says why
# this is not a per-item `rejected`).
class EnrollItemIn(PushedIn):
    kind: Literal["enroll"]
    body: wire.EnrollBody


class SaleItemIn(PushedIn):
    kind: Literal["sale"]
    body: wire.SaleBody


class RefundItemIn(PushedIn):
    kind: Literal["refund"]
    body: wire.RefundBody


class AdjustItemIn(PushedIn):
    kind: Literal["adjust"]
    body: wire.AdjustBody


class CardItemIn(PushedIn):
    kind: Literal["card"]
    body: wire.CardBody


class BlockItemIn(PushedIn):
    kind: Literal["block"]
    body: wire.BlockBody


class ProgramItemIn(PushedIn):
    kind: Literal["program"]
    body: wire.ProgramBody


class CatalogItemIn(PushedIn):
    kind: Literal["catalog"]
    body: wire.CatalogBody


def _item_kind(item: Any) -> str:
    kind = item.get("kind") if isinstance(item, dict) else getattr(item, "kind", None)
    return kind if isinstance(kind, str) and kind in wire.BODIES else "other"


PushItem = Annotated[
    Annotated[EnrollItemIn, Tag("enroll")]
    | Annotated[SaleItemIn, Tag("sale")]
    | Annotated[RefundItemIn, Tag("refund")]
    | Annotated[AdjustItemIn, Tag("adjust")]
    | Annotated[CardItemIn, Tag("card")]
    | Annotated[BlockItemIn, Tag("block")]
    | Annotated[ProgramItemIn, Tag("program")]
    | Annotated[CatalogItemIn, Tag("catalog")]
    | Annotated[PushItemIn, Tag("other")],
    Discriminator(_item_kind),
]


class PushIn(Strict):
    epoch: int = Field(ge=1, le=INT32)
    items: list[PushItem] = Field(max_length=1000)


class LoginIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class StoreIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=500)


class ManagerIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class StaffPhoneIn(Strict):
    name: str = Field(min_length=1, max_length=200)  # the cashier's name, as the tills push it on sales
    phone: str | None = Field(default=None, max_length=40)  # their own phone; None or "" forgets it


class TerminalIn(Strict):
    store_id: int = Field(ge=1, le=INT32)
    name: str = Field(min_length=1, max_length=200)


class ProgramIn(Strict):
    program: dict[str, Any]
    activate_at: int | None = Field(default=None, ge=0, le=INT64)


class CatalogIn(Strict):
    csv: str = Field(max_length=20_000_000)


def _terminal(request: Request, authorization: Annotated[str | None, Header()] = None) -> auth.Terminal:
    token = _bearer(authorization)
    try:
        return auth.terminal_for(request.app.state.engine, token)
    except LoyaltyError as exc:
        raise HTTPException(401, str(exc)) from None


def _session(request: Request, authorization: Annotated[str | None, Header()] = None) -> auth.Admin:
    token = _bearer(authorization)
    try:
        return auth.admin_for(request.app.state.engine, token)
    except LoyaltyError as exc:
        raise HTTPException(401, str(exc)) from None


def _admin(session: Annotated[auth.Admin, Depends(_session)]) -> auth.Admin:
    if session.role != "admin":
        raise HTTPException(403, str(LoyaltyError("admin_only")))
    return session


TermDep = Annotated[auth.Terminal, Depends(_terminal)]
SessionDep = Annotated[auth.Admin, Depends(_session)]
AdminDep = Annotated[auth.Admin, Depends(_admin)]


def _client_address(request: Request) -> str:
    # The peer's address; behind a reverse proxy, uvicorn's --proxy-headers and --forwarded-allow-ips
    # put the real client's here (docs/security.md).
    return request.client.host if request.client else "unknown"


def _lower_priority() -> None:
    """Run this hashing thread (and the threads argon2 starts from it) at a lower CPU priority than the
    requests: under a login flood the terminals' lookups and pushes get the cores first."""
    with contextlib.suppress(AttributeError, OSError):  # os.setpriority is POSIX; per thread on Linux
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def _too_many(code: str, wait_s: int, status: int = 429) -> JSONResponse:
    """A refusal to try again later: its English words, its code, and the wait in Retry-After."""
    return JSONResponse(
        {"detail": str(LoyaltyError(code, wait_seconds=wait_s)), "code": code, "wait_seconds": wait_s},
        status_code=status,
        headers={"Retry-After": str(wait_s)},
    )


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The server application on one database."""
    engine = engine or make_engine(settings.database)
    create_schema(engine)
    if settings.admin_name and settings.admin_password:
        auth.add_admin(engine, settings.admin_name, settings.admin_password)

    throttle = Throttle(
        engine,
        {
            "login-name": settings.login_name_limits,
            "login-addr": settings.login_addr_limits,
            "enroll-addr": settings.enroll_addr_limits,
        },
    )
    # Password hashing runs on its own few threads, never on the threadpool the terminals' requests use,
    # and at most hash_concurrency at once: a login flood waits here (or is refused), the tills do not.
    hashers = ThreadPoolExecutor(
        max_workers=settings.hash_concurrency, thread_name_prefix="argon2", initializer=_lower_priority
    )
    hash_gate = asyncio.Semaphore(settings.hash_concurrency)
    waiting = [0]  # logins waiting for or holding the gate in this process

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_expiry_loop(engine, settings.expiry_interval_s, throttle))
        yield
        task.cancel()  # the hashing threads stay: an app may be started again (tests), and they end with the process

    app = FastAPI(title="Loyalty Terminal central server", version="1", lifespan=lifespan, max_body_size=BODY_MAX)
    app.state.engine = engine
    app.state.throttle = throttle
    app.include_router(reports.router)  # the manager's chain reports (server/reports.py)

    @app.exception_handler(LoyaltyError)
    async def loyalty_error(_: Request, exc: LoyaltyError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(ingest.Refused)
    async def refused(_: Request, exc: ingest.Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(DataError)
    async def bad_value(_: Request, exc: DataError) -> JSONResponse:
        # SQLSTATE class 22 (data exception): a value the database cannot hold or compare, such as a
        # NUL character in text (PostgreSQL) or a number past its column. The request was wrong, and
        # its transaction was rolled back whole.
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        return JSONResponse({"detail": f"a value in the request cannot be stored: {reason}"}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=422)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness: the database answers."""
        with engine.connect() as conn:
            conn.execute(select(1))
        return {"ok": True, "time": now_ms()}

    @app.post("/v1/terminals/enroll", max_body_size=BODY_MAX)
    def enroll_terminal(body: EnrollIn, request: Request) -> Any:
        """Exchange a one-time code for a terminal token, the chain's card keys, a card range and its programs.

        Wrong codes from one address are limited. The body may carry the store's program (promise 12), so it
        gets the general limit, not the login's."""
        guards = [Guard("enroll-addr", _client_address(request))]
        wait_s = throttle.wait_s(guards)
        if wait_s:
            log.warning("enrollment refused, locked out: client=%s wait=%ss", guards[0].value, wait_s)
            return _too_many("enroll_locked", wait_s)

        def joining(conn: Connection, terminal_id: int) -> dict[str, Any]:
            chosen = programs.on_enroll(conn, body.program_choice, body.program)
            history = [h.model_dump() for h in body.history] if body.history else None
            programs.record_history(conn, terminal_id, body.program_choice, history, body.joined_seq)
            return {**chosen, "card_keys": cards.keys_for_terminal(conn),
                    "card_range": cards.allocate_range(conn, terminal_id)}  # fmt: skip

        try:
            return auth.exchange_code(engine, body.code, joining)
        except LoyaltyError as exc:
            if exc.code == "enroll_code":
                throttle.fail(guards)
                log.warning("enrollment failed: client=%s (unknown or expired code)", guards[0].value)
            if exc.code in programs.CHOICE_REFUSALS:
                raise HTTPException(409, str(exc)) from None  # the code is not spent: enroll again with a choice
            raise

    @app.post("/v1/sync/program/seed")
    def seed_program(body: SeedIn, term: TermDep) -> dict[str, Any]:
        """A chain without any program takes this terminal's as its first (promise 12); refused once it has one."""
        try:
            with transaction(engine) as conn:
                return programs.seed(conn, body.program)
        except LoyaltyError as exc:
            if exc.code in programs.CHOICE_REFUSALS:
                raise HTTPException(409, str(exc)) from None
            raise

    @app.post("/v1/sync/cards")
    def card_keys(body: CardsIn, term: TermDep) -> dict[str, Any]:
        """The chain's card keys (current and previous), and a new range of card numbers when asked for."""
        with transaction(engine) as conn:
            out: dict[str, Any] = {"card_keys": cards.keys_for_terminal(conn)}
            if body.need_range:
                out["card_range"] = cards.allocate_range(conn, term.id)
        return out

    @app.post("/v1/terminals/token")
    def rotate_token(_: TokenIn, term: TermDep) -> dict[str, Any]:
        """A new token for this terminal: the old one is refused once the new one has been used."""
        return {"terminal_id": term.id, "token": auth.rotate_token(engine, term)}

    @app.get("/v1/terminals/me")
    def whoami(term: TermDep) -> dict[str, Any]:
        """The terminal this token belongs to (a rotated token's first use makes it the only one)."""
        return {"terminal_id": term.id, "store_id": term.store_id, "name": term.name, "epoch": term.epoch}

    @app.post("/v1/sync/push", max_body_size=PUSH_BODY_MAX)
    def push(body: PushIn, term: TermDep) -> wire.PushAnswer:
        """Apply queued transactions in terminal order; business outcomes per item, always HTTP 200."""
        items = [ingest.Item(i.uid, i.seq, i.kind, i.body) for i in body.items]
        seqs = [i.seq for i in items]
        if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
            raise HTTPException(422, "items must be in strictly increasing terminal sequence order")
        try:
            results = ingest.push(engine, term.id, body.epoch, items)
        except MALFORMED as exc:
            raise HTTPException(422, _malformed(exc)) from None
        except StatementError as exc:
            if isinstance(exc, DBAPIError):
                raise  # the database itself failed (down, timed out): a server error the terminal retries
            raise HTTPException(422, _malformed(exc.orig or exc)) from None  # a value SQLAlchemy cannot bind
        return {"results": results, "server_time": now_ms()}

    @app.get("/v1/sync/pull", response_model=dict[str, Any])
    def pull(
        term: TermDep,
        cursor: Annotated[int, Query(ge=0, le=INT64)] = 0,
        catalog: Annotated[int, Query(ge=0, le=INT64)] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> Response:
        """Changes after a cursor: customers, programs, catalog, and this terminal's applied watermark."""
        # Plain JSON values, written in one call: FastAPI's own encoding walked every value of a
        # 1,000-customer page in Python and took longer than building the page (150 ms of 200 ms).
        return Response(to_json(snapshots.pull(engine, term.id, cursor, catalog, limit)), media_type="application/json")

    @app.get("/v1/customers/lookup")
    def lookup(term: TermDep, q: Annotated[str, Query(min_length=1, max_length=64)]) -> dict[str, Any]:
        """One customer's snapshot by card or phone (a card not yet in the terminal's replica)."""
        return _lookup(engine, q)

    @app.post("/v1/admin/login", max_body_size=SMALL_BODY_MAX)
    async def login(body: LoginIn, request: Request) -> Any:
        """An admin session token; failures are limited per name and per client address (429, Retry-After)."""
        address = _client_address(request)
        guards = [Guard("login-name", body.name.casefold()), Guard("login-addr", address)]
        # Refused as cheaply as can be, before any password is hashed: too many logins at once (no
        # database read), then a locked-out name or address (one read).
        if waiting[0] >= settings.hash_concurrency + settings.hash_queue:
            log.info("admin login refused, too many at once: name=%r client=%s", body.name, address)
            await asyncio.sleep(settings.refusal_delay_ms / 1000)
            return _too_many("server_busy", 1, status=503)
        waiting[0] += 1
        try:
            wait_s = await run_in_threadpool(throttle.wait_s, guards)
            if not wait_s:
                async with hash_gate:
                    admin_id, password_hash = await run_in_threadpool(auth.admin_password_hash, engine, body.name)
                    loop = asyncio.get_running_loop()
                    ok = await loop.run_in_executor(hashers, auth.password_matches, password_hash, body.password)
        finally:
            waiting[0] -= 1  # a locked-out login gives its place back before its pause
        if wait_s:
            log.info("admin login refused, locked out: name=%r client=%s wait=%ss", body.name, address, wait_s)
            await asyncio.sleep(settings.refusal_delay_ms / 1000)
            return _too_many("login_locked", wait_s)
        if not ok or admin_id is None:
            await run_in_threadpool(throttle.fail, guards)
            log.warning("admin login failed: name=%r client=%s", body.name, address)
            raise HTTPException(401, str(LoyaltyError("admin_wrong")))
        token = await run_in_threadpool(auth.open_session, engine, admin_id)
        session = await run_in_threadpool(auth.admin_for, engine, token)
        return {"token": token, "role": session.role, "stores": await run_in_threadpool(_store_names, engine, session)}

    @app.post("/v1/admin/logout")
    def logout(_: SessionDep, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        """End this session: its token is refused from now on."""
        auth.logout(engine, _bearer(authorization))
        return {"logged_out": True}

    @app.post("/v1/admin/stores")
    def add_store(body: StoreIn, _: AdminDep) -> dict[str, Any]:
        """Create a store."""
        return {"store_id": auth.add_store(engine, body.name, body.address)}

    @app.get("/v1/admin/stores")
    def stores(_: AdminDep) -> dict[str, Any]:
        """All stores."""
        with engine.connect() as conn:
            return {"stores": [dict(r._mapping) for r in conn.execute(select(s.stores).order_by(s.stores.c.id))]}

    @app.post("/v1/admin/terminals")
    def add_terminal(body: TerminalIn, _: AdminDep) -> dict[str, Any]:
        """Register a terminal and get its one-time enrollment code."""
        terminal_id, code = auth.register_terminal(engine, body.store_id, body.name)
        return {"terminal_id": terminal_id, "code": code}

    @app.get("/v1/admin/terminals")
    def terminals(_: AdminDep) -> dict[str, Any]:
        """All terminals with their sync state."""
        cols = [s.terminals.c[n] for n in ("id", "store_id", "name", "epoch", "last_seq", "revoked", "last_seen_at")]
        with engine.connect() as conn:
            return {"terminals": [dict(r._mapping) for r in conn.execute(select(*cols).order_by(s.terminals.c.id))]}

    @app.post("/v1/admin/terminals/{terminal_id}/code")
    def terminal_code(terminal_id: TerminalId, _: AdminDep) -> dict[str, Any]:
        """A new one-time code for a re-imaged or restored terminal."""
        return {"terminal_id": terminal_id, "code": auth.new_code(engine, terminal_id)}

    @app.post("/v1/admin/terminals/{terminal_id}/revoke")
    def revoke(terminal_id: TerminalId, _: AdminDep) -> dict[str, Any]:
        """Refuse a terminal from now on."""
        auth.revoke(engine, terminal_id)
        return {"terminal_id": terminal_id, "revoked": True}

    @app.post("/v1/admin/program")
    def set_program(body: ProgramIn, _: AdminDep) -> dict[str, Any]:
        """Validate and activate a program version for the whole chain."""
        return {"version": _set_program(engine, body.program, body.activate_at)}

    @app.get("/v1/admin/program")
    def get_program(_: AdminDep) -> dict[str, Any]:
        """The program version in force now."""
        with engine.connect() as conn:
            version, program = repo.program_at(conn, now_ms())
        return {"version": version, "program": dict(program.raw)}

    @app.put("/v1/admin/catalog", max_body_size=CATALOG_BODY_MAX)
    def put_catalog(body: CatalogIn, _: AdminDep) -> dict[str, Any]:
        """Upsert products from CSV for every terminal."""
        products = parse_catalog_csv(body.csv)
        with transaction(engine) as conn:
            store_products(conn, products)
            version = next_counter(conn, "catalog")
        return {"imported": len(products), "catalog_version": version}

    @app.get("/v1/admin/overdrafts")
    def overdrafts(_: AdminDep) -> dict[str, Any]:
        """Offline double-spends booked as overdraft, newest first."""
        with engine.connect() as conn:
            rows = conn.execute(select(s.overdrafts).order_by(s.overdrafts.c.id.desc()).limit(1000))
            items = [dict(r._mapping) for r in rows]
        points = sum(int(i["points"]) for i in items if i.get("unit", "points") == "points")
        stamps = sum(int(i["points"]) for i in items if str(i.get("unit", "")).startswith("stamps:"))
        return {"overdrafts": items, "total_points": points, "total_stamps": stamps}

    @app.get("/v1/admin/cards/quarantine")
    def quarantine(_: AdminDep) -> dict[str, Any]:
        """Cards issued to two customers offline, newest first: each second customer was kept without the card."""
        return {"quarantined": cards.quarantined(engine)}

    @app.post("/v1/admin/cards/rotate-key")
    def rotate_card_key(_: AdminDep) -> dict[str, Any]:
        """A new current chain card key; the previous one still checks the cards printed before."""
        return cards.rotate_key(engine)

    @app.post("/v1/admin/stores/{store_id}/managers")
    def add_manager(store_id: TerminalId, body: ManagerIn, _: AdminDep) -> dict[str, Any]:
        """Register a manager of a store: blocks, card replacements and adjustments need one (sync.md promise 10)."""
        authority.add_manager(engine, store_id, body.name)
        return {"store_id": store_id, "name": body.name.strip()}

    @app.put("/v1/admin/staff-phones")
    def set_staff_phone(body: StaffPhoneIn, _: AdminDep) -> dict[str, Any]:
        """A staff member's own phone, so the chain's fraud flags watch their card (docs/fraud.md)."""
        with db.transaction(engine) as conn:
            return {"staff_phones": put_staff_phone(conn, body.name.strip(), body.phone)}

    @app.get("/v1/admin/managers")
    def store_managers(_: AdminDep) -> dict[str, Any]:
        """Every store's registered managers."""
        return {"managers": authority.managers(engine)}

    @app.get("/v1/admin/rejections")
    def rejections(_: AdminDep) -> dict[str, Any]:
        """Pushed items the server refused, newest first, with terminal, store, actor, code and body."""
        return {"rejections": authority.rejections(engine)}

    @app.get("/v1/admin/corrections")
    def corrections(
        _: AdminDep,
        store: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
        customer: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        kind: Annotated[str | None, Query(pattern="^[a-z_]{1,40}$")] = None,
    ) -> dict[str, Any]:
        """Uses beyond chain-wide limits (coupons, once-only bonuses) booked as corrections, newest first."""
        return limits.list_corrections(engine, store, customer, kind)

    @app.get("/v1/admin/programs/joined")
    def joined_programs(_: AdminDep) -> dict[str, Any]:
        """The programs joining stores priced their history with before they joined, by terminal."""
        with engine.connect() as conn:
            return {"joined": programs.joined(conn)}

    @app.post("/v1/admin/expiry/run")
    def run_expiry(_: AdminDep) -> dict[str, Any]:
        """Post due expiry now (it also runs on a timer)."""
        return {"expired": expiry.post_expiry(engine)}

    @app.get("/v1/admin/verify")
    def verify(_: AdminDep) -> dict[str, Any]:
        """Recompute every balance from the journal (conservation check)."""
        return VerifyService(engine).verify().to_json()

    @app.get("/v1/admin/customers/{who}")
    def customer(who: str, session: SessionDep) -> dict[str, Any]:
        """A customer by card or phone, with the real phone: any for an admin, a manager only its stores' ones."""
        return customers.admin_view(engine, who, None if session.role == "admin" else session.stores)

    return app


def _store_names(engine: Engine, session: auth.Admin) -> list[str] | None:
    """The names of the stores a manager's login reads (None for an admin: every store)."""
    if session.role == "admin":
        return None
    with engine.connect() as conn:
        stmt = select(s.stores.c.name).where(s.stores.c.id.in_(sorted(session.stores))).order_by(s.stores.c.name)
        rows = conn.execute(stmt)
        return [str(n) for n in rows.scalars()]


def _malformed(exc: BaseException) -> str:
    # The body lacks a field the ledger reads, or holds a value of the wrong kind: a broken terminal,
    # not a server fault. The whole batch was rolled back, and the terminal hears why.
    first = (str(exc).splitlines() or [""])[0][:200]
    return f"a transaction body is malformed ({type(exc).__name__}: {first}); nothing was applied"


def _bearer(header: str | None) -> str:
    if not header or not header.startswith("Bearer ") or len(header) < 12:
        raise HTTPException(401, "missing bearer token")
    return header[7:].strip()


def _lookup(engine: Engine, q: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = customers.find(conn, q)
        if row is None:
            raise NotFound(f"no customer with card or phone {q}")
        return snapshots.customer_snapshot(conn, row)


def _set_program(engine: Engine, data: dict[str, Any], activate_at: int | None) -> int:
    program = parse_program(data)
    with transaction(engine) as conn:
        key = conn.execute(
            insert(t.programs).values(
                uid=uuid7(),
                body=json.dumps(dict(program.raw), ensure_ascii=False, sort_keys=True),
                activate_at=0 if activate_at is None else activate_at,
                created_at=now_ms(),
            )
        ).inserted_primary_key
        assert key is not None
        return int(key[0])


async def _expiry_loop(engine: Engine, interval: int, throttle: Throttle) -> None:
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(Exception):  # a failed run is retried at the next tick
            # Every server process ticks; an advisory lock and the time of the last run make it one run
            # per interval across them all (server/expiry.py).
            await run_in_threadpool(expiry.run_due, engine, interval * 1000)
        with contextlib.suppress(Exception):
            await run_in_threadpool(throttle.storage.purge)
