"""What a priced sale, a refund or an enrollment books: its figures, lines and point operations.

Pure functions of the rules' results (a `Quote`, a refund's cumulative figures, a program), used by
the till to build the bodies it commits and queues, and by the server (server/authority.py) to
re-derive every pushed body and compare (sync.md promise 8). One implementation: a figure the server
expects is exactly the figure a honest till writes.

Lot uids are the till's own (uuid7 minted when the body is made); `ids` hands them out in the order
the operations are made, so the server replays a body's uids through the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core import wire
from app.core.pricing import LineOut, Quote
from app.core.program import Program
from app.core.refunds import RefundTotals
from app.core.timeutil import DAY_MS
from app.core.wallet import Lot

__all__ = ["RefundParts", "SaleParts", "enroll_ops", "expiry", "refund_parts", "replay_ids", "sale_parts"]


def expiry(at: int, days: int | None) -> int | None:
    """When points granted at `at` expire (None: never)."""
    return None if days is None else at + days * DAY_MS


def _grant(customer: str, lot: Lot, at: int) -> wire.GrantOp:
    return {
        "op": "grant",
        "customer": customer,
        "at": at,
        "lot": {"uid": lot.uid, "points": lot.points, "available_at": lot.available_at,
                "expires_at": lot.expires_at, "source": lot.source, "txn_uid": lot.txn_uid},
    }  # fmt: skip


@dataclass(frozen=True)
class SaleParts:
    """A sale body's derived parts: figures, lines and operations."""

    figures: wire.SaleFigures
    lines: list[wire.SaleLine]
    ops: list[wire.Op]


def sale_parts(
    program: Program,
    q: Quote,
    uid: str,
    at: int,
    customer: str | None,
    referrer: str | None,
    ids: Callable[[], str],
) -> SaleParts:
    """The figures, lines and point operations of a sale priced as `q` (loyalty-rules.md §3, §4)."""
    ops: list[wire.Op] = []
    birthday_lot_uid = earned_lot_uid = None
    if customer is not None:
        if q.birthday_points and program.birthday_bonus:
            days = program.birthday_bonus.expiry_days or program.expiry_days
            lot = Lot(ids(), q.birthday_points, 0, at, expiry(at, days), "birthday", uid)
            ops.append(_grant(customer, lot, at))
            birthday_lot_uid = lot.uid
        if q.redeemed_points:
            ops.append({"op": "spend", "customer": customer, "points": q.redeemed_points, "at": at, "why": "redeem"})
        if q.reward_points:
            ops.append({"op": "spend", "customer": customer, "points": q.reward_points, "at": at, "why": "reward"})
        available_at = at + program.activation_days * DAY_MS
        if q.earned:
            lot = Lot(ids(), q.earned, 0, available_at, expiry(available_at, program.expiry_days), "sale", uid)
            ops.append(_grant(customer, lot, at))
            earned_lot_uid = lot.uid
        deltas = {rule: -n for rule, n in q.stamps_spent.items()}
        for rule, n in q.stamps_earned.items():
            deltas[rule] = deltas.get(rule, 0) + n
        if deltas:
            ops.append({"op": "stamps", "customer": customer, "deltas": deltas, "at": at})
        if q.referral_points_to_referrer and referrer is not None:
            expires = expiry(available_at, program.expiry_days)
            lot = Lot(ids(), q.referral_points_to_referrer, 0, available_at, expires, "referral", uid)
            ops.append(_grant(referrer, lot, at))
    figures: wire.SaleFigures = {
        "tier": q.tier, "subtotal": q.subtotal, "discount": q.discount, "redeemed_points": q.redeemed_points,
        "redeemed_amount": q.redeemed_amount, "max_points": q.max_points, "total": q.total, "earned": q.earned,
        "birthday_points": q.birthday_points, "reward_points": q.reward_points,
        "referral_points_to_referrer": q.referral_points_to_referrer, "coupon": q.coupon,
        "stamps_spent": dict(q.stamps_spent), "stamps_earned": dict(q.stamps_earned), "reward_id": q.reward_id,
    }  # fmt: skip
    # Only a sale that granted them names these lots (a body without them is today's wire format too).
    if birthday_lot_uid is not None:
        figures["birthday_year"] = q.birthday_year
        figures["birthday_lot_uid"] = birthday_lot_uid
    if earned_lot_uid is not None:
        figures["earned_lot_uid"] = earned_lot_uid
    lines = [_line(ln, q.coupon is not None) for ln in q.lines]
    return SaleParts(figures, lines, ops)


def _line(ln: LineOut, coupon: bool) -> wire.SaleLine:
    """A priced line as the sale body carries it; the schema-v5 keys only where they say something."""
    line: wire.SaleLine = {
        "sku": ln.sku,
        "name": ln.name,
        "category": ln.category,
        "qty": ln.qty,
        "unit_price": ln.unit_price,
        "amount": ln.amount,
        "discount": ln.discount,
        "redeemed": ln.redeemed,
        "paid": ln.paid,
        "rate": str(ln.rate),
        "stamp_rule": ln.stamp_rule,
        "stamps_given": ln.stamps_given,
        "is_reward": int(ln.is_reward),
    }
    if coupon and not ln.is_reward:
        line["coupon_discount"] = ln.coupon_discount
    if len(ln.stamps) > 1:
        line["stamps"] = dict(ln.stamps)
    return line


@dataclass(frozen=True)
class RefundParts:
    """A refund body's derived parts: its figures and operations."""

    figures: wire.RefundFigures
    ops: list[wire.Op]


def refund_parts(
    program: Program,
    d: RefundTotals,
    uid: str,
    at: int,
    customer: str | None,
    reward_points: int,
    sale_lot: str | None,
    gone: int,
    have_stamps: Mapping[str, int],
    ids: Callable[[], str],
) -> RefundParts:
    """What a refund moving `d` books (loyalty-rules.md §5): `gone` of the points taken back already left the
    sale's lot by expiry; stamps taken back never bring the card below zero (`have_stamps`)."""
    given = d.points_given_back + (reward_points if d.reward_returned else 0)
    ops: list[wire.Op] = []
    taken_stamps: dict[str, int] = {}
    if customer is not None:
        if d.points_taken_back:
            take: wire.TakeBackOp = {"op": "take_back", "customer": customer, "points": d.points_taken_back,
                                     "at": at, "sale_lot": sale_lot}  # fmt: skip
            if gone:
                take["expired"] = gone  # absent when 0: bodies of refunds with nothing expired read as before
            ops.append(take)
        if given:
            lot = Lot(ids(), given, 0, at, expiry(at, program.restore_expiry_days), "restore", uid)
            ops.append(_grant(customer, lot, at))
        taken_stamps = {rule: min(n, max(have_stamps.get(rule, 0), 0)) for rule, n in d.stamps_taken_back.items()}
        if any(taken_stamps.values()):
            deltas = {r: -n for r, n in taken_stamps.items() if n}
            ops.append({"op": "stamps", "customer": customer, "deltas": deltas, "at": at})
    figures: wire.RefundFigures = {
        "money_back": d.money_back,
        "points_taken_back": d.points_taken_back,
        "points_given_back": given,
        "stamps_taken_back": taken_stamps,
    }
    return RefundParts(figures, ops)


def enroll_ops(program: Program, uid: str, at: int, referred: bool, ids: Callable[[], str]) -> list[wire.Op]:
    """The welcome and referee grants of an enrollment (loyalty-rules.md §6)."""
    ops: list[wire.Op] = []
    if program.welcome_bonus and program.welcome_bonus.points:
        b = program.welcome_bonus
        days = b.expiry_days or program.expiry_days
        ops.append(_grant(uid, Lot(ids(), b.points, 0, at, expiry(at, days), "welcome", uid), at))
    if referred and program.referral and program.referral.referee_points:
        pts = program.referral.referee_points
        ops.append(_grant(uid, Lot(ids(), pts, 0, at, expiry(at, program.expiry_days), "referee", uid), at))
    return ops


def replay_ids(ops: Sequence[Any]) -> Callable[[], str]:
    """Hands out the lot uids of a body's grant operations in their order (then fresh placeholders):
    what `ids` gave the till when it made the body, so a re-derived body names the same lots."""
    uids = iter([op["lot"].get("uid") for op in ops if isinstance(op, Mapping) and isinstance(op.get("lot"), Mapping)])
    count = iter(range(1 << 30))
    return lambda: str(next(uids, None) or f"missing-lot-{next(count)}")
