"""Reads and writes of loyalty state inside an open transaction (no commits here)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from app.core import schema as t
from app.core.errors import LoyaltyError, NotFound
from app.core.identity import looks_like_phone, normalize_phone
from app.core.program import Program, parse_program
from app.core.timeutil import DAY_MS, now_ms
from app.core.wallet import Lot, Move, Wallet

_program_cache: dict[str, Program] = {}


def program_at(conn: Connection, at: int) -> tuple[int, Program]:
    """The program version in force at an instant: the newest one activated by then."""
    row = conn.execute(
        select(t.programs.c.version, t.programs.c.uid, t.programs.c.body)
        .where(t.programs.c.activate_at <= at)
        .order_by(t.programs.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        row = conn.execute(
            select(t.programs.c.version, t.programs.c.uid, t.programs.c.body).order_by(t.programs.c.version).limit(1)
        ).first()
    if row is None:
        raise LoyaltyError("no loyalty program is set: run `loyalty-terminal program set FILE`")
    program = _program_cache.get(row.uid)
    if program is None:
        program = _program_cache[row.uid] = parse_program(json.loads(row.body))
    return int(row.version), program


def customer_by_card(conn: Connection, code: str) -> Any:
    """The customer row for an active card number; NotFound otherwise."""
    row = conn.execute(
        select(t.customers, t.cards.c.code.label("card"))
        .join(t.cards, t.cards.c.customer_id == t.customers.c.id)
        .where(t.cards.c.code == code.strip())
    ).first()
    if row is None:
        raise NotFound(f"unknown card {code.strip()}")
    return row


def primary_card(conn: Connection, customer_id: int) -> str:
    """The newest active card of a customer."""
    card = conn.execute(
        select(t.cards.c.code)
        .where(t.cards.c.customer_id == customer_id, t.cards.c.active == 1)
        .order_by(t.cards.c.issued_at.desc())
        .limit(1)
    ).scalar()
    return str(card) if card is not None else ""


def customer_by_card_or_phone(conn: Connection, text: str) -> Any:
    """Find a customer by card number, else by phone number."""
    try:
        return customer_by_card(conn, text)
    except NotFound:
        if not looks_like_phone(text):
            raise
    row = conn.execute(select(t.customers).where(t.customers.c.phone == normalize_phone(text))).first()
    if row is None:
        raise NotFound(f"no customer with card or phone {text.strip()}")
    card = primary_card(conn, row.id)
    return conn.execute(
        select(t.customers, t.cards.c.code.label("card"))
        .join(t.cards, t.cards.c.customer_id == t.customers.c.id)
        .where(t.cards.c.code == card)
    ).first()


def check_time_order(customer: Any, at: int) -> None:
    """Operations on one customer are applied in time order (loyalty-rules.md §4)."""
    if at < customer.last_op_at:
        from app.core.timeutil import iso

        raise LoyaltyError(
            f"operation dated {iso(at)} is before this customer's latest one ({iso(customer.last_op_at)})"
        )


def load_wallet(conn: Connection, customer: Any) -> tuple[Wallet, dict[str, int]]:
    """The customer's open lots and debt, and a snapshot to find what changed later."""
    rows = conn.execute(
        select(t.lots).where(t.lots.c.customer_id == customer.id, t.lots.c.remaining > 0).order_by(t.lots.c.id)
    ).all()
    lots = [Lot(r.uid, r.points, r.remaining, r.available_at, r.expires_at, r.source, r.txn_uid) for r in rows]
    wallet = Wallet(lots=lots, debt=customer.debt, expired_posted=customer.expired_total)
    return wallet, {lot.uid: lot.remaining for lot in lots}


def save_wallet(
    conn: Connection,
    customer_id: int,
    wallet: Wallet,
    snapshot: Mapping[str, int],
    moves: Iterable[Move],
    txn_uid: str,
) -> None:
    """Write new lots, changed remainders, the journal rows and the customer's debt."""
    new = [lot for lot in wallet.lots if lot.uid not in snapshot]
    if new:
        conn.execute(
            insert(t.lots),
            [
                {
                    "uid": lot.uid,
                    "customer_id": customer_id,
                    "points": lot.points,
                    "remaining": lot.remaining,
                    "available_at": lot.available_at,
                    "expires_at": lot.expires_at,
                    "source": lot.source,
                    "txn_uid": lot.txn_uid,
                }
                for lot in new
            ],
        )
    for lot in wallet.lots:
        if lot.uid in snapshot and snapshot[lot.uid] != lot.remaining:
            conn.execute(update(t.lots).where(t.lots.c.uid == lot.uid).values(remaining=lot.remaining))
    rows = [
        {
            "customer_id": customer_id,
            "lot_uid": m.lot_uid,
            "kind": m.kind,
            "points": m.points,
            "at": m.at,
            "txn_uid": txn_uid,
        }
        for m in moves
    ]
    if rows:
        conn.execute(insert(t.journal), rows)
    conn.execute(
        update(t.customers)
        .where(t.customers.c.id == customer_id)
        .values(debt=wallet.debt, expired_total=wallet.expired_posted)
    )


def tier_spend(conn: Connection, program: Program, customer_id: int, at: int) -> int:
    """Money paid minus money given back in (at − window, at]: the server's figures plus our unreflected ones."""
    start = -(1 << 62) if program.tier_window_days is None else at - program.tier_window_days * DAY_MS
    paid = conn.execute(
        select(func.coalesce(func.sum(t.sales.c.total), 0)).where(
            t.sales.c.customer_id == customer_id, t.sales.c.at > start, t.sales.c.at <= at, t.sales.c.reflected == 0
        )
    ).scalar_one()
    back = conn.execute(
        select(func.coalesce(func.sum(t.refunds.c.money_back), 0)).where(
            t.refunds.c.customer_id == customer_id,
            t.refunds.c.at > start,
            t.refunds.c.at <= at,
            t.refunds.c.reflected == 0,
        )
    ).scalar_one()
    pulled = conn.execute(
        select(func.coalesce(func.sum(t.spend_events.c.amount), 0)).where(
            t.spend_events.c.customer_id == customer_id, t.spend_events.c.at > start, t.spend_events.c.at <= at
        )
    ).scalar_one()
    return int(paid) - int(back) + int(pulled)


def stamps_of(conn: Connection, customer_id: int) -> dict[str, int]:
    """Stamps per rule the customer has ever had."""
    rows = conn.execute(
        select(t.stamps.c.rule_id, t.stamps.c.count.label("n")).where(t.stamps.c.customer_id == customer_id)
    )
    return {r.rule_id: int(r.n) for r in rows}


def add_stamps(conn: Connection, customer_id: int, deltas: Mapping[str, int], at: int, txn_uid: str) -> None:
    """Move stamps on a card (append a move, update the count)."""
    current = stamps_of(conn, customer_id)
    for rule, delta in deltas.items():
        if rule in current:
            if delta:
                conn.execute(
                    update(t.stamps)
                    .where(and_(t.stamps.c.customer_id == customer_id, t.stamps.c.rule_id == rule))
                    .values(count=current[rule] + delta)
                )
        else:
            conn.execute(insert(t.stamps).values(customer_id=customer_id, rule_id=rule, count=delta))
        if delta:
            conn.execute(
                insert(t.stamp_moves).values(customer_id=customer_id, rule_id=rule, delta=delta, at=at, txn_uid=txn_uid)
            )


def write_outbox(conn: Connection, uid: str, kind: str, body: Mapping[str, Any]) -> None:
    """Queue a transaction for the server, in the same local transaction as its business rows."""
    conn.execute(
        insert(t.outbox).values(
            uid=uid, kind=kind, body=json.dumps(body, ensure_ascii=False, sort_keys=True), created_at=now_ms()
        )
    )


def get_meta(conn: Connection, key: str) -> str | None:
    """A terminal setting."""
    value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()
    return None if value is None else str(value)


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Store a terminal setting."""
    if conn.execute(update(t.meta).where(t.meta.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(t.meta).values(key=key, value=value))


def next_clock(conn: Connection, at: int | None) -> int:
    """A business time that never goes backwards across restarts (persisted logical clock)."""
    last = int(get_meta(conn, "clock") or 0)
    value = max(now_ms(), last + 1) if at is None else at
    set_meta(conn, "clock", str(max(last, value)))
    return value


def peek_clock(conn: Connection, at: int | None) -> int:
    """The business time an operation would get now, without advancing the clock."""
    if at is not None:
        return at
    return max(now_ms(), int(get_meta(conn, "clock") or 0) + 1)


def chain_mode(conn: Connection) -> bool:
    """True when this terminal syncs with a central server (which then posts expiry)."""
    return get_meta(conn, "server_url") is not None


def program_uid(conn: Connection, version: int) -> str:
    """The uid of a program version (versions are numbered per database, uids are global)."""
    return str(conn.execute(select(t.programs.c.uid).where(t.programs.c.version == version)).scalar_one())


def offline_redeem_cap(conn: Connection, program: Program, customer: Any, at: int) -> tuple[int | None, str]:
    """How many points this card may still redeem here before the next successful sync, and why."""
    last_sync = int(get_meta(conn, "last_sync_ms") or 0)
    policy = program.offline
    if policy.max_offline_hours is not None and at - last_sync > policy.max_offline_hours * 3_600_000:
        return 0, f"no successful sync for over {policy.max_offline_hours} h: paying with points is paused"
    skew = abs(int(get_meta(conn, "clock_offset_ms") or 0))
    if skew > policy.skew_stop_seconds * 1000:
        return 0, "this terminal's clock is off by more than allowed: paying with points is paused"
    caps: list[tuple[int, str]] = []
    pending = conn.execute(select(t.outbox.c.body).where(t.outbox.c.kind == "sale", t.outbox.c.acked == 0)).scalars()
    mine = total = 0
    for body in pending:
        data = json.loads(body)
        # Gift rewards paid with points count too: they leave the card on the same stale snapshot.
        points = int(data["sale"]["redeemed_points"]) + int(data["sale"].get("reward_points") or 0)
        total += points
        if data.get("customer_uid") == customer.uid:
            mine += points
    if program.offline_redeem_cap is not None:
        caps.append((max(program.offline_redeem_cap - mine, 0), "the per-card limit between syncs is reached"))
    if policy.terminal_redeem_cap is not None:
        caps.append((max(policy.terminal_redeem_cap - total, 0), "this terminal's limit between syncs is reached"))
    if not caps:
        return None, ""
    return min(caps)
