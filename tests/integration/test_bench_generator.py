"""The benchmark store generator writes what the services would: verify() is ok, counts add up."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from app.bootstrap import bootstrap
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.timeutil import DAY_MS, now_ms
from bench.gen_store import KNOWN_OPEN_LOTS, GenStats, generate

END = (now_ms() // DAY_MS - 1) * DAY_MS  # one fixed instant for the whole module, in the past


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenStats]:
    """200 customers, 2,000 sales; every fast-priced sale is checked against pricing.price."""
    path = tmp_path_factory.mktemp("store") / "store.sqlite3"
    return path, generate(path, customers=200, sales=2_000, seed=3, end=END, check_every=1)


def _one(conn: sqlite3.Connection, sql: str, *args: object) -> int:
    return int(conn.execute(sql, args).fetchone()[0])


def test_generated_store_passes_verify(tiny: tuple[Path, GenStats]) -> None:
    path, stats = tiny
    ctx = bootstrap(path)
    try:
        report = ctx.verifier.verify()
    finally:
        ctx.close()
    assert report.ok, report.problems[:5]
    assert report.customers == 200
    assert report.journal_rows == stats.journal
    assert report.lots == stats.lots
    assert report.expired > 0 and report.spent > 0  # some lots were spent, some expired with their rows


def test_generated_counts_are_right(tiny: tuple[Path, GenStats]) -> None:
    path, stats = tiny
    conn = sqlite3.connect(path)
    try:
        assert stats.customers == _one(conn, "SELECT count(*) FROM customers") == 200
        assert _one(conn, "SELECT count(*) FROM cards") == 200
        assert _one(conn, "SELECT count(DISTINCT phone) FROM customers") == 200
        assert stats.sales == _one(conn, "SELECT count(*) FROM sales") == 2_000
        assert stats.sale_lines == _one(conn, "SELECT count(*) FROM sale_lines")
        assert stats.refunds == _one(conn, "SELECT count(*) FROM refunds") > 0
        assert stats.outbox == _one(conn, "SELECT count(*) FROM outbox WHERE kind IN ('sale', 'enroll', 'refund')")
        # Each receipt total is the sum of its lines; each earned lot holds what its sale earned.
        assert _one(conn, "SELECT count(*) FROM sales s WHERE total != "
                    "(SELECT sum(paid) FROM sale_lines l WHERE l.sale_id = s.id)") == 0  # fmt: skip
        assert _one(conn, "SELECT count(*) FROM sales s JOIN lots l ON l.uid = s.earned_lot_uid "
                    "WHERE l.points != s.earned OR l.customer_id != s.customer_id") == 0  # fmt: skip
        assert _one(conn, "SELECT count(*) FROM lots WHERE customer_id = 1 AND remaining > 0") == KNOWN_OPEN_LOTS
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert _one(conn, "SELECT max(at) FROM sales") <= END
    finally:
        conn.close()


def test_services_keep_working_on_the_generated_store(tiny: tuple[Path, GenStats], tmp_path: Path) -> None:
    source, stats = tiny
    path = tmp_path / "copy.sqlite3"
    path.write_bytes(source.read_bytes())
    ctx = bootstrap(path)
    try:
        assert ctx.customers.customer(stats.known_card).customer_id == 1
        lines = tuple(ctx.catalog.resolve_line(sku, 1) for sku in ("CAP", "CRO"))
        sale = ctx.checkout.sell(SaleRequest(lines=lines, card="2990000000026", redeem="max"), actor=SYSTEM)
        ctx.checkout.refund(sale.sale_id, actor=SYSTEM)
        report = ctx.verifier.verify()
    finally:
        ctx.close()
    assert report.ok, report.problems[:5]


def _digest(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        h = hashlib.sha256()
        for table in ("customers", "sales", "sale_lines", "lots", "journal"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        conn.close()


def test_same_seed_same_store(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    generate(a, customers=50, sales=600, seed=5, end=END)
    generate(b, customers=50, sales=600, seed=5, end=END)
    assert _digest(a) == _digest(b)
