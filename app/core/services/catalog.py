"""The product catalog at the till: imported from CSV, searched, and turned into basket lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from app.core import db, repo, wire
from app.core import schema as t
from app.core.catalog import parse_catalog_csv, store_products
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import LoyaltyError, NotFound
from app.core.identity import ascii_digits, to_gtin13
from app.core.ids import uuid7
from app.core.pricing import LineIn
from app.core.services.support import Ids, check_actor, write_audit

__all__ = ["CatalogService"]


def product_row(conn: Connection, code: str) -> dict[str, Any]:
    """One product by sku or barcode; NotFound otherwise."""
    row = conn.execute(select(t.products).where(t.products.c.sku == code)).first()
    if row is None and ascii_digits(code):
        row = conn.execute(select(t.products).where(t.products.c.barcode == to_gtin13(code))).first()
    if row is None:
        raise NotFound("unknown_product", sku=code)
    return {"sku": row.sku, "name": row.name, "category": row.category, "price": row.price}


class CatalogService:
    """Products: an import stores the whole file, queues it for the server and audits it, or writes nothing."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK, *, ids: Ids = uuid7) -> None:
        self.engine = engine
        self.clock = clock
        self.ids = ids

    def import_catalog(self, text: str, *, actor: str) -> int:
        """Upsert products from CSV `sku,name,category,price,barcode`; any bad row refuses the whole file."""
        actor = check_actor(actor)
        products = parse_catalog_csv(text)
        with db.transaction(self.engine) as conn:
            store_products(conn, products)
            outgoing: wire.CatalogBody = {"products": products}
            repo.write_outbox(conn, self.ids(), "catalog", outgoing)
            write_audit(conn, self.clock, actor, "catalog_imported", {"products": len(products)})
        return len(products)

    def catalog(self, query: str = "", limit: int = 1000) -> list[dict[str, Any]]:
        """Products, optionally those whose sku, barcode or name contains the query."""
        stmt = select(t.products).order_by(t.products.c.sku).limit(limit)
        if query:
            q = query.strip()
            stmt = stmt.where(
                t.products.c.name_search.contains(q.casefold(), autoescape=True)
                | (t.products.c.sku == q)
                | (t.products.c.barcode == to_gtin13(q))
            )
        with db.transaction(self.engine, write=False) as conn:
            return [
                {"sku": r.sku, "name": r.name, "category": r.category, "price": r.price, "barcode": r.barcode}
                for r in conn.execute(stmt)
            ]

    def product(self, code: str) -> dict[str, Any]:
        """One product by sku or barcode; NotFound otherwise."""
        with db.transaction(self.engine, write=False) as conn:
            return product_row(conn, code)

    def resolve_line(self, sku: str, qty: int, unit_price: int | None = None, category: str | None = None) -> LineIn:
        """A catalog product (or a free-price item when price and category are given) as a basket line."""
        if qty < 1:
            raise LoyaltyError("qty_min", sku=sku)
        if unit_price is not None and category is not None:
            if unit_price < 0:
                raise LoyaltyError("price_negative", sku=sku)
            return LineIn(sku, sku, category, qty, unit_price)
        p = self.product(sku)
        return LineIn(p["sku"], p["name"], p["category"], qty, p["price"])
