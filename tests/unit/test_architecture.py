"""The import contracts (the core never knows about Qt, a renderer or the root; the till needs no server;
the cashier app's layers; screens reach the database only through services), checked on every test run."""

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT


def test_every_import_contract_is_kept() -> None:
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert tool, "import-linter is not installed"
    proc = subprocess.run([tool], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Every contract pyproject declares was run (branches add contracts; a count written here would lag).
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in proc.stdout


def test_the_server_runs_without_qt() -> None:
    code = "import sys, server.api, app.sync.service; assert 'PySide6' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_no_screen_reaches_for_the_engine() -> None:
    """The context a screen holds has an engine; screens use its services instead (import rules cannot see this)."""
    used = []
    for path in sorted((ROOT / "app" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"engine", "transaction"}:
                used.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert used == []
