"""Booking a transaction body: the one code path that writes loyalty effects.

A terminal's use case prices a sale (pure), describes it as a JSON body of facts and
point operations (their typed shapes: app/core/wire.py), and books it here with
`strict=True`. The central server books the very same body when the terminal pushes it
(`strict=False`: an offline double-spend becomes an overdraft instead of a refusal), and a
terminal replays its own unsynced bodies on top of a pulled server snapshot with `apply_op`. One implementation of
points, lots, expiry and refunds everywhere.

Bodies are booked by a `Ledger`: it reads the customers they name (their rows, lots and
stamp cards) once, applies the bodies to that state in memory, and `flush()` writes every
row with one multi-row statement per table (that reading and writing: app/core/books.py). A
terminal books one body that way (`book_sale` and the other `book_*` functions); the server books
a whole pushed batch of hundreds of bodies with a fixed number of statements instead of twenty per
body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from app.core import sql
from app.core.books import LOTS_UNNEEDED, Account, Books
from app.core.books import sale_by_uid as sale_by_uid  # re-exported: callers read a sale here
from app.core.coupon_replay import ReplayLine, coupon_shares
from app.core.errors import LoyaltyError, NotFound
from app.core.program import Program, parse_program
from app.core.wallet import Lot, Move, Wallet
from app.core.wire import (
    AdjustBody,
    BlockBody,
    CardBody,
    EnrollBody,
    GrantOp,
    Op,
    RefundBody,
    SaleBody,
    SaleLine,
    SpendOp,
    StampsOp,
    TakeBackOp,
)


def grant_op(customer: str, lot: Lot, at: int) -> GrantOp:
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


def spend_op(customer: str, points: int, at: int, why: str = "redeem") -> SpendOp:
    """Points paid from available lots, soonest expiry first."""
    return {"op": "spend", "customer": customer, "points": points, "at": at, "why": why}


def take_back_op(customer: str, points: int, at: int, sale_lot: str | None, expired: int = 0) -> TakeBackOp:
    """Earned points taken back by a refund; `expired` of them already left the sale's lot by expiry."""
    op: TakeBackOp = {"op": "take_back", "customer": customer, "points": points, "at": at, "sale_lot": sale_lot}
    if expired:
        op["expired"] = expired  # absent when 0: bodies of refunds with nothing expired read as before
    return op


def expired_unclaimed(conn: Connection, sale_lot: str, sale_id: int) -> int:
    """Points of a sale's earned lot written off by expiry that no earlier refund of the sale counted yet.

    An earlier refund counted what it reported as taken back beyond the points its journal rows took."""
    expired = -int(
        sql.scalar(
            conn,
            "SELECT COALESCE(SUM(points), 0) FROM journal WHERE lot_uid = :lot AND kind = 'expire'",
            {"lot": sale_lot},
        )
    )
    if not expired:
        return 0
    counted = sql.scalar(
        conn,
        "SELECT COALESCE(SUM(r.points_taken_back), 0) + COALESCE((SELECT SUM(j.points) FROM journal j"
        " WHERE j.kind = 'take_back' AND j.txn_uid IN (SELECT uid FROM refunds WHERE sale_id = :sale)), 0)"
        " FROM refunds r WHERE r.sale_id = :sale",
        {"sale": sale_id},
    )
    return max(expired - int(counted), 0)


def stamps_op(customer: str, deltas: Mapping[str, int], at: int) -> StampsOp:
    """Stamps added (+) or spent/taken back (-) per rule."""
    return {"op": "stamps", "customer": customer, "deltas": dict(deltas), "at": at}


def lot_of(op: GrantOp) -> Lot:
    """The Lot a grant op creates."""
    d = op["lot"]
    return Lot(d["uid"], d["points"], 0, d["available_at"], d["expires_at"], d["source"], d["txn_uid"])


def apply_op(wallet: Wallet, op: Op, *, strict: bool) -> list[Move]:
    """Apply one point operation to an in-memory wallet; strict refuses to overdraw."""
    if op["op"] == "grant":
        return wallet.grant(lot_of(op), op["at"])
    if op["op"] == "spend":
        return wallet.spend(op["points"], op["at"]) if strict else wallet.overdraw(op["points"], op["at"])
    if op["op"] == "take_back":
        return wallet.take_back(op["points"], op["at"], op.get("sale_lot"), op.get("expired", 0))
    if op["op"] == "stamps":
        return []
    # Only a body that skipped validation (a caller below the server's edge) gets here.
    raise LoyaltyError("unknown_operation", kind=op["op"])


@dataclass(frozen=True)
class Booked:
    """What booking a body did beyond its facts: overdrafts per customer uid (points, and stamps per rule)."""

    overdraft: Mapping[str, int]
    stamp_overdraft: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def apply_ops(conn: Connection, ops: Sequence[Op], txn_uid: str, *, strict: bool, post_expiry: bool) -> Booked:
    """Apply point and stamp operations to the stored wallets of the customers they name."""
    books = Ledger(conn, strict=strict, post_expiry=post_expiry)
    booked = books.apply_ops(ops, txn_uid)
    books.flush()
    return booked


def customer_by_uid(conn: Connection, uid: str) -> Any:
    """The customer row (with its primary card) for a customer uid, following merges."""
    # FOR UPDATE serialises concurrent pushes that touch one customer on PostgreSQL (no-op on SQLite).
    row = sql.one(conn, "SELECT * FROM customers WHERE uid = :uid" + sql.for_update(conn), {"uid": uid})
    if row is None:
        raise NotFound("unknown_customer", uid=uid)
    if row.merged_into:
        return customer_by_uid(conn, row.merged_into)
    return row


def book_enroll(
    conn: Connection,
    body: EnrollBody,
    *,
    strict: bool,
    post_expiry: bool,
    place: Mapping[str, int] | None = None,
    issue_card: bool = True,
) -> int:
    """Create the customer and card of an enrollment body and grant its lots; returns the local id.

    issue_card False: the customer is booked without the body's card (the server's quarantine of a card
    another customer holds, sync.md promise 11)."""
    books = Ledger(conn, strict=strict, post_expiry=post_expiry, place=place)
    customer_id = books.enroll(body, issue_card=issue_card)
    books.flush()
    return customer_id


def book_sale(conn: Connection, body: SaleBody, *, strict: bool, post_expiry: bool) -> tuple[int, Booked]:
    """Write a sale body: the sale, its lines, coupon use, birthday and referral marks, points and stamps."""
    books = Ledger(conn, strict=strict, post_expiry=post_expiry)
    booked = books.sale(body)
    books.flush()
    return booked


def line_stamps(conn: Connection, sale_id: int) -> dict[int, dict[str, int]]:
    """The stamps each rule gave on each line of a sale, by line index, rules in the program's order."""
    out: dict[int, dict[str, int]] = {}
    query = "SELECT idx, rule_id, stamps FROM sale_line_stamps WHERE sale_id = :id ORDER BY idx, ordinal"
    for r in sql.rows(conn, query, {"id": sale_id}):
        out.setdefault(int(r.idx), {})[str(r.rule_id)] = int(r.stamps)
    return out


def book_refund(conn: Connection, body: RefundBody, *, strict: bool, post_expiry: bool) -> int:
    """Write a refund body: the refund, its units per line, and its point and stamp moves."""
    books = Ledger(conn, strict=strict, post_expiry=post_expiry)
    refund_id = books.refund(body)
    books.flush()
    return refund_id


def book_adjust(conn: Connection, body: AdjustBody, *, strict: bool, post_expiry: bool) -> None:
    """A manager's manual point adjustment: a lot for points added, a take-back for points removed."""
    apply_ops(conn, body["ops"], body["uid"], strict=strict, post_expiry=post_expiry)


def book_card(conn: Connection, body: CardBody) -> None:
    """A replaced card: the new card points at the customer, the old one stops working."""
    books = Ledger(conn, strict=True, post_expiry=False)
    books.card(body)
    books.flush()


def book_block(conn: Connection, body: BlockBody) -> None:
    """A card blocked (or unblocked): a blocked customer can neither earn nor pay with points."""
    books = Ledger(conn, strict=True, post_expiry=False)
    books.block(body)
    books.flush()


class Ledger(Books):
    """Bodies booked against customers held in memory (app.core.books), then written by one `flush()`.

    Each body changes only the state read and appends the rows it writes; `flush()` writes them, one
    statement per table (COPY on PostgreSQL).

    Inside `item()` a body that is refused (LoyaltyError) leaves no trace: what it changed in
    memory is undone, so the server needs no savepoint per pushed transaction.
    """

    def __init__(
        self, conn: Connection, *, strict: bool, post_expiry: bool, place: Mapping[str, int] | None = None
    ) -> None:
        super().__init__(conn, strict=strict, post_expiry=post_expiry, place=place)
        self._programs: dict[str, Program] = {}  # program bodies parsed (replaying old coupon sales)

    # ------------------------------------------------------------------ bodies

    def apply_ops(self, ops: Sequence[Op], txn_uid: str) -> Booked:
        """Apply point and stamp operations to the wallets of the customers they name."""
        by_customer: dict[str, list[Op]] = {}
        for op in ops:
            by_customer.setdefault(op["customer"], []).append(op)
        overdraft: dict[str, int] = {}
        stamp_short: dict[str, dict[str, int]] = {}
        for uid, mine in by_customer.items():
            account = self.account(uid)
            if not account.lots_read and (self.post_expiry or any(op["op"] not in LOTS_UNNEEDED for op in mine)):
                self._read_lots([account])
            wallet = account.wallet
            known = len(wallet.lots)
            moves: list[Move] = []
            last = account.last_op_at
            for op in mine:
                if self.post_expiry:
                    moves += wallet.post_expiry(op["at"])
                step = apply_op(wallet, op, strict=self.strict)
                short = -sum(m.points for m in step if m.kind == "overdraft")
                if short:
                    overdraft[uid] = overdraft.get(uid, 0) + short
                moves += step
                if op["op"] == "stamps":
                    deltas = dict(op["deltas"])
                    have = self._stamps(account)
                    if not self.strict:
                        # A full card spent on two offline terminals: the card stops at zero and the
                        # free unit the second terminal gave is booked as a stamp overdraft.
                        for rule, n in deltas.items():
                            if have.get(rule, 0) + n < 0:
                                stamp_short.setdefault(uid, {})[rule] = -(have.get(rule, 0) + n)
                                deltas[rule] = -have.get(rule, 0)
                    for rule, delta in deltas.items():
                        have[rule] = have.get(rule, 0) + delta
                        if delta:
                            self._stamp_rows.append(
                                {"customer_id": account.id, "rule_id": rule, "delta": delta, "at": op["at"],
                                 "txn_uid": txn_uid}
                            )  # fmt: skip
                last = max(last, op["at"])
            self._new_lots += [(account, lot) for lot in wallet.lots[known:]]
            self._journal_rows += [
                {"customer_id": account.id, "lot_uid": m.lot_uid, "kind": m.kind, "points": m.points, "at": m.at,
                 "txn_uid": txn_uid}
                for m in moves
            ]  # fmt: skip
            account.last_op_at = last
            account.touched = True
        return Booked(overdraft, stamp_short)

    def enroll(self, body: EnrollBody, *, issue_card: bool = True) -> int:
        """A new customer and card, and the enrollment's grants; returns the customer's id.

        issue_card False: the customer without the body's card, which another customer holds (quarantine)."""
        referrer = body.get("referrer_uid")
        referrer_id = self.account(referrer).id if referrer else None
        uid = body["uid"]
        row = {
            "uid": uid, "name": body["name"], "name_search": body["name"].casefold(), "phone": body["phone"],
            "birthday": body.get("birthday"), "referrer_id": referrer_id, "consent_at": body.get("consent_at"),
            "enrolled_at": body["at"],
        }  # fmt: skip
        account = Account(
            self._new_id("customers"), uid, Wallet(), {}, body["at"], 0, 0, 0, new=row, touched=True, lots_read=True
        )
        account.stamps, account.years = {}, set()
        self._accounts[uid] = account
        self._remember(lambda: self._accounts.pop(uid, None))
        self._new_customers.append(account)
        if isinstance(row["phone"], str):
            phone = row["phone"]
            before = self._phones.get(phone)
            self._phones[phone] = True
            self._remember(lambda: self._phones.pop(phone) if before is None else self._phones.update({phone: before}))
        if issue_card:
            self._issue(body["card"], account, body["at"])
        self.apply_ops(body["ops"], uid)
        return account.id

    def _issue(self, code: str, account: Account, at: int) -> None:
        known, before = code in self._cards, self._cards.get(code)
        self._cards[code] = account.id

        def restore() -> None:
            if known:
                self._cards[code] = before
            else:
                self._cards.pop(code, None)

        self._remember(restore)
        self._card_rows.append({"code": code, "customer_id": account.id, "active": 1, "issued_at": at})

    def sale(self, body: SaleBody) -> tuple[int, Booked]:
        """The sale, its lines, coupon use, birthday and referral marks, points and stamps; returns its id."""
        sale = body["sale"]
        customer = body.get("customer_uid")
        account = self.account(customer) if customer else None
        customer_id = account.id if account is not None else None
        sale_id = self._new_id("sales")
        self._sale_rows.append(
            {
                "id": sale_id,
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
                "reflected": 0,
            }
        )
        self._sale_lines(sale_id, body)
        if sale.get("coupon"):
            self._coupon_rows.append({"code": sale["coupon"], "customer_id": customer_id, "sale_id": sale_id,
                                      "at": body["at"]})  # fmt: skip
        if account is not None:
            year = sale.get("birthday_year")
            # Two offline terminals can both pay one birthday bonus: both receipts are facts and are booked,
            # the once-a-year mark is kept once (a second insert broke the push for good).
            if year is not None:
                years = self._years(account)
                if year not in years:
                    years.add(year)
                    self._year_rows.append(
                        {"customer_id": customer_id, "year": year, "lot_uid": sale["birthday_lot_uid"]}
                    )
            if sale.get("referral_points_to_referrer"):
                account.referral_paid = 1
                account.touched = True
        booked = self.apply_ops(body["ops"], body["uid"])
        if account is not None:
            # A card sale that moved no points is still the customer's latest operation (§4 time order).
            self._latest(account, body["at"])
        uid = body["uid"]
        if isinstance(uid, str):
            self._sales[uid] = (sale_id, customer_id)
            self._remember(lambda: self._sales.pop(uid, None))
        return sale_id, booked

    def _sale_lines(self, sale_id: int, body: SaleBody) -> None:
        """A sale's lines, with the coupon's share of each and a row per stamp rule that gave stamps on one."""
        lines = body["lines"]
        code = body["sale"].get("coupon")
        shares: list[int] | None = None
        if code and any("coupon_discount" not in ln for ln in lines if not ln["is_reward"]):
            # A terminal from before schema v5 sent no shares: replayed as its reports did (app.core.coupon_replay).
            shares = self._replayed(code, body.get("program_version", 0), body["at"], lines)
        for i, line in enumerate(lines):
            share = line.get("coupon_discount", shares[i] if shares is not None else 0)
            self._line_rows.append({**line, "sale_id": sale_id, "idx": i, "coupon_discount": share})
            # The line's first rule (the v1 keys) always has its row: the reports count points paid on it.
            rule = line["stamp_rule"]
            rules = {} if rule is None else {rule: line["stamps_given"]}
            rules.update(line.get("stamps") or {})
            self._line_stamp_rows += [
                {"sale_id": sale_id, "idx": i, "rule_id": rule, "stamps": n, "ordinal": k}
                for k, (rule, n) in enumerate(rules.items())
            ]

    def _replayed(self, code: str, version: int, at: int, lines: Sequence[SaleLine]) -> list[int]:
        program = self._program(version, at)
        kept = [i for i, ln in enumerate(lines) if not ln["is_reward"]]
        if program is None:
            return [0] * len(lines)
        replay = [
            ReplayLine(ln["category"], ln["qty"], ln["unit_price"], ln["amount"], ln["stamp_rule"], ln["stamps_given"])
            for ln in (lines[i] for i in kept)
        ]
        shares = [0] * len(lines)
        for i, share in zip(kept, coupon_shares(program, program.coupon(code), replay), strict=True):
            shares[i] = share
        return shares

    def _program(self, version: int, at: int) -> Program | None:
        """A program version by number (the one in force at `at` when this database has no such number)."""
        in_force = "SELECT body FROM programs WHERE activate_at <= :at ORDER BY version DESC LIMIT 1"
        row = (
            sql.one(self.conn, "SELECT body FROM programs WHERE version = :v", {"v": version})
            or sql.one(self.conn, in_force, {"at": at})
            or sql.one(self.conn, "SELECT body FROM programs ORDER BY version LIMIT 1")
        )
        if row is None:
            return None
        program = self._programs.get(row.body)  # parsed once per ledger (a pushed batch of old sales)
        if program is None:
            program = self._programs[row.body] = parse_program(json.loads(row.body))
        return program

    def refund(self, body: RefundBody) -> int:
        """The refund, its units per line, and its point and stamp moves; returns its id."""
        sale_id, customer_id = self._sale(body["sale_uid"])
        r = body["refund"]
        refund_id = self._new_id("refunds")
        self._refund_rows.append(
            {
                "id": refund_id,
                "uid": body["uid"],
                "sale_id": sale_id,
                "customer_id": customer_id,
                "at": body["at"],
                "money_back": r["money_back"],
                "points_taken_back": r["points_taken_back"],
                "points_given_back": r["points_given_back"],
                "cashier": body.get("cashier"),
            }
        )
        units: Iterable[tuple[str, int]] = body["units"].items()
        self._refund_line_rows += [{"refund_id": refund_id, "idx": int(i), "qty": q} for i, q in units]
        self.apply_ops(body["ops"], body["uid"])
        if customer_id is not None:
            # A refund that moved neither points nor stamps is still the customer's latest operation.
            self._latest(self.account(self._uid_of(customer_id)), body["at"])
        return refund_id

    def _latest(self, account: Account, at: int) -> None:
        if at > account.last_op_at:
            account.last_op_at = at
            account.touched = True

    def _uid_of(self, customer_id: int) -> str:
        for account in self._accounts.values():
            if account.id == customer_id:
                return account.uid
        return str(sql.scalar(self.conn, "SELECT uid FROM customers WHERE id = :id", {"id": customer_id}))

    def card(self, body: CardBody) -> None:
        """A replaced card: the new card points at the customer, the old one stops working."""
        account = self.account(body["customer_uid"])
        new_card = body.get("new_card")
        if new_card:
            owner = self.card_owner(new_card)
            if owner is not None and owner != account.id:
                raise LoyaltyError("card_issued_other", card=new_card)
            if owner is None:
                self._issue(new_card, account, body["at"])
        if body.get("old_card"):
            self._cards_off.append({"code": body["old_card"], "active": 0})
        self._latest(account, body["at"])

    def block(self, body: BlockBody) -> None:
        """A card blocked (or unblocked): a blocked customer can neither earn nor pay with points."""
        account = self.account(body["customer_uid"])
        account.blocked = int(body["blocked"])
        account.touched = True
        self._latest(account, body["at"])

    def flag(self, uid: str) -> None:
        """Mark the customer a uid names as owing an overdraft."""
        account = self.account(uid)
        account.flagged = 1
        account.touched = True
