"""Program files validate with messages that name the problem."""

import subprocess
import sys
from pathlib import Path

import pytest

from app.core import program_file
from app.core.demo import DEMO_PROGRAM
from app.core.errors import ProgramError
from app.core.program import parse_program

BASE = {"tiers": [{"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"}]}


def _refused(data: object) -> str:
    with pytest.raises(ProgramError) as err:
        parse_program(data)
    return str(err.value)


def test_minimal_program_takes_the_defaults() -> None:
    p = parse_program(BASE)
    assert (p.point_value, p.timezone, p.tier_window_days, p.restore_expiry_days) == (100, "Europe/Moscow", 365, 90)
    assert p.max_share_pct == 30 and p.expiry_days is None and p.offline_redeem_cap is None


def test_unknown_key_is_named() -> None:
    assert _refused({**BASE, "points_value": 100}) == "unknown key points_value"
    assert "tiers[0].bonus" in _refused({"tiers": [{**BASE["tiers"][0], "bonus": 1}]})


def test_tiers_are_required_and_must_start_at_zero() -> None:
    assert _refused({}) == "missing key tiers"
    assert "first tier" in _refused({"tiers": [{"name": "G", "min_spend": 5, "earn_rate_pct": "1"}]})


def test_negative_rate_is_refused() -> None:
    assert "non-negative" in _refused({"tiers": [{"name": "S", "min_spend": 0, "earn_rate_pct": "-5"}]})
    assert "at least 0" in _refused({"tiers": [{"name": "S", "min_spend": -1}]})


def test_float_percentages_are_refused() -> None:
    assert "float" in _refused({"tiers": [{"name": "S", "min_spend": 0, "earn_rate_pct": 5.5}]})


def test_bad_timezone_and_bad_happy_hours_are_refused() -> None:
    assert "time zone" in _refused({**BASE, "timezone": "Mars/Olympus"})
    bad = {**BASE, "happy_hours": [{"weekdays": [8], "from": "08:00", "to": "09:00", "earn_multiplier": "2"}]}
    assert "weekdays" in _refused(bad)
    late = {**BASE, "happy_hours": [{"weekdays": [1], "from": "10:00", "to": "09:00", "earn_multiplier": "2"}]}
    assert "before" in _refused(late)


def test_coupon_kinds_are_checked() -> None:
    assert "kind" in _refused({**BASE, "coupons": [{"code": "X", "kind": "gift", "value": 1}]})
    assert "(0, 100]" in _refused({**BASE, "coupons": [{"code": "X", "kind": "percent", "value": "150"}]})


def test_per_customer_max_implies_requires_card() -> None:
    p = parse_program({**BASE, "coupons": [{"code": "ONCE", "kind": "amount", "value": 100, "per_customer_max": 1}]})
    assert p.coupons[0].requires_card


def test_program_file_must_be_an_object() -> None:
    assert _refused([1, 2]) == "program must be a JSON object"


@pytest.mark.parametrize(
    ("data", "code", "path"),
    [
        ({**BASE, "point_value": 1.5}, "program_not_integer", "point_value"),
        ({**BASE, "point_value": True}, "program_not_integer", "point_value"),
        ({**BASE, "expiry_days": 0}, "program_min", "expiry_days"),
        ({**BASE, "activation_days": 10**6}, "program_max", "activation_days"),
        ({"tiers": [{"name": "S", "min_spend": 0, "earn_rate_pct": 5.5}]}, "program_float", "tiers[0].earn_rate_pct"),
        ({**BASE, "redeem": 5}, "program_not_object", "redeem"),
        ({**BASE, "tiers": "S"}, "program_list", "tiers"),
        ({**BASE, "excluded": {"earn": "tobacco"}}, "program_strings", "excluded.earn"),
        ({**BASE, "welcome_bonus": {"points": 10, "bonus": 1}}, "program_unknown_key", "welcome_bonus.bonus"),
        ({**BASE, "stamps": [{"id": "c", "category": "coffee"}]}, "program_missing_key", "stamps[0].needed"),
        ({**BASE, "category_multipliers": {"coffee": "-2"}}, "program_decimal_string", "category_multipliers.coffee"),
        ({**BASE, "coupons": [{"code": "A", "kind": "amount", "value": "5"}]}, "program_not_integer",
         "coupons[0].value"),
        ({**BASE, "coupons": [{"code": "A", "kind": "percent", "value": 0.5}]}, "program_float", "coupons[0].value"),
        ({**BASE, "happy_hours": [{"weekdays": [1], "from": "8:00", "to": "09:00", "earn_multiplier": "2"}]},
         "program_time", "happy_hours[0].from"),
        ({**BASE, "name": None}, "program_text", "name"),
        ({**BASE, "category_multipliers": {1: "2"}}, "program_invalid", "category_multipliers[1].[key]"),
    ],
)  # fmt: skip
def test_every_refusal_names_its_field_and_a_code(data: object, code: str, path: str) -> None:
    with pytest.raises(ProgramError) as err:
        parse_program(data)
    assert (err.value.code, err.value.path) == (code, path)


def test_the_committed_json_schema_is_current() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "program_schema.py"
    checked = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_json_schema_names_every_key_a_program_may_have() -> None:
    schema = program_file.json_schema()
    assert schema["required"] == ["tiers"] and schema["additionalProperties"] is False
    assert set(DEMO_PROGRAM) <= set(schema["properties"])
    happy = schema["$defs"]["HappyHourIn"]["properties"]
    assert {"from", "to"} <= set(happy)  # the file's own names, not the model's attribute names
    tier = schema["$defs"]["TierIn"]["properties"]
    assert tier["min_spend"]["type"] == "integer" and tier["discount_pct"]["default"] == "0"
