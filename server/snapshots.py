"""Pull: what changed on the server after a cursor, as plain JSON a terminal stores in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Select, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from app.core import repo
from app.core import schema as t
from app.core.identity import month_day, phone_form
from app.core.timeutil import now_ms
from server import limits
from server import schema as s
from server.store import is_sqlite, transaction

_CHUNK = 500  # ids per IN list: well under SQLite's 999 bound parameters

# How far back a snapshot lists the customer's sales for the daily card limits (fraud.md, "Daily limits"). A
# till counts a card's sales of the store-local day holding the instant it sells at, a day that began at
# most 25 hours before (a day of a clock change), and it sells after the pull that brought the snapshot: any
# sale of that day is within 25 hours of the pull. 48 hours leave a day of margin for the clocks of the
# tills and the server (which the server bounds much tighter, sync.md promise 13). Only a window, not the
# history: a snapshot's size stays bounded by a day or two of sales of one card however long it has lived.
RECENT_SALES_MS = 48 * 3600 * 1000


def customer_snapshot(conn: Connection, row: Any) -> dict[str, Any]:
    """Everything a terminal needs to price for this customer offline."""
    return customer_snapshots(conn, [row])[0]


def customer_snapshots(conn: Connection, rows: Sequence[Any], scope: Select[Any] | None = None) -> list[dict[str, Any]]:
    """The snapshots of a page of customers, in the order given.

    A fixed number of queries for the whole page rather than six per customer: a first pull of a
    20,000-customer chain spent 54 s in per-customer queries. On PostgreSQL the page's ids travel as
    one array (`= ANY`): an index probe per id, where a join on the page's range of change numbers was
    planned as a scan of every card and lot per page (30 ms a page at 100,000 customers, and growing),
    and 500 bound values per IN list cost more to send than the queries took. On SQLite `scope`, which
    selects exactly the ids of `rows` (a pull page is a range of change numbers), is probed by index."""
    ids = [row.id for row in rows]
    cards: dict[int, list[tuple[str, int, int]]] = {i: [] for i in ids}
    lots: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    stamps: dict[int, dict[str, int]] = {i: {} for i in ids}
    years: dict[int, list[int]] = {i: [] for i in ids}
    spend: dict[int, dict[int, int]] = {i: {} for i in ids}
    recent: dict[int, list[list[int]]] = {i: [] for i in ids}
    since = now_ms() - RECENT_SALES_MS
    referrers: dict[int, str] = {}
    scopes: list[Any]
    if conn.dialect.name != "sqlite":
        scopes = [any_(bindparam("page_ids", ids, type_=ARRAY(Integer)))] if ids else []
    elif scope is not None:
        scopes = [scope]
    else:
        scopes = [ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK)]
    r: Any  # one name for the rows of several queries
    for chunk in scopes:
        for r in conn.execute(
            select(t.cards.c.customer_id, t.cards.c.code, t.cards.c.active, t.cards.c.issued_at)
            .where(_member(t.cards.c.customer_id, chunk))
            .order_by(t.cards.c.issued_at, t.cards.c.code)
        ):
            cards[r.customer_id].append((r.code, int(r.active), int(r.issued_at)))
        for r in conn.execute(
            select(t.lots).where(_member(t.lots.c.customer_id, chunk), t.lots.c.remaining > 0).order_by(t.lots.c.id)
        ):
            lots[r.customer_id].append(
                {
                    "uid": r.uid,
                    "points": int(r.points),
                    "remaining": int(r.remaining),
                    "available_at": int(r.available_at),
                    "expires_at": None if r.expires_at is None else int(r.expires_at),
                    "source": r.source,
                    "txn_uid": r.txn_uid,
                }
            )
        for r in conn.execute(
            select(t.stamps.c.customer_id, t.stamps.c.rule_id, t.stamps.c.count.label("n")).where(
                _member(t.stamps.c.customer_id, chunk)
            )
        ):
            stamps[r.customer_id][r.rule_id] = int(r.n)
        for r in conn.execute(
            select(t.birthday_grants.c.customer_id, t.birthday_grants.c.year).where(
                _member(t.birthday_grants.c.customer_id, chunk)
            )
        ):
            years[r.customer_id].append(int(r.year))
        # One reading of the customers' sales serves both the spend at their instants and the recent sales.
        for r in conn.execute(
            select(
                t.sales.c.customer_id, t.sales.c.id, t.sales.c.at, t.sales.c.total, t.sales.c.earned,
                (t.sales.c.redeemed_points + t.sales.c.reward_points).label("spent"),
            ).where(_member(t.sales.c.customer_id, chunk))
        ):  # fmt: skip
            at = int(r.at)
            spend[r.customer_id][at] = spend[r.customer_id].get(at, 0) + int(r.total)
            if at > since:
                recent[r.customer_id].append([at, int(r.id), int(r.earned), int(r.spent)])
        for r in conn.execute(
            select(t.refunds.c.customer_id, t.refunds.c.at, t.refunds.c.money_back).where(
                _member(t.refunds.c.customer_id, chunk)
            )
        ):
            at = int(r.at)
            spend[r.customer_id][at] = spend[r.customer_id].get(at, 0) - int(r.money_back)
    key = bytes.fromhex(repo.get_meta(conn, "phone_key") or "")
    coupon_uses = limits.coupon_uses_of(conn, ids)  # per-card coupon limits count across the chain (promise 9)
    wanted = sorted({row.referrer_id for row in rows if row.referrer_id is not None})
    for start in range(0, len(wanted), _CHUNK):
        referrers.update(
            conn.execute(
                select(t.customers.c.id, t.customers.c.uid).where(t.customers.c.id.in_(wanted[start : start + _CHUNK]))
            ).all()
        )
    return [
        {
            "uid": row.uid,
            "name": row.name,
            # Only what a till's rules and screens need (sync.md promise 10): the phone as the chain's keyed
            # hash (lookup) with its masked form (display), the birthday as month and day.
            "phone": phone_form(key, row.phone) if row.phone else None,
            "birthday": month_day(row.birthday),
            "cards": [code for code, _, _ in cards[row.id]],
            # The card `customer show` names, by the rule of repo.primary_card (the newest active one),
            # and what a terminal needs to order its own copy the same way: when each card was issued
            # and which ones were replaced (a replaced card must stop working on every terminal).
            "primary_card": _primary(cards[row.id]),
            "card_issued_at": {code: issued for code, _, issued in cards[row.id]},
            "retired_cards": [code for code, active, _ in cards[row.id] if not active],
            "merged_into": row.merged_into,
            "referrer_uid": referrers.get(row.referrer_id),
            "referral_paid": int(row.referral_paid),
            "blocked": int(row.blocked),
            "flagged": int(row.flagged),
            "enrolled_at": int(row.enrolled_at),
            "last_op_at": int(row.last_op_at),
            "debt": int(row.debt),
            "expired_total": int(row.expired_total),
            "lots": lots[row.id],
            "stamps": stamps[row.id],
            "birthday_years": sorted(years[row.id]),
            "coupon_uses": coupon_uses.get(row.id, {}),
            # Spend at the exact instants of its sales and refunds (sync.md promise 13): the tier window is
            # (sale time − tier_window_days, sale time], so a whole-UTC-day bucket put a sale up to a day
            # inside or outside it on every terminal but the one that made it (a day off near midnight).
            "spend": [[at, amount] for at, amount in sorted(spend[row.id].items()) if amount],
            # The daily card limits count across the chain (fraud.md, "Daily limits"): the customer's sales
            # of the last RECENT_SALES_MS as [at, points earned, points paid], one per sale, a sale of
            # nothing earned or paid included (it counts for card_sales).
            "recent_sales": [[at, earned, spent] for at, _, earned, spent in sorted(recent[row.id])],
        }
        for row in rows
    ]


def _member(column: Any, scope: Any) -> Any:
    """column IN the page: a list of ids or a select of them, or = ANY of an array of them."""
    return column.in_(scope) if isinstance(scope, list | Select) else column == scope


def _primary(cards: Sequence[tuple[str, int, int]]) -> str | None:
    """The newest active card (ties, which the ledger never makes, go to the greater code)."""
    active = [(issued, code) for code, is_active, issued in cards if is_active]
    return max(active)[1] if active else None


def pull(engine: Engine, terminal_id: int, cursor: int, catalog_version: int, limit: int = 500) -> dict[str, Any]:
    """Customers changed after cursor (whole change groups), programs, catalog, and this terminal's watermark."""
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            rows: list[Any] = conn.execute(
                select(t.customers)
                .where(t.customers.c.change_seq > cursor)
                .order_by(t.customers.c.change_seq, t.customers.c.id)
                .limit(limit)
            ).all()  # type: ignore[assignment]
            more = len(rows) == limit
            if more:
                # Never split one change number across pages: the cursor would skip the rest.
                last = rows[-1].change_seq
                seen = {r.id for r in rows}
                rows += [
                    r
                    for r in conn.execute(select(t.customers).where(t.customers.c.change_seq == last))
                    if r.id not in seen
                ]
            term = conn.execute(select(s.terminals).where(s.terminals.c.id == terminal_id)).one()
            programs = [
                {
                    "uid": r.uid,
                    "version": int(r.version),
                    "activate_at": int(r.activate_at),
                    "program": json.loads(r.body),
                }
                for r in conn.execute(select(t.programs).order_by(t.programs.c.version))
            ]
            catalog_now = int(
                conn.execute(select(s.counters.c.value).where(s.counters.c.name == "catalog")).scalar() or 0
            )
            catalog = None
            if catalog_now > catalog_version:
                catalog = [
                    {"sku": r.sku, "name": r.name, "category": r.category, "price": int(r.price), "barcode": r.barcode}
                    for r in conn.execute(select(t.products).order_by(t.products.c.sku))
                ]
            next_cursor = max([cursor, *(int(r.change_seq) for r in rows)])
            # The page is exactly the change numbers (cursor, next_cursor]: the first `limit` rows in
            # change order plus the rest of the last number, or everything after the cursor.
            page = select(t.customers.c.id).where(
                t.customers.c.change_seq > cursor, t.customers.c.change_seq <= next_cursor
            )
            customers = customer_snapshots(conn, rows, page)
            latest = int(conn.execute(select(func.coalesce(func.max(t.customers.c.change_seq), 0))).scalar_one())
            last_page = not (more and next_cursor < latest)
            if last_page:
                # Refund marks share the customers' change numbers: the last page reaches the newest one too.
                next_cursor = max(next_cursor, limits.latest_mark(conn))
            extras = limits.page_extras(conn, cursor, next_cursor, last_page)
    if next_cursor > int(term.pulled_cursor or 0):
        # The newest cursor handed out (sync.md promise 8): a pushed body naming a later one is refused.
        with transaction(engine) as conn:
            conn.execute(
                update(s.terminals)
                .where(s.terminals.c.id == terminal_id, s.terminals.c.pulled_cursor < next_cursor)
                .values(pulled_cursor=next_cursor)
            )
    return {
        **extras,
        "cursor": next_cursor,
        "more": not last_page,
        "customers": customers,
        "programs": programs,
        "catalog_version": catalog_now,
        "catalog": catalog,
        "applied_seq": term.last_seq,
        "epoch": term.epoch,
        "server_time": now_ms(),
    }
