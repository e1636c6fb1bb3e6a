"""Exact money arithmetic: the rounding rules of loyalty-rules.md §1."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.money import (
    parse_decimal,
    parse_roubles,
    percent_of,
    round_half_up,
    round_half_up_div,
    split_largest_remainder,
)


def test_round_half_up_rounds_halves_away_from_zero() -> None:
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(99999, 10)) == 10000
    assert round_half_up(Fraction(49, 10)) == 5
    assert round_half_up(Fraction(-5, 2)) == -3


def test_largest_remainder_gives_leftover_to_largest_fraction() -> None:
    assert split_largest_remainder(10000, [30000, 12000]) == [7143, 2857]


def test_largest_remainder_ties_go_to_the_earlier_line() -> None:
    assert split_largest_remainder(1, [1, 1, 1]) == [1, 0, 0]
    assert split_largest_remainder(2, [1, 1, 1]) == [1, 1, 0]


def test_split_over_zero_weights_is_only_possible_for_zero() -> None:
    assert split_largest_remainder(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError):
        split_largest_remainder(1, [0, 0])


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=30))
def test_largest_remainder_parts_add_up_and_stay_within_one_of_share(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        total = 0
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    for part, w in zip(parts, weights, strict=True):
        share = Fraction(total * w, sum(weights)) if sum(weights) else Fraction(0)
        assert share - 1 < part < share + 1


def test_decimal_strings_parse_exactly_and_floats_are_refused() -> None:
    assert parse_decimal("2.5") == Fraction(5, 2)
    assert parse_decimal(7) == 7
    for bad in ("-1", "abc", "1e3", ""):
        with pytest.raises(ValueError):
            parse_decimal(bad)


def test_roubles_parse_to_kopecks() -> None:
    assert parse_roubles("149.90") == 14990
    assert parse_roubles("149,9") == 14990
    assert parse_roubles("150") == 15000
    assert parse_roubles("1 234,56") == 123456
    for bad in ("1.234", "-5", "12a", ""):
        with pytest.raises(ValueError):
            parse_roubles(bad)


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_integer_rounding_equals_rounding_the_exact_ratio(num: int, den: int) -> None:
    assert round_half_up_div(num, den) == round_half_up(Fraction(num, den))


@given(st.integers(0, 10**10), st.fractions(min_value=0, max_value=100, max_denominator=10**4))
def test_percent_of_equals_the_spec_formula(amount: int, pct: Fraction) -> None:
    assert percent_of(amount, pct) == round_half_up(amount * pct / 100)


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=25))
def test_largest_remainder_split_equals_the_rational_definition(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        return
    shares = [Fraction(total * w, sum(weights)) for w in weights]
    expected = [s.__floor__() for s in shares]
    # Leftover units to the largest remainders, the earlier line first among equals.
    for i in sorted(range(len(weights)), key=lambda i: -(shares[i] - expected[i]))[: total - sum(expected)]:
        expected[i] += 1
    assert split_largest_remainder(total, weights) == expected
