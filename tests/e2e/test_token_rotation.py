"""Terminal token rotation with the real programs: `loyalty-terminal sync rotate-token` against
`loyalty-server serve` (uvicorn); the old token is refused afterwards and the till syncs on."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import Admin, Terminal


def _token(term: Terminal) -> str:
    with sqlite3.connect(term.db) as conn:
        return str(conn.execute("SELECT value FROM meta WHERE key = 'token'").fetchone()[0])


def test_sync_rotate_token_retires_the_old_token(server_factory: Any, tmp_path: Path) -> None:
    server = server_factory(str(tmp_path / "server.sqlite3")).start()
    admin = Admin(server.url)
    try:
        store = admin.call("POST", "/v1/admin/stores", json={"name": "Садовая"})["store_id"]
        code = admin.call("POST", "/v1/admin/terminals", json={"store_id": store, "name": "Садовая-1"})["code"]
        term = Terminal(tmp_path / "t1", "Садовая-1")
        term.run("init")
        term.run("enroll", "--server", server.url, "--code", code)
        old = _token(term)
        _, out = term.run("sync", "rotate-token")
        assert out["rotated"] is True
        new = _token(term)
        assert new != old
        refused = httpx.get(server.url + "/v1/sync/pull", headers={"Authorization": f"Bearer {old}"})
        assert refused.status_code == 401 and "superseded" in refused.json()["detail"]
        assert term.run("sync")[0] == 0
    finally:
        admin.close()
