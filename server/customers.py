"""A customer as the people who run the stores read them on the server: the real phone, within their stores.

A till pulls a phone only as the chain's keyed hash and its masked form (sync.md promise 10); an admin,
or a manager of a store that enrolled or served the customer, must be able to call the member back.
Used by `GET /v1/admin/customers/{who}` and `loyalty-server customer WHO` (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from app.core import ledger
from app.core import schema as t
from app.core.errors import NotFound
from app.core.identity import looks_like_phone, normalize_phone
from server import snapshots

__all__ = ["admin_view", "find"]


def find(conn: Connection, q: str) -> Any:
    """The customer (the one a merge kept) with this card or phone, or None."""
    row = conn.execute(
        select(t.customers).join(t.cards, t.cards.c.customer_id == t.customers.c.id).where(t.cards.c.code == q)
    ).first()
    if row is None and looks_like_phone(q):
        row = conn.execute(select(t.customers).where(t.customers.c.phone == normalize_phone(q))).first()
    return None if row is None else ledger.customer_by_uid(conn, row.uid)


def admin_view(engine: Engine, q: str, stores: frozenset[int] | None) -> dict[str, Any]:
    """The customer's snapshot with the phone itself (`phone`) beside the till's form (`phone_till`).

    stores: the stores a manager's login reads (None: an admin, every customer). A customer none of them
    enrolled, sold to or refunded is answered as unknown, so the view does not tell which phones the rest
    of the chain holds."""
    with engine.connect() as conn:
        row = find(conn, q)
        if row is None or (stores is not None and not _served_by(conn, int(row.id), stores)):
            raise NotFound(f"no customer with card or phone {q}")
        view = snapshots.customer_snapshot(conn, row)
        view["phone_till"] = view["phone"]  # what the tills hold: the keyed hash and the masked form
        view["phone"] = row.phone
        return view


def _served_by(conn: Connection, customer_id: int, stores: frozenset[int]) -> bool:
    """True when one of these stores enrolled the customer or sold to (or refunded) them."""
    if not stores:
        return False
    # The store columns exist on the server's ledger tables only (server/schema.py PLACE_COLUMNS): plain SQL.
    marks = ",".join(str(int(store)) for store in sorted(stores))  # integers from the session, not user text
    found = conn.exec_driver_sql(
        f"SELECT 1 FROM customers WHERE id = {int(customer_id)} AND store_id IN ({marks})"
        f" UNION ALL SELECT 1 FROM sales WHERE customer_id = {int(customer_id)} AND store_id IN ({marks})"
        f" UNION ALL SELECT 1 FROM refunds WHERE customer_id = {int(customer_id)} AND store_id IN ({marks})"
        " LIMIT 1"
    ).first()
    return found is not None
