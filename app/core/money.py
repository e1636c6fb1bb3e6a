"""Exact money arithmetic: integer kopecks, rational intermediates, the rounding rules of the spec."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def parse_decimal(text: str | int, what: str = "value") -> Fraction:
    """Parse a non-negative decimal string ("2.5") or integer exactly, never through float."""
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a decimal number, not {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{what} must not be negative: {text}")
        return Fraction(text)
    if not isinstance(text, str) or not _DECIMAL.match(text.strip()):
        raise ValueError(f'{what} must be a non-negative decimal string like "2.5", got {text!r}')
    return Fraction(text.strip())


def round_half_up(x: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (so 0.5 kopeck becomes 1)."""
    if x >= 0:
        return int((x + Fraction(1, 2)).__floor__())
    return -int((-x + Fraction(1, 2)).__floor__())


def floor(x: Fraction) -> int:
    """Largest integer not above x."""
    return x.__floor__()


def round_half_up_div(num: int, den: int) -> int:
    """num / den rounded like round_half_up, in integers only (den > 0): the hot path of pricing."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((-2 * num + den) // (2 * den))


def percent_of(amount: int, pct: Fraction) -> int:
    """round_half_up(amount × pct / 100), exactly, without building Fraction objects."""
    return round_half_up_div(amount * pct.numerator, 100 * pct.denominator)


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split total in proportion to weights; leftover units go to the largest remainders.

    Ties between equal remainders go to the earlier line, as the spec requires.
    """
    if total < 0:
        raise ValueError("cannot split a negative amount")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total:
            raise ValueError("cannot split a non-zero amount over zero weights")
        return [0] * len(weights)
    # Integer division gives each share's whole part and its remainder (in units of 1/weight_sum):
    # the same exact figures as rationals, without building Fraction objects on every sale.
    parts, remainders = [], []
    for w in weights:
        whole, rem = divmod(total * w, weight_sum)
        parts.append(whole)
        remainders.append(rem)
    leftover = total - sum(parts)
    # Stable sort on the negated remainder keeps the earlier line first among equals.
    order = sorted(range(len(weights)), key=lambda i: -remainders[i])
    for i in order[:leftover]:
        parts[i] += 1
    return parts


_ROUBLES = re.compile(r"^(\d{1,12})(?:[.,](\d{1,2}))?$")


def parse_roubles(text: str) -> int:
    """Roubles as written in a price list ("149.90", "149,9", "150") to kopecks, exactly."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    match = _ROUBLES.match(cleaned)
    if not match:
        raise ValueError(f"{text!r} is not an amount in roubles like 149.90")
    whole, frac = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(frac)
