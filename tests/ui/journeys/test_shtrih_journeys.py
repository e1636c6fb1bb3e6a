"""The Штрих-М register from the cashier's seat (fiscal.md, docs/fiscal-shtrih.md), by keys alone, against the
real Штрих-М protocol emulator over TCP (app.fiscal.emulators.shtrih_emulator, started here on a free port).

Unlike the ATOL journeys (test_fiscal_journeys.py, set up in Settings), the register is chosen where a new
store chooses it: the first-run wizard's «Фискальный регистратор» step, «Проверить кассу» pressed there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QRadioButton

from app.fiscal.emulators.shtrih_emulator import FnDocument, ShtrihEmulator
from tests.ui.journeys.harness import MANAGER, STORE_NAME, Journey, JourneyFailed, JourneyRunner, log_in, open_shift
from tests.ui.journeys.test_fiscal_journeys import (
    close_shift_with_z_report,
    fill_basket,
    pay_by_card,
    query,
    refund_whole_sale,
    status_bar,
)
from tests.ui.journeys.test_manager_journeys import menu_item, press_opening, tab_to
from tests.ui.test_refund_slip_fiscal import pdf_text


@pytest.fixture
def shtrih() -> Iterator[ShtrihEmulator]:
    """The Штрих-М emulator listening on loopback TCP, on a port the system picks; a new register (shift closed)."""
    with ShtrihEmulator() as emulator:
        emulator.serve_tcp()
        yield emulator


def address(emulator: ShtrihEmulator) -> str:
    """HOST:PORT of the emulator's TCP server, as a person types it into the wizard."""
    return f"127.0.0.1:{emulator._servers[0].port}"


def first_start_with_shtrih(h: Journey, emulator: ShtrihEmulator, *, shot: str = "") -> Any:
    """The first-run wizard by keys as harness.first_start goes (demo café, PDF receipts, the manager), but at the
    fiscal step: ↓ to «Касса Штрих-М по сети (TCP)», Tab, the register's HOST:PORT typed, Tab to «Проверить кассу»,
    Space (an X-report), then on. Returns the fiscal chooser."""
    from app.ui.wizard import FirstRunWizard

    wizard = h.modal(FirstRunWizard, timeout=60)
    h.type(STORE_NAME)
    h.press("Return")
    h.wait_for(lambda: wizard.currentPage() is wizard.server, "the chain page")
    h.press("Return")  # a single store
    h.wait_for(lambda: wizard.currentPage() is wizard.program, "the program page")
    for _ in range(len(wizard.program.buttons) + 1):
        radio = h.focused(QRadioButton, "a program choice")
        if h.gui(radio.text) == "Демо-кофейня":
            break
        h.press("Down")  # the arrows choose as they move
    else:
        raise JourneyFailed("no demo café in the wizard")
    h.wait_for(lambda: radio.isChecked(), "the demo café chosen")
    h.press("Return")
    h.wait_for(lambda: wizard.currentPage() is wizard.devices_page, "the printer page")
    h.press("Return")  # receipts as PDF files
    h.wait_for(lambda: wizard.currentPage() is wizard.fiscal, "the fiscal register page")
    chooser = wizard.fiscal.chooser
    tab_to(h, chooser.mode, "the register's mode")
    for _ in range(h.gui(lambda: chooser.mode.count()) + 1):
        if h.gui(lambda: chooser.mode.currentData()) == "shtrih-tcp":
            break
        h.press("Down")  # a closed list changes its choice with the arrows
    else:
        raise JourneyFailed("no «Касса Штрих-М по сети (TCP)» in the wizard")
    tab_to(h, chooser.tcp, "the register's address and port")
    h.type(address(emulator))
    tab_to(h, chooser.test, "«Проверить кассу»")
    h.press("Space")
    h.wait_for(lambda: chooser.test.isEnabled() and chooser.status.isVisible(), "the check's outcome", 30)
    h.wait_for(lambda: chooser.test.hasFocus(), "the keyboard back on «Проверить кассу» (not on the taxation list)")
    h.nothing_cut_off(wizard, "the wizard's fiscal step after the check")
    if shot:
        h.screenshot(shot)
    tab_to(h, chooser.tcp, "the address again", key="Shift+Tab")
    h.press("Return")  # Next (Enter in a line edit is the wizard's default button)
    h.wait_for(lambda: wizard.currentPage() is wizard.staff, "the staff page")
    name, pin = MANAGER
    h.type(name)
    h.press("Tab")
    h.type(pin)
    h.press("Tab")
    h.type(pin)
    h.press("Return")  # «Create the store»
    return chooser


def register_ready(h: Journey, window: Any, emulator: ShtrihEmulator) -> None:
    """The till drives the register, the register's shift is open with the till's, the status bar says ready."""
    h.wait_for(lambda: window.controller.fiscal_driven, "the till to drive the register")
    h.wait_for(lambda: emulator.shift_open, "the register's shift to open with the till's")
    ready = "Касса: готова, открыта смена"
    h.wait_for(lambda: status_bar(window).startswith(ready), "the register ready, its shift open, in the status bar")
    h.wait_for(lambda: shown_in_bar(window) == status_bar(window), "«Касса: готова…» whole (it fits: not elided)")


def shown_in_bar(window: Any) -> str:
    """What the status bar's register label shows (elided when the bar has no room for the whole sentence)."""
    from app.ui.fiscal_desk import FiscalDesk

    desk = window.findChild(FiscalDesk)
    return desk.label.text() if desk is not None else ""


def till_with_shtrih(h: Journey, emulator: ShtrihEmulator, *, shot: str = "") -> Any:
    """From the real start with the Штрих-М chosen in the wizard to the checkout, the shift open; the window."""
    chooser = first_start_with_shtrih(h, emulator, shot=shot)
    # A new register's shift is closed: Штрих-М prints no X-report then (40h: 3Dh), and the check says it answers.
    checked = h.gui(chooser.status.text)
    assert checked.startswith("Касса работает: ШТРИХ-М-01Ф, ФН 9999078902004512. Смена на кассе закрыта"), checked
    window = h.main_window(timeout=90)
    log_in(h)
    open_shift(h)
    register_ready(h, window, emulator)
    return window


def positions_sum(doc: FnDocument) -> int:
    """The receipt's positions (tag 1059) added up, in kopecks, from the TLV the drive keeps (tag 1043 each)."""
    from app.fiscal.emulators.shtrih_frames import parse_tlvs

    total = 0
    for tag, value in parse_tlvs(doc.tlvs):
        if tag == 1059:
            inner = dict(parse_tlvs(value))
            total += int.from_bytes(inner[1043], "little")
    return total


def paid(doc: FnDocument) -> tuple[int, int]:
    """(cash, electronically) of a receipt: its tags 1031 and 1081, in kopecks."""
    from app.fiscal.emulators.shtrih_frames import parse_tlvs

    tags = dict(parse_tlvs(doc.tlvs))
    return int.from_bytes(tags[1031], "little"), int.from_bytes(tags[1081], "little")


def test_shtrih_from_the_wizard_a_card_sale_with_points_its_refund_and_the_z_report(
    journey: JourneyRunner, shtrih: ShtrihEmulator
) -> None:
    seen: dict[str, Any] = {}

    def script(h: Journey) -> None:

        window = till_with_shtrih(h, shtrih, shot="shtrih-wizard")
        h.screenshot("shtrih-status-bar")
        # The shift open, an X-report on demand (Manager › «X-отчёт кассы»): the register prints it.
        menu_item(h, "X-отчёт кассы")
        h.wait_for(lambda: "Касса напечатала X-отчёт (смена 1)" in window.checkout.status.text(), "the X-report")
        assert shtrih.reports == [("x", 1)], shtrih.reports
        fill_basket(h, window, points=True)
        quote = h.gui(lambda: window.controller.result.quote)
        seen["quote"] = quote
        pay_by_card(h)
        screen = window.checkout
        h.wait_for(lambda: "Кассовый чек (ФД №" in screen.status.text(), "the register's receipt number")
        h.wait_for(lambda: any((h.home / "receipts").glob("*.pdf")), "the slip")
        seen["sold"] = h.gui(screen.status.text)
        h.screenshot("shtrih-sold")
        # The refund (F9, the sale's number, Enter, Enter, the manager's PIN): a return receipt on the register.
        sale_id = query(h, "SELECT max(id) FROM sales")[0][0]
        dialog = refund_whole_sale(h, sale_id)
        h.wait_for(lambda: dialog.last_refund is not None, "the refund")
        h.wait_for(lambda: "ФД №" in dialog.status.text(), "the register's return receipt named")
        seen["refund"] = h.gui(lambda: dialog.last_refund.money_back)
        seen["refund_text"] = h.gui(dialog.status.text)
        h.wait_for(lambda: any((h.home / "receipts").glob("refund-*.pdf")), "the refund's slip")
        h.nothing_cut_off(dialog, "the refund with its return receipt")
        h.screenshot("shtrih-refund")
        press_opening(h, "Escape")
        h.no_modal()
        # Closing the till's shift closes the register's: the Z-report.
        close_shift_with_z_report(h, window, "shtrih-shift-closed")

    journey(script)
    quote = seen["quote"]
    assert quote.redeemed_points > 0 and quote.redeemed_amount > 0
    receipts = shtrih.receipts
    assert [(d.operation, d.total) for d in receipts] == [(1, quote.total), (2, quote.total)]
    sale, back = receipts
    # The positions add up to the money paid; what the list prices lose on the way is the discount and the points.
    assert positions_sum(sale) == quote.total == seen["refund"]
    assert quote.subtotal - positions_sum(sale) == quote.discount + quote.redeemed_amount
    assert positions_sum(back) == quote.total
    # Paid by card, the points not a payment: the card's money only, on the sale and on its return.
    assert paid(sale) == paid(back) == (0, quote.total)
    assert f"ФД №\u00a0{sale.number}" in seen["sold"] or f"ФД № {sale.number}" in seen["sold"], seen["sold"]
    assert f"чек возврата (ФД № {back.number}, ФП {back.sign})" in seen["refund_text"], seen["refund_text"]
    # The till's own refund slip names the register's return receipt, as the sale's slip names the sale's.
    (slip,) = (journey.home / "receipts").glob("refund-*.pdf")
    assert f"Кассовый чек возврата прихода: ФД № {back.number}, ФП {back.sign}" in pdf_text(slip.read_bytes())
    (sale_slip,) = (journey.home / "receipts").glob("sale-*.pdf")
    assert f"Кассовый чек: ФД № {sale.number}, ФП {sale.sign}" in pdf_text(sale_slip.read_bytes())
    # The wizard's check, the shift opened with the till's, the Z-report: the shift is closed on the register.
    assert [kind for kind, _ in shtrih.reports] == ["x", "z"], shtrih.reports
    assert not shtrih.shift_open
    docs = query(journey, "SELECT kind, status, document_number, fiscal_sign FROM fiscal_documents ORDER BY id")
    assert docs == [
        ("sell", "registered", sale.number, str(sale.sign)),
        ("sellReturn", "registered", back.number, str(back.sign)),
    ]
    device = dict(query(journey, "SELECT key, value FROM meta WHERE key = 'fiscal.device'"))["fiscal.device"]
    assert device == f"shtrih:tcp://{address(shtrih)}"


def test_shtrih_out_of_paper_is_refused_in_russian_nothing_is_written_and_the_retry_prints_sale_and_refund(
    journey: JourneyRunner, shtrih: ShtrihEmulator
) -> None:
    def dump(h: Journey | JourneyRunner) -> list[str]:
        """Every row of the store's file, as SQL (a second reader beside the running program)."""
        with sqlite3.connect(h.home / "terminal.sqlite3") as db:
            return list(db.iterdump())

    def script(h: Journey) -> None:
        window = till_with_shtrih(h, shtrih)
        fill_basket(h, window, points=True)
        before = dump(h)
        shtrih.paper = False  # the roll ran out
        pay_by_card(h)
        screen, c = window.checkout, window.controller
        h.wait_for(lambda: "закончилась бумага" in screen.status.text(), "the refusal in Russian")
        assert h.gui(lambda: screen.status.property("level")) == "error"
        h.wait_for(lambda: not c.selling and c.fresh and c.result is not None, "the basket priced again")
        assert h.gui(lambda: sum(line.qty for line in c.basket.lines)) == 3, "the basket stays for a retry"
        assert dump(h) == before, "nothing written"
        h.wait_for(lambda: "закончилась бумага" in status_bar(window), "the status bar to say so")
        h.nothing_cut_off(window, "the till with the register's paper-out warning")
        h.screenshot("shtrih-paper-out")
        shtrih.paper = True  # a new roll
        pay_by_card(h)
        h.wait_for(lambda: "Кассовый чек (ФД №" in screen.status.text(), "the retry to print")
        h.wait_for(lambda: status_bar(window).startswith("Касса: готова"), "the status bar to forget the paper")
        # The paper runs out again before the refund: refused the same way, nothing written, Enter again prints.
        from app.ui.pin_dialog import PinDialog

        sale_id = query(h, "SELECT max(id) FROM sales")[0][0]
        shtrih.paper = False
        before = dump(h)
        dialog = refund_whole_sale(h, sale_id)
        h.wait_for(
            lambda: dialog.status.text().startswith("Возврат не оформлен: В кассе закончилась бумага"),
            "the refund refused in Russian",
        )
        h.wait_for(lambda: dialog.confirm.isEnabled() and dialog.sale is not None, "the refund offered again")
        assert h.gui(lambda: dialog.last_refund) is None
        assert dump(h) == before, "nothing written by the refused refund"
        h.nothing_cut_off(dialog, "the refused refund")
        shtrih.paper = True
        tab_to(h, dialog.confirm, "«Оформить возврат»")
        h.press("Return")
        h.modal(PinDialog)
        h.type(MANAGER[1])
        h.press("Return")
        h.wait_for(lambda: "чек возврата (ФД №" in dialog.status.text(), "the refund with its return receipt")
        press_opening(h, "Escape")
        h.no_modal()

    journey(script)
    assert [d.operation for d in shtrih.receipts] == [1, 2]
    assert query(journey, "SELECT kind, status FROM fiscal_documents ORDER BY id") == [
        ("sell", "registered"),
        ("sellReturn", "registered"),
    ]
    assert query(journey, "SELECT count(*) FROM sales WHERE id = (SELECT sale_id FROM fiscal_documents)") == [(1,)]
    assert query(journey, "SELECT count(*) FROM refunds") == [(1,)]


def test_shtrih_on_a_serial_port_set_up_in_settings_sells_for_cash(journey: JourneyRunner) -> None:
    """The same register on a serial line (the emulator's pseudo-terminal), set up later in Manager › Settings ›
    «Касса»: «Касса Штрих-М через COM-порт», the port's path typed, «Проверить кассу», Save; a cash sale prints."""
    from app.ui.checkout.pay_dialog import PayDialog
    from app.ui.pin_dialog import PinDialog
    from app.ui.settings_dialog import SettingsDialog
    from tests.ui.journeys.harness import till_ready

    with ShtrihEmulator() as emulator:
        path = emulator.serve_pty().path
        seen: dict[str, Any] = {}

        def script(h: Journey) -> None:
            window = till_ready(h)  # the wizard with no register, the login, the till's shift open
            menu_item(h, "Настройки…")
            h.modal(PinDialog)
            h.type(MANAGER[1])
            press_opening(h, "Return")
            dialog = h.modal(SettingsDialog)
            chooser = dialog.fiscal
            h.wait_for(lambda: dialog.save.isEnabled(), "the settings to load")
            tab_to(h, dialog.tabs.tabBar(), "the settings' pages")
            for _ in range(h.gui(lambda: dialog.tabs.count())):
                if h.gui(lambda: dialog.tabs.currentWidget() is chooser):
                    break
                h.press("Right")
            tab_to(h, chooser.mode, "the register's mode")
            for _ in range(h.gui(lambda: chooser.mode.count()) + 1):
                if h.gui(lambda: chooser.mode.currentData()) == "shtrih-serial":
                    break
                h.press("Down")
            tab_to(h, chooser.port_path, "the serial port's path")
            h.type(path)
            assert h.gui(chooser.baud.text) == "115200"
            tab_to(h, chooser.test, "«Проверить кассу»")
            h.press("Space")
            h.wait_for(lambda: chooser.test.isEnabled() and chooser.status.isVisible(), "the check's outcome", 30)
            seen["checked"] = h.gui(chooser.status.text)
            h.nothing_cut_off(dialog, "the register's settings on a serial port")
            tab_to(h, dialog.save, "«Сохранить»")
            h.press("Space")
            h.no_modal()
            # Saved while the till's shift is open: the register's shift opens with it.
            register_ready(h, window, emulator)
            seen["bar"] = h.gui(lambda: status_bar(window))
            fill_basket(h, window, points=False)
            seen["total"] = h.gui(lambda: window.controller.result.quote.total)
            h.press("F12")
            h.modal(PayDialog)
            h.press("Return")  # cash
            h.wait_for(lambda: "Кассовый чек (ФД №" in window.checkout.status.text(), "the receipt printed")

        journey(script)
        assert seen["checked"].startswith("Касса работает: ШТРИХ-М-01Ф"), seen["checked"]
        assert seen["bar"] == "Касса: готова, открыта смена 1"
        (receipt,) = emulator.receipts
        assert (receipt.operation, receipt.total, positions_sum(receipt)) == (1, seen["total"], seen["total"])
    device = dict(query(journey, "SELECT key, value FROM meta WHERE key = 'fiscal.device'"))["fiscal.device"]
    assert device == f"shtrih:serial:{path}?baud=115200"
    assert query(journey, "SELECT kind, status, document_number FROM fiscal_documents") == [
        ("sell", "registered", receipt.number)
    ]
