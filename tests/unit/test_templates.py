"""Every program template is a valid program and prices a basket as its description says."""

import pytest

from app.core.pricing import CustomerView, LineIn, price
from app.core.program import parse_program
from app.core.templates import TEMPLATES, template

AT = 1_780_000_000_000


@pytest.mark.parametrize("item", TEMPLATES, ids=[t.key for t in TEMPLATES])
def test_every_template_validates(item: object) -> None:
    parse_program(item.copy())  # type: ignore[attr-defined]


def _view(stamps: int = 0) -> CustomerView:
    return CustomerView("C", 10_000, 0, 0, {"coffee": stamps}, None, frozenset(), False)


def test_flat_discount_takes_five_percent() -> None:
    q = price(parse_program(template("discount").copy()), [LineIn("A", "A", "x", 1, 10000)], AT, _view())
    assert q.discount == 500 and q.earned == 0


def test_coffee_card_gives_the_sixth_coffee_free() -> None:
    q = price(parse_program(template("coffee_card").copy()), [LineIn("C", "C", "coffee", 1, 20000)], AT, _view(5))
    assert q.total == 0 and q.stamps_spent == {"coffee": 5}


def test_cashback_waits_for_the_return_window() -> None:
    program = parse_program(template("cashback").copy())
    assert program.activation_days == 14
    q = price(program, [LineIn("A", "A", "x", 1, 10000)], AT, _view())
    assert q.earned == 10
