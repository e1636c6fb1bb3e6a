"""The repository tests itself: nothing outside it is read at run or test time."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from tests.conftest import BARCODES, ROOT

# Spelled in pieces so that this file does not name what it looks for.
FORBIDDEN = ("../" + "shared", "LOYALTY_" + "SHARED_DIR", "/work/" + "shared")
# Never part of the project: tool caches, the virtualenv, build output.
UNTRACKED = {".git", ".venv", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def _project_files() -> list[Path]:
    """Every file the project holds: git's list in a checkout, else the tree without tool folders."""
    proc = subprocess.run(
        ["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, timeout=60, check=False, stdin=subprocess.DEVNULL
    )
    if proc.returncode == 0 and proc.stdout:
        return [ROOT / name for name in proc.stdout.decode().split("\0") if name]
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file() and not UNTRACKED.intersection(p.relative_to(ROOT).parts) and ".egg-info" not in str(p)
    ]


def test_no_file_outside_ci_names_the_shared_folder() -> None:
    offenders = []
    for path in _project_files():
        relative = path.relative_to(ROOT)
        if relative.parts[0] == ".ci" or not path.is_file():
            continue
        data = path.read_bytes()
        offenders += [f"{relative}: {word}" for word in FORBIDDEN if word.encode() in data]
    assert offenders == []


def test_the_barcode_photo_set_is_in_the_repository_with_its_licence() -> None:
    with (BARCODES / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 163
    missing = [
        f"{row['set']}/{name}"
        for row in rows
        for name in (row["image"], row["expected_text_file"])
        if name and not (BARCODES / row["set"] / name).is_file()
    ]
    assert missing == []
    assert "Apache License" in (BARCODES / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License 2.0" in (BARCODES / "README.md").read_text(encoding="utf-8")
