"""The import contracts (the core never knows about Qt, a renderer or the root; the cashier app's layers),
checked on every test run."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_every_import_contract_is_kept() -> None:
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert tool, "import-linter is not installed"
    proc = subprocess.run([tool], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout


def test_the_server_runs_without_qt() -> None:
    code = "import sys, server.api, app.sync.service; assert 'PySide6' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
