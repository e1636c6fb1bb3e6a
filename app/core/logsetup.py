"""Rotating logs in the data folder, with phone and card numbers masked before they are written."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path
from typing import Any

from app.core import private

# Phone numbers (+7 916 123-45-67, 89161234567) and long digit runs (card numbers, barcodes).
_PHONE = re.compile(r"(?<!\d)(?:\+?\d[\s\-()]*){10,15}(?!\d)")
_QR = re.compile(r"LT1:[A-Za-z0-9\-]+:[A-Z2-7]{8}")


def mask_personal(text: str) -> str:
    """Replace phone/card-like digit runs (all but the last 4 digits) and card QR payloads."""
    text = _QR.sub("LT1:<card>", text)

    def hide(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "•" * (len(digits) - 4) + digits[-4:]

    return _PHONE.sub(hide, text)


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every record, including formatted arguments and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        record.msg = mask_personal(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = mask_personal(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Log files (the first and each one started at rotation) are the owner's only: they name cashiers."""

    def _open(self) -> Any:
        with private.umask():
            return super()._open()


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Log to `<folder>/logs/terminal.log`, rotated at 2 MB, 5 files kept; returns the log path."""
    logs = folder / "logs"
    private.private_folder(logs)
    path = logs / "terminal.log"
    handler = _PrivateRotatingHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    private.private_file(path)  # a log written by an older version
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "baseFilename", None) == handler.baseFilename for h in root.handlers):
        root.addHandler(handler)
    else:
        handler.close()
    return path
