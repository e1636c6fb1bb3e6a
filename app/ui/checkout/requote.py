"""Price the checkout on the worker, dropping an extra that the rules refuse (no Qt here).

A refusal must never leave the basket stuck: when the coupon, the gift, the points or the
card make the rules refuse, the checkout is priced without it and the cashier is told why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from app.core.errors import LoyaltyError
from app.core.services.checkout import CheckoutService
from app.core.services.results import SaleRequest, SaleResult

Extra = Literal["coupon", "reward", "redeem", "card"]
Change = Literal["lines", "coupon", "reward", "redeem", "card"]


@dataclass(frozen=True)
class Priced:
    """A quote of the request actually priced, what had to be dropped and why, or a refusal."""

    result: SaleResult | None
    request: SaleRequest
    dropped: tuple[Extra, ...] = ()
    reason: str | None = None  # the refusal in English (logs, tests); error is what a screen words
    error: LoyaltyError | None = None


def _without(req: SaleRequest, extra: Extra) -> SaleRequest:
    if extra == "coupon":
        return replace(req, coupon=None)
    if extra == "reward":
        return replace(req, reward=None)
    if extra == "redeem":
        return replace(req, redeem=None)
    return replace(req, card=None, redeem=None, reward=None)


def _present(req: SaleRequest) -> list[Extra]:
    extras: list[Extra] = []
    if req.redeem not in (None, 0):
        extras.append("redeem")
    if req.reward is not None:
        extras.append("reward")
    if req.coupon is not None:
        extras.append("coupon")
    return extras


def _fallbacks(req: SaleRequest, changed: Change) -> list[tuple[SaleRequest, tuple[Extra, ...]]]:
    """Cheaper requests to try, the most likely culprit (what just changed) first."""
    extras = _present(req)
    if changed in extras:
        extras.remove(changed)
        extras.insert(0, changed)
    tries: list[tuple[SaleRequest, tuple[Extra, ...]]] = []
    if isinstance(req.redeem, int) and req.redeem > 0:
        # More points than the basket allows now: take the most it allows instead.
        tries.append((replace(req, redeem="max"), ()))
    tries += [(_without(req, extra), (extra,)) for extra in extras]
    if len(extras) > 1:
        bare = req
        for extra in extras:
            bare = _without(bare, extra)
        tries.append((bare, tuple(extras)))
    if req.card is not None and changed == "card":
        tries.append((_without(replace(req, coupon=None), "card"), ("card", *extras)))
    return tries


def quote_checkout(service: CheckoutService, req: SaleRequest, changed: Change) -> Priced:
    """Quote req; if refused, quote the first fallback the rules accept and report the refusal."""
    try:
        return Priced(service.quote(req), req)
    except LoyaltyError as exc:
        refused = exc
    for variant, dropped in _fallbacks(req, changed):
        try:
            result = service.quote(variant)
        except LoyaltyError:
            continue
        if variant.redeem == "max" and isinstance(req.redeem, int):
            # Keep a number, not "max", so the points only change when the cashier changes them.
            variant = replace(variant, redeem=result.quote.redeemed_points)
            dropped = dropped or ("redeem",)
        return Priced(result, variant, dropped, str(refused), refused)
    return Priced(None, req, (), str(refused), refused)
