"""Enroll a customer at the counter: phone, name, optional birthday, consent; then the new card's QR."""

from __future__ import annotations

import io
import re
from datetime import date

import segno
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.services.customers import CustomerService
from app.core.services.results import EnrollResult
from app.ui import i18n
from app.ui.theme import row_label
from app.ui.wording import explain
from app.ui.worker import Worker

_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


def parse_birthday(text: str) -> str | None:
    """A birthday typed as 05.07.1990 (or 1990-07-05) in ISO form; None when empty; ValueError when wrong."""
    value = text.strip()
    if not value:
        return None
    match = _DMY.match(value)
    day = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(value)
    if not 1900 <= day.year <= date.today().year:
        raise ValueError(value)
    return day.isoformat()


def qr_pixmap(payload: str, scale: int = 6) -> QPixmap:
    """A QR code of payload as a pixmap (segno makes it; medium error correction, as printed)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class EnrollDialog(QDialog):
    """Three fields and a consent box; the enrollment runs on the worker, then the card is shown."""

    enrolled = Signal(object)  # EnrollResult

    def __init__(
        self,
        service: CustomerService,
        worker: Worker,
        card: str | None = None,
        parent: QWidget | None = None,
        *,
        phone: str | None = None,
        actor: str,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._actor = actor  # the cashier enrolling the customer: the enrolment's audit row names them
        self._worker = worker
        self._card = card
        self.outcome: EnrollResult | None = None  # not "result": QDialog.result() exists
        self.setWindowTitle(self.tr("New customer"))
        self.setMinimumWidth(640)  # the consent sentence stays on one line
        self.pages = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)

        form_page = QWidget()
        form = QFormLayout(form_page)
        form.setVerticalSpacing(10)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("+7 916 555-00-00")
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("First and last name"))
        self.birthday = QLineEdit()
        self.birthday.setPlaceholderText(self.tr("DD.MM.YYYY, optional"))
        self.consent = QCheckBox(self.tr("The customer agrees to the processing of personal data"))
        form.addRow(row_label(self.tr("Phone")), self.phone)
        form.addRow(row_label(self.tr("Name")), self.name)
        form.addRow(row_label(self.tr("Birthday")), self.birthday)
        form.addRow(self.consent)
        if card:
            note = QLabel(self.tr("Card {card} will be issued").format(card=card))
            note.setObjectName("muted")
            form.addRow(note)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        form.addRow(self.error)
        buttons = QDialogButtonBox()
        self.submit = buttons.addButton(self.tr("Enroll"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.submit.setDefault(True)
        buttons.accepted.connect(self.try_enroll)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.pages.addWidget(form_page)

        done_page = QWidget()
        done = QVBoxLayout(done_page)
        self.done_title = QLabel()
        self.done_title.setObjectName("title")
        self.done_title.setWordWrap(True)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_note = QLabel()
        self.done_note.setWordWrap(True)
        self.done_button = QPushButton(self.tr("Done"))
        self.done_button.setDefault(True)
        self.done_button.setAutoDefault(True)
        self.done_button.clicked.connect(self.accept)
        done.addWidget(self.done_title)
        done.addWidget(self.qr, 1)
        done.addWidget(self.done_note)
        done.addWidget(self.done_button)
        self.pages.addWidget(done_page)

        for field in (self.phone, self.name, self.birthday):
            field.textChanged.connect(self._update_submit)
        self.consent.toggled.connect(self._update_submit)
        self._busy = False
        self._update_submit()
        self.phone.setFocus()
        if phone:
            # Looked up at the till and not found: the cashier typed it once already.
            self.phone.setText(phone)
            self.name.setFocus()

    def ask(self) -> EnrollResult | None:
        """Show the dialog; the new card, or None when cancelled."""
        self.exec()
        return self.outcome

    def reject(self) -> None:
        """Esc is ignored while the enrollment is being saved (its answer must not be lost)."""
        if not self._busy:
            super().reject()

    @Slot()
    def _update_submit(self) -> None:
        ready = bool(self.phone.text().strip() and self.name.text().strip() and self.consent.isChecked())
        self.submit.setEnabled(ready and not self._busy)

    @Slot()
    def try_enroll(self) -> None:
        """Check the fields and enroll on the worker (consent is required)."""
        if self._busy:
            return
        if not self.consent.isChecked():
            self.error.setText(self.tr("The customer's consent is required"))
            self.consent.setFocus()
            return
        try:
            birthday = parse_birthday(self.birthday.text())
        except ValueError:
            self.error.setText(self.tr("Birthday must be a date like 05.07.1990"))
            self.birthday.setFocus()
            return
        self._busy = True
        self._update_submit()
        self.error.setText(self.tr("Saving…"))
        self._worker.run(
            self._service.enroll,
            self.name.text(),
            self.phone.text(),
            birthday,
            None,
            self._card,
            None,
            True,
            actor=self._actor,
            on_done=self._enrolled,
            on_error=self._refused,
        )

    def _enrolled(self, result: EnrollResult) -> None:
        self._busy = False
        self.outcome = result
        self.done_title.setText(self.tr("Card {card} issued to {name}").format(card=result.card, name=self.name.text()))
        pixmap = qr_pixmap(result.qr)
        self.qr.setPixmap(pixmap)
        self.qr.setMinimumSize(pixmap.size())
        note = self.tr("The customer can photograph this QR code or scan it now.")
        if result.granted:
            note += " " + self.tr("Welcome bonus: {points}.").format(points=i18n.points(result.granted))
        self.done_note.setText(note)
        self.pages.setCurrentIndex(1)
        self.adjustSize()
        self.done_button.setFocus()
        self.enrolled.emit(result)

    def _refused(self, error: BaseException) -> None:
        self._busy = False
        self._update_submit()
        self.error.setText(explain(error))
