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
        workers=int(values.get("LOYALTY_SERVER_WORKERS", "1")),
        db_connections=int(values.get("LOYALTY_SERVER_DB_CONNECTIONS", "30")),
    )
