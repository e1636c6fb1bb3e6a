"""A real central server (uvicorn, on loopback, in a thread of the test process) and terminals run through the
real command line in-process: the tills talk HTTP to it as they would to a chain's server."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.cli import main
from server.api import create_app
from server.config import Settings

ADMIN = ("admin", "admin-password-1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The server on one database, with an admin session for the manager's calls."""

    def __init__(self, url: str, http: httpx.Client, database: str) -> None:
        self.url = url
        self.http = http
        self.database = database  # for the server's own command line (`loyalty-server --db ...`)

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """An admin call that must succeed; its JSON."""
        response = self.http.request(method, path, **kwargs)
        assert response.is_success, (path, response.status_code, response.text)
        return response.json()

    def register(self, store: str, name: str) -> str:
        """A terminal of a store (made when missing); its one-time enrollment code."""
        store_id = self.admin("POST", "/v1/admin/stores", json={"name": store})["store_id"]
        return str(self.admin("POST", "/v1/admin/terminals", json={"store_id": store_id, "name": name})["code"])


@contextlib.contextmanager
def live_server(database: str) -> Iterator[LiveServer]:
    """Serve database on a free loopback port until the block ends."""
    app = create_app(Settings(database=database, admin_name=ADMIN[0], admin_password=ADMIN[1]))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=url, timeout=60)
    try:
        token = http.post("/v1/admin/login", json={"name": ADMIN[0], "password": ADMIN[1]}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield LiveServer(url, http, database)
    finally:
        http.close()
        server.should_exit = True
        thread.join(30)
        app.state.engine.dispose()


class Till:
    """One terminal's database, driven through `loyalty-terminal` in-process (cli.main)."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.db = folder / "terminal.sqlite3"
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, dict[str, Any]]:
        """One command with --db and --json: its exit status and JSON answer."""
        code = main([*args, "--db", str(self.db), "--json"])
        out = self.capsys.readouterr().out.strip()
        return code, json.loads(out.splitlines()[-1]) if out else {}

    def ok(self, *args: str) -> dict[str, Any]:
        """A command that must succeed."""
        code, data = self.run(*args)
        assert code == 0, (args, data)
        return data
