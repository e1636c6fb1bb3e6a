"""The till's side of token rotation: the background sync replaces a token older than its age limit,
and an enrolled till from before rotation starts counting at its first sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import server.auth as server_auth
from app.bootstrap import Context, bootstrap
from app.core import db, repo
from app.core.services.support import SYSTEM
from app.core.timeutil import now_ms
from app.sync.service import TOKEN_MAX_AGE_MS, SyncService
from server.api import create_app
from server.config import Settings

ADMIN = ("admin", "rotation-secret")
URL = "http://chain.test"


@pytest.fixture
def till(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Context, SyncService, TestClient]]:
    monkeypatch.setattr(server_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    app = create_app(Settings(database=str(tmp_path / "server.sqlite3"), admin_name=ADMIN[0], admin_password=ADMIN[1]))
    http = TestClient(app, base_url=URL)
    admin = {
        "Authorization": "Bearer "
        + http.post("/v1/admin/login", json=dict(zip(("name", "password"), ADMIN, strict=True))).json()["token"]
    }
    store = http.post("/v1/admin/stores", json={"name": "Садовая"}, headers=admin).json()["store_id"]
    code = http.post("/v1/admin/terminals", json={"store_id": store, "name": "Садовая-1"}, headers=admin).json()["code"]
    ctx = bootstrap(tmp_path / "t" / "terminal.sqlite3", create=True)
    ctx.store.init()
    sync = SyncService(ctx.engine, transport=http._transport)
    sync.enroll(URL, code, actor=SYSTEM)
    yield ctx, sync, http
    ctx.close()
    app.state.engine.dispose()


def _meta(ctx: Context, key: str) -> str | None:
    with db.transaction(ctx.engine, write=False) as conn:
        return repo.get_meta(conn, key)


def _set_meta(ctx: Context, key: str, value: str | None) -> None:
    with db.transaction(ctx.engine) as conn:
        if value is None:
            conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (key,))
        else:
            repo.set_meta(conn, key, value)


def test_a_young_token_is_kept_by_a_sync(till: tuple[Context, SyncService, TestClient]) -> None:
    ctx, sync, _ = till
    token = _meta(ctx, "token")
    sync.sync_once()
    assert _meta(ctx, "token") == token


def test_a_token_past_its_age_is_replaced_by_the_next_sync(till: tuple[Context, SyncService, TestClient]) -> None:
    ctx, sync, http = till
    old = _meta(ctx, "token")
    _set_meta(ctx, "token_issued_ms", str(now_ms() - TOKEN_MAX_AGE_MS - 1))
    sync.sync_once()
    assert _meta(ctx, "token") != old
    assert http.get("/v1/sync/pull", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    sync.sync_once()


def test_a_till_enrolled_before_rotation_starts_its_tokens_age_at_its_first_sync(
    till: tuple[Context, SyncService, TestClient],
) -> None:
    ctx, sync, _ = till
    token = _meta(ctx, "token")
    _set_meta(ctx, "token_issued_ms", None)
    sync.sync_once()
    assert _meta(ctx, "token") == token and _meta(ctx, "token_issued_ms") is not None
