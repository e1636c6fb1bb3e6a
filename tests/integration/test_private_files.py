"""The database, its -wal/-shm, backups, logs and receipts are the owner's only: 0600 files in 0700 folders."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import bootstrap
from app.core.demo import DEMO_PROGRAM
from app.core.logsetup import setup_logging
from app.receipts.printers import PdfFolderPrinter
from app.receipts.samples import sample_sale
from tests.inprocess import run_main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _loose_umask() -> Iterator[None]:
    """The usual desktop umask (022), under which files come out world-readable unless made private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return run_main(list(args), env={"LOYALTY_HOME": str(home)})


def test_init_and_backup_from_the_command_line_make_private_files_in_private_folders(tmp_path: Path) -> None:
    home = tmp_path / "data"
    program = tmp_path / "program.json"
    program.write_text(json.dumps(DEMO_PROGRAM), encoding="utf-8")
    assert _cli("init", "--program", str(program), home=home).returncode == 0
    assert _cli("backup", home=home).returncode == 0
    assert _mode(home) == 0o700
    assert _mode(home / "terminal.sqlite3") == 0o600
    assert _mode(home / "backups") == 0o700
    (made,) = (home / "backups").iterdir()
    assert _mode(made) == 0o600


def test_the_wal_and_shm_of_an_open_store_are_private(tmp_path: Path) -> None:
    ctx = bootstrap(tmp_path / "store" / "terminal.sqlite3", create=True)
    try:
        ctx.store.init(DEMO_PROGRAM)
        db = ctx.db_path
        sides = [Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(p.exists() for p in sides)
        assert [_mode(p) for p in (db, *sides)] == [0o600] * 3
        assert _mode(db.parent) == 0o700
    finally:
        ctx.close()


def test_a_store_made_world_readable_by_an_older_version_is_made_private_when_opened(tmp_path: Path) -> None:
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    ctx.store.init(DEMO_PROGRAM)
    ctx.close()
    (tmp_path / "terminal.sqlite3").chmod(0o644)
    ctx = bootstrap(tmp_path / "terminal.sqlite3")
    try:
        ctx.programs.program()
        assert _mode(tmp_path / "terminal.sqlite3") == 0o600
    finally:
        ctx.close()


def test_logs_are_private(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = setup_logging(tmp_path)
        logging.getLogger("test").warning("cashier Иван logged in")
        assert (_mode(path.parent), _mode(path)) == (0o700, 0o600)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


def test_a_receipts_folder_made_for_pdfs_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "receipts"
    PdfFolderPrinter(folder).print_receipt(sample_sale())
    (pdf,) = folder.iterdir()
    assert (_mode(folder), _mode(pdf)) == (0o700, 0o600)
