"""Errors the core raises: each carries a one-line reason fit for a cashier or a script."""

from __future__ import annotations


class LoyaltyError(Exception):
    """A refused operation; nothing was written."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class ProgramError(LoyaltyError):
    """A program file that does not validate."""


class NotFound(LoyaltyError):
    """An unknown card, customer, product, sale or coupon."""


class StorageError(LoyaltyError):
    """The database cannot be opened, read or written (corrupt file, full disk, read-only)."""
