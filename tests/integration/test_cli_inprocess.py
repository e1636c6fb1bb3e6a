"""`loyalty-terminal` run in this process (app.cli.main), for the quick tier: the same parser, services
and JSON as the installed program, without a child process per command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from tests.inprocess import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    (tmp_path / "program.json").write_text(json.dumps(DEMO_PROGRAM), encoding="utf-8")
    (tmp_path / "catalog.csv").write_text(DEMO_CATALOG, encoding="utf-8")
    shell = Cli(tmp_path, capsys)
    shell.ok("init", "--program", str(tmp_path / "program.json"))
    shell.ok("catalog", "import", str(tmp_path / "catalog.csv"))
    return shell


def test_enroll_sell_refund_and_verify_in_process(cli: Cli) -> None:
    card = cli.ok("customer", "add", "--name", "Анна", "--phone", "+79160000001")["card"]
    sale = cli.ok("sale", "--card", card, "--line", "CAP:2", "CRO")
    assert sale["committed"] is True and sale["subtotal"] == 51000
    shown = cli.ok("customer", "show", card)
    assert shown["available"] == 100 + sale["earned"]  # the welcome bonus and the sale's points
    refund = cli.ok("refund", str(sale["sale_id"]))
    assert refund["money_back"] == sale["total"]
    assert cli.ok("verify")["ok"] is True


def test_a_refused_command_exits_2_with_the_reason_and_writes_nothing(cli: Cli) -> None:
    before = cli.db.read_bytes()
    code, data = cli.run("sale", "--line", "NOPE")
    assert code == 2 and "NOPE" in data["error"]
    assert cli.db.read_bytes() == before
