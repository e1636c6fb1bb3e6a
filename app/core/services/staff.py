"""People at the till: cashiers and their PINs, shifts and their summaries, the audit log.

PINs are only ever kept as argon2 hashes; a PIN is never stored, returned, logged or put
into an error message. Every public method is one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update

from app.core import audit, db, repo, sql
from app.core import schema as t
from app.core.clock import SYSTEM_CLOCK, Clock, clock_ms
from app.core.errors import LoyaltyError
from app.core.identity import normalize_phone
from app.core.program import DEFAULT_TIMEZONE

__all__ = [
    "LOCKOUT_AFTER",
    "LOCKOUT_FIRST_S",
    "LOCKOUT_MAX_S",
    "ROLES",
    "AuditEntry",
    "Cashier",
    "Role",
    "Shift",
    "ShiftSummary",
    "StaffError",
    "StaffService",
]

Role = Literal["cashier", "manager"]
ROLES: tuple[Role, ...] = ("cashier", "manager")
_PIN = re.compile(r"^[0-9]{4,8}$")
_NAME_MAX = 60
# A 4-digit PIN must not fall to guessing: after LOCKOUT_AFTER wrong PINs in a row for one login (or
# for manager approval) each further wrong PIN locks it for a delay that doubles from LOCKOUT_FIRST_S
# up to LOCKOUT_MAX_S. At the cap 10,000 PINs take over 100 days; a colleague's typo costs 30 s.
LOCKOUT_AFTER = 5
LOCKOUT_FIRST_S = 30
LOCKOUT_MAX_S = 15 * 60
_MANAGER_LOCK = "pin_lock:manager"  # meta keys: persisted, so restarting the till does not reset them


class StaffError(LoyaltyError):
    """A refused staff operation; `code` lets a front end word it in the cashier's language."""

    # The code and parameters are LoyaltyError's: app.core.refusals words them.


@dataclass(frozen=True)
class Cashier:
    """A person who can log in at the till."""

    id: int
    name: str
    role: Role
    active: bool = True

    @property
    def is_manager(self) -> bool:
        """True for a manager (may approve refunds, adjustments and settings)."""
        return self.role == "manager"


@dataclass(frozen=True)
class Shift:
    """One cashier's working session at the till; closed_at is None while it is open."""

    id: int
    cashier_id: int
    cashier: str
    opened_at: int
    closed_at: int | None


@dataclass(frozen=True)
class ShiftSummary:
    """What happened at the till under one cashier's name during a shift (kopecks, points)."""

    shift_id: int
    cashier: str
    opened_at: int
    closed_at: int | None
    sales_count: int
    sales_money: int
    refunds_count: int
    refunds_money: int
    points_issued: int
    points_redeemed: int
    points_taken_back: int
    points_given_back: int
    card_sales: int
    sales_by_payment: Mapping[str, int] = field(default_factory=dict)
    refunds_by_payment: Mapping[str, int] = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE  # the store's (program's), in which its times are shown

    @property
    def net_money(self) -> int:
        """Money taken minus money given back."""
        return self.sales_money - self.refunds_money

    @property
    def card_share_pct(self) -> int:
        """Share of sales made with a loyalty card, in whole percent (half rounds up)."""
        if not self.sales_count:
            return 0
        return (self.card_sales * 200 + self.sales_count) // (self.sales_count * 2)

    @property
    def by_payment(self) -> dict[str, int]:
        """Net money per payment method (what should be in the drawer, on the bank terminal)."""
        methods = sorted(set(self.sales_by_payment) | set(self.refunds_by_payment))
        return {m: self.sales_by_payment.get(m, 0) - self.refunds_by_payment.get(m, 0) for m in methods}


@dataclass(frozen=True)
class AuditEntry:
    """One audit row: who did what, when."""

    id: int
    at: int
    actor: str
    action: str
    detail: str  # the parameters as JSON (app.core.audit), or an older row's free text

    @property
    def params(self) -> dict[str, Any] | None:
        """The row's parameters; None for a row written as free text."""
        return audit.decode(self.detail)

    @property
    def text(self) -> str:
        """The row's detail in English (logs, the CLI)."""
        return audit.describe(self.action, self.detail)


def _clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise StaffError("staff_name_empty")
    if len(text) > _NAME_MAX:
        raise StaffError("staff_name_long", max=_NAME_MAX)
    return text


def _check_pin(pin: str) -> str:
    # The reason names the rule, never the PIN that broke it.
    if not _PIN.match(pin):
        raise StaffError("pin_format")
    return pin


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise StaffError("role", role=role)
    return role


def _lock_key(name: str) -> str:
    # Keyed by the typed name, known or not, so a lockout does not tell which names exist.
    return "pin_lock:login:" + " ".join(name.split()).casefold()[:_NAME_MAX]


def _lock_delay_s(failures: int) -> int:
    """Seconds a login stays locked after this many wrong PINs in a row (0: not locked)."""
    if failures < LOCKOUT_AFTER:
        return 0
    return min(LOCKOUT_FIRST_S << min(failures - LOCKOUT_AFTER, 16), LOCKOUT_MAX_S)


def _cashier(row: Any) -> Cashier:
    return Cashier(int(row.id), str(row.name), _check_role(row.role), bool(row.active))


def _store_timezone(conn: Connection, at: int) -> str:
    try:
        return repo.program_at(conn, at)[1].timezone
    except LoyaltyError:  # no program yet: its default zone
        return DEFAULT_TIMEZONE


class StaffService:
    """Cashiers, PINs, shifts and the audit log over one terminal database."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine = engine
        self.clock = clock  # shift and audit times given no explicit time
        # argon2id with the library's defaults (64 MiB, 3 passes): a stolen database
        # still costs minutes of work per PIN. Tests may pass cheaper parameters.
        self.hasher = hasher or PasswordHasher()

    # ----------------------------------------------------------------- helpers

    def _verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return self.hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False

    def _rehash_if_needed(self, conn: Connection, cashier_id: int, pin_hash: str, pin: str) -> None:
        # Hashes made with older, weaker parameters are upgraded the next time the PIN is typed.
        if self.hasher.check_needs_rehash(pin_hash):
            conn.execute(update(t.cashiers).where(t.cashiers.c.id == cashier_id).values(pin_hash=self.hasher.hash(pin)))

    def _row_by_id(self, conn: Connection, cashier_id: int) -> Any:
        row = conn.execute(select(t.cashiers).where(t.cashiers.c.id == cashier_id)).first()
        if row is None:
            raise StaffError("unknown_cashier", cashier=cashier_id)
        return row

    def _row_by_name(self, conn: Connection, name: str) -> Any:
        # Names are few; matching in Python gives case-insensitive Cyrillic, which SQLite's
        # lower() does not.
        wanted = " ".join(name.split()).casefold()
        for row in conn.execute(select(t.cashiers)):
            if str(row.name).casefold() == wanted:
                return row
        return None

    def _write_audit(self, conn: Connection, actor: str, action: str, params: Mapping[str, Any]) -> None:
        detail = audit.encode(params)
        conn.execute(
            insert(t.audit).values(
                at=repo.next_clock(conn, None, self.clock), actor=actor, action=action, detail=detail
            )
        )

    def _lock_state(self, conn: Connection, key: str) -> tuple[int, int]:
        """Wrong PINs in a row and the instant (UTC ms) until which the login is locked."""
        try:
            state = json.loads(repo.get_meta(conn, key) or "{}")
            return int(state.get("failures", 0)), int(state.get("until", 0))
        except (ValueError, TypeError, AttributeError):
            return 0, 0

    def _check_unlocked(self, conn: Connection, key: str, actor: str, purpose: str) -> StaffError | None:
        """The refusal for a locked login (its attempt audited), or None when PINs may be tried."""
        failures, until = self._lock_state(conn, key)
        now = clock_ms(self.clock)
        if until - now > LOCKOUT_MAX_S * 1000:
            # Set under a clock that has since been put back: never wait longer than the cap.
            until = now + LOCKOUT_MAX_S * 1000
            repo.set_meta(conn, key, json.dumps({"failures": failures, "until": until}))
        if now >= until:
            return None
        wait_s = -(-(until - now) // 1000)
        self._write_audit(conn, actor, "pin_locked", {"purpose": purpose, "wait_seconds": wait_s})
        return StaffError("pin_locked", wait_seconds=wait_s)

    def _fail(self, conn: Connection, key: str, actor: str, purpose: str, code: str) -> StaffError:
        """Count a wrong PIN (audited, and locking the login once too many came in a row)."""
        failures = self._lock_state(conn, key)[0] + 1
        delay = _lock_delay_s(failures)
        until = clock_ms(self.clock) + delay * 1000 if delay else 0
        repo.set_meta(conn, key, json.dumps({"failures": failures, "until": until}))
        self._write_audit(conn, actor, "pin_failed", {"purpose": purpose, "failures": failures, "lock_seconds": delay})
        # The wrong PIN that locks says so (lock_seconds): the till counts down at once instead of letting
        # the cashier type another PIN only to hear of the lock then.
        return StaffError(code, lock_seconds=delay) if delay else StaffError(code)

    def _succeed(self, conn: Connection, key: str) -> None:
        if repo.get_meta(conn, key) is not None:
            sql.run(conn, "DELETE FROM meta WHERE key = :key", {"key": key})

    def _other_active_managers(self, conn: Connection, cashier_id: int) -> int:
        return int(
            conn.execute(
                select(func.count()).where(
                    t.cashiers.c.role == "manager",
                    t.cashiers.c.active == 1,
                    t.cashiers.c.id != cashier_id,
                )
            ).scalar_one()
        )

    def _insert(self, conn: Connection, name: str, pin: str, role: Role) -> Cashier:
        if self._row_by_name(conn, name) is not None:
            raise StaffError("name_taken", name=name)
        new_id = conn.execute(
            insert(t.cashiers).values(name=name, pin_hash=self.hasher.hash(pin), role=role, active=1)
        ).inserted_primary_key
        assert new_id is not None
        return Cashier(int(new_id[0]), name, role)

    # ----------------------------------------------------------------- cashiers

    def needs_first_manager(self) -> bool:
        """True on a fresh store with no cashier at all: the UI must ask for the first manager."""
        with db.transaction(self.engine, write=False) as conn:
            return conn.execute(select(t.cashiers.c.id).limit(1)).first() is None

    def create_first_manager(self, name: str, pin: str) -> Cashier:
        """Create the store's first manager; refused once any cashier exists."""
        name, pin = _clean_name(name), _check_pin(pin)
        with db.transaction(self.engine) as conn:
            # Checked inside the write transaction, so two first starts cannot both succeed.
            if conn.execute(select(t.cashiers.c.id).limit(1)).first() is not None:
                raise StaffError("not_first")
            cashier = self._insert(conn, name, pin, "manager")
            self._write_audit(conn, name, "cashier_added", {"name": name, "role": "manager", "first": True})
            return cashier

    def add_cashier(self, name: str, pin: str, role: str = "cashier", *, actor: str) -> Cashier:
        """Add a cashier or manager with a hashed PIN; names are unique regardless of case."""
        name, pin, checked = _clean_name(name), _check_pin(pin), _check_role(role)
        with db.transaction(self.engine) as conn:
            cashier = self._insert(conn, name, pin, checked)
            self._write_audit(conn, actor, "cashier_added", {"name": name, "role": checked})
            return cashier

    def cashiers(self, include_disabled: bool = False) -> list[Cashier]:
        """Cashiers by name (active ones only unless asked)."""
        stmt = select(t.cashiers).order_by(t.cashiers.c.name)
        if not include_disabled:
            stmt = stmt.where(t.cashiers.c.active == 1)
        with db.transaction(self.engine, write=False) as conn:
            return [_cashier(r) for r in conn.execute(stmt)]

    def login(self, name: str, pin: str) -> Cashier:
        """The cashier whose name and PIN match; refused for a wrong pair, a disabled cashier or a login
        locked after too many wrong PINs (each wrong PIN is audited and counted even though refused)."""
        key, actor = _lock_key(name), " ".join(name.split())[:_NAME_MAX] or "?"
        refusal: StaffError | None
        # The refusal is raised after the commit: the audit row and the count must outlive it.
        with db.transaction(self.engine) as conn:
            refusal = self._check_unlocked(conn, key, actor, "login")
            if refusal is None:
                row = self._row_by_name(conn, name)
                if row is None or not self._verify(row.pin_hash, pin):
                    # One answer for both, so the login screen does not confirm which names exist.
                    refusal = self._fail(conn, key, actor, "login", "wrong_pin")
                elif not row.active:
                    refusal = StaffError("cashier_disabled", name=row.name)
                else:
                    self._succeed(conn, key)
                    self._rehash_if_needed(conn, row.id, row.pin_hash, pin)
                    return _cashier(row)
        raise refusal

    def check_manager_pin(self, pin: str) -> Cashier:
        """The active manager whose PIN this is; any other PIN (a cashier's too) is one wrong manager PIN,
        counted towards the lockout of manager approval and audited."""
        refusal: StaffError | None
        with db.transaction(self.engine) as conn:
            rows = conn.execute(select(t.cashiers).where(t.cashiers.c.active == 1)).all()
            managers = [r for r in rows if r.role == "manager"]
            if not managers:
                raise StaffError("no_manager")
            refusal = self._check_unlocked(conn, _MANAGER_LOCK, "?", "manager")
            if refusal is None:
                for row in managers:
                    if self._verify(row.pin_hash, pin):
                        self._succeed(conn, _MANAGER_LOCK)
                        self._rehash_if_needed(conn, row.id, row.pin_hash, pin)
                        return _cashier(row)
                # A cashier's PIN gets the same answer: telling them apart would confirm a cashier's PIN.
                refusal = self._fail(conn, _MANAGER_LOCK, "?", "manager", "wrong_manager_pin")
        raise refusal

    def set_active(self, cashier_id: int, active: bool, *, actor: str) -> Cashier:
        """Disable or enable a cashier; the last active manager cannot be disabled."""
        with db.transaction(self.engine) as conn:
            row = self._row_by_id(conn, cashier_id)
            if (
                not active
                and row.role == "manager"
                and row.active
                and not self._other_active_managers(conn, cashier_id)
            ):
                raise StaffError("last_manager_disable")
            conn.execute(update(t.cashiers).where(t.cashiers.c.id == cashier_id).values(active=int(active)))
            self._write_audit(conn, actor, "cashier_enabled" if active else "cashier_disabled", {"name": str(row.name)})
            return Cashier(int(row.id), str(row.name), _check_role(row.role), active)

    def reset_pin(self, cashier_id: int, new_pin: str, *, actor: str) -> None:
        """Give a cashier a new PIN (only its hash is stored)."""
        pin = _check_pin(new_pin)
        with db.transaction(self.engine) as conn:
            row = self._row_by_id(conn, cashier_id)
            conn.execute(update(t.cashiers).where(t.cashiers.c.id == cashier_id).values(pin_hash=self.hasher.hash(pin)))
            self._write_audit(conn, actor, "pin_reset", {"name": str(row.name)})

    def set_role(self, cashier_id: int, role: str, *, actor: str) -> Cashier:
        """Change a cashier's role; the last active manager cannot be demoted."""
        checked = _check_role(role)
        with db.transaction(self.engine) as conn:
            row = self._row_by_id(conn, cashier_id)
            if (
                checked != "manager"
                and row.role == "manager"
                and row.active
                and not self._other_active_managers(conn, cashier_id)
            ):
                raise StaffError("last_manager_role")
            conn.execute(update(t.cashiers).where(t.cashiers.c.id == cashier_id).values(role=checked))
            self._write_audit(
                conn, actor, "role_changed", {"name": str(row.name), "old": str(row.role), "new": checked}
            )
            return Cashier(int(row.id), str(row.name), checked, bool(row.active))

    def set_staff_phone(self, cashier_id: int, phone: str | None, *, actor: str) -> None:
        """Give a staff member's own phone (or take it away): their card's use is watched (fraud flags)."""
        with db.transaction(self.engine) as conn:
            row = self._row_by_id(conn, cashier_id)
            phones = put_staff_phone(conn, str(row.name), phone)
            self._write_audit(
                conn, actor, "staff_phone_set", {"name": str(row.name), "given": bool(phones.get(str(row.name)))}
            )

    def staff_phones(self) -> dict[str, str]:
        """Staff members' own phones by cashier name."""
        with db.transaction(self.engine, write=False) as conn:
            return staff_phones(conn)

    # ----------------------------------------------------------------- shifts

    def open_shift(self, cashier_id: int, at: int | None = None) -> Shift:
        """Open a shift for an active cashier; refused while that cashier has one open."""
        with db.transaction(self.engine) as conn:
            row = self._row_by_id(conn, cashier_id)
            if not row.active:
                raise StaffError("cashier_disabled", name=row.name)
            current = conn.execute(
                select(t.shifts.c.id).where(t.shifts.c.cashier_id == cashier_id, t.shifts.c.closed_at.is_(None))
            ).scalar()
            if current is not None:
                raise StaffError("shift_open", name=row.name, shift=current)
            opened = repo.next_clock(conn, at, self.clock)
            new_id = conn.execute(
                insert(t.shifts).values(cashier_id=cashier_id, opened_at=opened, closed_at=None)
            ).inserted_primary_key
            assert new_id is not None
            self._write_audit(conn, str(row.name), "shift_opened", {"shift": int(new_id[0])})
            return Shift(int(new_id[0]), cashier_id, str(row.name), opened, None)

    def current_shift(self, cashier_id: int) -> Shift | None:
        """The cashier's open shift, if any."""
        with db.transaction(self.engine, write=False) as conn:
            row = conn.execute(
                select(t.shifts, t.cashiers.c.name)
                .join(t.cashiers, t.cashiers.c.id == t.shifts.c.cashier_id)
                .where(t.shifts.c.cashier_id == cashier_id, t.shifts.c.closed_at.is_(None))
                .order_by(t.shifts.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            return Shift(int(row.id), int(row.cashier_id), str(row.name), int(row.opened_at), None)

    def shift_summary(self, shift_id: int) -> ShiftSummary:
        """Figures of a shift so far (an open shift counts up to the current business time)."""
        with db.transaction(self.engine, write=False) as conn:
            shift = self._shift_row(conn, shift_id)
            end = shift.closed_at if shift.closed_at is not None else repo.peek_clock(conn, None, self.clock)
            return self._summary(conn, shift, end, shift.closed_at)

    def close_shift(self, shift_id: int, at: int | None = None) -> ShiftSummary:
        """Close an open shift and return its final figures; a closed shift stays closed."""
        with db.transaction(self.engine) as conn:
            shift = self._shift_row(conn, shift_id)
            if shift.closed_at is not None:
                raise StaffError("shift_closed", shift=shift_id)
            closed = repo.next_clock(conn, at, self.clock)
            if closed < shift.opened_at:
                raise StaffError("shift_time")
            conn.execute(update(t.shifts).where(t.shifts.c.id == shift_id).values(closed_at=closed))
            summary = self._summary(conn, shift, closed, closed)
            self._write_audit(
                conn,
                str(shift.name),
                "shift_closed",
                {
                    "shift": shift_id,
                    "sales": summary.sales_count,
                    "sales_kopecks": summary.sales_money,
                    "refunds": summary.refunds_count,
                    "refunds_kopecks": summary.refunds_money,
                },
            )
            return summary

    def _shift_row(self, conn: Connection, shift_id: int) -> Any:
        row = conn.execute(
            select(t.shifts, t.cashiers.c.name)
            .join(t.cashiers, t.cashiers.c.id == t.shifts.c.cashier_id)
            .where(t.shifts.c.id == shift_id)
        ).first()
        if row is None:
            raise StaffError("unknown_shift", shift=shift_id)
        return row

    def _summary(self, conn: Connection, shift: Any, end: int, closed_at: int | None) -> ShiftSummary:
        s = t.sales.c
        in_shift = (s.cashier == shift.name, s.at >= shift.opened_at, s.at <= end)
        sales = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(s.total), 0),
                func.coalesce(func.sum(s.earned + s.birthday_points), 0),
                func.coalesce(func.sum(s.redeemed_points + s.reward_points), 0),
                func.count(s.card),  # COUNT(column) skips the NULLs of anonymous sales
            ).where(*in_shift)
        ).one()
        by_payment = {
            str(r.payment): int(r.money)
            for r in conn.execute(
                select(s.payment, func.sum(s.total).label("money")).where(*in_shift).group_by(s.payment)
            )
        }
        r = t.refunds.c
        # A refund belongs to the shift it was given in, whoever sold the goods.
        in_refunds = (r.cashier == shift.name, r.at >= shift.opened_at, r.at <= end)
        refunds = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(r.money_back), 0),
                func.coalesce(func.sum(r.points_taken_back), 0),
                func.coalesce(func.sum(r.points_given_back), 0),
            ).where(*in_refunds)
        ).one()
        refunds_by_payment = {
            str(row.payment): int(row.money)
            for row in conn.execute(
                select(s.payment, func.sum(r.money_back).label("money"))
                .join(t.sales, t.sales.c.id == r.sale_id)
                .where(*in_refunds)
                .group_by(s.payment)
            )
        }
        return ShiftSummary(
            shift_id=int(shift.id),
            cashier=str(shift.name),
            opened_at=int(shift.opened_at),
            closed_at=closed_at,
            sales_count=int(sales[0]),
            sales_money=int(sales[1]),
            refunds_count=int(refunds[0]),
            refunds_money=int(refunds[1]),
            points_issued=int(sales[2]),
            points_redeemed=int(sales[3]),
            points_taken_back=int(refunds[2]),
            points_given_back=int(refunds[3]),
            card_sales=int(sales[4]),
            sales_by_payment=by_payment,
            refunds_by_payment=refunds_by_payment,
            timezone=_store_timezone(conn, end),
        )

    # ----------------------------------------------------------------- audit

    def audit_log(self, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
        """The newest audit rows first (only those of one action code, when given)."""
        # Filtered here, not by the screen: every sale has a row, so the newest few thousand rows of all
        # actions may hold no program change at all, while the manager asks for the program's history.
        query = select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)
        if action is not None:
            query = query.where(t.audit.c.action == action)
        with db.transaction(self.engine, write=False) as conn:
            return [
                AuditEntry(int(a.id), int(a.at), str(a.actor), str(a.action), str(a.detail))
                for a in conn.execute(query)
            ]


# Meta key of a terminal's staff phones: {cashier name: normalised phone} (StaffService.set_staff_phone).
STAFF_PHONES = "staff_phones"


def staff_phones(conn: Connection) -> dict[str, str]:
    """A terminal's staff phones by cashier name (empty when none were given)."""
    text = repo.get_meta(conn, STAFF_PHONES)
    if not text:
        return {}
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def put_staff_phone(conn: Connection, name: str, phone: str | None) -> dict[str, str]:
    """Keep `name`'s own phone (normalised; None or blank forgets it) among the staff phones; all of them after."""
    phones = staff_phones(conn)
    if phone is None or not phone.strip():
        phones.pop(name, None)
    else:
        phones[name] = normalize_phone(phone)
    repo.set_meta(conn, STAFF_PHONES, json.dumps(phones, ensure_ascii=False, sort_keys=True))
    return phones
