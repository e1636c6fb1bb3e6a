"""Customer figures: active cards, enrollments, visits, segments, the lifetime value and the tiers."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from datetime import timedelta
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    Connection,
    case,
    func,
    select,
    union_all,
)

from app.core import schema as t
from app.core import sql
from app.core.identity import mask_phone
from app.core.money import round_half_up
from app.core.payback import MAX_LIFETIME_YEARS
from app.core.program import Tier
from app.core.services.reports.days import ACTIVE_DAYS, _CardSales, _Days, _Visits
from app.core.services.reports.results import (
    CustomerFigures,
    Lifetime,
    Segment,
    SegmentCustomer,
    TierRow,
    _midnight,
    ratio,
)
from app.core.services.reports.scope import _Ask, _int
from app.core.timeutil import DAY_MS

SEGMENT_KEYS = ("active", "at_risk", "lost", "never")

AT_RISK_DAYS = 90


def _mask(phone: str | None) -> str:
    """mask_phone, with a fast path for the normalized "+7..." numbers the terminal stores."""
    if not phone:
        return ""
    if len(phone) > 5 and phone[0] == "+" and phone[1:].isdigit():
        return "+" + "•" * (len(phone) - 5) + phone[-4:]
    return mask_phone(phone)


def _active_30(conn: Connection, s: _Ask) -> int:
    end = s.period.end
    return _int(
        conn.execute(
            select(func.count(func.distinct(t.sales.c.customer_id))).where(
                t.sales.c.at >= end - ACTIVE_DAYS * DAY_MS, t.sales.c.at < end, t.sales.c.customer_id.is_not(None)
            )
        ).scalar_one()
    )


def _new_enrollments(conn: Connection, s: _Ask) -> int:
    return _int(
        conn.execute(
            select(func.count()).where(
                t.customers.c.enrolled_at >= s.period.start,
                t.customers.c.enrolled_at < s.period.end,
                t.customers.c.merged_into.is_(None),
            )
        ).scalar_one()
    )


def _card_sales(conn: Connection, s: _Ask) -> _CardSales:
    """The card sales the visits need (from 29 local days before the period to its end) and, when its
    window starts inside that range, those the tiers need (up to the end, included), read once."""
    first = s.days.first - timedelta(days=ACTIVE_DAYS - 1)
    ext = _Days.covering(s.zone, _midnight(first, s.zone), s.period.end)
    after = _tier_window(s)[0]
    tiers = after + 1 >= ext.starts[0]
    # The driver's own tuples: a year of a big store is 600,000 rows, and SQLAlchemy's rows cost
    # twice the reading (1.0 s -> 0.5 s of CPU). When the tiers' window lies inside the rows read,
    # one more column spares the tiers their own pass, which sorted the window's sales by
    # customer (a year's 560,000: 0.36 s -> 0.1 s): what the sale adds to the tier spend, nothing
    # once the server has reflected it. A customer whose sales all count nothing then has a spend
    # of 0 instead of none, and both leave them in the first tier: every other tier starts above 0.
    money = ", CASE WHEN reflected = 0 THEN total ELSE 0 END" if tiers else ""
    rows = sql.tuples(
        conn,
        f"SELECT customer_id, at{money} FROM sales WHERE at >= :start AND at <= :end AND customer_id IS NOT NULL",
        {"start": ext.starts[0], "end": s.period.end},
    )
    width = 3 if tiers else 2
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=width * len(rows))
    cols = flat.reshape(-1, width).T
    return _CardSales(ext, cols[0], cols[1], cols[2] if tiers else None)


def _purchases(conn: Connection, s: _Ask) -> tuple[dict[int, tuple[int, int]], NDArray[np.int64]]:
    """Per card customer: the last purchase before the end of the period and how many there were;
    and the customers who bought in the period of the same length before it (sorted ids)."""
    # Walks the covering index sales(customer_id, at), in customer order: no table rows are
    # read and nothing is sorted. The previous period's buyers ride along (a second pass over
    # that year's sales cost 0.12 s).
    length = s.period.end - s.period.start
    rows = sql.tuples(
        conn,
        "SELECT customer_id, max(at), count(*),"
        " max(CASE WHEN at >= :before AND at < :start THEN 1 ELSE 0 END)"
        " FROM sales WHERE customer_id IS NOT NULL AND at < :end GROUP BY customer_id",
        {"before": s.period.start - length, "start": s.period.start, "end": s.period.end},
    )
    last = {cid: (at, n) for cid, at, n, _ in rows}  # ints from both drivers
    previous = np.sort(np.fromiter((int(r[0]) for r in rows if r[3]), dtype=np.int64))
    return last, previous


def _members(conn: Connection, s: _Ask) -> list[int]:
    """The ids of the customers enrolled before the end of the period and not merged into another."""
    end = s.period.end
    return [
        int(cid)
        for (cid,) in sql.tuples(
            conn, "SELECT id FROM customers WHERE enrolled_at < :end AND merged_into IS NULL", {"end": end}
        )
    ]


def _customers(
    conn: Connection, s: _Ask, visits: _Visits, last: Mapping[int, tuple[int, int]], customers: int
) -> CustomerFigures:
    end = s.period.end
    # "Bought in the last 30 days before the end" is "the last purchase is at most 30 days old".
    active_30 = sum(1 for at, _ in last.values() if at >= end - ACTIVE_DAYS * DAY_MS)
    active_90 = sum(1 for at, _ in last.values() if at >= end - AT_RISK_DAYS * DAY_MS)
    buyers = int(visits.buyers.size)
    repeat = visits.repeat_buyers
    return CustomerFigures(
        customers=customers,
        active_30=active_30,
        active_90=active_90,
        new_enrollments=_new_enrollments(conn, s),
        buyers=buyers,
        repeat_buyers=repeat,
        repeat_share=ratio(repeat, buyers),
        visit_gaps=visits.gaps,
        median_days_between_visits=visits.median_gap,
    )


def _segments(
    conn: Connection,
    s: _Ask,
    last: Mapping[int, tuple[int, int]],
    ids: Sequence[int],
    limit: int | None,
) -> tuple[Segment, ...]:
    end = s.period.end
    active_from = end - ACTIVE_DAYS * DAY_MS
    at_risk_from = end - AT_RISK_DAYS * DAY_MS
    # Sort plain tuples (most purchases, then most recent, then id) and build the results once.
    raw: dict[str, list[tuple[int, int, int]]] = {k: [] for k in SEGMENT_KEYS}
    for cid in ids:
        got = last.get(cid)
        if got is None:
            raw["never"].append((0, 0, cid))
            continue
        at, n = got
        key = "active" if at >= active_from else "at_risk" if at >= at_risk_from else "lost"
        raw[key].append((-n, -at, cid))
    chosen = {key: sorted(people) if limit is None else heapq.nsmallest(limit, people) for key, people in raw.items()}
    # Names, phones and cards only of the customers listed: all of them, or the first few.
    wanted = None if limit is None else [cid for people in chosen.values() for _, _, cid in people]
    names = _names(conn, wanted)
    cards = _primary_cards(conn, wanted)
    out = []
    for key in SEGMENT_KEYS:
        people = tuple(
            SegmentCustomer(cid, names[cid][0], _mask(names[cid][1]), cards.get(cid, ""), -neg_at if n else None, -n)
            for n, neg_at, cid in chosen[key]
        )
        out.append(Segment(key, len(raw[key]), people))
    return tuple(out)


def _names(conn: Connection, ids: Sequence[int] | None) -> dict[int, tuple[str, str | None]]:
    stmt = select(t.customers.c.id, t.customers.c.name, t.customers.c.phone)
    if ids is None:
        return {cid: (name, phone) for cid, name, phone in conn.execute(stmt)}
    out: dict[int, tuple[str, str | None]] = {}
    for chunk in range(0, len(ids), 500):
        for cid, name, phone in conn.execute(stmt.where(t.customers.c.id.in_(ids[chunk : chunk + 500]))):
            out[cid] = (name, phone)
    return out


def _primary_cards(conn: Connection, ids: Sequence[int] | None) -> dict[int, str]:
    """As repo.primary_card: the newest active card of each customer (of all, or of these)."""
    stmt = select(t.cards.c.customer_id, t.cards.c.code, t.cards.c.issued_at).where(t.cards.c.active == 1)
    parts = (
        [stmt]
        if ids is None
        else [stmt.where(t.cards.c.customer_id.in_(ids[i : i + 500])) for i in range(0, len(ids), 500)]
    )
    cards: dict[int, tuple[int, str]] = {}
    for part in parts:
        for cid, code, issued in conn.execute(part):
            have = cards.get(cid)
            if have is None or issued >= have[0]:
                cards[cid] = (issued, code)
    return {cid: code for cid, (_, code) in cards.items()}


def _lifetime(s: _Ask, visits: _Visits, gross: int, previous: NDArray[np.int64]) -> Lifetime:
    """CLV from the period's card sales (gross: their Σ total) and the previous period's buyers (sorted ids)."""
    p = s.period
    card_sales, buyers = visits.card_sales, visits.buyers
    retained = int(np.intersect1d(previous, buyers, assume_unique=True).size)
    avg = ratio(gross, card_sales)
    per_year = None if not buyers.size else Fraction(card_sales, int(buyers.size)) * 365 / p.days
    retention = ratio(retained, int(previous.size))
    lifetime = None
    if retention is not None:
        years = p.days / 365
        cap = Fraction(MAX_LIFETIME_YEARS)
        lifetime = cap if retention == 1 else min(years / (1 - retention), cap)
    value = None
    if avg is not None and per_year is not None and lifetime is not None:
        value = round_half_up(avg * per_year * lifetime)
    return Lifetime(
        avg,
        card_sales,
        int(buyers.size),
        per_year,
        int(previous.size),
        retained,
        retention,
        lifetime,
        value,
        p.days,
    )


def _tier_window(s: _Ask) -> tuple[int, int]:
    """The instants (after, up to] whose money counts toward the tiers at the end of the period."""
    window = s.program.tier_window_days
    at = s.period.end
    return (-(1 << 62) if window is None else at - window * DAY_MS), at


def _tiers(conn: Connection, s: _Ask, members: Sequence[int], cards: _CardSales) -> tuple[TierRow, ...]:
    """Customers per tier; members: the customers counted at the end (see _members)."""
    program = s.program
    # Exactly repo.tier_spend for an operation at the end: money paid minus money given back
    # in (at − window, at], our unreflected rows plus the spend the server reported.
    start, at = _tier_window(s)
    # As Program.tier_for: the tier with the highest min_spend not above the spend, else the
    # first one (min_spend 0).
    first = program.tiers[0]
    above = sorted((x for x in program.tiers if x is not first), key=lambda x: -x.min_spend)
    index = {x.name: i for i, x in enumerate(program.tiers)}
    counts = [0] * len(program.tiers)
    if above and cards.tiers is not None:
        spend = _tier_spend(conn, s, members, cards)
        # The first of `above` (highest min_spend first) that the spend reaches, as SQL's CASE.
        reached = np.searchsorted(np.array([-x.min_spend for x in above], dtype=np.int64), -spend, side="left")
        for i, x in enumerate(above):
            counts[index[x.name]] = int(np.count_nonzero(reached == i))
    elif above:
        counts = _tier_counts(conn, s, start, at, above, index)
    # Everyone else (no spend, or below the second tier) is in the first tier.
    counts[0] = len(members) - sum(counts[1:])
    ordered = sorted(program.tiers, key=lambda x: x.min_spend)
    return tuple(TierRow(x.name, x.min_spend, counts[index[x.name]]) for x in ordered)


def _tier_spend(conn: Connection, s: _Ask, members: Sequence[int], cards: _CardSales) -> NDArray[np.int64]:
    """The tier spend of each member with money in the window, from the card sales read (any order)."""
    start, at = _tier_window(s)
    assert cards.tiers is not None
    mine = cards.at > start  # every row read is at or before the end
    # Refunds and the server's spend: a few thousand rows a year.
    other = sql.tuples(
        conn,
        "SELECT customer_id, -money_back FROM refunds WHERE customer_id IS NOT NULL AND at > :start AND at <= :at"
        " AND reflected = 0 UNION ALL SELECT customer_id, amount FROM spend_events WHERE at > :start AND at <= :at",
        {"start": start, "at": at},
    )
    extra = np.array(other, dtype=np.int64).reshape(-1, 2)
    cid = np.concatenate((cards.cid[mine], extra[:, 0]))
    amount = np.concatenate((cards.tiers[mine], extra[:, 1]))
    order = np.argsort(cid, kind="stable")
    cid, amount = cid[order], amount[order]
    starts = np.flatnonzero(np.concatenate(([True], cid[1:] != cid[:-1]))) if cid.size else cid
    spend = np.add.reduceat(amount, starts) if cid.size else amount
    # Only the customers counted at the end: enrolled before it, not merged into another.
    return spend[np.isin(cid[starts], np.array(members, dtype=np.int64))]


def _tier_counts(
    conn: Connection, s: _Ask, start: int, at: int, above: Sequence[Tier], index: Mapping[str, int]
) -> list[int]:
    """Customers per tier above the first, counted in SQL (the window reaches before the card sales read)."""
    sa, rf, se = t.sales.c, t.refunds.c, t.spend_events.c
    moves = union_all(
        select(sa.customer_id.label("cid"), sa.total.label("amount")).where(
            sa.customer_id.is_not(None), sa.at > start, sa.at <= at, sa.reflected == 0
        ),
        select(rf.customer_id.label("cid"), (-rf.money_back).label("amount")).where(
            rf.customer_id.is_not(None), rf.at > start, rf.at <= at, rf.reflected == 0
        ),
        select(se.customer_id.label("cid"), se.amount.label("amount")).where(se.at > start, se.at <= at),
    ).subquery()
    spend = select(moves.c.cid, func.sum(moves.c.amount).label("spend")).group_by(moves.c.cid).subquery()
    # Counted in SQL: a few rows come back, not one per customer.
    which = case(*((spend.c.spend >= x.min_spend, index[x.name]) for x in above), else_=0)
    per = (
        select(which.label("k"))
        .select_from(spend.join(t.customers, t.customers.c.id == spend.c.cid))
        .where(t.customers.c.enrolled_at < at, t.customers.c.merged_into.is_(None))
        .subquery()
    )
    counts = [0] * len(s.program.tiers)
    for k, n in conn.execute(select(per.c.k, func.count()).group_by(per.c.k)):
        counts[int(k)] = _int(n)
    return counts
