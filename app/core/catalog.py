"""The catalog as data: products parsed from a CSV file, and stored by sku and barcode.

The terminal's catalog service, the central server and the sync replica all store products
with these two functions, so a file refused on one is refused on every one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert

from app.core import schema as t
from app.core import wire
from app.core.errors import LoyaltyError
from app.core.identity import ascii_digits, gtin_valid, to_gtin13
from app.core.money import parse_roubles

__all__ = ["parse_catalog_csv", "store_products"]


def parse_catalog_csv(text: str) -> list[wire.Product]:
    """Products from CSV `sku,name,category,price,barcode` (price in roubles); errors name their lines."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    # A spreadsheet saved in a Russian locale separates fields with ';' (the decimal comma
    # takes ','); the header says which one this file uses.
    delimiter = ";" if first.count(";") >= 3 and first.count(",") == 0 else ","
    try:
        # newline="": the csv module then reads \r, \n and \r\n line ends itself, as its docs require.
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise LoyaltyError("csv_invalid", detail=str(exc)) from None
    if not rows or [h.strip().lower() for h in rows[0]][:4] != ["sku", "name", "category", "price"]:
        raise LoyaltyError("csv_header")
    products: dict[str, wire.Product] = {}
    errors: list[str] = []
    barcodes: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) not in (4, 5):
            errors.append(f"line {number}: expected 5 columns, got {len(row)}")
            continue
        sku, name, category, price_text = (cell.strip() for cell in row[:4])
        barcode = row[4].strip() if len(row) == 5 else ""
        if not sku or ":" in sku:
            errors.append(f"line {number}: sku must be non-empty and without ':'")
            continue
        if not name or not category:
            errors.append(f"line {number}: name and category must not be empty")
            continue
        try:
            kopecks = parse_roubles(price_text)
        except ValueError as exc:
            errors.append(f"line {number}: price {exc}")
            continue
        if barcode:
            if ascii_digits(barcode) and not gtin_valid(barcode):
                errors.append(f"line {number}: barcode {barcode} fails its check digit")
                continue
            barcode = to_gtin13(barcode)
            if barcode in barcodes:
                errors.append(f"line {number}: barcode {barcode} is also on line {barcodes[barcode]}")
                continue
            barcodes[barcode] = number
        if sku in products:
            errors.append(f"line {number}: sku {sku} appears twice")
            continue
        products[sku] = {
            "sku": sku,
            "name": name,
            "category": category,
            "price": kopecks,
            "barcode": barcode or None,
            "name_search": name.casefold(),
        }
    if errors:
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise LoyaltyError("csv_lines", lines="; ".join(errors[:20]) + more)
    return list(products.values())


def store_products(conn: Connection, products: Sequence[Mapping[str, Any]]) -> None:
    """Replace these products (by sku, and any other product holding one of their barcodes)."""
    skus = [p["sku"] for p in products]
    codes = [p["barcode"] for p in products if p.get("barcode")]
    for chunk in range(0, len(skus), 500):
        conn.execute(delete(t.products).where(t.products.c.sku.in_(skus[chunk : chunk + 500])))
    for chunk in range(0, len(codes), 500):
        conn.execute(delete(t.products).where(t.products.c.barcode.in_(codes[chunk : chunk + 500])))
    if products:
        rows = [{**p, "name_search": p.get("name_search") or str(p["name"]).casefold()} for p in products]
        conn.execute(insert(t.products), rows)
