"""Start-up checks before the till opens: a writable data folder with room, one instance, logs, a sound database.

A shop owner is rarely there when the till starts, so every problem found here is said in
plain words with what to do, and the till never opens silently on a damaged file: it offers
the newest backup that passes the integrity check, or quits.

The checks themselves are plain functions (the integrity check and the restore run on the
database worker); the dialogs have an ask() that tests replace.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from app.bootstrap import Context
from app.core.backup import BackupInfo, integrity_problem, latest_good, list_backups, restore_store, zone_of
from app.core.errors import StorageError
from app.core.refusals import Refusal
from app.ui import i18n
from app.ui.store_open import open_store
from app.ui.wording import explain, os_words

__all__ = [
    "LOW_SPACE_BYTES",
    "Damaged",
    "DamagedStoreDialog",
    "FolderProblem",
    "IntegrityWatch",
    "MissingStoreDialog",
    "StartupMessage",
    "backup_folder",
    "damaged_while_open",
    "describe",
    "folder_problem",
    "open_checked",
    "open_fast",
    "restore_and_open",
    "restore_file_and_open",
    "restore_newest_and_open",
    "start_logging",
    "stop_logging",
]

log = logging.getLogger(__name__)
# Below this the till would soon fail to write a sale or a backup; warn before it does.
LOW_SPACE_BYTES = 50_000_000


def backup_folder(db_path: Path) -> Path:
    """Where the backups of a database go (the CLI's `backup` uses the same folder)."""
    return db_path.parent / "backups"


# ----------------------------------------------------------------- the data folder


@dataclass(frozen=True)
class FolderProblem:
    """Why the data folder cannot be used: "read_only", "full", "low" or "other"."""

    kind: str
    folder: Path
    detail: str = ""


def folder_problem(folder: Path) -> FolderProblem | None:
    """Can the till write in its data folder, and is there room? None when it can."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _classify(folder, exc)
    # Permissions can look fine on a read-only mount or a full disk: only writing tells.
    probe = folder / f".write-test-{os.getpid()}"
    try:
        with probe.open("wb") as fh:
            fh.write(b"\0" * 65536)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return _classify(folder, exc)
    finally:
        with contextlib.suppress(OSError):  # the problem to report is the write, not the clean-up
            probe.unlink(missing_ok=True)
    free = shutil.disk_usage(folder).free
    if free < LOW_SPACE_BYTES:
        return FolderProblem("low", folder, f"{free // 1_000_000} MB")
    return None


def _classify(folder: Path, exc: OSError) -> FolderProblem:
    # The system's words in the user's language where the errno is known (not «Read-only file system»).
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FolderProblem("full", folder, os_words(exc))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return FolderProblem("read_only", folder, os_words(exc))
    return FolderProblem("other", folder, os_words(exc))


def describe(problem: FolderProblem) -> str:
    """The problem in the user's language, with what to do about it."""
    if problem.kind == "read_only":
        text = QCoreApplication.translate(
            "Startup",
            "The till cannot write in its data folder {folder} ({detail}). "
            "The folder or the disk is read-only: give this user write access, or ask your technician.",
        )
    elif problem.kind == "full":
        text = QCoreApplication.translate(
            "Startup",
            "The disk holding {folder} is full ({detail}): no sale could be saved. "
            "Free some space (old files, the recycle bin), then start the till again.",
        )
    elif problem.kind == "low":
        text = QCoreApplication.translate(
            "Startup",
            "The disk holding {folder} is almost full: {detail} free. "
            "Sales and backups will soon fail to be saved: free some space.",
        )
    else:
        text = QCoreApplication.translate("Startup", "The till cannot use its data folder {folder}: {detail}")
    return text.format(folder=problem.folder, detail=problem.detail)


# ----------------------------------------------------------------- logs


def start_logging(folder: Path) -> logging.Handler | None:
    """Log to <folder>/logs with personal data masked; the handler this added (None if it was there)."""
    from app.core.logsetup import setup_logging

    root = logging.getLogger()
    before = set(root.handlers)
    setup_logging(folder)
    added = [h for h in root.handlers if h not in before]
    return added[0] if added else None


def stop_logging(handler: logging.Handler | None) -> None:
    """Remove a handler start_logging() added (the app leaves the process as it found it)."""
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()


# ----------------------------------------------------------------- the database (worker side)


@dataclass(frozen=True)
class Damaged:
    """A database that fails its integrity check, and the newest good backup (if any)."""

    problem: Refusal  # worded by code on screen; the core's English goes to the log
    backup: BackupInfo | None


def open_checked(path: Path) -> Context | Damaged:
    """Open the store only if its file is sound; otherwise say what is wrong and which backup could replace it."""

    problem = integrity_problem(path)
    if problem is None:
        return open_store(path, None)
    log.error("the database fails its check: %s", problem)
    good = latest_good(backup_folder(path), path.stem)
    info = next((b for b in list_backups(backup_folder(path), path.stem) if b.path == good), None)
    return Damaged(problem, info)


def open_fast(path: Path) -> Context | Damaged:
    """After a clean stop: open at once; the full check (seconds on a big store) follows in the background.

    A file that cannot even be opened gets the full check now, and the offer of a backup.
    """

    try:
        return open_store(path, None)
    except StorageError as exc:
        log.error("the database does not open: %s", exc)
        return open_checked(path)


class IntegrityWatch(QObject):
    """The full integrity check of a store opened after a clean stop, on a thread and a connection of its own.

    `damaged` (the problem, worded in the user's language) is emitted only when the file fails it; the
    checkout's own database work never waits for it.
    """

    damaged = Signal(str)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.done = threading.Event()

    def start(self) -> None:
        """Begin the check (a daemon thread: closing the till does not wait for it)."""
        threading.Thread(target=self._run, name="integrity-check", daemon=True).start()

    def _run(self) -> None:
        try:
            problem = integrity_problem(self.path)
        except Exception:  # a check that cannot run is logged, never mistaken for damage
            log.exception("the background integrity check could not run")
            problem = None
        if problem is not None:
            log.error("the database fails its check: %s", problem)
            self.damaged.emit(explain(problem))
        else:
            log.info("the database passed its integrity check")
        self.done.set()


def damaged_while_open(problem: str) -> str:
    """What the cashier is told when the background check finds the open store damaged."""
    return QCoreApplication.translate(
        "Startup",
        "The store's database is damaged, so the till stops now and writes nothing more to it. "
        "Start the till again: it will offer the newest good backup.\n\nWhat was found: {problem}",
    ).format(problem=problem)


def restore_and_open(path: Path, backup: Path) -> Context:
    """Put the damaged file aside (for whoever investigates), restore the backup, open the store."""

    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal"):
        damaged = Path(str(path) + suffix)
        if damaged.exists():
            # Not in backups/: its name would match the backup pattern and count against retention.
            os.replace(damaged, damaged.with_name(f"{path.name}.damaged-{stamp}{suffix}"))
    restore_store(backup, path, backup_folder(path))
    log.warning("restored %s from %s", path, backup)
    return open_store(path, None)


def restore_newest_and_open(path: Path) -> Context:
    """The store's file is gone: restore the newest backup beside it that passes the integrity check, and open it."""
    good = latest_good(backup_folder(path), path.stem)
    if good is None:
        raise StorageError("no_good_backup", path=str(backup_folder(path)))
    return restore_and_open(path, good)


def restore_file_and_open(path: Path, source: Path) -> Context:
    """A new computer: make a backup file brought from the old one the store (refused if it fails the check)."""

    restore_store(source, path, backup_folder(path))
    log.warning("restored %s from %s", path, source)
    return open_store(path, None)


# ----------------------------------------------------------------- dialogs


def backup_time(info: BackupInfo) -> str:
    """When a backup was made, on the clock of the store it holds (its program's zone, not the machine's)."""
    return i18n.wall_time(int(info.created * 1000), zone_of(info.path))


class StartupMessage(QMessageBox):
    """A problem found at start, in plain words; ask() is True only when the user may and does go on."""

    def __init__(self, text: str, *, can_continue: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("Startup", "Loyalty Terminal"))
        self.setIcon(QMessageBox.Icon.Warning if can_continue else QMessageBox.Icon.Critical)
        self.setText(text)
        self.go_on: QPushButton | None = None
        if can_continue:
            self.go_on = self.addButton(
                QCoreApplication.translate("Startup", "Start anyway"), QMessageBox.ButtonRole.AcceptRole
            )
        self.addButton(QCoreApplication.translate("Startup", "Quit"), QMessageBox.ButtonRole.RejectRole)

    def ask(self) -> bool:
        """Show it; True to go on starting."""
        self.exec()
        return self.go_on is not None and self.clickedButton() is self.go_on


class DamagedStoreDialog(QMessageBox):
    """The database is damaged: restore the newest good backup, or quit (never open it as it is)."""

    def __init__(self, damaged: Damaged, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.damaged = damaged
        self.setWindowTitle(QCoreApplication.translate("Startup", "Loyalty Terminal"))
        self.setIcon(QMessageBox.Icon.Critical)
        self.setText(
            QCoreApplication.translate("Startup", "The store's database is damaged, so the till will not open it.")
        )
        self.restore: QPushButton | None = None
        if damaged.backup is not None:
            when = backup_time(damaged.backup)
            self.setInformativeText(
                QCoreApplication.translate(
                    "Startup",
                    "The newest good backup was made on {when}. Restoring it brings back everything up to then; "
                    "sales made after it are lost. The damaged file is kept beside the store for your technician."
                    "\n\nWhat was found: {problem}",
                ).format(when=when, problem=explain(damaged.problem))
            )
            self.restore = self.addButton(
                QCoreApplication.translate("Startup", "Restore the backup"), QMessageBox.ButtonRole.AcceptRole
            )
        else:
            self.setInformativeText(
                QCoreApplication.translate(
                    "Startup",
                    "There is no good backup to restore. Do not delete anything: copy the data folder and call "
                    "your technician.\n\nWhat was found: {problem}",
                ).format(problem=explain(damaged.problem))
            )
        self.addButton(QCoreApplication.translate("Startup", "Quit"), QMessageBox.ButtonRole.RejectRole)
        if self.restore is not None:
            self.setDefaultButton(self.restore)

    def ask(self) -> bool:
        """Show it; True to restore the backup."""
        self.exec()
        return self.restore is not None and self.clickedButton() is self.restore


class MissingStoreDialog(QMessageBox):
    """The store's file is missing but backups of it are there: restore the newest, set up a new store, or quit.

    Setting up a new store would mean new card secrets, so every card already handed out would
    be refused: the restore is the default.
    """

    def __init__(self, path: Path, backups: list[BackupInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("Startup", "Loyalty Terminal"))
        self.setIcon(QMessageBox.Icon.Warning)
        self.setText(
            QCoreApplication.translate("Startup", "The store's database is missing from {folder}.").format(
                folder=path.parent
            )
        )
        when = backup_time(backups[0])
        self.setInformativeText(
            QCoreApplication.translate(
                "Startup",
                "There are {n} backups of it; the newest was made on {when}. Restoring it brings back "
                "the customers, their points and the sales up to then. A new store would start with no "
                "customers, and the cards already handed out would not work.",
            ).format(n=len(backups), when=when)
        )
        self.restore = self.addButton(
            QCoreApplication.translate("Startup", "Restore the newest backup"), QMessageBox.ButtonRole.AcceptRole
        )
        self.new_store = self.addButton(
            QCoreApplication.translate("Startup", "Set up a new store"), QMessageBox.ButtonRole.DestructiveRole
        )
        self.addButton(QCoreApplication.translate("Startup", "Quit"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.restore)

    def ask(self) -> str:
        """Show it; "restore", "new" or "quit"."""
        self.exec()
        clicked = self.clickedButton()
        return "restore" if clicked is self.restore else "new" if clicked is self.new_store else "quit"
