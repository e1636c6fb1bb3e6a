"""The fiscal register beside the checkout: its mode, its warnings in the status bar, the X-report, the check
of receipts whose answer was lost.

Plugged in by the session. The register's warnings (drive nearly full, days without the ОФД's
confirmation, a shift near 24 hours) are read on a worker of their own every minute, so a slow or absent
register never holds up the GUI or the sales' database worker.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

from app.ui.fiscal_port import BLOCKING, FiscalConfig, FiscalTill
from app.ui.wording import explain
from app.ui.worker import Worker

__all__ = ["FiscalDesk"]

log = logging.getLogger(__name__)
REFRESH_MS = 60_000


def _inline(sentence: str) -> str:
    """A sentence continued after «Касса:»: its first word in lower case, unless it is an abbreviation (ОФД).

    A word of one letter is no abbreviation: «В кассе закончилась бумага» goes on as «в кассе…»."""
    words = sentence.split(maxsplit=1)
    if words and (len(words[0]) == 1 or words[0][1:].islower()):
        return sentence[0].lower() + sentence[1:]
    return sentence


class StatusLabel(QLabel):
    """The register's words in the status bar: as wide as the bar leaves it, the rest elided with «…».

    A QLabel is as wide as its whole text at least, so a long warning («в кассе закончилась бумага: вставьте
    новый рулон») pushed the bar past the window's edge at 1024×768 and was cut off mid-word. This one shrinks
    to the room there is; the whole sentence is its tooltip and `full_text()` (the checkout's own status line
    says it in full as well)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""

    def full_text(self) -> str:
        """The whole sentence, however much of it fits."""
        return self._full

    def set_full_text(self, text: str) -> None:
        """Show `text`, elided to the label's width."""
        self._full = text
        self.setToolTip(text)
        self.updateGeometry()
        self._fit()

    def _padding(self) -> int:
        """The width the style adds around the text (the status bar's labels have 10 px a side)."""
        return self.width() - self.contentsRect().width()

    def minimumSizeHint(self) -> QSize:
        """Room for «Касса: …» at least; the layout gives it more when the bar has it."""
        hint = super().minimumSizeHint()
        least = self.fontMetrics().horizontalAdvance(self._full[:8] + "…") + 6 + self._padding()
        return QSize(min(hint.width(), least), hint.height())

    def sizeHint(self) -> QSize:
        """As wide as the whole sentence."""
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 6 + self._padding(), hint.height())

    def changeEvent(self, event: QEvent) -> None:
        """A new style or font (the warning's colour and weight) measures the sentence anew."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()
            self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = max(0, self.contentsRect().width() - 4)
        metrics = self.fontMetrics()
        elided = self._full
        if metrics.horizontalAdvance(self._full) > room:  # (elidedText alone elides some texts that fit)
            elided = metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, room)
            # Cut at the last whole word that fits («…закончилась бумага…», not «…бумага: вс…»).
            head = elided.removesuffix("…")
            if " " in head:
                head = head[: head.rfind(" ")]
            elided = head.rstrip(" :;,.") + "…"
        if elided != self.text():
            self.setText(elided)


class FiscalDesk(QObject):
    """Loads the fiscal settings into the checkout, shows the register's warnings, offers the X-report."""

    def __init__(self, window: Any, fiscal: FiscalTill, worker: Worker, cashier: Any) -> None:
        super().__init__(window)
        self.window = window
        self.fiscal = fiscal
        self.worker = worker
        self.cashier = cashier  # a callable: the signed-in cashier's name, or None
        self.status_worker: Worker | None = None
        self.busy = False
        self.again = False  # refresh() was called while a question was out
        self.label = StatusLabel(window)
        self.label.setObjectName("fiscal_status")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.x_action = QAction(self.tr("X-report of the fiscal register"), window)
        self.x_action.triggered.connect(self.x_report)
        self.x_action.setVisible(False)
        self.check_action = QAction(self.tr("Check receipts with the register"), window)
        self.check_action.triggered.connect(self.reconcile)
        self.check_action.setVisible(False)
        window.menu_actions([self.x_action, self.check_action])
        window.checkout.fiscal_check_requested.connect(self.reconcile)
        # The register's state is read again after it printed or refused, not only once a minute.
        window.controller.register_refused.connect(self.refresh)
        window.controller.sold.connect(self.refresh)
        fiscal_changed = getattr(window, "fiscal_changed", None)
        if fiscal_changed is not None:
            fiscal_changed.connect(self.load)

    @Slot()
    def load(self) -> None:
        """Read the fiscal settings (at start, and when Settings saved new ones)."""
        self.worker.run(self.fiscal.load, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, config: FiscalConfig) -> None:
        self.fiscal.config = config
        self.window.checkout.set_fiscal_mode()
        driven = config.driven
        self.x_action.setVisible(driven)
        self.check_action.setVisible(driven)
        if driven:
            self.reconcile(quiet=True)  # receipts left pending by a crash or a lost answer, before any sale
            self.follow_shift()
            self.refresh()
            self.timer.start()
        else:
            self.timer.stop()
            self.label.hide()

    def _load_failed(self, error: BaseException) -> None:
        log.warning("fiscal settings not read: %s", error)
        self.window.show_error(explain(error))

    def follow_shift(self) -> None:
        """The till's shift is open: open the register's too (or adopt the one open), as opening a shift does.

        Needed when the register is set up (or the till restarted) while a shift is already open; a register
        that refuses says why in the status line, and the sales it cannot print are refused in words."""
        name = self.cashier()
        if not self.fiscal.config.driven or self.window.checkout.shift_open is not True or not name:
            return
        self.worker.run(self.fiscal.open_shift, name, on_done=lambda _s: self.refresh(), on_error=self._shift_refused)

    def _shift_refused(self, error: BaseException) -> None:
        self.window.checkout.show_message(
            self.tr("The register's shift is not open: {reason}").format(reason=explain(error)), "error"
        )

    # ----------------------------------------------------------------- warnings

    @Slot()
    def refresh(self) -> None:
        """Ask the register for its state, off the GUI thread (one question at a time).

        Asked again while a question is out (the shift just opened, a sale just printed), the question is
        asked once more when the answer comes: that answer may be older than what changed, and dropping the
        request left «Касса: готова» without the shift just opened until the next minute's refresh."""
        if not self.fiscal.config.driven:
            return
        if self.busy:
            self.again = True
            return
        self.again = False
        if self.status_worker is None:
            self.status_worker = Worker("fiscal-status", self)
        self.busy = True
        self.status_worker.run(self.fiscal.status, on_done=self._state, on_error=self._unreachable)

    def _asked(self) -> bool:
        """The answer is in; True when another question was asked meanwhile (it goes out now instead)."""
        self.busy = False
        if self.again:
            self.refresh()
            return True
        return False

    def _state(self, status: Any) -> None:
        if self._asked():
            return
        if status is None:
            self.label.hide()
            return
        if status.error is not None:
            self.label.set_full_text(self.tr("Register: {what}").format(what=_inline(explain(status.error))))
            self._level("error")
            return
        warnings = list(status.warnings)
        if not warnings:
            shift = status.device.shift if status.device is not None else None
            if shift is not None and shift.open:
                self.label.set_full_text(self.tr("Register: ready, shift {n} open").format(n=shift.number))
            else:
                self.label.set_full_text(self.tr("Register: ready"))
            self._level("info")
            return
        self.label.set_full_text(
            self.tr("Register: {what}").format(what="; ".join(_inline(explain(w)) for w in warnings))
        )
        self._level("error" if any(w.code in BLOCKING for w in warnings) else "warn")

    def _unreachable(self, error: BaseException) -> None:
        if self._asked():
            return
        self.label.set_full_text(self.tr("Register: {what}").format(what=_inline(explain(error))))
        self._level("error")

    def _level(self, level: str) -> None:
        self.label.setProperty("level", level)
        colour = {"info": "", "warn": "color: #8a5300;", "error": "color: #b3261e; font-weight: bold;"}[level]
        self.label.setStyleSheet(colour)
        self.label.show()

    # ----------------------------------------------------------------- X-report and the check of lost answers

    @Slot()
    def x_report(self) -> None:
        """Print an X-report on the register (Manager menu)."""
        name = self.cashier() or self.tr("Administrator")
        self.window.checkout.show_message(self.tr("Printing the X-report…"), "info")
        self.worker.run(self.fiscal.x_report, name, on_done=self._x_done, on_error=self._x_failed)

    def _x_done(self, report: Any) -> None:
        self.window.checkout.show_message(
            self.tr("The register printed the X-report (shift {n}).").format(n=report.shift), "info"
        )
        self.refresh()

    def _x_failed(self, error: BaseException) -> None:
        self.window.checkout.show_message(
            self.tr("The register did not print the X-report: {reason}").format(reason=explain(error)), "error"
        )

    @Slot()
    def reconcile(self, quiet: bool = False) -> None:
        """Ask the register what became of receipts whose answer was lost; complete or cancel their sales."""
        if not quiet:
            self.window.checkout.show_message(self.tr("Checking the receipt with the fiscal register…"), "warn")
        self.worker.run(
            self.fiscal.reconcile,
            on_done=lambda outcome: self._reconciled(outcome, quiet),
            on_error=self._reconcile_failed,
        )

    def _reconciled(self, outcome: Any, quiet: bool) -> None:
        completed, cancelled, pending = len(outcome.completed), len(outcome.cancelled), len(outcome.still_pending)
        controller = self.window.checkout.controller
        if quiet and not (completed or cancelled or pending):
            controller.fiscal_settled(False)
            return
        self.refresh()  # a receipt still pending shows in the status bar
        if pending:
            text = self.tr("The register still does not say whether it printed {n} receipt(s): checking again later.")
            controller.fiscal_settled(False)  # first: the basket priced again must not wipe the words below
            self.window.checkout.show_message(text.format(n=pending), "warn")
            QTimer.singleShot(REFRESH_MS, self, self.reconcile)
            return
        parts = []
        if completed:
            parts.append(
                self.tr("{n} sale(s) the register had printed are saved: do not sell them again.").format(n=completed)
            )
        if cancelled:
            parts.append(self.tr("{n} receipt(s) were not printed: nothing was saved, sell again.").format(n=cancelled))
        controller.fiscal_settled(bool(completed))  # the basket was sold: it must not be sold twice
        self.window.checkout.show_message(
            " ".join(parts) or self.tr("No receipt was waiting for the register."), "info"
        )

    def _reconcile_failed(self, error: BaseException) -> None:
        self.window.checkout.controller.fiscal_settled(False)
        self.window.checkout.show_message(
            self.tr("The register's receipts are not checked yet: {reason}").format(reason=explain(error)), "error"
        )

    def stop(self) -> None:
        """Stop the timer and the status worker (the window is closing)."""
        self.timer.stop()
        if self.status_worker is not None:
            self.status_worker.stop()
