"""A command that committed never reports failure because its answer could not be written."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.demo import DEMO_PROGRAM
from tests.conftest import ROOT, run_cli

CATALOG = "sku,name,category,price,barcode\nLAT,Латте,coffee,200.00,4600000000039\n"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "t.sqlite3"
    program = tmp_path / "program.json"
    program.write_text(json.dumps(DEMO_PROGRAM), encoding="utf-8")
    (tmp_path / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    run_cli("init", "--program", str(program), db=db, check=True)
    run_cli("catalog", "import", str(tmp_path / "catalog.csv"), db=db, check=True)
    return db


def _cmd(*args: str, db: Path) -> list[str]:
    return [sys.executable, "-m", "app", *args, "--db", str(db)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


ENROL = ("customer", "add", "--name", "Анна", "--phone", "+7 916 000-00-01", "--card", "A1")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("json_output", [False, True])
def test_an_enrolment_written_to_a_full_stdout_exits_0_and_stays(store: Path, json_output: bool) -> None:
    args = (*ENROL, "--json") if json_output else ENROL
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            _cmd(*args, db=store), stdout=full, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT, timeout=120
        )
    assert proc.returncode == 0, proc.stderr
    assert "done, but the output could not be written" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert _count(store, "customers") == 1


def test_a_sale_whose_reader_closed_the_pipe_exits_0_and_stays(store: Path) -> None:
    proc = subprocess.Popen(
        _cmd("sale", "--line", "LAT:1", db=store),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before the answer comes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "done, but the output could not be written" in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert _count(store, "sales") == 1


def test_a_refusal_still_fails_when_stdout_is_full(store: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            _cmd("sale", "--line", "NOPE:1", db=store), stdout=full, stderr=subprocess.PIPE, env=_env(), cwd=ROOT
        )
    assert proc.returncode == 2
    assert _count(store, "sales") == 0
