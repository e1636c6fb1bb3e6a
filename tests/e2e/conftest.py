"""Real processes on loopback: the server under uvicorn, terminals as CLI processes, PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pg import PgServer, pg_server, pg_url  # the fixtures of this folder

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN = ("admin", "e2e-secret-pass")


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (only loopback is ever used)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(name: str) -> list[str]:
    """The installed console script, or `python -m` when the venv has not got it yet."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    module = {"loyalty-server": "server.main", "loyalty-terminal": "app"}[name]
    return [sys.executable, "-m", module]


def child_env() -> dict[str, str]:
    """The environment of every child: the repository importable, no proxy settings that could leave loopback."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(ROOT)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


class ServerProcess:
    """`loyalty-server serve` as a real child process on 127.0.0.1, restartable on the same port."""

    def __init__(self, db: str, log: Path, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.port = port or free_port()
        self.log = log
        self.env = dict(env or {})  # more settings for the server (LOYALTY_EXPIRY_INTERVAL, ...)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its direct address (the admin talks to it without the fault proxy)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start it and wait until /healthz answers."""
        env = {**child_env(), "LOYALTY_ADMIN_NAME": ADMIN[0], "LOYALTY_ADMIN_PASSWORD": ADMIN[1], **self.env}
        cmd = [*_command("loyalty-server"), "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        raise AssertionError(f"the server did not answer in {timeout} s: {self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        """`kill -9`: no shutdown handler runs, an open transaction is simply gone."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """An orderly stop (SIGTERM), then SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()


class Admin:
    """The admin API of a running server, spoken to directly (not through the fault proxy)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        token = self.call("POST", "/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]})["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request; anything but 2xx fails the test with the server's reason."""
        response = self.http.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


class Terminal:
    """One terminal: a database file in its own folder, driven only through `loyalty-terminal` processes."""

    def __init__(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.db = folder / "terminal.sqlite3"

    def argv(self, *args: str) -> list[str]:
        """The command line of one CLI call (`--db` and `--json` first, as the README writes them)."""
        return [*_command("loyalty-terminal"), "--db", str(self.db), "--json", *args]

    def run(self, *args: str, ok: bool = True, timeout: float = 120) -> tuple[int, dict[str, Any]]:
        """Run one CLI call to the end; returns its exit status and its JSON answer."""
        proc = subprocess.run(
            self.argv(*args), env=child_env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        try:
            data = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
        except json.JSONDecodeError:
            data = {"raw": proc.stdout}
        if ok and proc.returncode != 0:
            raise AssertionError(f"{self.name} {' '.join(args)} exited {proc.returncode}: {proc.stdout} {proc.stderr}")
        return proc.returncode, data

    def sale(self, card: str, *lines: str, redeem: str | None = None) -> dict[str, Any]:
        """`sale --card CARD --line ... [--redeem N|max]`: the committed sale's JSON."""
        extra = ("--redeem", redeem) if redeem is not None else ()
        return self.run("sale", "--card", card, *extra, "--line", *lines)[1]

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start a CLI call without waiting (to kill it in the middle)."""
        return subprocess.Popen(
            self.argv(*args), env=child_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    """Make ServerProcess objects that are stopped at the end of the test, whatever happened."""
    made: list[ServerProcess] = []

    def make(db: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(db, tmp_path / f"server-{len(made)}.log", env=env)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


__all__ = ["ADMIN", "Admin", "PgServer", "ServerProcess", "Terminal", "child_env", "free_port", "pg_server", "pg_url"]
