"""The loyalty program: versions activated now or later, the version in force, the store's time zone."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from app.core import db, repo, sql, wire
from app.core import schema as t
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import LoyaltyError
from app.core.ids import uuid7
from app.core.program import DEFAULT_TIMEZONE, Program, parse_program
from app.core.services.support import Ids, check_actor, write_audit
from app.core.timeutil import iso

__all__ = ["ProgramService", "changed_keys"]


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The top-level keys whose values differ (for the audit row)."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


class ProgramService:
    """Program versions: each activation is validated, stored, queued for the server and audited in one transaction."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK, *, ids: Ids = uuid7) -> None:
        self.engine = engine
        self.clock = clock
        self.ids = ids

    def set_program(
        self, body: Mapping[str, Any], activate_at: int | None = None, *, actor: str, note: str = ""
    ) -> int:
        """Validate and activate a program as a new version (now, or at activate_at); returns its number."""
        actor = check_actor(actor)
        # A JSON array or number is refused by parse_program with its reason, not by dict().
        program = parse_program(dict(body) if isinstance(body, Mapping) else body)
        with db.transaction(self.engine) as conn:
            if repo.chain_mode(conn):
                # An enrolled terminal prices with its chain's versions only (sync.md promise 12): one set here
                # would be priced with on this till alone, and the server refuses it.
                raise LoyaltyError("program_from_chain")
            try:
                before: Mapping[str, Any] = repo.program_at(conn, repo.peek_clock(conn, None, self.clock))[1].raw
            except LoyaltyError:  # the store's first program: every key is new
                before = {}
            uid = self.ids()
            # Without a time the version applies to every operation from now on, back-dated ones too.
            at = 0 if activate_at is None else activate_at
            text = json.dumps(dict(program.raw), ensure_ascii=False, sort_keys=True)
            inserted = conn.execute(
                insert(t.programs).values(
                    uid=uid, body=text, activate_at=at, created_at=repo.next_clock(conn, None, self.clock)
                )
            ).inserted_primary_key
            assert inserted is not None
            version = int(inserted[0])
            outgoing: wire.ProgramBody = {"uid": uid, "program": dict(program.raw), "activate_at": at}
            repo.write_outbox(conn, uid, "program", outgoing)
            changed = changed_keys(before, program.raw)
            detail: dict[str, Any] = {
                "version": version,
                "name": str(program.raw.get("name", "")),
                "when": "now" if activate_at is None else iso(activate_at, program.zone),
                "when_at": activate_at,
                "changes": ", ".join(changed) or "nothing",
                "changed": changed,
            }
            write_audit(conn, self.clock, actor, "program", {**detail, "note": note} if note else detail)
            return version

    def from_chain(self) -> bool:
        """True when the program comes from the chain's server (an enrolled terminal): it is not edited here."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.chain_mode(conn)

    def program(self, at: int | None = None) -> tuple[int, Program]:
        """The program version in force now (or at an instant)."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.program_at(conn, repo.peek_clock(conn, at, self.clock))

    def zone(self) -> ZoneInfo:
        """The store's time zone: the program's in force now, the program default's before any is set."""
        try:
            return self.program()[1].zone
        except LoyaltyError:
            return ZoneInfo(DEFAULT_TIMEZONE)

    def program_versions(self) -> list[dict[str, Any]]:
        """Every program version, newest first: number, when it applies, its name."""
        with db.transaction(self.engine, write=False) as conn:
            rows = sql.rows(
                conn, "SELECT version, uid, body, activate_at, created_at FROM programs ORDER BY version DESC"
            )
        return [
            {
                "version": r.version, "uid": r.uid, "activate_at": r.activate_at, "created_at": r.created_at,
                "name": json.loads(r.body).get("name", ""), "program": json.loads(r.body),
            }
            for r in rows
        ]  # fmt: skip
