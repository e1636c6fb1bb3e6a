"""Logs never carry a customer's phone or card number."""

import logging
from pathlib import Path

from app.core.logsetup import mask_personal, setup_logging


def test_phone_and_card_numbers_are_masked() -> None:
    text = mask_personal("enrolled +7 916 123-45-67 card 2990000000019 qr LT1:2990000000019:ABCDEFGH")
    assert "916" not in text and "4567" in text
    assert "29900000" not in text and "0019" in text
    assert "LT1:<card>" in text


def test_log_file_rotates_and_holds_no_personal_data(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    log = logging.getLogger("test.pii")
    log.info("sale for %s", "89161234567")
    try:
        raise ValueError("bad phone +79161234567")
    except ValueError:
        log.exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = path.read_text(encoding="utf-8")
    assert "9161234567" not in content and "4567" in content and "ValueError" in content
