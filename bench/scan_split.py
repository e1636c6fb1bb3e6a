"""Write the photo set's fixed tuning/held-back split: tests/data/barcodes/split.csv.

Usage: .venv/bin/python bench/scan_split.py [--data DIR]

Stratified by the manifest's `set` column (each camera/source set is split on its own, so both
halves hold every kind of code and the code-free images): within a set the images are ordered by
SHA-256 of "set/image" and the first half (rounded down) is `tune`, the rest `held`. Nothing about
the images' content or any decoder's result enters the split, so it can be regenerated and checked
(the test suite does: tests/unit/scanner/test_split.py).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUNE, HELD = "tune", "held"


def _digest(set_name: str, image: str) -> str:
    return hashlib.sha256(f"{set_name}/{image}".encode()).hexdigest()


def split_rows(manifest: Path) -> list[tuple[str, str, str]]:
    """(set, image, half) for every manifest row, in manifest order."""
    with manifest.open(newline="", encoding="utf-8") as fh:
        rows = [(r["set"], r["image"]) for r in csv.DictReader(fh)]
    half: dict[tuple[str, str], str] = {}
    for name in dict.fromkeys(s for s, _ in rows):
        mine = sorted((r for r in rows if r[0] == name), key=lambda r: _digest(*r))
        for i, row in enumerate(mine):
            half[row] = TUNE if i < len(mine) // 2 else HELD
    return [(s, image, half[(s, image)]) for s, image in rows]


def main(argv: list[str] | None = None) -> int:
    """Write split.csv beside manifest.csv."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "barcodes")
    args = parser.parse_args(argv)
    rows = split_rows(args.data / "manifest.csv")
    with (args.data / "split.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["set", "image", "half"])
        writer.writerows(rows)
    print(f"{sum(r[2] == TUNE for r in rows)} tune, {sum(r[2] == HELD for r in rows)} held", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
