"""Push: every terminal transaction reaches the ledger exactly once, with a stable outcome."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from app.core import ledger
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.timeutil import now_ms
from server import merge
from server import schema as s
from server.store import is_retryable, next_counter, retrying, transaction


class Refused(Exception):
    """The terminal itself is refused (revoked, superseded epoch): HTTP 401/409, not an item outcome."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """One queued terminal transaction."""

    uid: str
    seq: int
    kind: str
    body: dict[str, Any]


def body_hash(item: Item) -> str:
    """The fingerprint that tells a true re-send from an id reused for other content."""
    canonical = json.dumps({"kind": item.kind, "body": item.body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def push(engine: Engine, terminal_id: int, epoch: int, items: Sequence[Item]) -> list[dict[str, Any]]:
    """Apply a batch in terminal order; each item is atomic (a savepoint) and its outcome is kept forever."""
    last_error: Exception | None = None
    for _ in retrying():
        try:
            with transaction(engine) as conn:
                return _push(conn, terminal_id, epoch, items)
        except Exception as exc:
            if not is_retryable(exc):
                raise
            last_error = exc
    assert last_error is not None
    raise last_error


def _push(conn: Connection, terminal_id: int, epoch: int, items: Sequence[Item]) -> list[dict[str, Any]]:
    term = conn.execute(select(s.terminals).where(s.terminals.c.id == terminal_id).with_for_update()).one()
    if term.revoked:
        raise Refused(401, "this terminal was revoked")
    if epoch != term.epoch:
        raise Refused(409, f"terminal epoch {epoch} is superseded by {term.epoch}: enroll the terminal again")
    last_seq = term.last_seq
    results: list[dict[str, Any]] = []
    touched: set[str] = set()
    for item in items:
        digest = body_hash(item)
        known = conn.execute(select(s.outcomes).where(s.outcomes.c.uid == item.uid)).first()
        if known is not None:
            if known.body_sha256 != digest:
                results.append(
                    {"uid": item.uid, "status": "rejected",
                     "reason": "this transaction id was already used for different content"}
                )  # fmt: skip
            else:
                results.append(
                    {"uid": item.uid, "status": "duplicate", "original": known.status, **json.loads(known.result)}
                )
            continue
        expected = item.seq if last_seq is None else last_seq + 1
        if item.seq > expected:
            results.append({"uid": item.uid, "status": "gap", "expected": expected})
            break
        if item.seq < expected:
            results.append({"uid": item.uid, "status": "rejected", "reason": f"sequence {item.seq} was already used"})
            continue
        savepoint = conn.begin_nested()
        try:
            result, changed = _apply(conn, term, item)
            savepoint.commit()
            status = "applied"
        except LoyaltyError as exc:
            savepoint.rollback()
            result, changed, status = {"reason": str(exc)}, set(), "rejected"
        conn.execute(
            insert(s.outcomes).values(
                uid=item.uid, terminal_id=term.id, epoch=epoch, seq=item.seq, kind=item.kind,
                body_sha256=digest, status=status, result=json.dumps(result, sort_keys=True), created_at=now_ms(),
            )
        )  # fmt: skip
        last_seq = item.seq
        touched |= changed
        results.append({"uid": item.uid, "status": status, **result})
    conn.execute(
        update(s.terminals).where(s.terminals.c.id == term.id).values(last_seq=last_seq, last_seen_at=now_ms())
    )
    mark_changed(conn, touched)
    return results


def mark_changed(conn: Connection, uids: set[str]) -> None:
    """Give changed customers the next change number (taken last, so numbers follow commit order)."""
    if not uids:
        return
    seq = next_counter(conn, "change")
    conn.execute(update(t.customers).where(t.customers.c.uid.in_(sorted(uids))).values(change_seq=seq))


def _apply(conn: Connection, term: Any, item: Item) -> tuple[dict[str, Any], set[str]]:
    body = item.body
    if item.kind == "enroll":
        winner, changed = merge.enroll(conn, body)
        return {"customer_uid": winner}, changed
    if item.kind == "sale":
        version = conn.execute(select(t.programs.c.version).where(t.programs.c.uid == body.get("program_uid"))).scalar()
        booked_body = {**body, "program_version": version or 0}
        sale_id, booked = ledger.book_sale(conn, booked_body, strict=False, post_expiry=False)
        changed = {op["customer"] for op in body["ops"]}
        if body.get("customer_uid"):
            changed.add(body["customer_uid"])
        for uid, points in booked.overdraft.items():
            conn.execute(
                insert(s.overdrafts).values(
                    customer_uid=uid, txn_uid=item.uid, terminal_id=term.id, points=points, at=body["at"],
                    booked_at=now_ms(),
                )
            )  # fmt: skip
            # Flag the customer who owes it: the receipt may name a card merged into another customer.
            owner = ledger.customer_by_uid(conn, uid)
            conn.execute(update(t.customers).where(t.customers.c.id == owner.id).values(flagged=1))
        for uid, rules in booked.stamp_overdraft.items():
            # A full stamp card spent twice offline: the second free unit is an overdraft in stamps.
            for rule, short in rules.items():
                conn.execute(
                    insert(s.overdrafts).values(
                        customer_uid=uid, txn_uid=item.uid, terminal_id=term.id, points=short, at=body["at"],
                        booked_at=now_ms(), unit=f"stamps:{rule}",
                    )
                )  # fmt: skip
                owner = ledger.customer_by_uid(conn, uid)
                conn.execute(update(t.customers).where(t.customers.c.id == owner.id).values(flagged=1))
        return {"sale_id": sale_id, "overdraft": sum(booked.overdraft.values())}, _resolve(conn, changed)
    if item.kind == "refund":
        refund_id = ledger.book_refund(conn, body, strict=False, post_expiry=False)
        return {"refund_id": refund_id}, _resolve(conn, {op["customer"] for op in body["ops"]})
    if item.kind == "adjust":
        ledger.book_adjust(conn, body, strict=False, post_expiry=False)
        return {"points": body["points"]}, _resolve(conn, {op["customer"] for op in body["ops"]})
    if item.kind == "card":
        ledger.book_card(conn, body)
        return {"card": body.get("new_card")}, _resolve(conn, {body["customer_uid"]})
    if item.kind == "block":
        ledger.book_block(conn, body)
        return {"blocked": bool(body["blocked"])}, _resolve(conn, {body["customer_uid"]})
    if item.kind in ("program", "catalog"):
        raise LoyaltyError(f"the {item.kind} of a chain is managed on the server, not on a terminal")
    raise LoyaltyError(f"unknown transaction kind {item.kind!r}")


def _resolve(conn: Connection, uids: set[str]) -> set[str]:
    # A change to a merged customer is a change to the customer it was merged into.
    return {ledger.customer_by_uid(conn, uid).uid for uid in uids} | uids
