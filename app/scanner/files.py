"""Scan still images and video files for codes, with a clear ScanError for unreadable files."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from app.core.refusals import os_params
from app.scanner.decode import Code, decode_gray, second_look
from app.scanner.errors import ScanError
from app.scanner.live import FrameConfirmer

VIDEO_SUFFIXES: Final = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".ogv"})


def _check_file(path: Path, kind: str) -> None:
    if not path.exists():
        raise ScanError("scan_missing", kind=kind, path=str(path))
    if not path.is_file():
        raise ScanError("scan_not_file", kind=kind, path=str(path))


@contextmanager
def _opencv_quiet() -> Iterator[None]:
    # A file OpenCV cannot parse is an expected case here (Pillow gets a second try, then a
    # ScanError says why); OpenCV would also print a multi-line error to stderr.
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


def read_gray(path: str | Path) -> npt.NDArray[np.uint8]:
    """Read an image file as 8-bit grayscale, or raise ScanError saying why it cannot be read."""
    path = Path(path)
    _check_file(path, "image")
    try:
        # Through bytes rather than cv2.imread, which fails on non-ASCII paths on Windows.
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ScanError("scan_image_os", path=str(path), **os_params(exc)) from exc
    if data.size == 0:
        raise ScanError("scan_image_empty", path=str(path))
    with _opencv_quiet():
        gray = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    if gray is not None:
        return np.asarray(gray, dtype=np.uint8)
    return _read_gray_with_pillow(path)


def _read_gray_with_pillow(path: Path) -> npt.NDArray[np.uint8]:
    # OpenCV's WebP reader refuses some valid files (1-pixel-high ones, for instance).
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("L"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ScanError("scan_not_image", path=str(path)) from exc


def scan_video(path: str | Path) -> list[Code]:
    """Return each code that two consecutive frames agree on, once, in order of confirmation."""
    path = Path(path)
    _check_file(path, "video")
    # FFmpeg only: OpenCV's other file backends read a still image (or a "%d" name pattern) as video.
    with _opencv_quiet():
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise ScanError("scan_not_video", path=str(path))
        # Infinite cool-down: a code that stays in view is reported once per file.
        confirmer = FrameConfirmer(cooldown=math.inf)
        found: list[Code] = []
        trusted: set[Code] = set()  # linear codes that passed a second look once
        frames = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames += 1
            gray = np.asarray(frame, dtype=np.uint8)
            codes = [c for c in decode_gray(gray, thorough=False) if c in trusted or second_look(gray, c)]
            trusted.update(codes)
            found.extend(confirmer.feed(codes))
        if frames == 0:
            raise ScanError("scan_no_frames", path=str(path))
        return found
    finally:
        capture.release()


def scan_file(path: str | Path) -> list[Code]:
    """Decode a still image (thorough passes) or a video file; raise ScanError if unreadable."""
    path = Path(path)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return scan_video(path)
    try:
        gray = read_gray(path)
    except ScanError as image_error:
        if not path.is_file() or path.stat().st_size == 0:
            raise
        # A video under a name not listed above (.3gp, .ts, no suffix at all) is still a video.
        try:
            return scan_video(path)
        except ScanError:
            raise image_error from None
    return decode_gray(gray, thorough=True)


def scan_report(paths: list[str]) -> list[dict[str, object]]:
    """Scan each file; one dict per file with its codes, or an empty list and the error."""
    report: list[dict[str, object]] = []
    for path in paths:
        try:
            codes = scan_file(path)
        except ScanError as exc:
            report.append({"file": path, "codes": [], "error": str(exc)})
            continue
        report.append({"file": path, "codes": [{"format": c.format, "text": c.text} for c in codes]})
    return report
