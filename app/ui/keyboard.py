"""The keyboard goes back to the window under a dialog that closes, with or without a window manager.

A desktop's window manager activates the window under a closed dialog. A kiosk that boots
straight into the till has none: the keyboard stays with no window, and every key (Esc in
the refund screen after the manager's PIN, the F-keys after the login) is lost until someone
clicks. This application-wide filter sees each dialog window hide and, once the hide is
done, gives the keyboard to the modal dialog still open, or to the window the dialog
belonged to, unless some window of ours already has it.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QWidget

__all__ = ["KeyboardKeeper"]


class KeyboardKeeper(QObject):
    """Hands the keyboard back after a dialog closes; `fallback` is the window to fall back to."""

    def __init__(self, fallback: QWidget) -> None:
        super().__init__(fallback)
        self._fallback = fallback
        self._owner: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._give_back)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Note a dialog window hiding; never consumes the event."""
        if event.type() == QEvent.Type.Hide and isinstance(watched, QDialog) and watched.isWindow():
            parent = watched.parentWidget()
            self._owner = parent.window() if parent is not None else None
            self._timer.start(0)  # after the hide and whatever the closing code does next
        return False

    @Slot()
    def _give_back(self) -> None:
        if QGuiApplication.focusWindow() is not None:
            return  # a window manager, or the code that closed the dialog, chose already
        owner, self._owner = self._owner, None
        if owner is not None and not shiboken6.isValid(owner):
            owner = None  # closed and deleted meanwhile
        target = QApplication.activeModalWidget() or owner or self._fallback
        if target is None or not target.isVisible():
            target = self._fallback
        if not target.isVisible():
            return
        target.raise_()
        target.activateWindow()
