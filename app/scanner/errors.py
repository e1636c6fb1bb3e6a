"""The one error the scanner raises: a message fit to show a cashier or print from the CLI."""

from __future__ import annotations


class ScanError(Exception):
    """A file, video or camera that cannot be read; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
