"""The decoding pipeline (app.scanner.decode): read rate, no wrong read, normalisation."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from pyzbar import pyzbar
from pyzbar.pyzbar import Decoded, Point, Rect

from app.scanner import decode
from app.scanner.decode import Code, decode_gray, ean_check_digit_ok, to_gtin13
from app.scanner.photoset import Outcome
from tests.unit.scanner import synth


def test_reads_at_least_90_percent_of_the_real_photographs(photo_outcomes: list[Outcome]) -> None:
    coded = [o for o in photo_outcomes if o.sample.expected is not None]
    read = sum(o.read for o in coded)
    missed = [f"{o.sample.set_name}/{o.sample.path.name}" for o in coded if not o.read]
    assert read / len(coded) >= 0.90, f"read {read}/{len(coded)}; missed {missed}"


def test_images_without_a_code_give_no_result(photo_outcomes: list[Outcome]) -> None:
    empty = [o for o in photo_outcomes if o.sample.expected is None]
    assert empty, "the photo set has no code-free images"
    assert [(o.sample.path.name, o.codes) for o in empty if o.codes] == []


def test_every_result_from_the_photographs_passes_its_own_check(
    photo_outcomes: list[Outcome],
) -> None:
    for outcome in photo_outcomes:
        for code in outcome.codes:
            assert decode.checked_code(code.format, code.text) == code, outcome.sample.path


def test_drawn_ean13_with_a_valid_check_digit_is_read() -> None:
    # Control for the next test: the drawing itself is readable.
    image = synth.ean13_image("4006381333931")
    assert decode_gray(image) == [Code("EAN-13", "4006381333931")]


def test_drawn_ean13_with_a_wrong_check_digit_is_never_reported() -> None:
    image = synth.ean13_image("4006381333932")
    assert decode_gray(image) == []
    assert decode_gray(image, thorough=True) == []


@dataclass(frozen=True)
class _FakePoint:
    x: int
    y: int


@dataclass(frozen=True)
class _FakePosition:
    top_left: _FakePoint
    top_right: _FakePoint
    bottom_right: _FakePoint
    bottom_left: _FakePoint


@dataclass
class _FakeBarcode:
    format: str
    text: str
    valid: bool = True  # zxing-cpp also returns symbols it found but could not decode
    position: _FakePosition = _FakePosition(
        _FakePoint(10, 10), _FakePoint(200, 10), _FakePoint(200, 80), _FakePoint(10, 80)
    )


def _zxing_returns(monkeypatch: pytest.MonkeyPatch, *barcodes: _FakeBarcode) -> None:
    monkeypatch.setattr(zxingcpp, "read_barcodes", lambda *a, **k: list(barcodes))


def _zbar_returns(monkeypatch: pytest.MonkeyPatch, *symbols: Decoded) -> None:
    monkeypatch.setattr(pyzbar, "decode", lambda *a, **k: list(symbols))


def _zbar_symbol(kind: str, data: bytes) -> Decoded:
    rect = Rect(10, 10, 190, 70)
    polygon = [Point(10, 10), Point(200, 10), Point(200, 80), Point(10, 80)]
    return Decoded(data, kind, rect, polygon, 1, "UP")


BLANK = np.full((100, 220), 255, np.uint8)


def test_decoder_output_with_a_wrong_check_digit_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("EAN-13", "4006381333932"))
    _zbar_returns(monkeypatch, _zbar_symbol("EAN13", b"4006381333932"))
    assert decode_gray(BLANK) == []
    assert decode_gray(BLANK, thorough=True) == []


def test_qr_text_with_control_characters_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("QR Code", "CARD\x00123"))
    assert decode_gray(BLANK) == []


def test_empty_qr_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("QR Code", ""))
    assert decode_gray(BLANK) == []


def test_formats_outside_the_five_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("DataMatrix", "CARD-1"))
    assert decode_gray(BLANK) == []


def test_zbar_non_ascii_qr_text_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    # zbar guesses the character set: Shift-JIS half-width kana come out as kanji.
    _zxing_returns(monkeypatch)
    _zbar_returns(monkeypatch, _zbar_symbol("QRCODE", "蹬靼翌QR".encode()))
    assert decode_gray(BLANK, thorough=True) == []


def test_zbar_alone_cannot_make_a_code128_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # zbar drops Code 128's FNC4, so its reading of extended characters is wrong.
    _zxing_returns(monkeypatch)
    _zbar_returns(monkeypatch, _zbar_symbol("CODE128", b"ssss1234"))
    assert decode_gray(BLANK, thorough=True) == []


def test_still_image_product_code_confirmed_by_several_passes_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("EAN-13", "4006381333931"))
    _zbar_returns(monkeypatch)
    # Every zxing pass of the fake sees it, so it is confirmed by several passes.
    assert decode_gray(BLANK, thorough=True) == [Code("EAN-13", "4006381333931")]


def test_still_image_product_code_seen_by_one_pass_only_is_refused() -> None:
    reads = [decode._Read(Code("EAN-13", "4006381333931"), (10, 10, 200, 80), "zxing", "a")]
    assert decode._vote(reads)[0] == []


def test_tied_disagreeing_reads_of_one_symbol_give_no_result() -> None:
    box = (10.0, 10.0, 200.0, 80.0)
    reads = [
        decode._Read(Code("EAN-13", "1077778003259"), box, "zxing", "a"),
        decode._Read(Code("EAN-13", "1077778003259"), box, "zxing", "b"),
        decode._Read(Code("UPC-A", "075720003259"), box, "zbar", "c"),
        decode._Read(Code("UPC-A", "075720003259"), box, "zbar", "d"),
    ]
    assert decode._vote(reads)[0] == []


def test_the_reading_with_more_passes_wins_over_a_rival_on_the_same_symbol() -> None:
    box = (10.0, 10.0, 200.0, 80.0)
    reads = [
        decode._Read(Code("UPC-A", "075720003259"), box, "zbar", "a"),
        decode._Read(Code("UPC-A", "075720003259"), box, "zxing", "b"),
        decode._Read(Code("UPC-A", "075720003259"), box, "zbar", "c"),
        decode._Read(Code("EAN-13", "1077778003259"), box, "zxing", "d"),
    ]
    assert decode._vote(reads)[0] == [Code("UPC-A", "075720003259")]


def test_product_codes_on_separate_spots_are_judged_separately() -> None:
    left, right = (0.0, 0.0, 100.0, 40.0), (600.0, 400.0, 700.0, 440.0)
    reads = [
        decode._Read(Code("EAN-13", "4006381333931"), left, "zxing", "a"),
        decode._Read(Code("EAN-13", "4006381333931"), left, "zbar", "b"),
        decode._Read(Code("EAN-8", "96385074"), right, "zxing", "a"),
        decode._Read(Code("EAN-8", "96385074"), right, "zbar", "b"),
    ]
    assert decode._vote(reads)[0] == [Code("EAN-13", "4006381333931"), Code("EAN-8", "96385074")]


def test_camera_pass_drops_a_product_code_that_zbar_reads_differently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("EAN-13", "1077778003259"))
    _zbar_returns(monkeypatch, _zbar_symbol("UPCA", b"075720003259"))
    assert decode_gray(BLANK) == []


def test_camera_pass_keeps_a_product_code_that_zbar_also_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _zxing_returns(monkeypatch, _FakeBarcode("EAN-13", "0075720003259"))
    _zbar_returns(monkeypatch, _zbar_symbol("EAN13", b"9711010200137"), _zbar_symbol("UPCA", b"075720003259"))
    assert decode_gray(BLANK) == [Code("UPC-A", "075720003259")]


def test_ean13_with_a_leading_zero_is_reported_as_12_digit_upca() -> None:
    image = synth.ean13_image("0036000291452")
    assert decode_gray(image) == [Code("UPC-A", "036000291452")]
    assert decode_gray(image, thorough=True) == [Code("UPC-A", "036000291452")]


def test_upca_compares_in_13_digit_form() -> None:
    assert to_gtin13(Code("UPC-A", "036000291452")) == "0036000291452"


def test_ean8_compares_in_13_digit_form() -> None:
    assert to_gtin13(Code("EAN-8", "96385074")) == "0000096385074"


def test_non_product_codes_have_no_gtin() -> None:
    assert to_gtin13(Code("QRCode", "0036000291452")) is None


@given(st.text("0123456789", min_size=7, max_size=12), st.integers(0, 9))
def test_exactly_one_check_digit_completes_any_product_number(body: str, digit: int) -> None:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    right = (10 - total % 10) % 10
    assert ean_check_digit_ok(body + str(digit)) == (digit == right)


def test_camera_pass_reads_a_card_qr_in_a_720p_frame() -> None:
    frame = synth.frame_720p(np.random.default_rng(1), synth.qr_image("LOYALTY-42"))
    assert decode_gray(frame) == [Code("QRCode", "LOYALTY-42")]


def test_camera_pass_on_a_720p_frame_without_code_finds_nothing() -> None:
    # What it costs (at most 10 ms, scanning.md) is measured by bench/bench_scan.py, not here:
    # a timing on a shared CI machine would test the machine.
    for sigma in (4.0, 12.0):  # a lit counter through a webcam; uncorrelated noise, the worst case
        assert decode_gray(synth.frame_720p(np.random.default_rng(2), noise=sigma)) == []


def test_colour_frames_are_accepted() -> None:
    gray = synth.qr_image("LOYALTY-42")
    bgr = np.dstack([gray, gray, gray])
    assert decode_gray(bgr) == [Code("QRCode", "LOYALTY-42")]


def test_non_8_bit_frames_are_rejected() -> None:
    with pytest.raises(ValueError, match="8-bit"):
        decode_gray(np.zeros((10, 10), np.float32))


def _soft_small_qr(text: str, module_px: float = 2.2, blur: float = 1.1, noise: float = 6.0) -> np.ndarray:
    """A card QR as a webcam sees it at arm's length before the focus settles: 2.2 px modules, soft, noisy."""
    big = synth.qr_image(text, scale=8)
    small = cv2.resize(big, None, fx=module_px / 8, fy=module_px / 8, interpolation=cv2.INTER_AREA)
    frame = np.full((240, 320), 110, np.uint8)
    frame[40 : 40 + small.shape[0], 60 : 60 + small.shape[1]] = small
    soft = cv2.GaussianBlur(frame.astype(np.float32), (0, 0), blur)
    noisy = soft + np.random.default_rng(1).normal(0, noise, frame.shape)
    return np.asarray(noisy.clip(0, 255), np.uint8)


def test_camera_pass_takes_a_second_look_at_a_qr_it_found_but_could_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = "LT1:2990000010025:7AL2AY73"
    frame = _soft_small_qr(payload)
    monkeypatch.setattr(decode, "_RESCUES_PER_FRAME", 0)
    assert decode_gray(frame) == []  # the plain camera pass alone misses it
    monkeypatch.setattr(decode, "_RESCUES_PER_FRAME", 2)
    assert decode_gray(frame) == [Code(decode.QR_CODE, payload)]


def test_the_second_look_is_only_for_qr_symbols(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[object] = []
    monkeypatch.setattr(decode, "_rescued_qr", lambda image, spot: looked.append(spot) or [])
    _zxing_returns(monkeypatch, _FakeBarcode(zxingcpp.BarcodeFormat.EAN13, "", valid=False))  # type: ignore[arg-type]
    assert decode_gray(BLANK) == [] and looked == []
