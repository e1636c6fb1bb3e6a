"""Backups, restores that refuse damaged files, and one instance per data folder."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.bootstrap import bootstrap
from app.core import backup
from app.core.demo import DEFAULT_PROGRAM
from app.core.errors import StorageError
from app.core.instance import InstanceLock
from app.core.refusals import Refusal
from app.core.services.support import SYSTEM
from tests.conftest import ROOT
from tests.inprocess import run_cli


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "t.sqlite3"
    ctx = bootstrap(db, create=True)
    ctx.store.init(DEFAULT_PROGRAM)
    ctx.customers.enroll("Анна", "+79160000001", card="A1", actor=SYSTEM)
    ctx.close()
    return db


def test_backup_is_verified_and_old_ones_are_pruned(tmp_path: Path) -> None:
    db = _store(tmp_path)
    made = [backup.backup_file(db, tmp_path / "b", keep=2) for _ in range(3)]
    left = backup.list_backups(tmp_path / "b", "t")
    assert len(left) == 2 and made[-1] in [b.path for b in left]
    assert backup.integrity_problem(made[-1]) is None


def test_a_backup_of_a_live_store_leaves_one_file_and_nothing_beside_it(tmp_path: Path) -> None:
    db = _store(tmp_path)
    ctx = bootstrap(db)  # the till is open and has written since: the live file has its WAL
    ctx.customers.enroll("Борис", "+79160000002", card="B1", actor=SYSTEM)
    try:
        made = backup.backup_file(db, tmp_path / "b")
        assert backup.latest_good(tmp_path / "b", "t") == made
        assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [made.name]
        with sqlite3.connect(made) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert conn.execute("SELECT count(*) FROM customers").fetchone() == (2,)
    finally:
        ctx.close()


def test_checking_an_older_wal_mode_backup_leaves_no_files_beside_it(tmp_path: Path) -> None:
    db = _store(tmp_path)
    folder = tmp_path / "b"
    folder.mkdir()
    old = folder / "t-20250101-120000.sqlite3"
    with sqlite3.connect(db) as src, sqlite3.connect(old) as dst:
        src.backup(dst)  # as backups were made before: the copy keeps the live file's WAL mode
    assert old.read_bytes()[18:20] == b"\x02\x02"
    assert backup.integrity_problem(old) is None
    assert backup.latest_good(folder, "t") == old
    assert sorted(p.name for p in folder.iterdir()) == [old.name]


def test_a_backup_that_fails_leaves_no_partial_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store(tmp_path)
    monkeypatch.setattr(
        backup, "integrity_problem", lambda path: Refusal("integrity", {"path": str(path), "detail": "test"})
    )
    with pytest.raises(StorageError, match="did not verify"):
        backup.backup_file(db, tmp_path / "b")
    assert not (tmp_path / "b").exists()  # not even the folder made for it


def test_restore_brings_back_the_data_and_saves_the_current_file(tmp_path: Path) -> None:
    db = _store(tmp_path)
    saved = backup.backup_file(db, tmp_path / "b")
    ctx = bootstrap(db)
    ctx.customers.enroll("Борис", "+79160000002", card="B1", actor=SYSTEM)
    ctx.close()
    previous = backup.restore_file(saved, db, tmp_path / "b")
    assert previous is not None and previous.exists()
    ctx = bootstrap(db)
    assert ctx.customers.find_customers("Борис") == []
    assert ctx.customers.customer("A1").name == "Анна"
    ctx.close()


def test_restore_refuses_a_file_that_fails_the_integrity_check(tmp_path: Path) -> None:
    db = _store(tmp_path)
    before = db.read_bytes()
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(backup.backup_file(db, tmp_path / "b").read_bytes())
    data[5000:9000] = b"\xff" * 4000  # scribble over b-tree pages
    damaged.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="restore refused"):
        backup.restore_file(damaged, db, tmp_path / "b")
    assert db.read_bytes() == before
    not_db = tmp_path / "notes.txt"
    not_db.write_text("hello")
    with pytest.raises(StorageError, match="not a SQLite"):
        backup.restore_file(not_db, db, tmp_path / "b")


def test_latest_good_backup_skips_damaged_ones(tmp_path: Path) -> None:
    db = _store(tmp_path)
    good = backup.backup_file(db, tmp_path / "b")
    bad = tmp_path / "b" / "t-29990101-000000.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert backup.latest_good(tmp_path / "b", "t") == good


def test_backup_and_restore_through_the_cli(tmp_path: Path) -> None:
    db = _store(tmp_path)
    out = json.loads(run_cli("backup", "--json", db=db, check=True).stdout)
    assert Path(out["backup"]).exists()
    assert json.loads(run_cli("check", "--json", db=db, check=True).stdout)["ok"] is True
    restored = run_cli("restore", out["backup"], "--json", db=db)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    # A store with no server is its own authority: nothing to reconnect, enrolling goes on.
    assert json.loads(restored.stdout)["reconnect"] is False
    run_cli("customer", "add", "--name", "Вера", "--phone", "+79160000003", db=db, check=True)
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage")
    proc = run_cli("restore", str(bad), "--json", db=db)
    assert proc.returncode == 2 and "restore refused" in json.loads(proc.stdout)["error"]


def test_a_second_instance_on_one_data_folder_is_refused(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path)
    lock.acquire()
    code = (
        "import sys; from pathlib import Path; from app.core.instance import InstanceLock\n"
        f"try:\n    InstanceLock(Path({str(tmp_path)!r})).acquire()\nexcept Exception as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 3 and "already running" in proc.stdout
    lock.release()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0


def test_the_lock_tells_whether_the_last_run_ended_cleanly(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path)
    first.acquire()
    assert first.previous_unclean is False  # a first start
    first.release()
    second = InstanceLock(tmp_path)
    second.acquire()
    assert second.previous_unclean is False  # the last run released its lock
    second.release(clean=False)  # it found the store damaged
    third = InstanceLock(tmp_path)
    third.acquire()
    assert third.previous_unclean is True
    third.release()
    # A crash or a power cut: the process ended with its pid still in the file.
    (tmp_path / ".lock").write_text("4242")
    fourth = InstanceLock(tmp_path)
    fourth.acquire()
    assert fourth.previous_unclean is True
    fourth.release()
