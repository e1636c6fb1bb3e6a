"""Errors the core raises: each carries a refusal code and plain parameters (app.core.refusals).

`str(exc)` is the English sentence of app.core.refusals.TEMPLATES (the CLI prints it, logs and the
server use it); a screen words `exc.code` with `exc.params` in the cashier's language instead.
"""

from __future__ import annotations

from typing import Any

from app.core.refusals import Refusal, RefusalError

__all__ = ["LoyaltyError", "NotFound", "ProgramError", "StorageError", "refusal_of"]


class LoyaltyError(RefusalError):
    """A refused operation; nothing was written."""


class ProgramError(LoyaltyError):
    """A program file that does not validate; `path` names the field ("tiers[1].min_spend"), "" if none."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code, **params)
        self.path: str = str(params.get("path", ""))


class NotFound(LoyaltyError):
    """An unknown card, customer, product, sale or coupon."""


class StorageError(LoyaltyError):
    """The database cannot be opened, read or written (corrupt file, full disk, read-only)."""


def refusal_of(exc: LoyaltyError) -> Refusal:
    """The refusal an error carries, as a value."""
    return Refusal(exc.code, dict(exc.params))
