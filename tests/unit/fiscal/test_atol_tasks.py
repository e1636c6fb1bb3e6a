"""The ATOL JSON tasks our FiscalDocuments become, compared with golden files, and the error mapping.

Golden files: tests/golden/atol/*.json, the exact text `dumps(task, indent=2)` writes (so the roubles'
digits are checked too: 12.30, never 12.3 or 12.300000001). A deliberate change is a diff of those
files, rewritten by `.venv/bin/python -m tests.unit.fiscal.test_atol_tasks`.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.fiscal import FiscalDocument, FiscalError, Operator, Payment, Position
from app.fiscal.atol import document_task, dumps, error_for, kopecks, loads, roubles

FOLDER = Path(__file__).resolve().parents[2] / "golden" / "atol"
CASHIER = Operator("Петрова Анна", "500100732259")

# The worked cases: what the till's mapping (app.core.services.fiscal) hands the driver.
CASES: dict[str, FiscalDocument] = {
    # 2 x 45.00 bread and 1 x 130.00 milk; 30.00 of points lower the milk's amount (a discount on the
    # price, ФНС АБ-4-20/6093), the customer pays 190.00 in cash.
    "sell_partial_points": FiscalDocument(
        uuid="0b9e3c1e-0000-4000-8000-000000000001",
        kind="sell",
        operator=CASHIER,
        taxation="osn",
        positions=(
            Position("Хлеб бородинский", price=4500, quantity=2, amount=9000, vat="vat10"),
            Position("Молоко 3,2% 1 л", price=13000, quantity=1, amount=10000, vat="vat22"),
        ),
        payments=(Payment("cash", 19000),),
    ),
    # Everything paid by points: price and amount 0 (the letter's «встречное предоставление» case),
    # no money, no payments; an e-mail for the electronic receipt.
    "sell_all_points": FiscalDocument(
        uuid="0b9e3c1e-0000-4000-8000-000000000002",
        kind="sell",
        operator=Operator("Петрова Анна"),
        taxation="usnIncome",
        positions=(Position("Кофе зерновой 250 г", price=0, quantity=1, amount=0, vat="none"),),
        payments=(),
        customer_contact="buyer@example.ru",
    ),
    # A refund of one of three bottles: the money given back for that line, by card.
    "refund_card": FiscalDocument(
        uuid="0b9e3c1e-0000-4000-8000-000000000003",
        kind="sellReturn",
        operator=CASHIER,
        taxation="osn",
        positions=(Position("Вода минеральная 0,5 л", price=5990, quantity=1, amount=5390, vat="vat22"),),
        payments=(Payment("electronically", 5390),),
    ),
    # Electronic receipt to a phone, a service line, cash and card split; 12.30 must stay 12.30.
    "sell_split_phone": FiscalDocument(
        uuid="0b9e3c1e-0000-4000-8000-000000000004",
        kind="sell",
        operator=CASHIER,
        taxation="usnIncomeOutcome",
        positions=(
            Position("Пакет", price=1230, quantity=1, amount=1230, vat="vat5"),
            Position("Заточка ножа", price=35000, quantity=1, amount=35000, vat="vat7", payment_object="service"),
        ),
        payments=(Payment("cash", 10000), Payment("electronically", 26230)),
        customer_contact="+79161234567",
    ),
    # A line split in two positions because its paid amount is not a multiple of its quantity.
    "sell_split_line": FiscalDocument(
        uuid="0b9e3c1e-0000-4000-8000-000000000005",
        kind="sell",
        operator=CASHIER,
        taxation="patent",
        positions=(
            Position("Йогурт", price=3300, quantity=2, amount=6000, vat="vat10"),
            Position("Йогурт", price=3300, quantity=1, amount=2999, vat="vat10"),
        ),
        payments=(Payment("electronically", 8999),),
    ),
}


def record() -> None:
    """Rewrite the golden files from CASES."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, doc in CASES.items():
        (FOLDER / f"{name}.json").write_text(dumps(document_task(doc), indent=2) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_task_matches_golden(name: str) -> None:
    """Each worked case gives exactly the golden task text."""
    expected = (FOLDER / f"{name}.json").read_text(encoding="utf-8")
    assert dumps(document_task(CASES[name]), indent=2) + "\n" == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_task_amounts_equal_payments(name: str) -> None:
    """In every case the positions' amounts and the payments add up to the money paid, in exact roubles."""
    task = loads(dumps(document_task(CASES[name])))
    items = sum((i["amount"] for i in task["items"]), Decimal(0))
    paid = sum((p["sum"] for p in task["payments"]), Decimal(0))
    assert items == paid == roubles(CASES[name].total)
    for item in task["items"]:
        assert item["amount"] <= item["price"] * item["quantity"]


def test_golden_files_are_plain_json() -> None:
    """The golden text is plain JSON (a standard parser reads it) with every number written to the kopeck."""
    for path in FOLDER.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["type"] in ("sell", "sellReturn")
    text = (FOLDER / "sell_split_phone.json").read_text(encoding="utf-8")
    assert '"price": 12.30' in text and '"sum": 262.30' in text


def test_contact_and_vatin_only_when_set() -> None:
    """clientInfo only with a contact, operator.vatin only with an INN."""
    task = document_task(CASES["sell_partial_points"])
    assert "clientInfo" not in task
    assert task["operator"] == {"name": "Петрова Анна", "vatin": "500100732259"}
    assert document_task(CASES["sell_all_points"])["operator"] == {"name": "Петрова Анна"}


@pytest.mark.parametrize("kop", [0, 1, 5, 10, 99, 100, 1230, 123456789, 10**12 + 7])
def test_roubles_round_trip_exactly(kop: int) -> None:
    """Kopecks -> JSON roubles -> kopecks is exact, with two places written."""
    text = dumps({"sum": roubles(kop)})
    assert text.endswith(f"{kop // 100}.{kop % 100:02d}}}")
    assert kopecks(loads(text)["sum"]) == kop


def test_floats_and_fractions_of_kopecks_refused() -> None:
    """A float never reaches a task; a result with a fraction of a kopeck is an error, not rounded."""
    with pytest.raises(TypeError):
        dumps({"sum": 12.3})
    with pytest.raises(ValueError):
        kopecks(Decimal("12.305"))
    assert kopecks(12) == 1200


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (2, "fiscal_no_connection"),
        (44, "fiscal_paper_out"),
        (45, "fiscal_cover_open"),
        (68, "fiscal_shift_expired"),
        (141, "fiscal_shift_expired"),
        (73, "fiscal_shift_closed"),
        (121, "fiscal_fn_full"),
        (120, "fiscal_fn_expired"),
        (137, "fiscal_ofd_blocked"),
        (55, "fiscal_busy"),
        (177, "fiscal_unknown"),
        (66, "fiscal_device"),
    ],
)
def test_error_codes(code: int, expected: str) -> None:
    """ATOL driver error codes map to our refusals; the rest keep the register's code and words."""
    error = error_for(code, "Чек оплачен не полностью", "http://127.0.0.1:16732")
    assert isinstance(error, FiscalError)
    assert error.code == expected
    if expected == "fiscal_device":
        assert error.params == {"device_code": 66, "text": "Чек оплачен не полностью"}
    if expected == "fiscal_ofd_blocked":
        assert error.params == {"days": 30}


if __name__ == "__main__":
    record()
    sys.stdout.write(f"rewrote {len(CASES)} files in {FOLDER}\n")
