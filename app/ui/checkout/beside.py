"""Beside mode: the register stands beside the till and stays the till of record.

The cashier rings the purchase on the register; the till prices loyalty on the same basket and tells
the cashier what to key into the register (the discount: the program's discounts and the points spent)
and the amount to collect. Scanning the register receipt's QR then records it with the loyalty sale.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from app.core.pricing import Quote
from app.ui import i18n


def register_discount(quote: Quote) -> int:
    """What the cashier keys into the register as the receipt's discount: the program's and the points'."""
    return quote.subtotal - quote.total


class BesidePanel(QFrame):
    """«Key into the register»: the discount and the amount to collect, then «scan the register's receipt»."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet("QFrame#panel { border: 2px solid #c77700; }")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 6, 12, 6)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        title = QLabel(self.tr("Key into the fiscal register"))
        title.setStyleSheet("font-weight: bold;")
        self.discount_caption = QLabel(self.tr("Discount on the receipt"))
        self.discount = QLabel()
        self.collect_caption = QLabel(self.tr("Amount to collect"))
        self.collect = QLabel()
        self.collect.setStyleSheet("font-weight: bold; font-size: 18px;")
        for value in (self.discount, self.collect):
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.hint = QLabel(self.tr("Then scan the QR code of the register's receipt: it is recorded with the sale."))
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        grid.addWidget(title, 0, 0, 1, 2)
        grid.addWidget(self.discount_caption, 1, 0)
        grid.addWidget(self.discount, 1, 1)
        grid.addWidget(self.collect_caption, 2, 0)
        grid.addWidget(self.collect, 2, 1)
        grid.addWidget(self.hint, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.show_quote(None)

    def show_quote(self, quote: Quote | None) -> None:
        """The figures of the latest quote (zero for an empty basket)."""
        self.discount.setText(i18n.money(register_discount(quote)) if quote is not None else i18n.money(0))
        self.collect.setText(i18n.money(quote.total) if quote is not None else i18n.money(0))
