"""Manager → Settings…: behind a manager's PIN; every saved change is audited, then applied."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.services.staff import Cashier, StaffService
from app.ui import main as app_main
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import _SettingsEntry, install_settings
from app.ui.worker import Worker
from tests.integration.test_staff import FAST


@pytest.fixture
def till(qtbot: QtBot, small_store: Context, db_worker: Worker) -> tuple[MainWindow, SimpleNamespace, Cashier]:
    """The checkout window with the settings installed, a session's parts, and the store's manager."""
    window = MainWindow(small_store, db_worker)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.is_ready)
    staff = StaffService(small_store.engine, FAST)
    manager = staff.create_first_manager("Olga", "2468")
    session = SimpleNamespace(ctx=small_store, worker=db_worker, staff=staff, start_sync=lambda: None)
    install_settings(window, session)
    return window, session, manager


def approve(monkeypatch: pytest.MonkeyPatch, who: Cashier | None) -> None:
    monkeypatch.setattr(_SettingsEntry, "ask_manager", lambda self: who)


def test_the_settings_are_in_the_manager_menu_once(till: tuple[MainWindow, SimpleNamespace, Cashier]) -> None:
    window, session, _ = till
    again = install_settings(window, session)
    texts = [a.text() for a in window.manager_menu.actions()]
    assert texts.count("Settings…") == 1 and again in window.manager_menu.actions()


def test_without_a_manager_pin_the_settings_stay_closed(
    till: tuple[MainWindow, SimpleNamespace, Cashier], monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _, _ = till
    approve(monkeypatch, None)
    install_settings(window, None).trigger()
    entry = window.findChild(_SettingsEntry)
    assert entry is not None and entry.dialog is None


def test_saved_settings_are_audited_under_the_managers_name_then_applied(
    qtbot: QtBot, till: tuple[MainWindow, SimpleNamespace, Cashier], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, session, manager = till
    approve(monkeypatch, manager)
    install_settings(window, session).trigger()
    entry = window.findChild(_SettingsEntry)
    assert entry is not None and entry.dialog is not None
    dialog = entry.dialog
    qtbot.waitUntil(dialog.save.isEnabled)
    dialog.camera.source.setText("1")
    dialog.keep.setValue(30)
    dialog.store_name.setText("Green Bean")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)

    saved = app_main.settings()
    assert (saved.value("camera/source"), saved.value("backup/keep")) == ("1", "30")
    assert window.camera_source == "1"
    assert session.ctx.store.store_details()[0] == "Green Bean"
    audit = [(a.actor, a.action, (a.params or {}).get("key")) for a in session.staff.audit_log()]
    for key in ("camera/source", "backup/keep", "store_name"):
        assert ("Olga", "setting_changed", key) in audit
    assert ("Olga", "setting_changed", "store_address") not in audit  # left as it was: not written, not audited


def test_enrolling_with_a_server_from_the_settings_is_audited_under_the_manager(
    qtbot: QtBot, till: tuple[MainWindow, SimpleNamespace, Cashier], monkeypatch: pytest.MonkeyPatch
) -> None:
    window, session, manager = till

    def chain_server(request: httpx.Request) -> httpx.Response:
        body = {"terminal_id": 3, "token": "t0k3n", "epoch": 1, "card_block": 7, "store": {"name": "Chain #7"}}
        return httpx.Response(200, content=json.dumps(body))

    session.ctx.sync.transport = httpx.MockTransport(chain_server)
    approve(monkeypatch, manager)
    install_settings(window, session).trigger()
    entry = window.findChild(_SettingsEntry)
    assert entry is not None and entry.dialog is not None
    # What the server tab calls with the address and code typed: the enrolment writes its own audit row.
    entry.dialog.server.enroll("https://chain.example", "CODE-1")
    newest = session.staff.audit_log(1)[0]
    assert (newest.actor, newest.action, newest.params) == ("Olga", "server_enrolled", {"url": "https://chain.example"})
    entry.dialog.reject()
