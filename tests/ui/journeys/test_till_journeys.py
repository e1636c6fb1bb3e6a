"""The cashier's journeys from the real start (`loyalty-terminal` with no arguments), by keys alone."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QApplication

from app.core.codes import latin_layout
from app.core.identity import card_qr_payload
from app.ui.shift import ShiftDialog
from tests.ui.journeys.harness import (
    MANAGER,
    STORE_NAME,
    Journey,
    JourneyRunner,
    clipped,
    first_start,
    log_in,
    till_ready,
    visible_texts,
)


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


def richest_card(h: Journey) -> str:
    """The demo card with the most points earned less redeemed (enough for a gift and more)."""
    with sqlite3.connect(h.home / "terminal.sqlite3") as db:
        row = db.execute(
            "SELECT card FROM sales WHERE card IS NOT NULL GROUP BY card"
            " ORDER BY sum(earned) - sum(redeemed_points) DESC LIMIT 1"
        ).fetchone()
    return str(row[0])


def test_a_full_loyalty_checkout_card_points_coupon_gift_then_print(journey: JourneyRunner) -> None:
    counts: dict[str, int] = {}

    def script(h: Journey) -> None:
        window = till_ready(h)
        c, screen = window.controller, window.checkout
        card = richest_card(h)
        keys_before, scans_before = h.keys, h.scans
        h.scan(card_qr_payload(h.gui(lambda: c.store.secret), card))
        h.wait_for(lambda: c.customer is not None and c.customer.card == card, "the card")
        for code in ("4600000000022", "4600000000022", "4600000000060"):  # 2 cappuccinos, a croissant
            h.scan(code)
        h.wait_for(lambda: sum(line.qty for line in c.basket.lines) == 3, "three items")
        h.press("F6")
        h.type("WELCOME10")
        h.press("Return")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.coupon == "WELCOME10", "the coupon")
        h.press("F7")
        h.wait_for(lambda: QApplication.activePopupWidget() is not None, "the gift list")
        h.press("Down", "Return")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.reward_id == "cookie", "the gift")
        h.press("F5")
        h.wait_for(
            lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0, "points paying a part"
        )
        quote = h.gui(lambda: c.result.quote)
        assert quote.reward_id == "cookie" and quote.coupon == "WELCOME10", "F5 after the gift kept both"
        assert h.gui(lambda: screen.status.property("level")) != "error", h.gui(screen.status.text)
        h.press("F3")  # back to the product field (F5 left the cursor in the points field)
        h.press("F12")
        from app.ui.checkout.pay_dialog import PayDialog

        h.modal(PayDialog)
        h.press("Return")  # cash
        h.wait_for(lambda: "сохранена" in screen.status.text(), "the sale to be saved")
        counts["keys"] = h.keys - keys_before - len("WELCOME10")
        counts["scans"] = h.scans - scans_before
        h.wait_for(lambda: any((h.home / "receipts").glob("*.pdf")), "the receipt PDF")
        h.screenshot("checkout-sold")

    journey(script)
    sale = query(journey, "SELECT coupon, reward_id, redeemed_points > 0, cashier FROM sales ORDER BY id DESC LIMIT 1")
    assert sale == [("WELCOME10", "cookie", 1, MANAGER[0])]
    # Beyond the scans of the card and items and the coupon typed: F6 Enter F7 ↓ Enter F5 F3 F12 Enter.
    assert counts == {"keys": 9, "scans": 4}


def test_a_gift_and_the_most_points_go_together_with_one_figure_for_what_can_be_paid(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)
        c, screen = window.controller, window.checkout
        h.scan(card_qr_payload(h.gui(lambda: c.store.secret), richest_card(h)))
        h.wait_for(lambda: c.customer is not None, "the card")
        h.scan("4600000000077")  # cheesecakes: a basket whose 30 % is more than the card holds
        h.wait_for(lambda: bool(c.basket.lines), "the cheesecake")
        h.press(*["+"] * 9)
        h.wait_for(lambda: c.fresh and c.result is not None and c.basket.lines[0].qty == 10, "ten cheesecakes")
        available = h.gui(lambda: c.customer.available)

        def gift(choice: str) -> None:
            h.press("F7")
            h.wait_for(lambda: QApplication.activePopupWidget() is not None, "the gift list")
            h.press(choice, "Return")
            h.wait_for(lambda: c.fresh and c.result is not None, "the basket priced")

        def points_max() -> None:
            h.press("F5")
            h.wait_for(lambda: c.fresh and c.result is not None, "the basket priced")

        def both_taken(order: str) -> None:
            quote = h.gui(lambda: c.result.quote)
            assert h.gui(lambda: screen.status.property("level")) != "error", f"{order}: {h.gui(screen.status.text)}"
            assert quote.reward_id == "cookie", f"{order}: the gift stays"
            assert quote.redeemed_points == available - 80, f"{order}: the rest of the card pays"
            assert h.gui(screen.extras.max_label.text) == f"из {available - 80}", "the field offers what F5 takes"

        gift("Down")
        points_max()
        both_taken("gift, then F5")
        gift("Home")  # no gift: every point can pay
        h.wait_for(lambda: c.result.quote.redeemed_points == available, "all the points paying")
        gift("Down")
        both_taken("F5, then the gift")

    journey(script)


def sell(h: Journey, window: object, *codes: str) -> int:
    """A plain sale by keys (scans, F12, Enter); its sale number."""
    from app.ui.checkout.pay_dialog import PayDialog

    c = window.controller  # type: ignore[attr-defined]
    for code in codes:
        h.scan(code)
    h.wait_for(lambda: c.fresh and c.result is not None and len(c.basket.lines) == len(codes), "the items priced")
    h.press("F12")
    h.modal(PayDialog)
    h.press("Return")
    h.no_modal()
    h.wait_for(lambda: not c.basket.lines, "the sale to be saved")
    with sqlite3.connect(h.home / "terminal.sqlite3") as db:
        return int(db.execute("SELECT max(id) FROM sales").fetchone()[0])


def test_a_refund_by_keys_tab_reaches_the_refund_button_and_a_manager_pin_approves(journey: JourneyRunner) -> None:
    counts: dict[str, int] = {}

    def script(h: Journey) -> None:
        from app.ui.pin_dialog import PinDialog
        from app.ui.refund_dialog import RefundDialog

        window = till_ready(h)
        sale = sell(h, window, "4600000000022", "4600000000060", "4600000000077")  # three lines
        keys_before = h.keys
        h.press("F9")
        dialog = h.modal(RefundDialog)
        h.type(str(sale))
        h.press("Return")
        h.wait_for(lambda: dialog.sale is not None and dialog.confirm.isEnabled(), "the sale in the refund screen")
        h.wait_for(dialog.confirm.hasFocus, "the Refund button to take the cursor once the sale is shown")
        # Neither Tab nor Shift+Tab is trapped in the table: each comes round to the Refund button.
        tabs = 0
        for key in ("Tab", "Shift+Tab"):
            for _ in range(8):
                h.press(key)
                tabs += 1
                if h.gui(dialog.confirm.hasFocus):
                    break
            else:
                raise AssertionError(f"{key} never reached «Оформить возврат (PIN менеджера)»")
        h.press("Return")  # the Refund button: everything that remains goes back
        h.modal(PinDialog)
        h.type(MANAGER[1])
        h.press("Return")
        h.wait_for(lambda: dialog.last_refund is not None, "the refund")
        h.press("Escape")
        h.no_modal()
        h.wait_for(lambda: window.checkout.product_field.hasFocus(), "the checkout to have the keyboard back")
        counts["keys"] = h.keys - keys_before - tabs - len(str(sale)) - len(MANAGER[1])

    journey(script)
    assert query(journey, "SELECT count(*) FROM refunds") == [(1,)]
    # Beyond the sale number and the PIN typed (and the Tab round trips of the check above):
    # F9, Enter (finds the sale; the Refund button takes the cursor), Enter (Refund), Enter (PIN), Esc.
    assert counts == {"keys": 5}


def test_a_failed_print_is_said_in_the_till_and_takes_no_keys_from_the_cashier(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        from app.ui.checkout.pay_dialog import PayDialog

        window = till_ready(h)
        c = window.controller
        (h.home / "receipts").write_text("a file where the receipts folder should be")  # the "printer" fails
        sell(h, window, "4600000000022")
        h.wait_for(window.printer_problem.isVisible, "the printer's problem on screen")
        assert "не напечатан" in h.gui(window.printer_problem.text)
        assert h.gui(QApplication.activeModalWidget) is None
        # The next customer at once: the code typed goes into the basket, F12 pays.
        h.type("4600000000060")
        h.press("Return")
        h.wait_for(lambda: [line.sku for line in c.basket.lines] == ["CRO"], "the croissant typed after the failure")
        h.wait_for(lambda: c.fresh and c.result is not None, "priced")
        h.press("F12")
        h.modal(PayDialog)
        h.press("Escape")
        h.no_modal()
        assert h.gui(window.printer_problem.isVisible), "the problem stays until a receipt prints"
        h.screenshot("print-failed")

    journey(script)


def test_a_mistyped_printer_setting_is_said_in_words_and_stays_until_fixed(journey: JourneyRunner) -> None:
    def first(h: Journey) -> None:
        till_ready(h)

    journey(first)
    settings = journey.home / "settings.ini"
    settings.write_text(settings.read_text().replace("printer=pdf\n", "printer=pdff\n"))

    def again(h: Journey) -> None:
        window = h.main_window()
        log_in(h)  # the shift opened before is still open: no shift dialog
        h.wait_for(lambda: window.controller.cashier == MANAGER[0], "the login")
        h.no_modal()
        h.wait_for(window.printer_problem.isVisible, "the printer setting's problem")
        assert "pdff" in h.gui(window.printer_problem.text) and "не понят" in h.gui(window.printer_problem.text)
        sell(h, window, "4600000000022")
        assert h.gui(window.printer_problem.isVisible)

    journey(again)
    assert not (journey.home / "receipts").exists()


def test_the_wizard_test_print_leaves_no_sale_receipt_in_the_receipts_folder(journey: JourneyRunner) -> None:
    def start(h: Journey) -> None:
        first_start(h, test_print=True)  # Tab to «Пробная печать», Space
        h.main_window(timeout=90)

    journey(start)
    receipts = journey.home / "receipts"
    assert not receipts.exists() or not any(receipts.iterdir()), list(receipts.iterdir())
    assert len(list((journey.home / "test-prints").glob("*.pdf"))) == 1


def test_a_phone_nobody_has_is_carried_into_enrollment_by_f4(journey: JourneyRunner) -> None:
    counts: dict[str, int] = {}

    def script(h: Journey) -> None:
        from app.ui.enroll_dialog import EnrollDialog

        window = till_ready(h)
        c, screen = window.controller, window.checkout
        h.press("F2")
        h.type("+79161234567")
        h.press("Return")
        h.wait_for(lambda: "+79161234567" in screen.status.text() and "F4" in screen.status.text(), "no such phone")
        keys_before = h.keys
        h.press("F4")
        dialog = h.modal(EnrollDialog)
        assert h.gui(dialog.phone.text) == "+79161234567", "the phone typed at the till"
        h.wait_for(dialog.name.hasFocus, "the cursor on the name")
        h.type("Пётр Сидоров")
        h.press("Tab", "Tab", "Space")  # past the birthday (optional) to the consent
        h.press("Return")  # Enroll
        h.wait_for(lambda: dialog.outcome is not None, "the enrollment")
        h.press("Return")  # Done
        h.no_modal()
        h.wait_for(lambda: c.customer is not None and c.customer.name == "Пётр Сидоров", "the new customer attached")
        counts["keys"] = h.keys - keys_before - len("Пётр Сидоров")
        h.wait_for(screen.product_field.hasFocus, "the product field ready for the purchase")

    journey(script)
    assert query(journey, "SELECT phone FROM customers WHERE name = ?", "Пётр Сидоров") == [("+79161234567",)]
    # F4, Tab, Tab, Space (consent), Enter (Enroll), Enter (Done): the phone is not typed twice.
    assert counts == {"keys": 6}


def test_the_status_line_drops_a_stale_error_says_when_no_one_is_found_and_shows_the_coupon(
    journey: JourneyRunner,
) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)
        c, screen = window.controller, window.checkout
        h.scan("4600000000023")  # a misread barcode: its check digit fails
        h.wait_for(lambda: screen.status.property("level") == "error", "the misread barcode refused")
        h.scan("4600000000022")
        h.wait_for(lambda: c.fresh and c.result is not None, "the cappuccino priced")
        h.wait_for(lambda: screen.status.property("level") != "error", "the old error gone after the scan")
        h.press("F2")
        h.type("Шмидт")
        h.wait_for(lambda: "Шмидт" in screen.status.text(), "a word that no one was found")
        h.press("Escape")  # back to the products
        h.scan("4600000000022")
        h.wait_for(lambda: c.fresh and c.result is not None and c.basket.lines[0].qty == 2, "two cappuccinos")
        h.press("F6")
        h.type("WELCOME10")
        h.press("Return")
        h.wait_for(lambda: screen.totals.coupon.isVisible(), "the coupon shown with the sums")
        assert "WELCOME10" in h.gui(screen.totals.coupon.text)
        h.wait_for(lambda: "Шмидт" not in screen.status.text(), "the search's warning gone once the basket moved on")
        h.screenshot("coupon-applied")

    journey(script)


def test_every_till_key_of_the_operator_guide_from_the_real_start(journey: JourneyRunner) -> None:
    """F1–F10, F12, + / − / Del and Esc, as the guide's table lists them (docs/operator-guide.*.md §3)."""

    def script(h: Journey) -> None:
        from app.ui.checkout.free_item_dialog import FreeItemDialog
        from app.ui.checkout.pay_dialog import PayDialog
        from app.ui.checkout.screen import ConfirmDialog
        from app.ui.enroll_dialog import EnrollDialog
        from app.ui.main_window import HelpDialog
        from app.ui.refund_dialog import RefundDialog

        window = till_ready(h)
        c, screen = window.controller, window.checkout
        h.press("F1")  # help: the keys
        h.modal(HelpDialog)
        h.press("Escape")
        h.no_modal()
        h.press("F2")
        h.wait_for(screen.customer_field.hasFocus, "F2: the customer field")
        h.press("F3")
        h.wait_for(screen.product_field.hasFocus, "F3: the product field")
        h.type("капу")  # a product by name
        h.wait_for(lambda: screen.product_field.suggestions().isVisible(), "the product suggestions")
        h.press("Down", "Return")
        h.wait_for(lambda: [line.sku for line in c.basket.lines] == ["CAP"], "the cappuccino picked by name")
        h.press("+", "+", "-")
        h.wait_for(lambda: c.basket.lines[0].qty == 2, "+ + − : two")
        h.press("F5")  # points need a card
        h.wait_for(lambda: "карт" in screen.status.text(), "F5 asks for the card")
        h.press("F7")  # a gift needs a card
        h.wait_for(lambda: "подарка" in screen.status.text(), "F7 asks for the card")
        h.press("F6")
        h.wait_for(screen.extras.coupon.hasFocus, "F6: the coupon field")
        h.press("F3", "F8")  # a free-price item
        h.modal(FreeItemDialog)
        h.type("99,90")
        h.press("Return")
        h.no_modal()
        h.wait_for(lambda: len(c.basket.lines) == 2, "the free-price line")
        h.wait_for(lambda: c.fresh, "priced")
        h.press("Delete")  # the line last touched goes
        h.wait_for(lambda: len(c.basket.lines) == 1, "Del removed the free-price line")
        h.press("F10")  # no camera set up: says where to set one
        h.wait_for(lambda: "камер" in screen.status.text().lower(), "F10 answers")
        h.press("F4")
        h.modal(EnrollDialog)
        h.press("Escape")
        h.no_modal()
        h.press("F9")
        h.modal(RefundDialog)
        h.press("Escape")
        h.no_modal()
        h.wait_for(lambda: c.fresh, "priced")
        h.press("F12")
        h.modal(PayDialog)
        h.press("Escape")  # back to the basket
        h.no_modal()
        h.press("Escape")  # clear the checkout?
        h.modal(ConfirmDialog)
        h.press("Return")  # yes
        h.wait_for(lambda: not c.basket.lines, "Esc cleared the checkout")
        h.wait_for(screen.product_field.hasFocus, "the product field has the keyboard at the end")

    journey(script)


def test_at_1024x768_nothing_is_cut_off_a_wrong_pin_short_cash_and_a_gift_in_the_basket(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        from app.ui.checkout.pay_dialog import PayDialog
        from app.ui.pin_dialog import PinDialog
        from app.ui.refund_dialog import RefundDialog

        window = till_ready(h)
        c = window.controller
        h.scan(card_qr_payload(h.gui(lambda: c.store.secret), richest_card(h)))
        h.wait_for(lambda: c.customer is not None, "the card")
        h.scan("4600000000060")  # a croissant (the card's coffee stamps would make a coffee free)
        h.press("F7")
        h.wait_for(lambda: QApplication.activePopupWidget() is not None, "the gift list")
        h.press("Down", "Return")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.reward_id is not None, "the gift")
        view = window.checkout.basket
        gift_row = h.gui(lambda: window.checkout.model.rowCount() - 1)
        shown = h.gui(lambda: view.model().index(gift_row, 0).data())
        wide = h.gui(lambda: view.fontMetrics().horizontalAdvance(shown) + 12)
        assert h.gui(lambda: view.columnWidth(0)) >= wide, f"the gift's name «{shown}» is cut off"
        h.press("F12")
        pay = h.modal(PayDialog)
        h.type("1")  # one rouble given for a bigger total
        h.wait_for(lambda: "Недостаточно" in " ".join(visible_texts()), "the pay dialog says it is not enough")
        h.nothing_cut_off(pay, "the pay dialog with «Недостаточно…»")
        h.press("Escape")
        h.no_modal()
        sale = sell(h, window, "4600000000060")
        h.press("F9")
        refund = h.modal(RefundDialog)
        h.type(str(sale))
        h.press("Return")
        h.wait_for(refund.confirm.hasFocus, "the sale found")
        h.press("Return")
        pin = h.modal(PinDialog)
        h.type("9999")
        h.press("Return")
        h.wait_for(lambda: pin.status.isVisible(), "the wrong PIN said")
        h.nothing_cut_off(pin, "the PIN keypad after a wrong PIN")

    journey(script)


def test_closing_the_shift_by_keys_from_the_manager_menu(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        from PySide6.QtWidgets import QMenu, QMessageBox

        window = till_ready(h)
        sell(h, window, "4600000000022")
        h.press("Alt+У")  # the «Управляющий» menu, as the guide says
        menu = h.wait_for(lambda: QApplication.activePopupWidget(), "the Manager menu")
        assert isinstance(menu, QMenu)
        for _ in range(12):
            active = h.gui(menu.activeAction)
            if active is not None and h.gui(active.text) == "Смена…":
                break
            h.press("Down")
        else:
            raise AssertionError("no «Смена…» in the Manager menu")
        h.press("Return")
        dialog = h.modal(ShiftDialog)
        h.wait_for(lambda: dialog.close_button.isVisible(), "«Закрыть смену» offered")
        for _ in range(6):
            if h.gui(dialog.close_button.hasFocus):
                break
            h.press("Tab")
        h.press("Space")
        h.modal(QMessageBox)
        h.press("Return")  # yes
        h.wait_for(lambda: "закрыта" in dialog.status.text(), "the shift closed")
        h.nothing_cut_off(dialog, "the shift's final figures")
        h.screenshot("shift-closed")
        h.press("Escape")
        h.no_modal()

    journey(script)
    assert query(journey, "SELECT count(*) FROM shifts WHERE closed_at IS NOT NULL") == [(1,)]
