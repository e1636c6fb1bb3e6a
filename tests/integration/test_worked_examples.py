"""Every worked example of the spec, replayed through the service layer and through the CLI (in-process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import bootstrap
from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.timeutil import parse_ts, to_ms
from tests.conftest import worked_examples
from tests.inprocess import run_cli

EXAMPLES = worked_examples()
IDS = [e["title"] for e in EXAMPLES]


def _phone(card: str) -> str:
    return "+7900" + str(abs(hash(card)) % 10_000_000).zfill(7)


def _subset(actual: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    for key, value in expected.items():
        assert key in actual, f"{where}: missing {key}"
        if key == "lines":
            assert len(actual[key]) >= len(value), where
            for i, line in enumerate(value):
                _subset(actual[key][i], line, f"{where} line {i}")
        else:
            assert actual[key] == value, f"{where}: {key} = {actual[key]!r}, expected {value!r}"


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_worked_example_through_services(example: dict[str, Any], tmp_path: Path) -> None:
    ctx = bootstrap(tmp_path / "t.sqlite3", create=True)
    ctx.store.init(example["program"])
    sale_ids: dict[int, int] = {}
    for n, step in enumerate(example["steps"]):
        where = f"step {n} ({step['op']})"
        at = to_ms(parse_ts(step["at"]))
        expect = step["expect"]
        if step["op"] == "enroll":
            res = ctx.customers.enroll(
                step["card"],
                _phone(step["card"]),
                step.get("birthday"),
                step.get("referrer"),
                step["card"],
                at,
                actor=SYSTEM,
            )
            _subset(res.to_json(), expect, where)
        elif step["op"] == "sale":
            lines = tuple(
                LineIn(li["sku"], li["name"], li["category"], li["qty"], li["unit_price"]) for li in step["lines"]
            )
            req = SaleRequest(lines, step.get("card"), step.get("coupon"), step.get("redeem"), step.get("reward"), at)
            if "error" in expect:
                with pytest.raises(LoyaltyError) as err:
                    ctx.checkout.sell(req, actor=SYSTEM)
                assert str(err.value) == expect["error"]
                continue
            quote = ctx.checkout.quote(req)
            res = ctx.checkout.sell(req, actor=SYSTEM)
            assert quote.quote == res.quote, f"{where}: quote and commit disagree"
            _subset(res.to_json(), expect, where)
            sale_ids[expect["sale_id"]] = res.sale_id or 0
        elif step["op"] == "refund":
            units = {int(k): v for k, v in step.get("units", {}).items()} or None
            ref = ctx.checkout.refund(sale_ids[step["sale_id"]], units, at, actor=SYSTEM)
            _subset(ref.to_json(), expect, where)
        elif step["op"] == "balance":
            _subset(ctx.customers.customer(step["card"], at).to_json(), expect, where)
        else:
            raise AssertionError(f"unknown op {step['op']}")
    assert ctx.verifier.verify().ok, ctx.verifier.verify().problems
    ctx.close()


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_worked_example_through_the_cli(example: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    program = tmp_path / "program.json"
    program.write_text(json.dumps(example["program"]), encoding="utf-8")
    run_cli("init", "--program", str(program), "--json", db=db, check=True)
    for n, step in enumerate(example["steps"]):
        where = f"step {n} ({step['op']})"
        expect = step["expect"]
        if step["op"] == "enroll":
            args = ["customer", "add", "--name", step["card"], "--phone", _phone(step["card"]), "--card", step["card"]]
            if step.get("birthday"):
                args += ["--birthday", step["birthday"]]
            if step.get("referrer"):
                args += ["--referrer", step["referrer"]]
        elif step["op"] == "sale":
            args = ["sale", "--line"] + [
                f"{li['sku']}:{li['qty']}:{li['unit_price']}:{li['category']}" for li in step["lines"]
            ]
            if step.get("card"):
                args += ["--card", step["card"]]
            for key in ("coupon", "redeem", "reward"):
                if step.get(key) is not None:
                    args += [f"--{key}", str(step[key])]
        elif step["op"] == "refund":
            args = ["refund", str(step["sale_id"])]
            for idx, units in step.get("units", {}).items():
                args += ["--line", f"{idx}:{units}"]
        else:
            args = ["customer", "show", step["card"]]
        proc = run_cli(*args, "--at", step["at"], "--json", db=db)
        out = json.loads(proc.stdout)
        if "error" in expect:
            assert proc.returncode == 2, where
            assert out == {"error": expect["error"]}, where
            continue
        assert proc.returncode == 0, f"{where}: {proc.stdout} {proc.stderr}"
        _subset(out, expect, where)
    assert run_cli("verify", "--json", db=db).returncode == 0
