"""Audit rows in the manager's language: each action code and its parameters (app.core.audit) worded here.

A row written before audit rows had codes (free English text) is shown as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.core.services.staff import AuditEntry
from app.core.timeutil import from_ms
from app.ui import i18n

__all__ = ["ACTIONS", "DETAILS", "action_text", "detail_text"]

# Audit actions in words (marked for lupdate; translated when shown).
ACTIONS: dict[str, object] = {
    "program": QT_TRANSLATE_NOOP("AdminTab", "Program changed"),
    "points_adjusted": QT_TRANSLATE_NOOP("AdminTab", "Points adjusted"),
    "card_replaced": QT_TRANSLATE_NOOP("AdminTab", "Card replaced"),
    "card_blocked": QT_TRANSLATE_NOOP("AdminTab", "Card blocked"),
    "card_unblocked": QT_TRANSLATE_NOOP("AdminTab", "Card unblocked"),
    "refund": QT_TRANSLATE_NOOP("AdminTab", "Refund"),
    "cashier_added": QT_TRANSLATE_NOOP("AdminTab", "Cashier added"),
    "cashier_enabled": QT_TRANSLATE_NOOP("AdminTab", "Cashier enabled"),
    "cashier_disabled": QT_TRANSLATE_NOOP("AdminTab", "Cashier disabled"),
    "pin_reset": QT_TRANSLATE_NOOP("AdminTab", "PIN reset"),
    "role_changed": QT_TRANSLATE_NOOP("AdminTab", "Role changed"),
    "shift_opened": QT_TRANSLATE_NOOP("AdminTab", "Shift opened"),
    "shift_closed": QT_TRANSLATE_NOOP("AdminTab", "Shift closed"),
    "setting_changed": QT_TRANSLATE_NOOP("AdminTab", "Setting changed"),
    "server_enrolled": QT_TRANSLATE_NOOP("AdminTab", "Connected to the server"),
    "pin_failed": QT_TRANSLATE_NOOP("AdminTab", "Wrong PIN"),
    "pin_locked": QT_TRANSLATE_NOOP("AdminTab", "PIN entry locked"),
    "catalog_imported": QT_TRANSLATE_NOOP("AdminTab", "Catalog imported"),
    "staff_phone_set": QT_TRANSLATE_NOOP("AdminTab", "Staff phone set"),
    "confirm_code_sent": QT_TRANSLATE_NOOP("AdminTab", "Confirmation code sent"),
    "confirm_code_wrong": QT_TRANSLATE_NOOP("AdminTab", "Wrong confirmation code"),
    "confirm_totp_wrong": QT_TRANSLATE_NOOP("AdminTab", "Wrong phone code"),
    "spend_confirmed_sms": QT_TRANSLATE_NOOP("AdminTab", "Spending confirmed by SMS"),
    "spend_confirmed_totp": QT_TRANSLATE_NOOP("AdminTab", "Spending confirmed by the phone's code"),
    "spend_confirmed_manager": QT_TRANSLATE_NOOP("AdminTab", "Spending confirmed by a manager"),
    "fiscal_attached": QT_TRANSLATE_NOOP("AdminTab", "Register receipt attached"),
    "sale": QT_TRANSLATE_NOOP("AdminTab", "Sale"),
    "customer_enrolled": QT_TRANSLATE_NOOP("AdminTab", "Customer enrolled"),
}

# Each action's detail; {name} placeholders are the row's parameters, formatted for the language.
DETAILS: dict[str, object] = {
    "cashier_added": QT_TRANSLATE_NOOP("Audit", "{name}, {role}"),
    "cashier_enabled": QT_TRANSLATE_NOOP("Audit", "Cashier {name}"),
    "cashier_disabled": QT_TRANSLATE_NOOP("Audit", "Cashier {name}"),
    "pin_reset": QT_TRANSLATE_NOOP("Audit", "Cashier {name}"),
    "role_changed": QT_TRANSLATE_NOOP("Audit", "{name}: {old} → {new}"),
    "shift_opened": QT_TRANSLATE_NOOP("Audit", "Shift No. {shift}"),
    "shift_closed": QT_TRANSLATE_NOOP(
        "Audit", "Shift No. {shift}: sales {sales} for {sales_kopecks}, refunds {refunds} for {refunds_kopecks}"
    ),
    "refund": QT_TRANSLATE_NOOP(
        "Audit",
        "Refund No. {refund} of sale No. {sale}, cashier {cashier}: {back_kopecks} back; "
        "points taken back {taken_points}, returned {given_points}",
    ),
    "staff_phone_set": QT_TRANSLATE_NOOP("Audit", "Cashier {name}"),
    "confirm_code_sent": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "confirm_code_wrong": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "confirm_totp_wrong": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "spend_confirmed_sms": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "spend_confirmed_totp": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "spend_confirmed_manager": QT_TRANSLATE_NOOP("Audit", "Card {card}: manager {manager}, reason: {reason}"),
    "fiscal_attached": QT_TRANSLATE_NOOP("Audit", "Sale No. {sale}: receipt FD {fd}, fiscal drive {fn}"),
    "points_adjusted": QT_TRANSLATE_NOOP("Audit", "Card {card}: {points} ({reason}); balance {balance_points}"),
    "card_replaced": QT_TRANSLATE_NOOP("Audit", "Card {old} replaced by card {new}"),
    "card_blocked": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "card_unblocked": QT_TRANSLATE_NOOP("Audit", "Card {card}"),
    "setting_changed": QT_TRANSLATE_NOOP("Audit", "{key}: «{old}» → «{new}»"),
    "server_enrolled": QT_TRANSLATE_NOOP("Audit", "Server {url}"),
    "catalog_imported": QT_TRANSLATE_NOOP("Audit", "{products} products"),
    "program": QT_TRANSLATE_NOOP("Audit", "Version {version} «{name}» from {when}; changed: {changes}"),
    "pin_failed": QT_TRANSLATE_NOOP("Audit", "{purpose}: wrong PINs in a row {failures}, locked for {lock_seconds}"),
    "pin_locked": QT_TRANSLATE_NOOP("Audit", "{purpose}: refused unchecked, locked for {wait_seconds} more"),
    "sale": QT_TRANSLATE_NOOP("Audit", "Sale No. {sale}: {total_kopecks}"),
    "customer_enrolled": QT_TRANSLATE_NOOP("Audit", "Card {card} issued, {granted_points} granted"),
}
# A wrong PIN below the lockout's count: no lock to name.
_PIN_FAILED_UNLOCKED = QT_TRANSLATE_NOOP("Audit", "{purpose}: wrong PINs in a row {failures}, not locked")

# What a PIN was typed for (pin_failed, pin_locked).
_PURPOSES: dict[str, object] = {
    "login": QT_TRANSLATE_NOOP("Audit", "Login"),
    "manager": QT_TRANSLATE_NOOP("Audit", "Manager approval"),
}
_ROLES: dict[str, object] = {
    "cashier": QT_TRANSLATE_NOOP("Audit", "cashier"),
    "manager": QT_TRANSLATE_NOOP("Audit", "manager"),
}
# Settings by their key (app/ui/settings_dialog.py); an unknown key is shown as it is.
_SETTINGS: dict[str, object] = {
    "printer": QT_TRANSLATE_NOOP("Audit", "Receipt printer"),
    "camera/source": QT_TRANSLATE_NOOP("Audit", "Camera"),
    "language": QT_TRANSLATE_NOOP("Audit", "Language"),
    "store": QT_TRANSLATE_NOOP("Audit", "Store name and address"),
    "store_name": QT_TRANSLATE_NOOP("Audit", "Store name"),
    "store_address": QT_TRANSLATE_NOOP("Audit", "Store address"),
    "backup/hours": QT_TRANSLATE_NOOP("Audit", "Backup every (hours)"),
    "backup/keep": QT_TRANSLATE_NOOP("Audit", "Backups kept"),
    "backup/on_close": QT_TRANSLATE_NOOP("Audit", "Backup on closing"),
}


def _tr(context: str, source: object) -> str:
    return QCoreApplication.translate(context, str(source))


def action_text(action: str) -> str:
    """An audit action in the screen's language (unknown ones as written)."""
    source = ACTIONS.get(action)
    return _tr("AdminTab", source) if source else action


def _value(key: str, value: Any, zone: tzinfo) -> Any:
    if key.endswith("_kopecks") and isinstance(value, int):
        return i18n.money(value)
    if (key == "points" or key.endswith("_points")) and isinstance(value, int):
        text = i18n.points(value)
        return f"+{text}" if key == "points" and value > 0 else text
    if key in ("lock_seconds", "wait_seconds") and isinstance(value, int):
        return i18n.wait(value)
    if key == "purpose" and value in _PURPOSES:
        return _tr("Audit", _PURPOSES[value])
    if key in ("role", "old", "new") and value in _ROLES:
        return _tr("Audit", _ROLES[value])
    return value


def _words(action: str, params: Mapping[str, Any], zone: tzinfo) -> dict[str, Any]:
    values = {key: _value(key, value, zone) for key, value in params.items()}
    if action == "setting_changed":
        key = str(params.get("key", ""))
        values["key"] = _tr("Audit", _SETTINGS[key]) if key in _SETTINGS else key
    if action == "program":
        at = params.get("when_at")
        values["when"] = (
            from_ms(at).astimezone(zone).strftime("%d.%m.%Y %H:%M")
            if isinstance(at, int)
            else QCoreApplication.translate("Audit", "now")
        )
        changed = params.get("changed")
        values["changes"] = (
            ", ".join(str(k) for k in changed) if changed else QCoreApplication.translate("Audit", "nothing")
        )
    return values


def detail_text(entry: AuditEntry, zone: tzinfo) -> str:
    """A row's detail in the screen's language; a row written as free text, as it was written."""
    params = entry.params
    source = DETAILS.get(entry.action)
    if entry.action == "pin_failed" and params is not None and not params.get("lock_seconds"):
        source = _PIN_FAILED_UNLOCKED  # «locked for 0 seconds» read as a lock that was not there
    if params is None or source is None:
        return entry.detail
    try:
        text = _tr("Audit", source).format(**_words(entry.action, params, zone))
    except (KeyError, ValueError, IndexError):
        return entry.text
    note = params.get("note")
    return f"{text}; {note}" if note else text
