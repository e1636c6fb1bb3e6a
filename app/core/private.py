"""Files the till writes hold customers' phones and birthdays: only the owner may read them.

The database and its -wal/-shm files, backups and logs are created 0600 in folders made 0700
(on POSIX; Windows keeps its own ACLs). SQLite gives a database's -wal and -shm the mode of the
database file itself, so a database file made 0600 keeps its side files 0600 too.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["FILE_MODE", "FOLDER_MODE", "private_file", "private_folder", "tighten", "umask"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_POSIX = sys.platform != "win32"


@contextmanager
def umask() -> Iterator[None]:
    """Files and folders created inside are the owner's only (umask 077), whatever the caller's umask.

    The umask is process-wide: this is for short creations (a log file, a backup), not long work."""
    if not _POSIX:
        yield
        return
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def tighten(path: Path, mode: int) -> None:
    """Take group and other permissions off an existing file or folder of ours (left as is if not ours)."""
    if not _POSIX:
        return
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(st.st_mode) & mode)
    except OSError:
        pass  # gone meanwhile, or a file system without modes: nothing to tighten


def private_folder(path: Path, *, existing: bool = True) -> Path:
    """Make the folder (and missing parents) 0700; with existing=True an existing one is tightened too.

    A folder the user chose for something else (a receipts folder in Documents) is passed existing=False:
    only a folder this program creates is made private."""
    if existing or not path.exists():
        with umask():
            path.mkdir(parents=True, exist_ok=True)
        tighten(path, FOLDER_MODE)
    else:
        path.mkdir(parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> None:
    """Make an existing file of ours and its SQLite side files (-wal, -shm, -journal) 0600."""
    for candidate in (path, *(Path(f"{path}{side}") for side in ("-wal", "-shm", "-journal"))):
        if candidate.exists():
            tighten(candidate, FILE_MODE)
