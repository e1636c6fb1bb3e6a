"""The customer confirms spending (issue 13, part 1): a one-time code by SMS, a rotating code on the phone, a manager.

Points are money: when the program's `confirm` policy asks for it (always, when the customer was found by phone
or name instead of the card, or above an amount of points), a sale that pays points commits only with a
confirmation ticket. A ticket is made by one of three proofs, each checked in its own transaction (so a wrong
code is counted even though refused), and is used up by the one sale it was made for:

- `send_code` + `confirm_code`: a 6-digit code sent to the customer's phone through a pluggable sender
  (SMS.ru first: app.sync.sms); it expires, and a few wrong tries end it. Needs the network.
- `confirm_totp`: the 6-digit RFC 6238 code of the customer's phone (an authenticator app set up from
  `totp_setup`'s QR, or the rotating card QR `LT2:<card>:<code>`), checked offline. A code counts once,
  and yesterday's (a screenshot) never.
- `confirm_manager`: a manager's PIN with a reason, audited.

Everything is kept in the till's settings (meta), not in the ledger: codes and tickets live minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import pyotp
from sqlalchemy import Connection, Engine

from app.core import db, repo
from app.core.clock import Clock, clock_ms
from app.core.errors import LoyaltyError
from app.core.identity import mask_phone
from app.core.program import ConfirmPolicy
from app.core.services.staff import StaffService
from app.core.services.support import check_actor, write_audit

__all__ = [
    "CodeSender",
    "ConfirmService",
    "SentCode",
    "confirm_reason",
    "parse_totp_qr",
    "take_ticket",
    "totp_qr_text",
]

Method = Literal["sms", "totp", "manager"]
CODE_DIGITS = 6
TOTP_STEP_S = 30
TICKET_MS = 10 * 60_000  # a confirmation is good for the sale being rung up, not for later
RESEND_MS = 30_000  # one SMS per half minute and customer: a cashier's double click sends one
TOTP_QR_PREFIX = "LT2"
SMS_API_ID = "sms.ru_api_id"  # the meta key app.sync.sms.API_ID reads (the core does not import the sync layer)


class CodeSender(Protocol):
    """Sends a text to a phone (SMS.ru, a Telegram bot); raises LoyaltyError("confirm_send", ...) on failure."""

    def send(self, phone: str, text: str) -> None:
        """Send `text` to the normalised phone `phone` (+7…)."""
        ...


@dataclass(frozen=True)
class SentCode:
    """A code on its way: to which phone (masked) and until when it works (epoch ms)."""

    phone_masked: str
    expires_at: int


def confirm_reason(policy: ConfirmPolicy, found_by: str, points: int) -> str | None:
    """Why paying `points` needs the customer's confirmation (a refusal code's tail), None if it does not."""
    if points <= 0:
        return None
    if policy.always:
        return "always"
    if policy.found_by_phone and found_by not in ("card", "qr"):
        return "found_by_phone"
    if policy.above_points is not None and points > policy.above_points:
        return "above"
    return None


def totp_qr_text(card: str, code: str) -> str:
    """The rotating card QR a customer's phone shows: the card and its current code."""
    return f"{TOTP_QR_PREFIX}:{card}:{code}"


def parse_totp_qr(text: str) -> tuple[str, str] | None:
    """(card, code) of a rotating card QR, None for any other text."""
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != TOTP_QR_PREFIX or not parts[2].isdigit() or len(parts[2]) != CODE_DIGITS:
        return None
    return parts[1], parts[2]


def _secrets_of(conn: Connection, customer_uid: str) -> list[str]:
    """The customer's TOTP secrets (base32), one per card key this till holds; the first is the one to set up.

    Derived, not stored: HMAC(card key, customer uid), so every till of a chain (one chain card key, sync.md
    promise 11) checks the same customer's codes offline and nothing new is synced. A key rotation keeps the
    old key for a while, so a phone set up before it still works until the customer scans the new setup QR.
    """
    keys = repo.card_keys(conn)
    ordered = [keys.chain[keys.current]] if keys.current is not None and keys.current in keys.chain else []
    ordered += [k for i, k in sorted(keys.chain.items()) if i != keys.current] + [keys.local]
    out = []
    for key in ordered:
        digest = hmac.new(key, b"totp:" + customer_uid.encode(), hashlib.sha256).digest()[:20]
        out.append(base64.b32encode(digest).decode())
    return out


def take_ticket(conn: Connection, ticket: str | None, customer_uid: str, at: int) -> str:
    """Use up a confirmation ticket inside the sale's transaction; the method it was made with."""
    text = repo.get_meta(conn, f"confirm_ticket:{ticket}") if ticket else None
    data = json.loads(text) if text else None
    if not data or data.get("customer_uid") != customer_uid or int(data.get("expires_at", 0)) < at:
        raise LoyaltyError("confirm_needed")
    repo.delete_meta(conn, f"confirm_ticket:{ticket}")
    return str(data["method"])


class ConfirmService:
    """Confirmations of spending: SMS codes, the phone's rotating code, a manager's override."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        staff: StaffService,
        sender: Callable[[], CodeSender | None] = lambda: None,
        code: Callable[[], str] = lambda: f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}",
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.staff = staff
        self.sender = sender
        self.new_code = code

    # ------------------------------------------------------------------ SMS

    def sms_api_id(self) -> str:
        """The SMS.ru api_id codes are sent with ("" when codes are not sent by SMS)."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.get_meta(conn, SMS_API_ID) or ""

    def set_sms_api_id(self, api_id: str, *, actor: str) -> None:
        """Set (or, empty, take away) the SMS.ru api_id; audited without the key itself."""
        actor = check_actor(actor)
        api_id = api_id.strip()
        with db.transaction(self.engine) as conn:
            old = repo.get_meta(conn, SMS_API_ID) or ""
            if old == api_id:
                return
            if api_id:
                repo.set_meta(conn, SMS_API_ID, api_id)
            else:
                repo.delete_meta(conn, SMS_API_ID)
            shown = {"key": "sms.ru", "old": "set" if old else "", "new": "set" if api_id else ""}
            write_audit(conn, self.clock, actor, "setting_changed", shown)

    def send_code(self, card: str, *, actor: str) -> SentCode:
        """Send the customer of `card` a one-time code; refused without a sender, a phone, or too soon again."""
        actor = check_actor(actor)
        sender = self.sender()
        if sender is None:
            raise LoyaltyError("confirm_no_sender")
        now = clock_ms(self.clock)
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            _, program = repo.program_at(conn, now)
            phone = str(customer.phone or "")
            if not phone.startswith("+"):
                raise LoyaltyError("confirm_no_phone", card=card)  # a chain's keyed phone cannot be texted
            key = f"confirm_code:{customer.uid}"
            old = repo.get_meta(conn, key)
            if old and now - int(json.loads(old)["sent_at"]) < RESEND_MS:
                wait = (RESEND_MS - (now - int(json.loads(old)["sent_at"]))) // 1000 + 1
                raise LoyaltyError("confirm_wait", wait_seconds=wait)
            code = self.new_code()
            expires = now + program.confirm.code_minutes * 60_000
            record = {
                "hash": self._hash(conn, customer.uid, code),
                "expires_at": expires,
                "left": program.confirm.code_attempts,
                "sent_at": now,
            }
            repo.set_meta(conn, key, json.dumps(record))
            write_audit(conn, self.clock, actor, "confirm_code_sent", {"card": card})
        # Sent after the commit: a code the till does not know would be worse than a code that never arrives.
        sender.send(phone, f"Код для списания баллов: {code}")
        return SentCode(mask_phone(phone), expires)

    def confirm_code(self, card: str, code: str, *, actor: str) -> str:
        """A ticket for the customer of `card` if `code` is the code sent; a wrong code is counted."""
        actor = check_actor(actor)
        now = clock_ms(self.clock)
        refusal: LoyaltyError | None = None
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            key = f"confirm_code:{customer.uid}"
            text = repo.get_meta(conn, key)
            record = json.loads(text) if text else None
            if record is None or int(record["expires_at"]) < now:
                repo.delete_meta(conn, key)
                refusal = LoyaltyError("confirm_code_expired")
            elif not hmac.compare_digest(record["hash"], self._hash(conn, customer.uid, code.strip())):
                left = int(record["left"]) - 1
                if left <= 0:
                    repo.delete_meta(conn, key)
                    refusal = LoyaltyError("confirm_code_attempts")
                else:
                    repo.set_meta(conn, key, json.dumps({**record, "left": left}))
                    refusal = LoyaltyError("confirm_code_wrong", left=left)
                write_audit(conn, self.clock, actor, "confirm_code_wrong", {"card": card})
            else:
                repo.delete_meta(conn, key)
                write_audit(conn, self.clock, actor, "spend_confirmed_sms", {"card": card})
                return self._ticket(conn, customer.uid, "sms", now)
        raise refusal

    # ------------------------------------------------------------------ the phone's own code (TOTP)

    def totp_setup(self, card: str) -> str:
        """The otpauth:// URI a customer's phone is set up from (shown as a QR)."""
        with db.transaction(self.engine, write=False) as conn:
            customer = repo.customer_by_card(conn, card)
            secret = _secrets_of(conn, customer.uid)[0]
            store = repo.get_meta(conn, "store_name") or "Loyalty"
        return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=TOTP_STEP_S).provisioning_uri(
            name=card, issuer_name=store
        )

    def confirm_totp(self, card: str, code: str, *, actor: str) -> str:
        """A ticket if `code` is the customer's current code (or the one just before); each code counts once."""
        actor = check_actor(actor)
        now = clock_ms(self.clock)
        code = code.strip()
        refusal: LoyaltyError
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            step = now // 1000 // TOTP_STEP_S
            matched = None
            if code.isdigit() and len(code) == CODE_DIGITS:
                for secret in _secrets_of(conn, customer.uid):
                    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=TOTP_STEP_S)
                    for s in (step, step - 1):  # one step back: the code shown as the cashier typed it
                        if hmac.compare_digest(totp.at(s * TOTP_STEP_S), code):
                            matched = s
                            break
                    if matched is not None:
                        break
            key = f"totp_last:{customer.uid}"
            last = int(repo.get_meta(conn, key) or -1)
            if matched is not None and matched > last:
                repo.set_meta(conn, key, str(matched))
                write_audit(conn, self.clock, actor, "spend_confirmed_totp", {"card": card})
                return self._ticket(conn, customer.uid, "totp", now)
            refusal = LoyaltyError("confirm_totp_used" if matched is not None else "confirm_totp_wrong")
            write_audit(conn, self.clock, actor, "confirm_totp_wrong", {"card": card})
        raise refusal

    # ------------------------------------------------------------------ a manager

    def confirm_manager(self, card: str, pin: str, reason: str, *, actor: str) -> str:
        """A ticket on a manager's PIN with a reason (audited); a wrong PIN counts towards the manager lockout."""
        actor = check_actor(actor)
        if not reason.strip():
            raise LoyaltyError("confirm_reason")
        manager = self.staff.check_manager_pin(pin)
        now = clock_ms(self.clock)
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            detail = {"card": card, "manager": manager.name, "reason": reason.strip()}
            write_audit(conn, self.clock, actor, "spend_confirmed_manager", detail)
            return self._ticket(conn, customer.uid, "manager", now)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _ticket(conn: Connection, customer_uid: str, method: Method, now: int) -> str:
        ticket = secrets.token_urlsafe(12)
        record = {"customer_uid": customer_uid, "method": method, "expires_at": now + TICKET_MS}
        repo.set_meta(conn, f"confirm_ticket:{ticket}", json.dumps(record))
        return ticket

    @staticmethod
    def _hash(conn: Connection, customer_uid: str, code: str) -> str:
        # Keyed with the store's secret: a copied database does not give the code away by a 10^6 search alone.
        secret = bytes.fromhex(repo.get_meta(conn, "secret") or "")
        return hmac.new(secret, f"{customer_uid}:{code}".encode(), hashlib.sha256).hexdigest()
