"""Reads and writes of loyalty state inside an open transaction (no commits here)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from app.core import sql
from app.core.clock import FUTURE_TOLERANCE_MS, SYSTEM_CLOCK, Clock, clock_ms
from app.core.errors import LoyaltyError, NotFound
from app.core.identity import CardKeys, looks_like_phone, normalize_phone, phone_lookup_prefix
from app.core.program import Program, parse_program
from app.core.timeutil import DAY_MS, now_ms
from app.core.wallet import Lot, Move, Wallet

_program_cache: dict[str, Program] = {}


# An enrolled terminal prices only with the versions its chain issued (sync.md promise 12): a version this
# terminal made itself (queued for the server as a "program" item: before it joined, or set locally by an older
# release after it did) does not count once it is enrolled. On a standalone till (and on the server) every
# version counts.
_CHAIN_ONLY = (
    " AND (NOT EXISTS (SELECT 1 FROM meta WHERE key = 'server_url')"
    " OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.uid = programs.uid AND o.kind = 'program'))"
)
_PROGRAM = (
    "SELECT version, uid, body FROM programs WHERE activate_at <= :at" + _CHAIN_ONLY + " ORDER BY version DESC LIMIT 1"
)
_FIRST_PROGRAM = "SELECT version, uid, body FROM programs WHERE 1 = 1" + _CHAIN_ONLY + " ORDER BY version LIMIT 1"
_CUSTOMER = (
    "SELECT c.*, k.code AS card, k.active AS active_card FROM customers c"
    " JOIN cards k ON k.customer_id = c.id WHERE k.code = :code"
)


def program_at(conn: Connection, at: int) -> tuple[int, Program]:
    """The program version in force at an instant: the newest one activated by then."""
    row = sql.one(conn, _PROGRAM, {"at": at}) or sql.one(conn, _FIRST_PROGRAM)
    if row is None:
        raise LoyaltyError("no_program")
    program = _program_cache.get(row.uid)
    if program is None:
        program = _program_cache[row.uid] = parse_program(json.loads(row.body))
    return int(row.version), program


def customer_by_card(conn: Connection, code: str) -> Any:
    """The customer row for an active card number; NotFound otherwise."""
    row = sql.one(conn, _CUSTOMER, {"code": code.strip()})
    if row is None:
        raise NotFound("unknown_card", card=code.strip())
    if not row.active_card:
        raise LoyaltyError("card_replaced", card=code.strip())
    return row


def primary_card(conn: Connection, customer_id: int) -> str:
    """The newest active card of a customer."""
    card = sql.scalar(
        conn,
        "SELECT code FROM cards WHERE customer_id = :id AND active = 1 ORDER BY issued_at DESC LIMIT 1",
        {"id": customer_id},
    )
    return str(card) if card is not None else ""


# A phone as enrolled here, or as a chain's server gave it (its keyed form: sync.md promise 10), found by index.
PHONE_MATCH = "(c.phone = :phone OR (c.phone >= :phone_lo AND c.phone < :phone_hi))"


def phone_params(conn: Connection, phone: str) -> dict[str, str]:
    """The parameters of PHONE_MATCH for a normalised phone (no keyed form before the chain's key is known)."""
    key = get_meta(conn, "phone_key")
    lo = phone_lookup_prefix(bytes.fromhex(key), phone) if key else ""
    return {"phone": phone, "phone_lo": lo, "phone_hi": lo[:-1] + ";" if lo else ""}


def customer_by_card_or_phone(conn: Connection, text: str) -> Any:
    """Find a customer by card number, else by phone number (one join either way)."""
    row = sql.one(conn, _CUSTOMER, {"code": text.strip()})
    if row is not None:
        if not row.active_card:
            raise LoyaltyError("card_replaced", card=text.strip())
        return row
    if not looks_like_phone(text):
        raise NotFound("unknown_card", card=text.strip())
    row = sql.one(
        conn,
        # LEFT: a customer without a working card is still found by phone (a card quarantined by the server
        # because another customer holds it, sync.md promise 11); card and active_card are NULL then.
        "SELECT c.*, k.code AS card, k.active AS active_card FROM customers c"
        " LEFT JOIN cards k ON k.customer_id = c.id AND k.active = 1"
        " WHERE " + PHONE_MATCH + " ORDER BY k.issued_at DESC LIMIT 1",
        phone_params(conn, normalize_phone(text)),
    )
    if row is None:
        raise NotFound("no_customer", query=text.strip())
    return row


def check_time_order(customer: Any, at: int) -> None:
    """Operations on one customer are applied in time order (loyalty-rules.md §4)."""
    if at < customer.last_op_at:
        from app.core.timeutil import iso

        raise LoyaltyError(
            "op_before_latest",
            at_iso=iso(at),
            latest_iso=iso(customer.last_op_at),
            op_at=at,
            latest_at=customer.last_op_at,
        )


def load_wallet(conn: Connection, customer: Any) -> tuple[Wallet, dict[str, int]]:
    """The customer's open lots and debt, and a snapshot to find what changed later."""
    # Columns in the order of Lot's fields: a customer can hold many lots, and this runs on every quote.
    rows = sql.tuples(
        conn,
        "SELECT uid, points, remaining, available_at, expires_at, source, txn_uid FROM lots"
        " WHERE customer_id = :id AND remaining > 0 ORDER BY id",
        {"id": customer.id},
    )
    lots = [Lot(*r) for r in rows]
    wallet = Wallet(lots=lots, debt=customer.debt, expired_posted=customer.expired_total)
    return wallet, {lot.uid: lot.remaining for lot in lots}


def save_wallet(
    conn: Connection,
    customer_id: int,
    wallet: Wallet,
    snapshot: Mapping[str, int],
    moves: Iterable[Move],
    txn_uid: str,
    last_op_at: int | None = None,
    place: Mapping[str, int] | None = None,
) -> None:
    """Write new lots, changed remainders, the journal rows and the customer's debt (and latest operation).

    place: more columns for the journal rows (the server's store_id and terminal_id of a push)."""
    sql.many(
        conn,
        "INSERT INTO lots (uid, customer_id, points, remaining, available_at, expires_at, source, txn_uid)"
        " VALUES (:uid, :customer_id, :points, :remaining, :available_at, :expires_at, :source, :txn_uid)",
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
            for lot in wallet.lots
            if lot.uid not in snapshot
        ],
    )
    sql.many(
        conn,
        "UPDATE lots SET remaining = :remaining WHERE uid = :uid",
        [
            {"uid": lot.uid, "remaining": lot.remaining}
            for lot in wallet.lots
            if lot.uid in snapshot and snapshot[lot.uid] != lot.remaining
        ],
    )
    extra = "".join(f", {name}" for name in place or {})
    sql.many(
        conn,
        f"INSERT INTO journal (customer_id, lot_uid, kind, points, at, txn_uid{extra})"
        f" VALUES (:customer_id, :lot_uid, :kind, :points, :at, :txn_uid{extra.replace(', ', ', :')})",
        [
            {"customer_id": customer_id, "lot_uid": m.lot_uid, "kind": m.kind, "points": m.points, "at": m.at,
             "txn_uid": txn_uid, **(place or {})}
            for m in moves
        ],
    )  # fmt: skip
    sql.run(
        conn,
        "UPDATE customers SET debt = :debt, expired_total = :expired, last_op_at = COALESCE(:last, last_op_at)"
        " WHERE id = :id",
        {"debt": wallet.debt, "expired": wallet.expired_posted, "id": customer_id, "last": last_op_at},
    )


_TIER_SPEND = """SELECT
  (SELECT COALESCE(SUM(total), 0) FROM sales
    WHERE customer_id = :id AND at > :start AND at <= :at AND reflected = 0)
  - (SELECT COALESCE(SUM(money_back), 0) FROM refunds
    WHERE customer_id = :id AND at > :start AND at <= :at AND reflected = 0)
  + (SELECT COALESCE(SUM(amount), 0) FROM spend_events WHERE customer_id = :id AND at > :start AND at <= :at)"""


def tier_spend(conn: Connection, program: Program, customer_id: int, at: int) -> int:
    """Money paid minus money given back in (at − window, at]: the server's figures plus our unreflected ones."""
    start = -(1 << 62) if program.tier_window_days is None else at - program.tier_window_days * DAY_MS
    return int(sql.scalar(conn, _TIER_SPEND, {"id": customer_id, "start": start, "at": at}))


def stamps_of(conn: Connection, customer_id: int) -> dict[str, int]:
    """Stamps per rule the customer has ever had."""
    rows = sql.rows(conn, "SELECT rule_id, count FROM stamps WHERE customer_id = :id", {"id": customer_id})
    return {r["rule_id"]: int(r["count"]) for r in rows}


def add_stamps(conn: Connection, customer_id: int, deltas: Mapping[str, int], at: int, txn_uid: str) -> None:
    """Move stamps on a card (append a move, update the count)."""
    current = stamps_of(conn, customer_id)
    for rule, delta in deltas.items():
        params = {"id": customer_id, "rule": rule, "n": current.get(rule, 0) + delta}
        if rule in current:
            if delta:
                sql.run(conn, "UPDATE stamps SET count = :n WHERE customer_id = :id AND rule_id = :rule", params)
        else:
            sql.run(conn, "INSERT INTO stamps (customer_id, rule_id, count) VALUES (:id, :rule, :n)", params)
        if delta:
            sql.run(
                conn,
                "INSERT INTO stamp_moves (customer_id, rule_id, delta, at, txn_uid) VALUES (:id, :rule, :d, :at, :txn)",
                {"id": customer_id, "rule": rule, "d": delta, "at": at, "txn": txn_uid},
            )


def write_outbox(conn: Connection, uid: str, kind: str, body: Mapping[str, Any]) -> None:
    """Queue a transaction for the server, in the same local transaction as its business rows."""
    sql.run(
        conn,
        "INSERT INTO outbox (uid, kind, body, created_at, acked) VALUES (:uid, :kind, :body, :at, 0)",
        {"uid": uid, "kind": kind, "body": json.dumps(body, ensure_ascii=False, sort_keys=True), "at": now_ms()},
    )


def get_meta(conn: Connection, key: str) -> str | None:
    """A terminal setting."""
    value = sql.scalar(conn, "SELECT value FROM meta WHERE key = :key", {"key": key})
    return None if value is None else str(value)


def delete_meta(conn: Connection, key: str) -> None:
    """Forget a terminal setting (nothing happens when there is none)."""
    sql.run(conn, "DELETE FROM meta WHERE key = :key", {"key": key})


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Store a terminal setting."""
    if sql.run(conn, "UPDATE meta SET value = :value WHERE key = :key", {"key": key, "value": value}) == 0:
        sql.run(conn, "INSERT INTO meta (key, value) VALUES (:key, :value)", {"key": key, "value": value})


def check_not_ahead(conn: Connection, at: int, clock: Clock = SYSTEM_CLOCK) -> None:
    """Refuse an operation dated further ahead of the terminal's clock than FUTURE_TOLERANCE_MS."""
    now = max(clock_ms(clock), int(get_meta(conn, "clock") or 0))
    if at > now + FUTURE_TOLERANCE_MS:
        from app.core.timeutil import iso

        raise LoyaltyError(
            "op_in_future", at_iso=iso(at), now_iso=iso(now), minutes=FUTURE_TOLERANCE_MS // 60_000, op_at=at
        )


def next_clock(conn: Connection, at: int | None, clock: Clock = SYSTEM_CLOCK) -> int:
    """A business time that never goes backwards across restarts (persisted logical clock).

    An operation given its own time (`at`) is dated at it, but moves the persisted clock at most to the
    wall clock: one back-dated or future-dated operation (a history import, a mistyped year) must not
    date every later sale, nor expire other customers' points early."""
    last = int(get_meta(conn, "clock") or 0)
    now = clock_ms(clock)
    value = max(now, last + 1) if at is None else at
    mark = value if at is None else min(at, now)
    if mark > last:
        set_meta(conn, "clock", str(mark))
    return value


def peek_clock(conn: Connection, at: int | None, clock: Clock = SYSTEM_CLOCK) -> int:
    """The business time an operation would get now, without advancing the clock."""
    if at is not None:
        return at
    return max(clock_ms(clock), int(get_meta(conn, "clock") or 0) + 1)


def card_keys(conn: Connection) -> CardKeys:
    """The keys this terminal signs and checks card QRs with: its own secret and the chain's (promise 11)."""
    local = bytes.fromhex(get_meta(conn, "secret") or "")
    text = get_meta(conn, "card_keys")
    if not text:
        return CardKeys(local)
    data = json.loads(text)
    chain = {int(k["id"]): bytes.fromhex(str(k["secret"])) for k in data.get("keys", ())}
    current = data.get("current")
    return CardKeys(local, chain, int(current) if current is not None else None)


def set_card_keys(conn: Connection, data: Mapping[str, Any]) -> None:
    """Keep the chain's card keys the server sent (current and previous); a key once held stays until dropped
    by the server, so cards printed before a rotation are still read."""
    keys = [{"id": int(k["id"]), "secret": bytes.fromhex(str(k["secret"])).hex()} for k in data["keys"]]
    current = int(data["current"])
    if current not in {k["id"] for k in keys}:
        raise LoyaltyError("enroll_answer", key="card_keys.current")
    set_meta(conn, "card_keys", json.dumps({"current": current, "keys": keys}, sort_keys=True))


def card_ranges(conn: Connection) -> list[list[int]]:
    """The card serial ranges the server handed this terminal and it has not used up: [next, last] each."""
    text = get_meta(conn, "card_ranges")
    return [[int(a), int(b)] for a, b in json.loads(text)] if text else []


def set_card_ranges(conn: Connection, ranges: Iterable[Iterable[int]]) -> None:
    """Store the card serial ranges still to use, in order."""
    set_meta(conn, "card_ranges", json.dumps([list(r) for r in ranges]))


def card_numbers_left(conn: Connection) -> int:
    """How many card numbers this chain terminal may still issue from its ranges."""
    return sum(last - nxt + 1 for nxt, last in card_ranges(conn) if last >= nxt)


def chain_mode(conn: Connection) -> bool:
    """True when this terminal syncs with a central server (which then posts expiry)."""
    return get_meta(conn, "server_url") is not None


def awaiting_reconnect(conn: Connection) -> bool:
    """True when this chain terminal was restored from a backup and has not been enrolled again since."""
    restored = get_meta(conn, "restored_epoch")
    return restored is not None and restored == (get_meta(conn, "epoch") or "0")


def program_uid(conn: Connection, version: int) -> str:
    """The uid of a program version (versions are numbered per database, uids are global)."""
    return str(sql.scalar(conn, "SELECT uid FROM programs WHERE version = :v", {"v": version}))


# The meta key of the outbox sequence up to which the last complete sync (push acknowledged, then pull
# applied to its end) brought our rows back in pulled figures: the caps' window restarts only there.
SYNCED_SEQ = "synced_seq"
_NEVER = 1 << 62

_UNSYNCED_POINTS = """SELECT COALESCE(SUM(s.redeemed_points + s.reward_points), 0) AS total,
  COALESCE(SUM(CASE WHEN s.customer_id = :id THEN s.redeemed_points + s.reward_points ELSE 0 END), 0) AS mine
FROM outbox o JOIN sales s ON s.uid = o.uid
WHERE (o.acked = 0 OR o.seq > :synced) AND o.kind = 'sale' AND (s.redeemed_points > 0 OR s.reward_points > 0)"""


def synced_seq(conn: Connection) -> int:
    """Our outbox rows up to this sequence are in the figures last pulled (sync.md promise 9).

    A till that has not completed a sync since it learnt to keep it counts its unacknowledged rows only."""
    value = get_meta(conn, SYNCED_SEQ)
    return _NEVER if value is None else int(value)


_CHAIN_REFUNDED = """SELECT c.idx, c.units + COALESCE((SELECT SUM(rl.qty) FROM refund_lines rl
    JOIN refunds r ON r.id = rl.refund_id JOIN outbox o ON o.uid = r.uid
    WHERE r.sale_id = :sale AND rl.idx = c.idx AND (o.acked = 0 OR o.seq > :synced)
      AND COALESCE(o.status, '') != 'rejected'), 0)
FROM chain_refunds c WHERE c.sale_uid = :uid"""


def chain_refunded(conn: Connection, sale_id: int, sale_uid: str) -> dict[int, int]:
    """Units of each line of one of our sales given back across the chain: the pulled figure plus our
    refunds not in it yet (lines the chain never refunded are absent)."""
    rows = sql.tuples(conn, _CHAIN_REFUNDED, {"sale": sale_id, "uid": sale_uid, "synced": synced_seq(conn)})
    return {int(idx): int(units) for idx, units in rows}


_CHAIN_COUPON = """SELECT COALESCE(SUM(CASE WHEN customer_uid = '' THEN uses ELSE 0 END), 0) AS used,
  COALESCE(SUM(CASE WHEN customer_uid = :customer THEN uses ELSE 0 END), 0) AS mine
FROM chain_coupon_uses WHERE code = :code AND customer_uid IN ('', :customer)"""
_OWN_COUPON = """SELECT COUNT(*) AS used, COALESCE(SUM(CASE WHEN u.customer_id = :id THEN 1 ELSE 0 END), 0) AS mine
FROM coupon_uses u JOIN sales s ON s.id = u.sale_id JOIN outbox o ON o.uid = s.uid
WHERE u.code = :code AND (o.acked = 0 OR o.seq > :synced) AND COALESCE(o.status, '') != 'rejected'"""


def chain_coupon_uses(conn: Connection, code: str, customer: Any) -> tuple[int, int]:
    """A coupon's uses in the chain and by this customer as last pulled, plus ours not in that figure yet."""
    uid = customer.uid if customer is not None else "\x00"  # no customer: matches no row
    chain = sql.one(conn, _CHAIN_COUPON, {"code": code, "customer": uid})
    own = sql.one(
        conn, _OWN_COUPON, {"code": code, "id": customer.id if customer is not None else -1, "synced": synced_seq(conn)}
    )
    assert chain is not None and own is not None
    return int(chain.used) + int(own.used), int(chain.mine) + int(own.mine)


def offline_redeem_cap(conn: Connection, program: Program, customer: Any, at: int) -> tuple[int | None, str]:
    """How many points this card may still redeem here before the next successful sync, and why (a refusal code)."""
    last_sync = int(get_meta(conn, "last_sync_ms") or 0)
    policy = program.offline
    if policy.max_offline_hours is not None and at - last_sync > policy.max_offline_hours * 3_600_000:
        return 0, "cap_stale"
    skew = abs(int(get_meta(conn, "clock_offset_ms") or 0))
    if skew > policy.skew_stop_seconds * 1000:
        return 0, "cap_clock"
    if program.offline_redeem_cap is None and policy.terminal_redeem_cap is None:
        return None, ""
    # Gift rewards paid with points count too: they leave the card on the same stale snapshot.
    spent = sql.one(conn, _UNSYNCED_POINTS, {"id": customer.id, "synced": synced_seq(conn)})
    assert spent is not None
    caps: list[tuple[int, str]] = []
    if program.offline_redeem_cap is not None:
        caps.append((max(program.offline_redeem_cap - int(spent.mine), 0), "cap_card"))
    if policy.terminal_redeem_cap is not None:
        caps.append((max(policy.terminal_redeem_cap - int(spent.total), 0), "cap_terminal"))
    return min(caps)
