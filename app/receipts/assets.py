"""Locate bundled resources (fonts) both in the source tree and in a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

# app/receipts/assets.py -> repository root is two levels above the package.
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def resource_root() -> Path:
    """The directory holding resources/: PyInstaller's unpack dir when frozen, else the repo."""
    # PyInstaller unpacks data files under sys._MEIPASS; datas must be added as
    # ("resources", "resources") in the spec so the relative layout stays the same.
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle)
    return _SOURCE_ROOT


def resource_path(*parts: str) -> Path:
    """Absolute path of resources/<parts...>, e.g. resource_path("fonts", "DejaVuSans.ttf")."""
    path = resource_root().joinpath("resources", *parts)
    if not path.exists():
        raise FileNotFoundError(f"bundled resource missing: {path}")
    return path
