"""The report's tables on screen: sales and cashiers, customers and tiers, segments with their customers,
points and what they are spent on, coupons, gifts and stamps, and the CLV estimate with its formula.

The tables are the ones the CSV and PDF exports write (app/reports/tables.py), so the screen, the
printout and the spreadsheet show the same rows with the same wording.
"""

from __future__ import annotations

from fractions import Fraction
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.money import round_half_up
from app.reports.tables import SEGMENT_NAMES, Table, lifetime_formula, split_stores_table
from app.ui import i18n
from app.ui.manager.models import ReportTableModel, SegmentCustomersModel
from app.ui.manager.ops import ReportBundle
from app.ui.manager.widgets import avg_money_text, money_text

__all__ = ["ReportsView", "make_table_view"]

_LISTS = frozenset({"cashiers", "categories", "coupons", "rewards", "stamps", "tiers"})


def make_table_view(model: QAbstractItemModel, parent: QWidget | None = None) -> QTableView:
    """A read-only table view sized for reading: whole rows selected, last column stretched."""
    view = QTableView(parent)
    # Tab leaves the table for the next field (arrows move between cells): a keyboard is never trapped.
    view.setTabKeyNavigation(False)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(32)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    # Column widths from the first rows only: a segment can list 100,000 customers.
    header.setResizeContentsPrecision(200)
    view.setWordWrap(False)
    return view


class _Block(QWidget):
    """A titled report table with its note underneath."""

    def __init__(self, lang: str, sortable: bool = False, stretch: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stretch = stretch  # the column that takes the spare width: the labels, not the money
        self.model = ReportTableModel(lang, self)
        self.lang = lang
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.view = make_table_view(self.model, self)
        if sortable:
            # Rows stay in the report's order (most purchases first) until a heading is clicked.
            self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self.view.setSortingEnabled(True)
        self.note = QLabel(self)
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.show_note = True
        column.addWidget(self.title)
        column.addWidget(self.view, 1)
        column.addWidget(self.note)

    def set_table(self, table: Table | None, zone: ZoneInfo) -> None:
        """Show a table, its title and note."""
        self.model.set_table(table, zone)
        self.title.setText(table.title.label(self.lang) if table is not None else "")
        note = table.note.label(self.lang) if table is not None and table.note is not None else ""
        self.note.setText(note)
        self.note.setVisible(bool(note) and self.show_note)
        # Figures keep the width their text needs (measured in the view's own font, whenever it is
        # laid out); the label column takes what is left.
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if table is not None and self.stretch < len(table.columns):
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Stretch)


class ReportsView(QObject):
    """Pages of report tables added to a tab widget (beside the overview), filled from one ReportBundle."""

    def __init__(self, tabs: QTabWidget) -> None:
        super().__init__(tabs)
        self.tabs = tabs
        self.lang = i18n.language()
        self.blocks: dict[str, _Block] = {}
        self.bundle: ReportBundle | None = None
        self.zone = ZoneInfo("Europe/Moscow")
        self.first_page = tabs.count()
        # The chain's stores side by side: a page shown only when the report is the whole chain's.
        self.stores_page = self._page(("stores_sales", "stores_customers"))
        tabs.addTab(self.stores_page, self.tr("Stores"))
        tabs.setTabVisible(tabs.indexOf(self.stores_page), False)
        tabs.addTab(self._page(("sales", "cashiers")), self.tr("Sales"))
        tabs.addTab(self._page(("customers", "tiers")), self.tr("Customers and tiers"))
        tabs.addTab(self._segments_page(), self.tr("Segments"))
        tabs.addTab(self._page(("points", "categories")), self.tr("Points"))
        tabs.addTab(self._page(("coupons", "rewards", "stamps")), self.tr("Coupons, gifts, stamps"))
        tabs.addTab(self._lifetime_page(), self.tr("Lifetime value"))

    def _block(self, key: str, sortable: bool = False, stretch: int = 0) -> _Block:
        block = _Block(self.lang, sortable, stretch, self.tabs)
        self.blocks[key] = block
        return block

    def _page(self, keys: tuple[str, ...]) -> QWidget:
        page = QWidget(self.tabs)
        # Stacked: the tables are short and wide (money columns), so they read best full width.
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        for key in keys:
            # Lists (cashiers, codes, categories, gifts) sort by a click on a heading; summaries keep their order.
            splitter.addWidget(self._block(key, sortable=key in _LISTS))
        column = QVBoxLayout(page)
        column.setContentsMargins(8, 8, 8, 8)
        column.addWidget(splitter)
        return page

    def _segments_page(self) -> QWidget:
        page = QWidget(self.tabs)
        grid = QGridLayout(page)
        grid.setContentsMargins(8, 8, 8, 8)
        segments = self._block("segments")
        segments.view.setMaximumHeight(200)
        people = QWidget(page)
        people_column = QVBoxLayout(people)
        people_column.setContentsMargins(0, 0, 0, 0)
        self.people_title = QLabel(people)
        self.people_title.setObjectName("title")
        self.people = SegmentCustomersModel(
            [
                self.tr("ID"),
                self.tr("Name"),
                self.tr("Phone"),
                self.tr("Card"),
                self.tr("Last purchase"),
                self.tr("Purchases"),
            ],
            self,
        )
        self.people_view = make_table_view(self.people, people)
        header = self.people_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        # Rows stay in the report's order (most purchases first) until a heading is clicked.
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.people_view.setSortingEnabled(True)
        people_column.addWidget(self.people_title)
        people_column.addWidget(self.people_view, 1)
        self.segment_hint = QLabel(self.tr("Choose a segment above to see its customers."), page)
        self.segment_hint.setObjectName("muted")
        grid.addWidget(segments, 0, 0)
        grid.addWidget(self.segment_hint, 1, 0)
        grid.addWidget(people, 2, 0)
        grid.setRowStretch(2, 1)
        segments.view.selectionModel().selectionChanged.connect(self._segment_chosen)
        return page

    def _lifetime_page(self) -> QWidget:
        page = QWidget(self.tabs)
        column = QVBoxLayout(page)
        column.setContentsMargins(8, 8, 8, 8)
        self.clv_value = QLabel(page)
        self.clv_value.setObjectName("due")
        self.clv_value.setWordWrap(True)
        self.clv_worked = QLabel(page)
        self.clv_worked.setObjectName("title")
        self.clv_worked.setWordWrap(True)
        self.clv_formula = QLabel(lifetime_formula(self.lang), page)
        self.clv_formula.setWordWrap(True)
        self.clv_formula.setStyleSheet("font-size: 17px;")
        column.addWidget(self.clv_value)
        column.addWidget(self.clv_worked)
        column.addWidget(self.clv_formula)
        lifetime = self._block("lifetime")
        lifetime.show_note = False  # the formula is shown above, in larger type
        column.addWidget(lifetime, 1)
        return page

    # ------------------------------------------------------------------ filling

    def set_chain(self, chain: bool) -> None:
        """Offer the stores page (the whole chain's report) or hide it (this terminal's)."""
        self.tabs.setTabVisible(self.tabs.indexOf(self.stores_page), chain)
        if not chain:
            self.show_stores(None)

    def show_stores(self, table: Table | None) -> None:
        """The chain's store rows, as soon as the headline figures bring them (before the full report)."""
        # Twelve columns do not fit 1280 pixels: sales and checks above, customers and points below.
        sales, people = split_stores_table(table) if table is not None else (None, None)
        self.blocks["stores_sales"].set_table(sales, self.zone)
        self.blocks["stores_customers"].set_table(people, self.zone)

    def show_bundle(self, bundle: ReportBundle | None) -> None:
        """Fill every page from a report (None: clear)."""
        self.bundle = bundle
        if bundle is not None:
            self.zone = ZoneInfo(bundle.report.timezone)
        for key, block in self.blocks.items():
            if not key.startswith("stores_"):
                block.set_table(bundle.tables.get(key) if bundle is not None else None, self.zone)
        if bundle is not None and "stores" in bundle.tables:
            self.show_stores(bundle.tables["stores"])
        self.people.set_people([], self.zone, self.lang)
        self.people_title.setText("")
        self.segment_hint.setText(self.tr("Choose a segment above to see its customers."))
        self._show_lifetime()
        if bundle is not None:
            # The customers worth a message first: at risk, then lost, then the others.
            counts = {seg.key: seg.count for seg in bundle.report.segments}
            order = ("at_risk", "lost", "active", "never")
            self.choose_segment(next((k for k in order if counts.get(k)), "at_risk"))

    def choose_segment(self, key: str) -> None:
        """Show the customers of one segment (active, at_risk, lost, never)."""
        if self.bundle is None:
            return
        keys = [s.key for s in self.bundle.report.segments]
        if key in keys:
            self.blocks["segments"].view.selectRow(keys.index(key))

    @Slot(QItemSelection, QItemSelection)
    def _segment_chosen(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self.bundle is None or not selected.indexes():
            return
        segment = self.bundle.report.segments[selected.indexes()[0].row()]
        self.people_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.people.set_people(segment.customers, self.zone, self.lang)
        self.people_title.setText(f"{SEGMENT_NAMES[segment.key].label(self.lang)}: {segment.count}")
        self.segment_hint.setText(self.tr("Most purchases first; click a heading to sort."))

    def _show_lifetime(self) -> None:
        lt = None if self.bundle is None else self.bundle.report.lifetime
        if lt is None:
            self.clv_value.setText("")
            self.clv_worked.setText("")
            return
        clv = self.bundle.report.payback.clv if self.bundle is not None and self.bundle.report.payback else None
        if clv is not None and not clv.enough and lt.value is not None:
            # A retention measured on a handful of customers says nothing: no figure (docs/reports.md §13).
            self.clv_value.setText(
                self.tr("No CLV estimate: {sample} customers, at least {minimum} needed").format(
                    sample=clv.sample, minimum=clv.minimum
                )
            )
            self.clv_worked.setText(
                self.tr("A retention measured on so few customers could put the lifetime anywhere up to 10 years.")
            )
            return
        self.clv_value.setText(self.tr("CLV estimate: {value}").format(value=money_text(lt.value)))
        if clv is not None and clv.enough:
            self.clv_value.setText(
                self.tr("CLV estimate: {value} (from {low} to {high}, 95 %)").format(
                    value=money_text(clv.value), low=money_text(clv.low), high=money_text(clv.high)
                )
            )
        if lt.value is None:
            self.clv_worked.setText(
                self.tr("No estimate yet: it needs card buyers in this period and in the one before it.")
            )
            return
        assert lt.average_check is not None and lt.purchases_per_year is not None and lt.lifetime_years is not None
        self.clv_worked.setText(
            f"{avg_money_text(lt.average_check)} × {_decimal(lt.purchases_per_year)} × "
            f"{_decimal(lt.lifetime_years)} = {money_text(lt.value)}"
        )


def _decimal(x: Fraction) -> str:
    """An exact fraction to two decimals, half up, with the screen's decimal mark."""
    scaled = round_half_up(x * 100)
    whole, frac = divmod(abs(scaled), 100)
    mark = "," if i18n.language() == "ru" else "."
    return f"{'-' if scaled < 0 else ''}{whole}{mark}{frac:02d}"
