"""Making the store the first-run wizard describes: plain functions that run on the database worker.

Nothing here touches Qt. The store is built in a staging file beside the real one and moved into
place only when every step has succeeded, so a cancelled wizard, a refused enrollment or a full
disk half-way through leaves no store behind, and the next start offers the wizard again.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.bootstrap import Context, bootstrap
from app.core.errors import LoyaltyError, StorageError
from app.core.refusals import os_params
from app.core.services.support import SYSTEM
from app.core.templates import TEMPLATES, template
from app.ui.fiscal_port import FiscalConfig, save_config

if TYPE_CHECKING:
    import httpx  # a type only: the wizard imports nothing of the network stack until it is used

__all__ = [
    "DEMO",
    "StorePlan",
    "create_store",
    "discard_staging",
    "enroll_staging",
    "staging_path",
]

log = logging.getLogger(__name__)
DEMO = "demo"  # the program choice that fills a demo café instead of a template
_STAGING_SUFFIX = ".setup"


@dataclass(frozen=True)
class RestoreFrom:
    """The wizard's other answer: make the store from a backup file (a till moved to a new computer)."""

    source: Path


@dataclass(frozen=True)
class StorePlan:
    """Everything the wizard collected; plain values, so it crosses threads and tests as is."""

    store_name: str
    store_address: str = ""
    program: str = "points"  # a TEMPLATES key, or DEMO
    printer: str = ""  # a printer_from_setting() value; "" is PDFs in the data folder
    camera: str = ""  # a device index or a video file; "" is no camera
    manager_name: str = ""
    manager_pin: str = ""
    cashier_name: str = ""  # "" when no first cashier was added
    cashier_pin: str = ""
    server_url: str = ""  # set when the terminal was enrolled during the wizard
    fiscal: FiscalConfig | None = None  # the register chosen in the wizard; None leaves the setting alone

    @property
    def enrolled(self) -> bool:
        """True when the wizard enrolled this terminal with a central server."""
        return bool(self.server_url)

    def __post_init__(self) -> None:
        if self.program != DEMO and self.program not in {t.key for t in TEMPLATES}:
            raise ValueError(f"unknown program template {self.program!r}")
        if self.program == DEMO and self.enrolled:
            # A demo's invented customers and sales would be pushed to the chain's server.
            raise ValueError("a demo store cannot be enrolled with a server")

    def __repr__(self) -> str:
        # The PINs must never reach a log line or a traceback.
        return f"StorePlan(store_name={self.store_name!r}, program={self.program!r}, enrolled={self.enrolled})"


def staging_path(path: Path) -> Path:
    """Where a store is built before it is moved to `path`."""
    return path.with_name(path.name + _STAGING_SUFFIX)


def discard_staging(path: Path) -> None:
    """Remove a half-built store (a cancelled wizard, a failed creation, a crash during the wizard)."""
    staging = staging_path(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(staging) + suffix).unlink(missing_ok=True)


def enroll_staging(path: Path, url: str, code: str, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Enroll the store being set up with a central server; raises LoyaltyError with the reason.

    A one-time code is spent by the server the moment it answers, so the answer must be kept:
    it goes into the staging store, which create_store() then completes.
    """
    discard_staging(path)  # a second try starts from a clean file, not a half-enrolled one
    ctx = bootstrap(staging_path(path), create=True, transport=transport)
    try:
        ctx.store.init()
        answer = ctx.sync.enroll(url.strip(), code.strip(), actor=SYSTEM)
    except BaseException:
        ctx.close()
        discard_staging(path)
        raise
    ctx.close()
    return answer


def create_store(path: Path, plan: StorePlan, transport: httpx.BaseTransport | None = None) -> Context:
    """Build the planned store, move it to `path` and open it with its background work started.

    Either everything is done or nothing is left behind: a failure at any step removes the
    staging file and re-raises, and `path` never holds a half-made store.
    """
    if path.exists():
        raise StorageError("store_exists", path=str(path))
    staging = staging_path(path)
    if not plan.enrolled:
        discard_staging(path)  # a leftover of an earlier, interrupted setup
    elif not staging.exists():
        raise StorageError("enrollment_lost")
    try:
        ctx = bootstrap(staging, create=True, transport=transport)
        try:
            _fill(ctx, plan)
        finally:
            ctx.close()
        _move_into_place(staging, path)
    except BaseException:
        discard_staging(path)
        raise
    ctx = bootstrap(path)
    ctx.start_background()
    return ctx


def _fill(ctx: Context, plan: StorePlan) -> None:
    ctx.store.init()
    if plan.enrolled:
        _first_sync(ctx)
    if plan.program == DEMO:
        from app.core.demo import fill_demo
        from app.ui import i18n

        fill_demo(ctx, lang=i18n.language())  # a Russian store gets Russian tier names
    elif not plan.enrolled:
        ctx.programs.set_program(template(plan.program).copy(), actor=SYSTEM)
    elif not _has_program(ctx):
        # A chain's program comes from its server (sync.md promise 12); the template only starts a chain that
        # has none, through the server: until it answers, the till has no program to price with.
        ctx.sync.seed_program(template(plan.program).copy())
    ctx.store.set_store_details(plan.store_name, plan.store_address, actor=SYSTEM)
    staff = ctx.staff
    manager = staff.create_first_manager(plan.manager_name, plan.manager_pin)
    if plan.cashier_name:
        staff.add_cashier(plan.cashier_name, plan.cashier_pin, actor=manager.name)
    if plan.fiscal is not None and plan.fiscal.device != "none":
        save_config(ctx, plan.fiscal, actor=manager.name)


def _first_sync(ctx: Context) -> None:
    """Pull the chain's program and customers now, so the till opens with them."""
    try:
        ctx.sync.sync_once()
    except LoyaltyError as exc:
        # Not fatal: the sync worker keeps trying once the till is open.
        log.warning("first sync after enrollment failed: %s", exc)


def _has_program(ctx: Context) -> bool:
    try:
        ctx.programs.program()
    except LoyaltyError:
        return False
    return True


def _move_into_place(staging: Path, path: Path) -> None:
    """Fold the WAL into the staging file, then rename it: the rename is the commit point."""
    try:
        conn = sqlite3.connect(str(staging))
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        os.replace(staging, path)
    except OSError as exc:
        raise StorageError("store_create", path=str(path.parent), **os_params(exc)) from None
    except sqlite3.Error as exc:
        raise StorageError("store_finish", path=str(path.parent), detail=str(exc)) from None
    for suffix in ("-wal", "-shm"):
        Path(str(staging) + suffix).unlink(missing_ok=True)
