"""The dashboard: a period and filters, the headline figures, four charts and every report table, with exports.

Two answers come from the reports worker: the headline figures first (`ReportsService.dashboard`,
fast), then the whole report for the charts and tables. A newer choice of period or filter makes
older answers stale; they are dropped when they arrive.

On a terminal enrolled with a server the scope can be the whole chain: the same two answers then
come from the server's reports API, on a worker of their own (a slow or silent server never holds
up this terminal's figures), with the stores side by side on a page of their own. When the server
cannot answer, the manager is told why and the screen goes back to this terminal's figures.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.fmt import NNBSP, group_thousands
from app.core.services.reports import Dashboard, Filters, StoreRow
from app.ui import i18n
from app.ui.manager import ops
from app.ui.manager.charts import ANONYMOUS, CARD, EXPIRED, ISSUED, REDEEMED, Chart, ChartSeries, fold_days
from app.ui.manager.ops import (
    ChainFigures,
    FilterChoices,
    ManagerServices,
    PeriodChoice,
    ReportBundle,
    ResolvedPeriod,
)
from app.ui.manager.payback import PaybackPanel
from app.ui.manager.reports_view import ReportsView
from app.ui.manager.widgets import Busy, ChooseFolder, Tile, avg_money_text, count_text, money_text, share_text
from app.ui.pin_dialog import set_status
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["DashboardTab"]

_DEBOUNCE_MS = 250  # typing a date or flicking through presets asks once, not per keystroke


def _axis_roubles(kopecks: int) -> str:
    """Whole roubles for an axis ("12 000 ₽")."""
    roubles = abs(kopecks) // 100
    sep = NNBSP if i18n.language() == "ru" else ","
    text = group_thousands(roubles, sep)
    text = f"{text}\u00a0₽" if i18n.language() == "ru" else f"RUB\u00a0{text}"
    return f"−{text}" if kopecks < 0 else text


def _day_label(day: date) -> str:
    return day.strftime("%d.%m") if i18n.language() == "ru" else day.strftime("%m-%d")


class DashboardTab(QWidget):
    """Period, cashier and store filters; tiles, charts and report tables; PDF and CSV export."""

    def __init__(
        self,
        services: ManagerServices,
        worker: Worker,
        parent: QWidget | None = None,
        chain_worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.s = services
        self.worker = worker  # the reports worker: long reads only
        self.chain_worker = chain_worker  # the server's answers (None: this terminal has no server)
        self.generation = 0
        self.resolved: ResolvedPeriod | None = None
        self.figures: Dashboard | None = None
        self.bundle: ReportBundle | None = None
        self.stores: tuple[str, ...] = ()
        self.local_stores: tuple[str, ...] = ()  # the names this terminal's own data offers
        self.chain_figures: ChainFigures | None = None
        self.last_export: Path | None = None
        self._loading = False
        self.large = False  # bigger type on a big screen
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 4)
        column.setSpacing(6)
        column.addLayout(self._filter_bar())
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        column.addWidget(self.status)
        self.pages = QTabWidget(self)
        # Compact page tabs: all seven and the export buttons fit 1024 pixels without scroll arrows.
        self.pages.setStyleSheet("QTabBar::tab { padding: 5px 9px; }")
        self.pages.addTab(self._overview(), self.tr("Overview"))
        # The exports sit by the report's pages (what they save), which leaves the filter bar room
        # for the scope and store choices of a chain at 1280 pixels.
        exports = QWidget(self.pages)
        buttons = QHBoxLayout(exports)
        buttons.setContentsMargins(0, 0, 2, 3)
        buttons.setSpacing(6)
        # As tall as the page tabs beside them: the touch-sized default would be cut by the pages' frame.
        exports.setStyleSheet("QPushButton { min-height: 30px; max-height: 30px; padding: 0 10px; }")
        buttons.addWidget(self.pdf)
        buttons.addWidget(self.csv)
        self.pages.setCornerWidget(exports, Qt.Corner.TopRightCorner)
        # The report's pages sit beside the overview, under the same filters.
        self.reports = ReportsView(self.pages)
        column.addWidget(self.pages, 1)

    # ------------------------------------------------------------------ building

    def _filter_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.scope = QComboBox(self)
        self.scope.addItem(self.tr("This terminal"), "terminal")
        self.scope.addItem(self.tr("Whole chain"), "chain")
        self.scope.setToolTip(self.tr("This terminal's sales, or the whole chain's from the server"))
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.scope.setVisible(False)  # offered once the terminal is known to be enrolled with a server
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.preset = QComboBox(self)
        for key, text in (
            ("today", self.tr("Today")),
            ("7d", self.tr("7 days")),
            ("30d", self.tr("30 days")),
            ("month", self.tr("This month")),
            ("custom", self.tr("Custom")),
        ):
            self.preset.addItem(text, key)
        self.preset.setCurrentIndex(2)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.first = QDateEdit(self)
        self.last = QDateEdit(self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.setDate(QDate.currentDate())
            edit.dateChanged.connect(self._dates_edited)
        self.cashier = QComboBox(self)
        self.cashier.addItem(self.tr("All cashiers"), None)
        self.cashier.setMinimumContentsLength(12)
        self.cashier.currentIndexChanged.connect(self._filters_changed)
        self.store = QComboBox(self)
        self.store.addItem(self.tr("All stores"), None)
        self.store.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.store.currentIndexChanged.connect(self._filters_changed)
        self.store.setVisible(False)  # shown only when the data has several stores
        self.busy = Busy(self)
        self.pdf = QPushButton(self.tr("PDF…"), self)
        self.pdf.setToolTip(self.tr("Save the report as a PDF file"))
        self.pdf.clicked.connect(self.export_pdf)
        self.csv = QPushButton(self.tr("CSV…"), self)
        self.csv.setToolTip(self.tr("Save the report's tables as CSV files for Excel"))
        self.csv.clicked.connect(self.export_csv)
        refresh = QPushButton(self.tr("Refresh"), self)
        refresh.clicked.connect(self.refresh)
        for button in (self.pdf, self.csv):
            button.setEnabled(False)
        dash = QLabel("–", self)
        for widget in (
            self.scope,
            self.preset,
            self.first,
            dash,
            self.last,
            self.cashier,
            self.store,
            refresh,
            self.busy,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _overview(self) -> QWidget:
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(4, 6, 4, 4)
        column.setSpacing(8)
        self.period_label = QLabel(inner)
        self.period_label.setObjectName("muted")
        column.addWidget(self.period_label)
        self.tile_grid = tiles = QGridLayout()
        tiles.setSpacing(6)
        captions = [
            ("revenue", self.tr("Revenue")),
            ("sales", self.tr("Sales")),
            ("card_share", self.tr("Sales with a card")),
            ("average_check", self.tr("Average check")),
            ("average_card", self.tr("Average check, card")),
            ("average_anonymous", self.tr("Average check, no card")),
            ("active_30", self.tr("Active cards, 30 days")),
            ("new_enrollments", self.tr("New members")),
            ("issued", self.tr("Points issued")),
            ("redeemed", self.tr("Points redeemed")),
            ("liability", self.tr("Points held by customers")),
            ("liability_kopecks", self.tr("Liability in roubles")),
        ]
        self.tiles: dict[str, Tile] = {}
        for key, caption in captions:
            self.tiles[key] = Tile(caption, inner)
        self._tile_columns = 0
        self._place_tiles(6)
        column.addLayout(tiles)
        # Right under the headline figures: does the program pay for itself in this period?
        self.payback = PaybackPanel(inner)
        column.addWidget(self.payback)
        charts = QGridLayout()
        charts.setSpacing(8)
        self.charts = {
            "revenue": Chart(self.tr("Revenue by day: with a card and without"), "stacked", _axis_roubles, inner),
            "active": Chart(self.tr("Active cards (bought in the last 30 days)"), "lines", count_text, inner),
            "points": Chart(self.tr("Points: issued, redeemed, expired"), "bars", count_text, inner),
            "tiers": Chart(self.tr("Customers by tier"), "hbars", count_text, inner),
        }
        for i, chart in enumerate(self.charts.values()):
            chart.set_data([], [], self.tr("Loading…"))
            charts.addWidget(chart, i // 2, i % 2)
        column.addLayout(charts, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Charts need height; below it the page scrolls instead of squashing them.
        inner.setMinimumHeight(760)
        return scroll

    def _place_tiles(self, columns: int) -> None:
        """Six tiles a row on a wide screen, four on a 1024-pixel one."""
        if columns == self._tile_columns:
            return
        self._tile_columns = columns
        for i, tile in enumerate(self.tiles.values()):
            self.tile_grid.addWidget(tile, i // columns, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Reflow the tiles for the width; bigger type from 1500 pixels (a 1920×1080 screen)."""
        width = event.size().width()
        self._place_tiles(6 if width >= 1180 else 4)
        large = width >= 1500
        if large != self.large:
            self.large = large
            for tile in self.tiles.values():
                tile.set_large(large)
            self.payback.set_large(large)
        super().resizeEvent(event)

    # ------------------------------------------------------------------ choices

    def choice(self) -> PeriodChoice:
        """The period as chosen now."""
        preset = str(self.preset.currentData())
        if preset != "custom":
            return PeriodChoice(preset)
        return PeriodChoice("custom", self.first.date().toPython(), self.last.date().toPython())

    def filters(self) -> Filters:
        """The cashier and store filters as chosen now."""
        return Filters(cashier=self.cashier.currentData(), store=self.store.currentData())

    def chain(self) -> bool:
        """True when the whole chain is reported on (from the server), False for this terminal."""
        return self.scope.currentData() == "chain" and self.chain_worker is not None and self.s.chain is not None

    def set_scope(self, chain: bool) -> None:
        """Choose the whole chain or this terminal (and refresh shortly)."""
        self.scope.setCurrentIndex(self.scope.findData("chain" if chain else "terminal"))

    def set_custom_period(self, first: date, last: date) -> None:
        """Choose custom days (and refresh shortly)."""
        for edit, day in ((self.first, first), (self.last, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.preset.setCurrentIndex(self.preset.findData("custom"))
        self._debounce.start()

    def set_filter_choices(self, choices: FilterChoices) -> None:
        """Offer these cashiers and stores (keeping the current choice), and the chain scope when enrolled."""
        self._merge_cashiers(choices.cashiers)
        self.local_stores = choices.stores
        if not self.chain():
            self._offer_stores(choices.stores)
        self.scope.setVisible(choices.chain and self.chain_worker is not None and self.s.chain is not None)

    def _offer_stores(self, names: tuple[str, ...]) -> None:
        """The store filter's names (keeping the current choice when it is among them)."""
        self.stores = names
        current = self.store.currentData()
        self.store.blockSignals(True)
        while self.store.count() > 1:
            self.store.removeItem(1)
        for name in names:
            self.store.addItem(name, name)
        if current in names:
            self.store.setCurrentIndex(self.store.findData(current))
        self.store.blockSignals(False)
        self.store.setVisible(len(names) > 1)

    def _merge_cashiers(self, names: tuple[str, ...] | list[str]) -> None:
        have = {self.cashier.itemData(i) for i in range(1, self.cashier.count())}
        for name in names:
            if name not in have:
                self.cashier.addItem(name, name)
                have.add(name)

    @Slot(int)
    def _preset_changed(self, _index: int) -> None:
        self._debounce.start()

    @Slot(QDate)
    def _dates_edited(self, _value: QDate) -> None:
        # Typing a date means a custom period.
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData("custom"))
        self.preset.blockSignals(False)
        self._debounce.start()

    @Slot(int)
    def _filters_changed(self, _index: int) -> None:
        self._debounce.start()

    @Slot(int)
    def _scope_changed(self, _index: int) -> None:
        chain = self.chain()
        if chain and not self._server_login():
            self.scope.blockSignals(True)
            self.scope.setCurrentIndex(self.scope.findData("terminal"))
            self.scope.blockSignals(False)
            return
        self.reports.set_chain(chain)
        self.chain_figures = None
        # A store filter is a name of this scope's stores: the chain's come with its first answer.
        self.store.blockSignals(True)
        self.store.setCurrentIndex(0)
        self.store.blockSignals(False)
        self._offer_stores(() if chain else self.local_stores)
        self._debounce.start()

    def _server_login(self) -> bool:
        """True when the manager is logged in to the server (asked now when not yet)."""
        from app.ui.manager.server_login import logged_in

        assert self.s.chain is not None and self.chain_worker is not None
        return logged_in(self.s.chain, self.chain_worker, self)

    # ------------------------------------------------------------------ loading

    @Slot()
    def refresh(self) -> None:
        """Ask for the headline figures of the current choice, then the full report."""
        self._debounce.stop()
        self.generation += 1
        generation = self.generation
        self.bundle = None
        self.pdf.setEnabled(False)
        self.csv.setEnabled(False)
        self.payback.show_payback(None, loading=True)
        if self.chain():
            assert self.chain_worker is not None
            self._set_loading(True, self.tr("Asking the server…"))
            self.chain_worker.run(
                ops.load_chain_dashboard,
                self.s,
                self.choice(),
                self.filters(),
                on_done=partial(self._chain_dashboard_done, generation),
                on_error=partial(self._chain_failed, generation),
            )
            return
        self._set_loading(True, self.tr("Loading figures…"))
        self.worker.run(
            ops.load_dashboard,
            self.s,
            self.choice(),
            self.filters(),
            on_done=partial(self._dashboard_done, generation),
            on_error=partial(self._failed, generation),
        )

    def loading(self) -> bool:
        """True until the full report of the current choice has arrived (or failed)."""
        return self._loading

    def _set_loading(self, loading: bool, text: str = "") -> None:
        self._loading = loading
        self.busy.set_busy(loading, text)

    def _dashboard_done(self, generation: int, result: tuple[ResolvedPeriod, Dashboard]) -> None:
        if generation != self.generation:
            return  # a newer choice is on its way
        resolved, figures = result
        self.resolved, self.figures = resolved, figures
        self._show_dates(resolved)
        self.show_figures(figures)
        self._set_loading(True, self.tr("Loading report…"))
        self.worker.run(
            ops.load_report,
            self.s,
            resolved.period,
            figures.filters,
            on_done=partial(self._report_done, generation),
            on_error=partial(self._failed, generation),
        )

    def _chain_dashboard_done(self, generation: int, figures: ChainFigures) -> None:
        if generation != self.generation:
            return
        set_status(self.status, "")  # the server answers again: an old failure no longer applies
        self.chain_figures = figures
        self.resolved, self.figures = figures.resolved, figures.dashboard
        self._show_dates(figures.resolved)
        self.show_figures(figures.dashboard)
        self.reports.show_stores(figures.table)
        if self.store.currentData() is None:
            # The chain's stores become the filter's choices (a filtered answer lists only one).
            self._offer_stores(tuple(sorted(r.store for r in figures.stores if r.store is not None)))
        assert self.chain_worker is not None
        self._set_loading(True, self.tr("Loading the chain's report…"))
        self.chain_worker.run(
            ops.load_chain_report,
            self.s,
            figures.resolved.period,
            figures.dashboard.filters,
            on_done=partial(self._report_done, generation),
            on_error=partial(self._chain_failed, generation),
        )

    def _chain_failed(self, generation: int, error: BaseException) -> None:
        if generation != self.generation:
            return
        self._set_loading(False)
        set_status(
            self.status,
            self.tr("The chain's figures could not be had from the server: {reason}. Showing this terminal's.").format(
                reason=explain(error)
            ),
            "error",
        )
        # This terminal's own figures stay usable: back to them at once.
        self.scope.blockSignals(True)
        self.scope.setCurrentIndex(self.scope.findData("terminal"))
        self.scope.blockSignals(False)
        self.reports.set_chain(False)
        self.chain_figures = None
        self.store.blockSignals(True)
        self.store.setCurrentIndex(0)
        self.store.blockSignals(False)
        self._offer_stores(self.local_stores)
        self.refresh()

    def _report_done(self, generation: int, bundle: ReportBundle) -> None:
        if generation != self.generation:
            return
        self.bundle = bundle
        self._merge_cashiers([r.cashier for r in bundle.report.sales.by_cashier if r.cashier is not None])
        self.show_charts(bundle)
        self.payback.show_payback(bundle.report.payback)
        self.reports.show_bundle(bundle)
        self._set_loading(False)
        self.pdf.setEnabled(True)
        self.csv.setEnabled(True)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self.generation:
            return
        self._set_loading(False)
        self.payback.show_payback(None)
        text = self.tr("The report could not be computed: {reason}").format(reason=explain(error))
        set_status(self.status, text, "error")

    def _show_dates(self, resolved: ResolvedPeriod) -> None:
        for edit, day in ((self.first, resolved.first), (self.last, resolved.last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        fmt = "%d.%m.%Y" if i18n.language() == "ru" else "%Y-%m-%d"
        text = self.tr("{first} – {last}, local days ({zone})").format(
            first=resolved.first.strftime(fmt), last=resolved.last.strftime(fmt), zone=resolved.timezone
        )
        store = self.chain_figures.dashboard.filters.store if self.chain() and self.chain_figures else None
        if store is not None:
            # A manager's login reads its own stores only (the server filters on the first): «Вся сеть»
            # above the figures would claim the whole chain's.
            text = self.tr("Store «{store}», from the server: {period}").format(store=store, period=text)
        elif self.chain():
            text = self.tr("Whole chain, from the server: {period}").format(period=text)
        self.period_label.setText(text)

    # ------------------------------------------------------------------ showing

    def show_figures(self, d: Dashboard) -> None:
        """The twelve headline tiles."""
        t = self.tiles
        t["revenue"].set_value(money_text(d.revenue), self.tr("Paid on the period's receipts minus money refunded"))
        t["sales"].set_value(count_text(d.sales))
        t["card_share"].set_value(
            f"{count_text(d.card_sales)} · {share_text(d.card_share)}", self.tr("Receipts with a loyalty card")
        )
        t["average_check"].set_value(avg_money_text(d.average_check), self.tr("Paid / receipts"))
        t["average_card"].set_value(avg_money_text(d.average_check_card))
        t["average_anonymous"].set_value(avg_money_text(d.average_check_anonymous))
        t["active_30"].set_value(count_text(d.active_30), self.tr("Customers who bought in the 30 days before the end"))
        t["new_enrollments"].set_value(count_text(d.new_enrollments))
        t["issued"].set_value(count_text(d.issued))
        t["redeemed"].set_value(count_text(d.redeemed))
        t["liability"].set_value(
            count_text(d.liability), self.tr("Available and pending points minus debt, at the end")
        )
        t["liability_kopecks"].set_value(money_text(d.liability_kopecks), self.tr("Points held × the value of a point"))

    def show_charts(self, bundle: ReportBundle) -> None:
        """Revenue, active cards, points and tiers."""
        r = bundle.report
        empty = self.tr("No data in this period")
        s = r.series
        days = [x.day for x in s.revenue]
        folded, (card, anonymous) = fold_days(days, [[x.card for x in s.revenue], [x.anonymous for x in s.revenue]])
        labels = [_day_label(d) for d in folded]
        self.charts["revenue"].set_data(
            labels,
            [
                ChartSeries(self.tr("With a card"), CARD, tuple(card)),
                ChartSeries(self.tr("Without a card"), ANONYMOUS, tuple(anonymous)),
            ],
            empty,
        )
        folded, (active,) = fold_days([x.day for x in s.active], [[x.active for x in s.active]], last=True)
        self.charts["active"].set_data(
            [_day_label(d) for d in folded], [ChartSeries(self.tr("Active cards"), CARD, tuple(active))], empty
        )
        folded, (issued, redeemed, expired) = fold_days(
            [x.day for x in s.points],
            [[x.issued for x in s.points], [x.redeemed for x in s.points], [x.expired for x in s.points]],
        )
        self.charts["points"].set_data(
            [_day_label(d) for d in folded],
            [
                ChartSeries(self.tr("Issued"), ISSUED, tuple(issued)),
                ChartSeries(self.tr("Redeemed"), REDEEMED, tuple(redeemed)),
                ChartSeries(self.tr("Expired"), EXPIRED, tuple(expired)),
            ],
            empty,
        )
        self.charts["tiers"].set_data(
            [t.name for t in r.tiers],
            [ChartSeries(self.tr("Customers"), CARD, tuple(t.customers for t in r.tiers))],
            empty,
        )

    # ------------------------------------------------------------------ exports

    def _folder(self, title: str) -> Path | None:
        return ChooseFolder(self, title).ask()

    def _store_name(self) -> str | None:
        chosen = self.store.currentData()
        if chosen is not None:
            return str(chosen)
        if self.bundle is not None and self.bundle.stores is not None:
            return self.tr("Whole chain")
        return self.stores[0] if len(self.stores) == 1 else None

    def _store_rows(self) -> tuple[StoreRow, ...] | None:
        return None if self.bundle is None else self.bundle.stores

    @Slot()
    def export_pdf(self) -> None:
        """Save the report shown as a PDF into a folder the manager picks."""
        if self.bundle is None:
            return
        folder = self._folder(self.tr("Folder for the PDF report"))
        if folder is None:
            return
        self.busy.set_busy(True, self.tr("Saving PDF…"))
        self.worker.run(
            ops.export_report_pdf,
            self.bundle.report,
            folder,
            i18n.language(),
            self._store_name(),
            self._store_rows(),
            on_done=self._exported,
            on_error=self._export_failed,
        )

    @Slot()
    def export_csv(self) -> None:
        """Save the report shown as CSV files into a folder the manager picks."""
        if self.bundle is None:
            return
        folder = self._folder(self.tr("Folder for the CSV files"))
        if folder is None:
            return
        self.busy.set_busy(True, self.tr("Saving CSV…"))
        self.worker.run(
            ops.export_report_csv,
            self.bundle.report,
            folder,
            i18n.language(),
            self._store_rows(),
            on_done=self._exported,
            on_error=self._export_failed,
        )

    def _exported(self, result: Any) -> None:
        self.busy.set_busy(self._loading)
        path = result[0].parent if isinstance(result, list) and result else result
        self.last_export = Path(path)
        set_status(self.status, self.tr("Saved: {path}").format(path=path), "info")

    def _export_failed(self, error: BaseException) -> None:
        self.busy.set_busy(self._loading)
        set_status(self.status, self.tr("Could not save: {reason}").format(reason=explain(error)), "error")
