"""Cards with check digits, signed QR payloads and Russian phone numbers."""

import pytest

from app.core.codes import classify, receipt_barcode
from app.core.errors import LoyaltyError
from app.core.identity import (
    card_number,
    card_qr_payload,
    check_card_code,
    gtin_valid,
    mask_phone,
    normalize_phone,
    parse_card_qr,
)

SECRET = b"k" * 32


@pytest.mark.parametrize(
    "text", ["+7 916 123-45-67", "8 (916) 123-45-67", "89161234567", "+79161234567", "9161234567", "7-916-123-45-67"]
)
def test_russian_phone_formats_normalise_to_plus_seven(text: str) -> None:
    assert normalize_phone(text) == "+79161234567"


@pytest.mark.parametrize("text", ["12345", "+7 916 123", "phone", "8916123456789"])
def test_impossible_phones_are_refused(text: str) -> None:
    with pytest.raises(LoyaltyError):
        normalize_phone(text)


def test_phone_mask_shows_only_the_last_four_digits() -> None:
    assert mask_phone("+79161234567").endswith("4567")
    assert "916" not in mask_phone("+79161234567")


def test_generated_card_numbers_carry_a_check_digit() -> None:
    card = card_number(1)
    assert len(card) == 13 and gtin_valid(card)
    mistyped = card[:-1] + str((int(card[-1]) + 1) % 10)
    with pytest.raises(LoyaltyError):
        check_card_code(mistyped)


def test_card_qr_round_trips_and_a_forged_one_is_refused() -> None:
    payload = card_qr_payload(SECRET, "2990000000019")
    assert parse_card_qr(SECRET, payload) == "2990000000019"
    forged = payload.replace("2990000000019", "2990000000026")
    with pytest.raises(LoyaltyError):
        parse_card_qr(SECRET, forged)
    with pytest.raises(LoyaltyError):
        parse_card_qr(b"other store" * 3, payload)


def test_classify_decides_what_a_scan_means() -> None:
    card = card_number(5)
    assert classify(card_qr_payload(SECRET, card), SECRET).kind == "card"
    assert classify(card, SECRET).value == card
    assert classify(receipt_barcode(42), SECRET).value == "42"
    assert classify("042100005264", SECRET).value == "0042100005264"  # UPC-A compares as 13 digits
    assert classify("welcome10", SECRET, ["WELCOME10"]).kind == "coupon"
    assert classify("4600000000018", SECRET).kind == "unknown"  # wrong check digit
    forged = classify(card_qr_payload(b"x" * 32, card), SECRET)
    assert forged.kind == "unknown" and forged.error


@pytest.mark.parametrize("code", ["²" * 13, "٤٦٠٠٠٠٠٠٠٠٠١٨", "４６００００００００００１８", "2990000000019²"])
def test_digits_of_other_scripts_are_not_digits_of_a_barcode(code: str) -> None:
    # str.isdigit() takes them; int() then refuses "²" and reads "٤" as 4: neither is a barcode.
    from app.core.identity import gtin_valid, to_gtin13

    assert gtin_valid(code) is False and to_gtin13(code) == code
    assert classify(code, b"secret", []).kind == "unknown"
