"""Pull: what changed on the server after a cursor, as plain JSON a terminal stores in one transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from app.core import schema as t
from app.core.timeutil import DAY_MS, now_ms
from server import schema as s
from server.store import is_sqlite


def customer_snapshot(conn: Connection, row: Any) -> dict[str, Any]:
    """Everything a terminal needs to price for this customer offline."""
    cards = list(conn.execute(select(t.cards.c.code).where(t.cards.c.customer_id == row.id)).scalars())
    lots = [
        {"uid": r.uid, "points": int(r.points), "remaining": int(r.remaining), "available_at": int(r.available_at),
         "expires_at": None if r.expires_at is None else int(r.expires_at), "source": r.source, "txn_uid": r.txn_uid}
        for r in conn.execute(
            select(t.lots).where(t.lots.c.customer_id == row.id, t.lots.c.remaining > 0).order_by(t.lots.c.id)
        )
    ]  # fmt: skip
    stamps = {
        r.rule_id: int(r.n)
        for r in conn.execute(
            select(t.stamps.c.rule_id, t.stamps.c.count.label("n")).where(t.stamps.c.customer_id == row.id)
        )
    }
    years = sorted(
        int(y)
        for y in conn.execute(
            select(t.birthday_grants.c.year).where(t.birthday_grants.c.customer_id == row.id)
        ).scalars()
    )
    spend: dict[int, int] = {}
    for r in conn.execute(select(t.sales.c.at, t.sales.c.total).where(t.sales.c.customer_id == row.id)):
        day = int(r.at) // DAY_MS * DAY_MS
        spend[day] = spend.get(day, 0) + int(r.total)
    for r in conn.execute(select(t.refunds.c.at, t.refunds.c.money_back).where(t.refunds.c.customer_id == row.id)):
        day = int(r.at) // DAY_MS * DAY_MS
        spend[day] = spend.get(day, 0) - int(r.money_back)
    referrer = None
    if row.referrer_id is not None:
        referrer = conn.execute(select(t.customers.c.uid).where(t.customers.c.id == row.referrer_id)).scalar()
    return {
        "uid": row.uid, "name": row.name, "phone": row.phone, "birthday": row.birthday, "cards": cards,
        "merged_into": row.merged_into, "referrer_uid": referrer, "referral_paid": int(row.referral_paid),
        "blocked": int(row.blocked), "flagged": int(row.flagged), "enrolled_at": int(row.enrolled_at),
        "last_op_at": int(row.last_op_at), "debt": int(row.debt), "expired_total": int(row.expired_total),
        "lots": lots, "stamps": stamps, "birthday_years": years,
        "spend": [[day, amount] for day, amount in sorted(spend.items()) if amount],
        # Spend is bucketed by UTC day; the tier window is in days, so a day's bucket is exact enough.
        # Sales keep the exact instant on the server for reports.
    }  # fmt: skip


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
            customers = [customer_snapshot(conn, r) for r in rows]
            next_cursor = max([cursor, *(int(r.change_seq) for r in rows)])
            latest = int(conn.execute(select(func.coalesce(func.max(t.customers.c.change_seq), 0))).scalar_one())
    return {
        "cursor": next_cursor,
        "more": more and next_cursor < latest,
        "customers": customers,
        "programs": programs,
        "catalog_version": catalog_now,
        "catalog": catalog,
        "applied_seq": term.last_seq,
        "epoch": term.epoch,
        "server_time": now_ms(),
    }
