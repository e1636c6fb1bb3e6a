"""The mapping of loyalty sales and refunds to fiscal documents, the settings' parsing, the receipt QR, warnings.

The worked examples' sales and refunds (tests/fixtures/worked-examples.json) are mapped and compared with
tests/golden/fiscal_documents.json (regenerate: `.venv/bin/python -m tests.golden fiscal_documents`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.core.errors import LoyaltyError
from app.core.fiscal import DeviceStatus, FiscalDocument, ShiftInfo
from app.core.fiscal_map import (
    FiscalSettings,
    MappedLine,
    document_from_json,
    document_json,
    parse_contact,
    parse_device,
    parse_object,
    parse_taxation,
    parse_vat,
    positions_of,
    refund_document,
    refund_lines,
    sale_document,
    status_warnings,
)
from app.core.fiscal_qr import parse_fiscal_qr
from app.core.timeutil import parse_ts, to_ms
from tests import golden
from tests.conftest import worked_examples

SETTINGS = FiscalSettings(
    device="atol-web:http://127.0.0.1:16732",
    taxation="osn",
    vat={"coffee": "vat10", "bakery": "vat10", "goods": "vat22", "tobacco": "vat22"},
    objects={"tea": "service"},
    inn={"Ольга": "500100732259"},
)


def worked_documents() -> dict[str, tuple[FiscalDocument, int]]:
    """Every sale and refund of the worked examples as its fiscal document (card payment on odd steps), with
    the money the example says was paid (a sale's total) or given back (a refund's money_back)."""
    cases: dict[str, tuple[FiscalDocument, int]] = {}
    for n, example in enumerate(worked_examples()):
        sales: list[list[tuple[str, str, int, int]]] = []
        back: dict[int, list[int]] = {}
        for k, step in enumerate(example["steps"]):
            expect = step.get("expect", {})
            uid = f"example{n}-step{k}"
            if step["op"] == "sale" and "lines" in expect:
                lines = [
                    (line["name"], line["category"], line["qty"], out["paid"])
                    for line, out in zip(step["lines"], expect["lines"], strict=True)
                ]
                sales.append(lines)
                mapped = [MappedLine(*line) for line in lines]
                doc = sale_document(uid, mapped, "card" if k % 2 else "cash", "Ольга", SETTINGS)
                assert doc.total == expect["total"]
                cases[uid] = (doc, expect["total"])
            elif step["op"] == "refund" and "money_back" in expect:
                sold = sales[step["sale_id"] - 1]
                before = back.setdefault(step["sale_id"], [0] * len(sold))
                units = {int(i): q for i, q in (step.get("units") or {}).items()}
                now = [before[i] + units.get(i, 0) if units else sold[i][2] for i in range(len(sold))]
                doc = refund_document(uid, refund_lines(sold, before, now), "cash", "Ольга", SETTINGS)
                assert doc.total == expect["money_back"]
                back[step["sale_id"]] = now
                cases[uid] = (doc, expect["money_back"])
    return cases


def _cases() -> dict[str, Any]:
    """The worked examples' documents as JSON data (the golden file's cases)."""
    return {uid: document_json(doc) for uid, (doc, _paid) in worked_documents().items()}


def record(_tmp: Path) -> Mapping[str, Any]:
    """The golden file's cases (tests.golden)."""
    return _cases()


def test_the_worked_examples_map_to_the_golden_documents() -> None:
    assert _cases() == golden.load("fiscal_documents")


def test_every_document_adds_up_positions_to_payments_to_money_paid() -> None:
    for data in _cases().values():
        doc = document_from_json(data)
        assert doc == document_from_json(document_json(doc))
        assert sum(p.sum for p in doc.payments) == doc.total == sum(p.amount for p in doc.positions)
        for p in doc.positions:
            assert p.price * p.quantity == p.amount  # tags 1079 x 1023 = 1043: the discount is in the price


@pytest.mark.parametrize("qty", [1, 2, 3, 7, 1000])
@pytest.mark.parametrize("amount", [0, 1, 2, 99, 100, 22857, 97337, 292009])
def test_a_line_is_one_position_or_two_priced_exactly(qty: int, amount: int) -> None:
    positions = positions_of(MappedLine("Латте", "coffee", qty, amount), SETTINGS)
    assert sum(p.amount for p in positions) == amount
    assert sum(p.quantity for p in positions) == qty
    assert all(p.price * p.quantity == p.amount and p.quantity > 0 for p in positions)
    assert len(positions) == (1 if amount % qty == 0 else 2)
    if len(positions) == 2:
        assert positions[1].price == positions[0].price + 1  # the kopecks left over, one per unit
    assert {p.vat for p in positions} == {"vat10"}


def test_points_lower_the_price_and_are_no_payment() -> None:
    # Example 1's latte: 2 x 150.00, 71.43 paid with points -> 228.57 for two: 114.28 + 114.29.
    doc = sale_document("u", [MappedLine("LATTE", "coffee", 2, 22857)], "cash", "Ольга", SETTINGS)
    assert [(p.price, p.quantity, p.amount) for p in doc.positions] == [(11428, 1, 11428), (11429, 1, 11429)]
    assert [(p.type, p.sum) for p in doc.payments] == [("cash", 22857)]
    assert doc.operator.inn == "500100732259"


def test_a_purchase_paid_wholly_by_points_and_a_gift_are_zero_positions_with_no_payment() -> None:
    # АБ-4-20/6093: 100 % points -> price and cost 0; АБ-4-20/2550: a gift for points needs a receipt too.
    lines = [MappedLine("Торт", "bakery", 2, 0), MappedLine("Подарок: кружка", "goods", 1, 0)]
    doc = sale_document("u", lines, "card", "Ольга", SETTINGS)
    assert [(p.name, p.price, p.quantity, p.amount) for p in doc.positions] == [
        ("Торт", 0, 2, 0),
        ("Подарок: кружка", 0, 1, 0),
    ]
    assert doc.payments == ()
    assert doc.total == 0


def test_a_free_stamp_coffee_beside_a_paid_one() -> None:
    doc = sale_document(
        "u", [MappedLine("ESP", "coffee", 1, 0), MappedLine("CAP", "coffee", 1, 16000)], "card", "A", SETTINGS
    )
    assert [(p.amount, p.price) for p in doc.positions] == [(0, 0), (16000, 16000)]
    assert [(p.type, p.sum) for p in doc.payments] == [("electronically", 16000)]
    assert doc.operator.inn is None


def test_partial_refunds_give_back_the_cumulative_money_per_line() -> None:
    sold = [("BEANS", "coffee", 3, 292009), ("MUG", "goods", 2, 87691)]
    first = refund_lines(sold, [0, 0], [1, 0])
    second = refund_lines(sold, [1, 0], [2, 1])
    third = refund_lines(sold, [2, 1], [3, 2])
    assert [(m.qty, m.amount) for m in first] == [(1, 97336)]
    assert [(m.qty, m.amount) for m in second] == [(1, 97336), (1, 43845)]
    assert [(m.qty, m.amount) for m in third] == [(1, 97337), (1, 43846)]
    assert sum(m.amount for m in first + second + third) == 292009 + 87691
    doc = refund_document("r", third, "card", "Ольга", SETTINGS)
    assert doc.kind == "sellReturn"
    assert [(p.type, p.sum) for p in doc.payments] == [("electronically", 97337 + 43846)]


def test_defaults_when_a_category_is_not_set() -> None:
    assert SETTINGS.vat_of("unknown") == "vat22"  # ОСН: the general rate
    assert FiscalSettings(taxation="usnIncome").vat_of("x") == "none"
    assert FiscalSettings(vat={"*": "vat5"}).vat_of("x") == "vat5"
    assert SETTINGS.object_of("tea") == "service"
    assert SETTINGS.object_of("coffee") == "commodity"
    assert FiscalSettings().mode == "none"
    assert FiscalSettings(device="beside").mode == "beside"
    assert SETTINGS.mode == "driven"


@pytest.mark.parametrize(
    "text",
    ["none", "beside", "atol-web:http://127.0.0.1:16732", "atol-web:https://kassa.local/api/v2",
     "shtrih:tcp://192.168.1.50:7778", "shtrih:serial:/dev/ttyUSB0?baud=115200", "shtrih:serial:/dev/ttyACM0"],
)  # fmt: skip
def test_device_settings_accepted(text: str) -> None:
    assert parse_device(f" {text} ") == text


@pytest.mark.parametrize(
    "text",
    ["", "atol", "atol-web:", "atol-web:ftp://x", "shtrih:tcp://host", "shtrih:com1", "NONE", "shtrih:serial:dev",
     "atol-web:http://"],
)  # fmt: skip
def test_device_settings_refused(text: str) -> None:
    with pytest.raises(LoyaltyError) as info:
        parse_device(text)
    assert info.value.code == "fiscal_device_bad"


def test_taxation_vat_object_and_contact_spellings() -> None:
    assert parse_taxation("usn_income") == "usnIncome"
    assert parse_taxation("usn_income_outcome") == "usnIncomeOutcome"
    assert parse_taxation("usnIncome") == "usnIncome"
    assert [parse_vat(v) for v in ("22", "10%", "vat0", "5", "7", "none")] == [
        "vat22", "vat10", "vat0", "vat5", "vat7", "none"
    ]  # fmt: skip
    assert parse_object("service") == "service" and parse_object("товар") == "commodity"
    assert parse_contact("8 (916) 123-45-67") == "+79161234567"
    assert parse_contact("anna@example.ru") == "anna@example.ru"
    assert parse_contact("  ") is None
    for bad, call in (("usn", parse_taxation), ("20", parse_vat), ("goods", parse_object), ("anna@", parse_contact)):
        with pytest.raises(LoyaltyError):
            call(bad)


QR = "t=20261207T1530&s=1234.50&fn=9999078900012345&i=17&fp=2345678901&n=1"


def test_a_receipt_qr_is_read_and_dated_in_the_stores_zone() -> None:
    qr = parse_fiscal_qr(QR)
    assert (qr.s, qr.fn, qr.i, qr.fp, qr.n) == (123450, "9999078900012345", 17, "2345678901", 1)
    assert qr.at(ZoneInfo("Europe/Moscow")) == to_ms(parse_ts("2026-12-07T15:30:00+03:00"))
    assert qr.at(ZoneInfo("Asia/Yekaterinburg")) == to_ms(parse_ts("2026-12-07T15:30:00+05:00"))
    assert parse_fiscal_qr(qr.text) == qr
    assert parse_fiscal_qr("t=20261207T153005&s=5&fn=9999078900012345&i=1&fp=1&n=2").s == 500


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        QR.replace("&n=1", ""),  # a key missing
        QR + "&x=1",  # a key too many
        QR + "&n=1",  # a key twice
        QR.replace("s=1234.50", "s=1234.505"),  # a third decimal
        QR.replace("s=1234.50", "s=1,5"),
        QR.replace("fn=9999078900012345", "fn=99990789"),
        QR.replace("t=20261207T1530", "t=20261307T1530"),  # month 13
        QR.replace("t=20261207T1530", "t=20261207T2460"),
        QR.replace("n=1", "n=5"),
        QR.replace("i=17", "i=-17"),
        QR.replace("&", ";"),
    ],
)
def test_a_malformed_receipt_qr_is_refused(text: str) -> None:
    with pytest.raises(LoyaltyError) as info:
        parse_fiscal_qr(text)
    assert info.value.code == "fiscal_qr_bad"


NOW = to_ms(parse_ts("2026-12-07T12:00:00+03:00"))
HOUR = 3_600_000


def _status(**kw: Any) -> DeviceStatus:
    shift = kw.pop("shift", ShiftInfo(open=True, number=5, opened_at=NOW - HOUR))
    return DeviceStatus(model="АТОЛ 30Ф", serial="1", fn="9999078900012345", shift=shift, **kw)


def test_warnings_of_the_register_for_the_status_bar() -> None:
    assert status_warnings(_status(), NOW) == []
    codes = [
        w.code
        for w in status_warnings(
            _status(
                shift=ShiftInfo(open=True, number=5, opened_at=NOW - 21 * HOUR),
                fn_memory_nearly_full=True,
                fn_replace_soon=True,
                ofd_unsent=4,
                ofd_oldest_unsent_at=NOW - 5 * 24 * HOUR,
                paper=False,
            ),
            NOW,
            pending=2,
        )
    ]
    assert codes == [
        "fiscal_warn_ofd_days",
        "fiscal_warn_shift_hours",
        "fiscal_paper_out",
        "fiscal_warn_fn_nearly_full",
        "fiscal_warn_fn_replace_soon",
        "fiscal_warn_pending",
    ]
    blocked = status_warnings(
        _status(
            shift=ShiftInfo(open=True, number=5, opened_at=NOW - 25 * HOUR),
            ofd_unsent=1,
            ofd_oldest_unsent_at=NOW - 31 * 24 * HOUR,
            fn_expired=True,
            fn_replace_soon=True,
        ),
        NOW,
    )
    assert [(w.code, dict(w.params)) for w in blocked] == [
        ("fiscal_fn_expired", {}),
        ("fiscal_ofd_blocked", {"days": 31}),
        ("fiscal_shift_expired", {}),
    ]
    hours = status_warnings(_status(shift=ShiftInfo(open=True, number=5, opened_at=NOW - 20 * HOUR)), NOW)
    assert [(w.code, dict(w.params)) for w in hours] == [("fiscal_warn_shift_hours", {"hours": 20})]
