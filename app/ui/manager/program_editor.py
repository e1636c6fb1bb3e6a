"""The program editor: form and raw JSON, templates, a live preview, activation now or later, version history.

Validation is `parse_program`'s: its message goes under the field it names and nothing is
activated. Activating stores a new program version (`ProgramService.set_program`) and writes an
audit row naming the manager and the keys that changed; restoring an old version does the same.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ProgramError
from app.core.program import Program, parse_program
from app.core.templates import TEMPLATES
from app.core.timeutil import DAY_MS, from_ms, to_ms
from app.ui import i18n, wording
from app.ui.manager import ops
from app.ui.manager.models import Col, FieldError, RecordsModel
from app.ui.manager.ops import ManagerServices, ProgramState, VersionRow
from app.ui.manager.preview import Preview
from app.ui.manager.program_errors import explain
from app.ui.manager.program_form import ProgramForm
from app.ui.manager.widgets import Confirm, TextDialog, store_datetime
from app.ui.pin_dialog import set_status
from app.ui.theme import ERROR
from app.ui.worker import Worker

__all__ = ["ProgramEditor"]

_VALIDATE_MS = 200  # re-check and re-price shortly after the last keystroke


class ProgramEditor(QWidget):
    """Edit the loyalty program and activate it as a new version."""

    program_changed = Signal(int)  # the new version

    def __init__(self, services: ManagerServices, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.worker = worker
        self.state: ProgramState | None = None
        self.current: Program | None = None
        self.edited: Program | None = None
        self.error = ""  # the edited program's problem, in the manager's words ("" when valid)
        self._times_set = False
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(_VALIDATE_MS)
        self._validate_timer.timeout.connect(self.validate)

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        self.version_label = QLabel(self)
        self.version_label.setObjectName("title")
        self.version_label.setWordWrap(True)
        column.addWidget(self.version_label)
        column.addLayout(self._top_bar())
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self._source = 0  # the page the edited program is read from: 0 form, 1 JSON
        self.sources = QTabWidget(splitter)
        self.form = ProgramForm(self.sources)
        self.form.edited.connect(self._edited)
        self.sources.addTab(self.form, self.tr("Form"))
        self.sources.addTab(self._json_page(), self.tr("JSON"))
        self.sources.addTab(self._history_page(), self.tr("Versions"))
        self.sources.currentChanged.connect(self._source_switched)
        self.preview = Preview(splitter)
        splitter.addWidget(self.sources)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([560, 440])
        self.preview.setMinimumWidth(400)
        column.addWidget(splitter, 1)
        column.addLayout(self._activation_bar())
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        column.addWidget(self.status)

    # ------------------------------------------------------------------ building

    def _top_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.template = QComboBox(self)
        ru = i18n.language() == "ru"
        for t in TEMPLATES:
            self.template.addItem(t.title_ru if ru else t.title_en, t.key)
            self.template.setItemData(
                self.template.count() - 1, t.about_ru if ru else t.about_en, Qt.ItemDataRole.ToolTipRole
            )
        use = QPushButton(self.tr("Start from this template"), self)
        use.clicked.connect(self.use_template)
        reset = QPushButton(self.tr("Back to the program in force"), self)
        reset.clicked.connect(self.reset)
        row.addWidget(QLabel(self.tr("Template:"), self))
        row.addWidget(self.template, 1)
        row.addWidget(use)
        row.addWidget(reset)
        return row

    def _json_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.json = QPlainTextEdit(page)
        self.json.setStyleSheet("font-family: 'DejaVu Sans Mono'; font-size: 15px;")
        self.json.textChanged.connect(self._json_edited)
        self.json_error = QLabel(page)
        self.json_error.setWordWrap(True)
        self.json_error.setStyleSheet(f"color: {ERROR}; font-weight: bold;")
        self.json_error.hide()
        hint = QLabel(self.tr("The whole program file (loyalty-rules.md §2); coupons too."), page)
        hint.setObjectName("muted")
        column.addWidget(hint)
        column.addWidget(self.json, 1)
        column.addWidget(self.json_error)
        return page

    def _history_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.versions = RecordsModel(
            [
                Col(self.tr("Version"), self._version_text, key=_version_key, numeric=True),
                Col(self.tr("Name"), _version_name),
                Col(self.tr("Applies from"), self._applies_text, key=_applies_key),
                Col(self.tr("Saved"), self._saved_text, key=_saved_key),
                Col(self.tr("State"), self._state_text),
            ],
            self,
        )
        self.history = QTableView(page)
        # Tab leaves the table for the next field (arrows move between cells): a keyboard is never trapped.
        self.history.setTabKeyNavigation(False)
        self.history.setModel(self.versions)
        self.history.verticalHeader().setVisible(False)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.history.doubleClicked.connect(self.view_version)
        buttons = QHBoxLayout()
        view = QPushButton(self.tr("View…"), page)
        view.clicked.connect(self.view_version)
        restore = QPushButton(self.tr("Restore as a new version"), page)
        restore.clicked.connect(self.restore_version)
        self.restore_button = restore
        buttons.addWidget(view)
        buttons.addWidget(restore)
        buttons.addStretch(1)
        column.addWidget(self.history, 1)
        column.addLayout(buttons)
        return page

    def _activation_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.now = QRadioButton(self.tr("Activate now"), self)
        self.now.setChecked(True)
        self.later = QRadioButton(self.tr("From:"), self)
        self.when = QDateTimeEdit(QDateTime.currentDateTime().addDays(1), self)
        self.when.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.dateTimeChanged.connect(self._when_edited)
        self.activate_button = QPushButton(self.tr("Activate as a new version"), self)
        self.activate_button.setObjectName("pay")
        self.activate_button.clicked.connect(self.activate)
        for w in (self.now, self.later, self.when):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.activate_button)
        return row

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Read the program in force, its versions and sample products on the worker."""
        self.worker.run(ops.load_program_state, self.s, on_done=self.show_state, on_error=self._failed)

    def show_state(self, state: ProgramState) -> None:
        """Show the program in force (discarding unsaved edits)."""
        self.state = state
        self.current = parse_program(copy.deepcopy(dict(state.body)))
        self.versions.set_rows(state.versions)
        self.version_label.setText(
            self.tr("In force: version {v} “{name}”").format(v=state.version, name=state.body.get("name", ""))
        )
        if not self._times_set:
            # The activation time and the sample sale's time, as the store's clock reads them.
            self._times_set = True
            # Quietly: editing the time by hand is what chooses «From:».
            for edit, at in ((self.when, state.now + DAY_MS), (self.preview.when, state.now)):
                edit.blockSignals(True)
                edit.setDateTime(store_datetime(at, self.current.zone))
                edit.blockSignals(False)
        self.preview.set_products(state.products)
        self.show_body(state.body)
        # An enrolled till prices with its chain's program only: it is read here, and set on the server.
        self.activate_button.setEnabled(not state.from_chain)
        self.restore_button.setEnabled(not state.from_chain)
        if state.from_chain:
            set_status(self.status, wording.word("program_from_chain", {}), "warn")

    def show_body(self, body: dict[str, Any] | Any) -> None:
        """Put a program body into both the form and the JSON text, then check it."""
        self.form.load(body)
        self.json.blockSignals(True)
        self.json.setPlainText(ops.program_json(body))
        self.json.blockSignals(False)
        self.validate()

    # ------------------------------------------------------------------ editing and checking

    @Slot()
    def _edited(self) -> None:
        self._validate_timer.start()

    @Slot()
    def _json_edited(self) -> None:
        self._validate_timer.start()

    @Slot(QDateTime)
    def _when_edited(self, _value: QDateTime) -> None:
        self.later.setChecked(True)

    @Slot(int)
    def _source_switched(self, index: int) -> None:
        previous, self._source = self._source, index
        if index == 2:  # the history does not change the edited program
            self._source = previous
            return
        try:
            body = self._body_from(previous)
        except (FieldError, ProgramError, ValueError):
            self.validate()  # the message stays where the mistake is
            return
        if index == 1:
            self.json.blockSignals(True)
            self.json.setPlainText(ops.program_json(body))
            self.json.blockSignals(False)
        else:
            self.form.load(body)
        self.validate()

    def _body_from(self, source: int) -> dict[str, Any]:
        if source == 1:
            body = json.loads(self.json.toPlainText())
            if not isinstance(body, dict):
                raise ProgramError("program_top_not_object")
            return body
        return self.form.to_body()

    def body(self) -> dict[str, Any]:
        """The edited program body (from the form or the JSON text, whichever is being edited)."""
        return self._body_from(self._source)

    @Slot()
    def validate(self) -> bool:
        """Check the edited program with parse_program; show any problem by its field; re-price the preview."""
        self._validate_timer.stop()
        self.form.clear_errors()
        self.json_error.hide()
        self.edited, self.error = None, ""
        try:
            body = self.body()
            self.edited = parse_program(copy.deepcopy(body))
        except (FieldError, ProgramError) as exc:
            self._show_problem(*explain(exc, self.form.title_of))
        except json.JSONDecodeError as exc:  # not JSON at all: where, not Python's English
            text = self.tr("The JSON text cannot be read: line {line}, column {column}")
            self._show_problem("", text.format(line=exc.lineno, column=exc.colno))
        except ValueError as exc:  # a field the form could not read (its own check missed it)
            self._show_problem("", explain(exc, self.form.title_of)[1])
        self.preview.set_programs(self.current, self.edited, self.error)
        return self.edited is not None

    def _show_problem(self, path: str, text: str) -> None:
        self.error = text
        if self._source == 1:
            self.json_error.setText(text)
            self.json_error.show()
        else:
            self.form.show_error(path, text)

    # ------------------------------------------------------------------ templates and reset

    @Slot()
    def use_template(self) -> None:
        """Replace the edited program with the chosen template (keeping the coupons and the time zone)."""
        key = self.template.currentData()
        template = next(t for t in TEMPLATES if t.key == key)
        body = template.copy()
        if self.state is not None:
            for keep in ("coupons", "timezone"):
                if keep in self.state.body:
                    body[keep] = copy.deepcopy(self.state.body[keep])
        self.sources.setCurrentIndex(0)
        self.show_body(body)
        set_status(
            self.status,
            self.tr("Template loaded (coupons and time zone kept). Nothing changes until you activate it."),
            "info",
        )

    @Slot()
    def reset(self) -> None:
        """Discard the edits: show the program in force again."""
        if self.state is not None:
            self.show_body(self.state.body)
            set_status(self.status, "", "info")

    # ------------------------------------------------------------------ activation

    def activate_at(self) -> int | None:
        """None for now, else the chosen local time (program's time zone) in UTC milliseconds."""
        if self.now.isChecked():
            return None
        local: datetime = self.when.dateTime().toPython()
        zone = (self.edited or self.current).zone if (self.edited or self.current) is not None else None
        return to_ms(local.replace(tzinfo=zone) if zone is not None else local.astimezone())

    @Slot()
    def activate(self) -> None:
        """Store the edited program as a new version, now or from the chosen time; invalid: nothing happens."""
        if not self.validate():
            set_status(self.status, self.tr("Not activated: {reason}").format(reason=self.error), "error")
            return
        at = self.activate_at()
        if at is not None and at <= self.s.now():
            set_status(self.status, self.tr("Choose a time in the future, or activate now"), "warn")
            return
        question = (
            self.tr("Activate the edited program now? Every sale from now on is priced by it.")
            if at is None
            else self.tr("Activate the edited program from {when}?").format(when=self._time_text(at))
        )
        later = [
            v
            for v in (ops.scheduled_versions(self.state) if self.state is not None else [])
            if at is None or at <= v.activate_at
        ]
        if later:
            # The newest version applies: one stored now hides those waiting for their start.
            question += "\n\n" + self.tr(
                "Version {v} is scheduled from {when}; it will not start after this one. "
                "Restore it from the Versions list if it is still wanted."
            ).format(v=later[-1].version, when=self._time_text(later[-1].activate_at))
        if not Confirm(self, self.tr("Activate the program"), question).ask():
            return
        self.activate_button.setEnabled(False)
        self.worker.run(ops.activate_program, self.s, self.body(), at, on_done=self._activated, on_error=self._failed)

    def _activated(self, result: tuple[int, ProgramState]) -> None:
        version, state = result
        self.activate_button.setEnabled(True)
        self.show_state(state)
        set_status(self.status, self.tr("Version {v} saved and activated.").format(v=version), "info")
        self.program_changed.emit(version)

    def _failed(self, error: BaseException) -> None:
        self.activate_button.setEnabled(True)
        set_status(self.status, explain(error, self.form.title_of)[1], "error")

    # ------------------------------------------------------------------ history

    def selected_version(self) -> VersionRow | None:
        """The version chosen in the history list."""
        index = self.history.currentIndex()
        return self.versions.record(index.row()) if index.isValid() else None

    @Slot()
    def view_version(self) -> None:
        """Show the chosen version's program file."""
        row = self.selected_version()
        if row is not None:
            title = self.tr("Program version {v}").format(v=row.version)
            TextDialog(title, ops.program_json(row.body), self).ask()

    @Slot()
    def restore_version(self) -> None:
        """Store the chosen old version again as the newest one, in force now."""
        row = self.selected_version()
        if row is None:
            set_status(self.status, self.tr("Choose a version in the list first"), "warn")
            return
        question = self.tr("Make version {v} the program in force again (as a new version)?").format(v=row.version)
        if not Confirm(self, self.tr("Restore a version"), question).ask():
            return
        self.worker.run(
            ops.activate_program,
            self.s,
            dict(row.body),
            None,
            f"restored from version {row.version}",
            on_done=self._activated,
            on_error=self._failed,
        )

    # ------------------------------------------------------------------ text of the history list

    def _zone(self) -> Any:
        return self.current.zone if self.current is not None else None

    def _time_text(self, ms: int) -> str:
        local = from_ms(ms).astimezone(self._zone())
        return local.strftime("%d.%m.%Y %H:%M" if i18n.language() == "ru" else "%Y-%m-%d %H:%M")

    def _version_text(self, row: VersionRow) -> str:
        return str(row.version)

    def _applies_text(self, row: VersionRow) -> str:
        return self.tr("from the start") if row.activate_at == 0 else self._time_text(row.activate_at)

    def _saved_text(self, row: VersionRow) -> str:
        return self._time_text(row.created_at)

    def _state_text(self, row: VersionRow) -> str:
        if self.state is None:
            return ""
        if row.version == self.state.version:
            return self.tr("in force")
        if row.activate_at > self.state.now:
            return self.tr("scheduled")
        return self.tr("replaced")


def _version_key(row: VersionRow) -> int:
    return row.version


def _version_name(row: VersionRow) -> str:
    return row.name


def _applies_key(row: VersionRow) -> int:
    return row.activate_at


def _saved_key(row: VersionRow) -> int:
    return row.created_at
