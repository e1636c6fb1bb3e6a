"""Large readable type and touch-sized controls (≥ 44 px), fitting a 1024×768 screen."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel

BASE_PX = 16
TOUCH_PX = 44

# Style sheets take forward slashes on every OS.
_ICONS = (Path(__file__).resolve().parent / "resources").as_posix()
ACCENT = "#1f6f43"
WARN = "#9a5b00"
ERROR = "#b3261e"

STYLESHEET = f"""
QWidget {{ font-size: {BASE_PX}px; }}
QMainWindow, QDialog {{ background: #f6f6f3; }}
/* A kiosk has no window manager to frame a dialog: without a line of its own it melts into the screen under it. */
QDialog {{ border: 1px solid #8a8a84; }}
QPushButton, QToolButton {{
    min-height: {TOUCH_PX}px; padding: 0 14px; border: 1px solid #b9b9b2; border-radius: 6px;
    background: #ffffff;
}}
QPushButton:hover {{ background: #eef4ef; }}
QTabBar QToolButton {{
    min-height: 0; min-width: 22px; padding: 0; border: 1px solid #b9b9b2; border-radius: 3px; background: #f6f6f3;
}}
QPushButton:pressed {{ background: #d9e8dc; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{ color: #9a9a94; background: #efefeb; }}
QPushButton#pay {{
    background: {ACCENT}; color: white; font-size: 22px; font-weight: bold; border: none;
    min-height: 64px; padding: 0 24px;
}}
QPushButton#pay:disabled {{ background: #9fb8a8; }}
QPushButton#pay:focus {{ border: 3px solid #0c3320; }}
QPushButton#key {{
    min-height: 36px; padding: 0 4px; font-size: 13px; border-radius: 4px; background: #ecece6;
}}
QLineEdit, QSpinBox, QComboBox {{
    min-height: {TOUCH_PX - 4}px; padding: 0 8px; border: 1px solid #a8a8a0; border-radius: 6px;
    background: white;
}}
QComboBox::drop-down {{ width: 36px; border: none; border-left: 1px solid #d0d0c8; }}
QComboBox::down-arrow {{ image: url({_ICONS}/arrow-down.svg); width: 14px; height: 14px; }}
QComboBox QAbstractItemView {{ font-size: 17px; }}
QLineEdit:focus, QSpinBox:focus, QComboBox:focus {{ border: 2px solid {ACCENT}; }}
QSpinBox::up-button, QSpinBox::down-button {{ width: 32px; border-left: 1px solid #d0d0c8; }}
QSpinBox::up-arrow {{ image: url({_ICONS}/arrow-up.svg); width: 12px; height: 12px; }}
QSpinBox::down-arrow {{ image: url({_ICONS}/arrow-down.svg); width: 12px; height: 12px; }}
QCheckBox {{ min-height: {TOUCH_PX}px; }}
QCheckBox::indicator {{ width: 26px; height: 26px; }}
QRadioButton {{ min-height: {TOUCH_PX}px; font-size: 20px; }}
QRadioButton::indicator {{ width: 24px; height: 24px; }}
QTableView {{
    background: white; alternate-background-color: #f3f6f3; gridline-color: #e2e2dc;
    selection-background-color: #cfe3d5; selection-color: black; font-size: 17px;
}}
QHeaderView::section {{
    background: #e9e9e3; padding: 6px; border: none; border-right: 1px solid #d6d6ce;
    font-size: 14px; font-weight: bold;
}}
QListWidget#suggestions {{
    background: white; border: 2px solid {ACCENT}; font-size: 17px;
}}
QListWidget#suggestions::item {{ min-height: 38px; padding: 2px 8px; }}
QListWidget#suggestions::item:selected {{ background: #cfe3d5; color: black; }}
QFrame#panel {{ background: white; border: 1px solid #d6d6ce; border-radius: 8px; }}
QLabel#title {{ font-size: 20px; font-weight: bold; }}
QLabel#muted {{ color: #5f5f58; font-size: 14px; }}
QLabel#due {{ font-size: 34px; font-weight: bold; color: #111; }}
QLabel#status {{ font-size: 16px; padding: 4px 10px; border-radius: 6px; }}
QLabel#status[level="info"] {{ background: #e3efe6; color: #173d27; }}
QLabel#status[level="warn"] {{ background: #fbefd9; color: {WARN}; }}
QLabel#status[level="error"] {{ background: #fbe2df; color: {ERROR}; }}
QProgressBar {{
    min-height: 18px; max-height: 18px; border: 1px solid #b9b9b2; border-radius: 5px;
    background: #efefeb; text-align: center; font-size: 12px;
}}
QProgressBar::chunk {{ background: #c9a227; border-radius: 4px; }}
QStatusBar {{ font-size: 14px; }}
QStatusBar QLabel {{ padding: 0 10px; }}
QMenuBar {{ font-size: 15px; }}
"""


def row_label(text: str) -> QLabel:
    """A form label as tall as a touch-sized field, centred on it (QFormLayout top-aligns labels)."""
    label = QLabel(text)
    label.setMinimumHeight(TOUCH_PX - 4)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return label


# The till is drawn for 1024×768; a bigger screen scales type and controls up to this much.
MAX_SCALE = 1.6
_scale = 1.0


def scale_for(width: int, height: int) -> float:
    """How much bigger than on 1024×768 everything is drawn on a screen this size (1.0 to MAX_SCALE)."""
    factor = min(width / 1024, height / 768)
    return round(max(1.0, min(MAX_SCALE, factor)) * 20) / 20  # steps of 0.05: no odd pixel sizes


def scaled(px: int) -> int:
    """A size in pixels for the screen the till runs on (see apply())."""
    return round(px * _scale)


def stylesheet(scale: float = 1.0) -> str:
    """The style sheet with every pixel size multiplied by scale."""
    return re.sub(r"(\d+)px", lambda m: f"{round(int(m.group(1)) * scale)}px", STYLESHEET)


def apply(app: QApplication) -> None:
    """Apply the terminal's font and style sheet to the whole application, scaled to the screen.

    At 1920×1080 a 16-pixel font and a 420-pixel customer panel leave half the screen empty
    and the type small for a cashier standing back: everything grows with the screen.
    """
    global _scale
    screen = app.primaryScreen()
    area = screen.availableGeometry() if screen is not None else None
    _scale = scale_for(area.width(), area.height()) if area is not None else 1.0
    font = QFont("DejaVu Sans")
    font.setPixelSize(scaled(BASE_PX))
    app.setFont(font)
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet(_scale))
