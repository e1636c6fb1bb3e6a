"""Printing receipts without ever holding up the till.

The sale is committed before anything is printed. Receipts are built from the database
on the database worker and printed on a print worker of their own, so a slow or jammed
printer never delays the next sale. A failed print says why and keeps the receipt for
reprint_last(); the sale itself is never at risk.

Printers: a folder of PDFs and ESC/POS (network or USB) from app.receipts.printers, and
the system printer through QtPrintSupport. PySide6-Essentials has no QtPdf to rasterise
the PDF, so the system printer draws the receipt itself with QPainter from the same
content blocks the PDF and ESC/POS renderers use.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QObject, QRectF, QSizeF, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPen,
)
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.services.receipts import ReceiptService
from app.core.services.results import SaleResult
from app.receipts.content import Barcode, Block, Boxed, Pair, Qr, Rule, Space, Style, Text, build_blocks
from app.receipts.model import FiscalMark, Receipt
from app.receipts.printers import (
    EscposNetworkPrinter,
    EscposUsbPrinter,
    PdfFolderPrinter,
    PrintError,
    PrinterSettingError,
    ReceiptPrinter,
)
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = [
    "PrintService",
    "QtSystemPrinter",
    "ReceiptPainter",
    "load_receipt_fonts",
    "printer_from_setting",
]

log = logging.getLogger(__name__)

FAMILY = "DejaVu Sans"
# style -> (bold, size relative to body); the PDF renderer's proportions.
_STYLES: dict[Style, tuple[bool, float]] = {
    "title": (True, 1.45),
    "heading": (True, 1.2),
    "body": (False, 1.0),
    "bold": (True, 1.0),
    "small": (False, 0.85),
    "total": (True, 1.6),
}
_fonts_lock = threading.Lock()
_fonts_loaded = False


def load_receipt_fonts() -> None:
    """Register the bundled DejaVu fonts with Qt once (Cyrillic and ₽ on every system)."""
    global _fonts_loaded
    with _fonts_lock:
        if _fonts_loaded:
            return
        from app.receipts.assets import resource_path

        for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
            try:
                QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
            except FileNotFoundError:
                log.warning("receipt font %s is missing; the system font is used", name)
        _fonts_loaded = True


# ----------------------------------------------------------------- drawing


@dataclass(frozen=True)
class _Placed:
    height: float
    draw: Callable[[QPainter, float, float], None]  # (painter, x, y)


class ReceiptPainter:
    """Lays out a receipt's content blocks for a paint device and draws them with QPainter."""

    def __init__(self, device: QPaintDevice, width_mm: float, body_pt: float = 8.0) -> None:
        self.px_mm = device.logicalDpiX() / 25.4
        self.width = width_mm * self.px_mm
        self.body_px = body_pt * 25.4 / 72 * self.px_mm
        self.device = device

    def font(self, style: Style) -> QFont:
        """The font of a text style at this device's resolution."""
        bold, scale = _STYLES[style]
        font = QFont(FAMILY)
        font.setPixelSize(max(1, round(self.body_px * scale)))
        font.setBold(bold)
        return font

    def _metrics(self, style: Style) -> QFontMetricsF:
        return QFontMetricsF(self.font(style), self.device)

    def layout(self, receipt: Receipt) -> list[_Placed]:
        """Every block with its height, ready to be drawn top to bottom."""
        return [self._place(block) for block in build_blocks(receipt)]

    def height(self, placed: list[_Placed]) -> float:
        """Total height of laid-out blocks, in device pixels."""
        return sum(p.height for p in placed)

    def _place(self, block: Block) -> _Placed:
        if isinstance(block, Text):
            return self._text(block)
        if isinstance(block, Pair):
            return self._pair(block)
        if isinstance(block, Rule):
            return self._rule(block)
        if isinstance(block, Space):
            return _Placed(block.lines * self._metrics("body").lineSpacing(), lambda p, x, y: None)
        if isinstance(block, Boxed):
            return self._boxed(block)
        if isinstance(block, Barcode):
            return self._barcode(block)
        return self._qr(block)

    def _text(self, b: Text) -> _Placed:
        font, indent = self.font(b.style), b.indent * 3 * self.px_mm
        align = Qt.AlignmentFlag.AlignHCenter if b.align == "center" else Qt.AlignmentFlag.AlignLeft
        flags = int(align | Qt.TextFlag.TextWordWrap)
        width = self.width - indent
        rect = QFontMetricsF(font, self.device).boundingRect(QRectF(0, 0, width, 1e6), flags, b.text)
        height = rect.height() if b.text else 0.0

        def draw(p: QPainter, x: float, y: float) -> None:
            p.setFont(font)
            p.drawText(QRectF(x + indent, y, width, height), flags, b.text)

        return _Placed(height, draw)

    def _pair(self, b: Pair) -> _Placed:
        font, indent = self.font(b.style), b.indent * 3 * self.px_mm
        fm = QFontMetricsF(font, self.device)
        right_w = fm.horizontalAdvance(b.right)
        gap = 2 * self.px_mm
        left_w = max(self.width - indent - right_w - gap, self.width / 3)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        left = fm.boundingRect(QRectF(0, 0, left_w, 1e6), flags, b.left)
        height = max(left.height(), fm.lineSpacing())

        def draw(p: QPainter, x: float, y: float) -> None:
            p.setFont(font)
            p.drawText(QRectF(x + indent, y, left_w, height), flags, b.left)
            p.drawText(
                QRectF(x, y, self.width, fm.lineSpacing()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                b.right,
            )

        return _Placed(height, draw)

    def _rule(self, b: Rule) -> _Placed:
        line = self._metrics("body").lineSpacing()
        thick = (0.5 if b.heavy else 0.2) * self.px_mm

        def draw(p: QPainter, x: float, y: float) -> None:
            p.save()
            pen = QPen(QColor("black"))
            pen.setWidthF(thick)
            if not b.heavy:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(int(x), int(y + line / 2), int(x + self.width), int(y + line / 2))
            p.restore()

        return _Placed(line, draw)

    def _boxed(self, b: Boxed) -> _Placed:
        caption, code = self._text(Text(b.caption, "small", "center")), self.font("title")
        fm = QFontMetricsF(code, self.device)
        box_h = fm.lineSpacing() + 3 * self.px_mm
        box_w = min(self.width, fm.horizontalAdvance(b.text) + 8 * self.px_mm)

        def draw(p: QPainter, x: float, y: float) -> None:
            caption.draw(p, x, y)
            top = y + caption.height + self.px_mm
            rect = QRectF(x + (self.width - box_w) / 2, top, box_w, box_h)
            p.save()
            pen = QPen(QColor("black"))
            pen.setWidthF(0.4 * self.px_mm)
            p.setPen(pen)
            p.drawRect(rect)
            p.restore()
            p.setFont(code)
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), b.text)

        return _Placed(caption.height + self.px_mm + box_h, draw)

    def _barcode(self, b: Barcode) -> _Placed:
        try:
            from barcode import Code128  # python-barcode, installed with python-escpos

            modules = str(Code128(b.value).build()[0])
        except Exception:  # no barcode library: the number printed below still finds the sale
            modules = ""
        # Whole device pixels per module keep every bar the same width on a thermal head.
        module = max(1, int(min(self.width * 0.9 / max(len(modules) + 20, 1), 0.5 * self.px_mm)))
        bars_w, bar_h = module * len(modules), 13 * self.px_mm if modules else 0.0
        label = self._text(Text(b.value, "small", "center"))

        def draw(p: QPainter, x: float, y: float) -> None:
            left = x + (self.width - bars_w) / 2
            for i, bit in enumerate(modules):
                if bit == "1":
                    p.fillRect(QRectF(left + i * module, y, module, bar_h), QColor("black"))
            label.draw(p, x, y + bar_h)

        return _Placed(bar_h + label.height, draw)

    def _qr(self, b: Qr) -> _Placed:
        import segno

        matrix = segno.make(b.data, error="m").matrix
        n = len(matrix)
        # A 4-module quiet zone on each side, as phone cameras expect.
        module = max(1, int(30 * self.px_mm / (n + 8)))
        side = module * (n + 8)

        def draw(p: QPainter, x: float, y: float) -> None:
            left = x + (self.width - side) / 2 + 4 * module
            for r, row in enumerate(matrix):
                for c, bit in enumerate(row):
                    if bit:
                        p.fillRect(
                            QRectF(left + c * module, y + (r + 4) * module, module, module),
                            QColor("black"),
                        )

        return _Placed(side, draw)

    def paint(self, painter: QPainter, placed: list[_Placed], x: float, y: float) -> float:
        """Draw laid-out blocks from (x, y) down; returns the y below the last one."""
        painter.setPen(QColor("black"))
        for block in placed:
            block.draw(painter, x, y)
            y += block.height
        return y


class QtSystemPrinter:
    """A printer known to the operating system (roll or sheet), driven through QtPrintSupport."""

    def __init__(self, printer_name: str | None = None, width_mm: float = 72.0, output_pdf: str | None = None) -> None:
        """printer_name None: the default printer; output_pdf: write a PDF instead (tests, preview)."""
        self.printer_name = printer_name
        self.width_mm = width_mm
        self.output_pdf = output_pdf

    @property
    def name(self) -> str:
        """E.g. "System printer: TM-T20"."""
        return f"System printer: {self.printer_name or 'default'}"

    def print_receipt(self, receipt: Receipt) -> None:
        """Lay the receipt out on a roll-shaped page and print it; any failure is a PrintError."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.output_pdf is not None:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(self.output_pdf)
        else:
            if self.printer_name:
                if self.printer_name not in QPrinterInfo.availablePrinterNames():
                    raise PrintError("print_no_such_printer", name=self.printer_name)
                printer.setPrinterName(self.printer_name)
            if not printer.isValid() or not printer.printerName():
                raise PrintError("print_no_system_printer")
        printer.setDocName(f"{receipt.kind}-{receipt.number}")
        rp = ReceiptPainter(printer, self.width_mm)
        placed = rp.layout(receipt)
        margin = 4.0
        height_mm = rp.height(placed) / rp.px_mm + 2 * margin
        # One page as long as the receipt: roll printers cut after it.
        size = QPageSize(QSizeF(self.width_mm + 2 * margin, height_mm), QPageSize.Unit.Millimeter)
        printer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError("print_cannot_start", name=self.name)
        try:
            rp.paint(painter, placed, margin * rp.px_mm, margin * rp.px_mm)
        finally:
            ended = painter.end()
        if not ended:
            raise PrintError("print_not_accepted", name=self.name)


def printer_from_setting(setting: str | None, data_dir: Path) -> ReceiptPrinter:
    """The printer a setting names: "pdf[:folder]", "pdf58:folder", "escpos-net:host[:port]",
    "escpos-usb:VID:PID", "system[:name]"; empty means PDFs in <data_dir>/receipts."""
    text = (setting or "").strip()
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind in ("", "pdf", "pdf58"):
        return PdfFolderPrinter(Path(rest) if rest else data_dir / "receipts", "58mm" if kind == "pdf58" else "80mm")
    if kind == "escpos-net":
        host, _, port = rest.partition(":")
        if not host or (port and not port.isdigit()):
            raise PrinterSettingError("printer_setting_net", setting=text)
        return EscposNetworkPrinter(host, int(port) if port else 9100)
    if kind == "escpos-usb":
        vid, _, pid = rest.partition(":")
        try:
            return EscposUsbPrinter(int(vid, 16), int(pid, 16))
        except ValueError:
            raise PrinterSettingError("printer_setting_usb", setting=text) from None
    if kind == "system":
        return QtSystemPrinter(rest or None)
    raise PrinterSettingError("printer_setting_unknown", setting=text)


class UnusablePrinter:
    """Stands in for a printer whose setting is not understood: every print says so, in words."""

    def __init__(self, setting: str) -> None:
        self.setting = setting

    @property
    def name(self) -> str:
        """The setting as typed."""
        return self.setting

    def error(self) -> PrintError:
        """The refusal every print of this printer meets."""
        return PrintError("printer_unusable", setting=self.setting)

    def problem(self) -> str:
        """What is wrong, in the cashier's language."""
        return explain(self.error())

    def print_receipt(self, receipt: Receipt) -> None:
        """Never prints: the reason is the problem above."""
        raise self.error()


# ----------------------------------------------------------------- the service


FiscalOf = Callable[[int], Mapping[str, Any] | None]


def _marked(receipt: Receipt, found: Mapping[str, Any] | None) -> Receipt:
    """The receipt with the register's document ({document_number, fiscal_sign, fn, shift}) named on it."""
    if not found or found.get("document_number") is None:
        return receipt
    mark = FiscalMark(
        int(found["document_number"]),
        str(found.get("fiscal_sign") or ""),
        str(found.get("fn") or ""),
        int(found["shift"]) if found.get("shift") is not None else None,
    )
    return dataclasses.replace(receipt, fiscal=mark)


def sale_receipt(receipts: ReceiptService, fiscal_of: FiscalOf | None, sale_id: int, lang: str) -> Receipt:
    """A sale's receipt with the register's receipt named on it when there is one (database worker)."""
    return _marked(receipts.for_sale(sale_id, lang), fiscal_of(sale_id) if fiscal_of is not None else None)


def refund_receipt(receipts: ReceiptService, fiscal_of: FiscalOf | None, refund_id: int, lang: str) -> Receipt:
    """A refund's receipt with the register's return receipt named on it when there is one (database worker)."""
    return _marked(receipts.for_refund(refund_id, lang), fiscal_of(refund_id) if fiscal_of is not None else None)


def _print_one(printer: ReceiptPrinter, receipt: Receipt) -> PrintError | None:
    """Print on the print worker; the printer's refusal on failure (worded on screen by code), None on success."""
    try:
        printer.print_receipt(receipt)
    except PrintError as exc:
        return exc
    return None


class PrintService(QObject):
    """The configured receipt printer, printing off the GUI thread, with reprint of the last one."""

    printed = Signal(object)  # Receipt
    failed = Signal(str)  # the message shown to the cashier
    cleared = Signal()  # a receipt printed, or another printer was chosen: the last problem is over

    def __init__(
        self,
        db_worker: Worker,
        receipts: ReceiptService,
        printer: ReceiptPrinter,
        lang: str = "ru",
        parent: QObject | None = None,
        window: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_worker = db_worker
        self.receipts = receipts
        self.printer = printer
        self.lang = lang
        self.window = window
        self.show_messages = True
        self.last: Receipt | None = None
        self.last_error: str | None = None
        self.message_box: QMessageBox | None = None
        self._last_ref: tuple[str, int] | None = None
        # The register's receipt of a sale ({document_number, fiscal_sign, fn, shift} or None), named on the slip.
        self.fiscal_of: FiscalOf | None = None
        # The register's return receipt of a refund (the same fields), named on the refund's slip.
        self.fiscal_of_refund: FiscalOf | None = None
        self._jobs = Worker("print-worker")
        load_receipt_fonts()

    def set_printer(self, printer: ReceiptPrinter) -> None:
        """Use another printer from the next job on (e.g. after the settings changed)."""
        self.printer = printer
        self.last_error = None
        self.cleared.emit()

    def stop(self) -> None:
        """Let queued jobs finish and stop the print thread."""
        self._jobs.stop()

    def busy(self) -> bool:
        """True while a job is queued or printing."""
        return self._jobs.busy()

    # -- entry points

    def after_sale(self, result: SaleResult) -> None:
        """Print a committed sale's receipt (suits MainWindow.after_sale)."""
        if result.committed and result.sale_id is not None:
            self.print_sale(result.sale_id)

    @Slot(int)
    def print_sale(self, sale_id: int) -> None:
        """Build a sale's receipt on the database worker, then print it."""
        self._build("sale", sale_id)

    @Slot(int)
    def print_refund(self, refund_id: int) -> None:
        """Build a refund's receipt on the database worker, then print it."""
        self._build("refund", refund_id)

    @Slot()
    def reprint_last(self) -> bool:
        """Print the last receipt again; False (with a message) when there is none yet."""
        if self.last is not None:
            self.print_receipt(self.last)
            return True
        if self._last_ref is not None:
            self._build(*self._last_ref)
            return True
        self._fail(self.tr("There is no receipt to reprint yet"))
        return False

    def print_receipt(self, receipt: Receipt) -> None:
        """Queue one receipt on the print worker; it becomes the one reprint_last() prints."""
        self.last = receipt
        self._jobs.run(
            _print_one,
            self.printer,
            receipt,
            on_done=functools.partial(self._job_done, receipt),
            on_error=self._job_crashed,
        )

    # -- internals

    def _build(self, kind: str, number: int) -> None:
        self._last_ref = (kind, number)
        if kind == "sale":
            self.db_worker.run(
                sale_receipt, self.receipts, self.fiscal_of, number, self.lang,
                on_done=self.print_receipt, on_error=self._build_failed,
            )  # fmt: skip
            return
        self.db_worker.run(
            refund_receipt, self.receipts, self.fiscal_of_refund, number, self.lang,
            on_done=self.print_receipt, on_error=self._build_failed,
        )  # fmt: skip

    def _build_failed(self, error: BaseException) -> None:
        self.last = None  # reprint_last() will build it again from _last_ref
        self._fail(
            self.tr("The receipt could not be prepared: {reason}. The sale is saved; try “Reprint” later.").format(
                reason=explain(error)
            )
        )

    def _job_done(self, receipt: Receipt, error: BaseException | None) -> None:
        if error is None:
            self.last_error = None
            if self.message_box is not None:
                self.message_box.close()
            self.cleared.emit()
            self.printed.emit(receipt)
            return
        self._fail(
            self.tr(
                "The receipt was not printed: {reason}\n\nThe sale is saved. Fix the printer, then press “Reprint”."
            ).format(reason=explain(error))
        )

    def _job_crashed(self, error: BaseException) -> None:
        # A bug in a printer driver, not a PrintError: still only a lost print, never a lost sale.
        if self.last is not None:
            self._job_done(self.last, error)
        else:
            self._fail(explain(error))

    def _fail(self, message: str) -> None:
        self.last_error = message
        log.warning("printing: %s", message)
        self.failed.emit(message)
        if self.show_messages:
            self._show(message)

    def _show(self, message: str) -> None:
        # Not modal and not exec(): the cashier can go on selling while the printer is fixed.
        if self.message_box is None:
            box = QMessageBox(self.window)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle(self.tr("Printer"))
            box.setWindowModality(Qt.WindowModality.NonModal)
            retry = box.addButton(self.tr("Reprint"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(self.tr("Close"), QMessageBox.ButtonRole.RejectRole)
            retry.clicked.connect(self.reprint_last)
            self.message_box = box
        self.message_box.setText(message)
        self.message_box.show()
