"""The pages of the first-run wizard: the store, joining a chain, the program, the devices, the staff.

Each page checks its own fields in validatePage() and says what is wrong beside them; the
wizard reads the pages' values into a StorePlan at the end. Nothing is written until then,
except an enrolment, which lives in a staging file the wizard discards when cancelled.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.core.templates import TEMPLATES
from app.ui import i18n
from app.ui.pin_dialog import PinPad, Refused, pin_field, set_status, staff_reason
from app.ui.wizard.creation import DEMO
from app.ui.wizard.devices import CameraChooser, PrinterChooser, Runner, form_layout, form_row
from app.ui.wizard.fiscal import FiscalChooser
from app.ui.wizard.server import Enroll, ServerChooser

__all__ = ["DevicesPage", "FiscalPage", "ProgramPage", "ServerPage", "StaffPage", "StorePage"]

_NAME_MAX = 60  # as StaffService allows


def _status(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("status")
    label.setWordWrap(True)
    label.hide()
    return label


def _muted(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


class StorePage(QWizardPage):
    """The store's name and address, as printed on every receipt."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Your store"))
        self.setSubTitle(self.tr("The name and address are printed at the top of every receipt."))
        self.name = QLineEdit(self)
        self.name.setMaxLength(80)
        self.name.setPlaceholderText(self.tr("Coffee House “Grain and Steam”"))
        self.address = QLineEdit(self)
        self.address.setMaxLength(160)
        self.address.setPlaceholderText(self.tr("12 Lenin St., Yekaterinburg"))
        # The asterisk makes Next wait for a name.
        self.registerField("store_name*", self.name)
        self.registerField("store_address", self.address)
        form = form_layout()
        form_row(form, self.tr("Store name"), self.name)
        form_row(form, self.tr("Address"), self.address)
        # A till moved to a new computer keeps its customers: the store comes from the old one's backup.
        self.restore_button = QPushButton(self.tr("Restore from a backup file…"), self)
        self.restore_status = QLabel(self)
        self.restore_status.setObjectName("status")  # the theme colours it by level
        self.restore_status.setWordWrap(True)
        self.restore_status.setVisible(False)
        moving = QHBoxLayout()
        moving.addWidget(_muted(self.tr("Moving the till from another computer?"), self), 1)
        moving.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(moving)
        layout.addWidget(self.restore_status)
        layout.addWidget(_muted(self.tr("The store will be kept in {folder}").format(folder=path.parent), self))


class ServerPage(QWizardPage):
    """Optional: join a chain's central server with a one-time code (skipped with empty fields)."""

    def __init__(self, worker: Runner, enroll: Enroll, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Part of a chain?"))
        self.setSubTitle(
            self.tr(
                "If your stores share customers through a central server, connect this terminal now. "
                "A single store skips this step: leave the fields empty and press Next."
            )
        )
        self.chooser = ServerChooser(worker, enroll, self)
        self.chooser.finished.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chooser)
        layout.addStretch(1)

    def isComplete(self) -> bool:
        """Not while a connection is being tried."""
        return not self.chooser.busy

    def validatePage(self) -> bool:
        """Connected, or nothing typed (skipped); a typed but unused code is probably a mistake."""
        if self.chooser.enrolled_url or not self.chooser.typed():
            return True
        self.chooser.say(self.tr("Press Connect, or clear both fields to skip this step"), "warn")
        return False


class ProgramPage(QWizardPage):
    """The loyalty program to start with: a template, or a demo café to try everything first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Loyalty program"))
        self.setSubTitle(self.tr("Choose how customers are rewarded. A manager can change the program later."))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        russian = i18n.language() == "ru"
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(2)
        choices = [
            (t.key, t.title_ru if russian else t.title_en, t.about_ru if russian else t.about_en) for t in TEMPLATES
        ]
        choices.append(
            (
                DEMO,
                self.tr("Demo café"),
                self.tr("A café's program, menu, customers and a month of sales, to try everything before going live."),
            )
        )
        for i, (key, title, about) in enumerate(choices):
            button = QRadioButton(title, self)
            button.setProperty("key", key)
            self.group.addButton(button)
            self.buttons[key] = button
            cell = QVBoxLayout()
            cell.setSpacing(0)
            cell.addWidget(button)
            description = _muted(about, self)
            description.setContentsMargins(34, 0, 0, 8)  # under the title, past the radio indicator
            cell.addWidget(description)
            grid.addLayout(cell, i // 2, i % 2)
        self.buttons["points"].setChecked(True)
        self.note = _muted("", self)
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def initializePage(self) -> None:
        """The cursor on the chosen program: arrows then choose as they move (from an unchosen one, they only move)."""
        checked = self.group.checkedButton()
        if checked is not None:
            checked.setFocus()

    def choice(self) -> str:
        """The chosen template key, or DEMO."""
        checked = self.group.checkedButton()
        return str(checked.property("key")) if checked is not None else "points"

    def set_enrolled(self, enrolled: bool) -> None:
        """A chain terminal: no demo (its sales would reach the server), and the server's program wins."""
        demo = self.buttons[DEMO]
        demo.setEnabled(not enrolled)
        if enrolled and demo.isChecked():
            self.buttons["points"].setChecked(True)
        self.note.setText(
            self.tr(
                "This terminal is part of a chain: the chain's program is used; "
                "this choice only applies if the chain has none yet."
            )
        )
        self.note.setVisible(enrolled)


class DevicesPage(QWizardPage):
    """The receipt printer and the camera, each with a test."""

    def __init__(self, data_dir: Path, devices: Runner, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Printer and camera"))
        self.setSubTitle(
            self.tr("Try both now. Without a receipt printer, receipts are saved as PDF files; the camera is optional.")
        )
        self.printer = PrinterChooser(data_dir, devices, lang, self)
        self.camera = CameraChooser(devices, self)
        printer_box = QGroupBox(self.tr("Receipt printer"), self)
        QVBoxLayout(printer_box).addWidget(self.printer)
        camera_box = QGroupBox(self.tr("Camera for loyalty cards"), self)
        QVBoxLayout(camera_box).addWidget(self.camera)
        boxes = QHBoxLayout()
        boxes.addWidget(printer_box, 1)
        boxes.addWidget(camera_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes)
        layout.addStretch(1)  # the boxes end with their content instead of filling the page

    def cleanupPage(self) -> None:
        """Going back: let the camera go."""
        self.camera.stop()

    def validatePage(self) -> bool:
        """Leaving the page: let the camera go."""
        self.camera.stop()
        return True


class FiscalPage(QWizardPage):
    """The fiscal register: none, beside the till, or one the till drives; with a check (an X-report)."""

    def __init__(self, devices: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Fiscal register"))
        self.setSubTitle(
            self.tr("How sales reach the online cash register (54-ФЗ). It can be changed later in Settings.")
        )
        self.chooser = FiscalChooser(devices, self.tr("Administrator"), self)
        self.problem = _status(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chooser, 1)
        layout.addWidget(self.problem)

    def validatePage(self) -> bool:
        """Leaving the page: the address must be usable (the check itself is optional)."""
        problem = self.chooser.problem()
        set_status(self.problem, problem or "", "warn")
        return problem is None


class StaffPage(QWizardPage):
    """The first manager (name and PIN twice) and, if wanted, a first cashier."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Who works at the till"))
        self.setSubTitle(
            self.tr(
                "The manager approves refunds and changes settings. Each person logs in with a PIN of 4 to 8 digits."
            )
        )
        self.manager_name = QLineEdit(self)
        self.manager_name.setMaxLength(_NAME_MAX)
        self.manager_pin = pin_field(self)
        self.manager_pin_again = pin_field(self)
        self.add_cashier = QCheckBox(self.tr("Also add a cashier"), self)
        self.cashier_name = QLineEdit(self)
        self.cashier_name.setMaxLength(_NAME_MAX)
        self.cashier_pin = pin_field(self)
        self.cashier_pin_again = pin_field(self)
        self.status = _status(self)
        form = form_layout()
        form_row(form, self.tr("Manager's name"), self.manager_name)
        form_row(form, self.tr("PIN"), self.manager_pin)
        form_row(form, self.tr("PIN again"), self.manager_pin_again)
        form.addRow(self.add_cashier)
        self.cashier_form = QWidget(self)
        cashier = form_layout(self.cashier_form)
        cashier.setContentsMargins(0, 0, 0, 0)
        form_row(cashier, self.tr("Cashier's name"), self.cashier_name)
        form_row(cashier, self.tr("PIN"), self.cashier_pin)
        form_row(cashier, self.tr("PIN again"), self.cashier_pin_again)
        self.cashier_form.setVisible(False)
        self.add_cashier.toggled.connect(self._toggle_cashier)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.cashier_form)
        left.addWidget(self.status)
        left.addStretch(1)
        self.pad = PinPad([self.manager_pin, self.manager_pin_again, self.cashier_pin, self.cashier_pin_again], self)
        right = QVBoxLayout()
        right.addWidget(self.pad)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addSpacing(24)
        layout.addLayout(right, 2)

    @Slot(bool)
    def _toggle_cashier(self, on: bool) -> None:
        self.cashier_form.setVisible(on)
        if on:
            self.cashier_name.setFocus()

    def problem(self) -> str | None:
        """What is wrong with the names and PINs, in the user's language; None when all is well."""
        people = [(self.manager_name, self.manager_pin, self.manager_pin_again)]
        if self.add_cashier.isChecked():
            people.append((self.cashier_name, self.cashier_pin, self.cashier_pin_again))
        for name, pin, again in people:
            if not name.text().strip():
                name.setFocus()
                return staff_reason(Refused("staff_name_empty", ""))
            if not 4 <= len(pin.text()) <= 8:
                pin.setFocus()
                return staff_reason(Refused("pin_format", ""))
            if pin.text() != again.text():
                again.clear()
                again.setFocus()
                return self.tr("The two PINs differ: enter the PIN again")
        if self.add_cashier.isChecked() and (
            self.cashier_name.text().strip().casefold() == self.manager_name.text().strip().casefold()
        ):
            self.cashier_name.setFocus()
            return staff_reason(Refused("name_taken", ""))
        return None

    def validatePage(self) -> bool:
        """Create the store only with a usable manager (and cashier)."""
        problem = self.problem()
        if problem is not None:
            set_status(self.status, problem, "error")
            return False
        self.status.hide()
        return True

    def initializePage(self) -> None:
        """Start typing the manager's name."""
        self.manager_name.setFocus()

    def cashier(self) -> tuple[str, str]:
        """The first cashier's name and PIN, or ("", "") when none is added."""
        if not self.add_cashier.isChecked():
            return "", ""
        return self.cashier_name.text().strip(), self.cashier_pin.text()
