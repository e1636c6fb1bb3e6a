"""The installed PySide6 is a build the till can run on."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def test_emitting_a_signal_keeps_the_reference_count_of_true() -> None:
    # PySide6 6.12.0's emit() returns True without taking a reference: on CPython 3.11 the
    # process aborts ("bool_dealloc") after a few hundred signals. pyproject excludes that release
    # and the lock pins 6.11.3; this catches a bump to any build with the same leak.
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.ping.emit()
    assert sys.getrefcount(True) > before - 64
