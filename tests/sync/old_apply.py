"""The one-customer-at-a-time apply the replica used before the page-level one (commit b289c3f and
its fixes), kept verbatim as the reference the page-level apply must agree with
(tests/sync/test_page_apply.py). Only its imports and this docstring are new."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from app.core import ledger, repo
from app.core import schema as t
from app.core.ids import uuid7
from app.core.timeutil import now_ms
from app.core.wallet import Lot, Wallet


def unreflected_ops(conn: Connection, after_seq: int) -> dict[str, list[dict[str, Any]]]:
    """Our transactions' point operations the server snapshot does not reflect yet, per customer, oldest first."""
    ops: dict[str, list[dict[str, Any]]] = {}
    rows = conn.execute(
        select(t.outbox.c.body).where(t.outbox.c.seq > after_seq, t.outbox.c.acked == 0).order_by(t.outbox.c.seq)
    )
    for r in rows:
        for op in json.loads(r.body).get("ops", []):
            ops.setdefault(op["customer"], []).append(op)
    return ops


def apply_customers(conn: Connection, customers: Sequence[Mapping[str, Any]], applied_seq: int) -> None:
    """Store pulled customer snapshots (one short transaction per call, so sales never wait long)."""
    ops = unreflected_ops(conn, applied_seq)
    for snap in sorted(customers, key=lambda c: c.get("merged_into") is None):  # merged-away ones first
        _apply_customer(conn, snap, applied_seq, ops)


def _apply_customer(
    conn: Connection, snap: Mapping[str, Any], own_seq: int, own_ops: Mapping[str, list[dict[str, Any]]]
) -> None:
    row = conn.execute(select(t.customers).where(t.customers.c.uid == snap["uid"])).first()
    if snap.get("phone"):
        # A local double enrollment the server merged away: free the phone for the survivor.
        conn.execute(
            update(t.customers)
            .where(t.customers.c.phone == snap["phone"], t.customers.c.uid != snap["uid"])
            .values(phone=None)
        )
    values = {
        "name": snap["name"],
        "name_search": snap["name"].casefold(),
        "phone": snap.get("phone"),
        "birthday": snap.get("birthday"),
        "referral_paid": snap["referral_paid"],
        "blocked": snap["blocked"],
        "flagged": snap["flagged"],
        "merged_into": snap.get("merged_into"),
        "snapshot_seq": own_seq,
        "expired_total": snap["expired_total"],
    }
    if row is None:
        key = conn.execute(
            insert(t.customers).values(
                uid=snap["uid"], enrolled_at=snap["enrolled_at"], last_op_at=snap["last_op_at"], debt=0, **values
            )
        ).inserted_primary_key
        assert key is not None
        customer_id = int(key[0])
    else:
        customer_id = row.id
        conn.execute(
            update(t.customers)
            .where(t.customers.c.id == customer_id)
            .values(last_op_at=max(row.last_op_at, snap["last_op_at"]), **values)
        )
    written_off = int(snap["expired_total"]) - (int(row.expired_total) if row is not None else 0)
    if written_off:
        # The server posted expiry: the lot corrections below already move the points, so this
        # zero-sum pair only lets the journal explain the replicated expired total (verify checks it).
        txn = "sync-" + uuid7()
        conn.execute(
            insert(t.journal),
            [
                {"customer_id": customer_id, "lot_uid": None, "kind": "expire", "points": -written_off,
                 "at": now_ms(), "txn_uid": txn},
                {"customer_id": customer_id, "lot_uid": None, "kind": "sync", "points": written_off,
                 "at": now_ms(), "txn_uid": txn},
            ],
        )  # fmt: skip
    if snap.get("referrer_uid"):
        ref = conn.execute(select(t.customers.c.id).where(t.customers.c.uid == snap["referrer_uid"])).scalar()
        if ref is not None:
            conn.execute(update(t.customers).where(t.customers.c.id == customer_id).values(referrer_id=ref))
    for code in snap["cards"]:
        if conn.execute(update(t.cards).where(t.cards.c.code == code).values(customer_id=customer_id)).rowcount == 0:
            conn.execute(insert(t.cards).values(code=code, customer_id=customer_id, active=1, issued_at=now_ms()))
    if snap.get("merged_into"):
        return  # its lots and stamps arrive with the customer it was merged into

    # Server state, then our unreflected transactions on top, with the server's own code.
    target = Wallet(
        lots=[
            Lot(x["uid"], x["points"], x["remaining"], x["available_at"], x["expires_at"], x["source"], x["txn_uid"])
            for x in snap["lots"]
        ],
        debt=snap["debt"],
    )
    stamps = dict(snap["stamps"])
    # Only customers with our own unreflected ops matter here, so look among those (by uid, indexed):
    # merged_into has no index, and a scan of every customer per pulled customer made a first pull
    # quadratic (20,000 customers: 180 s).
    names = {snap["uid"]}
    candidates = sorted(set(own_ops) - names)
    if candidates:
        by_merge = select(t.customers.c.uid).where(t.customers.c.merged_into == snap["uid"])
        if len(candidates) <= 500:  # else one scan is cheaper than many IN lists
            by_merge = by_merge.where(t.customers.c.uid.in_(candidates))
        names |= set(conn.execute(by_merge).scalars())
    mine = [op for name in sorted(names) for op in own_ops.get(name, [])]
    mine.sort(key=lambda op: op["at"])
    for op in mine:
        if op["op"] == "stamps":
            for rule, n in op["deltas"].items():
                stamps[rule] = max(0, stamps.get(rule, 0) + n)  # clamped at zero, as the server books it
        elif op["op"] == "grant" and any(lot.uid == op["lot"]["uid"] for lot in target.lots):
            continue  # already in the snapshot
        else:
            ledger.apply_op(target, op, strict=False)
    _converge_lots(conn, customer_id, target)
    _converge_stamps(conn, customer_id, stamps)
    conn.execute(delete(t.spend_events).where(t.spend_events.c.customer_id == customer_id))
    if snap["spend"]:
        conn.execute(
            insert(t.spend_events), [{"customer_id": customer_id, "at": d, "amount": a} for d, a in snap["spend"]]
        )
    for table in (t.sales, t.refunds):
        uids = select(t.outbox.c.uid).where((t.outbox.c.seq <= own_seq) | (t.outbox.c.acked == 1))
        conn.execute(update(table).where(table.c.customer_id == customer_id, table.c.uid.in_(uids)).values(reflected=1))
    for year in snap["birthday_years"]:
        exists = conn.execute(
            select(t.birthday_grants.c.year).where(
                t.birthday_grants.c.customer_id == customer_id, t.birthday_grants.c.year == year
            )
        ).first()
        if exists is None:
            conn.execute(insert(t.birthday_grants).values(customer_id=customer_id, year=year, lot_uid=""))


def _converge_lots(conn: Connection, customer_id: int, target: Wallet) -> None:
    txn = "sync-" + uuid7()
    at = now_ms()
    rows: list[tuple[str, str | None, int]] = []
    wanted = {lot.uid: lot for lot in target.lots}
    local = {
        r.uid: r
        for r in conn.execute(
            select(t.lots).where(
                (t.lots.c.uid.in_(list(wanted))) | ((t.lots.c.customer_id == customer_id) & (t.lots.c.remaining > 0))
            )
        )
    }
    for uid, lot in wanted.items():
        have = local.get(uid)
        if have is None:
            conn.execute(
                insert(t.lots).values(
                    uid=uid, customer_id=customer_id, points=lot.points, remaining=lot.remaining,
                    available_at=lot.available_at, expires_at=lot.expires_at, source=lot.source, txn_uid=lot.txn_uid,
                )
            )  # fmt: skip
            rows.append(("grant", uid, lot.points))
            if lot.remaining != lot.points:
                rows.append(("sync", uid, lot.remaining - lot.points))
        else:
            if have.remaining != lot.remaining or have.customer_id != customer_id:
                conn.execute(
                    update(t.lots).where(t.lots.c.uid == uid).values(remaining=lot.remaining, customer_id=customer_id)
                )
            if have.remaining != lot.remaining:
                rows.append(("sync", uid, lot.remaining - have.remaining))
    for uid, have in local.items():
        if uid not in wanted and have.remaining > 0:
            conn.execute(update(t.lots).where(t.lots.c.uid == uid).values(remaining=0))
            rows.append(("sync", uid, -have.remaining))
    debt = int(conn.execute(select(t.customers.c.debt).where(t.customers.c.id == customer_id)).scalar_one())
    if debt != target.debt:
        rows.append(("sync", None, debt - target.debt))
        conn.execute(update(t.customers).where(t.customers.c.id == customer_id).values(debt=target.debt))
    if rows:
        conn.execute(
            insert(t.journal),
            [
                {"customer_id": customer_id, "lot_uid": lot, "kind": kind, "points": pts, "at": at, "txn_uid": txn}
                for kind, lot, pts in rows
            ],
        )


def _converge_stamps(conn: Connection, customer_id: int, stamps: Mapping[str, int]) -> None:
    have = repo.stamps_of(conn, customer_id)
    deltas = {rule: n - have.get(rule, 0) for rule, n in stamps.items() if n != have.get(rule, 0) or rule not in have}
    if deltas:
        txn = "sync-" + uuid7()
        # add_stamps writes the count and a move; a sync move keeps the card explained by its moves.
        repo.add_stamps(conn, customer_id, deltas, now_ms(), txn)
