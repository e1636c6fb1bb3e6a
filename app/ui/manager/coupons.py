"""Coupons and personal offers: one code, N random codes, or one personal code per card of a segment.

Coupons live in the program file, so every batch is a new program version (audited like any
program change). The codes just made are listed and can be saved as CSV to hand out or print.
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.fmt import parse_money
from app.core.money import parse_decimal
from app.core.program import Coupon
from app.core.timeutil import DAY_MS, from_ms, to_ms
from app.ui import i18n
from app.ui.manager import ops
from app.ui.manager.models import Col, RecordsModel
from app.ui.manager.ops import CouponsAdded, CouponSpec, IssuedCoupon, ManagerServices
from app.ui.manager.program_errors import explain
from app.ui.manager.widgets import ChooseFolder, money_text, store_datetime
from app.ui.pin_dialog import set_status
from app.ui.theme import row_label
from app.ui.worker import Worker

__all__ = ["CouponsTab"]


def _coupon_value(c: Coupon) -> str:
    if c.kind == "percent":
        text = str(c.percent) if c.percent.denominator == 1 else str(float(c.percent))
        return f"{text.replace('.', ',') if i18n.language() == 'ru' else text} %"
    return money_text(c.amount)


def _optional(n: int | None) -> str:
    return "—" if n is None else str(n)


class CouponsTab(QWidget):
    """Make coupon codes (single, bulk, personal for a segment) and list the program's coupons."""

    program_changed = Signal(int)

    def __init__(self, services: ManagerServices, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.worker = worker
        self.made: tuple[IssuedCoupon, ...] = ()
        self.zone: ZoneInfo | None = None
        self.last_export: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        row = QHBoxLayout()
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._form())
        scroll.setMinimumWidth(440)
        row.addWidget(scroll, 3)
        made, program = self._lists()
        row.addLayout(made, 2)
        outer.addLayout(row, 2)
        # The program's coupons run the whole width below: six columns do not fit beside the form at
        # 1024 pixels.
        outer.addLayout(program, 1)

    # ------------------------------------------------------------------ building

    def _form(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        what = QGroupBox(self.tr("Which codes"), page)
        grid = QFormLayout(what)
        grid.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.mode = QButtonGroup(self)
        self.single = QRadioButton(self.tr("One code"), what)
        self.bulk = QRadioButton(self.tr("Random codes"), what)
        self.personal = QRadioButton(self.tr("Personal codes"), what)
        self.personal.setToolTip(self.tr("A personal code for each customer of a segment"))
        for i, button in enumerate((self.single, self.bulk, self.personal)):
            self.mode.addButton(button, i)
        self.single.setChecked(True)
        self.code = QLineEdit(what)
        self.code.setPlaceholderText(self.tr("e.g. SUMMER10"))
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression(r"[A-Za-z0-9_\-]{0,64}"), self.code))
        self.count = QSpinBox(what)
        self.count.setRange(1, 10_000)
        self.count.setValue(20)
        self.prefix = QLineEdit(what)
        self.prefix.setPlaceholderText(self.tr("optional, e.g. VIP-"))
        self.prefix.setValidator(QRegularExpressionValidator(QRegularExpression(r"[A-Za-z0-9_\-]{0,16}"), self.prefix))
        self.segment = QComboBox(what)
        self.segment.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.segment.setMinimumContentsLength(14)
        for key, text in (
            ("not_seen", self.tr("Not seen for N days or more")),
            ("at_risk", self.tr("At risk (31–90 days)")),
            ("lost", self.tr("Lost (over 90 days)")),
            ("active", self.tr("Active (30 days)")),
            ("never", self.tr("Never bought")),
        ):
            self.segment.addItem(text, key)
        self.days = QSpinBox(what)
        self.days.setRange(1, 3650)
        self.days.setValue(60)
        self.days.setSuffix(self.tr(" days"))
        grid.addRow(self.single, self.code)
        grid.addRow(self.bulk, self.count)
        grid.addRow(self.personal, QLabel(self.tr("one per customer of the segment"), what))
        grid.addRow(row_label(self.tr("Segment")), self.segment)
        grid.addRow(row_label(self.tr("N")), self.days)
        grid.addRow(row_label(self.tr("Prefix of random codes")), self.prefix)
        column.addWidget(what)

        terms = QGroupBox(self.tr("Terms"), page)
        form = QFormLayout(terms)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.kind = QComboBox(terms)
        self.kind.addItem(self.tr("Percent off"), "percent")
        self.kind.addItem(self.tr("Roubles off"), "amount")
        self.value = QLineEdit("10", terms)
        self.min_total = QLineEdit(terms)
        self.min_total.setPlaceholderText(self.tr("no minimum"))
        self.categories = QLineEdit(terms)
        self.categories.setPlaceholderText(self.tr("all categories"))
        self.from_on = QCheckBox(self.tr("Valid from"), terms)
        self.valid_from = QDateTimeEdit(QDateTime.currentDateTime(), terms)
        self.to_on = QCheckBox(self.tr("Valid until"), terms)
        self.valid_to = QDateTimeEdit(QDateTime.currentDateTime().addDays(30), terms)
        for edit in (self.valid_from, self.valid_to):
            edit.setDisplayFormat("dd.MM.yyyy HH:mm")
            edit.setCalendarPopup(True)
        self.to_on.setChecked(True)
        self.max_uses = QLineEdit(terms)
        self.per_customer = QLineEdit(terms)
        for edit in (self.max_uses, self.per_customer):
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,7}"), edit))
            edit.setPlaceholderText(self.tr("no limit"))
        self.exclusive = QCheckBox(self.tr("No card discount on top (exclusive)"), terms)
        self.requires_card = QCheckBox(self.tr("Only with a loyalty card"), terms)
        form.addRow(row_label(self.tr("Kind")), self.kind)
        form.addRow(row_label(self.tr("Value (% or ₽)")), self.value)
        form.addRow(row_label(self.tr("Basket from, ₽")), self.min_total)
        form.addRow(row_label(self.tr("Only categories")), self.categories)
        form.addRow(self.from_on, self.valid_from)
        form.addRow(self.to_on, self.valid_to)
        form.addRow(row_label(self.tr("Uses in total")), self.max_uses)
        form.addRow(row_label(self.tr("Uses per customer")), self.per_customer)
        form.addRow(self.exclusive)
        form.addRow(self.requires_card)
        column.addWidget(terms)
        self.create_button = QPushButton(self.tr("Create the codes (new program version)"), page)
        self.create_button.setObjectName("pay")
        self.create_button.clicked.connect(self.create)
        column.addWidget(self.create_button)
        self.status = QLabel(page)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        column.addWidget(self.status)
        column.addStretch(1)
        return page

    def _table(self, model: RecordsModel) -> QTableView:
        view = QTableView(self)
        # Tab leaves the table for the next field (arrows move between cells): a keyboard is never trapped.
        view.setTabKeyNavigation(False)
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        view.setSortingEnabled(False)
        return view

    def _lists(self) -> tuple[QVBoxLayout, QVBoxLayout]:
        column = QVBoxLayout()
        title = QLabel(self.tr("Codes just made"), self)
        title.setObjectName("title")
        self.made_model = RecordsModel(
            [
                Col(self.tr("Code"), attrgetter("code")),
                Col(self.tr("Card"), attrgetter("card")),
                Col(self.tr("Customer"), attrgetter("name")),
            ],
            self,
        )
        self.made_view = self._table(self.made_model)
        self.export_button = QPushButton(self.tr("Save the codes as CSV…"), self)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_codes)
        column.addWidget(title)
        column.addWidget(self.made_view, 1)
        column.addWidget(self.export_button)
        title = QLabel(self.tr("Coupons in the program"), self)
        title.setObjectName("title")
        self.program_model = RecordsModel(
            [
                Col(self.tr("Code"), attrgetter("code")),
                Col(self.tr("Discount"), _coupon_value, numeric=True),
                Col(self.tr("Basket from"), self._min_total_text, numeric=True),
                Col(self.tr("Until"), self._valid_to_text),
                Col(self.tr("Uses: all / per card"), self._uses_text),
                Col(self.tr("Card"), self._customer_text),
            ],
            self,
        )
        self.program_view = self._table(self.program_model)
        below = QVBoxLayout()
        below.addWidget(title)
        below.addWidget(self.program_view, 1)
        return column, below

    # ------------------------------------------------------------------ the program's coupons

    def load(self) -> None:
        """Read the coupons of the program in force."""
        self.worker.run(ops.current_coupons, self.s, on_done=self._coupons, on_error=self._failed)

    def _coupons(self, result: tuple[str, tuple[Coupon, ...]]) -> None:
        zone, coupons = result
        if self.zone is None:
            # Validity starts now and ends in 30 days by the store's clock, not the computer's.
            now = self.s.now()
            self.valid_from.setDateTime(store_datetime(now, ZoneInfo(zone)))
            self.valid_to.setDateTime(store_datetime(now + 30 * DAY_MS, ZoneInfo(zone)))
        self.zone = ZoneInfo(zone)
        self.program_model.set_rows(tuple(reversed(coupons)))  # newest first

    def _time_text(self, ms: int | None) -> str:
        if ms is None:
            return "—"
        local = from_ms(ms).astimezone(self.zone)
        return local.strftime("%d.%m.%Y %H:%M" if i18n.language() == "ru" else "%Y-%m-%d %H:%M")

    def _min_total_text(self, c: Coupon) -> str:
        return money_text(c.min_total) if c.min_total else "—"

    def _valid_to_text(self, c: Coupon) -> str:
        # Two-digit years keep the column narrow; the time is the store's (the program's zone).
        if c.valid_to is None:
            return "—"
        local = from_ms(c.valid_to).astimezone(self.zone)
        return local.strftime("%d.%m.%y %H:%M" if i18n.language() == "ru" else "%y-%m-%d %H:%M")

    def _uses_text(self, c: Coupon) -> str:
        return f"{_optional(c.max_uses)} / {_optional(c.per_customer_max)}"

    def _customer_text(self, c: Coupon) -> str:
        return c.customer or ""

    # ------------------------------------------------------------------ making codes

    def _local_ms(self, edit: QDateTimeEdit) -> int:
        local: datetime = edit.dateTime().toPython()
        return to_ms(local.replace(tzinfo=self.zone) if self.zone is not None else local.astimezone())

    def spec(self) -> CouponSpec:
        """The terms as entered; ValueError with the reason for a value that cannot be read."""
        kind = str(self.kind.currentData())
        text = self.value.text().strip()
        if kind == "percent":
            problem = self.tr("A percentage above 0 and at most 100 is needed")
            try:
                value = parse_decimal(text.replace(",", "."))
            except ValueError:
                raise ValueError(problem) from None
            if not 0 < value <= 100:
                raise ValueError(problem)
            value_text = text.replace(",", ".")
        else:
            kopecks = self._money(text)
            if kopecks <= 0:
                raise ValueError(self.tr("The discount must be more than 0 ₽"))
            value_text = str(kopecks)
        return CouponSpec(
            kind=kind,
            value=value_text,
            min_total=self._money(self.min_total.text()) if self.min_total.text().strip() else 0,
            categories=tuple(c.strip() for c in self.categories.text().split(",") if c.strip()),
            valid_from=self._local_ms(self.valid_from) if self.from_on.isChecked() else None,
            valid_to=self._local_ms(self.valid_to) if self.to_on.isChecked() else None,
            max_uses=int(self.max_uses.text()) if self.max_uses.text() else None,
            per_customer_max=int(self.per_customer.text()) if self.per_customer.text() else None,
            exclusive=self.exclusive.isChecked(),
            requires_card=self.requires_card.isChecked(),
        )

    def _money(self, text: str) -> int:
        try:
            return parse_money(text)
        except ValueError:
            raise ValueError(self.tr("An amount in roubles like 1 500 or 149,90 is needed")) from None

    @Slot()
    def create(self) -> None:
        """Make the codes as chosen and store them as a new program version."""
        try:
            spec = self.spec()
        except ValueError as exc:
            set_status(self.status, str(exc), "error")
            return
        mode = self.mode.checkedId()
        if mode == 0 and not self.code.text().strip():
            set_status(self.status, self.tr("Type the code"), "warn")
            return
        self.create_button.setEnabled(False)
        set_status(self.status, self.tr("Saving…"), "info")
        if mode == 2:
            self.worker.run(
                ops.issue_personal,
                self.s,
                spec,
                str(self.segment.currentData()),
                self.days.value(),
                self.prefix.text(),
                on_done=self._created,
                on_error=self._failed,
            )
        else:
            code = self.code.text().strip() if mode == 0 else None
            self.worker.run(
                ops.add_coupons,
                self.s,
                spec,
                code,
                self.count.value(),
                self.prefix.text(),
                on_done=self._created,
                on_error=self._failed,
            )

    def _created(self, added: CouponsAdded) -> None:
        self.create_button.setEnabled(True)
        self.made = added.coupons
        self.made_model.set_rows(added.coupons)
        self.export_button.setEnabled(bool(added.coupons))
        set_status(
            self.status,
            self.tr("{n} code(s) saved in program version {v}.").format(n=len(added.coupons), v=added.version),
            "info",
        )
        self.load()
        self.program_changed.emit(added.version)

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        _, text = explain(error, self._title_of)
        set_status(self.status, text, "error")

    def _title_of(self, path: str) -> str:
        field = path.rsplit(".", 1)[-1]
        titles = {
            "code": self.tr("Code"),
            "value": self.tr("Value (% or ₽)"),
            "min_total": self.tr("Basket from, ₽"),
            "valid_from": self.tr("Valid from"),
            "valid_to": self.tr("Valid until"),
            "max_uses": self.tr("Uses in total"),
            "per_customer_max": self.tr("Uses per customer"),
            "coupons": self.tr("Code"),
        }
        return titles.get(field, path)

    @Slot()
    def export_codes(self) -> None:
        """Save the codes just made as a CSV file in a folder the manager picks."""
        if not self.made:
            return
        folder = ChooseFolder(self, self.tr("Folder for the codes")).ask()
        if folder is None:
            return
        stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
        text = ops.coupons_csv(self.made, i18n.language())
        self.worker.run(
            ops.write_text, folder / f"coupons_{stamp}.csv", text, on_done=self._exported, on_error=self._failed
        )

    def _exported(self, path: Any) -> None:
        self.last_export = path
        set_status(self.status, self.tr("Saved: {path}").format(path=path), "info")
