"""Locale formatting of money and points (app.core.fmt)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.fmt import (
    MINUS,
    NBSP,
    NNBSP,
    format_money,
    format_points,
    parse_money,
    plural_ru,
)


def test_format_money_ru_groups_thousands_with_narrow_nbsp_and_decimal_comma() -> None:
    assert format_money(123456) == f"1{NNBSP}234,56{NBSP}₽"


def test_format_money_en_puts_code_first_with_comma_grouping() -> None:
    assert format_money(123456, "en") == f"RUB{NBSP}1,234.56"


def test_format_money_pads_kopecks_to_two_digits() -> None:
    assert format_money(5) == f"0,05{NBSP}₽"
    assert format_money(100, "en") == f"RUB{NBSP}1.00"


def test_format_money_negative_uses_unicode_minus() -> None:
    assert format_money(-123456) == f"{MINUS}1{NNBSP}234,56{NBSP}₽"
    assert format_money(-1, "en") == f"{MINUS}RUB{NBSP}0.01"


def test_format_money_groups_millions() -> None:
    assert format_money(123456789012) == f"1{NNBSP}234{NNBSP}567{NNBSP}890,12{NBSP}₽"


def test_format_money_rejects_float() -> None:
    with pytest.raises(TypeError):
        format_money(1.5)  # type: ignore[arg-type]


def test_format_money_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        format_money(100, "de")


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (0, "баллов"),
        (1, "балл"),
        (2, "балла"),
        (4, "балла"),
        (5, "баллов"),
        (11, "баллов"),
        (12, "баллов"),
        (14, "баллов"),
        (21, "балл"),
        (22, "балла"),
        (101, "балл"),
        (111, "баллов"),
        (1234, "балла"),
    ],
)
def test_plural_ru_picks_one_few_many(n: int, word: str) -> None:
    assert plural_ru(n, "балл", "балла", "баллов") == word


def test_format_points_ru_groups_and_declines() -> None:
    assert format_points(1) == f"1{NBSP}балл"
    assert format_points(2) == f"2{NBSP}балла"
    assert format_points(5) == f"5{NBSP}баллов"
    assert format_points(1234) == f"1{NNBSP}234{NBSP}балла"


def test_format_points_en_singular_and_plural() -> None:
    assert format_points(1, "en") == f"1{NBSP}point"
    assert format_points(5, "en") == f"5{NBSP}points"
    assert format_points(12345, "en") == f"12,345{NBSP}points"


def test_format_points_negative_uses_minus_and_plural_of_absolute_value() -> None:
    assert format_points(-21) == f"{MINUS}21{NBSP}балл"


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("149.90", 14990),
        ("149,9", 14990),
        ("1 234,56", 123456),
        (f"1{NNBSP}234,56", 123456),
        (f"1{NBSP}234{NBSP}567", 123456700),
        ("150", 15000),
        ("0,05", 5),
        ("0", 0),
        ("  7,5 ", 750),
        ("1234567,89", 123456789),
        (f"1{NNBSP}234,56{NBSP}₽", 123456),
    ],
)
def test_parse_money_accepts_what_cashiers_type(text: str, kopecks: int) -> None:
    assert parse_money(text) == kopecks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,234", "more than 2 decimal"),
        ("149.999", "more than 2 decimal"),
        ("12abc", "only digits"),
        ("RUB 5", "only digits"),
        ("-5", "negative"),
        (f"{MINUS}5", "negative"),
        ("+5", "without a sign"),
        ("", "empty"),
        ("   ", "empty"),
        ("1.234,56", "not an amount"),
        ("12 34", "not an amount"),
        ("1,2,3", "not an amount"),
        (",5", "not an amount"),
        ("5,", "not an amount"),
        ("١٢٣", "not an amount"),
    ],
)
def test_parse_money_rejects_with_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_money(text)


@given(st.integers(min_value=0, max_value=10**15))
def test_parse_money_round_trips_russian_format(kopecks: int) -> None:
    assert parse_money(format_money(kopecks, "ru")) == kopecks


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([".", ","]))
def test_parse_money_round_trips_plain_decimal(kopecks: int, sep: str) -> None:
    roubles, kop = divmod(kopecks, 100)
    assert parse_money(f"{roubles}{sep}{kop:02d}") == kopecks


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_money_ru_digits_spell_the_exact_amount(kopecks: int) -> None:
    text = format_money(kopecks)
    digits = "".join(ch for ch in text if ch.isdigit())
    assert int(digits) == abs(kopecks)
    assert text.startswith(MINUS) == (kopecks < 0)
