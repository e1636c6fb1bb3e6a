"""Sales figures: revenue by day, sales per cashier and card, the chain store by store, the sale lines
(points paid per category, stamp cards completed) and coupons and gifts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Table,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)

from app.core import repo, sql
from app.core import schema as t
from app.core.services.reports.days import ACTIVE_DAYS
from app.core.services.reports.results import (
    CashierRow,
    CategoryRow,
    CouponRow,
    Filters,
    RevenueDay,
    RewardRow,
    SalesFigures,
    SalesGroup,
    StampRow,
    StoreRow,
    ratio,
)
from app.core.services.reports.scope import (
    _ID_CHUNK,
    Scope,
    _Ask,
    _bound,
    _int,
    _kept_sales,
    _placed,
    _stores,
    _terminals,
    _where_refunds,
    _where_sales,
)
from app.core.timeutil import DAY_MS


@dataclass
class _SalesDays:
    """The period's sales read day by day (see sales._sales_days); all but card_gross follow the filters."""

    card: list[int] = field(default_factory=list)  # Σ total of the card sales, per local day
    anonymous: list[int] = field(default_factory=list)  # ... of the sales without a card
    sold: dict[tuple[str | None, int], tuple[int, int]] = field(default_factory=dict)  # (cashier, card) -> n, Σ
    coupon_sales: int = 0  # sales with a coupon
    card_gross: int = 0  # Σ total of every card sale of the period, whatever the filters
    # What the program costs and the baskets it is weighed against (the kept sales only):
    # Σ subtotal with a card and without, Σ discount, Σ money paid with points, Σ gift points.
    card_basket: int = 0
    anonymous_basket: int = 0
    discount: int = 0
    points_paid: int = 0
    gift_points: int = 0


@dataclass
class _StoreSums:
    """One store's sums while the comparison is read; [0] without a card, [1] with one."""

    sales: list[int] = field(default_factory=lambda: [0, 0])
    gross: list[int] = field(default_factory=lambda: [0, 0])
    refunds: list[int] = field(default_factory=lambda: [0, 0])
    refunded: list[int] = field(default_factory=lambda: [0, 0])
    active_30: int = 0
    new_enrollments: int = 0
    issued: int = 0
    redeemed: int = 0

    def row(self, store: str | None) -> StoreRow:
        n, gross = sum(self.sales), sum(self.gross)
        back = sum(self.refunded)
        return StoreRow(
            store=store,
            sales=n,
            card_sales=self.sales[1],
            card_share=ratio(self.sales[1], n),
            gross=gross,
            refunds=sum(self.refunds),
            refunded=back,
            revenue=gross - back,
            average_check=ratio(gross, n),
            average_check_card=ratio(self.gross[1], self.sales[1]),
            average_check_anonymous=ratio(self.gross[0], self.sales[0]),
            active_30=self.active_30,
            new_enrollments=self.new_enrollments,
            issued=self.issued,
            redeemed=self.redeemed,
        )


def _sold(conn: Connection, s: _Ask) -> dict[tuple[str | None, int], tuple[int, int]]:
    """The dashboard's sales (with and without a card): plain sums, no cashier."""
    # Without sorting a year's sales into groups nobody reads (687,000 sales: 0.45 s -> 0.16 s of CPU).
    with_card = t.sales.c.customer_id.is_not(None)
    n, gross, n_card, gross_card = (
        _int(v)
        for v in conn.execute(
            select(
                func.count(),
                func.sum(t.sales.c.total),
                func.sum(case((with_card, 1), else_=0)),
                func.sum(case((with_card, t.sales.c.total), else_=0)),
            ).where(*_where_sales(s))
        ).one()
    )
    return {(None, 1): (n_card, gross_card), (None, 0): (n - n_card, gross - gross_card)}


def _sales_groups(
    conn: Connection, s: _Ask, sold: Mapping[tuple[str | None, int], tuple[int, int]]
) -> tuple[tuple[SalesGroup, SalesGroup, SalesGroup], dict[str | None, dict[str, int]]]:
    """All sales, with a card, without one, and per cashier: sold is (sales, gross) per (cashier, card)."""
    per: dict[tuple[str | None, int], list[int]] = {key: [n, gross, 0, 0] for key, (n, gross) in sold.items()}
    rcard = case((t.refunds.c.customer_id.is_(None), 0), else_=1).label("card")
    rinner = select(t.refunds.c.cashier, rcard, t.refunds.c.money_back).where(*_where_refunds(s))
    rsub = rinner.subquery()
    for r in conn.execute(
        select(rsub.c.cashier, rsub.c.card, func.count(), func.sum(rsub.c.money_back)).group_by(
            rsub.c.cashier, rsub.c.card
        )
    ):
        row = per.setdefault((r[0], int(r[1])), [0, 0, 0, 0])
        row[2], row[3] = _int(r[2]), _int(r[3])

    def group(keep: Callable[[int], bool]) -> SalesGroup:
        n = gross = refunds = back = 0
        for (_, is_card), (a, b, c, d) in per.items():
            if keep(is_card):
                n, gross, refunds, back = n + a, gross + b, refunds + c, back + d
        return SalesGroup(n, gross, refunds, back, gross - back, ratio(gross, n))

    cashiers: dict[str | None, dict[str, int]] = {}
    for (cashier, is_card), (n, gross, _, back) in per.items():
        c = cashiers.setdefault(cashier, {"sales": 0, "card_sales": 0, "revenue": 0})
        c["sales"] += n
        c["card_sales"] += n if is_card else 0
        c["revenue"] += gross - back
    return (group(lambda _: True), group(lambda c: c == 1), group(lambda c: c == 0)), cashiers


def _sales(conn: Connection, s: _Ask, daily: _SalesDays) -> SalesFigures:
    (total, card, anonymous), cashiers = _sales_groups(conn, s, daily.sold)
    rows = tuple(
        CashierRow(name, c["sales"], c["card_sales"], ratio(c["card_sales"], c["sales"]), c["revenue"])
        for name, c in sorted(cashiers.items(), key=lambda kv: (-kv[1]["revenue"], kv[0] or ""))
    )
    return SalesFigures(total, card, anonymous, ratio(card.sales, total.sales), rows)


def _sales_days(conn: Connection, s: _Ask) -> _SalesDays:
    """One pass over the period's sales, day by day: revenue by day, sales per cashier, coupon sales.

    One statement per local day over its range of the date index, grouping the day's sales by
    cashier. SQLite groups by sorting the rows: the day's statements sort a year's 687,000 sales
    once in all, where a statement per figure sorted them twice (sales per cashier and card,
    revenue by hour and card: 0.73 s -> 0.29 s of CPU)."""
    sa = t.sales.c
    kept = _kept_sales(s)
    card = sa.customer_id.is_not(None)
    keys: list[Any] = [sa.cashier]
    if kept:
        # With a filter the rows it leaves out still count for the lifetime value's check, which
        # is store-wide: they form groups of their own.
        keys.append(case((and_(*kept), 1), else_=0))
    stmt = (
        select(
            *keys,
            func.count(),
            func.sum(sa.total),
            func.sum(case((card, 1), else_=0)),
            func.sum(case((card, sa.total), else_=0)),
            func.sum(case((sa.coupon.is_not(None), 1), else_=0)),
            func.sum(sa.subtotal),
            func.sum(case((card, sa.subtotal), else_=0)),
            func.sum(sa.discount),
            func.sum(sa.redeemed_amount),
            func.sum(sa.reward_points),
        )
        .where(sa.at >= _bound("lo"), sa.at < _bound("hi"))
        .group_by(*keys)
    )
    run = sql.prepared(conn, stmt)
    out = _SalesDays()
    sold: dict[tuple[str | None, int], list[int]] = {}
    for lo, hi in s.days.ranges(s.period):
        day = [0, 0]  # card, anonymous
        for cashier, *rest in run({"lo": lo, "hi": hi}):
            keep = int(rest.pop(0)) if kept else 1
            n, gross, n_card, gross_card, coupons, basket, card_basket, discount, paid, gifts = (_int(v) for v in rest)
            out.card_gross += gross_card
            if not keep:
                continue
            out.card_basket += card_basket
            out.anonymous_basket += basket - card_basket
            out.discount += discount
            out.points_paid += paid
            out.gift_points += gifts
            day[0] += gross_card
            day[1] += gross - gross_card
            for is_card, count, money in ((0, n - n_card, gross - gross_card), (1, n_card, gross_card)):
                if count:
                    got = sold.setdefault((cashier, is_card), [0, 0])
                    got[0] += count
                    got[1] += money
            out.coupon_sales += coupons
        out.card.append(day[0])
        out.anonymous.append(day[1])
    # In the order of the groups of one statement grouped by cashier and card, as SQLite returns
    # them (NULL first): cashiers with the same revenue stay in the order they had.
    for key in sorted(sold, key=lambda k: (k[0] is not None, k[0] or "", k[1])):
        out.sold[key] = (sold[key][0], sold[key][1])
    return out


def _revenue_days(conn: Connection, s: _Ask, daily: _SalesDays) -> tuple[RevenueDay, ...]:
    size = s.days.bucket
    card_m = list(daily.card)
    anon_m = list(daily.anonymous)
    # Refunds are few (a year: 7,000 against 687,000 sales): grouped by bucket, as they were.
    refunds = select(
        (t.refunds.c.at // size).label("b"),
        case((t.refunds.c.customer_id.is_(None), 0), else_=1).label("card"),
        (-t.refunds.c.money_back).label("money"),
    ).where(*_where_refunds(s))
    sub = refunds.subquery()
    for r in conn.execute(select(sub.c.b, sub.c.card, func.sum(sub.c.money)).group_by(sub.c.b, sub.c.card)):
        target = card_m if int(r[1]) else anon_m
        target[s.days.index_of_bucket(int(r[0]))] += _int(r[2])
    return tuple(RevenueDay(s.days.day(i), card_m[i], anon_m[i]) for i in range(len(s.days)))


def _store_rows(conn: Connection, s: _Ask) -> tuple[StoreRow, ...]:
    """The chain comparison (ReportsService.by_store) of a question asked without local days."""
    period, filters = s.period, s.filters
    server = s.scope is Scope.CHAIN

    def grouped(base: Table, where: Sequence[ColumnElement[bool]], *cols: Any) -> Any:
        """(store key, *cols) of the base table's rows, as a subquery to group by the key."""
        # A terminal file is one store: every row is its own (key 0). On the server, the store
        # whose terminal pushed the row, written on it when it was booked; NULL when no terminal
        # did. (It was found through txn_outcomes, a hash join over every outcome per statement:
        # a month's store rows on a 1,000,000-sale chain took 0.6 s of PostgreSQL.)
        key = _placed(base, "store_id") if server else literal_column("0", Integer)
        return select(key.label("k"), *cols).where(*where).subquery()

    sums: dict[int | None, _StoreSums] = {}

    def of(key: Any) -> _StoreSums:
        return sums.setdefault(None if key is None else int(key), _StoreSums())

    sa, rf, cu, j = t.sales.c, t.refunds.c, t.customers.c, t.journal.c
    card = case((sa.customer_id.is_(None), 0), else_=1).label("card")
    sub = grouped(t.sales, _where_sales(s), card, sa.total.label("money"))
    for key, is_card, n, money in conn.execute(
        select(sub.c.k, sub.c.card, func.count(), func.sum(sub.c.money)).group_by(sub.c.k, sub.c.card)
    ):
        of(key).sales[int(is_card)], of(key).gross[int(is_card)] = _int(n), _int(money)
    card = case((rf.customer_id.is_(None), 0), else_=1).label("card")
    sub = grouped(t.refunds, _where_refunds(s), card, rf.money_back.label("money"))
    for key, is_card, n, money in conn.execute(
        select(sub.c.k, sub.c.card, func.count(), func.sum(sub.c.money)).group_by(sub.c.k, sub.c.card)
    ):
        of(key).refunds[int(is_card)], of(key).refunded[int(is_card)] = _int(n), _int(money)
    end = period.end
    recent = [sa.at >= end - ACTIVE_DAYS * DAY_MS, sa.at < end, sa.customer_id.is_not(None)]
    sub = grouped(t.sales, recent, sa.customer_id.label("cid"))
    for key, n in conn.execute(select(sub.c.k, func.count(func.distinct(sub.c.cid))).group_by(sub.c.k)):
        of(key).active_30 = _int(n)
    # A member belongs to the store whose terminal enrolled them (the customer's uid is the enrollment's).
    joined = [cu.enrolled_at >= period.start, cu.enrolled_at < end, cu.merged_into.is_(None)]
    sub = grouped(t.customers, joined, cu.id.label("cid"))
    for key, n in conn.execute(select(sub.c.k, func.count()).group_by(sub.c.k)):
        of(key).new_enrollments = _int(n)
    # Points follow the transaction that moved them: a sale's grant and spend rows carry its uid.
    moved = [j.at >= period.start, j.at < end, j.kind.in_(("grant", "spend", "overdraft"))]
    grant = case((j.kind == "grant", 1), else_=0).label("grant")
    sub = grouped(t.journal, moved, grant, j.points.label("points"))
    for key, is_grant, points in conn.execute(
        select(sub.c.k, sub.c.grant, func.sum(sub.c.points)).group_by(sub.c.k, sub.c.grant)
    ):
        if int(is_grant):
            of(key).issued = _int(points)
        else:
            of(key).redeemed = -_int(points)

    names, keep = _store_names(conn, server, filters)
    for key in names:
        of(key)  # every store has its row, a quiet one too
    rows = []
    for key, got in sums.items():
        if key is None:
            # What no store's terminal sent: shown only when there is some and no store was asked for.
            if keep is not None or got == _StoreSums():
                continue
        elif keep is not None and key not in keep:
            continue
        rows.append(got.row(None if key is None else names.get(key, str(key))))
    # Most revenue first; what no store sent comes last.
    rows.sort(key=lambda r: (r.store is None, -r.revenue, r.store or ""))
    return tuple(rows)


def _store_names(conn: Connection, server: bool, f: Filters) -> tuple[dict[int, str | None], set[int] | None]:
    """Store names by key, and the keys a store or terminal filter keeps (None: all of them)."""
    keep: set[int] | None = None
    if not server:
        name = repo.get_meta(conn, "store_name") or None
        # A terminal's own sales carry its own names: a filter naming another keeps nothing.
        if (f.store is not None and f.store != name) or (
            f.terminal is not None and f.terminal != repo.get_meta(conn, "terminal_name")
        ):
            keep = set()
        return {0: name}, keep
    names: dict[int, str | None] = {int(k): str(v) for k, v in conn.execute(select(_stores.c.id, _stores.c.name))}
    if f.store is not None:
        keep = {k for k, v in names.items() if v == f.store}
    if f.terminal is not None:
        found = conn.execute(select(_terminals.c.store_id).where(_terminals.c.name == f.terminal)).scalars()
        held = {int(k) for k in found}
        keep = held if keep is None else keep & held
    return names, keep


def _lines(conn: Connection, s: _Ask) -> tuple[tuple[CategoryRow, ...], tuple[StampRow, ...], int]:
    """One pass over the period's sale lines: kopecks paid with points per category, stamp cards completed,
    and the kopecks their free units were worth."""
    ln = t.sale_lines.c
    # The unit made free earns no stamp, so on its line qty − stamps_given = 1; a net stamp move
    # cannot tell, because a basket with more units than the card needed nets a positive delta.
    free = case((ln.stamp_rule.is_not(None), ln.qty - ln.stamps_given), else_=0)
    done = {rule.id: 0 for rule in s.program.stamps}
    # Only lines that add to a figure are grouped (SQLite groups by sorting, and a year holds 1.4
    # million lines, 0.3 million of them counted): a line with points paid, or a stamp line with
    # a free unit. A stamp line of a rule the program no longer has is kept all the same, so that
    # rule still gets its row when none of its cards was completed in the period.
    counted = or_(
        ln.redeemed != 0,
        and_(ln.stamp_rule.is_not(None), or_(ln.qty != ln.stamps_given, ln.stamp_rule.not_in(sorted(done)))),
    )
    rows = conn.execute(
        select(ln.category, ln.stamp_rule, func.sum(ln.redeemed), func.sum(free), func.sum(free * ln.unit_price))
        .join(t.sales, t.sales.c.id == ln.sale_id)
        .where(*_where_sales(s), ln.is_reward == 0, counted)
        .group_by(ln.category, ln.stamp_rule)
    ).all()
    paid: dict[str, int] = {}
    free_value = 0
    for category, rule, redeemed, completed, worth in rows:
        free_value += _int(worth)
        if _int(redeemed):
            paid[str(category)] = paid.get(str(category), 0) + _int(redeemed)
        if rule is not None:
            done[str(rule)] = done.get(str(rule), 0) + _int(completed)
    # stamp_rule is a line's first rule; the others of its category (schema v5) are the stamp rows after the
    # first, few and indexed on their own, so the pass above reads no second table for every line.
    for rule, completed, worth in _more_rules(conn, s, done):
        free_value += _int(worth)
        done[str(rule)] = done.get(str(rule), 0) + _int(completed)
    categories = sorted((CategoryRow(c, n) for c, n in paid.items()), key=lambda c: (-c.amount, c.category))
    return tuple(categories), tuple(StampRow(rule, n) for rule, n in sorted(done.items())), free_value


def _more_rules(conn: Connection, s: _Ask, done: Mapping[str, int]) -> Sequence[Any]:
    """(rule, free units, their kopecks) of the period's stamp rows of a line's second and later rules."""
    ln, st = t.sale_lines.c, t.sale_line_stamps.c
    # Most stores have one rule per category: then the partial index is empty and says so at once (the
    # query below would probe it once per sale of the period: 15 ms for a year of 200,000 sales).
    if conn.execute(select(st.sale_id).where(st.ordinal > 0).limit(1)).first() is None:
        return ()
    free = ln.qty - st.stamps
    return conn.execute(
        select(st.rule_id, func.sum(free), func.sum(free * ln.unit_price))
        .select_from(t.sale_line_stamps)
        .join(t.sale_lines, and_(ln.sale_id == st.sale_id, ln.idx == st.idx))
        .join(t.sales, t.sales.c.id == st.sale_id)
        .where(st.ordinal > 0, *_where_sales(s), ln.is_reward == 0, or_(free != 0, st.rule_id.not_in(sorted(done))))
        .group_by(st.rule_id)
    ).all()


def _coupons(conn: Connection, s: _Ask, expected: int) -> tuple[CouponRow, ...]:
    """Uses and discount per coupon code (each line's coupon share, stored at commit since schema v5);
    expected: how many of the period's sales (filtered) carry a coupon."""
    sa, ln, cu = t.sales.c, t.sale_lines.c, t.coupon_uses.c
    # Sales that carry no line but a gift are left out (their count of lines is 0).
    stmt = (
        select(sa.id, sa.coupon, func.count(ln.sale_id), func.sum(ln.coupon_discount))
        .outerjoin(t.sale_lines, and_(ln.sale_id == sa.id, ln.is_reward == 0))
        .where(*_where_sales(s), sa.coupon.is_not(None))
        .group_by(sa.id, sa.coupon)
    )
    # A coupon sale is found through coupon_uses (a row per coupon sale, a few thousand a year)
    # instead of reading every sale of the period (0.15 s for a year). The count of coupon sales
    # summed with the sales by day proves that none is missing; else every sale is read.
    found = select(cu.sale_id).where(cu.at >= s.period.start, cu.at < s.period.end)
    ids = sorted({row[0] for row in sql.prepared(conn, found)({})})
    rows: list[Any] = []
    for i in range(0, len(ids), _ID_CHUNK):
        rows += sql.prepared(conn, stmt.where(sa.id.in_(ids[i : i + _ID_CHUNK])))({})
    if len(rows) != expected:
        rows = list(sql.prepared(conn, stmt)({}))
    uses: dict[str, list[int]] = {}
    for _, code, lines, off in rows:
        if not lines:
            continue
        row = uses.setdefault(str(code), [0, 0])
        row[0] += 1
        row[1] += _int(off)
    return tuple(CouponRow(code, n, off) for code, (n, off) in sorted(uses.items(), key=lambda kv: (-kv[1][0], kv[0])))


def _rewards(conn: Connection, s: _Ask) -> tuple[RewardRow, ...]:
    rows = conn.execute(
        select(t.sales.c.reward_id, func.count(), func.sum(t.sales.c.reward_points))
        .where(*_where_sales(s), t.sales.c.reward_id.is_not(None))
        .group_by(t.sales.c.reward_id)
    ).all()
    out = []
    for r in rows:
        reward = s.program.reward(str(r[0]))
        out.append(RewardRow(str(r[0]), reward.name if reward else str(r[0]), _int(r[1]), _int(r[2])))
    return tuple(sorted(out, key=lambda g: (-g.count, g.reward_id)))
