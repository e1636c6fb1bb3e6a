"""Core events reach widgets through this one bridge, as Qt signals on the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.events import CustomerChanged, EventBus, RefundCommitted, SaleCommitted, SyncStatus


class Bridge(QObject):
    """Turns plain-Python events (from any thread) into queued Qt signals."""

    sale_committed = Signal(object)
    refund_committed = Signal(object)
    customer_changed = Signal(object)
    sync_status = Signal(object)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._routes: list[tuple[type, Any]] = [
            (SaleCommitted, self.sale_committed.emit),
            (RefundCommitted, self.refund_committed.emit),
            (CustomerChanged, self.customer_changed.emit),
            (SyncStatus, self.sync_status.emit),
        ]
        # Signal.emit from another thread is queued to receivers living on the GUI thread.
        for kind, handler in self._routes:
            bus.subscribe(kind, handler)

    def close(self) -> None:
        """Unsubscribe, so a closed window is never called."""
        for kind, handler in self._routes:
            self._bus.unsubscribe(kind, handler)
