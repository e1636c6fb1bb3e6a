"""Measure the scanning pipeline against each decoder alone; write docs/benchmarks-scanning.md.

Usage: .venv/bin/python bench/bench_scan.py [--data DIR] [--out FILE] [--reps 3]

Everything runs in this one thread, pinned to one CPU, with cv2.setNumThreads(1):
frames per second are what one core delivers. The photo set defaults to the repository's
tests/data/barcodes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from pyzbar import pyzbar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from app.scanner import decode  # noqa: E402
from app.scanner.decode import Code, checked_code, decode_gray  # noqa: E402
from app.scanner.files import read_gray  # noqa: E402
from app.scanner.photoset import Outcome, Sample, load_manifest, run  # noqa: E402

Gray = npt.NDArray[np.uint8]
FrameDecoder = Callable[[Gray], list[Code]]
FRAME_W, FRAME_H = 1280, 720
NO_CODE_SET = "falsepositives-1"

# ---------------------------------------------------------------- decoders measured


def zxing(gray: Gray, fast: bool = False, binarizer: str = "LocalAverage") -> list[Code]:
    """zxing-cpp alone on the five formats, plain text; format names normalised."""
    found = zxingcpp.read_barcodes(
        gray,
        formats=decode._ZXING_FORMATS,
        try_rotate=not fast,
        try_downscale=not fast,
        try_invert=not fast,
        text_mode=zxingcpp.TextMode.Plain,
        binarizer=getattr(zxingcpp.Binarizer, binarizer),
    )
    codes = []
    for b in found:
        fmt = decode._ZXING_NAMES.get(str(b.format))
        code = checked_code(fmt, b.text) if fmt else None
        if code:
            codes.append(code)
    return codes


def zbar(gray: Gray) -> list[Code]:
    """pyzbar alone on the five formats; its UTF-8 text taken as it is."""
    codes = []
    for s in pyzbar.decode(gray, symbols=decode._ZBAR_SYMBOLS):
        fmt = decode._ZBAR_NAMES.get(s.type)
        code = checked_code(fmt, s.data.decode("utf-8", "replace")) if fmt else None
        if code:
            codes.append(code)
    return codes


_CV_BARCODE = cv2.barcode.BarcodeDetector()
_CV_QR = cv2.QRCodeDetector()
_CV_NAMES = {"EAN_13": "EAN-13", "EAN_8": "EAN-8", "UPC_A": "UPC-A"}


def cv_barcode(gray: Gray) -> list[Code]:
    """OpenCV's barcode detector+decoder (EAN/UPC only)."""
    _, texts, kinds, _ = _CV_BARCODE.detectAndDecodeWithType(gray)
    codes = []
    for text, kind in zip(texts or (), kinds or (), strict=False):
        fmt = _CV_NAMES.get(kind)
        code = checked_code(fmt, text) if fmt and text else None
        if code:
            codes.append(code)
    return codes


def cv_qr(gray: Gray) -> list[Code]:
    """OpenCV's QR detector+decoder (bytes taken as UTF-8; anything else counts as unread)."""
    try:
        payload, _, _ = _CV_QR.detectAndDecodeBytes(gray)
    except cv2.error:  # OpenCV 5.0 raises on some QR modes it does not implement
        return []
    try:
        code = checked_code("QRCode", bytes(payload).decode("utf-8"))
    except UnicodeDecodeError:
        return []
    return [code] if code else []


def pipeline_fast(gray: Gray) -> list[Code]:
    """The pipeline's camera pass."""
    return decode_gray(gray, thorough=False)


def pipeline_thorough(gray: Gray) -> list[Code]:
    """The pipeline's still-image passes."""
    return decode_gray(gray, thorough=True)


DECODERS: list[tuple[str, FrameDecoder]] = [
    ("zxing-cpp, defaults (rotate, downscale, invert)", zxing),
    ("zxing-cpp, fast (no rotate/downscale/invert)", lambda g: zxing(g, fast=True)),
    ("pyzbar", zbar),
    ("pipeline, camera pass (`thorough=False`)", pipeline_fast),
    ("pipeline, still image (`thorough=True`)", pipeline_thorough),
]

# ------------------------------------------------- candidate passes that were tried


def _up(g: Gray, f: float = 2.0) -> Gray:
    return np.asarray(cv2.resize(g, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC))


def _sharp(g: Gray) -> Gray:
    return np.asarray(cv2.addWeighted(g, 1.8, cv2.GaussianBlur(g, (0, 0), 2.0), -0.8, 0))


def _rot(g: Gray, angle: float) -> Gray:
    h, w = g.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return np.asarray(cv2.warpAffine(g, m, (nw, nh), borderValue=255))


def _otsu(g: Gray) -> Gray:
    return np.asarray(cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1])


def _adaptive(g: Gray) -> Gray:
    method, kind = cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY
    return np.asarray(cv2.adaptiveThreshold(g, 255, method, kind, 31, 5))


def _clahe(g: Gray) -> Gray:
    return np.asarray(cv2.createCLAHE(2.0, (8, 8)).apply(g))


CANDIDATES: list[tuple[str, FrameDecoder]] = [
    ("zxing-cpp, GlobalHistogram binarizer", lambda g: zxing(g, binarizer="GlobalHistogram")),
    ("zxing-cpp on an unsharp-masked copy", lambda g: zxing(_sharp(g))),
    ("zxing-cpp on a 3×3 median-filtered copy", lambda g: zxing(np.asarray(cv2.medianBlur(g, 3)))),
    ("zxing-cpp on an Otsu-binarised 2× copy", lambda g: zxing(_otsu(_up(g)))),
    ("zxing-cpp on a 3× copy", lambda g: zxing(_up(g, 3.0))),
    ("zxing-cpp on copies turned ±10°", lambda g: zxing(_rot(g, 10)) + zxing(_rot(g, -10))),
    ("pyzbar on a 2× copy", lambda g: zbar(_up(g))),
    ("pyzbar on an unsharp-masked copy", lambda g: zbar(_sharp(g))),
    ("pyzbar on a CLAHE copy", lambda g: zbar(_clahe(g))),
    ("pyzbar on an Otsu-binarised copy", lambda g: zbar(_otsu(g))),
    ("pyzbar on an adaptive-threshold copy", lambda g: zbar(_adaptive(g))),
    ("pyzbar on copies turned ±10°", lambda g: zbar(_rot(g, 10)) + zbar(_rot(g, -10))),
    ("cv2.barcode.BarcodeDetector (EAN/UPC)", cv_barcode),
    ("cv2.QRCodeDetector", cv_qr),
]

# ------------------------------------------------------------------- measurements


@dataclass
class Timing:
    """CPU and wall milliseconds per 720p frame, with a code in view and without; frames read."""

    code: list[float]
    empty: list[float]
    code_wall: list[float]
    empty_wall: list[float]
    read: int


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    return float(np.percentile(np.asarray(values), q))


def sets_of(samples: list[Sample]) -> list[str]:
    """Set names in manifest order."""
    return list(dict.fromkeys(s.set_name for s in samples))


def in_720p_frame(photo: Gray, rng: np.random.Generator) -> Gray:
    """Paste a photo in the middle of a mid-gray 1280×720 frame with sensor-like noise."""
    frame = rng.normal(128, 4, (FRAME_H, FRAME_W)).clip(0, 255).astype(np.uint8)
    h, w = photo.shape
    scale = min(1.0, FRAME_W / w, FRAME_H / h)
    if scale < 1.0:
        photo = np.asarray(cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        h, w = photo.shape
    top, left = (FRAME_H - h) // 2, (FRAME_W - w) // 2
    frame[top : top + h, left : left + w] = photo
    return frame


def time_720p(decoder: FrameDecoder, frames: list[tuple[Sample, Gray]], reps: int) -> Timing:
    """Time decoder on every 720p frame, reps times each; count the coded frames it reads."""
    timing = Timing([], [], [], [], 0)
    for sample, frame in frames:
        empty = sample.expected is None
        cpu, wall = (timing.empty, timing.empty_wall) if empty else (timing.code, timing.code_wall)
        for _ in range(reps):
            # CPU time of this thread is the cost; wall time also counts other work on the machine.
            start_cpu, start_wall = time.thread_time(), time.perf_counter()
            codes = decoder(frame)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start_wall) * 1000)
        timing.read += any(sample.is_read_by(c) for c in codes)
    return timing


def noise_frames(count: int, sigma: float) -> list[tuple[Sample, Gray]]:
    """Code-free 720p frames of uncorrelated noise: every pixel an edge, the worst case."""
    rng = np.random.default_rng(7)
    blank = Sample("noise", Path("noise"), "none", None)
    return [(blank, rng.normal(128, sigma, (FRAME_H, FRAME_W)).clip(0, 255).astype(np.uint8)) for _ in range(count)]


@contextlib.contextmanager
def views_removed(name: str) -> Iterator[None]:
    """Run the pipeline without one of its still-image passes (ablation)."""
    saved = decode._THOROUGH_VIEWS
    decode._THOROUGH_VIEWS = tuple(v for v in saved if v.__name__ != name)
    try:
        yield
    finally:
        decode._THOROUGH_VIEWS = saved


def read_keys(outcomes: list[Outcome]) -> set[Path]:
    """The coded images an outcome list reads."""
    return {o.sample.path for o in outcomes if o.read}


# ------------------------------------------------------------------------ report


def machine() -> str:
    """CPU model, core count, OS and library versions for the report header."""
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = ", ".join(
        f"{pkg} {metadata.version(pkg)}" for pkg in ("zxing-cpp", "pyzbar", "opencv-python-headless", "numpy")
    )
    return (
        f"{model}, `nproc` = {os.cpu_count()}; Python {platform.python_version()} on "
        f"{platform.system()} {platform.release()}; {versions}"
    )


def pin_to_one_core() -> str:
    """Pin this process to one CPU where the OS allows it; say what was done."""
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}, cv2.setNumThreads(1), single thread"
    return "cv2.setNumThreads(1), single thread (no CPU pinning on this OS)"


def shown_path(folder: Path) -> str:
    """The folder as the report names it: relative to the repository when inside it (no machine paths)."""
    try:
        return str(folder.resolve().relative_to(ROOT))
    except ValueError:
        return str(folder)


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and write the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "barcodes")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-scanning.md")
    parser.add_argument("--reps", type=int, default=3, help="timing repeats per 720p frame")
    args = parser.parse_args(argv)
    if not (args.data / "manifest.csv").is_file():
        sys.exit(f"photo set not found: {args.data}/manifest.csv")

    pinning = pin_to_one_core()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    samples = load_manifest(args.data)
    sets = sets_of(samples)
    coded = [s for s in samples if s.expected is not None]
    started = time.perf_counter()
    out: list[str] = []
    w = out.append

    # Read rates on the photographs, as they are.
    results: dict[str, list[Outcome]] = {}
    for name, decoder in DECODERS:
        results[name] = run(samples, decoder)
        print(f"photos: {name} done", flush=True)

    # 720p frames: each photo pasted into a camera-sized frame.
    rng = np.random.default_rng(20240601)
    frames = [(s, in_720p_frame(read_gray(s.path), rng)) for s in samples]
    timings: dict[str, Timing] = {}
    for name, decoder in DECODERS:
        reps = 1 if "still" in name or name == "pyzbar" else args.reps
        timings[name] = time_720p(decoder, frames, reps)
        print(f"720p: {name} done", flush=True)
    worst = noise_frames(20, 12.0)
    worst_cases = [(name, time_720p(dec, worst, 1)) for name, dec in DECODERS if "still" not in name]

    # Ablation: each still-image pass removed in turn.
    full = read_keys(results[DECODERS[-1][0]])
    full_ms = sum(o.seconds for o in results[DECODERS[-1][0]]) * 1000 / len(samples)
    ablation = []
    for view in decode._THOROUGH_VIEWS:
        with views_removed(view.__name__):
            outcomes = run(samples, pipeline_thorough)
        ms = sum(o.seconds for o in outcomes) * 1000 / len(samples)
        fps = sum(1 for o in outcomes if o.sample.expected is None and o.codes)
        wrong = sum(1 for o in outcomes if o.sample.expected and o.others)
        ablation.append((view.__name__, len(full - read_keys(outcomes)), full_ms - ms, fps, wrong))
    print("ablation done", flush=True)

    # Candidates: alone, and what they read that no pass of the pipeline reads.
    union_of_passes: set[Path] = set()
    for decoder in (
        zxing,
        zbar,
        lambda g: zxing(_clahe(g)),
        lambda g: zxing(_up(g), binarizer="GlobalHistogram"),
        lambda g: zbar(_sharp(_up(g))),
        lambda g: zxing(_up(g)),
    ):
        union_of_passes |= read_keys(run(samples, decoder))
    candidates = []
    for name, decoder in CANDIDATES:
        outcomes = run(samples, decoder)
        ms = sum(o.seconds for o in outcomes) * 1000 / len(samples)
        wrong = sum(1 for o in outcomes if o.sample.expected and o.others)
        fps = sum(1 for o in outcomes if o.sample.expected is None and o.codes)
        candidates.append(
            (name, len(read_keys(outcomes)), len(read_keys(outcomes) - union_of_passes), ms,
             wrong, fps)
        )  # fmt: skip
    print("candidates done", flush=True)

    # ------------------------------------------------------------------ markdown
    w(f"Generated by `bench/bench_scan.py` on {dt.date.today().isoformat()} "
      f"in {time.perf_counter() - started:.0f} s.")  # fmt: skip
    w("")
    w(f"- Machine: {machine()}.")
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    w(f"- Timing: {pinning}. Load average (1 min) {load_before:.1f} at the start and "
      f"{load_after:.1f} at the end: other work on the machine inflates the timings.")  # fmt: skip
    w(f"- Photo set: `{shown_path(args.data)}` ({len(coded)} images with a code, "
      f"{len(samples) - len(coded)} without), each decoded as a grayscale frame, "
      "as it is.")  # fmt: skip
    w("- An image is *read* when one result is its labelled symbol (product codes compared "
      "as GTIN-13, everything else by exact format and text). *Other results* counts coded "
      "images that also or instead gave a result that is not the label; *false positives* "
      "counts code-free images that gave any result.")  # fmt: skip
    w("- Every decoder runs on the five formats only, zxing-cpp in plain text mode; "
      "format names and UPC-A are normalised the same way for all.")  # fmt: skip
    w("")
    w("### Read rate on the photographs")
    w("")
    head = ["decoder", *(s for s in sets if s != NO_CODE_SET), "all coded", "other results",
            "false positives"]  # fmt: skip
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    for name, _ in DECODERS:
        outcomes = results[name]
        cells = [name]
        for s in sets:
            if s == NO_CODE_SET:
                continue
            mine = [o for o in outcomes if o.sample.set_name == s]
            cells.append(f"{sum(o.read for o in mine)}/{len(mine)}")
        mine = [o for o in outcomes if o.sample.expected is not None]
        read = sum(o.read for o in mine)
        cells.append(f"**{read}/{len(mine)} ({100 * read / len(mine):.1f} %)**")
        cells.append(str(sum(1 for o in mine if o.others)))
        empty = [o for o in outcomes if o.sample.expected is None]
        cells.append(f"{sum(1 for o in empty if o.codes)}/{len(empty)}")
        w("| " + " | ".join(cells) + " |")
    w("")
    pipeline = results[DECODERS[-1][0]]
    missed = [f"{o.sample.set_name}/{o.sample.path.name}" for o in pipeline
              if o.sample.expected and not o.read]  # fmt: skip
    others = [f"{o.sample.set_name}/{o.sample.path.name} → "
              + ", ".join(f"{c.format} `{c.text[:40]!r}`" for c in o.others)
              for o in pipeline if o.others]  # fmt: skip
    w(f"Still-image pipeline misses: {', '.join(missed) or 'none'}.")
    w("")
    w("Still-image pipeline, other results: " + ("; ".join(others) or "none") + ".")
    w("")
    w("### Cost per 1280×720 frame (one core)")
    w("")
    w("Each photograph pasted into the middle of a mid-gray 1280×720 frame with σ = 4 "
      "sensor-like noise (photos larger than the frame scaled down to fit). *With code*: the "
      f"{len(coded)} coded photos; *no code*: the {len(samples) - len(coded)} code-free ones. "
      f"Fast decoders timed {args.reps}× per frame. Milliseconds are CPU time of the decoding "
      "thread (`time.thread_time`), i.e. the cost on a core of its own; the wall-clock median "
      "is shown too, and exceeds it when the machine is busy.")  # fmt: skip
    w("")
    w(
        "| decoder | reads in 720p frames | with code: median ms | p95 ms | no code: median ms "
        "| p95 ms | wall median ms (code / no code) | fps on one core (code / no code) "
        "| share of one core at 30 fps (code / no code) |"
    )
    w("|---|---|---|---|---|---|---|---|---|")
    for name, _ in DECODERS:
        t = timings[name]
        mc, me = statistics.median(t.code), statistics.median(t.empty)
        wc, we = statistics.median(t.code_wall), statistics.median(t.empty_wall)
        w(f"| {name} | {t.read}/{len(coded)} | {mc:.1f} | {percentile(t.code, 95):.1f} "
          f"| {me:.1f} | {percentile(t.empty, 95):.1f} | {wc:.1f} / {we:.1f} "
          f"| {1000 / mc:.0f} / {1000 / me:.0f} | {30 * mc / 10:.0f} % / {30 * me / 10:.0f} % |")  # fmt: skip
    w("")
    w("Worst case without a code: 20 frames of uncorrelated σ = 12 noise on every pixel (CPU ms).")
    w("")
    w("| decoder | median ms | p95 ms | share of one core at 30 fps |")
    w("|---|---|---|---|")
    for name, t in worst_cases:
        me = statistics.median(t.empty)
        w(f"| {name} | {me:.1f} | {percentile(t.empty, 95):.1f} | {30 * me / 10:.0f} % |")
    w("")
    w("### What each still-image pass earns")
    w("")
    w(f"The still-image pipeline averages {full_ms:.1f} ms (CPU) per photo. Removing one pass "
      "(a negative saving: without that pass the answer settles later, so the costlier passes "
      "after it run more often):")  # fmt: skip
    w("")
    w("| pass removed | photos no longer read | ms saved per photo | false positives | images with other results |")
    w("|---|---|---|---|---|")
    for name, lost, saved, fps, wrong in ablation:
        w(f"| `{name}` | {lost} | {saved:.1f} | {fps} | {wrong} |")
    w("")
    w("### Candidates that were measured")
    w("")
    w(
        "Each alone on the photographs; *new reads* = photos it reads that no pass of the "
        "pipeline reads (before voting), i.e. the most it could add."
    )
    w("")
    w("| candidate | reads alone | new reads | ms per photo | images with other results | false positives |")
    w("|---|---|---|---|---|---|")
    for name, alone, new, ms, wrong, fps in candidates:
        w(f"| {name} | {alone}/{len(coded)} | {new} | {ms:.1f} | {wrong} | {fps} |")

    write_report(args.out, "\n".join(out).rstrip())
    print(f"wrote {args.out}")
    return 0


BEGIN, END = "<!-- bench_scan.py: begin -->", "<!-- bench_scan.py: end -->"


def write_report(path: Path, generated: str) -> None:
    """Replace the generated part of the report, keeping the hand-written text around it."""
    before, after = "# Scanning benchmarks\n\n", ""
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            before, rest = text.split(BEGIN, 1)
            after = rest.split(END, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{before}{BEGIN}\n{generated}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
