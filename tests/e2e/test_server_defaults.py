"""`loyalty-server` on its defaults, as the README starts it: a fresh home, no settings at all."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ROOT, _command, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PASSWORD = "fresh-home-pass-1"


def _fresh_home_env(home: Path) -> dict[str, str]:
    """The environment of a user who has never run the server: no setting of ours, a HOME of their own."""
    ours = ("LOYALTY_", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours) and "proxy" not in k.lower()}
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the virtualenv was installed from
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def test_the_server_starts_from_a_fresh_home_and_makes_its_data_folder_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = _fresh_home_env(home)
    admin = subprocess.run(
        [*_command("loyalty-server"), "admin", "admin", "--password", PASSWORD],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert admin.returncode == 0, admin.stdout + admin.stderr
    assert json.loads(admin.stdout) == {"admin": "admin"}
    folder = home / ".local" / "share" / "loyalty-terminal"
    assert (folder / "server.sqlite3").is_file()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*_command("loyalty-server"), "serve", "--port", str(port)], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        assert proc.poll() is None, f"the server exited with {proc.returncode}: {log.read_text()}"
        login = httpx.post(url + "/v1/admin/login", json={"name": "admin", "password": PASSWORD}, timeout=10)
        assert login.status_code == 200, login.text
        assert login.json()["token"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_server_names_a_data_folder_it_cannot_create(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".local").write_text("a file where the folder should be")
    proc = subprocess.run(
        [*_command("loyalty-server"), "admin", "admin", "--password", PASSWORD],
        env=_fresh_home_env(home), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    error = json.loads(proc.stderr.strip().splitlines()[-1])["error"]
    assert "cannot create the server's data folder" in error and str(home / ".local") in error
