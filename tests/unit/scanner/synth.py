"""Synthetic test images: EAN-13 bars drawn by hand (any check digit) and QR frames/videos."""

from __future__ import annotations

import io
import random
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


# ------------------------------------------------------------ synthetic photographs
# A held-out set of a different kind from the photo set: the project's own card and receipt codes
# (a signed card QR, the card's EAN-13, a receipt's Code 128, shop EAN-8/UPC-A), rendered the way
# the shop prints them and "photographed" with seeded, realistic transforms. No pipeline setting
# was ever chosen by looking at these images one by one: bench/bench_scan.py only counts them.

_DPMM = 300 / 25.4  # python-barcode's ImageWriter draws at 300 dpi
SYNTH_KINDS = ("card-qr", "card-ean13", "receipt-code128", "ean8", "upca")


def _card_render(kind: str, rnd: random.Random) -> tuple[Gray, str, str, float]:
    """(render, format, expected text, pixels per module) of one of the project's codes, quiet zone included."""
    from app.core.codes import receipt_barcode
    from app.core.identity import card_number, card_qr_payload, ean_check_digit

    if kind == "card-qr":
        payload = card_qr_payload(b"secret of the store", card_number(rnd.randint(1, 999_999)))
        scale = rnd.choice([4, 6, 8])
        return qr_image(payload, scale=scale), "QRCode", payload, float(scale)
    if kind == "card-ean13":
        number = card_number(rnd.randint(1, 999_999))
        width = rnd.choice([0.2, 0.25, 0.33])
        return barcode_image("ean13", number[:12], width), "EAN-13", number, width * _DPMM
    if kind == "receipt-code128":
        text = receipt_barcode(rnd.randint(1, 999_999))
        width = rnd.choice([0.2, 0.25, 0.33])
        return barcode_image("code128", text, width), "Code128", text, width * _DPMM
    digits = "".join(rnd.choice("0123456789") for _ in range(7 if kind == "ean8" else 11))
    full = digits + ean_check_digit(digits)
    width = rnd.choice([0.2, 0.25, 0.33])
    return barcode_image(kind, digits, width), ("EAN-8" if kind == "ean8" else "UPC-A"), full, width * _DPMM


def _background(rng: np.random.Generator, h: int, w: int) -> Gray:
    """A table or counter: a smooth gradient with some texture and a few straight-edged objects."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b, c = rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15), rng.uniform(60, 190)
    base = c + a * xx + b * yy
    texture = cv2.GaussianBlur(rng.normal(0, 25, (h, w)).astype(np.float32), (0, 0), rng.uniform(1, 6))
    image = base + texture
    for _ in range(int(rng.integers(0, 4))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.rectangle(image, (x0, y0), (x0 + int(rng.integers(20, 200)), y0 + int(rng.integers(20, 200))),
                      float(rng.uniform(0, 255)), -1)  # fmt: skip
    return np.asarray(image.clip(0, 255), dtype=np.uint8)


def synthetic_photo(seed: int, kind: str) -> tuple[Gray, str, str]:
    """One seeded "photograph" of a code of kind: (image, format, expected text).

    The render is pasted on a white card, which is turned (any angle), leaned (a perspective
    warp of up to a fifth of its size per corner) and scaled (1.3-4 px per module), laid on a
    background in a 640×480 picture, then defocused (Gaussian σ up to 2 px and half a module) or motion-blurred, lit
    unevenly (dim to bright, a vignette), sometimes given a lamp's glare, sensor noise and JPEG.
    """
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    render, fmt, text, modules_px = _card_render(kind, rnd)
    card = np.pad(render, ((24, 24), (24, 24)), constant_values=255)
    h, w = card.shape
    out_w, out_h = 640, 480
    # Size in the picture: the render's modules (its scale) brought to 1.3-4 px, within the frame.
    module = modules_px
    size = rnd.uniform(1.3, 4.0) / module
    size = min(size, 0.85 * out_w / w, 0.85 * out_h / h) if max(h, w) * size > 0.85 * min(out_w, out_h) else size
    angle = np.deg2rad(rnd.uniform(0, 360) if rnd.random() < 0.5 else rnd.uniform(-20, 20))
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32) - [w / 2, h / 2]
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=np.float32)
    lean = rnd.uniform(0, 0.2)
    jitter = rng.uniform(-lean, lean, (4, 2)).astype(np.float32) * [w, h]
    placed = ((corners + jitter) @ rot.T) * size
    span = placed.max(axis=0) - placed.min(axis=0)
    room = np.maximum([out_w, out_h] - span, 1)
    offset = -placed.min(axis=0) + [rnd.uniform(0, room[0]), rnd.uniform(0, room[1])]
    target = (placed + offset).astype(np.float32)
    source = (corners + np.float32([w / 2, h / 2])).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h), flags=cv2.INTER_AREA, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(card, 255), matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    ground = _background(rng, out_h, out_w).astype(np.float32)
    paper = rnd.uniform(0.75, 1.0)  # card stock is not pure white, ink not pure black
    image = ground * (1 - mask / 255.0) + (warped.astype(np.float32) * paper + 12) * (mask / 255.0)
    # Blur is bounded by the module size in the picture: defocus beyond half a module leaves no
    # legible code for any decoder (docs/benchmarks-scanning.md), so it would measure nothing.
    pixels = module * size
    if rnd.random() < 0.3:
        length = max(2, min(rnd.randint(3, 9), int(2 * pixels)))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        turn = cv2.getRotationMatrix2D((length / 2, length / 2), rnd.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, turn, (length, length))
        image = cv2.filter2D(image, -1, kernel / max(float(kernel.sum()), 1e-6))
    else:
        sigma = rnd.uniform(0, min(2.0, 0.5 * pixels))
        if sigma > 0.2:
            image = cv2.GaussianBlur(image, (0, 0), sigma)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    light = rnd.uniform(0.35, 1.15)  # dim shop corner to bright window
    vignette = 1 - rnd.uniform(0, 0.35) * (((xx - out_w / 2) / out_w) ** 2 + ((yy - out_h / 2) / out_h) ** 2) * 2
    image = image * light * vignette
    if rnd.random() < 0.25:  # a lamp's glare on a laminated card
        gx, gy = rnd.uniform(0, out_w), rnd.uniform(0, out_h)
        radius = rnd.uniform(20, 90)
        image = image + rnd.uniform(80, 200) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2))
    image = image + rng.normal(0, rnd.uniform(1, 10), image.shape)
    gray = np.asarray(image.clip(0, 255), dtype=np.uint8)
    ok, jpeg = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, rnd.randint(35, 92)])
    assert ok
    return np.asarray(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE), dtype=np.uint8), fmt, text


def corrupted_photo(seed: int) -> tuple[Gray, str]:
    """A seeded photo of a code that must never give its id: an EAN-13 with a wrong check digit, or a
    QR with a blot over a third of it (beyond error correction) — (image, what was corrupted)."""
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    if rnd.random() < 0.5:
        from app.core.identity import ean_check_digit

        body = str(rnd.randint(1, 9)) + "".join(rnd.choice("0123456789") for _ in range(11))
        wrong = str((int(ean_check_digit(body)) + rnd.randint(1, 9)) % 10)
        image, what = ean13_image(body + wrong, module_px=rnd.choice([2, 3])), f"EAN-13 {body + wrong}"
    else:
        payload = f"LT1:{rnd.randint(10**12, 10**13 - 1)}:abcdef"
        image = qr_image(payload, scale=rnd.choice([4, 6]))
        h, w = image.shape
        cv2.circle(image, (w // 2, h // 2), int(min(h, w) * 0.3), 0 if rnd.random() < 0.5 else 255, -1)
        what = f"QR {payload} blotted"
    image = turned(image, rnd.uniform(-25, 25))
    image = cv2.GaussianBlur(image, (0, 0), rnd.uniform(0.3, 1.2))
    noisy = image.astype(np.float32) + rng.normal(0, rnd.uniform(1, 8), image.shape)
    return np.asarray(noisy.clip(0, 255), dtype=np.uint8), what
