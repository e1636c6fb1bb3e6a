"""Build a large, realistic terminal database fast, for the core speed benchmark.

Usage:
    .venv/bin/python bench/gen_store.py --customers 100000 --sales 1000000 --out /tmp/store-100k.sqlite3

The store is a café/shop two years old: the demo program (`DEMO_PROGRAM`, set through
`StoreService.init`), a catalog of a few hundred products (through `import_catalog`),
customers with cards and phones enrolled over those two years, sales at opening hours with
lines, coupons, redemptions, gifts, birthday and referral bonuses, stamps, a few refunds,
the points journal and lots (earned, spent, expired with their `expire` rows) and the
outbox rows the server has not acknowledged yet.

Speed comes from writing rows in bulk (`executemany` of plain tuples in a few big
transactions, secondary indexes built once at the end, `synchronous=OFF` and an in-memory
rollback journal only while generating) and from pricing plain sales with `FastPricer`,
an integer copy of the rules that is compared with the shared `app.core.pricing.price`
every 50th sale (sales with a coupon or a birthday bonus go through `price` itself).
Every points move comes from `app.core.wallet.Wallet` and every refund from
`app.core.refunds`, applied per customer in time order as the checkout service applies them,
so `VerifyService.verify()` on the result must report ok, and the script checks it.
It writes no audit rows (the services write one per enrolment, sale and refund): the audit
table plays no part in the figures the store is made for.

Customer 1 (card printed at the end) holds exactly 50 open lots: the pricing benchmark's
customer. The outbox holds the operations of the last `--outbox-days` (default 7), not yet
acknowledged by the server; older ones are taken as acknowledged and gone (sync.md: "a row
leaves the queue only after the server acknowledged it"); `--outbox-days all` keeps a row
for every operation, pending, as on a terminal that never reached its server.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import heapq
import json
import random
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import numpy as np  # noqa: E402

from app.bootstrap import bootstrap  # noqa: E402
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM  # noqa: E402
from app.core.errors import LoyaltyError  # noqa: E402
from app.core.identity import card_number, ean_check_digit  # noqa: E402
from app.core.pricing import CouponUse, CustomerView, LineIn, LineOut, Quote, price  # noqa: E402
from app.core.program import Program, Tier  # noqa: E402
from app.core.refunds import SoldLine, cumulative, delta  # noqa: E402
from app.core.services.results import RefundResult, SaleResult  # noqa: E402
from app.core.services.support import SYSTEM  # noqa: E402
from app.core.timeutil import DAY_MS, from_ms, now_ms  # noqa: E402
from app.core.wallet import Lot, Move, Wallet  # noqa: E402

HOUR_MS = 3_600_000
YEARS = 2
KNOWN_CUSTOMER = 1  # the pricing benchmark's customer: the first card
KNOWN_OPEN_LOTS = 50
KNOWN_OLD_SALES = 10  # early sales of customer 1, expired long before the 50 recent ones
CARD_SHARE = 0.75  # share of sales made with a loyalty card
REFUND_SHARE = 0.01
REFERRED_SHARE = 0.05
FLUSH_EVERY = 20_000  # sales per executemany batch
COMMIT_EVERY = 200_000  # sales per transaction: "a few big transactions"

_FIRST = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Юлия", "Ирина", "Светлана", "Дарья"]
_FIRST_M = ["Сергей", "Дмитрий", "Алексей", "Иван", "Павел", "Андрей", "Михаил", "Никита", "Артём", "Олег"]
_LAST = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков",
         "Морозов", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев"]  # fmt: skip

# category: (number of products, price range in kopecks, weight of one product in a basket)
_CATEGORIES: dict[str, tuple[int, int, int, float]] = {
    "coffee": (30, 9_000, 32_000, 6.0),
    "tea": (20, 8_000, 25_000, 2.0),
    "bakery": (80, 5_000, 45_000, 2.0),
    "drinks": (60, 6_000, 30_000, 1.0),
    "snacks": (100, 3_000, 25_000, 1.0),
    "grocery": (100, 4_000, 90_000, 0.6),
    "tobacco": (10, 18_000, 30_000, 0.3),
}


# ----------------------------------------------------------------------------- helpers


class UidMint:
    """RFC 9562 UUIDv7 strings stamped with the operation's time, from a seeded generator.

    `app.core.ids.uuid7` is monotonic per process and would stamp two-year-old sales with
    today's time; a historical store needs ids minted when the operation happened.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def __call__(self, ms: int) -> str:
        bits = self._rng.getrandbits(74)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (bits >> 62) << 64 | 0b10 << 62 | (bits & ((1 << 62) - 1))
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _expiry(at: int, days: int | None) -> int | None:
    return None if days is None else at + days * DAY_MS


def catalog_csv(rng: random.Random) -> str:
    """The demo café's catalog plus generated products, as the CSV `import_catalog` takes."""
    rows = [DEMO_CATALOG.strip()]
    serial = 1000
    for category, (count, low, high, _weight) in _CATEGORIES.items():
        for i in range(count):
            serial += 1
            body = f"460{serial:09d}"
            kopecks = rng.randrange(low, high, 500)  # shelf prices end in 0 or 5 roubles
            name = f"{category.capitalize()} №{i + 1}"
            rows.append(
                f"G{serial},{name},{category},{kopecks // 100}.{kopecks % 100:02d},{body}{ean_check_digit(body)}"
            )
    return "\n".join(rows) + "\n"


def phone_of(customer_id: int) -> str:
    """A unique mobile number per customer (a bijection of the id modulo 10⁹, so it looks random)."""
    return f"+79{(customer_id * 7_919 + 123_456_789) % 1_000_000_000:09d}"


@dataclass
class Customer:
    """What the generator tracks of one customer while replaying time (the services' rows, in memory)."""

    id: int
    uid: str
    card: str
    enrolled_at: int
    birthday: date | None
    referrer_id: int | None
    wallet: Wallet = field(default_factory=Wallet)
    last_op_at: int = 0
    referral_paid: int = 0
    stamps: dict[str, int] = field(default_factory=dict)
    birthday_years: set[int] = field(default_factory=set)
    # (at, money) of sales (+) and refunds (−) still inside the tier window.
    spend: deque[tuple[int, int]] = field(default_factory=deque)
    spend_sum: int = 0


@dataclass
class SoldSale:
    """What a refund needs of a committed sale (the sales and sale_lines rows)."""

    id: int
    uid: str
    customer_id: int | None
    at: int
    earned: int
    redeemed_points: int
    reward_points: int
    earned_lot_uid: str | None
    lines: tuple[SoldLine, ...]


@dataclass
class GenStats:
    """Counts of what was written, for the console and the tests."""

    customers: int = 0
    sales: int = 0
    card_sales: int = 0
    sale_lines: int = 0
    refunds: int = 0
    lots: int = 0
    journal: int = 0
    outbox: int = 0
    products: int = 0
    known_card: str = ""
    known_open_lots: int = 0
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # this process's CPU time: the machine is shared, this is the work


# ----------------------------------------------------------------------------- fast pricing

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class FastPricer:
    """`app.core.pricing.price` for sales without a coupon or a birthday bonus, in integers.

    The shared `price` works in Fractions (exact for any program) and costs ~150 µs for a
    3-line basket; a million of them would be most of the generation time. For a program
    whose percentages and multipliers are whole numbers and whose time zone has a fixed UTC
    offset (the demo program), the same steps are exact in integers. Every `check_every`-th
    fast quote is compared with `price` and any difference stops the run, so this copy
    cannot drift from the rules unnoticed; sales it does not cover go through `price`.
    """

    def __init__(self, program: Program, offset_ms: int) -> None:
        self.p = program
        self.offset_ms = offset_ms
        self.share = int(program.max_share_pct)
        self._rates: dict[tuple[str, str, int], tuple[Fraction, int]] = {}

    @staticmethod
    def supports(program: Program, start: int, end: int) -> int | None:
        """The fixed UTC offset (ms) when this pricer is exact for the program, else None."""
        fractions = [program.max_share_pct, *program.category_multipliers.values()]
        fractions += [h.earn_multiplier for h in program.happy_hours]
        fractions += [f for t in program.tiers for f in (t.discount_pct, t.earn_rate_pct)]
        if any(f.denominator != 1 for f in fractions) or program.offline_redeem_cap is not None:
            return None
        offsets = {
            from_ms(at).astimezone(program.zone).utcoffset()
            for at in range(start - 400 * DAY_MS, end + 400 * DAY_MS, DAY_MS)
        }
        if len(offsets) != 1:
            return None
        (offset,) = offsets
        return None if offset is None else int(offset.total_seconds()) * 1000

    def local_date(self, at: int) -> date:
        """The merchant's calendar date of an instant."""
        return date.fromordinal(_EPOCH_ORDINAL + (at + self.offset_ms) // DAY_MS)

    def birthday_near(self, birthday: date | None, at: int) -> bool:
        """True when a birthday bonus might be due (then the sale goes through `price`)."""
        bonus = self.p.birthday_bonus
        if bonus is None or birthday is None:
            return False
        today = self.local_date(at)
        for year in (today.year - 1, today.year, today.year + 1):
            day = date(year, 2, 28) if (birthday.month, birthday.day) == (2, 29) else birthday.replace(year=year)
            if -bonus.days_after - 1 <= (day - today).days <= bonus.days_before + 1:
                return True
        return False

    def _rate(self, tier: Tier, category: str, hh: int) -> tuple[Fraction, int]:
        key = (tier.name, category, hh)
        rate = self._rates.get(key)
        if rate is None:
            exact = tier.earn_rate_pct * self.p.category_multipliers.get(category, Fraction(1)) * hh
            rate = self._rates[key] = (exact, int(exact))
        return rate

    def quote(
        self, lines: Sequence[LineIn], at: int, tier: Tier | None, stamps: dict[str, int] | None, available: int,
        redeem: str | None, reward_id: str | None = None, referral_due: bool = False,
    ) -> Quote:  # fmt: skip
        """loyalty-rules.md §3 steps 1, 3 and 5-10, in integers (see the class docstring)."""
        p = self.p
        n = len(lines)
        amount = [ln.qty * ln.unit_price for ln in lines]
        disc = [0] * n
        # Step 3: the cheapest unit of a full stamp card's category is free.
        spent: dict[str, int] = {}
        free: dict[str, int] = {}
        if stamps is not None:
            for rule in p.stamps:
                if stamps.get(rule.id, 0) < rule.needed:
                    continue
                cands = [
                    i
                    for i in range(n)
                    if lines[i].category == rule.category and amount[i] - disc[i] >= lines[i].unit_price
                ]
                if cands:
                    i = min(cands, key=lambda i: (lines[i].unit_price, i))
                    disc[i] += lines[i].unit_price
                    spent[rule.id], free[rule.id] = rule.needed, i
        # Step 5: card discount, half up to the kopeck: floor(x/100 + 1/2) = (x + 50) // 100 for x >= 0.
        if tier is not None and tier.discount_pct > 0:
            pct = int(tier.discount_pct)
            for i in range(n):
                if lines[i].category not in p.excluded_discount:
                    disc[i] += ((amount[i] - disc[i]) * pct + 50) // 100
        # Step 6: redemption, split by largest remainder (ties to the earlier line).
        base = [0 if ln.category in p.excluded_redeem else amount[i] - disc[i] for i, ln in enumerate(lines)]
        card = stamps is not None
        max_points = 0
        if card:
            # A chosen gift's points are set aside first, as app.core.pricing does (docs/rules.md).
            gift_reward = p.reward(reward_id) if reward_id is not None else None
            set_aside = gift_reward.points if gift_reward is not None else 0
            max_points = max(0, min(sum(base) * self.share // (100 * p.point_value), available - set_aside))
            if available < p.min_balance:
                max_points = 0
        points = max_points if redeem == "max" else 0
        red_amount = points * p.point_value
        red = [0] * n
        if red_amount:
            total_w = sum(base)
            red = [red_amount * w // total_w for w in base]
            rema = [red_amount * w % total_w for w in base]
            for i in sorted(range(n), key=lambda i: -rema[i])[: red_amount - sum(red)]:
                red[i] += 1
        # Step 7-8: paid, and the points earned with one floor over the exact sum.
        paid = [amount[i] - disc[i] - red[i] for i in range(n)]
        rates: list[Fraction] = []
        earn_sum = 0
        hh = self._happy(at) if tier is not None else 1
        for i, ln in enumerate(lines):
            if tier is None or ln.category in p.excluded_earn:
                rates.append(_ZERO)
            else:
                exact, whole = self._rate(tier, ln.category, hh)
                rates.append(exact)
                earn_sum += paid[i] * whole
        earned = earn_sum // (100 * p.point_value)
        # Step 9: a gift paid from what is left after the redemption (refused like `price` refuses it).
        gift: tuple[LineOut, ...] = ()
        reward_points = 0
        if reward_id is not None:
            reward = p.reward(reward_id)
            if reward is None or available - points < reward.points:
                raise LoyaltyError(f"gift {reward_id} cannot be paid")
            reward_points = reward.points
            gift = (LineOut(reward.id, reward.name, "reward", 1, 0, 0, 0, 0, 0, _ZERO, None, 0, is_reward=True),)
        # Step 10: one stamp per unit of a rule's category, not for the free unit.
        # Every rule of the category gives its stamps (schema v5); the first one's are the line's v1 columns.
        given = [0] * n
        rule_of: list[str | None] = [None] * n
        per_rule: list[dict[str, int]] = [{} for _ in range(n)]
        got: dict[str, int] = {}
        if card:
            for rule in p.stamps:
                for i in range(n):
                    if lines[i].category == rule.category and rule.id not in per_rule[i]:
                        units = lines[i].qty - (1 if free.get(rule.id) == i else 0)
                        per_rule[i][rule.id] = units
                        if rule_of[i] is None:
                            rule_of[i], given[i] = rule.id, units
                        got[rule.id] = got.get(rule.id, 0) + units
        out = tuple(
            LineOut(ln.sku, ln.name, ln.category, ln.qty, ln.unit_price, amount[i], disc[i], red[i], paid[i],
                    rates[i], rule_of[i], given[i], stamps=per_rule[i])
            for i, ln in enumerate(lines)
        ) + gift  # fmt: skip
        referral = 0
        if card and referral_due and p.referral is not None and sum(paid) >= p.referral.min_first_purchase:
            referral = p.referral.referrer_points
        return Quote(
            tier=tier.name if tier is not None else None, lines=out, subtotal=sum(amount), discount=sum(disc),
            redeemed_points=points, redeemed_amount=red_amount, max_points=max_points, total=sum(paid),
            earned=earned, birthday_points=0, birthday_year=None, reward_id=reward_id, reward_points=reward_points,
            referral_points_to_referrer=referral, coupon=None, stamps_spent=spent, stamps_earned=got,
        )  # fmt: skip

    def _happy(self, at: int) -> int:
        local = at + self.offset_ms
        weekday = (local // DAY_MS + 3) % 7 + 1  # 1970-01-01 was a Thursday (ISO 4)
        minute = local % DAY_MS // 60_000
        best = 1
        found = False
        for h in self.p.happy_hours:
            if weekday in h.weekdays and h.start_min <= minute < h.end_min:
                best = int(h.earn_multiplier) if not found else max(best, int(h.earn_multiplier))
                found = True
        return best


_ZERO = Fraction(0)


# ----------------------------------------------------------------------------- the generator


class _Store:
    """Replays two years of a store in time order and streams the rows to SQLite in bulk."""

    def __init__(
        self, conn: sqlite3.Connection, program: Program, version: int, products: list[dict[str, Any]],
        seed: int, end: int, outbox_since: int, fast: FastPricer | None, check_every: int,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.program = program
        self.version = version
        self.rng = random.Random(seed)
        self.mint = UidMint(seed + 1)
        self.end = end
        self.outbox_since = outbox_since
        self.fast = fast
        self.check_every = check_every
        self.fast_quotes = 0
        # (coupon, cumulative share of sales that try it)
        self.coupons = [(cp, share) for code, share in (("WELCOME10", 0.03), ("MINUS100", 0.04))
                        if (cp := program.coupon(code)) is not None]  # fmt: skip
        self.stats = GenStats(products=len(products))
        self.lots: list[tuple[int, Lot]] = []  # (customer id, lot) in creation order = lot id order
        self.customers: list[Customer | None] = [None]  # index = customer id
        self.names: list[tuple[str, str]] = [("", "")]
        self.sale_id = 0
        self.refund_id = 0
        self.outbox_seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
        self.buf: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _STREAMED}
        self._lines: dict[tuple[int, int], LineIn] = {}
        self.products = products
        weights = [_CATEGORIES.get(p["category"], (0, 0, 0, 1.0))[3] for p in products]
        self.cum_weights = [float(w) for w in np.cumsum(weights)]
        self.coffee = [i for i, p in enumerate(products) if p["category"] == "coffee"]
        self.bakery = [i for i, p in enumerate(products) if p["category"] == "bakery"]

    # --------------------------------------------------------------- rows

    def _line(self, product: int, qty: int) -> LineIn:
        line = self._lines.get((product, qty))
        if line is None:
            p = self.products[product]
            line = self._lines[(product, qty)] = LineIn(p["sku"], p["name"], p["category"], qty, p["price"])
        return line

    def basket(self, known: bool = False) -> list[LineIn]:
        """1-4 distinct products, mostly one unit each (the known customer always takes two coffees)."""
        rng, cum = self.rng, self.cum_weights
        roll = rng.random()
        n = 1 if roll < 0.4 else 2 if roll < 0.7 else 3 if roll < 0.9 else 4
        top = cum[-1]
        picked = dict.fromkeys(bisect.bisect(cum, rng.random() * top) for _ in range(n))
        if known:
            # Two coffees and a pastry always earn points, even when a stamp reward makes one coffee free.
            picked = {rng.choice(self.coffee): None, rng.choice(self.bakery): None, **picked}
        lines = []
        for i, product in enumerate(picked):
            roll = rng.random()
            qty = 2 if known and i == 0 else 1 if roll < 0.8 else 2 if roll < 0.95 else 3
            lines.append(self._line(product, qty))
        return lines

    def _journal(self, customer_id: int, moves: Sequence[Move], txn_uid: str) -> None:
        rows = self.buf["journal"]
        for m in moves:
            rows.append((customer_id, m.lot_uid, m.kind, m.points, m.at, txn_uid))
        self.stats.journal += len(moves)

    def _new_lots(self, customer_id: int, wallet: Wallet, before: int) -> None:
        """Give ids to the lots a wallet gained (ids follow creation order, as inserts would)."""
        self.lots.extend((customer_id, lot) for lot in wallet.lots[before:])

    def _outbox(self, uid: str, kind: str, at: int, body: Callable[[], dict[str, Any]]) -> None:
        # Every operation took a sequence number; only the unacknowledged ones are still queued
        # (the body is built only for those: most of a big store's history was synced long ago).
        self.outbox_seq += 1
        if at >= self.outbox_since:
            text = json.dumps(body(), ensure_ascii=False, sort_keys=True)
            self.buf["outbox"].append((self.outbox_seq, uid, kind, text, at))
            self.stats.outbox += 1

    def _add_stamps(self, c: Customer, deltas: dict[str, int], at: int, txn_uid: str) -> None:
        # As repo.add_stamps: a row per rule ever touched, a move per non-zero delta.
        for rule, d in deltas.items():
            c.stamps[rule] = c.stamps.get(rule, 0) + d
            if d:
                self.buf["stamp_moves"].append((c.id, rule, d, at, txn_uid))

    @staticmethod
    def _open(wallet: Wallet) -> None:
        # repo.load_wallet reads only lots with points left, in id order: mirror that view.
        wallet.lots = [lot for lot in wallet.lots if lot.remaining > 0]

    def _tier_spend(self, c: Customer, at: int) -> int:
        days = self.program.tier_window_days
        if days is not None:
            start = at - days * DAY_MS
            while c.spend and c.spend[0][0] <= start:
                c.spend_sum -= c.spend.popleft()[1]
        return c.spend_sum

    # --------------------------------------------------------------- operations

    def enroll(self, cid: int, at: int, birthday: date | None, referrer_id: int | None) -> None:
        """CustomerService.enroll: customer, card, welcome and referee lots, outbox row."""
        program = self.program
        uid = self.mint(at)
        c = Customer(cid, uid, card_number(cid), at, birthday, referrer_id, last_op_at=at)
        self.customers.append(c)
        moves: list[Move] = []
        if program.welcome_bonus and program.welcome_bonus.points:
            b = program.welcome_bonus
            expires = _expiry(at, b.expiry_days or program.expiry_days)
            moves += c.wallet.grant(Lot(self.mint(at), b.points, 0, at, expires, "welcome", uid), at)
        if referrer_id is not None and program.referral and program.referral.referee_points:
            pts = program.referral.referee_points
            moves += c.wallet.grant(
                Lot(self.mint(at), pts, 0, at, _expiry(at, program.expiry_days), "referee", uid), at
            )
        self._new_lots(cid, c.wallet, 0)
        self._journal(cid, moves, uid)
        first = self.rng.choice(_FIRST + _FIRST_M)
        last = self.rng.choice(_LAST) + ("а" if first in _FIRST else "")
        name = f"{first} {last}"
        self.names.append((name, phone_of(cid)))
        referrer = self.customers[referrer_id] if referrer_id is not None else None
        self._outbox(uid, "enroll", at, lambda: {
            "uid": uid, "name": name, "phone": phone_of(cid), "birthday": birthday.isoformat() if birthday else None,
            "card": c.card, "referrer": referrer.card if referrer is not None else None, "at": at,
            "consent_at": at, "granted": sum(m.points for m in moves if m.kind == "grant"),
        })  # fmt: skip
        self.stats.customers += 1

    def _view(self, c: Customer, at: int, available: int, debt: int) -> CustomerView:
        return CustomerView(
            card=c.card, available=available, debt=debt, tier_spend=self._tier_spend(c, at),
            stamps=dict(c.stamps), birthday=c.birthday, birthday_years_granted=frozenset(c.birthday_years),
            referral_due=c.referrer_id is not None and not c.referral_paid,
        )  # fmt: skip

    def _quote(
        self, at: int, c: Customer | None, lines: list[LineIn], available: int, debt: int,
        coupon: CouponUse | None, redeem: str | None, reward: str | None,
    ) -> Quote:  # fmt: skip
        """The sale's quote: the fast path for plain sales (spot-checked), else the shared `price`."""
        fast = self.fast
        if (
            fast is not None and coupon is None and (c is None or not fast.birthday_near(c.birthday, at))
        ):  # fmt: skip
            tier = None if c is None else self.program.tier_for(self._tier_spend(c, at))
            due = c is not None and c.referrer_id is not None and not c.referral_paid
            q = fast.quote(lines, at, tier, c.stamps if c is not None else None, available, redeem, reward, due)
            self.fast_quotes += 1
            if self.check_every and self.fast_quotes % self.check_every == 0:
                view = self._view(c, at, available, debt) if c is not None else None
                expected = price(self.program, lines, at, view, None, redeem, reward)
                if q != expected:
                    raise AssertionError(f"fast pricing differs from app.core.pricing.price: {q} != {expected}")
            return q
        view = self._view(c, at, available, debt) if c is not None else None
        return price(self.program, lines, at, view, coupon, redeem, reward)

    def sell(self, at: int, c: Customer | None, lines: list[LineIn], known: bool, keep: bool) -> SoldSale | None:
        """CheckoutService._sale_in with commit: price, move points and stamps, write the rows.

        Returns what a later refund needs when `keep` (the sale will be refunded), else None.
        """
        program, rng = self.program, self.rng
        moves: list[Move] = []
        wallet = Wallet()  # an anonymous sale moves no points
        available = 0
        if c is not None:
            wallet = c.wallet
            self._open(wallet)
            moves = wallet.post_expiry(at)
            available = wallet.available(at)
        redeem: str | None = None
        reward: str | None = None
        coupon: CouponUse | None = None
        if c is not None and not known:
            roll = rng.random()
            if roll < 0.18 and available > 0:
                redeem = "max"
            elif roll < 0.20 and available >= 100:
                reward = "cookie"
        roll = rng.random()
        if roll < 0.04:
            subtotal = sum(line.qty * line.unit_price for line in lines)
            for cp, share in self.coupons:
                if roll < share and subtotal >= cp.min_total:
                    coupon = CouponUse(cp, 0, 0)  # the demo coupons have no use limits
                    break
        try:
            q = self._quote(at, c, lines, available, wallet.debt, coupon, redeem, reward)
        except LoyaltyError:  # e.g. a gift the balance cannot pay after all: sell it plain
            coupon, redeem, reward = None, None, None
            q = self._quote(at, c, lines, available, wallet.debt, None, None, None)
        self.sale_id += 1
        sale_id = self.sale_id
        uid = self.mint(at)
        earned_lot_uid = None
        referral_lot: Lot | None = None
        if c is not None:
            before = len(wallet.lots)
            if q.birthday_points and program.birthday_bonus:
                bonus = program.birthday_bonus
                expires = _expiry(at, bonus.expiry_days or program.expiry_days)
                lot = Lot(self.mint(at), q.birthday_points, 0, at, expires, "birthday", uid)
                moves += wallet.grant(lot, at)
                assert q.birthday_year is not None
                c.birthday_years.add(q.birthday_year)
                self.buf["birthday_grants"].append((c.id, q.birthday_year, lot.uid))
            if q.redeemed_points:
                moves += wallet.spend(q.redeemed_points, at)
            if q.reward_points:
                moves += wallet.spend(q.reward_points, at, kind="spend")
            available_at = at + program.activation_days * DAY_MS
            if q.earned:
                lot = Lot(
                    self.mint(at), q.earned, 0, available_at, _expiry(available_at, program.expiry_days), "sale", uid
                )
                earned_lot_uid = lot.uid
                moves += wallet.grant(lot, at)
            if q.referral_points_to_referrer:
                referral_lot = Lot(self.mint(at), q.referral_points_to_referrer, 0, available_at,
                                   _expiry(available_at, program.expiry_days), "referral", uid)  # fmt: skip
            self._new_lots(c.id, wallet, before)
            self._journal(c.id, moves, uid)
            deltas = {rule: -n for rule, n in q.stamps_spent.items()}
            for rule, n in q.stamps_earned.items():
                deltas[rule] = deltas.get(rule, 0) + n
            self._add_stamps(c, deltas, at, uid)
            c.last_op_at = at
            if q.referral_points_to_referrer:
                c.referral_paid = 1
            c.spend.append((at, q.total))
            c.spend_sum += q.total
            if referral_lot is not None:
                assert c.referrer_id is not None
                ref = self.customers[c.referrer_id]
                assert ref is not None
                self._open(ref.wallet)
                before = len(ref.wallet.lots)
                r_moves = ref.wallet.post_expiry(max(at, ref.last_op_at)) + ref.wallet.grant(referral_lot, at)
                self._new_lots(ref.id, ref.wallet, before)
                self._journal(ref.id, r_moves, uid)
                ref.last_op_at = max(at, ref.last_op_at)
            self.stats.card_sales += 1

        payment = "card" if rng.random() < 0.6 else "cash"
        self.buf["sales"].append((
            sale_id, uid, c.id if c else None, c.card if c else None, at, self.version, q.tier, q.subtotal,
            q.discount, q.redeemed_points, q.redeemed_amount, q.total, q.earned, q.coupon, q.reward_id,
            q.reward_points, q.birthday_points, q.referral_points_to_referrer, earned_lot_uid, payment, None,
        ))  # fmt: skip
        rows = self.buf["sale_lines"]
        stamp_rows = self.buf["sale_line_stamps"]
        for i, ln in enumerate(q.lines):
            rows.append((
                sale_id, i, ln.sku, ln.name, ln.category, ln.qty, ln.unit_price, ln.amount, ln.discount,
                ln.redeemed, ln.paid, str(ln.rate), ln.stamp_rule, ln.stamps_given, int(ln.is_reward),
                ln.coupon_discount,
            ))  # fmt: skip
            stamp_rows += [(sale_id, i, rule, n, k) for k, (rule, n) in enumerate(ln.stamps.items())]
        self.stats.sale_lines += len(q.lines)
        if q.coupon:
            self.buf["coupon_uses"].append((q.coupon, c.id if c else None, sale_id, at))
        self._outbox(
            uid, "sale", at, lambda: self._sale_body(q, c, wallet, sale_id, uid, at, payment, redeem, reward, coupon)
        )
        self.stats.sales += 1
        if not keep:
            return None
        return SoldSale(
            sale_id, uid, c.id if c else None, at, q.earned, q.redeemed_points, q.reward_points, earned_lot_uid,
            tuple(SoldLine(ln.qty, ln.paid, ln.redeemed, ln.rate, ln.stamp_rule, ln.stamps_given, ln.is_reward,
                           ln.stamps)
                  for ln in q.lines),
        )  # fmt: skip

    def _sale_body(
        self, q: Quote, c: Customer | None, wallet: Wallet, sale_id: int, uid: str, at: int, payment: str,
        redeem: str | None, reward: str | None, coupon: CouponUse | None,
    ) -> dict[str, Any]:  # fmt: skip
        bal = wallet.balances(at) if c is not None else None
        after = dict(c.stamps) if c is not None else {}
        result = SaleResult(
            sale_id=sale_id, uid=uid, at=at, card=c.card if c else None, program_version=self.version, quote=q,
            balance=bal.available if bal else None, pending=bal.pending if bal else None, committed=True,
            stamps=after,
        )  # fmt: skip
        return {
            **result.to_json(), "uid": uid, "sale_id": sale_id, "at": at, "program_version": self.version,
            "payment": payment, "cashier": None, "customer_uid": c.uid if c else None,
            "request": {"redeem": redeem, "reward": reward, "coupon": coupon.coupon.code if coupon else None},
        }  # fmt: skip

    def refund(self, at: int, sale: SoldSale) -> None:
        """CheckoutService.refund (first refund of a sale): all units, or one unit of one line."""
        lines = sale.lines
        before = [0] * len(lines)
        if self.rng.random() < 0.7:
            now = [line.qty for line in lines]
        else:
            now = list(before)
            now[self.rng.randrange(len(lines))] = 1
        d = delta(
            cumulative(lines, now, sale.earned, sale.redeemed_points),
            cumulative(lines, before, sale.earned, sale.redeemed_points),
        )
        uid = self.mint(at)
        given = d.points_given_back + (sale.reward_points if d.reward_returned else 0)
        balance = None
        taken_stamps: dict[str, int] = {}
        if sale.customer_id is not None:
            c = self.customers[sale.customer_id]
            assert c is not None and at >= c.last_op_at
            wallet = c.wallet
            self._open(wallet)
            before_lots = len(wallet.lots)
            moves = wallet.post_expiry(at)
            moves += wallet.take_back(d.points_taken_back, at, sale.earned_lot_uid)
            if given:
                expires = _expiry(at, self.program.restore_expiry_days)
                moves += wallet.grant(Lot(self.mint(at), given, 0, at, expires, "restore", uid), at)
            self._new_lots(c.id, wallet, before_lots)
            self._journal(c.id, moves, uid)
            taken_stamps = {rule: min(n, max(c.stamps.get(rule, 0), 0)) for rule, n in d.stamps_taken_back.items()}
            self._add_stamps(c, {r: -n for r, n in taken_stamps.items()}, at, uid)
            c.last_op_at = at
            c.spend.append((at, -d.money_back))
            c.spend_sum -= d.money_back
            balance = wallet.available(at)
        self.refund_id += 1
        self.buf["refunds"].append((
            self.refund_id, uid, sale.id, sale.customer_id, at, d.money_back, d.points_taken_back, given, None,
        ))  # fmt: skip
        back = [(i, now[i] - before[i]) for i in range(len(lines)) if now[i] > before[i]]
        self.buf["refund_lines"].extend((self.refund_id, i, n) for i, n in back)
        result = RefundResult(
            self.refund_id, uid, sale.id, d.money_back, d.points_taken_back, given, taken_stamps, balance
        )
        self._outbox(uid, "refund", at, lambda: {
            **result.to_json(), "sale_uid": sale.uid, "at": at, "units": {str(i): n for i, n in back},
        })  # fmt: skip
        self.stats.refunds += 1

    # --------------------------------------------------------------- writing

    def flush(self) -> None:
        """Append the buffered rows (one executemany per table)."""
        for name, rows in self.buf.items():
            if rows:
                self.conn.executemany(_INSERTS[name], rows)
                rows.clear()

    def finish(self) -> None:
        """Write what is only final at the end: customers, cards, lots, stamp counts, meta."""
        self.flush()
        conn = self.conn
        rows = []
        for c in self.customers[1:]:
            assert c is not None
            name, phone = self.names[c.id]
            rows.append((
                c.id, c.uid, name, name.casefold(), phone, c.birthday.isoformat() if c.birthday else None,
                c.referrer_id, c.referral_paid, c.enrolled_at, c.enrolled_at, c.last_op_at, c.wallet.debt,
                c.wallet.expired_posted, 0,
            ))  # fmt: skip
        conn.executemany(_INSERTS["customers"], rows)
        conn.executemany(
            "INSERT INTO cards (code, customer_id, active, issued_at) VALUES (?, ?, 1, ?)",
            ((c.card, c.id, c.enrolled_at) for c in self.customers[1:] if c is not None),
        )
        conn.executemany(
            _INSERTS["lots"],
            (
                (i, lot.uid, cid, lot.points, lot.remaining, lot.available_at, lot.expires_at, lot.source, lot.txn_uid)
                for i, (cid, lot) in enumerate(self.lots, start=1)
            ),
        )
        conn.executemany(
            "INSERT INTO stamps (customer_id, rule_id, count) VALUES (?, ?, ?)",
            ((c.id, rule, n) for c in self.customers[1:] if c is not None for rule, n in c.stamps.items()),
        )
        last_op = max((c.last_op_at for c in self.customers[1:] if c is not None), default=0)
        clock = int(conn.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()[0])
        conn.execute("UPDATE meta SET value = ? WHERE key = 'clock'", (str(max(clock, last_op)),))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'card_serial'", (str(len(self.customers) - 1),))
        self.stats.lots = len(self.lots)
        known = self.customers[KNOWN_CUSTOMER]
        assert known is not None
        self.stats.known_card = known.card
        self.stats.known_open_lots = sum(1 for lot in known.wallet.lots if lot.remaining > 0)


_INSERTS = {
    "sales": "INSERT INTO sales (id, uid, customer_id, card, at, program_version, tier, subtotal, discount, "
    "redeemed_points, redeemed_amount, total, earned, coupon, reward_id, reward_points, birthday_points, "
    "referral_points, earned_lot_uid, payment, cashier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?)",
    "sale_lines": "INSERT INTO sale_lines (sale_id, idx, sku, name, category, qty, unit_price, amount, discount, "
    "redeemed, paid, rate, stamp_rule, stamps_given, is_reward, coupon_discount) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "sale_line_stamps": "INSERT INTO sale_line_stamps (sale_id, idx, rule_id, stamps, ordinal) VALUES (?, ?, ?, ?, ?)",
    "journal": "INSERT INTO journal (customer_id, lot_uid, kind, points, at, txn_uid) VALUES (?, ?, ?, ?, ?, ?)",
    "stamp_moves": "INSERT INTO stamp_moves (customer_id, rule_id, delta, at, txn_uid) VALUES (?, ?, ?, ?, ?)",
    "coupon_uses": "INSERT INTO coupon_uses (code, customer_id, sale_id, at) VALUES (?, ?, ?, ?)",
    "birthday_grants": "INSERT INTO birthday_grants (customer_id, year, lot_uid) VALUES (?, ?, ?)",
    "refunds": "INSERT INTO refunds (id, uid, sale_id, customer_id, at, money_back, points_taken_back, "
    "points_given_back, cashier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "refund_lines": "INSERT INTO refund_lines (refund_id, idx, qty) VALUES (?, ?, ?)",
    "outbox": "INSERT INTO outbox (seq, uid, kind, body, created_at) VALUES (?, ?, ?, ?, ?)",
    "customers": "INSERT INTO customers (id, uid, name, name_search, phone, birthday, referrer_id, referral_paid, "
    "consent_at, enrolled_at, last_op_at, debt, expired_total, blocked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?)",
    "lots": "INSERT INTO lots (id, uid, customer_id, points, remaining, available_at, expires_at, source, txn_uid) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
}
_STREAMED = ("sales", "sale_lines", "sale_line_stamps", "journal", "stamp_moves", "coupon_uses", "birthday_grants",
             "refunds", "refund_lines", "outbox")  # fmt: skip


# ----------------------------------------------------------------------------- the schedule


def _opening_hours(nprng: np.random.Generator, t: np.ndarray, offset_ms: int) -> np.ndarray:
    """Move each instant to a random time between 08:00 and 21:00 local on its local day."""
    day = (t + offset_ms) // DAY_MS * DAY_MS - offset_ms
    return day + 8 * HOUR_MS + (nprng.random(t.shape[0]) * 13 * HOUR_MS).astype(np.int64)


def schedule(
    customers: int, sales: int, seed: int, start: int, end: int, offset_ms: int
) -> tuple[list[int], list[int], list[int]]:
    """Enrollment instants (index = customer id − 1) and card/anonymous sales as (instants, customer ids).

    Sales per customer follow a heavy-tailed taste (a few regulars, many occasional
    visitors) times how long the customer has been enrolled; customer id 0 in the
    result means a sale without a card.
    """
    nprng = np.random.default_rng(seed)
    enrolled = np.sort(_opening_hours(nprng, nprng.integers(start, end - DAY_MS, customers), offset_ms))
    enrolled[0] = min(int(enrolled[0]), start)  # the known customer is the first one, before its old sales
    known_sales = KNOWN_OLD_SALES + KNOWN_OPEN_LOTS
    card_sales = max(0, round((sales - known_sales) * CARD_SHARE)) if customers > 1 else 0
    anonymous = sales - known_sales - card_sales
    taste = nprng.lognormal(0.0, 1.0, customers - 1) * (end - enrolled[1:])
    who = nprng.choice(np.arange(2, customers + 1), size=card_sales, p=taste / taste.sum())
    first = enrolled[who - 1]
    at = first + (nprng.random(card_sales) * (end - first)).astype(np.int64)
    at = np.clip(np.maximum(_opening_hours(nprng, at, offset_ms), first + 60_000), None, end)
    # The known customer: old sales whose lots expired before the last 200 days, then 50 recent ones.
    old = start + DAY_MS + np.sort(nprng.integers(0, 30 * DAY_MS, KNOWN_OLD_SALES))
    recent = end - 200 * DAY_MS + np.sort(nprng.choice(199 * DAY_MS, KNOWN_OPEN_LOTS, replace=False))
    anon_at = _opening_hours(nprng, nprng.integers(start, end, anonymous), offset_ms).clip(None, end)
    all_at = np.concatenate([at, old, recent, anon_at])
    all_who = np.concatenate([who, np.full(known_sales, KNOWN_CUSTOMER), np.zeros(anonymous, dtype=np.int64)])
    order = np.argsort(all_at, kind="stable")
    return enrolled.tolist(), all_at[order].tolist(), all_who[order].tolist()


# ----------------------------------------------------------------------------- entry point


def generate(
    out: Path, customers: int, sales: int, seed: int = 1, end: int | None = None, outbox_days: int | None = 7,
    fast: bool = True, check_every: int = 50, log: bool = False,
) -> GenStats:  # fmt: skip
    """Write a store of `customers` customers and `sales` sales ending at `end` (default now) to `out`.

    `fast` prices plain sales with `FastPricer`, comparing every `check_every`-th quote with
    the shared `price` (1 compares them all, 0 none); `fast=False` prices every sale with `price`.
    """
    if customers < 2 or sales < KNOWN_OLD_SALES + KNOWN_OPEN_LOTS:
        raise ValueError(f"need at least 2 customers and {KNOWN_OLD_SALES + KNOWN_OPEN_LOTS} sales")
    t0, cpu0 = time.perf_counter(), time.process_time()
    end = (now_ms() - HOUR_MS) if end is None else end
    start = end - YEARS * 365 * DAY_MS
    rng = random.Random(seed)

    # The program and the catalog go through the real services (small, and the app's own path).
    ctx = bootstrap(out, create=True)
    try:
        ctx.store.init(DEMO_PROGRAM)
        ctx.catalog.import_catalog(catalog_csv(rng), actor=SYSTEM)
        version, program = ctx.programs.program()
        products = ctx.catalog.catalog(limit=1_000_000)
    finally:
        ctx.close()

    # Opening hours only need the local offset roughly (FastPricer checks it is fixed before relying on it).
    utc_offset = from_ms(end).astimezone(program.zone).utcoffset()
    offset_ms = int(utc_offset.total_seconds()) * 1000 if utc_offset is not None else 0
    enrolled, sale_at, sale_who = schedule(customers, sales, seed, start, end, offset_ms)
    if log:
        print(f"schedule ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    conn = sqlite3.connect(out, isolation_level=None)
    # Millions of long-lived lots, rows and wallets and no reference cycles: the cyclic GC's full
    # passes would only rescan them again and again, a little longer each time as the heap grows.
    gc.disable()
    try:
        # Generation only: nothing here must survive a power cut (a failed run is simply rerun),
        # so no fsync and the rollback journal in memory instead of a WAL that would write it all twice.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")  # ~1 GB: the index builds at the end sort in memory
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("BEGIN")
        # Secondary indexes are built once at the end (a sort) instead of row by row in random order;
        # the SQL is the schema's own, so the file ends up exactly as the migrations made it.
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # outbox_days None keeps every row: a terminal that never reached its server.
        since = -(1 << 62) if outbox_days is None else end - outbox_days * DAY_MS
        fast_offset = FastPricer.supports(program, start, end) if fast else None
        pricer = FastPricer(program, fast_offset) if fast_offset is not None else None
        store = _Store(conn, program, version, products, seed + 2, end, since, pricer, check_every)
        refunds: list[tuple[int, int, SoldSale]] = []
        next_customer = 1

        def enroll_until(t: int) -> None:
            nonlocal next_customer
            while next_customer <= customers and enrolled[next_customer - 1] <= t:
                referrer = None
                if next_customer > 2 and rng.random() < REFERRED_SHARE:
                    referrer = rng.randrange(2, next_customer)  # never the known customer: its lots stay 50
                birthday = None
                if next_customer != KNOWN_CUSTOMER and rng.random() < 0.85:
                    birthday = date(rng.randint(1950, 2007), rng.randint(1, 12), rng.randint(1, 28))
                store.enroll(next_customer, enrolled[next_customer - 1], birthday, referrer)
                next_customer += 1

        for k, (at, who) in enumerate(zip(sale_at, sale_who, strict=True)):
            enroll_until(at)
            while refunds and refunds[0][0] <= at:
                r_at, _, sold = heapq.heappop(refunds)
                store.refund(r_at, sold)
            c = store.customers[who] if who else None
            known = who == KNOWN_CUSTOMER
            r_at = at + rng.randint(10 * 60_000, 14 * DAY_MS) if not known and rng.random() < REFUND_SHARE else end + 1
            sold = store.sell(at, c, store.basket(known), known, keep=r_at <= end)
            if sold is not None:
                heapq.heappush(refunds, (r_at, sold.id, sold))
            if (k + 1) % FLUSH_EVERY == 0:
                store.flush()
                if (k + 1) % COMMIT_EVERY == 0:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN")
                    if log:
                        print(f"{k + 1} sales in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        enroll_until(end)
        while refunds:
            r_at, _, sold = heapq.heappop(refunds)
            store.refund(r_at, sold)
        store.finish()
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        # Back to what the app expects of its file: WAL (persistent); synchronous is per connection
        # and the app sets FULL on every connection it opens.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
        gc.enable()
    stats = store.stats
    if stats.known_open_lots != KNOWN_OPEN_LOTS:
        raise AssertionError(
            f"customer {KNOWN_CUSTOMER} holds {stats.known_open_lots} open lots, not {KNOWN_OPEN_LOTS}"
        )
    stats.seconds = time.perf_counter() - t0
    stats.cpu_seconds = time.process_time() - cpu0
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate, print the counts and the known card, then verify."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--sales", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="the database file to create (under /tmp, not the repo)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--outbox-days", default="7", help="days of unacknowledged outbox rows to keep, or 'all'")
    ap.add_argument("--force", action="store_true", help="replace an existing file")
    ap.add_argument("--no-verify", action="store_true", help="skip VerifyService.verify() at the end")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    if out.is_relative_to(ROOT):
        ap.error(f"{out} is inside the repository: put generated stores under /tmp")
    for path in (out, out.with_name(out.name + "-wal"), out.with_name(out.name + "-shm")):
        if path.exists():
            if not args.force:
                ap.error(f"{path} exists: pass --force to replace it")
            path.unlink()
    outbox_days = None if args.outbox_days == "all" else int(args.outbox_days)
    stats = generate(out, args.customers, args.sales, args.seed, outbox_days=outbox_days, log=True)
    print(json.dumps({**stats.__dict__, "file_bytes": out.stat().st_size}, indent=2))
    print(f"known customer (50 open lots): card {stats.known_card}", file=sys.stderr)
    if not args.no_verify:
        ctx = bootstrap(out)
        try:
            t, cpu = time.perf_counter(), time.process_time()
            report = ctx.verifier.verify()
            seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
            problems = list(report.problems[:5])
            print(f"verify: ok={report.ok} in {seconds:.1f} s ({cpu:.1f} s CPU), {problems}", file=sys.stderr)
        finally:
            ctx.close()
        if not report.ok:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
