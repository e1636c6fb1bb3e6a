"""Table models of the manager screen: report tables, lists of records, and editable rows of the program.

All are QAbstractTableModel subclasses over plain values (the services' frozen results, or text
the manager typed), checked by pytest-qt's model tester.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.core.fmt import parse_money
from app.core.money import round_half_up
from app.reports.tables import Cell, Table, cell_text, text_of

__all__ = [
    "Col",
    "EditableRowsModel",
    "FieldError",
    "FieldSpec",
    "RecordsModel",
    "ReportTableModel",
    "SegmentCustomersModel",
    "roubles_text",
]

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
_NUMERIC = {"int", "money", "share", "decimal"}
# Sorts "no value" before every number in a numeric column.
_NONE_KEY = -(1 << 62)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _sort_key(cell: Cell, lang: str) -> object:
    v = cell.value
    if cell.kind in _NUMERIC or cell.kind == "datetime":
        if v is None:
            return _NONE_KEY
        if isinstance(v, Fraction):
            return round_half_up(v * 1_000_000)  # an order, not a figure: a millionth is plenty
        return v
    if cell.kind == "date":
        return v.isoformat() if isinstance(v, date) else ""
    return "" if v is None else text_of(v, lang).casefold()


class ReportTableModel(QAbstractTableModel):
    """One report table (app.reports.tables.Table) as the PDF writes it: grouped digits, ₽, %."""

    def __init__(self, lang: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.zone = ZoneInfo("Europe/Moscow")
        self.table: Table | None = None
        self.rows: list[tuple[Cell, ...]] = []  # the table's rows in the order shown

    def set_table(self, table: Table | None, zone: ZoneInfo | None = None) -> None:
        """Show another table (None: empty), in the table's own order."""
        self.beginResetModel()
        self.table = table
        self.rows = list(table.rows) if table is not None else []
        if zone is not None:
            self.zone = zone
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by a column's values (not its text): one Python sort, fast on 100,000 customers.

        A sort proxy would ask data() for every comparison, seconds of the GUI thread on a big store.
        """
        if self.table is None or not 0 <= column < len(self.table.columns) or not self.rows:
            return
        self.layoutAboutToBeChanged.emit()
        keys = [_sort_key(row[column], self.lang) for row in self.rows]
        new_order = sorted(range(len(self.rows)), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        where = [0] * len(new_order)
        for new, old in enumerate(new_order):
            where[old] = new
        self.rows = [self.rows[i] for i in new_order]
        before = self.persistentIndexList()
        self.changePersistentIndexList(before, [self.index(where[i.row()], i.column()) for i in before])
        self.layoutChanged.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008  (Qt's signature)
        """Rows of the table (none under a valid parent: a flat table)."""
        return 0 if parent.isValid() or self.table is None else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Columns of the table."""
        return 0 if parent.isValid() or self.table is None else len(self.table.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, alignment and sort key of a cell."""
        if not index.isValid() or self.table is None:
            return None
        cell = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell_text(cell, self.lang, "pdf", self.zone)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if cell.kind in _NUMERIC else _LEFT
        if role == SORT_ROLE:
            return _sort_key(cell, self.lang)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column headings in the screen's language."""
        if role != Qt.ItemDataRole.DisplayRole or self.table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.table.columns):
                return self.table.columns[section].label(self.lang)
            return None
        return str(section + 1)


class SegmentCustomersModel(QAbstractTableModel):
    """The customers of one segment, straight from the report's SegmentCustomer values.

    No per-cell objects: a segment can hold 100,000 customers, and a million small cell tuples
    would make every full garbage collection (run on the GUI thread) a visible pause.
    """

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = tuple(headers)  # ID, name, phone, card, last purchase, purchases
        self.people: list[Any] = []
        self.zone = ZoneInfo("Europe/Moscow")
        self.lang = "ru"

    def set_people(self, people: Sequence[Any], zone: ZoneInfo, lang: str) -> None:
        """Show these customers (app.core.services.reports.SegmentCustomer), in their order."""
        self.beginResetModel()
        self.people = list(people)
        self.zone, self.lang = zone, lang
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of customers."""
        return 0 if parent.isValid() else len(self.people)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Six columns."""
        return 0 if parent.isValid() else len(self.headers)

    def _value(self, c: Any, column: int) -> Any:
        return (c.customer_id, c.name, c.phone_masked, c.card, c.last_purchase_at, c.purchases)[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The customer's id, name, masked phone, card, last purchase (local time) and purchases."""
        if not index.isValid():
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in (0, 5) else _LEFT
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        value = self._value(self.people[index.row()], column)
        if column == 4:
            return cell_text(Cell("datetime", value), self.lang, "pdf", self.zone)
        return str(value) if value is not None else "—"

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by a column's values in one Python sort."""
        if not 0 <= column < len(self.headers) or not self.people:
            return
        self.layoutAboutToBeChanged.emit()

        def key(c: Any) -> Any:
            v = self._value(c, column)
            return (_NONE_KEY if v is None else v) if column in (0, 4, 5) else str(v).casefold()

        before = self.persistentIndexList()
        ids = [id(c) for c in self.people]
        self.people.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        where = {id(c): row for row, c in enumerate(self.people)}
        self.changePersistentIndexList(before, [self.index(where[ids[i.row()]], i.column()) for i in before])
        self.layoutChanged.emit()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column headings."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return str(section + 1)


@dataclass(frozen=True)
class Col:
    """A column of a RecordsModel: heading, text of a record, optional sort key, numeric alignment."""

    title: str
    text: Callable[[Any], str]
    key: Callable[[Any], Any] | None = None
    numeric: bool = False


class RecordsModel(QAbstractTableModel):
    """A read-only list of frozen records (cashiers, versions, audit rows, coupons), one per row."""

    def __init__(self, columns: Sequence[Col], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.rows: tuple[Any, ...] = ()

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = tuple(rows)
        self.endResetModel()

    def record(self, row: int) -> Any:
        """The record shown in a row."""
        return self.rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of records."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, alignment and sort key of a cell."""
        if not index.isValid():
            return None
        record, col = self.rows[index.row()], self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(record)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if col.numeric else _LEFT
        if role == SORT_ROLE:
            return col.key(record) if col.key is not None else col.text(record).casefold()
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column headings."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title if 0 <= section < len(self.columns) else None
        return str(section + 1)


# ----------------------------------------------------------------------------- editable rows


class FieldError(ValueError):
    """A value the manager typed that cannot become program JSON; path names the key (tiers[1].min_spend).

    `code` (field_integer, field_money, field_weekdays) and `params` word it (app.ui.wording)."""

    def __init__(self, path: str, code: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.code = code
        self.params = {"path": path}
        self.message = message


@dataclass(frozen=True)
class FieldSpec:
    """A column of an editable list: its JSON key, heading, kind of value and default text."""

    key: str
    title: str
    kind: str = "text"  # text, int, money (roubles typed, kopecks stored), decimal, weekdays, time
    default: str = ""
    optional: bool = False  # empty text leaves the key out


def roubles_text(kopecks: int) -> str:
    """Kopecks as roubles to edit: "30 000" or "75,50" (parse_money reads both back exactly)."""
    roubles, kop = divmod(abs(kopecks), 100)
    digits = f"{roubles:,}".replace(",", " ")
    text = digits if kop == 0 else f"{digits},{kop:02d}"
    return f"-{text}" if kopecks < 0 else text


def _weekdays_text(days: Any) -> str:
    if not isinstance(days, list):
        return str(days)
    ordered = sorted(d for d in days if isinstance(d, int))
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{ordered[0]}-{ordered[-1]}"
    return ",".join(str(d) for d in days)


def _weekdays(text: str) -> list[int]:
    days: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            days += range(int(lo), int(hi) + 1)
        else:
            days.append(int(part))
    return days


def value_to_text(kind: str, value: Any) -> str:
    """A JSON value as the text of its cell."""
    if value is None:
        return ""
    if kind == "money" and isinstance(value, int) and not isinstance(value, bool):
        return roubles_text(value)
    if kind == "weekdays":
        return _weekdays_text(value)
    return str(value)


def text_to_value(kind: str, text: str, path: str) -> Any:
    """The text of a cell as its JSON value; FieldError names the cell when it cannot be read."""
    text = text.strip()
    try:
        if kind == "int":
            return int(text.replace(" ", "").replace("\u202f", "").replace("\u00a0", ""))
        if kind == "money":
            return parse_money(text)
        if kind == "weekdays":
            return _weekdays(text)
        if kind == "decimal":
            return text.replace(",", ".")
    except ValueError as exc:
        code = {"money": "field_money", "weekdays": "field_weekdays"}.get(kind, "field_integer")
        raise FieldError(path, code, str(exc)) from None
    return text


class EditableRowsModel(QAbstractTableModel):
    """Rows of a program list (tiers, happy hours, stamps, gifts, multipliers) as text the manager edits."""

    edited = Signal()

    def __init__(self, key: str, fields: Sequence[FieldSpec], parent: Any = None) -> None:
        super().__init__(parent)
        self.key = key
        self.fields = tuple(fields)
        self.rows: list[list[str]] = []

    # -- plain values in and out

    def load(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Show these JSON objects."""
        self.beginResetModel()
        self.rows = [[value_to_text(f.kind, item.get(f.key)) for f in self.fields] for item in items]
        self.endResetModel()

    def to_json(self) -> list[dict[str, Any]]:
        """The rows as JSON objects; FieldError names the first cell that cannot be read."""
        out = []
        for r, row in enumerate(self.rows):
            item: dict[str, Any] = {}
            for c, spec in enumerate(self.fields):
                text = row[c]
                if not text.strip() and spec.optional:
                    continue
                item[spec.key] = text_to_value(spec.kind, text, f"{self.key}[{r}].{spec.key}")
            out.append(item)
        return out

    def add_row(self) -> int:
        """Append a row of defaults; its number."""
        n = len(self.rows)
        self.insertRows(n, 1)
        return n

    # -- Qt

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of rows."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of fields."""
        return 0 if parent.isValid() else len(self.fields)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The typed text of a cell."""
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            kind = self.fields[index.column()].kind
            return _RIGHT if kind in ("int", "money", "decimal") else _LEFT
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Keep what the manager typed (checked only when the program is built)."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self.rows[index.row()][index.column()] = "" if value is None else str(value)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        self.edited.emit()
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Every cell is editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Field headings."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.fields[section].title if 0 <= section < len(self.fields) else None
        return str(section + 1)

    def insertRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """Insert rows of default values."""
        if parent.isValid() or count < 1 or not 0 <= row <= len(self.rows):
            return False
        self.beginInsertRows(QModelIndex(), row, row + count - 1)
        for _ in range(count):
            self.rows.insert(row, [f.default for f in self.fields])
        self.endInsertRows()
        self.edited.emit()
        return True

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """Remove rows."""
        if parent.isValid() or count < 1 or row < 0 or row + count > len(self.rows):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del self.rows[row : row + count]
        self.endRemoveRows()
        self.edited.emit()
        return True
