"""Stores built once per test session, then handed out as copies (the `store_cache` fixture of tests/conftest.py).

A store is known by a key that names what makes it: the builder and its seed (`reports_same generated seed=11`,
`march`). The first test to ask builds it into the session's temporary folder; every test gets its own
copy of the file, so a test may write to it. Under pytest-xdist each worker is a session of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path


class Stores:
    """The session's built stores, by key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, Path] = {}
        self.builds = 0  # how many stores were built (the tests of this module count them)

    def copy(self, key: str, build: Callable[[Path], Path], target: Path) -> Path:
        """A copy at `target` of the store `build(folder)` writes (and returns the path of), built once per key."""
        made = self._made.get(key)
        if made is None:
            folder = self.folder / str(len(self._made))
            folder.mkdir(parents=True)
            made = build(folder)
            self.builds += 1
            self._made[key] = made
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):  # a builder that left its store open must not hand out half a file
            assert not Path(f"{made}{suffix}").exists(), f"{key}: the store was not closed ({made}{suffix})"
        shutil.copyfile(made, target)
        return target

    def march(self, target: Path) -> Path:
        """A copy of the hand-counted March 2025 store (tests/integration/test_reports.py's build_store)."""
        from tests.integration.test_reports import build_store

        def build(folder: Path) -> Path:
            path = folder / "t.sqlite3"
            build_store(path).ctx.close()
            return path

        return self.copy("march: tests/integration/test_reports.py build_store", build, target)
