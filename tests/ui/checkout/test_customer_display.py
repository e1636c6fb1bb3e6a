"""The customer display: fed live by the real checkout, readable at common screen sizes, and where its screen is.

Screenshots go to the test's folder; with LOYALTY_SHOTS=docs/screenshots they are retaken there
as docs/screenshots/customer-display-*.png (see docs/customer-display.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.core.services.results import CustomerInfo
from app.ui.checkout.customer_panel import CustomerPanel, tier_progress
from app.ui.customer_display import (
    CustomerDisplay,
    DisplayCustomer,
    DisplayFeed,
    DisplayHost,
    DisplayLine,
    DisplayState,
    pick_screen,
)
from app.ui.main_window import MainWindow
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import priced
from tests.ui.journeys.harness import clipped

ROOT = Path(__file__).resolve().parents[3]
JOIN = "https://loyalty.example.ru/join?store=42"
SIZES = [(1024, 600), (1280, 800), (1920, 1080), (800, 1280)]


def texts(display: CustomerDisplay) -> str:
    """Every visible label's text on the display, one string (no-break spaces as spaces)."""
    labels = display.findChildren(QLabel)
    return plain(" | ".join(label.text() for label in labels if label.isVisibleTo(display) and label.text()))


def plain(text: str) -> str:
    """Text with the narrow and no-break spaces of money and points made plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


# ----------------------------------------------------------------- live, from the real checkout


def test_the_display_follows_the_checkout_basket_total_balance_earn_points_question_and_qr(
    qtbot: QtBot, window: MainWindow, demo_template: Demo
) -> None:
    c = window.controller
    feed = DisplayFeed(c)
    feed.set_join_url(JOIN)
    # The till's own screen chosen (offscreen's has no name of its own): a window beside the till.
    own = FakeScreen("till", QGuiApplication.primaryScreen().geometry())
    host = DisplayHost(feed, enabled=True, screen="till", parent=window, screens=lambda: [own], primary=lambda: own)
    display = host.display
    qtbot.waitUntil(display.isVisible, timeout=2000)
    assert not window.isActiveWindow() or QGuiApplication.focusWindow() is not display.windowHandle()
    # Nobody yet: an invitation to join with the store's link as a QR.
    assert display.qr.isVisibleTo(display) and display.qr.data == JOIN

    c.attach_card(demo_template.rich_card)
    qtbot.waitUntil(lambda: c.customer is not None, timeout=5000)
    c.add_code("CAP")
    c.add_code("CAP")
    c.add_code("CRO")
    qtbot.waitUntil(lambda: priced(window) and c.result is not None and len(c.basket.lines) == 2, timeout=5000)
    qtbot.waitUntil(lambda: bool(feed.state.lines) and not feed.state.pending, timeout=2000)
    info = c.customer
    assert info is not None and c.result is not None
    quote = c.result.quote
    from app.ui import i18n

    shown = texts(display)
    assert "Капучино" in shown and "2 × " in shown, shown
    assert plain(i18n.money(quote.total)) in shown
    assert plain(f"На карте: {i18n.points(info.available)}") in shown, shown
    assert plain(f"Эта покупка принесёт {i18n.points(quote.earned + quote.birthday_points)}") in shown, shown
    assert plain(tier_progress(info).text) in shown  # the same words as the cashier's panel
    assert window.checkout.customer_panel.next_tier.text() == tier_progress(info).text
    assert not display.qr.isVisibleTo(display), "a customer with a card is not asked to join"
    assert not display.question.isVisibleTo(display)

    # The cashier sets points to spend: the customer sees the question and the amount.
    c.set_redeem(100)
    qtbot.waitUntil(lambda: feed.state.redeem_points == 100, timeout=5000)
    assert display.question.isVisibleTo(display)
    assert plain(display.question.text()) == "Списать 100 баллов?"
    assert i18n.money(feed.state.redeem_amount) in display.question_detail.text()

    # Sold: thanks, what was earned and the balance; the next checkout starts clean.
    c.sell("cash")
    qtbot.waitUntil(lambda: feed.state.thanks is not None, timeout=5000)
    assert "Спасибо" in texts(display)
    assert "Начислено" in display.earn.text(), display.earn.text()
    c.add_code("CRO")
    qtbot.waitUntil(lambda: feed.state.thanks is None and bool(feed.state.lines), timeout=5000)
    assert display.qr.isVisibleTo(display), "the next customer, without a card, is invited to join"
    host.close()


# ----------------------------------------------------------------- screenshots at common sizes


def _info(**changes: object) -> CustomerInfo:
    values: dict[str, object] = dict(
        customer_id=1, card="2000000000015", name="Анна Иванова", phone="+79001234567", phone_masked="+7 900 ***-**-67",
        birthday=None, tier="Серебро", tier_spend=1_245_000, next_tier="Золото", to_next_tier=755_000,
        available=1_250, pending=40, expired=0, debt=0, stamps={}, stamps_needed={}, next_expiry_points=0,
        next_expiry_at=None, blocked=False,
    )  # fmt: skip
    values.update(changes)
    return CustomerInfo(**values)  # type: ignore[arg-type]


LINES = (
    DisplayLine("Капучино большой с дополнительной порцией сиропа", 2, 22_000, 39_600),
    DisplayLine("Круассан миндальный", 1, 15_000, 15_000),
    DisplayLine("Чизкейк Нью-Йорк", 1, 28_000, 25_200),
    DisplayLine("Вода минеральная 0,5 л", 3, 9_000, 27_000),
)


def customer_state() -> DisplayState:
    """A card customer with four lines, a discount, points asked to be spent."""
    customer = DisplayCustomer("Анна И.", "Серебро", tier_progress(_info()), 1_250)
    return DisplayState(
        lines=LINES, subtotal=117_000, discount=9_800, redeemed_amount=15_000, total=92_200, earned=92,
        customer=customer, redeem_points=150, redeem_amount=15_000,
    )  # fmt: skip


def anonymous_state() -> DisplayState:
    """No card: the basket and the join QR."""
    return DisplayState(lines=LINES[:3], subtotal=80_000, total=80_000, join_url=JOIN)


@dataclass
class Shot:
    display: CustomerDisplay
    path: Path


def render(qtbot: QtBot, state: DisplayState, size: tuple[int, int], name: str, folder: Path) -> Shot:
    display = CustomerDisplay()
    qtbot.addWidget(display)
    display.show_state(state)
    display.resize(*size)
    display.show()
    qtbot.waitUntil(lambda: display.size().width() == size[0] and display.size().height() == size[1], timeout=2000)
    QApplication.processEvents()
    out = Path(os.environ.get("LOYALTY_SHOTS") or folder)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"customer-display-{name}-{size[0]}x{size[1]}.png"
    assert display.grab().save(str(path))
    return Shot(display, path)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_at_common_screen_sizes_nothing_is_cut_off(qtbot: QtBot, size: tuple[int, int], tmp_path: Path) -> None:
    with_card = render(qtbot, customer_state(), size, "customer", tmp_path)
    display = with_card.display
    assert clipped(display) == []
    shown = texts(display)
    for words in ("Здравствуйте, Анна И.!", "Списать 150 баллов?", "Эта покупка принесёт 92 балла", "На карте: 1 250"):
        assert words in shown, shown
    # Every line of the basket in view (four lines fit everywhere), the due sum whole.
    viewport = display.basket_scroll.viewport()
    for label in display.lines_box.findChildren(QLabel):
        top_left = label.mapTo(viewport, label.rect().topLeft())
        assert viewport.rect().contains(QRect(top_left, label.size())), (label.text(), size)
    assert display.due.width() >= display.due.sizeHint().width()

    anonymous = render(qtbot, anonymous_state(), size, "join", tmp_path)
    assert clipped(anonymous.display) == []
    qr = anonymous.display.qr
    assert qr.isVisibleTo(anonymous.display) and qr.width() >= 120
    assert anonymous.display.rect().contains(QRect(qr.mapTo(anonymous.display, qr.rect().topLeft()), qr.size()))
    # The QR reads back as the join link (what a phone would see).
    assert _decode(anonymous.path) == [JOIN]


def _decode(path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(path))]


def test_english_words_when_the_till_is_in_english(qtbot: QtBot, tmp_path: Path) -> None:
    from app.ui import i18n

    app = QApplication.instance()
    assert app is not None
    i18n.install(app, "en")
    shot = render(qtbot, customer_state(), (1280, 800), "english", tmp_path)
    shown = texts(shot.display)
    assert "Spend 150 points?" in shown and "This purchase earns 92 points" in shown, shown
    assert clipped(shot.display) == []


def test_the_cashier_panel_and_the_display_compute_tier_progress_alike(qtbot: QtBot) -> None:
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    for info in (_info(), _info(next_tier=None, to_next_tier=None)):
        panel.show_customer(info)
        progress = tier_progress(info)
        assert (panel.progress.maximum(), panel.progress.value()) == (progress.maximum, progress.value)
        assert panel.next_tier.text() == progress.text


# ----------------------------------------------------------------- which screen, plugged and unplugged


@dataclass
class FakeScreen:
    """A monitor, as far as placing the display looks at one."""

    label: str
    rect: QRect

    def name(self) -> str:
        return self.label

    def geometry(self) -> QRect:
        return self.rect


TILL = FakeScreen("till", QRect(0, 0, 1024, 768))
HDMI = FakeScreen("HDMI-2", QRect(1024, 0, 1280, 800))


def test_pick_screen_by_name_or_the_first_that_is_not_the_tills() -> None:
    assert pick_screen([TILL, HDMI], TILL, "") is HDMI
    assert pick_screen([TILL], TILL, "") is None
    assert pick_screen([TILL, HDMI], TILL, "HDMI-2") is HDMI
    assert pick_screen([TILL], TILL, "HDMI-2") is None
    assert pick_screen([TILL, HDMI], TILL, "till") is TILL


def test_unplugged_the_display_hides_and_says_so_plugged_back_it_returns(qtbot: QtBot, window: MainWindow) -> None:
    # The offscreen platform cannot plug monitors in at run time: the host's own handlers get
    # stand-in screens (the real two-screen start is test_two_screens_at_start, below).
    plugged = [TILL, HDMI]
    feed = DisplayFeed(window.controller)
    said: list[tuple[str, str]] = []
    host = DisplayHost(
        feed, enabled=True, screen="HDMI-2", parent=window, screens=lambda: list(plugged), primary=lambda: TILL
    )
    host.message.connect(lambda text, level: said.append((text, level)))
    assert host.where == "HDMI-2" and host.display.isVisible() and host.display.isFullScreen()
    assert host.display.geometry() == HDMI.rect

    plugged.remove(HDMI)
    host.screen_removed(HDMI)
    assert host.where is None and not host.display.isVisible()
    assert said[-1][1] == "warn" and "HDMI-2" in said[-1][0]
    window.controller.add_code("CAP")  # the checkout goes on meanwhile
    qtbot.waitUntil(lambda: bool(feed.state.lines), timeout=5000)

    plugged.append(HDMI)
    host.screen_added(HDMI)
    assert host.where == "HDMI-2" and host.display.isVisible() and host.display.isFullScreen()
    assert said[-1][1] == "info" and "HDMI-2" in said[-1][0]
    assert "Капучино" in texts(host.display), "it shows the basket as it is now"

    # Off in the settings (or by F11): hidden; the till's own screen chosen: a window, not full screen.
    host.configure(False, "HDMI-2")
    assert not host.display.isVisible() and not host.action.isChecked()
    host.configure(True, "till")
    assert host.where == "till" and host.display.isVisible() and not host.display.isFullScreen()
    assert TILL.rect.contains(host.display.geometry()) and host.display.width() < TILL.rect.width()
    host.toggle()
    assert not host.display.isVisible()
    host.close()


def test_on_auto_with_one_screen_it_waits_for_a_second_one(qtbot: QtBot, window: MainWindow) -> None:
    plugged = [TILL]
    said: list[str] = []
    feed = DisplayFeed(window.controller)
    host = DisplayHost(feed, enabled=False, parent=window, screens=lambda: list(plugged), primary=lambda: TILL)
    host.message.connect(lambda text, _level: said.append(text))
    host.toggle()  # F11
    assert host.where is None and not host.display.isVisible()
    assert said == ["Нет второго экрана для покупателя: он появится, когда экран подключат"]
    plugged.append(HDMI)
    host.screen_added(HDMI)
    assert host.where == "HDMI-2" and host.display.isFullScreen()
    host.close()


_TWO_SCREENS = """
import json, sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
from PySide6.QtCore import QObject
till = QWidget()
till.show()
till.activateWindow()
app.processEvents()
from app.ui.customer_display import DisplayHost, DisplayFeed
class Feed(QObject):
    from PySide6.QtCore import Signal
    changed = Signal(object)
    from app.ui.customer_display import DisplayState
    state = DisplayState()
host = DisplayHost(Feed(), enabled=True, screen="", parent=till)
app.processEvents()
d = host.display
g = d.geometry()
print(json.dumps({"where": host.where, "full": d.isFullScreen(), "visible": d.isVisible(),
                  "geometry": [g.x(), g.y(), g.width(), g.height()],
                  "screen": d.screen().name(), "primary": app.primaryScreen().name(),
                  "keyboard": app.focusWindow() is till.windowHandle()}))
"""


def test_two_screens_at_start_the_display_goes_full_screen_on_the_second(tmp_path: Path) -> None:
    config = tmp_path / "two.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    # Offscreen lists its screens by name, the first one primary: "DP-1", the till's.
                    {"name": "HDMI-2", "x": 1024, "y": 0, "width": 800, "height": 1280},
                    {"name": "DP-1", "x": 0, "y": 0, "width": 1024, "height": 768},
                ]
            }
        )
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    out = subprocess.run(
        [sys.executable, "-c", _TWO_SCREENS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    placed = json.loads(out.stdout.strip().splitlines()[-1])
    assert placed == {
        "where": "HDMI-2",
        "full": True,
        "visible": True,
        "geometry": [1024, 0, 800, 1280],
        "screen": "HDMI-2",
        "primary": "DP-1",
        "keyboard": True,  # the till keeps the keyboard
    }


# ----------------------------------------------------------------- the start-up wiring and the settings


def test_the_start_wires_it_from_the_settings_and_the_settings_keep_an_unplugged_screen(
    qtbot: QtBot, window: MainWindow, db_worker: object
) -> None:
    from app.core.services.receipts import DEFAULT_JOIN_URL
    from app.core.services.staff import Cashier
    from app.ui import main as app_main
    from app.ui.settings_dialog import SettingsDialog
    from app.ui.settings_store import save_setting, settings

    save_setting("display/enabled", "true")
    save_setting("display/screen", "HDMI-9")  # chosen once, unplugged now
    host = app_main.wire_customer_display(window, window.ctx, window.worker, settings())
    assert host.action in window.manager_menu.actions() and host.action.shortcut().toString() == "F11"
    qtbot.waitUntil(lambda: host.feed.join_url == DEFAULT_JOIN_URL, timeout=5000)  # the receipt's link
    assert (host.enabled, host.chosen, host.where, host.display.isVisible()) == (True, "HDMI-9", None, False)
    # Said at start, in the till's status line.
    assert "HDMI-9" in window.checkout.status.text() and window.checkout.status.property("level") == "warn"

    dialog = SettingsDialog(window, window.ctx, window.worker, Cashier(1, "Ольга", "manager"), settings())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.save.isEnabled, timeout=5000)
    assert dialog.display_on.isChecked()
    assert dialog.display_screen.currentData() == "HDMI-9"
    assert dialog.display_screen.currentText() == "HDMI-9 (не подключён)"
    dialog.display_on.setChecked(False)
    dialog.store_name.setText(dialog.store_name.text() or "Кофейня")  # the demo store has none yet
    dialog.submit()
    qtbot.waitUntil(lambda: not host.enabled or bool(dialog.status.text()), timeout=5000)
    assert not host.enabled, dialog.status.text()
    assert settings().value("display/enabled") == "false"
    assert settings().value("display/screen") == "HDMI-9", "the unplugged screen stays chosen"
    host.toggle()  # F11 shows it anyway: still waiting for HDMI-9
    assert host.enabled and host.where is None and host.action.isChecked()

    window.close()  # the till closing takes the display along
    assert not host.display.isVisible()


def test_shown_while_a_dialog_is_open_the_display_leaves_the_keyboard_with_the_dialog(
    qtbot: QtBot, window: MainWindow
) -> None:
    from PySide6.QtWidgets import QMessageBox

    own = FakeScreen("till", QGuiApplication.primaryScreen().geometry())
    host = DisplayHost(DisplayFeed(window.controller), parent=window, screens=lambda: [own], primary=lambda: own)
    dialog = QMessageBox(QMessageBox.Icon.Question, "?", "?", QMessageBox.StandardButton.Ok, window)
    dialog.open()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle(), timeout=2000)
    host.configure(True, "till")  # e.g. the display's screen plugged in while the cashier answers
    qtbot.waitUntil(lambda: host.display.isVisible(), timeout=2000)
    qtbot.wait(50)  # a platform handing the new window the keyboard does so from its queue
    assert QGuiApplication.focusWindow() is dialog.windowHandle()
    dialog.done(0)
    host.close()
