"""Terminal identity (one-time code → token, only hashes stored) and admin users."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import Connection, Engine, insert, select, update

from app.core.errors import LoyaltyError
from app.core.timeutil import DAY_MS, now_ms
from server import schema as s
from server.store import next_counter, transaction

_hasher = PasswordHasher()
CODE_TTL_MS = DAY_MS


def digest(secret: str) -> str:
    """How a token or code is stored: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Terminal:
    """An authenticated terminal."""

    id: int
    store_id: int
    name: str
    epoch: int


def add_store(engine: Engine, name: str, address: str = "") -> int:
    """Create a store (or return the one with this name)."""
    with transaction(engine) as conn:
        found = conn.execute(select(s.stores.c.id).where(s.stores.c.name == name)).scalar()
        if found is not None:
            return int(found)
        key = conn.execute(insert(s.stores).values(name=name, address=address)).inserted_primary_key
        assert key is not None
        return int(key[0])


def register_terminal(engine: Engine, store_id: int, name: str) -> tuple[int, str]:
    """Register a terminal; returns its id and a one-time enrollment code (valid 24 h)."""
    code = secrets.token_hex(5).upper()
    with transaction(engine) as conn:
        if conn.execute(select(s.stores.c.id).where(s.stores.c.id == store_id)).first() is None:
            raise LoyaltyError("unknown_store", store=store_id)
        key = conn.execute(
            insert(s.terminals).values(
                store_id=store_id, name=name, code_hash=digest(code), code_expires_at=now_ms() + CODE_TTL_MS, epoch=0,
                revoked=0,
            )
        ).inserted_primary_key  # fmt: skip
        assert key is not None
        return int(key[0]), code


def new_code(engine: Engine, terminal_id: int) -> str:
    """A fresh one-time code to re-enroll a terminal (re-imaged or restored): its old token stops working."""
    code = secrets.token_hex(5).upper()
    with transaction(engine) as conn:
        done = conn.execute(
            update(s.terminals)
            .where(s.terminals.c.id == terminal_id)
            .values(code_hash=digest(code), code_expires_at=now_ms() + CODE_TTL_MS)
        ).rowcount
        if not done:
            raise LoyaltyError("unknown_terminal", terminal=terminal_id)
    return code


def exchange_code(
    engine: Engine, code: str, extra: Callable[[Connection, int], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Trade a one-time code for a token; each exchange starts a new epoch and supersedes the old token.

    extra(conn, terminal_id) runs in the same transaction once the code is found good: what it returns joins
    the answer (the chain's card keys, a card range, the programs), and what it refuses leaves the code unspent."""
    token = secrets.token_urlsafe(32)
    with transaction(engine) as conn:
        row = conn.execute(select(s.terminals).where(s.terminals.c.code_hash == digest(code.strip().upper()))).first()
        if row is None or row.code_expires_at is None or row.code_expires_at < now_ms():
            raise LoyaltyError("enroll_code")
        if row.revoked:
            raise LoyaltyError("revoked")
        epoch = row.epoch + 1
        conn.execute(
            update(s.terminals)
            .where(s.terminals.c.id == row.id)
            .values(token_hash=digest(token), code_hash=None, code_expires_at=None, epoch=epoch, last_seq=None)
        )
        store = conn.execute(select(s.stores).where(s.stores.c.id == row.store_id)).one()
        block = row.id  # each terminal numbers its cards in its own block: no two terminals mint one number
        next_counter(conn, "card_block")
        more = extra(conn, int(row.id)) if extra is not None else {}
    return {
        **more,
        "terminal_id": row.id,
        "token": token,
        "epoch": epoch,
        "card_block": block,
        "store": {"id": store.id, "name": store.name, "address": store.address},
        "terminal_name": row.name,
    }


def terminal_for(engine: Engine, token: str) -> Terminal:
    """The terminal holding this token; LoyaltyError when unknown or revoked."""
    with engine.connect() as conn:
        row = conn.execute(select(s.terminals).where(s.terminals.c.token_hash == digest(token))).first()
    if row is None:
        raise LoyaltyError("token_superseded")
    if row.revoked:
        raise LoyaltyError("revoked")
    return Terminal(row.id, row.store_id, row.name, row.epoch)


def revoke(engine: Engine, terminal_id: int) -> None:
    """Refuse this terminal from now on."""
    with transaction(engine) as conn:
        if not conn.execute(update(s.terminals).where(s.terminals.c.id == terminal_id).values(revoked=1)).rowcount:
            raise LoyaltyError("unknown_terminal", terminal=terminal_id)


def add_admin(engine: Engine, name: str, password: str) -> None:
    """Create an admin user (or reset the password of an existing one)."""
    if len(password) < 8:
        raise LoyaltyError("admin_password_short")
    hashed = _hasher.hash(password)
    with transaction(engine) as conn:
        if not conn.execute(update(s.admins).where(s.admins.c.name == name).values(password_hash=hashed)).rowcount:
            conn.execute(insert(s.admins).values(name=name, password_hash=hashed))


def admin_login(engine: Engine, name: str, password: str) -> str:
    """An admin session token (12 h) for a correct name and password."""
    with engine.connect() as conn:
        row = conn.execute(select(s.admins).where(s.admins.c.name == name)).first()
    try:
        if row is None:
            raise VerificationError("unknown admin")
        _hasher.verify(row.password_hash, password)
    except VerificationError:
        raise LoyaltyError("admin_wrong") from None
    token = secrets.token_urlsafe(32)
    with transaction(engine) as conn:
        conn.execute(
            insert(s.admin_tokens).values(token_hash=digest(token), admin_id=row.id, expires_at=now_ms() + DAY_MS // 2)
        )
    return token


def admin_for(engine: Engine, token: str) -> int:
    """The admin id of a live session token."""
    with engine.connect() as conn:
        row = conn.execute(select(s.admin_tokens).where(s.admin_tokens.c.token_hash == digest(token))).first()
    if row is None or row.expires_at < now_ms():
        raise LoyaltyError("admin_session")
    return int(row.admin_id)
