"""Server hardening through the real HTTP API: lockout of admin login and enrollment (shared by server
processes on one database), body size limits, login logging, logout, sessions ended by a password
reset, terminal token rotation, long hashed enrollment codes, admin and manager roles."""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update

import server.auth as server_auth
from server import schema as s
from server.api import PUSH_BODY_MAX, SMALL_BODY_MAX, create_app
from server.config import Settings
from server.main import main as server_main
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)

ADMIN = ("admin", "hardening-secret")
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class CountingHasher(PasswordHasher):
    """A cheap hasher that counts the passwords it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(server_auth, "_hasher", counting)
    return counting


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "server.sqlite3")
        return
    with request.getfixturevalue("pg_server").database() as url:
        yield url


def _server(database: str, **settings: Any) -> TestClient:
    # No pause before a refusal: the tests would only wait for it.
    settings = {"refusal_delay_ms": 0, **settings}
    app = create_app(Settings(database=database, admin_name=ADMIN[0], admin_password=ADMIN[1], **settings))
    return TestClient(app)


@pytest.fixture
def client(hasher: CountingHasher, tmp_path: Path) -> Iterator[TestClient]:
    http = _server(str(tmp_path / "server.sqlite3"))
    yield http
    http.app.state.engine.dispose()  # type: ignore[attr-defined]


def _login(http: TestClient, name: str = ADMIN[0], password: str = ADMIN[1]) -> Any:
    return http.post("/v1/admin/login", json={"name": name, "password": password})


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _admin(http: TestClient) -> dict[str, str]:
    return _as(_login(http).json()["token"])


def _terminal_code(http: TestClient, admin: dict[str, str], store: str = "Садовая") -> str:
    store_id = http.post("/v1/admin/stores", json={"name": store}, headers=admin).json()["store_id"]
    return str(
        http.post("/v1/admin/terminals", json={"store_id": store_id, "name": f"{store}-1"}, headers=admin).json()[
            "code"
        ]
    )


# ----------------------------------------------------------------------------- lockout


def test_five_wrong_passwords_lock_the_name_out_even_for_the_right_password(client: TestClient) -> None:
    for _ in range(5):
        assert _login(client, password="wrong-password").status_code == 401
    locked = _login(client)
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    assert locked.json()["code"] == "login_locked"
    assert "try again in" in locked.json()["detail"]


def test_a_locked_out_login_hashes_no_password(client: TestClient, hasher: CountingHasher) -> None:
    for _ in range(5):
        _login(client, password="wrong-password")
    before = hasher.verified
    assert _login(client).status_code == 429
    assert hasher.verified == before


def test_one_locked_name_does_not_lock_another(client: TestClient) -> None:
    for _ in range(5):
        _login(client, name="mallory", password="wrong-password")
    assert _login(client).status_code == 200


def test_many_names_from_one_address_lock_the_address(client: TestClient) -> None:
    for i in range(20):
        assert _login(client, name=f"guess{i}", password="wrong-password").status_code == 401
    assert _login(client).status_code == 429


def test_the_lockout_holds_in_every_server_process_on_one_database(hasher: CountingHasher, database: str) -> None:
    first, second = _server(database), _server(database)
    try:
        for _ in range(3):
            assert _login(first, password="wrong-password").status_code == 401
        for _ in range(2):
            assert _login(second, password="wrong-password").status_code == 401
        assert _login(first).status_code == 429
        assert _login(second).status_code == 429
    finally:
        for http in (first, second):
            http.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_the_lockout_grows_with_the_windows(hasher: CountingHasher, tmp_path: Path) -> None:
    http = _server(str(tmp_path / "server.sqlite3"), login_name_limits="2/minute;3/hour")
    engine = http.app.state.engine  # type: ignore[attr-defined]
    for _ in range(2):
        _login(http, password="wrong-password")
    assert int(_login(http).headers["Retry-After"]) <= 60
    # The minute's window passes (moved back by hand: no test waits), one more failure fills the hour's.
    with engine.begin() as conn:
        conn.execute(update(s.rate_limits).where(s.rate_limits.c.key.like("%/1/minute")).values(expires_at=0))
    assert _login(http, password="wrong-password").status_code == 401
    assert int(_login(http).headers["Retry-After"]) > 60
    engine.dispose()


def test_an_unknown_name_costs_one_password_check_like_a_known_one(client: TestClient, hasher: CountingHasher) -> None:
    before = hasher.verified
    assert _login(client, password="wrong-password").status_code == 401
    known = hasher.verified - before
    assert _login(client, name="nobody", password="wrong-password").status_code == 401
    assert hasher.verified - before - known == known == 1
    assert _login(client, name="nobody").json() == _login(client, password="wrong-password!").json()


def test_a_failed_login_is_logged_with_name_and_address_without_the_password(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="loyalty.server"):
        _login(client, name="mallory", password="hunter2-secret")
    lines = [r.getMessage() for r in caplog.records if r.name == "loyalty.server"]
    assert len(lines) == 1
    assert "mallory" in lines[0] and "testclient" in lines[0]
    assert "hunter2" not in caplog.text


def test_wrong_enrollment_codes_lock_the_address_out(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    for _ in range(10):
        assert client.post("/v1/terminals/enroll", json={"code": "AAAA-BBBB-CCCC"}).status_code == 400
    locked = client.post("/v1/terminals/enroll", json={"code": code})
    assert locked.status_code == 429 and locked.json()["code"] == "enroll_locked"
    assert int(locked.headers["Retry-After"]) >= 1


# ----------------------------------------------------------------------------- body size


def test_a_push_larger_than_its_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    token = client.post("/v1/terminals/enroll", json={"code": code}).json()["token"]
    body = b"{" + b" " * PUSH_BODY_MAX + b"}"
    answer = client.post("/v1/sync/push", content=body, headers={**_as(token), "Content-Type": "application/json"})
    assert answer.status_code == 413


def test_a_login_body_past_a_few_kilobytes_is_refused_not_parsed(client: TestClient, hasher: CountingHasher) -> None:
    # Not even JSON: a parsed body would answer 422.
    answer = client.post("/v1/admin/login", content=b"x" * (SMALL_BODY_MAX + 1))
    assert answer.status_code == 413
    assert hasher.verified == 0


def test_a_body_without_a_length_is_cut_off_at_the_limit(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 1024

    answer = client.post("/v1/admin/login", content=chunks())
    assert answer.status_code == 413


# ----------------------------------------------------------------------------- sessions


def test_logout_ends_the_session(client: TestClient) -> None:
    admin = _admin(client)
    assert client.get("/v1/admin/stores", headers=admin).status_code == 200
    assert client.post("/v1/admin/logout", headers=admin).status_code == 200
    assert client.get("/v1/admin/stores", headers=admin).status_code == 401


def test_a_password_reset_ends_every_session_of_that_admin(client: TestClient, tmp_path: Path) -> None:
    admin = _admin(client)
    db = str(tmp_path / "server.sqlite3")
    assert server_main(["admin", ADMIN[0], "--password", ADMIN[1], "--db", db]) == 0  # the same password
    assert client.get("/v1/admin/stores", headers=admin).status_code == 200
    assert server_main(["admin", ADMIN[0], "--password", "a-new-secret", "--db", db]) == 0
    refused = client.get("/v1/admin/stores", headers=admin)
    assert refused.status_code == 401 and "admin session" in refused.json()["detail"]
    assert _login(client, password="a-new-secret").status_code == 200


# ----------------------------------------------------------------------------- terminal tokens


def test_a_rotated_token_replaces_the_old_one_once_it_is_used(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    old = client.post("/v1/terminals/enroll", json={"code": code}).json()["token"]
    new = client.post("/v1/terminals/token", json={}, headers=_as(old)).json()["token"]
    # Until the terminal has the new token in hand (the answer may be lost), the old one still works.
    assert client.get("/v1/sync/pull", headers=_as(old)).status_code == 200
    assert client.get("/v1/sync/pull", headers=_as(new)).status_code == 200
    refused = client.get("/v1/sync/pull", headers=_as(old))
    assert refused.status_code == 401 and "superseded" in refused.json()["detail"]
    assert client.get("/v1/sync/pull", headers=_as(new)).status_code == 200


def test_a_rotation_whose_answer_was_lost_is_asked_again(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    old = client.post("/v1/terminals/enroll", json={"code": code}).json()["token"]
    lost = client.post("/v1/terminals/token", json={}, headers=_as(old)).json()["token"]
    again = client.post("/v1/terminals/token", json={}, headers=_as(old)).json()["token"]
    assert client.get("/v1/sync/pull", headers=_as(lost)).status_code == 401
    assert client.get("/v1/sync/pull", headers=_as(again)).status_code == 200


# ----------------------------------------------------------------------------- enrollment codes


def test_an_enrollment_code_has_128_bits_grouped_and_only_its_hash_is_stored(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    groups = code.split("-")
    assert all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4
    assert len(base64.b32decode("".join(groups) + "======")) == 16
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.execute(select(s.terminals.c.code_hash)).scalar_one()
    assert code not in stored and "".join(groups) not in stored
    assert stored == hashlib.sha256("".join(groups).encode()).hexdigest()


def test_a_code_typed_in_small_letters_with_spaces_works_once(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    typed = code.lower().replace("-", " ")
    assert client.post("/v1/terminals/enroll", json={"code": typed}).status_code == 200
    assert client.post("/v1/terminals/enroll", json={"code": code}).status_code == 400


def test_an_expired_code_is_refused(client: TestClient) -> None:
    code = _terminal_code(client, _admin(client))
    with client.app.state.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(s.terminals).values(code_expires_at=1))
    answer = client.post("/v1/terminals/enroll", json={"code": code})
    assert answer.status_code == 400 and "expired" in answer.json()["detail"]


# ----------------------------------------------------------------------------- roles


def test_a_manager_login_cannot_administer(client: TestClient) -> None:
    admin = _admin(client)
    client.post("/v1/admin/stores", json={"name": "Садовая"}, headers=admin)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    server_auth.add_admin(engine, "olga", "manager-secret", "manager", [1])
    manager = _as(_login(client, "olga", "manager-secret").json()["token"])
    refused = client.post("/v1/admin/stores", json={"name": "Арбат"}, headers=manager)
    assert refused.status_code == 403 and "admin login" in refused.json()["detail"]


def test_an_unknown_role_or_store_is_refused_and_nothing_is_written(client: TestClient, tmp_path: Path) -> None:
    db = str(tmp_path / "server.sqlite3")
    assert (
        server_main(["admin", "olga", "--password", "manager-secret", "--role", "manager", "--store", "7", "--db", db])
        == 2
    )
    assert _login(client, "olga", "manager-secret").status_code == 401


def test_the_librarys_limiter_reads_the_same_counters(tmp_path: Path) -> None:
    from limits import parse

    from server.store import create_schema, make_engine
    from server.throttle import Guard, Throttle

    engine = make_engine(str(tmp_path / "server.sqlite3"))
    create_schema(engine)
    throttle = Throttle(engine, {"login-name": "3/minute;10/hour"})
    guard = Guard("login-name", "mallory")
    minute, hour = parse("3/minute"), parse("10/hour")
    for _ in range(2):
        throttle.fail([guard])
    assert throttle.wait_s([guard]) == 0 and throttle.limiter.test(minute, guard.kind, guard.value)
    assert throttle.limiter.hit(minute, guard.kind, guard.value)  # the library's own hit: the third
    assert throttle.wait_s([guard]) > 0 and not throttle.limiter.test(minute, guard.kind, guard.value)
    assert throttle.limiter.get_window_stats(hour, guard.kind, guard.value).remaining == 8
    engine.dispose()
