"""The tiers hold: unit modules import no database layer and no Qt; every test file lives in a tier."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT, TESTS, TIERS

UNIT = TESTS / "unit"
# What a unit test may not import itself (a module it uses may still load SQLAlchemy, e.g. through
# app.core.demo: that opens nothing; opening a database is refused while the test runs).
FORBIDDEN = (
    "sqlite3",
    "sqlalchemy",
    "psycopg",
    "alembic",
    "PySide6",
    "shiboken6",
    "pytestqt",
    "app.bootstrap",
    "app.core.db",
    "app.core.repo",
    "app.core.sql",
    "app.core.schema",
    "app.ui",
    "app.gui",
    "server",
    "tests.pg",
    "tests.inprocess",
    "tests.integration",
    "tests.e2e",
    "tests.ui",
)


def _imports(path: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _unit_modules() -> list[str]:
    # Not tests/unit/conftest.py itself: it imports sqlite3 to take `connect` away.
    return sorted(str(p.relative_to(ROOT)) for p in UNIT.rglob("*.py") if p != UNIT / "conftest.py")


def test_no_unit_module_imports_a_database_layer_or_qt() -> None:
    wrong = [
        f"{path}: {name}"
        for path in _unit_modules()
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]
    assert wrong == []


def test_importing_every_unit_module_loads_no_qt() -> None:
    modules = [p.removesuffix(".py").replace("/", ".") for p in _unit_modules()]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pytestqt')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_every_test_file_lives_in_a_tier() -> None:
    stray = [str(p.relative_to(ROOT)) for p in TESTS.rglob("test_*.py") if p.relative_to(TESTS).parts[0] not in TIERS]
    assert stray == []
