"""A whole loyalty checkout from the keyboard alone, read back through the service afterwards."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core import db
from app.core.errors import StorageError
from app.core.services.results import SaleResult
from app.ui.main_window import MainWindow
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, priced, scan_with_wedge, type_slowly, when_dialog_opens


def test_the_whole_checkout_from_the_keyboard_ends_in_a_committed_sale(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    balance_before = store.customers.customer(demo_template.rich_card).available
    c = window.controller

    scan_with_wedge(demo_template.barcodes["CAP"])  # the barcode scanner, twice
    scan_with_wedge(demo_template.barcodes["CAP"])
    press(Qt.Key.Key_F3)
    type_slowly("круас")
    press(Qt.Key.Key_Return)  # the one match goes in
    qtbot.waitUntil(lambda: [(ln.sku, ln.qty) for ln in c.basket.lines] == [("CAP", 2), ("CRO", 1)])
    press(Qt.Key.Key_Plus)  # one more croissant
    press(Qt.Key.Key_F2)
    type_slowly(demo_template.rich_card)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.customer is not None and priced(window))
    press(Qt.Key.Key_F5)  # pay with as many points as allowed
    qtbot.waitUntil(lambda: priced(window) and c.result is not None and c.result.quote.redeemed_points > 0)
    press(Qt.Key.Key_F3)
    shown = c.result
    assert shown is not None

    def pay_by_card(dialog: QWidget) -> None:
        QTest.keyClick(dialog, Qt.Key.Key_Down)  # cash → card
        QTest.keyClick(dialog, Qt.Key.Key_Return)

    when_dialog_opens(pay_by_card)
    with qtbot.waitSignal(window.checkout.sale_committed, timeout=5000) as committed:
        press(Qt.Key.Key_F12)
    sale: SaleResult = committed.args[0]

    # The screen is ready for the next customer.
    qtbot.waitUntil(lambda: not c.basket.lines and c.customer is None)
    assert window.checkout.customer_panel.info is None
    assert window.checkout.product_field.hasFocus()
    assert str(sale.sale_id) in window.checkout.status.text()

    # What was committed is what the screen showed.
    lines = store.checkout.sale_lines(sale.sale_id or 0)
    assert [(ln["sku"], ln["qty"], ln["paid"]) for ln in lines] == [
        (ln.sku, ln.qty, ln.paid) for ln in shown.quote.lines
    ]
    assert [(ln["sku"], ln["qty"]) for ln in lines] == [("CAP", 2), ("CRO", 2)]
    assert sale.quote.total == shown.quote.total
    assert sale.quote.redeemed_points == shown.quote.redeemed_points > 0
    after = store.customers.customer(demo_template.rich_card)
    assert after.available == balance_before - sale.quote.redeemed_points + sale.quote.earned
    with store.engine.connect() as conn:
        payment = conn.exec_driver_sql("select payment from sales where id = ?", (sale.sale_id,)).scalar()
    assert payment == "card"


def test_enter_on_the_pay_button_pays(qtbot: QtBot, window: MainWindow, store: Context) -> None:
    window.controller.add_code("TEA")
    qtbot.waitUntil(lambda: priced(window))
    window.checkout.pay_button.setFocus()
    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Return))
    with qtbot.waitSignal(window.checkout.sale_committed, timeout=5000) as committed:
        press(Qt.Key.Key_Return)
    sale_id = committed.args[0].sale_id
    assert [ln["sku"] for ln in store.checkout.sale_lines(sale_id)] == ["TEA"]


def test_a_printer_failure_keeps_the_sale(qtbot: QtBot, window: MainWindow, store: Context) -> None:
    def jammed(_result: SaleResult) -> None:
        raise OSError("paper jam")

    window.after_sale = jammed
    window.controller.add_code("TEA")
    qtbot.waitUntil(lambda: priced(window))
    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Return))
    with qtbot.waitSignal(window.checkout.sale_committed, timeout=5000) as committed:
        press(Qt.Key.Key_F12)
    sale_id = committed.args[0].sale_id
    assert "paper jam" in window.checkout.status.text()
    assert str(sale_id) in window.checkout.status.text()
    assert store.checkout.sale_lines(sale_id)[0]["sku"] == "TEA"


def test_the_printing_hook_gets_every_committed_sale(qtbot: QtBot, window: MainWindow) -> None:
    printed: list[int | None] = []
    window.after_sale = lambda result: printed.append(result.sale_id)
    window.controller.add_code("TEA")
    qtbot.waitUntil(lambda: priced(window))
    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Return))
    with qtbot.waitSignal(window.checkout.sale_committed, timeout=5000) as committed:
        press(Qt.Key.Key_F12)
    assert printed == [committed.args[0].sale_id]


def test_going_back_from_the_pay_dialog_sells_nothing(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("TEA")
    qtbot.waitUntil(lambda: priced(window))
    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Escape))
    with qtbot.assertNotEmitted(window.checkout.sale_committed, wait=200):
        press(Qt.Key.Key_F12)
    assert [ln.sku for ln in window.controller.basket.lines] == ["TEA"]


def test_a_full_disk_refuses_the_payment_in_plain_words_and_keeps_the_basket(
    qtbot: QtBot, window: MainWindow, store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The core's own answer to SQLite's SQLITE_FULL (tests/integration/test_storage.py fills a real file);
    # here it comes once, as it would from a disk that filled up during the shift.
    code, params = db._storage_reason(sqlite3.OperationalError("database or disk is full"))
    full = StorageError(code, **params)
    real_sell = store.checkout.sell
    attempts: list[object] = []

    def sell_on_a_full_disk(req: object, *, actor: str) -> SaleResult:
        attempts.append(req)
        if len(attempts) == 1:
            raise full
        return real_sell(req, actor=actor)  # type: ignore[arg-type]

    monkeypatch.setattr(store.checkout, "sell", sell_on_a_full_disk)
    window.controller.add_code("TEA")
    window.controller.add_code("ESP")
    qtbot.waitUntil(lambda: priced(window) and window.checkout.model.rowCount() == 2)
    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Return))
    press(Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: "Диск заполнен" in window.checkout.status.text(), timeout=10_000)
    assert window.checkout.model.rowCount() == 2  # nothing to scan again

    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Return))
    with qtbot.waitSignal(window.checkout.sale_committed, timeout=10_000) as committed:
        press(Qt.Key.Key_F12)
    assert [ln["sku"] for ln in store.checkout.sale_lines(committed.args[0].sale_id)] == ["TEA", "ESP"]
    assert len(attempts) == 2 and store.verifier.verify().ok


def test_a_sale_is_audited_under_the_signed_in_cashier_with_the_sale(
    qtbot: QtBot, window: MainWindow, store: Context
) -> None:
    window.set_cashier("Ирина", "cashier")
    window.controller.add_code("TEA")
    qtbot.waitUntil(lambda: priced(window) and window.checkout.model.rowCount() == 1)
    when_dialog_opens(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Return))
    with qtbot.waitSignal(window.checkout.sale_committed, timeout=10_000) as committed:
        press(Qt.Key.Key_F12)
    sale: SaleResult = committed.args[0]
    row = store.staff.audit_log(1)[0]
    assert (row.actor, row.action) == ("Ирина", "sale")
    assert row.params == {"sale": sale.sale_id, "total_kopecks": sale.quote.total}
