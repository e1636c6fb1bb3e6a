"""Helpers for the checkout window tests: a keyboard, a wedge scanner, waiting for dialogs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.main_window import MainWindow


def focused() -> QWidget:
    """Where the keyboard types now."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(key: Qt.Key) -> None:
    """Press one key on whatever has the focus, as a keyboard would."""
    QTest.keyClick(focused(), key)


def type_text(text: str, delay_ms: int = -1) -> None:
    """Type text key by key on the focused widget (any alphabet; QTest.keyClicks knows ASCII only)."""
    for char in text:
        key = Qt.Key(ord(char.upper())) if char.isascii() and char.isalnum() else Qt.Key.Key_unknown
        QTest.sendKeyEvent(QTest.KeyAction.Click, focused(), key, char, Qt.KeyboardModifier.NoModifier, delay_ms)


def scan_with_wedge(text: str) -> None:
    """A keyboard-wedge scanner: the code typed in one burst, then Enter."""
    type_text(text)
    QTest.keyClick(focused(), Qt.Key.Key_Return)


def type_slowly(text: str) -> None:
    """A person typing (slower than the wedge's 30 ms between keys)."""
    type_text(text, 45)


def when_dialog_opens(act: Callable[[QWidget], None], timeout_ms: int = 5000) -> None:
    """Run act(dialog) as soon as a modal dialog is up (dialogs block in exec())."""
    waited = [0]

    def check() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog.isVisible():
            act(dialog)
        elif waited[0] < timeout_ms:
            waited[0] += 20
            QTimer.singleShot(20, check)

    QTimer.singleShot(20, check)


def priced(win: MainWindow) -> bool:
    """True when the screen shows a quote of exactly the basket entered."""
    return win.controller.fresh and not win.controller.pricing
