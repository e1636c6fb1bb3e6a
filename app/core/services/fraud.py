"""Fraud flags for the manager: cards and people whose pattern of use needs a question (issue 13, part 2).

A flag never refuses anything: it names a card or a person, the local day and what was seen, so the
manager can ask. The thresholds come from the program's `watch` section (app.core.program.Watch). The
same statements read a terminal's file and the chain server's database (Scope), where sales and
adjustments carry their store and terminal, so the chain's flags see every till at once.

The five patterns, each one statement (docs/fraud.md):
- busy_card: a card on more than `card_uses_per_day` sales in one local day;
- card_terminals: the same card at two terminals within `terminals_within_minutes` (chain only: a
  terminal's file has one terminal);
- spend_after_earn: points paid on a sale that follows a sale of the same card that earned points,
  within `spend_after_earn_minutes`;
- staff_card: a staff member's own card (its phone is a staff phone) on more than
  `staff_card_sales_per_day` sales in a day, how many of them the owner rang up;
- adjustments: one person's manual adjustments in a day above `adjust_count_per_day` or
  `adjust_points_per_day` points (added and removed alike).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from app.core import db, repo, sql
from app.core.errors import LoyaltyError
from app.core.program import Watch
from app.core.services.report_json import ReportFormatError, json_kind
from app.core.services.reports.results import Period
from app.core.services.reports.scope import Scope
from app.core.services.staff import staff_phones
from app.core.timeutil import now_ms

__all__ = ["KINDS", "Flag", "FraudService"]

FlagKind = Literal["busy_card", "card_terminals", "spend_after_earn", "staff_card", "adjustments"]
KINDS: tuple[FlagKind, ...] = ("busy_card", "card_terminals", "spend_after_earn", "staff_card", "adjustments")

DAY_MS = 86_400_000
MINUTE_MS = 60_000
_STEP_MS = 6 * 3_600_000  # zone offsets are probed this often; a change between probes is found exactly


@dataclass(frozen=True)
class Flag:
    """One pattern seen on one local day: a card (with its customer) or a person (cashier, manager)."""

    kind: FlagKind
    day: date
    count: int  # sales, pairs of terminals, or adjustments that day
    card: str | None = None
    customer_uid: str | None = None
    person: str | None = None
    points: int = 0  # points spent soon after earning, or adjusted
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The CLI's and the server's JSON shape."""
        return {
            "kind": self.kind,
            "day": self.day.isoformat(),
            "count": self.count,
            "card": self.card,
            "customer_uid": self.customer_uid,
            "person": self.person,
            "points": self.points,
            "detail": dict(self.detail),
        }

    @classmethod
    def from_json(cls, value: Any, where: str = "flag") -> Flag:
        """A flag read back from `to_json`'s shape (the chain server's answer), strictly: a field missing or of
        the wrong type, an unknown kind, is a ReportFormatError naming the place (never a half-read flag)."""
        if not isinstance(value, dict):
            raise ReportFormatError(f"{where}: expected an object, got {json_kind(value)}")
        kind = value.get("kind")
        if kind not in KINDS:
            raise ReportFormatError(f"{where}.kind: expected one of {', '.join(KINDS)}, got {json_kind(kind)}")
        day = value.get("day")
        try:
            parsed = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ReportFormatError(f"{where}.day: expected an ISO date, got {json_kind(day)}")
        texts = {name: _text_or_none(value, name, where) for name in ("card", "customer_uid", "person")}
        detail = value.get("detail", {})
        if not isinstance(detail, dict) or not all(isinstance(k, str) for k in detail):
            raise ReportFormatError(f"{where}.detail: expected an object, got {json_kind(detail)}")
        for name in ("rung_by_owner", "added", "removed"):
            if name in detail:
                _count(detail[name], f"{where}.detail.{name}")
        for name in ("terminals", "stores"):
            names = detail.get(name, [])
            if not isinstance(names, list) or not all(isinstance(t, str) for t in names):
                raise ReportFormatError(f"{where}.detail.{name}: expected a list of names, got {json_kind(names)}")
        return cls(
            kind,
            parsed,
            _count(value.get("count"), f"{where}.count"),
            texts["card"],
            texts["customer_uid"],
            texts["person"],
            _count(value.get("points", 0), f"{where}.points"),
            dict(detail),
        )


def _count(value: Any, where: str) -> int:
    """A whole number of zero or more (not a boolean, not 2.0)."""
    if type(value) is not int or value < 0:
        raise ReportFormatError(f"{where}: expected a whole number of zero or more, got {json_kind(value)}")
    return value


def _text_or_none(value: dict[str, Any], name: str, where: str) -> str | None:
    text = value.get(name)
    if text is not None and not isinstance(text, str):
        raise ReportFormatError(f"{where}.{name}: expected text or null, got {json_kind(text)}")
    return text


def zone_segments(zone: ZoneInfo, start: int, end: int) -> list[tuple[int, int]]:
    """[(until_ms, utc_offset_ms)] covering [start, end): the zone's offset and the instant it stops holding.

    The last segment's until is `end`. Offsets change at most a few times a year, so the period is probed
    every six hours and each change is then found to the millisecond by bisection.
    """

    def offset(ms: int) -> int:
        moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)
        delta = moment.utcoffset()
        return 0 if delta is None else int(delta.total_seconds() * 1000)

    segments: list[tuple[int, int]] = []
    at, current = start, offset(start)
    while at < end - 1:
        probe = min(at + _STEP_MS, end - 1)
        if offset(probe) == current:
            at = probe
            continue
        lo, hi = at, probe  # offset(lo) == current != offset(hi): the change is in (lo, hi]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if offset(mid) == current:
                lo = mid
            else:
                hi = mid
        segments.append((hi, current))
        at, current = hi, offset(hi)
    segments.append((end, current))
    return segments


def local_day_sql(column: str, segments: list[tuple[int, int]]) -> str:
    """An SQL expression giving the local day (days since 1970-01-01) of an epoch-ms column."""
    if len(segments) == 1:
        return f"(({column} + {segments[0][1]}) / {DAY_MS})"
    cases = " ".join(f"WHEN {column} < {until} THEN {off}" for until, off in segments[:-1])
    return f"(({column} + CASE {cases} ELSE {segments[-1][1]} END) / {DAY_MS})"


def _day(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(number))


class FraudService:
    """The manager's fraud flags over a period of local days, on a terminal's file or the chain's server."""

    def __init__(self, engine: Engine, clock: Callable[[], int] = now_ms, scope: Scope = Scope.TERMINAL) -> None:
        self.engine = engine
        self.clock = clock
        self.scope = scope

    def yesterday(self) -> date:
        """The store's local day before today by this service's clock, in the time zone of the program in force
        (not the machine's clock: a till set to UTC in a Moscow store turns the day three hours late)."""
        now = self.clock()
        with db.transaction(self.engine, write=False) as conn:
            _, program = repo.program_at(conn, now)
        return datetime.fromtimestamp(now / 1000, UTC).astimezone(ZoneInfo(program.timezone)).date() - timedelta(1)

    def flags(
        self, first: date, last: date, kinds: Iterable[FlagKind] = KINDS, stores: Iterable[int] | None = None
    ) -> list[Flag]:
        """Every flag raised on the local days first..last (the program in force now sets the thresholds).

        On the chain's server `stores` (ids) keeps to what was done in those stores: a manager's own."""
        if last < first:
            raise LoyaltyError("period_order", first=first.isoformat(), last=last.isoformat())
        wanted = set(kinds)
        with db.transaction(self.engine, write=False) as conn:
            _, program = repo.program_at(conn, self.clock())
            zone = ZoneInfo(program.timezone)
            period = Period.local_days(first, last, zone)
            segments = zone_segments(zone, period.start - DAY_MS, period.end)
            only = None if stores is None or self.scope is not Scope.CHAIN else sorted({int(s) for s in stores})
            ask = _Ask(conn, period, program.watch, segments, self.scope, only)
            found: list[Flag] = []
            for kind in KINDS:
                if kind in wanted:
                    found.extend(getattr(ask, kind)())
            ask.name_stores(found)
            ask.name_cards(found)
        order = {k: i for i, k in enumerate(KINDS)}
        return sorted(found, key=lambda f: (f.day, order[f.kind], f.card or "", f.person or ""))


class _Ask:
    """One flags question: the period, thresholds and the local-day expression, shared by the statements."""

    def __init__(
        self,
        conn: Connection,
        period: Period,
        watch: Watch,
        segments: list[tuple[int, int]],
        scope: Scope,
        stores: list[int] | None,
    ) -> None:
        self.conn, self.period, self.watch, self.scope = conn, period, watch, scope
        self.segments = segments
        self.span = {"a": period.start, "b": period.end}
        # Store ids are integers the server chose, written into the statement (no parameter list to build).
        self.where_store = "" if stores is None else f" AND store_id IN ({', '.join(map(str, stores or [-1]))})"

    def day(self, column: str) -> str:
        return local_day_sql(column, self.segments)

    # ------------------------------------------------------------------ patterns

    def busy_card(self) -> list[Flag]:
        rows = sql.tuples(
            self.conn,
            f"SELECT customer_id, {self.day('at')} AS d, COUNT(*) FROM sales"
            " WHERE at >= :a AND at < :b AND customer_id IS NOT NULL"
            + self.where_store
            + " GROUP BY customer_id, d HAVING COUNT(*) > :n",
            {**self.span, "n": self.watch.card_uses_per_day},
        )
        return [Flag("busy_card", _day(d), int(n), customer_uid=str(cid)) for cid, d, n in rows]

    def card_terminals(self) -> list[Flag]:
        if self.scope is not Scope.CHAIN:
            return []  # one terminal's file: nothing to compare
        window = self.watch.terminals_within_minutes * MINUTE_MS
        rows = sql.tuples(
            self.conn,
            f"SELECT customer_id, {self.day('at')} AS d, terminal_id, prev_t FROM ("
            "  SELECT customer_id, at, terminal_id,"
            "   LAG(at) OVER (PARTITION BY customer_id ORDER BY at, id) AS prev_at,"
            "   LAG(terminal_id) OVER (PARTITION BY customer_id ORDER BY at, id) AS prev_t"
            "  FROM sales WHERE at >= :a0 AND at < :b AND customer_id IS NOT NULL"
            + self.where_store
            + " ) x WHERE at >= :a AND prev_t IS NOT NULL AND prev_t <> terminal_id AND at - prev_at < :w",
            {**self.span, "a0": self.period.start - window, "w": window},
        )
        names = self._terminal_names()
        seen: dict[tuple[int, int], set[int]] = {}
        pairs: dict[tuple[int, int], int] = {}
        for cid, d, terminal, prev in rows:
            key = (int(cid), int(d))
            seen.setdefault(key, set()).update((int(terminal), int(prev)))
            pairs[key] = pairs.get(key, 0) + 1
        return [
            Flag(
                "card_terminals",
                _day(d),
                pairs[(cid, d)],
                customer_uid=str(cid),
                detail={"terminals": sorted(names.get(t, str(t)) for t in terminals)},
            )
            for (cid, d), terminals in seen.items()
        ]

    def spend_after_earn(self) -> list[Flag]:
        window = self.watch.spend_after_earn_minutes * MINUTE_MS
        rows = sql.tuples(
            self.conn,
            f"SELECT customer_id, {self.day('at')} AS d, COUNT(*), SUM(redeemed_points) FROM ("
            "  SELECT customer_id, at, redeemed_points,"
            "   LAG(at) OVER (PARTITION BY customer_id ORDER BY at, id) AS prev_at,"
            "   LAG(earned) OVER (PARTITION BY customer_id ORDER BY at, id) AS prev_earned"
            "  FROM sales WHERE at >= :a0 AND at < :b AND customer_id IS NOT NULL"
            + self.where_store
            + " ) x WHERE at >= :a AND redeemed_points > 0 AND prev_earned > 0 AND at - prev_at < :w"
            " GROUP BY customer_id, d",
            {**self.span, "a0": self.period.start - window, "w": window},
        )
        return [
            Flag("spend_after_earn", _day(d), int(n), customer_uid=str(cid), points=int(p)) for cid, d, n, p in rows
        ]

    def staff_card(self) -> list[Flag]:
        phones = staff_phones(self.conn)
        if not phones:
            return []
        flags: list[Flag] = []
        for person, phone in sorted(phones.items()):
            ids = [
                int(r[0])
                for r in sql.tuples(
                    self.conn,
                    "SELECT c.id FROM customers c WHERE " + repo.PHONE_MATCH,
                    repo.phone_params(self.conn, phone),
                )
            ]
            for cid in ids:
                rows = sql.tuples(
                    self.conn,
                    f"SELECT {self.day('at')} AS d, COUNT(*),"
                    " SUM(CASE WHEN cashier = :person THEN 1 ELSE 0 END) FROM sales"
                    " WHERE customer_id = :cid AND at >= :a AND at < :b"
                    + self.where_store
                    + " GROUP BY d HAVING COUNT(*) > :n",
                    {**self.span, "cid": cid, "person": person, "n": self.watch.staff_card_sales_per_day},
                )
                flags.extend(
                    Flag(
                        "staff_card",
                        _day(d),
                        int(n),
                        customer_uid=str(cid),
                        person=person,
                        detail={"rung_by_owner": int(own or 0)},
                    )
                    for d, n, own in rows
                )
        return flags

    def adjustments(self) -> list[Flag]:
        per: dict[tuple[str, int], list[int]] = {}
        for actor, at, points in self._adjustments():
            key = (actor, (at + self._offset(at)) // DAY_MS)
            per.setdefault(key, []).append(points)
        w = self.watch
        return [
            Flag(
                "adjustments",
                _day(d),
                len(moves),
                person=actor,
                points=sum(abs(p) for p in moves),
                detail={"added": sum(p for p in moves if p > 0), "removed": -sum(p for p in moves if p < 0)},
            )
            for (actor, d), moves in per.items()
            if len(moves) > w.adjust_count_per_day or sum(abs(p) for p in moves) > w.adjust_points_per_day
        ]

    # ------------------------------------------------------------------ helpers

    def _offset(self, at: int) -> int:
        for until, off in self.segments:
            if at < until:
                return off
        return self.segments[-1][1]

    def _adjustments(self) -> list[tuple[str, int, int]]:
        """(actor, at, points) of every manual adjustment in the period."""
        if self.scope is Scope.CHAIN:
            return [
                (str(actor), int(at), int(points))
                for actor, at, points in sql.tuples(
                    self.conn,
                    "SELECT actor, booked_at, points FROM privileged"
                    " WHERE kind = 'adjust' AND booked_at >= :a AND booked_at < :b" + self.where_store,
                    self.span,
                )
            ]
        found: list[tuple[str, int, int]] = []
        for actor, at, detail in sql.tuples(
            self.conn,
            "SELECT actor, at, detail FROM audit WHERE action = 'points_adjusted' AND at >= :a AND at < :b",
            self.span,
        ):
            try:
                points = int(json.loads(detail)["points"])
            except (ValueError, KeyError, TypeError):
                continue  # an audit row written by hand or damaged: nothing to count
            found.append((str(actor), int(at), points))
        return found

    def _terminal_names(self) -> dict[int, str]:
        rows = sql.tuples(self.conn, "SELECT t.id, s.name, t.name FROM terminals t JOIN stores s ON s.id = t.store_id")
        return {int(i): f"{store} / {name}" for i, store, name in rows}

    def name_stores(self, flags: list[Flag]) -> None:
        """On the chain's server: the stores each flag's sales or adjustments were in (its manager asks there).

        A few statements per flag, and flags are few; a card at several tills already names their stores."""
        if self.scope is not Scope.CHAIN:
            return
        names = {int(i): str(n) for i, n in sql.tuples(self.conn, "SELECT id, name FROM stores")}
        for i, f in enumerate(flags):
            if f.kind == "card_terminals":
                continue
            if f.customer_uid is not None:
                who: int | str = int(f.customer_uid)
                statement = (
                    "SELECT DISTINCT store_id FROM sales WHERE customer_id = :who AND at >= :a AND at < :b"
                    f" AND {self.day('at')} = :d"
                )
            elif f.kind == "adjustments" and f.person is not None:
                who = f.person
                statement = (
                    "SELECT DISTINCT store_id FROM privileged WHERE kind = 'adjust' AND actor = :who"
                    f" AND booked_at >= :a AND booked_at < :b AND {self.day('booked_at')} = :d"
                )
            else:
                continue
            number = (f.day - date(1970, 1, 1)).days
            # The local day lies within a day either side of the UTC day of that number (zones are within ±14 h):
            # the index narrows to three days, the day expression keeps exactly the flag's.
            bounds = {"a": (number - 1) * DAY_MS, "b": (number + 2) * DAY_MS}
            rows = sql.tuples(self.conn, statement + self.where_store, {**bounds, "who": who, "d": number})
            stores = sorted({names.get(int(r[0]), str(r[0])) for r in rows})
            if stores:
                flags[i] = replace(f, detail={**f.detail, "stores": stores})

    def name_cards(self, flags: list[Flag]) -> None:
        """Put each flagged customer's uid and working card in place of the row id the statements give."""
        ids = sorted({int(f.customer_uid) for f in flags if f.customer_uid is not None})
        if not ids:
            return
        names: dict[int, tuple[str, str | None]] = {}
        for cid, uid, card in sql.tuples_in(
            self.conn,
            "SELECT c.id, c.uid, (SELECT k.code FROM cards k WHERE k.customer_id = c.id AND k.active = 1"
            " ORDER BY k.issued_at DESC LIMIT 1) FROM customers c WHERE c.id {in}",
            ids,
        ):
            names[int(cid)] = (str(uid), None if card is None else str(card))
        for i, f in enumerate(flags):
            if f.customer_uid is not None:
                uid, card = names.get(int(f.customer_uid), (f.customer_uid, None))
                flags[i] = Flag(f.kind, f.day, f.count, card, uid, f.person, f.points, f.detail)
