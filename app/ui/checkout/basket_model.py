"""The basket as a table: what the cashier entered, with the prices of the latest fresh quote."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.core.pricing import LineIn, LineOut, Quote
from app.ui import i18n

Index = QModelIndex | QPersistentModelIndex
_PENDING = "…"


class BasketModel(QAbstractTableModel):
    """Rows are basket lines (and a gift line when one is given); columns as in COLUMNS."""

    NAME, QTY, PRICE, DISCOUNT, POINTS, DUE = range(6)

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[LineIn] = []
        self._priced: list[LineOut] = []
        self._gifts: list[LineOut] = []
        self._headers = [
            self.tr("Item"),
            self.tr("Qty"),
            self.tr("Price"),
            self.tr("Discount"),
            self.tr("Points"),
            self.tr("To pay"),
        ]

    # ----------------------------------------------------------------- updates

    def set_lines(self, lines: list[LineIn]) -> None:
        """Show the lines as entered; their prices wait for the next quote."""
        old = self._lines
        new = list(lines)
        if len(old) == len(new) and not self._gifts:
            self._lines = new
            changed = [i for i in range(len(new)) if old[i] != new[i]]
            if changed:
                self._priced = []
                self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), self.DUE))
            return
        self.beginResetModel()
        self._lines = new
        self._priced = []
        self._gifts = []
        self.endResetModel()

    def set_quote(self, quote: Quote | None) -> None:
        """Show the discounts and amounts of a quote of exactly these lines (None: nothing yet)."""
        priced = [line for line in quote.lines if not line.is_reward] if quote else []
        gifts = [line for line in quote.lines if line.is_reward] if quote else []
        if len(priced) != len(self._lines):
            priced = []
        if len(gifts) != len(self._gifts):
            self.beginResetModel()
            self._priced, self._gifts = priced, gifts
            self.endResetModel()
            return
        self._priced, self._gifts = priced, gifts
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.DUE))

    def line_count(self) -> int:
        """Basket lines (without the gift line)."""
        return len(self._lines)

    # ----------------------------------------------------------------- model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008  (Qt's signature)
        """Lines plus gift lines."""
        return 0 if parent.isValid() else len(self._lines) + len(self._gifts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008  (Qt's signature)
        """Six columns."""
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align(section)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Selectable, not editable in place (the cashier uses +/-)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, alignment, and grey for figures still being priced."""
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align(col)
        if row >= len(self._lines):
            return self._gift_data(self._gifts[row - len(self._lines)], col, role)
        line = self._lines[row]
        out = self._priced[row] if self._priced else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(line, out, col)
        if role == Qt.ItemDataRole.ForegroundRole and out is None and col >= self.DISCOUNT:
            return QBrush(QColor("#8a8a84"))
        if role == Qt.ItemDataRole.ToolTipRole and col == self.NAME:
            return f"{line.name} ({line.sku}, {line.category})"
        return None

    def _text(self, line: LineIn, out: LineOut | None, col: int) -> str:
        if col == self.NAME:
            return line.name
        if col == self.QTY:
            return str(line.qty)
        if col == self.PRICE:
            return i18n.money(line.unit_price)
        if out is None:
            return i18n.money(line.qty * line.unit_price) if col == self.DUE else _PENDING
        if col == self.DISCOUNT:
            return i18n.money(-out.discount) if out.discount else "—"
        if col == self.POINTS:
            return i18n.money(-out.redeemed) if out.redeemed else "—"
        return i18n.money(out.paid)

    def _gift_data(self, gift: LineOut, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            # The gift's own name (it says "gift" already, and green marks the line); the
            # word goes in the points column, so a 1024-wide basket shows the whole name.
            if col == self.NAME:
                return gift.name
            if col == self.QTY:
                return "1"
            if col == self.DUE:
                return i18n.money(0)
            if col == self.POINTS:
                return self.tr("gift")
            return "—"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Gift: {name}").format(name=gift.name)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1f6f43"))
        return None

    def _align(self, col: int) -> int:
        if col == self.NAME:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if col == self.QTY:
            return int(Qt.AlignmentFlag.AlignCenter)
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
