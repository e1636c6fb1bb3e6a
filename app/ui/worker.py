"""Nothing slow on the GUI thread: one serialized worker thread runs database (and other slow)
calls, and results come back to the GUI thread through a queued signal."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.core.refusals import RefusalError

log = logging.getLogger(__name__)
Callback = Callable[[Any], None]
# on_error receives the exception itself: screens word it by its code (app.ui.wording.explain).
ErrorCallback = Callable[[BaseException], None]


def _alive(callback: Any) -> Any:
    """The callback, or None when it is a method of a widget Qt has already deleted.

    A screen closed while its call ran (a dialog rejected, a window torn down) must not be
    touched by the answer: it would raise from the event loop instead of being dropped.
    """
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, QObject) and not shiboken6.isValid(owner):
        return None
    return callback


class _Runner(QObject):
    """Lives in the worker thread and runs one call at a time."""

    finished = Signal(int, object, object)  # ticket, result, the exception raised or None

    @Slot(int, object, object, object)
    def run(self, ticket: int, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            result = fn(*args, **kwargs)
        except RefusalError as exc:  # a refusal (the rules', a register's) is an answer, not a crash to log
            self.finished.emit(ticket, None, exc)
        except Exception as exc:  # any failure must reach the cashier, not kill the thread
            log.exception("background call failed")
            self.finished.emit(ticket, None, exc)
        else:
            self.finished.emit(ticket, result, None)


class Worker(QObject):
    """Run calls off the GUI thread, in submission order; callbacks run on the GUI thread."""

    _submit = Signal(int, object, object, object)
    idle = Signal()

    def __init__(self, name: str = "db-worker", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._runner.finished.connect(self._deliver)
        self._tickets = itertools.count(1)
        self._pending: dict[int, tuple[Callback | None, ErrorCallback | None]] = {}
        self._thread.start()

    def run(
        self, fn: Callable[..., Any], *args: Any, on_done: Callback | None = None,
        on_error: ErrorCallback | None = None, **kwargs: Any,
    ) -> int:  # fmt: skip
        """Queue fn(*args, **kwargs); on_done(result) or on_error(exception) is called on the GUI thread."""
        ticket = next(self._tickets)
        self._pending[ticket] = (on_done, on_error)
        self._submit.emit(ticket, fn, args, kwargs)
        return ticket

    def busy(self) -> bool:
        """True while calls are queued or running."""
        return bool(self._pending)

    @Slot(int, object, object)
    def _deliver(self, ticket: int, result: Any, error: BaseException | None) -> None:
        on_done, on_error = self._pending.pop(ticket, (None, None))
        on_done, on_error = _alive(on_done), _alive(on_error)
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.warning("background call failed: %s", error)
        elif on_done is not None:
            on_done(result)
        if not self._pending:
            self.idle.emit()

    def stop(self) -> None:
        """Finish queued calls and stop the thread; answers still on their way are dropped."""
        self._thread.quit()
        self._thread.wait(10_000)
        # Their screens are being closed: an answer delivered later would reach deleted widgets.
        self._pending.clear()
