"""Server settings from the environment (or a .env-style file named by LOYALTY_SERVER_CONFIG)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where the database is, where to listen, and the first admin."""

    database: str
    host: str = "127.0.0.1"
    port: int = 8400
    admin_name: str | None = None
    admin_password: str | None = None
    expiry_interval_s: int = 3600
    # Failures per window before a lockout (the `limits` notation, server/throttle.py): by admin name,
    # by client address at login, by client address at enrollment.
    login_name_limits: str = "5/minute;20/hour;100/day"
    login_addr_limits: str = "20/minute;100/hour;500/day"
    enroll_addr_limits: str = "10/minute;30/hour;100/day"
    # Password checks at once per process (argon2 takes ~64 MiB and a core each) and how many may wait;
    # more logins than that are refused at once (503), so a flood cannot starve the terminals.
    hash_concurrency: int = 1
    hash_queue: int = 8
    # A refused login or enrollment (locked out, too many at once) is answered after this pause: a
    # guesser's loop that ignores Retry-After then costs the server a sleeping request, not a busy core.
    refusal_delay_ms: int = 1000
    workers: int = 1  # server processes (uvicorn workers) on one PostgreSQL
    db_connections: int = 30  # the most PostgreSQL connections the server's processes open together


def _file_values() -> dict[str, str]:
    path = os.environ.get("LOYALTY_SERVER_CONFIG")
    if not path:
        return {}
    values = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def load() -> Settings:
    """Settings: environment first, then the config file, then defaults (an embedded SQLite file)."""
    values = {**_file_values(), **os.environ}
    default_db = Path(values.get("LOYALTY_HOME", Path.home() / ".local/share/loyalty-terminal")) / "server.sqlite3"
    return Settings(
        database=values.get("LOYALTY_SERVER_DB", str(default_db)),
        host=values.get("LOYALTY_SERVER_HOST", "127.0.0.1"),
        port=int(values.get("LOYALTY_SERVER_PORT", "8400")),
        admin_name=values.get("LOYALTY_ADMIN_NAME"),
        admin_password=values.get("LOYALTY_ADMIN_PASSWORD"),
        expiry_interval_s=int(values.get("LOYALTY_EXPIRY_INTERVAL", "3600")),
        login_name_limits=values.get("LOYALTY_LIMIT_LOGIN_NAME", Settings.login_name_limits),
        login_addr_limits=values.get("LOYALTY_LIMIT_LOGIN_ADDR", Settings.login_addr_limits),
        enroll_addr_limits=values.get("LOYALTY_LIMIT_ENROLL_ADDR", Settings.enroll_addr_limits),
        hash_concurrency=max(1, int(values.get("LOYALTY_HASH_CONCURRENCY", "1"))),
        hash_queue=max(0, int(values.get("LOYALTY_HASH_QUEUE", "8"))),
        refusal_delay_ms=max(0, int(values.get("LOYALTY_REFUSAL_DELAY_MS", "1000"))),
        workers=int(values.get("LOYALTY_SERVER_WORKERS", "1")),
        db_connections=int(values.get("LOYALTY_SERVER_DB_CONNECTIONS", "30")),
    )
