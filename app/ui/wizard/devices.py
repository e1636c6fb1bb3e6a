"""Choosing and trying the receipt printer and the camera (the first-run wizard and the settings).

A test print and a test scan each run off the GUI thread: the print on a device worker, the
camera on CameraReader's own threads. Each chooser shows the outcome in words a shop owner can
act on and emits `tested(ok, detail)`; `ask_*` methods stand for the file pickers so tests can
replace them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QIntValidator, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.camera import CameraFeed, CameraPreview
from app.ui.pin_dialog import set_status
from app.ui.wording import explain
from app.ui.worker import Callback, ErrorCallback, Worker

__all__ = [
    "PRINTER_KINDS",
    "CameraChooser",
    "LazyWorker",
    "PrintOutcome",
    "PrinterChooser",
    "form_layout",
    "form_row",
    "print_test_receipt",
    "start_feed",
]

# Setting prefixes of app.ui.printing.printer_from_setting, in the order they are offered.
PRINTER_KINDS = ("pdf", "pdf58", "escpos-net", "escpos-usb", "system")


def form_layout(parent: QWidget | None = None) -> QFormLayout:
    """A form for touch-sized fields (rows added with form_row)."""
    form = QFormLayout(parent) if parent is not None else QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setVerticalSpacing(10)
    return form


def form_row(form: QFormLayout, text: str, field: QWidget) -> None:
    """A labelled row; the label is as tall as its field and centred on it (Qt aligns labels to the top)."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    label.setMinimumHeight(field.sizeHint().height())
    form.addRow(label, field)


class LazyWorker:
    """A Worker whose thread starts on first use: a dialog built and never shown starts no thread
    (and so cannot leave one running when it is thrown away)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self.worker: Worker | None = None

    def run(
        self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
        on_error: ErrorCallback | None = None, **kwargs: Any,
    ) -> int:  # fmt: skip
        """As Worker.run, starting the thread if need be."""
        if self.worker is None:
            self.worker = Worker(self._name)
        return self.worker.run(fn, *args, on_done=on_done, on_error=on_error, **kwargs)

    def busy(self) -> bool:
        """True while calls are queued or running."""
        return self.worker is not None and self.worker.busy()

    def stop(self) -> None:
        """Finish the running call and stop the thread (if it was ever started)."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def __del__(self) -> None:
        # A dialog thrown away without being closed would otherwise destroy a running QThread,
        # which aborts the process.
        self.stop()


Runner = Worker | LazyWorker


@dataclass(frozen=True)
class PrintOutcome:
    """What a test print did: where a PDF went, or the printer's reason for failing."""

    ok: bool
    detail: str


def print_test_receipt(setting: str, data_dir: Path, lang: str, store: tuple[str, str] = ("", "")) -> PrintOutcome:
    """Print a sample receipt through the printer a setting names (runs on a device worker)."""
    # Imported here: reportlab and the ESC/POS renderer are slow to load and only needed now.
    from app.receipts.printers import PdfFolderPrinter, PrintError
    from app.receipts.samples import sample_sale
    from app.ui.printing import printer_from_setting

    try:
        printer = printer_from_setting(setting, data_dir)
    except ValueError as exc:
        return PrintOutcome(False, explain(exc))
    receipt = sample_sale(lang)
    if store[0]:
        # The owner sees their own header on the test receipt, a first check of the wording.
        receipt = replace(receipt, store_name=store[0], store_address=store[1])
    if isinstance(printer, PdfFolderPrinter):
        # The receipts folder holds real receipts only (a sample there reads as a sale that never
        # was): check that it can be written, and save the sample in a folder of its own beside it.
        problem = _folder_problem(printer.folder)
        if problem is not None:
            return PrintOutcome(False, problem)
        printer = PdfFolderPrinter(data_dir / "test-prints", printer.paper)
    try:
        printer.print_receipt(receipt)
    except PrintError as exc:
        return PrintOutcome(False, explain(exc))
    return PrintOutcome(True, str(printer.folder) if isinstance(printer, PdfFolderPrinter) else "")


def _folder_problem(folder: Path) -> str | None:
    """Why receipts could not be saved in a folder (made if missing), or None."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"Cannot save receipt PDF to {folder}: {exc.strerror or exc}"
    return None


def start_feed(feed: CameraFeed) -> str | None:
    """Open the camera (slow for a real device, so on a worker); the reason it cannot (worded), or None."""
    from app.scanner.errors import ScanError

    try:
        feed.start()
    except ScanError as exc:
        return explain(exc)
    return None


def _split_setting(setting: str) -> tuple[str, str]:
    kind, _, rest = setting.strip().partition(":")
    kind = kind.lower() or "pdf"
    return (kind, rest) if kind in PRINTER_KINDS else ("pdf", "")


class PrinterChooser(QWidget):
    """The kind of receipt printer and where it is, with a test print."""

    tested = Signal(bool, str)  # ok, the message shown

    def __init__(self, data_dir: Path, device_worker: Runner, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.worker = device_worker
        self.lang = lang
        self.store: tuple[str, str] = ("", "")  # the header printed on the test receipt
        self.kind = QComboBox(self)
        labels = {
            "pdf": self.tr("PDF files in a folder (80 mm receipts)"),
            "pdf58": self.tr("PDF files in a folder (58 mm receipts)"),
            "escpos-net": self.tr("Receipt printer on the network (ESC/POS)"),
            "escpos-usb": self.tr("Receipt printer on USB (ESC/POS)"),
            "system": self.tr("A printer installed in the system"),
        }
        for key in PRINTER_KINDS:
            self.kind.addItem(labels[key], key)
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText(str(data_dir / "receipts"))
        self.browse = QPushButton(self.tr("Choose…"), self)
        self.browse.clicked.connect(self._browse)
        self.host = QLineEdit(self)
        self.host.setPlaceholderText("192.168.1.50")
        self.port = QLineEdit("9100", self)
        self.port.setValidator(QIntValidator(1, 65535, self.port))
        self.vid = QLineEdit(self)
        self.vid.setPlaceholderText("04b8")
        self.vid.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9a-fA-F]{0,4}"), self.vid))
        self.pid = QLineEdit(self)
        self.pid.setPlaceholderText("0202")
        self.pid.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9a-fA-F]{0,4}"), self.pid))
        self.system_name = QLineEdit(self)
        self.system_name.setPlaceholderText(self.tr("empty: the default printer"))

        folder_row = QWidget(self)
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        # One page of options per kind of connection; both PDF kinds share the folder page.
        self.options = QStackedWidget(self)
        for rows in (
            [(self.tr("Folder"), folder_row)],
            [(self.tr("Address"), self.host), (self.tr("Port"), self.port)],
            [(self.tr("Vendor ID"), self.vid), (self.tr("Product ID"), self.pid)],
            [(self.tr("Printer"), self.system_name)],
        ):
            page = QWidget(self.options)
            form = form_layout(page)
            form.setContentsMargins(0, 0, 0, 0)
            for label, widget in rows:
                form_row(form, label, widget)
            self.options.addWidget(page)
        self.kind.currentIndexChanged.connect(self._kind_changed)

        self.test = QPushButton(self.tr("Test print"), self)
        self.test.clicked.connect(self.test_print)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.kind)
        layout.addWidget(self.options)
        layout.addWidget(self.test, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._kind_changed(0)

    # ----------------------------------------------------------------- the setting

    def setting(self) -> str:
        """The printer as app.ui.printing.printer_from_setting reads it."""
        kind = str(self.kind.currentData())
        if kind in ("pdf", "pdf58"):
            folder = self.folder.text().strip()
            return f"{kind}:{folder}" if folder else kind
        if kind == "escpos-net":
            port = self.port.text().strip() or "9100"
            return f"escpos-net:{self.host.text().strip()}:{port}"
        if kind == "escpos-usb":
            return f"escpos-usb:{self.vid.text().strip()}:{self.pid.text().strip()}"
        name = self.system_name.text().strip()
        return f"system:{name}" if name else "system"

    def set_setting(self, setting: str) -> None:
        """Show a saved setting."""
        kind, rest = _split_setting(setting)
        self.kind.setCurrentIndex(PRINTER_KINDS.index(kind))
        if kind in ("pdf", "pdf58"):
            self.folder.setText(rest)
        elif kind == "escpos-net":
            host, _, port = rest.partition(":")
            self.host.setText(host)
            self.port.setText(port or "9100")
        elif kind == "escpos-usb":
            vid, _, pid = rest.partition(":")
            self.vid.setText(vid)
            self.pid.setText(pid)
        else:
            self.system_name.setText(rest)

    def ask_folder(self) -> str | None:
        """The folder for PDF receipts, picked by the user (None if cancelled)."""
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Folder for receipts"), str(self.data_dir))
        return chosen or None

    # ----------------------------------------------------------------- the test print

    @Slot()
    def test_print(self) -> None:
        """Print a sample receipt through the chosen printer, off the GUI thread."""
        setting = self.setting()
        if str(self.kind.currentData()) == "system":
            # Qt's font database is filled on the GUI thread; the print itself runs on the worker.
            from app.ui.printing import load_receipt_fonts

            load_receipt_fonts()
        self.test.setEnabled(False)
        set_status(self.status, self.tr("Printing a test receipt…"), "info")
        self.worker.run(
            print_test_receipt,
            setting,
            self.data_dir,
            self.lang,
            self.store,
            on_done=self._printed,
            on_error=self._crashed,
        )

    def _printed(self, outcome: PrintOutcome) -> None:
        self.test.setEnabled(True)
        if outcome.ok:
            text = (
                self.tr("The test receipt is saved in {folder}").format(folder=outcome.detail)
                if outcome.detail
                else self.tr("The test receipt was sent to the printer: check that it came out")
            )
            set_status(self.status, text, "info")
        else:
            text = self.tr("The printer did not print: {reason}").format(reason=outcome.detail)
            set_status(self.status, text, "error")
        self.tested.emit(outcome.ok, text)

    def _crashed(self, error: BaseException) -> None:
        self._printed(PrintOutcome(False, explain(error)))

    @Slot(int)
    def _kind_changed(self, index: int) -> None:
        shown = max(0, index - 1)  # pdf and pdf58 share page 0
        for i in range(self.options.count()):
            # A stack is as tall as its tallest page unless the hidden ones are told to ignore it.
            policy = QSizePolicy.Policy.Preferred if i == shown else QSizePolicy.Policy.Ignored
            page = self.options.widget(i)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.options.setCurrentIndex(shown)
        self.options.adjustSize()
        self.status.hide()

    @Slot()
    def _browse(self) -> None:
        chosen = self.ask_folder()
        if chosen:
            self.folder.setText(chosen)


class CameraChooser(QWidget):
    """The camera that reads customers' cards (a device number or a video file), with a test scan."""

    tested = Signal(bool, str)  # ok, the code read or the reason

    def __init__(self, device_worker: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = device_worker
        self.feed: CameraFeed | None = None
        self.source = QLineEdit(self)
        self.source.setPlaceholderText(self.tr("no camera"))
        self.browse = QPushButton(self.tr("Video file…"), self)
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(self.browse)
        self.test = QPushButton(self.tr("Test scan"), self)
        self.test.clicked.connect(self.test_scan)
        self.preview = CameraPreview(self)
        self.preview.setFixedSize(256, 144)
        self.preview.hide()
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        hint = QLabel(self.tr("Camera number (0 is the first camera) or a video file"), self)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.test, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.preview)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def setting(self) -> str:
        """The camera source as saved in the settings ("" for no camera)."""
        return self.source.text().strip()

    def set_setting(self, setting: str) -> None:
        """Show a saved setting."""
        self.source.setText(setting)

    def ask_video_file(self) -> str | None:
        """A video file to read codes from, picked by the user (None if cancelled)."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Video file"), "", self.tr("Videos (*.avi *.mp4 *.mkv *.mov);;All files (*)")
        )
        return chosen or None

    @Slot()
    def test_scan(self) -> None:
        """Open the camera and show the first code it reads; pressed again, stop."""
        if self.feed is not None:
            self.stop()
            self.status.hide()
            return
        source = self.setting()
        if not source:
            self._finish(False, self.tr("Enter a camera number or choose a video file first"))
            return
        feed = CameraFeed(source, self)
        feed.code_read.connect(self._read)
        feed.failed.connect(self._failed)
        feed.ended.connect(self._ended)
        feed.frame_ready.connect(self.preview.show_frame)
        self.feed = feed
        self.test.setText(self.tr("Stop"))
        set_status(self.status, self.tr("Opening the camera…"), "info")
        self.worker.run(start_feed, feed, on_done=self._started, on_error=lambda error: self._failed(explain(error)))

    def stop(self) -> None:
        """Release the camera (safe when it is not open)."""
        feed, self.feed = self.feed, None
        self.test.setText(self.tr("Test scan"))
        self.preview.hide()
        if feed is not None:
            feed.stop()
            feed.deleteLater()

    def _started(self, problem: str | None) -> None:
        if self.feed is None:
            return  # stopped while it was opening
        if problem is not None:
            self._failed(problem)
            return
        self.preview.show()
        set_status(self.status, self.tr("Hold a loyalty card or any QR code or barcode to the camera…"), "info")

    @Slot(str)
    def _read(self, code: str) -> None:
        if self.feed is None:
            return
        self._finish(True, self.tr("The camera read: {code}").format(code=code))

    @Slot(str)
    def _failed(self, reason: str) -> None:
        if self.feed is None:
            return  # already stopped: a late signal from the reader's threads
        self._finish(
            False,
            self.tr("The camera is not available: {reason}. Check the cable or try another number.").format(
                reason=reason
            ),
        )

    @Slot()
    def _ended(self) -> None:
        if self.feed is None:
            return
        self._finish(False, self.tr("The video ended without a readable code"))

    def _finish(self, ok: bool, text: str) -> None:
        self.stop()
        set_status(self.status, text, "info" if ok else "error")
        self.tested.emit(ok, text)

    @Slot()
    def _browse(self) -> None:
        chosen = self.ask_video_file()
        if chosen:
            self.source.setText(chosen)
