"""Booking a transaction body: the one code path that writes loyalty effects.

A terminal's use case prices a sale (pure), describes it as a JSON body of facts and
point operations, and books it here with `strict=True`. The central server books the
very same body when the terminal pushes it (`strict=False`: an offline double-spend
becomes an overdraft instead of a refusal), and a terminal replays its own unsynced
bodies on top of a pulled server snapshot with `apply_ops`. One implementation of
points, lots, expiry and refunds everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from app.core import repo, sql
from app.core import schema as t
from app.core.errors import LoyaltyError, NotFound
from app.core.wallet import Lot, Move, Wallet

Op = dict[str, Any]


def grant_op(customer: str, lot: Lot, at: int) -> Op:
    """A new lot for a customer (it pays debt first)."""
    return {
        "op": "grant",
        "customer": customer,
        "at": at,
        "lot": {
            "uid": lot.uid,
            "points": lot.points,
            "available_at": lot.available_at,
            "expires_at": lot.expires_at,
            "source": lot.source,
            "txn_uid": lot.txn_uid,
        },
    }


def spend_op(customer: str, points: int, at: int, why: str = "redeem") -> Op:
    """Points paid from available lots, soonest expiry first."""
    return {"op": "spend", "customer": customer, "points": points, "at": at, "why": why}


def take_back_op(customer: str, points: int, at: int, sale_lot: str | None) -> Op:
    """Earned points taken back by a refund."""
    return {"op": "take_back", "customer": customer, "points": points, "at": at, "sale_lot": sale_lot}


def stamps_op(customer: str, deltas: Mapping[str, int], at: int) -> Op:
    """Stamps added (+) or spent/taken back (-) per rule."""
    return {"op": "stamps", "customer": customer, "deltas": dict(deltas), "at": at}


def lot_of(op: Op) -> Lot:
    """The Lot a grant op creates."""
    d = op["lot"]
    return Lot(d["uid"], d["points"], 0, d["available_at"], d["expires_at"], d["source"], d["txn_uid"])


def apply_op(wallet: Wallet, op: Op, *, strict: bool) -> list[Move]:
    """Apply one point operation to an in-memory wallet; strict refuses to overdraw."""
    kind = op["op"]
    if kind == "grant":
        return wallet.grant(lot_of(op), op["at"])
    if kind == "spend":
        return wallet.spend(op["points"], op["at"]) if strict else wallet.overdraw(op["points"], op["at"])
    if kind == "take_back":
        return wallet.take_back(op["points"], op["at"], op.get("sale_lot"))
    if kind == "stamps":
        return []
    raise LoyaltyError(f"unknown operation {kind!r}")


@dataclass(frozen=True)
class Booked:
    """What booking a body did beyond its facts: overdrafts per customer uid (points, and stamps per rule)."""

    overdraft: Mapping[str, int]
    stamp_overdraft: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def apply_ops(conn: Connection, ops: Sequence[Op], txn_uid: str, *, strict: bool, post_expiry: bool) -> Booked:
    """Apply point and stamp operations to the stored wallets of the customers they name."""
    by_customer: dict[str, list[Op]] = {}
    for op in ops:
        by_customer.setdefault(op["customer"], []).append(op)
    overdraft: dict[str, int] = {}
    stamp_short: dict[str, dict[str, int]] = {}
    for uid, mine in by_customer.items():
        row = customer_by_uid(conn, uid)
        wallet, snapshot = repo.load_wallet(conn, row)
        moves: list[Move] = []
        last = row.last_op_at
        for op in mine:
            if post_expiry:
                moves += wallet.post_expiry(op["at"])
            step = apply_op(wallet, op, strict=strict)
            short = -sum(m.points for m in step if m.kind == "overdraft")
            if short:
                overdraft[uid] = overdraft.get(uid, 0) + short
            moves += step
            if op["op"] == "stamps":
                deltas = dict(op["deltas"])
                if not strict:
                    # A full card spent on two offline terminals: the card stops at zero and the
                    # free unit the second terminal gave is booked as a stamp overdraft.
                    have = repo.stamps_of(conn, row.id)
                    for rule, n in deltas.items():
                        if have.get(rule, 0) + n < 0:
                            stamp_short.setdefault(uid, {})[rule] = -(have.get(rule, 0) + n)
                            deltas[rule] = -have.get(rule, 0)
                repo.add_stamps(conn, row.id, deltas, op["at"], txn_uid)
            last = max(last, op["at"])
        repo.save_wallet(conn, row.id, wallet, snapshot, moves, txn_uid, last_op_at=last)
    return Booked(overdraft, stamp_short)


def customer_by_uid(conn: Connection, uid: str) -> Any:
    """The customer row (with its primary card) for a customer uid, following merges."""
    # FOR UPDATE serialises concurrent pushes that touch one customer on PostgreSQL (no-op on SQLite).
    row = sql.one(conn, "SELECT * FROM customers WHERE uid = :uid" + sql.for_update(conn), {"uid": uid})
    if row is None:
        raise NotFound(f"unknown customer {uid}")
    if row.merged_into:
        return customer_by_uid(conn, row.merged_into)
    return row


def book_enroll(conn: Connection, body: Mapping[str, Any], *, strict: bool, post_expiry: bool) -> int:
    """Create the customer and card of an enrollment body and grant its lots; returns the local id."""
    referrer_id = None
    if body.get("referrer_uid"):
        referrer_id = customer_by_uid(conn, body["referrer_uid"]).id
    inserted = conn.execute(
        insert(t.customers).values(
            uid=body["uid"],
            name=body["name"],
            name_search=body["name"].casefold(),
            phone=body["phone"],
            birthday=body.get("birthday"),
            referrer_id=referrer_id,
            referral_paid=0,
            consent_at=body.get("consent_at"),
            enrolled_at=body["at"],
            last_op_at=body["at"],
            debt=0,
            expired_total=0,
            blocked=0,
        )
    ).inserted_primary_key
    assert inserted is not None
    customer_id = int(inserted[0])
    conn.execute(insert(t.cards).values(code=body["card"], customer_id=customer_id, active=1, issued_at=body["at"]))
    apply_ops(conn, body["ops"], body["uid"], strict=strict, post_expiry=post_expiry)
    return customer_id


_INSERT_SALE = """INSERT INTO sales (uid, customer_id, card, at, program_version, tier, subtotal, discount,
  redeemed_points, redeemed_amount, total, earned, coupon, reward_id, reward_points, birthday_points,
  referral_points, earned_lot_uid, payment, cashier, reflected)
VALUES (:uid, :customer_id, :card, :at, :program_version, :tier, :subtotal, :discount, :redeemed_points,
  :redeemed_amount, :total, :earned, :coupon, :reward_id, :reward_points, :birthday_points, :referral_points,
  :earned_lot_uid, :payment, :cashier, 0)"""
_INSERT_LINE = """INSERT INTO sale_lines (sale_id, idx, sku, name, category, qty, unit_price, amount, discount,
  redeemed, paid, rate, stamp_rule, stamps_given, is_reward)
VALUES (:sale_id, :idx, :sku, :name, :category, :qty, :unit_price, :amount, :discount, :redeemed, :paid, :rate,
  :stamp_rule, :stamps_given, :is_reward)"""


def book_sale(conn: Connection, body: Mapping[str, Any], *, strict: bool, post_expiry: bool) -> tuple[int, Booked]:
    """Write a sale body: the sale, its lines, coupon use, birthday and referral marks, points and stamps."""
    sale = body["sale"]
    customer = customer_by_uid(conn, body["customer_uid"]) if body.get("customer_uid") else None
    customer_id = customer.id if customer is not None else None
    sale_id = sql.insert(
        conn,
        _INSERT_SALE,
        {
            "uid": body["uid"],
            "customer_id": customer_id,
            "card": body.get("card"),
            "at": body["at"],
            "program_version": body["program_version"],
            "tier": sale["tier"],
            "subtotal": sale["subtotal"],
            "discount": sale["discount"],
            "redeemed_points": sale["redeemed_points"],
            "redeemed_amount": sale["redeemed_amount"],
            "total": sale["total"],
            "earned": sale["earned"],
            "coupon": sale.get("coupon"),
            "reward_id": sale.get("reward_id"),
            "reward_points": sale.get("reward_points", 0),
            "birthday_points": sale.get("birthday_points", 0),
            "referral_points": sale.get("referral_points_to_referrer", 0),
            "earned_lot_uid": sale.get("earned_lot_uid"),
            "payment": body.get("payment", "cash"),
            "cashier": body.get("cashier"),
        },
    )
    sql.many(conn, _INSERT_LINE, [{"sale_id": sale_id, "idx": i, **line} for i, line in enumerate(body["lines"])])
    if sale.get("coupon"):
        sql.run(
            conn,
            "INSERT INTO coupon_uses (code, customer_id, sale_id, at) VALUES (:code, :customer, :sale, :at)",
            {"code": sale["coupon"], "customer": customer_id, "sale": sale_id, "at": body["at"]},
        )
    if customer is not None:
        year = sale.get("birthday_year")
        # Two offline terminals can both pay one birthday bonus: both receipts are facts and are booked,
        # the once-a-year mark is kept once (a second insert broke the push for good).
        granted = "SELECT 1 FROM birthday_grants WHERE customer_id = :id AND year = :year"
        if year is not None and sql.scalar(conn, granted, {"id": customer_id, "year": year}) is None:
            sql.run(
                conn,
                "INSERT INTO birthday_grants (customer_id, year, lot_uid) VALUES (:id, :year, :lot)",
                {"id": customer_id, "year": year, "lot": sale["birthday_lot_uid"]},
            )
        if sale.get("referral_points_to_referrer"):
            sql.run(conn, "UPDATE customers SET referral_paid = 1 WHERE id = :id", {"id": customer_id})
    booked = apply_ops(conn, body["ops"], body["uid"], strict=strict, post_expiry=post_expiry)
    return sale_id, booked


def sale_by_uid(conn: Connection, uid: str) -> Any:
    """A sale row by its uid."""
    row = conn.execute(select(t.sales).where(t.sales.c.uid == uid)).first()
    if row is None:
        raise NotFound(f"unknown sale {uid}")
    return row


def book_refund(conn: Connection, body: Mapping[str, Any], *, strict: bool, post_expiry: bool) -> int:
    """Write a refund body: the refund, its units per line, and its point and stamp moves."""
    sale = sale_by_uid(conn, body["sale_uid"])
    r = body["refund"]
    inserted = conn.execute(
        insert(t.refunds).values(
            uid=body["uid"],
            sale_id=sale.id,
            customer_id=sale.customer_id,
            at=body["at"],
            money_back=r["money_back"],
            points_taken_back=r["points_taken_back"],
            points_given_back=r["points_given_back"],
            cashier=body.get("cashier"),
        )
    ).inserted_primary_key
    assert inserted is not None
    refund_id = int(inserted[0])
    units: Iterable[tuple[str, int]] = body["units"].items()
    conn.execute(insert(t.refund_lines), [{"refund_id": refund_id, "idx": int(i), "qty": q} for i, q in units])
    apply_ops(conn, body["ops"], body["uid"], strict=strict, post_expiry=post_expiry)
    return refund_id


def book_adjust(conn: Connection, body: Mapping[str, Any], *, strict: bool, post_expiry: bool) -> None:
    """A manager's manual point adjustment: a lot for points added, a take-back for points removed."""
    apply_ops(conn, body["ops"], body["uid"], strict=strict, post_expiry=post_expiry)


def book_card(conn: Connection, body: Mapping[str, Any]) -> None:
    """A replaced card: the new card points at the customer, the old one stops working."""
    customer = customer_by_uid(conn, body["customer_uid"])
    if body.get("new_card"):
        taken = sql.scalar(conn, "SELECT customer_id FROM cards WHERE code = :code", {"code": body["new_card"]})
        if taken is not None and taken != customer.id:
            raise LoyaltyError(f"card {body['new_card']} is already issued to another customer")
        if taken is None:
            sql.run(
                conn,
                "INSERT INTO cards (code, customer_id, active, issued_at) VALUES (:code, :id, 1, :at)",
                {"code": body["new_card"], "id": customer.id, "at": body["at"]},
            )
    if body.get("old_card"):
        sql.run(conn, "UPDATE cards SET active = 0 WHERE code = :code", {"code": body["old_card"]})


def book_block(conn: Connection, body: Mapping[str, Any]) -> None:
    """A card blocked (or unblocked): a blocked customer can neither earn nor pay with points."""
    customer = customer_by_uid(conn, body["customer_uid"])
    sql.run(conn, "UPDATE customers SET blocked = :b WHERE id = :id", {"b": int(body["blocked"]), "id": customer.id})
