"""Guard against a PySide6 6.12.0 reference-count bug that crashes the app after a few hundred signals.

``SignalInstance.emit()`` in PySide6 6.12.0 returns ``True`` without taking a reference, so
every emit from Python lowers ``True``'s count by one; on CPython 3.11 (where ``True``,
``False`` and ``None`` are not immortal) the interpreter aborts with "bool_dealloc" after
roughly 500 emits. ``connect()`` drops ``None`` references the same way. 6.11.3 is not
affected. Until the pinned version changes, ``pin_singletons()`` gives the three singletons
a reference count no program can exhaust; they are static objects that are never freed,
so the extra count costs nothing.
"""

from __future__ import annotations

import ctypes
import sys

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
