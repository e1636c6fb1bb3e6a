"""Issue 13 in Administration: a staff member's own phone, and the customer's phone setup QR."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from app.ui.manager.admin import AdminTab
from app.ui.manager.window import ManagerWindow
from app.ui.worker import Worker
from tests.ui.manager.conftest import Shop


@pytest.fixture
def admin13(qtbot: QtBot, shop: Shop, db_worker: Worker, report_worker: Worker) -> Iterator[AdminTab]:
    """Administration in a manager window that has the confirmation and fraud services, as the till's has."""
    services = dataclasses.replace(shop.services, confirm=shop.ctx.confirm, fraud=shop.ctx.fraud)
    shown = ManagerWindow(services, db_worker, report_worker=report_worker)
    shown.resize(1280, 800)
    shown.show()
    shown.tabs.setCurrentWidget(shown.admin)
    qtbot.waitUntil(lambda: shown.admin.cashiers.rowCount() == 2, timeout=10_000)
    yield shown.admin
    qtbot.waitUntil(lambda: not db_worker.busy() and not report_worker.busy(), timeout=20_000)
    shown.close()
    shown.deleteLater()
    qtbot.wait(1)


def test_a_staff_members_own_phone_is_kept_and_audited(
    qtbot: QtBot, admin13: AdminTab, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def answer(*args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append(str(kwargs.get("text", "")))
        return "8 (916) 123-45-67", True

    monkeypatch.setattr(QInputDialog, "getText", answer)
    admin13.cashiers_view.selectRow(0)
    name = admin13.selected_cashier().name  # type: ignore[union-attr]
    admin13.phone_button.click()
    qtbot.waitUntil(lambda: shop.staff.staff_phones().get(name) == "+79161234567", timeout=10_000)
    qtbot.waitUntil(lambda: "+79161234567" in admin13.cashier_status.text(), timeout=10_000)
    admin13.phone_button.click()
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=10_000)
    assert asked == ["", "+79161234567"]  # the phone given is offered for editing


def test_the_customers_phone_setup_qr_is_shown_beside_the_card(qtbot: QtBot, admin13: AdminTab, shop: Shop) -> None:
    admin13.query.setText("Анна")
    admin13.find()
    qtbot.waitUntil(lambda: admin13.info is not None, timeout=10_000)
    assert admin13.phone_qr_button.isVisible() and admin13.phone_qr_button.isEnabled()
    admin13.phone_qr_button.click()
    qtbot.waitUntil(lambda: admin13.qr.isVisible() and not admin13.qr.pixmap().isNull(), timeout=10_000)
    assert admin13.info is not None and admin13.info.card in admin13.qr_caption.text()
    assert "аутентификатор" in admin13.card_status.text()
