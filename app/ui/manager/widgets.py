"""Small pieces the manager tabs share: dialogs with ask(), a loading indicator, tiles, text of figures."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.fmt import MINUS, NNBSP, group_thousands
from app.core.money import round_half_up
from app.core.timeutil import from_ms
from app.ui import i18n

__all__ = [
    "Busy",
    "ChooseFolder",
    "Confirm",
    "TextDialog",
    "Tile",
    "avg_money_text",
    "count_text",
    "give_keyboard_back",
    "money_text",
    "share_text",
    "store_datetime",
]


# ----------------------------------------------------------------------------- figures as text


def money_text(kopecks: int | None) -> str:
    """Kopecks in the screen's language ("1 234,56 ₽"); a dash for no value."""
    return "—" if kopecks is None else i18n.money(kopecks)


def avg_money_text(value: Fraction | None) -> str:
    """An exact average shown to the kopeck, half up (as the exports round it)."""
    return "—" if value is None else i18n.money(round_half_up(value))


def count_text(n: int | None) -> str:
    """A whole number with grouped digits."""
    if n is None:
        return "—"
    text = group_thousands(abs(n), NNBSP if i18n.language() == "ru" else ",")
    return f"{MINUS}{text}" if n < 0 else text


def share_text(value: Fraction | None, places: int = 1) -> str:
    """A share of 1 as a percentage with a decimal comma in Russian ("66,7 %")."""
    if value is None:
        return "—"
    scaled = round_half_up(value * 100 * 10**places)
    whole, frac = divmod(abs(scaled), 10**places)
    mark = "," if i18n.language() == "ru" else "."
    sign = MINUS if scaled < 0 else ""
    number = f"{sign}{whole}{mark}{frac:0{places}d}" if places else f"{sign}{whole}"
    return f"{number}{NNBSP}%" if i18n.language() == "ru" else f"{number}%"


def store_datetime(ms: int, zone: ZoneInfo) -> QDateTime:
    """An instant as the wall-clock time of the store's zone, for a date-time field read back in that zone.

    QDateTime.currentDateTime() is the computer's own zone: on a till set to UTC it showed 06:50
    for a Moscow store's 09:50, and the field was then read as 06:50 Moscow time."""
    local = from_ms(ms).astimezone(zone)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second))


# ----------------------------------------------------------------------------- widgets


class Busy(QWidget):
    """An indeterminate bar and a word: shown while a report is computed on the worker."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # no known end: Qt animates it
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(90)
        self.label = QLabel(self.tr("Loading…"), self)
        self.label.setObjectName("muted")
        row.addWidget(self.bar)
        row.addWidget(self.label)
        self.setVisible(False)

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Show or hide the indicator (with an optional word on what is loading)."""
        if text:
            self.label.setText(text)
        self.setVisible(busy)


class Tile(QFrame):
    """A headline figure: a caption over a big value."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 6)
        column.setSpacing(0)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("muted")
        # A long caption is cut rather than widening the row of tiles (the tooltip has it whole).
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.value = QLabel("—", self)
        font = QFont(self.value.font())
        font.setPixelSize(22)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.caption)
        column.addWidget(self.value)

    def set_large(self, large: bool) -> None:
        """Bigger type on a big screen (1920 pixels wide), the same figures."""
        # Style sheets, not setFont: the theme's sheet sets every widget's size and would win.
        self.value.setStyleSheet("font-size: 28px; font-weight: bold;" if large else "")
        self.caption.setStyleSheet("font-size: 17px;" if large else "")

    def set_value(self, text: str, hint: str = "") -> None:
        """Show a value; the caption and the hint (a formula) are its tooltip."""
        self.value.setText(text)
        self.setToolTip(f"{self.caption.text()}\n{hint}" if hint else self.caption.text())


def give_keyboard_back(parent: QWidget | None, focus: QWidget | None) -> None:
    """After a dialog: its window takes the keyboard back, on the widget that had it.

    A window manager does this for us; a kiosk without one leaves no window with the keyboard
    when a dialog closes, and every key is lost until a click."""
    if parent is None:
        return
    window = parent.window()
    if not window.isVisible():
        return
    window.raise_()
    window.activateWindow()
    if focus is not None and focus.isVisible() and focus.window() is window:
        focus.setFocus(Qt.FocusReason.ActiveWindowFocusReason)


class ChooseFolder:
    """Asks where to write an export; ask() returns the folder or None (tests replace ask)."""

    def __init__(self, parent: QWidget | None, title: str, start: Path | None = None) -> None:
        self.parent = parent
        self.title = title
        self.start = start or Path.home()

    def ask(self) -> Path | None:
        """The chosen folder, or None when cancelled."""
        focus = QApplication.focusWidget()
        chosen = QFileDialog.getExistingDirectory(self.parent, self.title, str(self.start))
        give_keyboard_back(self.parent, focus)
        return Path(chosen) if chosen else None


class Confirm:
    """A yes/no question; ask() returns True for yes (tests replace ask)."""

    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        self.parent = parent
        self.title = title
        self.text = text

    def ask(self) -> bool:
        """True when the manager confirms."""
        focus = QApplication.focusWidget()
        answer = QMessageBox.question(self.parent, self.title, self.text)
        give_keyboard_back(self.parent, focus)
        return answer == QMessageBox.StandardButton.Yes


class TextDialog(QDialog):
    """Read-only text (a program version's JSON) with a Close button."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(720, 560)
        column = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(text)
        self.text.setStyleSheet("font-family: 'DejaVu Sans Mono'; font-size: 15px;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        column.addWidget(self.text)
        column.addWidget(buttons)

    def ask(self) -> None:
        """Show it until closed."""
        focus = QApplication.focusWidget()
        self.exec()
        give_keyboard_back(self.parentWidget(), focus)
