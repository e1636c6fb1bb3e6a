"""The terminal's replica of the server: acknowledge pushed rows, store pulled snapshots.

Displayed balance = the last pulled server snapshot + this terminal's own transactions not
yet reflected in it. Applying a snapshot replays those transactions on top of it with the
same ledger code the server used, then appends `sync` correction rows for any difference,
so the local journal always explains local balances and nothing is edited in place.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, select

from app.core import ledger, repo, sql, wire
from app.core import schema as t
from app.core.catalog import store_products
from app.core.ids import uuid7
from app.core.timeutil import now_ms
from app.core.wallet import Lot, Wallet


def pending(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The oldest unacknowledged outbox rows, in terminal order."""
    rows = conn.execute(
        select(t.outbox.c.seq, t.outbox.c.uid, t.outbox.c.kind, t.outbox.c.body)
        .where(t.outbox.c.acked == 0)
        .order_by(t.outbox.c.seq)
        .limit(limit)
    )
    return [{"uid": r.uid, "seq": r.seq, "kind": r.kind, "body": json.loads(r.body)} for r in rows]


def queue_depth(conn: Connection) -> int:
    """How many transactions wait for the server."""
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).where(t.outbox.c.acked == 0)).scalar_one())


_ACK = """UPDATE outbox SET acked = 1, acked_at = :at, status = :status, reason = :reason
WHERE uid = :uid AND acked = 0"""


def acknowledge(
    conn: Connection, results: Sequence[Mapping[str, Any]], expected: Collection[str] = ()
) -> tuple[int, list[str], int | None]:
    """Mark rows the server answered; returns (acked, rejection reasons, expected seq on a gap).

    expected: ids whose rejection is no news (a joining store's own programs): marked, not reported."""
    rows: list[dict[str, Any]] = []
    rejected, gap = [], None
    at = now_ms()
    for r in results:
        status = r.get("status")
        if status == "gap":
            gap = int(r["expected"])
            break
        if status not in ("applied", "duplicate", "rejected"):
            continue
        reason = r.get("reason") if status == "rejected" or r.get("original") == "rejected" else None
        rows.append({"uid": r["uid"], "at": at, "status": r.get("original", status), "reason": reason})
        if reason and r["uid"] not in expected:
            rejected.append(f"{r['uid']}: {reason}")
    # One executemany: row by row through SQLAlchemy, a batch of 500 held the writer for ~80 ms.
    update = (
        "UPDATE outbox SET acked = 1, acked_at = :at, status = :status, reason = :reason WHERE uid = :uid AND acked = 0"
    )
    raw = sql.raw(conn)
    if raw is not None:
        acked = raw.executemany(update, rows).rowcount if rows else 0
    else:
        acked = sum(sql.run(conn, update, row) for row in rows)
    return acked, rejected, gap


def undo_rejected(conn: Connection, uids: Collection[str]) -> list[str]:
    """Once-only marks our sales set that the server rejected: the server booked nothing of them, so the
    referral they paid is due again (unless another of our sales paid it) and the birthday year they granted
    is not granted by them. Returns the customers the rejected sales and refunds named (the caller refreshes
    them from the server, whose snapshot is the verdict). Coupon uses and refunds of rejected rows are not counted where
    they are read (checkout, repo.chain_coupon_uses, repo.chain_refunded)."""
    if not uids:
        return []
    touched: set[str] = set()
    for (uid,) in _in_rows(
        conn,
        "SELECT c.uid FROM sales s JOIN customers c ON c.id = s.customer_id WHERE s.uid IN {in}"
        " AND s.referral_points > 0 AND c.referral_paid = 1 AND NOT EXISTS (SELECT 1 FROM sales k"
        " JOIN outbox o ON o.uid = k.uid WHERE k.customer_id = s.customer_id AND k.referral_points > 0"
        " AND COALESCE(o.status, '') != 'rejected' AND k.uid NOT IN {in})",
        sorted(uids),
    ):
        touched.add(str(uid))
    _run_in(conn, "UPDATE customers SET referral_paid = 0 WHERE uid IN {in}", sorted(touched))
    lots = _in_rows(
        conn,
        "SELECT g.lot_uid, c.uid FROM birthday_grants g JOIN lots l ON l.uid = g.lot_uid"
        " JOIN customers c ON c.id = g.customer_id WHERE l.source = 'birthday' AND l.txn_uid IN {in}",
        sorted(uids),
    )
    _run_in(conn, "DELETE FROM birthday_grants WHERE lot_uid IN {in}", sorted({str(lot) for lot, _ in lots}))
    touched |= {str(uid) for _, uid in lots}
    # Points and stamps follow the server by the next snapshot of the customer (our rejected rows are acknowledged,
    # so they are not replayed on it); a customer the server did not change since is in no pull page.
    for (body,) in _in_rows(conn, "SELECT body FROM outbox WHERE uid IN {in} AND kind IN ('sale', 'refund')",
                            sorted(uids)):  # fmt: skip
        found = json.loads(body)
        touched |= {str(op["customer"]) for op in found.get("ops", []) if op.get("customer")}
        if found.get("customer_uid"):
            touched.add(str(found["customer_uid"]))
    return sorted(touched)


# Customers to fetch again from the server after a rejection (JSON list of uids), kept with the acknowledgement.
_REFRESH = "refresh_customers"


def refresh_later(conn: Connection, uids: Iterable[str]) -> None:
    """Remember customers whose figures must be fetched again from the server (see undo_rejected)."""
    wanted = set(uids)
    if wanted:
        repo.set_meta(conn, _REFRESH, json.dumps(sorted(wanted | set(to_refresh(conn)))))


def to_refresh(conn: Connection) -> list[str]:
    """The customers waiting to be fetched again, in a stable order."""
    return list(json.loads(repo.get_meta(conn, _REFRESH) or "[]"))


def refreshed(conn: Connection, uid: str) -> None:
    """One customer was fetched again (or is not on the server)."""
    repo.set_meta(conn, _REFRESH, json.dumps([u for u in to_refresh(conn) if u != uid]))


def acked_through(conn: Connection) -> int:
    """The outbox sequence up to which every row is acknowledged (0 when none is)."""
    first = sql.scalar(conn, "SELECT MIN(seq) FROM outbox WHERE acked = 0")
    if first is not None:
        return int(first) - 1
    return int(sql.scalar(conn, "SELECT COALESCE(MAX(seq), 0) FROM outbox") or 0)


def last_local_write(conn: Connection) -> int:
    """When this terminal last wrote a transaction of its own (a sale, refund, enrollment...), 0 if never.

    Every one writes an outbox row in its transaction, and the newest row is found by its key."""
    found = sql.scalar(conn, "SELECT created_at FROM outbox ORDER BY seq DESC LIMIT 1")
    return int(found or 0)


def unreflected_ops(conn: Connection, after_seq: int) -> dict[str, list[wire.Op]]:
    """Our transactions' point operations the server snapshot does not reflect yet, per customer, oldest first."""
    ops: dict[str, list[wire.Op]] = {}
    # An acknowledged row is in every snapshot pulled after its ack, whatever the watermark says: a new
    # epoch restarts the server's watermark at nothing, and comparing against it replayed every old sale.
    # Plain SQL: this runs once per stored chunk of a pull, and through SQLAlchemy Core it cost 0.7 ms each.
    rows = sql.tuples(conn, "SELECT body FROM outbox WHERE acked = 0 AND seq > :seq ORDER BY seq", {"seq": after_seq})
    for (body,) in rows:
        for op in json.loads(body).get("ops", []):
            ops.setdefault(op["customer"], []).append(op)
    return ops


def page_order(customers: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A pulled page in the order it is stored: merged-away customers first, so their merge is
    stored before the customer they were merged into replays their unsynced operations."""
    return sorted(customers, key=lambda c: c.get("merged_into") is None)


def apply_customers(conn: Connection, customers: Sequence[Mapping[str, Any]], applied_seq: int) -> None:
    """Store pulled customer snapshots inside the caller's transaction, in a fixed number of statements.

    The rows the snapshots touch are read with one query per table, each customer's target wallet
    is computed in memory as before (the snapshot, then our unreflected operations replayed with
    ledger.apply_op), and only the differences are written, with executemany. Storing the same
    snapshots twice writes no journal rows the second time, so a page cut short by a crash is
    repaired by pulling it again."""
    snaps = list({snap["uid"]: snap for snap in page_order(customers)}.values())
    if snaps:
        _PageApply(conn, snaps, applied_seq).run()


def store_programs(conn: Connection, programs: Iterable[Mapping[str, Any]]) -> None:
    """Keep the chain's program versions this terminal does not hold yet (by uid)."""
    for prog in programs:
        if conn.execute(select(t.programs.c.version).where(t.programs.c.uid == prog["uid"])).first() is None:
            conn.execute(
                insert(t.programs).values(
                    uid=prog["uid"],
                    body=json.dumps(prog["program"], ensure_ascii=False, sort_keys=True),
                    activate_at=prog["activate_at"],
                    created_at=now_ms(),
                )
            )


def apply_page_rest(conn: Connection, data: Mapping[str, Any]) -> None:
    """Programs, catalog, cursor and clock offset of a pulled page (after its customers)."""
    store_programs(conn, data.get("programs", []))
    _chain_counts(conn, data)
    if data.get("catalog") is not None:
        conn.execute(delete(t.products))
        store_products(conn, data["catalog"])
        repo.set_meta(conn, "catalog_version", str(data["catalog_version"]))
    repo.set_meta(conn, "cursor", str(data["cursor"]))
    repo.set_meta(conn, "applied_seq", str(int(data.get("applied_seq") or 0)))
    repo.set_meta(conn, "clock_offset_ms", str(int(data["server_time"]) - now_ms()))


def _chain_counts(conn: Connection, data: Mapping[str, Any]) -> None:
    """The chain's refunded units of the sales this till holds, and its coupon uses (sync.md promise 9)."""
    refunded: Mapping[str, Mapping[str, int]] = data.get("refunded") or {}
    # Only this till's sales can be refunded here: the others' marks are not kept.
    mine = [uid for (uid,) in _in_rows(conn, "SELECT uid FROM sales WHERE uid IN {in}", sorted(refunded))]
    _run_in(conn, "DELETE FROM chain_refunds WHERE sale_uid IN {in}", mine)
    _insert(conn, "INSERT INTO chain_refunds (sale_uid, idx, units) VALUES (?, ?, ?)",
            [(uid, int(idx), int(units)) for uid in mine for idx, units in refunded[uid].items()])  # fmt: skip
    coupons: Mapping[str, int] | None = data.get("coupons")
    if coupons is not None:
        sql.run(conn, "DELETE FROM chain_coupon_uses WHERE customer_uid = ''")
        _insert(conn, "INSERT INTO chain_coupon_uses (code, customer_uid, uses) VALUES (?, '', ?)",
                [(code, int(n)) for code, n in sorted(coupons.items())])  # fmt: skip


def _in_rows(
    conn: Connection, template: str, values: Sequence[Any], params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """The rows of a query whose `{in}` stands for the values.

    The values travel as one JSON array (SQLite's json_each; the replica lives only in a terminal's
    SQLite file): one statement text however many there are, so sqlite3 prepares it once, where an
    IN list of each length was a new statement to prepare, and no bound on parameters to split by."""
    if not values:
        return []
    return sql.tuples(conn, template.replace("{in}", _JSON_IN), {**(params or {}), "in_values": json.dumps(values)})


def _insert(conn: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """One executemany of `?` rows on the terminal's sqlite3 connection (the replica lives in SQLite only)."""
    if rows:
        raw = sql.raw(conn)
        assert raw is not None, "the replica is a terminal's SQLite file"
        raw.executemany(statement, rows)


def _run_in(conn: Connection, template: str, values: Sequence[Any], params: Mapping[str, Any] | None = None) -> None:
    """Run a statement whose `{in}` stands for the values (as _in_rows)."""
    if values:
        sql.run(conn, template.replace("{in}", _JSON_IN), {**(params or {}), "in_values": json.dumps(values)})


_JSON_IN = "(SELECT value FROM json_each(:in_values))"


# The bulk inserts bind plain tuples (`?`): by name, binding cost a new customer's rows ~15 µs more.
_INSERT_CUSTOMER = """INSERT INTO customers (uid, name, name_search, phone, birthday, referral_paid, blocked, flagged,
  merged_into, snapshot_seq, expired_total, enrolled_at, last_op_at, debt)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"""
_UPDATE_CUSTOMER = """UPDATE customers SET name = :name, name_search = :name_search, phone = :phone,
  birthday = :birthday, referral_paid = :referral_paid, blocked = :blocked, flagged = :flagged,
  merged_into = :merged_into, snapshot_seq = :snapshot_seq, expired_total = :expired_total,
  last_op_at = :last_op_at WHERE id = :id"""
_INSERT_CARD = "INSERT INTO cards (code, customer_id, active, issued_at) VALUES (?, ?, ?, ?)"
_UPDATE_CARD = """UPDATE cards SET customer_id = :customer_id, active = :active, issued_at = :issued_at
WHERE code = :code"""
_INSERT_LOT = """INSERT INTO lots (uid, customer_id, points, remaining, available_at, expires_at, source, txn_uid)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
_UPDATE_LOT = "UPDATE lots SET customer_id = :customer_id, remaining = :remaining WHERE uid = :uid"
_INSERT_JOURNAL = "INSERT INTO journal (customer_id, lot_uid, kind, points, at, txn_uid) VALUES (?, ?, ?, ?, ?, ?)"
# A sale is reflected in a snapshot once the server holds it: acknowledged, or within the server's watermark.
_REFLECTED = """UPDATE {table} SET reflected = 1 WHERE reflected = 0 AND customer_id IN {in}
  AND EXISTS (SELECT 1 FROM outbox o WHERE o.uid = {table}.uid AND (o.seq <= :seq OR o.acked = 1))"""


# Referee uid -> referrer uid, for referees pulled before their referrer (see _PageApply._referrers).
_PENDING_REFERRERS = "pending_referrers"

_FIELDS = ("name", "name_search", "phone", "birthday", "referral_paid", "blocked", "flagged", "merged_into",
           "snapshot_seq", "expired_total")  # fmt: skip


class _Local(NamedTuple):
    """What a pulled customer's stored row holds before this call."""

    id: int
    last_op_at: int
    expired_total: int
    debt: int
    referrer_id: int | None
    fields: tuple[Any, ...]  # _FIELDS, to leave a row the snapshot does not change unwritten


class _PageApply:
    """One call of apply_customers: read what the snapshots touch, converge in memory, write the differences.

    Each step does for every snapshot what the former one-customer-at-a-time code did for one, and
    the steps run in that code's order, so the stored result is the same."""

    def __init__(self, conn: Connection, snaps: Sequence[Mapping[str, Any]], own_seq: int) -> None:
        self.conn = conn
        self.snaps = snaps
        self.own_seq = own_seq
        self.at = now_ms()
        self.ids: dict[str, int] = {}  # customer uid -> local id, for every snapshot
        self.local: dict[str, _Local] = {}  # the snapshots' customers stored before this call
        self.journal: list[tuple[int, str | None, str, int, int, str]] = []
        self.txn = ""  # the id of this call's journal rows and stamp moves, minted when the first is written

    def run(self) -> None:
        """Customers, expiry, referrers, cards for every snapshot; wallets and the rest for the kept ones."""
        own_ops = unreflected_ops(self.conn, self.own_seq)
        self._customers()
        self._coupon_uses()
        self._expiry()
        self._referrers()
        self._cards()
        # Merged-away customers stop here: their lots and stamps arrive with the customer they were merged into.
        keep = [snap for snap in self.snaps if not snap.get("merged_into")]
        if keep:
            names = self._attribute(own_ops, keep)
            targets = {snap["uid"]: _target(snap, names.get(snap["uid"], []), own_ops) for snap in keep}
            self._wallets(keep, {uid: wallet for uid, (wallet, _) in targets.items()})
            self._stamps(keep, {uid: stamps for uid, (_, stamps) in targets.items()})
            self._spend_reflected_birthdays(keep)
            self._recent_sales(keep)
        self._merged_lots()
        _insert(self.conn, _INSERT_JOURNAL, self.journal)

    def _merged_lots(self) -> None:
        """A merged-away customer keeps no points: its lots the customer it was merged into did not take over
        (a duplicate welcome bonus the server took back, promise 9) are closed by `sync` rows."""
        gone = [self.ids[snap["uid"]] for snap in self.snaps if snap.get("merged_into")]
        left = _in_rows(self.conn, "SELECT uid, customer_id, remaining FROM lots WHERE remaining > 0"
                        " AND customer_id IN {in} ORDER BY id", gone)  # fmt: skip
        for uid, cid, remaining in left:
            self._journal(int(cid), [("sync", uid, -int(remaining))])
        sql.many(self.conn, "UPDATE lots SET remaining = 0 WHERE uid = :uid", [{"uid": uid} for uid, _, _ in left])

    def _customers(self) -> None:
        conn, snaps = self.conn, self.snaps
        for cid, uid, last_op_at, debt, referrer_id, *fields in _in_rows(
            conn,
            f"SELECT id, uid, last_op_at, debt, referrer_id, {', '.join(_FIELDS)} FROM customers WHERE uid IN {{in}}",
            [snap["uid"] for snap in snaps],
        ):
            expired_total = int(fields[_FIELDS.index("expired_total")])
            self.local[uid] = _Local(int(cid), int(last_op_at), expired_total, int(debt), referrer_id, tuple(fields))
            self.ids[uid] = int(cid)
        # A local double enrollment the server merged away: free each phone for the customer the server gives it.
        owner = {snap["phone"]: snap["uid"] for snap in snaps if snap.get("phone")}
        holders = _in_rows(conn, "SELECT uid, phone FROM customers WHERE phone IN {in}", list(owner))
        freed = {uid for uid, phone in holders if owner[phone] != uid}
        sql.many(conn, "UPDATE customers SET phone = NULL WHERE uid = :uid", [{"uid": uid} for uid in sorted(freed)])
        new, changed = [], []
        for snap in snaps:
            values = {
                "name": snap["name"],
                "name_search": snap["name"].casefold(),
                "phone": snap.get("phone"),
                "birthday": snap.get("birthday"),
                "referral_paid": snap["referral_paid"],
                "blocked": snap["blocked"],
                "flagged": snap["flagged"],
                "merged_into": snap.get("merged_into"),
                "snapshot_seq": self.own_seq,
                "expired_total": snap["expired_total"],
            }
            row = self.local.get(snap["uid"])
            if row is None:
                new.append({**values, "uid": snap["uid"], "enrolled_at": snap["enrolled_at"],
                            "last_op_at": snap["last_op_at"]})  # fmt: skip
                continue
            last = max(row.last_op_at, int(snap["last_op_at"]))
            stored = (
                row.fields
                if snap["uid"] not in freed
                else tuple(None if name == "phone" else value for name, value in zip(_FIELDS, row.fields, strict=True))
            )
            if last != row.last_op_at or stored != tuple(values[name] for name in _FIELDS):
                changed.append({**values, "id": row.id, "last_op_at": last})
        sql.many(conn, _UPDATE_CUSTOMER, changed)
        _insert(conn, _INSERT_CUSTOMER, [
            (v["uid"], v["name"], v["name_search"], v["phone"], v["birthday"], v["referral_paid"], v["blocked"],
             v["flagged"], v["merged_into"], v["snapshot_seq"], v["expired_total"], v["enrolled_at"], v["last_op_at"])
            for v in new
        ])  # fmt: skip
        found = _in_rows(conn, "SELECT uid, id FROM customers WHERE uid IN {in}", [v["uid"] for v in new])
        self.ids.update((uid, int(cid)) for uid, cid in found)

    def _coupon_uses(self) -> None:
        """Each pulled customer's coupon uses across the chain, as the server counts them (promise 9)."""
        snaps = [snap for snap in self.snaps if "coupon_uses" in snap]  # a server from before sends none
        _run_in(self.conn, "DELETE FROM chain_coupon_uses WHERE customer_uid IN {in}", [snap["uid"] for snap in snaps])
        _insert(self.conn, "INSERT INTO chain_coupon_uses (code, customer_uid, uses) VALUES (?, ?, ?)",
                [(code, snap["uid"], int(n)) for snap in snaps for code, n in snap["coupon_uses"].items()])  # fmt: skip

    def _expiry(self) -> None:
        for snap in self.snaps:
            row = self.local.get(snap["uid"])
            written_off = int(snap["expired_total"]) - (row.expired_total if row is not None else 0)
            if written_off:
                # The server posted expiry: the lot corrections below already move the points, so this
                # zero-sum pair only lets the journal explain the replicated expired total (verify checks it).
                self._journal(self.ids[snap["uid"]], [("expire", None, -written_off), ("sync", None, written_off)])

    def _journal(self, customer_id: int, rows: Sequence[tuple[str, str | None, int]]) -> None:
        # One id for every correction this call makes: they are one local transaction.
        if not self.txn:
            self.txn = "sync-" + uuid7()
        txn = self.txn
        self.journal += [(customer_id, lot, kind, pts, self.at, txn) for kind, lot, pts in rows]

    def _referrers(self) -> None:
        # A referrer changed after its referee (paid, bought) comes in a later page: until it is stored here the
        # link waits in meta, or the till would never pay the referral the server re-derives as due.
        pending: dict[str, str] = json.loads(repo.get_meta(self.conn, _PENDING_REFERRERS) or "{}")
        for snap in self.snaps:
            pending.pop(snap["uid"], None)
            if snap.get("referrer_uid"):
                pending[snap["uid"]] = snap["referrer_uid"]
        wanted = sorted(set(pending.values()))
        # Looked up once this call's customers are stored, so a referrer in the same page is found as well.
        found = dict(_in_rows(self.conn, "SELECT uid, id FROM customers WHERE uid IN {in}", wanted))
        referees = dict(
            _in_rows(self.conn, "SELECT uid, referrer_id FROM customers WHERE uid IN {in}", sorted(pending))
        )
        ids = dict(_in_rows(self.conn, "SELECT uid, id FROM customers WHERE uid IN {in}", sorted(pending)))
        changes = []
        for uid, referrer in sorted(pending.items()):
            ref = found.get(referrer)
            if ref is None or uid not in ids:
                continue
            if referees.get(uid) != ref:
                changes.append({"id": ids[uid], "ref": ref})
            del pending[uid]
        sql.many(self.conn, "UPDATE customers SET referrer_id = :ref WHERE id = :id", changes)
        if pending or repo.get_meta(self.conn, _PENDING_REFERRERS) is not None:
            repo.set_meta(self.conn, _PENDING_REFERRERS, json.dumps(pending, sort_keys=True))

    def _cards(self) -> None:
        """Each card with its customer, the server's issue date and, once replaced, switched off.

        With the server's dates the newest active card (repo.primary_card) is the one the server
        names; a card issued here and not synced yet keeps its own, later, date and stays first.
        A card is never switched back on: a replacement made here may not have reached the server."""
        codes = [code for snap in self.snaps for code in snap["cards"]]
        have = {
            code: (int(cid), int(active), int(issued))
            for code, cid, active, issued in _in_rows(
                self.conn, "SELECT code, customer_id, active, issued_at FROM cards WHERE code IN {in}", codes
            )
        }
        state: dict[str, tuple[int, int, int]] = {}
        for snap in self.snaps:
            cid = self.ids[snap["uid"]]
            issued: Mapping[str, int] = snap.get("card_issued_at") or {}
            retired = set(snap.get("retired_cards") or ())
            for code in snap["cards"]:
                old = have.get(code)
                active = 0 if code in retired else (old[1] if old is not None else 1)
                state[code] = (cid, active, int(issued.get(code, old[2] if old is not None else self.at)))
            primary = snap.get("primary_card")
            if primary in state and state[primary][1]:
                others = [state[code][2] for code in snap["cards"] if code != primary and state[code][1]]
                if others and max(others) >= state[primary][2]:
                    # Equal dates (or a server that sends none): the card the server names comes first.
                    state[primary] = (cid, 1, max(others) + 1)
        rows = [
            {"code": code, "customer_id": cid, "active": active, "issued_at": issued}
            for code, (cid, active, issued) in state.items()
            if have.get(code) != (cid, active, issued)
        ]
        sql.many(self.conn, _UPDATE_CARD, [r for r in rows if r["code"] in have])
        _insert(self.conn, _INSERT_CARD, [(r["code"], r["customer_id"], r["active"], r["issued_at"])
                                          for r in rows if r["code"] not in have])  # fmt: skip

    def _attribute(
        self, own_ops: Mapping[str, list[wire.Op]], keep: Sequence[Mapping[str, Any]]
    ) -> dict[str, list[str]]:
        """Whose unreflected operations replay on each kept snapshot: its own, and those of the
        customers merged into it (merges of merges followed), by the merges stored so far."""
        merged: dict[str, str | None] = {}
        ask = sorted(own_ops)
        while ask:
            merged.update(_in_rows(self.conn, "SELECT uid, merged_into FROM customers WHERE uid IN {in}", ask))
            ask = sorted({into for into in merged.values() if into and into not in merged})
        kept = {snap["uid"] for snap in keep}
        names: dict[str, list[str]] = {}
        for uid in sorted(own_ops):
            final, seen = uid, {uid}
            while (into := merged.get(final)) and into not in seen:  # merges form no cycle; never loop if one did
                final = into
                seen.add(into)
            if final in kept:
                names.setdefault(final, []).append(uid)
        return names

    def _wallets(self, keep: Sequence[Mapping[str, Any]], targets: Mapping[str, Wallet]) -> None:
        """Lots and debt reach the target by `sync` rows: nothing is edited without a journal row saying so."""
        conn = self.conn
        # uid -> [customer_id, remaining] as stored, kept current as each customer converges, so that
        # a lot moving between two customers of this call is seen as the one-at-a-time code saw it.
        lots: dict[str, list[int]] = {}
        for uid, cid, remaining in _in_rows(
            conn, "SELECT uid, customer_id, remaining FROM lots WHERE uid IN {in}",
            [lot.uid for snap in keep for lot in targets[snap["uid"]].lots],
        ):  # fmt: skip
            lots[uid] = [int(cid), int(remaining)]
        for uid, cid, remaining in _in_rows(
            conn, "SELECT uid, customer_id, remaining FROM lots WHERE remaining > 0 AND customer_id IN {in}",
            [self.local[snap["uid"]].id for snap in keep if snap["uid"] in self.local],
        ):  # fmt: skip
            lots[uid] = [int(cid), int(remaining)]
        open_of: dict[int, list[str]] = {}
        for uid, (cid, _) in lots.items():
            open_of.setdefault(cid, []).append(uid)
        new_lots: list[tuple[Any, ...]] = []
        moved: dict[str, list[int]] = {}
        debts: list[dict[str, int]] = []
        for snap in keep:
            cid, target = self.ids[snap["uid"]], targets[snap["uid"]]
            wanted = {lot.uid: lot for lot in target.lots}
            local = {uid: lots[uid] for uid in wanted if uid in lots}
            for uid in open_of.get(cid, []):
                if lots[uid][0] == cid and lots[uid][1] > 0:
                    local.setdefault(uid, lots[uid])
            rows: list[tuple[str, str | None, int]] = []
            for uid, lot in wanted.items():
                have = local.get(uid)
                if have is None:
                    new_lots.append((uid, cid, lot.points, lot.remaining, lot.available_at, lot.expires_at,
                                     lot.source, lot.txn_uid))  # fmt: skip
                    lots[uid] = [cid, lot.remaining]
                    rows.append(("grant", uid, lot.points))
                    if lot.remaining != lot.points:
                        rows.append(("sync", uid, lot.remaining - lot.points))
                elif have[1] != lot.remaining or have[0] != cid:
                    if have[1] != lot.remaining:
                        rows.append(("sync", uid, lot.remaining - have[1]))
                    have[0], have[1] = cid, lot.remaining
                    moved[uid] = have
            for uid, have in local.items():
                if uid not in wanted and have[1] > 0:
                    rows.append(("sync", uid, -have[1]))
                    have[1] = 0
                    moved[uid] = have
            debt = self.local[snap["uid"]].debt if snap["uid"] in self.local else 0
            if debt != target.debt:
                rows.append(("sync", None, debt - target.debt))
                debts.append({"id": cid, "debt": target.debt})
            if rows:
                self._journal(cid, rows)
        _insert(conn, _INSERT_LOT, new_lots)
        sql.many(conn, _UPDATE_LOT, [{"uid": uid, "customer_id": c, "remaining": r} for uid, (c, r) in moved.items()])
        sql.many(conn, "UPDATE customers SET debt = :debt WHERE id = :id", debts)

    def _stamps(self, keep: Sequence[Mapping[str, Any]], wanted: Mapping[str, Mapping[str, int]]) -> None:
        """Stamp counts reach the target by `sync` moves, so every card is explained by its moves."""
        have: dict[int, dict[str, int]] = {}
        for cid, rule, count in _in_rows(
            self.conn, "SELECT customer_id, rule_id, count FROM stamps WHERE customer_id IN {in}",
            [self.local[snap["uid"]].id for snap in keep if snap["uid"] in self.local],
        ):  # fmt: skip
            have.setdefault(int(cid), {})[rule] = int(count)
        inserts, updates, moves = [], [], []
        for snap in keep:
            cid = self.ids[snap["uid"]]
            mine = have.get(cid, {})
            deltas = {rule: n - mine.get(rule, 0) for rule, n in wanted[snap["uid"]].items()
                      if n != mine.get(rule, 0) or rule not in mine}  # fmt: skip
            if not deltas:
                continue
            if not self.txn:
                self.txn = "sync-" + uuid7()
            txn = self.txn
            for rule, delta in deltas.items():
                row = {"id": cid, "rule": rule, "n": mine.get(rule, 0) + delta}
                if rule not in mine:
                    inserts.append(row)
                elif delta:
                    updates.append(row)
                if delta:
                    moves.append({"id": cid, "rule": rule, "d": delta, "at": self.at, "txn": txn})
        sql.many(self.conn, "INSERT INTO stamps (customer_id, rule_id, count) VALUES (:id, :rule, :n)", inserts)
        sql.many(self.conn, "UPDATE stamps SET count = :n WHERE customer_id = :id AND rule_id = :rule", updates)
        sql.many(
            self.conn,
            "INSERT INTO stamp_moves (customer_id, rule_id, delta, at, txn_uid) VALUES (:id, :rule, :d, :at, :txn)",
            moves,
        )

    def _recent_sales(self, keep: Sequence[Mapping[str, Any]]) -> None:
        """The customer's recent sales across the chain for the daily card limits (app.core.caps), stored in the
        transaction that marks our sales the server holds reflected, so each sale counts once.

        A row only for a customer with some: with none listed, every sale of ours the server holds is older
        than its window, outside any day a till counts from now on, so counting our own rows (what a
        customer without a row does) gives the same figures, and a first pull of a large chain writes no
        row. A snapshot without them (a server from before) drops the stored ones: our own rows again."""
        _run_in(self.conn, "DELETE FROM chain_card_sales WHERE customer_id IN {in}",
                [self.ids[snap["uid"]] for snap in keep if snap["uid"] in self.local])  # fmt: skip
        _insert(self.conn, "INSERT INTO chain_card_sales (customer_id, sales) VALUES (?, ?)",
                [(self.ids[snap["uid"]], json.dumps([[int(x) for x in sale] for sale in snap["recent_sales"]]))
                 for snap in keep if snap.get("recent_sales")])  # fmt: skip

    def _spend_reflected_birthdays(self, keep: Sequence[Mapping[str, Any]]) -> None:
        """The server's spend per day replaces ours (where it differs); our sales it holds stop counting
        twice; birthday years."""
        conn = self.conn
        old = [self.local[snap["uid"]].id for snap in keep if snap["uid"] in self.local]
        stored: dict[int, list[tuple[int, int]]] = {}
        for cid, at, amount in _in_rows(
            conn, "SELECT customer_id, at, amount FROM spend_events WHERE customer_id IN {in} ORDER BY rowid", old
        ):
            stored.setdefault(int(cid), []).append((int(at), int(amount)))
        renew = [snap for snap in keep if stored.get(self.ids[snap["uid"]], []) != [(d, a) for d, a in snap["spend"]]]
        _run_in(conn, "DELETE FROM spend_events WHERE customer_id IN {in}",
                [self.ids[snap["uid"]] for snap in renew if self.ids[snap["uid"]] in stored])  # fmt: skip
        sql.many(
            conn,
            "INSERT INTO spend_events (customer_id, at, amount) VALUES (:id, :at, :amount)",
            [{"id": self.ids[snap["uid"]], "at": d, "amount": a} for snap in renew for d, a in snap["spend"]],
        )
        # A customer new to this terminal has no sales here: only the ones stored before can change.
        for table in ("sales", "refunds"):
            _run_in(conn, _REFLECTED.replace("{table}", table), old, {"seq": self.own_seq})
        have = set(_in_rows(conn, "SELECT customer_id, year FROM birthday_grants WHERE customer_id IN {in}", old))
        sql.many(
            conn,
            "INSERT INTO birthday_grants (customer_id, year, lot_uid) VALUES (:id, :year, '')",
            [
                {"id": cid, "year": year}
                for snap in keep
                for year in snap["birthday_years"]
                if ((cid := self.ids[snap["uid"]]), year) not in have
            ],
        )


def _target(
    snap: Mapping[str, Any], names: Sequence[str], own_ops: Mapping[str, list[wire.Op]]
) -> tuple[Wallet, dict[str, int]]:
    """The server's wallet and stamps with our unreflected operations on top, by the server's own code."""
    target = Wallet(
        lots=[
            Lot(x["uid"], x["points"], x["remaining"], x["available_at"], x["expires_at"], x["source"], x["txn_uid"])
            for x in snap["lots"]
        ],
        debt=snap["debt"],
    )
    stamps = dict(snap["stamps"])
    mine = [op for name in names for op in own_ops.get(name, [])]
    mine.sort(key=lambda op: op["at"])
    for op in mine:
        if op["op"] == "stamps":
            for rule, n in op["deltas"].items():
                stamps[rule] = max(0, stamps.get(rule, 0) + n)  # clamped at zero, as the server books it
        elif op["op"] == "grant" and any(lot.uid == op["lot"]["uid"] for lot in target.lots):
            continue  # already in the snapshot
        else:
            ledger.apply_op(target, op, strict=False)
    return target, stamps
