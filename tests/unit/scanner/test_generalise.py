"""Scanning that generalises: the held-back half of the photo set, synthetic photographs, corrupted codes.

The floors are counts recorded by bench/bench_scan_generalise.py (docs/benchmarks-scanning.md), not
timings: a change that reads fewer photographs it was never tuned on, or accepts one wrong id, fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scanner.decode import Code, decode_gray, second_look
from app.scanner.photoset import HELD, TUNE, Outcome, Sample, load_errata, load_manifest, load_split, wrong_ids
from bench.scan_split import split_rows
from tests.unit.scanner import synth

# bench/bench_scan_generalise.py --held, 2026-12-07: the held-back half read 67 of its 72 coded photos.
HELD_BACK_FLOOR = 67
# Synthetic photographs, seeds 2,000,000-2,000,019 (neither the tuning nor the reported held-out seeds):
# the still-image pipeline read all 20 when this floor was set (1 spare for a decoder upgrade).
SYNTH_SEEDS = range(2_000_000, 2_000_020)
SYNTH_FLOOR = 19


def test_the_split_is_the_documented_one(barcode_dir: Path) -> None:
    """split.csv is what bench/scan_split.py derives from the manifest: nobody moved an image by hand."""
    written = load_split(barcode_dir)
    derived = {(s, image): half for s, image, half in split_rows(barcode_dir / "manifest.csv")}
    assert written == derived
    halves = list(written.values())
    assert abs(halves.count(TUNE) - halves.count(HELD)) <= len({s for s, _ in written})  # 50/50 per set


def test_the_held_back_half_is_read_at_its_floor_with_no_wrong_id(
    barcode_dir: Path, photo_outcomes: list[Outcome]
) -> None:
    held = {s.path for s in load_manifest(barcode_dir, HELD)}
    mine = [o for o in photo_outcomes if o.sample.path in held]
    coded = [o for o in mine if o.sample.expected is not None]
    errata = load_errata(barcode_dir)
    assert [o.sample.path.name for o in coded if wrong_ids(o, errata)] == []
    assert [o.sample.path.name for o in mine if o.sample.expected is None and o.codes] == []
    # Counts only: which held-back photo is missed is not printed, so nobody tunes on it.
    assert sum(o.read for o in coded) >= HELD_BACK_FLOOR


def test_errata_name_only_photographs_of_the_set(barcode_dir: Path) -> None:
    paths = {s.path for s in load_manifest(barcode_dir)}
    assert set(load_errata(barcode_dir)) <= paths


def test_synthetic_photographs_of_the_projects_codes_are_read_and_never_misread() -> None:
    read = 0
    for seed in SYNTH_SEEDS:
        kind = synth.SYNTH_KINDS[seed % len(synth.SYNTH_KINDS)]
        image, fmt, text = synth.synthetic_photo(seed, kind)
        sample = Sample("synthetic", Path(str(seed)), fmt, text)
        codes = decode_gray(image, thorough=True)
        assert all(sample.is_read_by(c) for c in codes), f"seed {seed} ({kind}): {codes}, expected {text!r}"
        read += bool(codes)
    assert read >= SYNTH_FLOOR


@pytest.mark.parametrize("seed", [25, 90, 293, 326, 1_000_000, 1_000_001])
def test_a_corrupted_code_never_gives_a_wrong_id(seed: int) -> None:
    """An EAN-13 printed with a wrong check digit or a blotted QR: nothing, or the QR's own text."""
    image, what = synth.corrupted_photo(seed)
    payload = what.split()[1]
    still = decode_gray(image, thorough=True)
    camera = [c for c in decode_gray(image, thorough=False) if second_look(image, c)]
    for codes in (still, camera):
        assert all(what.startswith("QR") and c == Code("QRCode", payload) for c in codes), (what, codes)
