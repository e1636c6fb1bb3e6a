"""Chain-wide limits (sync.md promise 9): refunds within the units left, coupon and once-only bonus counts.

A terminal counts what it knows: its own transactions and what it last pulled. Offline, several
terminals can each allow the last use of a limit; the server knows every use, so a push is checked here
against the chain:

- a refund beyond the units a sale line still has, counted over every terminal's refunds, is rejected
  (`refund_beyond_units`) and nothing of it is booked;
- a coupon use beyond `max_uses` or `per_customer_max` is booked (the customer paid what the receipt
  said) and listed as a correction carrying the coupon's discount in kopecks, a cost to the chain;
- a once-only bonus given twice (birthday per year, referral per referee, welcome and referee bonus per
  phone) is booked, then taken back at once (the duplicate lot first, debt where it was spent) and listed.

The excess is bounded by the offline caps the terminals apply (docs/authority.md, "Corrections").
`Limits` holds one push batch's counts in memory beside the ledger's `Ledger`; `finish` writes the
corrections and the refund marks that let pull carry each sale's refunded units to every terminal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from app.core import ledger, sql, wire
from app.core.errors import LoyaltyError
from app.core.money import percent_of
from app.core.program import Coupon, Program, parse_program
from app.core.timeutil import now_ms
from server import schema as s
from server.store import next_counter

_CORRECTION_COLUMNS = ("kind", "store_id", "terminal_id", "customer_uid", "txn_uid", "ref", "points", "kopecks",
                       "at", "booked_at")  # fmt: skip
KINDS = ("coupon_uses", "coupon_per_customer", "birthday", "referral", "welcome", "referee")


@dataclass
class Before:
    """What a sale's customer had before the sale was booked: the once-only marks it may repeat."""

    birthday_granted: bool = False
    referral_paid: bool = False


@dataclass
class Limits:
    """One push batch's chain-wide counts, read once and kept current as its items are booked."""

    conn: Connection
    books: ledger.Ledger
    place: Mapping[str, int]
    corrections: list[dict[str, Any]] = field(default_factory=list)
    _sold: dict[str, list[int]] = field(default_factory=dict)  # sale uid -> units per line
    _back: dict[str, list[int]] = field(default_factory=dict)  # sale uid -> units refunded per line
    _refunded: set[str] = field(default_factory=set)  # sales refunded by this batch
    _uses: dict[str, int] = field(default_factory=dict)  # coupon code -> uses in the chain
    _mine: dict[tuple[str, int], int] = field(default_factory=dict)  # (code, customer id) -> uses
    _programs: dict[str, Program | None] = field(default_factory=dict)

    # ------------------------------------------------------------------ refunds

    def check_refund(self, body: wire.RefundBody) -> None:
        """Refuse a refund beyond the units its sale's lines have left across the chain (nothing is booked)."""
        sale_uid = body["sale_uid"]
        sold = self._sold_units(sale_uid)
        if sold is None:
            return  # an unknown sale: the ledger refuses it by its own code
        back = self._back_units(sale_uid, len(sold))
        for key, qty in body["units"].items():
            idx = int(key)
            if idx >= len(sold):
                raise LoyaltyError("refund_no_line", sale=sale_uid, line=idx, last=len(sold) - 1)
            if qty < 1:
                raise LoyaltyError("refund_units_min", line=idx)
            left = sold[idx] - back[idx]
            if qty > left:
                raise LoyaltyError("refund_beyond_units", sale=sale_uid, line=idx, left=left, asked=qty)

    def refunded(self, body: wire.RefundBody) -> None:
        """Count a booked refund's units (the batch's later refunds of the same sale see them)."""
        sale_uid = body["sale_uid"]
        sold = self._sold_units(sale_uid)
        if sold is None:
            return
        back = self._back_units(sale_uid, len(sold))
        for key, qty in body["units"].items():
            back[int(key)] += qty
        self._refunded.add(sale_uid)

    def _sold_units(self, sale_uid: str) -> list[int] | None:
        if sale_uid not in self._sold:
            # The sale's row locked: two pushes refunding one sale take turns (a card sale's customer is
            # locked already; an anonymous sale has only this row to queue on).
            lock = sql.for_update(self.conn)
            found = sql.one(self.conn, "SELECT id FROM sales WHERE uid = :u" + lock, {"u": sale_uid})
            if found is None:
                return None
            rows = sql.tuples(
                self.conn, "SELECT idx, qty FROM sale_lines WHERE sale_id = :id ORDER BY idx", {"id": found.id}
            )
            units = [0] * (max((int(i) for i, _ in rows), default=-1) + 1)
            for i, qty in rows:
                units[int(i)] = int(qty)
            self._sold[sale_uid] = units
            back = [0] * len(units)
            for i, qty in sql.tuples(
                self.conn,
                "SELECT rl.idx, SUM(rl.qty) FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id"
                " WHERE r.sale_id = :id GROUP BY rl.idx",
                {"id": found.id},
            ):
                if 0 <= int(i) < len(back):
                    back[int(i)] = int(qty)
            self._back[sale_uid] = back
        return self._sold[sale_uid]

    def _back_units(self, sale_uid: str, n: int) -> list[int]:
        return self._back.setdefault(sale_uid, [0] * n)

    # ------------------------------------------------------------------ sales

    def before_sale(self, body: wire.SaleBody) -> Before:
        """The once-only marks the sale's customer already had (read before the ledger books the sale)."""
        customer = body.get("customer_uid")
        if not customer:
            return Before()
        account = self.books.account(customer)
        year = body["sale"].get("birthday_year")
        granted = year is not None and year in self.books.granted_years(customer)
        return Before(birthday_granted=granted, referral_paid=bool(account.referral_paid))

    def after_sale(self, body: wire.SaleBody, before: Before) -> list[str]:
        """Record a booked sale; book and list what it used beyond a chain-wide limit. Returns the kinds."""
        self._sold[body["uid"]] = [int(line["qty"]) for line in body["lines"]]
        self._back[body["uid"]] = [0] * len(body["lines"])
        kinds: list[str] = []
        figures = body["sale"]
        customer = body.get("customer_uid")
        owner = self.books.resolve(customer) if customer else None
        code = figures.get("coupon")
        if code:
            kinds += self._coupon(body, code, owner)
        lot = figures.get("birthday_lot_uid")
        if owner is not None and before.birthday_granted and figures.get("birthday_points") and lot:
            self._take_back(body, "birthday", owner, figures["birthday_points"], lot)
            kinds.append("birthday")
        if owner is not None and before.referral_paid and figures.get("referral_points_to_referrer"):
            for op in body["ops"]:
                if op["op"] == "grant" and op["lot"]["source"] == "referral":
                    referrer = self.books.resolve(op["customer"])
                    self._take_back(body, "referral", referrer, op["lot"]["points"], op["lot"]["uid"])
                    kinds.append("referral")
        return kinds

    def _coupon(self, body: wire.SaleBody, code: str, owner: str | None) -> list[str]:
        program = self._program(body.get("program_uid"))
        coupon = program.coupon(code) if program is not None else None
        key = coupon.code if coupon is not None else code
        used = self._coupon_uses(key)
        self._uses[key] = used + 1
        customer_id = self.books.account(owner).id if owner is not None else None
        mine = 0
        if coupon is not None and coupon.per_customer_max is not None and customer_id is not None:
            mine = self._customer_uses(key, customer_id)
            self._mine[(key, customer_id)] = mine + 1
        if coupon is None or program is None:
            return []
        kinds = []
        if coupon.max_uses is not None and used >= coupon.max_uses:
            kinds.append("coupon_uses")
        if coupon.per_customer_max is not None and customer_id is not None and mine >= coupon.per_customer_max:
            kinds.append("coupon_per_customer")
        share = coupon_share(program, body["lines"], body["sale"].get("stamps_spent") or {}, coupon) if kinds else 0
        for n, kind in enumerate(kinds):
            # Over both limits: one cost, on the first row (the discount was given once).
            self._list(kind, body["uid"], owner, key, 0, share if n == 0 else 0, body["at"])
        return kinds

    def _coupon_uses(self, code: str) -> int:
        if code not in self._uses:
            # Read once per batch: rows this batch books are counted here, written or not yet.
            count = sql.scalar(self.conn, "SELECT COUNT(*) FROM coupon_uses WHERE code = :c", {"c": code})
            self._uses[code] = int(count)
        return self._uses[code]

    def prefetch(self, items: Sequence[Any]) -> None:
        """Read the coupon uses of the customers a batch's coupon sales name, one query per code."""
        wanted: dict[str, set[int]] = {}
        for item in items:
            body = item.body
            figures = body.get("sale") if item.kind == "sale" and isinstance(body, Mapping) else None
            code = figures.get("coupon") if isinstance(figures, Mapping) else None
            customer = body.get("customer_uid") if figures is not None else None
            if isinstance(code, str) and isinstance(customer, str):
                try:
                    wanted.setdefault(code, set()).add(self.books.account(customer).id)
                except LoyaltyError:
                    continue  # an unknown customer: its booking refuses it
        for code, ids in wanted.items():
            self._mine.update(((code, i), 0) for i in ids)
            for customer_id, n in sql.tuples_in(
                self.conn,
                "SELECT customer_id, COUNT(*) FROM coupon_uses WHERE code = :c AND customer_id {in}"
                " GROUP BY customer_id",
                sorted(ids),
                {"c": code},
            ):
                self._mine[(code, int(customer_id))] = int(n)

    def _customer_uses(self, code: str, customer_id: int) -> int:
        key = (code, customer_id)
        if key not in self._mine:
            self._mine[key] = int(
                sql.scalar(
                    self.conn,
                    "SELECT COUNT(*) FROM coupon_uses WHERE code = :c AND customer_id = :id",
                    {"c": code, "id": customer_id},
                )
            )
        return self._mine[key]

    def _program(self, uid: Any) -> Program | None:
        if not isinstance(uid, str):
            return None
        if uid not in self._programs:
            body = sql.scalar(self.conn, "SELECT body FROM programs WHERE uid = :u", {"u": uid})
            self._programs[uid] = parse_program(json.loads(body)) if body is not None else None
        return self._programs[uid]

    # ------------------------------------------------------------------ enrollments merged by phone

    def after_merge(self, body: wire.EnrollBody, winner: str) -> list[str]:
        """Two enrollments of one phone became one customer: what both were given once only is taken back
        from the later one and listed (welcome and referee bonus per phone, birthday per year, referral per
        referee, coupon uses per card beyond `per_customer_max`)."""
        group = self._group(winner)
        self._mine.clear()  # coupon uses now count for the winner: read them again when needed
        duplicates: list[tuple[str, str, int, str]] = []  # (kind, customer, points, lot)
        kept: set[str] = set()
        for lot, points, source in sql.tuples(
            self.conn,
            "SELECT l.uid, l.points, l.source FROM lots l WHERE l.customer_id = :w"
            " AND l.source IN ('welcome', 'referee') ORDER BY l.available_at, l.txn_uid, l.uid",
            {"w": group[0]},
        ):
            if source in kept:
                duplicates.append((source, winner, int(points), lot))
            kept.add(source)  # the earliest enrollment's bonus is the one the phone keeps
        for lot, points in sql.tuples_in(
            self.conn,
            "SELECT g.lot_uid, l.points FROM birthday_grants g JOIN lots l ON l.uid = g.lot_uid"
            " WHERE g.customer_id {in} AND g.year IN (SELECT year FROM birthday_grants WHERE customer_id = :w)",
            group[1:],
            {"w": group[0]},
        ):
            duplicates.append(("birthday", winner, int(points), lot))
        paid = sql.tuples(
            self.conn,
            "SELECT l.uid, l.points, c.uid FROM sales s JOIN lots l ON l.txn_uid = s.uid AND l.source = 'referral'"
            " JOIN customers c ON c.id = l.customer_id WHERE s.customer_id = :w ORDER BY s.at, s.uid",
            {"w": group[0]},
        )
        for lot, points, referrer in paid[1:]:  # the referee's first paying sale is the one that pays
            duplicates.append(("referral", self.books.resolve(referrer), int(points), lot))
        done = self._taken({lot for _, _, _, lot in duplicates})
        kinds: list[str] = []
        for kind, customer, points, lot in duplicates:
            if lot not in done:
                self._take_back(body, kind, customer, points, lot)
                kinds.append(kind)
        return kinds + self._merged_coupons(body, winner, group)

    def _merged_coupons(self, body: wire.EnrollBody, winner: str, group: Sequence[int]) -> list[str]:
        program = self._program(sql.scalar(self.conn, "SELECT uid FROM programs ORDER BY version DESC LIMIT 1"))
        if program is None:
            return []
        uids = [str(u) for (u,) in sql.tuples_in(self.conn, "SELECT uid FROM customers WHERE id {in}", list(group))]
        kinds: list[str] = []
        for code, n in sql.tuples(
            self.conn, "SELECT code, COUNT(*) FROM coupon_uses WHERE customer_id = :w GROUP BY code", {"w": group[0]}
        ):
            coupon = program.coupon(str(code))
            if coupon is None or coupon.per_customer_max is None:
                continue
            booked = sql.tuples_in(
                self.conn,
                "SELECT id FROM corrections WHERE kind = 'coupon_per_customer' AND ref = :c AND customer_uid {in}",
                uids,
                {"c": str(code)},
            )
            listed = len(booked) + sum(1 for c in self.corrections if c["kind"] == "coupon_per_customer"
                                       and c["ref"] == code and c["customer_uid"] in uids)  # fmt: skip
            for _ in range(int(n) - coupon.per_customer_max - listed):
                self._list("coupon_per_customer", body["uid"], winner, str(code), 0, 0, body["at"])
                kinds.append("coupon_per_customer")
        return kinds

    def _group(self, winner: str) -> list[int]:
        """The winner's id, then the ids of every customer merged into it (merges of merges followed)."""
        first = int(sql.scalar(self.conn, "SELECT id FROM customers WHERE uid = :u", {"u": winner}))
        ids, names = [first], [winner]
        while names:
            found = sql.tuples_in(self.conn, "SELECT id, uid FROM customers WHERE merged_into {in}", names)
            ids += [int(i) for i, _ in found]
            names = [str(u) for _, u in found]
        return ids

    def _taken(self, lots: set[str]) -> set[str]:
        """Of these lots, the ones a correction already took back (booked, or listed in this batch)."""
        booked = sql.tuples_in(self.conn, "SELECT ref FROM corrections WHERE ref {in}", sorted(lots))
        return {str(r) for (r,) in booked} | {c["ref"] for c in self.corrections if c["ref"] in lots}

    # ------------------------------------------------------------------ booking and writing

    def _take_back(self, body: Mapping[str, Any], kind: str, customer: str, points: int, lot: str) -> None:
        """Take a duplicate bonus back in the same transaction (its own lot first, then debt) and list it."""
        op = ledger.take_back_op(customer, points, body["at"], lot)
        self.books.apply_ops([op], body["uid"])
        self._list(kind, body["uid"], customer, lot, points, 0, body["at"])

    def _list(self, kind: str, txn: str, customer: str | None, ref: str, points: int, kopecks: int, at: int) -> None:
        self.corrections.append(
            {"kind": kind, "store_id": self.place.get("store_id"), "terminal_id": self.place.get("terminal_id"),
             "customer_uid": customer, "txn_uid": txn, "ref": ref, "points": points, "kopecks": kopecks, "at": at,
             "booked_at": now_ms()}
        )  # fmt: skip

    def mark(self) -> int:
        """How many corrections are listed so far (to drop those of an item that is then refused)."""
        return len(self.corrections)

    def drop_since(self, mark: int) -> None:
        """Forget the corrections listed after mark (their item was refused, nothing of it is booked)."""
        del self.corrections[mark:]

    def finish(self) -> None:
        """Write the batch's corrections and give each refunded sale a change number (after the customers')."""
        sql.insert_rows(self.conn, "corrections", _CORRECTION_COLUMNS, self.corrections)
        if not self._refunded:
            return
        sales = sorted(self._refunded)
        last = next_counter(self.conn, "change", len(sales))
        first = last - len(sales) + 1
        for start in range(0, len(sales), 500):
            self.conn.execute(delete(s.refund_marks).where(s.refund_marks.c.sale_uid.in_(sales[start : start + 500])))
        sql.insert_rows(
            self.conn, "refund_marks", ("sale_uid", "change_seq"),
            [{"sale_uid": uid, "change_seq": first + i} for i, uid in enumerate(sales)],
        )  # fmt: skip


def coupon_share(program: Program, lines: Sequence[wire.SaleLine], stamps_spent: Mapping[str, int], c: Coupon) -> int:
    """The kopecks a coupon took off these lines (loyalty-rules.md §3 steps 3 and 4, from the sale's lines)."""
    n = len(lines)
    amount = [int(line["amount"]) for line in lines]
    disc = [0] * n
    for rule in program.stamps:
        if not stamps_spent.get(rule.id):
            continue
        fits = [i for i in range(n) if lines[i]["category"] == rule.category]
        candidates = [i for i in fits if amount[i] - disc[i] >= lines[i]["unit_price"]]
        if candidates:
            cheapest = min(candidates, key=lambda i: (lines[i]["unit_price"], i))
            disc[cheapest] += lines[cheapest]["unit_price"]
    eligible = [
        i
        for i in range(n)
        if (not c.categories or lines[i]["category"] in c.categories)
        and lines[i]["category"] not in program.excluded_discount
    ]
    if c.kind == "percent":
        return sum(percent_of(amount[i] - disc[i], c.percent) for i in eligible)
    return min(c.amount, sum(amount[i] - disc[i] for i in eligible))  # split over the lines, the same in total


# ---------------------------------------------------------------------- pull


def coupon_uses_of(conn: Connection, customer_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Coupon uses per code of each of these customers (a pulled snapshot's `coupon_uses`)."""
    found: dict[int, dict[str, int]] = {}
    for customer_id, code, n in sql.tuples_in(
        conn, "SELECT customer_id, code, COUNT(*) FROM coupon_uses WHERE customer_id {in} GROUP BY customer_id, code",
        list(customer_ids),
    ):  # fmt: skip
        found.setdefault(int(customer_id), {})[str(code)] = int(n)
    return found


def latest_mark(conn: Connection) -> int:
    """The newest refund mark's change number (0 when no sale was ever refunded)."""
    return int(sql.scalar(conn, "SELECT COALESCE(MAX(change_seq), 0) FROM refund_marks") or 0)


def page_extras(conn: Connection, cursor: int, upto: int, last_page: bool) -> dict[str, Any]:
    """What a pull page (cursor, upto] carries beside its customers: refunded units of the sales marked in
    that range, and on the last page the chain's coupon uses per code."""
    extras: dict[str, Any] = {}
    marked = [
        uid
        for (uid,) in sql.tuples(
            conn, "SELECT sale_uid FROM refund_marks WHERE change_seq > :lo AND change_seq <= :hi ORDER BY sale_uid",
            {"lo": cursor, "hi": upto},
        )
    ]  # fmt: skip
    refunded: dict[str, dict[str, int]] = {uid: {} for uid in marked}
    for uid, idx, units in sql.tuples_in(
        conn,
        "SELECT s.uid, rl.idx, SUM(rl.qty) FROM sales s JOIN refunds r ON r.sale_id = s.id"
        " JOIN refund_lines rl ON rl.refund_id = r.id WHERE s.uid {in} GROUP BY s.uid, rl.idx",
        marked,
    ):
        refunded[str(uid)][str(int(idx))] = int(units)
    extras["refunded"] = refunded
    if last_page:
        extras["coupons"] = {
            str(code): int(n) for code, n in sql.tuples(conn, "SELECT code, COUNT(*) FROM coupon_uses GROUP BY code")
        }
    return extras


# ---------------------------------------------------------------------- the admin's list


def list_corrections(
    engine: Engine,
    store_id: int | None = None,
    customer: str | None = None,
    kind: str | None = None,
    limit: int = 1000,
) -> dict[str, Any]:
    """The corrections booked for uses beyond chain-wide limits, newest first, with their totals."""
    c = s.corrections.c
    query = select(s.corrections).order_by(c.id.desc()).limit(limit)
    if store_id is not None:
        query = query.where(c.store_id == store_id)
    if customer:
        query = query.where(c.customer_uid == customer)
    if kind:
        query = query.where(c.kind == kind)
    with engine.connect() as conn:
        items = [dict(r._mapping) for r in conn.execute(query)]
    return {
        "corrections": items,
        "total_points": sum(int(i["points"]) for i in items),
        "total_kopecks": sum(int(i["kopecks"]) for i in items),
    }
