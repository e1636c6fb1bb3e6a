"""Shared fixtures: a real SQLite file in a temporary folder, bootstrapped like the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock

ROOT = Path(__file__).resolve().parent.parent
# The instant the demo store and the UI tests live at: a Wednesday noon in Moscow, outside the
# demo's happy hours. Balances, expiry and birthdays then come out the same on any day the tests run.
FROZEN_NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Real barcode photographs (zxing-cpp's samples, Apache 2.0), kept in the repository with their licence.
BARCODES = Path(__file__).resolve().parent / "data" / "barcodes"


# The quick tier (`scripts/test --quick`, or `pytest -m quick`): the rules as pure functions, the core
# services on a real SQLite file, and the command line in this process. No window, no server, no camera,
# no child process per command: well under two minutes. The whole suite stays what CI runs.
QUICK_FILES = frozenset(
    {
        "test_rules.py",  # pricing, wallet, refunds: no database
        "test_money.py",
        "test_fmt.py",
        "test_program.py",
        "test_refusals_core.py",  # every refusal a code of the one table: no database
        "test_properties.py",
        "test_identity.py",
        "test_templates.py",
        "test_clock.py",
        "test_staff.py",
        "test_storage.py",
        "test_storage_writer.py",
        "test_receipt_service.py",
        "test_admin_services.py",
        "test_reports.py",
        "test_backup.py",
        "test_logsetup.py",
        "test_self_contained.py",
        "test_cli_inprocess.py",
    }
)
QUICK_TESTS = ("test_worked_example_through_services",)  # the same examples through the CLI are in the full run


def pytest_configure(config: pytest.Config) -> None:
    """The quick marker, given by QUICK_FILES and QUICK_TESTS rather than in each file."""
    config.addinivalue_line("markers", "quick: the quick tier (scripts/test --quick): rules, core services, CLI")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the quick tier's tests."""
    here = Path(__file__).resolve().parent
    for item in items:
        top_level = item.path.parent == here
        if top_level and (item.path.name in QUICK_FILES or item.name.startswith(QUICK_TESTS)):
            item.add_marker(pytest.mark.quick)


def worked_examples() -> list[dict[str, Any]]:
    """The spec's worked examples, copied into the tests."""
    data: dict[str, Any] = json.loads((FIXTURES / "worked-examples.json").read_text(encoding="utf-8"))
    return list(data["examples"])


@pytest.fixture
def frozen_clock() -> FixedClock:
    """A clock standing at FROZEN_NOW, for services and a demo store that must not depend on today."""
    return FixedClock(FROZEN_NOW)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    """A fresh terminal database file, initialised with no program yet."""
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
