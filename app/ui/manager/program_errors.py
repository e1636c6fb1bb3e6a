"""A program that does not validate, in the manager's words: which field, and why.

`parse_program` raises a ProgramError with a code and the key path ("tiers[1].discount_pct"); the
form's own reading of typed text raises a FieldError with a code and the path. Both are worded by
app.ui.wording, the field named by its title on the form.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["TOP_KEYS", "error_path", "explain"]

from app.ui import wording

TOP_KEYS = (
    "name", "point_value", "timezone", "tiers", "tier_window_days", "redeem", "activation_days", "expiry_days",
    "excluded", "category_multipliers", "happy_hours", "welcome_bonus", "birthday_bonus", "referral", "stamps",
    "coupons", "rewards", "restore_expiry_days", "offline_redeem_cap", "offline",
)  # fmt: skip


def error_path(error: BaseException) -> str:
    """The key path an error is about ("tiers[1].discount_pct"), or "" when it names no field of the program."""
    params = getattr(error, "params", None)
    path = str(params.get("path", "")) if isinstance(params, dict) else str(getattr(error, "path", ""))
    top = path.split(".", 1)[0].split("[", 1)[0]
    return path if top in TOP_KEYS else ""


def explain(error: BaseException, title_of: Callable[[str], str]) -> tuple[str, str]:
    """(path, the error in the manager's language); title_of names a path's field on screen.

    An error that is not about the program (the disk is full, a file cannot be written) is worded
    the same way, with no path.
    """
    return error_path(error), wording.explain(error, title_of)
