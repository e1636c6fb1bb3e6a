"""Keyboard-wedge scanners: a scanner that "types" its code is told apart from a person typing.

A scanner types a whole code in a burst (a few ms per key) and ends it with Enter. This
application-wide event filter holds printable keys back for up to ``max_gap_ms``; a burst
of at least ``min_length`` keys ended by Enter becomes one ``scanned`` signal and nothing
reaches the focused field. Anything slower is replayed to the widget it was meant for, so
a person's typing arrives unchanged, only ``max_gap_ms`` later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent

_KEY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
_TERMINATORS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_CHORDS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
# A code never starts with these, and the basket uses them for quantity: let them through at once.
_NEVER_FIRST = "+-"
# A scanner presses Shift for a capital letter (as a person does): a bare modifier is not the end of a burst.
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr)


@dataclass
class _Held:
    target: QObject
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    at_ms: float


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


class WedgeFilter(QObject):
    """Recognise fast keystroke bursts ending in Enter as scans, wherever the focus is."""

    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        min_length: int = 6,
        max_gap_ms: int = 30,
        clock: Callable[[], float] = _monotonic_ms,
    ) -> None:
        super().__init__(parent)
        self.min_length = min_length
        self.max_gap_ms = max_gap_ms
        self._clock = clock
        self._held: list[_Held] = []
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_quiet)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Hold, pass or swallow one key press."""
        kind = event.type()
        if kind not in _KEY_EVENTS or self._replaying or not watched.isWidgetType():
            return False
        if kind == QEvent.Type.KeyRelease:
            # The release of a held key is replayed with it (or dropped with the scan).
            assert isinstance(event, QKeyEvent)
            return any(h.key == event.key() and h.target is watched for h in self._held)
        assert isinstance(event, QKeyEvent)
        if event.key() in _MODIFIER_KEYS:
            return False
        now = self._clock()
        if self._held and now - self._held[-1].at_ms > self.max_gap_ms:
            self.flush()  # a pause: what was held is a person's typing
        if event.key() in _TERMINATORS:
            if len(self._held) >= self.min_length and not event.isAutoRepeat():
                code = "".join(h.text for h in self._held)
                self._held.clear()
                self._timer.stop()
                self.scanned.emit(code)
                return True
            self.flush()
            return False
        text = event.text()
        if (
            event.isAutoRepeat()
            or len(text) != 1
            or not text.isprintable()
            or event.modifiers() & _CHORDS
            or (not self._held and text in _NEVER_FIRST)
        ):
            self.flush()
            return False
        self._held.append(_Held(watched, event.key(), event.modifiers(), text, now))
        self._timer.start(self.max_gap_ms)
        return True

    def holding(self) -> bool:
        """Whether keys are held back, waiting to be told a scan or a person's typing."""
        return bool(self._held)

    @Slot()
    def _on_quiet(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Deliver held keys to the widgets they were meant for (a person typed them)."""
        self._timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for h in held:
                if not shiboken6.isValid(h.target):
                    continue
                press = QKeyEvent(QEvent.Type.KeyPress, h.key, h.modifiers, h.text)
                QCoreApplication.sendEvent(h.target, press)
                release = QKeyEvent(QEvent.Type.KeyRelease, h.key, h.modifiers, h.text)
                QCoreApplication.sendEvent(h.target, release)
        finally:
            self._replaying = False
