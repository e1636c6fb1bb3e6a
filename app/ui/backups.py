"""Backups while the till runs: every few hours and at closing, on a thread of their own.

A backup reads the whole database; on the database worker it would queue every sale behind
it, so it runs on its own thread with SQLite's online backup (a WAL reader never blocks the
writer). A failure is said once, plainly, and tried again later; the next success clears it.
A store that has not changed since its newest backup is not copied again, so a quiet weekend
does not push the week's backups out of the retention.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot

from app.core.backup import backup_file, list_backups
from app.core.errors import LoyaltyError
from app.ui.wording import explain

__all__ = ["DEFAULT_HOURS", "DEFAULT_KEEP", "RETRY_MINUTES", "BackupScheduler", "backup_if_changed"]

log = logging.getLogger(__name__)
DEFAULT_HOURS = 4
DEFAULT_KEEP = 14
RETRY_MINUTES = 15


# A sale committed while a backup was being copied may be missing from it yet older than the
# file's time stamp: writes this close before the newest backup count as changes.
_SLACK_S = 60.0


def _changed_since_last_backup(db_path: Path, folder: Path) -> bool:
    newest = list_backups(folder, db_path.stem)
    if not newest:
        return True
    # Writes land in the -wal file first and reach the main file at a checkpoint.
    written = max(
        (p.stat().st_mtime for p in (db_path, Path(str(db_path) + "-wal")) if p.exists()),
        default=0.0,
    )
    return written > newest[0].created - _SLACK_S


def backup_if_changed(db_path: Path, folder: Path, keep: int) -> Path | None:
    """A verified backup with retention, or None when nothing changed since the newest one."""
    if not _changed_since_last_backup(db_path, folder):
        return None
    return backup_file(db_path, folder, keep=keep)


class BackupScheduler(QObject):
    """Backs the store up on a timer and at closing; settings "backup/hours" (0: off) and "backup/keep"."""

    done = Signal(object)  # the backup's Path, or None when nothing had changed
    failed = Signal(str)  # said once per run of failures
    _finished = Signal(object, object)  # (Path | None, the exception | None), from the backup thread

    def __init__(
        self,
        db_path: Path,
        settings: QSettings,
        parent: QObject | None = None,
        *,
        folder: Path | None = None,
        interval_ms: int | None = None,
        retry_ms: int = RETRY_MINUTES * 60_000,
    ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.folder = folder or db_path.parent / "backups"
        self.settings = settings
        self._interval_override = interval_ms
        self._retry_ms = retry_ms
        self._thread: threading.Thread | None = None
        self._warned = False
        self.last_error: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.run_now)
        self._finished.connect(self._on_finished)

    # ----------------------------------------------------------------- settings

    def hours(self) -> float:
        """Hours between backups (0: only at closing)."""
        try:
            return max(0.0, float(str(self.settings.value("backup/hours", DEFAULT_HOURS))))
        except ValueError:
            return float(DEFAULT_HOURS)

    def keep(self) -> int:
        """How many backups are kept."""
        try:
            return max(1, int(str(self.settings.value("backup/keep", DEFAULT_KEEP))))
        except ValueError:
            return DEFAULT_KEEP

    def interval_ms(self) -> int:
        """The time between backups in milliseconds (0: off)."""
        if self._interval_override is not None:
            return self._interval_override
        return int(self.hours() * 3_600_000)

    # ----------------------------------------------------------------- schedule

    def start(self) -> None:
        """Schedule the next backup: when the newest one is as old as the interval (soon, if older)."""
        self.reschedule()

    def reschedule(self) -> None:
        """Apply changed settings to the timer."""
        interval = self.interval_ms()
        if interval <= 0:
            self._timer.stop()
            return
        newest = list_backups(self.folder, self.db_path.stem)
        age_ms = int((time.time() - newest[0].created) * 1000) if newest else interval
        # At least a minute after start-up: the till's first sale matters more than the backup.
        due = max(interval - age_ms, min(60_000, interval))
        self._timer.start(due)

    @Slot()
    def run_now(self) -> bool:
        """Start a backup on its own thread; False when one is already running."""
        if self._thread is not None and self._thread.is_alive():
            return False
        self._thread = threading.Thread(target=self._work, args=(self.keep(),), name="scheduled-backup", daemon=True)
        self._thread.start()
        return True

    def stop(self, *, final: bool = True, timeout: float = 120.0) -> None:
        """Stop the timer; with final, make the closing backup (the window is gone, nothing waits for it)."""
        self._timer.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        if final and self.on_close():
            self._work(self.keep(), emit=False)

    def on_close(self) -> bool:
        """True when a backup is made at closing (setting "backup/on_close", default on)."""
        return str(self.settings.value("backup/on_close", "true")).lower() not in ("false", "0", "no")

    # ----------------------------------------------------------------- the backup thread

    def _work(self, keep: int, emit: bool = True) -> None:
        try:
            made = backup_if_changed(self.db_path, self.folder, keep)
        except (LoyaltyError, OSError) as exc:
            error: Exception | None = exc
            made = None
        else:
            error = None
        if error is not None:
            log.error("backup failed: %s", error)
        elif made is not None:
            log.info("backup written: %s", made.name)
        if emit:
            self._finished.emit(made, error)

    @Slot(object, object)
    def _on_finished(self, made: Path | None, error: Exception | None) -> None:
        self.last_error = explain(error) if error is not None else None
        if error is None:
            self._warned = False
            self.done.emit(made)
            if self.interval_ms() > 0:
                self._timer.start(self.interval_ms())
            return
        if not self._warned:
            self._warned = True
            self.failed.emit(
                self.tr("The automatic backup failed: {reason}. The till keeps working; it will try again.").format(
                    reason=explain(error)
                )
            )
        self._timer.start(min(self._retry_ms, self.interval_ms() or self._retry_ms))
