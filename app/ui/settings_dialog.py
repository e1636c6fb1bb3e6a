"""Manager → Settings…: the store, printer, camera, fiscal register, server, customer display, language and backups
of a running till.

Behind a manager's PIN. Saving writes one audit row per changed setting (who, what, from
what, to what) before anything takes effect, so a setting never changes unrecorded; the
printer, camera and backup schedule apply at once, the language at the next start. Enrolling
with a server from here is audited by the enrolment itself, under the same manager.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.backup import list_backups
from app.core.services.staff import Cashier
from app.core.services.store import StoreService
from app.ui import i18n
from app.ui.backups import DEFAULT_HOURS, DEFAULT_KEEP, BackupScheduler
from app.ui.customer_display import SETTING_ENABLED, SETTING_SCREEN, DisplayHost, screen_label
from app.ui.fiscal_port import FiscalConfig, config_changes, load_setup, save_config
from app.ui.pin_dialog import PinDialog, set_status
from app.ui.settings_store import settings
from app.ui.wizard.devices import CameraChooser, LazyWorker, PrinterChooser, form_layout, form_row
from app.ui.wizard.fiscal import FiscalChooser
from app.ui.wizard.server import ServerChooser
from app.ui.wording import explain
from app.ui.worker import Worker

if TYPE_CHECKING:
    from app.bootstrap import Context
    from app.ui.main_window import MainWindow

__all__ = ["SettingsDialog", "StoreFacts", "install_settings", "load_facts", "save_and_audit"]

_ACTION_NAME = "settings_action"


@dataclass(frozen=True)
class StoreFacts:
    """What the settings show from the database: the store's name and address, its server."""

    name: str
    address: str
    server_url: str


def load_facts(store: StoreService) -> StoreFacts:
    """Read the store's details (on the worker)."""
    return StoreFacts(*store.store_details(), store.server_url())


def save_and_audit(
    store: StoreService,
    actor: str,
    changes: Sequence[tuple[str, str, str]],
    details: tuple[str | None, str | None],
    fiscal: tuple[Context, FiscalConfig] | None = None,
) -> None:
    """Save the store's changed details (None: unchanged) and audit every change, in one transaction; on the worker.

    The till's own settings (every change but the store's) are kept by the dialog once this has succeeded.
    Fiscal settings live in the database: the fiscal service checks and saves them first, so a setting it
    refuses leaves every other setting unsaved too."""
    if fiscal is not None:
        save_config(fiscal[0], fiscal[1], actor=actor)
    name, address = details
    till = [change for change in changes if change[0] != "store" and not change[0].startswith("fiscal.")]
    if till or details != (None, None):
        store.set_store_details(name, address, actor=actor, till_settings=till)


class SettingsDialog(QDialog):
    """Tabs of settings; Save audits the changes, then applies them."""

    def __init__(
        self,
        window: MainWindow,
        ctx: Context,
        worker: Worker,
        manager: Cashier,
        saved: QSettings,
        *,
        on_enrolled: Any = None,
    ) -> None:
        super().__init__(window)
        self.main_window = window
        self.ctx = ctx
        self.worker = worker
        self.manager = manager
        self.saved = saved
        self.on_enrolled = on_enrolled
        self.facts = StoreFacts("", "", "")
        self._listening = False  # to the backup scheduler, once "Back up now" was pressed
        self.devices = LazyWorker("settings-devices")
        self.setWindowTitle(self.tr("Settings"))
        self.setModal(True)
        self.resize(820, 600)

        self.tabs = QTabWidget(self)
        self.store_name = QLineEdit(self)
        self.store_name.setMaxLength(80)
        self.store_address = QLineEdit(self)
        self.store_address.setMaxLength(160)
        store_tab = QWidget(self)
        store_form = form_layout(store_tab)
        form_row(store_form, self.tr("Store name"), self.store_name)
        form_row(store_form, self.tr("Address"), self.store_address)
        self.tabs.addTab(store_tab, self.tr("Store"))

        self.printer = PrinterChooser(ctx.db_path.parent, self.devices, i18n.language(), self)
        self.printer.set_setting(str(saved.value("printer") or ""))
        self.tabs.addTab(self.printer, self.tr("Printer"))
        self.camera = CameraChooser(self.devices, self)
        self.camera.set_setting(str(saved.value("camera/source") or ""))
        self.tabs.addTab(self.camera, self.tr("Camera"))
        self.fiscal_saved = FiscalConfig()
        self._facts_ready = self._fiscal_ready = False
        self.fiscal = FiscalChooser(self.devices, manager.name, self)
        self.tabs.addTab(self.fiscal, self.tr("Fiscal register"))

        server_tab = QWidget(self)
        self.server_state = QLabel(self)
        self.server_state.setWordWrap(True)
        # The network exchange runs beside the database worker, never in front of a sale.
        # The enrolment writes its own audit row, under this manager, with the server's answer.
        enroll = functools.partial(ctx.sync.enroll, actor=manager.name)
        self.server = ServerChooser(self.devices, enroll, self, program_choice=True)
        self.server.finished.connect(self._enrolled)
        server_layout = QVBoxLayout(server_tab)
        server_layout.addWidget(self.server_state)
        server_layout.addWidget(self.server)
        server_layout.addStretch(1)
        self.tabs.addTab(server_tab, self.tr("Server"))

        self.language = QComboBox(self)
        self.language.addItem("Русский", "ru")
        self.language.addItem("English", "en")
        current = str(saved.value("language") or i18n.language())
        self.language.setCurrentIndex(max(0, self.language.findData(current)))
        language_tab = QWidget(self)
        language_form = form_layout(language_tab)
        form_row(language_form, self.tr("Language of the screens"), self.language)
        language_form.addRow(QLabel(self.tr("A new language is used from the next start."), self))
        self.tabs.addTab(language_tab, self.tr("Language"))

        self.display_on = QCheckBox(self.tr("Show the customer display"), self)
        self.display_on.setChecked(_yes(saved.value(SETTING_ENABLED), False))
        self.display_screen = QComboBox(self)
        self.display_screen.addItem(self.tr("Automatically: the second screen"), "")
        for screen in QGuiApplication.screens():
            self.display_screen.addItem(screen_label(screen), screen.name())
        chosen = str(saved.value(SETTING_SCREEN) or "")
        if chosen and self.display_screen.findData(chosen) < 0:
            # Remembered while unplugged: kept, so saving other settings does not forget it.
            self.display_screen.addItem(self.tr("{screen} (not connected)").format(screen=chosen), chosen)
        self.display_screen.setCurrentIndex(max(0, self.display_screen.findData(chosen)))
        display_tab = QWidget(self)
        display_form = form_layout(display_tab)
        display_form.addRow(self.display_on)
        form_row(display_form, self.tr("Screen"), self.display_screen)
        display_form.addRow(
            _muted(
                self.tr(
                    "The basket, the total and the customer's points, facing the customer. "
                    "F11 shows or hides it. Unplugged, it comes back when its screen is connected again."
                ),
                self,
            )
        )
        self.tabs.addTab(display_tab, self.tr("Customer display"))

        self.hours = QSpinBox(self)
        self.hours.setRange(0, 48)
        self.hours.setSuffix(self.tr(" h"))
        self.hours.setSpecialValueText(self.tr("only at closing"))
        self.hours.setValue(int(_number(saved.value("backup/hours"), DEFAULT_HOURS)))
        self.keep = QSpinBox(self)
        self.keep.setRange(1, 365)
        self.keep.setValue(int(_number(saved.value("backup/keep"), DEFAULT_KEEP)))
        for spin in (self.hours, self.keep):
            spin.setMaximumWidth(220)
        self.on_close = QCheckBox(self.tr("Also back up when the till is closed"), self)
        self.on_close.setChecked(str(saved.value("backup/on_close", "true")).lower() not in ("false", "0", "no"))
        self.backup_now = QPushButton(self.tr("Back up now"), self)
        self.backup_now.clicked.connect(self._backup_now)
        self.backup_state = QLabel(self)
        self.backup_state.setObjectName("status")
        self.backup_state.setWordWrap(True)
        self.backup_state.hide()
        backup_tab = QWidget(self)
        backup_form = form_layout(backup_tab)
        form_row(backup_form, self.tr("Back up every"), self.hours)
        form_row(backup_form, self.tr("Backups kept"), self.keep)
        backup_form.addRow(self.on_close)
        now_row = QHBoxLayout()
        now_row.addWidget(self.backup_now)
        now_row.addStretch(1)
        backup_form.addRow(now_row)
        backup_form.addRow(self.backup_state)
        backup_form.addRow(
            _muted(self.tr("Backups are kept in {folder}").format(folder=ctx.db_path.parent / "backups"), self)
        )
        self._show_last_backup()
        self.tabs.addTab(backup_tab, self.tr("Backups"))

        # Issue 13: the one-time codes that confirm paying with points go out through SMS.ru.
        self.sms_api_id = QLineEdit(self)
        self.sms_api_id.setMaxLength(80)
        self.sms_api_id.setPlaceholderText(self.tr("empty: codes are not sent by SMS"))
        self._sms_loaded = ""
        sms_tab = QWidget(self)
        sms_form = form_layout(sms_tab)
        form_row(sms_form, self.tr("SMS.ru api_id"), self.sms_api_id)
        sms_form.addRow(
            _muted(
                self.tr(
                    "The key of the store's SMS.ru account (sms.ru › Programmers). The customer then gets a code"
                    " by SMS to confirm paying with points; the phone's QR and a manager work without it."
                ),
                self,
            )
        )
        self.tabs.addTab(sms_tab, self.tr("SMS"))

        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        buttons = QDialogButtonBox(self)
        self.save = QPushButton(self.tr("Save"), self)
        self.save.setObjectName("pay")  # named before it is styled: a later name would not restyle it
        buttons.addButton(self.save, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save.setEnabled(False)  # until the store's details have loaded
        buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        worker.run(load_facts, ctx.store, on_done=self._loaded, on_error=self._failed)
        worker.run(load_setup, ctx, on_done=self._fiscal_loaded, on_error=self._failed)
        worker.run(ctx.confirm.sms_api_id, on_done=self._sms_shown, on_error=self._failed)

    # ----------------------------------------------------------------- loading

    def _loaded(self, facts: StoreFacts) -> None:
        self.facts = facts
        self.store_name.setText(facts.name)
        self.store_address.setText(facts.address)
        self._show_server(facts.server_url)
        self._facts_ready = True
        self.save.setEnabled(self._fiscal_ready)  # both loaded: a half-loaded dialog would save stale values

    def _fiscal_loaded(self, setup: tuple[FiscalConfig, list[str]]) -> None:
        config, categories = setup
        self.fiscal.set_categories(categories, config)
        self.fiscal.set_config(config)
        # Compared with what the tab shows for it (the defaults filled in), so opening and saving changes nothing.
        self.fiscal_saved = self.fiscal.config() if self.fiscal.problem() is None else config
        self._fiscal_ready = True
        self.save.setEnabled(self._facts_ready)

    def _sms_shown(self, api_id: str) -> None:
        self._sms_loaded = api_id
        self.sms_api_id.setText(api_id)

    def _save_sms(self) -> None:
        """The SMS.ru key is the till's database setting (not a screen's): saved and audited by the service."""
        api_id = self.sms_api_id.text().strip()
        if api_id != self._sms_loaded:
            self._sms_loaded = api_id
            self.worker.run(self.ctx.confirm.set_sms_api_id, api_id, actor=self.manager.name, on_error=self._failed)

    def _show_server(self, url: str) -> None:
        if url:
            self.server_state.setText(
                self.tr("This terminal is connected to {url}. A new one-time code moves it to another server.").format(
                    url=url
                )
            )
        else:
            self.server_state.setText(self.tr("This terminal works on its own (not connected to a server)."))

    def _show_last_backup(self) -> None:
        newest = list_backups(self.ctx.db_path.parent / "backups", self.ctx.db_path.stem)
        if newest:
            when = i18n.wall_time(int(newest[0].created * 1000), self.ctx.programs.zone())
            set_status(self.backup_state, self.tr("Newest backup: {when}").format(when=when), "info")

    # ----------------------------------------------------------------- saving

    def changes(self) -> list[tuple[str, str, str]]:
        """(setting, old value, new value) for every setting the manager changed."""
        wanted = {
            "printer": self.printer.setting(),
            "camera/source": self.camera.setting(),
            "language": str(self.language.currentData()),
            "backup/hours": str(self.hours.value()),
            "backup/keep": str(self.keep.value()),
            "backup/on_close": "true" if self.on_close.isChecked() else "false",
            SETTING_ENABLED: "true" if self.display_on.isChecked() else "false",
            SETTING_SCREEN: str(self.display_screen.currentData() or ""),
        }
        defaults = {
            SETTING_ENABLED: "false",
            "language": i18n.language(),
            "backup/hours": f"{DEFAULT_HOURS:g}",
            "backup/keep": str(DEFAULT_KEEP),
            "backup/on_close": "true",
        }
        found = []
        for key, new in wanted.items():
            old = str(self.saved.value(key) or defaults.get(key, ""))
            if old != new:
                found.append((key, old, new))
        store = (self.store_name.text().strip(), self.store_address.text().strip())
        if store != (self.facts.name, self.facts.address):
            found.append(("store", f"{self.facts.name}, {self.facts.address}", f"{store[0]}, {store[1]}"))
        if self.fiscal.problem() is None:
            found += config_changes(self.fiscal_saved, self.fiscal.config())
        return found

    @Slot()
    def submit(self) -> None:
        """Audit the changes on the worker; only then save and apply them."""
        changes = self.changes()
        self._save_sms()
        if not changes:
            self.accept()
            return
        if not self.store_name.text().strip():
            set_status(self.status, self.tr("The store needs a name"), "warn")
            return
        fiscal_problem = self.fiscal.problem()
        if fiscal_problem is not None:
            self.tabs.setCurrentWidget(self.fiscal)
            set_status(self.status, fiscal_problem, "warn")
            return
        fiscal = (self.ctx, self.fiscal.config()) if any(c[0].startswith("fiscal.") for c in changes) else None
        name, address = self.store_name.text().strip(), self.store_address.text().strip()
        # Only what the manager changed is written: the rest may have changed meanwhile (a chain's enrolment).
        details = (name if name != self.facts.name else None, address if address != self.facts.address else None)
        self.save.setEnabled(False)
        self.worker.run(
            save_and_audit,
            self.ctx.store,
            self.manager.name,
            changes,
            details,
            fiscal,
            on_done=functools.partial(self._apply, changes),
            on_error=self._failed,
        )

    def _apply(self, changes: list[tuple[str, str, str]], _audited: None = None) -> None:
        for key, _old, new in changes:
            if key != "store" and not key.startswith("fiscal."):
                self.saved.setValue(key, new)
        self.saved.sync()
        keys = {key for key, _old, _new in changes}
        window = self.main_window
        if "camera/source" in keys:
            window.stop_camera()
            window.camera_source = self.camera.setting() or None
        if "printer" in keys:
            self._apply_printer()
        if keys & {"backup/hours", "backup/keep", "backup/on_close"}:
            scheduler = window.findChild(BackupScheduler)
            if scheduler is not None:
                scheduler.reschedule()
        if keys & {SETTING_ENABLED, SETTING_SCREEN}:
            host = window.findChild(DisplayHost)
            if host is not None:
                host.configure(self.display_on.isChecked(), str(self.display_screen.currentData() or ""))
        if "language" in keys:
            window.show_error(self.tr("The new language is used from the next start"))
        if any(key.startswith("fiscal.") for key in keys):
            fiscal_changed = getattr(window, "fiscal_changed", None)
            if fiscal_changed is not None:
                fiscal_changed.emit()
        self.accept()

    def _apply_printer(self) -> None:
        set_printer = getattr(self.main_window.printer, "set_printer", None)
        if not callable(set_printer):
            return  # printing has not loaded yet: it reads the saved setting when it does
        from app.ui.printing import printer_from_setting

        try:
            set_printer(printer_from_setting(self.printer.setting(), self.ctx.db_path.parent))
        except ValueError as exc:
            self.main_window.show_error(explain(exc))

    def _failed(self, error: BaseException) -> None:
        self.save.setEnabled(True)
        set_status(self.status, explain(error), "error")

    # ----------------------------------------------------------------- server and backups

    @Slot(bool, str)
    def _enrolled(self, ok: bool, _message: str) -> None:
        if not ok:
            return
        url = self.server.enrolled_url
        self._show_server(url)
        if callable(self.on_enrolled):
            self.on_enrolled()

    @Slot()
    def _backup_now(self) -> None:
        scheduler = self.main_window.findChild(BackupScheduler)
        if scheduler is None:
            set_status(self.backup_state, self.tr("Backups are not running in this window"), "warn")
            return
        if not self._listening:
            scheduler.done.connect(self._backed_up)
            scheduler.failed.connect(self._backup_failed)
            self._listening = True
        if scheduler.run_now():
            set_status(self.backup_state, self.tr("Backing up…"), "info")

    @Slot(object)
    def _backed_up(self, made: Any) -> None:
        if made is None:
            set_status(self.backup_state, self.tr("Nothing has changed since the newest backup"), "info")
        else:
            set_status(self.backup_state, self.tr("Backup written: {name}").format(name=made.name), "info")

    @Slot(str)
    def _backup_failed(self, reason: str) -> None:
        set_status(self.backup_state, reason, "error")

    def done(self, result: int) -> None:
        """Closing: let the camera and the device thread go, and stop listening to the backups."""
        self.camera.stop()
        self.devices.stop()
        scheduler = self.main_window.findChild(BackupScheduler)
        if scheduler is not None and self._listening:
            scheduler.done.disconnect(self._backed_up)
            scheduler.failed.disconnect(self._backup_failed)
            self._listening = False
        super().done(result)


def _muted(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


def _yes(value: object, default: bool) -> bool:
    if value in (None, ""):
        return default
    return str(value).lower() in ("true", "1", "yes")


def _number(value: object, default: float) -> float:
    try:
        return float(str(value)) if value not in (None, "") else float(default)
    except ValueError:
        return float(default)


class _SettingsEntry(QObject):
    """The Manager menu's Settings… action: a manager's PIN, then the dialog."""

    def __init__(self, window: MainWindow, session: Any) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.dialog: SettingsDialog | None = None
        self.action = QAction(self.tr("Settings…"), window)
        self.action.setObjectName(_ACTION_NAME)
        self.action.triggered.connect(self.open)
        window.menu_actions([self.action])

    def ask_manager(self) -> Cashier | None:
        """A manager's approval (tests replace this)."""
        return PinDialog(
            self.session.staff, self.session.worker, self.tr("A manager's PIN opens the settings"), self.window
        ).ask()

    @Slot()
    def open(self) -> SettingsDialog | None:
        """Ask for a manager's PIN, then show the settings."""
        manager = self.ask_manager()
        if manager is None:
            return None
        dialog = SettingsDialog(
            self.window,
            self.session.ctx,
            self.session.worker,
            manager,
            settings(),
            on_enrolled=self.session.start_sync,
        )
        self.dialog = dialog
        dialog.open()
        return dialog


def install_settings(window: MainWindow, session: Any) -> QAction:
    """Add Manager → Settings… to the window (once, however often it is called)."""
    existing = window.findChild(_SettingsEntry)
    if existing is not None:
        return existing.action
    return _SettingsEntry(window, session).action
