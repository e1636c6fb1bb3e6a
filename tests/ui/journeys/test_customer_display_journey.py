"""The customer display from the real start, by keys: turned on in Settings, then live through a checkout.

The offscreen platform has one screen ("till", 1024×768), so the manager chooses the till's own
screen: the display is then a window in its corner (never full screen over the checkout). How it
goes full screen on a second monitor, hides when that is unplugged and comes back is in
tests/ui/checkout/test_customer_display.py.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

from app.core.identity import card_qr_payload
from app.ui import i18n
from tests.ui.journeys.harness import Journey, JourneyRunner, clipped, till_ready
from tests.ui.journeys.test_manager_journeys import focus_is, open_settings, tab_to
from tests.ui.journeys.test_till_journeys import richest_card


def shown_on_display(display: QWidget) -> str:
    """The display's visible words, no-break spaces as spaces."""
    labels = display.findChildren(QLabel)
    words = " | ".join(label.text() for label in labels if label.isVisibleTo(display) and label.text())
    return words.replace("\u202f", " ").replace("\xa0", " ")


def plain(text: str) -> str:
    """Narrow and no-break spaces (money, points) as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_the_manager_turns_the_display_on_and_the_customer_sees_the_checkout_live(journey: JourneyRunner) -> None:
    from app.ui.customer_display import DisplayHost

    def script(h: Journey) -> None:
        window = till_ready(h)
        host = h.gui(lambda: window.findChild(DisplayHost))
        assert host is not None and not h.gui(host.display.isVisible), "off until the manager turns it on"

        # Alt+У, down to «Настройки…», Enter, the manager's PIN.
        dialog = open_settings(h)

        # The «Экран покупателя» page: the tab bar, Right to it; Tab, Space on the box; Tab, the arrows to the screen.
        tab_to(h, dialog.tabs.tabBar(), "the settings' pages")
        for _ in range(h.gui(dialog.tabs.count)):
            if h.gui(lambda: dialog.tabs.currentWidget() is dialog.display_on.parentWidget()):
                break
            h.press("Right")
        assert h.gui(lambda: dialog.tabs.tabText(dialog.tabs.currentIndex())) == "Экран покупателя"
        tab_to(h, dialog.display_on, "«Показывать экран покупателя»")
        h.press("Space")
        assert h.gui(dialog.display_on.isChecked)
        tab_to(h, dialog.display_screen, "the screen list")
        till_screen = h.gui(lambda: QGuiApplication.primaryScreen().name())
        for _ in range(h.gui(dialog.display_screen.count)):
            if h.gui(dialog.display_screen.currentData) == till_screen:
                break
            h.press("Down")
        assert h.gui(dialog.display_screen.currentData) == till_screen
        h.nothing_cut_off(dialog, "the customer display's settings")
        h.screenshot("settings-customer-display")
        tab_to(h, dialog.save, "«Сохранить»")
        h.press("Space")
        h.no_modal()
        h.wait_for(lambda: host.display.isVisible(), "the customer display")
        h.wait_for(lambda: focus_is(window.checkout.product_field)(), "the keyboard back in the till")

        # Anonymous: the join QR. Then the card, two items: the basket, the total, the balance, the earn.
        display = host.display
        assert h.gui(lambda: display.qr.isVisible()), h.gui(lambda: shown_on_display(display))
        c = window.controller
        card = richest_card(h)
        h.scan(card_qr_payload(h.gui(lambda: c.store.secret), card))
        h.wait_for(lambda: c.customer is not None and c.customer.card == card, "the card")
        h.scan("4600000000060")  # a croissant, scanned
        h.wait_for(lambda: len(c.basket.lines) == 1, "the croissant")
        # Typed last: each typed key asks the worker for suggestions, and a scanner's burst while the
        # worker is that busy can be split by the shared machine's scheduler (the wedge's 30 ms gap).
        h.type("4600000000022")  # a cappuccino, typed
        h.press("Return")
        h.wait_for(lambda: len(c.basket.lines) == 2 and c.fresh and c.result is not None, "two items priced")
        quote, info = h.gui(lambda: c.result.quote), h.gui(lambda: c.customer)

        def live() -> bool:
            words = shown_on_display(display)
            return all(
                plain(part) in words
                for part in (
                    "Капучино",
                    "Круассан",
                    i18n.money(quote.total),
                    f"На карте: {i18n.points(info.available)}",
                    f"Эта покупка принесёт {i18n.points(quote.earned + quote.birthday_points)}",
                )
            )

        h.wait_for(live, "the basket, total, balance and earn on the customer display")
        assert not h.gui(lambda: display.qr.isVisible()), "a card holder is not asked to join"

        # F5: the most points; the customer sees «Списать N баллов?».
        h.press("F5")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0, "points")
        points = h.gui(lambda: c.result.quote.redeemed_points)
        h.wait_for(
            lambda: (
                plain(display.question.text()) == plain(f"Списать {i18n.points(points)}?")
                and display.question.isVisible()
            ),
            "the points question on the customer display",
        )
        assert h.gui(lambda: clipped(display)) == []
        h.screenshot("customer-display-journey")
        h.gui(lambda: display.grab().save(str(h.screenshots / "customer-display-window.png")))

        # F11 hides it and shows it again (the F3 first: F5 left the cursor in the points field).
        h.press("F3")
        h.press("F11")
        h.wait_for(lambda: not display.isVisible(), "the display hidden by F11")
        h.press("F11")
        h.wait_for(lambda: display.isVisible(), "the display back by F11")
        assert h.gui(focus_is(window.checkout.product_field)), "F11 leaves the keyboard in the till"

    journey(script)
    ini = (journey.home / "settings.ini").read_text(encoding="utf-8")
    assert "enabled=true" in ini and "screen=till" in ini, ini
    with sqlite3.connect(journey.home / "terminal.sqlite3") as db:
        details = [row[0] for row in db.execute("SELECT detail FROM audit WHERE action = 'setting_changed'")]
    assert any("display/enabled" in str(detail) for detail in details), details
