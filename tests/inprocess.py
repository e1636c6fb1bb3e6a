"""The command line run in-process (`app.cli.main(argv)`) on one database file, for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main


class Cli:
    """The command line on one database file; every call's exit status and JSON answer."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.db = folder / "terminal.sqlite3"
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, dict[str, Any]]:
        """Run one command with --db and --json; its exit status and its (last) JSON object."""
        code = main([*args, "--db", str(self.db), "--json"])
        out = self.capsys.readouterr().out.strip()
        return code, json.loads(out.splitlines()[-1]) if out else {}

    def ok(self, *args: str) -> dict[str, Any]:
        """Run one command that must succeed; its JSON object."""
        code, data = self.run(*args)
        assert code == 0, (args, data)
        return data
