"""A loyalty sale or refund as a fiscal document (fiscal.md, docs/fiscal.md): pure functions, no I/O.

The settings (which register, taxation, VAT rate and payment object per category, the cashiers' INNs)
and the mapping live here so the service, the CLI and the tests share one reading of the rules:
every position's amount is what the customer pays for it (the core's per-line `paid`), points of our
own program lower the price (a discount, not a payment: ФНС АБ-4-20/6093 of 30.04.2021), and the
sum of the positions equals the sum of the payments equals the money paid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from app.core.errors import LoyaltyError
from app.core.fiscal import (
    TAXATIONS,
    DeviceStatus,
    FiscalDocument,
    FiscalResult,
    Operator,
    Payment,
    PaymentObject,
    PaymentType,
    Position,
    Taxation,
    Vat,
)
from app.core.refusals import Refusal

__all__ = [
    "CLI_TAXATION",
    "FiscalSettings",
    "MappedLine",
    "Mode",
    "document_from_json",
    "document_json",
    "parse_contact",
    "parse_device",
    "parse_object",
    "parse_taxation",
    "parse_vat",
    "positions_of",
    "refund_document",
    "refund_lines",
    "result_json",
    "sale_document",
    "settings_from_meta",
    "settings_to_meta",
    "status_warnings",
]

Mode = Literal["none", "beside", "driven"]

# The command line spells taxation as fiscal.md does; the register (ATOL's names, app.core.fiscal) otherwise.
CLI_TAXATION: dict[str, Taxation] = {
    "osn": "osn",
    "usn_income": "usnIncome",
    "usn_income_outcome": "usnIncomeOutcome",
    "patent": "patent",
}
# A rate as a merchant writes it ("22", "22%", "vat22", "none", "без НДС") to the register's name.
_VAT_WORDS: dict[str, Vat] = {
    "22": "vat22",
    "10": "vat10",
    "0": "vat0",
    "5": "vat5",
    "7": "vat7",
    "none": "none",
    "без ндс": "none",
    "no": "none",
}
_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[^\s]*)?")
_TCP = re.compile(r"tcp://[A-Za-z0-9.\-]+:[0-9]{1,5}")
_SERIAL = re.compile(r"serial:/[^\s?]+(\?baud=[0-9]{3,7})?")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
# A category key for the rate or object of every category not named (`--vat '*=none'`).
ANY = "*"


@dataclass(frozen=True)
class FiscalSettings:
    """The terminal's fiscal settings (stored as `fiscal.*` keys of the meta table)."""

    device: str = "none"
    taxation: Taxation = "osn"
    vat: Mapping[str, Vat] = field(default_factory=dict)
    objects: Mapping[str, PaymentObject] = field(default_factory=dict)
    inn: Mapping[str, str] = field(default_factory=dict)  # cashier name -> INN (tag 1203), optional

    @property
    def mode(self) -> Mode:
        """none, beside (the register is the till of record) or driven (this terminal prints)."""
        if self.device in ("none", "beside"):
            return "none" if self.device == "none" else "beside"
        return "driven"

    def vat_of(self, category: str) -> Vat:
        """The category's VAT rate: as set, else the `*` rate, else 22 % under ОСН and none otherwise."""
        found = self.vat.get(category) or self.vat.get(ANY)
        if found is not None:
            return found
        # Where the spec is silent: ОСН pays VAT at the general rate, the other regimes usually none.
        return "vat22" if self.taxation == "osn" else "none"

    def object_of(self, category: str) -> PaymentObject:
        """The category's payment object (tag 1212): as set, else the `*` one, else «товар»."""
        return self.objects.get(category) or self.objects.get(ANY) or "commodity"

    def operator(self, cashier: str) -> Operator:
        """The cashier as the receipt's operator, with their INN where one is set."""
        return Operator(cashier, self.inn.get(cashier) or None)

    def to_json(self) -> dict[str, Any]:
        """`fiscal show`'s JSON (taxation in the command line's spelling)."""
        cli = {v: k for k, v in CLI_TAXATION.items()}
        return {
            "device": self.device,
            "mode": self.mode,
            "taxation": cli[self.taxation],
            "vat": dict(self.vat),
            "objects": dict(self.objects),
            "operator_inn": dict(self.inn),
        }


def parse_device(text: str) -> str:
    """A `fiscal.device` value, checked: none, beside, atol-web:URL, shtrih:tcp://HOST:PORT, shtrih:serial:PATH."""
    value = text.strip()
    if value in ("none", "beside"):
        return value
    if value.startswith("atol-web:") and _URL.fullmatch(value.removeprefix("atol-web:")):
        return value
    rest = value.removeprefix("shtrih:")
    if value.startswith("shtrih:") and (_TCP.fullmatch(rest) or _SERIAL.fullmatch(rest)):
        return value
    raise LoyaltyError("fiscal_device_bad", text=text)


def parse_taxation(text: str) -> Taxation:
    """A taxation in the command line's spelling (usn_income) or the register's (usnIncome)."""
    value = text.strip()
    if value in CLI_TAXATION:
        return CLI_TAXATION[value]
    if value in TAXATIONS:
        return value
    raise LoyaltyError("fiscal_taxation_bad", text=text)


def parse_vat(text: str) -> Vat:
    """A VAT rate: 22, 10, 0, 5, 7 (with or without % or a vat prefix) or none."""
    value = text.strip().lower().removesuffix("%").removeprefix("vat").strip()
    found = _VAT_WORDS.get(value)
    if found is None:
        raise LoyaltyError("fiscal_vat_bad", text=text)
    return found


def parse_object(text: str) -> PaymentObject:
    """A payment object: commodity («товар») or service («услуга»)."""
    value = text.strip().lower()
    if value in ("commodity", "товар"):
        return "commodity"
    if value in ("service", "услуга"):
        return "service"
    raise LoyaltyError("fiscal_object_bad", text=text)


def parse_contact(text: str | None) -> str | None:
    """The buyer's phone (as +7…) or e-mail for an electronic receipt (tag 1008); None when not asked."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if "@" in value:
        if not _EMAIL.fullmatch(value):
            raise LoyaltyError("fiscal_contact_bad", text=text)
        return value
    from app.core.identity import normalize_phone

    try:
        return normalize_phone(value)
    except LoyaltyError:
        raise LoyaltyError("fiscal_contact_bad", text=text) from None


@dataclass(frozen=True)
class MappedLine:
    """What the mapping needs of a line: its name and category, units and the money for them."""

    name: str
    category: str
    qty: int
    amount: int  # kopecks the customer pays (a sale) or gets back (a refund) for these units


def positions_of(line: MappedLine, settings: FiscalSettings) -> list[Position]:
    """One position, or two when the money is not an exact multiple of the units (each priced exactly).

    `amount` = q·f + r with f = amount // q and 0 < r < q: q − r units at f and r units at f + 1, so every
    position's price times quantity is its amount (tags 1079 and 1043 agree) and the two add up to it.
    """
    vat, obj = settings.vat_of(line.category), settings.object_of(line.category)
    floor, rest = divmod(line.amount, line.qty)
    if rest == 0:
        return [Position(line.name, floor, line.qty, line.amount, vat, obj)]
    return [
        Position(line.name, floor, line.qty - rest, floor * (line.qty - rest), vat, obj),
        Position(line.name, floor + 1, rest, (floor + 1) * rest, vat, obj),
    ]


def _payments(total: int, payment: str) -> tuple[Payment, ...]:
    """The money as the cashier took it; nothing at all when points paid everything (a 0 receipt)."""
    if total == 0:
        return ()
    kind: PaymentType = "electronically" if payment == "card" else "cash"
    return (Payment(kind, total),)


def _document(
    uid: str,
    kind: Literal["sell", "sellReturn"],
    lines: Sequence[MappedLine],
    payment: str,
    cashier: str,
    settings: FiscalSettings,
    contact: str | None,
) -> FiscalDocument:
    positions = tuple(p for line in lines if line.qty > 0 for p in positions_of(line, settings))
    total = sum(p.amount for p in positions)
    return FiscalDocument(
        uuid=uid,
        kind=kind,
        operator=settings.operator(cashier),
        taxation=settings.taxation,
        positions=positions,
        payments=_payments(total, payment),
        customer_contact=contact,
    )


def sale_document(
    uid: str,
    lines: Sequence[MappedLine],
    payment: str,
    cashier: str,
    settings: FiscalSettings,
    contact: str | None = None,
) -> FiscalDocument:
    """The `sell` receipt of a priced sale: its lines at what was paid, the payment as chosen."""
    return _document(uid, "sell", lines, payment, cashier, settings, contact)


def refund_lines(
    lines: Sequence[tuple[str, str, int, int]], before: Sequence[int], now: Sequence[int]
) -> list[MappedLine]:
    """The money a refund gives back per sale line, by the cumulative rule (loyalty-rules.md §5).

    `lines` are (name, category, qty, paid) of the sale; `before`/`now` the units back before and after
    this refund. Line i gives back floor(p·now/q) − floor(p·before/q): the figures the core's refund
    uses, so the positions add up to its `money_back`.
    """
    out = []
    for (name, category, qty, paid), b, n in zip(lines, before, now, strict=True):
        if n > b:
            out.append(MappedLine(name, category, n - b, paid * n // qty - paid * b // qty))
    return out


def refund_document(
    uid: str,
    lines: Sequence[MappedLine],
    payment: str,
    cashier: str,
    settings: FiscalSettings,
    contact: str | None = None,
) -> FiscalDocument:
    """The `sellReturn` receipt of a refund: the money given back per line, by the sale's means of payment."""
    return _document(uid, "sellReturn", lines, payment, cashier, settings, contact)


def document_json(doc: FiscalDocument) -> dict[str, Any]:
    """A document as plain JSON (stored in the pending row, and the tests' golden files): lists, not tuples."""
    data = asdict(doc)
    data["positions"] = list(data["positions"])
    data["payments"] = list(data["payments"])
    return data


def document_from_json(data: Mapping[str, Any]) -> FiscalDocument:
    """A document stored by document_json, back."""
    return FiscalDocument(
        uuid=data["uuid"],
        kind=data["kind"],
        operator=Operator(**data["operator"]),
        taxation=data["taxation"],
        positions=tuple(Position(**p) for p in data["positions"]),
        payments=tuple(Payment(**p) for p in data["payments"]),
        customer_contact=data.get("customer_contact"),
    )


def settings_from_meta(values: Mapping[str, str | None]) -> FiscalSettings:
    """Settings from the meta table's `fiscal.*` values (absent keys: the defaults)."""

    def loads(key: str) -> dict[str, Any]:
        raw = values.get(key)
        return dict(json.loads(raw)) if raw else {}

    return FiscalSettings(
        device=values.get("fiscal.device") or "none",
        taxation=parse_taxation(values.get("fiscal.taxation") or "osn"),
        vat=loads("fiscal.vat"),
        objects=loads("fiscal.objects"),
        inn=loads("fiscal.operator_inn"),
    )


def settings_to_meta(settings: FiscalSettings) -> dict[str, str]:
    """The meta table's `fiscal.*` values of settings."""
    return {
        "fiscal.device": settings.device,
        "fiscal.taxation": settings.taxation,
        "fiscal.vat": json.dumps(dict(settings.vat), ensure_ascii=False, sort_keys=True),
        "fiscal.objects": json.dumps(dict(settings.objects), ensure_ascii=False, sort_keys=True),
        "fiscal.operator_inn": json.dumps(dict(settings.inn), ensure_ascii=False, sort_keys=True),
    }


# The status bar warns this long before the drive or the shift stops the till (choices: docs/fiscal.md).
OFD_WARN_DAYS = 3  # documents unconfirmed by the ОФД for this many days: warn (the drive blocks at 30)
OFD_BLOCK_DAYS = 30
SHIFT_WARN_HOURS = 20  # a shift open this long: warn (the register refuses receipts after 24 hours)
_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS


def status_warnings(status: DeviceStatus, now: int, pending: int = 0) -> list[Refusal]:
    """The register's state as refusal-like warnings for the status bar, most urgent first."""
    out: list[Refusal] = []
    if status.fn_expired:
        out.append(Refusal("fiscal_fn_expired"))
    if status.ofd_unsent and status.ofd_oldest_unsent_at is not None:
        days = max(0, now - status.ofd_oldest_unsent_at) // _DAY_MS
        if days >= OFD_BLOCK_DAYS:
            out.append(Refusal("fiscal_ofd_blocked", {"days": days}))
        elif days >= OFD_WARN_DAYS:
            out.append(Refusal("fiscal_warn_ofd_days", {"count": status.ofd_unsent, "days": days}))
    shift = status.shift
    if shift.open:
        hours = max(0, now - shift.opened_at) // _HOUR_MS if shift.opened_at is not None else 0
        if shift.expired or hours >= 24:
            out.append(Refusal("fiscal_shift_expired"))
        elif hours >= SHIFT_WARN_HOURS:
            out.append(Refusal("fiscal_warn_shift_hours", {"hours": hours}))
    if not status.paper:
        out.append(Refusal("fiscal_paper_out"))
    if status.fn_memory_nearly_full:
        out.append(Refusal("fiscal_warn_fn_nearly_full"))
    if status.fn_replace_soon and not status.fn_expired:
        out.append(Refusal("fiscal_warn_fn_replace_soon"))
    if pending:
        out.append(Refusal("fiscal_warn_pending", {"count": pending}))
    return out


def result_json(result: FiscalResult) -> dict[str, Any]:
    """A registered receipt as the command line's `fiscal` object (fiscal.md)."""
    return {
        "status": "registered",
        "document_number": result.document_number,
        "fiscal_sign": result.fiscal_sign,
        "shift": result.shift,
        "fn": result.fn,
    }
