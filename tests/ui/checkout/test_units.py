"""The pieces under the checkout screen: refusal fallbacks, reasons, languages, the wedge, the basket."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.refusals import Refusal
from app.core.services.results import SaleRequest
from app.ui import i18n
from app.ui.checkout.requote import quote_checkout
from app.ui.checkout.state import Basket, free_line
from app.ui.wedge import WedgeFilter
from app.ui.wording import explain
from tests.ui.checkout.conftest import Demo


@pytest.fixture
def russian(qapp: QApplication) -> None:
    i18n.install(qapp, "ru")


def test_an_accepted_request_is_priced_as_is(store: Context) -> None:
    req = SaleRequest(lines=(store.catalog.resolve_line("CHZ", 2),), coupon="WELCOME10")
    priced = quote_checkout(store.checkout, req, "coupon")
    assert priced.result is not None and priced.result.quote.coupon == "WELCOME10"
    assert priced.dropped == () and priced.reason is None


def test_a_refused_coupon_is_dropped_with_the_reason(store: Context) -> None:
    req = SaleRequest(lines=(store.catalog.resolve_line("ESP", 1),), coupon="WELCOME10")
    priced = quote_checkout(store.checkout, req, "coupon")
    assert priced.result is not None and priced.request.coupon is None
    assert priced.dropped == ("coupon",)
    assert priced.reason is not None and "WELCOME10" in priced.reason


def test_too_many_points_are_lowered_to_the_most_allowed(store: Context, demo_template: Demo) -> None:
    req = SaleRequest(lines=(store.catalog.resolve_line("ESP", 1),), card=demo_template.rich_card, redeem=10_000)
    priced = quote_checkout(store.checkout, req, "lines")
    assert priced.result is not None
    assert priced.request.redeem == priced.result.quote.redeemed_points == priced.result.quote.max_points
    assert priced.dropped == ("redeem",)


def test_an_empty_basket_is_refused_with_nothing_to_drop(store: Context) -> None:
    priced = quote_checkout(store.checkout, SaleRequest(lines=()), "lines")
    assert priced.result is None and priced.reason == "the basket is empty"
    assert priced.error is not None and priced.error.code == "basket_empty"


def test_the_same_product_merges_and_free_price_items_do_not() -> None:
    basket = Basket()
    cap = LineIn("CAP", "Капучино", "coffee", 1, 18000)
    assert basket.add(cap) == 0
    assert basket.add(cap) == 0
    assert basket.add(free_line(5000, "bakery", "")) == 1
    assert basket.add(free_line(5000, "bakery", "")) == 2
    assert [line.qty for line in basket.lines] == [2, 1, 1]
    assert basket.lines[1].name == "bakery"


def test_reasons_read_in_russian_with_money_formatted(russian: None) -> None:
    text = explain(LoyaltyError("coupon_min_total", coupon="WELCOME10", min_kopecks=30000))
    assert text == "Купон WELCOME10 действует при покупке от 300,00\u00a0₽ без учёта скидок"
    assert explain(Refusal("redeem_max", {"points": 12})).endswith("12\u00a0баллов")
    # A free-text reason from code with no refusal code yet reads as written, never as a crash.
    assert explain(LoyaltyError("something new")) == "Something new"


def test_english_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch, qapp: QApplication) -> None:
    monkeypatch.setenv("LOYALTY_LANG", "en")
    assert i18n.choose_language("ru") == "en"
    i18n.install(qapp, "en")
    assert QCoreApplication.translate("CheckoutScreen", "Pay (F12)") == "Pay (F12)"
    assert i18n.money(123456) == "RUB\u00a01,234.56"
    i18n.install(qapp, "ru")


def test_russian_is_the_default_and_fully_translated(monkeypatch: pytest.MonkeyPatch, russian: None) -> None:
    monkeypatch.delenv("LOYALTY_LANG", raising=False)
    assert i18n.choose_language(None) == "ru"
    assert QCoreApplication.translate("CheckoutScreen", "Pay (F12)") == "Оплата (F12)"
    assert i18n.money(123456) == "1\u202f234,56\u00a0₽"
    ts = (i18n.TRANSLATIONS / "loyalty_ru.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in ts


class Clock:
    """A clock the test moves by hand (ms)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_wedge_swallows_a_burst_and_emits_one_scan(qtbot: QtBot, qapp: QApplication) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    wedge = WedgeFilter(min_length=6, max_gap_ms=30)
    qapp.installEventFilter(wedge)
    try:
        with qtbot.waitSignal(wedge.scanned) as scanned:
            QTest.keyClicks(field, "4600000000022")
            QTest.keyClick(field, Qt.Key.Key_Return)
    finally:
        qapp.removeEventFilter(wedge)
    assert scanned.args == ["4600000000022"]
    assert field.text() == ""


def test_the_wedge_gives_short_bursts_back_to_the_field(qtbot: QtBot, qapp: QApplication) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    wedge = WedgeFilter(min_length=6, max_gap_ms=30)
    qapp.installEventFilter(wedge)
    try:
        with qtbot.assertNotEmitted(wedge.scanned):
            QTest.keyClicks(field, "12")
            QTest.keyClick(field, Qt.Key.Key_Return)
    finally:
        qapp.removeEventFilter(wedge)
    assert field.text() == "12"


def test_the_wedge_treats_a_pause_as_a_person_typing(qtbot: QtBot, qapp: QApplication) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    clock = Clock()
    wedge = WedgeFilter(min_length=6, max_gap_ms=30, clock=clock)
    qapp.installEventFilter(wedge)
    try:
        with qtbot.assertNotEmitted(wedge.scanned):
            for char in "1234567":
                QTest.keyClick(field, char)
                clock.now += 80  # a person: 80 ms between keys
            QTest.keyClick(field, Qt.Key.Key_Return)
    finally:
        qapp.removeEventFilter(wedge)
    assert field.text() == "1234567"
