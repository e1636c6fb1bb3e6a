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
    context.loyalty.init()
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
