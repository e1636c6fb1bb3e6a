"""The session's store cache (tests/stores.py): each key is built once, every test gets a copy of its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.stores import Stores


def _build(folder: Path) -> Path:
    path = folder / "s.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    return path


def _rows(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [n for (n,) in conn.execute("SELECT n FROM t ORDER BY n")]
    finally:
        conn.close()


def test_a_key_is_built_once_and_each_copy_is_private(tmp_path: Path) -> None:
    cache = Stores(tmp_path / "cache")
    first = cache.copy("seed=1", _build, tmp_path / "a" / "s.sqlite3")
    second = cache.copy("seed=1", _build, tmp_path / "b" / "s.sqlite3")
    assert cache.builds == 1
    conn = sqlite3.connect(first)
    with conn:
        conn.execute("INSERT INTO t VALUES (2)")
    conn.close()
    assert (_rows(first), _rows(second)) == ([1, 2], [1])
    cache.copy("seed=2", _build, tmp_path / "c" / "s.sqlite3")
    assert cache.builds == 2


def test_a_store_left_open_is_not_handed_out(tmp_path: Path) -> None:
    def left_open(folder: Path) -> Path:
        path = _build(folder)
        Path(f"{path}-wal").write_bytes(b"")  # as a builder that never closed its WAL-mode store leaves it
        return path

    with pytest.raises(AssertionError, match="not closed"):
        Stores(tmp_path / "cache").copy("open", left_open, tmp_path / "x.sqlite3")
