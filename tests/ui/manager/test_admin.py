"""Administration: manual points, card replacement, blocking, cashiers and the audit log."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.errors import LoyaltyError
from app.core.services.results import SaleRequest
from app.ui import i18n
from app.ui.manager.admin import AdminTab, CashierDialog, NewPinDialog, action_text
from app.ui.manager.widgets import ChooseFolder, Confirm
from app.ui.manager.window import ManagerWindow
from app.ui.pin_dialog import Refused, staff_reason
from tests.ui.manager.conftest import Shop


@pytest.fixture
def admin(qtbot: QtBot, window: ManagerWindow, monkeypatch: pytest.MonkeyPatch) -> AdminTab:
    monkeypatch.setattr(Confirm, "ask", lambda self: True)
    window.tabs.setCurrentWidget(window.admin)
    qtbot.waitUntil(lambda: window.admin.cashiers.rowCount() == 2, timeout=10_000)
    return window.admin


def open_customer(qtbot: QtBot, admin: AdminTab, query: str) -> None:
    admin.query.setText(query)
    admin.find()
    qtbot.waitUntil(lambda: admin.info is not None, timeout=10_000)


def audit(shop: Shop, action: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(shop.ctx.db_path) as conn:
        return conn.execute("SELECT actor, detail FROM audit WHERE action = ?", (action,)).fetchall()


def old_audit_row(shop: Shop, actor: str, action: str, detail: str | dict[str, Any]) -> None:
    """An audit row as written earlier (free text before rows had codes, or a code with given parameters).

    Written by hand: rows are written by the use cases only, each with its change."""
    text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, sort_keys=True)
    with sqlite3.connect(shop.ctx.db_path) as conn:
        at = conn.execute("SELECT coalesce(max(at), 0) + 1 FROM audit").fetchone()[0]
        conn.execute("INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)", (at, actor, action, text))


def test_an_adjustment_changes_the_balance_and_writes_an_audit_row(qtbot: QtBot, admin: AdminTab, shop: Shop) -> None:
    open_customer(qtbot, admin, "Анна")
    assert admin.info is not None
    before = shop.ctx.customers.customer(shop.cards["A"]).available
    admin.points.setValue(150)
    admin.reason.setText("извинение за долгое ожидание")
    admin.adjust()
    qtbot.waitUntil(lambda: admin.info is not None and admin.info.available == before + 150, timeout=10_000)
    assert shop.ctx.customers.customer(shop.cards["A"]).available == before + 150
    [(actor, detail)] = audit(shop, "points_adjusted")
    assert actor == "Ольга" and json.loads(detail)["points"] == 150 and "извинение" in json.loads(detail)["reason"]


def test_an_adjustment_without_a_reason_is_not_sent(qtbot: QtBot, admin: AdminTab, shop: Shop) -> None:
    open_customer(qtbot, admin, "Анна")
    admin.reason.clear()
    admin.adjust()
    assert admin.card_status.isVisible() and not audit(shop, "points_adjusted")


def test_an_adjustment_asks_first_with_the_amount_and_the_balance_after(
    qtbot: QtBot, admin: AdminTab, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def answer(self: Confirm) -> bool:
        asked.append(self.text)
        return False  # the manager thinks again

    monkeypatch.setattr(Confirm, "ask", answer)
    open_customer(qtbot, admin, "Анна")
    assert admin.info is not None
    before = admin.info.available
    admin.points.setValue(25)
    admin.reason.setText("извинение")
    admin.adjust()
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)  # the day's limits are read on the worker first
    [text] = asked
    assert text == (
        f"Начислить {i18n.points(25)} на карту {admin.info.card} (Анна Иванова)?\n"
        f"Баланс сейчас: {i18n.points(before)}. После: {i18n.points(before + 25)}.\n"
        "Причина: извинение"
    )
    assert not audit(shop, "points_adjusted")
    assert shop.ctx.customers.customer(shop.cards["A"]).available == before


def test_the_days_adjustment_limit_warns_in_the_question_and_its_stop_refuses_before_asking(
    qtbot: QtBot, admin: AdminTab, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = dict(shop.ctx.programs.program()[1].raw)
    raw["limits"] = {"adjust_points": {"warn": 10, "stop": 100}}
    shop.ctx.programs.set_program(raw, actor="Ольга")
    asked: list[str] = []
    monkeypatch.setattr(Confirm, "ask", lambda self: asked.append(self.text) or False)
    open_customer(qtbot, admin, "Анна")
    admin.points.setValue(25)
    admin.reason.setText("извинение")
    admin.adjust()
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert "больше 10" in asked[0]  # worded warn_adjust_points, in the question before anything is done
    admin.points.setValue(500)
    admin.adjust()
    qtbot.waitUntil(lambda: "разрешает" in admin.card_status.text(), timeout=10_000)
    assert len(asked) == 1 and not audit(shop, "points_adjusted")


def test_removing_more_than_the_card_has_is_refused_in_words(
    qtbot: QtBot, admin: AdminTab, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(Confirm, "ask", lambda self: asked.append(self.text) or True)
    open_customer(qtbot, admin, "Анна")
    assert admin.info is not None
    before = admin.info.available
    admin.points.setValue(-5000)
    admin.reason.setText("ошибка")
    admin.adjust()
    assert not asked  # refused before asking
    text = admin.card_status.text()
    assert "не может уйти ниже нуля" in text and str(before) in text
    assert not audit(shop, "points_adjusted")
    info = shop.ctx.customers.customer(shop.cards["A"])
    assert info.available == before and info.debt == 0


def test_card_replacement_moves_the_balance_and_shows_the_new_qr(qtbot: QtBot, admin: AdminTab, shop: Shop) -> None:
    old = shop.cards["B"]
    balance = shop.ctx.customers.customer(old).available
    open_customer(qtbot, admin, old)
    admin.replace()
    qtbot.waitUntil(lambda: admin.replaced is not None, timeout=10_000)
    assert admin.replaced is not None
    new = admin.replaced.info.card
    assert new != old and shop.ctx.customers.customer(new).available == balance
    with pytest.raises(LoyaltyError, match="replaced"):
        shop.ctx.customers.customer(old)
    assert admin.qr.pixmap() is not None and not admin.qr.pixmap().isNull()
    assert new in admin.qr_caption.text()
    assert [(a, json.loads(d)) for a, d in audit(shop, "card_replaced")] == [("Ольга", {"old": old, "new": new})]


def test_a_blocked_card_is_refused_at_the_till_until_unblocked(qtbot: QtBot, admin: AdminTab, shop: Shop) -> None:
    card = shop.cards["V"]
    open_customer(qtbot, admin, card)
    admin.toggle_block()
    qtbot.waitUntil(lambda: admin.info is not None and admin.info.blocked, timeout=10_000)
    req = SaleRequest((shop.ctx.catalog.resolve_line("tea", 1, 10000, "tea"),), card=card)
    with pytest.raises(LoyaltyError, match="blocked"):
        shop.ctx.checkout.quote(req)
    admin.toggle_block()
    qtbot.waitUntil(lambda: admin.info is not None and not admin.info.blocked, timeout=10_000)
    assert shop.ctx.checkout.quote(req).quote.total == 10000
    assert [a for a, _ in audit(shop, "card_blocked") + audit(shop, "card_unblocked")] == ["Ольга", "Ольга"]


def test_a_scanned_card_opens_the_customer(qtbot: QtBot, window: ManagerWindow, admin: AdminTab, shop: Shop) -> None:
    window.tabs.setCurrentIndex(0)
    window.scan(shop.cards["F"])
    qtbot.waitUntil(lambda: admin.info is not None, timeout=10_000)
    assert window.tabs.currentWidget() is admin and admin.info is not None and admin.info.name == "Фёдор Павлов"


def test_a_manager_adds_a_cashier(qtbot: QtBot, admin: AdminTab, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CashierDialog, "ask", lambda self: ("Пётр", "5555", "cashier"))
    admin.add_cashier()
    qtbot.waitUntil(lambda: admin.cashiers.rowCount() == 3, timeout=10_000)
    assert shop.staff.login("Пётр", "5555").role == "cashier"
    actor, detail = audit(shop, "cashier_added")[-1]
    assert (actor, json.loads(detail)) == ("Ольга", {"name": "Пётр", "role": "cashier"})


def test_disabling_enabling_new_pin_and_role(
    qtbot: QtBot, admin: AdminTab, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    ivan = next(r for r in range(admin.cashiers.rowCount()) if admin.cashiers.record(r).name == "Иван")
    admin.cashiers_view.selectRow(ivan)
    admin.toggle_active()
    qtbot.waitUntil(
        lambda: admin.selected_cashier() is not None and not admin.selected_cashier().active, timeout=10_000
    )
    admin.toggle_active()
    qtbot.waitUntil(lambda: admin.selected_cashier() is not None and admin.selected_cashier().active, timeout=10_000)
    monkeypatch.setattr(NewPinDialog, "ask", lambda self: "7777")
    admin.reset_pin()
    qtbot.waitUntil(lambda: len(audit(shop, "pin_reset")) == 1, timeout=10_000)
    assert shop.staff.login("Иван", "7777").name == "Иван"
    admin.toggle_role()
    qtbot.waitUntil(
        lambda: admin.selected_cashier() is not None and admin.selected_cashier().is_manager, timeout=10_000
    )


def test_the_last_manager_cannot_be_disabled(qtbot: QtBot, admin: AdminTab) -> None:
    olga = next(r for r in range(admin.cashiers.rowCount()) if admin.cashiers.record(r).name == "Ольга")
    admin.cashiers_view.selectRow(olga)
    admin.toggle_active()
    expected = staff_reason(Refused("last_manager_disable", ""))
    qtbot.waitUntil(lambda: admin.cashier_status.text() == expected, timeout=10_000)
    assert admin.selected_cashier() is not None and admin.selected_cashier().active


def test_the_audit_log_filters_by_action_and_exports_csv(
    qtbot: QtBot, admin: AdminTab, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtmodeltester: object
) -> None:
    old_audit_row(shop, "Ольга", "refund", "refund 1 of sale 11")
    admin.load_audit()
    # The seeded store's own refunds are audited too (each with its refund): wait for this row itself.
    qtbot.waitUntil(lambda: any(r.detail == "refund 1 of sale 11" for r in admin.audit_rows), timeout=10_000)
    refunds = [r for r in shop.staff.audit_log(5000) if r.action == "refund"]
    admin.set_action_filter("refund")  # read again from the database, for that action only
    qtbot.waitUntil(lambda: admin.audit.rowCount() == len(refunds), timeout=10_000)
    assert len(refunds) > 1  # the seeded refund's row and this one
    assert {admin.audit.index(i, 2).data() for i in range(admin.audit.rowCount())} == {action_text("refund")}
    qtmodeltester.check(admin.audit)  # type: ignore[attr-defined]
    monkeypatch.setattr(ChooseFolder, "ask", lambda self: tmp_path)
    admin.export_audit()
    qtbot.waitUntil(lambda: admin.last_export is not None, timeout=10_000)
    with Path(admin.last_export).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert len(rows) == len(refunds) + 1 and rows[1][2:] == ["Ольга", "refund", "refund 1 of sale 11"]


def test_the_admin_models_pass_the_model_tester(qtbot: QtBot, admin: AdminTab, qtmodeltester: object) -> None:
    open_customer(qtbot, admin, "Анна")
    qtmodeltester.check(admin.hits)  # type: ignore[attr-defined]
    qtmodeltester.check(admin.cashiers)  # type: ignore[attr-defined]


def test_the_audit_log_reads_in_russian_and_old_rows_as_written(
    qtbot: QtBot, admin: AdminTab, shop: Shop, qapp: Any
) -> None:
    """Rows are codes and parameters worded by the screen: no «setting_changed», no kopecks, no repr quotes."""
    shop.ctx.store.set_store_details(None, None, actor="Ольга", till_settings=[("printer", "", "pdf58")])
    refund = {
        "refund": 1,
        "sale": 346,
        "cashier": "Ольга",
        "back_kopecks": 54300,
        "taken_points": 12,
        "given_points": 0,
    }
    old_audit_row(shop, "Ольга", "refund", refund)
    old_audit_row(shop, "Ольга", "refund", "refund 1 of sale 11 by Ольга: 100 kopecks back")  # a row from before codes
    admin.load_audit()
    # Ольга's three rows (the seeded store's refunds have their own rows, by "system").
    mine = ("refund", "setting_changed")
    qtbot.waitUntil(lambda: len([r for r in admin.audit_rows if r.actor == "Ольга" and r.action in mine]) == 3)
    shown = {
        (admin.audit.index(row, 2).data(), admin.audit.index(row, 3).data()) for row in range(admin.audit.rowCount())
    }
    assert ("Изменена настройка", "Принтер чеков: «» → «pdf58»") in shown
    worded = next(detail for action, detail in shown if detail.startswith("Возврат № 1 по продаже № 346"))
    assert "543,00" in worded and "kopecks" not in worded and "12" in worded
    assert ("Возврат", "refund 1 of sale 11 by Ольга: 100 kopecks back") in shown  # as it was written
    assert not any(action in ("setting_changed", "refund") for action, _ in shown)
    # The core keeps an English sentence for logs and the CLI.
    row = next(r for r in shop.staff.audit_log() if r.action == "setting_changed")
    assert row.text == "printer: '' -> 'pdf58'"


def _audit_codes_written() -> set[str]:
    """Every action code a use case writes (the literal action argument of each audit call in app/)."""
    import ast

    codes: set[str] = set()
    for path in Path("app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            position = {"write_audit": 3, "_write_audit": 2}.get(name)
            if position is None or len(node.args) <= position:
                continue
            action = node.args[position]
            codes |= {c.value for c in ast.walk(action) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return codes


def test_every_audit_code_a_use_case_writes_is_worded_in_russian_and_english(qapp: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    from app.core import audit as core_audit
    from app.ui.manager.audit_words import ACTIONS, DETAILS

    codes = _audit_codes_written()
    assert {"sale", "customer_enrolled", "refund", "server_enrolled", "setting_changed"} <= codes
    for code in sorted(codes):
        assert code in core_audit.DETAILS, f"{code}: no English sentence for logs and the CLI"
        assert code in ACTIONS and code in DETAILS, f"{code}: the audit screen has no words for it"
        action, detail = str(ACTIONS[code]), str(DETAILS[code])
        assert QCoreApplication.translate("AdminTab", action) != action, f"{code}: action not in Russian"
        if re.search("[A-Za-z]", re.sub(r"\{[^}]*\}", "", detail)):  # words, not only {placeholders}
            assert QCoreApplication.translate("Audit", detail) != detail, f"{code}: detail not in Russian"
