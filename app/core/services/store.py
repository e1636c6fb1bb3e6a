"""The store itself: its database, secret, name and address, and the server it is enrolled with."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.core import db, repo
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import LoyaltyError
from app.core.identity import CardKeys
from app.core.ids import uuid7
from app.core.services.program import ProgramService
from app.core.services.support import Ids, check_actor, write_audit

__all__ = ["StoreService"]


class StoreService:
    """The store's database and details; a change of details is saved with its audit rows in one transaction."""

    def __init__(
        self,
        engine: Engine,
        db_path: Path | None,
        programs: ProgramService,
        clock: Clock = SYSTEM_CLOCK,
        *,
        ids: Ids = uuid7,
    ) -> None:
        self.engine = engine
        self.db_path = db_path
        self.programs = programs
        self.clock = clock
        self.ids = ids

    def init(self, program: Mapping[str, Any] | None = None, *, actor: str = "system") -> int:
        """Create or upgrade the database; set the program when given. Returns the schema version."""
        version = db.migrate(self.engine, self.db_path)
        with db.transaction(self.engine) as conn:
            if repo.get_meta(conn, "secret") is None:
                repo.set_meta(conn, "secret", secrets.token_hex(32))
                repo.set_meta(conn, "terminal_uid", self.ids())
                repo.set_meta(conn, "card_serial", "0")
        if program is not None:
            self.programs.set_program(program, actor=actor)
        return version

    def store_details(self) -> tuple[str, str]:
        """The store's name and address for receipts and reports ("" when not set)."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.get_meta(conn, "store_name") or "", repo.get_meta(conn, "store_address") or ""

    def set_store_details(
        self,
        name: str | None,
        address: str | None,
        *,
        actor: str,
        till_settings: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Store name and address (None: leave it as it is), each change audited, in one transaction.

        The till's own settings changed at the same time (key, old, new: the printer, the camera, kept by
        the front end) are audited in that transaction too, so a saved settings page is recorded whole or not at all.
        """
        actor = check_actor(actor)
        with db.transaction(self.engine) as conn:
            for key, value in (("store_name", name), ("store_address", address)):
                if value is None:
                    continue
                old, new = repo.get_meta(conn, key) or "", value.strip()
                if old != new:
                    repo.set_meta(conn, key, new)
                    write_audit(conn, self.clock, actor, "setting_changed", {"key": key, "old": old, "new": new})
            for key, old, new in till_settings:
                write_audit(conn, self.clock, actor, "setting_changed", {"key": key, "old": old, "new": new})

    def server_url(self) -> str:
        """The central server this terminal is enrolled with ("" on a standalone till)."""
        with db.transaction(self.engine, write=False) as conn:
            if repo.get_meta(conn, "token") is None:
                return ""
            return repo.get_meta(conn, "server_url") or ""

    def secret(self) -> bytes:
        """The per-merchant secret that signs card QR codes."""
        with db.transaction(self.engine, write=False) as conn:
            value = repo.get_meta(conn, "secret")
        if value is None:
            raise LoyaltyError("not_initialised")
        return bytes.fromhex(value)

    def card_keys(self) -> CardKeys:
        """The keys card QR codes are signed and checked with: this store's own and, in a chain, the chain's."""
        with db.transaction(self.engine, write=False) as conn:
            if repo.get_meta(conn, "secret") is None:
                raise LoyaltyError("not_initialised")
            return repo.card_keys(conn)

    def awaiting_reconnect(self) -> bool:
        """True when this chain terminal was restored from a backup and must be enrolled with its server again."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.awaiting_reconnect(conn)
