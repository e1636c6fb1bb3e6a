"""AtolWebDevice against the ATOL Web Server emulator in this process, over real HTTP on loopback.

Conformance (the documentation's example tasks replayed on the emulator), idempotency by uuid, each
injected register or server failure giving its FiscalError code, a lost answer found again by
result_of, shifts (adopt, Z, X) and the status warnings. Latencies are a few milliseconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.fiscal import FiscalDocument, FiscalError, Operator, Payment, Position
from app.fiscal.atol import AtolWebDevice, dumps, loads
from app.fiscal.devices import open_device
from app.fiscal.emulators.atol_web import AtolWebEmulator

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "atol" / "examples.json"
CASHIER = Operator("Иванов", "123654789507")
# One client for the raw requests: making an httpx client (its TLS context) costs ~50 ms each time.
RAW = httpx.Client(timeout=2)


@pytest.fixture
def emu() -> Iterator[AtolWebEmulator]:
    """A running emulator with a 5 ms register."""
    with AtolWebEmulator(latency=0.005) as emulator:
        yield emulator


@pytest.fixture
def dev(emu: AtolWebEmulator) -> Iterator[AtolWebDevice]:
    """The driver pointed at the emulator, 2 s bound."""
    device = AtolWebDevice(emu.url, timeout=2.0, poll=0.005)
    yield device
    device.close()


def sale(uuid: str = "sale-1", cash: int = 5000, card: int = 3000, kind: str = "sell") -> FiscalDocument:
    """A receipt of 80.00: two loaves at 45.00 with 10.00 of points off, paid cash and card."""
    return FiscalDocument(
        uuid=uuid,
        kind=kind,  # type: ignore[arg-type]
        operator=CASHIER,
        taxation="osn",
        positions=(Position("Хлеб", price=4500, quantity=2, amount=8000, vat="vat10"),),
        payments=tuple(p for p in (Payment("cash", cash), Payment("electronically", card)) if p.sum),
        customer_contact="+79001234567",
    )


def post(emu: AtolWebEmulator, uuid: str, request: Any) -> httpx.Response:
    """POST a raw body to the emulator, as another client would."""
    body = dumps({"uuid": uuid, "request": request})
    return RAW.post(f"{emu.url}/api/v2/requests", content=body.encode())


def wait(emu: AtolWebEmulator, uuid: str) -> list[dict[str, Any]]:
    """Poll the emulator until the uuid's tasks are done; their results."""
    for _ in range(400):
        answer = RAW.get(f"{emu.url}/api/v2/requests/{uuid}")
        results: list[dict[str, Any]] = loads(answer.content)["results"]
        if all(r["status"] not in ("wait", "inProgress") for r in results):
            return results
        time.sleep(0.005)
    raise AssertionError(f"{uuid} never finished")


# -- conformance ---------------------------------------------------------------------------------


def test_documentation_examples_replayed(emu: AtolWebEmulator) -> None:
    """ATOL's example tasks (tests/data/atol/examples.json) are accepted and answer the documented fields."""
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"), parse_float=Decimal)
    for n, example in enumerate(examples["sequence"]):
        answer = post(emu, f"example-{n}", example["request"])
        assert answer.status_code == 201, example["name"]
        results = wait(emu, f"example-{n}")
        assert [r["status"] for r in results] == ["ready"] * len(results), (example["name"], results)
        for result, keys in zip(results, example["expect"], strict=True):
            payload = result["result"]
            for dotted in keys:
                value: Any = payload
                for part in dotted.split("."):
                    value = value[part]
                assert value is not None, (example["name"], dotted)
    sell = next(r for r in emu.receipts.values())
    assert sell["fiscalParams"]["total"] == Decimal("73.15")


def test_request_as_single_object_and_bad_bodies(emu: AtolWebEmulator) -> None:
    """`request` may be one task object; no uuid is 400, no task 420 (format check), an unknown uuid 404."""
    assert post(emu, "one", {"type": "getShiftStatus"}).status_code == 201
    assert wait(emu, "one")[0]["result"]["shiftStatus"]["state"] == "closed"
    assert post(emu, "", [{"type": "getShiftStatus"}]).status_code == 400
    assert post(emu, "empty", []).status_code == 420
    assert post(emu, "typeless", [{"operator": {"name": "И"}}]).status_code == 420
    assert RAW.get(f"{emu.url}/api/v2/requests/none").status_code == 404


def test_failed_task_interrupts_the_rest(emu: AtolWebEmulator) -> None:
    """In one request, a task after a failed one is `interrupted`, as the Web Server documents."""
    post(emu, "pair", [{"type": "closeShift"}, {"type": "getShiftStatus"}])
    first, second = wait(emu, "pair")
    assert (first["status"], first["errorCode"]) == ("error", 73)
    assert second["status"] == "interrupted"


def test_delete_cancels_a_waiting_task(emu: AtolWebEmulator) -> None:
    """DELETE /requests/{uuid} cancels tasks still waiting in the queue; an unknown uuid is 404."""
    emu.hold()
    post(emu, "first", [{"type": "getShiftStatus"}])
    post(emu, "second", [{"type": "getShiftStatus"}])
    assert RAW.delete(f"{emu.url}/api/v2/requests/second").status_code == 200
    emu.release()
    assert wait(emu, "first")[0]["status"] == "ready"
    assert wait(emu, "second")[0]["status"] == "canceled"
    assert RAW.delete(f"{emu.url}/api/v2/requests/none").status_code == 404


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"payments": [{"type": "cash", "sum": Decimal("79.99")}]}, 66),
        ({"payments": [{"type": "electronically", "sum": Decimal("80.01")}]}, 52),
        ({"payments": [{"type": "cash", "sum": Decimal("100.00")}]}, 227),
        ({"payments": [{"type": "bitcoin", "sum": Decimal("80.00")}]}, 60),
        ({"items": [{"type": "position", "name": "X", "price": Decimal("1.00"), "quantity": 1,
                     "amount": Decimal("1.01"), "tax": {"type": "vat10"}}]}, 16),
        ({"items": [{"type": "position", "name": "X", "price": Decimal("80.00"), "quantity": 0,
                     "amount": Decimal("80.00"), "tax": {"type": "vat10"}}]}, 17),
        ({"items": [{"type": "position", "name": "X", "price": Decimal("80.00"), "quantity": 1,
                     "amount": Decimal("80.00"), "tax": {"type": "vat18"}}]}, 144),
        ({"items": []}, 110),
        ({"taxationType": "envd"}, 143),
    ],
)  # fmt: skip
def test_register_checks_receipts(emu: AtolWebEmulator, change: dict[str, Any], code: int) -> None:
    """The emulator refuses a receipt a register would, with the driver's error code; nothing is printed."""
    emu.inject("shift_expired")  # opens a shift ...
    emu.shift_opened_at = emu.clock()  # ... that is fresh
    task = {
        "type": "sell",
        "taxationType": "osn",
        "items": [{"type": "position", "name": "Хлеб", "price": Decimal("45.00"), "quantity": 2,
                   "amount": Decimal("80.00"), "tax": {"type": "vat10"}}],
        "payments": [{"type": "cash", "sum": Decimal("80.00")}],
    }  # fmt: skip
    task.update(change)
    post(emu, "bad", [task])
    (result,) = wait(emu, "bad")
    assert (result["status"], result["errorCode"]) == ("error", code)
    assert emu.receipts == {}


# -- the driver ----------------------------------------------------------------------------------


def test_register_prints_and_is_idempotent(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """A receipt prints once; registering the same uuid again answers the first result (409 then GET)."""
    dev.open_shift(CASHIER)
    first = dev.register(sale())
    again = dev.register(sale())
    assert first == again
    assert (first.uuid, first.shift, first.fn, first.total) == ("sale-1", 1, emu.fn, 8000)
    assert first.document_number == 2 and first.fiscal_sign.isdigit()
    assert [t["type"] for t in emu.printed] == ["openShift", "sell"]
    assert ("POST", "/api/v2/requests") in emu.log
    sell = emu.printed[1]
    assert sell["items"][0]["amount"] == Decimal("80.00")
    assert sell["clientInfo"] == {"emailOrPhone": "+79001234567"}
    assert dev.result_of("sale-1") == first
    assert dev.result_of("never-sent") is None


def test_refund_prints_sell_return(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """A refund document goes out as sellReturn with the money given back."""
    dev.open_shift(CASHIER)
    result = dev.register(sale("refund-1", cash=8000, card=0, kind="sellReturn"))
    assert result.total == 8000
    assert emu.printed[-1]["type"] == "sellReturn"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("paper_out", "fiscal_paper_out"),
        ("cover_open", "fiscal_cover_open"),
        ("fn_full", "fiscal_fn_full"),
        ("fn_expired", "fiscal_fn_expired"),
        ("ofd_blocked", "fiscal_ofd_blocked"),
        ("busy", "fiscal_busy"),
        ("no_connection", "fiscal_no_connection"),
        ("blocked", "fiscal_unknown"),
    ],
)
def test_register_faults(emu: AtolWebEmulator, dev: AtolWebDevice, fault: str, code: str) -> None:
    """Each register fault is its own refusal, nothing printed; once it is gone the same sale prints."""
    dev.open_shift(CASHIER)
    emu.inject(fault, times=1)
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == code
    assert [t["type"] for t in emu.printed] == ["openShift"]
    if code == "fiscal_unknown":
        # "blocked": the Web Server cannot tell whether it printed, so neither can a retry.
        with pytest.raises(FiscalError) as caught:
            dev.register(sale())
        assert caught.value.code == "fiscal_unknown"
        return
    assert dev.result_of("sale-1") is None
    # The same sale id asked again after the problem is fixed: printed once, under a retry uuid.
    result = dev.register(sale())
    assert result.uuid == "sale-1" and result.total == 8000
    assert [t["type"] for t in emu.printed] == ["openShift", "sell"]
    assert dev.result_of("sale-1") == result


def test_registered_but_not_printed_is_registered(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """Paper running out after the drive registered the receipt (warnings.notPrinted): it is registered."""
    dev.open_shift(CASHIER)
    emu.inject("not_printed", times=1)
    result = dev.register(sale())
    assert result.total == 8000 and result.document_number == 2
    assert emu.receipts["sale-1"]["warnings"] == {"notPrinted": True}


def test_driver_busy_is_busy(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """The Web Server answering 408 (driver taken by background work) is fiscal_busy; nothing was queued."""
    dev.open_shift(CASHIER)
    emu.inject("driver_busy", times=1)
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == "fiscal_busy"
    assert emu.results("sale-1") is None
    assert dev.register(sale()).total == 8000


def test_shift_closed_and_expired(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """A receipt in a closed shift is fiscal_shift_closed; in a shift past 24 hours fiscal_shift_expired."""
    with pytest.raises(FiscalError) as caught:
        dev.register(sale("a"))
    assert caught.value.code == "fiscal_shift_closed"
    emu.inject("shift_expired")
    with pytest.raises(FiscalError) as caught:
        dev.register(sale("b"))
    assert caught.value.code == "fiscal_shift_expired"
    assert dev.status().shift.expired
    with pytest.raises(FiscalError) as caught:
        dev.open_shift(CASHIER)
    assert caught.value.code == "fiscal_shift_expired"
    z = dev.close_shift(CASHIER)
    assert z.kind == "z" and z.shift == 1
    assert dev.open_shift(CASHIER).number == 2
    assert dev.register(sale("b")).shift == 2


def test_connection_refused(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """No Web Server listening: fiscal_no_connection naming the URL, and nothing queued."""
    emu.refuse()
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == "fiscal_no_connection"
    assert caught.value.params == {"device": emu.url}
    emu.accept()
    dev.open_shift(CASHIER)
    assert dev.register(sale()).total == 8000


def test_lost_answer_recovered_by_polling(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """The POST is queued and its answer dropped: the driver asks for the uuid and gets the receipt."""
    dev.open_shift(CASHIER)
    emu.inject("lost_answer", times=1)
    result = dev.register(sale())
    assert result.total == 8000
    assert [t["type"] for t in emu.printed] == ["openShift", "sell"]


def test_lost_answer_then_result_of(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """POST answer and every poll lost until the driver gives up: fiscal_unknown; result_of finds it later."""
    # The short timeout only where the answers are lost: steps that must succeed get the 2 s driver, so a
    # loaded machine cannot turn them into a timeout.
    device = AtolWebDevice(emu.url, timeout=0.3, poll=0.01)
    dev.open_shift(CASHIER)
    emu.inject("lost_answer", times=1)
    emu.inject("lost_result")
    with pytest.raises(FiscalError) as caught:
        device.register(sale())
    assert caught.value.code == "fiscal_unknown"
    emu.clear("lost_result")
    found = dev.result_of("sale-1")
    assert found is not None and found.total == 8000
    assert dev.register(sale()) == found  # the retry does not print twice
    assert [t["type"] for t in emu.printed] == ["openShift", "sell"]
    device.close()


def test_unreadable_answer(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """A result that is not JSON: a receipt is fiscal_unknown (then found), a status query fiscal_device."""
    dev.open_shift(CASHIER)
    emu.inject("garbage_result")
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == "fiscal_unknown"
    with pytest.raises(FiscalError) as caught:
        dev.status()
    assert caught.value.code == "fiscal_device"
    emu.clear()
    found = dev.result_of("sale-1")
    assert found is not None and found.total == 8000


def test_stuck_task_is_unknown(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """A task that never leaves inProgress within the timeout is fiscal_unknown (maybe printed)."""
    device = AtolWebDevice(emu.url, timeout=0.2, poll=0.01)
    dev.open_shift(CASHIER)  # with the 2 s driver: only the stuck task meets the short timeout
    emu.inject("stuck", times=1)
    with pytest.raises(FiscalError) as caught:
        device.register(sale())
    assert caught.value.code == "fiscal_unknown"
    assert emu.results("sale-1") is not None
    device.close()


def test_slow_answer_is_unknown_not_refused(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """An HTTP answer slower than the timeout: fiscal_unknown, then result_of tells what happened."""
    device = AtolWebDevice(emu.url, timeout=0.2, poll=0.01)
    dev.open_shift(CASHIER)  # with the 2 s driver: only the slowed answers meet the short timeout
    emu.inject("slow", seconds=0.5)
    with pytest.raises(FiscalError) as caught:
        device.register(sale())
    assert caught.value.code == "fiscal_unknown"
    emu.clear("slow")
    found = dev.result_of("sale-1")
    assert found is not None and found.total == 8000
    device.close()


def test_open_shift_adopts_and_reports(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """Opening adopts an open shift (no second openShift); X keeps it open; Z closes it and counts receipts."""
    opened = dev.open_shift(CASHIER)
    assert opened.open and opened.number == 1 and opened.opened_at is not None
    assert dev.open_shift(CASHIER).number == 1
    dev.register(sale())
    x = dev.x_report(CASHIER)
    assert (x.kind, x.shift, x.document_number) == ("x", 1, None)
    assert dev.status().shift.open
    z = dev.close_shift(CASHIER)
    assert (z.kind, z.shift, z.document_number) == ("z", 1, 3)
    assert [t["type"] for t in emu.printed] == ["openShift", "sell", "reportX", "closeShift"]
    with pytest.raises(FiscalError) as caught:
        dev.close_shift(CASHIER)
    assert caught.value.code == "fiscal_shift_closed"


def test_status_warnings(emu: AtolWebEmulator, dev: AtolWebDevice) -> None:
    """Status carries the paper, the drive's warnings and the documents the ОФД has not confirmed."""
    status = dev.status()
    assert (status.model, status.serial, status.fn) == ("АТОЛ 30Ф", emu.serial, emu.fn)
    assert status.paper and not status.fn_memory_nearly_full and status.ofd_unsent == 0
    emu.ofd_online = False
    emu.fn_memory_nearly_full = True
    emu.fn_replace_soon = True
    emu.inject("paper_out")
    status = dev.status()  # a query prints nothing, so it answers with the paper missing
    assert not status.paper
    assert status.fn_memory_nearly_full and status.fn_replace_soon
    assert status.ofd_unsent == 0
    emu.clear()
    dev.open_shift(CASHIER)
    dev.register(sale())
    status = dev.status()
    assert status.ofd_unsent == 2 and status.ofd_oldest_unsent_at is not None
    emu.confirm_ofd()
    assert dev.status().ofd_unsent == 0


def test_open_device_settings(emu: AtolWebEmulator) -> None:
    """none and beside drive nothing; atol-web:URL is the driver; anything else is refused by code."""
    assert open_device("none") is None
    assert open_device("beside") is None
    device = open_device(f"atol-web:{emu.url}/api/v2/")
    assert isinstance(device, AtolWebDevice) and device.url == emu.url
    assert device.status().fn == emu.fn
    device.close()
    try:
        import app.fiscal.shtrih  # noqa: F401 - present once the Штрих-М branch is merged
    except ModuleNotFoundError:
        with pytest.raises(FiscalError) as caught:
            open_device("shtrih:tcp://127.0.0.1:7778")
        assert (caught.value.code, caught.value.params["device_code"]) == ("fiscal_device", "shtrih")
    else:  # the Штрих-М driver is here: the setting reaches it, on its own emulator
        from app.fiscal.emulators.shtrih_emulator import ShtrihEmulator

        with ShtrihEmulator() as shtrih:
            device = open_device(f"shtrih:tcp://127.0.0.1:{shtrih.serve_tcp().port}?timeout=0.5")
            assert device is not None and type(device).__name__ == "ShtrihDevice"
            assert not device.status().shift.open
            device.close()
    for bad in ("atol", "atol-web:", "atol-web:ftp://x", "usb:1", ""):
        with pytest.raises(FiscalError) as caught:
            open_device(bad)
        assert caught.value.code == "fiscal_device_bad"
