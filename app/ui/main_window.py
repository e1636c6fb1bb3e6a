"""The cashier's window: the checkout screen, the key map, the scanners and the hooks for other screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bootstrap import Context
from app.core.events import CustomerChanged
from app.core.services.results import SaleResult
from app.ui import i18n
from app.ui.bridge import Bridge
from app.ui.camera import CameraFeed
from app.ui.checkout.controller import CheckoutController
from app.ui.checkout.screen import CheckoutScreen
from app.ui.checkout.state import TillServices
from app.ui.fiscal_port import FiscalTill
from app.ui.keyboard import KeyboardKeeper
from app.ui.settings_store import save_setting
from app.ui.wedge import WedgeFilter
from app.ui.wording import explain
from app.ui.worker import Worker

AfterSale = Callable[[SaleResult], None]


class HelpDialog(QMessageBox):
    """The key map, in words."""

    def __init__(self, keys: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keys"))
        rows = "".join(f"<tr><td><b>{key}</b>&nbsp;&nbsp;</td><td>{text}</td></tr>" for key, text in keys)
        self.setText(f"<table>{rows}</table>")

    def ask(self) -> None:
        """Show it until closed."""
        self.exec()


class MainWindow(QMainWindow):
    """Checkout window. Hooks: refund_requested, set_cashier, menu_actions/manager_menu, after_sale, printer."""

    refund_requested = Signal(int)  # a sale id (0: the cashier pressed F9 without a receipt)
    ready = Signal()  # the store is loaded and the checkout takes scans
    camera_changed = Signal(bool)
    fiscal_changed = Signal()  # Settings saved new fiscal settings: the register's mode is read again

    def __init__(
        self, ctx: Context, worker: Worker, *, camera_source: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.worker = worker
        self.camera_source = camera_source
        self.camera: CameraFeed | None = None
        # Set by the composition root (app/ui/main.py): receipt printing after each sale.
        self.after_sale: AfterSale | None = None
        self.printer: Any = None
        self.is_ready = False
        self.setWindowTitle(self.tr("Loyalty Terminal — checkout"))
        self.setMinimumSize(1000, 700)

        self.fiscal = FiscalTill(ctx)  # its settings are read by the session's FiscalDesk, on the worker
        till = TillServices(
            ctx.checkout, ctx.catalog, ctx.customers, ctx.programs, ctx.store, self.fiscal, confirm=ctx.confirm
        )
        self.controller = CheckoutController(till, worker, self)
        self.checkout = CheckoutScreen(self.controller, worker)
        self.checkout.sale_committed.connect(self._sale_committed)
        self.checkout.refund_requested.connect(self.refund_requested)
        self.checkout.ready.connect(self._ready)

        self._actions = self._make_actions()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.checkout, 1)
        # Printer trouble stays in sight (not in a window of its own that takes the keyboard)
        # until a receipt prints or the printer is changed; selling goes on meanwhile.
        self.printer_problem = QLabel()
        self.printer_problem.setObjectName("status")
        self.printer_problem.setProperty("level", "error")
        self.printer_problem.setWordWrap(True)
        self.printer_problem.setContentsMargins(10, 0, 10, 0)
        self.printer_problem.hide()
        column.addWidget(self.printer_problem)
        column.addWidget(self._footer())
        self.setCentralWidget(central)

        self.manager_menu: QMenu = self.menuBar().addMenu(self.tr("&Manager"))
        camera_setting = QAction(self.tr("Camera source…"), self)
        camera_setting.triggered.connect(self.choose_camera_source)
        self.manager_menu.addAction(camera_setting)
        language = QAction(self.tr("Language: Русский / English…"), self)
        language.triggered.connect(self.switch_language)
        self.manager_menu.addAction(language)
        self.manager_menu.addSeparator()

        self.cashier_label = QLabel(self.tr("No cashier signed in"))
        self.camera_label = QLabel()
        self.statusBar().addPermanentWidget(self.camera_label)
        self.statusBar().addPermanentWidget(self.cashier_label)
        self._show_camera_state()

        self.bridge = Bridge(ctx.bus, self)
        self.bridge.customer_changed.connect(self._customer_changed_elsewhere)
        self.bridge.refund_committed.connect(self._customer_changed_elsewhere)
        # A sync may bring the chain's rotated card key: cards printed with it are read from then on.
        self.bridge.sync_status.connect(self._synced)

        # The wedge sees every key press in the application; its scans are handled after the
        # key event has finished (queued), so a dialog a scan opens never runs inside a filter.
        self.wedge = WedgeFilter(self)
        self.wedge.scanned.connect(self.on_scan, Qt.ConnectionType.QueuedConnection)
        # Without a window manager nothing gives the keyboard back when a dialog closes.
        self.keyboard = KeyboardKeeper(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.wedge)
            app.installEventFilter(self.keyboard)
        self.controller.load_store()

    def _synced(self, status: Any) -> None:
        if getattr(status, "online", False):
            self.controller.reload_card_keys()

    # ----------------------------------------------------------------- hooks for other screens

    def set_cashier(self, name: str, role: str) -> None:
        """Show who is signed in; their name goes on every sale."""
        self.controller.cashier = name or None
        roles = {"cashier": self.tr("cashier"), "manager": self.tr("manager")}
        self.cashier_label.setText(self.tr("Cashier: {name} ({role})").format(name=name, role=roles.get(role, role)))

    @Slot(bool)
    def set_shift_open(self, is_open: bool) -> None:
        """Whether the signed-in cashier has a shift open; without one the till takes no payment."""
        self.checkout.shift_open = is_open

    @Slot(str)
    def show_printer_problem(self, text: str) -> None:
        """Say what is wrong with the receipt printer, until clear_printer_problem()."""
        self.printer_problem.setText(" ".join(text.split()))
        self.printer_problem.show()

    @Slot()
    def clear_printer_problem(self) -> None:
        """A receipt printed (or another printer was chosen): the printer's problem is gone."""
        self.printer_problem.hide()

    @Slot(str)
    def show_error(self, text: str) -> None:
        """Show a failure from another screen or service (a printer, say) in the status area."""
        self.checkout.show_message(text, "error")

    def menu_actions(self, actions: list[QAction]) -> None:
        """Add actions (shifts, refunds, reports…) to the Manager menu."""
        for action in actions:
            self.manager_menu.addAction(action)

    # ----------------------------------------------------------------- keys

    def _make_actions(self) -> list[tuple[QAction, str]]:
        s = self.checkout
        table: list[tuple[str, str, Callable[[], None]]] = [
            ("F1", self.tr("Help"), self.show_help),
            ("F2", self.tr("Customer"), s.focus_customer),
            ("F3", self.tr("Product"), s.focus_products),
            ("F4", self.tr("Enroll"), s.enroll),
            ("F5", self.tr("Points"), s.redeem),
            ("F6", self.tr("Coupon"), s.coupon),
            ("F7", self.tr("Gift"), s.gift),
            ("F8", self.tr("Free price"), s.free_item),
            ("F9", self.tr("Refund"), self.request_refund),
            ("F10", self.tr("Camera"), self.toggle_camera),
            ("F12", self.tr("Pay"), s.pay),
        ]
        actions = []
        for key, text, slot in table:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            actions.append((action, key))
        return actions

    def key_map(self) -> list[tuple[str, str]]:
        """Every key and what it does (the footer and F1 show it)."""
        return [
            *((key, action.text()) for action, key in self._actions),
            ("Enter", self.tr("choose / add / pay")),
            ("Esc", self.tr("back / clear the checkout")),
            ("+ / −", self.tr("quantity of the selected line")),
            ("Del", self.tr("remove the selected line")),
        ]

    def _footer(self) -> QWidget:
        footer = QWidget()
        footer.setObjectName("footer")
        grid = QGridLayout(footer)
        grid.setContentsMargins(10, 2, 10, 4)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        for column, (action, key) in enumerate(self._actions):
            button = QPushButton(f"{key} {action.text()}")
            button.setObjectName("key")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(action.trigger)
            grid.addWidget(button, 0, column)
        more = QLabel(" · ".join(f"{key} — {text}" for key, text in self.key_map()[len(self._actions) :]))
        more.setObjectName("muted")
        more.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(more, 1, 0, 1, len(self._actions))
        return footer

    @Slot()
    def show_help(self) -> None:
        """F1: the key map."""
        dialog = HelpDialog(self.key_map(), self)
        dialog.ask()
        dialog.deleteLater()

    @Slot()
    def take_keyboard(self) -> None:
        """After a dialog closes: this window takes the keyboard back and the product field the cursor.

        With a window manager the window under a closed dialog is activated for us; a kiosk
        without one leaves no window with the keyboard, and every F-key is lost until a click.
        """
        if not self.isVisible() or QApplication.activeModalWidget() is not None:
            return
        self.raise_()
        self.activateWindow()
        self.checkout.focus_products()

    @Slot()
    def request_refund(self) -> None:
        """F9: ask the refund screen to open (it asks for the receipt itself)."""
        self.refund_requested.emit(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc that nothing else wanted: back out, or clear the checkout."""
        if event.key() == Qt.Key.Key_Escape:
            self.checkout.escape()
            return
        super().keyPressEvent(event)

    # ----------------------------------------------------------------- scans

    @Slot(str)
    def on_scan(self, text: str) -> None:
        """Every scan, from the camera or the keyboard wedge.

        While a dialog is open the scan is its own: a dialog with a scan(text) method (the
        refund dialog) gets it; any other dialog keeps the checkout from changing under it.
        """
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            scan = getattr(dialog, "scan", None)
            if callable(scan):
                scan(text)
            else:
                self.checkout.show_message(self.tr("Close the open window first, then scan again"), "warn")
            return
        self.checkout.router.handle(text)

    @Slot()
    def toggle_camera(self) -> None:
        """F10: camera on or off."""
        if self.camera is not None:
            self.stop_camera()
            return
        if not self.camera_source:
            self.checkout.show_message(self.tr("No camera is set: Manager → Camera source…"), "warn")
            return
        from app.scanner.errors import ScanError

        feed = CameraFeed(self.camera_source, self)
        feed.code_read.connect(self.on_scan)
        feed.frame_ready.connect(self.checkout.preview.show_frame)
        feed.failed.connect(self._camera_failed)
        feed.ended.connect(self._camera_ended)
        try:
            feed.start()
        except ScanError as exc:
            feed.deleteLater()
            self.checkout.show_message(self.tr("Camera: {reason}").format(reason=explain(exc)), "error")
            return
        self.camera = feed
        self.checkout.set_camera_preview(True)
        self._show_camera_state()

    def stop_camera(self) -> None:
        """Switch the camera off."""
        feed, self.camera = self.camera, None
        if feed is not None:
            feed.stop()
            feed.deleteLater()
        self.checkout.set_camera_preview(False)
        self._show_camera_state()

    @Slot(str)
    def _camera_failed(self, reason: str) -> None:
        self.stop_camera()
        self.checkout.show_message(self.tr("Camera: {reason}").format(reason=reason), "error")

    @Slot()
    def _camera_ended(self) -> None:
        self.stop_camera()
        self.checkout.show_message(self.tr("The camera video has ended"), "info")

    def _show_camera_state(self) -> None:
        on = self.camera is not None
        self.camera_label.setText(self.tr("Camera on") if on else self.tr("Camera off"))
        self.camera_changed.emit(on)

    @Slot()
    def choose_camera_source(self) -> None:
        """Ask for the camera: a device number (0, 1…) or a video file / stream address."""
        text, ok = QInputDialog.getText(
            self,
            self.tr("Camera source"),
            self.tr("Camera number (0, 1…) or a video file / stream address:"),
            text=str(self.camera_source or "0"),
        )
        if ok and text.strip():
            self.camera_source = text.strip()
            save_setting("camera/source", self.camera_source)

    @Slot()
    def switch_language(self) -> None:
        """Save the other language for the next start (texts already on screen stay as they are)."""
        other = "en" if i18n.language() == "ru" else "ru"
        save_setting("language", other)
        # Whole sentences per language: a name spliced in read «интерфейс будет на English».
        text = (
            self.tr("The interface will be in English after a restart")
            if other == "en"
            else self.tr("The interface will be in Russian after a restart")
        )
        self.checkout.show_message(text, "info")

    # ----------------------------------------------------------------- events

    @Slot()
    def _ready(self) -> None:
        self.is_ready = True
        self.ready.emit()

    @Slot(object)
    def _sale_committed(self, result: SaleResult) -> None:
        if self.after_sale is None:
            return
        try:
            self.after_sale(result)
        except Exception as exc:
            self.checkout.show_message(
                self.tr("Sale {id} is saved, but the receipt was not printed: {reason}").format(
                    id=result.sale_id, reason=explain(exc)
                ),
                "error",
            )

    @Slot(object)
    def _customer_changed_elsewhere(self, event: object) -> None:
        info = self.controller.customer
        if info is None:
            return
        # A sync page names hundreds of cards: refresh only when the customer on screen is among them.
        if isinstance(event, CustomerChanged) and info.card not in event.cards:
            return
        self.controller.attach_card(info.card, refresh=True)  # refresh balances after a refund or sync

    def closeEvent(self, event: QCloseEvent) -> None:
        """Release the camera and stop listening to keys and events."""
        self.stop_camera()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.wedge)
            app.removeEventFilter(self.keyboard)
        self.bridge.close()
        super().closeEvent(event)
