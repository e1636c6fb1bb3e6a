"""Booking a transaction body: the one code path that writes loyalty effects.

A terminal's use case prices a sale (pure), describes it as a JSON body of facts and
point operations (their typed shapes: app/core/wire.py), and books it here with
`strict=True`. The central server books the very same body when the terminal pushes it
(`strict=False`: an offline double-spend becomes an overdraft instead of a refusal), and a
terminal replays its own unsynced bodies on top of a pulled server snapshot with `apply_op`. One implementation of
points, lots, expiry and refunds everywhere.

Bodies are booked by a `Ledger`: it reads the customers they name (their rows, lots and
stamp cards) once, applies the bodies to that state in memory, and `flush()` writes every
row with one multi-row statement per table. A terminal books one body that way
(`book_sale` and the other `book_*` functions); the server books a whole pushed batch of
hundreds of bodies with a fixed number of statements instead of twenty per body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from app.core import sql
from app.core.errors import LoyaltyError, NotFound
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
) -> int:
    """Create the customer and card of an enrollment body and grant its lots; returns the local id."""
    books = Ledger(conn, strict=strict, post_expiry=post_expiry, place=place)
    customer_id = books.enroll(body)
    books.flush()
    return customer_id


def book_sale(conn: Connection, body: SaleBody, *, strict: bool, post_expiry: bool) -> tuple[int, Booked]:
    """Write a sale body: the sale, its lines, coupon use, birthday and referral marks, points and stamps."""
    books = Ledger(conn, strict=strict, post_expiry=post_expiry)
    booked = books.sale(body)
    books.flush()
    return booked


def sale_by_uid(conn: Connection, uid: str) -> Any:
    """A sale row by its uid."""
    row = sql.one(conn, "SELECT * FROM sales WHERE uid = :uid", {"uid": uid})
    if row is None:
        raise NotFound("unknown_sale", sale=uid)
    return row


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


@dataclass(eq=False)
class Account:
    """One customer while bodies are booked: the figures of its row, its wallet and stamp card, in memory."""

    id: int
    uid: str
    wallet: Wallet
    stored: dict[str, int]  # remaining of each loaded lot as stored: what flush() compares against
    last_op_at: int
    referral_paid: int
    flagged: int
    blocked: int
    new: dict[str, Any] | None = None  # the row of a customer enrolled by this ledger (inserted by flush)
    stamps: dict[str, int] | None = None  # None until read
    stamps_stored: dict[str, int] = field(default_factory=dict)
    years: set[Any] | None = None  # birthday-bonus years, None until read
    touched: bool = False  # its row is written by flush()
    lots_read: bool = False  # the stored lots are in the wallet (a grant needs none of them)


# The columns each ledger table is written with (every row a mapping holding all of them).
_CUSTOMER_COLUMNS = ("id", "uid", "name", "name_search", "phone", "birthday", "referrer_id", "referral_paid",
                     "consent_at", "enrolled_at", "last_op_at", "debt", "expired_total", "blocked",
                     "flagged")  # fmt: skip
_FIGURES = ("debt", "expired_total", "last_op_at", "referral_paid", "flagged", "blocked")  # what booking changes
_SALE_COLUMNS = ("id", "uid", "customer_id", "card", "at", "program_version", "tier", "subtotal", "discount",
                 "redeemed_points", "redeemed_amount", "total", "earned", "coupon", "reward_id", "reward_points",
                 "birthday_points", "referral_points", "earned_lot_uid", "payment", "cashier",
                 "reflected")  # fmt: skip
_LINE_COLUMNS = ("sale_id", "idx", "sku", "name", "category", "qty", "unit_price", "amount", "discount", "redeemed",
                 "paid", "rate", "stamp_rule", "stamps_given", "is_reward")  # fmt: skip
_REFUND_COLUMNS = ("id", "uid", "sale_id", "customer_id", "at", "money_back", "points_taken_back",
                   "points_given_back", "cashier")  # fmt: skip
_LOT_COLUMNS = ("uid", "customer_id", "points", "remaining", "available_at", "expires_at", "source", "txn_uid")
_JOURNAL_COLUMNS = ("customer_id", "lot_uid", "kind", "points", "at", "txn_uid")


# Operations that leave every stored lot alone: a grant adds a lot (and pays debt from it), stamps move no points.
_LOTS_UNNEEDED = ("grant", "stamps")


def _text(value: Any) -> str | None:
    """A value that can name a row (a uid, a phone, a card); anything else is left to the booking to refuse."""
    return value if isinstance(value, str) else None


class Ledger:
    """Bodies booked against customers held in memory, then written by one `flush()`.

    Customers are read once (on PostgreSQL locked `FOR UPDATE`, in id order, so concurrent
    pushes over the same customers queue up instead of deadlocking), with their open lots where
    an operation needs them, stamp cards and birthday years. Each body then changes only that
    state and appends the rows it writes; `flush()` writes them, one statement per table (COPY
    on PostgreSQL). Row ids that a result names (customers, sales, refunds) are taken up front,
    so a body's result is known at once.

    Inside `item()` a body that is refused (LoyaltyError) leaves no trace: what it changed in
    memory is undone, so the server needs no savepoint per pushed transaction.
    """

    def __init__(
        self, conn: Connection, *, strict: bool, post_expiry: bool, place: Mapping[str, int] | None = None
    ) -> None:
        self.conn = conn
        self.strict = strict
        self.post_expiry = post_expiry
        # The server's store_id and terminal_id of the pushing terminal, written on every customer,
        # sale, refund and journal row (server schema 2); a terminal's own tables have no such columns.
        self.place = dict(place or {})
        self._sqlite = conn.dialect.name == "sqlite"
        self._undo: list[Callable[[], object]] | None = None
        self._captured: set[int] = set()
        self._reset()

    def _reset(self) -> None:
        self._accounts: dict[str, Account] = {}  # by uid, merged-away customers excluded
        self._alias: dict[str, str] = {}  # merged-away uid -> the uid it was merged into
        self._missing: set[str] = set()  # uids read and found nowhere
        self._phones: dict[str, bool] = {}  # phone -> enrolled (for the phones asked about)
        self._cards: dict[str, int | None] = {}  # card code -> customer id, None when not issued
        self._sales: dict[str, tuple[int, int | None]] = {}  # sale uid -> (sale id, customer id)
        self._want_stamps = False
        self._want_years = False
        self._want_lots: set[str] = set()  # uids whose ops need the stored lots (anything but a grant)
        self._hint: dict[str, int] = {}
        self._ids: dict[str, list[int]] = {}
        self._last_id: dict[str, int] = {}
        self._new_customers: list[Account] = []
        self._card_rows: list[dict[str, Any]] = []
        self._cards_off: list[dict[str, Any]] = []
        self._sale_rows: list[dict[str, Any]] = []
        self._line_rows: list[dict[str, Any]] = []
        self._coupon_rows: list[dict[str, Any]] = []
        self._year_rows: list[dict[str, Any]] = []
        self._refund_rows: list[dict[str, Any]] = []
        self._refund_line_rows: list[dict[str, Any]] = []
        self._new_lots: list[tuple[Account, Lot]] = []
        self._journal_rows: list[dict[str, Any]] = []
        self._stamp_rows: list[dict[str, Any]] = []

    def _pending(self) -> list[list[Any]]:
        return [self._new_customers, self._card_rows, self._cards_off, self._sale_rows, self._line_rows,
                self._coupon_rows, self._year_rows, self._refund_rows, self._refund_line_rows, self._new_lots,
                self._journal_rows, self._stamp_rows]  # fmt: skip

    # ------------------------------------------------------------------ reading

    def prefetch(self, items: Iterable[tuple[str, Any]], *, whole: bool = False) -> None:
        """Read what these (kind, body) pairs will touch with a few queries, instead of per body on demand.

        Only a speed-up: a body that names something not read here reads it when booked. Values
        that are not text are skipped, so a malformed body is refused by its own booking. `whole`:
        every customer's lots, stamps and birthday years too (the server re-derives each body on them)."""
        uids: set[str] = set()
        phones: set[str] = set()
        cards: set[str] = set()
        sales: set[str] = set()
        lookups = {"enroll": (("phone", phones), ("card", cards)), "card": (("new_card", cards),),
                    "refund": (("sale_uid", sales),)}  # fmt: skip
        counts: dict[str, int] = {}
        for kind, body in items:
            if not isinstance(body, Mapping):
                continue
            counts[kind] = counts.get(kind, 0) + 1
            for key in ("customer_uid", "referrer_uid"):
                if _text(body.get(key)):
                    uids.add(body[key])
            ops = body.get("ops")
            for op in ops if isinstance(ops, list) else ():
                if isinstance(op, Mapping):
                    if _text(op.get("customer")):
                        uids.add(op["customer"])
                        if op.get("op") not in _LOTS_UNNEEDED:
                            self._want_lots.add(op["customer"])
                    self._want_stamps |= op.get("op") == "stamps"
            sale = body.get("sale")
            if kind == "sale" and isinstance(sale, Mapping) and sale.get("birthday_year") is not None:
                self._want_years = True
            for key, into in lookups.get(kind, ()):
                value = _text(body.get(key))
                if value:
                    into.add(value)
        if whole:
            self._want_stamps = self._want_years = True
            self._want_lots |= uids
        self._hint = {"customers": counts.get("enroll", 0), "sales": counts.get("sale", 0),
                      "refunds": counts.get("refund", 0)}  # fmt: skip
        self._load(uids)
        wanted = sorted(p for p in phones if p not in self._phones)
        found = {r[0] for r in sql.tuples_in(self.conn, "SELECT phone FROM customers WHERE phone {in}", wanted)}
        self._phones.update((p, p in found) for p in wanted)
        wanted = sorted(c for c in cards if c not in self._cards)
        owners = dict(sql.tuples_in(self.conn, "SELECT code, customer_id FROM cards WHERE code {in}", wanted))
        self._cards.update((c, owners.get(c)) for c in wanted)
        wanted = sorted(u for u in sales if u not in self._sales)
        for uid, sale_id, customer_id in sql.tuples_in(
            self.conn, "SELECT uid, id, customer_id FROM sales WHERE uid {in}", wanted
        ):
            self._sales[uid] = (sale_id, customer_id)

    def _load(self, uids: Iterable[str]) -> None:
        """Read (and lock) customers with their lots, following merges; stamps and years when wanted."""
        todo = sorted({u for u in uids if u not in self._accounts and u not in self._alias})
        loaded: list[Account] = []
        while todo:
            self._missing.update(todo)
            rows = sql.rows_in(
                self.conn, "SELECT * FROM customers WHERE uid {in} ORDER BY id" + sql.for_update(self.conn), todo
            )
            todo = []
            for row in rows:
                self._missing.discard(row.uid)
                if row.merged_into:
                    self._alias[row.uid] = row.merged_into
                    if row.merged_into not in self._accounts and row.merged_into not in self._alias:
                        todo.append(row.merged_into)
                elif row.uid not in self._accounts:
                    account = Account(
                        int(row.id), row.uid, Wallet(debt=row.debt, expired_posted=row.expired_total), {},
                        row.last_op_at, row.referral_paid, row.flagged, row.blocked,
                    )  # fmt: skip
                    self._accounts[row.uid] = account
                    loaded.append(account)
            todo = sorted(set(todo))
        if not loaded:
            return
        by_id = {a.id: a for a in loaded}
        ids = sorted(by_id)
        wanted = {self._target(uid) for uid in self._want_lots}
        self._read_lots([a for a in loaded if self.post_expiry or a.uid in wanted])
        if self._want_stamps:
            for account in loaded:
                account.stamps = {}
            for customer_id, rule, count in sql.tuples_in(
                self.conn, "SELECT customer_id, rule_id, count FROM stamps WHERE customer_id {in}", ids
            ):
                by_id[customer_id].stamps[rule] = count  # type: ignore[index]
            for account in loaded:
                account.stamps_stored = dict(account.stamps or {})
        if self._want_years:
            for account in loaded:
                account.years = set()
            for customer_id, year in sql.tuples_in(
                self.conn, "SELECT customer_id, year FROM birthday_grants WHERE customer_id {in}", ids
            ):
                by_id[customer_id].years.add(year)  # type: ignore[union-attr]

    def _read_lots(self, accounts: Sequence[Account]) -> None:
        """Put the stored open lots into these wallets, before any lot granted since (creation order)."""
        by_id = {a.id: a for a in accounts if not a.lots_read}
        stored: dict[int, list[Lot]] = {i: [] for i in by_id}
        # Columns in the order of Lot's fields; ORDER BY id keeps each wallet in creation order.
        for lot_row in sql.tuples_in(
            self.conn,
            "SELECT customer_id, uid, points, remaining, available_at, expires_at, source, txn_uid FROM lots"
            " WHERE customer_id {in} AND remaining > 0 ORDER BY id",
            sorted(by_id),
        ):
            stored[lot_row[0]].append(Lot(*lot_row[1:]))
            by_id[lot_row[0]].stored[lot_row[1]] = lot_row[3]
        for customer_id, account in by_id.items():
            account.wallet.lots[:0] = stored[customer_id]
            account.lots_read = True

    def _target(self, uid: str) -> str:
        while uid in self._alias:
            uid = self._alias[uid]
        return uid

    def account(self, uid: str) -> Account:
        """The customer a uid names, following merges; NotFound for a customer nobody enrolled."""
        target = self._target(uid)
        found = self._accounts.get(target)
        if found is None:
            if target not in self._missing:
                self._load([target])
                return self.account(uid)
            raise NotFound("unknown_customer", uid=target)
        if self._undo is not None and id(found) not in self._captured:
            self._capture(found)
        return found

    def held(self, uid: str) -> Account:
        """The customer a uid names with its stored lots, stamps and birthday years read (server re-derivation)."""
        account = self.account(uid)
        if not account.lots_read:
            self._read_lots([account])
        self._stamps(account)
        self._years(account)
        return account

    def resolve(self, uid: str) -> str:
        """The uid of the customer a uid names now (merges followed)."""
        return self.account(uid).uid

    def phone_in_use(self, phone: Any) -> bool:
        """True when a customer (stored, or enrolled by this ledger) has this phone."""
        if not isinstance(phone, str):
            return False
        if phone not in self._phones:
            found = sql.scalar(self.conn, "SELECT 1 FROM customers WHERE phone = :p", {"p": phone})
            self._phones[phone] = found is not None
        return self._phones[phone]

    def card_owner(self, code: str) -> int | None:
        """The id of the customer a card is issued to (by this ledger or before), None when nobody has it."""
        if code not in self._cards:
            self._cards[code] = sql.scalar(self.conn, "SELECT customer_id FROM cards WHERE code = :c", {"c": code})
        return self._cards[code]

    def _stamps(self, account: Account) -> dict[str, int]:
        if account.stamps is None:
            rows = sql.tuples(
                self.conn, "SELECT rule_id, count FROM stamps WHERE customer_id = :id", {"id": account.id}
            )
            account.stamps = {rule: int(count) for rule, count in rows}
            account.stamps_stored = dict(account.stamps)
        return account.stamps

    def _years(self, account: Account) -> set[Any]:
        if account.years is None:
            rows = sql.tuples(self.conn, "SELECT year FROM birthday_grants WHERE customer_id = :id", {"id": account.id})
            account.years = {r[0] for r in rows}
        return account.years

    def _sale(self, uid: str) -> tuple[int, int | None]:
        if uid not in self._sales:
            row = sale_by_uid(self.conn, uid)
            self._sales[uid] = (int(row.id), row.customer_id)
        return self._sales[uid]

    def _new_id(self, table: str) -> int:
        """A row id taken now, so results can name it before the row is written."""
        pool = self._ids.get(table)
        if not pool:
            n = max(self._hint.get(table, 0), 1)
            self._hint[table] = 16  # the batch's count was taken at once; later refills stay small
            if self._sqlite:
                # One writer at a time on SQLite: the next ids are the ones SQLite itself would give.
                last = self._last_id.get(table)
                if last is None:
                    last = int(sql.scalar(self.conn, f"SELECT COALESCE(MAX(id), 0) FROM {table}"))
                self._last_id[table] = last + n
                pool = list(range(last + n, last, -1))
            else:
                taken = sql.tuples(
                    self.conn,
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)",
                    {"t": table, "n": n},
                )
                pool = sorted((int(r[0]) for r in taken), reverse=True)
            self._ids[table] = pool
        return pool.pop()

    # ------------------------------------------------------------------ one body at a time

    @contextmanager
    def item(self) -> Iterator[None]:
        """Book one body: if it is refused (LoyaltyError), everything it did in memory is undone."""
        marks = [len(rows) for rows in self._pending()]
        self._undo, self._captured = [], set()
        try:
            yield
        except LoyaltyError:
            for restore in reversed(self._undo):
                restore()
            for rows, n in zip(self._pending(), marks, strict=True):
                del rows[n:]
            raise
        finally:
            self._undo = None

    def _capture(self, account: Account) -> None:
        """Remember a customer's state as this body found it, to put it back if the body is refused."""
        assert self._undo is not None
        self._captured.add(id(account))
        wallet = account.wallet
        # Runs for every customer of every body: plain lists, and expiry marks only where expiry is posted.
        lots = list(wallet.lots)
        remaining = [lot.remaining for lot in lots]
        posted = [lot.expiry_posted for lot in lots] if self.post_expiry else None
        debt, expired = wallet.debt, wallet.expired_posted
        figures = (account.last_op_at, account.referral_paid, account.flagged, account.blocked, account.touched)
        stamps = None if account.stamps is None else dict(account.stamps)
        years = None if account.years is None else set(account.years)

        def restore() -> None:
            for lot, points in zip(lots, remaining, strict=True):
                lot.remaining = points
            for lot, mark in zip(lots, posted or (), strict=False):
                lot.expiry_posted = mark
            # Stored lots read during this body stay (they are older than any granted lot), as stored.
            kept = {id(lot) for lot in lots}
            read = [lot for lot in wallet.lots if id(lot) not in kept and lot.uid in account.stored]
            for lot in read:
                lot.remaining, lot.expiry_posted = account.stored[lot.uid], False
            wallet.lots[:] = read + lots
            wallet.debt, wallet.expired_posted = debt, expired
            account.last_op_at, account.referral_paid, account.flagged, account.blocked, account.touched = figures
            # Read during this body (None before it): read again when needed, nothing was written yet.
            account.stamps, account.years = stamps, years

        self._undo.append(restore)

    def _remember(self, restore: Callable[[], object]) -> None:
        if self._undo is not None:
            self._undo.append(restore)

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
            if not account.lots_read and (self.post_expiry or any(op["op"] not in _LOTS_UNNEEDED for op in mine)):
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

    def enroll(self, body: EnrollBody) -> int:
        """A new customer and card, and the enrollment's grants; returns the customer's id."""
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
        self._line_rows += [{"sale_id": sale_id, "idx": i, **line} for i, line in enumerate(body["lines"])]
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

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        """Write everything booked so far (one statement per table), then forget the state read."""
        conn = self.conn
        new = [{**a.new, "id": a.id, **self._figures(a)} for a in self._new_customers if a.new]
        sql.insert_rows(conn, "customers", _CUSTOMER_COLUMNS, new, self.place)
        sql.insert_rows(conn, "cards", ("code", "customer_id", "active", "issued_at"), self._card_rows)
        sql.update_rows(conn, "cards", "code", ("active",), self._cards_off)
        sql.insert_rows(conn, "sales", _SALE_COLUMNS, self._sale_rows, self.place)
        sql.insert_rows(conn, "sale_lines", _LINE_COLUMNS, self._line_rows)
        sql.insert_rows(conn, "coupon_uses", ("code", "customer_id", "sale_id", "at"), self._coupon_rows)
        sql.insert_rows(conn, "birthday_grants", ("customer_id", "year", "lot_uid"), self._year_rows)
        sql.insert_rows(conn, "refunds", _REFUND_COLUMNS, self._refund_rows, self.place)
        sql.insert_rows(conn, "refund_lines", ("refund_id", "idx", "qty"), self._refund_line_rows)
        sql.insert_rows(
            conn,
            "lots",
            _LOT_COLUMNS,
            [
                {"uid": lot.uid, "customer_id": a.id, "points": lot.points, "remaining": lot.remaining,
                 "available_at": lot.available_at, "expires_at": lot.expires_at, "source": lot.source,
                 "txn_uid": lot.txn_uid}
                for a, lot in self._new_lots
            ],
        )  # fmt: skip
        accounts = [a for a in self._accounts.values() if a.touched and a.new is None]
        changed = [
            {"uid": lot.uid, "remaining": lot.remaining}
            for a in accounts
            for lot in a.wallet.lots
            if lot.uid in a.stored and a.stored[lot.uid] != lot.remaining
        ]
        sql.update_rows(conn, "lots", "uid", ("remaining",), changed)
        sql.insert_rows(conn, "journal", _JOURNAL_COLUMNS, self._journal_rows, self.place)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for a in self._accounts.values():
            for rule, n in (a.stamps or {}).items():
                row = {"customer_id": a.id, "rule_id": rule, "count": n}
                if rule not in a.stamps_stored:
                    inserts.append(row)
                elif n != a.stamps_stored[rule]:
                    updates.append(row)
        sql.insert_rows(conn, "stamps", ("customer_id", "rule_id", "count"), inserts)
        sql.many(
            conn, "UPDATE stamps SET count = :count WHERE customer_id = :customer_id AND rule_id = :rule_id", updates
        )
        sql.insert_rows(conn, "stamp_moves", ("customer_id", "rule_id", "delta", "at", "txn_uid"), self._stamp_rows)
        sql.update_rows(conn, "customers", "id", _FIGURES, [{"id": a.id, **self._figures(a)} for a in accounts])
        self._reset()

    @staticmethod
    def _figures(account: Account) -> dict[str, Any]:
        return {
            "debt": account.wallet.debt,
            "expired_total": account.wallet.expired_posted,
            "last_op_at": account.last_op_at,
            "referral_paid": account.referral_paid,
            "flagged": account.flagged,
            "blocked": account.blocked,
        }
