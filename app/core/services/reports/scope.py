"""The scope the reports read (a terminal's file or the chain server's database) and one report's question:
the filters as SQL conditions, the small helpers every statement shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    String,
    Table,
    bindparam,
    column,
    false,
    literal_column,
    select,
    table,
)

from app.core import repo
from app.core import schema as t
from app.core.program import Program
from app.core.services.reports.days import _Days
from app.core.services.reports.results import Filters, Period

# Ids bound per IN list of a report query: few statements, and far below SQLite's 32,766 parameters.
_ID_CHUNK = 5000

# Server-only tables, named here without importing the server: a terminal file has none of them.
_terminals = table("terminals", column("id", Integer), column("store_id", Integer), column("name", String))

_stores = table("stores", column("id", Integer), column("name", String))


def _placed(table: Table, name: str) -> ColumnElement[int]:
    """A server-only column of a ledger table (server schema 2): store_id or terminal_id of the booking push."""
    return literal_column(f"{table.name}.{name}", Integer)


def _bound(name: str) -> BindParameter[int]:
    """A parameter given at each run of a prepared statement (sql.prepared)."""
    return bindparam(name, type_=BigInteger, required=False)


def _int(value: Any) -> int:
    # PostgreSQL sums bigints as Decimal; SQLite gives int or None.
    return 0 if value is None else int(value)


class Scope(Enum):
    """What database the reports read: one terminal's file, or the chain server's (stores and tills on its rows)."""

    TERMINAL = "terminal"
    CHAIN = "chain"


def _place(conn: Connection, f: Filters, scope: Scope) -> str:
    """How a store/terminal filter applies to this database: not at all, to nothing, or per transaction."""
    if f.store is None and f.terminal is None:
        return "all"
    if scope is Scope.CHAIN:
        return "server"
    # A terminal file holds only its own sales: they all carry its own names, or none do.
    if f.store is not None and f.store != repo.get_meta(conn, "store_name"):
        return "none"
    if f.terminal is not None and f.terminal != repo.get_meta(conn, "terminal_name"):
        return "none"
    return "all"


@dataclass(frozen=True)
class _Ask:
    """One report's question: the period and filters, and what the reading works out from them once."""

    scope: Scope
    period: Period
    filters: Filters
    program: Program
    zone: ZoneInfo
    days: _Days  # local days of the period
    as_of: int  # min(end, now)
    place: str  # "all", "none" or "server": how the store/terminal filter applies


def _where_sales(s: _Ask) -> list[ColumnElement[bool]]:
    return [t.sales.c.at >= s.period.start, t.sales.c.at < s.period.end, *_kept_sales(s)]


def _kept_sales(s: _Ask) -> list[ColumnElement[bool]]:
    """What the filters ask of a sale besides its date (nothing without filters)."""
    conds: list[ColumnElement[bool]] = []
    if s.filters.cashier is not None:
        conds.append(t.sales.c.cashier == s.filters.cashier)
    conds += _where_place(s, t.sales)
    return conds


def _where_refunds(s: _Ask) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [t.refunds.c.at >= s.period.start, t.refunds.c.at < s.period.end]
    if s.filters.cashier is not None:
        # The refund's own cashier: the one who handed the money back from their drawer.
        conds.append(t.refunds.c.cashier == s.filters.cashier)
    conds += _where_place(s, t.refunds)
    return conds


def _where_place(s: _Ask, table: Table) -> list[ColumnElement[bool]]:
    f = s.filters
    if s.place == "all":
        return []
    if s.place == "none":
        return [false()]
    # The server wrote on each row the store and terminal that pushed it (server schema 2).
    conds: list[ColumnElement[bool]] = []
    if f.terminal is not None:
        conds.append(_placed(table, "terminal_id").in_(select(_terminals.c.id).where(_terminals.c.name == f.terminal)))
    if f.store is not None:
        conds.append(_placed(table, "store_id").in_(select(_stores.c.id).where(_stores.c.name == f.store)))
    return conds
