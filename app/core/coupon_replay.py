"""The coupon's share of each line of a sale priced before schema v5, replayed from its stored lines.

Until schema v5 a sale line stored only its total discount (stamps + coupon + card), and the coupon
report replayed steps 3 and 4 of loyalty-rules.md §3 on every run. Since v5 pricing stores the
coupon's share with each line (`sale_lines.coupon_discount`). What was priced before is replayed once:
by the terminal's v5 step (app.core.migrations), the server's revision 0003, and the ledger when a
terminal of an older release pushes a coupon sale without the share. Frozen with that step: this is
how the v4 reports read a sale, so the figures they gave are the figures stored. It reads stored program
bodies with the live `parse_program`, which must read every body a `programs` table holds in any case.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection, text

from app.core.money import percent_of, split_largest_remainder
from app.core.program import Coupon, Program, parse_program

__all__ = ["ReplayLine", "backfill", "coupon_shares"]


class ReplayLine(NamedTuple):
    """What the replay needs of a stored sale line (not a gift line)."""

    category: str
    qty: int
    unit_price: int
    amount: int
    stamp_rule: str | None
    stamps_given: int


def coupon_shares(program: Program, coupon: Coupon | None, lines: Sequence[ReplayLine]) -> list[int]:
    """The coupon's discount on each line, replayed: steps 3 and 4 of §3 (0 for every line without the coupon).

    The stamp reward is known from the lines (the unit made free earns no stamp, so qty − stamps_given = 1
    on its line), and the coupon step depends only on it, so its share is recomputed exactly."""
    shares = [0] * len(lines)
    if coupon is None:
        return shares
    amount = [ln.amount for ln in lines]
    disc = [0] * len(lines)
    for i, ln in enumerate(lines):
        if ln.stamp_rule is not None and ln.qty - ln.stamps_given == 1:
            disc[i] += ln.unit_price
    eligible = [
        i
        for i, ln in enumerate(lines)
        if (not coupon.categories or ln.category in coupon.categories) and ln.category not in program.excluded_discount
    ]
    if coupon.kind == "percent":
        for i in eligible:
            shares[i] = percent_of(amount[i] - disc[i], coupon.percent)
        return shares
    base = [amount[i] - disc[i] for i in eligible]
    off = min(coupon.amount, sum(base))
    for i, part in zip(eligible, split_largest_remainder(off, base), strict=True):
        shares[i] = part
    return shares


_COUPON_LINES = (
    "SELECT s.id, s.coupon, s.program_version, s.at, l.idx, l.category, l.qty, l.unit_price, l.amount,"
    " l.stamp_rule, l.stamps_given FROM sales s JOIN sale_lines l ON l.sale_id = s.id AND l.is_reward = 0"
    " WHERE s.coupon IS NOT NULL ORDER BY s.id, l.idx"
)


def backfill(conn: Connection) -> int:
    """Store the coupon's share on every line of every stored coupon sale, replayed with the program version
    the sale was priced with (the one in force at its instant when that version is unknown); returns the
    number of lines given a share. Runs once, inside a schema step's transaction, on SQLite or PostgreSQL."""
    versions: list[tuple[int, int, Program]] = []  # (version, activate_at, program), by version
    for version, activate_at, body in conn.execute(
        text("SELECT version, activate_at, body FROM programs ORDER BY version")
    ):
        versions.append((int(version), int(activate_at), parse_program(json.loads(body))))
    by_version = {v: p for v, _, p in versions}

    def program_of(version: int, at: int) -> Program | None:
        found = by_version.get(version)
        if found is None:
            active = [p for _, start, p in versions if start <= at] or [p for _, _, p in versions[:1]]
            found = active[-1] if active else None
        return found

    updates: list[dict[str, int]] = []

    def replay(sale: int, code: str, version: int, at: int, lines: list[tuple[int, ReplayLine]]) -> None:
        program = program_of(version, at)
        if program is None:
            return
        shares = coupon_shares(program, program.coupon(code), [ln for _, ln in lines])
        updates.extend(
            {"share": share, "sale": sale, "idx": idx} for (idx, _), share in zip(lines, shares, strict=True) if share
        )

    current: tuple[int, str, int, int] | None = None
    lines: list[tuple[int, ReplayLine]] = []
    for sale, code, version, at, idx, category, qty, price, amount, rule, given in conn.execute(text(_COUPON_LINES)):
        if current is None or current[0] != sale:
            if current is not None:
                replay(*current, lines)
            current, lines = (int(sale), str(code), int(version), int(at)), []
        lines.append((int(idx), ReplayLine(str(category), int(qty), int(price), int(amount), rule, int(given))))
    if current is not None:
        replay(*current, lines)
    if updates:
        conn.execute(
            text("UPDATE sale_lines SET coupon_discount = :share WHERE sale_id = :sale AND idx = :idx"), updates
        )
    return len(updates)
