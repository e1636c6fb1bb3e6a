"""Codes typed by a keyboard-wedge scanner while the Russian layout is active mean what their keys mean."""

from __future__ import annotations

from app.core.codes import classify, latin_layout
from app.core.identity import card_qr_payload

SECRET = b"s" * 32


def test_the_russian_layout_is_read_back_key_for_key() -> None:
    assert latin_layout("СФЗ") == "CAP"
    assert latin_layout("ЦУДСЩЬУ10") == "WELCOME10"
    assert latin_layout("К000123") == "R000123"
    assert latin_layout("4600000000022") == "4600000000022"


def test_a_card_qr_typed_in_the_russian_layout_is_the_card() -> None:
    qr = card_qr_payload(SECRET, "2990000000033")
    russian = qr.translate(str.maketrans("LT:KWFCQJHBNMVXZ", "ДЕЖЛЦАСЙОРИТЬМЧЯ"))
    assert russian.startswith("ДЕ1Ж2990000000033Ж")
    assert classify(russian, SECRET).kind == "card"
    assert classify(russian, SECRET).value == "2990000000033"


def test_a_forged_qr_in_the_russian_layout_is_refused_as_forged() -> None:
    meaning = classify("ДЕ1Ж2990000000033ЖФФФФФФФФ", SECRET)
    assert meaning.kind == "unknown"
    assert meaning.error is not None and meaning.error.code == "qr_forged"


def test_a_coupon_and_a_receipt_in_the_russian_layout() -> None:
    assert classify("ьштгы100", SECRET, ("MINUS100",)).value == "MINUS100"
    assert classify("К000042", SECRET).kind == "receipt"


def test_a_product_name_in_russian_stays_unknown_text() -> None:
    meaning = classify("Капучино", SECRET, ("MINUS100",))
    assert meaning.kind == "unknown"
    assert meaning.value == "Капучино"
