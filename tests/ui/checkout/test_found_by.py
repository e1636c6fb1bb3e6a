"""How the cashier found the customer goes with the sale (issue 13's `confirm` policy): card, QR, phone, name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.identity import card_qr_payload
from app.ui.main_window import MainWindow
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, scan_with_wedge, type_slowly


def found(win: MainWindow, card: str, how: str) -> bool:
    c = win.controller
    return c.customer is not None and c.customer.card == card and c.found_by == how


def test_a_typed_card_is_card_a_scanned_qr_is_qr(qtbot: QtBot, window: MainWindow, demo_template: Demo) -> None:
    press(Qt.Key.Key_F2)
    type_slowly(demo_template.rich_card)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: found(window, demo_template.rich_card, "card"))
    window.controller.detach_customer()
    qr = card_qr_payload(window.controller.store.secret, demo_template.rich_card)  # type: ignore[union-attr]
    scan_with_wedge(qr)
    qtbot.waitUntil(lambda: found(window, demo_template.rich_card, "qr"))


def test_a_typed_phone_or_a_picked_name_needs_the_customer_and_the_card_shown_later_counts(
    qtbot: QtBot, window: MainWindow, store: Context
) -> None:
    card = store.customers.find_customers("5550001")[0]["card"]
    name = store.customers.find_customers("5550001")[0]["name"]
    press(Qt.Key.Key_F2)
    type_slowly(str(store.customers.customer(card).phone))  # the phone as the customer says it
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: found(window, card, "phone"))
    window.controller.detach_customer()
    field = window.checkout.customer_field
    press(Qt.Key.Key_F2)
    with qtbot.waitSignal(field.suggestions_shown):
        type_slowly(name.split()[0])
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.controller.customer is not None)
    assert window.controller.found_by == "name"
    # The same customer's card shown now: the card counts, and the sale is priced again with it.
    window.controller.attach_card(window.controller.customer.card, found_by="card")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.controller.found_by == "card")
