"""The fiscal register from the cashier's seat (fiscal.md), by keys alone, against the real ATOL Web Server
emulator over HTTP (app.fiscal.emulators.atol_web, started here on a free port).

Each journey starts the program as `loyalty-terminal` does, sets the register up in Manager › Settings ›
«Касса» (the mode chosen with the arrows, the address typed, «Проверить кассу» pressed) and then sells.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.identity import card_qr_payload
from app.fiscal.emulators.atol_web import AtolWebEmulator
from tests.ui.journeys.harness import MANAGER, Journey, JourneyFailed, JourneyRunner, till_ready
from tests.ui.journeys.test_manager_journeys import key_to_focus, menu_item, open_settings, press_opening, tab_to
from tests.ui.journeys.test_till_journeys import richest_card


@pytest.fixture
def atol() -> Iterator[AtolWebEmulator]:
    """The ATOL Web Server emulator on loopback, on a port the system picks."""
    emulator = AtolWebEmulator(latency=0.01).start()
    yield emulator
    emulator.stop()


def query(h: Journey | JourneyRunner, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the store's SQLite file beside the running program (as any second reader may)."""
    with sqlite3.connect(h.home / "terminal.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def set_register(h: Journey, mode: str, url: str = "", *, check: bool = False, shot: str = "") -> Any:
    """In the settings: the «Касса» tab, the mode by arrows, the address typed, optionally «Проверить кассу»; Save."""
    dialog = open_settings(h)
    chooser = dialog.fiscal
    h.wait_for(lambda: dialog.save.isEnabled(), "the settings to load")
    tab_to(h, dialog.tabs.tabBar(), "the settings' pages")
    for _ in range(h.gui(lambda: dialog.tabs.count())):
        if h.gui(lambda: dialog.tabs.currentWidget() is chooser):
            break
        h.press("Right")
    assert h.gui(lambda: dialog.tabs.tabText(dialog.tabs.currentIndex())) == "Касса"
    tab_to(h, chooser.mode, "the register's mode")
    for _ in range(h.gui(lambda: chooser.mode.count()) + 1):
        if h.gui(lambda: chooser.mode.currentData()) == mode:
            break
        h.press("Down")  # a closed list changes its choice with the arrows
    else:
        raise JourneyFailed(f"no mode {mode!r}")
    if url:
        tab_to(h, chooser.url, "the Web Server's address")
        h.type(url)
    if check:
        tab_to(h, chooser.test, "«Проверить кассу»")
        h.press("Space")
        h.wait_for(lambda: chooser.test.isEnabled() and chooser.status.isVisible(), "the check's outcome")
        h.nothing_cut_off(dialog, "the register's settings")
    if shot:
        h.screenshot(shot)
    tab_to(h, dialog.save, "«Сохранить»")
    h.press("Space")
    h.no_modal()
    return chooser


def register_ready(h: Journey, window: Any, atol: AtolWebEmulator) -> None:
    """Wait until the till knows the register drives its sales and has opened the register's shift."""
    h.wait_for(lambda: window.controller.fiscal_driven, "the till to drive the register")
    h.wait_for(lambda: atol.shift_open, "the register's shift to open with the till's")
    h.wait_for(lambda: status_bar(window).startswith("Касса: готова"), "the register ready in the status bar")


def status_bar(window: Any) -> str:
    """The register's words in the status bar (the whole sentence: the label elides what does not fit)."""
    from app.ui.fiscal_desk import FiscalDesk

    desk = window.findChild(FiscalDesk)
    return desk.label.full_text() if desk is not None and desk.label.isVisible() else ""


def fill_basket(h: Journey, window: Any, *, points: bool) -> None:
    """The richest demo card, two cappuccinos (CAP) and a croissant (CRO), and (F5) its points on part of them."""
    c = window.controller
    h.scan(card_qr_payload(h.gui(lambda: c.store.secret), richest_card(h)))
    h.wait_for(lambda: c.customer is not None, "the card")
    for n, code in enumerate(("CAP", "CAP", "CRO"), 1):
        h.type(code)  # the item codes typed (the card was scanned): a cashier's pace, whatever the machine's load
        h.press("Return")
        h.wait_for(lambda n=n: sum(line.qty for line in c.basket.lines) == n and c.fresh, f"item {n} priced")
    if points:
        h.press("F5")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0, "points")
        h.press("F3")
    h.wait_for(lambda: c.fresh and c.result is not None, "the basket priced")


def pay_by_card(h: Journey, shot: str = "") -> None:
    """F12, ↓ (card), Enter."""
    from app.ui.checkout.pay_dialog import PayDialog

    h.press("F12")
    dialog = h.modal(PayDialog)
    h.press("Down")
    h.wait_for(lambda: dialog.card.isChecked(), "card")
    if shot:
        h.nothing_cut_off(dialog, "the pay dialog with the electronic receipt")
        h.screenshot(shot)
    h.press("Return")


def close_shift_with_z_report(h: Journey, window: Any, shot: str) -> None:
    """Manager › «Смена…», Tab to «Закрыть смену», Space, yes: the register prints its Z-report (the register's
    shift 1) and the status bar shows it ready with no shift; a screenshot, then Esc."""
    from app.ui.shift import ShiftDialog

    menu_item(h, "Смена…")
    dialog = h.modal(ShiftDialog)
    h.wait_for(lambda: dialog.close_button.isVisible(), "«Закрыть смену» offered")
    tab_to(h, dialog.close_button, "«Закрыть смену»")
    h.press("Space")
    h.modal(QMessageBox)
    key_to_focus(h, "Return")  # yes
    h.wait_for(lambda: "Касса напечатала Z-отчёт (смена кассы 1)" in dialog.status.text(), "the Z-report")
    h.nothing_cut_off(dialog, "the closed shift with its Z-report")
    h.wait_for(lambda: status_bar(window) == "Касса: готова", "the status bar to show the register's shift closed")
    h.screenshot(shot)
    press_opening(h, "Escape")
    h.no_modal()


def refund_whole_sale(h: Journey, sale_id: int) -> Any:
    """F9, the sale's number, Enter, Enter (everything back), the manager's PIN: returns the refund dialog,
    still open, with the refund done or refused."""
    from app.ui.pin_dialog import PinDialog
    from app.ui.refund_dialog import RefundDialog

    h.press("F9")
    dialog = h.modal(RefundDialog)
    h.type(str(sale_id))
    h.press("Return")
    h.wait_for(lambda: dialog.sale is not None and dialog.confirm.hasFocus(), "the sale in the refund screen")
    h.press("Return")
    h.modal(PinDialog)
    h.type(MANAGER[1])
    h.press("Return")
    return dialog


def scan_until(h: Journey, code: str, done: Any, what: str, tries: int = 3) -> Any:
    """Scan a long code until it is taken, as a cashier scans again when the till did not read it.

    A 70-character QR is one burst of keys; on this shared test machine a stall of the GUI thread in the
    middle splits it, and the till rightly says the pieces are no code. A person scans again."""
    for _ in range(tries - 1):
        h.scan(code)
        try:
            return h.wait_for(done, what, timeout=5)
        except JourneyFailed:
            continue
    h.scan(code)
    return h.wait_for(done, what)


def test_the_register_is_set_up_in_settings_and_checked_with_an_x_report(
    journey: JourneyRunner, atol: AtolWebEmulator
) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)
        chooser = set_register(h, "atol", atol.url, check=True, shot="fiscal-settings")
        assert h.gui(chooser.status.text).startswith("Касса работает: X-отчёт напечатан"), h.gui(chooser.status.text)
        register_ready(h, window, atol)
        h.screenshot("fiscal-status-bar")
        # An X-report on demand, from the Manager menu.
        menu_item(h, "X-отчёт кассы")
        h.wait_for(lambda: "Касса напечатала X-отчёт (смена 1)" in window.checkout.status.text(), "the X-report")
        # Closing the till's shift closes the register's: the Z-report.
        close_shift_with_z_report(h, window, "fiscal-shift-closed")

    journey(script)
    assert [task["type"] for task in atol.printed] == ["reportX", "openShift", "reportX", "closeShift"]
    assert not atol.shift_open
    assert dict(query(journey, "SELECT key, value FROM meta WHERE key LIKE 'fiscal.%'"))["fiscal.device"] == (
        f"atol-web:{atol.url}"
    )


def test_a_card_sale_with_points_prints_one_fiscal_receipt_of_what_the_customer_paid(
    journey: JourneyRunner, atol: AtolWebEmulator
) -> None:
    seen: dict[str, Any] = {}

    def script(h: Journey) -> None:
        window = till_ready(h)
        set_register(h, "atol", atol.url)
        register_ready(h, window, atol)
        fill_basket(h, window, points=True)
        quote = h.gui(lambda: window.controller.result.quote)
        seen["total"], seen["points"] = quote.total, quote.redeemed_points
        pay_by_card(h, shot="fiscal-pay")
        screen = window.checkout
        h.wait_for(lambda: "Кассовый чек (ФД №" in screen.status.text(), "the register's receipt number")
        h.wait_for(lambda: any((h.home / "receipts").glob("*.pdf")), "the slip")
        h.screenshot("fiscal-sold")
        # The refund registers a sellReturn the same way (the manager's PIN approves it).
        sale_id = query(h, "SELECT max(id) FROM sales")[0][0]
        dialog = refund_whole_sale(h, sale_id)
        h.wait_for(lambda: dialog.last_refund is not None, "the refund")
        seen["refund"] = h.gui(lambda: dialog.last_refund.money_back)
        seen["refund_text"] = h.gui(dialog.status.text)
        press_opening(h, "Escape")
        h.no_modal()

    journey(script)
    returns = [task for task in atol.printed if task["type"] == "sellReturn"]
    assert len(returns) == 1 and seen["refund"] == seen["total"]
    # The refund's confirmation names the register's return receipt (its ФД and ФП), as the sale's message does.
    (number, sign), *_ = query(
        journey, "SELECT document_number, fiscal_sign FROM fiscal_documents WHERE kind = 'sellReturn'"
    )
    assert number == atol.document_number
    assert f"чек возврата (ФД № {number}, ФП {sign})" in seen["refund_text"], seen["refund_text"]
    assert returns[0]["payments"] == [{"type": "electronically", "sum": Decimal(seen["total"]) / 100}]
    sells = [task for task in atol.printed if task["type"] == "sell"]
    assert len(sells) == 1
    receipt = sells[0]
    total = Decimal(seen["total"]) / 100
    assert sum(Decimal(item["amount"]) for item in receipt["items"]) == total
    assert receipt["payments"] == [{"type": "electronically", "sum": total}]
    assert seen["points"] > 0  # points lowered the amounts (a discount), they are not a payment
    sale = query(journey, "SELECT id, total, redeemed_points, payment FROM sales ORDER BY id DESC LIMIT 1")[0]
    assert sale[1:] == (seen["total"], seen["points"], "card")
    docs = query(journey, "SELECT kind, sale_id, status FROM fiscal_documents ORDER BY id")
    assert docs == [("sell", sale[0], "registered"), ("sellReturn", sale[0], "registered")]


def test_paper_out_is_refused_in_russian_nothing_is_written_and_the_retry_prints(
    journey: JourneyRunner, atol: AtolWebEmulator
) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)
        set_register(h, "atol", atol.url)
        register_ready(h, window, atol)
        sales_before = query(h, "SELECT count(*) FROM sales")[0][0]
        fill_basket(h, window, points=False)
        atol.inject("paper_out")
        pay_by_card(h)
        screen, c = window.checkout, window.controller
        h.wait_for(lambda: "закончилась бумага" in screen.status.text(), "the refusal in Russian")
        assert h.gui(lambda: screen.status.property("level")) == "error"
        h.wait_for(lambda: not c.selling and c.fresh and c.result is not None, "the basket priced again")
        h.wait_for(lambda: "закончилась бумага" in status_bar(window), "the status bar to say so")
        h.nothing_cut_off(window, "the till with the register's paper-out warning")
        assert h.gui(lambda: sum(line.qty for line in c.basket.lines)) == 3, "the basket stays for a retry"
        assert query(h, "SELECT count(*) FROM sales")[0][0] == sales_before
        assert query(h, "SELECT count(*) FROM fiscal_documents") == [(0,)]
        h.screenshot("fiscal-paper-out")
        atol.clear("paper_out")  # a new roll
        pay_by_card(h)
        h.wait_for(lambda: "Кассовый чек (ФД №" in screen.status.text(), "the retry to print")
        assert query(h, "SELECT count(*) FROM sales")[0][0] == sales_before + 1

    journey(script)
    assert len([task for task in atol.printed if task["type"] == "sell"]) == 1
    assert query(journey, "SELECT count(*), min(status) FROM fiscal_documents") == [(1, "registered")]


def test_beside_mode_shows_what_to_key_in_and_the_register_receipts_qr_records_it_and_finds_it(
    journey: JourneyRunner,
) -> None:
    seen: dict[str, Any] = {}

    def script(h: Journey) -> None:
        from app.ui.checkout.pay_dialog import PayDialog
        from app.ui.refund_dialog import RefundDialog

        window = till_ready(h)
        set_register(h, "beside")
        screen, c = window.checkout, window.controller
        h.wait_for(lambda: screen.beside.isVisible(), "the «key into the register» panel")
        fill_basket(h, window, points=True)
        quote = h.gui(lambda: c.result.quote)
        discount = quote.subtotal - quote.total
        assert discount > 0
        from app.ui import i18n

        shown = h.gui(lambda: (screen.beside.discount.text(), screen.beside.collect.text()))
        assert shown == h.gui(lambda: (i18n.money(discount), i18n.money(quote.total)))
        h.screenshot("fiscal-beside")
        # The cashier rings it on the register, which prints a receipt with the standard QR code.
        rub, kop = divmod(quote.total, 100)
        qr = f"t=20250315T1230&s={rub}.{kop:02d}&fn=9999078900012345&i=417&fp=2718281828&n=1"
        scan_until(h, qr, lambda: isinstance(QApplication.activeModalWidget(), PayDialog), "the pay dialog")
        h.press("Return")  # cash
        h.wait_for(lambda: "Кассовый чек к ней привязан" in screen.status.text(), "the receipt recorded")
        seen["total"] = quote.total
        # The refund screen finds the sale by the register receipt's QR.
        h.press("F9")
        dialog = h.modal(RefundDialog)
        scan_until(h, qr, lambda: dialog.sale is not None, "the sale found by the register's receipt")
        seen["found"] = h.gui(lambda: dialog.sale_id)
        press_opening(h, "Escape")
        h.no_modal()
        # Paid with F12 first (the register rung meanwhile): the QR scanned next is recorded with that sale.
        fill_basket(h, window, points=False)
        total2 = h.gui(lambda: c.result.quote.total)
        h.press("F12")
        h.modal(PayDialog)
        h.press("Return")
        h.wait_for(lambda: "Теперь отсканируйте QR-код кассового чека" in screen.status.text(), "the ask for the QR")
        rub, kop = divmod(total2, 100)
        qr2 = f"t=20250315T1240&s={rub}.{kop:02d}&fn=9999078900012345&i=418&fp=3141592653&n=1"
        scan_until(h, qr2, lambda: "Кассовый чек привязан к продаже" in screen.status.text(), "the QR attached")
        # No basket, a customer on screen: a receipt rung on the register alone earns points (an earn-only sale).
        h.scan(card_qr_payload(h.gui(lambda: c.store.secret), richest_card(h)))
        h.wait_for(lambda: c.customer is not None, "the card")
        # Rung on the register just now: the receipt's time is the till's (a minute on, the QR has minutes only).
        from app.core.clock import clock_ms
        from app.core.timeutil import from_ms

        now = h.gui(lambda: from_ms(clock_ms(window.ctx.clock) + 60_000).astimezone(window.ctx.programs.zone()))
        qr3 = f"t={now:%Y%m%dT%H%M}&s=500.00&fn=9999078900012345&i=419&fp=1618033988&n=1"
        scan_until(h, qr3, lambda: "Кассовый чек к ней привязан" in screen.status.text(), "the earn-only sale")

    journey(script)
    sales = query(journey, "SELECT id, total, card IS NOT NULL FROM sales ORDER BY id DESC LIMIT 3")[::-1]
    (first, total, _), (second, _, _), (earn_only, earned_on, with_card) = sales
    assert total == seen["total"] and seen["found"] == first
    assert (earned_on, with_card) == (50_000, 1)
    docs = query(journey, "SELECT sale_id, source, qr_i FROM fiscal_documents ORDER BY qr_i")
    assert docs == [(first, "qr", 417), (second, "qr", 418), (earn_only, "qr", 419)]


def test_a_lost_answer_is_said_to_be_checked_and_nothing_is_sold_until_the_register_answers(
    journey: JourneyRunner, atol: AtolWebEmulator
) -> None:
    """The Web Server loses the register's answer mid-receipt ("blocked": it cannot tell whether it printed)."""

    def script(h: Journey) -> None:
        window = till_ready(h)
        set_register(h, "atol", atol.url)
        register_ready(h, window, atol)
        sales_before = query(h, "SELECT count(*) FROM sales")[0][0]
        fill_basket(h, window, points=False)
        atol.inject("blocked", times=1)
        pay_by_card(h)
        screen, c = window.checkout, window.controller
        h.wait_for(lambda: "Касса пока не ответила" in screen.status.text(), "the till to say it checks", 60)
        assert h.gui(lambda: sum(line.qty for line in c.basket.lines)) == 3, "the basket is kept on screen"
        assert query(h, "SELECT count(*) FROM sales")[0][0] == sales_before, "no sale without its receipt"
        assert query(h, "SELECT status FROM fiscal_documents") == [("pending",)]
        h.wait_for(lambda: "ждут ответа кассы" in status_bar(window), "the pending receipt in the status bar")
        h.wait_for(lambda: c.fresh and "Касса пока не ответила" in screen.status.text(), "the words to stay")
        h.screenshot("fiscal-lost-answer")

    journey(script)
