"""Frozen results the services hand to the CLI and the UI (no ORM rows leak out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.pricing import LineIn, Quote
from app.core.refusals import Refusal


@dataclass(frozen=True)
class EnrollResult:
    """A new customer and card."""

    customer_id: int
    card: str
    granted: int
    qr: str

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {"customer_id": self.customer_id, "card": self.card, "granted": self.granted, "qr": self.qr}


@dataclass(frozen=True)
class PersonalCoupon:
    """A coupon only this card can use."""

    code: str
    kind: str
    value: str
    valid_to: int | None


@dataclass(frozen=True)
class CustomerInfo:
    """What the cashier sees of a customer at an instant."""

    customer_id: int
    card: str
    name: str
    phone: str | None
    phone_masked: str
    birthday: str | None
    tier: str
    tier_spend: int
    next_tier: str | None
    to_next_tier: int | None
    available: int
    pending: int
    expired: int
    debt: int
    stamps: Mapping[str, int]
    stamps_needed: Mapping[str, int]
    next_expiry_points: int
    next_expiry_at: str | None
    blocked: bool
    coupons: tuple[PersonalCoupon, ...] = ()
    qr: str = ""

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape (cli.md) plus display extras."""
        return {
            "customer_id": self.customer_id,
            "card": self.card,
            "name": self.name,
            "phone": self.phone_masked,
            "birthday": self.birthday,
            "tier": self.tier,
            "tier_spend": self.tier_spend,
            "next_tier": self.next_tier,
            "to_next_tier": self.to_next_tier,
            "available": self.available,
            "pending": self.pending,
            "expired": self.expired,
            "debt": self.debt,
            "stamps": dict(self.stamps),
            "next_expiry": None
            if self.next_expiry_at is None
            else {"points": self.next_expiry_points, "at": self.next_expiry_at},
            "blocked": self.blocked,
            "coupons": [c.code for c in self.coupons],
        }


@dataclass(frozen=True)
class SaleRequest:
    """A checkout as entered: lines, card, coupon, points to redeem, gift, time."""

    lines: tuple[LineIn, ...]
    card: str | None = None
    coupon: str | None = None
    redeem: int | str | None = None
    reward: str | None = None
    at: int | None = None
    payment: str = "cash"  # cash or card (the fiscal receipt's payment: cash or electronically)
    cashier: str | None = None
    found_by: str = "card"  # card, qr, phone or name: how the cashier found the customer (confirm policy)
    confirmed: str | None = None  # a confirmation ticket (app.core.services.confirm) when paying points needs one
    receipt_contact: str | None = None  # the buyer's phone or e-mail for an electronic receipt (tag 1008)
    fiscal_qr: str | None = None  # beside mode: the register's receipt QR, attached to this sale


@dataclass(frozen=True)
class SaleResult:
    """A priced (and, unless a quote, committed) sale."""

    sale_id: int | None
    uid: str | None
    at: int
    card: str | None
    program_version: int
    quote: Quote
    balance: int | None
    pending: int | None
    committed: bool
    stamps: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[Refusal, ...] = ()  # soft daily limits passed (program `limits`): the cashier is told
    confirm: str | None = None  # why paying these points needs the customer's confirmation, None if it does not
    fiscal: Mapping[str, Any] | None = None  # the fiscal receipt (app.core.services.fiscal), when there is one

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape (cli.md) with every intermediate figure of the worked examples."""
        q = self.quote
        out = {
            "sale_id": self.sale_id,
            "uid": self.uid,
            "card": self.card,
            "tier": q.tier,
            "subtotal": q.subtotal,
            "discount": q.discount,
            "redeemed_points": q.redeemed_points,
            "redeemed_amount": q.redeemed_amount,
            "max_points": q.max_points,
            "total": q.total,
            "earned": q.earned,
            "birthday_points": q.birthday_points,
            "reward_points": q.reward_points,
            "referral_points_to_referrer": q.referral_points_to_referrer,
            "coupon": q.coupon,
            "stamps_spent": dict(q.stamps_spent),
            "stamps_earned": dict(q.stamps_earned),
            "balance": self.balance,
            "pending": self.pending,
            "committed": self.committed,
            "warnings": [{"code": w.code, "reason": str(w)} for w in self.warnings],
            "confirm": self.confirm,
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "category": line.category,
                    "qty": line.qty,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                    "discount": line.discount,
                    "redeemed": line.redeemed,
                    "paid": line.paid,
                    "stamps_given": line.stamps_given,
                    "is_reward": line.is_reward,
                }
                for line in q.lines
            ],
        }
        if self.fiscal is not None:
            out["fiscal"] = dict(self.fiscal)
        return out


@dataclass(frozen=True)
class RefundResult:
    """What a refund gave back and took back."""

    refund_id: int | None
    uid: str | None
    sale_id: int
    money_back: int
    points_taken_back: int
    points_given_back: int
    stamps_taken_back: Mapping[str, int]
    balance: int | None
    fiscal: Mapping[str, Any] | None = None  # the sellReturn receipt, when a register printed one

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape (cli.md)."""
        out = {
            "refund_id": self.refund_id,
            "uid": self.uid,
            "sale_id": self.sale_id,
            "money_back": self.money_back,
            "points_taken_back": self.points_taken_back,
            "points_given_back": self.points_given_back,
            "stamps_taken_back": dict(self.stamps_taken_back),
            "balance": self.balance,
        }
        if self.fiscal is not None:
            out["fiscal"] = dict(self.fiscal)
        return out


@dataclass(frozen=True)
class VerifyReport:
    """Balances recomputed from the journal against the stored ones."""

    customers: int
    lots: int
    journal_rows: int
    granted: int
    spent: int
    expired: int
    taken_back: int
    balances: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {
            "ok": self.ok,
            "customers": self.customers,
            "lots": self.lots,
            "journal_rows": self.journal_rows,
            "granted": self.granted,
            "spent": self.spent,
            "expired": self.expired,
            "taken_back": self.taken_back,
            "balances": self.balances,
            "problems": list(self.problems[:100]),
            "problem_count": len(self.problems),
        }
