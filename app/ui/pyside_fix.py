"""Guards against a way a PySide6 program crashes: garbage collection off the GUI thread.

The other known crash, PySide6 6.12.0's emit() dropping references to ``True`` until CPython 3.11
aborts, is kept out by the dependency (``!=6.12.0``, the lock's 6.11.3), and
tests/ui/test_pyside_build.py checks the installed build for it.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot


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
