"""Cumulative partial refunds (loyalty-rules.md §5): every figure is a function of units returned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.core.money import floor


@dataclass(frozen=True)
class SoldLine:
    """A committed sale line as the refund rules need it."""

    qty: int
    paid: int
    redeemed: int
    rate: Fraction
    stamp_rule: str | None
    stamps_given: int
    is_reward: bool = False
    stamps: Mapping[str, int] | None = None  # per rule (schema v5); None: stamp_rule's stamps_given only

    def stamps_by_rule(self) -> Mapping[str, int]:
        """The stamps each rule gave on this line."""
        if self.stamps is not None:
            return self.stamps
        return {} if self.stamp_rule is None else {self.stamp_rule: self.stamps_given}


@dataclass(frozen=True)
class RefundTotals:
    """Cumulative figures once `units[i]` units of each line are back in total."""

    money_back: int
    points_taken_back: int
    points_given_back: int
    stamps_taken_back: Mapping[str, int]
    reward_returned: bool


def cumulative(lines: Sequence[SoldLine], units: Sequence[int], earned: int, redeemed: int) -> RefundTotals:
    """The cumulative refund figures for these units back, so partial refunds add up exactly."""
    pay_back = [floor(Fraction(line.paid * u, line.qty)) for line, u in zip(lines, units, strict=True)]
    red_back = [floor(Fraction(line.redeemed * u, line.qty)) for line, u in zip(lines, units, strict=True)]
    weight_all = sum(line.paid * line.rate for line in lines)
    weight_back = sum(p * line.rate for p, line in zip(pay_back, lines, strict=True))
    taken = floor(earned * weight_back / weight_all) if weight_all else 0
    red_total = sum(line.redeemed for line in lines)
    given = floor(Fraction(redeemed * sum(red_back), red_total)) if red_total else 0
    stamps: dict[str, int] = {}
    for line, u in zip(lines, units, strict=True):
        for rule, n in line.stamps_by_rule().items():
            stamps[rule] = stamps.get(rule, 0) + floor(Fraction(n * u, line.qty))
    reward = any(line.is_reward and u > 0 for line, u in zip(lines, units, strict=True))
    return RefundTotals(sum(pay_back), taken, given, stamps, reward)


def delta(now: RefundTotals, before: RefundTotals) -> RefundTotals:
    """What this refund moves: the cumulative figure minus what earlier refunds already moved."""
    rules: Mapping[str, int] = {
        rule: n - before.stamps_taken_back.get(rule, 0) for rule, n in now.stamps_taken_back.items()
    }
    return RefundTotals(
        now.money_back - before.money_back,
        now.points_taken_back - before.points_taken_back,
        now.points_given_back - before.points_given_back,
        rules,
        now.reward_returned and not before.reward_returned,
    )
