"""The ledger's books: the customers that bodies name, read once and held in memory, and the one `flush()`
that writes what booking appended.

`app.core.ledger.Ledger` books bodies on top of this class: it reads through `account()` (and the
prefetch that reads many at once), keeps a refused body from leaving a trace (`item()`), and appends the
rows of what it booked to the lists `flush()` writes with one statement per table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from app.core import sql
from app.core.errors import LoyaltyError, NotFound
from app.core.wallet import Lot, Wallet

__all__ = ["LOTS_UNNEEDED", "Account", "Books", "sale_by_uid"]


def sale_by_uid(conn: Connection, uid: str) -> Any:
    """A sale row by its uid."""
    row = sql.one(conn, "SELECT * FROM sales WHERE uid = :uid", {"uid": uid})
    if row is None:
        raise NotFound("unknown_sale", sale=uid)
    return row


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
                 "paid", "rate", "stamp_rule", "stamps_given", "is_reward", "coupon_discount")  # fmt: skip
_LINE_STAMP_COLUMNS = ("sale_id", "idx", "rule_id", "stamps", "ordinal")
_REFUND_COLUMNS = ("id", "uid", "sale_id", "customer_id", "at", "money_back", "points_taken_back",
                   "points_given_back", "cashier")  # fmt: skip
_LOT_COLUMNS = ("uid", "customer_id", "points", "remaining", "available_at", "expires_at", "source", "txn_uid")
_JOURNAL_COLUMNS = ("customer_id", "lot_uid", "kind", "points", "at", "txn_uid")


# Operations that leave every stored lot alone: a grant adds a lot (and pays debt from it), stamps move no points.
LOTS_UNNEEDED = ("grant", "stamps")


def _text(value: Any) -> str | None:
    """A value that can name a row (a uid, a phone, a card); anything else is left to the booking to refuse."""
    return value if isinstance(value, str) else None


class Books:
    """Customers held in memory while bodies are booked, and the rows booking appended, written by `flush()`.

    Customers are read once (on PostgreSQL locked `FOR UPDATE`, in id order, so concurrent
    pushes over the same customers queue up instead of deadlocking), with their open lots where
    an operation needs them, stamp cards and birthday years. Row ids that a result names
    (customers, sales, refunds) are taken up front, so a body's result is known at once.
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
        self._line_stamp_rows: list[dict[str, Any]] = []
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
                self._journal_rows, self._stamp_rows, self._line_stamp_rows]  # fmt: skip

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
                        if op.get("op") not in LOTS_UNNEEDED:
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

    def uid_of(self, customer_id: int) -> str | None:
        """The uid of a customer by id (one this ledger enrolled, or a stored one)."""
        for account in self._accounts.values():
            if account.id == customer_id:
                return account.uid
        found = sql.scalar(self.conn, "SELECT uid FROM customers WHERE id = :id", {"id": customer_id})
        return None if found is None else str(found)

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

    def granted_years(self, uid: str) -> frozenset[Any]:
        """The birthday-bonus years booked so far for the customer a uid names (merges followed)."""
        return frozenset(self._years(self.account(uid)))

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
        sql.insert_rows(conn, "sale_line_stamps", _LINE_STAMP_COLUMNS, self._line_stamp_rows)
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
