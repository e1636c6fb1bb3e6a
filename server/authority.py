"""The server as the authority (sync.md v2, promises 8 and 10): every pushed figure re-derived, terminal scope.

Before a pushed sale, refund or enrollment is booked, the server prices it again with the shared core
(app.core.pricing.price, app.core.refunds, app.core.figures: the till's own code) against the state its
terminal could have seen, and compares every figure, line and point operation. A body whose figures do
not follow from the rules is `rejected` (`figures_mismatch`), kept whole for the admin (`rejections`),
and nothing of it is booked. Blocks, card replacements and manual adjustments are booked only with a
named manager of the terminal's store, within the store's daily adjustment limit, and audited.

The state a terminal could have seen (docs/authority.md): the customer's state at the body's pull cursor
plus the terminal's own earlier items. Every customer change number is logged with the terminal and
transactions that made it (`change_log`), so that state is today's state (which holds the terminal's own
earlier items: a terminal pushes in order) with the changes other terminals and the server made after the
cursor undone. A body is accepted when it follows from the rules on today's state (the common case, one
pricing) or on that rebuilt state; what other terminals did meanwhile (the same points spent twice
offline) is then booked as overdraft by the ledger, as before.

Cost: everything is read per pushed batch with a fixed number of queries (the customers' lots, stamps and
years with the ledger's prefetch; customers' birthdays, referrers and spend; the refunded sales), and the
rebuild, needed only for a body that does not follow from today's state, reads the later changes of the
whole batch's customers once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import Connection, Engine

from app.core import books, figures, ledger, repo, sql, wire
from app.core.clock import FUTURE_TOLERANCE_MS
from app.core.errors import LoyaltyError
from app.core.identity import birthday_date
from app.core.pricing import CouponUse, CustomerView, LineIn, birthday_due, price
from app.core.program import Program, local_time, parse_program
from app.core.refunds import SoldLine, cumulative, delta
from app.core.timeutil import DAY_MS, now_ms
from app.core.wallet import Lot, Wallet
from server.store import transaction

__all__ = ["ADJUST_LIMIT_ENV", "CHANGE_LOG_DAYS_ENV", "Authority", "add_manager", "adjust_limit", "managers",
           "prune_change_log", "rejections"]  # fmt: skip

# The most manual adjustment points (added and removed alike) one store may book in a UTC day of the server.
ADJUST_LIMIT_ENV = "LOYALTY_ADJUST_POINTS_PER_DAY"
DEFAULT_ADJUST_LIMIT = 100_000
# How long the change log keeps an entry some terminal may still need (days): see prune_change_log.
CHANGE_LOG_DAYS_ENV = "LOYALTY_CHANGE_LOG_DAYS"
DEFAULT_CHANGE_LOG_DAYS = 30
_MARKS_KEY = "change_log_marks"  # meta: [[instant, newest change number then], ...] kept by the pruning runs
PRUNED_KEY = "change_log_pruned_through"  # meta: change numbers up to this one are no longer logged

# Codes this module refuses with: an item refused with one of them is kept whole for the admin.
CODES = frozenset({"figures_mismatch", "cursor_unknown", "manager_required", "manager_unknown", "adjust_limit",
                   "card_not_customers"})  # fmt: skip

_SALE_DEFAULTS: dict[str, Any] = {
    "birthday_points": 0, "reward_points": 0, "referral_points_to_referrer": 0, "coupon": None,
    "stamps_spent": {}, "stamps_earned": {}, "reward_id": None, "birthday_year": None, "birthday_lot_uid": None,
    "earned_lot_uid": None,
}  # fmt: skip
_MAX_VIEWS = 8  # states rebuilt per body at most: the cursor's and those after the newest later changes
_UNCHECKED = frozenset({"max_points"})  # shown on the receipt, bounded by the till's offline caps: not booked

# Off only for tests of the push mechanics that book hand-made bodies following no program
# (tests/integration/sync/test_push_batch.py); the authority's own tests are tests/integration/sync/test_hostile.py.
ENFORCE = True

_PROGRAMS: dict[str, Program] = {}  # parsed programs by their body's text (parsing one costs milliseconds)


def adjust_limit() -> int:
    """The per-store daily limit of manual adjustment points (a server setting, from the environment)."""
    return int(os.environ.get(ADJUST_LIMIT_ENV, DEFAULT_ADJUST_LIMIT))


@dataclass
class _State:
    """One customer as a terminal could have seen it: what pricing and refunds read."""

    lots: list[Lot]
    debt: int
    stamps: dict[str, int]
    years: set[int]
    spend: list[tuple[int, int, str]]  # (at, kopecks paid (+) or given back (-), transaction uid)
    referral_paid: bool


@dataclass
class _Sold:
    """A sale as a refund of it needs it."""

    id: int | None
    customer_id: int | None
    at: int
    earned: int
    redeemed: int
    reward_points: int
    earned_lot_uid: str | None
    lines: list[SoldLine]
    refunds: list[tuple[str, int | None, dict[int, int]]] = field(default_factory=list)  # (uid, terminal, units)


@dataclass
class _Later:
    """Changes other terminals and the server made after some cursor, of the batch's customers."""

    changes: dict[str, list[tuple[int, set[str]]]]  # customer uid -> [(change number, transaction uids)]
    journal: dict[str, list[tuple[str | None, int]]]  # txn uid -> [(lot uid, points)]
    lots: dict[str, Lot]  # every lot those rows name, as stored
    stamps: dict[str, dict[str, int]]  # txn uid -> stamp deltas
    years: dict[str, set[int]]  # txn uid -> birthday years it granted
    referral: set[str]  # sale uids that paid a referral
    birthday: dict[str, int]  # sale uid -> the birthday year it paid a bonus for (booked as a grant or not)
    # customer uid -> [(change number, stamps per rule)] this terminal's own transactions asked for and the card no
    # longer had (another terminal spent the full card first): the server booked them short, the till did not
    short: dict[str, list[tuple[int, dict[str, int]]]] = field(default_factory=dict)
    unseen: dict[str, list[int]] = field(default_factory=dict)  # customer uid -> change numbers of its own
    # transactions from an earlier epoch: a terminal restored from a backup may have lost them


class Authority:
    """One pushed batch's checks: `check` before an item is booked, `booked`/`refused` after, `flush` at the end."""

    def __init__(self, conn: Connection, term: Any, books: ledger.Ledger) -> None:
        self.conn = conn
        self.books = books
        self.terminal_id = int(term.id)
        self.store_id = int(term.store_id)
        self.pulled = int(getattr(term, "pulled_cursor", 0) or 0)
        self.epoch = int(getattr(term, "epoch", 0) or 0)
        self._seq: int | None = None  # the sequence number of the item being checked
        self._joined: list[tuple[str, int]] | None = None  # this terminal's pre-join programs: (uid, activate_at)
        self._joined_until = (-1, -1)  # its join: (last sequence number, instant) of the history they price
        self.rejections: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []
        self.log: dict[str, list[str]] = {}  # customer uid -> this batch's transactions that changed it
        self._programs: list[tuple[str, int, int, int]] | None = None  # (uid, version, activate_at, created_at)
        self._bodies: dict[str, str] = {}  # program uid -> its body's text
        self._info: dict[str, tuple[int, str | None, str | None]] = {}  # uid -> (id, birthday, referrer uid)
        self._spend: dict[int, list[tuple[int, int, str]]] = {}
        self._sold: dict[str, _Sold] = {}
        self._new_sales: dict[str, tuple[int | None, wire.SaleBody]] = {}  # booked in this batch, not yet needed
        self._managers: set[str] | None = None
        self._adjusted: int | None = None
        self._later: _Later | None = None
        self._items: list[tuple[str, Mapping[str, Any]]] = []
        self._uids: set[str] = set()  # the customers the batch names
        self._winners: set[str] | None = None  # of those, the ones another customer was merged into
        self._paying: set[str] = set()  # sales of this batch that paid a referral
        self._birthday: dict[str, int] = {}  # sales of this batch that paid a birthday bonus -> its year
        self._referrer_seqs: dict[str, tuple[int, bool]] = {}  # referrer -> (its latest change, changed by us)
        self._short: dict[str, dict[str, int]] = {}  # customer uid -> stamps this batch's items were booked short of
        self._named_referrer: dict[str, str | None] = {}  # enrolled by this batch: uid -> the referrer it named
        self._named_birthday: dict[str, str | None] = {}  # enrolled by this batch: uid -> its birthday

    def _resolved(self, uid: str) -> str:
        try:
            return self.books.resolve(uid)
        except LoyaltyError:
            return uid

    # ------------------------------------------------------------------ reading, once per batch

    def prefetch(self, items: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Read what the batch's checks need with a fixed number of queries."""
        self._items = [(kind, body) for kind, body in items if isinstance(body, Mapping)]
        uids = self._uids
        sales: set[str] = set()
        for kind, body in self._items:
            for key in ("customer_uid", "referrer_uid"):
                if isinstance(body.get(key), str):
                    uids.add(body[key])
            for op in body.get("ops") or ():
                if isinstance(op, Mapping) and isinstance(op.get("customer"), str):
                    uids.add(op["customer"])
            if kind == "refund" and isinstance(body.get("sale_uid"), str):
                sales.add(body["sale_uid"])
        self._read_sold(sorted(sales))
        self._read_customers(uids)

    def _read_customers(self, uids: Iterable[str]) -> None:
        wanted = sorted(u for u in set(uids) if u not in self._info)
        if not wanted:
            return
        rows = sql.tuples_in(
            self.conn,
            "SELECT c.uid, c.id, c.birthday, r.uid FROM customers c LEFT JOIN customers r ON r.id = c.referrer_id"
            " WHERE c.uid {in}",
            wanted,
        )
        ids = []
        for uid, cid, birthday, referrer in rows:
            self._info[uid] = (int(cid), birthday, referrer)
            ids.append(int(cid))
        ids = sorted(set(ids) - set(self._spend))
        for cid in ids:
            self._spend[cid] = []
        for cid, at, total, uid in sql.tuples_in(
            self.conn, "SELECT customer_id, at, total, uid FROM sales WHERE customer_id {in}", ids
        ):
            self._spend[int(cid)].append((int(at), int(total), str(uid)))
        for cid, at, back, uid in sql.tuples_in(
            self.conn, "SELECT customer_id, at, money_back, uid FROM refunds WHERE customer_id {in}", ids
        ):
            self._spend[int(cid)].append((int(at), -int(back), str(uid)))

    def _read_sold(self, uids: Sequence[str]) -> None:
        wanted = [u for u in uids if u not in self._sold]
        by_id: dict[int, _Sold] = {}
        for sid, uid, cid, at, earned, redeemed, reward, lot in sql.tuples_in(
            self.conn,
            "SELECT id, uid, customer_id, at, earned, redeemed_points, reward_points, earned_lot_uid FROM sales"
            " WHERE uid {in}",
            wanted,
        ):
            sold = _Sold(int(sid), cid, int(at), int(earned), int(redeemed), int(reward or 0), lot, [])
            self._sold[uid] = by_id[int(sid)] = sold
        ids = sorted(by_id)
        lines: dict[int, list[tuple[int, SoldLine]]] = {i: [] for i in ids}
        for sid, idx, qty, paid, red, rate, rule, given, is_reward in sql.tuples_in(
            self.conn,
            "SELECT sale_id, idx, qty, paid, redeemed, rate, stamp_rule, stamps_given, is_reward FROM sale_lines"
            " WHERE sale_id {in}",
            ids,
        ):
            line = SoldLine(int(qty), int(paid), int(red), Fraction(rate), rule, int(given), bool(is_reward))
            lines[int(sid)].append((int(idx), line))
        for sid, found in lines.items():
            by_id[sid].lines = [line for _, line in sorted(found, key=lambda x: x[0])]
        refunds: dict[tuple[int, str], tuple[int | None, dict[int, int]]] = {}
        for sid, ruid, term, idx, qty in sql.tuples_in(
            self.conn,
            "SELECT r.sale_id, r.uid, r.terminal_id, l.idx, l.qty FROM refunds r"
            " JOIN refund_lines l ON l.refund_id = r.id WHERE r.sale_id {in}",
            ids,
        ):
            key = (int(sid), str(ruid))
            refunds.setdefault(key, (term, {}))[1][int(idx)] = int(qty)
        for (sid, ruid), (term, units) in sorted(refunds.items()):
            by_id[sid].refunds.append((ruid, term, units))

    def _program_rows(self) -> list[tuple[str, int, int, int]]:
        if self._programs is None:
            self._programs = []
            for uid, version, activate_at, created_at, body in sql.tuples(
                self.conn, "SELECT uid, version, activate_at, created_at, body FROM programs"
            ):
                self._programs.append((str(uid), int(version), int(activate_at), int(created_at)))
                self._bodies[str(uid)] = str(body)
        return self._programs

    def _program(self, uid: str) -> Program:
        self._program_rows()
        body = self._bodies[uid]
        found = _PROGRAMS.get(body)
        if found is None:
            found = _PROGRAMS[body] = parse_program(json.loads(body))
        return found

    def _in_force(self, at: int) -> list[str]:
        """The programs a till could have priced with at `at`: the one in force then among all the chain's
        programs, and among those issued by then (an offline till cannot know a later one)."""
        rows = self._program_rows()
        found = []
        for known in (rows, [r for r in rows if r[3] <= at]):
            active = [r for r in known if r[2] <= at] or sorted(known, key=lambda r: r[1])[:1]
            if active:
                found.append(max(active, key=lambda r: r[1])[0])
        return found

    def _joined_rows(self) -> list[tuple[str, int]]:
        """The programs this terminal's store priced its history with before it joined (one query a batch)."""
        if self._joined is None:
            self._joined = []
            for uid, activate_at, body, joined_at, joined_seq in sql.tuples(
                self.conn,
                "SELECT uid, activate_at, body, joined_at, joined_seq FROM joined_programs"
                " WHERE terminal_id = :t AND epoch = :e",
                {"t": self.terminal_id, "e": self.epoch},
            ):
                self._joined.append((str(uid), int(activate_at)))
                self._bodies[str(uid)] = str(body)
                self._joined_until = (int(joined_seq), int(joined_at))
        return self._joined

    def _pre_join(self, body: Mapping[str, Any]) -> list[Program] | None:
        """The store's own programs for an item of its history before it joined the chain: sequenced up to the
        join's last queued number and dated before the join (docs/authority.md "A store joining the chain");
        None for every other item. The one it names when it was active by then, else the newest activated by
        then (by instant, and by creation: the till's own rule is the newest version activated by then)."""
        if self._seq is None:
            return None
        rows = self._joined_rows()
        last_seq, joined_at = self._joined_until
        at = int(body["at"])
        if not rows or self._seq > last_seq or at > joined_at + FUTURE_TOLERANCE_MS:
            return None
        active = [r for r in rows if r[1] <= at] or sorted(rows, key=lambda r: (r[1], r[0]))[:1]
        named = body.get("program_uid")
        if any(uid == named for uid, _ in active):
            return [self._program(str(named))]
        newest = [max(active, key=lambda r: (r[1], r[0]))[0], max(active)[0]]
        return [self._program(uid) for uid in dict.fromkeys(newest)]

    def _programs_for(self, body: Mapping[str, Any]) -> list[Program]:
        """The programs a body may follow: a joining store's own for its history before the join; otherwise the
        chain's, the one it names when that was in force at its instant, else the one in force (a body naming
        no program, v1, or one the chain never issued: what counts is that its figures follow from the
        chain's rules)."""
        own = self._pre_join(body)
        if own is not None:
            return own
        allowed = list(dict.fromkeys(self._in_force(int(body["at"]))))
        named = body.get("program_uid")
        if named in allowed:
            allowed = [str(named)]
        return [self._program(uid) for uid in allowed]

    # ------------------------------------------------------------------ the checks

    def check(self, kind: str, body: Mapping[str, Any], seq: int | None = None) -> None:
        """Refuse (LoyaltyError) an item this terminal may not book, or whose figures do not follow from the rules.

        seq: the item's sequence number on its terminal (a joining store's history is told by it)."""
        if not ENFORCE:
            return
        self._seq = seq
        cursor = body.get("cursor")
        if isinstance(cursor, int) and cursor > self.pulled:
            raise LoyaltyError("cursor_unknown", cursor=cursor, pulled=self.pulled)
        if kind == "sale":
            self._check_sale(cast(wire.SaleBody, body))
        elif kind == "refund":
            self._check_refund(cast(wire.RefundBody, body))
        elif kind == "enroll":
            self._check_enroll(cast(wire.EnrollBody, body))
        elif kind in ("adjust", "card", "block"):
            self._check_privileged(kind, body)

    def _views(self, uid: str, cursor: int | None, at: int) -> list[_State]:
        """Today's state of a customer, then (for a body naming a cursor) the state at that cursor."""
        account = self.books.held(uid)
        self._read_customers([account.uid])
        cid = account.id
        # Read only (pricing and refunds never change a view): today's lots and spend as they are, no copy.
        now = _State(account.wallet.lots, account.wallet.debt, account.stamps or {}, account.years or set(),
                     self._spend.get(cid, []), bool(account.referral_paid))  # fmt: skip
        return [now] if cursor is None else [now, *self._at_cursor(account, now, cursor)]

    def _at_cursor(self, account: books.Account, now: _State, cursor: int) -> list[_State]:
        """The state at the cursor, then after each later change of others (a till may have looked the
        customer up, or stored part of a page, after its cursor): the newest few, each a possible view."""
        later = self._load_later()
        changes = [(seq, t) for seq, t in later.changes.get(account.uid, []) if seq > cursor]
        seqs = sorted({seq for seq, _ in changes})
        states = []
        # Our own moves after the cursor booked short of a full card (another terminal spent it first, promise 6's
        # stamp overdraft): on the till they took their whole count, so every rebuilt view takes it too. This
        # batch's earlier items are after the cursor too (the server held none of them at any pull).
        short: dict[str, int] = dict(self._short.get(account.uid, {}))
        for seq, rules in later.short.get(account.uid, []):
            if seq > cursor:
                for rule, n in rules.items():
                    short[rule] = short.get(rule, 0) + n
        for threshold in [cursor, *seqs[:-1][-(_MAX_VIEWS - 1) :]]:
            txns: set[str] = set().union(*(t for seq, t in changes if seq > threshold))
            if txns:
                states.append(self._undone(now, txns, later, short))
        return states

    def _undone(self, now: _State, txns: set[str], later: _Later, short: Mapping[str, int]) -> _State:
        """Today's state with these transactions' effects undone (and our own stamp moves booked short taken whole)."""
        remaining = {lot.uid: lot.remaining for lot in now.lots}
        lots = {lot.uid: lot for lot in now.lots}
        debt = now.debt
        for txn in txns:
            for lot_uid, points in later.journal.get(txn, []):
                if lot_uid is None:
                    debt += points
                    continue
                if lot_uid not in lots and lot_uid in later.lots:
                    stored = later.lots[lot_uid]
                    lots[lot_uid] = stored
                    remaining[lot_uid] = stored.remaining
                remaining[lot_uid] = remaining.get(lot_uid, 0) - points
        view_lots = [
            Lot(lot.uid, lot.points, remaining[uid], lot.available_at, lot.expires_at, lot.source, lot.txn_uid)
            for uid, lot in lots.items()
            if remaining.get(uid, 0) > 0
        ]
        stamps = dict(now.stamps)
        for txn in txns:
            for rule, n in later.stamps.get(txn, {}).items():
                stamps[rule] = stamps.get(rule, 0) - n
        for rule, n in short.items():
            stamps[rule] = max(0, stamps.get(rule, 0) - n)
        kept = {uid for _, _, uid in now.spend if uid not in txns}
        # A year stays granted when a sale kept in this state paid its bonus too: two offline terminals can both
        # pay one birthday; the server keeps the year's mark with the first booked only (the second is taken back
        # as a correction), but the terminal that paid the second saw the year as granted by its own sale.
        removed: set[int] = set().union(*(later.years.get(txn, set()) for txn in txns))
        paid_here = {later.birthday[u] for u in kept if u in later.birthday} | {
            y for u, y in self._birthday.items() if u in kept
        }
        years = (set(now.years) - removed) | (removed & paid_here)
        # Undoing another terminal's payment leaves the referral paid when a sale kept in this state paid it too:
        # the till's own (its second payment, taken back by the limits as a correction, is still its payment).
        paid = now.referral_paid and (not (txns & later.referral) or bool(kept & (later.referral | self._paying)))
        spend = [s for s in now.spend if s[2] not in txns]
        return _State(view_lots, debt, stamps, years, spend, paid)

    def _load_later(self) -> _Later:
        """The later changes of others to every customer of the batch, read once (only when needed)."""
        if self._later is not None:
            return self._later
        cursors = [b["cursor"] for _, b in self._items if isinstance(b.get("cursor"), int)]
        uids = sorted(self._uids | {self._resolved(u) for u in self._uids})
        changes: dict[str, list[tuple[int, set[str]]]] = {}
        own: list[tuple[str, int, set[str]]] = []
        for uid, seq, term, txns in sql.tuples_in(
            self.conn,
            "SELECT customer_uid, seq, terminal_id, txns FROM change_log WHERE customer_uid {in} AND seq > :c",
            uids,
            {"c": min(cursors, default=0)},
        ):
            if term is not None and int(term) == self.terminal_id:
                own.append((uid, int(seq), set(json.loads(txns))))
                continue
            changes.setdefault(uid, []).append((int(seq), set(json.loads(txns))))
        short: dict[str, list[tuple[int, dict[str, int]]]] = {}
        if own:
            owed: dict[str, dict[str, int]] = {}
            for txn, unit, points in sql.tuples_in(
                self.conn,
                "SELECT txn_uid, unit, points FROM overdrafts WHERE unit LIKE 'stamps:%' AND txn_uid {in}",
                sorted(set().union(*(t for _, _, t in own))),
            ):
                rule = str(unit).split(":", 1)[1]
                owed.setdefault(str(txn), {})[rule] = owed.get(str(txn), {}).get(rule, 0) + int(points)
            for uid, seq, txns in own:
                for txn in sorted(txns & owed.keys()):
                    short.setdefault(uid, []).append((seq, owed[txn]))
        unseen: dict[str, list[int]] = {}
        if own and self.epoch > 1:
            earlier = {
                str(r[0])
                for r in sql.tuples_in(
                    self.conn,
                    "SELECT uid FROM txn_outcomes WHERE terminal_id = :t AND epoch < :e AND uid {in}",
                    sorted(set().union(*(t for _, _, t in own))),
                    {"t": self.terminal_id, "e": self.epoch},
                )
            }
            for uid, seq, txns in own:
                if txns & earlier:
                    unseen.setdefault(uid, []).append(seq)
        every = sorted({t for found in changes.values() for _, ts in found for t in ts})
        journal: dict[str, list[tuple[str | None, int]]] = {}
        for txn, lot, points in sql.tuples_in(
            self.conn, "SELECT txn_uid, lot_uid, points FROM journal WHERE txn_uid {in}", every
        ):
            journal.setdefault(txn, []).append((lot, int(points)))
        named = sorted({lot for rows in journal.values() for lot, _ in rows if lot is not None})
        lots = {
            r[0]: Lot(*r)
            for r in sql.tuples_in(
                self.conn,
                "SELECT uid, points, remaining, available_at, expires_at, source, txn_uid FROM lots WHERE uid {in}",
                named,
            )
        }
        stamps: dict[str, dict[str, int]] = {}
        for txn, rule, d in sql.tuples_in(
            self.conn, "SELECT txn_uid, rule_id, delta FROM stamp_moves WHERE txn_uid {in}", every
        ):
            stamps.setdefault(txn, {})[rule] = stamps.get(txn, {}).get(rule, 0) + int(d)
        years: dict[str, set[int]] = {}
        for txn, year in sql.tuples_in(
            self.conn,
            "SELECT l.txn_uid, g.year FROM birthday_grants g JOIN lots l ON l.uid = g.lot_uid WHERE l.txn_uid {in}",
            every,
        ):
            years.setdefault(txn, set()).add(int(year))
        # Every sale of these customers that paid a referral (the later ones and those a rebuilt state keeps).
        referral = {
            str(r[0])
            for r in sql.tuples_in(
                self.conn,
                "SELECT s.uid FROM sales s JOIN customers c ON c.id = s.customer_id"
                " WHERE s.referral_points > 0 AND c.uid {in}",
                uids,
            )
        }
        # Every sale of these customers that paid a birthday bonus, with the year it paid (the sale's body names
        # it; the server keeps only the first grant of a year, so a second one's year is found by its date again).
        birthday: dict[str, int] = {}
        for sale_uid, at, born in sql.tuples_in(
            self.conn,
            "SELECT s.uid, s.at, c.birthday FROM sales s JOIN customers c ON c.id = s.customer_id"
            " WHERE s.birthday_points > 0 AND c.uid {in}",
            uids,
        ):
            year = self._birthday_year(int(at), born)
            if year is not None:
                birthday[str(sale_uid)] = year
        self._later = _Later(changes, journal, lots, stamps, years, referral, birthday, short, unseen)
        return self._later

    def _birthday_year(self, at: int, born: str | None) -> int | None:
        """The birthday year whose bonus window holds a sale's instant (what its body named: it was re-derived)."""
        uids = self._in_force(at)
        if not uids or born is None:
            return None
        program = self._program(uids[0])
        empty = CustomerView(card="", available=0, debt=0, tier_spend=0, stamps={}, birthday=birthday_date(born),
                             birthday_years_granted=frozenset(), referral_due=False)  # fmt: skip
        return birthday_due(program, empty, at)

    def _customer_view(
        self, state: _State, card: str, uid: str, program: Program, at: int, spent: int = 0
    ) -> CustomerView:
        """What pricing reads of a customer in this state. `spent`: the points the body redeems and pays a gift
        with; the balance is no bound on them (docs/authority.md): beyond what the server can rebuild they are
        an offline double spend, booked as overdraft, and still within the share of the basket and the caps."""
        wallet = Wallet(lots=state.lots, debt=state.debt)
        start = -(1 << 62) if program.tier_window_days is None else at - program.tier_window_days * DAY_MS
        spend = sum(amount for when, amount, _ in state.spend if start < when <= at)
        _, birthday, referrer = self._info.get(uid, (0, None, None))
        return CustomerView(
            card=card,
            available=max(wallet.available(at), spent + program.min_balance if spent else 0),
            debt=state.debt,
            tier_spend=spend,
            stamps=state.stamps,
            birthday=birthday_date(birthday),
            birthday_years_granted=frozenset(state.years),
            referral_due=referrer is not None and not state.referral_paid,
        )

    def _check_sale(self, body: wire.SaleBody) -> None:
        sale = body["sale"]
        at = int(body["at"])
        uid = body.get("customer_uid")
        cursor = body.get("cursor")
        programs = self._programs_for(body)
        lines = [
            LineIn(ln["sku"], ln["name"], ln["category"], ln["qty"], ln["unit_price"])
            for ln in body["lines"]
            if not ln.get("is_reward")
        ]
        states: list[_State | None] = [None]
        account = None
        if uid:
            account = self.books.held(uid)
            states = list(self._views(uid, cursor, at))
        problem = "the chain has no program in force then"
        for program in programs:
            coupon = None
            if sale.get("coupon"):
                found = program.coupon(str(sale["coupon"]))
                if found is None:
                    raise LoyaltyError("figures_mismatch", detail=f"coupon {sale['coupon']!r} is not in the program")
                # Use counts are chain-wide limits (promise 9, counted by the limits' checks): not a figure.
                coupon = CouponUse(found, 0, 0)
            views: list[tuple[CustomerView | None, str | None]] = [(None, None)]
            if account is not None:
                card = str(body.get("card") or "")
                referrer = self._info.get(account.uid, (0, None, None))[2]
                spent = sale["redeemed_points"] + int(sale.get("reward_points") or 0)
                views = [
                    (self._customer_view(s, card, account.uid, program, at, spent), referrer)
                    for s in states
                    if s is not None
                ]
                due = [v for v, _ in views if v is not None and v.referral_due]
                if referrer is not None and due and self._referrer_unseen(referrer, cursor):
                    views += [(replace(v, referral_due=False), None) for v in due]
                if uid != account.uid or self._absorbed(account.uid) or self._restored(account.uid, cursor):
                    claimed = self._claimed_referrer(body, referrer)
                    views.append((self._claimed_view(body, card, account.uid, program, at, claimed), claimed))
            for view, referrer in views:
                try:
                    q = price(program, lines, at, view, coupon, sale["redeemed_points"], sale.get("reward_id"))
                except LoyaltyError as exc:
                    problem = str(exc)
                    continue
                parts = figures.sale_parts(program, q, body["uid"], at, uid, referrer, figures.replay_ids(body["ops"]))
                problem = _differs_sale(body, parts)
                if not problem:
                    return
        raise LoyaltyError("figures_mismatch", detail=problem)

    def _sold_of(self, uid: str) -> _Sold | None:
        """A sale as a refund needs it: read with the batch, or booked earlier in it."""
        if uid not in self._sold and uid in self._new_sales:
            cid, sale = self._new_sales.pop(uid)
            self._sold[uid] = _Sold(
                None, cid, int(sale["at"]), int(sale["sale"]["earned"]), int(sale["sale"]["redeemed_points"]),
                int(sale["sale"].get("reward_points", 0)), sale["sale"].get("earned_lot_uid"),
                [SoldLine(ln["qty"], ln["paid"], ln["redeemed"], Fraction(ln["rate"]), ln["stamp_rule"],
                          ln["stamps_given"], bool(ln["is_reward"])) for ln in sale["lines"]],
            )  # fmt: skip
        return self._sold.get(uid)

    def _referrer_unseen(self, referrer: str, cursor: Any) -> bool:
        """True when this terminal may not hold the referrer at the body's cursor: it never changed the referrer
        itself and the referrer's latest change is after the cursor (a pull page gives a customer at its latest
        change, and a lookup gives the customer alone). The till pays a referral only to a referrer it holds
        (it keeps the link in `pending_referrers` until then): its sale pays none, and the referral stays due for
        a later sale. Read for the referrers of every customer read so far at once (one query, rarely a second)."""
        if not isinstance(cursor, int):
            return False
        if referrer not in self._referrer_seqs:
            wanted = sorted({r for _, _, r in self._info.values() if r is not None} - self._referrer_seqs.keys())
            self._referrer_seqs.update((uid, (0, False)) for uid in [*wanted, referrer])
            for uid, seq, own in sql.tuples_in(
                self.conn,
                "SELECT customer_uid, MAX(seq), MAX(CASE WHEN terminal_id = :t THEN 1 ELSE 0 END) FROM change_log"
                " WHERE customer_uid {in} GROUP BY customer_uid",
                sorted({*wanted, referrer}),
                {"t": self.terminal_id},
            ):
                self._referrer_seqs[str(uid)] = (int(seq), bool(own))
        latest, own = self._referrer_seqs.get(referrer, (0, False))
        return not own and latest > cursor and referrer not in self._named_referrer

    def _absorbed(self, uid: str) -> bool:
        """True for a customer another was merged into (read once per batch for the batch's customers)."""
        if self._winners is None:
            named = sorted(self._uids | {self._resolved(u) for u in self._uids})
            self._winners = {
                str(r[0])
                for r in sql.tuples_in(
                    self.conn, "SELECT DISTINCT merged_into FROM customers WHERE merged_into {in}", named
                )
            }
        return uid in self._winners

    def _restored(self, uid: str, cursor: Any) -> bool:
        """True when the customer changed after the body's cursor by this terminal's own transactions of an earlier
        epoch: a terminal restored from a backup (enrolled again, a new epoch) may have lost them before its
        first pull reaches them, so the state it priced on is not one the server can rebuild (docs/authority.md)."""
        if not isinstance(cursor, int) or self.epoch <= 1:
            return False
        return any(seq > cursor for seq in self._load_later().unseen.get(uid, []))

    def _claimed_referrer(self, body: wire.SaleBody, winner: str | None) -> str | None:
        """The referrer a till could have seen for a merged customer: the winner's, or the one the customer the
        sale names was enrolled with (a merge keeps the winner's only; the referee bonus came with the loser's)."""
        named = body.get("customer_uid")
        own = self._named_referrer.get(str(named)) if named else None
        if own is None and named:
            own = self._info.get(str(named), (0, None, None))[2]
        paid = {
            op.get("customer")
            for op in cast(Sequence[Any], body["ops"])
            if isinstance(op, Mapping) and op.get("op") == "grant" and (op.get("lot") or {}).get("source") == "referral"
        }
        for candidate in (winner, own):
            if candidate is not None and candidate in paid:
                return candidate
        return winner

    def _claimed_view(
        self, body: wire.SaleBody, card: str, uid: str, program: Program, at: int, referrer: str | None
    ) -> CustomerView:
        """The state a sale's own figures claim: for a customer merged with another (a phone enrolled twice
        offline), whose till saw one side of the merge the server cannot rebuild from its log (docs/authority.md).
        The figures must still follow from the rules on it: amounts, rates, stamps, bonuses, the share cap."""
        sale = body["sale"]
        tier = next((x for x in program.tiers if x.name == sale.get("tier")), program.tiers[0])
        spent = sale.get("stamps_spent") or {}
        stamps = {rule.id: rule.needed if spent.get(rule.id) else 0 for rule in program.stamps}
        year = local_time(program, at).year
        granted = frozenset() if sale.get("birthday_year") is not None else frozenset(range(year - 1, year + 2))
        _, birthday, _ = self._info.get(uid, (0, None, None))
        named = body.get("customer_uid")
        if named and named != uid:
            # The till saw the customer it names (merged away since): its birthday, not the winner's.
            if named in self._named_birthday:
                birthday = self._named_birthday[named]
            elif named in self._info:
                birthday = self._info[named][1]
        return CustomerView(
            card=card,
            available=sale["redeemed_points"] + int(sale.get("reward_points") or 0) + program.min_balance,
            debt=0,
            tier_spend=tier.min_spend,
            stamps=stamps,
            birthday=birthday_date(birthday),
            birthday_years_granted=granted,
            referral_due=referrer is not None and bool(sale.get("referral_points_to_referrer")),
        )

    def _check_refund(self, body: wire.RefundBody) -> None:
        sold = self._sold_of(body["sale_uid"])
        if sold is None:
            self._read_sold([body["sale_uid"]])
            sold = self._sold.get(body["sale_uid"])
        if sold is None:
            raise LoyaltyError("unknown_sale", sale=body["sale_uid"])
        at = int(body["at"])
        if at < sold.at:
            raise LoyaltyError("refund_before_sale")
        n = len(sold.lines)
        asked = [0] * n
        for key, qty in body["units"].items():
            idx = int(key)
            if not 0 <= idx < n:
                raise LoyaltyError("refund_no_line", sale=body["sale_uid"], line=idx, last=n - 1)
            if qty < 1:
                raise LoyaltyError("refund_units_min", line=idx)
            asked[idx] = qty
        done = _units(sold.refunds, n)
        for idx in range(n):
            left = sold.lines[idx].qty - done[idx]
            if asked[idx] > left:
                # Counted over every terminal's refunds: promise 9's refusal (server/limits.py checks it again
                # under the sale's row lock), whose code the till and the admin's listings know.
                raise LoyaltyError("refund_beyond_units", line=idx, sale=body["sale_uid"], left=left, asked=asked[idx])
        customer = None
        states: list[_State | None] = [None]
        if sold.customer_id is not None:
            named = {op["customer"] for op in body["ops"] if isinstance(op, Mapping)}
            customer = self._uid_of(sold.customer_id, named)
            states = list(self._views(customer, body.get("cursor"), at))
        befores = [done, _units([r for r in sold.refunds if r[1] == self.terminal_id], n)]
        cursor = body.get("cursor")
        if customer is not None and len(states) > 1 and isinstance(cursor, int):
            later = self._load_later()
            changes = later.changes.get(self.books.resolve(customer), [])
            after: set[str] = set().union(*(t for seq, t in changes if seq > cursor))
            befores.append(_units([r for r in sold.refunds if r[0] not in after], n))
        claimed = [int(cast(Any, op).get("expired", 0)) for op in body["ops"] if op.get("op") == "take_back"]
        expired = max(claimed, default=0)
        lot = sold.earned_lot_uid
        # A query, so only for a refund that claims expired points (rare): never more than the lot lost.
        if expired and sold.id is not None and lot is not None:  # noqa: SIM102
            if expired > ledger.expired_unclaimed(self.conn, lot, sold.id):
                raise LoyaltyError("figures_mismatch", detail="more points expired than the sale's lot lost")
        problem = "the chain has no program in force then"
        for program in self._programs_for(body):
            for before in [list(b) for b in dict.fromkeys(tuple(b) for b in befores)]:
                now = [b + a for b, a in zip(before, asked, strict=True)]
                if any(u > line.qty for u, line in zip(now, sold.lines, strict=True)):
                    continue
                d = delta(
                    cumulative(sold.lines, now, sold.earned, sold.redeemed),
                    cumulative(sold.lines, before, sold.earned, sold.redeemed),
                )
                for state in states:
                    parts = figures.refund_parts(
                        program, d, body["uid"], at, customer, sold.reward_points, sold.earned_lot_uid, expired,
                        state.stamps if state is not None else {}, figures.replay_ids(body["ops"]),
                    )  # fmt: skip
                    problem = _differs(
                        "refund", dict(body["refund"]), dict(parts.figures), {"stamps_taken_back": {}}, set()
                    ) or _differs_ops(body["ops"], parts.ops)
                    if not problem:
                        return
        raise LoyaltyError("figures_mismatch", detail=problem)

    def _uid_of(self, customer_id: int, named: set[str]) -> str:
        """The uid the refund's operations name for the sale's customer (a merged-away one resolves to it)."""
        for uid in sorted(named):
            try:
                if self.books.held(uid).id == customer_id:
                    return uid
            except LoyaltyError:
                continue
        for uid, (cid, _, _) in self._info.items():
            if cid == customer_id:
                return uid
        return str(sql.scalar(self.conn, "SELECT uid FROM customers WHERE id = :i", {"i": customer_id}))

    def _check_enroll(self, body: wire.EnrollBody) -> None:
        referrer = body.get("referrer_uid")
        if referrer:
            self.books.account(referrer)  # an unknown referrer: NotFound, as booking would say
        problem = "the chain has no program in force then"
        for program in self._programs_for(body):
            at = int(body["at"])
            ops = figures.enroll_ops(program, body["uid"], at, bool(referrer), figures.replay_ids(body["ops"]))
            problem = _differs_ops(body["ops"], ops)
            if not problem:
                return
        raise LoyaltyError("figures_mismatch", detail=problem)

    def _check_privileged(self, kind: str, body: Mapping[str, Any]) -> None:
        actor = body.get("actor")
        if not isinstance(actor, str) or not actor.strip():
            raise LoyaltyError("manager_required", kind=kind)
        if actor.strip() not in self._store_managers():
            raise LoyaltyError("manager_unknown", actor=actor.strip())
        account = self.books.account(str(body["customer_uid"]))
        if kind == "card":
            old = body.get("old_card")
            if old and self.books.card_owner(str(old)) != account.id:
                raise LoyaltyError("card_not_customers", card=str(old))
        if kind == "adjust":
            adjust = cast(wire.AdjustBody, body)
            points = int(adjust["points"])
            at = int(adjust["at"])
            problem = "zero points"
            for program in self._programs_for(adjust) if points else ():
                if points > 0:
                    lot_uid = figures.replay_ids(adjust["ops"])()
                    lot = Lot(lot_uid, points, 0, at, figures.expiry(at, program.expiry_days), "manual", adjust["uid"])
                    expected: list[wire.Op] = [ledger.grant_op(adjust["customer_uid"], lot, at)]
                else:
                    expected = [ledger.take_back_op(adjust["customer_uid"], -points, at, None)]
                problem = _differs_ops(adjust["ops"], expected)
                if not problem:
                    break
            if problem:
                raise LoyaltyError("figures_mismatch", detail=problem)
            used = self._adjusted_today()
            limit = adjust_limit()
            if used + abs(points) > limit:
                raise LoyaltyError("adjust_limit", points=abs(points), used=used, limit=limit)

    def _store_managers(self) -> set[str]:
        if self._managers is None:
            self._managers = {
                str(r[0])
                for r in sql.tuples(
                    self.conn, "SELECT name FROM store_managers WHERE store_id = :s", {"s": self.store_id}
                )
            }
        return self._managers

    def _adjusted_today(self) -> int:
        if self._adjusted is None:
            day = now_ms() // DAY_MS * DAY_MS
            self._adjusted = int(
                sql.scalar(
                    self.conn,
                    "SELECT COALESCE(SUM(ABS(points)), 0) FROM privileged"
                    " WHERE store_id = :s AND kind = 'adjust' AND booked_at >= :day",
                    {"s": self.store_id, "day": day},
                )
            )
        return self._adjusted

    # ------------------------------------------------------------------ after each item

    def booked(self, uid: str, kind: str, body: Mapping[str, Any], changed: Iterable[str]) -> None:
        """An item was booked: later items of the batch see it, and its changes are logged."""
        for customer in changed:
            self.log.setdefault(customer, []).append(uid)
        if kind == "enroll":
            referrer = body.get("referrer_uid")
            self._named_referrer[str(body["uid"])] = referrer if isinstance(referrer, str) else None
            birthday = body.get("birthday")
            self._named_birthday[str(body["uid"])] = birthday if isinstance(birthday, str) else None
        if kind == "enroll" and body["uid"] not in self._info:
            try:
                account = self.books.account(str(body["uid"]))
            except LoyaltyError:
                account = None  # merged into a stored customer: read from the database when named
            if account is not None and account.uid == body["uid"]:
                self._info[account.uid] = (account.id, body.get("birthday"), body.get("referrer_uid"))
                self._spend.setdefault(account.id, [])
        elif kind == "sale":
            sale = cast(wire.SaleBody, body)
            buyer = sale.get("customer_uid")
            cid = self.books.account(buyer).id if buyer else None
            if cid is not None:
                self._spend.setdefault(cid, []).append((int(sale["at"]), int(sale["sale"]["total"]), uid))
            if sale["sale"].get("referral_points_to_referrer"):
                self._paying.add(uid)
            if sale["sale"].get("birthday_points") and sale["sale"].get("birthday_year") is not None:
                self._birthday[uid] = int(cast(int, sale["sale"]["birthday_year"]))
            self._new_sales[uid] = (cid, sale)  # made into a _Sold only if a refund of the batch names it
        elif kind == "refund":
            refund = cast(wire.RefundBody, body)
            sold = self._sold_of(refund["sale_uid"])
            if sold is not None:
                sold.refunds.append((uid, self.terminal_id, {int(k): v for k, v in refund["units"].items()}))
                if sold.customer_id is not None:
                    entry = (int(refund["at"]), -int(refund["refund"]["money_back"]), uid)
                    self._spend.setdefault(sold.customer_id, []).append(entry)
        elif kind in ("adjust", "card", "block"):
            points = int(body.get("points", 0)) if kind == "adjust" else 0
            if self._adjusted is not None or kind == "adjust":
                self._adjusted = self._adjusted_today() + abs(points)
            self.audit.append(
                {"txn_uid": uid, "store_id": self.store_id, "terminal_id": self.terminal_id, "kind": kind,
                 "actor": str(body.get("actor", "")).strip(), "customer_uid": str(body["customer_uid"]),
                 "points": points, "booked_at": now_ms()}
            )  # fmt: skip

    def owed(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """An item just booked owes stamps (a full card another terminal spent first): later views take them whole."""
        for row in rows:
            unit = str(row.get("unit", ""))
            if unit.startswith("stamps:"):
                found = self._short.setdefault(self._resolved(str(row["customer_uid"])), {})
                rule = unit.split(":", 1)[1]
                found[rule] = found.get(rule, 0) + int(row["points"])

    def refused(self, uid: str, kind: str, body: Mapping[str, Any], exc: LoyaltyError) -> None:
        """An item was rejected: kept whole for the admin, with its terminal and actor."""
        actor = body.get("actor") or body.get("cashier")
        self.rejections.append(
            {"uid": uid, "terminal_id": self.terminal_id, "store_id": self.store_id, "kind": kind,
             "actor": actor if isinstance(actor, str) else None, "code": exc.code, "reason": str(exc),
             "body": json.dumps(body, sort_keys=True, ensure_ascii=False), "created_at": now_ms()}
        )  # fmt: skip

    def flush(self) -> None:
        """Write the batch's rejections and privileged-operation audit rows."""
        sql.insert_rows(self.conn, "rejections", tuple(_REJECTION_COLUMNS), self.rejections)
        sql.insert_rows(self.conn, "privileged", tuple(_AUDIT_COLUMNS), self.audit)
        self.rejections, self.audit = [], []


_REJECTION_COLUMNS = ("uid", "terminal_id", "store_id", "kind", "actor", "code", "reason", "body", "created_at")
_AUDIT_COLUMNS = ("txn_uid", "store_id", "terminal_id", "kind", "actor", "customer_uid", "points", "booked_at")


def _units(refunds: Sequence[tuple[str, int | None, Mapping[int, int]]], n: int) -> list[int]:
    done = [0] * n
    for _, _, units in refunds:
        for idx, qty in units.items():
            if 0 <= idx < n:
                done[idx] += qty
    return done


def _differs_sale(body: wire.SaleBody, parts: figures.SaleParts) -> str:
    """'' when the body's figures, lines and operations are the derived ones; else the first difference."""
    got, want = dict(body["sale"]), dict(parts.figures)
    for key in _UNCHECKED:
        got.pop(key, None)
        want.pop(key, None)
    return (
        _differs("sale", got, want, _SALE_DEFAULTS, _UNCHECKED)
        or _differs_lines(body["lines"], parts.lines)
        or _differs_ops(body["ops"], parts.ops)
    )


def _differs(what: str, got: Mapping[str, Any], want: Mapping[str, Any], defaults: Mapping[str, Any],
             skip: Iterable[str]) -> str:  # fmt: skip
    if got == want:
        return ""
    for key in sorted((set(got) | set(want)) - set(skip)):
        g, w = got.get(key, defaults.get(key)), want.get(key, defaults.get(key))
        if g != w:
            return f"{what}.{key} is {g!r}, the rules give {w!r}"
    return ""


def _differs_lines(got: Sequence[Mapping[str, Any]], want: Sequence[Mapping[str, Any]]) -> str:
    if len(got) != len(want):
        return f"{len(got)} lines, the rules give {len(want)}"
    if list(got) == list(want):
        return ""
    # A body from a terminal before schema v5 names no line's coupon share: the ledger replays it when it
    # books the sale (docs/wire.md), so it follows from the rules by construction and is not compared.
    skip = () if any("coupon_discount" in g for g in got) else ("coupon_discount",)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        problem = _differs(f"lines[{i}]", g, w, {}, skip)
        if problem:
            return problem
    return ""


def _differs_ops(got: Sequence[Any], want: Sequence[Any]) -> str:
    if len(got) != len(want):
        return f"{len(got)} point operations, the rules give {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if _plain(g) != _plain(w):
            return f"ops[{i}] is {json.dumps(g, sort_keys=True)}, the rules give {json.dumps(w, sort_keys=True)}"
    return ""


def _plain(op: Any) -> Any:
    """An operation compared by value (an absent `expired` is 0, an absent `sale_lot` None)."""
    if not isinstance(op, Mapping):
        return op
    found = dict(op)
    if found.get("op") == "take_back":
        found.setdefault("sale_lot", None)
        if not found.get("expired"):
            found.pop("expired", None)
    return found


# ---------------------------------------------------------------------- administration


def add_manager(engine: Engine, store_id: int, name: str) -> None:
    """Register a manager of a store (the name the till's manager signs with); idempotent."""
    name = name.strip()
    if not name:
        raise LoyaltyError("audit_incomplete")
    with transaction(engine) as conn:
        if sql.scalar(conn, "SELECT 1 FROM stores WHERE id = :s", {"s": store_id}) is None:
            raise LoyaltyError("unknown_store", store=store_id)
        if sql.scalar(conn, "SELECT 1 FROM store_managers WHERE store_id = :s AND name = :n",
                      {"s": store_id, "n": name}) is None:  # fmt: skip
            sql.run(conn, "INSERT INTO store_managers (store_id, name) VALUES (:s, :n)", {"s": store_id, "n": name})


def managers(engine: Engine) -> list[dict[str, Any]]:
    """Every store's registered managers."""
    with transaction(engine) as conn:
        rows = sql.tuples(conn, "SELECT store_id, name FROM store_managers ORDER BY store_id, name")
    return [{"store_id": int(store), "name": str(name)} for store, name in rows]


def rejections(engine: Engine, limit: int = 1000) -> list[dict[str, Any]]:
    """Pushed items the server refused, newest first, whole: terminal, store, actor, code, reason, body."""
    with transaction(engine) as conn:
        rows = sql.tuples(
            conn,
            "SELECT uid, terminal_id, store_id, kind, actor, code, reason, body, created_at FROM rejections"
            " ORDER BY created_at DESC, uid LIMIT :n",
            {"n": limit},
        )
    return [
        {"uid": uid, "terminal_id": int(term), "store_id": int(store), "kind": kind, "actor": actor, "code": code,
         "reason": reason, "body": json.loads(body), "created_at": int(created)}
        for uid, term, store, kind, actor, code, reason, body, created in rows
    ]  # fmt: skip


# ---------------------------------------------------------------------- change log pruning


def change_log_days() -> int:
    """The change log's horizon in days (a server setting, from the environment)."""
    return int(os.environ.get(CHANGE_LOG_DAYS_ENV, DEFAULT_CHANGE_LOG_DAYS))


def prune_change_log(conn: Connection, now: int, horizon_ms: int | None = None) -> int:
    """Delete change log entries no terminal can still need; returns how many (docs/authority.md "Pruning").

    An entry is needed to rebuild the state at a cursor below its change number. It goes once both hold:
    it is older than the horizon (its number is at most the newest one a run saw at least `horizon_ms` ago:
    the log has no instants, so each run keeps a mark of the newest number in meta), and every enrolled
    terminal not revoked was handed a cursor past it (the horizon is for a till restored from a backup).
    Runs with the expiry job (server/expiry.py `run_due`, under its advisory lock), in the caller's
    transaction."""
    horizon = change_log_days() * DAY_MS if horizon_ms is None else horizon_ms
    pruned = int(repo.get_meta(conn, PRUNED_KEY) or 0)
    newest = sql.scalar(conn, "SELECT MAX(seq) FROM change_log")
    marks: list[list[int]] = json.loads(repo.get_meta(conn, _MARKS_KEY) or "[]")
    marks.append([now, int(newest) if newest is not None else pruned])
    old = [seq for at, seq in marks if at <= now - horizon]
    bound = max(old, default=0)
    # Every enrolled terminal not revoked, however long offline: its queued sales name the cursor it had.
    active = sql.scalar(conn, "SELECT MIN(pulled_cursor) FROM terminals WHERE revoked = 0 AND token_hash IS NOT NULL")
    if active is not None:
        bound = min(bound, int(active))
    deleted = 0
    if bound > pruned:
        deleted = sql.run(conn, "DELETE FROM change_log WHERE seq <= :s", {"s": bound})
        repo.set_meta(conn, PRUNED_KEY, str(bound))
    # Keep the marks still inside the horizon and the newest one past it (the next run's bound, if no newer).
    newest_old = max((m for m in marks if m[0] <= now - horizon), default=None, key=lambda m: m[0])
    kept = [m for m in marks if m[0] > now - horizon] + ([newest_old] if newest_old else [])
    repo.set_meta(conn, _MARKS_KEY, json.dumps(sorted(kept)))
    return deleted
