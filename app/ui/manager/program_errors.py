"""A program that does not validate: which field the core's message names, and the message in the manager's words.

`parse_program` (and the form's own reading of typed text) speak English and name the key path
("tiers[1].discount_pct must be at most 100"); the editor shows the message next to that field,
translated when its pattern is known, and as the core wrote it otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.ui.checkout.reasons import known

__all__ = ["TOP_KEYS", "error_path", "explain"]

_C = "ProgramErrors"
TOP_KEYS = (
    "name", "point_value", "timezone", "tiers", "tier_window_days", "redeem", "activation_days", "expiry_days",
    "excluded", "category_multipliers", "happy_hours", "welcome_bonus", "birthday_bonus", "referral", "stamps",
    "coupons", "rewards", "restore_expiry_days", "offline_redeem_cap", "offline",
)  # fmt: skip
_PATH = r"(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[A-Za-z_]+(?:\[\d+\])?)*)"
# Messages that name no path: the list they are about.
_ABOUT = [
    ("first tier", "tiers[0].min_spend"),
    ("tier names", "tiers"),
    ("tiers must", "tiers"),
    ("stamp rule", "stamps"),
    ("coupon codes", "coupons"),
    ("reward ids", "rewards"),
]
# (pattern, translation template); {field} is the field's title, other names are the pattern's groups.
_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(rf"^missing key {_PATH}$"), QT_TRANSLATE_NOOP("ProgramErrors", "{field}: fill this in")),
    (re.compile(rf"^unknown key {_PATH}$"), QT_TRANSLATE_NOOP("ProgramErrors", "Unknown key {path}")),
    (
        re.compile(rf"^{_PATH} must be a whole number, got (?P<value>.+)$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: a whole number is needed, not {value}"),
    ),
    (
        re.compile(rf"^{_PATH} must be at least (?P<min>-?\d+), got (?P<value>.+)$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must be at least {min} (now {value})"),
    ),
    (
        re.compile(rf"^{_PATH} (?:of a percent coupon )?must be at most (?P<max>\d+)(?:, got .+)?$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must be at most {max}"),
    ),
    (
        re.compile(rf"^{_PATH} must be a (?:non-negative )?decimal (?:string|number).*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: a number like 2.5 is needed"),
    ),
    (
        re.compile(rf"^{_PATH} must not be negative.*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must not be negative"),
    ),
    (
        re.compile(rf"^{_PATH} must be a non-empty string$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: fill this in"),
    ),
    (
        re.compile(rf"^{_PATH} must be a JSON object$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must be a JSON object"),
    ),
    (
        re.compile(rf"^{_PATH} must be (?:a )?list.*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must be a list"),
    ),
    (
        re.compile(r"^timezone (?P<value>.+) is not a known IANA time zone$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "Unknown time zone {value} (e.g. Europe/Moscow)"),
    ),
    (
        re.compile(r"^the first tier must have min_spend 0$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "The first tier must start from a spend of 0"),
    ),
    (re.compile(r"^tier names must be unique$"), QT_TRANSLATE_NOOP("ProgramErrors", "Tier names must differ")),
    (
        re.compile(r"^tiers must have different min_spend$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "Tiers must start from different spends"),
    ),
    (
        re.compile(r"^tiers must list at least one tier$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "Add at least one tier"),
    ),
    (
        re.compile(r"^stamp rule ids must be unique$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "Stamp card ids must differ"),
    ),
    (re.compile(r"^coupon codes must be unique$"), QT_TRANSLATE_NOOP("ProgramErrors", "Coupon codes must differ")),
    (re.compile(r"^reward ids must be unique$"), QT_TRANSLATE_NOOP("ProgramErrors", "Gift ids must differ")),
    (
        re.compile(rf"^{_PATH} must list ISO weekdays 1\.\.7$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: weekdays from 1 (Monday) to 7 (Sunday), e.g. 1-5"),
    ),
    (
        re.compile(rf"^{_PATH} must be a time like .*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: a time like 08:30 is needed"),
    ),
    (
        re.compile(rf"^{_PATH} must be before .*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must be earlier than the end"),
    ),
    (
        re.compile(rf"^{_PATH} may hold only letters, digits.*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: only Latin letters, digits, '-' and '_'"),
    ),
    (
        re.compile(rf"^{_PATH} of a percent coupon must be in .*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: a percentage above 0 and at most 100"),
    ),
    (
        re.compile(rf"^{_PATH} must be \"percent\" or \"amount\"$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: percent or amount"),
    ),
    (
        re.compile(rf"^{_PATH} must be true or false$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: must be true or false"),
    ),
    (
        re.compile(rf"^{_PATH}: (?:amount|not an amount|more than 2 decimal).*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: an amount in roubles like 1 500 or 149,90 is needed"),
    ),
    (
        re.compile(rf"^{_PATH}(?: must be an ISO 8601 timestamp|: bad timestamp .*|: timestamp .* has no UTC offset)$"),
        QT_TRANSLATE_NOOP(
            "ProgramErrors", "{field}: a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00"
        ),
    ),
    (
        re.compile(rf"^{_PATH} must be a card number$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: a card number is needed"),
    ),
    (
        re.compile(rf"^{_PATH}: invalid literal.*$"),
        QT_TRANSLATE_NOOP("ProgramErrors", "{field}: a whole number is needed"),
    ),
]


def error_path(message: str) -> str:
    """The key path a validation message is about ("tiers[1].discount_pct"), or "" when it names none."""
    for needle, path in _ABOUT:
        if message.startswith(("the " + needle, needle)):
            return path
    if message.startswith("timezone "):
        return "timezone"
    m = re.match(rf"^(?:missing key |unknown key )?{_PATH}", message)
    if m is not None:
        path = m.group("path")
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        if top in TOP_KEYS:
            return path
    return ""


def explain(message: str, title_of: Callable[[str], str]) -> tuple[str, str]:
    """(path, message in the manager's language); title_of names a path's field on screen.

    A message that is not about the program (the disk is full, a file cannot be written) is worded by
    the till's table of refusals, app.ui.checkout.reasons; one known to neither is shown as written.
    """
    path = error_path(message)
    for pattern, template in _PATTERNS:
        m = pattern.match(message)
        if m is None:
            continue
        values = m.groupdict()
        field = title_of(values.get("path") or path) if (values.get("path") or path) else ""
        return path, QCoreApplication.translate(_C, str(template)).format(field=field, **values)
    return path, known(message) or message
