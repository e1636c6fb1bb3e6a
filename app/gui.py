"""Start the cashier app; the CLI calls this when no command is given."""

from __future__ import annotations

from pathlib import Path


def launch(db_path: Path | None) -> int:
    """Open the cashier window on the local store (a demo store on first start)."""
    try:
        from app.ui.main import run_app
    except ImportError:
        # Until the Qt app is installed in this build, show the store through the CLI demo.
        from app.bootstrap import demo_walkthrough

        _, text = demo_walkthrough(db_path)
        print(text)
        return 0
    return run_app(db_path)
