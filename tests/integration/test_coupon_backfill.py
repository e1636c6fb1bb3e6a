"""Schema v5's step on a real v4 store with coupon sales: each line's coupon share is replayed once, with the
program version the sale was priced with, and the reports give the figures the v4 release gave.

tests/fixtures/coupon-sales-v4.sqlite3 and its .json were made by the v4 release's code
(tests/fixtures/make_coupon_sales_v4.py): two program versions pricing the same codes differently, a free
stamp unit beside a coupon, a category coupon, an anonymous coupon sale, a coupon the basket cannot use, a
partial refund. The .json holds what that release's reports said; the upgraded file must say the same.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import bootstrap
from app.core import db
from app.core.clock import FixedClock
from app.core.services.reports import Period
from tests.conftest import FIXTURES

OLD = FIXTURES / "coupon-sales-v4.sqlite3"
ORACLE: dict[str, Any] = json.loads((FIXTURES / "coupon-sales-v4.json").read_text(encoding="utf-8"))


@pytest.fixture
def upgraded(tmp_path: Path, frozen_clock: FixedClock) -> Path:
    path = tmp_path / "store.sqlite3"
    shutil.copy(OLD, path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 4
    ctx = bootstrap(path, clock=frozen_clock)  # opening the file runs the v5 step
    assert db.schema_version(ctx.engine) == db.SCHEMA_VERSION
    assert ctx.verifier.verify().ok
    ctx.close()
    return path


def test_each_coupon_sale_stores_the_share_the_v4_reports_replayed(upgraded: Path) -> None:
    conn = sqlite3.connect(upgraded)
    try:
        stored = dict(
            conn.execute(
                "SELECT s.uid, SUM(l.coupon_discount) FROM sales s JOIN sale_lines l ON l.sale_id = s.id"
                " WHERE s.coupon IS NOT NULL GROUP BY s.uid"
            ).fetchall()
        )
        elsewhere = conn.execute(
            "SELECT count(*) FROM sale_lines l JOIN sales s ON s.id = l.sale_id"
            " WHERE l.coupon_discount != 0 AND (s.coupon IS NULL OR l.is_reward = 1)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert stored == ORACLE["sale_coupon_discount"]
    assert elsewhere == 0  # no share on a sale without a coupon, nor on a gift line
    # The second program version's codes gave more: the replay used each sale's own version.
    assert len(set(ORACLE["program_versions"])) == 2


def test_every_old_lines_stamp_rule_becomes_a_row(upgraded: Path) -> None:
    conn = sqlite3.connect(upgraded)
    try:
        old = conn.execute(
            "SELECT sale_id, idx, stamp_rule, stamps_given FROM sale_lines WHERE stamp_rule IS NOT NULL"
            " ORDER BY sale_id, idx"
        ).fetchall()
        rows = conn.execute(
            "SELECT sale_id, idx, rule_id, stamps FROM sale_line_stamps ORDER BY sale_id, idx"
        ).fetchall()
    finally:
        conn.close()
    assert rows == old and len(rows) >= 7


def test_the_upgraded_store_reports_what_the_v4_release_reported(upgraded: Path, frozen_clock: FixedClock) -> None:
    ctx = bootstrap(upgraded, clock=frozen_clock)
    start, end = ORACLE["period"]
    report = ctx.reports.report(Period(start, end))
    ctx.close()
    assert [[c.code, c.uses, c.discount] for c in report.coupons] == ORACLE["coupons"]
    assert report.payback.cost.coupons == ORACLE["payback_coupon_cost"]
    assert [[s.rule_id, s.completed] for s in report.stamps] == ORACLE["stamps"]


def test_a_step_that_fails_in_the_backfill_leaves_the_v4_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite3"
    shutil.copy(OLD, path)

    def fails(conn: Any) -> None:
        raise RuntimeError("power cut in the middle of the replay")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS[:4], db._step(db.migrations.V5, fails)])
    with pytest.raises(RuntimeError):
        bootstrap(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {r[1] for r in conn.execute("PRAGMA table_info(sale_lines)")}
    finally:
        conn.close()
    assert "sale_line_stamps" not in tables and "coupon_discount" not in columns
