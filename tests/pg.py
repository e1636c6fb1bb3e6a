"""PostgreSQL for tests and benchmarks: a fresh, empty database on a server that surely answers.

Where the server comes from, in order:

1. `TEST_DATABASE_URL`, when set: a uniquely named database is created on that server (with the
   URL's credentials) and dropped afterwards; when the role may not create databases, the URL's
   own database is used as it is.
2. The machine's server on 127.0.0.1:5432 (user postgres, trust auth), when one answers.
3. A private throwaway cluster made with the installed PostgreSQL binaries (`initdb` + `pg_ctl`)
   in a temporary folder, on a free loopback port; as root it runs as the `postgres` user (or
   `nobody`), because PostgreSQL refuses to run as root. It is stopped and deleted afterwards.

`LOYALTY_TEST_PG=cluster` forces the third path (so the fallback itself can be tested).
A run that cannot get PostgreSQL fails with the reason: the server promises are about
PostgreSQL, so a skipped test would hide exactly what matters.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ENV_URL = "TEST_DATABASE_URL"
ENV_FORCE = "LOYALTY_TEST_PG"
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoPostgres(RuntimeError):
    """No PostgreSQL could be had: the message says what was tried."""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _driver_url(url: str) -> str:
    # psycopg wants plain postgresql://; SQLAlchemy URLs may carry +psycopg.
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _answers(url: str) -> str | None:
    """None when a login to this server works, else the reason it does not."""
    try:
        with psycopg.connect(_driver_url(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return " ".join(str(exc).split())


@dataclass(frozen=True)
class PgServer:
    """A PostgreSQL server this run may create databases on."""

    admin_url: str
    origin: str  # "env", "local" or "cluster": which path found it
    folder: Path | None = None  # the private cluster's temporary folder (deleted at the end)

    @contextlib.contextmanager
    def database(self, template: str | None = None) -> Iterator[str]:
        """A new database (its URL), empty or a copy of the database named template (which must have no
        connections open), dropped afterwards even if clients were killed."""
        name = f"loyalty_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        copied = f' TEMPLATE "{template}"' if template else ""
        try:
            with psycopg.connect(_driver_url(self.admin_url), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{name}"{copied}')
        except psycopg.errors.InsufficientPrivilege:
            if self.origin != "env":
                raise
            yield self.admin_url  # the role may not create databases: use the one it was given
            return
        try:
            yield _with_database(self.admin_url, name)
        finally:
            with psycopg.connect(_driver_url(self.admin_url), autocommit=True, connect_timeout=5) as conn:
                # FORCE: a server killed with -9 may leave backends that still hold the database.
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    except (OSError, subprocess.CalledProcessError):
        pass
    raise NoPostgres("no PostgreSQL binaries (initdb, pg_ctl): install the Debian package `postgresql`")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> tuple[int, int] | None:
    """The (uid, gid) to run PostgreSQL as: it refuses to run as root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise NoPostgres("running as root and no `postgres` or `nobody` user exists to run a private PostgreSQL")


@contextlib.contextmanager
def private_cluster() -> Iterator[tuple[str, Path]]:
    """A throwaway cluster on a free loopback port; yields its admin URL and folder, then stops and deletes it."""
    bindir = _bindir()
    owner = _run_as()
    root = Path(tempfile.mkdtemp(prefix="loyalty-pg-"))
    data, log = root / "data", root / "server.log"
    port = _free_port()
    kwargs: dict[str, object] = {"cwd": root, "capture_output": True, "text": True, "timeout": 120}
    if owner is not None:
        os.chown(root, *owner)
        kwargs.update(user=owner[0], group=owner[1], extra_groups=[])
    os.chmod(root, 0o700)

    def run(*cmd: str) -> None:
        proc = subprocess.run(cmd, **kwargs)  # type: ignore[call-overload]
        if proc.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise NoPostgres(f"{Path(cmd[0]).name} failed ({proc.returncode}): {proc.stderr.strip()} {tail}")

    started = False
    try:
        # --no-sync and fsync=off: a test cluster trades durability for speed; it is deleted anyway.
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start")
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", root
    finally:
        if started:
            with contextlib.suppress(NoPostgres, subprocess.TimeoutExpired):
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server(force_cluster: bool | None = None) -> Iterator[PgServer]:
    """A server to make test databases on, found by the three paths of this module's docstring."""
    if force_cluster is None:
        force_cluster = os.environ.get(ENV_FORCE, "") == "cluster"
    tried: list[str] = []
    if not force_cluster:
        given = os.environ.get(ENV_URL)
        if given:
            reason = _answers(given)
            if reason is not None:
                raise NoPostgres(f"{ENV_URL} is set but its server refuses: {reason}")
            yield PgServer(given, "env")
            return
        reason = _answers(LOCAL_URL)
        if reason is None:
            yield PgServer(LOCAL_URL, "local")
            return
        tried.append(f"127.0.0.1:5432: {reason}")
    try:
        with private_cluster() as (url, folder):
            yield PgServer(url, "cluster", folder)
    except NoPostgres as exc:
        raise NoPostgres("; ".join([*tried, f"private cluster: {exc}"])) from None


@contextlib.contextmanager
def postgres_database(force_cluster: bool | None = None) -> Iterator[str]:
    """One fresh empty database on a server found as above (for scripts: the benchmarks)."""
    with postgres_server(force_cluster) as server, server.database() as url:
        yield url


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server; the test fails (never skips) when there is none."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server())
        except NoPostgres as exc:
            pytest.fail(f"PostgreSQL is required and none could be had: {exc}", pytrace=False)
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh empty PostgreSQL database for one test."""
    with pg_server.database() as url:
        yield url
