"""The books' self-check: every stored balance recomputed from the journal."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from app.core import db, repo, sql
from app.core.services.results import VerifyReport

__all__ = ["VerifyService"]


class VerifyService:
    """Reads only: recomputes lots, debts, expiry and stamps from the journal and names every mismatch."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def verify(self) -> VerifyReport:
        """Recompute every lot, debt and stamp count from the journal and compare with the stored ones."""
        problems: list[str] = []
        totals = {"grant": 0, "spend": 0, "overdraft": 0, "expire": 0, "take_back": 0, "settle": 0, "sync": 0}
        with db.transaction(self.engine, write=False) as conn:
            # A chain terminal shows the server's expired total; only the server's journal explains it.
            check_expired = not repo.chain_mode(conn)
            lot_sums: dict[str, int] = {}
            grants: dict[str, int] = {}
            debt: dict[int, int] = {}
            expired: dict[int, int] = {}
            rows = 0
            # One pass in storage order over plain tuples: far cheaper than GROUP BY on millions of rows.
            for customer_id, lot_uid, kind, points in _stream(
                conn, "SELECT customer_id, lot_uid, kind, points FROM journal"
            ):
                rows += 1
                if kind not in totals:
                    problems.append(f"journal has unknown kind {kind!r}")
                    continue
                totals[kind] += points
                if lot_uid is None:
                    debt[customer_id] = debt.get(customer_id, 0) - points
                else:
                    lot_sums[lot_uid] = lot_sums.get(lot_uid, 0) + points
                    if kind == "grant":
                        grants[lot_uid] = grants.get(lot_uid, 0) + points
                if kind == "expire":
                    expired[customer_id] = expired.get(customer_id, 0) - points
            lots = 0
            remaining_total = 0
            for uid, granted_points, remaining, customer_id in _stream(
                conn, "SELECT uid, points, remaining, customer_id FROM lots"
            ):
                lots += 1
                remaining_total += remaining
                if lot_sums.pop(uid, None) != remaining:
                    problems.append(f"lot {uid} of customer {customer_id}: stored {remaining}, journal says otherwise")
                if grants.get(uid) != granted_points:
                    problems.append(f"lot {uid}: granted {granted_points} but the journal grants {grants.get(uid)}")
                if remaining < 0:
                    problems.append(f"lot {uid} holds negative points")
            for uid in lot_sums:
                problems.append(f"journal moves points of a lot that does not exist: {uid}")
            customers = 0
            debt_total = 0
            for customer_id, stored_debt, stored_expired in _stream(
                conn, "SELECT id, debt, expired_total FROM customers"
            ):
                customers += 1
                debt_total += stored_debt
                if debt.get(customer_id, 0) != stored_debt:
                    problems.append(
                        f"customer {customer_id}: stored debt {stored_debt}, journal says {debt.get(customer_id, 0)}"
                    )
                if check_expired and expired.get(customer_id, 0) != stored_expired:
                    problems.append(
                        f"customer {customer_id}: stored expired {stored_expired},"
                        f" journal says {expired.get(customer_id, 0)}"
                    )
            stamp_sums: dict[tuple[int, str], int] = {}
            for customer_id, rule_id, delta_n in _stream(conn, "SELECT customer_id, rule_id, delta FROM stamp_moves"):
                key = (customer_id, rule_id)
                stamp_sums[key] = stamp_sums.get(key, 0) + delta_n
            for customer_id, rule_id, count in _stream(conn, "SELECT customer_id, rule_id, count FROM stamps"):
                moved = stamp_sums.get((customer_id, rule_id), 0)
                if moved != count:
                    problems.append(f"customer {customer_id}: {count} {rule_id} stamps stored, moves add up to {moved}")
                if count < 0:
                    problems.append(f"customer {customer_id} holds negative {rule_id} stamps")
        balances = remaining_total - debt_total
        granted, spent = totals["grant"], -totals["spend"] - totals["overdraft"]
        expired_sum, taken = -totals["expire"], -totals["take_back"]
        # On a chain terminal, pulls append `sync` corrections that bring lots to the server's figures.
        if granted - spent - expired_sum - taken + totals["sync"] != balances:
            problems.append(
                f"conservation fails: granted {granted} - spent {spent} - expired {expired_sum}"
                f" - taken back {taken} + sync {totals['sync']} != balances {balances}"
            )
        return VerifyReport(customers, lots, rows, granted, spent, expired_sum, taken, balances, tuple(problems))


def _stream(conn: Connection, query: str) -> Iterator[tuple[Any, ...]]:
    """Rows as plain tuples, fetched in batches (ints stay ints on every database)."""
    raw = sql.raw(conn)
    if raw is not None:
        cur = raw.execute(query)
        while batch := cur.fetchmany(20_000):
            yield from batch
        return
    from sqlalchemy import text

    result = conn.execution_options(stream_results=True).execute(text(query))
    for row in result:
        yield tuple(int(v) if isinstance(v, Decimal) else v for v in row)
