"""Synthetic test images: EAN-13 bars drawn by hand (any check digit) and QR frames/videos."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import segno

Gray = npt.NDArray[np.uint8]

_L = ["0001101", "0011001", "0010011", "0111101", "0100011",
      "0110001", "0101111", "0111011", "0110111", "0001011"]  # fmt: skip
_G = ["".join("1" if b == "0" else "0" for b in reversed(code)) for code in _L]
_R = ["".join("1" if b == "0" else "0" for b in code) for code in _L]
# Parity of the left six digits, chosen by the first digit (which has no bars of its own).
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
           "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]  # fmt: skip


def ean13_modules(digits: str) -> str:
    """The 95 modules of an EAN-13 symbol for any 13 digits, valid check digit or not."""
    assert len(digits) == 13 and digits.isdigit()
    first, left, right = int(digits[0]), digits[1:7], digits[7:]
    bars = "101"
    for parity, d in zip(_PARITY[first], left, strict=True):
        bars += (_L if parity == "L" else _G)[int(d)]
    bars += "01010"
    bars += "".join(_R[int(d)] for d in right)
    return bars + "101"


def ean13_image(digits: str, module_px: int = 3, height: int = 120) -> Gray:
    """A clean, quiet-zoned grayscale picture of the EAN-13 bars for digits."""
    modules = ean13_modules(digits)
    quiet = 11 * module_px
    row = np.full(quiet * 2 + len(modules) * module_px, 255, np.uint8)
    for i, bit in enumerate(modules):
        if bit == "1":
            row[quiet + i * module_px : quiet + (i + 1) * module_px] = 0
    image = np.tile(row, (height, 1))
    return np.pad(image, ((20, 20), (0, 0)), constant_values=255)


def qr_image(text: str, scale: int = 6) -> Gray:
    """A clean grayscale QR code for text made with segno."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    decoded = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    return np.asarray(decoded, dtype=np.uint8)


def frame_720p(
    rng: np.random.Generator, code: Gray | None = None, at: tuple[int, int] = (200, 500), noise: float = 12.0
) -> Gray:
    """A 1280×720 gray frame with per-pixel noise of sigma noise, with code pasted at (top, left) if given."""
    frame = rng.normal(120, noise, (720, 1280)).clip(0, 255).astype(np.uint8)
    if code is not None:
        top, left = at
        h, w = code.shape
        patch = code.astype(np.int16) + rng.normal(0, 8, code.shape).astype(np.int16)
        frame[top : top + h, left : left + w] = patch.clip(0, 255).astype(np.uint8)
    return frame


def write_video(path: Path, frames: list[Gray], fps: float = 30.0) -> Path:
    """Write grayscale frames to an MJPG .avi (reliable with every OpenCV build)."""
    h, w = frames[0].shape
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG video here"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


def barcode_image(kind: str, digits_or_text: str, module_width: float = 0.25, text: bool = True) -> Gray:
    """A python-barcode render (`ean13`, `ean8`, `upca`, `code128`), as a printer would make it.

    For EAN/UPC pass the number without its check digit: python-barcode adds it.
    """
    import barcode
    from barcode.writer import ImageWriter

    buffer = io.BytesIO()
    barcode.get(kind, digits_or_text, writer=ImageWriter()).write(
        buffer, options={"module_width": module_width, "write_text": text}
    )
    decoded = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    return np.asarray(decoded, dtype=np.uint8)


def turned(image: Gray, degrees: float) -> Gray:
    """image turned by degrees on a white canvas that holds all of it (a code held at an angle)."""
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return np.asarray(cv2.warpAffine(image, matrix, (new_w, new_h), borderValue=255), dtype=np.uint8)
