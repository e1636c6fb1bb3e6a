"""Decode QR codes and retail/loyalty barcodes from one grayscale frame, never a wrong read.

Two modes share one set of guarantees:

* ``thorough=False`` (live camera frames): one zxing-cpp pass at the given resolution,
  no rotation, downscaling or inversion: 3-6 ms of CPU for a 1280×720 frame with or
  without a code (docs/benchmarks-scanning.md). Where it finds an EAN/UPC, zbar looks at that spot only and vetoes
  the read if it sees a different product code and never this one (zxing-cpp does
  misread blurred EAN/UPC photographs, consistently, so two frames would not catch it).
  A camera read is trusted only after two consecutive frames agree, which
  :class:`app.scanner.live.FrameConfirmer` enforces.
* ``thorough=True`` (still images): up to six passes, zxing-cpp and zbar on the frame
  and on enhanced copies of it, combined by vote (see ``_vote``). It stops as soon as
  the answer is settled, so most images cost one or two passes. When they find nothing
  at all, fallback passes try the negative, then each code region (a light convex
  quadrilateral: a card or label, found on an Otsu and an adaptive binarisation) warped
  flat, then copies turned by 15-45° (a linear code tilted beyond what the decoders
  tolerate), judged by the same vote.

Every result, in both modes, has been checked here rather than trusted from a decoder:

* EAN-13, EAN-8 and UPC-A: digits only, the right length, a correct check digit.
* QR Code and Code 128: non-empty text of printable characters (tab, CR, LF and the
  GS1 separator GS are allowed too; other control characters are refused).
* zbar output is used only where it is reliable: its QR text only when plain ASCII
  (zbar guesses the character set and turns Shift-JIS into the wrong kanji), its Code
  128 only as a vote for a zxing-cpp read (zbar drops FNC4, so ``ó`` comes out ``s``),
  and its EAN-8 likewise (it reads part of a tilted UPC-A/EAN-13 as a valid EAN-8).
* In thorough mode a linear code (EAN/UPC/Code 128) needs two passes that agree and
  must beat every different reading of the same symbol; both decoders do return
  well-formed, check-digit-valid misreads of blurred EAN/UPC photographs.
* zxing-cpp always reports its check-digit failures (``return_errors``): scanning on past
  one finds valid-looking neighbours of a code printed with a wrong check digit. A linear
  code read by zxing-cpp alone must clearly outnumber those failures in the second look.

UPC-A normalisation: an EAN-13 whose first digit is 0 *is* a UPC-A symbol (the bars are
identical), so whichever decoder read it and however it named it, the result is
``Code("UPC-A", <12 digits>)``. Product codes are compared in 13-digit form with
:func:`to_gtin13`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from pyzbar import pyzbar

from app.core import identity
from app.core.identity import ascii_digits, ean_check_digit

Gray = npt.NDArray[np.uint8]
# (x0, y0, x1, y1) in the coordinates of the frame passed to decode_gray.
Box = tuple[float, float, float, float]

QR_CODE: Final = "QRCode"
EAN_13: Final = "EAN-13"
EAN_8: Final = "EAN-8"
UPC_A: Final = "UPC-A"
CODE_128: Final = "Code128"
FORMATS: Final = (QR_CODE, EAN_13, EAN_8, UPC_A, CODE_128)
PRODUCT_FORMATS: Final = frozenset({EAN_13, EAN_8, UPC_A})

_PRODUCT_LENGTHS: Final = {EAN_13: 13, EAN_8: 8, UPC_A: 12}
# Allowed besides printable characters: whitespace found in vCards/URLs and the GS1
# field separator (GS1 QR and Code 128 content carries it in plain text mode).
_ALLOWED_CONTROL: Final = frozenset("\t\r\n\x1d")

_ZXING_FORMATS: Final = zxingcpp.BarcodeFormats(
    [
        zxingcpp.BarcodeFormat.QRCode,
        zxingcpp.BarcodeFormat.EAN13,
        zxingcpp.BarcodeFormat.EAN8,
        zxingcpp.BarcodeFormat.UPCA,
        zxingcpp.BarcodeFormat.Code128,
    ]
)
_QR_ONLY: Final = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCode])
_ZXING_NAMES: Final = {
    "QR Code": QR_CODE,
    "EAN-13": EAN_13,
    "EAN-8": EAN_8,
    "UPC-A": UPC_A,
    "Code 128": CODE_128,
}
_ZBAR_SYMBOLS: Final = [
    pyzbar.ZBarSymbol.QRCODE,
    pyzbar.ZBarSymbol.EAN13,
    pyzbar.ZBarSymbol.EAN8,
    pyzbar.ZBarSymbol.UPCA,
    pyzbar.ZBarSymbol.CODE128,
]
_ZBAR_NAMES: Final = {
    "QRCODE": QR_CODE,
    "EAN13": EAN_13,
    "EAN8": EAN_8,
    "UPCA": UPC_A,
    "CODE128": CODE_128,
}
_ZXING: Final = "zxing"
_ZBAR: Final = "zbar"

# Enlarging helps when bars or modules are only 1-2 px wide. Up to a 720p frame (0.92 MP
# → 3.7 MP) it costs about 0.4 s in all; beyond, a legible symbol usually has the pixels
# already and the 4× area would make zbar take seconds.
_UPSCALE_MAX_PIXELS: Final = 1_000_000
# Reads whose boxes, each grown by this share of its longer side, touch are taken to be
# the same symbol. Generous on purpose: merging two symbols can only drop a result,
# splitting one symbol could let a misread stand beside the right reading.
_SAME_SYMBOL_MARGIN: Final = 0.25
# The camera pass's second look at QR symbols found but not read: at most this many per frame,
# and only symbols up to this many pixels across (a larger one is not failing for lack of pixels).
_RESCUES_PER_FRAME: Final = 2
_RESCUE_MAX_SIDE: Final = 400
# Fallback passes for a still image in which the six passes found nothing at all: turned
# copies for a linear code tilted beyond the ~10° both decoders tolerate (zxing-cpp's own
# try_rotate covers the quarter turns, so these angles cover every tilt in 15° steps), on at
# most this many pixels (a larger image is shrunk first: ten passes on a 2 MP photo would take
# seconds).
_FALLBACK_ANGLES: Final = (30, -30, 45, 15, -15)
_FALLBACK_MAX_PIXELS: Final = 1_000_000
# Code regions (a card or label outlined against its background) tried by the fallback: the few
# largest, each between these shares of the picture's area (smaller cannot hold a legible code at
# the picture's resolution; larger is the picture itself).
_REGIONS_PER_IMAGE: Final = 3
_REGION_MIN_SHARE: Final = 0.005
_REGION_MAX_SHARE: Final = 0.9


@dataclass(frozen=True)
class Code:
    """One decoded symbol: its format (one of FORMATS) and its exact text."""

    format: str
    text: str


def ean_check_digit_ok(digits: str) -> bool:
    """Return True when the last digit of an EAN-8/UPC-A/EAN-13 number is its check digit."""
    return ascii_digits(digits) and len(digits) >= 2 and ean_check_digit(digits[:-1]) == digits[-1]


def to_gtin13(code: Code) -> str | None:
    """Return a product code as 13 digits (UPC-A and EAN-8 zero-padded), None otherwise."""
    return identity.to_gtin13(code.text) if code.format in PRODUCT_FORMATS else None


def checked_code(fmt: str, text: str) -> Code | None:
    """Return the normalised Code if text is valid for fmt (check digit, printable), else None."""
    if fmt in PRODUCT_FORMATS:
        if fmt == EAN_13 and text.startswith("0"):
            fmt, text = UPC_A, text[1:]
        elif fmt == UPC_A and len(text) == 13 and text.startswith("0"):
            text = text[1:]
        if len(text) != _PRODUCT_LENGTHS[fmt] or not ean_check_digit_ok(text):
            return None
        return Code(fmt, text)
    if fmt in (QR_CODE, CODE_128):
        if not text or not all(ch.isprintable() or ch in _ALLOWED_CONTROL for ch in text):
            return None
        if not text.strip():
            return None
        return Code(fmt, text)
    return None


@dataclass(frozen=True)
class _Read:
    code: Code
    box: Box
    decoder: str
    view: str


def _box(points: Sequence[tuple[float, float]], scale: float) -> Box:
    xs = [p[0] / scale for p in points]
    ys = [p[1] / scale for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _read_barcodes(
    image: Gray,
    formats: zxingcpp.BarcodeFormats,
    *,
    fast: bool,
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
    errors: bool = False,
) -> list[zxingcpp.Barcode]:
    """zxing-cpp on one image; fast: at its own resolution and orientation only (the camera pass)."""
    return zxingcpp.read_barcodes(
        image,
        formats=formats,
        try_rotate=not fast,
        try_downscale=not fast,
        try_invert=not fast,
        # Plain: the symbol's own characters (GS1 separators stay GS) rather than the
        # human-readable "(01)..." form, so a card number reads the same everywhere.
        text_mode=zxingcpp.TextMode.Plain,
        binarizer=binarizer,
        return_errors=errors,
    )


def _zxing_reads(
    image: Gray,
    scale: float,
    view: str,
    *,
    fast: bool,
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
) -> list[_Read]:
    # With its errors: zxing-cpp then reports a product code whose check digit fails as that
    # failure, instead of scanning on until another line of the same bars happens to give a
    # check-digit-valid misread (a code printed with a wrong check digit came out as a "valid"
    # neighbour, one digit changed, on two passes and the second look alike).
    barcodes = _read_barcodes(image, _ZXING_FORMATS, fast=fast, binarizer=binarizer, errors=True)
    reads = []
    for barcode in barcodes:
        if not barcode.valid:
            continue
        fmt = _ZXING_NAMES.get(str(barcode.format))
        code = checked_code(fmt, barcode.text) if fmt else None
        if code is None:
            continue
        pos = barcode.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        box = _box([(float(p.x), float(p.y)) for p in corners], scale)
        reads.append(_Read(code, box, _ZXING, view))
    return reads


def _zbar_reads(image: Gray, scale: float, view: str) -> list[_Read]:
    reads = []
    for symbol in pyzbar.decode(image, symbols=_ZBAR_SYMBOLS):
        fmt = _ZBAR_NAMES.get(symbol.type)
        try:
            text = symbol.data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if fmt is None or (fmt in (QR_CODE, CODE_128) and not text.isascii()):
            continue
        code = checked_code(fmt, text)
        if code is None:
            continue
        points = [(float(p.x), float(p.y)) for p in symbol.polygon]
        if not points:
            r = symbol.rect
            points = [(r.left, r.top), (r.left + r.width, r.top + r.height)]
        reads.append(_Read(code, _box(points, scale), _ZBAR, view))
    return reads


def _upscaled(gray: Gray) -> Gray | None:
    if gray.size > _UPSCALE_MAX_PIXELS:
        return None
    return np.asarray(cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))


def _sharpened(gray: Gray) -> Gray:
    # Unsharp mask: restores the bar edges that defocus and JPEG smear.
    blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
    return np.asarray(cv2.addWeighted(gray, 1.8, blurred, -0.8, 0))


def _clahe(gray: Gray) -> Gray:
    # Local contrast: lifts codes in shadow or beside glare that one threshold misses.
    return np.asarray(cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray))


def _view_zxing(gray: Gray) -> list[_Read]:
    return _zxing_reads(gray, 1.0, "zxing", fast=False)


def _view_zbar(gray: Gray) -> list[_Read]:
    return _zbar_reads(gray, 1.0, "zbar")


def _view_zxing_clahe(gray: Gray) -> list[_Read]:
    return _zxing_reads(_clahe(gray), 1.0, "zxing-clahe", fast=False)


def _view_zxing_up_global(gray: Gray) -> list[_Read]:
    big = _upscaled(gray)
    if big is None:
        return []
    return _zxing_reads(big, 2.0, "zxing-2x-global", fast=False, binarizer=zxingcpp.Binarizer.GlobalHistogram)


def _view_zbar_up_sharp(gray: Gray) -> list[_Read]:
    big = _upscaled(gray)
    if big is None:
        return []
    return _zbar_reads(_sharpened(big), 2.0, "zbar-2x-sharp")


def _view_zxing_up(gray: Gray) -> list[_Read]:
    big = _upscaled(gray)
    if big is None:
        return []
    return _zxing_reads(big, 2.0, "zxing-2x", fast=False)


# Cheapest and most productive first; each later one was kept only because it added
# reads on real photographs (docs/benchmarks-scanning.md lists what did not earn its time).
# Not Final: bench/bench_scan.py removes one pass at a time to measure what each earns.
_THOROUGH_VIEWS: tuple[Callable[[Gray], list[_Read]], ...] = (
    _view_zxing,
    _view_zbar,
    _view_zxing_clahe,
    _view_zxing_up_global,
    _view_zbar_up_sharp,
    _view_zxing_up,
)


def _inverted_reads(gray: Gray) -> list[_Read]:
    # Light bars on a dark ground: zbar never inverts, and zxing-cpp's try_invert did not
    # read inverted EAN/UPC/Code 128 renders; both get the negative as two passes.
    negative = np.ascontiguousarray(255 - gray)
    return _zxing_reads(negative, 1.0, "zxing-inverted", fast=False) + _zbar_reads(negative, 1.0, "zbar-inverted")


def _turned(gray: Gray, angle: float) -> tuple[Gray, npt.NDArray[np.float64]]:
    """gray turned by angle degrees on a canvas that holds all of it; and the map back."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    # Replicated edges rather than a white or black border, which would add a straight edge.
    turned = cv2.warpAffine(gray, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(turned), np.asarray(cv2.invertAffineTransform(matrix), dtype=np.float64)


def _mapped(box: Box, back: npt.NDArray[np.float64], scale: float) -> Box:
    """A box found on a turned (and shrunk) copy, as the box around it in the original frame."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    points = (corners @ back[:, :2].T + back[:, 2]) / scale
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()), float(points[:, 1].max()))


def _ordered(quad: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Four corners as top-left, top-right, bottom-right, bottom-left."""
    total = quad.sum(axis=1)
    diff = np.diff(quad, axis=1).ravel()
    corners = [quad[np.argmin(total)], quad[np.argmin(diff)], quad[np.argmax(total)], quad[np.argmax(diff)]]
    return np.array(corners, np.float32)


def _code_regions(gray: Gray) -> list[npt.NDArray[np.float32]]:
    """Quadrilaterals that may carry a code: the largest light, convex regions (a card, a label).

    Found on two binarisations of a smoothed copy, Otsu (one threshold for the picture) and
    adaptive (a threshold per neighbourhood, for uneven light), so a card in shadow or beside
    glare is still outlined. A contour with four corners gives its own quadrilateral (the card's
    perspective); any other gives its smallest enclosing rectangle.
    """
    smooth = cv2.GaussianBlur(gray, (5, 5), 0)
    side = min(gray.shape)
    block = max(31, (side // 8) | 1)
    masks = (
        cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1],
        cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, -5),
    )
    # A region must be a sizeable share of the picture but not all of it (that is the picture itself).
    low, high = _REGION_MIN_SHARE * gray.size, _REGION_MAX_SHARE * gray.size
    found: list[tuple[float, npt.NDArray[np.float32]]] = []
    for mask in masks:
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = cv2.contourArea(contour)
            if not low <= area <= high:
                continue
            hull = cv2.convexHull(contour)
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) == 4:
                quad = approx.reshape(4, 2).astype(np.float32)
            else:
                quad = cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)
            found.append((area, _ordered(quad)))
    found.sort(key=lambda f: f[0], reverse=True)
    regions: list[npt.NDArray[np.float32]] = []
    for _, quad in found:
        # The same card from both binarisations: keep the first (the larger outline).
        if any(np.abs(quad - other).max() < 0.05 * side for other in regions):
            continue
        regions.append(quad)
        if len(regions) == _REGIONS_PER_IMAGE:
            break
    return regions


def _region_reads(gray: Gray) -> Iterator[list[_Read]]:
    """Each code region warped flat (perspective undone), zxing-cpp at 1× and 2× and zbar on it."""
    for quad in _code_regions(gray):
        tl, tr, br, bl = quad
        width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
        height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
        if width < 16 or height < 16:
            continue
        pad = 0.04 * max(width, height)  # keep the quiet zone if the outline hugs the bars
        right, bottom = width + pad, height + pad
        target = np.array([[pad, pad], [right, pad], [right, bottom], [pad, bottom]], np.float32)
        size = (int(width + 2 * pad), int(height + 2 * pad))
        matrix = cv2.getPerspectiveTransform(quad, target)
        warped = cv2.warpPerspective(gray, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        flat: Gray = np.ascontiguousarray(warped, dtype=np.uint8)
        x0, y0 = float(quad[:, 0].min()), float(quad[:, 1].min())
        box = (x0, y0, float(quad[:, 0].max()), float(quad[:, 1].max()))
        reads = _zxing_reads(flat, 1.0, "region-zxing", fast=False)
        reads += _zbar_reads(flat, 1.0, "region-zbar")
        if flat.size <= _UPSCALE_MAX_PIXELS:
            big: Gray = np.asarray(cv2.resize(flat, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)
            reads += _zxing_reads(big, 2.0, "region-zxing-2x", fast=False)
        # Every read of this region stands for the region's box in the original picture.
        yield [replace(r, box=box) for r in reads]


def _fallback_reads(gray: Gray) -> Iterator[list[_Read]]:
    """The fallback passes, two at a time (zxing-cpp and zbar on one copy), boxes in gray's frame."""
    yield _inverted_reads(gray)
    yield from _region_reads(gray)
    scale = 1.0
    small = gray
    if gray.size > _FALLBACK_MAX_PIXELS:
        scale = (_FALLBACK_MAX_PIXELS / gray.size) ** 0.5
        small = np.asarray(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    for angle in _FALLBACK_ANGLES:
        turned, back = _turned(small, angle)
        reads = _zxing_reads(turned, 1.0, f"zxing-turned{angle}", fast=False)
        reads += _zbar_reads(turned, 1.0, f"zbar-turned{angle}")
        yield [replace(r, box=_mapped(r.box, back, scale)) for r in reads]


def _grown(box: Box) -> Box:
    x0, y0, x1, y1 = box
    pad = _SAME_SYMBOL_MARGIN * max(x1 - x0, y1 - y0) + 2.0
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _touch(a: Box, b: Box) -> bool:
    a, b = _grown(a), _grown(b)
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _symbols(reads: list[_Read]) -> list[list[_Read]]:
    """Group linear-code reads that lie on the same spot (union of touching boxes)."""
    groups: list[list[_Read]] = []
    for read in reads:
        joined = [g for g in groups if any(_touch(read.box, other.box) for other in g)]
        merged = [read]
        for g in joined:
            merged.extend(g)
            groups.remove(g)
        groups.append(merged)
    return groups


@dataclass(frozen=True)
class _Verdict:
    code: Code | None
    settled: bool


def _judge_linear(group: list[_Read]) -> _Verdict:
    """Pick one reading of a linear symbol: two agreeing passes, more than any rival."""
    views: dict[Code, set[str]] = {}
    decoders: dict[Code, set[str]] = {}
    for read in group:
        views.setdefault(read.code, set()).add(read.view)
        decoders.setdefault(read.code, set()).add(read.decoder)
    ranked = sorted(views, key=lambda c: len(views[c]), reverse=True)
    best = ranked[0]
    runner_up = len(views[ranked[1]]) if len(ranked) > 1 else 0
    accepted = len(views[best]) >= 2 and len(views[best]) > runner_up
    # zbar alone never makes a Code 128 read (it drops FNC4), nor an EAN-8: it reads the
    # middle of a tilted, blurred UPC-A or EAN-13 as a check-digit-valid EAN-8, the same on
    # the 1x and the sharpened 2x pass (tests/unit/scanner/test_generated.py). zxing-cpp reads all
    # of the photo set's EAN-8 on its own.
    if best.format in (CODE_128, EAN_8) and _ZXING not in decoders[best]:
        accepted = False
    # Settled = more passes cannot change the answer in practice: both decoders agree
    # and nobody disagrees.
    settled = accepted and len(ranked) == 1 and decoders[best] == {_ZXING, _ZBAR}
    return _Verdict(best if accepted else None, settled)


def _vote(reads: list[_Read]) -> tuple[list[Code], bool]:
    """Combine the reads of all passes so far; return the codes and whether it is settled."""
    found: list[Code] = []
    settled = bool(reads)
    qr_zxing = [r for r in reads if r.code.format == QR_CODE and r.decoder == _ZXING]
    for read in reads:
        if read.code.format != QR_CODE:
            continue
        # Reed-Solomon makes a QR misread vanishingly rare, so one pass is enough; where
        # zxing-cpp read the symbol its text wins over zbar's.
        if read.decoder == _ZBAR and any(_touch(read.box, q.box) for q in qr_zxing):
            continue
        if read.code not in found:
            found.append(read.code)
    for group in _symbols([r for r in reads if r.code.format != QR_CODE]):
        verdict = _judge_linear(group)
        settled = settled and verdict.settled
        if verdict.code is not None and verdict.code not in found:
            found.append(verdict.code)
    return found, settled


def _zbar_contradicts(image: Gray, read: _Read) -> bool:
    """True when zbar reads a different product code on the spot and not this one.

    Only where zxing-cpp found an EAN/UPC, so a frame without one pays nothing. zbar often
    adds a misread beside the right one, so it vetoes only when it never agrees.
    """
    if read.code.format not in PRODUCT_FORMATS:
        return False
    x0, y0, x1, y1 = _grown(read.box)
    height, width = image.shape
    top, left = max(0, int(y0)), max(0, int(x0))
    crop = image[top : min(height, int(y1) + 1), left : min(width, int(x1) + 1)]
    if crop.size == 0:
        return False
    others = {r.code for r in _zbar_reads(np.ascontiguousarray(crop), 1.0, "veto")}
    return read.code not in others and any(c.format in PRODUCT_FORMATS for c in others)


def _as_gray(frame: Gray) -> Gray:
    if frame.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got {frame.dtype}")
    if frame.ndim == 3 and frame.shape[2] == 3:
        # Tolerated so a caller holding a BGR camera frame cannot get it subtly wrong.
        frame = np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    if frame.ndim != 2:
        raise ValueError(f"expected a grayscale image, got shape {frame.shape}")
    return np.ascontiguousarray(frame)


def _decode_fast(image: Gray) -> list[Code]:
    reads, failed = _zxing_fast_reads(image)
    if not reads:
        # Small and soft QR codes (a card at arm's length, the focus still settling) are often
        # found but not read: a second look at just that spot, enlarged and sharpened, reads
        # about half of them for a millisecond or two. A frame with nothing found pays nothing.
        for spot in failed[:_RESCUES_PER_FRAME]:
            reads.extend(_rescued_qr(image, spot))
    return list(dict.fromkeys(r.code for r in reads if not _zbar_contradicts(image, r)))


def _zxing_fast_reads(image: Gray) -> tuple[list[_Read], list[Box]]:
    """The camera pass: checked reads, and the boxes of QR symbols found but not decoded (largest first)."""
    barcodes = _read_barcodes(image, _ZXING_FORMATS, fast=True, errors=True)
    reads, failed = [], []
    for barcode in barcodes:
        pos = barcode.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        box = _box([(float(p.x), float(p.y)) for p in corners], 1.0)
        if not barcode.valid:
            if barcode.format == zxingcpp.BarcodeFormat.QRCode:
                failed.append(box)
            continue
        fmt = _ZXING_NAMES.get(str(barcode.format))
        code = checked_code(fmt, barcode.text) if fmt else None
        if code is not None:
            reads.append(_Read(code, box, _ZXING, "fast"))
    failed.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    return reads, failed


def _zxing_unsure(image: Gray) -> bool:
    """Whether zxing-cpp finds a linear symbol in image whose check digit fails."""
    found = _read_barcodes(image, _ZXING_FORMATS, fast=False, errors=True)
    return any(not b.valid and b.format != zxingcpp.BarcodeFormat.QRCode for b in found)


def _rescued_qr(image: Gray, spot: Box) -> list[_Read]:
    """A QR found but not read: its neighbourhood enlarged twice and sharpened, decoded again (QR only)."""
    x0, y0, x1, y1 = spot
    side = max(x1 - x0, y1 - y0)
    if side > _RESCUE_MAX_SIDE:
        return []  # already large in the picture: enlarging it would not help
    pad = 0.35 * side + 8  # the quiet zone and some of the card around it
    h, w = image.shape
    left, top = max(0, int(x0 - pad)), max(0, int(y0 - pad))
    crop = image[top : min(h, int(y1 + pad) + 1), left : min(w, int(x1 + pad) + 1)]
    if crop.size == 0:
        return []
    larger: Gray = np.asarray(cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)
    where = (left + 0.0, top + 0.0, left + crop.shape[1] + 0.0, top + crop.shape[0] + 0.0)
    reads: list[_Read] = []
    # Sharpened first (defocus), then as it is, then with a global threshold (glare, uneven light).
    for view, binarizer in (
        (_sharpened(larger), zxingcpp.Binarizer.LocalAverage),
        (larger, zxingcpp.Binarizer.LocalAverage),
        (larger, zxingcpp.Binarizer.GlobalHistogram),
    ):
        for barcode in _read_barcodes(view, _QR_ONLY, fast=True, binarizer=binarizer):
            code = checked_code(QR_CODE, barcode.text)
            if code is not None:
                reads.append(_Read(code, where, _ZXING, "rescue"))
        if reads:
            break
    return reads


def _perturbed(crop: Gray) -> Iterator[Gray]:
    """Resampled copies of a symbol's spot: each samples the bars at other places."""
    yield np.asarray(cv2.resize(crop, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC))
    yield np.asarray(cv2.resize(crop, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA))
    h, w = crop.shape
    for degrees in (4, -4):
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        yield np.asarray(cv2.warpAffine(crop, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE))
    yield np.asarray(cv2.GaussianBlur(crop, (0, 0), 0.8))
    yield _sharpened(crop)


def _confirmed(image: Gray, code: Code, reads: list[_Read], *, need_zxing: bool) -> bool:
    """Whether a linear code the vote accepted survives a second look at its spot.

    Passes are not independent: zxing-cpp on the 2x copy with two binarizers, or on the
    frame and its CLAHE copy, or zbar on the 1x and 2x copies, can agree on the same
    check-digit-valid misread of a blurred symbol (random renders, tests/unit/scanner/
    test_generated.py). A code read alike by both decoders with no rival reading is
    trusted; any other must be read again on a resampled copy of its spot (scaled,
    turned 4 degrees, blurred, sharpened), and the decoder that read it must never read a
    different code there.
    """
    if code.format == QR_CODE:
        return True
    group = next(g for g in _symbols([r for r in reads if r.code.format != QR_CODE]) if any(r.code == code for r in g))
    mine = [r for r in group if r.code == code]
    decoders = {r.decoder for r in mine}
    if need_zxing and _ZXING not in decoders:
        return False
    if decoders == {_ZXING, _ZBAR} and all(r.code == code for r in group):
        return True
    x0 = min(r.box[0] for r in mine)
    y0 = min(r.box[1] for r in mine)
    x1 = max(r.box[2] for r in mine)
    y1 = max(r.box[3] for r in mine)
    pad = 0.35 * max(x1 - x0, y1 - y0) + 4.0
    height, width = image.shape
    top, left = max(0, int(y0 - pad)), max(0, int(x0 - pad))
    crop = np.ascontiguousarray(image[top : min(height, int(y1 + pad) + 1), left : min(width, int(x1 + pad) + 1)])
    if crop.size == 0:
        return False
    again = unsure = 0
    for copy in _perturbed(crop):
        copy = np.ascontiguousarray(copy)
        seen = False
        for read in _zxing_reads(copy, 1.0, "confirm", fast=False) + _zbar_reads(copy, 1.0, "confirm"):
            if read.code == code:
                seen = True
            elif read.code.format != QR_CODE and read.decoder in decoders and len(decoders) == 1:
                return False  # the only decoder that saw it reads something else here
        again += seen
        unsure += decoders == {_ZXING} and _zxing_unsure(copy)
    # When zxing-cpp alone read it and also finds the same bars failing their check digit on some
    # copies, the reading must clearly dominate: read on at least half of the copies, and on at
    # least twice as many as fail (a blurred card EAN-13 read as a valid-looking neighbour on 2
    # copies failed on 4; an EAN-13 printed with a wrong check digit came out as a valid UPC-A on 4
    # copies and failed on 2).
    if unsure:
        return again >= 3 and again > 2 * unsure  # 3 = half of the six copies
    return again > 0


def second_look(frame: Gray, code: Code) -> bool:
    """Whether a linear code the camera pass read on this frame is read again at its spot.

    The camera pass relies on two consecutive frames agreeing, but it does make consistent
    misreads of blurred EAN/UPC (3 in 2,000 degraded renders, each a valid check digit), and
    a still scene in a video file repeats the same frame. `scan` of a video therefore gives
    its linear codes the still images' second look (``_confirmed``); QR codes pass as they are.
    """
    if code.format == QR_CODE:
        return True
    image = _as_gray(frame)
    reads = [r for r in _zxing_reads(image, 1.0, "frame", fast=True) if r.code == code]
    return bool(reads) and _confirmed(image, code, reads, need_zxing=False)


def _decode_thorough(image: Gray) -> list[Code]:
    reads: list[_Read] = []
    found: list[Code] = []
    for view in _THOROUGH_VIEWS:
        reads.extend(view(image))
        found, settled = _vote(reads)
        if settled:
            return found
    found = [c for c in found if _confirmed(image, c, reads, need_zxing=False)]
    if found:
        return found
    # Nothing at all yet: an inverted or steeply tilted code. The same vote judges these reads
    # together with all the others, so a linear code still needs two agreeing passes; zbar's
    # turned copies agree on its own misreads, so here a linear code also needs zxing-cpp.
    for more in _fallback_reads(image):
        reads.extend(more)
        found, _ = _vote(reads)
        found = [c for c in found if _confirmed(image, c, reads, need_zxing=True)]
        if found:
            break
    return found


def decode_gray(gray: Gray, thorough: bool = False) -> list[Code]:
    """Decode the codes in a grayscale frame; every result has passed its own check.

    ``thorough=False`` is the cheap pass for live camera frames, ``thorough=True`` adds
    the fallback passes for still images. Results come in the order they were found.
    """
    image = _as_gray(gray)
    if image.size == 0:
        return []
    return _decode_thorough(image) if thorough else _decode_fast(image)
