"""Joining a chain: the server's address and a one-time code, exchanged on the database worker.

Shared by the first-run wizard (which enrolls the store being set up) and the settings (which
enroll the open store): each passes the enrolment function to run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.ui.pin_dialog import set_status
from app.ui.wizard.devices import Runner, form_layout, form_row
from app.ui.wording import explain

__all__ = ["EnrollOutcome", "ServerChooser", "try_enroll"]

Enroll = Callable[..., Any]  # (url, code) or, with the program choice, (url, code, choice)
# The server's refusals of a store's program choice (sync.md promise 12): the code is not spent, choose and retry.
PROGRAM_CHOICE_REFUSALS = frozenset(
    {"program_choice_needed", "chain_no_program_choose", "chain_no_program", "chain_has_program",
     "seed_without_program"}
)  # fmt: skip


@dataclass(frozen=True)
class EnrollOutcome:
    """How an enrolment ended: "enrolled", "unreachable", "refused" or "failed", and the detail."""

    kind: str
    detail: str  # the terminal's id when enrolled, else the refusal in English (logs)
    error: BaseException | None = None  # what the screen words, by its code


def try_enroll(enroll: Enroll, url: str, code: str) -> EnrollOutcome:
    """Run an enrolment on the worker; the server's refusal or absence comes back as a value."""
    from app.core.errors import LoyaltyError
    from app.sync.client import Refused, SyncError

    try:
        answer = enroll(url, code)
    except Refused as exc:
        return EnrollOutcome("refused", str(exc), exc)
    except SyncError as exc:
        kind = "unreachable" if exc.code == "server_unreachable" else "failed"
        return EnrollOutcome(kind, str(exc), exc)
    except LoyaltyError as exc:
        return EnrollOutcome("failed", str(exc), exc)
    terminal = answer.get("terminal_id", "") if isinstance(answer, dict) else ""
    return EnrollOutcome("enrolled", str(terminal))


class ServerChooser(QWidget):
    """Address and one-time code of the central server, and a Connect button."""

    finished = Signal(bool, str)  # enrolled?, the message shown

    def __init__(
        self, worker: Runner, enroll: Enroll, parent: QWidget | None = None, *, program_choice: bool = False
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.enroll = enroll
        self.enrolled_url = ""
        self.busy = False
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://loyalty.example.ru")
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(self.tr("from the chain's manager"))
        self.connect_button = QPushButton(self.tr("Connect"), self)
        self.connect_button.clicked.connect(self.connect_to_server)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        form = form_layout()
        form_row(form, self.tr("Server address"), self.url)
        form_row(form, self.tr("One-time code"), self.code)
        # A store that already sells joins a chain with an explicit choice about its program (promise 12).
        self.program_choice: QComboBox | None = None
        if program_choice:
            self.program_choice = QComboBox(self)
            self.program_choice.addItem(self.tr("The same as the chain's (ask if it differs)"), None)
            self.program_choice.addItem(self.tr("Adopt the chain's program"), "adopt")
            self.program_choice.addItem(self.tr("Make this store's program the chain's (a chain without one)"), "seed")
            form_row(form, self.tr("Loyalty program"), self.program_choice)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def typed(self) -> bool:
        """True when an address or a code has been typed."""
        return bool(self.url.text().strip() or self.code.text().strip())

    def say(self, text: str, level: str = "info") -> None:
        """Show a message under the fields."""
        set_status(self.status, text, level)

    @Slot()
    def connect_to_server(self) -> None:
        """Exchange the code for this terminal's place in the chain (on the database worker)."""
        url, code = self.url.text().strip(), self.code.text().strip()
        if not url.startswith(("http://", "https://")):
            self.say(self.tr("The server address starts with http:// or https://"), "warn")
            return
        if not code:
            self.say(self.tr("Enter the one-time code from the chain's manager"), "warn")
            return
        self._set_busy(True)
        self.say(self.tr("Connecting to {url}…").format(url=url))
        enroll = self.enroll
        if self.program_choice is not None:
            enroll = functools.partial(self._enroll_with_choice, self.program_choice.currentData())
        self.worker.run(
            try_enroll, enroll, url, code, on_done=functools.partial(self._done, url), on_error=self._crashed
        )

    def _enroll_with_choice(self, choice: str | None, url: str, code: str) -> Any:
        return self.enroll(url, code, choice)

    def _done(self, url: str, outcome: EnrollOutcome) -> None:
        self._set_busy(False)
        if outcome.kind == "enrolled":
            self.enrolled_url = url
            self.url.setReadOnly(True)
            self.code.setReadOnly(True)
            self.connect_button.setEnabled(False)
            text = self.tr("Connected to {url} as terminal {terminal}").format(url=url, terminal=outcome.detail)
            self.say(text, "info")
            self.finished.emit(True, text)
            return
        if outcome.kind == "unreachable":
            # The system's words (ConnectError: [Errno 111]…) are for the log, not the screen.
            text = self.tr(
                "Cannot reach the server at {url}. Check the address and the network, or skip this step "
                "and connect later in the settings."
            ).format(url=url)
        elif outcome.kind == "refused" and getattr(outcome.error, "code", "") in PROGRAM_CHOICE_REFUSALS:
            # Not the code's fault: it is still good once the store's program choice fits the chain.
            text = self._why(outcome)
            if self.program_choice is not None:
                self.program_choice.setFocus()  # the answer is a choice: the arrows make it at once
        elif outcome.kind == "refused":
            text = self.tr("The server refused the code: {reason}. Ask the chain's manager for a new code.").format(
                reason=self._why(outcome)
            )
        else:
            text = self.tr("The connection failed: {reason}").format(reason=self._why(outcome))
        self.say(text, "error")
        self.finished.emit(False, text)

    @staticmethod
    def _why(outcome: EnrollOutcome) -> str:
        return explain(outcome.error) if outcome.error is not None else outcome.detail

    def _crashed(self, error: BaseException) -> None:
        self._done(self.url.text().strip(), EnrollOutcome("failed", str(error), error))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.connect_button.setEnabled(not busy)
