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
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QWidget, QWizard

from app.core.backup import integrity_problem
from app.core.refusals import Refusal
from app.ui import i18n, theme
from app.ui.pin_dialog import set_status
from app.ui.wizard.creation import RestoreFrom, StorePlan, discard_staging, enroll_staging
from app.ui.wizard.devices import LazyWorker, Runner
from app.ui.wizard.pages import DevicesPage, FiscalPage, ProgramPage, ServerPage, StaffPage, StorePage
from app.ui.wording import explain
from app.ui.worker import Worker

if TYPE_CHECKING:
    import httpx  # a type only: the wizard imports nothing of the network stack until it is used

__all__ = ["FirstRunWizard"]


class FirstRunWizard(QWizard):
    """Store, chain, program, devices, fiscal register and staff; ask() returns the plan, or None when cancelled."""

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
        self.plan: StorePlan | RestoreFrom | None = None
        self.restore_source: Path | None = None  # a checked backup file chosen instead of a new store
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
        self.fiscal = FiscalPage(self.devices, self)
        self.staff = StaffPage(self)
        # Titles as large as the till's own headings; the markup stays out of the translations.
        self.setTitleFormat(Qt.TextFormat.RichText)
        for page in (self.store, self.server, self.program, self.devices_page, self.fiscal, self.staff):
            page.setTitle(f'<span style="font-size: 22px; font-weight: bold;">{html.escape(page.title())}</span>')
            self.addPage(page)
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton):
            # Forward is the way through: the accent colour, as the till's Pay button.
            self.button(which).setStyleSheet(
                f"QPushButton {{ background: {theme.ACCENT}; color: white; font-weight: bold; border: none;"
                " padding: 0 22px; } QPushButton:disabled { background: #9fb8a8; }"
            )
        self.currentIdChanged.connect(self._page_shown)
        self.store.restore_button.clicked.connect(self.choose_backup)
        self._fit_screen()

    def ask(self) -> StorePlan | RestoreFrom | None:
        """Run the wizard; the plan to create, a backup to restore, or None when the user gave up."""
        self.exec()
        return self.plan

    def pick_backup_file(self) -> Path | None:
        """Ask for a backup file (tests replace this)."""
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Backup of the store"), str(Path.home()), self.tr("Store backups (*.sqlite3);;All files (*)")
        )
        return Path(name) if name else None

    def choose_backup(self) -> None:
        """Pick a backup file; once it passes the integrity check (on the worker), the wizard ends with it."""
        source = self.pick_backup_file()
        if source is None:
            return
        self.store.restore_button.setEnabled(False)
        set_status(self.store.restore_status, self.tr("Checking the backup…"))
        self.worker.run(
            integrity_problem,
            source,
            on_done=functools.partial(self._backup_checked, source),
            on_error=self._backup_unreadable,
        )

    def _backup_checked(self, source: Path, problem: Refusal | None) -> None:
        self.store.restore_button.setEnabled(True)
        if problem is not None:
            set_status(self.store.restore_status, self.tr("This file cannot be restored: {problem}").format(
                problem=explain(problem)), "error")  # fmt: skip
            return
        self.restore_source = source
        self.accept()

    def _backup_unreadable(self, error: BaseException) -> None:
        self.store.restore_button.setEnabled(True)
        set_status(self.store.restore_status, self.tr("This file cannot be restored: {problem}").format(
            problem=explain(error)), "error")  # fmt: skip

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
            fiscal=self.fiscal.chooser.config() if self.fiscal.chooser.problem() is None else None,
        )

    def done(self, result: int) -> None:
        """Closing either way: keep the plan or remove the enrolment, then release the camera and threads."""
        accepted = result == QDialog.DialogCode.Accepted.value
        restoring = accepted and self.restore_source is not None
        if accepted and not restoring and not self.validateCurrentPage():
            return  # the page says what is wrong; QWizard would refuse to finish as well
        self.devices_page.camera.stop()
        self._wait_for(self.worker)  # an enrolment still running would write after the cleanup
        if restoring and self.restore_source is not None:
            # The restored store brings its own settings and chain enrolment: nothing staged is kept.
            self.plan = RestoreFrom(self.restore_source)
            discard_staging(self.path)
        elif accepted:
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
