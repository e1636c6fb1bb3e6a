"""Camera side of scanning, plain threads and no Qt: always decode the newest frame.

One capture thread reads frames and keeps only the newest; one decode thread decodes it
with the fast pass and hands codes that two consecutive decodes agree on to a callback.
Frames the decoder had no time for are dropped, so a slow machine reads later, never
from a growing backlog. Callbacks run on the decode thread: a Qt front end turns them
into signals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from app.scanner.decode import Code, decode_gray, second_look
from app.scanner.errors import ScanError

Frame = npt.NDArray[np.uint8]
_DEFAULT_FPS: Final = 30.0


class FrameConfirmer:
    """Accept a code only when two consecutive decodes agree, then ignore it for a cool-down.

    The cool-down runs from the last frame that showed the code, so a card held in view is
    read once however long it stays there; it can be read again `cooldown` seconds after it
    left the picture.
    """

    def __init__(self, cooldown: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._cooldown = cooldown
        self._clock = clock
        self._previous: frozenset[Code] = frozenset()
        self._accepted_at: dict[Code, float] = {}

    def feed(self, codes: Iterable[Code]) -> list[Code]:
        """Take one frame's decode results; return the codes accepted by this frame."""
        now = self._clock()
        current = list(dict.fromkeys(codes))
        accepted = []
        for code in current:
            if code not in self._previous:
                continue
            last = self._accepted_at.get(code)
            self._accepted_at[code] = now
            if last is not None and now - last < self._cooldown:
                continue
            accepted.append(code)
        self._previous = frozenset(current)
        return accepted


class Capture(Protocol):
    """The part of cv2.VideoCapture that CameraReader uses (tests may pass a fake)."""

    def isOpened(self) -> bool:
        """True when the source is open."""

    def read(self) -> tuple[bool, Any]:
        """Grab and return the next frame."""

    def get(self, prop_id: int) -> float:
        """Read a capture property."""

    def release(self) -> None:
        """Close the source."""


def _open_capture(source: int | str | Path) -> Capture:
    capture: Capture = cv2.VideoCapture(source if isinstance(source, int) else str(source))
    return capture


class CameraReader:
    """Decode the newest frame of a camera, video file or stream on background threads.

    ``on_code`` gets each accepted code, ``on_frame`` each decoded frame (for a preview),
    ``on_error`` a ScanError if a camera stops delivering frames. For a file source,
    ``speed`` paces reading at the file's fps times speed (None: as fast as possible).
    """

    def __init__(
        self,
        source: int | str | Path,
        on_code: Callable[[Code], None],
        on_frame: Callable[[Frame], None] | None = None,
        on_error: Callable[[ScanError], None] | None = None,
        *,
        confirmer: FrameConfirmer | None = None,
        speed: float | None = 1.0,
        open_capture: Callable[[int | str | Path], Capture] = _open_capture,
    ) -> None:
        self._source = source
        self._on_code = on_code
        self._on_frame = on_frame
        self._on_error = on_error
        self._confirmer = confirmer or FrameConfirmer()
        self._speed = speed
        self._open_capture = open_capture
        self._capture: Capture | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._newest = threading.Condition()
        self._frame: Frame | None = None
        self._frame_seq = 0
        self._source_done = False
        self.frames_read = 0
        self.frames_decoded = 0
        self.refused = 0  # codes two frames agreed on that failed the second look
        path = None if isinstance(source, int) or "://" in str(source) else Path(source)
        self._path = path
        # A regular file ends by itself and may be paced; a device (/dev/video0) may not.
        self.is_file: bool = path is not None and path.is_file()

    @property
    def frames_dropped(self) -> int:
        """Frames read but never decoded because a newer one had arrived."""
        return self.frames_read - self.frames_decoded

    def start(self) -> None:
        """Open the source and start both threads; raise ScanError if it cannot be opened."""
        if self._threads:
            raise RuntimeError("CameraReader already started")
        if self._path is not None and not self._path.exists():
            raise ScanError("camera_missing", source=str(self._source))
        capture = self._open_capture(self._source)
        if not capture.isOpened():
            capture.release()
            raise ScanError("camera_unopened", source=str(self._source))
        self._capture = capture
        self._threads = [
            threading.Thread(target=self._capture_loop, name="scanner-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="scanner-decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the source is exhausted and its last frame decoded; False on timeout."""
        return self._finished.wait(timeout)

    def stop(self) -> None:
        """Stop both threads and release the source; safe to call more than once."""
        self._stop.set()
        with self._newest:
            self._newest.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()
        if self._capture is not None:
            # Only after the capture thread has left read(): release() under a read crashes.
            self._capture.release()
            self._capture = None

    def _frame_interval(self) -> float:
        if self._speed is None or not self.is_file or self._capture is None:
            return 0.0
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        if not fps or fps <= 0 or fps != fps:
            fps = _DEFAULT_FPS
        return 1.0 / (fps * self._speed)

    def _capture_loop(self) -> None:
        assert self._capture is not None
        interval = self._frame_interval()
        next_due = time.monotonic()
        try:
            while not self._stop.is_set():
                ok, frame = self._capture.read()
                if not ok or frame is None:
                    if not self.is_file and not self._stop.is_set() and self._on_error:
                        self._on_error(ScanError("camera_stopped", source=str(self._source)))
                    break
                self.frames_read += 1
                with self._newest:
                    # Overwrite, never queue: the decoder only ever wants the newest frame.
                    self._frame = np.asarray(frame, dtype=np.uint8)
                    self._frame_seq += 1
                    self._newest.notify_all()
                if interval:
                    next_due += interval
                    delay = next_due - time.monotonic()
                    if delay > 0:
                        self._stop.wait(delay)
        finally:
            with self._newest:
                self._source_done = True
                self._newest.notify_all()

    def _decode_loop(self) -> None:
        seen = 0
        try:
            while True:
                with self._newest:
                    while self._frame_seq == seen and not self._source_done and not self._stop.is_set():
                        self._newest.wait()
                    if self._stop.is_set() or self._frame_seq == seen:
                        return
                    frame, seen = self._frame, self._frame_seq
                assert frame is not None
                try:
                    codes = decode_gray(frame, thorough=False)
                except Exception as exc:
                    # A bug, not a bad frame: say so once, stop the camera, keep the traceback.
                    self._stop.set()
                    if self._on_error is not None:
                        self._on_error(ScanError("camera_failed", detail=str(exc)))
                    raise
                self.frames_decoded += 1
                if self._on_frame is not None:
                    self._on_frame(frame)
                for code in self._confirmer.feed(codes):
                    # Two frames can agree on a misread of a blurred barcode held still: a linear
                    # code is read again at its spot once, as it is accepted. A refused one stays
                    # in its cool-down, so a misread in view is not re-checked on every frame.
                    if not second_look(frame, code):
                        self.refused += 1
                        continue
                    self._on_code(code)
        finally:
            self._finished.set()
