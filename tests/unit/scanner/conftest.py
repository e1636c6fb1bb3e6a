"""Fixtures for the scanner tests: the photo set in tests/data/barcodes and synthetic videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.scanner.decode import decode_gray
from app.scanner.photoset import Outcome, load_manifest, run
from tests.conftest import BARCODES
from tests.unit.scanner import synth

CARD_TEXT = "LOYALTY-CARD-0001234"
# 1.5 s of the card in view at 30 fps, between 0.3 s of empty frames on each side.
CARD_FRAMES = range(10, 55)
VIDEO_FRAMES = 65


@pytest.fixture(scope="session")
def barcode_dir() -> Path:
    """The repository's barcode photographs; a missing folder fails the test, never skips it."""
    if not (BARCODES / "manifest.csv").is_file():
        pytest.fail(f"barcode photo set not found at {BARCODES}")
    return BARCODES


@pytest.fixture(scope="session")
def card_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MJPG .avi: noisy 1280×720 frames with a card QR code in view for 1.5 s."""
    rng = np.random.default_rng(7)
    card = synth.qr_image(CARD_TEXT)
    frames = [synth.frame_720p(rng, card if i in CARD_FRAMES else None) for i in range(VIDEO_FRAMES)]
    return synth.write_video(tmp_path_factory.mktemp("video") / "card.avi", frames)


@pytest.fixture(scope="session")
def photo_outcomes(barcode_dir: Path) -> list[Outcome]:
    """The thorough pipeline run once over every photograph of the shared set (both halves)."""
    return run(load_manifest(barcode_dir), lambda gray: decode_gray(gray, thorough=True))
