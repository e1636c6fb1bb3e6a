"""One card everywhere (sync.md promise 11): the chain's card keys, card number ranges, quarantined cards.

Every terminal of the chain signs and checks card QR codes with the chain's key, so a card printed in one
store is read offline in every other. Keys have ids and are rotated with an overlap: a terminal keeps the
current key and the one before it, so cards printed before a rotation keep working until the next one.

Card numbers come from ranges the server cuts from one counter, so no two terminals mint one number. A
pre-printed card typed in on two offline terminals still reaches the server twice: the second customer is
kept with every sale, without that card, and the card is listed here for the manager (docs/cards.md).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from app.core.timeutil import now_ms
from server import schema as s
from server.store import next_counter, transaction

RANGE_SIZE = 1000  # card numbers per range handed to a terminal
KEYS_KEPT = 2  # the current key and the one before it: cards printed before a rotation keep working
_FIRST_KEY_LOCK = 7_420_011  # PostgreSQL advisory lock key: the chain's first card key is made once


def current_key(conn: Connection) -> int:
    """The id of the chain's current card key, made on first use."""
    found = conn.execute(select(func.max(s.card_keys.c.id))).scalar()
    if found is None and conn.dialect.name == "postgresql":
        # Two terminals enrolling at once on a new chain make one first key, not one each.
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_FIRST_KEY_LOCK})")
        found = conn.execute(select(func.max(s.card_keys.c.id))).scalar()
    if found is not None:
        return int(found)
    return _new_key(conn)


def _new_key(conn: Connection) -> int:
    key = conn.execute(
        insert(s.card_keys).values(secret=secrets.token_hex(32), created_at=now_ms())
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def keys_for_terminal(conn: Connection) -> dict[str, Any]:
    """What a terminal keeps: the current key's id and the keys it checks cards with (current and previous)."""
    current = current_key(conn)
    rows = conn.execute(select(s.card_keys).order_by(s.card_keys.c.id.desc()).limit(KEYS_KEPT)).all()
    return {"current": current, "keys": [{"id": int(r.id), "secret": str(r.secret)} for r in rows]}


def rotate_key(engine: Engine) -> dict[str, Any]:
    """A new current card key; terminals learn it at their next sync and still accept the previous one."""
    with transaction(engine) as conn:
        current_key(conn)  # a chain rotating its very first key still keeps that one as the previous
        made = _new_key(conn)
        kept = keys_for_terminal(conn)
    return {"current": made, "kept": [k["id"] for k in kept["keys"]]}


def allocate_range(conn: Connection, terminal_id: int, size: int | None = None) -> dict[str, int]:
    """A fresh range of card serials for one terminal, recorded against it; never handed out twice."""
    size = size or RANGE_SIZE
    last = next_counter(conn, "card_serial", size)
    first = last - size + 1
    conn.execute(
        insert(s.card_ranges).values(terminal_id=terminal_id, first_serial=first, last_serial=last, created_at=now_ms())
    )
    return {"first": first, "last": last}


def quarantine(conn: Connection, row: dict[str, Any]) -> None:
    """Record a card issued a second time (its customer is kept without it) for the manager's list."""
    conn.execute(insert(s.card_quarantine).values(**row, created_at=now_ms()))


def quarantined(engine: Engine, limit: int = 1000) -> list[dict[str, Any]]:
    """Cards issued twice, newest first: the card, both customers, the terminal and store that issued it again."""
    with engine.connect() as conn:
        rows = conn.execute(select(s.card_quarantine).order_by(s.card_quarantine.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
