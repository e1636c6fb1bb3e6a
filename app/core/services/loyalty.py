"""The old single entry to every use case, kept while callers move to the services by use case.

Each method hands over to one of StoreService, ProgramService, CatalogService, CustomerService,
CheckoutService or VerifyService; new code calls those (the composition root builds them once).
Where a use case now needs an actor, this facade says "system" unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.events import EventBus
from app.core.ids import uuid7
from app.core.pricing import LineIn
from app.core.program import Program
from app.core.services.catalog import CatalogService
from app.core.services.checkout import CheckoutService
from app.core.services.customers import CustomerService
from app.core.services.program import ProgramService
from app.core.services.results import (
    CustomerInfo,
    EnrollResult,
    RefundResult,
    SaleRequest,
    SaleResult,
    VerifyReport,
)
from app.core.services.store import StoreService
from app.core.services.support import SYSTEM, Ids
from app.core.services.verify import VerifyService

__all__ = [
    "CustomerInfo",
    "EnrollResult",
    "LoyaltyService",
    "RefundResult",
    "SaleRequest",
    "SaleResult",
    "VerifyReport",
]


class LoyaltyService:
    """Every loyalty use case over one terminal database, each handed to its service by use case."""

    def __init__(
        self,
        engine: Engine,
        db_path: Path | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        ids: Ids = uuid7,
        bus: EventBus | None = None,
        history_import: bool = False,
    ) -> None:
        self.engine = engine
        self.history_import = history_import
        self.db_path = db_path
        self.clock = clock
        self.ids = ids
        self.bus = bus or EventBus()
        self.programs = ProgramService(engine, clock, ids=ids)
        self.store = StoreService(engine, db_path, self.programs, clock, ids=ids)
        self.products = CatalogService(engine, clock, ids=ids)
        self.customers = CustomerService(engine, clock, ids=ids, bus=self.bus, history_import=history_import)
        self.checkout = CheckoutService(engine, clock, ids=ids, bus=self.bus, history_import=history_import)
        self.verifier = VerifyService(engine)

    @classmethod
    def over(
        cls,
        store: StoreService,
        programs: ProgramService,
        products: CatalogService,
        customers: CustomerService,
        checkout: CheckoutService,
        verifier: VerifyService,
    ) -> LoyaltyService:
        """The facade over services already built (the composition root's), sharing them rather than copying."""
        self = cls.__new__(cls)
        self.engine, self.db_path, self.clock, self.ids = store.engine, store.db_path, store.clock, store.ids
        self.bus = checkout.bus
        self.history_import = checkout.history_import
        self.store, self.programs, self.products = store, programs, products
        self.customers, self.checkout, self.verifier = customers, checkout, verifier
        return self

    # setup and the store
    def init(self, program: Mapping[str, Any] | None = None) -> int:
        """Create or upgrade the database; set the program when given. Returns the schema version."""
        return self.store.init(program, actor=SYSTEM)

    def store_details(self) -> tuple[str, str]:
        """The store's name and address ("" when not set)."""
        return self.store.store_details()

    def set_store_details(self, name: str, address: str, actor: str = SYSTEM) -> None:
        """Store name and address, audited, in one transaction."""
        self.store.set_store_details(name, address, actor=actor)

    def server_url(self) -> str:
        """The central server this terminal is enrolled with ("" on a standalone till)."""
        return self.store.server_url()

    def secret(self) -> bytes:
        """The per-merchant secret that signs card QR codes."""
        return self.store.secret()

    def awaiting_reconnect(self) -> bool:
        """True when this chain terminal must be enrolled with its server again."""
        return self.store.awaiting_reconnect()

    # the program
    def set_program(self, body: Mapping[str, Any], activate_at: int | None = None, actor: str = SYSTEM) -> int:
        """Validate and activate a program as a new version, audited."""
        return self.programs.set_program(body, activate_at, actor=actor)

    def zone(self) -> ZoneInfo:
        """The store's time zone."""
        return self.programs.zone()

    def program(self, at: int | None = None) -> tuple[int, Program]:
        """The program version in force now (or at an instant)."""
        return self.programs.program(at)

    def program_versions(self) -> list[dict[str, Any]]:
        """Every program version, newest first."""
        return self.programs.program_versions()

    # the catalog
    def import_catalog(self, text: str, actor: str = SYSTEM) -> int:
        """Upsert products from CSV; any bad row refuses the whole file."""
        return self.products.import_catalog(text, actor=actor)

    def catalog(self, query: str = "", limit: int = 1000) -> list[dict[str, Any]]:
        """Products, optionally those matching the query."""
        return self.products.catalog(query, limit)

    def product(self, code: str) -> dict[str, Any]:
        """One product by sku or barcode."""
        return self.products.product(code)

    def resolve_line(self, sku: str, qty: int, unit_price: int | None = None, category: str | None = None) -> LineIn:
        """A product (or a free-price item) as a basket line."""
        return self.products.resolve_line(sku, qty, unit_price, category)

    # customers
    def enroll(
        self,
        name: str,
        phone: str,
        birthday: str | None = None,
        referrer: str | None = None,
        card: str | None = None,
        at: int | None = None,
        consent: bool = True,
    ) -> EnrollResult:
        """Enroll a customer with a card."""
        return self.customers.enroll(name, phone, birthday, referrer, card, at, consent)

    def customer(self, card_or_phone: str, at: int | None = None) -> CustomerInfo:
        """A customer's balances, tier and stamps."""
        return self.customers.customer(card_or_phone, at)

    def customer_by_id(self, customer_id: int, at: int | None = None) -> CustomerInfo:
        """A customer's info by internal id."""
        return self.customers.customer_by_id(customer_id, at)

    def find_customers(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Customers by card, phone or part of the name."""
        return self.customers.find_customers(query, limit)

    def adjust_points(
        self, card: str, points: int, reason: str, actor: str, at: int | None = None, *, allow_debt: bool = True
    ) -> tuple[int, int]:
        """Add or remove points by hand with a reason, audited."""
        return self.customers.adjust_points(card, points, reason, actor, at, allow_debt=allow_debt)

    def replace_card(
        self, old_card: str, new_card: str | None = None, at: int | None = None, actor: str = SYSTEM
    ) -> str:
        """A lost card: a new card takes over the account, audited."""
        return self.customers.replace_card(old_card, new_card, at, actor=actor)

    def block_card(self, card: str, blocked: bool = True, at: int | None = None, actor: str = SYSTEM) -> None:
        """Block (or unblock) a customer's account, audited."""
        self.customers.block_card(card, blocked, at, actor=actor)

    # sales and refunds
    def quote(self, req: SaleRequest) -> SaleResult:
        """Price a sale exactly as `sell` would, writing nothing."""
        return self.checkout.quote(req)

    def sell(self, req: SaleRequest) -> SaleResult:
        """Price and commit a sale."""
        return self.checkout.sell(req)

    def refund(
        self,
        sale_id: int,
        units: Mapping[int, int] | None = None,
        at: int | None = None,
        cashier: str | None = None,
        actor: str = SYSTEM,
    ) -> RefundResult:
        """Give back units of a sale's lines, audited."""
        return self.checkout.refund(sale_id, units, at, cashier, actor=actor)

    def sale_lines(self, sale_id: int) -> list[dict[str, Any]]:
        """A committed sale's lines with the units still refundable."""
        return self.checkout.sale_lines(sale_id)

    def verify(self) -> VerifyReport:
        """Recompute every balance from the journal and compare."""
        return self.verifier.verify()
