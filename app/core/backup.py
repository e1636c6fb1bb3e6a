"""Backups with SQLite's online backup API, retention, integrity checks and a guarded restore."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core import db, private
from app.core.errors import StorageError
from app.core.program import DEFAULT_TIMEZONE
from app.core.refusals import Refusal, os_params

BACKUP_GLOB = "*.sqlite3"
# Problems that stop a file being read now but say nothing about its contents: another program holds it
# locked, or the disk is full. A file with one of these is never offered a restore over it.
CONDITIONS = frozenset({"db_locked", "disk_full"})


@dataclass(frozen=True)
class BackupInfo:
    """One backup file."""

    path: Path
    size: int
    created: float


def _read_only_uri(path: Path, header: bytes) -> str:
    """A URI that reads the file without leaving anything beside it.

    A WAL-mode file opened read-only gets -wal and -shm files that the read-only connection
    cannot remove when it closes. When no -wal is there, there is nothing to read from one, so
    the file is opened as immutable (no side files); a live database's WAL is read as usual.
    """
    uri = f"file:{quote(str(path))}?mode=ro"
    wal_mode = header[18:20] == b"\x02\x02"
    if wal_mode and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def integrity_problem(path: Path) -> Refusal | None:
    """None when the file is a healthy terminal database, else what is wrong with it; leaves no files beside it."""
    if not path.exists():
        return Refusal("file_missing", {"path": str(path)})
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
        if header[:16] != b"SQLite format 3\x00":
            return Refusal("not_sqlite", {"path": str(path)})
        conn = sqlite3.connect(_read_only_uri(path, header), uri=True, timeout=db.LOCK_WAIT_S)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                return Refusal("integrity", {"path": str(path), "detail": str(result[0][0])})
            if conn.execute("PRAGMA user_version").fetchone()[0] < 1:
                return Refusal("no_schema", {"path": str(path)})
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"customers", "journal", "lots", "sales"} <= names:
                return Refusal("tables_missing", {"path": str(path)})
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return _condition(exc, path) or Refusal("file_damaged", {"path": str(path), "detail": str(exc)})
    return None


def _condition(exc: sqlite3.Error, path: Path) -> Refusal | None:
    """A lock held by another program or a full disk, as a refusal; None for anything else."""
    condition = db.sqlite_condition(exc, path)
    if condition == "db_busy":
        return Refusal("db_locked", {"path": str(path)})
    if condition == "disk_full":
        return Refusal("disk_full", {"path": str(path)})
    return None


def _remove_with_side_files(path: Path) -> None:
    """Delete an unfinished copy and whatever SQLite kept beside it."""
    for name in (str(path), f"{path}-journal", f"{path}-wal", f"{path}-shm"):
        Path(name).unlink(missing_ok=True)


def zone_of(path: Path) -> ZoneInfo:
    """The time zone of the store a terminal database (or its backup) holds: its newest program's.

    The program's default zone when the file has no program or cannot be read: a backup's time is
    still shown, on the clock most stores use.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
        conn = sqlite3.connect(_read_only_uri(path, header), uri=True, timeout=db.LOCK_WAIT_S)
        try:
            row = conn.execute("SELECT body FROM programs ORDER BY version DESC LIMIT 1").fetchone()
        finally:
            conn.close()
        return (
            ZoneInfo(str(json.loads(row[0]).get("timezone", DEFAULT_TIMEZONE))) if row else ZoneInfo(DEFAULT_TIMEZONE)
        )
    except (OSError, sqlite3.Error, ValueError, AttributeError, ZoneInfoNotFoundError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def backup_file(db_path: Path, folder: Path, keep: int = 14, label: str = "") -> Path:
    """Copy the live database into folder (consistent while others write), verify it, keep the newest `keep`;
    a copy that fails leaves nothing behind (no partial file, no folder made for it)."""
    made_folder = not folder.exists()
    try:
        return _backup_into(db_path, folder, keep, label)
    except StorageError:
        if made_folder:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise


def _backup_into(db_path: Path, folder: Path, keep: int, label: str) -> Path:
    private.private_folder(folder)
    # Named on the store's wall clock, as the till shows the name ("Backup written: …"), not the machine's zone.
    stamp = datetime.now(zone_of(db_path)).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{db_path.stem}-{stamp}{'-' + label if label else ''}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{db_path.stem}-{stamp}-{n}{'-' + label if label else ''}.sqlite3"
    partial = target.with_suffix(".partial")
    try:
        src = sqlite3.connect(str(db_path), timeout=30)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                private.private_file(partial)  # customers' phones: the owner's only, like the live file
                src.backup(dst)
                # The copy carries the live file's WAL mode; a backup is one self-contained file,
                # and in WAL mode every later read-only check would leave -wal/-shm files beside it.
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        problem = integrity_problem(partial)
        if problem:
            raise StorageError("backup_unverified", problem=problem.code, **problem.params)
        os.replace(partial, target)
    except OSError as exc:
        _remove_with_side_files(partial)
        raise StorageError("backup_write", path=str(folder), **os_params(exc)) from None
    except sqlite3.Error as exc:
        _remove_with_side_files(partial)
        condition = _condition(exc, db_path)
        if condition is not None:
            raise StorageError.of(condition) from None
        raise StorageError("backup_failed", path=str(db_path), detail=str(exc)) from None
    except StorageError:
        _remove_with_side_files(partial)
        raise
    prune(folder, keep, db_path.stem)
    return target


def list_backups(folder: Path, stem: str | None = None) -> list[BackupInfo]:
    """Backups in folder, newest first."""
    if not folder.exists():
        return []
    files = [p for p in folder.glob(BACKUP_GLOB) if stem is None or p.name.startswith(stem + "-")]
    infos = [BackupInfo(p, p.stat().st_size, p.stat().st_mtime) for p in files]
    return sorted(infos, key=lambda b: (b.created, b.path.name), reverse=True)


def prune(folder: Path, keep: int, stem: str) -> None:
    """Delete all but the newest `keep` backups of this database."""
    for old in list_backups(folder, stem)[max(keep, 1) :]:
        old.path.unlink(missing_ok=True)


def restore_file(source: Path, db_path: Path, backups: Path) -> Path | None:
    """Replace the database with a verified backup; the current file is backed up first (if readable).

    Refuses a source that fails `PRAGMA integrity_check`. Callers must have closed their connections.
    """
    problem = integrity_problem(source)
    if problem:
        raise StorageError("restore_refused", problem=problem.code, **problem.params)
    saved = None
    current = integrity_problem(db_path) if db_path.exists() else None
    if current is not None and current.code in CONDITIONS:
        # Locked by another program or on a full disk: the live store may hold sales no backup has.
        raise StorageError("restore_refused", problem=current.code, **current.params)
    if db_path.exists() and current is None:
        saved = backup_file(db_path, backups, keep=1000, label="before-restore")
    tmp = db_path.with_suffix(".restoring")
    try:
        shutil.copyfile(source, tmp)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(tmp, db_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError("restore_write", path=str(db_path), **os_params(exc)) from None
    return saved


def latest_good(folder: Path, stem: str) -> Path | None:
    """The newest backup that passes the integrity check, for recovery from a damaged file."""
    for info in list_backups(folder, stem):
        if integrity_problem(info.path) is None:
            return info.path
    return None


@dataclass(frozen=True)
class Restored:
    """What a restore did: the replaced file's safety copy, and whether the till must reconnect to its chain."""

    previous: Path | None
    reconnect: bool


def restore_store(source: Path, db_path: Path, backups: Path) -> Restored:
    """Restore a verified backup as the store; a chain terminal's copy stops syncing until it is enrolled again.

    A backup is an older image of the terminal: its sequence numbers and card serials were already
    used after it was made. Pushing under the old epoch would see new sales refused as reused
    sequence numbers, and new cards could repeat numbers issued since. So the restored copy forgets
    its token and remembers the epoch it was restored at; enrolling again (a new epoch, a new card
    block) lifts both, and the unacknowledged queue then goes again, deduplicated by id.
    """
    previous = restore_file(source, db_path, backups)
    conn = sqlite3.connect(db_path, timeout=db.LOCK_WAIT_S)
    try:
        with conn:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('token', 'epoch')").fetchall())
            if "token" not in meta:
                return Restored(previous, False)
            conn.execute("DELETE FROM meta WHERE key = 'token'")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('restored_epoch', ?)", (meta.get("epoch", "0"),)
            )
    except sqlite3.Error as exc:
        raise StorageError("restore_unmarked", path=str(db_path), detail=str(exc)) from None
    finally:
        conn.close()
    return Restored(previous, True)
