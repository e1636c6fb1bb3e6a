"""The manager's journeys from the real start (`loyalty-terminal` with no arguments), by keys alone.

Each journey starts the program on a fresh data folder (the first-run wizard with the demo café,
the manager's login, the shift), opens the manager screen with Ctrl+M and the manager's PIN, and
does one manager's job with the keyboard: the dashboard and every report page, the PDF and CSV
exports through the real folder dialog, a program edit priced in the preview and activated, a
coupon, the card tools and the points adjustment with its confirmation, cashiers and the audit
log. Every manager shortcut of docs/operator-guide.*.md is pressed: Ctrl+M, Ctrl+1..4, Ctrl+Tab,
Esc; Tab, Shift+Tab, the arrows, Space and Enter move and act.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from tests.ui.journeys.harness import MANAGER, Journey, JourneyFailed, JourneyRunner, key_combination, till_ready


def press_opening(h: Journey, name: str) -> None:
    """A key whose action opens a dialog with exec() (the manager PIN, a confirmation) or closes the
    window it goes to (Esc): delivered from a zero timer, so the script is not held inside the dialog's
    own event loop while the key is handled (Journey.press waits for the key's handling to return)."""
    key, modifiers = key_combination(name)
    text = "\r" if name == "Return" else " " if name == "Space" else ""

    def deliver() -> str | None:
        window = QGuiApplication.focusWindow()
        if window is None or not window.isVisible():
            return f"no window has the keyboard: {name!r} would be lost"

        def send() -> None:
            QTest.sendKeyEvent(QTest.KeyAction.Press, window, key, text, modifiers)
            if shiboken6.isValid(window):  # Esc may have closed the window the key went to
                QTest.sendKeyEvent(QTest.KeyAction.Release, window, key, text, modifiers)

        QTimer.singleShot(0, send)
        return None

    h.log.append(name)
    problem = h.gui(deliver)
    if problem is not None:
        raise JourneyFailed(problem)


def open_manager(h: Journey) -> Any:
    """Ctrl+M at the till, the manager's PIN, Enter: the manager window with its dashboard loaded."""
    from app.ui.manager.window import ManagerWindow
    from app.ui.pin_dialog import PinDialog

    press_opening(h, "Ctrl+M")
    h.modal(PinDialog)
    h.type(MANAGER[1])
    h.press("Return")

    def shown() -> Any:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ManagerWindow) and widget.isVisible():
                return widget
        return None

    window = h.wait_for(shown, "the manager window")
    h.wait_for(lambda: not window.dashboard.loading() and window.dashboard.bundle is not None, "the report", 60)
    return window


def focus_is(widget: Any) -> Callable[[], bool]:
    """A condition: the keyboard is on this widget (or inside it)."""

    def check() -> bool:
        focus = QApplication.focusWidget()
        while focus is not None:
            if focus is widget:
                return True
            focus = focus.parentWidget()
        return False

    return check


def tab_to(h: Journey, widget: Any, what: str, key: str = "Tab", limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the keyboard is on widget, as a person moving through a form."""
    for _ in range(limit):
        if h.gui(focus_is(widget)):
            return
        h.press(key)
    raise JourneyFailed(f"{what} was not reached with {key} in {limit} presses")


def query(home: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the store's file beside the running program (a second reader, as any support tool)."""
    with sqlite3.connect(home / "terminal.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def choose_folder(h: Journey, folder: Path) -> None:
    """The real «choose a folder» dialog, by keys: the folder's path pasted (Ctrl+V) into its name field, Enter.

    Pasted rather than typed: typing a path opens the dialog's completer popup, whose window the
    offscreen platform reports as not visible, so Journey.type would refuse the next key."""
    from PySide6.QtWidgets import QFileDialog

    dialog = h.modal(QFileDialog)
    h.wait_for(lambda: dialog.isVisible(), "the folder dialog")
    h.gui(lambda: QApplication.clipboard().setText(str(folder)))
    h.press("Ctrl+A")
    h.press("Ctrl+V")
    for _ in range(3):  # Enter takes the completion first when its list is open, then the folder
        if not h.gui(lambda: shiboken6.isValid(dialog) and dialog.isVisible()):
            break
        key_to_focus(h, "Return")
        h.wait_for(lambda: True, "a moment")
    h.wait_for(lambda: not (shiboken6.isValid(dialog) and dialog.isVisible()), "the folder dialog to close")


def key_to_focus(h: Journey, name: str) -> None:
    """A key straight to the widget with the keyboard (a popup list included)."""
    key, modifiers = key_combination(name)
    text = "\r" if name == "Return" else ""

    def send() -> None:
        target = QApplication.activePopupWidget() or QApplication.focusWidget()
        if target is None:
            raise JourneyFailed(f"no widget has the keyboard for {name!r}")
        QTest.sendKeyEvent(QTest.KeyAction.Press, target, key, text, modifiers)
        if shiboken6.isValid(target):
            QTest.sendKeyEvent(QTest.KeyAction.Release, target, key, text, modifiers)

    h.log.append(name)
    h.gui(lambda: QTimer.singleShot(0, send))


def menu_item(h: Journey, text: str) -> None:
    """Alt+У (the «Управляющий» menu), the arrows to the item, Enter."""
    press_opening(h, "Alt+У")
    menu = h.wait_for(lambda: QApplication.activePopupWidget(), "the Manager menu")
    assert isinstance(menu, QMenu)
    for _ in range(len(h.gui(lambda: menu.actions())) + 1):
        active = h.gui(lambda: menu.activeAction().text() if menu.activeAction() is not None else "")
        if active == text:
            break
        key_to_focus(h, "Down")
        h.wait_for(lambda: True, "a moment")
    else:
        raise JourneyFailed(f"no «{text}» in the Manager menu")
    key_to_focus(h, "Return")


def open_settings(h: Journey) -> Any:
    """Manager › «Настройки…», the manager's PIN: the settings."""
    from app.ui.pin_dialog import PinDialog
    from app.ui.settings_dialog import SettingsDialog

    menu_item(h, "Настройки…")
    h.modal(PinDialog)
    h.type(MANAGER[1])
    press_opening(h, "Return")
    return h.modal(SettingsDialog)


# ----------------------------------------------------------------------------- the journeys


def test_the_dashboard_says_whether_the_program_pays_and_every_report_page_reads(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        till_ready(h)
        window = open_manager(h)
        d = window.dashboard
        # The keyboard starts on the tabs, not on «Close».
        assert h.gui(focus_is(window.tabs.tabBar()))
        verdict = h.gui(lambda: d.payback.verdict.text())
        assert verdict.startswith("Программа окупается") or verdict.startswith("Программа не окупается"), verdict
        assert h.gui(lambda: d.payback.cost.text()).startswith("Стоимость ")
        assert "Итог = сверх − стоимость" in h.gui(lambda: d.payback.formula.text())
        h.screenshot("manager-dashboard")
        # Another period from the keyboard: the preset list, Down to «Этот месяц», and back.
        tab_to(h, d.preset, "the period")
        before = h.gui(lambda: d.generation)
        h.press("Down")
        h.wait_for(lambda: d.preset.currentData() == "month", "«This month»")
        h.wait_for(lambda: d.generation > before and not d.loading(), "the month's report", 60)
        h.press("Up")
        h.wait_for(lambda: d.preset.currentData() == "30d" and not d.loading(), "30 days again", 60)
        # Every page of the report: Tab to its tabs, then the arrows.
        tab_to(h, d.pages.tabBar(), "the report's pages")
        titles = []
        visible = h.gui(lambda: sum(d.pages.isTabVisible(i) for i in range(d.pages.count())))
        for _ in range(visible - 1):
            h.press("Right")
            titles.append(h.gui(lambda: d.pages.tabText(d.pages.currentIndex())))
        assert titles == ["Продажи", "Покупатели", "Сегменты", "Баллы", "Купоны и подарки", "Ценность (CLV)"]
        for key in ("sales", "cashiers", "customers", "tiers", "segments", "points", "stamps", "lifetime"):
            assert h.gui(lambda key=key: d.reports.blocks[key].model.rowCount()) > 0, key
        h.screenshot("manager-lifetime")
        # Left goes back a page; inside the report Ctrl+Tab and Ctrl+Shift+Tab turn its pages.
        h.press("Left")
        h.wait_for(lambda: d.pages.tabText(d.pages.currentIndex()) == "Купоны и подарки", "Left to the coupons page")
        h.press("Tab")
        h.press("Ctrl+Tab")
        h.wait_for(lambda: d.pages.tabText(d.pages.currentIndex()) == "Ценность (CLV)", "Ctrl+Tab to the CLV page")
        h.press("Ctrl+Tab")
        h.wait_for(lambda: d.pages.currentIndex() == 0, "Ctrl+Tab round to the overview")
        h.press("Ctrl+Shift+Tab")
        h.wait_for(lambda: d.pages.tabText(d.pages.currentIndex()) == "Ценность (CLV)", "Ctrl+Shift+Tab back")
        # Ctrl+1..4 the screen's tabs; Esc closes it and the till has the keys again.
        for number, tab in ((2, "program"), (3, "coupons"), (4, "admin"), (1, "dashboard")):
            h.press(f"Ctrl+{number}")
            h.wait_for(lambda tab=tab: window.tabs.currentWidget().objectName() == tab or
                       window.tabs.currentWidget() is window._built.get(tab), f"Ctrl+{number}")  # fmt: skip
        press_opening(h, "Escape")
        h.wait_for(lambda: not shiboken6.isValid(window) or not window.isVisible(), "Esc to close the manager screen")
        till = h.main_window()
        h.focused(type(till), "the till to have the keyboard again")
        h.press("F2")
        h.wait_for(lambda: till.checkout.customer_field.hasFocus(), "F2 at the till after the manager screen")

    journey(script)


def test_the_report_is_saved_as_pdf_and_csv_through_the_folder_dialog(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        till_ready(h)
        window = open_manager(h)
        d = window.dashboard
        folder = h.home / "exports"
        folder.mkdir()
        tab_to(h, d.pdf, "«PDF…»")
        press_opening(h, "Space")
        choose_folder(h, folder)
        h.wait_for(lambda: d.last_export is not None and any(folder.glob("*.pdf")), "the PDF", 60)
        tab_to(h, d.csv, "«CSV…»")
        press_opening(h, "Space")
        choose_folder(h, folder)
        h.wait_for(lambda: any(folder.glob("*/payback.csv")), "the CSV files", 60)
        assert "Сохранено" in h.gui(lambda: d.status.text())

    journey(script)
    pdf = next((journey.home / "exports").glob("*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF")
    csvs = {p.name for p in next((journey.home / "exports").glob("*/")).iterdir()}
    assert {"summary.csv", "payback.csv", "coupons.csv"} <= csvs


def confirm_with_enter(h: Journey) -> None:
    """The confirmation box the last key opened: Enter answers «Yes»."""
    from PySide6.QtWidgets import QMessageBox

    box = h.modal(QMessageBox)
    h.wait_for(lambda: box.isVisible(), "the question")
    key_to_focus(h, "Return")
    h.wait_for(lambda: not (shiboken6.isValid(box) and box.isVisible()), "the question to be answered")


def test_a_program_edit_is_priced_in_the_preview_and_activated(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        till_ready(h)
        window = open_manager(h)
        h.press("Ctrl+2")
        editor = window.program
        h.wait_for(lambda: editor.state is not None and editor.preview.model.rowCount() >= 8, "the program editor")
        # A point worth 2 ₽ instead of 1 ₽: the sample sale earns half the points.
        tab_to(h, editor.form.point_value, "«One point is worth, ₽»")
        h.press("Ctrl+A")
        h.type("2")

        def earned() -> tuple[int, int] | None:
            now, new = editor.preview.results
            if now.quote is None or new.quote is None or now.quote.earned == new.quote.earned:
                return None
            return now.quote.earned, new.quote.earned

        before, after = h.wait_for(earned, "the preview to price the edit")
        assert after == before // 2
        names = h.gui(lambda: [editor.preview.model.index(r, 0).data() for r in range(editor.preview.model.rowCount())])
        assert "Начислится баллов" in names and "Начислится штампов" in names
        h.screenshot("manager-program-preview")
        tab_to(h, editor.activate_button, "«Activate as a new version»", key="Shift+Tab")
        press_opening(h, "Space")
        confirm_with_enter(h)
        h.wait_for(lambda: "сохранена" in editor.status.text() or "saved" in editor.status.text(), "the new version")

    journey(script)
    rows = query(journey.home, "SELECT body FROM programs ORDER BY version")
    assert len(rows) >= 2 and '"point_value": 200' in rows[-1][0].replace(" ", " ")


def test_a_coupon_code_is_made_and_joins_the_program(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        till_ready(h)
        window = open_manager(h)
        h.press("Ctrl+3")
        tab = window.coupons
        h.wait_for(lambda: tab.program_model.rowCount() > 0, "the program's coupons")
        tab_to(h, tab.code, "the code")
        h.type("OSEN15")
        tab_to(h, tab.value, "the size")
        h.press("Ctrl+A")
        h.type("15")
        tab_to(h, tab.create_button, "«Create the codes»")
        h.press("Space")
        h.wait_for(
            lambda: "OSEN15" in [tab.program_model.rows[r].code for r in range(tab.program_model.rowCount())],
            "OSEN15 among the program's coupons",
        )
        h.screenshot("manager-coupons")

    journey(script)
    body = query(journey.home, "SELECT body FROM programs ORDER BY version DESC LIMIT 1")[0][0]
    assert "OSEN15" in body


def test_card_tools_points_cashiers_and_the_audit_log(journey: JourneyRunner) -> None:
    from tests.ui.journeys.test_till_journeys import card_of

    state: dict[str, Any] = {}

    def script(h: Journey) -> None:
        till_ready(h)
        window = open_manager(h)
        h.press("Ctrl+4")
        admin = window.admin
        tab_to(h, admin.query, "the search field")
        h.type("Анна")
        h.press("Return")
        h.wait_for(lambda: admin.hits.rowCount() > 0, "Анна in the list")
        tab_to(h, admin.hits_view, "the list")
        h.press("Down")
        h.wait_for(lambda: admin.info is not None, "Анна's card")
        name = h.gui(lambda: admin.info.name)
        before = h.gui(lambda: admin.info.available)
        # Removing more than the card holds: refused in words, nothing asked, nothing written.
        tab_to(h, admin.points, "the points")
        h.press("Ctrl+A")
        h.type(f"-{before + 5000}")
        tab_to(h, admin.reason, "the reason")
        h.type("ошибка кассира")
        tab_to(h, admin.adjust_button, "«Add or remove points»")
        h.press("Space")
        h.wait_for(lambda: "ниже нуля" in admin.card_status.text(), "the refusal")
        assert h.gui(lambda: QApplication.activeModalWidget()) is window
        # 25 points added: asked first with the amount and the balance after.
        tab_to(h, admin.points, "the points", key="Shift+Tab")
        h.press("Ctrl+A")
        h.type("25")
        tab_to(h, admin.adjust_button, "«Add or remove points»")
        press_opening(h, "Space")
        from PySide6.QtWidgets import QMessageBox

        box = h.modal(QMessageBox)
        text = h.gui(lambda: box.text())
        assert text.startswith("Начислить 25") and f"После: {before + 25}" in text.replace("\u202f", ""), text
        confirm_with_enter(h)
        h.wait_for(lambda: admin.info is not None and admin.info.available == before + 25, "the new balance")
        # A lost card replaced (the next free number) and the new card blocked.
        tab_to(h, admin.replace_button, "«Replace a lost card»")
        press_opening(h, "Space")
        confirm_with_enter(h)
        h.wait_for(lambda: admin.replaced is not None, "the new card")
        state["new_card"] = h.gui(lambda: admin.replaced.info.card)
        tab_to(h, admin.block_button, "«Block the card»")
        press_opening(h, "Space")
        confirm_with_enter(h)
        h.wait_for(lambda: admin.info is not None and admin.info.blocked, "the card blocked")
        # A new cashier: the tab bar of Administration, Right to «Cashiers», «Add…».
        tab_to(h, admin.tabBar(), "Administration's pages", key="Shift+Tab")
        h.press("Right")
        h.wait_for(lambda: admin.currentIndex() == 1, "the cashiers page")
        h.wait_for(lambda: admin.cashiers.rowCount() >= 1, "the cashiers")
        count = h.gui(lambda: admin.cashiers.rowCount())
        add = h.gui(lambda: next(b for b in admin.currentWidget().findChildren(QPushButton) if b.text() == "Добавить…"))
        tab_to(h, add, "«Add…»")
        press_opening(h, "Space")
        from app.ui.manager.admin import CashierDialog

        h.modal(CashierDialog)
        h.type("Пётр")
        h.press("Tab")
        h.type("5678")
        h.press("Tab")
        h.type("5678")
        key_to_focus(h, "Return")
        h.wait_for(lambda: admin.cashiers.rowCount() == count + 1, "Пётр on the staff list")
        # The audit log shows what was done.
        tab_to(h, admin.tabBar(), "Administration's pages", key="Shift+Tab")
        h.press("Right")
        h.wait_for(lambda: admin.currentIndex() == 2 and admin.audit.rowCount() >= 4, "the audit log")
        h.screenshot("manager-audit")
        assert card_of(h, name) == state["new_card"]

    journey(script)
    actions = {a for (a,) in query(journey.home, "SELECT action FROM audit")}
    assert {"points_adjusted", "card_replaced", "card_blocked"} <= actions
    assert query(journey.home, "SELECT name, role FROM cashiers WHERE name = 'Пётр'") == [("Пётр", "cashier")]
    card = state["new_card"]
    blocked = query(
        journey.home, "SELECT c.blocked FROM customers c JOIN cards k ON k.customer_id = c.id WHERE k.code = ?", card
    )
    assert blocked == [(1,)]


def test_settings_a_backup_and_its_restore_from_the_managers_menu(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        till_ready(h)
        # Alt+У opens the «Управляющий» menu; the arrows walk it to «Настройки…», Enter; the manager's PIN.
        dialog = open_settings(h)
        # The «Backups» page: the tab bar, Right to it, then «Back up now».
        tab_to(h, dialog.tabs.tabBar(), "the settings' pages")
        for _ in range(h.gui(lambda: dialog.tabs.count())):
            if h.gui(lambda: dialog.tabs.currentWidget() is dialog.backup_now.parentWidget()):
                break
            h.press("Right")
        assert h.gui(lambda: dialog.tabs.tabText(dialog.tabs.currentIndex())) == "Резервные копии"
        tab_to(h, dialog.backup_now, "«Back up now»")
        h.press("Space")
        h.wait_for(lambda: any((h.home / "backups").glob("*.sqlite3")), "a backup file", 60)
        h.screenshot("settings-backups")
        press_opening(h, "Escape")
        h.no_modal()

    journey(script)
    assert list((journey.home / "backups").glob("*.sqlite3"))
    assert not list((journey.home / "backups").glob("*.partial-*"))
    customers = query(journey.home, "SELECT count(*) FROM customers")

    # The first run's windows go, as they would with the process.
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    # The store's file lost (a disk replaced): the next start offers the newest backup; Enter restores it.
    for name in ("terminal.sqlite3", "terminal.sqlite3-wal", "terminal.sqlite3-shm"):
        (journey.home / name).unlink(missing_ok=True)

    def restore(h: Journey) -> None:
        from app.ui.startup import MissingStoreDialog

        h.modal(MissingStoreDialog, timeout=60)
        key_to_focus(h, "Return")  # «Restore the newest backup» is the default
        window = h.main_window(timeout=90)
        from tests.ui.journeys.harness import log_in

        log_in(h)
        assert h.gui(lambda: window.isVisible())

    journey(restore)
    assert query(journey.home, "SELECT count(*) FROM customers") == customers
