"""Scanning files (app.scanner.files): images, videos, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.scanner import Code, ScanError, scan_file, scan_report
from tests.unit.scanner import synth
from tests.unit.scanner.conftest import CARD_TEXT


def test_png_image_is_scanned_thoroughly(tmp_path: Path) -> None:
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), synth.qr_image("LOYALTY-7"))
    assert scan_file(path) == [Code("QRCode", "LOYALTY-7")]


def test_webp_that_opencv_refuses_is_read_by_the_fallback_reader(barcode_dir: Path) -> None:
    # OpenCV cannot parse this valid 1×100 WebP; Pillow can, and it holds no code.
    assert scan_file(barcode_dir / "falsepositives-1" / "1x100.webp") == []


def test_missing_file_raises_a_scan_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.png"
    with pytest.raises(ScanError, match=r"cannot read image: .*nowhere\.png \(file not found\)"):
        scan_file(path)


def test_corrupt_image_raises_a_scan_error_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    with pytest.raises(ScanError, match=r"broken\.png \(not an image or corrupt\)"):
        scan_file(path)


def test_empty_image_file_raises_a_scan_error_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ScanError, match=r"empty\.jpg \(empty file\)"):
        scan_file(path)


def test_corrupt_video_raises_a_scan_error_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 garbage garbage garbage")
    with pytest.raises(ScanError, match=r"cannot read video: .*broken\.mp4"):
        scan_file(path)


def test_video_code_is_reported_once_although_it_stays_in_view(card_video: Path) -> None:
    assert scan_file(card_video) == [Code("QRCode", CARD_TEXT)]


def test_video_code_seen_in_a_single_frame_is_not_reported(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = [synth.frame_720p(rng) for _ in range(6)]
    frames[3] = synth.frame_720p(rng, synth.qr_image("GLIMPSE"))
    assert scan_file(synth.write_video(tmp_path / "glimpse.avi", frames)) == []


def test_video_codes_are_reported_in_order_of_confirmation(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    first, second = synth.qr_image("FIRST"), synth.qr_image("SECOND")
    frames = [synth.frame_720p(rng, second if i >= 3 else first) for i in range(6)]
    path = synth.write_video(tmp_path / "two.avi", frames)
    assert scan_file(path) == [Code("QRCode", "FIRST"), Code("QRCode", "SECOND")]


def test_report_lists_codes_per_file_and_the_error_for_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "card.png"
    cv2.imwrite(str(good), synth.qr_image("LOYALTY-8"))
    missing = str(tmp_path / "missing.png")
    assert scan_report([str(good), missing]) == [
        {"file": str(good), "codes": [{"format": "QRCode", "text": "LOYALTY-8"}]},
        {
            "file": missing,
            "codes": [],
            "error": f"cannot read image: {missing} (file not found)",
        },
    ]


@pytest.mark.parametrize("name", ["card.3gp", "card.ts.bin", "card"])
def test_a_video_under_an_unknown_name_is_still_read_as_a_video(tmp_path: Path, card_video: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(card_video.read_bytes())
    assert scan_file(path) == [Code("QRCode", CARD_TEXT)]


def test_an_mp4_video_is_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    card = synth.qr_image(CARD_TEXT, scale=5)
    frames = [synth.frame_720p(rng, card, at=(100 + 8 * i, 200 + 12 * i)) for i in range(12)]  # the card moves
    path = tmp_path / "card.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (1280, 720))
    assert writer.isOpened()
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    assert scan_file(path) == [Code("QRCode", CARD_TEXT)]


def test_a_text_file_is_neither_an_image_nor_a_video(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("sku,name\nLAT,Latte\n", encoding="utf-8")
    with pytest.raises(ScanError, match=r"notes\.txt \(not an image or corrupt\)"):
        scan_file(path)
