"""The fiscal register's contract: the document a till asks a register to print, and the device.

Device-neutral on purpose: ATOL (JSON tasks over HTTP), Штрих-М (binary commands through
pyshtrih) and the register emulators all speak these types, so the mapping from a loyalty sale
(app.core.services.fiscal) is written and tested once. Money is integer kopecks here; a driver
that wants roubles converts at its own edge with exact decimals. See docs/fiscal.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.core.refusals import RefusalError

DocKind = Literal["sell", "sellReturn"]
Vat = Literal["vat22", "vat10", "vat0", "none", "vat5", "vat7"]
PaymentObject = Literal["commodity", "service"]
# ATOL's names; 54-ФЗ tag 1214: «полный расчёт» for every position of a sale or a refund here.
PaymentMethod = Literal["fullPayment"]
PaymentType = Literal["cash", "electronically"]
Taxation = Literal["osn", "usnIncome", "usnIncomeOutcome", "patent"]

VAT_RATES: tuple[Vat, ...] = ("vat22", "vat10", "vat0", "none", "vat5", "vat7")
TAXATIONS: tuple[Taxation, ...] = ("osn", "usnIncome", "usnIncomeOutcome", "patent")


@dataclass(frozen=True)
class Operator:
    """The cashier printed on the receipt (tag 1021) and their INN where set (tag 1203)."""

    name: str
    inn: str | None = None


@dataclass(frozen=True)
class Position:
    """One receipt position: `amount` is what the customer pays for it, after discounts and points."""

    name: str
    price: int  # kopecks per unit, as printed; amount may be below price*quantity (a discount)
    quantity: int
    amount: int
    vat: Vat
    payment_object: PaymentObject = "commodity"
    payment_method: PaymentMethod = "fullPayment"


@dataclass(frozen=True)
class Payment:
    """Money the customer handed over (or got back) by one means."""

    type: PaymentType
    sum: int


@dataclass(frozen=True)
class FiscalDocument:
    """A receipt to register; `uuid` is the loyalty sale's (or refund's) id, so a retry is idempotent."""

    uuid: str
    kind: DocKind
    operator: Operator
    taxation: Taxation
    positions: tuple[Position, ...]
    payments: tuple[Payment, ...]
    customer_contact: str | None = None  # phone (+7…) or e-mail for an electronic receipt (tag 1008)

    @property
    def total(self) -> int:
        """The receipt's total in kopecks (the sum of its positions)."""
        return sum(p.amount for p in self.positions)


@dataclass(frozen=True)
class FiscalResult:
    """What the register printed: the fiscal document's number and sign, its shift and drive."""

    uuid: str
    document_number: int
    fiscal_sign: str
    shift: int
    fn: str
    at: int  # epoch ms, the register's time of the document
    total: int


@dataclass(frozen=True)
class ShiftInfo:
    """The register's shift: open or not, its number and when it opened (epoch ms)."""

    open: bool
    number: int
    opened_at: int | None
    expired: bool = False  # open for more than 24 hours: the register refuses receipts


@dataclass(frozen=True)
class DeviceStatus:
    """The register's state and its fiscal drive's warnings, for the status bar and `fiscal status`."""

    model: str
    serial: str
    fn: str
    shift: ShiftInfo
    paper: bool = True
    fn_memory_nearly_full: bool = False
    fn_replace_soon: bool = False  # the drive's validity ends within 30 days
    fn_expired: bool = False
    ofd_unsent: int = 0  # documents not yet confirmed by the ОФД
    ofd_oldest_unsent_at: int | None = None  # epoch ms of the oldest unconfirmed document
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportResult:
    """An X- or Z-report the register printed."""

    kind: Literal["x", "z"]
    shift: int
    document_number: int | None = None


class FiscalError(RefusalError):
    """The register refused or could not be reached; nothing was printed unless `code` is "fiscal_unknown".

    Codes (worded in app.core.refusals and the UI's wording tables): fiscal_no_connection,
    fiscal_paper_out, fiscal_shift_expired, fiscal_shift_closed, fiscal_fn_full, fiscal_fn_expired,
    fiscal_ofd_blocked, fiscal_cover_open, fiscal_busy, fiscal_device (params: device code and
    text), and fiscal_unknown: the request may or may not have been printed (a timeout or a lost
    answer) and must be resolved with `FiscalDevice.result_of`.
    """


class FiscalDevice(Protocol):
    """A register a till drives. Every call is synchronous and bounded by the driver's own timeout."""

    def register(self, doc: FiscalDocument) -> FiscalResult:
        """Print `doc`; the same `doc.uuid` twice prints once and returns the first result."""
        ...

    def result_of(self, uuid: str) -> FiscalResult | None:
        """The result of an earlier `register` with this uuid, None if the register never printed it."""
        ...

    def open_shift(self, operator: Operator) -> ShiftInfo:
        """Open the register's shift, or adopt the one already open."""
        ...

    def close_shift(self, operator: Operator) -> ReportResult:
        """Close the shift, printing the Z-report."""
        ...

    def x_report(self, operator: Operator) -> ReportResult:
        """Print an X-report (the shift's figures so far, shift stays open)."""
        ...

    def status(self) -> DeviceStatus:
        """The register's state, its shift and its fiscal drive's warnings."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
