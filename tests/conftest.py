"""Shared fixtures and the tiers: every test lives in tests/unit, tests/integration, tests/e2e or tests/ui.

The folder gives the marker (`-m unit`, `-m integration`, `-m e2e`, `-m ui`); `scripts/test --tier NAME`
runs one tier and `scripts/test --quick` the daily one (`-m quick`: every unit test and the integration
tests, but for the slow files listed in SLOW). A test file outside the four folders is a collection error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.core.clock import FixedClock
from tests.stores import Stores

if TYPE_CHECKING:  # app.bootstrap loads SQLAlchemy and every service: not for a unit test's import
    from app.bootstrap import Context

ROOT = Path(__file__).resolve().parent.parent
# The instant the demo store and the UI tests live at: a Wednesday noon in Moscow, outside the
# demo's happy hours. Balances, expiry and birthdays then come out the same on any day the tests run.
FROZEN_NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Real barcode photographs (zxing-cpp's samples, Apache 2.0), kept in the repository with their licence.
BARCODES = Path(__file__).resolve().parent / "data" / "barcodes"

TESTS = Path(__file__).resolve().parent
# unit: no database, no Qt (tests/unit/conftest.py enforces it); integration: real SQLite files,
# PostgreSQL, the server app in this process, the CLI in-process; e2e: real processes (the server
# under uvicorn, terminals as CLI processes, an installed package); ui: Qt windows, offscreen or Xvfb.
TIERS = ("unit", "integration", "e2e", "ui")
# Folders and files (under tests/) too slow for the daily tier: each costs over ~5 s of pytest on a quiet
# machine or starts processes. The full run and `--tier NAME` still run them.
SLOW = frozenset(
    {
        "unit/scanner",  # video and photo decoding
        "integration/sync",  # the simulation over seeds, the server app, pushes on PostgreSQL
        "integration/test_bench_generator.py",  # generated stores
        "integration/test_reports_same.py",
        "integration/test_store_on_rows.py",
        "integration/test_server_migrations.py",  # Alembic on both backends, servers starting together
        "integration/test_chain_reports_client.py",  # a chain of terminals and a server
        "integration/test_cards_chain.py",  # a live server and tills over HTTP, on PostgreSQL: ~30 s
        "integration/test_caps_chain_live.py",  # a live server and two tills over HTTP, on PostgreSQL too
        "integration/test_reports_api.py",
        "integration/test_cli_report.py",  # PDF pages drawn by pdftoppm, the real command
        "integration/test_locked_and_full.py",  # another process holding the lock, a full tmpfs
        "integration/test_cli_acceptance.py",  # cli.md read literally: ~6 s on a quiet machine
        "integration/test_properties.py",  # hypothesis on a real store
        "integration/test_report_exports.py",  # PDF pages drawn by pdftoppm
    }
)


# The tests' files live in memory when the machine has room: every SQLite commit fsyncs (4-5 ms each on
# this machine's disk, more when it is shared), and the suite commits tens of thousands of times; on a
# tmpfs an fsync returns at once. No test can observe the difference (nothing here cuts the power; kill -9
# keeps the page cache either way). An explicit TMPDIR is kept, so `TMPDIR=/tmp` puts them back on disk.
SHM = Path("/dev/shm")
SHM_NEEDED = 2 << 30  # bytes free: the largest generated stores and the packaging test's venv fit many times


def memory_temp_root(env: Mapping[str, str] = os.environ) -> Path | None:
    """/dev/shm when TMPDIR is not set and it is a writable folder with SHM_NEEDED free, else None."""
    if env.get("TMPDIR") or not SHM.is_dir() or not os.access(SHM, os.W_OK | os.X_OK):
        return None
    stats = os.statvfs(SHM)
    return SHM if stats.f_bavail * stats.f_frsize >= SHM_NEEDED else None


if (_memory := memory_temp_root()) is not None:
    os.environ["TMPDIR"] = str(_memory)  # pytest's tmp_path, tempfile, and every child process
    tempfile.tempdir = None  # forget a temporary folder already looked up


def is_slow(path: Path) -> bool:
    """Whether a test file is left out of the quick tier (SLOW)."""
    parts = path.resolve().relative_to(TESTS).parts
    return any("/".join(parts[:n]) in SLOW for n in range(1, len(parts) + 1))


def tier_of(path: Path) -> str | None:
    """The tier folder a test file lives in (None when it lives in none)."""
    parts = path.resolve().relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else None


def pytest_configure(config: pytest.Config) -> None:
    """The quick marker; the tier markers are registered in pyproject.toml."""
    config.addinivalue_line("markers", "quick: the daily tier (scripts/test --quick): unit + fast integration")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier (from its folder) and the quick tier's tests; refuse a test in no tier."""
    stray: set[str] = set()
    for item in items:
        tier = tier_of(item.path)
        if tier is None:
            stray.add(str(item.path.relative_to(ROOT)))
            continue
        item.add_marker(getattr(pytest.mark, tier))
        if tier in ("unit", "integration") and not is_slow(item.path):
            item.add_marker(pytest.mark.quick)
    if stray:
        raise pytest.UsageError(
            "tests outside a tier folder (move them to tests/unit, tests/integration, tests/e2e or tests/ui; "
            f"tests/conftest.py says which): {', '.join(sorted(stray))}"
        )


def worked_examples() -> list[dict[str, Any]]:
    """The spec's worked examples, copied into the tests."""
    data: dict[str, Any] = json.loads((FIXTURES / "worked-examples.json").read_text(encoding="utf-8"))
    return list(data["examples"])


@pytest.fixture
def frozen_clock() -> FixedClock:
    """A clock standing at FROZEN_NOW, for services and a demo store that must not depend on today."""
    return FixedClock(FROZEN_NOW)


@pytest.fixture(scope="session")
def store_cache(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """Stores built once per session by key (a generator's seed, the hand-counted March store), as copies."""
    return Stores(tmp_path_factory.mktemp("stores"))


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    """A fresh terminal database file, initialised with no program yet."""
    from app.bootstrap import bootstrap

    context = bootstrap(tmp_path / "terminal.sqlite3", create=True)
    context.store.init()
    yield context
    context.close()


def run_cli(*args: str, db: Path | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process (as an acceptance test would)."""
    cmd = [sys.executable, "-m", "app", *args]
    if db is not None:
        cmd += ["--db", str(db)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} failed: {proc.stdout} {proc.stderr}")
    return proc
