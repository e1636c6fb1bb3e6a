"""The composition root: one place builds the database engine and every service, once.

Front ends (the cashier app, the CLI, the wizard, tests) call `bootstrap()` and hand the
`Context`'s services to their screens and commands; nothing else constructs a service.
The clock, the id source and the PIN hasher are injected here, so tests pass fakes instead
of patching module globals. Services that pull in a heavy stack (the network client, the
reports) are built on first use, still once per context.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from sqlalchemy import Engine

from app.core import db, private
from app.core.clock import SYSTEM_CLOCK, Clock, clock_ms, default_clock
from app.core.errors import StorageError
from app.core.events import EventBus
from app.core.ids import uuid7
from app.core.refusals import os_params
from app.core.services.catalog import CatalogService
from app.core.services.checkout import CheckoutService
from app.core.services.customers import CustomerService
from app.core.services.fiscal import FiscalService
from app.core.services.program import ProgramService
from app.core.services.receipts import ReceiptService
from app.core.services.staff import StaffService
from app.core.services.store import StoreService
from app.core.services.verify import VerifyService

if TYPE_CHECKING:
    import httpx

    from app.core.fiscal import FiscalDevice
    from app.core.services.confirm import ConfirmService
    from app.core.services.fraud import FraudService
    from app.core.services.reports import ReportsService
    from app.sync.chain_reports import ChainReports
    from app.sync.service import SyncService

Ids = Callable[[], str]  # a new unique, time-ordered id


def default_data_dir() -> Path:
    """The terminal's data folder: $LOYALTY_HOME, else the OS user-data folder."""
    env = os.environ.get("LOYALTY_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("loyalty-terminal", appauthor=False))


def default_db_path() -> Path:
    """The terminal database inside the data folder."""
    return default_data_dir() / "terminal.sqlite3"


@dataclass
class Context:
    """Every service a front end needs, built once on one database."""

    db_path: Path
    engine: Engine
    store: StoreService  # the database, its secret, the store's details
    programs: ProgramService  # program versions and the store's time zone
    catalog: CatalogService  # products: import, search, basket lines
    customers: CustomerService  # enrolment, look-ups, adjustments, cards
    checkout: CheckoutService  # quotes, sales, refunds
    verifier: VerifyService  # the books recomputed from the journal
    bus: EventBus
    checkpointer: db.Checkpointer | None = None
    clock: Clock = SYSTEM_CLOCK  # every service built on this context reads the time here
    ids: Ids = uuid7
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    transport: httpx.BaseTransport | None = None  # the network under sync and chain reports (tests: a fake)

    @cached_property
    def fiscal(self) -> FiscalService:
        """The fiscal register: settings, receipts of sales and refunds (installed in the checkout), shifts."""
        service = FiscalService(self.engine, self.checkout, self.programs, open_register)
        self.checkout.register = service
        return service

    @cached_property
    def staff(self) -> StaffService:
        """Cashiers, PINs, shifts and the audit log."""
        return StaffService(self.engine, self.hasher, self.clock)

    @cached_property
    def receipts(self) -> ReceiptService:
        """Receipts of committed sales and refunds, for printing and the refund screen."""
        return ReceiptService(self.engine)

    @cached_property
    def sync(self) -> SyncService:
        """The chain sync with a central server (idle on a standalone till)."""
        from app.sync.service import SyncService

        return SyncService(self.engine, bus=self.bus, transport=self.transport, clock=self.clock)

    @cached_property
    def reports(self) -> ReportsService:
        """The manager's reports on this store."""
        from app.core.services.reports import ReportsService, Scope

        clock = self.clock
        return ReportsService(self.engine, clock=lambda: clock_ms(clock), scope=Scope.TERMINAL)

    @cached_property
    def confirm(self) -> ConfirmService:
        """Confirmations of spending: SMS codes (SMS.ru when set up), the phone's code, a manager's PIN."""
        from app.core.services.confirm import ConfirmService
        from app.sync.sms import sender_from_settings

        engine, transport = self.engine, self.transport
        return ConfirmService(self.engine, self.clock, self.staff, lambda: sender_from_settings(engine, transport))

    @cached_property
    def fraud(self) -> FraudService:
        """The manager's fraud flags on this store."""
        from app.core.services.fraud import FraudService
        from app.core.services.reports import Scope

        clock = self.clock
        return FraudService(self.engine, clock=lambda: clock_ms(clock), scope=Scope.TERMINAL)

    @cached_property
    def chain_reports(self) -> ChainReports:
        """The chain's reports from the server this terminal is enrolled with."""
        from app.sync.chain_reports import ChainReports

        return ChainReports(self.engine, self.transport)

    def start_background(self) -> None:
        """Start the WAL checkpointer of a long-running process (the till, the server)."""
        if self.checkpointer is None:
            self.checkpointer = db.Checkpointer(self.db_path)
            self.checkpointer.start()

    def close(self) -> None:
        """Stop background work and release database connections (and the fiscal register's)."""
        if "fiscal" in self.__dict__:
            self.fiscal.close()
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer.join(5)
            self.checkpointer = None
        self.engine.dispose()


def open_register(setting: str) -> FiscalDevice | None:
    """The driver of a `fiscal.device` setting (app.fiscal.devices), imported only when a register is used."""
    from app.fiscal.devices import open_device

    return open_device(setting)


def bootstrap(
    db_path: Path | None = None,
    *,
    create: bool = False,
    clock: Clock | None = None,
    ids: Ids = uuid7,
    hasher: PasswordHasher | None = None,
    transport: httpx.BaseTransport | None = None,
    history_import: bool = False,
) -> Context:
    """Open (or, with create, make) the terminal database and wire the services on it.

    clock, ids, hasher and transport default to the real ones (the system's time, unless a test froze it
    with $LOYALTY_FROZEN_NOW; argon2id with the library's costs; the network); tests pass a fixed clock,
    predictable ids, a cheap hasher or a fake server. history_import lets operations be dated ahead of
    the clock (the command line's --import-history).
    """
    clock = default_clock() if clock is None else clock
    path = Path(db_path) if db_path is not None else default_db_path()
    if not create:
        if not path.exists():
            raise StorageError("no_database", path=str(path))
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise StorageError("not_terminal_db", path=str(path))
    else:
        try:
            # The default data folder is ours and made private even if it exists; a folder named with --db is
            # the user's, made private only when created here.
            private.private_folder(path.parent, existing=path.parent == default_data_dir())
        except OSError as exc:
            raise StorageError("data_folder", path=str(path.parent), **os_params(exc)) from None
    engine = db.make_engine(path)
    bus = EventBus()
    programs = ProgramService(engine, clock, ids=ids)
    store = StoreService(engine, path, programs, clock, ids=ids)
    if not create and db.schema_version(engine) < db.SCHEMA_VERSION:
        if db.schema_version(engine) == 0:
            raise StorageError("db_not_initialised", path=str(path))
        db.migrate(engine, path)
    ctx = Context(
        path,
        engine,
        store,
        programs,
        CatalogService(engine, clock, ids=ids),
        CustomerService(engine, clock, ids=ids, bus=bus, history_import=history_import),
        CheckoutService(engine, clock, ids=ids, bus=bus, history_import=history_import),
        VerifyService(engine),
        bus,
        clock=clock,
        ids=ids,
        hasher=hasher or PasswordHasher(),
        transport=transport,
    )
    fiscal = ctx.fiscal  # every sale and refund passes the fiscal register's hook (nothing to do without one)
    if db.schema_version(engine) == db.SCHEMA_VERSION:
        # A receipt whose answer a crash or a timeout lost is finished first (one read when there is none).
        fiscal.reconcile_if_pending()
    return ctx


def demo_walkthrough(db_path: Path | None) -> tuple[dict[str, object], str]:
    """Make sure a demo store exists, then show a demo customer and price a demo sale (the `demo` command)."""
    from app.core.demo import show_demo

    path = Path(db_path) if db_path else default_db_path()
    created = not path.exists()
    ctx = bootstrap(path, create=True)
    try:
        return show_demo(ctx, path, fill=created)
    finally:
        ctx.close()
