"""ShtrihDevice through pyshtrih against the Штрих-М protocol emulator, over TCP and over a pseudo-terminal.

Receipts (a discount split, a sale paid entirely by points, a refund, cash and card), shifts (open,
adopt, X, Z), each injected failure giving its FiscalError code with nothing printed, the link's
own repairs (a garbled frame either way, a slow answer) and a lost answer resolved by result_of.
Timeouts are 0.4 s so the lost answers cost little; a command round trip is well under 1 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from app.core.fiscal import FiscalDocument, FiscalError, Operator, Payment, Position
from app.fiscal.emulators.shtrih_emulator import ShtrihEmulator
from app.fiscal.emulators.shtrih_frames import from_le, parse_tlvs
from app.fiscal.shtrih import ShtrihDevice

CASHIER = Operator("Ольга Петрова", "500100732259")
UUID = "0190a5b2-7c3d-7def-8123-456789abcdef"


@pytest.fixture
def emu() -> Iterator[ShtrihEmulator]:
    """An emulated register with its shift open."""
    with ShtrihEmulator() as emulator:
        emulator.execute(b"\xe0" + (30).to_bytes(4, "little"))  # E0h: open the shift
        yield emulator


def _connector(emu: ShtrihEmulator, transport: str) -> Iterator[Callable[[], ShtrihDevice]]:
    """Drivers on the emulator over a transport (one connection at a time, like the device)."""
    if transport == "tcp":
        setting = f"shtrih:tcp://127.0.0.1:{emu.serve_tcp().port}?timeout=0.4"
    else:
        setting = f"shtrih:serial:{emu.serve_pty().path}?baud=115200&timeout=0.4"
    opened: list[ShtrihDevice] = []

    def make() -> ShtrihDevice:
        for device in opened:
            device.close()
        opened.append(ShtrihDevice.from_setting(setting))
        return opened[-1]

    yield make
    for device in opened:
        device.close()


@pytest.fixture(params=["tcp", "pty"])
def connect(request: pytest.FixtureRequest, emu: ShtrihEmulator) -> Iterator[Callable[[], ShtrihDevice]]:
    """Drivers over TCP, then over the pty: the receipts and the link's troubles run on both."""
    yield from _connector(emu, request.param)


@pytest.fixture
def dev(connect: Callable[[], ShtrihDevice]) -> ShtrihDevice:
    """One driver on the emulator, over each transport."""
    return connect()


@pytest.fixture
def tcp_connect(emu: ShtrihEmulator) -> Iterator[Callable[[], ShtrihDevice]]:
    """Drivers over TCP only: for what the transport cannot change (device codes, the status)."""
    yield from _connector(emu, "tcp")


@pytest.fixture
def tcp_dev(tcp_connect: Callable[[], ShtrihDevice]) -> ShtrihDevice:
    """One driver over TCP."""
    return tcp_connect()


def sale(uuid: str = UUID, *, kind: str = "sell", cash: int = 30001, card: int = 30000) -> FiscalDocument:
    """Two lattes at 250.00 with 49.99 of points off (450.01 paid) and a croissant at 150.00."""
    return FiscalDocument(
        uuid=uuid,
        kind=kind,  # type: ignore[arg-type]
        operator=CASHIER,
        taxation="osn",
        positions=(
            Position("Латте", 25000, 2, 45001, "vat22"),
            Position("Круассан", 15000, 1, 15000, "vat10", "commodity"),
        ),
        payments=tuple(p for p in (Payment("cash", cash), Payment("electronically", card)) if p.sum),
        customer_contact="+79161234567",
    )


def tags(doc_tlvs: bytes) -> dict[int, list[bytes]]:
    """A receipt's TLV records by tag (positions, 1059, are many)."""
    out: dict[int, list[bytes]] = {}
    for tag, value in parse_tlvs(doc_tlvs):
        out.setdefault(tag, []).append(value)
    return out


def positions(doc_tlvs: bytes) -> list[dict[int, int | str]]:
    """Each position's name (1030), price (1079), quantity (1023, millionths), amount (1043), VAT (1199)."""
    out: list[dict[int, int | str]] = []
    for body in tags(doc_tlvs).get(1059, []):
        fields = dict(parse_tlvs(body))
        out.append(
            {
                1030: fields[1030].decode("cp866"),
                1079: from_le(fields[1079]),
                1023: from_le(fields[1023][1:]),
                1043: from_le(fields[1043]),
                1199: fields[1199][0],
                1212: fields[1212][0],
                1214: fields[1214][0],
            }
        )
    return out


def test_sale_with_a_discount(emu: ShtrihEmulator, dev: ShtrihDevice) -> None:
    """The discounted line splits in two exact positions; operator, buyer and marker ride along.

    The result is the drive's own: document number, fiscal sign, shift, drive number and total.
    """
    result = dev.register(sale())
    [receipt] = emu.receipts
    assert (result.document_number, result.fiscal_sign) == (receipt.number, str(receipt.sign))
    assert (result.shift, result.fn, result.total) == (1, emu.fn_number, 60001) == (1, emu.fn_number, receipt.total)
    assert positions(receipt.tlvs) == [
        {1030: "Латте", 1079: 22500, 1023: 1_000_000, 1043: 22500, 1199: 0xCB, 1212: 1, 1214: 4},
        {1030: "Латте", 1079: 22501, 1023: 1_000_000, 1043: 22501, 1199: 0xCB, 1212: 1, 1214: 4},
        {1030: "Круассан", 1079: 15000, 1023: 1_000_000, 1043: 15000, 1199: 0x02, 1212: 1, 1214: 4},
    ]
    found = tags(receipt.tlvs)
    assert found[1021] == ["Ольга Петрова".encode("cp866")] and found[1203] == [b"500100732259"]
    assert found[1008] == [b"+79161234567"] and found[1192] == [b"8123456789abcdef"]
    assert (from_le(found[1031][0]), from_le(found[1081][0]), found[1054], found[1055]) == (
        30001,
        30000,
        [b"\x01"],
        [b"\x01"],
    )
    assert dev.register(sale()) == result and len(emu.receipts) == 1  # the same uuid prints once


def test_sale_paid_entirely_by_points(emu: ShtrihEmulator, dev: ShtrihDevice) -> None:
    """A 100 % points sale: price and amount 0 on the position, no payment, a receipt of 0.00."""
    doc = FiscalDocument(
        uuid="points-only", kind="sell", operator=CASHIER, taxation="usnIncome",
        positions=(Position("Капучино (баллы)", 20000, 1, 0, "none", "commodity"),), payments=(),
    )  # fmt: skip
    result = dev.register(doc)
    [receipt] = emu.receipts
    assert result.total == receipt.total == 0
    assert positions(receipt.tlvs)[0][1079] == positions(receipt.tlvs)[0][1043] == 0
    assert tags(receipt.tlvs)[1055] == [b"\x02"]  # УСН доход


def test_refund_and_cash_with_card(emu: ShtrihEmulator, dev: ShtrihDevice) -> None:
    """A refund is a «возврат прихода» receipt with the money given back by each means."""
    dev.register(sale("sale-a", cash=0, card=60001))
    refund = dev.register(sale("refund-a", kind="sellReturn", cash=10001, card=50000))
    sold, returned = emu.receipts
    assert (sold.operation, returned.operation, refund.document_number) == (1, 2, returned.number)
    found = tags(returned.tlvs)
    assert (from_le(found[1031][0]), from_le(found[1081][0])) == (10001, 50000)
    assert from_le(tags(sold.tlvs)[1031][0]) == 0


def test_shifts_open_adopt_x_and_close(emu: ShtrihEmulator, dev: ShtrihDevice) -> None:
    """Opening adopts an open shift; X leaves it open; Z closes it; receipts then need a new shift."""
    adopted = dev.open_shift(CASHIER)
    assert adopted.open and adopted.number == 1 and adopted.opened_at is not None and len(emu.documents) == 1
    assert dev.x_report(CASHIER).shift == 1 and emu.shift_open
    z = dev.close_shift(CASHIER)
    assert (z.kind, z.shift, z.document_number) == ("z", 1, len(emu.documents)) and emu.reports == [("x", 1), ("z", 1)]
    assert not dev.status().shift.open
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == "fiscal_shift_closed" and not emu.receipts
    with pytest.raises(FiscalError) as closed_x:
        dev.x_report(CASHIER)
    assert closed_x.value.code == "fiscal_shift_closed"
    opened = dev.open_shift(CASHIER)
    assert opened.open and opened.number == 2
    closing, opening = emu.documents[-2:]  # both reports name the cashier (FF41h/FF42h, then FF0Ch)
    assert tags(closing.tlvs)[1021] == tags(opening.tlvs)[1021] == ["Ольга Петрова".encode("cp866")]
    assert dev.register(sale()).shift == 2


def _expire_shift(e: ShtrihEmulator) -> None:
    e.advance(hours=25)


@pytest.mark.parametrize(
    ("arrange", "code", "params"),
    [
        (lambda e: setattr(e, "paper", False), "fiscal_paper_out", {}),
        (lambda e: e.inject("error", 0xFF45, code=0x6B), "fiscal_paper_out", {}),  # the roll ends mid-receipt
        (lambda e: setattr(e, "cover_open", True), "fiscal_cover_open", {}),
        (_expire_shift, "fiscal_shift_expired", {}),
        (lambda e: e.inject("error", 0x8D, code=0x4E), "fiscal_shift_expired", {}),
        (lambda e: e.inject("error", 0xFF46, code=0x16), "fiscal_shift_expired", {}),  # the drive's own 24 h
        (lambda e: setattr(e, "fn_full", True), "fiscal_fn_full", {}),
        (lambda e: setattr(e, "fn_valid_until", e.now().date().replace(year=2020)), "fiscal_fn_expired", {}),
        (lambda e: setattr(e, "ofd_blocked", True), "fiscal_ofd_blocked", {"days": 30}),
        (lambda e: e.inject("error", 0xFF46, code=0x50), "fiscal_busy", {}),
        (
            lambda e: e.inject("error", 0xFF46, code=0x4F),
            "fiscal_device",
            {"device_code": "0x4F", "text": "Неверный пароль"},
        ),
    ],
)
def test_failures_refuse_and_print_nothing(
    emu: ShtrihEmulator,
    tcp_dev: ShtrihDevice,
    arrange: Callable[[ShtrihEmulator], None],
    code: str,
    params: dict[str, object],
) -> None:
    """Each register problem is its refusal; no receipt is signed and no check is left open."""
    arrange(emu)
    with pytest.raises(FiscalError) as caught:
        tcp_dev.register(sale())
    assert (caught.value.code, caught.value.params) == (code, params)
    assert not emu.receipts and emu.check is None
    assert tcp_dev.result_of(UUID) is None


def test_no_register_is_no_connection() -> None:
    """Nobody listening: fiscal_no_connection naming the setting."""
    with ShtrihEmulator() as emulator:
        port = emulator.serve_tcp().port
    device = ShtrihDevice.from_setting(f"shtrih:tcp://127.0.0.1:{port}?timeout=0.4")
    with pytest.raises(FiscalError) as caught:
        device.status()
    assert caught.value.code == "fiscal_no_connection" and str(port) in caught.value.params["device"]


def test_lost_close_answer_is_resolved_by_result_of(emu: ShtrihEmulator, connect: Callable[[], ShtrihDevice]) -> None:
    """The receipt was signed but its answer lost: fiscal_unknown, then result_of (even after a restart) finds it."""
    dev = connect()
    emu.inject("lose", 0xFF45)
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == "fiscal_unknown" and len(emu.receipts) == 1 and emu.stats["lost"] == 1
    restarted = connect()  # a new process: nothing in memory
    found = restarted.result_of(UUID)
    [receipt] = emu.receipts
    assert found is not None and (found.document_number, found.fiscal_sign) == (receipt.number, str(receipt.sign))
    assert (found.shift, found.total, found.fn) == (1, 60001, emu.fn_number)
    assert connect().register(sale()) == found and len(emu.receipts) == 1  # a retry prints nothing more


def test_lost_operation_answer_prints_nothing(emu: ShtrihEmulator, connect: Callable[[], ShtrihDevice]) -> None:
    """A lost answer before the close: no receipt was signed; result_of says so and drops the open check."""
    dev = connect()
    emu.inject("lose", 0xFF46)
    with pytest.raises(FiscalError) as caught:
        dev.register(sale())
    assert caught.value.code == "fiscal_no_connection" and not emu.receipts
    restarted = connect()
    assert restarted.result_of(UUID) is None and emu.check is None
    assert restarted.register(sale()).document_number == emu.receipts[0].number and len(emu.receipts) == 1


def test_slow_answers(emu: ShtrihEmulator, tcp_connect: Callable[[], ShtrihDevice]) -> None:
    """Slower than the timeout is a lost answer (result_of finds it); a little slow is just a sale (over TCP)."""
    dev = tcp_connect()
    emu.inject("slow", 0xFF45, delay=0.05)
    assert dev.register(sale("slow-ok")).document_number == emu.receipts[-1].number
    emu.inject("slow", 0xFF45, delay=0.8)
    with pytest.raises(FiscalError) as caught:
        dev.register(sale("slow-lost"))
    assert caught.value.code == "fiscal_unknown"
    emu.wait_idle()
    found = tcp_connect().result_of("slow-lost")
    assert found is not None and found.document_number == emu.receipts[-1].number and len(emu.receipts) == 2


@pytest.mark.parametrize(("kind", "counter"), [("garble_out", "naks_received"), ("garble_in", "naks_sent")])
def test_garbled_frames_are_repeated(emu: ShtrihEmulator, dev: ShtrihDevice, kind: str, counter: str) -> None:
    """A broken checksum either way: NAK, the frame again, one receipt."""
    emu.inject(kind, 0xFF45)
    result = dev.register(sale())
    assert emu.stats[counter] == 1 and [r.number for r in emu.receipts] == [result.document_number]


def test_status_and_drive_warnings(emu: ShtrihEmulator, tcp_dev: ShtrihDevice) -> None:
    """Model, serial, drive, shift, and the drive's warnings: memory, validity, ОФД queue."""
    tcp_dev.register(sale())
    status = tcp_dev.status()
    assert (status.model, status.serial, status.fn) == ("ШТРИХ-М-01Ф", emu.serial, emu.fn_number)
    assert status.shift.open and status.shift.number == 1 and status.paper
    assert (status.ofd_unsent, status.fn_memory_nearly_full, status.fn_replace_soon) == (2, False, False)
    assert status.ofd_oldest_unsent_at is not None
    emu.confirm_ofd()
    emu.fn_memory_nearly_full = True
    emu.fn_valid_until = emu.now().date() + timedelta(days=10)
    emu.paper = False
    warned = tcp_dev.status()
    assert (warned.ofd_unsent, warned.ofd_oldest_unsent_at) == (0, None)
    assert warned.fn_memory_nearly_full and warned.fn_replace_soon and not warned.paper


@pytest.mark.parametrize("command", [0x8D, 0xFF0C, 0xFF46, 0xFF45])
def test_lost_ack_never_prints_twice_or_silently(
    emu: ShtrihEmulator, connect: Callable[[], ShtrihDevice], command: int
) -> None:
    """The device's ACK lost on the line: pyshtrih sends the command again and the device runs it twice.

    How pyshtrih reads the bytes that follow depends on timing, so the outcome is checked as an
    invariant: a result means exactly that one receipt; a refusal means nothing was signed;
    fiscal_unknown is resolved by result_of to the receipt when, and only when, there is one. (The
    usual paths: an answer to another command, the check already open or the subtotal off before
    the close; "check closed" to the close.)
    """
    dev = connect()
    emu.inject("lose_ack", command)
    try:
        result = dev.register(sale())
    except FiscalError as exc:
        emu.wait_idle()
        printed = len(emu.receipts)
        assert printed <= 1
        if exc.code != "fiscal_unknown":
            assert printed == 0, f"{exc.code} refused a receipt the drive signed"
        found = None
        for _ in range(3):  # the line may still be settling; a fresh connection drains it
            try:
                found = connect().result_of(UUID)
                break
            except FiscalError as again:
                assert again.code == "fiscal_no_connection"
        assert (found is not None) == (printed == 1) and emu.check is None
        if found is not None:
            assert found.document_number == emu.receipts[0].number
    else:
        [receipt] = emu.receipts
        assert result.document_number == receipt.number and result.total == receipt.total == 60001
        assert len(positions(receipt.tlvs)) == 3


def test_firmware_without_archive_reading(emu: ShtrihEmulator, tcp_connect: Callable[[], ShtrihDevice]) -> None:
    """A firmware without FF3Ah: a fresh driver still sells (nothing to compare with); result_of says why it cannot."""
    tcp_connect().register(sale("first"))
    emu.inject("error", 0xFF3A, code=0x37, times=2)
    second = tcp_connect().register(sale("second"))  # same total and kind: the read-back is tried and skipped
    assert [r.number for r in emu.receipts][-1] == second.document_number and len(emu.receipts) == 2
    with pytest.raises(FiscalError) as caught:
        tcp_connect().result_of("first")
    assert caught.value.code == "fiscal_device" and caught.value.params["device_code"] == "0x37"


def test_reports_without_paper_and_an_expired_drive(emu: ShtrihEmulator, tcp_dev: ShtrihDevice) -> None:
    """X, Z and opening a shift need paper (refused in words, nothing printed); an expired drive shows in status."""
    emu.paper = False
    for report in (tcp_dev.x_report, tcp_dev.close_shift):
        with pytest.raises(FiscalError) as caught:
            report(CASHIER)
        assert caught.value.code == "fiscal_paper_out"
    assert emu.reports == [] and emu.shift_open
    emu.paper = True
    tcp_dev.close_shift(CASHIER)
    emu.paper = False
    with pytest.raises(FiscalError) as no_paper:
        tcp_dev.open_shift(CASHIER)
    assert no_paper.value.code == "fiscal_paper_out" and not emu.shift_open
    emu.paper, emu.cover_open = True, True
    emu.fn_valid_until = emu.now().date() - timedelta(days=1)
    status = tcp_dev.status()
    assert status.fn_expired and status.extra["cover_open"] and not status.shift.open
