"""«Подозрительные операции»: the fraud flags of a period of local days (issue 13), with CSV and PDF exports.

The flags are read by app.core.services.fraud.FraudService and worded by app.reports.flags_export.describe (the
same sentences as the CLI's digest); reading and writing run on the reports worker, never on the UI thread.
The period starts on yesterday, the store's local day in the program's time zone (FraudService.yesterday).

On a till enrolled with a server the scope can be the whole chain («Вся сеть»): the server's flags
(`ChainReports.flags`, every till at once, a manager's own stores only) come on the chain worker once the
manager has logged in to the server (the dashboard's ServerLoginDialog, one session for both). Not logged in,
the tab says so and offers the login; when the server cannot answer it says why and shows this till's flags.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QComboBox,
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
from app.sync.chain_reports import ChainReports
from app.sync.client import Refused, SyncError
from app.ui import i18n
from app.ui.manager.models import Col, RecordsModel
from app.ui.manager.widgets import ChooseFolder
from app.ui.pin_dialog import set_status
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["FlagsTab", "export_flags"]


def export_flags(
    flags: list[Flag], first: date, last: date, folder: Path, kind: str, lang: str, where: str | None = None
) -> Path:
    """Write the flags shown as flags-<first>_<last>.csv or .pdf in `folder` (runs on the worker); the chain's
    (`where` says whose they are, a line of the PDF) as chain-flags-<first>_<last>."""
    prefix = "flags" if where is None else "chain-flags"
    out = folder / f"{prefix}-{first.isoformat()}_{last.isoformat()}.{kind}"
    return write_pdf(flags, first, last, out, lang, where) if kind == "pdf" else write_csv(flags, out, lang)


def start_facts(fraud: FraudService, chain: ChainReports | None) -> tuple[date, bool]:
    """What the tab needs first (on the worker): yesterday in the store's zone, and whether a chain can be asked."""
    return fraud.yesterday(), chain is not None and chain.configured()


def _needs_login(error: BaseException) -> bool:
    """The server wants the manager's login (never given, expired, or ended by a password reset)."""
    code = getattr(error, "code", "")
    return (isinstance(error, SyncError) and code == "report_login_needed") or (
        isinstance(error, Refused) and code in ("admin_session", "report_login")
    )


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class FlagsTab(QWidget):
    """The manager's list of suspicious operations: a scope (this till or the chain), a period (yesterday
    first), the flags, exports."""

    def __init__(
        self,
        fraud: FraudService,
        worker: Worker,
        parent: QWidget | None = None,
        chain: ChainReports | None = None,
        chain_worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.fraud = fraud
        self.worker = worker
        self.chain = chain  # the chain's server (None, or not configured: a standalone till)
        self.chain_worker = chain_worker
        self.flags: list[Flag] = []
        self.shown: tuple[date, date] | None = None
        self.shown_where: str | None = None  # whose flags are shown: None for this till's, else the chain's words
        self.last_export: Path | None = None
        self._asked = 0
        self._ready = False  # yesterday (the store's local day) and the chain's offer are known
        self._starting = False
        self._chosen = False  # days chosen (set_period) before yesterday was known: kept

        column = QVBoxLayout(self)
        row = QHBoxLayout()
        self.scope = QComboBox(self)
        self.scope.addItem(self.tr("This terminal"), "terminal")
        self.scope.addItem(self.tr("Whole chain"), "chain")
        self.scope.setToolTip(self.tr("This terminal's flags, or the whole chain's from the server"))
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.scope.setVisible(False)  # offered once the till is known to be enrolled with a server
        self.first = QDateEdit(self)
        self.last = QDateEdit(self)
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
        row.addWidget(self.scope)
        row.addWidget(QLabel(self.tr("From"), self))
        row.addWidget(self.first)
        row.addWidget(QLabel(self.tr("to"), self))
        row.addWidget(self.last)
        row.addWidget(self.show_button)
        row.addStretch(1)
        row.addWidget(self.csv_button)
        row.addWidget(self.pdf_button)
        # What the server said (no login, no answer), and the way to log in: under the choices, kept while
        # this till's own flags are shown instead.
        server_row = QHBoxLayout()
        self.server_note = QLabel(self)
        self.server_note.setObjectName("status")
        self.server_note.setWordWrap(True)
        self.server_note.hide()
        self.login_button = QPushButton(self.tr("Log in to the server…"), self)
        self.login_button.clicked.connect(self.log_in)
        self.login_button.hide()
        server_row.addWidget(self.server_note, 1)
        server_row.addWidget(self.login_button)
        hint = QLabel(
            self.tr("A flag is a question, not a verdict: look at the sales and ask the people involved."), self
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.where = QLabel(self)
        self.where.setObjectName("muted")
        self.where.hide()
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
        column.addLayout(server_row)
        column.addWidget(hint)
        column.addWidget(self.where)
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
        self._chosen = True
        self.first.setDate(_qdate(first))
        self.last.setDate(_qdate(last))
        self.load()

    def chain_scope(self) -> bool:
        """True when the whole chain's flags are asked for (from the server), False for this till's."""
        return self.scope.currentData() == "chain" and self.chain is not None and self.chain_worker is not None

    def set_scope(self, chain: bool) -> None:
        """Choose the whole chain or this terminal (and show its flags)."""
        self.scope.setCurrentIndex(self.scope.findData("chain" if chain else "terminal"))

    def forget(self) -> None:
        """Drop the answers still on their way (the window is closing)."""
        self._asked += 1

    @Slot()
    def _period_edited(self) -> None:
        self._exports(False)  # the exports write what is shown: nothing until the new period is shown

    def _exports(self, on: bool) -> None:
        self.csv_button.setEnabled(on)
        self.pdf_button.setEnabled(on)

    @Slot(int)
    def _scope_changed(self, _index: int) -> None:
        if self.chain_scope() and not self._server_login():
            self._scope_back()
            self._say_login_needed()
            return
        self._server_says("")  # a new choice: an old word from the server no longer applies
        self.load()

    def _scope_back(self) -> None:
        self.scope.blockSignals(True)
        self.scope.setCurrentIndex(self.scope.findData("terminal"))
        self.scope.blockSignals(False)

    def _server_login(self) -> bool:
        """True when the manager is logged in to the server (the dashboard's login dialog, asked now if not)."""
        from app.ui.manager.server_login import logged_in

        assert self.chain is not None and self.chain_worker is not None
        return logged_in(self.chain, self.chain_worker, self)

    @Slot()
    def log_in(self) -> None:
        """Log in to the server (when not yet) and show the whole chain's flags."""
        if self.chain is None or self.chain_worker is None or not self._server_login():
            return
        if self.chain_scope():
            self._server_says("")
            self.load()
        else:
            self.set_scope(True)

    def _server_says(self, text: str, level: str = "warn", login: bool = False) -> None:
        set_status(self.server_note, text, level)
        self.login_button.setVisible(login)

    def _say_login_needed(self) -> None:
        self._server_says(
            self.tr("The whole chain's flags need your login to the server. Shown: this terminal's flags."),
            "warn",
            login=True,
        )

    @Slot()
    def load(self) -> None:
        """Read the flags of the chosen period and scope (this till's on the reports worker, the chain's on the
        chain worker); the first time, yesterday is found first."""
        if not self._ready:
            if not self._starting:
                self._starting = True
                set_status(self.status, self.tr("Looking…"), "info")
                self.worker.run(start_facts, self.fraud, self.chain, on_done=self._started, on_error=self._failed)
            return
        first, last = self.period()
        self._asked += 1
        asked = self._asked
        self._exports(False)
        if self.chain_scope():
            assert self.chain is not None and self.chain_worker is not None
            set_status(self.status, self.tr("Asking the server…"), "info")
            self.chain_worker.run(
                self.chain.flags,
                first,
                last,
                on_done=partial(self._shown, asked, (first, last), self._chain_words()),
                on_error=partial(self._chain_failed, asked),
            )
            return
        set_status(self.status, self.tr("Looking…"), "info")
        self.worker.run(
            self.fraud.flags,
            first,
            last,
            on_done=partial(self._shown, asked, (first, last), None),
            on_error=partial(self._local_failed, asked),
        )

    def _started(self, facts: Any) -> None:
        yesterday, chain = facts
        self._starting, self._ready = False, True
        if not self._chosen:
            for edit in (self.first, self.last):
                edit.blockSignals(True)
                edit.setDate(_qdate(yesterday))
                edit.blockSignals(False)
        self.scope.setVisible(bool(chain) and self.chain is not None and self.chain_worker is not None)
        self.load()

    def _chain_words(self) -> str:
        """Whose flags the server gives: the chain's, or a manager's own stores'."""
        stores = None if self.chain is None else self.chain.stores
        if stores is None:
            return self.tr("The whole chain's flags, from the server")
        return self.tr("The flags of your stores ({stores}), from the server").format(stores=", ".join(stores))

    def _shown(self, asked: int, period: tuple[date, date], where: str | None, flags: list[Flag]) -> None:
        if asked != self._asked:
            return  # a newer period or scope was asked for meanwhile
        self.flags, self.shown, self.shown_where = list(flags), period, where
        self.model.set_rows(self.flags)
        self.table.resizeRowsToContents()
        self._exports(True)
        self.where.setText(where or self.tr("This terminal's flags"))
        self.where.setVisible(not self.scope.isHidden())
        if where is not None:
            self._server_says("")  # the server answers again
        if flags:
            set_status(self.status, self.tr("{count} flags in this period.").format(count=len(flags)), "warn")
        else:
            set_status(self.status, self.tr("Nothing suspicious in this period."), "info")

    def _chain_failed(self, asked: int, error: BaseException) -> None:
        if asked != self._asked:
            return
        # This till's own flags stay usable: back to them at once, saying why.
        self._scope_back()
        if _needs_login(error):
            self._say_login_needed()
        else:
            self._server_says(
                self.tr(
                    "The chain's flags could not be had from the server: {reason}. Shown: this terminal's flags."
                ).format(reason=explain(error)),
                "error",
            )
        self.load()

    def _local_failed(self, asked: int, error: BaseException) -> None:
        if asked == self._asked:
            self._failed(error)

    def _failed(self, error: BaseException) -> None:
        self._starting = False
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
            self.shown_where,
            on_done=self._exported,
            on_error=self._export_failed,
        )

    def _exported(self, path: Any) -> None:
        self.last_export = Path(path)
        set_status(self.status, self.tr("Saved: {path}").format(path=path), "info")

    def _export_failed(self, error: BaseException) -> None:
        set_status(self.status, self.tr("Could not save: {reason}").format(reason=explain(error)), "error")
