"""Audit rows as data: an action code and plain parameters, worded by each front end in its language.

A row's `detail` column holds the parameters as a JSON object; rows written before this (free
English text such as "refund 1 of sale 346 by Ольга: 54300 kopecks back") keep their text and are
shown as written. English sentences for logs and the CLI come from DETAILS below; the manager
screen words the same action codes (app/ui/manager/audit_words.py). Parameter names follow
app.core.refusals: *_kopecks money, *_points points, *_at UTC milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["DETAILS", "decode", "describe", "encode"]

DETAILS: dict[str, str] = {
    "cashier_added": "{name} ({role})",
    "cashier_enabled": "{name}",
    "cashier_disabled": "{name}",
    "pin_reset": "{name}",
    "role_changed": "{name}: {old} -> {new}",
    "pin_failed": "wrong PIN for {purpose} ({failures} in a row; locked for {lock_seconds} s)",
    "pin_locked": "PIN refused unchecked for {purpose}: locked for {wait_seconds} s more",
    "shift_opened": "shift {shift}",
    "shift_closed": "shift {shift}: {sales} sales {sales_kopecks}, {refunds} refunds {refunds_kopecks} (kopecks)",
    "refund": "refund {refund} of sale {sale} by {cashier}: {back_kopecks} kopecks back, "
    "points -{taken_points} +{given_points}",
    "staff_phone_set": "{name}'s own phone given: {given}",
    "confirm_code_sent": "card {card}: confirmation code sent",
    "confirm_code_wrong": "card {card}: wrong confirmation code",
    "confirm_totp_wrong": "card {card}: wrong phone code",
    "spend_confirmed_sms": "card {card}: spending confirmed by SMS code",
    "spend_confirmed_totp": "card {card}: spending confirmed by the phone's code",
    "spend_confirmed_manager": "card {card}: spending confirmed by manager {manager} ({reason})",
    "fiscal_attached": "sale {sale}: the register's receipt FD {fd} of fiscal drive {fn} attached",
    "points_adjusted": "card {card}: {points:+d} points ({reason}); balance {balance_points}",
    "card_replaced": "card {old} replaced by {new}",
    "card_blocked": "card {card}",
    "card_unblocked": "card {card}",
    "setting_changed": "{key}: {old!r} -> {new!r}",
    "server_enrolled": "{url}",
    "catalog_imported": "{products} products",
    "program": "version {version} '{name}' from {when}; changed: {changes}",
    "sale": "sale {sale}: {total_kopecks} kopecks",
    "customer_enrolled": "card {card} issued, {granted_points} points granted",
}


def encode(params: Mapping[str, Any]) -> str:
    """The detail column's text for a row's parameters (plain JSON values)."""
    return json.dumps(dict(params), ensure_ascii=False, sort_keys=True)


def decode(detail: str) -> dict[str, Any] | None:
    """A row's parameters, or None for a row written as free text before audit rows had codes."""
    if not detail.startswith("{"):
        return None
    try:
        value = json.loads(detail)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def describe(action: str, detail: str) -> str:
    """The row in English (logs, the CLI): its template filled in, or an old row's text as written."""
    params = decode(detail)
    template = DETAILS.get(action)
    if params is None or template is None:
        return detail
    try:
        text = template.format(**params)
    except (KeyError, ValueError, IndexError):
        return detail
    note = params.get("note")
    return f"{text}; {note}" if note else text
