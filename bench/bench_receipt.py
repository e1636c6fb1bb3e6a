"""Regenerate docs/screenshots/receipt-*.png and time receipt rendering (median of 50 runs).

Usage: .venv/bin/python bench/bench_receipt.py [--runs 50] [--no-screenshots]
Needs pdftoppm (poppler-utils) for the screenshots.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from app.receipts.escpos import render_escpos  # noqa: E402
from app.receipts.model import FiscalMark, Receipt  # noqa: E402
from app.receipts.pdf import Paper, render_pdf  # noqa: E402
from app.receipts.samples import (  # noqa: E402
    sample_anonymous_sale,
    sample_long_sale,
    sample_refund,
    sample_sale,
)


def sample_fiscal_sale() -> Receipt:
    """The card sale printed by a till that drives a fiscal register: the slip names the register's receipt."""
    return dataclasses.replace(sample_sale(), fiscal=FiscalMark(2, "3042122094", "9999078900012345", 1))


SCREENSHOTS: list[tuple[str, Callable[[], Receipt], Paper]] = [
    ("receipt-80mm.png", sample_sale, "80mm"),  # card, points, tier, coupon
    ("receipt-80mm-fiscal.png", sample_fiscal_sale, "80mm"),  # with the register's receipt (fiscal.md)
    ("receipt-58mm.png", sample_anonymous_sale, "58mm"),  # no card: join QR
    ("receipt-a4.png", sample_refund, "A4"),  # refund with points back
]
MAX_PNG_BYTES = 300_000


def screenshots(out_dir: Path) -> None:
    """Render each sample to PDF and rasterise it with pdftoppm at 150 dpi, greyscale."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        sys.exit("pdftoppm not found: apt-get install -y poppler-utils")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, paper in SCREENSHOTS:
            pdf = Path(tmp) / "receipt.pdf"
            pdf.write_bytes(render_pdf(make(), paper))
            target = out_dir / name
            stem = target.with_suffix("")
            cmd = [pdftoppm, "-r", "150", "-gray", "-png", "-singlefile", str(pdf), str(stem)]
            subprocess.run(cmd, check=True)
            size = target.stat().st_size
            flag = "" if size <= MAX_PNG_BYTES else "  (over 300 KB!)"
            print(f"wrote {target.relative_to(ROOT)}  {size / 1024:.0f} KB{flag}")


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of fn in milliseconds over runs calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(runs: int) -> None:
    """Print render time per receipt for every sample, paper and printer width."""
    t0 = time.perf_counter()
    render_pdf(sample_sale(), "80mm")
    print(f"first render incl. font loading: {(time.perf_counter() - t0) * 1000:.1f} ms\n")
    samples: list[tuple[str, Receipt]] = [
        ("sale+card+coupon", sample_sale()),
        ("anonymous+QR", sample_anonymous_sale()),
        ("refund", sample_refund()),
        ("80 lines", sample_long_sale(80)),
    ]
    print(f"median of {runs} runs, ms per receipt")
    header = f"{'receipt':<18}{'PDF 80mm':>10}{'PDF 58mm':>10}{'PDF A4':>10}{'ESC/POS48':>11}"
    print(header + f"{'ESC/POS32':>11}")
    papers: tuple[Paper, ...] = ("80mm", "58mm", "A4")
    for label, r in samples:
        row = [median_ms(partial(render_pdf, r, p), runs) for p in papers]
        row += [median_ms(partial(render_escpos, r, w), runs) for w in (48, 32)]
        cells = "".join(f"{v:>10.1f}" for v in row[:3]) + "".join(f"{v:>11.1f}" for v in row[3:])
        print(f"{label:<18}{cells}")


def main() -> None:
    """Parse arguments, regenerate screenshots, run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args()
    bench(args.runs)  # first, so the first-render figure really includes loading the fonts
    if not args.no_screenshots:
        print()
        screenshots(ROOT / "docs" / "screenshots")


if __name__ == "__main__":
    main()
