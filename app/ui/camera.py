"""The camera for the GUI: app.scanner.live.CameraReader on its own threads, results as signals.

The reader's callbacks run on its decode thread; they only emit signals (queued to the GUI
thread) and build small preview images, never touching a widget. OpenCV and the decoders
load when the camera is first switched on, so they cost nothing at start-up.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

from app.ui.wording import explain

if TYPE_CHECKING:
    from app.scanner.decode import Code
    from app.scanner.errors import ScanError
    from app.scanner.live import CameraReader


def parse_source(text: str | int | Path) -> int | str:
    """A camera setting as CameraReader wants it: a device index, or a file path / stream URL."""
    if isinstance(text, int):
        return text
    value = str(text).strip()
    return int(value) if value.isdigit() else value


class CameraFeed(QObject):
    """Run a CameraReader; accepted codes, preview frames, failures and the end of a file as signals."""

    code_read = Signal(str)
    frame_ready = Signal(QImage)
    failed = Signal(str)
    ended = Signal()

    def __init__(
        self,
        source: str | int | Path,
        parent: QObject | None = None,
        *,
        preview_width: int = 320,
        preview_fps: float = 12.0,
        speed: float | None = 1.0,
        reader_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = parse_source(source)
        self.preview = True
        self._preview_width = preview_width
        self._preview_interval = 1.0 / preview_fps
        self._last_preview = 0.0
        self._speed = speed
        self._options = reader_options or {}
        self._reader: CameraReader | None = None
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._reader is not None

    def start(self) -> None:
        """Open the source and start reading; raises ScanError with a reason when it cannot."""
        from app.scanner.live import CameraReader

        if self._reader is not None:
            return
        self._stopping.clear()
        reader = CameraReader(
            self.source, self._on_code, self._on_frame, self._on_error, speed=self._speed, **self._options
        )
        reader.start()
        self._reader = reader
        threading.Thread(target=self._watch, args=(reader,), name="camera-watch", daemon=True).start()

    def stop(self) -> None:
        """Stop reading and release the camera (safe to call when stopped)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            self._stopping.set()
            reader.stop()

    # The methods below run on the reader's threads: emit only.

    def _on_code(self, code: Code) -> None:
        self.code_read.emit(code.text)

    def _on_error(self, error: ScanError) -> None:
        self.failed.emit(explain(error))  # worded here: the signal carries text to any screen

    def _on_frame(self, frame: Any) -> None:
        now = time.monotonic()
        if not self.preview or now - self._last_preview < self._preview_interval:
            return
        self._last_preview = now
        self.frame_ready.emit(to_qimage(frame, self._preview_width))

    def _watch(self, reader: CameraReader) -> None:
        reader.wait()
        if not self._stopping.is_set():
            self.ended.emit()


def to_qimage(frame: Any, width: int) -> QImage:
    """A camera frame (BGR or gray numpy array) scaled to width, as a QImage that owns its pixels."""
    import cv2

    height = max(1, round(frame.shape[0] * width / frame.shape[1]))
    small = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        fmt, stride = QImage.Format.Format_Grayscale8, small.shape[1]
    else:
        fmt, stride = QImage.Format.Format_BGR888, small.shape[1] * 3
    # copy(): the numpy buffer goes away when this function returns.
    return QImage(small.data, small.shape[1], small.shape[0], stride, fmt).copy()


class CameraPreview(QLabel):
    """The live picture of the camera, scaled to fit; a short note when the camera is off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(QSize(160, 90))
        self.setStyleSheet("background: #222; border-radius: 6px;")
        self.frames_shown = 0

    @Slot(QImage)
    def show_frame(self, image: QImage) -> None:
        """Show one preview frame."""
        self.frames_shown += 1
        pixmap = QPixmap.fromImage(image)
        self.setPixmap(
            pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
        )

    def heightForWidth(self, width: int) -> int:
        """Keep 16:9."""
        return width * 9 // 16

    def hasHeightForWidth(self) -> bool:
        """Keep 16:9."""
        return True
