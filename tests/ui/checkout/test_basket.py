"""The basket: scanned, searched and free-price lines; quantity, removal, clearing; fresh prices only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.ui.checkout.basket_model import BasketModel
from app.ui.checkout.free_item_dialog import FreeItemDialog
from app.ui.checkout.screen import ConfirmDialog
from app.ui.checkout.state import free_line
from app.ui.main_window import MainWindow
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, priced, scan_with_wedge, type_slowly


def skus(win: MainWindow) -> list[tuple[str, int]]:
    return [(line.sku, line.qty) for line in win.controller.basket.lines]


def test_a_wedge_scan_adds_the_product_and_types_nothing(qtbot: QtBot, window: MainWindow, demo_template: Demo) -> None:
    field = window.checkout.product_field
    scan_with_wedge(demo_template.barcodes["CAP"])
    qtbot.waitUntil(lambda: skus(window) == [("CAP", 1)] and priced(window))
    assert field.text() == ""
    assert window.controller.result is not None
    assert window.controller.result.quote.total == 18000


def test_scanning_the_same_product_again_raises_its_quantity(
    qtbot: QtBot, window: MainWindow, demo_template: Demo
) -> None:
    scan_with_wedge(demo_template.barcodes["CAP"])
    scan_with_wedge(demo_template.barcodes["CAP"])
    qtbot.waitUntil(lambda: skus(window) == [("CAP", 2)] and priced(window))


def test_a_person_typing_is_not_taken_for_a_scan(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.assertNotEmitted(window.wedge.scanned):
        type_slowly("Латте")
    assert window.checkout.product_field.text() == "Латте"


def test_search_and_enter_adds_the_chosen_product(qtbot: QtBot, window: MainWindow) -> None:
    field = window.checkout.product_field
    with qtbot.waitSignal(field.suggestions_shown, check_params_cb=lambda n: n >= 1):
        type_slowly("капуч")
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: skus(window) == [("CAP", 1)] and priced(window))
    assert field.text() == ""


def test_enter_on_a_name_with_one_match_adds_it(qtbot: QtBot, window: MainWindow) -> None:
    type_slowly("круас")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: skus(window) == [("CRO", 1)])


def test_plus_and_minus_change_the_quantity_of_the_last_line(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("LAT")
    qtbot.waitUntil(lambda: skus(window) == [("LAT", 1)])
    for _ in range(3):
        press(Qt.Key.Key_Plus)
    press(Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: skus(window) == [("LAT", 3)] and priced(window))
    assert window.controller.result is not None
    assert window.controller.result.quote.subtotal == 3 * 20000


def test_minus_never_goes_below_one(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("LAT")
    qtbot.waitUntil(lambda: skus(window) == [("LAT", 1)])
    press(Qt.Key.Key_Minus)
    assert skus(window) == [("LAT", 1)]


def test_delete_removes_the_selected_line(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("LAT")
    window.controller.add_code("CRO")
    qtbot.waitUntil(lambda: len(skus(window)) == 2)
    window.checkout.basket.setFocus()
    window.checkout.basket.select_row(0)
    press(Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: skus(window) == [("CRO", 1)] and priced(window))


def test_escape_clears_the_checkout_after_the_cashier_confirms(
    qtbot: QtBot, window: MainWindow, monkeypatch: object
) -> None:
    monkeypatch.setattr(ConfirmDialog, "ask", lambda self: True)  # type: ignore[attr-defined]
    window.controller.add_code("LAT")
    qtbot.waitUntil(lambda: priced(window))
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: skus(window) == [] and window.controller.result is None)
    assert window.checkout.model.rowCount() == 0


def test_escape_keeps_the_checkout_when_the_cashier_says_no(
    qtbot: QtBot, window: MainWindow, monkeypatch: object
) -> None:
    monkeypatch.setattr(ConfirmDialog, "ask", lambda self: False)  # type: ignore[attr-defined]
    window.controller.add_code("LAT")
    qtbot.waitUntil(lambda: priced(window))
    press(Qt.Key.Key_Escape)
    assert skus(window) == [("LAT", 1)]


def test_f8_adds_a_free_price_item_in_its_category(qtbot: QtBot, window: MainWindow, monkeypatch: object) -> None:
    monkeypatch.setattr(FreeItemDialog, "ask", lambda self: free_line(34950, "bakery", "Торт"))  # type: ignore[attr-defined]
    press(Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: priced(window))
    line = window.controller.basket.lines[0]
    assert (line.name, line.category, line.unit_price) == ("Торт", "bakery", 34950)
    assert window.controller.result is not None
    assert window.controller.result.quote.total == 34950


def test_only_the_newest_basket_is_priced_on_screen(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("ESP")
    qtbot.waitUntil(lambda: priced(window))
    for _ in range(10):  # faster than the worker answers
        window.controller.change_qty(0, 1)
    qtbot.waitUntil(lambda: priced(window))
    assert window.controller.result is not None
    assert window.controller.result.quote.lines[0].qty == 11
    assert window.checkout.model.index(0, BasketModel.QTY).data() == "11"


def test_the_basket_model_passes_the_model_tester(qtmodeltester: object, window: MainWindow, qtbot: QtBot) -> None:
    window.controller.add_code("LAT")
    window.controller.add_code("CRO")
    qtbot.waitUntil(lambda: len(skus(window)) == 2 and priced(window))
    qtmodeltester.check(window.checkout.model)  # type: ignore[attr-defined]
