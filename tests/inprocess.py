"""The command line run in-process (`app.cli.main(argv)`), for tests.

`run_cli` has the signature and the answer (a CompletedProcess) of tests/conftest.py's `run_cli`, which
starts a real process: a test switches by its import. Real processes are kept for what only they show
(the installed entry point's exit status, a closed or full stdout, kill -9): tests/e2e and a few smoke
tests. In-process, a command costs milliseconds instead of a Python start-up (~1 s on a busy machine).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from app.cli import main


@contextlib.contextmanager
def _environment(extra: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_main(
    argv: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`loyalty-terminal ARGV` in this process: exit status, stdout and stderr as subprocess.run gives them.

    `env` is added to the environment (and taken away again) for the call; `cwd` is the folder it runs in.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_environment(env or {}))
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            code = main(argv)
        except SystemExit as exc:  # --help and --version leave through argparse, as in the real program
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def run_cli(*args: str, db: Path | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    """The command line in this process (the in-process twin of tests/conftest.py's run_cli)."""
    argv = [*args, "--db", str(db)] if db is not None else list(args)
    proc = run_main(argv)
    if check and proc.returncode != 0:
        raise AssertionError(f"{argv} failed: {proc.stdout} {proc.stderr}")
    return proc


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
