"""Programs come from the chain (sync.md promise 12): what a store joining the chain does with its own program.

A terminal that enrolls names its choice: adopt the chain's program, or seed the chain's program from its own
(only a chain without one). Without a choice, a store whose program differs from the chain's is refused,
before its one-time code is spent, so it can enroll again with a choice (docs/cards.md, "Joining a chain").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import Connection, delete, insert, select

from app.core import repo
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.ids import uuid7
from app.core.program import parse_program
from app.core.timeutil import now_ms
from server import schema as s

Choice = Literal["adopt", "seed"]
# The refusals of a joining store's program choice: the code stays unspent, the terminal enrolls again with one.
CHOICE_REFUSALS = frozenset(
    {"program_choice_needed", "chain_no_program_choose", "chain_no_program", "chain_has_program",
     "seed_without_program"}
)  # fmt: skip


def _canonical(program: Mapping[str, Any]) -> str:
    return json.dumps(dict(program), ensure_ascii=False, sort_keys=True)


def chain_programs(conn: Connection) -> list[dict[str, Any]]:
    """Every program version of the chain, oldest first, as a pull gives them."""
    return [
        {"uid": r.uid, "version": int(r.version), "activate_at": int(r.activate_at), "program": json.loads(r.body)}
        for r in conn.execute(select(t.programs).order_by(t.programs.c.version))
    ]


def seed(conn: Connection, own: Mapping[str, Any]) -> dict[str, Any]:
    """A chain terminal seeds the chain's program from its own, only while the chain has none at all (a store
    the first-run wizard enrolled before its program was chosen); the chain's programs for its answer."""
    return on_enroll(conn, "seed", own)


def on_enroll(conn: Connection, choice: Choice | None, own: Mapping[str, Any] | None) -> dict[str, Any]:
    """Apply a joining store's choice inside the enrollment's transaction; the chain's programs for its answer.

    own: the program the store priced with until now (None for a fresh till or a terminal of the chain)."""
    has_program = conn.execute(select(t.programs.c.version).limit(1)).first() is not None
    if choice == "seed":
        if has_program:
            raise LoyaltyError("chain_has_program")
        if own is None:
            raise LoyaltyError("seed_without_program")
        program = parse_program(dict(own))
        conn.execute(
            insert(t.programs).values(uid=uuid7(), body=_canonical(program.raw), activate_at=0, created_at=now_ms())
        )
    elif choice == "adopt":
        if not has_program:
            raise LoyaltyError("chain_no_program")
    elif own is not None:
        if not has_program:
            raise LoyaltyError("chain_no_program_choose")
        _, current = repo.program_at(conn, now_ms())
        if _canonical(parse_program(dict(own)).raw) != _canonical(current.raw):
            raise LoyaltyError("program_choice_needed")
    return {"programs": chain_programs(conn)}


def record_history(
    conn: Connection,
    terminal_id: int,
    choice: Choice | None,
    history: Sequence[Mapping[str, Any]] | None,
    joined_seq: int | None,
) -> int:
    """Keep the programs a joining store priced its history with (its items sequenced up to `joined_seq` and
    dated before now are re-derived with them: docs/authority.md "A store joining the chain"); the count kept.

    A store that sends none (a fresh till, a terminal of the chain, an older release) keeps what it had: a
    re-enrolled till's history was recorded when it joined. Each program is parsed: a broken one is refused."""
    if not history or joined_seq is None:
        return 0
    epoch = conn.execute(select(s.terminals.c.epoch).where(s.terminals.c.id == terminal_id)).scalar_one()
    joined_at = now_ms()
    rows = []
    for given in history:
        program = parse_program(dict(given["program"]))
        rows.append({"terminal_id": terminal_id, "uid": str(given["uid"]), "epoch": int(epoch),
                     "activate_at": int(given["activate_at"]), "body": _canonical(program.raw),
                     "joined_at": joined_at, "joined_seq": int(joined_seq), "choice": choice})  # fmt: skip
    conn.execute(delete(s.joined_programs).where(s.joined_programs.c.terminal_id == terminal_id))
    conn.execute(insert(s.joined_programs), rows)
    return len(rows)


def joined(conn: Connection) -> list[dict[str, Any]]:
    """Every joining store's own programs, for the admin: which terminal priced its history with what."""
    return [
        {"terminal_id": int(r.terminal_id), "uid": r.uid, "epoch": int(r.epoch), "activate_at": int(r.activate_at),
         "joined_at": int(r.joined_at), "joined_seq": int(r.joined_seq), "choice": r.choice,
         "program": json.loads(r.body)}
        for r in conn.execute(select(s.joined_programs).order_by(s.joined_programs.c.terminal_id,
                                                                  s.joined_programs.c.activate_at))
    ]  # fmt: skip
