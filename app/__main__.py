"""`python -m app`: the same entry point as `loyalty-terminal`."""

from app.cli import main

raise SystemExit(main())
