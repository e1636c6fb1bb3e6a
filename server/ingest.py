"""Push: every terminal transaction reaches the ledger exactly once, with a stable outcome."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Engine, select, update

from app.core import ledger, sql, wire
from app.core.clock import FUTURE_TOLERANCE_MS
from app.core.errors import LoyaltyError
from app.core.timeutil import iso, now_ms
from server import cards, limits, merge
from server import schema as s
from server.authority import Authority
from server.store import is_retryable, next_counter, retrying, transaction


class Refused(Exception):
    """The terminal itself is refused (revoked, superseded epoch): HTTP 401/409, not an item outcome."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """One queued terminal transaction; its body has its kind's shape (wire.BODIES), checked at the edge.

    server/api.py validates every pushed body before it gets here. A caller below that edge (the
    simulations, the benchmarks) passes bodies as terminals build them; the ledger still refuses an
    operation it does not know, per item."""

    uid: str
    seq: int
    kind: str
    body: Mapping[str, Any]


def body_hash(item: Item) -> str:
    """The fingerprint that tells a true re-send from an id reused for other content."""
    canonical = json.dumps({"kind": item.kind, "body": item.body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def push(engine: Engine, terminal_id: int, epoch: int, items: Sequence[Item]) -> list[wire.PushOutcome]:
    """Apply a batch in terminal order; each item is atomic and its outcome is kept forever.

    The whole batch is one database transaction: the items are booked in memory by one
    `ledger.Ledger` (an item refused by a business rule leaves nothing behind) and written with
    a fixed number of statements, whatever the batch's size."""
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


# How far ahead of the server's clock a pushed operation may be dated (sync.md promise 13). Wider than a
# till's own 5 minutes (FUTURE_TOLERANCE_MS): a till whose clock runs fast by some minutes (past the
# program's skew_stop_seconds, where its offline redemption stops) still sells, and its sales are dated by
# that clock; the simulation's broken clocks run up to 30 minutes fast. Further ahead is a wrong date, not
# a wrong clock: rejected, history imports included (docs/cards.md, "Time on the server"), and nothing
# of it is booked, so no customer's latest operation, no lot and no expiry moves further into the future.
SERVER_FUTURE_TOLERANCE_MS = 12 * FUTURE_TOLERANCE_MS  # one hour

_OUTCOME_COLUMNS = ("uid", "terminal_id", "epoch", "seq", "kind", "body_sha256", "status", "result", "created_at")
_OVERDRAFT_COLUMNS = ("customer_uid", "txn_uid", "terminal_id", "points", "at", "booked_at", "unit")


@dataclass
class _Batch:
    """What a push writes besides the ledger rows: outcomes, overdraft entries, changed customers."""

    outcomes: list[dict[str, Any]] = field(default_factory=list)
    overdrafts: list[dict[str, Any]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # cards issued a second time (promise 11)
    decided: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # uid -> (sha256, status, result)


def _push(conn: Connection, terminal_id: int, epoch: int, items: Sequence[Item]) -> list[wire.PushOutcome]:
    term = conn.execute(select(s.terminals).where(s.terminals.c.id == terminal_id).with_for_update()).one()
    if term.revoked:
        raise Refused(401, "this terminal was revoked")
    if epoch != term.epoch:
        raise Refused(409, f"terminal epoch {epoch} is superseded by {term.epoch}: enroll the terminal again")
    batch = _Batch(decided=_known_outcomes(conn, items))
    versions = _program_versions(conn, items)
    # Before the customers are locked: other pushes over the same customers wait only for the booking.
    digests = [body_hash(item) for item in items]
    # Every row the push books names the store and terminal that pushed it (server schema 2): the
    # chain reports split by store without looking each row's transaction up in txn_outcomes.
    place = {"store_id": term.store_id, "terminal_id": term.id}
    books = ledger.Ledger(conn, strict=False, post_expiry=False, place=place)
    fresh = [(i.kind, i.body) for i in items if i.uid not in batch.decided]
    books.prefetch(fresh, whole=True)
    authority = Authority(conn, term, books)  # sync.md promises 8 and 10: server/authority.py
    authority.prefetch(fresh)
    chain = limits.Limits(conn, books, place)  # chain-wide limits (promise 9): server/limits.py
    chain.prefetch([i for i in items if i.uid not in batch.decided])
    last_seq = term.last_seq
    results: list[wire.PushOutcome] = []
    for n, (item, digest) in enumerate(zip(items, digests, strict=True)):
        known = batch.decided.get(item.uid)
        if known is not None:
            if known[0] != digest:
                results.append(
                    {"uid": item.uid, "status": "rejected",
                     "reason": "this transaction id was already used for different content"}
                )  # fmt: skip
            else:
                stored = {"uid": item.uid, "status": "duplicate", "original": known[1], **json.loads(known[2])}
                results.append(cast(wire.PushOutcome, stored))
            continue
        expected = item.seq if last_seq is None else last_seq + 1
        if item.seq > expected:
            results.append({"uid": item.uid, "status": "gap", "expected": expected})
            break
        if item.seq < expected:
            results.append({"uid": item.uid, "status": "rejected", "reason": f"sequence {item.seq} was already used"})
            continue
        ahead = _dated_ahead(item.body)
        changed: set[str]
        error: LoyaltyError | None = None
        if ahead is not None:
            error = LoyaltyError("dated_ahead", at_iso=iso(ahead))
            result, status, changed = _refusal(error), "rejected", set()
        elif item.kind == "enroll" and books.phone_in_use(_phone(item.body)):
            # A phone enrolled elsewhere: the merge moves rows in SQL (server/merge.py). Rare, so it
            # runs on written state: what is booked so far is flushed first, and read again after.
            try:
                with books.item():
                    authority.check(item.kind, item.body, item.seq)
                result, changed, status = _merge(conn, books, item, place)
            except LoyaltyError as exc:
                result, changed, status, error = _refusal(exc), set(), "rejected", exc
            if status == "applied":
                _corrected(result, chain.after_merge(cast(wire.EnrollBody, item.body), result["customer_uid"]))
            books.prefetch(((i.kind, i.body) for i in items[n + 1 :] if i.uid not in batch.decided), whole=True)
        else:
            mark = chain.mark()
            try:
                with books.item():
                    authority.check(item.kind, item.body, item.seq)
                    result, changed, owed = _apply(books, item, versions, chain)
                status = "applied"
                authority.owed(owed)
                batch.overdrafts += [{**o, "txn_uid": item.uid, "terminal_id": term.id, "booked_at": now_ms()}
                                     for o in owed]  # fmt: skip
            except LoyaltyError as exc:
                chain.drop_since(mark)
                result, changed, status, error = _refusal(exc), set(), "rejected", exc
        if status == "applied" and result.get("quarantined_card"):
            row = _quarantine_row(books, item, str(result["quarantined_card"]), place)
            batch.quarantined.append(row)
            if row["holder_uid"]:
                # Pulled again by every till: the one that issued the card learns who holds it.
                changed = changed | {row["holder_uid"]}
        if status == "applied":
            authority.booked(item.uid, item.kind, item.body, changed)
        else:
            authority.refused(item.uid, item.kind, item.body, error or LoyaltyError(str(result.get("reason"))))
        text = json.dumps(result, sort_keys=True)
        batch.outcomes.append(
            {"uid": item.uid, "terminal_id": term.id, "epoch": epoch, "seq": item.seq, "kind": item.kind,
             "body_sha256": digest, "status": status, "result": text, "created_at": now_ms()}
        )  # fmt: skip
        batch.decided[item.uid] = (digest, status, text)
        last_seq = item.seq
        batch.touched |= changed
        results.append(cast(wire.PushOutcome, {"uid": item.uid, "status": status, **result}))
    books.flush()
    authority.flush()
    chain.finish()
    sql.insert_rows(conn, "txn_outcomes", _OUTCOME_COLUMNS, batch.outcomes)
    sql.insert_rows(conn, "overdrafts", _OVERDRAFT_COLUMNS, batch.overdrafts)
    for row in batch.quarantined:
        cards.quarantine(conn, row)
    conn.execute(
        update(s.terminals).where(s.terminals.c.id == term.id).values(last_seq=last_seq, last_seen_at=now_ms())
    )
    mark_changed(conn, batch.touched, authority.log, term.id)
    return results


def _refusal(exc: LoyaltyError) -> dict[str, Any]:
    """A rejected item's result: its reason and its refusal code."""
    # Every refusal names its code (the till words it; the admin's listings filter on it).
    return {"reason": str(exc), "code": exc.code}


def _known_outcomes(conn: Connection, items: Sequence[Item]) -> dict[str, tuple[str, str, str]]:
    """The stored outcomes of the batch's ids (a re-send), in one query."""
    uids = sorted({i.uid for i in items})
    rows = sql.tuples_in(conn, "SELECT uid, body_sha256, status, result FROM txn_outcomes WHERE uid {in}", uids)
    return {uid: (digest, status, result) for uid, digest, status, result in rows}


def _program_versions(conn: Connection, items: Sequence[Item]) -> dict[str, int]:
    """Program uid -> this server's version number, for the programs the batch's sales name."""
    uids = sorted({i.body["program_uid"] for i in items if i.kind == "sale" and _is_text(i.body.get("program_uid"))})
    return {
        uid: int(version)
        for uid, version in sql.tuples_in(conn, "SELECT uid, version FROM programs WHERE uid {in}", uids)
    }


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _dated_ahead(body: Mapping[str, Any]) -> int | None:
    """The instant an item is dated at when that is too far ahead of the server's clock (its body or an op)."""
    dates = [body.get("at")] + [op.get("at") for op in body.get("ops") or () if isinstance(op, Mapping)]
    latest = max((d for d in dates if isinstance(d, int) and not isinstance(d, bool)), default=None)
    return latest if latest is not None and latest > now_ms() + SERVER_FUTURE_TOLERANCE_MS else None


def _quarantine_row(books: ledger.Ledger, item: Item, card: str, place: Mapping[str, int]) -> dict[str, Any]:
    """The manager's list entry for a card booked without being issued: it names who holds the card."""
    holder = books.card_owner(card)
    customer = item.body.get("uid") if item.kind == "enroll" else item.body.get("customer_uid")
    return {
        "card": card, "customer_uid": str(customer), "holder_uid": books.uid_of(holder) if holder else None,
        "txn_uid": item.uid, "kind": item.kind, "terminal_id": place["terminal_id"], "store_id": place["store_id"],
        "at": int(item.body["at"]),
    }  # fmt: skip


def _phone(body: Mapping[str, Any]) -> Any:
    # merge.enroll reads the card before the phone: a body without either is malformed (KeyError) the same way.
    body["card"]
    return body["phone"]


def mark_changed(
    conn: Connection, uids: set[str], log: Mapping[str, Sequence[str]] | None = None, terminal_id: int | None = None
) -> None:
    """Give each changed customer its own change number, in uid order (taken last: numbers follow commit order).

    One number per customer, not per transaction: a pull page never splits a number, so one number
    for the 20,000 customers of an expiry run would make one page of them all. Each number is logged
    with who made it (`terminal_id`, None for the server) and the transactions (`log`), so the server
    can rebuild the state a terminal saw at its cursor (server/authority.py, docs/authority.md)."""
    if not uids:
        return
    ordered = sorted(uids)
    last = next_counter(conn, "change", len(ordered))
    first = last - len(ordered) + 1
    sql.update_rows(
        conn,
        "customers",
        "uid",
        ("change_seq",),
        [{"uid": uid, "change_seq": first + i} for i, uid in enumerate(ordered)],
    )
    log = log or {}
    sql.insert_rows(
        conn,
        "change_log",
        ("customer_uid", "seq", "terminal_id", "txns"),
        [{"customer_uid": uid, "seq": first + i, "terminal_id": terminal_id,
          "txns": json.dumps(sorted(set(log.get(uid, ()))))} for i, uid in enumerate(ordered)],
    )  # fmt: skip


def _merge(
    conn: Connection, books: ledger.Ledger, item: Item, place: dict[str, int]
) -> tuple[dict[str, Any], set[str], str]:
    books.flush()
    card = item.body["card"]
    holder = books.card_owner(card)
    savepoint = conn.begin_nested()
    try:
        winner, changed = merge.enroll(conn, cast(wire.EnrollBody, item.body), place, issue_card=holder is None)
    except LoyaltyError as exc:
        savepoint.rollback()
        return {"reason": str(exc)}, set(), "rejected"
    savepoint.commit()
    result: dict[str, Any] = {"customer_uid": winner}
    if holder is not None and books.uid_of(holder) != winner and _merged_into(conn, holder) != winner:
        # The card belongs to someone else: this customer is kept without it (the same person enrolled twice
        # with one card merges, and the card is already hers).
        result["quarantined_card"] = card
    return result, changed, "applied"


def _merged_into(conn: Connection, customer_id: int) -> str | None:
    found = sql.scalar(conn, "SELECT merged_into FROM customers WHERE id = :id", {"id": customer_id})
    return None if found is None else str(found)


def _apply(
    books: ledger.Ledger, item: Item, versions: dict[str, int], chain: limits.Limits
) -> tuple[dict[str, Any], set[str], list[dict[str, Any]]]:
    """Book one item in memory: its result, the customers it changed and its overdraft entries."""
    if item.kind == "enroll":
        enrollment = cast(wire.EnrollBody, item.body)
        if books.card_owner(enrollment["card"]) is not None:
            # A pre-printed card issued to two customers offline (sync.md promise 11): the customer and her
            # sales are kept, without the card, which is quarantined for the manager.
            books.enroll(enrollment, issue_card=False)
            quarantined = {"customer_uid": enrollment["uid"], "quarantined_card": enrollment["card"]}
            return quarantined, {enrollment["uid"]}, []
        books.enroll(enrollment)
        return {"customer_uid": enrollment["uid"]}, {enrollment["uid"]}, []
    if item.kind == "sale":
        body = cast(wire.SaleBody, item.body)
        program = body.get("program_uid")
        version = versions.get(program, 0) if isinstance(program, str) else 0
        priced = body.copy()  # booked with this server's version number; the pushed body stays as hashed
        priced["program_version"] = version
        before = chain.before_sale(body)
        sale_id, booked = books.sale(priced)
        corrected = chain.after_sale(body, before)
        changed = {op["customer"] for op in body["ops"]}
        customer = body.get("customer_uid")
        if customer:
            changed.add(customer)
        owed: list[dict[str, Any]] = []
        for uid, points in booked.overdraft.items():
            owed.append({"customer_uid": uid, "points": points, "at": body["at"], "unit": "points"})
            # Flag the customer who owes it: the receipt may name a card merged into another customer.
            books.flag(uid)
        for uid, rules in booked.stamp_overdraft.items():
            # A full stamp card spent twice offline: the second free unit is an overdraft in stamps.
            for rule, short in rules.items():
                owed.append({"customer_uid": uid, "points": short, "at": body["at"], "unit": f"stamps:{rule}"})
                books.flag(uid)
        result = {"sale_id": sale_id, "overdraft": sum(booked.overdraft.values())}
        _corrected(result, corrected)  # a take-back touches the sale's customer or referrer: changed already
        return result, _resolve(books, changed), owed
    if item.kind == "refund":
        refund = cast(wire.RefundBody, item.body)
        chain.check_refund(refund)
        refund_id = books.refund(refund)
        chain.refunded(refund)
        return {"refund_id": refund_id}, _resolve(books, {op["customer"] for op in refund["ops"]}), []
    if item.kind == "adjust":
        adjust = cast(wire.AdjustBody, item.body)
        books.apply_ops(adjust["ops"], adjust["uid"])
        return {"points": adjust["points"]}, _resolve(books, {op["customer"] for op in adjust["ops"]}), []
    if item.kind == "card":
        card = cast(wire.CardBody, item.body)
        new_card = card.get("new_card")
        if new_card and books.card_owner(new_card) not in (None, books.account(card["customer_uid"]).id):
            # The new card is another customer's: the replacement stands (the old card is off, as on the
            # till), without the new card, which is quarantined for the manager.
            withheld = card.copy()
            withheld["new_card"] = None
            books.card(withheld)
            withheld_result: dict[str, Any] = {"card": None, "quarantined_card": new_card}
            return withheld_result, _resolve(books, {card["customer_uid"]}), []
        books.card(card)
        return {"card": card.get("new_card")}, _resolve(books, {card["customer_uid"]}), []
    if item.kind == "block":
        block = cast(wire.BlockBody, item.body)
        books.block(block)
        return {"blocked": bool(block["blocked"])}, _resolve(books, {block["customer_uid"]}), []
    if item.kind in ("program", "catalog"):
        raise LoyaltyError("managed_on_server", kind=item.kind)
    raise LoyaltyError("unknown_kind", kind=item.kind)


def _resolve(books: ledger.Ledger, uids: set[str]) -> set[str]:
    # A change to a merged customer is a change to the customer it was merged into.
    return {books.resolve(uid) for uid in uids} | uids


def _corrected(result: dict[str, Any], kinds: list[str]) -> None:
    # A use beyond a chain-wide limit was booked and listed (server/limits.py): the outcome says which.
    if kinds:
        result["corrected"] = kinds
