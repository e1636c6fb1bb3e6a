"""The cashier's journeys from the real start (`loyalty-terminal` with no arguments), by keys alone."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QApplication

from app.core.codes import latin_layout
from app.core.identity import card_qr_payload
from app.ui.shift import ShiftDialog
from tests.journeys.harness import MANAGER, STORE_NAME, Journey, JourneyRunner, clipped, first_start, log_in, till_ready


def russian_layout(text: str) -> str:
    """What a scanner types for text while the Russian keyboard layout is active."""
    back = {latin_layout(ch): ch for ch in "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"}
    return "".join(back.get(ch, ch) for ch in text)


def card_of(h: Journey, name: str) -> str:
    """The card number of a demo customer, read from the store's file (as any reader may, beside the till)."""
    with sqlite3.connect(h.home / "terminal.sqlite3") as db:
        row = db.execute(
            "SELECT cards.code FROM cards JOIN customers ON customers.id = cards.customer_id"
            " WHERE customers.name = ? AND cards.active = 1",
            (name,),
        ).fetchone()
    assert row is not None, name
    return str(row[0])


def query(runner: JourneyRunner, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Read the store's SQLite file the program wrote (after it has ended)."""
    with sqlite3.connect(runner.home / "terminal.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def test_first_start_creates_the_store_and_its_manager_who_logs_in(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        first_start(h)
        window = h.main_window(timeout=90)
        log_in(h)
        h.modal(ShiftDialog)
        assert h.gui(lambda: window.cashier_label.text()).endswith(f"{MANAGER[0]} (управляющий)")

    assert journey(script) == 0
    assert query(journey, "SELECT name, role FROM cashiers") == [(MANAGER[0], "manager")]
    assert query(journey, "SELECT value FROM meta WHERE key = ?", "store_name") == [(STORE_NAME,)]


def test_enter_in_the_shift_dialog_opens_the_shift_and_the_f_keys_work_at_once(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)  # the shift dialog answered with Enter alone
        # No click: the checkout has the keyboard again after the login and shift dialogs.
        h.press("F2")
        h.wait_for(lambda: window.checkout.customer_field.hasFocus(), "F2 to put the cursor in the customer field")
        h.press("F3")
        h.wait_for(lambda: window.checkout.product_field.hasFocus(), "F3 to put the cursor in the product field")

    journey(script)
    assert query(journey, "SELECT count(*) FROM shifts WHERE closed_at IS NULL") == [(1,)]


def test_a_scanner_typing_in_the_russian_layout_is_understood_in_every_scanned_field(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)
        c = window.controller
        card = card_of(h, "Анна Иванова")
        qr = russian_layout(card_qr_payload(h.gui(lambda: c.store.secret), card))
        assert qr.startswith("ДЕ1Ж")
        h.scan(qr)  # the card's QR, wherever the cursor is
        h.wait_for(lambda: c.customer is not None and c.customer.card == card, "the card scanned in Russian")
        h.type("СФЗ")  # CAP, the cappuccino's item code
        h.press("Return")
        h.wait_for(lambda: [line.sku for line in c.basket.lines] == ["CAP"], "CAP typed in Russian")
        h.press("+")  # two cappuccinos: the coupon needs 300 ₽
        h.wait_for(lambda: c.basket.lines[0].qty == 2, "a second cappuccino")
        h.press("F2")
        h.scan(russian_layout(card_qr_payload(h.gui(lambda: c.store.secret), card)), enter=False)
        h.press("Return")  # the customer field: the same card typed there
        h.wait_for(lambda: window.checkout.product_field.hasFocus(), "the customer field to take the card")
        assert h.gui(lambda: c.customer.card) == card
        h.press("F6")
        h.type(russian_layout("welcome10"))
        h.press("Return")
        h.wait_for(lambda: c.basket.coupon == "WELCOME10", "the coupon typed in Russian")

    journey(script)


def test_the_shift_dialog_at_login_shows_all_of_its_text_and_buttons(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        first_start(h)
        h.main_window(timeout=90)
        log_in(h)
        dialog = h.modal(ShiftDialog)
        h.wait_for(lambda: dialog.open_button.isVisible(), "«Open shift»")
        h.wait_for(lambda: not clipped(dialog), "the shift dialog to fit its content")  # fails with what is cut

    journey(script)


def test_without_an_open_shift_the_till_takes_no_payment(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        first_start(h)
        window = h.main_window(timeout=90)
        log_in(h)
        h.modal(ShiftDialog)
        h.press("Escape")  # no shift
        h.no_modal()
        h.scan("4600000000022")
        h.wait_for(lambda: bool(window.controller.basket.lines) and window.checkout.pay_button.isEnabled(), "priced")
        h.press("F12")
        h.wait_for(lambda: "Смена не открыта" in window.checkout.status.text(), "the till to ask for a shift")
        assert h.gui(QApplication.activeModalWidget) is None  # no payment dialog

    journey(script)
    assert query(journey, "SELECT count(*) FROM sales WHERE cashier = ?", MANAGER[0]) == [(0,)]
