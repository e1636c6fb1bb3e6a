"""The customer: typed card, phone type-ahead, points, coupon refusals, gifts and enrollment."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.services.results import EnrollResult
from app.ui import i18n
from app.ui.checkout.customer_panel import stamp_dots
from app.ui.enroll_dialog import EnrollDialog, parse_birthday
from app.ui.main_window import MainWindow
from app.ui.worker import Worker
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, priced, type_slowly


def attached(win: MainWindow, card: str) -> bool:
    info = win.checkout.customer_panel.info
    return info is not None and info.card == card and win.controller.customer is not None


def test_a_typed_card_number_attaches_the_customer(qtbot: QtBot, window: MainWindow, demo_template: Demo) -> None:
    press(Qt.Key.Key_F2)
    assert window.checkout.customer_field.hasFocus()
    type_slowly(demo_template.rich_card)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: attached(window, demo_template.rich_card))
    panel = window.checkout.customer_panel
    assert panel.name.text() == "Анна Иванова"
    # Worded as the panel words it: 1 239 has a thin space in Russian, so a bare str() fails past 999.
    assert panel.available.text() == i18n.points(window.controller.customer.available)  # type: ignore[union-attr]
    assert window.checkout.product_field.hasFocus()  # back to scanning products


def test_phone_type_ahead_shows_masked_phones_and_attaches_the_pick(
    qtbot: QtBot, window: MainWindow, store: Context
) -> None:
    field = window.checkout.customer_field
    press(Qt.Key.Key_F2)
    with qtbot.waitSignal(field.suggestions_shown, check_params_cb=lambda n: n == 1):
        type_slowly("5550001")
    shown = field.suggestions().item(0).text()
    assert "+•••••••0001" in shown and "5550001" not in shown
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    card = store.customers.find_customers("5550001")[0]["card"]
    qtbot.waitUntil(lambda: attached(window, card))


def test_type_ahead_drops_answers_older_than_the_newest_keystroke(qtbot: QtBot, window: MainWindow) -> None:
    field = window.checkout.customer_field
    field.setText("Анна")
    field.search_now()
    field.setText("Серг")
    with qtbot.waitSignal(field.suggestions_shown):
        field.search_now()
    assert field.dropped == 1
    assert "Сергей" in field.suggestions().item(0).text()
    assert all("Анна" not in field.suggestions().item(i).text() for i in range(field.suggestions().count()))


def test_the_customer_panel_shows_tier_progress_points_and_stamps(
    qtbot: QtBot, window: MainWindow, demo_template: Demo
) -> None:
    window.controller.attach_card(demo_template.rich_card)
    qtbot.waitUntil(lambda: attached(window, demo_template.rich_card))
    info = window.controller.customer
    assert info is not None
    panel = window.checkout.customer_panel
    assert info.tier in panel.tier.text()
    if info.next_tier is not None:
        assert panel.progress.value() == info.tier_spend // 100
        assert info.next_tier in panel.next_tier.text()
    rule = next(iter(info.stamps))  # the demo's stamp card, named in the store's language
    assert panel.stamps.text().endswith(f"{info.stamps[rule]}/5") or "(" in panel.stamps.text()
    assert stamp_dots(3, 5) == "●●●○○ 3/5"


def test_f5_redeems_the_most_points_the_basket_allows(qtbot: QtBot, window: MainWindow, demo_template: Demo) -> None:
    window.controller.attach_card(demo_template.rich_card)
    window.controller.add_code("RAF")
    qtbot.waitUntil(lambda: window.controller.customer is not None and priced(window))
    press(Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: priced(window) and window.controller.result.quote.redeemed_points > 0)  # type: ignore[union-attr]
    quote = window.controller.result.quote  # type: ignore[union-attr]
    # 30% of what is left after the tier discount, one point per rouble.
    assert quote.redeemed_points == quote.max_points == (24000 - quote.discount) * 30 // 100 // 100
    assert window.checkout.extras.points.value() == quote.redeemed_points
    assert window.checkout.extras.points.maximum() == quote.max_points
    assert window.checkout.extras.points.hasFocus()  # type fewer points over it


def test_a_refused_coupon_says_why_and_changes_nothing(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("ESP")  # 120 ₽: below the coupon's 300 ₽ minimum
    qtbot.waitUntil(lambda: priced(window))
    before = window.controller.result.quote.total  # type: ignore[union-attr]
    press(Qt.Key.Key_F6)
    type_slowly("welcome10")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "WELCOME10" in window.checkout.status.text() and priced(window))
    text = window.checkout.status.text()
    assert "300,00" in text and "Traceback" not in text and "kopecks" not in text
    assert window.checkout.status.property("level") == "warn"
    assert window.controller.basket.coupon is None
    assert window.controller.result.quote.total == before  # type: ignore[union-attr]
    assert window.controller.result.quote.coupon is None  # type: ignore[union-attr]


def test_a_coupon_that_fits_lowers_the_total(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("CHZ")
    window.controller.add_code("CHZ")
    qtbot.waitUntil(lambda: priced(window))
    window.controller.set_coupon("WELCOME10")
    qtbot.waitUntil(lambda: priced(window))
    assert window.controller.result.quote.coupon == "WELCOME10"  # type: ignore[union-attr]
    assert window.controller.result.quote.total == 58000 - 5800  # type: ignore[union-attr]


def test_removing_lines_drops_a_coupon_that_no_longer_fits(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_code("CHZ")
    window.controller.add_code("ESP")
    qtbot.waitUntil(lambda: priced(window))
    window.controller.set_coupon("WELCOME10")
    qtbot.waitUntil(lambda: priced(window))
    window.controller.remove(0)
    qtbot.waitUntil(lambda: priced(window) and window.controller.basket.coupon is None)
    assert [line.sku for line in window.controller.basket.lines] == ["ESP"]
    assert "WELCOME10" in window.checkout.status.text()


def test_f7_gift_is_given_for_points(qtbot: QtBot, window: MainWindow, demo_template: Demo) -> None:
    window.controller.attach_card(demo_template.rich_card)
    window.controller.add_code("ESP")
    qtbot.waitUntil(lambda: window.controller.customer is not None and priced(window))
    window.checkout.extras.gift.setCurrentIndex(1)
    window.checkout.extras.gift.activated.emit(1)
    qtbot.waitUntil(lambda: priced(window) and window.controller.result.quote.reward_points == 80)  # type: ignore[union-attr]
    assert window.checkout.model.rowCount() == 2  # the gift line


def test_enrollment_needs_consent(qtbot: QtBot, store: Context, db_worker: Worker) -> None:
    dialog = EnrollDialog(store.customers, db_worker, actor="Ирина")
    qtbot.addWidget(dialog)
    dialog.phone.setText("+7 903 111-22-33")
    dialog.name.setText("Пётр Сидоров")
    assert not dialog.submit.isEnabled()
    dialog.try_enroll()
    assert "согласие" in dialog.error.text()
    assert store.customers.find_customers("Пётр") == []


def test_enrollment_with_consent_shows_the_new_cards_qr(qtbot: QtBot, store: Context, db_worker: Worker) -> None:
    dialog = EnrollDialog(store.customers, db_worker, actor="Ирина")
    qtbot.addWidget(dialog)
    dialog.phone.setText("+7 903 111-22-33")
    dialog.name.setText("Пётр Сидоров")
    dialog.birthday.setText("05.07.1990")
    dialog.consent.setChecked(True)
    assert dialog.submit.isEnabled()
    with qtbot.waitSignal(dialog.enrolled) as signal:
        dialog.submit.click()
    result: EnrollResult = signal.args[0]
    assert not dialog.qr.pixmap().isNull()
    assert result.card in dialog.done_title.text()
    info = store.customers.customer(result.card)
    assert (info.name, info.birthday) == ("Пётр Сидоров", "1990-07-05")
    audit = store.staff.audit_log(1)[0]  # written with the enrolment, under the cashier who enrolled
    assert (audit.actor, audit.action, (audit.params or {}).get("card")) == ("Ирина", "customer_enrolled", result.card)


def test_an_enrollment_refusal_is_shown_in_the_dialog(qtbot: QtBot, store: Context, db_worker: Worker) -> None:
    dialog = EnrollDialog(store.customers, db_worker, actor="Ирина")
    qtbot.addWidget(dialog)
    dialog.phone.setText("+7 916 555-00-00")  # the demo's first customer has it
    dialog.name.setText("Двойник")
    dialog.consent.setChecked(True)
    dialog.submit.click()
    qtbot.waitUntil(lambda: "уже зарегистрирован" in dialog.error.text())
    assert dialog.outcome is None


def test_f4_enrolls_and_attaches_the_new_customer(qtbot: QtBot, window: MainWindow, monkeypatch: object) -> None:
    def fill_and_submit(self: EnrollDialog) -> EnrollResult | None:
        self.phone.setText("+7 903 444-55-66")
        self.name.setText("Вера Новикова")
        self.consent.setChecked(True)
        self.try_enroll()
        qtbot.waitUntil(lambda: self.outcome is not None)
        return self.outcome

    monkeypatch.setattr(EnrollDialog, "ask", fill_and_submit)  # type: ignore[attr-defined]
    window.set_cashier("Ирина", "cashier")
    press(Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.checkout.customer_panel.info is not None)
    assert window.checkout.customer_panel.name.text() == "Вера Новикова"
    audit = window.ctx.staff.audit_log(1)[0]
    assert (audit.actor, audit.action) == ("Ирина", "customer_enrolled")


def test_birthdays_are_read_in_the_russian_way() -> None:
    assert parse_birthday("5.7.1990") == "1990-07-05"
    assert parse_birthday("1990-07-05") == "1990-07-05"
    assert parse_birthday(" ") is None
