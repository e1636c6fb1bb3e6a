"""Locate the data files that ship inside the package (fonts), wherever the package is installed."""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

# Package data, so a wheel, an editable install and a PyInstaller bundle (which collects
# app/resources as data) all find it the same way; a path worked out from __file__ up to a
# source checkout broke in a non-editable install.
_RESOURCES = resources.files("app") / "resources"
# Files extracted from a zipped package must outlive their registration with reportlab and Qt.
_extracted = ExitStack()
atexit.register(_extracted.close)


def resource_path(*parts: str) -> Path:
    """A file path of app/resources/<parts...>, e.g. resource_path("fonts", "DejaVuSans.ttf")."""
    resource = _RESOURCES.joinpath(*parts)
    if not resource.is_file():
        raise FileNotFoundError(f"bundled resource missing: {'/'.join(('app', 'resources', *parts))}")
    return _extracted.enter_context(resources.as_file(resource))
