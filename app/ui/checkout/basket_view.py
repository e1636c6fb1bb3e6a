"""The basket table: one row per line; +/- change the quantity of the selected line, Del removes it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui import theme
from app.ui.checkout.basket_model import BasketModel

BASKET_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_Delete)


class BasketView(QTableView):
    """A read-only table with large rows and the item name taking the spare width."""

    basket_key = Signal(int)

    def __init__(self, model: BasketModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(theme.scaled(42))
        header = self.horizontalHeader()
        header.setSectionResizeMode(BasketModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        # Figures are never cut: their columns fit their contents, the name gives way.
        for column in range(BasketModel.QTY, BasketModel.DUE + 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def current_row(self) -> int:
        """The selected row, or -1."""
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        """Select a row and scroll it into view (-1 clears the selection)."""
        if row < 0 or row >= self.model().rowCount():
            self.clearSelection()
            return
        self.selectRow(row)
        self.scrollTo(self.model().index(row, 0))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """+, - and Del act on the selected line; Esc goes up to the window."""
        if event.key() in BASKET_KEYS:
            self.basket_key.emit(event.key())
            return
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)
