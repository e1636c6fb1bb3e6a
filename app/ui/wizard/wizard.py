"""The first-run wizard: from an empty computer to a till a cashier can log in to.

It asks; it does not build. ask() returns a StorePlan (or None), and the caller creates the
store on the database worker with create_store(). The only thing written while it runs is an
enrolment with a chain's server (a one-time code cannot be asked for twice), kept in a staging
file that a cancel removes.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget, QWizard

from app.ui import i18n, theme
from app.ui.wizard.creation import StorePlan, discard_staging, enroll_staging
from app.ui.wizard.devices import LazyWorker, Runner
from app.ui.wizard.pages import DevicesPage, ProgramPage, ServerPage, StaffPage, StorePage
from app.ui.worker import Worker

if TYPE_CHECKING:
    import httpx  # a type only: the wizard imports nothing of the network stack until it is used

__all__ = ["FirstRunWizard"]


class FirstRunWizard(QWizard):
    """Store, chain, program, devices and staff; ask() returns the plan, or None when cancelled."""

    def __init__(
        self,
        path: Path,
        worker: Worker | None = None,
        parent: QWidget | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.worker: Runner = worker if worker is not None else LazyWorker("wizard-db")
        # Test prints and camera start-ups get their own thread: a printer timing out must not
        # hold up an enrolment queued on the database worker.
        self.devices = LazyWorker("wizard-devices")
        self.plan: StorePlan | None = None
        # A staging file left by a setup that crashed is of no use: start clean.
        discard_staging(path)
        self.setWindowTitle(self.tr("Loyalty Terminal — setting up the store"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Create the store"))
        self.store = StorePage(path, self)
        enroll = functools.partial(enroll_staging, path, transport=transport)
        self.server = ServerPage(self.worker, enroll, self)
        self.program = ProgramPage(self)
        self.devices_page = DevicesPage(path.parent, self.devices, i18n.language(), self)
        self.staff = StaffPage(self)
        # Titles as large as the till's own headings; the markup stays out of the translations.
        self.setTitleFormat(Qt.TextFormat.RichText)
        for page in (self.store, self.server, self.program, self.devices_page, self.staff):
            page.setTitle(f'<span style="font-size: 22px; font-weight: bold;">{html.escape(page.title())}</span>')
            self.addPage(page)
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton):
            # Forward is the way through: the accent colour, as the till's Pay button.
            self.button(which).setStyleSheet(
                f"QPushButton {{ background: {theme.ACCENT}; color: white; font-weight: bold; border: none;"
                " padding: 0 22px; } QPushButton:disabled { background: #9fb8a8; }"
            )
        self.currentIdChanged.connect(self._page_shown)
        self._fit_screen()

    def ask(self) -> StorePlan | None:
        """Run the wizard; the plan to create, or None when the user gave up (nothing is left behind)."""
        self.exec()
        return self.plan

    def make_plan(self) -> StorePlan:
        """The pages' values as a plan."""
        cashier_name, cashier_pin = self.staff.cashier()
        return StorePlan(
            store_name=str(self.field("store_name")).strip(),
            store_address=str(self.field("store_address")).strip(),
            program=self.program.choice(),
            printer=self.devices_page.printer.setting(),
            camera=self.devices_page.camera.setting(),
            manager_name=self.staff.manager_name.text().strip(),
            manager_pin=self.staff.manager_pin.text(),
            cashier_name=cashier_name,
            cashier_pin=cashier_pin,
            server_url=self.server.chooser.enrolled_url,
        )

    def done(self, result: int) -> None:
        """Closing either way: keep the plan or remove the enrolment, then release the camera and threads."""
        accepted = result == QDialog.DialogCode.Accepted.value
        if accepted and not self.validateCurrentPage():
            return  # the page says what is wrong; QWizard would refuse to finish as well
        self.devices_page.camera.stop()
        self._wait_for(self.worker)  # an enrolment still running would write after the cleanup
        if accepted:
            self.plan = self.make_plan()
        else:
            self.plan = None
            discard_staging(self.path)
        self.devices.stop()
        if isinstance(self.worker, LazyWorker):
            self.worker.stop()
        super().done(result)

    def _page_shown(self, page_id: int) -> None:
        page = self.page(page_id)
        if page is self.program:
            self.program.set_enrolled(bool(self.server.chooser.enrolled_url))
        elif page is self.devices_page:
            self.devices_page.printer.store = (str(self.field("store_name")), str(self.field("store_address")))

    @staticmethod
    def _wait_for(runner: Runner) -> None:
        worker = runner.worker if isinstance(runner, LazyWorker) else runner
        if worker is not None and worker.busy():
            loop = QEventLoop()
            worker.idle.connect(loop.quit)
            if worker.busy():
                loop.exec()
            worker.idle.disconnect(loop.quit)

    def _fit_screen(self) -> None:
        # Made for a 1024×768 till; smaller screens get the wizard at their size.
        screen = QApplication.primaryScreen()
        width, height = 1024, 768
        if screen is not None:
            area = screen.availableGeometry()
            width, height = min(width, area.width()), min(height, area.height())
        self.resize(width, height)
