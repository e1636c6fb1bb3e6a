"""The wire shapes: every point operation and every queued transaction body, typed, in one place.

A terminal builds these bodies, books them with `app.core.ledger`, stores them as JSON in its
outbox and pushes them; the server validates them at its edge (server/api.py) and books the very
same dicts. They are TypedDicts, not classes, on purpose: the wire value *is* the dict that is
hashed (server/ingest.body_hash), stored and replayed, so typing it costs nothing at run time and
cannot change a byte of what today's terminals send. pydantic checks them where they cross a
boundary, strictly: an integer field takes a JSON integer only (not 1.5, not true, not "1"), a
text field text only, and a key no version of the terminal sends is refused.

Version 1 of every shape is what terminals have sent since the ledger was introduced. A change
that an older server could not read (a new required key, a new operation) is a new version: add
the new shape beside the old one and let the server accept both, so terminals and servers can be
upgraded in any order (docs/wire.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

__all__ = [
    "BODIES",
    "VERSION",
    "AdjustBody",
    "BlockBody",
    "CardBody",
    "CatalogBody",
    "EnrollBody",
    "GrantOp",
    "Op",
    "ProgramBody",
    "PushAnswer",
    "PushOutcome",
    "RefundBody",
    "SaleBody",
    "SpendOp",
    "StampsOp",
    "TakeBackOp",
    "ValidationError",
    "WireLot",
    "validator",
]

VERSION = 1

# The database's 64-bit integer range: a larger number is a malformed body, not a database error.
INT64 = 2**63 - 1
Int = Annotated[int, Field(ge=-INT64, le=INT64)]
Count = Annotated[int, Field(ge=0, le=INT64)]  # points moved by one operation, units, instants
Instant = Count  # milliseconds since the epoch (UTC)

# Strict: JSON integers for integers, text for text, booleans for flags; no key beyond the shape.
_STRICT = ConfigDict(strict=True, extra="forbid")


# ----------------------------------------------------------------------------------- operations


@with_config(_STRICT)
class WireLot(TypedDict):
    """The lot a grant creates (its `remaining` starts at `points`)."""

    uid: str
    points: Count
    available_at: Instant
    expires_at: Instant | None
    source: str
    txn_uid: str


@with_config(_STRICT)
class GrantOp(TypedDict):
    """A new lot for a customer; it pays the customer's debt first."""

    op: Literal["grant"]
    customer: str
    at: Instant
    lot: WireLot


@with_config(_STRICT)
class SpendOp(TypedDict):
    """Points paid from available lots, soonest expiry first (`why`: redeem or reward)."""

    op: Literal["spend"]
    customer: str
    points: Count
    at: Instant
    why: str


@with_config(_STRICT)
class TakeBackOp(TypedDict):
    """Earned points taken back by a refund or a manager, the sale's own lot first."""

    op: Literal["take_back"]
    customer: str
    points: Count
    at: Instant
    sale_lot: NotRequired[str | None]
    expired: NotRequired[Count]  # of the points, those expiry already took from the sale's lot (absent: 0)


@with_config(_STRICT)
class StampsOp(TypedDict):
    """Stamps added (+) or spent and taken back (-) per stamp rule."""

    op: Literal["stamps"]
    customer: str
    deltas: dict[str, Int]
    at: Instant


Op = Annotated[GrantOp | SpendOp | TakeBackOp | StampsOp, Field(discriminator="op")]


# ----------------------------------------------------------------------------------- bodies


@with_config(_STRICT)
class EnrollBody(TypedDict):
    """A customer enrolled with a card, and the welcome and referee grants."""

    uid: str
    name: str
    phone: str | None
    birthday: NotRequired[str | None]
    card: str
    referrer_uid: NotRequired[str | None]
    at: Instant
    consent_at: NotRequired[Instant | None]
    ops: list[Op]


@with_config(_STRICT)
class SaleFigures(TypedDict):
    """A sale's priced figures (kopecks and points) as its receipt showed them."""

    tier: str | None  # None for a sale without a card
    subtotal: Int
    discount: Int
    redeemed_points: Int
    redeemed_amount: Int
    max_points: NotRequired[Int]
    total: Int
    earned: Int
    birthday_points: NotRequired[Int]
    reward_points: NotRequired[Int]
    referral_points_to_referrer: NotRequired[Int]
    coupon: NotRequired[str | None]
    stamps_spent: NotRequired[dict[str, Int]]
    stamps_earned: NotRequired[dict[str, Int]]
    reward_id: NotRequired[str | None]
    birthday_year: NotRequired[Int | None]
    birthday_lot_uid: NotRequired[str | None]
    earned_lot_uid: NotRequired[str | None]


@with_config(_STRICT)
class SaleLine(TypedDict):
    """One priced line of a sale."""

    sku: str
    name: str
    category: str
    qty: Int
    unit_price: Int
    amount: Int
    discount: Int
    redeemed: Int
    paid: Int
    rate: str  # the earn rate as an exact fraction, "3/2"
    stamp_rule: str | None
    stamps_given: Int
    is_reward: Annotated[int, Field(ge=0, le=1)]
    # Since terminal schema v5 (docs/wire.md, "Versions"): the coupon's share of `discount`, on every line
    # but a gift's of a coupon sale (absent from a coupon sale: an older terminal's, replayed when booked) ...
    coupon_discount: NotRequired[Int]
    # ... and the stamps per rule, only on a line where more than one rule gave stamps (absent: stamp_rule's).
    stamps: NotRequired[dict[str, Int]]


@with_config(_STRICT)
class SaleAsked(TypedDict):
    """What the cashier asked for (kept for the record, not booked)."""

    redeem: Int | str | None
    reward: str | None
    coupon: str | None


@with_config(_STRICT)
class SaleBody(TypedDict):
    """A committed sale: its figures, lines and point operations."""

    uid: str
    at: Instant
    customer_uid: NotRequired[str | None]
    card: NotRequired[str | None]
    program_version: NotRequired[Int]  # the terminal's number; the server books its own (by program_uid)
    program_uid: NotRequired[str | None]
    payment: NotRequired[str]
    cashier: NotRequired[str | None]
    sale: SaleFigures
    lines: list[SaleLine]
    request: NotRequired[SaleAsked]
    ops: list[Op]


@with_config(_STRICT)
class RefundFigures(TypedDict):
    """What a refund gave back and took back."""

    money_back: Int
    points_taken_back: Int
    points_given_back: Int
    stamps_taken_back: NotRequired[dict[str, Int]]


@with_config(_STRICT)
class RefundBody(TypedDict):
    """Units of a sale's lines given back (line index as text -> units), and the point operations."""

    uid: str
    sale_uid: str
    at: Instant
    cashier: NotRequired[str | None]
    units: dict[Annotated[str, Field(pattern=r"^[0-9]{1,9}$")], Int]
    refund: RefundFigures
    ops: list[Op]


@with_config(_STRICT)
class AdjustBody(TypedDict):
    """A manager's manual point adjustment with its reason."""

    uid: str
    customer_uid: str
    card: NotRequired[str | None]
    points: Int
    reason: str
    actor: str
    at: Instant
    ops: list[Op]


@with_config(_STRICT)
class CardBody(TypedDict):
    """A card replaced: the new card points at the customer, the old one stops working."""

    uid: str
    customer_uid: str
    old_card: NotRequired[str | None]
    new_card: NotRequired[str | None]
    at: Instant


@with_config(_STRICT)
class BlockBody(TypedDict):
    """A customer's card blocked or unblocked."""

    uid: str
    customer_uid: str
    blocked: bool
    at: Instant


@with_config(_STRICT)
class ProgramBody(TypedDict):
    """A program version set on a standalone terminal (a chain's server refuses it: managed there)."""

    uid: str
    program: dict[str, Any]
    activate_at: Instant


@with_config(_STRICT)
class Product(TypedDict):
    """One catalog product."""

    sku: str
    name: str
    category: str
    price: Int
    barcode: str | None
    name_search: str


@with_config(_STRICT)
class CatalogBody(TypedDict):
    """Products imported on a standalone terminal (a chain's server refuses it: managed there)."""

    products: list[Product]


# ----------------------------------------------------------------------------------- the answer


# Keys beyond these (from an outcome another server version stored) are kept, never dropped.
@with_config(ConfigDict(extra="allow"))
class PushOutcome(TypedDict):
    """One pushed item's outcome: applied, duplicate (with the original status), rejected (why) or gap."""

    uid: str
    status: Literal["applied", "duplicate", "rejected", "gap"]
    original: NotRequired[str]  # duplicate: the status the first push got
    reason: NotRequired[str]  # rejected: stable on every re-send
    expected: NotRequired[int]  # gap: the sequence the server expects next
    customer_uid: NotRequired[str]  # enroll (after a merge: the customer it became)
    sale_id: NotRequired[int]
    overdraft: NotRequired[int]  # sale: points booked to the overdraft account
    refund_id: NotRequired[int]
    points: NotRequired[int]  # adjust
    card: NotRequired[str | None]  # card
    blocked: NotRequired[bool]  # block
    quarantined_card: NotRequired[str]  # enroll, card: booked without this card, another customer's (promise 11)


class PushAnswer(TypedDict):
    """The server's answer to a push: an outcome per item up to a gap, and its clock."""

    results: list[PushOutcome]
    server_time: int


Body = EnrollBody | SaleBody | RefundBody | AdjustBody | CardBody | BlockBody | ProgramBody | CatalogBody

# The body shape of each outbox kind (version 1).
BODIES: dict[str, type[Any]] = {
    "enroll": EnrollBody,
    "sale": SaleBody,
    "refund": RefundBody,
    "adjust": AdjustBody,
    "card": CardBody,
    "block": BlockBody,
    "program": ProgramBody,
    "catalog": CatalogBody,
}

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def validator(kind: str) -> TypeAdapter[Any]:
    """The strict validator of a kind's body (built once); KeyError for a kind with no shape."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(BODIES[kind])
    return adapter
