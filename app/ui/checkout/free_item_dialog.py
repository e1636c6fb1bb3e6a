"""A free-price item: the cashier types the price and picks the category (for the rules)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from app.core.pricing import LineIn
from app.ui import i18n
from app.ui.checkout.state import free_line
from app.ui.theme import row_label


class FreeItemDialog(QDialog):
    """Price + category (+ an optional name); Enter adds, Esc goes back."""

    def __init__(self, categories: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Free-price item"))
        self.setMinimumWidth(440)
        form = QFormLayout(self)
        self.price = QLineEdit()
        self.price.setPlaceholderText(self.tr("e.g. 149,90"))
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.addItems(list(categories))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("optional"))
        form.addRow(row_label(self.tr("Price")), self.price)
        form.addRow(row_label(self.tr("Category")), self.category)
        form.addRow(row_label(self.tr("Name")), self.name)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.line: LineIn | None = None
        self.price.setFocus()

    def ask(self) -> LineIn | None:
        """Show the dialog; the line to add, or None."""
        return self.line if self.exec() == QDialog.DialogCode.Accepted else None

    @Slot()
    def _try_accept(self) -> None:
        try:
            kopecks = i18n.parse_money(self.price.text())
        except ValueError:
            self.error.setText(self.tr("Type the price in roubles, e.g. 149,90"))
            self.price.setFocus()
            return
        category = self.category.currentText().strip()
        if not category:
            self.error.setText(self.tr("Choose a category"))
            self.category.setFocus()
            return
        self.line = free_line(kopecks, category, self.name.text())
        self.accept()
