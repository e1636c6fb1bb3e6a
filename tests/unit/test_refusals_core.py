"""Refusals as data in the core: every refusal raised by the program is a code of the one English table,
its English sentence is the template filled in, and a program's refusal names its field."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.core.errors import LoyaltyError, ProgramError
from app.core.program import parse_program
from app.core.refusals import TEMPLATES, UNWORDED, Refusal, placeholders, render
from tests.conftest import ROOT

REFUSALS = {
    "LoyaltyError", "ProgramError", "NotFound", "StorageError", "StaffError", "SyncError", "SyncTimeout",
    "Refused", "ScanError", "PrintError", "PrinterSettingError",
}  # fmt: skip
# The command line's own usage errors are argparse's English, printed and never shown on a screen.
_NOT_SCREENS = {Path("app/cli.py")}


def _raised_codes() -> list[tuple[str, int, ast.expr]]:
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.relative_to(ROOT) in _NOT_SCREENS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id in REFUSALS and node.args:
                found.append((str(path.relative_to(ROOT)), node.lineno, node.args[0]))
    return found


def test_every_refusal_the_program_raises_is_a_code_of_the_table() -> None:
    raised = _raised_codes()
    assert len(raised) > 150

    def coded(arg: ast.expr) -> bool:
        if isinstance(arg, ast.IfExp):  # one of two codes
            return coded(arg.body) and coded(arg.orelse)
        if isinstance(arg, ast.JoinedStr | ast.Name | ast.Attribute):  # a code passed on (program_{exc.code})
            return True
        return isinstance(arg, ast.Constant) and arg.value in TEMPLATES and arg.value != UNWORDED

    free = [f"{path}:{line}" for path, line, arg in raised if not coded(arg)]
    assert not free, "raise a code of app/core/refusals.py, not free text:\n" + "\n".join(free)


def test_the_english_sentence_is_the_template_filled_in() -> None:
    error = LoyaltyError("coupon_min_total", coupon="WELCOME10", min_kopecks=30000)
    assert (error.code, error.params) == ("coupon_min_total", {"coupon": "WELCOME10", "min_kopecks": 30000})
    assert str(error) == "coupon WELCOME10 needs a purchase of at least 30000 kopecks before discounts"
    assert str(LoyaltyError("redeem_capped", points=0, cap="cap_stale", hours=24)) == (
        "at most 0 points can be redeemed (no successful sync for over 24 h: paying with points is paused)"
    )


def test_a_free_text_reason_still_reads_as_written() -> None:
    error = LoyaltyError("something not yet coded")
    assert (error.code, error.params, str(error)) == (UNWORDED, {"text": "something not yet coded"}, error.reason)


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_every_template_renders_with_its_own_placeholders(code: str) -> None:
    params = {name: f"<{name}>" for name in placeholders(TEMPLATES[code])}
    if "cap" in params:
        params["cap"] = "cap_card"
    if "problem" in params:
        params.update(problem="file_missing", path="/x.sqlite3")  # a part worded with the same params
    if "points" in params and ":+d" in TEMPLATES[code]:
        params["points"] = 5
    text = render(code, params)
    assert "{" not in text.replace("{}", "") and text


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"tiers": [{"name": "A", "min_spend": 0}, {"name": "B", "min_spend": 5, "discount_pct": "150"}]},
         "program_max_plain", "tiers[1].discount_pct"),
        ({"tiers": [{"name": "A", "min_spend": 10}]}, "program_first_tier", "tiers[0].min_spend"),
        ({"expiry_days": -1}, "program_min", "expiry_days"),
        ({"point_value": 2.5}, "program_not_integer", "point_value"),
        ({"redeem": {"max_share_pct": 2.5}}, "program_float", "redeem.max_share_pct"),
        ({"timezone": "Mars/Olympus"}, "program_timezone", "timezone"),
        ({"coupons": [{"code": "A B", "kind": "percent", "value": "5"}]}, "program_coupon_code", "coupons[0].code"),
        ({"bogus": 1}, "program_unknown_key", "bogus"),
    ],
)  # fmt: skip
def test_a_program_refusal_names_its_field(change: dict[str, object], code: str, path: str) -> None:
    body: dict[str, object] = {"name": "P", "tiers": [{"name": "A", "min_spend": 0}], **change}
    with pytest.raises(ProgramError) as caught:
        parse_program(body)
    assert (caught.value.code, caught.value.path) == (code, path)
    assert path in str(caught.value) or code == "program_first_tier"


def test_a_problem_found_is_a_value_that_can_be_raised_later() -> None:
    problem = Refusal("file_missing", {"path": "/x.sqlite3"})
    assert str(problem) == "/x.sqlite3 does not exist"
    error = LoyaltyError.of(problem)
    assert (error.code, str(error)) == ("file_missing", "/x.sqlite3 does not exist")
