"""One running instance per data folder: a lock file held for the life of the process."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from app.core.errors import StorageError


class InstanceLock:
    """An exclusive OS lock on `<folder>/.lock`; released when the process ends, even on a crash."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise StorageError naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
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
            raise StorageError(f"Loyalty Terminal is already running on this data folder (process {holder})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Let another instance start."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
