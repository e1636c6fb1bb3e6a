"""A tiny synchronous event bus: the core publishes plain-Python events, front ends subscribe."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaleCommitted:
    """A sale was committed (published after the commit, never for a refused or priced-only sale)."""

    sale_id: int
    card: str | None


@dataclass(frozen=True)
class RefundCommitted:
    """A refund was committed (published after the commit)."""

    refund_id: int
    sale_id: int


@dataclass(frozen=True)
class CustomerChanged:
    """Customers' balances or data changed and were committed: here (enrolment, a manual adjustment,
    a card replaced or blocked) or pulled from the server by sync, one event per commit."""

    cards: tuple[str, ...]  # every card of every customer changed


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
        """Deliver an event to its subscribers; one failing subscriber never reaches the publisher."""
        with self._lock:
            handlers = list(self._handlers.get(type(event), []))
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                # Events are published after a commit: a broken listener must not turn a saved sale into an error.
                log.exception("a subscriber to %s failed", type(event).__name__)
