"""Codes made the way a shop makes them (segno, python-barcode), turned, blurred, noisy, JPEG'd.

The photo set cannot show every angle a cashier holds a card at. These renders do: a code the
pipeline can read must come out exactly, and no degradation may ever produce a wrong read.
"""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.core.identity import card_qr_payload, ean_check_digit
from app.scanner import decode
from app.scanner.decode import Code, decode_gray
from app.scanner.files import scan_file
from tests.unit.scanner import synth

CARD_QR = card_qr_payload(b"secret of the store", "2990000000019")
RENDERS = [
    ("ean13", "400638133393", Code("EAN-13", "4006381333931")),
    ("ean13", "299000000001", Code("EAN-13", "2990000000019")),  # a loyalty card's own barcode
    ("ean8", "9638507", Code("EAN-8", "96385074")),
    ("upca", "03600029145", Code("UPC-A", "036000291452")),
    ("code128", "LOYALTY-42", Code("Code128", "LOYALTY-42")),
]


@pytest.mark.parametrize(("kind", "number", "expected"), RENDERS, ids=[r[0] + "-" + r[1] for r in RENDERS])
@pytest.mark.parametrize("degrees", [0, 90, 180, 15, -10, 30, -30])
def test_a_printed_barcode_is_read_at_any_angle_up_to_30_degrees(
    kind: str, number: str, expected: Code, degrees: int
) -> None:
    image = synth.turned(synth.barcode_image(kind, number), degrees)
    assert decode_gray(image, thorough=True) == [expected]


@pytest.mark.parametrize(("kind", "number", "expected"), RENDERS[:4], ids=[r[0] for r in RENDERS[:4]])
def test_a_product_barcode_is_read_at_45_degrees(kind: str, number: str, expected: Code) -> None:
    assert decode_gray(synth.turned(synth.barcode_image(kind, number), 45), thorough=True) == [expected]


@pytest.mark.parametrize(("kind", "number", "expected"), RENDERS, ids=[r[0] for r in RENDERS])
def test_a_negative_barcode_light_on_dark_is_read(kind: str, number: str, expected: Code) -> None:
    negative = 255 - synth.barcode_image(kind, number)
    assert decode_gray(np.ascontiguousarray(negative), thorough=True) == [expected]


@pytest.mark.parametrize("scale", [3, 6, 10])
@pytest.mark.parametrize("degrees", [0, 30, 45, 90])
def test_a_card_qr_is_read_at_any_size_and_angle(scale: int, degrees: int) -> None:
    image = synth.turned(synth.qr_image(CARD_QR, scale=scale), degrees)
    assert decode_gray(image, thorough=True) == [Code("QRCode", CARD_QR)]


def test_a_card_qr_survives_blur_noise_and_poor_jpeg() -> None:
    rng = np.random.default_rng(11)
    image = cv2.GaussianBlur(synth.qr_image(CARD_QR, scale=6), (0, 0), 1.2)
    noisy = (image.astype(np.float32) + rng.normal(0, 20, image.shape)).clip(0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 15])
    assert ok
    assert decode_gray(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE), thorough=True) == [Code("QRCode", CARD_QR)]


def test_zbar_reading_the_middle_of_a_tilted_upca_as_an_ean8_is_not_a_result() -> None:
    # Found by the random degradations below (with another seed): zbar reads the same wrong
    # EAN-8 on the 1x and on the sharpened 2x pass, two passes that "agree".
    image = synth.turned(synth.barcode_image("upca", "09798211555"), 50)
    image = cv2.GaussianBlur(cv2.resize(image, None, fx=0.97, fy=0.97, interpolation=cv2.INTER_AREA), (0, 0), 1.7)
    zbar = [r.code for r in decode._view_zbar(image) + decode._view_zbar_up_sharp(image)]
    assert zbar == [Code("EAN-8", "79821155")] * 2  # the trap is there
    assert decode_gray(image, thorough=True) in ([], [Code("UPC-A", "097982115556")])


MISREADS = Path(__file__).parent / "misreads"
# Degraded renders on which two passes agreed on a wrong, check-digit-valid code (random
# degradations like the test below, other seeds): the true code, and the misread with the
# passes that made it.
TRAPS = [
    # zxing-cpp scanning on past a check-digit failure (return_errors=False) finds the misread; the
    # pipeline now asks for its errors, so no pass makes it any more: the trap is in the decoder.
    ("ean8-42127758.png", Code("EAN-8", "42127758"), Code("EAN-8", "42721758"), ["zxing-cpp scanning on"]),
    (
        "ean13-1286399812250.png",
        Code("EAN-13", "1286399812250"),
        Code("EAN-13", "1886399212250"),
        ["_view_zxing_up_global", "_view_zxing_up"],
    ),
]


@pytest.mark.parametrize(("name", "true", "misread", "views"), TRAPS, ids=[t[0] for t in TRAPS])
def test_passes_that_agree_on_a_misread_are_caught_by_the_second_look(
    name: str, true: Code, misread: Code, views: list[str]
) -> None:
    image = cv2.imread(str(MISREADS / name), cv2.IMREAD_GRAYSCALE)
    for view in views:  # the trap is there
        if view == "zxing-cpp scanning on":
            found = decode._read_barcodes(image, decode._ZXING_FORMATS, fast=False)
            assert misread.text in [b.text for b in found]
            continue
        assert misread in [r.code for r in getattr(decode, view)(image)]
    assert decode_gray(image, thorough=True) in ([], [true])


def test_zbar_agreeing_with_itself_on_turned_copies_is_not_a_result() -> None:
    image = cv2.imread(str(MISREADS / "ean13-2502087874171.png"), cv2.IMREAD_GRAYSCALE)
    seen = [r.code for more in decode._fallback_reads(image) for r in more]
    assert seen.count(Code("UPC-A", "010108000079")) >= 2  # the trap is there
    assert decode_gray(image, thorough=True) in ([], [Code("EAN-13", "2502087874171")])


def test_no_degradation_of_a_render_ever_gives_a_wrong_read() -> None:
    """Random product numbers, angles, sizes, blur, noise, contrast and JPEG: right or nothing."""
    rnd = random.Random(20261202)
    rng = np.random.default_rng(20261202)
    read = 0
    for _ in range(60):
        kind = rnd.choice(["ean13", "ean8", "upca", "code128"])
        if kind == "code128":
            number = "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-") for _ in range(rnd.randint(4, 14)))
            # python-barcode drops a "99" pair it puts in code set C ("99JND094" is drawn as
            # "JND094", which both decoders then rightly read): not a text to test with.
            number = number.replace("99", "9A")
            expected = Code("Code128", number)
        else:
            number = "".join(rnd.choice("0123456789") for _ in range({"ean13": 12, "ean8": 7, "upca": 11}[kind]))
            if kind == "ean13":
                number = str(rnd.randint(1, 9)) + number[1:]  # a leading 0 is a UPC-A
            full = number + ean_check_digit(number)
            expected = Code({"ean13": "EAN-13", "ean8": "EAN-8", "upca": "UPC-A"}[kind], full)
        image = synth.turned(synth.barcode_image(kind, number, rnd.choice([0.15, 0.2, 0.33])), rnd.uniform(-50, 50))
        scale = rnd.uniform(0.3, 1.2)
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        image = cv2.GaussianBlur(image, (0, 0), rnd.uniform(0.3, 2.5))
        contrast = rnd.uniform(0.4, 1.0)
        image = image.astype(np.float32) * contrast + rnd.uniform(0, 255 * (1 - contrast))
        image = (image + rng.normal(0, rnd.uniform(2, 25), image.shape)).clip(0, 255).astype(np.uint8)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, rnd.randint(10, 90)])
        assert ok
        codes = decode_gray(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE), thorough=True)
        assert codes in ([], [expected]), f"{kind} {number}: read {codes}, expected {expected}"
        read += codes == [expected]
    assert read >= 10  # the control: the degradations leave a fair share readable (12 of 60)


def _lossless_video(path: Path, frame: np.ndarray, count: int = 5) -> Path:
    h, w = frame.shape
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"FFV1"), 30.0, (w, h))
    assert writer.isOpened()
    for _ in range(count):
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


CAMERA_TRAPS = [
    ("camera-ean8-16887701.png", Code("EAN-8", "16887701"), Code("EAN-8", "16777101")),
    ("camera-upca-635077717065.png", Code("UPC-A", "635077717065"), Code("UPC-A", "634117717065")),
]


@pytest.mark.parametrize(("name", "true", "misread"), CAMERA_TRAPS, ids=[t[0] for t in CAMERA_TRAPS])
def test_a_still_video_of_a_camera_pass_misread_reports_no_wrong_code(
    tmp_path: Path, name: str, true: Code, misread: Code
) -> None:
    frame = cv2.imread(str(MISREADS / name), cv2.IMREAD_GRAYSCALE)
    assert decode_gray(frame) == [misread]  # the camera pass misreads it, the same on every frame
    video = _lossless_video(tmp_path / "still.mkv", frame)
    assert scan_file(video) in ([], [true])


def test_a_video_of_a_printed_barcode_is_read(tmp_path: Path) -> None:
    frame = synth.barcode_image("ean13", "400638133393")
    assert scan_file(_lossless_video(tmp_path / "ean.mkv", frame)) == [Code("EAN-13", "4006381333931")]
