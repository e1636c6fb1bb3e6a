"""Opening the store the till runs on: an existing file, or a new one from the wizard's plan, a demo or an empty one.

Runs on the database worker. Kept apart from app.ui.main so the start-up checks (app.ui.startup)
can open a store without importing the start-up code that imports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from app.bootstrap import Context, bootstrap
from app.core.services.support import SYSTEM
from app.ui import i18n
from app.ui.wizard.creation import StorePlan, create_store

__all__ = ["StoreKind", "open_store"]

StoreKind = Literal["demo", "empty"]


def open_store(path: Path, create: StoreKind | StorePlan | None) -> Context:
    """Open the store, or create it from a wizard's plan, or a demo or empty one (runs on the worker)."""
    if isinstance(create, StorePlan):
        return create_store(path, create)
    ctx = bootstrap(path, create=create is not None)
    ctx.start_background()
    if create is not None:
        from app.core.demo import DEFAULT_PROGRAM, fill_demo

        ctx.store.init()
        if create == "demo":
            fill_demo(ctx, lang=i18n.language())  # a Russian store gets Russian tier names
        else:
            ctx.programs.set_program(DEFAULT_PROGRAM, actor=SYSTEM)
    return ctx
