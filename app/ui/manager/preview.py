"""What a sample basket would cost under the program in force and under the edited one, side by side.

Pricing is the shared pure function (`app.core.pricing.price`): no database, nothing written, so
it runs on every edit. The basket is a few catalog products; the sample customer has a tier,
a points balance, stamps on every stamp card, and a sale time (for happy hours).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from PySide6.QtCore import QDateTime, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import LoyaltyError
from app.core.pricing import CustomerView, LineIn, Quote, price
from app.core.program import Program
from app.core.timeutil import to_ms
from app.ui.manager.models import Col, RecordsModel
from app.ui.manager.widgets import count_text, money_text
from app.ui.theme import row_label
from app.ui.wording import explain

__all__ = ["BASKET_LINES", "Preview", "PreviewResult"]

BASKET_LINES = 3


@dataclass(frozen=True)
class PreviewResult:
    """A priced sample basket, or why it could not be priced."""

    quote: Quote | None
    error: str = ""


class Preview(QWidget):
    """Sample basket and customer; a table of figures under the current and the edited program."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.products: tuple[LineIn, ...] = ()
        self.current: Program | None = None
        self.edited: Program | None = None
        self.edited_error = ""
        self.results: tuple[PreviewResult, PreviewResult] = (PreviewResult(None), PreviewResult(None))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Preview: a sample sale under both programs"), self)
        title.setObjectName("title")
        title.setWordWrap(True)
        outer.addWidget(title)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget(scroll)
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 4, 0)

        # The figures first: they are what the manager looks at while editing.
        self.model = RecordsModel(
            [
                Col(self.tr("Figure"), itemgetter(0)),
                Col(self.tr("In force"), itemgetter(1), numeric=True),
                Col(self.tr("Edited"), itemgetter(2), numeric=True),
                Col(self.tr("Change"), itemgetter(3), numeric=True),
            ],
            self,
        )
        self.table = QTableView(inner)
        # Tab leaves the table for the next field (arrows move between cells): a keyboard is never trapped.
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        # At 1024 pixels the figure column is narrow: its words wrap onto a second line instead of
        # being cut («Начислится …» twice), and the table grows to show every row.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setFixedHeight(8 * 28 + 36)
        # A narrower figure column wraps more names: fit the table again once the columns have moved.
        self.table.horizontalHeader().sectionResized.connect(self._section_resized)
        self.table.setStyleSheet("QTableView { font-size: 15px; }")
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.table)
        self.note = QLabel(inner)
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        column.addWidget(self.note)

        basket = QGroupBox(self.tr("Sample basket"), inner)
        grid = QGridLayout(basket)
        grid.setVerticalSpacing(6)
        self.lines: list[tuple[QComboBox, QSpinBox]] = []
        for i in range(BASKET_LINES):
            product = QComboBox(basket)
            # Long product names are cut in the box (the list shows them whole), not the pane widened.
            product.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            product.setMinimumContentsLength(12)
            product.currentIndexChanged.connect(self._inputs_changed)
            qty = QSpinBox(basket)
            qty.setRange(1, 99)
            qty.setFixedWidth(90)
            qty.valueChanged.connect(self._inputs_changed)
            grid.addWidget(product, i, 0)
            grid.addWidget(qty, i, 1)
            self.lines.append((product, qty))
        grid.setColumnStretch(0, 1)
        column.addWidget(basket)

        customer = QGroupBox(self.tr("Sample customer"), inner)
        form = QFormLayout(customer)
        form.setVerticalSpacing(6)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.tier = QComboBox(customer)
        self.tier.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.tier.setMinimumContentsLength(12)
        self.tier.currentIndexChanged.connect(self._inputs_changed)
        form.addRow(row_label(self.tr("Tier")), self.tier)
        self.balance = QSpinBox(customer)
        self.balance.setRange(0, 1_000_000)
        self.balance.setValue(500)
        self.balance.valueChanged.connect(self._inputs_changed)
        form.addRow(row_label(self.tr("Points on the card")), self.balance)
        self.redeem = QCheckBox(self.tr("Pays with as many points as allowed"), customer)
        self.redeem.toggled.connect(self._inputs_changed)
        form.addRow(self.redeem)
        self.stamps = QSpinBox(customer)
        self.stamps.setRange(0, 99)
        self.stamps.valueChanged.connect(self._inputs_changed)
        form.addRow(row_label(self.tr("Stamps on each card")), self.stamps)
        self.when = QDateTimeEdit(QDateTime.currentDateTime(), customer)
        self.when.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.when.dateTimeChanged.connect(self._inputs_changed)
        form.addRow(row_label(self.tr("Sale time")), self.when)
        column.addWidget(customer)
        column.addStretch(1)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)

    # ------------------------------------------------------------------ inputs

    def set_products(self, products: Sequence[LineIn]) -> None:
        """Offer these catalog products; the first few make the default basket."""
        self.products = tuple(products)
        for i, (combo, qty) in enumerate(self.lines):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("—"), None)
            for k, p in enumerate(self.products):
                combo.addItem(f"{p.name} · {money_text(p.unit_price)}", k)
            combo.setCurrentIndex(i + 1 if i < min(len(self.products), 3) else 0)
            combo.blockSignals(False)
            qty.blockSignals(True)
            qty.setValue(2 if i == 0 else 1)
            qty.blockSignals(False)
        self.recompute()

    def set_programs(self, current: Program | None, edited: Program | None, edited_error: str = "") -> None:
        """The program in force and the edited one (None with the reason when it does not validate)."""
        self.current, self.edited, self.edited_error = current, edited, edited_error
        tiers = (edited or current).tiers if (edited or current) is not None else ()
        chosen = self.tier.currentData()
        self.tier.blockSignals(True)
        self.tier.clear()
        self.tier.addItem(self.tr("No card"), None)
        for t in sorted(tiers, key=lambda t: t.min_spend):
            self.tier.addItem(
                self.tr("{name} (from {spend})").format(name=t.name, spend=money_text(t.min_spend)), t.min_spend
            )
        index = self.tier.findData(chosen) if chosen is not None else 1
        self.tier.setCurrentIndex(index if index >= 0 else 1 if self.tier.count() > 1 else 0)
        self.tier.blockSignals(False)
        self.recompute()

    @Slot()
    def _inputs_changed(self, *_args: object) -> None:
        self.recompute()

    def basket(self) -> list[LineIn]:
        """The sample basket's lines."""
        out = []
        for combo, qty in self.lines:
            k = combo.currentData()
            if k is None:
                continue
            p = self.products[int(k)]
            out.append(LineIn(p.sku, p.name, p.category, qty.value(), p.unit_price))
        return out

    def at(self) -> int:
        """The sample sale time, UTC milliseconds (entered as local time of the program's zone)."""
        local: datetime = self.when.dateTime().toPython()
        program = self.edited or self.current
        zone = program.zone if program is not None else None
        return to_ms(local.replace(tzinfo=zone) if zone is not None else local.astimezone())

    def customer(self, program: Program) -> CustomerView | None:
        """The sample customer as pricing sees it (None: a sale without a card)."""
        spend = self.tier.currentData()
        if spend is None:
            return None
        return CustomerView(
            card="PREVIEW",
            available=self.balance.value(),
            debt=0,
            tier_spend=int(spend),
            stamps={rule.id: self.stamps.value() for rule in program.stamps},
            birthday=None,
            birthday_years_granted=frozenset(),
            referral_due=False,
        )

    # ------------------------------------------------------------------ pricing

    def price_under(self, program: Program | None, error: str = "") -> PreviewResult:
        """The sample basket priced under one program."""
        if program is None:
            return PreviewResult(None, error)
        lines = self.basket()
        if not lines:
            return PreviewResult(None, self.tr("The basket is empty"))
        customer = self.customer(program)
        redeem = "max" if self.redeem.isChecked() and customer is not None else None
        try:
            return PreviewResult(price(program, lines, self.at(), customer, None, redeem))
        except LoyaltyError as exc:
            return PreviewResult(None, explain(exc))

    @Slot(int, int, int)
    def _section_resized(self, index: int, _old: int, _new: int) -> None:
        if index == 0:
            self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its rows (some wrap onto two lines), so none is hidden."""
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(self.model.rowCount()))
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(max(rows, 8 * 28) + self.table.horizontalHeader().sizeHint().height() + frame)

    def recompute(self) -> None:
        """Price the basket under both programs and show the figures."""
        self.results = (self.price_under(self.current), self.price_under(self.edited, self.edited_error))
        rows = []
        quotes = [r.quote for r in self.results]

        def figure(label: str, text: Callable[[Quote], str], value: Callable[[Quote], int] | None = None) -> None:
            cells = ["—" if q is None else text(q) for q in quotes]
            change = ""
            if value is not None and quotes[0] is not None and quotes[1] is not None:
                delta = value(quotes[1]) - value(quotes[0])
                change = _signed(delta, money=text in (_total_of, _discount_of))
            rows.append((label, cells[0], cells[1], change))

        figure(self.tr("Tier"), _tier_of)
        figure(self.tr("Basket"), _subtotal_of)
        figure(self.tr("Discount"), _discount_of, _discount)
        figure(self.tr("Paid with points"), _redeemed_of, _redeemed)
        figure(self.tr("To pay"), _total_of, _total)
        figure(self.tr("Points earned"), _earned_of, _earned)
        figure(self.tr("Stamps earned"), _stamps_of, _stamps)
        figure(self.tr("Free units from stamps"), _free_of, _free)
        self.model.set_rows(rows)
        self._fit_height()
        problems = [r.error for r in self.results if r.quote is None and r.error]
        self.note.setText("\n".join(dict.fromkeys(problems)))
        self.changed.emit()

    def totals(self) -> tuple[int | None, int | None]:
        """The total to pay under the program in force and under the edited one (kopecks)."""
        return tuple(r.quote.total if r.quote is not None else None for r in self.results)  # type: ignore[return-value]


# What each row of the preview shows of a quote (text), and the number its change is worked out on.
def _tier_of(q: Quote) -> str:
    return q.tier or "—"


def _subtotal_of(q: Quote) -> str:
    return money_text(q.subtotal)


def _discount_of(q: Quote) -> str:
    return money_text(q.discount)


def _discount(q: Quote) -> int:
    return q.discount


def _redeemed_of(q: Quote) -> str:
    return f"{count_text(q.redeemed_points)} = {money_text(q.redeemed_amount)}"


def _redeemed(q: Quote) -> int:
    return q.redeemed_points


def _total_of(q: Quote) -> str:
    return money_text(q.total)


def _total(q: Quote) -> int:
    return q.total


def _earned_of(q: Quote) -> str:
    return count_text(q.earned)


def _earned(q: Quote) -> int:
    return q.earned


def _stamps_of(q: Quote) -> str:
    return count_text(sum(q.stamps_earned.values()))


def _stamps(q: Quote) -> int:
    return sum(q.stamps_earned.values())


def _free_of(q: Quote) -> str:
    return count_text(len(q.stamps_spent))


def _free(q: Quote) -> int:
    return len(q.stamps_spent)


def _signed(delta: int, money: bool) -> str:
    """A change with its sign ("+12,40 ₽", "−3"); empty when there is none."""
    if delta == 0:
        return ""
    text = money_text(abs(delta)) if money else count_text(abs(delta))
    return f"+{text}" if delta > 0 else f"\u2212{text}"
