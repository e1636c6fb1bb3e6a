"""The ATOL tasks of the worked examples' sales and refunds (points, coupons, gifts, refunds), against golden JSON.

Each sale and refund of tests/fixtures/worked-examples.json, mapped to its FiscalDocument as
tests/unit/test_fiscal_map.py maps it, becomes the `sell` / `sellReturn` task app.fiscal.atol.document_task
sends. The tasks are kept in tests/golden/atol_worked_examples.json with their roubles written to the kopeck
(regenerate: `.venv/bin/python -m tests.golden atol_worked_examples`), and in each one the positions' amounts,
the payments and the money the example says was paid (or given back) are the same sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.fiscal.atol import document_task, dumps, loads, roubles
from tests import golden
from tests.unit.test_fiscal_map import worked_documents

NAME = "atol_worked_examples"


def _tasks() -> dict[str, Any]:
    return {uid: document_task(doc) for uid, (doc, _paid) in worked_documents().items()}


def record(_tmp: Path) -> Mapping[str, Any]:
    """The golden file's cases (tests.golden): each worked sale's or refund's ATOL task."""
    return _tasks()


def test_the_worked_examples_give_the_golden_tasks() -> None:
    """Every worked sale and refund gives exactly its golden task, roubles to the kopeck."""
    expected = golden.load(NAME)
    tasks = _tasks()
    assert sorted(tasks) == sorted(expected)
    for uid, task in tasks.items():
        # Through the driver's own JSON text and back: what goes on the wire, read as exact Decimals.
        assert loads(dumps(task)) == expected[uid], uid


def test_the_golden_file_covers_sales_and_refunds() -> None:
    """Both kinds of receipt are in the golden file, written from the tasks without loss."""
    expected = golden.load(NAME)
    assert {t["type"] for t in expected.values()} == {"sell", "sellReturn"}
    text = golden.path_of(NAME).read_text(encoding="utf-8")
    assert golden.dumps(golden.encode(_tasks())) + "\n" == text


@pytest.mark.parametrize("uid", sorted(worked_documents()))
def test_positions_payments_and_money_paid_are_one_sum(uid: str) -> None:
    """In each golden task the positions add up to the payments, and both to the money the example paid."""
    task = golden.load(NAME)[uid]
    _doc, paid = worked_documents()[uid]
    items = sum((Decimal(i["amount"]) for i in task["items"]), Decimal(0))
    payments = sum((Decimal(p["sum"]) for p in task["payments"]), Decimal(0))
    assert items == payments == roubles(paid)
    for item in task["items"]:
        assert Decimal(item["amount"]) <= Decimal(item["price"]) * item["quantity"]
