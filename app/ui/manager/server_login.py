"""The manager's login to the chain's server, asked before the whole chain's reports are shown.

A terminal's token reads no report: the server wants a manager or admin account of its own, and a
manager sees only its stores. The password goes to the server once, on the chain worker; the
session it gives is kept in memory by `ChainReports` and never written to the terminal's file.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.core.errors import LoyaltyError
from app.sync.chain_reports import ChainReports
from app.ui.pin_dialog import set_status
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["ServerLoginDialog", "logged_in"]


def _login(chain: ChainReports, name: str, password: str) -> LoyaltyError | None:
    """Log in on the worker; a refusal comes back as a value (worded on screen)."""
    try:
        chain.login(name, password)
    except LoyaltyError as exc:
        return exc
    return None


def logged_in(chain: ChainReports, worker: Worker, parent: QWidget) -> bool:
    """True when the manager is logged in to the server, the login dialog asked first when not yet."""
    return chain.logged_in() or ServerLoginDialog(chain, worker, parent).ask()


class ServerLoginDialog(QDialog):
    """Name and password of the manager's server account; ask() returns True once logged in."""

    def __init__(self, chain: ChainReports, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chain = chain
        self.worker = worker
        self.setWindowTitle(self.tr("The chain's server"))
        self.setModal(True)
        self.setMinimumWidth(440)  # the hint on two lines, not squeezed against the edge
        layout = QVBoxLayout(self)
        hint = QLabel(self.tr("The whole chain's reports need your manager's login to the server."), self)
        hint.setWordWrap(True)
        self.name = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Password"), self.password)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(self.tr("Log in"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.name.setFocus()

    def ask(self) -> bool:
        """Show the dialog modally; True once the server has accepted the login."""
        return self.exec() == QDialog.DialogCode.Accepted

    @Slot()
    def submit(self) -> None:
        """Send the name and password to the server on the worker."""
        if not self.ok.isEnabled():
            return
        name, password = self.name.text().strip(), self.password.text()
        if not name or not password:
            set_status(self.status, self.tr("Type the name and the password"), "warn")
            return
        self.ok.setEnabled(False)
        set_status(self.status, self.tr("Asking the server…"), "info")
        self.worker.run(_login, self.chain, name, password, on_done=self._answered, on_error=self._failed)

    def _answered(self, refusal: Any) -> None:
        self.ok.setEnabled(True)
        if refusal is not None:
            self.password.clear()
            # The server's words name an administrator; here a store's manager logs in, with either account.
            wrong = getattr(refusal, "code", "") == "admin_wrong"
            set_status(self.status, self.tr("Wrong name or password") if wrong else explain(refusal), "error")
            return
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.ok.setEnabled(True)
        set_status(self.status, explain(error), "error")
