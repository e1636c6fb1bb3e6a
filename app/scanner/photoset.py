"""Score a decoder against a labelled photo set (manifest.csv + expected-text files).

Shared by bench/bench_scan.py and the read-rate test so that both count the same way:
an image is read when one result is its expected symbol; product codes compare as
GTIN-13, everything else by exact format and text (CRLF, trailing spaces and all).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from app.scanner.decode import PRODUCT_FORMATS, Code, to_gtin13
from app.scanner.files import read_gray

FrameDecoder = Callable[[npt.NDArray[np.uint8]], list[Code]]


@dataclass(frozen=True)
class Sample:
    """One manifest row: its set, the image, the format, the exact expected text (or None)."""

    set_name: str
    path: Path
    format: str
    expected: str | None

    def is_read_by(self, code: Code) -> bool:
        """True when code is this sample's expected symbol."""
        if self.expected is None:
            return False
        if self.format in PRODUCT_FORMATS:
            # Digits only: whitespace in a label cannot be part of any EAN/UPC symbol.
            return to_gtin13(code) == self.expected.strip().rjust(13, "0")
        return code.format == self.format and code.text == self.expected


@dataclass(frozen=True)
class Outcome:
    """What a decoder returned for one sample, and the CPU seconds it took."""

    sample: Sample
    codes: tuple[Code, ...]
    seconds: float

    @property
    def read(self) -> bool:
        """True when the expected symbol is among the results."""
        return any(self.sample.is_read_by(c) for c in self.codes)

    @property
    def others(self) -> tuple[Code, ...]:
        """Results that are not the expected symbol (a false positive on a code-free image)."""
        return tuple(c for c in self.codes if not self.sample.is_read_by(c))


TUNE: Final = "tune"
HELD: Final = "held"


def load_split(folder: Path) -> dict[tuple[str, str], str]:
    """Read folder/split.csv: (set, image) → "tune" or "held" (bench/scan_split.py writes it)."""
    with (folder / "split.csv").open(newline="", encoding="utf-8") as fh:
        return {(row["set"], row["image"]): row["half"] for row in csv.DictReader(fh)}


def load_errata(folder: Path) -> dict[Path, frozenset[str]]:
    """Read folder/errata.csv: image → texts really in it that its label does not give.

    A result listed here is right (the label is wrong or incomplete: see each row's reason), so it
    does not count as a wrong id; it does not count as a read either. ``\\r\\n`` stands for CR LF.
    """
    found: dict[Path, set[str]] = {}
    path = folder / "errata.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found.setdefault(folder / row["set"] / row["image"], set()).add(row["text"].replace("\\r\\n", "\r\n"))
    return {image: frozenset(texts) for image, texts in found.items()}


def wrong_ids(outcome: Outcome, errata: dict[Path, frozenset[str]]) -> tuple[Code, ...]:
    """Results of an outcome that are neither its label nor listed in the errata: wrong ids."""
    known = errata.get(outcome.sample.path, frozenset())
    return tuple(c for c in outcome.others if c.text not in known)


def load_manifest(folder: Path, half: str | None = None) -> list[Sample]:
    """Read folder/manifest.csv; expected texts are read as exact bytes (CRLF kept).

    half: only the images of that half of split.csv ("tune" or "held"); None: all of them.
    """
    wanted = load_split(folder) if half is not None else None
    samples = []
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if wanted is not None and wanted.get((row["set"], row["image"])) != half:
                continue
            base = folder / row["set"]
            name = row["expected_text_file"]
            expected = (base / name).read_bytes().decode("utf-8") if name else None
            samples.append(Sample(row["set"], base / row["image"], row["format"], expected))
    return samples


def run(samples: Iterable[Sample], decode: FrameDecoder) -> list[Outcome]:
    """Decode every sample's image as a grayscale frame, as it is (no rotation)."""
    outcomes = []
    for sample in samples:
        gray = read_gray(sample.path)
        # CPU time of this thread: the decoder's cost, whatever else the machine is doing.
        start = time.thread_time()
        codes = decode(gray)
        outcomes.append(Outcome(sample, tuple(codes), time.thread_time() - start))
    return outcomes
