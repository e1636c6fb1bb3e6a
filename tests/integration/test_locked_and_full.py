"""A database locked by another program, or a full disk, is said as such, leaves nothing behind, and is never
mistaken for damage (which would offer a restore over a live store)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import db
from app.core.demo import DEMO_PROGRAM
from tests.inprocess import run_cli

LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system of its own (a tmpfs), unmounted after the test; needs root."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int = 0) -> None:
    """Fill the disk up to `leave` bytes free."""
    with (disk / "filler").open("ab") as fh:
        while shutil.disk_usage(disk).free > leave:
            try:
                fh.write(b"\0" * 4096)
                fh.flush()
            except OSError:
                break


class ExclusiveLock:
    """Another program holding the database under an exclusive lock, until stopped."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The till waits half a second, not ten, for the lock an ExclusiveLock holds to the end: the same refusal,
    without ten seconds of sleep per test (the holder never lets go while the command runs)."""
    monkeypatch.setattr(db, "LOCK_WAIT_S", 0.5)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store with one customer and one acknowledged sale."""
    db = tmp_path / "store" / "terminal.sqlite3"
    program = tmp_path / "program.json"
    program.write_text(json.dumps(DEMO_PROGRAM), encoding="utf-8")
    run_cli("init", "--program", str(program), db=db, check=True)
    run_cli("customer", "add", "--name", "Анна", "--phone", "+79160000001", "--card", "A1", db=db, check=True)
    run_cli("sale", "--card", "A1", "--line", "X:1:10000:coffee", db=db, check=True)
    return db


def _sales(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])


def test_init_on_a_full_disk_says_the_disk_is_full_and_leaves_nothing(small_disk: Path) -> None:
    fill(small_disk)
    proc = run_cli("init", db=small_disk / "data" / "terminal.sqlite3")
    assert proc.returncode == 2
    assert "disk is full" in proc.stderr and "damaged" not in proc.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_init_on_a_disk_that_fills_while_writing_says_full_and_leaves_nothing(small_disk: Path) -> None:
    fill(small_disk, leave=40_000)  # room for the file to start, not for the store
    proc = run_cli("init", db=small_disk / "data" / "terminal.sqlite3")
    assert proc.returncode == 2
    assert "disk is full" in proc.stderr and "damaged" not in proc.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_backup_under_an_exclusive_lock_says_locked_and_leaves_nothing(store: Path, short_lock_wait: None) -> None:
    holder = ExclusiveLock(store)
    try:
        proc = run_cli("backup", db=store)
    finally:
        holder.stop()
    assert proc.returncode == 2
    assert "locked by another program" in proc.stderr
    assert "None" not in proc.stderr and "damaged" not in proc.stderr
    assert not (store.parent / "backups").exists()


def test_restore_over_a_store_locked_by_another_program_is_refused_and_the_sale_stays(
    store: Path, short_lock_wait: None
) -> None:
    run_cli("backup", db=store, check=True)
    (made,) = (store.parent / "backups").iterdir()
    run_cli("sale", "--card", "A1", "--line", "X:1:20000:coffee", db=store, check=True)  # after the backup
    holder = ExclusiveLock(store)
    try:
        proc = run_cli("restore", str(made), db=store)
    finally:
        holder.stop()
    assert proc.returncode == 2
    assert "locked by another program" in proc.stderr
    assert _sales(store) == 2


def test_check_under_an_exclusive_lock_says_locked_not_damaged(store: Path, short_lock_wait: None) -> None:
    holder = ExclusiveLock(store)
    try:
        proc = run_cli("check", db=store)
    finally:
        holder.stop()
    assert proc.returncode == 2
    assert "locked by another program" in proc.stderr and "damaged" not in proc.stderr


def test_a_damaged_file_is_still_called_damaged(store: Path) -> None:
    with store.open("r+b") as fh:
        fh.write(b"\0garbage garbage garbage")
    proc = run_cli("check", db=store)
    assert proc.returncode == 2 and "locked" not in proc.stderr


def test_the_store_made_on_a_disk_with_room_works(small_disk: Path) -> None:
    db = small_disk / "data" / "terminal.sqlite3"
    assert run_cli("init", db=db).returncode == 0
    assert os.path.exists(db)
