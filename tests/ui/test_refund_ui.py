"""The refund dialog driven by keys: scan, choose units, manager PIN, commit, refund receipt."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.bootstrap import Context, bootstrap
from app.core.services.results import SaleRequest, SaleResult
from app.core.services.staff import Cashier, StaffService
from app.core.services.support import SYSTEM
from app.receipts.printers import PdfFolderPrinter, ReceiptPrinter
from app.ui.pin_dialog import PinDialog, Refused, staff_reason
from app.ui.printing import PrintService
from app.ui.refund_dialog import RefundDialog, parse_sale_code
from app.ui.worker import Worker
from tests.integration.test_staff import CATALOG, FAST, PROGRAM


@dataclass
class Shop:
    """A store with manager Ольга (9999), cashier Иван (1234) and sale 1 on Анна's card."""

    ctx: Context
    staff: StaffService
    sale: SaleResult


def build_shop(tmp_path: Path) -> Shop:
    """Build the store of these tests in a real SQLite file; close shop.ctx afterwards."""
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    ctx.store.init(PROGRAM)
    ctx.catalog.import_catalog(CATALOG, actor=SYSTEM)
    staff = StaffService(ctx.engine, FAST)
    staff.create_first_manager("Ольга", "9999")
    staff.add_cashier("Иван", "1234", actor="Ольга")
    anna = ctx.customers.enroll("Анна Иванова", "+79160000001", actor=SYSTEM).card
    # 2 × 180.00 coffee + 150.00 croissant, no points redeemed: lines paid 360.00 and 150.00.
    sale = ctx.checkout.sell(
        SaleRequest(
            (ctx.catalog.resolve_line("CAP", 2), ctx.catalog.resolve_line("CRO", 1)), card=anna, cashier="Иван"
        ),
        actor=SYSTEM,
    )
    assert sale.sale_id == 1
    return Shop(ctx, staff, sale)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    built = build_shop(tmp_path)
    yield built
    built.ctx.close()


def make_printing(db_worker: Worker, shop: Shop, printer: ReceiptPrinter) -> PrintService:
    printing = PrintService(db_worker, shop.ctx.receipts, printer)
    printing.show_messages = False
    return printing


@pytest.fixture
def pdf_folder(tmp_path: Path) -> Path:
    return tmp_path / "receipts"


@pytest.fixture
def printing(db_worker: Worker, shop: Shop, pdf_folder: Path) -> Iterator[PrintService]:
    service = make_printing(db_worker, shop, PdfFolderPrinter(pdf_folder))
    yield service
    service.stop()


def manager_pin(shop: Shop, pin: str) -> Any:
    """A replacement for PinDialog.ask that "types" this PIN and checks it like the dialog."""

    def ask(self: PinDialog) -> Cashier | None:
        return shop.staff.check_manager_pin(pin)

    return ask


def _rows(shop: Shop, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(shop.ctx.db_path) as conn:
        return conn.execute(sql).fetchall()


def _open(qtbot: QtBot, shop: Shop, db_worker: Worker, printing: PrintService | None) -> RefundDialog:
    dialog = RefundDialog(shop.ctx.checkout, shop.staff, db_worker, "Иван", printing, receipts=shop.ctx.receipts)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _scan(qtbot: QtBot, dialog: RefundDialog, text: str) -> None:
    qtbot.keyClicks(dialog.code, text)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)


def _ink(png: Path) -> int:
    return int((np.asarray(Image.open(png).convert("L")) < 128).sum())


def test_refund_by_scanned_receipt_commits_and_prints_a_refund_receipt(
    qtbot: QtBot, shop: Shop, db_worker: Worker, printing: PrintService, pdf_folder: Path,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.setattr(PinDialog, "ask", manager_pin(shop, "9999"))
    dialog = _open(qtbot, shop, db_worker, printing)
    _scan(qtbot, dialog, "R000001")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    # Everything that remains is preselected; give back one coffee and keep the croissant.
    qtbot.keyClick(dialog.spin(0), Qt.Key.Key_Down)
    qtbot.keyClick(dialog.spin(1), Qt.Key.Key_Down)
    assert dialog.units() == {0: 1}
    assert "180,00" in dialog.total.text()
    with qtbot.waitSignal(dialog.refunded, timeout=10_000) as refunded:
        qtbot.keyClick(dialog.confirm, Qt.Key.Key_Space)
    result = refunded.args[0]
    assert result.money_back == 18000
    assert _rows(shop, "SELECT sale_id, money_back, cashier FROM refunds") == [(1, 18000, "Иван")]
    assert _rows(shop, "SELECT idx, qty FROM refund_lines") == [(0, 1)]
    qtbot.waitUntil(lambda: any(e.action == "refund" for e in shop.staff.audit_log()))
    assert shop.staff.audit_log()[0].actor == "Ольга"

    qtbot.waitUntil(lambda: len(list(pdf_folder.glob("refund-*.pdf"))) == 1, timeout=10_000)
    pdf = next(pdf_folder.glob("refund-*.pdf"))
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and _ink(pages[0]) > 1000
    # The table now shows what is left to give back.
    qtbot.waitUntil(lambda: dialog.spin(0).maximum() == 1)


def test_cashier_pin_does_not_refund(
    qtbot: QtBot, shop: Shop, db_worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PinDialog, "ask", lambda self: None)  # the dialog refused Иван's PIN
    dialog = _open(qtbot, shop, db_worker, None)
    _scan(qtbot, dialog, "R000001")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Space)
    assert "a manager did not approve" in dialog.status.text()
    assert _rows(shop, "SELECT count(*) FROM refunds") == [(0,)]


def test_pin_dialog_refuses_a_cashier_pin_as_a_wrong_manager_pin(qtbot: QtBot, shop: Shop, db_worker: Worker) -> None:
    pin = PinDialog(shop.staff, db_worker, "Refund of sale No. 1")
    qtbot.addWidget(pin)
    pin.show()
    qtbot.keyClicks(pin.pin, "1234")
    qtbot.keyClick(pin.pin, Qt.Key.Key_Return)
    # Not "this is a cashier's PIN": that would confirm to whoever typed it that 1234 is someone's PIN.
    wrong = staff_reason(Refused("wrong_manager_pin", ""), manager=True)
    qtbot.waitUntil(lambda: pin.status.text() == wrong)
    assert pin.approved is None and pin.pin.text() == ""


def test_pin_dialog_approves_with_a_manager_pin(qtbot: QtBot, shop: Shop, db_worker: Worker) -> None:
    pin = PinDialog(shop.staff, db_worker, "Refund of sale No. 1")
    qtbot.addWidget(pin)
    pin.show()
    with qtbot.waitSignal(pin.accepted, timeout=10_000):
        qtbot.keyClicks(pin.pin, "9999")
        qtbot.keyClick(pin.pin, Qt.Key.Key_Return)
    assert pin.approved is not None and pin.approved.name == "Ольга"


def test_unknown_sale_number_is_refused_in_plain_words(qtbot: QtBot, shop: Shop, db_worker: Worker) -> None:
    dialog = _open(qtbot, shop, db_worker, None)
    _scan(qtbot, dialog, "R000077")
    qtbot.waitUntil(lambda: "There is no sale No. 77" in dialog.status.text())
    assert dialog.table.rowCount() == 0 and not dialog.confirm.isEnabled()


def test_text_that_is_not_a_receipt_is_refused(qtbot: QtBot, shop: Shop, db_worker: Worker) -> None:
    dialog = _open(qtbot, shop, db_worker, None)
    _scan(qtbot, dialog, "hello")
    assert "not a receipt barcode" in dialog.status.text()


def test_fully_refunded_sale_offers_nothing(qtbot: QtBot, shop: Shop, db_worker: Worker) -> None:
    shop.ctx.checkout.refund(1, actor=SYSTEM)
    dialog = _open(qtbot, shop, db_worker, None)
    _scan(qtbot, dialog, "1")
    qtbot.waitUntil(lambda: "refunded in full" in dialog.status.text())
    assert not dialog.confirm.isEnabled()


def test_dialog_opened_with_a_sale_id_loads_it(qtbot: QtBot, shop: Shop, db_worker: Worker) -> None:
    dialog = RefundDialog(shop.ctx.checkout, shop.staff, db_worker, "Иван", None, sale_id=1, receipts=shop.ctx.receipts)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    assert "Sale No. 1" in dialog.header.text()


@pytest.mark.parametrize(
    ("text", "sale_id"),
    [("R000123", 123), ("К000123", 123), ("r42", 42), (" 17 ", 17), ("R000000", None), ("abc", None), ("", None)],
)
def test_sale_codes_read_from_barcode_or_number(text: str, sale_id: int | None) -> None:
    assert parse_sale_code(text) == sale_id


def test_refund_refused_by_the_core_is_explained_and_the_table_reloads(
    qtbot: QtBot, shop: Shop, db_worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PinDialog, "ask", manager_pin(shop, "9999"))
    dialog = _open(qtbot, shop, db_worker, None)
    _scan(qtbot, dialog, "R000001")
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    shop.ctx.checkout.refund(1, actor=SYSTEM)  # meanwhile, another till gives everything back
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Space)
    # The table reloads with the truth (nothing is left to give back); the refusal stays first.
    qtbot.waitUntil(lambda: "Sale No. 1 has already been refunded in full" in dialog.status.text())
    assert dialog.status.text().startswith("Not refunded: Some of these items were given back meanwhile")
    assert not dialog.confirm.isEnabled()
    assert _rows(shop, "SELECT count(*) FROM refunds") == [(1,)]
