"""The checkout as plain values (no Qt): basket lines, the extras, and what the store offers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from app.core.identity import Keys
from app.core.pricing import LineIn
from app.core.services.catalog import CatalogService
from app.core.services.checkout import CheckoutService
from app.core.services.confirm import ConfirmService
from app.core.services.customers import CustomerService
from app.core.services.program import ProgramService
from app.core.services.results import SaleRequest
from app.core.services.store import StoreService
from app.ui.fiscal_port import FiscalTill

Redeem = int | Literal["max"] | None
FREE_SKU = "FREE"


@dataclass(frozen=True)
class Reward:
    """A gift the program offers for points."""

    id: str
    name: str
    points: int


@dataclass(frozen=True)
class StoreInfo:
    """What the checkout needs of the store once: the QR secret, coupon codes, gifts, categories."""

    secret: Keys  # the store's own secret and the chain's card keys
    program_name: str
    coupon_codes: tuple[str, ...]
    rewards: tuple[Reward, ...]
    categories: tuple[str, ...]
    point_value: int


@dataclass(frozen=True)
class TillServices:
    """The services the checkout calls, as the composition root built them."""

    checkout: CheckoutService
    catalog: CatalogService
    customers: CustomerService
    programs: ProgramService
    store: StoreService
    fiscal: FiscalTill | None = None  # the register: sales through it when the till drives one
    confirm: ConfirmService | None = None  # confirmations of paying points (issue 13); None: none offered


def load_store(services: TillServices) -> StoreInfo:
    """Read the store's program and categories (runs on the worker)."""
    _, program = services.programs.program()
    categories = {p["category"] for p in services.catalog.catalog(limit=100_000)}
    categories |= {rule.category for rule in program.stamps}
    return StoreInfo(
        secret=services.store.card_keys(),
        program_name=str(program.raw.get("name", "")),
        coupon_codes=tuple(c.code for c in program.coupons),
        rewards=tuple(Reward(r.id, r.name, r.points) for r in program.rewards),
        categories=tuple(sorted(categories)),
        point_value=program.point_value,
    )


@dataclass
class Basket:
    """The lines and extras of the checkout being entered."""

    lines: list[LineIn] = field(default_factory=list)
    card: str | None = None
    coupon: str | None = None
    redeem: Redeem = None
    reward: str | None = None

    def add(self, line: LineIn) -> int:
        """Add a line; a catalog product already in the basket gets its quantity raised. Returns its row."""
        if line.sku != FREE_SKU:
            for row, have in enumerate(self.lines):
                if have.sku == line.sku and have.unit_price == line.unit_price:
                    self.lines[row] = replace(have, qty=have.qty + line.qty)
                    return row
        self.lines.append(line)
        return len(self.lines) - 1

    def set_qty(self, row: int, qty: int) -> bool:
        """Set a line's quantity (at least 1); False when the row does not exist or nothing changed."""
        if not 0 <= row < len(self.lines) or qty < 1 or self.lines[row].qty == qty:
            return False
        self.lines[row] = replace(self.lines[row], qty=qty)
        return True

    def remove(self, row: int) -> bool:
        """Remove a line; False when the row does not exist."""
        if not 0 <= row < len(self.lines):
            return False
        del self.lines[row]
        return True

    def clear(self) -> None:
        """Start over: no lines, no customer, no extras."""
        self.lines.clear()
        self.card = self.coupon = self.reward = None
        self.redeem = None

    def request(self, payment: str = "cash", cashier: str | None = None) -> SaleRequest:
        """The sale request these values make."""
        return SaleRequest(
            lines=tuple(self.lines),
            card=self.card,
            coupon=self.coupon,
            redeem=self.redeem,
            reward=self.reward,
            payment=payment,
            cashier=cashier,
        )


def free_line(unit_price: int, category: str, name: str, qty: int = 1) -> LineIn:
    """A free-price item: the cashier types the price and picks the category."""
    if unit_price < 0:
        raise ValueError("price must not be negative")
    return LineIn(FREE_SKU, name.strip() or category, category, qty, unit_price)
