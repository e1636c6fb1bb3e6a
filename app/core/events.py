"""A tiny synchronous event bus: the core publishes plain-Python events, front ends subscribe."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any], None]


@dataclass(frozen=True)
class SaleCommitted:
    """A sale was committed."""

    sale_id: int
    card: str | None


@dataclass(frozen=True)
class RefundCommitted:
    """A refund was committed."""

    refund_id: int
    sale_id: int


@dataclass(frozen=True)
class CustomerChanged:
    """A customer's balances or data changed."""

    card: str


@dataclass(frozen=True)
class SyncStatus:
    """What the sync worker last saw."""

    online: bool
    queue_depth: int
    last_sync_ms: int | None
    message: str = ""


class EventBus:
    """Publish/subscribe by event type; handlers run on the publishing thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[type, list[Handler]] = {}

    def subscribe(self, kind: type, handler: Handler) -> None:
        """Call handler for every event of this type."""
        with self._lock:
            self._handlers.setdefault(kind, []).append(handler)

    def unsubscribe(self, kind: type, handler: Handler) -> None:
        """Stop calling handler (a closed widget must not be called)."""
        with self._lock:
            handlers = self._handlers.get(kind, [])
            if handler in handlers:
                handlers.remove(handler)

    def publish(self, event: object) -> None:
        """Deliver an event to its subscribers."""
        with self._lock:
            handlers = list(self._handlers.get(type(event), []))
        for handler in handlers:
            handler(event)
