"""The terminal's own settings (printer, camera, language, backups): a QSettings file in the data folder.

Kept apart from app.ui.main so every screen can read and save settings without importing the
start-up code (which imports the screens).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

from app.bootstrap import default_data_dir

__all__ = ["camera_source", "save_setting", "settings"]


def settings() -> QSettings:
    """The terminal's settings, kept next to its database (so LOYALTY_HOME moves them too)."""
    return QSettings(str(default_data_dir() / "settings.ini"), QSettings.Format.IniFormat)


def save_setting(key: str, value: str) -> None:
    """Remember one setting."""
    store = settings()
    store.setValue(key, value)
    store.sync()


def camera_source(saved: object) -> str | None:
    """LOYALTY_CAMERA (a device number or a video file), else the saved setting."""
    value = os.environ.get("LOYALTY_CAMERA") or (str(saved) if saved else "")
    return value.strip() or None
