"""The one error the scanner raises: a refusal code and parameters (app.core.refusals), English as str()."""

from __future__ import annotations

from app.core.refusals import RefusalError


class ScanError(RefusalError):
    """A file, video or camera that cannot be read; the code says which and why."""

    @property
    def message(self) -> str:
        """The English sentence (the CLI prints it)."""
        return self.reason
