"""`loyalty-terminal scan` on real photographs, as the acceptance tests drive it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import BARCODES
from tests.inprocess import run_cli
from tests.unit.scanner import synth

PHOTOS = BARCODES


def _manifest() -> list[dict[str, str]]:
    assert (PHOTOS / "manifest.csv").exists(), f"the photo set is missing at {PHOTOS}"
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


def test_scan_of_generated_files_reports_each_one_in_order(tmp_path: Path) -> None:
    """Stills of every kind, a file with no code, videos under known and unknown names: one line each."""
    card = "LT1:2990000000019:7K4NKG2Y"
    files = {
        "card.png": synth.qr_image(card, scale=4),
        "ean.jpg": synth.turned(synth.barcode_image("ean13", "400638133393"), 30),
        "upc.webp": synth.barcode_image("upca", "03600029145"),
        "ean8.bmp": synth.barcode_image("ean8", "9638507"),
        "c128.png": synth.barcode_image("code128", "LOYALTY-42"),
        "blank.png": np.full((300, 400), 200, np.uint8),
    }
    paths = []
    for name, image in files.items():
        paths.append(str(tmp_path / name))
        assert cv2.imwrite(paths[-1], image)
    rng = np.random.default_rng(1)
    frames = [synth.frame_720p(rng, synth.qr_image(card, scale=5)) for _ in range(4)]
    video = synth.write_video(tmp_path / "card.avi", frames)
    renamed = tmp_path / "card.3gp"
    renamed.write_bytes(video.read_bytes())
    paths += [str(video), str(renamed)]
    proc = run_cli("scan", *paths, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["file"] for o in outputs] == paths and all(set(o) == {"file", "codes"} for o in outputs)
    assert [o["codes"] for o in outputs] == [
        [{"format": "QRCode", "text": card}],
        [{"format": "EAN-13", "text": "4006381333931"}],
        [{"format": "UPC-A", "text": "0036000291452"}],  # 13-digit form, as product codes are stored
        [{"format": "EAN-8", "text": "96385074"}],
        [{"format": "Code128", "text": "LOYALTY-42"}],
        [],
        [{"format": "QRCode", "text": card}],
        [{"format": "QRCode", "text": card}],
    ]
    plain = run_cli("scan", paths[0], paths[5])
    assert plain.returncode == 0
    assert plain.stdout.splitlines() == [f"{paths[0]}: QRCode {card}", f"{paths[5]}: no code"]


def test_scan_reports_a_folder_and_a_text_file_and_still_reads_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "card.png"
    cv2.imwrite(str(good), synth.qr_image("LOYALTY-9"))
    text = tmp_path / "notes.txt"
    text.write_text("not an image", encoding="utf-8")
    proc = run_cli("scan", str(tmp_path), str(good), str(text), "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    outs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [bool(o.get("error")) for o in outs] == [True, False, True]
    assert outs[1]["codes"] == [{"format": "QRCode", "text": "LOYALTY-9"}]
    plain = run_cli("scan", str(text))
    assert plain.returncode == 2 and "notes.txt" in plain.stdout
