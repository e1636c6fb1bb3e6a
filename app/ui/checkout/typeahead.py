"""A search field with suggestions that arrive from the worker as the cashier types.

Answers older than the newest keystroke are dropped. The suggestion list floats over the
window under the field and never takes the focus, so typing, arrows and Enter all stay in
the field; a finger can tap a suggestion too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListWidget, QListWidgetItem, QWidget

from app.ui.worker import Worker

Search = Callable[[str], Sequence[Any]]
Describe = Callable[[Any], str]
_BASKET_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_Delete)


class SuggestionList(QListWidget):
    """The floating list of suggestions (a child of the window, above everything else)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("suggestions")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hide()


class TypeAheadField(QLineEdit):
    """A line edit that searches as you type and offers the answers below itself."""

    picked = Signal(object)  # the chosen suggestion
    submitted = Signal(str)  # Enter with no suggestion chosen
    escaped = Signal()  # Esc in an empty field
    basket_key = Signal(int)  # +, - or Del in an empty field: meant for the basket
    suggestions_shown = Signal(int)  # how many suggestions the newest answer brought

    def __init__(
        self,
        worker: Worker,
        search: Search,
        describe: Describe,
        parent: QWidget | None = None,
        *,
        min_chars: int = 2,
        delay_ms: int = 60,
        max_rows: int = 8,
        basket_keys: bool = False,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._search = search
        self._describe = describe
        self._min_chars = min_chars
        self._max_rows = max_rows
        self._basket_keys = basket_keys
        self._seq = 0
        self.dropped = 0  # stale answers ignored (the tests check this)
        self._list: SuggestionList | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._search_now)
        self.textEdited.connect(self._on_edited)

    # ----------------------------------------------------------------- searching

    @Slot(str)
    def _on_edited(self, _text: str) -> None:
        self._seq += 1  # whatever is on its way is now stale
        self._timer.start()

    @Slot()
    def _search_now(self) -> None:
        text = self.text().strip()
        self._seq += 1
        if len(text) < self._min_chars:
            self.hide_suggestions()
            return
        self._worker.run(self._search, text, on_done=partial(self._answered, self._seq), on_error=self._failed)

    def search_now(self) -> None:
        """Search for the current text without waiting for the typing pause."""
        self._timer.stop()
        self._search_now()

    def _answered(self, seq: int, items: Sequence[Any]) -> None:
        if seq != self._seq:
            self.dropped += 1
            return
        self.show_suggestions(items)

    def _failed(self, _error: BaseException) -> None:
        self.hide_suggestions()

    # ----------------------------------------------------------------- the list

    def suggestions(self) -> SuggestionList:
        """The floating list (made on first use, as a child of the window)."""
        if self._list is None:
            self._list = SuggestionList(self.window())
            self._list.itemClicked.connect(self._clicked)
        return self._list

    def show_suggestions(self, items: Sequence[Any]) -> None:
        """Offer these items (nothing found: hide the list)."""
        box = self.suggestions()
        box.clear()
        for data in items:
            item = QListWidgetItem(self._describe(data))
            item.setData(Qt.ItemDataRole.UserRole, data)
            box.addItem(item)
        self.suggestions_shown.emit(len(items))
        if not items:
            box.hide()
            return
        window = self.window()
        top_left = self.mapTo(window, QPoint(0, self.height() + 2))
        width = min(max(self.width(), 460), window.width() - top_left.x() - 8)
        if top_left.x() + width > window.width():
            top_left.setX(max(0, window.width() - width - 8))
        row_h = max(box.sizeHintForRow(0), 38)
        box.setGeometry(top_left.x(), top_left.y(), width, row_h * min(len(items), self._max_rows) + 6)
        box.setCurrentRow(-1)
        box.show()
        box.raise_()

    def hide_suggestions(self) -> None:
        """Hide the list."""
        if self._list is not None:
            self._list.hide()

    def suggestions_visible(self) -> bool:
        """True while suggestions are shown."""
        return self._list is not None and self._list.isVisible()

    def suggestion_count(self) -> int:
        """How many suggestions are shown (0 when hidden)."""
        return self._list.count() if self.suggestions_visible() and self._list is not None else 0

    def pick(self, row: int) -> None:
        """Choose a suggestion by its row."""
        box = self.suggestions()
        item = box.item(row)
        if item is None:
            return
        data = item.data(Qt.ItemDataRole.UserRole)
        self._seq += 1
        self.clear()
        box.hide()
        self.picked.emit(data)

    @Slot(QListWidgetItem)
    def _clicked(self, item: QListWidgetItem) -> None:
        self.pick(self.suggestions().row(item))

    # ----------------------------------------------------------------- keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows walk the suggestions, Enter picks or submits, Esc backs out step by step."""
        key = event.key()
        visible = self.suggestions_visible()
        box = self._list
        if visible and box is not None and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            box.setCurrentRow(max(0, min(box.count() - 1, box.currentRow() + step)))
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if visible and box is not None and box.currentRow() >= 0:
                self.pick(box.currentRow())
            else:
                self._timer.stop()
                self.submitted.emit(self.text().strip())
            return
        if key == Qt.Key.Key_Escape:
            if visible:
                self.hide_suggestions()
            elif self.text():
                self._seq += 1
                self.clear()
            else:
                self.escaped.emit()
            return
        if self._basket_keys and key in _BASKET_KEYS and not self.text():
            self.basket_key.emit(key)
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """The list belongs to the focused field only."""
        self.hide_suggestions()
        super().focusOutEvent(event)
