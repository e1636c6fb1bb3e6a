"""Start the cashier app; the CLI calls this when no command is given."""

from __future__ import annotations

from pathlib import Path


def launch(db_path: Path | None) -> int:
    """Open the cashier window on the local store (a demo store on first start)."""
    # Qt is a dependency of every install: if it cannot load (a system library missing), the
    # error must say so, not be covered by the command-line demo (`loyalty-terminal demo`).
    from app.ui.main import run_app

    return run_app(db_path)
