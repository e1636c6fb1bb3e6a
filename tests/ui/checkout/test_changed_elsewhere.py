"""The customer on screen follows changes committed elsewhere (the manager screen, sync), through the core's events."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.ui.main_window import MainWindow
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.test_customer import attached


def _adjust_on_another_thread(store: Context, card: str, points: int) -> None:
    """As the manager screen's worker or the sync thread would: commit off the GUI thread."""
    job = threading.Thread(target=store.customers.adjust_points, args=(card, points, "goodwill", "Ольга"))
    job.start()
    job.join()


def test_points_given_elsewhere_show_on_the_attached_customer(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    window.controller.attach_card(demo_template.rich_card)
    qtbot.waitUntil(lambda: attached(window, demo_template.rich_card))
    info = window.controller.customer
    assert info is not None
    _adjust_on_another_thread(store, demo_template.rich_card, 100)
    qtbot.waitUntil(
        lambda: window.controller.customer is not None and window.controller.customer.available == info.available + 100
    )


def test_a_change_to_another_customer_does_not_reload_the_one_on_screen(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    window.controller.attach_card(demo_template.rich_card)
    qtbot.waitUntil(lambda: attached(window, demo_template.rich_card))
    other = store.customers.find_customers("Сергей")[0]["card"]
    assert other != demo_template.rich_card
    with qtbot.assertNotEmitted(window.controller.customer_changed, wait=300):
        _adjust_on_another_thread(store, other, 100)
