"""Printing never loses a sale: failures say why, reprint works once the printer is fixed."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.services.results import SaleRequest
from app.receipts.model import Receipt
from app.receipts.printers import (
    EscposNetworkPrinter,
    EscposUsbPrinter,
    PdfFolderPrinter,
    ReceiptPrinter,
)
from app.ui.pin_dialog import PinDialog
from app.ui.printing import PrintService, QtSystemPrinter, printer_from_setting
from app.ui.refund_dialog import RefundDialog
from app.ui.worker import Worker
from tests.ui.test_refund_ui import Shop, build_shop, manager_pin


def closed_port() -> int:
    """A local TCP port with nothing listening: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    built = build_shop(tmp_path)
    yield built
    built.ctx.close()


@pytest.fixture
def services(db_worker: Worker, shop: Shop) -> Iterator[list[PrintService]]:
    """Print services made by a test, stopped after it."""
    made: list[PrintService] = []
    yield made
    for service in made:
        service.stop()


def make(services: list[PrintService], db_worker: Worker, shop: Shop, printer: ReceiptPrinter) -> PrintService:
    service = PrintService(db_worker, shop.ctx.receipts, printer)
    services.append(service)
    return service


def _sale_count(shop: Shop) -> int:
    with sqlite3.connect(shop.ctx.db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])


def test_unreachable_escpos_printer_shows_a_message_and_the_sale_stays(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService], tmp_path: Path
) -> None:
    printing = make(services, db_worker, shop, EscposNetworkPrinter("127.0.0.1", closed_port(), timeout=2))
    with qtbot.waitSignal(printing.failed, timeout=10_000) as failed:
        printing.after_sale(shop.sale)
    assert "not printed" in failed.args[0] and "sale is saved" in failed.args[0]
    assert printing.message_box is not None and printing.message_box.isVisible()
    assert "refused the connection" in printing.message_box.text()
    assert _sale_count(shop) == 1

    # The printer is fixed (here: another printer is configured): reprint prints the same receipt.
    printing.set_printer(PdfFolderPrinter(tmp_path / "fixed"))
    with qtbot.waitSignal(printing.printed, timeout=10_000) as printed:
        assert printing.reprint_last()
    assert isinstance(printed.args[0], Receipt) and printed.args[0].number == 1
    assert len(list((tmp_path / "fixed").glob("sale-1-*.pdf"))) == 1
    assert printing.last_error is None and not printing.message_box.isVisible()


def test_pdf_folder_that_cannot_be_written_shows_a_message_and_reprint_works_later(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService], tmp_path: Path
) -> None:
    # Tests run as root, for whom chmod does not make a folder read-only; a file standing
    # where the folder should be fails the same way for everyone.
    blocked = tmp_path / "receipts"
    blocked.write_text("not a folder")
    printing = make(services, db_worker, shop, PdfFolderPrinter(blocked))
    with qtbot.waitSignal(printing.failed, timeout=10_000) as failed:
        printing.print_sale(1)
    assert "Cannot save receipt PDF" in failed.args[0]
    blocked.unlink()  # the cashier fixes the folder
    with qtbot.waitSignal(printing.printed, timeout=10_000):
        printing.reprint_last()
    assert len(list(blocked.glob("sale-1-*.pdf"))) == 1


def test_refund_is_committed_even_when_its_receipt_fails_to_print(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    printing = make(services, db_worker, shop, EscposNetworkPrinter("127.0.0.1", closed_port(), timeout=2))
    monkeypatch.setattr(PinDialog, "ask", manager_pin(shop, "9999"))
    dialog = RefundDialog(
        shop.ctx.checkout, shop.staff, db_worker, "Иван", printing, sale_id=1, receipts=shop.ctx.receipts
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.confirm.isEnabled())
    with qtbot.waitSignal(printing.failed, timeout=10_000):
        dialog.submit()
    assert shop.ctx.checkout.sale_lines(1)[0]["refundable"] == 0  # the whole sale came back
    printing.set_printer(PdfFolderPrinter(tmp_path / "fixed"))
    with qtbot.waitSignal(printing.printed, timeout=10_000) as printed:
        printing.reprint_last()
    assert printed.args[0].kind == "refund"


def test_reprint_with_nothing_printed_yet_says_so(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService], tmp_path: Path
) -> None:
    printing = make(services, db_worker, shop, PdfFolderPrinter(tmp_path))
    printing.show_messages = False
    with qtbot.waitSignal(printing.failed) as failed:
        assert not printing.reprint_last()
    assert "no receipt to reprint" in failed.args[0]


class SlowPrinter:
    """A printer stuck until released, like one waiting for its paper cover to close."""

    name = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.printed: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> None:
        self.release.wait(20)
        self.printed.append(receipt)


def test_a_stuck_printer_does_not_hold_up_the_next_sale(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService]
) -> None:
    printer = SlowPrinter()
    printing = make(services, db_worker, shop, printer)
    printing.after_sale(shop.sale)
    qtbot.waitUntil(lambda: printing.last is not None)  # built; now stuck in the printer
    done: list[object] = []
    db_worker.run(
        shop.ctx.checkout.sell,
        SaleRequest((shop.ctx.catalog.resolve_line("CAP", 1),)),
        actor="Ольга",
        on_done=done.append,
    )
    qtbot.waitUntil(lambda: bool(done))
    assert printing.busy() and not printer.printed
    with qtbot.waitSignal(printing.printed, timeout=10_000):
        printer.release.set()


def test_system_printer_draws_a_receipt_whose_barcode_scans(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService], tmp_path: Path
) -> None:
    out = tmp_path / "system.pdf"
    printing = make(services, db_worker, shop, QtSystemPrinter(output_pdf=str(out)))
    with qtbot.waitSignal(printing.printed, timeout=20_000):
        printing.print_sale(1)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(out), str(tmp_path / "p")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == 1
    image = np.asarray(Image.open(pages[0]).convert("L"))
    assert (image < 128).sum() > 5000
    codes = [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "Code128"]
    assert codes == ["R000001"]


def test_system_printer_that_does_not_exist_is_a_print_error(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService]
) -> None:
    printing = make(services, db_worker, shop, QtSystemPrinter("No Such Printer"))
    printing.show_messages = False
    with qtbot.waitSignal(printing.failed, timeout=10_000) as failed:
        printing.print_sale(1)
    assert "No Such Printer" in failed.args[0]


def test_printer_settings_name_each_kind_of_printer(tmp_path: Path) -> None:
    default = printer_from_setting("", tmp_path)
    assert isinstance(default, PdfFolderPrinter) and default.folder == tmp_path / "receipts"
    narrow = printer_from_setting("pdf58:/srv/r", tmp_path)
    assert isinstance(narrow, PdfFolderPrinter) and narrow.paper == "58mm"
    net = printer_from_setting("escpos-net:192.168.1.50", tmp_path)
    assert isinstance(net, EscposNetworkPrinter) and (net.host, net.port) == ("192.168.1.50", 9100)
    usb = printer_from_setting("escpos-usb:0416:5011", tmp_path)
    assert isinstance(usb, EscposUsbPrinter) and (usb.vendor_id, usb.product_id) == (0x0416, 0x5011)
    system = printer_from_setting("system:TM-T20", tmp_path)
    assert isinstance(system, QtSystemPrinter) and system.printer_name == "TM-T20"
    with pytest.raises(ValueError):
        printer_from_setting("fax:123", tmp_path)


def test_the_message_reprint_button_prints_once_the_printer_is_fixed(
    qtbot: QtBot, shop: Shop, db_worker: Worker, services: list[PrintService], tmp_path: Path
) -> None:
    printing = make(services, db_worker, shop, EscposNetworkPrinter("127.0.0.1", closed_port(), timeout=2))
    with qtbot.waitSignal(printing.failed, timeout=10_000):
        printing.print_sale(1)
    box = printing.message_box
    assert box is not None and box.windowModality() == Qt.WindowModality.NonModal  # selling goes on
    (reprint,) = [b for b in box.buttons() if b.text() == "Reprint"]
    printing.set_printer(PdfFolderPrinter(tmp_path / "fixed"))
    with qtbot.waitSignal(printing.printed, timeout=10_000):
        qtbot.mouseClick(reprint, Qt.MouseButton.LeftButton)
    assert len(list((tmp_path / "fixed").glob("sale-1-*.pdf"))) == 1


def test_a_refused_printer_is_said_in_russian(
    qtbot: QtBot, qapp: object, shop: Shop, db_worker: Worker, services: list[PrintService]
) -> None:
    """Worded by its code: no «Printer 127.0.0.1:9 refused the connection» on a Russian till."""
    from PySide6.QtWidgets import QApplication

    from app.ui import i18n

    assert isinstance(qapp, QApplication)
    i18n.install(qapp, "ru")
    port = closed_port()
    printing = make(services, db_worker, shop, EscposNetworkPrinter("127.0.0.1", port, timeout=2))
    printing.show_messages = False
    with qtbot.waitSignal(printing.failed, timeout=10_000) as failed:
        printing.after_sale(shop.sale)
    text = failed.args[0]
    assert f"Принтер 127.0.0.1:{port} отклонил подключение" in text, text
    assert "refused" not in text and "Printer" not in text
