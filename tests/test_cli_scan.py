"""`loyalty-terminal scan` on real photographs, as the acceptance tests drive it."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from tests.conftest import ROOT, run_cli

SHARED = Path(os.environ.get("LOYALTY_SHARED_DIR", ROOT.parent / "shared"))
PHOTOS = SHARED / "data" / "barcodes"


def _manifest() -> list[dict[str, str]]:
    assert (PHOTOS / "manifest.csv").exists(), f"the shared photo set is missing at {PHOTOS}"
    with (PHOTOS / "manifest.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_scan_prints_the_exact_text_of_each_photo_one_json_object_per_file() -> None:
    rows = _manifest()
    chosen = []
    for name in sorted({r["set"] for r in rows}):
        chosen += [r for r in rows if r["set"] == name][:3]
    files = [str(PHOTOS / r["set"] / r["image"]) for r in chosen]
    proc = run_cli("scan", *files, "--json")
    assert proc.returncode == 0, proc.stderr
    outputs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["file"] for o in outputs] == files
    read = 0
    for row, out in zip(chosen, outputs, strict=True):
        if not row["expected_text_file"]:
            assert out["codes"] == [], f"false positive on {row['image']}: {out['codes']}"
            continue
        expected = (PHOTOS / row["set"] / row["expected_text_file"]).read_text(encoding="utf-8").rstrip("\n")
        texts = [c["text"] for c in out["codes"]]
        for code in out["codes"]:
            assert code["format"] in {"QRCode", "EAN-13", "EAN-8", "UPC-A", "Code128"}
        if expected in texts:
            read += 1
            assert any(c["format"] == row["format"] for c in out["codes"] if c["text"] == expected)
        else:
            assert texts == [], f"wrong read on {row['image']}: {texts} (expected {expected})"
    assert read >= 0.8 * sum(1 for r in chosen if r["expected_text_file"])


def test_scan_of_one_file_prints_exactly_one_object() -> None:
    row = next(r for r in _manifest() if r["set"].startswith("qrcode"))
    proc = run_cli("scan", str(PHOTOS / row["set"] / row["image"]), "--json")
    assert proc.returncode == 0
    out = json.loads(proc.stdout)
    assert set(out) == {"file", "codes"} and out["codes"]


def test_scan_of_a_missing_or_corrupt_file_says_why_and_exits_2(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"nonsense" * 10)
    proc = run_cli("scan", str(tmp_path / "missing.png"), str(corrupt), "--json")
    assert proc.returncode == 2
    outs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(outs) == 2 and all(o["codes"] == [] and o["error"] for o in outs)
