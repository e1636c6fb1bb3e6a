"""A refund at the till: find the sale by its receipt barcode or number, choose the units
to give back, get a manager's PIN, commit on the worker, then print the refund receipt."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.codes import RECEIPT, latin_layout
from app.core.errors import NotFound
from app.core.money import floor
from app.core.services.checkout import CheckoutService
from app.core.services.receipts import ReceiptService
from app.core.services.results import RefundResult
from app.core.services.staff import Cashier, StaffService
from app.receipts.content import format_datetime
from app.receipts.model import Receipt
from app.ui import i18n
from app.ui.fiscal_port import FiscalTill, fiscal_qr_text
from app.ui.pin_dialog import PinDialog, set_status
from app.ui.printing import PrintService
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["RefundDialog", "SaleForRefund", "load_sale", "parse_sale_code"]


def parse_sale_code(text: str) -> int | None:
    """The sale id in a receipt barcode ("R000123", also typed in a Russian layout) or a number."""
    # A Russian keyboard layout turns a scanned "R" into "К" (same key); both mean a receipt.
    code = latin_layout(text.strip()).upper()
    match = RECEIPT.match(code)
    if match:
        return int(match.group(1)) or None
    if code.isdigit() and len(code) <= 12:
        return int(code) or None
    return None


def refund_reason(error: BaseException) -> str:
    """A refund refusal in the cashier's language: the till's one wording table (app.ui.wording)."""
    return explain(error)


@dataclass(frozen=True)
class SaleForRefund:
    """What the dialog shows of a sale: its receipt and each line's refundable units."""

    receipt: Receipt
    lines: tuple[dict[str, Any], ...]


def load_sale(checkout: CheckoutService, receipts: ReceiptService, sale_id: int, lang: str) -> SaleForRefund | None:
    """The sale as the refund screen needs it (worker side); None when there is no such sale."""
    try:
        return SaleForRefund(receipts.for_sale(sale_id, lang), tuple(checkout.sale_lines(sale_id)))
    except NotFound:
        return None


def money_back(line: dict[str, Any], units: int) -> int:
    """The money one line gives back for `units` more units: the core's cumulative floors."""
    qty, paid = int(line["qty"]), int(line["paid"])
    done = qty - int(line["refundable"])
    return floor(Fraction(paid * (done + units), qty)) - floor(Fraction(paid * done, qty))


class RefundDialog(QDialog):
    """Refund of a sale: scan or type, choose units, manager PIN, commit, print."""

    refunded = Signal(object)  # RefundResult, after it is committed

    COL_NAME, COL_SOLD, COL_BACK_BEFORE, COL_PAID, COL_UNITS = range(5)

    def __init__(
        self,
        checkout: CheckoutService,
        staff: StaffService,
        worker: Worker,
        cashier: str,
        printing: PrintService | None = None,
        sale_id: int = 0,
        parent: QWidget | None = None,
        *,
        receipts: ReceiptService,
        fiscal: FiscalTill | None = None,
    ) -> None:
        super().__init__(parent)
        self.checkout = checkout
        self.fiscal = fiscal  # beside mode: a register receipt's QR finds its sale
        self.receipts = receipts
        self.staff = staff
        self.worker = worker
        self.cashier = cashier
        self.printing = printing
        self.sale: SaleForRefund | None = None
        self.sale_id = 0
        self.last_refund: RefundResult | None = None
        self.manager: Cashier | None = None
        self._asked = 0  # the newest lookup; older answers are dropped
        self._keep_status = False  # a refusal stays on screen while the table reloads
        self.setWindowTitle(self.tr("Refund"))
        self.setMinimumSize(760, 560)

        title = QLabel(self.tr("Refund"), self)
        title.setObjectName("title")
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(self.tr("Scan the receipt barcode or type the sale number"))
        self.code.returnPressed.connect(self.look_up)
        find = QPushButton(self.tr("Find"), self)
        find.setAutoDefault(False)
        find.clicked.connect(self.look_up)
        row = QHBoxLayout()
        row.addWidget(self.code, 1)
        row.addWidget(find)

        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Item"), self.tr("Sold"), self.tr("Returned"), self.tr("Paid"), self.tr("Give back")]
        )
        self.table.verticalHeader().hide()
        # Rows tall enough for a touch-sized spin box (the theme makes them 40 px high).
        self.table.verticalHeader().setDefaultSectionSize(52)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the table: the keyboard goes field → units of each line → Refund → Close (a
        # table that moves between its cells on Tab kept the Refund button out of reach).
        self.table.setTabKeyNavigation(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(self.COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (self.COL_SOLD, self.COL_BACK_BEFORE, self.COL_PAID, self.COL_UNITS):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.total = QLabel(self)
        self.total.setObjectName("due")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        self.confirm = QPushButton(self.tr("Refund (manager PIN)"), self)
        self.confirm.setObjectName("pay")
        self.confirm.setEnabled(False)
        self.confirm.setAutoDefault(False)
        self.confirm.clicked.connect(self.submit)
        self.close_button = close = QPushButton(self.tr("Close"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        self.find_button = find
        buttons = QHBoxLayout()
        buttons.addWidget(close)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.code.setFocus()
        if sale_id:
            self.code.setText(str(sale_id))
            self.look_up()

    # ----------------------------------------------------------------- finding the sale

    @Slot(str)
    def scan(self, text: str) -> None:
        """A scanned code (e.g. from the keyboard-wedge filter) while this dialog is open.

        The QR of a register's receipt (beside mode) finds the sale it was recorded with."""
        fiscal_qr = fiscal_qr_text(text)
        if self.fiscal is not None and fiscal_qr is not None:
            set_status(self.status, self.tr("Looking for the sale of this fiscal receipt…"), "info")
            self.worker.run(self.fiscal.find_sale, fiscal_qr, on_done=self._found_by_qr, on_error=self._qr_refused)
            return
        self.code.setText(text.strip())
        self.look_up()

    def _found_by_qr(self, sale_id: int) -> None:
        self.code.setText(str(sale_id))
        self.look_up()

    def _qr_refused(self, error: BaseException) -> None:
        set_status(self.status, explain(error), "error")

    @Slot()
    def look_up(self) -> None:
        """Look up the sale named in the field."""
        text = self.code.text().strip()
        sale_id = parse_sale_code(text)
        if sale_id is None:
            set_status(
                self.status,
                self.tr("“{text}” is not a receipt barcode or a sale number").format(text=text)
                if text
                else self.tr("Scan the receipt barcode or type the sale number"),
                "warn",
            )
            return
        self._asked += 1
        ticket = self._asked
        self.worker.run(
            load_sale,
            self.checkout,
            self.receipts,
            sale_id,
            i18n.language(),
            on_done=lambda sale: self._loaded(ticket, sale_id, sale),
            on_error=self._failed,
        )

    def _loaded(self, ticket: int, sale_id: int, sale: SaleForRefund | None) -> None:
        if ticket != self._asked:
            return  # a newer scan is on its way
        if sale is None:
            self._show_sale(None)
            set_status(self.status, self.tr("There is no sale No. {n}").format(n=sale_id), "error")
            return
        self.sale_id = sale_id
        self._show_sale(sale)
        keep, self._keep_status = self._keep_status, False
        if self.last_refund is not None and self.last_refund.sale_id == sale_id:
            return  # keep the "refund done" message on screen
        if not any(int(line["refundable"]) for line in sale.lines):
            full = self.tr("Sale No. {n} has already been refunded in full").format(n=sale_id)
            if keep:
                # The refusal stays first: the cashier reads why, then what the reload found.
                set_status(self.status, f"{self.status.text().rstrip('. ')}. {full}.", "error")
            else:
                set_status(self.status, full, "warn")
        elif not keep:
            set_status(self.status, "", "info")

    def _show_sale(self, sale: SaleForRefund | None) -> None:
        self.sale = sale
        self.table.setRowCount(0)
        if sale is None:
            self.header.clear()
            self._update_total()
            return
        r = sale.receipt
        parts = [
            self.tr("Sale No. {n} of {when}").format(n=r.number, when=format_datetime(r.at)),
            (self.tr("paid {money} by bank card") if r.payment == "card" else self.tr("paid {money} in cash")).format(
                money=i18n.money(r.total)
            ),
        ]
        if r.card:
            parts.append(self.tr("loyalty card {card}").format(card=r.card))
        self.header.setText(", ".join(parts))
        self.table.setRowCount(len(sale.lines))
        for row, line in enumerate(sale.lines):
            sold, left = int(line["qty"]), int(line["refundable"])
            cells = [str(line["name"]), str(sold), str(sold - left), i18n.money(int(line["paid"]))]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col != self.COL_NAME:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
            spin = QSpinBox(self.table)
            # By default everything that remains goes back (loyalty-rules.md §5).
            spin.setRange(0, left)
            spin.setValue(left)
            spin.setEnabled(left > 0)
            spin.setMinimumWidth(120)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.valueChanged.connect(self._update_total)
            self.table.setCellWidget(row, self.COL_UNITS, spin)
        self._update_total()
        self._chain_focus()
        if self.confirm.isEnabled():
            # Everything that remains goes back by default: Enter asks for the manager's PIN,
            # Tab goes through the lines' units first.
            self.confirm.setDefault(True)
            self.confirm.setFocus()

    def _chain_focus(self) -> None:
        spins = [self.spin(row) for row in range(self.table.rowCount())]
        chain: list[QWidget] = [
            self.code,
            *(s for s in spins if s.isEnabled()),
            self.confirm,
            self.close_button,
            self.find_button,
        ]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def spin(self, row: int) -> QSpinBox:
        """The units spin box of a table row."""
        widget = self.table.cellWidget(row, self.COL_UNITS)
        assert isinstance(widget, QSpinBox)
        return widget

    def units(self) -> dict[int, int]:
        """Units to give back per line index (only lines with at least one)."""
        if self.sale is None:
            return {}
        chosen = {int(line["idx"]): self.spin(row).value() for row, line in enumerate(self.sale.lines)}
        return {idx: n for idx, n in chosen.items() if n > 0}

    @Slot()
    def _update_total(self) -> None:
        units = self.units()
        if self.sale is None or not units:
            self.total.setText("")
            self.confirm.setEnabled(False)
            self.confirm.setDefault(False)
            return
        amount = sum(money_back(line, units.get(int(line["idx"]), 0)) for line in self.sale.lines)
        self.total.setText(self.tr("To give back: {money}").format(money=i18n.money(amount)))
        self.confirm.setEnabled(True)

    # ----------------------------------------------------------------- committing

    def ask_manager(self) -> Cashier | None:
        """The manager approving this refund (None: cancelled); tests replace PinDialog.ask."""
        purpose = self.tr("Refund of sale No. {n}").format(n=self.sale_id)
        return PinDialog(self.staff, self.worker, purpose, self).ask()

    @Slot()
    def submit(self) -> None:
        """Ask for a manager's PIN, then commit the refund on the worker."""
        units = self.units()
        if self.sale is None or not units:
            set_status(self.status, self.tr("Choose at least one unit to give back"), "warn")
            return
        manager = self.ask_manager()
        if manager is None:
            set_status(self.status, self.tr("Nothing was refunded: a manager did not approve"), "warn")
            return
        self.manager = manager
        self.confirm.setEnabled(False)
        set_status(self.status, self.tr("Refunding…"), "info")
        # With a driven register the checkout's fiscal hook registers the sellReturn before writing the refund.
        self.worker.run(
            self.checkout.refund,
            self.sale_id,
            units,
            cashier=self.cashier,
            # The approving manager is the refund's actor: its audit row is written with it.
            actor=manager.name,
            on_done=self._refunded,
            on_error=self._failed,
        )

    def _refunded(self, result: RefundResult) -> None:
        self.last_refund = result
        to_card = self.sale is not None and self.sale.receipt.payment == "card"
        way = self.tr("to their bank card") if to_card else self.tr("in cash")
        text = self.tr("Refund No. {n} is done: give the customer {money} {way}.").format(
            n=result.refund_id, money=i18n.money(result.money_back), way=way
        )
        if result.points_taken_back or result.points_given_back:
            text += " " + self.tr("Points taken back: {taken}; returned to the card: {given}.").format(
                taken=i18n.points(result.points_taken_back), given=i18n.points(result.points_given_back)
            )
        printed = result.fiscal or {}
        if printed.get("document_number") is not None:
            # The register's return receipt, named as the sale's is (its ФД and ФП), so the two papers go together.
            text += " " + self.tr("The register printed the return receipt (FD No. {n}, FS {fp}).").format(
                n=printed["document_number"], fp=printed.get("fiscal_sign") or "—"
            )
        set_status(self.status, text, "info")
        self.refunded.emit(result)
        if self.printing is not None and result.refund_id is not None:
            self.printing.print_refund(result.refund_id)
        # Show what is left, so a second partial refund starts from the truth.
        self.look_up()

    def _failed(self, error: BaseException) -> None:
        self._update_total()
        set_status(self.status, self.tr("Not refunded: {reason}").format(reason=refund_reason(error)), "error")
        if self.sale is not None:
            # Another till may have refunded some of it: show what is really left, keep the reason.
            self._keep_status = True
            self.look_up()
