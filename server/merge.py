"""One customer per phone across the chain: a deterministic merge of double enrollments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select, update

from app.core import ledger, repo, sql, wire
from app.core import schema as t
from app.core.errors import LoyaltyError


def enroll(
    conn: Connection, body: wire.EnrollBody, place: Mapping[str, int] | None = None, *, issue_card: bool = True
) -> tuple[str, set[str]]:
    """Book an enrollment; a phone already enrolled elsewhere merges (earlier enrollment wins).

    place: the store_id and terminal_id of the terminal that pushed it, for the rows it writes.
    issue_card False: the customer is booked without the body's card, which another customer holds."""
    taken = conn.execute(select(t.cards.c.code).where(t.cards.c.code == body["card"])).first() is not None
    if issue_card and taken:
        raise LoyaltyError("card_issued_other", card=body["card"])
    existing = conn.execute(select(t.customers).where(t.customers.c.phone == body["phone"]).with_for_update()).first()
    if existing is None:
        ledger.book_enroll(conn, body, strict=False, post_expiry=False, place=place, issue_card=issue_card)
        return body["uid"], {body["uid"]}
    incoming_first = (body["at"], body["uid"]) < (existing.enrolled_at, existing.uid)
    if incoming_first:
        conn.execute(update(t.customers).where(t.customers.c.id == existing.id).values(phone=None))
        ledger.book_enroll(conn, body, strict=False, post_expiry=False, place=place, issue_card=issue_card)
        winner = ledger.customer_by_uid(conn, body["uid"])
        merge(conn, existing, winner, body["at"], body["uid"], place)
    else:
        unlisted = body.copy()  # the phone stays with the earlier enrollment
        unlisted["phone"] = None
        ledger.book_enroll(conn, unlisted, strict=False, post_expiry=False, place=place, issue_card=issue_card)
        loser = conn.execute(select(t.customers).where(t.customers.c.uid == body["uid"])).one()
        winner = ledger.customer_by_uid(conn, existing.uid)
        merge(conn, loser, winner, body["at"], body["uid"], place)
    return winner.uid, {body["uid"], existing.uid}


def merge(
    conn: Connection, loser: Any, winner: Any, at: int, txn_uid: str, place: Mapping[str, int] | None = None
) -> None:
    """Move everything of loser to winner: lots, cards (as aliases), stamps, debt, sales; balances add up.

    place: the store_id and terminal_id of the push, for the settlement rows (server schema 2)."""
    # The winner's card stays the one `customer show` and receipts name (sync.md: "the other card
    # becomes an alias"). The primary card is the newest active one, and the loser enrolled later, so
    # its cards are dated just before the winner's first card; every terminal learns the dates by pull.
    first = conn.execute(select(func.min(t.cards.c.issued_at)).where(t.cards.c.customer_id == winner.id)).scalar()
    if first is not None:
        conn.execute(
            update(t.cards)
            .where(t.cards.c.customer_id == loser.id, t.cards.c.issued_at >= first)
            .values(issued_at=int(first) - 1)
        )
    for table in (t.lots, t.cards, t.sales, t.refunds, t.coupon_uses):
        conn.execute(update(table).where(table.c.customer_id == loser.id).values(customer_id=winner.id))
    conn.execute(update(t.customers).where(t.customers.c.referrer_id == loser.id).values(referrer_id=winner.id))
    won_years = set(
        conn.execute(select(t.birthday_grants.c.year).where(t.birthday_grants.c.customer_id == winner.id)).scalars()
    )
    for row in conn.execute(select(t.birthday_grants).where(t.birthday_grants.c.customer_id == loser.id)).all():
        if row.year not in won_years:
            conn.execute(
                update(t.birthday_grants)
                .where(t.birthday_grants.c.customer_id == loser.id, t.birthday_grants.c.year == row.year)
                .values(customer_id=winner.id)
            )
    moved = repo.stamps_of(conn, loser.id)
    if any(moved.values()):
        repo.add_stamps(conn, loser.id, {rule: -n for rule, n in moved.items()}, at, txn_uid)
        repo.add_stamps(conn, winner.id, moved, at, txn_uid)
    if loser.debt:
        # Zero-sum journal pair: the debt changes owner, conservation is untouched.
        sql.insert_rows(
            conn,
            "journal",
            ("customer_id", "lot_uid", "kind", "points", "at", "txn_uid"),
            [
                {"customer_id": loser.id, "lot_uid": None, "kind": "settle", "points": loser.debt, "at": at,
                 "txn_uid": txn_uid},
                {"customer_id": winner.id, "lot_uid": None, "kind": "settle", "points": -loser.debt, "at": at,
                 "txn_uid": txn_uid},
            ],
            place,
        )  # fmt: skip
    conn.execute(
        update(t.customers)
        .where(t.customers.c.id == loser.id)
        .values(merged_into=winner.uid, debt=0, referral_paid=loser.referral_paid)
    )
    conn.execute(
        update(t.customers)
        .where(t.customers.c.id == winner.id)
        .values(
            debt=winner.debt + loser.debt,
            referral_paid=max(winner.referral_paid, loser.referral_paid),
            last_op_at=max(winner.last_op_at, loser.last_op_at),
            flagged=max(winner.flagged, loser.flagged),  # an overdraft flag follows the debt it marks
        )
    )
    fresh = conn.execute(select(t.customers).where(t.customers.c.id == winner.id)).one()
    wallet, snapshot = repo.load_wallet(conn, fresh)
    repo.save_wallet(conn, winner.id, wallet, snapshot, wallet.settle_debt(at), txn_uid, place=place)
