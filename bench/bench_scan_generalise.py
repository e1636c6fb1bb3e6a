"""Does scanning generalise? Read rates on photographs the pipeline was never tuned on; CPU per frame.

Usage: .venv/bin/python bench/bench_scan_generalise.py [--out FILE] [--synthetic 400] [--held]

- The photo set (tests/data/barcodes) is split once and for all by bench/scan_split.py into a
  tuning half and a held-back half (split.csv). Without `--held` only the tuning half is measured
  (what one looks at while tuning); `--held` also runs the held-back half, and the report says so.
  Only counts are printed for the held-back half, never which image was or was not read.
- Synthetic photographs (tests/unit/scanner/synth.py: the project's card QR, card EAN-13, receipt
  Code 128 and shop EAN-8/UPC-A, turned, leaned, scaled, blurred, lit, glared, noised, JPEG'd):
  seeds 0-199 were the tuning seeds; the held-out seeds start at 1,000,000.
- Corrupted codes (an EAN-13 with a wrong check digit, a QR with a third blotted out) and
  code-free frames must give no wrong id.
- CPU per 1280×720 frame of the camera pass: code-free frames and frames with a synthetic
  photograph in them; one thread pinned to one CPU, cv2.setNumThreads(1).

"Camera accepted" is what a camera or video accepts from a still scene: the fast pass, whose
results two consecutive frames then agree on (a still scene repeats them), and the second look a
linear code gets before it is accepted (decode.second_look). The report goes between the
`bench_scan_generalise` markers of docs/benchmarks-scanning.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.scanner.decode import Code, decode_gray, second_look  # noqa: E402
from app.scanner.photoset import HELD, TUNE, Outcome, Sample, load_errata, load_manifest, run, wrong_ids  # noqa: E402
from bench.bench_scan import in_720p_frame, machine, pin_to_one_core  # noqa: E402
from tests.unit.scanner.synth import SYNTH_KINDS, corrupted_photo, synthetic_photo  # noqa: E402

Gray = npt.NDArray[np.uint8]
DATA = ROOT / "tests" / "data" / "barcodes"
BEGIN, END = "<!-- bench_scan_generalise: begin -->", "<!-- bench_scan_generalise: end -->"
SYNTH_TUNING_SEEDS = range(0, 200)
SYNTH_HELD_START = 1_000_000
CORRUPTED = int(os.environ.get("SCAN_BENCH_CORRUPTED", "300"))


def still(gray: Gray) -> list[Code]:
    """The still-image pipeline (scan of a photo)."""
    return decode_gray(gray, thorough=True)


def camera(gray: Gray) -> list[Code]:
    """What a camera accepts from a still scene: fast pass (two frames agree), second look for linear codes."""
    return [c for c in decode_gray(gray, thorough=False) if second_look(gray, c)]


MODES: list[tuple[str, Callable[[Gray], list[Code]]]] = [("still image", still), ("camera accepted", camera)]


def photo_row(name: str, outcomes: list[Outcome], errata: dict[Path, frozenset[str]]) -> str:
    """One table row: read, wrong ids, false positives, median CPU ms."""
    coded = [o for o in outcomes if o.sample.expected is not None]
    empty = [o for o in outcomes if o.sample.expected is None]
    read = sum(o.read for o in coded)
    wrong = sum(1 for o in coded if wrong_ids(o, errata))
    false_pos = sum(1 for o in empty if o.codes)
    ms = statistics.median(o.seconds * 1000 for o in outcomes)
    return (
        f"| {name} | **{read}/{len(coded)} ({100 * read / len(coded):.1f} %)** | {wrong} | "
        f"{false_pos}/{len(empty)} | {ms:.1f} |"
    )


def synthetic(seeds: range, decoder: Callable[[Gray], list[Code]]) -> tuple[dict[str, list[int]], int, list[float]]:
    """Per kind [read, total]; images with a wrong id; CPU ms per image."""
    per_kind = {k: [0, 0] for k in SYNTH_KINDS}
    wrong, ms = 0, []
    for seed in seeds:
        kind = SYNTH_KINDS[seed % len(SYNTH_KINDS)]
        image, fmt, text = synthetic_photo(seed, kind)
        sample = Sample("synthetic", Path(f"{seed}"), fmt, text)
        start = time.thread_time()
        codes = decoder(image)
        ms.append((time.thread_time() - start) * 1000)
        per_kind[kind][1] += 1
        per_kind[kind][0] += any(sample.is_read_by(c) for c in codes)
        wrong += any(not sample.is_read_by(c) for c in codes)
    return per_kind, wrong, ms


def corrupted(seeds: range, decoder: Callable[[Gray], list[Code]]) -> int:
    """Corrupted codes that gave a wrong id (a blotted QR read right by its error correction is not one)."""
    wrong = 0
    for seed in seeds:
        image, what = corrupted_photo(seed)
        payload = what.split()[1]
        wrong += any(not (what.startswith("QR") and c.text == payload) for c in decoder(image))
    return wrong


def frame_costs(frames: list[Gray], reps: int) -> list[float]:
    """CPU ms of the camera pass (decode_gray, thorough=False) on each frame, reps times."""
    costs = []
    for frame in frames:
        for _ in range(reps):
            start = time.thread_time()
            decode_gray(frame, thorough=False)
            costs.append((time.thread_time() - start) * 1000)
    return costs


def p95(values: list[float]) -> float:
    """95th percentile."""
    return float(np.percentile(np.asarray(values), 95))


def main(argv: list[str] | None = None) -> int:
    """Measure, print and write the report section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-scanning.md")
    parser.add_argument("--synthetic", type=int, default=400, help="held-out synthetic photographs")
    parser.add_argument("--held", action="store_true", help="also run the held-back half of the photo set")
    args = parser.parse_args(argv)
    pinning = pin_to_one_core()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    errata = load_errata(DATA)
    out: list[str] = []
    w = out.append
    w(BEGIN)
    w(f"Generated by `bench/bench_scan_generalise.py{' --held' if args.held else ''}` on "
      f"{dt.date.today().isoformat()}.")  # fmt: skip
    w("")
    w(f"- Machine: {machine()}.")
    w(f"- Timing: {pinning}; CPU time of the decoding thread (`time.thread_time`).")
    w("")
    w("#### The photo set, split once (bench/scan_split.py, `tests/data/barcodes/split.csv`)")
    w("")
    w("| half, mode | read | images with a wrong id | false positives (code-free images) | median CPU ms per image |")
    w("|---|---|---|---|---|")
    halves = [TUNE, HELD] if args.held else [TUNE]
    for half in halves:
        samples = load_manifest(DATA, half)
        for mode, decoder in MODES:
            w(photo_row(f"{'tuning' if half == TUNE else 'held-back'} half, {mode}", run(samples, decoder), errata))
            print(out[-1], flush=True)
    w("")
    w("#### Synthetic photographs of the project's own codes (tests/unit/scanner/synth.py)")
    w("")
    held_seeds = range(SYNTH_HELD_START, SYNTH_HELD_START + args.synthetic)
    w("| seeds, mode | " + " | ".join(SYNTH_KINDS) + " | all | wrong ids | median CPU ms |")
    w("|---|" + "---|" * (len(SYNTH_KINDS) + 3))
    for label, seeds in (("tuning seeds 0-199", SYNTH_TUNING_SEEDS),
                         (f"held-out seeds {held_seeds.start:,}-{held_seeds.stop - 1:,}", held_seeds)):  # fmt: skip
        for mode, decoder in MODES:
            per_kind, wrong, ms = synthetic(seeds, decoder)
            read = sum(r for r, _ in per_kind.values())
            cells = [f"{r}/{n}" for r, n in per_kind.values()]
            share = f"**{read}/{len(seeds)} ({100 * read / len(seeds):.1f} %)**"
            w(f"| {label}, {mode} | " + " | ".join(cells) + f" | {share} | {wrong} | {statistics.median(ms):.1f} |")
            print(out[-1], flush=True)
    w("")
    w("Corrupted codes (an EAN-13 printed with a wrong check digit, a QR with a third blotted out; a blotted "
      "QR read right by its error correction is not a wrong id):")  # fmt: skip
    w("")
    fresh = range(SYNTH_HELD_START, SYNTH_HELD_START + CORRUPTED)
    for label, seeds in (("seeds 0-299 (looked at while tuning)", range(0, CORRUPTED)),
                         ("held-out seeds from 1,000,000", fresh)):  # fmt: skip
        bad = {mode: corrupted(seeds, decoder) for mode, decoder in MODES}
        w(f"- {label}: wrong ids {bad['still image']}/{len(seeds)} (still image), "
          f"{bad['camera accepted']}/{len(seeds)} (camera accepted).")  # fmt: skip
        print(out[-1], flush=True)
    w("")
    w("#### CPU per 1280×720 frame, camera pass")
    w("")
    rng = np.random.default_rng(20261207)
    empty_frames = [rng.normal(128, 4, (720, 1280)).clip(0, 255).astype(np.uint8) for _ in range(20)]
    coded_frames = [in_720p_frame(synthetic_photo(s, SYNTH_KINDS[s % 5])[0], rng) for s in range(40)]
    w("| frames | median ms | p95 ms | share of one core at 30 fps (median) |")
    w("|---|---|---|---|")
    for label, frames in (("code-free (σ = 4 sensor noise), 20 × 5", empty_frames),
                          ("a synthetic photograph in view, 40 × 5", coded_frames)):  # fmt: skip
        costs = frame_costs(frames, 5)
        median = statistics.median(costs)
        w(f"| {label} | {median:.1f} | {p95(costs):.1f} | {100 * median * 30 / 1000:.0f} % |")
        print(out[-1], flush=True)
    w("")
    w(f"Run took {time.perf_counter() - started:.0f} s; load average (1 min) {load_before:.1f} at the start, "
      f"{os.getloadavg()[0]:.1f} at the end (other work on the machine inflates the timings).")  # fmt: skip
    w(END)
    text = args.out.read_text(encoding="utf-8")
    section = "\n".join(out)
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        marker = "<!-- bench_scan.py: begin -->"
        text = text.replace(marker, section + "\n\n" + marker) if marker in text else text + "\n" + section + "\n"
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
