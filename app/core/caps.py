"""Daily limits of a card and of a person (the program's `limits`): refuse above `stop`, warn above `warn`.

Counted in the store's local day (the day of the operation's instant). A card's limits count across the chain
once the till has pulled the card's customer from a server that sends its recent sales (server/snapshots.py,
`recent_sales`, stored in chain_card_sales): the server's sales of the card plus this till's own sales the
server did not hold at that pull (`reflected = 0`). Without them (a standalone till, a customer not pulled
yet, an older server; or none in the server's window, which counts the same) the till's own rows are
counted, so a limit holds per till; the chain's other tills' sales since the last pull are not seen either
way (fraud.md, "Daily limits"). A person's adjustments are
counted on this till. The check runs when the sale is priced (a quote shows the cashier the warning before
paying) and again when it commits, in the same transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Connection

from app.core import sql
from app.core.errors import LoyaltyError
from app.core.program import Cap, Program
from app.core.refusals import Refusal
from app.core.timeutil import from_ms, to_ms

__all__ = ["adjust_warnings", "card_warnings"]


def day_bounds(program: Program, at: int) -> tuple[int, int]:
    """[start, end) in UTC ms of the store's local day holding the instant `at`."""
    local = from_ms(at).astimezone(program.zone).date()
    start = datetime(local.year, local.month, local.day, tzinfo=program.zone)
    return to_ms(start), to_ms(start + timedelta(days=1))


def _check(cap: Cap, value: int, code: str, params: dict[str, object], warnings: list[Refusal]) -> None:
    # A limit of points is worded with their plural (refusals.py: *_points), a count of sales as it is.
    name = "limit" if code == "card_sales" else "limit_points"
    if cap.stop is not None and value > cap.stop:
        raise LoyaltyError(f"cap_{code}", **params, **{name: cap.stop})
    if cap.warn is not None and value > cap.warn:
        warnings.append(Refusal(f"warn_{code}", {**params, name: cap.warn}))


def card_warnings(
    conn: Connection, program: Program, customer_id: int, card: str, at: int, earned: int, spent: int
) -> tuple[Refusal, ...]:
    """The warnings of a sale of `card` at `at` earning and paying these points; LoyaltyError above a hard limit."""
    caps = program.caps
    if caps.card_sales == caps.card_earned == caps.card_spent == Cap():
        return ()
    start, end = day_bounds(program, at)
    n, day_earned, day_spent = day_sales(conn, customer_id, start, end)
    warnings: list[Refusal] = []
    _check(caps.card_sales, n + 1, "card_sales", {"card": card, "count": n + 1}, warnings)
    if earned:
        _check(caps.card_earned, day_earned + earned, "card_earned",
               {"card": card, "points": day_earned + earned}, warnings)  # fmt: skip
    if spent:
        _check(caps.card_spent, day_spent + spent, "card_spent",
               {"card": card, "points": day_spent + spent}, warnings)  # fmt: skip
    return tuple(warnings)


_OWN_SALES = """SELECT COUNT(*), COALESCE(SUM(earned), 0), COALESCE(SUM(redeemed_points + reward_points), 0)
FROM sales WHERE customer_id = :id AND at >= :a AND at < :b"""


def day_sales(conn: Connection, customer_id: int, start: int, end: int) -> tuple[int, int, int]:
    """The customer's sales in [start, end): how many, points earned, points paid (module docstring)."""
    chain = sql.scalar(conn, "SELECT sales FROM chain_card_sales WHERE customer_id = :id", {"id": customer_id})
    own = _OWN_SALES if chain is None else _OWN_SALES + " AND reflected = 0"
    row = sql.tuples(conn, own, {"id": customer_id, "a": start, "b": end})[0]
    n, earned, spent = int(row[0]), int(row[1]), int(row[2])
    for at, got, paid in json.loads(chain) if chain is not None else ():
        if start <= at < end:
            n, earned, spent = n + 1, earned + got, spent + paid
    return n, earned, spent


def adjust_warnings(conn: Connection, program: Program, actor: str, at: int, points: int) -> tuple[Refusal, ...]:
    """The warnings of `actor` adjusting `points` by hand at `at`; LoyaltyError above the hard limit."""
    cap = program.caps.adjust_points
    if cap == Cap():
        return ()
    start, end = day_bounds(program, at)
    done = 0
    for (detail,) in sql.tuples(
        conn,
        "SELECT detail FROM audit WHERE action = 'points_adjusted' AND actor = :actor AND at >= :a AND at < :b",
        {"actor": actor, "a": start, "b": end},
    ):
        try:
            done += abs(int(json.loads(detail)["points"]))
        except (ValueError, KeyError, TypeError):
            continue  # a damaged row counts for nothing
    warnings: list[Refusal] = []
    _check(cap, done + abs(points), "adjust_points", {"actor": actor, "points": done + abs(points)}, warnings)
    return tuple(warnings)
