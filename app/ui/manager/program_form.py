"""Every key of the program file (loyalty-rules.md §2) as a form field, to and from the program's JSON.

The form reads what the manager typed into a JSON body (money typed in roubles becomes kopecks,
empty optional fields leave their key out) and never judges the rules itself: `parse_program`
does, and its message is shown under the field whose key path it names. Keys the form does not
show (coupons, which have their own tab) pass through unchanged.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.fmt import parse_money
from app.ui.manager.models import EditableRowsModel, FieldError, FieldSpec, roubles_text
from app.ui.manager.program_errors import TOP_KEYS
from app.ui.theme import ERROR, row_label

__all__ = ["ZONES", "ProgramForm"]

ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk", "Asia/Novosibirsk",
    "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka",
    "Europe/Minsk", "Asia/Almaty", "Asia/Tashkent",
)  # fmt: skip
# One style sheet for the whole form: per-widget style sheets cost a re-polish each, and the form
# clears its error marks on every keystroke.
_STYLE = f"""
QGroupBox {{ font-weight: bold; }}
QGroupBox QWidget {{ font-weight: normal; }}
QLabel#fieldError {{ color: {ERROR}; font-weight: bold; }}
*[invalid="true"] {{ border: 2px solid {ERROR}; }}
"""


@dataclass
class _Slot:
    """A field on the form: its widget, the label its error goes into, and its title."""

    widget: QWidget
    error: QLabel
    title: str
    model: EditableRowsModel | None = None
    view: QTableView | None = None


def _digits(parent: QWidget, placeholder: str) -> QLineEdit:
    """A field for an optional whole number: empty means "not set"."""
    field = QLineEdit(parent)
    field.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,9}"), field))
    field.setPlaceholderText(placeholder)
    return field


def _spin(parent: QWidget, low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setMinimumWidth(120)
    return spin


def _int_text(value: Any, default: int | None) -> str:
    if value is None:
        return "" if default is None else str(default)
    return str(value)


class ProgramForm(QWidget):
    """The program as form fields; load(body) shows a program, to_body() reads it back."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slots: dict[str, _Slot] = {}
        self._base: dict[str, Any] = {}
        self._loading = False
        self.setStyleSheet(_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.general_error = QLabel(self)
        self.general_error.setWordWrap(True)
        self.general_error.setObjectName("fieldError")
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget(self.scroll)
        self.column = QVBoxLayout(inner)
        self.column.setSpacing(10)
        self._general()
        self._tiers()
        self._points()
        self._categories()
        self._happy_hours()
        self._bonuses()
        self._stamps_and_gifts()
        self._offline()
        self.column.addStretch(1)
        self.scroll.setWidget(inner)
        outer.addWidget(self.scroll, 1)

    # ------------------------------------------------------------------ building

    def _section(self, title: str) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        # On a narrow pane (1024 pixels, beside the preview) a long label goes above its field.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.column.addWidget(box)
        return form

    def _error_label(self) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setObjectName("fieldError")
        label.hide()
        return label

    def _field(self, form: QFormLayout, path: str, title: str, widget: QWidget, hint: str = "") -> None:
        error = self._error_label()
        self.slots[path] = _Slot(widget, error, title)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            muted = QLabel(hint)
            muted.setObjectName("muted")
            muted.setWordWrap(True)
            column.addWidget(muted)
        column.addWidget(error)
        label = row_label(title)
        label.setWordWrap(True)  # a long label wraps instead of widening the narrow pane
        form.addRow(label, holder)
        self._watch(widget)

    def _watch(self, widget: QWidget) -> None:
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(self._changed)
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(self._changed)
        elif isinstance(widget, QComboBox):
            widget.currentTextChanged.connect(self._changed)
        elif isinstance(widget, QGroupBox):
            widget.toggled.connect(self._changed)

    def _rows(self, form: QFormLayout | None, key: str, title: str, fields: list[FieldSpec], add_text: str) -> None:
        model = EditableRowsModel(key, fields, self)
        model.edited.connect(self._changed)
        view = QTableView()
        # Tab leaves the table for the next field (arrows move between cells): a keyboard is never trapped.
        view.setTabKeyNavigation(False)
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(34)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        view.setMinimumHeight(130)
        view.setMaximumHeight(200)
        add = QPushButton(add_text)
        remove = QPushButton(self.tr("Remove the row"))
        remove.setToolTip(self.tr("Removes the row with the cursor (the last one when none is chosen)"))
        add.clicked.connect(model.add_row)
        remove.clicked.connect(self._remove_row)
        remove.setProperty("rows_key", key)
        error = self._error_label()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(view)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addWidget(error)
        self.slots[key] = _Slot(view, error, title, model, view)
        if form is None:
            group = QGroupBox(title)
            QVBoxLayout(group).addWidget(box)
            self.column.addWidget(group)
        else:
            form.addRow(box)

    def _remove_row(self) -> None:
        key = str(self.sender().property("rows_key"))
        slot = self.slots[key]
        assert slot.model is not None and slot.view is not None
        current = slot.view.currentIndex()
        row = current.row() if current.isValid() else slot.model.rowCount() - 1
        if row >= 0:
            slot.model.removeRows(row, 1)

    def _general(self) -> None:
        form = self._section(self.tr("Program"))
        self.name = QLineEdit()
        self._field(form, "name", self.tr("Name"), self.name)
        self.point_value = QLineEdit()
        self._field(form, "point_value", self.tr("One point pays, ₽"), self.point_value, self.tr("Usually 1 ₽"))
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(ZONES)
        self._field(form, "timezone", self.tr("Time zone"), self.timezone)

    def _tiers(self) -> None:
        form = self._section(self.tr("Tiers"))
        self._rows(
            form,
            "tiers",
            self.tr("Tiers"),
            [
                FieldSpec("name", self.tr("Tier"), "text", ""),
                FieldSpec("min_spend", self.tr("Spend from, ₽"), "money", "0"),
                FieldSpec("discount_pct", self.tr("Discount, %"), "decimal", "0"),
                FieldSpec("earn_rate_pct", self.tr("Points, % of paid"), "decimal", "5"),
            ],
            self.tr("Add a tier"),
        )
        self.tier_window = _digits(self, self.tr("empty: all time"))
        self._field(
            form,
            "tier_window_days",
            self.tr("Spend counted over, days"),
            self.tier_window,
            self.tr("The tier comes from money paid over this many days before a sale"),
        )

    def _points(self) -> None:
        form = self._section(self.tr("Points"))
        self.max_share = QLineEdit()
        self._field(form, "redeem.max_share_pct", self.tr("Points may pay up to, % of a check"), self.max_share)
        self.min_balance = _spin(self, 0, 1_000_000_000, 0)
        self._field(form, "redeem.min_balance", self.tr("Pay with points from a balance of"), self.min_balance)
        self.activation = _spin(self, 0, 3650, 0)
        self._field(
            form,
            "activation_days",
            self.tr("Earned points usable after, days"),
            self.activation,
            self.tr("The return window: 0 means at once"),
        )
        self.expiry = _digits(self, self.tr("empty: never"))
        self._field(form, "expiry_days", self.tr("Points expire after, days"), self.expiry)
        self.restore_expiry = _spin(self, 1, 3650, 90)
        self._field(form, "restore_expiry_days", self.tr("Points returned by a refund last, days"), self.restore_expiry)

    def _categories(self) -> None:
        form = self._section(self.tr("Categories"))
        hint = self.tr("Categories separated by commas, e.g. tobacco, alcohol")
        self.excluded = {}
        for key, title in (
            ("discount", self.tr("No card discount on")),
            ("earn", self.tr("No points earned on")),
            ("redeem", self.tr("No paying with points for")),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            self.excluded[key] = edit
            self._field(form, f"excluded.{key}", title, edit)
        self._rows(
            form,
            "category_multipliers",
            self.tr("Points multipliers by category"),
            [
                FieldSpec("category", self.tr("Category"), "text", ""),
                FieldSpec("multiplier", self.tr("Multiplier"), "decimal", "2"),
            ],
            self.tr("Add a multiplier"),
        )

    def _happy_hours(self) -> None:
        self._rows(
            None,
            "happy_hours",
            self.tr("Happy hours (more points)"),
            [
                FieldSpec("weekdays", self.tr("Weekdays (1 = Mon)"), "weekdays", "1-5"),
                FieldSpec("from", self.tr("From"), "time", "08:00"),
                FieldSpec("to", self.tr("To"), "time", "10:00"),
                FieldSpec("earn_multiplier", self.tr("Points ×"), "decimal", "2"),
            ],
            self.tr("Add happy hours"),
        )

    def _bonus_box(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        box.setCheckable(True)
        box.setChecked(False)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._watch(box)
        return box, form

    def _bonuses(self) -> None:
        form = self._section(self.tr("Bonuses"))
        self.welcome, welcome = self._bonus_box(self.tr("Welcome bonus"))
        self.welcome_points = _spin(self, 0, 1_000_000, 100)
        self._field(welcome, "welcome_bonus.points", self.tr("Points"), self.welcome_points)
        self.welcome_expiry = _digits(self, self.tr("empty: as other points"))
        self._field(welcome, "welcome_bonus.expiry_days", self.tr("Expire after, days"), self.welcome_expiry)
        self.birthday, birthday = self._bonus_box(self.tr("Birthday bonus"))
        self.birthday_points = _spin(self, 0, 1_000_000, 300)
        self._field(birthday, "birthday_bonus.points", self.tr("Points"), self.birthday_points)
        self.birthday_before = _spin(self, 0, 366, 3)
        self._field(birthday, "birthday_bonus.days_before", self.tr("Days before the birthday"), self.birthday_before)
        self.birthday_after = _spin(self, 0, 366, 7)
        self._field(birthday, "birthday_bonus.days_after", self.tr("Days after the birthday"), self.birthday_after)
        self.birthday_expiry = _digits(self, self.tr("empty: as other points"))
        self._field(birthday, "birthday_bonus.expiry_days", self.tr("Expire after, days"), self.birthday_expiry)
        self.referral, referral = self._bonus_box(self.tr("Bring a friend"))
        self.referrer_points = _spin(self, 0, 1_000_000, 200)
        self._field(
            referral, "referral.referrer_points", self.tr("Points to the one who brought"), self.referrer_points
        )
        self.referee_points = _spin(self, 0, 1_000_000, 100)
        self._field(referral, "referral.referee_points", self.tr("Points to the newcomer"), self.referee_points)
        self.referral_min = QLineEdit()
        self._field(referral, "referral.min_first_purchase", self.tr("First purchase from, ₽"), self.referral_min)
        for key, box in (
            ("welcome_bonus", self.welcome),
            ("birthday_bonus", self.birthday),
            ("referral", self.referral),
        ):
            self.slots[key] = _Slot(
                box, self.slots[f"{key}.points" if key != "referral" else "referral.referrer_points"].error, box.title()
            )
            form.addRow(box)

    def _stamps_and_gifts(self) -> None:
        self._rows(
            None,
            "stamps",
            self.tr("Stamp cards"),
            [
                FieldSpec("id", self.tr("Id"), "text", "coffee"),
                FieldSpec("category", self.tr("Category"), "text", "coffee"),
                FieldSpec("needed", self.tr("Stamps for a free one"), "int", "5"),
            ],
            self.tr("Add a stamp card"),
        )
        self._rows(
            None,
            "rewards",
            self.tr("Gifts for points"),
            [
                FieldSpec("id", self.tr("Id"), "text", "gift"),
                FieldSpec("name", self.tr("Name"), "text", ""),
                FieldSpec("points", self.tr("Points"), "int", "100"),
            ],
            self.tr("Add a gift"),
        )

    def _offline(self) -> None:
        form = self._section(self.tr("Offline limits"))
        self.offline_cap = _digits(self, self.tr("empty: no limit"))
        self._field(
            form,
            "offline_redeem_cap",
            self.tr("Points one card may pay on this till between syncs"),
            self.offline_cap,
        )
        self.offline, offline = self._bonus_box(self.tr("Chain offline policy"))
        self.terminal_cap = _digits(self, self.tr("empty: no limit"))
        self._field(offline, "offline.terminal_redeem_cap", self.tr("Points per till between syncs"), self.terminal_cap)
        self.max_offline = _digits(self, self.tr("empty: no limit"))
        self._field(offline, "offline.max_offline_hours", self.tr("Longest time offline, hours"), self.max_offline)
        self.skew_warn = _spin(self, 0, 86_400, 60)
        self._field(offline, "offline.skew_warn_seconds", self.tr("Warn at clock difference, s"), self.skew_warn)
        self.skew_stop = _spin(self, 0, 86_400, 600)
        self._field(offline, "offline.skew_stop_seconds", self.tr("Stop at clock difference, s"), self.skew_stop)
        self.slots["offline"] = _Slot(self.offline, self.slots["offline.skew_warn_seconds"].error, self.offline.title())
        form.addRow(self.offline)

    def _changed(self, *_args: Any) -> None:
        if not self._loading:
            self.edited.emit()

    # ------------------------------------------------------------------ body in and out

    def load(self, body: Mapping[str, Any]) -> None:
        """Show a program body (values the form cannot show stay in the body it gives back)."""
        self._loading = True
        try:
            self._load(copy.deepcopy(dict(body)))
        finally:
            self._loading = False
        self.clear_errors()

    def _load(self, b: dict[str, Any]) -> None:
        self._base = b
        self.name.setText(str(b.get("name", "")))
        pv = b.get("point_value", 100)
        self.point_value.setText(roubles_text(pv) if isinstance(pv, int) else str(pv))
        self.timezone.setCurrentText(str(b.get("timezone", "Europe/Moscow")))
        self.slots["tiers"].model.load(b.get("tiers", []))  # type: ignore[union-attr]
        self.tier_window.setText(_int_text(b["tier_window_days"], None) if "tier_window_days" in b else "365")
        redeem = b.get("redeem", {}) or {}
        self.max_share.setText(str(redeem.get("max_share_pct", "30")))
        self.min_balance.setValue(int(redeem.get("min_balance", 0) or 0))
        self.activation.setValue(int(b.get("activation_days", 0) or 0))
        self.expiry.setText(_int_text(b.get("expiry_days"), None))
        self.restore_expiry.setValue(int(b.get("restore_expiry_days", 90) or 90))
        excluded = b.get("excluded", {}) or {}
        for key, edit in self.excluded.items():
            edit.setText(", ".join(str(c) for c in excluded.get(key, [])))
        multipliers = b.get("category_multipliers", {}) or {}
        self.slots["category_multipliers"].model.load(  # type: ignore[union-attr]
            [{"category": k, "multiplier": v} for k, v in multipliers.items()]
        )
        self.slots["happy_hours"].model.load(b.get("happy_hours", []))  # type: ignore[union-attr]
        w = b.get("welcome_bonus")
        self.welcome.setChecked(w is not None)
        if w:
            self.welcome_points.setValue(int(w.get("points", 0)))
            self.welcome_expiry.setText(_int_text(w.get("expiry_days"), None))
        bd = b.get("birthday_bonus")
        self.birthday.setChecked(bd is not None)
        if bd:
            self.birthday_points.setValue(int(bd.get("points", 0)))
            self.birthday_before.setValue(int(bd.get("days_before", 0)))
            self.birthday_after.setValue(int(bd.get("days_after", 0)))
            self.birthday_expiry.setText(_int_text(bd.get("expiry_days"), None))
        r = b.get("referral")
        self.referral.setChecked(r is not None)
        if r:
            self.referrer_points.setValue(int(r.get("referrer_points", 0)))
            self.referee_points.setValue(int(r.get("referee_points", 0)))
            self.referral_min.setText(roubles_text(int(r.get("min_first_purchase", 0))))
        self.slots["stamps"].model.load(b.get("stamps", []))  # type: ignore[union-attr]
        self.slots["rewards"].model.load(b.get("rewards", []))  # type: ignore[union-attr]
        self.offline_cap.setText(_int_text(b.get("offline_redeem_cap"), None))
        o = b.get("offline")
        self.offline.setChecked(o is not None)
        if o:
            self.terminal_cap.setText(_int_text(o.get("terminal_redeem_cap"), None))
            self.max_offline.setText(_int_text(o.get("max_offline_hours"), None))
            self.skew_warn.setValue(int(o.get("skew_warn_seconds", 60)))
            self.skew_stop.setValue(int(o.get("skew_stop_seconds", 600)))

    def to_body(self) -> dict[str, Any]:
        """The program body the fields describe; FieldError names a field whose text cannot be read."""
        out: dict[str, Any] = {}
        if self.name.text().strip():
            out["name"] = self.name.text().strip()
        out["point_value"] = _money(self.point_value.text(), "point_value")
        out["timezone"] = self.timezone.currentText().strip()
        out["tiers"] = self.slots["tiers"].model.to_json()  # type: ignore[union-attr]
        out["tier_window_days"] = _optional_int(self.tier_window.text())
        out["redeem"] = {
            "max_share_pct": self.max_share.text().strip().replace(",", "."),
            "min_balance": self.min_balance.value(),
        }
        out["activation_days"] = self.activation.value()
        if self.expiry.text().strip():
            out["expiry_days"] = _optional_int(self.expiry.text())
        excluded = {key: _categories(edit.text()) for key, edit in self.excluded.items()}
        if any(excluded.values()):
            out["excluded"] = {k: v for k, v in excluded.items() if v}
        multipliers = self.slots["category_multipliers"].model.to_json()  # type: ignore[union-attr]
        if multipliers:
            out["category_multipliers"] = {str(m.get("category", "")): m.get("multiplier", "") for m in multipliers}
        happy = self.slots["happy_hours"].model.to_json()  # type: ignore[union-attr]
        if happy:
            out["happy_hours"] = happy
        if self.welcome.isChecked():
            out["welcome_bonus"] = {"points": self.welcome_points.value()}
            if self.welcome_expiry.text().strip():
                out["welcome_bonus"]["expiry_days"] = _optional_int(self.welcome_expiry.text())
        if self.birthday.isChecked():
            out["birthday_bonus"] = {
                "points": self.birthday_points.value(),
                "days_before": self.birthday_before.value(),
                "days_after": self.birthday_after.value(),
            }
            if self.birthday_expiry.text().strip():
                out["birthday_bonus"]["expiry_days"] = _optional_int(self.birthday_expiry.text())
        if self.referral.isChecked():
            out["referral"] = {
                "referrer_points": self.referrer_points.value(),
                "referee_points": self.referee_points.value(),
                "min_first_purchase": _money(self.referral_min.text() or "0", "referral.min_first_purchase"),
            }
        for key in ("stamps", "rewards"):
            rows = self.slots[key].model.to_json()  # type: ignore[union-attr]
            if rows:
                out[key] = rows
        out["restore_expiry_days"] = self.restore_expiry.value()
        if self.offline_cap.text().strip():
            out["offline_redeem_cap"] = _optional_int(self.offline_cap.text())
        if self.offline.isChecked():
            out["offline"] = {
                "terminal_redeem_cap": _optional_int(self.terminal_cap.text()),
                "max_offline_hours": _optional_int(self.max_offline.text()),
                "skew_warn_seconds": self.skew_warn.value(),
                "skew_stop_seconds": self.skew_stop.value(),
            }
        # What the form does not show (coupons, keys of a newer program format) passes through.
        for key, value in self._base.items():
            if key not in out and key not in _FORM_KEYS:
                out[key] = copy.deepcopy(value)
        order = {k: i for i, k in enumerate(TOP_KEYS)}
        return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))

    # ------------------------------------------------------------------ errors

    def title_of(self, path: str) -> str:
        """The on-screen name of a key path ("Tiers, row 2: Discount, %")."""
        if path in self.slots:
            return self.slots[path].title
        m = re.match(r"^(?P<key>[a-z_]+)\[(?P<row>\d+)\](?:\.(?P<field>[a-z_]+))?", path)
        if m and m.group("key") in self.slots:
            slot = self.slots[m.group("key")]
            text = self.tr("{list}, row {n}").format(list=slot.title, n=int(m.group("row")) + 1)
            if slot.model is not None and m.group("field"):
                titles = {f.key: f.title for f in slot.model.fields}
                if m.group("field") in titles:
                    text += f": {titles[m.group('field')]}"
            return text
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        return self.slots[top].title if top in self.slots else path

    def clear_errors(self) -> None:
        """Hide every error message."""
        self.general_error.hide()
        for slot in self.slots.values():
            slot.error.hide()
            if slot.widget.property("invalid"):
                _mark(slot.widget, False)

    def show_error(self, path: str, text: str) -> QWidget:
        """Show a message under the field path names (or above the form); returns the label showing it."""
        self.clear_errors()
        slot = self._slot_for(path)
        if slot is None:
            self.general_error.setText(text)
            self.general_error.show()
            return self.general_error
        slot.error.setText(text)
        slot.error.show()
        _mark(slot.widget, True)
        m = re.match(r"^[a-z_]+\[(?P<row>\d+)\](?:\.(?P<field>[a-z_]+))?", path)
        if slot.model is not None and slot.view is not None and m:
            columns = [f.key for f in slot.model.fields]
            col = columns.index(m.group("field")) if m.group("field") in columns else 0
            row = int(m.group("row"))
            if row < slot.model.rowCount():
                index = slot.model.index(row, col)
                slot.view.setCurrentIndex(index)
                slot.view.scrollTo(index)
        self.scroll.ensureWidgetVisible(slot.error)
        return slot.error

    def _slot_for(self, path: str) -> _Slot | None:
        probe = path
        while probe:
            if probe in self.slots:
                return self.slots[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return None


_FORM_KEYS = frozenset(TOP_KEYS) - {"coupons"}


def _mark(widget: QWidget, invalid: bool) -> None:
    """Draw a red border round a field with a problem (a dynamic property does not restyle by itself)."""
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _money(text: str, path: str) -> int:
    try:
        return parse_money(text)
    except ValueError as exc:
        raise FieldError(path, "field_money", str(exc)) from None


def _optional_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


def _categories(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
