"""Guards against two ways a PySide6 program crashes: a refcount bug, and garbage collection off the GUI thread.

``SignalInstance.emit()`` in PySide6 6.12.0 returns ``True`` without taking a reference, so
every emit from Python lowers ``True``'s count by one; on CPython 3.11 (where ``True``,
``False`` and ``None`` are not immortal) the interpreter aborts with "bool_dealloc" after
roughly 500 emits. 6.11.3, the pinned version, is not affected; ``pin_singletons()`` probes
the installed build and, only when it leaks, gives the three singletons a reference count
no program can exhaust (they are static objects, never freed, so the extra count is free).
"""

from __future__ import annotations

import ctypes
import gc
import sys

from PySide6.QtCore import QObject, QTimer, Slot

_PINNED = False
_HEADROOM = 1 << 40  # a trillion emits before the count could run out


def emit_leaks_true() -> bool:
    """True when this PySide6 build drops a reference to True on every emit."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    return sys.getrefcount(True) <= before - 16


def pin_singletons() -> bool:
    """Protect True, False and None from the leak when this build has it; True if it did."""
    global _PINNED
    if _PINNED or sys.version_info >= (3, 12):
        return _PINNED  # 3.12+ makes the singletons immortal
    if not emit_leaks_true():
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    _PINNED = True
    return True


class GuiGarbageCollector(QObject):
    """Run Python's cyclic garbage collector on the GUI thread only.

    Left alone, the collector runs in whichever thread happens to allocate when a threshold
    is crossed: the database worker or a camera thread. If the garbage holds a Qt widget
    (a closed dialog caught in a reference cycle through its own signal connections), Qt
    deletes it from that thread and the process crashes. So automatic collection is off and
    a timer on the GUI thread collects, generation by generation, as CPython would.
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    @Slot()
    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Give collection back to CPython (after the event loop has ended)."""
        self._timer.stop()
        gc.collect()
        gc.enable()
