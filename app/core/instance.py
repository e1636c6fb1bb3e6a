"""One running instance per data folder: a lock file held for the life of the process."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from app.core import private
from app.core.errors import StorageError


class InstanceLock:
    """An exclusive OS lock on `<folder>/.lock`; released when the process ends, even on a crash."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._fh: IO[str] | None = None
        # The file holds the running process's pid and is emptied by a clean release, so a pid found
        # on taking the lock means the last run ended in a crash or a power cut (or in a damaged file).
        self.previous_unclean = False

    def acquire(self) -> None:
        """Take the lock or raise StorageError naming the holder's pid."""
        private.private_folder(self.path.parent, existing=False)
        with private.umask():
            fh = self.path.open("a+")
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise StorageError("already_running", pid=holder) from None
        fh.seek(0)
        self.previous_unclean = bool(fh.read().strip())
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self, clean: bool = True) -> None:
        """Let another instance start; clean=False leaves the mark of a run that did not end well."""
        if self._fh is not None:
            if clean:
                self._fh.seek(0)
                self._fh.truncate()
                self._fh.flush()
            self._fh.close()
            self._fh = None
