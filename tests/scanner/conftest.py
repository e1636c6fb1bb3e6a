"""Fixtures for the scanner tests: the shared photo set and synthetic videos."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.scanner import synth

REPO = Path(__file__).resolve().parents[2]
CARD_TEXT = "LOYALTY-CARD-0001234"
# 1.5 s of the card in view at 30 fps, between 0.3 s of empty frames on each side.
CARD_FRAMES = range(10, 55)
VIDEO_FRAMES = 65


@pytest.fixture(scope="session")
def barcode_dir() -> Path:
    """The shared barcode photographs; a missing folder fails the test, never skips it."""
    shared = Path(os.environ.get("LOYALTY_SHARED_DIR", REPO.parent / "shared"))
    folder = shared / "data" / "barcodes"
    if not (folder / "manifest.csv").is_file():
        pytest.fail(f"barcode photo set not found at {folder} (set LOYALTY_SHARED_DIR)")
    return folder


@pytest.fixture(scope="session")
def card_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MJPG .avi: noisy 1280×720 frames with a card QR code in view for 1.5 s."""
    rng = np.random.default_rng(7)
    card = synth.qr_image(CARD_TEXT)
    frames = [synth.frame_720p(rng, card if i in CARD_FRAMES else None) for i in range(VIDEO_FRAMES)]
    return synth.write_video(tmp_path_factory.mktemp("video") / "card.avi", frames)
