"""«Подозрительные операции»: the fraud flags of a period of local days (issue 13), with CSV and PDF exports.

The flags are read by app.core.services.fraud.FraudService and worded by app.reports.flags_export.describe (the
same sentences as the CLI's digest); reading and writing run on the reports worker, never on the UI thread.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.services.fraud import Flag, FraudService
from app.reports.flags_export import describe, write_csv, write_pdf
from app.ui import i18n
from app.ui.manager.models import Col, RecordsModel
from app.ui.manager.widgets import ChooseFolder
from app.ui.pin_dialog import set_status
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["FlagsTab", "export_flags"]


def export_flags(flags: list[Flag], first: date, last: date, folder: Path, kind: str, lang: str) -> Path:
    """Write the flags shown as flags-<first>_<last>.csv or .pdf in `folder` (runs on the worker)."""
    out = folder / f"flags-{first.isoformat()}_{last.isoformat()}.{kind}"
    return write_pdf(flags, first, last, out, lang) if kind == "pdf" else write_csv(flags, out, lang)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class FlagsTab(QWidget):
    """The manager's list of suspicious operations: a period (yesterday first), the flags, exports."""

    def __init__(self, fraud: FraudService, worker: Worker, now_ms: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraud = fraud
        self.worker = worker
        self.flags: list[Flag] = []
        self.shown: tuple[date, date] | None = None
        self.last_export: Path | None = None
        self._asked = 0
        # The till's own local day: the store's clock and the till's are the same wall clock.
        yesterday = datetime.fromtimestamp(now_ms / 1000).date() - timedelta(days=1)

        column = QVBoxLayout(self)
        row = QHBoxLayout()
        self.first = QDateEdit(_qdate(yesterday), self)
        self.last = QDateEdit(_qdate(yesterday), self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
        self.show_button = QPushButton(self.tr("Show"), self)
        self.show_button.setAutoDefault(True)
        self.show_button.clicked.connect(self.load)
        self.csv_button = QPushButton(self.tr("Export CSV…"), self)
        self.csv_button.clicked.connect(self.export_csv)
        self.pdf_button = QPushButton(self.tr("Export PDF…"), self)
        self.pdf_button.clicked.connect(self.export_pdf)
        row.addWidget(QLabel(self.tr("From"), self))
        row.addWidget(self.first)
        row.addWidget(QLabel(self.tr("to"), self))
        row.addWidget(self.last)
        row.addWidget(self.show_button)
        row.addStretch(1)
        row.addWidget(self.csv_button)
        row.addWidget(self.pdf_button)
        hint = QLabel(
            self.tr("A flag is a question, not a verdict: look at the sales and ask the people involved."), self
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.model = RecordsModel(
            [
                Col(self.tr("Day"), lambda f: f.day.strftime("%d.%m.%Y"), key=lambda f: f.day),
                Col(self.tr("What was seen"), lambda f: describe(f, i18n.language())),
                Col(self.tr("Card"), lambda f: f.card or ""),
                Col(self.tr("Staff"), lambda f: f.person or ""),
            ],
            self,
        )
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        column.addLayout(row)
        column.addWidget(hint)
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        self.first.dateChanged.connect(self._period_edited)
        self.last.dateChanged.connect(self._period_edited)
        self._exports(False)

    def period(self) -> tuple[date, date]:
        """The period as chosen now (first, last local day)."""
        return _day(self.first.date()), _day(self.last.date())

    def set_period(self, first: date, last: date) -> None:
        """Choose a period and show its flags."""
        self.first.setDate(_qdate(first))
        self.last.setDate(_qdate(last))
        self.load()

    @Slot()
    def _period_edited(self) -> None:
        self._exports(False)  # the exports write what is shown: nothing until the new period is shown

    def _exports(self, on: bool) -> None:
        self.csv_button.setEnabled(on)
        self.pdf_button.setEnabled(on)

    @Slot()
    def load(self) -> None:
        """Read the flags of the chosen period (on the worker)."""
        first, last = self.period()
        self._asked += 1
        set_status(self.status, self.tr("Looking…"), "info")
        self.worker.run(
            self.fraud.flags,
            first,
            last,
            on_done=partial(self._shown, self._asked, (first, last)),
            on_error=self._failed,
        )

    def _shown(self, asked: int, period: tuple[date, date], flags: list[Flag]) -> None:
        if asked != self._asked:
            return  # a newer period was asked for meanwhile
        self.flags, self.shown = list(flags), period
        self.model.set_rows(self.flags)
        self.table.resizeRowsToContents()
        self._exports(True)
        if flags:
            set_status(self.status, self.tr("{count} flags in this period.").format(count=len(flags)), "warn")
        else:
            set_status(self.status, self.tr("Nothing suspicious in this period."), "info")

    def _failed(self, error: BaseException) -> None:
        set_status(self.status, explain(error), "error")

    # ------------------------------------------------------------------ exports

    def _folder(self, title: str) -> Path | None:
        return ChooseFolder(self, title).ask()

    @Slot()
    def export_csv(self) -> None:
        """Save the flags shown as a CSV file in a folder the manager picks."""
        self._export("csv", self.tr("Folder for the CSV file"))

    @Slot()
    def export_pdf(self) -> None:
        """Save the flags shown as a PDF digest in a folder the manager picks."""
        self._export("pdf", self.tr("Folder for the PDF digest"))

    def _export(self, kind: str, title: str) -> None:
        if self.shown is None:
            return
        folder = self._folder(title)
        if folder is None:
            return
        set_status(self.status, self.tr("Saving…"), "info")
        first, last = self.shown
        self.worker.run(
            export_flags,
            self.flags,
            first,
            last,
            folder,
            kind,
            i18n.language(),
            on_done=self._exported,
            on_error=self._export_failed,
        )

    def _exported(self, path: Any) -> None:
        self.last_export = Path(path)
        set_status(self.status, self.tr("Saved: {path}").format(path=path), "info")

    def _export_failed(self, error: BaseException) -> None:
        set_status(self.status, self.tr("Could not save: {reason}").format(reason=explain(error)), "error")
