"""The project installs as a user gets it: the lock pins what pyproject names, and `pip install .` runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalized (PEP 503)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _locked() -> dict[str, str]:
    """Distribution name -> the lock's entry (its pin, markers and hashes)."""
    entries: dict[str, str] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text(encoding="utf-8")):
        if entry and not entry.startswith("#"):
            entries[_name(entry)] = entry
    return entries


def _server_only_modules() -> list[str]:
    """The modules of the `server` extra's packages that the till's own dependencies do not bring."""
    runtime = {_name(r) for r in PROJECT["dependencies"]}
    extra = {_name(r) for r in PROJECT["optional-dependencies"]["server"]} - runtime
    # The packages these pull in under other names, which the till must not need either.
    brought = {"fastapi": ["starlette"], "psycopg": ["psycopg_binary"], "pydantic": ["pydantic_core"]}
    return sorted({n.replace("-", "_") for n in extra} | {m for n in extra for m in brought.get(n, [])})


def test_the_lock_pins_every_dependency_and_extra_of_pyproject_with_hashes() -> None:
    wanted = list(PROJECT["dependencies"])
    for extra in ("dev", "server"):
        wanted += PROJECT["optional-dependencies"][extra]
    locked = _locked()
    assert {_name(r) for r in wanted} <= set(locked)
    for name, entry in locked.items():
        assert re.match(rf"[^=\s]+=={re.escape(entry.split('==')[1].split()[0])}", entry), name
        assert "--hash=sha256:" in entry, f"{name} has no hash"


def test_the_lock_keeps_pyside6_off_the_release_that_aborts_python_3_11() -> None:
    assert "==6.12.0" not in _locked()["pyside6-essentials"]


def _fresh_venv(tmp_path: Path) -> Path:
    """A new virtualenv that sees this one's packages but not this project, nor the server's stack.

    No network: instead of downloading the dependencies again, a .pth file puts the project's
    .venv site-packages after the new venv's own (an added path's .pth files, among them the
    editable install's, are not run). A finder refuses the `server` extra's modules (FastAPI,
    uvicorn, psycopg...), as a till's install without that extra would.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "_till_only.py").write_text(
        "import importlib.abc, sys\n"
        "class _NoServer(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {_server_only_modules()!r}:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r} (no server extra)', name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _NoServer())\n",
        encoding="utf-8",
    )
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_project_venv.pth").write_text("\n".join([*paths, "import _till_only"]) + "\n", encoding="utf-8")
    return venv


@pytest.mark.slow
def test_a_non_editable_install_creates_a_demo_store_and_renders_a_receipt(tmp_path: Path) -> None:
    venv = _fresh_venv(tmp_path)
    # A copy of what an sdist holds, so the build leaves nothing in the checkout.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("app", "server"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q"]
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "--no-index", str(source)], check=True)
    shutil.rmtree(source)

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LOYALTY_FROZEN_NOW")}
    env |= {"LOYALTY_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}

    def run(*argv: str) -> str:
        # From the temporary folder: nothing of the checkout is on the path.
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        return done.stdout

    terminal = str(venv / "bin" / "loyalty-terminal")
    created = json.loads(run(terminal, "init", "--demo", "--json"))
    assert created["demo"]["customers"] > 0
    assert Path(created["db"]) == home / "terminal.sqlite3"
    sale = json.loads(run(terminal, "sale", "--line", "CAP:2", "CRO", "--json"))
    assert sale["committed"] is True

    receipts = tmp_path / "receipts"
    script = (
        "import sys, app\n"
        "from pathlib import Path\n"
        "from app.bootstrap import bootstrap\n"
        "from app.receipts.printers import PdfFolderPrinter\n"
        "ctx = bootstrap()\n"
        "PdfFolderPrinter(sys.argv[2]).print_receipt(ctx.receipts.for_sale(int(sys.argv[1])))\n"
        "ctx.close()\n"
        "from app.receipts.assets import resource_path\n"
        "print(Path(app.__file__).parent)\n"
        "print(resource_path('fonts', 'LICENSE'))\n"
    )
    package, licence = run(str(venv / "bin" / "python"), "-c", script, str(sale["sale_id"]), str(receipts)).splitlines()
    assert Path(package).is_relative_to(venv)
    assert Path(licence) == Path(package) / "resources" / "fonts" / "LICENSE"
    # The cashier app's data came along too: its Russian translation and the icons its style sheet names.
    ui = Path(package) / "ui" / "resources"
    assert (ui / "translations" / "loyalty_ru.qm").is_file()
    assert {p.name for p in ui.glob("*.svg")} >= {"arrow-down.svg", "arrow-up.svg"}

    # The server's commands are installed too; serving says which extra it needs instead of a traceback.
    serve = subprocess.run(
        [str(venv / "bin" / "loyalty-server"), "serve"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert serve.returncode == 2
    assert "pip install 'loyalty-terminal[server]'" in json.loads(serve.stderr)["error"]

    (pdf,) = receipts.glob("sale-*.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    # Cyrillic that reads back as text: the receipt's fonts came from the installed package.
    assert f"Продажа № {sale['sale_id']}" in text.replace("\u00a0", " ")
    assert "Капучино" in text
    assert "ИТОГО" in text
