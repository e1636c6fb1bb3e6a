"""Terminal identity (one-time code → token, only hashes stored, tokens rotated) and admin users."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from app.core import repo
from app.core.errors import LoyaltyError
from app.core.timeutil import DAY_MS, now_ms
from server import schema as s
from server.store import next_counter, transaction

_hasher = PasswordHasher()
CODE_TTL_MS = DAY_MS
SESSION_MS = DAY_MS // 2
CODE_BYTES = 16  # 128 bits: its SHA-256 cannot be searched back, so a stolen code_hash gives no code away
CODE_GROUP = 4
Role = Literal["admin", "manager"]
ROLES: tuple[Role, ...] = ("admin", "manager")


def digest(secret: str) -> str:
    """How a token or code is stored: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_enrollment_code() -> str:
    """A one-time code of 128 random bits in base32, grouped for typing: "ABCD-EFGH-…" (26 letters and digits)."""
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")
    return "-".join(text[i : i + CODE_GROUP] for i in range(0, len(text), CODE_GROUP))


def normalize_code(code: str) -> str:
    """A typed code as it is hashed: without the group dashes and spaces, in capitals."""
    return "".join(ch for ch in code.upper() if ch not in "- \t")


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
    code = new_enrollment_code()
    with transaction(engine) as conn:
        if conn.execute(select(s.stores.c.id).where(s.stores.c.id == store_id)).first() is None:
            raise LoyaltyError("unknown_store", store=store_id)
        key = conn.execute(
            insert(s.terminals).values(
                store_id=store_id, name=name, code_hash=digest(normalize_code(code)),
                code_expires_at=now_ms() + CODE_TTL_MS, epoch=0, revoked=0, token_issued_at=None,
            )
        ).inserted_primary_key  # fmt: skip
        assert key is not None
        return int(key[0]), code


def new_code(engine: Engine, terminal_id: int) -> str:
    """A fresh one-time code to re-enroll a terminal (re-imaged or restored): its old token stops working."""
    code = new_enrollment_code()
    with transaction(engine) as conn:
        done = conn.execute(
            update(s.terminals)
            .where(s.terminals.c.id == terminal_id)
            .values(code_hash=digest(normalize_code(code)), code_expires_at=now_ms() + CODE_TTL_MS)
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
        row = conn.execute(select(s.terminals).where(s.terminals.c.code_hash == digest(normalize_code(code)))).first()
        if row is None or row.code_expires_at is None or row.code_expires_at < now_ms():
            raise LoyaltyError("enroll_code")
        if row.revoked:
            raise LoyaltyError("revoked")
        epoch = row.epoch + 1
        fresh = {"token_hash": digest(token), "next_token_hash": None, "token_issued_at": now_ms()}
        conn.execute(
            update(s.terminals)
            .where(s.terminals.c.id == row.id)
            .values(**fresh, code_hash=None, code_expires_at=None, epoch=epoch, last_seq=None)
        )
        store = conn.execute(select(s.stores).where(s.stores.c.id == row.store_id)).one()
        block = row.id  # each terminal numbers its cards in its own block: no two terminals mint one number
        next_counter(conn, "card_block")
        more = extra(conn, int(row.id)) if extra is not None else {}
        phone_key = repo.get_meta(conn, "phone_key")
    return {
        **more,
        "terminal_id": row.id,
        "token": token,
        "epoch": epoch,
        "card_block": block,
        "store": {"id": store.id, "name": store.name, "address": store.address},
        "terminal_name": row.name,
        "phone_key": phone_key,  # the chain's key of pulled phones (sync.md promise 10, docs/authority.md)
    }


def terminal_for(engine: Engine, token: str) -> Terminal:
    """The terminal holding this token; LoyaltyError when unknown or revoked.

    A rotated token (rotate_token) becomes the terminal's only token the first time it is used."""
    hashed = digest(token)
    t = s.terminals
    with engine.connect() as conn:
        row = conn.execute(select(t).where(or_(t.c.token_hash == hashed, t.c.next_token_hash == hashed))).first()
    if row is None:
        raise LoyaltyError("token_superseded")
    if row.revoked:
        raise LoyaltyError("revoked")
    if row.next_token_hash == hashed:
        with transaction(engine) as conn:
            conn.execute(
                update(t)
                .where(t.c.id == row.id, t.c.next_token_hash == hashed)
                .values(token_hash=hashed, next_token_hash=None, token_issued_at=now_ms())
            )
    return Terminal(row.id, row.store_id, row.name, row.epoch)


def rotate_token(engine: Engine, terminal: Terminal) -> str:
    """A new token for this terminal; its current one keeps working until the new one is first used,
    then never again (an answer lost on the way does not lock the terminal out: it asks again)."""
    token = secrets.token_urlsafe(32)
    with transaction(engine) as conn:
        conn.execute(update(s.terminals).where(s.terminals.c.id == terminal.id).values(next_token_hash=digest(token)))
    return token


def revoke(engine: Engine, terminal_id: int) -> None:
    """Refuse this terminal from now on."""
    with transaction(engine) as conn:
        if not conn.execute(update(s.terminals).where(s.terminals.c.id == terminal_id).values(revoked=1)).rowcount:
            raise LoyaltyError("unknown_terminal", terminal=terminal_id)


@dataclass(frozen=True)
class Admin:
    """A logged-in admin or manager: a manager reads the reports of its stores (ids) only."""

    id: int
    name: str
    role: Role
    stores: frozenset[int]

    def sees(self, store_id: int) -> bool:
        """True when this login may read the store's reports."""
        return self.role == "admin" or store_id in self.stores


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_admin(
    engine: Engine, name: str, password: str, role: Role | None = None, stores: Iterable[int] | None = None
) -> None:
    """Create an admin user (or reset the password of an existing one, which ends all its sessions);
    role and stores, when given, set what the login may do ("manager": the reports of those stores)."""
    if len(password) < 8:
        raise LoyaltyError("admin_password_short")
    if role is not None and role not in ROLES:
        raise LoyaltyError("admin_role", role=role)
    a = s.admins
    with transaction(engine) as conn:
        row = conn.execute(select(a).where(a.c.name == name)).first()
        if stores is not None:
            wanted = sorted(set(stores))
            known = set(conn.execute(select(s.stores.c.id).where(s.stores.c.id.in_(wanted))).scalars())
            for store_id in wanted:
                if store_id not in known:
                    raise LoyaltyError("unknown_store", store=store_id)
        if row is None:
            key = conn.execute(
                insert(a).values(name=name, password_hash=_hasher.hash(password), role=role or "admin")
            ).inserted_primary_key
            assert key is not None
            admin_id = int(key[0])
        else:
            admin_id = int(row.id)
            # The same password again (a server started with LOYALTY_ADMIN_PASSWORD) changes nothing and
            # keeps the sessions; a new one ends every session opened with the old.
            if not _matches(row.password_hash, password):
                conn.execute(update(a).where(a.c.id == admin_id).values(password_hash=_hasher.hash(password)))
                conn.execute(delete(s.admin_tokens).where(s.admin_tokens.c.admin_id == admin_id))
            if role is not None:
                conn.execute(update(a).where(a.c.id == admin_id).values(role=role))
        if stores is not None:
            conn.execute(delete(s.admin_stores).where(s.admin_stores.c.admin_id == admin_id))
            for store_id in wanted:
                conn.execute(insert(s.admin_stores).values(admin_id=admin_id, store_id=store_id))


_dummy_lock = threading.Lock()
_dummy: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    """A hash made with the current hasher's cost, verified for an unknown name so it takes as long as a known one."""
    key = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    with _dummy_lock:
        if key not in _dummy:
            _dummy[key] = _hasher.hash(secrets.token_urlsafe(16))
        return _dummy[key]


def admin_password_hash(engine: Engine, name: str) -> tuple[int | None, str]:
    """The admin id and password hash of a name; for an unknown name, None and a dummy hash of the same cost."""
    with engine.connect() as conn:
        row = conn.execute(select(s.admins.c.id, s.admins.c.password_hash).where(s.admins.c.name == name)).first()
    return (None, _dummy_hash()) if row is None else (int(row.id), str(row.password_hash))


def password_matches(password_hash: str, password: str) -> bool:
    """True when the password is the hash's (argon2: slow on purpose, about 50 ms and 64 MiB)."""
    return _matches(password_hash, password)


def open_session(engine: Engine, admin_id: int) -> str:
    """A new session token (12 h) for an admin whose password was checked."""
    token = secrets.token_urlsafe(32)
    with transaction(engine) as conn:
        conn.execute(
            insert(s.admin_tokens).values(token_hash=digest(token), admin_id=admin_id, expires_at=now_ms() + SESSION_MS)
        )
    return token


def admin_login(engine: Engine, name: str, password: str) -> str:
    """An admin session token (12 h) for a correct name and password (as long for an unknown name)."""
    admin_id, password_hash = admin_password_hash(engine, name)
    if not password_matches(password_hash, password) or admin_id is None:
        raise LoyaltyError("admin_wrong")
    return open_session(engine, admin_id)


def logout(engine: Engine, token: str) -> None:
    """End a session: its token is refused from now on."""
    with transaction(engine) as conn:
        conn.execute(delete(s.admin_tokens).where(s.admin_tokens.c.token_hash == digest(token)))


def admin_for(engine: Engine, token: str) -> Admin:
    """The admin of a live session token, with its role and stores."""
    with engine.connect() as conn:
        row = conn.execute(
            select(s.admin_tokens.c.expires_at, s.admins)
            .join(s.admins, s.admins.c.id == s.admin_tokens.c.admin_id)
            .where(s.admin_tokens.c.token_hash == digest(token))
        ).first()
        if row is None or row.expires_at < now_ms():
            raise LoyaltyError("admin_session")
        stores = conn.execute(select(s.admin_stores.c.store_id).where(s.admin_stores.c.admin_id == row.id)).scalars()
        role: Role = "manager" if row.role == "manager" else "admin"
        return Admin(int(row.id), str(row.name), role, frozenset(int(x) for x in stores))
