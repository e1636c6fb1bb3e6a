"""Fixtures for receipt tests: rasterising PDFs with poppler and decoding barcodes with zxing."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

Rasterize = Callable[[bytes], list[np.ndarray]]


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """Path of pdftoppm; the visual tests are the point, so a missing tool is a failure."""
    path = shutil.which("pdftoppm")
    if path is None:
        pytest.fail("pdftoppm not found: install poppler-utils (apt-get install -y poppler-utils)")
    return path


@pytest.fixture
def rasterize(pdftoppm: str, tmp_path: Path) -> Rasterize:
    """Turn PDF bytes into one greyscale image per page at 150 dpi, as pdftoppm draws them."""
    counter = iter(range(1_000_000))

    def run(pdf: bytes) -> list[np.ndarray]:
        n = next(counter)
        src = tmp_path / f"doc{n}.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [pdftoppm, "-r", "150", "-png", str(src), str(tmp_path / f"page{n}")],
            check=True,
            timeout=60,
        )
        pngs = sorted(tmp_path.glob(f"page{n}-*.png"))
        assert pngs, "pdftoppm produced no pages"
        return [np.asarray(Image.open(p).convert("L")) for p in pngs]

    return run


Decode = Callable[[np.ndarray, str], list[str]]


def _decode(image: np.ndarray, fmt: str) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == fmt]


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Wrapped lines and no-break spaces become single plain spaces, so checks read naturally.
    return " ".join(text.split())


@pytest.fixture
def decode() -> Decode:
    """decode(image, "Code128"|"QRCode") -> texts of all such barcodes zxing finds in the image."""
    return _decode


@pytest.fixture
def pdf_text() -> Callable[[bytes], str]:
    """pdf_text(pdf) -> all its text with whitespace collapsed, for substring checks."""
    return _pdf_text
