"""The fiscal service through the real ATOL driver and the ATOL Web Server emulator over HTTP (fiscal.md).

One fiscal receipt, one loyalty sale: registered sales and refunds, refusals that write nothing, a lost
answer finished by reconcile either way, beside mode's receipt QR, shifts and the status warnings; and
the command line in-process (tests/inprocess.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.demo import DEFAULT_PROGRAM
from app.core.errors import LoyaltyError
from app.core.fiscal import FiscalError
from app.core.pricing import LineIn
from app.core.services.results import SaleRequest
from app.fiscal.devices import open_device
from app.fiscal.emulators.atol_web import AtolWebEmulator
from tests.conftest import FROZEN_NOW
from tests.inprocess import Cli

PROGRAM = {**DEFAULT_PROGRAM, "redeem": {"max_share_pct": "100", "min_balance": 0},
           "welcome_bonus": {"points": 500, "expiry_days": 30},
           "rewards": [{"id": "MUG", "name": "Кружка", "points": 100}]}  # fmt: skip
QR = "t=20261207T1530&s=300.00&fn=9999078900012345&i=17&fp=1234567890&n=1"


@pytest.fixture
def emu() -> Iterator[AtolWebEmulator]:
    """An ATOL Web Server on loopback with a register whose shift opens by itself, answering in 10 ms."""
    emulator = AtolWebEmulator(latency=0.01, auto_open_shift=True).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def till(tmp_path: Path, emu: AtolWebEmulator) -> Iterator[Context]:
    """A store with the program above, the emulated register set, and a card with 500 points."""
    context = bootstrap(tmp_path / "terminal.sqlite3", create=True, clock=FixedClock(FROZEN_NOW))
    context.store.init(PROGRAM)
    # A short timeout: a lost answer is found lost in a second, not ten (a loaded machine still answers in time).
    context.fiscal.opener = lambda setting: open_device(setting, timeout=1.0)
    context.fiscal.configure(f"atol-web:{emu.url}", vat={"coffee": "10"}, operator_inn={"Ольга": "500100732259"},
                             actor="Ольга")  # fmt: skip
    context.customers.enroll("Анна", "+79160000001", card="C1", actor="Ольга")
    yield context
    context.close()


def _req(**kw: Any) -> SaleRequest:
    return SaleRequest((LineIn("LAT", "Латте", "coffee", 3, 15001),), card="C1", cashier="Ольга", **kw)


def _count(ctx: Context, sql: str) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _dump(ctx: Context) -> list[str]:
    """Every row of the database file, as SQL."""
    raw = ctx.engine.raw_connection()
    try:
        return list(raw.driver_connection.iterdump())  # type: ignore[union-attr]
    finally:
        raw.close()


def _fiscal_rows(ctx: Context) -> list[tuple[str, str]]:
    with ctx.engine.connect() as conn:
        return [(r.status, r.kind) for r in conn.execute(text("SELECT status, kind FROM fiscal_documents ORDER BY id"))]


def test_a_card_sale_with_points_is_printed_and_committed_with_its_receipt(till: Context, emu: AtolWebEmulator) -> None:
    res = till.checkout.sell(_req(redeem=100, payment="card", receipt_contact="anna@example.ru"), actor="Ольга")
    assert res.committed and res.fiscal is not None
    assert res.fiscal["status"] == "registered" and res.fiscal["fn"] == emu.fn
    assert res.fiscal["document_number"] == emu.document_number
    assert len([t for t in emu.printed if t["type"] == "sell"]) == 1
    task = emu.printed[-1]
    # 3 x 150.01 = 450.03, 100 points = 100.00 off: 350.03 for three is 116.67 + 2 x 116.68.
    assert [(i["price"], i["quantity"], i["amount"]) for i in task["items"]] == [
        (Decimal("116.67"), 1, Decimal("116.67")),
        (Decimal("116.68"), 2, Decimal("233.36")),
    ]
    assert task["payments"] == [{"type": "electronically", "sum": Decimal("350.03")}]
    assert task["operator"] == {"name": "Ольга", "vatin": "500100732259"}
    assert task["clientInfo"]["emailOrPhone"] == "anna@example.ru"
    assert _fiscal_rows(till) == [("registered", "sell")]
    assert till.fiscal.receipt_of(res.sale_id or 0) is not None
    assert till.verifier.verify().ok


def test_a_purchase_paid_wholly_by_points_with_a_gift_is_a_zero_receipt_with_no_payment(
    till: Context, emu: AtolWebEmulator
) -> None:
    # ФНС АБ-4-20/6093 (100 % points: price and cost 0) and АБ-4-20/2550 (a gift for points needs a receipt).
    req = SaleRequest((LineIn("X", "Эспрессо", "coffee", 2, 15000),), card="C1", redeem=300, reward="MUG")
    res = till.checkout.sell(req, actor="Ольга")
    assert res.quote.total == 0 and res.fiscal is not None
    task = emu.printed[-1]
    assert [(i["name"], i["price"], i["quantity"], i["amount"]) for i in task["items"]] == [
        ("Эспрессо", Decimal(0), 2, Decimal(0)),
        ("Кружка", Decimal(0), 1, Decimal(0)),
    ]
    assert task["payments"] == []
    assert till.customers.customer("C1").available == 500 - 300 - 100


def test_a_bad_contact_is_refused_before_the_register_is_asked(till: Context, emu: AtolWebEmulator) -> None:
    with pytest.raises(LoyaltyError) as info:
        till.checkout.sell(_req(receipt_contact="anna at home"), actor="Ольга")
    assert info.value.code == "fiscal_contact_bad"
    assert _fiscal_rows(till) == [] and not emu.printed


def test_a_refund_prints_a_sell_return_of_the_money_given_back(till: Context, emu: AtolWebEmulator) -> None:
    sale = till.checkout.sell(_req(redeem=100), actor="Ольга")
    assert sale.sale_id is not None
    back = till.checkout.refund(sale.sale_id, {0: 1}, cashier="Ольга", actor="Ольга")
    assert back.fiscal is not None and back.fiscal["status"] == "registered"
    task = emu.printed[-1]
    assert task["type"] == "sellReturn"
    assert sum(i["amount"] for i in task["items"]) == Decimal(back.money_back) / 100
    assert task["payments"] == [{"type": "cash", "sum": Decimal(back.money_back) / 100}]
    assert _fiscal_rows(till) == [("registered", "sell"), ("registered", "sellReturn")]


@pytest.mark.parametrize(("fault", "code"), [("paper_out", "fiscal_paper_out"), ("fn_full", "fiscal_fn_full"),
                                             ("shift_expired", "fiscal_shift_expired")])  # fmt: skip
def test_a_refused_registration_writes_nothing(till: Context, emu: AtolWebEmulator, fault: str, code: str) -> None:
    before = _dump(till)
    emu.inject(fault)
    with pytest.raises(FiscalError) as info:
        till.checkout.sell(_req(redeem=100), actor="Ольга")
    assert info.value.code == code
    assert _dump(till) == before  # not a row, not the business clock
    assert _count(till, "SELECT COUNT(*) FROM sales") == 0
    assert _count(till, "SELECT COUNT(*) FROM outbox WHERE kind = 'sale'") == 0
    assert _fiscal_rows(till) == []
    assert till.customers.customer("C1").available == 500  # no point moved
    assert not [t for t in emu.printed if t["type"] == "sell"]


def test_a_refused_refund_writes_nothing(till: Context, emu: AtolWebEmulator) -> None:
    sale = till.checkout.sell(_req(redeem=100), actor="Ольга")
    assert sale.sale_id is not None
    before = _dump(till)
    emu.inject("cover_open")
    with pytest.raises(FiscalError) as info:
        till.checkout.refund(sale.sale_id, actor="Ольга")
    assert info.value.code == "fiscal_cover_open"
    assert _dump(till) == before


def test_a_register_that_does_not_answer_is_refused_with_its_address(till: Context, emu: AtolWebEmulator) -> None:
    emu.refuse()
    with pytest.raises(FiscalError) as info:
        till.checkout.sell(_req(), actor="Ольга")
    assert info.value.code == "fiscal_no_connection"
    assert emu.url in str(info.value)
    assert _count(till, "SELECT COUNT(*) FROM sales") == 0 and _fiscal_rows(till) == []


def test_a_lost_answer_of_a_printed_receipt_is_completed_by_reconcile_exactly_as_priced(
    till: Context, emu: AtolWebEmulator
) -> None:
    quote = till.checkout.quote(_req(redeem=100))
    emu.inject("lost_result")  # the register prints; every answer about it is lost
    with pytest.raises(FiscalError) as info:
        till.checkout.sell(_req(redeem=100), actor="Ольга")
    assert info.value.code == "fiscal_unknown"
    assert _fiscal_rows(till) == [("pending", "sell")]
    assert _count(till, "SELECT COUNT(*) FROM sales") == 0
    # The register cannot be asked either; the status bar says so, and that a receipt waits.
    assert [w.code for w in till.fiscal.status().warnings] == ["fiscal_no_connection", "fiscal_warn_pending"]
    emu.clear()
    report = till.fiscal.reconcile()
    assert len(report.completed) == 1 and not report.cancelled and not report.still_pending
    assert _fiscal_rows(till) == [("registered", "sell")]
    with till.engine.connect() as conn:
        sale = conn.execute(text("SELECT uid, total, redeemed_points FROM sales")).one()
    assert sale.uid == report.completed[0]
    assert (sale.total, sale.redeemed_points) == (quote.quote.total, 100)
    assert till.customers.customer("C1").available == 500 - 100 + quote.quote.earned
    assert len([t for t in emu.printed if t["type"] == "sell"]) == 1
    assert till.fiscal.reconcile().completed == ()  # done once
    assert till.verifier.verify().ok


def test_a_lost_answer_of_a_receipt_never_printed_is_cancelled_by_reconcile(
    till: Context, emu: AtolWebEmulator
) -> None:
    # The register takes nothing from the queue until release(): the task waits ("wait") past the driver's
    # timeout (1 s) and past reconcile's, however slow the machine (a timed delay could run out first).
    emu.hold()
    with pytest.raises(FiscalError) as info:
        till.checkout.sell(_req(redeem=100), actor="Ольга")
    assert info.value.code == "fiscal_unknown"
    [pending] = till.fiscal.pending()
    assert till.fiscal.reconcile().still_pending == (pending["uid"],)  # still queued: cannot say yet
    assert emu.cancel(pending["uid"])  # the Web Server drops it unprinted (DELETE)
    emu.release()
    report = till.fiscal.reconcile()
    assert report.cancelled == (pending["uid"],)
    assert _fiscal_rows(till) == [("cancelled", "sell")]
    assert _count(till, "SELECT COUNT(*) FROM sales") == 0
    assert till.customers.customer("C1").available == 500
    # The till sells again at once.
    assert till.checkout.sell(_req(), actor="Ольга").committed


def test_a_lost_answer_of_a_printed_refund_is_completed_by_reconcile(till: Context, emu: AtolWebEmulator) -> None:
    sale = till.checkout.sell(_req(redeem=100), actor="Ольга")
    assert sale.sale_id is not None
    emu.inject("lost_result")
    with pytest.raises(FiscalError) as info:
        till.checkout.refund(sale.sale_id, {0: 2}, actor="Ольга")
    assert info.value.code == "fiscal_unknown"
    assert _count(till, "SELECT COUNT(*) FROM refunds") == 0
    emu.clear()
    report = till.fiscal.reconcile()
    assert len(report.completed) == 1
    with till.engine.connect() as conn:
        refund = conn.execute(text("SELECT uid, money_back FROM refunds")).one()
    assert refund.uid == report.completed[0]
    assert refund.money_back == sum(i["amount"] for i in emu.printed[-1]["items"]) * 100
    assert _fiscal_rows(till) == [("registered", "sell"), ("registered", "sellReturn")]
    assert [line["refundable"] for line in till.checkout.sale_lines(sale.sale_id)] == [1]
    assert till.verifier.verify().ok


def test_a_pending_receipt_is_finished_before_the_next_sale(till: Context, emu: AtolWebEmulator) -> None:
    emu.inject("lost_result")
    with pytest.raises(FiscalError):
        till.checkout.sell(_req(redeem=100), actor="Ольга")
    emu.clear()
    till.checkout.sell(_req(), actor="Ольга")
    assert _fiscal_rows(till) == [("registered", "sell"), ("registered", "sell")]
    assert _count(till, "SELECT COUNT(*) FROM sales") == 2


def test_shifts_and_reports_follow_the_register(till: Context, emu: AtolWebEmulator) -> None:
    emu.auto_open_shift = False
    shift = till.fiscal.open_shift("Ольга")
    assert shift.open and emu.shift_open
    assert till.fiscal.open_shift("Ольга").number == shift.number  # an open shift is adopted
    assert till.fiscal.x_report("Ольга").kind == "x"
    z = till.fiscal.close_shift("Ольга")
    assert z.kind == "z" and z.shift == shift.number and not emu.shift_open
    with pytest.raises(FiscalError) as info:
        till.checkout.sell(_req(), actor="Ольга")
    assert info.value.code == "fiscal_shift_closed"


def test_status_words_the_drives_warnings(till: Context, emu: AtolWebEmulator) -> None:
    till.checkout.sell(_req(), actor="Ольга")
    assert till.fiscal.status().warnings == ()
    emu.inject("shift_expired")
    st = till.fiscal.status()
    assert st.device is not None and st.device.shift.expired
    assert [w.code for w in st.warnings] == ["fiscal_shift_expired"]


def test_a_sale_in_beside_mode_attaches_the_registers_receipt(till: Context) -> None:
    till.fiscal.configure("beside", actor="Ольга")
    req = SaleRequest((LineIn("X", "X", "coffee", 2, 15000),), cashier="Ольга", fiscal_qr=QR)
    res = till.checkout.sell(req, actor="Ольга")
    assert res.fiscal is not None and res.fiscal["status"] == "attached" and res.fiscal["document_number"] == 17
    assert till.fiscal.sale_by_qr(QR) == res.sale_id
    for bad, code in (
        (QR, "fiscal_qr_used"),
        (QR.replace("i=17", "i=18").replace("s=300.00", "s=299.99"), "fiscal_mismatch"),
        (QR.replace("n=1", "n=2").replace("i=17", "i=19"), "fiscal_qr_kind"),
        ("t=2026", "fiscal_qr_bad"),
    ):
        with pytest.raises(LoyaltyError) as info:
            till.checkout.sell(replace_qr(req, bad), actor="Ольга")
        assert info.value.code == code
    assert _count(till, "SELECT COUNT(*) FROM sales") == 1
    with pytest.raises(LoyaltyError) as unknown:
        till.fiscal.sale_by_qr(QR.replace("i=17", "i=99"))
    assert unknown.value.code == "fiscal_qr_unknown"


def replace_qr(req: SaleRequest, qr: str) -> SaleRequest:
    """The same sale with another receipt QR."""
    from dataclasses import replace

    return replace(req, fiscal_qr=qr)


def test_beside_mode_attach_and_earn_only_sale(till: Context) -> None:
    till.fiscal.configure("beside", actor="Ольга")
    plain = till.checkout.sell(SaleRequest((LineIn("X", "X", "coffee", 2, 15000),)), actor="Ольга")
    assert plain.fiscal is None and plain.sale_id is not None
    with pytest.raises(LoyaltyError) as info:
        till.fiscal.attach_qr(plain.sale_id, QR.replace("s=300.00", "s=300.01"), actor="Ольга")
    assert info.value.code == "fiscal_mismatch"
    attached = till.fiscal.attach_qr(plain.sale_id, QR, actor="Ольга")
    assert attached["fn"] == "9999078900012345"
    with pytest.raises(LoyaltyError) as again:
        till.fiscal.attach_qr(plain.sale_id, QR.replace("i=17", "i=18"), actor="Ольга")
    assert again.value.code == "fiscal_qr_used"
    # An earn-only sale for a card from another receipt: dated by the receipt (12:30 in Moscow), in the store's zone.
    assert isinstance(till.clock, FixedClock)
    till.clock.advance(timedelta(hours=1))  # enrolled at 12:00 Moscow time (FROZEN_NOW)
    other = "t=20260610T1230&s=1000.00&fn=9999078900012345&i=20&fp=42&n=1"
    earned = till.fiscal.earn_from_qr("C1", other, actor="Ольга")
    assert earned.committed and earned.quote.total == 100000 and earned.quote.redeemed_points == 0
    assert earned.quote.earned > 0
    assert earned.at == till.fiscal.qr_time(till.fiscal.parse_qr(other))
    assert till.fiscal.sale_by_qr(other) == earned.sale_id


def test_beside_mode_is_refused_when_a_register_is_driven(till: Context) -> None:
    with pytest.raises(LoyaltyError) as info:
        till.checkout.sell(_req(fiscal_qr=QR), actor="Ольга")
    assert info.value.code == "fiscal_not_beside"


def test_settings_are_audited_and_merged(till: Context) -> None:
    s = till.fiscal.configure("none", taxation="usn_income", vat={"bakery": "0"}, objects={"tea": "service"},
                              actor="Ольга")  # fmt: skip
    assert s.to_json() == {
        "device": "none",
        "mode": "none",
        "taxation": "usn_income",
        "vat": {"coffee": "vat10", "bakery": "vat0"},
        "objects": {"tea": "service"},
        "operator_inn": {"Ольга": "500100732259"},
    }
    assert till.fiscal.configure("none", vat={"coffee": ""}, actor="Ольга").vat == {"bakery": "vat0"}
    for bad in ({"taxation": "usn"}, {"vat": {"x": "20"}}, {"operator_inn": {"Ольга": "123"}}):
        with pytest.raises(LoyaltyError):
            till.fiscal.configure("none", actor="Ольга", **bad)
    assert _count(till, "SELECT COUNT(*) FROM audit WHERE action = 'setting_changed' AND detail LIKE '%fiscal.%'") >= 4
    # No register: a sale is what it always was.
    assert till.checkout.sell(_req(), actor="Ольга").fiscal is None


# ---------------------------------------------------------------------- the command line, in-process


@pytest.fixture
def cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], emu: AtolWebEmulator, monkeypatch: pytest.MonkeyPatch
) -> Cli:
    """The command line on a new store with card C1 enrolled at 11:00 Moscow time; the clock stands at 12:00."""
    monkeypatch.setenv("LOYALTY_FROZEN_NOW", FROZEN_NOW.isoformat())
    c = Cli(tmp_path, capsys)
    c.ok("init")
    c.ok("customer", "add", "--name", "Анна", "--phone", "+79160000001", "--card", "C1",
         "--at", "2026-06-10T11:00:00+03:00")  # fmt: skip
    return c


def test_cli_sale_and_refund_through_the_register(cli: Cli, emu: AtolWebEmulator) -> None:
    data = cli.ok("fiscal", "set", f"atol-web:{emu.url}", "--taxation", "usn_income", "--vat", "*=none",
                  "--object", "coffee=service", "--inn", "Ольга=500100732259")  # fmt: skip
    assert data["taxation"] == "usn_income" and data["vat"] == {"*": "none"}
    assert cli.ok("fiscal", "show")["device"] == f"atol-web:{emu.url}"
    sale = cli.ok("sale", "--card", "C1", "--line", "X:2:15000:coffee", "--payment", "card", "--cashier", "Ольга",
                  "--contact", "+7 916 000-00-02")  # fmt: skip
    assert set(sale["fiscal"]) == {"status", "document_number", "fiscal_sign", "shift", "fn"}
    assert sale["fiscal"]["status"] == "registered"
    task = emu.printed[-1]
    assert task["taxationType"] == "usnIncome" and task["items"][0]["paymentObject"] == "service"
    assert task["clientInfo"]["emailOrPhone"] == "+79160000002"
    refund = cli.ok("refund", str(sale["sale_id"]), "--cashier", "Ольга")
    assert refund["fiscal"]["status"] == "registered" and emu.printed[-1]["type"] == "sellReturn"
    status = cli.ok("fiscal", "status")
    assert status["device"]["fn"] == emu.fn and status["warnings"] == []
    assert cli.ok("fiscal", "x-report", "--cashier", "Ольга")["kind"] == "x"
    assert cli.ok("fiscal", "close-shift", "--cashier", "Ольга")["kind"] == "z"
    assert cli.ok("fiscal", "open-shift", "--cashier", "Ольга")["open"] is True


def test_cli_refused_registration_exits_2_and_writes_nothing(cli: Cli, emu: AtolWebEmulator) -> None:
    cli.ok("fiscal", "set", f"atol-web:{emu.url}")
    emu.inject("paper_out")
    code, data = cli.run("sale", "--card", "C1", "--line", "X:1:15000:coffee")
    assert code == 2 and "paper" in data["error"]
    code, shown = cli.run("customer", "show", "C1")
    assert shown["available"] == 0
    assert cli.ok("fiscal", "show")["pending"] == []
    code, data = cli.run("fiscal", "set", "atol")
    assert code == 2 and "unknown fiscal device" in data["error"]


def test_cli_beside_mode(cli: Cli) -> None:
    cli.ok("fiscal", "set", "beside")
    sale = cli.ok("sale", "--line", "X:2:15000:coffee", "--fiscal-qr", QR)
    assert sale["fiscal"]["status"] == "attached"
    code, data = cli.run("sale", "--line", "X:2:15000:coffee", "--fiscal-qr", QR)
    assert code == 2 and "already attached" in data["error"]
    refund = cli.ok("refund", "--fiscal-qr", QR)
    assert refund["sale_id"] == sale["sale_id"] and refund["money_back"] == 30000
    later = "t=20260610T1130&s=300.00&fn=9999078900012345&i=30&fp=1234567890&n=1"  # after the card's enrolment
    earn = cli.ok("sale", "--card", "C1", "--fiscal-qr", later)
    assert earn["total"] == 30000 and earn["fiscal"]["document_number"] == 30
    code, data = cli.run("sale", "--fiscal-qr", QR.replace("i=17", "i=31"))
    assert code == 2 and "card" in data["error"]


def test_cli_lost_answer_exits_3_and_the_receipt_waits(cli: Cli, emu: AtolWebEmulator) -> None:
    cli.ok("fiscal", "set", f"atol-web:{emu.url}")
    emu.inject("blocked", times=1)  # the register's answer is lost mid-document: the Web Server cannot tell
    code, data = cli.run("sale", "--card", "C1", "--line", "X:1:15000:coffee")
    assert code == 3 and "fiscal reconcile" in data["error"]
    [pending] = cli.ok("fiscal", "show")["pending"]
    assert pending["status"] == "pending" and pending["total"] == 15000
    assert cli.ok("fiscal", "reconcile") == {"completed": [], "cancelled": [], "still_pending": [pending["uid"]]}
    assert [w["code"] for w in cli.ok("fiscal", "status")["warnings"]] == ["fiscal_warn_pending"]
    code, shown = cli.run("customer", "show", "C1")
    assert code == 0 and shown["available"] == 0  # nothing booked while the register cannot say
