"""The till's side of the fiscal register, as plain values: the `fiscal.device` setting, the checks the
settings run, and one adapter over the core's FiscalService that the screens call.

No Qt here. The screens never import app.fiscal drivers nor app.core.services.fiscal themselves: they go
through this module, so the one place that knows how the service is called is this adapter (the service
and the drivers were written beside the screens; see docs/fiscal.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

from app.core.fiscal import (
    TAXATIONS,
    VAT_RATES,
    DeviceStatus,
    FiscalError,
    Operator,
    PaymentObject,
    ReportResult,
    Taxation,
    Vat,
)
from app.core.services.results import SaleRequest, SaleResult

if TYPE_CHECKING:
    from app.bootstrap import Context

__all__ = [
    "ATOL_DEFAULT",
    "BLOCKING",
    "MODES",
    "TAXATIONS",
    "VAT_RATES",
    "FiscalConfig",
    "FiscalTill",
    "Mode",
    "check_register",
    "device_setting",
    "fiscal_qr_text",
    "split_device",
]

Mode = Literal["none", "beside", "atol", "shtrih-tcp", "shtrih-serial"]
MODES: tuple[Mode, ...] = ("none", "beside", "atol", "shtrih-tcp", "shtrih-serial")
ATOL_DEFAULT = "http://127.0.0.1:16732"  # the ATOL Web Server's default port (fiscal.md)
SHTRIH_TCP_DEFAULT = "192.168.137.111:7778"  # Штрих-М's factory address over the network
SHTRIH_BAUD_DEFAULT = 115200


@dataclass(frozen=True)
class FiscalConfig:
    """A terminal's fiscal settings: the device, the taxation, VAT and payment object per category."""

    device: str = "none"
    taxation: Taxation = "osn"
    vat: dict[str, Vat] = field(default_factory=dict)  # category -> rate; "*" is every other category
    objects: dict[str, PaymentObject] = field(default_factory=dict)  # category -> object; "*" as above

    @property
    def mode(self) -> Mode:
        """Which of the three ways the till works (none, beside, or a driven register)."""
        return split_device(self.device)[0]

    @property
    def driven(self) -> bool:
        """True when the till itself registers every receipt."""
        return self.mode in ("atol", "shtrih-tcp", "shtrih-serial")


def split_device(setting: str) -> tuple[Mode, str, int]:
    """`fiscal.device` → (mode, address, baud); raises ValueError on a setting of no known form."""
    text = setting.strip()
    if text in ("", "none"):
        return "none", "", 0
    if text == "beside":
        return "beside", "", 0
    if text.startswith("atol-web:"):
        return "atol", text.removeprefix("atol-web:"), 0
    if text.startswith("shtrih:tcp://"):
        return "shtrih-tcp", text.removeprefix("shtrih:tcp://"), 0
    if text.startswith("shtrih:serial:"):
        rest = text.removeprefix("shtrih:serial:")
        path, _, query = rest.partition("?")
        baud = parse_qs(query).get("baud", [str(SHTRIH_BAUD_DEFAULT)])[0]
        if not baud.isdigit():
            raise ValueError(setting)
        return "shtrih-serial", path, int(baud)
    raise ValueError(setting)


def device_setting(mode: Mode, address: str = "", baud: int = 0) -> str:
    """(mode, address, baud) → the `fiscal.device` setting; raises ValueError when the address is unusable."""
    address = address.strip()
    if mode in ("none", "beside"):
        return mode
    if mode == "atol":
        url = address or ATOL_DEFAULT
        if "://" not in url:
            url = f"http://{url}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(address)
        return f"atol-web:{url.rstrip('/')}"
    if mode == "shtrih-tcp":
        if not re.fullmatch(r"[\w.\-]+:\d{1,5}", address):
            raise ValueError(address)
        return f"shtrih:tcp://{address}"
    if not address:
        raise ValueError(address)
    return f"shtrih:serial:{address}?baud={baud or SHTRIH_BAUD_DEFAULT}"


def check_register(setting: str, operator: str) -> ReportResult | DeviceStatus:
    """«Проверить кассу»: print an X-report on the register the setting names (worker side).

    The register is reached with the setting being edited, not the saved one, so a wrong address is found
    before it is saved. Raises FiscalError (worded by app.ui.wording) when the register refuses.

    A register whose shift is closed (a new one, as in the first-run wizard, or one after its Z-report) may
    print no X-report: Штрих-М answers 40h with 3Dh «смена не открыта». The shift is not opened for a check
    (that is a fiscal document and starts the 24 hours): the register's state is read instead, which shows it
    answers, and returned as the DeviceStatus (its shift closed).
    """
    from app.fiscal.devices import open_device

    device = open_device(setting)
    if device is None:
        raise FiscalError("fiscal_not_set")  # none and beside drive no register: nothing to check
    try:
        try:
            return device.x_report(Operator(operator))
        except FiscalError as exc:
            if exc.code != "fiscal_shift_closed":
                raise
            return device.status()
    finally:
        device.close()


# The register's warnings that stop sales (shown in red); the others warn ahead of time.
BLOCKING = frozenset(
    {"fiscal_fn_expired", "fiscal_ofd_blocked", "fiscal_shift_expired", "fiscal_paper_out", "fiscal_fn_full"}
)


# ----------------------------------------------------------------- beside mode: the receipt's QR

_QR = re.compile(r"(?:^|&)(?:t|s|fn|i|fp|n)=")


def _has_qr_keys(text: str) -> bool:
    keys = {part.partition("=")[0] for part in text.strip().split("&")}
    return {"t", "s", "fn", "i", "fp"} <= keys and bool(_QR.search(text))


def fiscal_qr_text(text: str) -> str | None:
    """The standard QR of a register's receipt (t=…&s=…&fn=…&i=…&fp=…&n=…) recognised by its keys, or None.

    A wedge scanner typing with the Russian layout sends «е=…?ы=…»: read back as the Latin keys it meant
    (Shift+7 is «?» there, «&» in the Latin layout)."""
    raw = text.strip()
    if _has_qr_keys(raw):
        return raw
    from app.core.codes import latin_layout

    latin = latin_layout(raw).replace("?", "&")
    return latin if _has_qr_keys(latin) else None


def is_unknown(error: BaseException) -> bool:
    """True when the register's answer was lost: the receipt may have printed and is checked, not retried."""
    return isinstance(error, FiscalError) and error.code == "fiscal_unknown"


def fiscal_of(ctx: Context) -> Any:
    """The context's FiscalService, or None in a build without it."""
    return getattr(ctx, "fiscal", None)


# ----------------------------------------------------------------- the settings, through the service


def load_config(ctx: Context) -> FiscalConfig:
    """The terminal's saved fiscal settings (worker side); none when the service is not there."""
    service = fiscal_of(ctx)
    if service is None:
        return FiscalConfig()
    saved = service.settings()
    return FiscalConfig(str(saved.device), saved.taxation, dict(saved.vat), dict(saved.objects))


def save_config(ctx: Context, config: FiscalConfig, *, actor: str) -> None:
    """Save the fiscal settings (worker side); the service checks and audits them, in one transaction.

    The service merges per-category values into those set before (an empty value removes one): a category
    set back to the common rate is sent empty, so nothing stale stays behind."""
    service = fiscal_of(ctx)
    if service is None:
        raise FiscalError("fiscal_not_set")
    old = service.settings()
    vat = {key: "" for key in old.vat} | dict(config.vat)
    objects = {key: "" for key in old.objects} | dict(config.objects)
    service.configure(config.device, taxation=config.taxation, vat=vat, objects=objects, actor=actor)


def load_setup(ctx: Context) -> tuple[FiscalConfig, list[str]]:
    """The saved settings and the store's categories, for the settings' tab (worker side)."""
    categories = sorted({str(p["category"]) for p in ctx.catalog.catalog(limit=100_000) if p.get("category")})
    return load_config(ctx), categories


def config_changes(old: FiscalConfig, new: FiscalConfig) -> list[tuple[str, str, str]]:
    """(setting, old, new) for every fiscal setting that differs, as the settings dialog lists changes."""

    def pairs(values: dict[str, Any]) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(values.items()))

    found = []
    for key, before, after in (
        ("fiscal.device", old.device, new.device),
        ("fiscal.taxation", old.taxation, new.taxation),
        ("fiscal.vat", pairs(old.vat), pairs(new.vat)),
        ("fiscal.objects", pairs(old.objects), pairs(new.objects)),
    ):
        if before != after:
            found.append((key, before, after))
    return found


# ----------------------------------------------------------------- the till's door to the register


class FiscalTill:
    """The checkout's, the shift's and the status bar's door to the register, over the context's FiscalService.

    The service is the checkout's register hook (app.bootstrap): a sale or refund made through
    CheckoutService is registered on a driven register before it is written, whatever screen made it. This
    class adds what the screens need around that: the buyer's contact and the register receipt's QR on the
    request, the register's answer kept for the message, shifts, reports, the warnings and beside mode.
    `config` is read on the GUI thread and replaced there with what load() returned; every other method
    runs on a worker (they reach the database or the register).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.config = FiscalConfig()
        # What the register printed for a sale (its `fiscal` JSON), by sale id, until the checkout has said so
        # (written on the worker before the answer is delivered to the GUI thread, read there once).
        self.registered: dict[int | None, Mapping[str, Any]] = {}
        self.attached: dict[int | None, bool] = {}

    @property
    def service(self) -> Any:
        """The FiscalService; fiscal_not_set when this build has none."""
        service = fiscal_of(self.ctx)
        if service is None:
            raise FiscalError("fiscal_not_set")
        return service

    def load(self) -> FiscalConfig:
        """The saved settings (worker side)."""
        return load_config(self.ctx)

    # The sale: registered on the register first (the checkout's hook), written only once it has printed.

    def sell(self, req: SaleRequest, *, actor: str, contact: str | None = None) -> SaleResult:
        """Register the sale's receipt, then commit the sale; a refusal raises and writes nothing."""
        result = self.ctx.checkout.sell(replace(req, receipt_contact=contact), actor=actor)
        if result.fiscal is not None:
            self.registered[result.sale_id] = result.fiscal
        return result

    def sell_beside(self, req: SaleRequest, qr: str, *, actor: str) -> SaleResult:
        """Beside mode: commit the sale with the register's receipt already printed (totals must agree)."""
        result = self.ctx.checkout.sell(replace(req, fiscal_qr=qr), actor=actor)
        self.attached[result.sale_id] = True
        return result

    def reconcile(self) -> Any:
        """Finish receipts whose register answer was lost: complete the sales it printed, cancel the rest."""
        return self.service.reconcile()

    # Shifts follow the register.

    def open_shift(self, cashier: str) -> Any:
        """Open the register's shift, or adopt the one open; None when the till drives no register."""
        if not self.config.driven:
            return None
        return self.service.open_shift(cashier)

    def close_shift(self, cashier: str) -> Any:
        """Close the register's shift, printing the Z-report; None when the till drives no register."""
        if not self.config.driven:
            return None
        return self.service.close_shift(cashier)

    def x_report(self, cashier: str) -> Any:
        """Print an X-report on the register."""
        if not self.config.driven:
            raise FiscalError("fiscal_not_set")
        return self.service.x_report(cashier)

    def status(self) -> Any:
        """The register's state and its warnings (the service's FiscalStatus); None without a driven register."""
        if not self.config.driven:
            return None
        return self.service.status()

    # Beside mode: the register's receipt, by its QR.

    def attach(self, sale_id: int, qr: str, *, actor: str) -> Any:
        """Record the register's receipt with a loyalty sale (its total cross-checked)."""
        return self.service.attach_qr(sale_id, qr, actor=actor)

    def earn_only(self, card: str | None, qr: str, *, actor: str, cashier: str | None = None) -> SaleResult:
        """A loyalty sale made from the register's receipt alone: the customer earns on its total."""
        result: SaleResult = self.service.earn_from_qr(card or "", qr, actor=actor)
        self.attached[result.sale_id] = True
        return result

    def find_sale(self, qr: str) -> int:
        """The sale the register's receipt was recorded with (for a refund)."""
        return int(self.service.sale_by_qr(qr))
