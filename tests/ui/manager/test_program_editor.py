"""The program editor: validation by field, activation as a new version, the preview, templates, history."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import QDateTime
from pytestqt.qtbot import QtBot

from app.core.demo import DEMO_PROGRAM
from app.core.errors import ProgramError
from app.core.program import parse_program
from app.core.services.results import SaleRequest
from app.core.templates import TEMPLATES
from app.ui.manager.program_editor import ProgramEditor
from app.ui.manager.program_errors import explain
from app.ui.manager.program_form import ProgramForm
from app.ui.manager.widgets import Confirm
from app.ui.manager.window import ManagerWindow
from tests.integration.test_reports import CLOCK, MSK, PROGRAM
from tests.ui.manager.conftest import Shop, tr


@pytest.fixture
def editor(qtbot: QtBot, window: ManagerWindow) -> ProgramEditor:
    window.tabs.setCurrentWidget(window.program)
    qtbot.waitUntil(lambda: window.program.state is not None, timeout=10_000)
    return window.program


@pytest.fixture
def yes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every confirmation answered yes."""
    monkeypatch.setattr(Confirm, "ask", lambda self: True)


def set_tier_cell(editor: ProgramEditor, row: int, field: str, text: str) -> None:
    model = editor.form.slots["tiers"].model
    assert model is not None
    column = [f.key for f in model.fields].index(field)
    model.setData(model.index(row, column), text)


def audit_rows(shop: Shop, action: str) -> list[tuple[Any, ...]]:
    """A person's audit rows of an action (the store's set-up, audited by "system", left out)."""
    with sqlite3.connect(shop.ctx.db_path) as conn:
        query = "SELECT actor, detail FROM audit WHERE action = ? AND actor != 'system'"
        return conn.execute(query, (action,)).fetchall()


def gold_coffee_discount(shop: Shop) -> int:
    """What Анна (Gold since March) would get off a 250 ₽ coffee on 10 April."""
    req = SaleRequest((shop.ctx.catalog.resolve_line("coffee", 1, 25000, "coffee"),), card=shop.cards["A"], at=CLOCK)
    return shop.ctx.checkout.quote(req).quote.discount


def test_the_form_shows_the_program_in_force(editor: ProgramEditor) -> None:
    assert editor.form.point_value.text() == "1"
    assert editor.form.max_share.text() == "50"
    assert editor.form.expiry.text() == "60"
    assert editor.form.welcome.isChecked() and editor.form.welcome_points.value() == 100
    assert parse_program(editor.body()) == parse_program(PROGRAM)


def test_an_invalid_edit_shows_the_message_by_its_field_and_activates_nothing(
    qtbot: QtBot, editor: ProgramEditor, shop: Shop, yes: None
) -> None:
    versions = len(shop.ctx.programs.program_versions())
    set_tier_cell(editor, 1, "discount_pct", "150")
    editor.activate()
    error = editor.form.slots["tiers"].error
    assert error.isVisible()
    # parse_program's message, worded for the manager and naming the cell.
    refused = ProgramError("program_max_plain", path="tiers[1].discount_pct", max=100)
    assert error.text() == explain(refused, editor.form.title_of)[1]
    assert tr("ProgramForm", "Discount, %") in error.text() and "100" in error.text()
    assert editor.error in editor.status.text()
    assert len(shop.ctx.programs.program_versions()) == versions
    assert gold_coffee_discount(shop) == 2500  # still 10 %


def test_money_typed_wrong_is_named_by_its_field(editor: ProgramEditor) -> None:
    editor.form.point_value.setText("один рубль")
    assert not editor.validate()
    assert editor.form.slots["point_value"].error.isVisible()
    assert editor.form.slots["point_value"].error.text().startswith(tr("ProgramForm", "One point pays, ₽"))


def test_a_valid_edit_activates_a_new_version_and_the_next_quote_uses_it(
    qtbot: QtBot, editor: ProgramEditor, shop: Shop, yes: None
) -> None:
    assert gold_coffee_discount(shop) == 2500
    set_tier_cell(editor, 1, "discount_pct", "20")
    with qtbot.waitSignal(editor.program_changed, timeout=10_000) as signal:
        editor.activate()
    assert signal.args == [2]
    assert gold_coffee_discount(shop) == 5000  # 20 % of 250 ₽
    assert editor.state is not None and editor.state.version == 2
    [(actor, detail)] = audit_rows(shop, "program")
    assert actor == "Ольга" and json.loads(detail)["version"] == 2 and "tiers" in json.loads(detail)["changed"]


def test_declining_the_confirmation_activates_nothing(
    editor: ProgramEditor, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Confirm, "ask", lambda self: False)
    set_tier_cell(editor, 1, "discount_pct", "20")
    editor.activate()
    assert len(shop.ctx.programs.program_versions()) == 1


def test_a_version_can_be_scheduled_for_a_later_time(
    qtbot: QtBot, editor: ProgramEditor, shop: Shop, yes: None
) -> None:
    set_tier_cell(editor, 1, "discount_pct", "20")
    editor.later.setChecked(True)
    editor.when.setDateTime(QDateTime(datetime(2025, 5, 1, 9, 0)))
    with qtbot.waitSignal(editor.program_changed, timeout=10_000):
        editor.activate()
    newest = shop.ctx.programs.program_versions()[0]
    assert newest["activate_at"] == int(datetime(2025, 5, 1, 9, 0, tzinfo=MSK).timestamp() * 1000)
    assert gold_coffee_discount(shop) == 2500  # 10 April: the old program still applies
    assert editor.versions.index(0, 4).data() == tr("ProgramEditor", "scheduled")


def test_the_preview_prices_the_basket_under_both_programs(editor: ProgramEditor) -> None:
    # The sample basket: 2 × Капучино 180 ₽ + Круассан 150 ₽ = 510 ₽, a Gold customer.
    editor.preview.tier.setCurrentIndex(editor.preview.tier.findData(90000))
    set_tier_cell(editor, 1, "discount_pct", "20")
    editor.validate()
    assert editor.preview.totals() == (45900, 40800)  # 10 % off, 20 % off
    model = editor.preview.model
    to_pay = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == tr("Preview", "To pay"))
    assert [model.index(to_pay, c).data() for c in (1, 2)] == ["459,00\u00a0₽", "408,00\u00a0₽"]


def test_the_preview_says_when_the_edited_program_is_invalid(editor: ProgramEditor) -> None:
    set_tier_cell(editor, 1, "discount_pct", "150")
    editor.validate()
    current, edited = editor.preview.totals()
    assert current is not None and edited is None
    assert editor.error and editor.error in editor.preview.note.text()


def test_the_preview_models_pass_the_model_tester(editor: ProgramEditor, qtmodeltester: object) -> None:
    qtmodeltester.check(editor.preview.model)  # type: ignore[attr-defined]
    qtmodeltester.check(editor.versions)  # type: ignore[attr-defined]
    for slot in editor.form.slots.values():
        if slot.model is not None:
            qtmodeltester.check(slot.model)  # type: ignore[attr-defined]


def test_a_template_replaces_the_edit_but_keeps_the_coupons(editor: ProgramEditor) -> None:
    editor.template.setCurrentIndex(editor.template.findData("coffee_card"))
    editor.use_template()
    body = editor.body()
    assert body["stamps"] == [{"id": "coffee", "category": "coffee", "needed": 5}]
    assert body["coupons"] == PROGRAM["coupons"]
    assert editor.edited is not None


def test_the_json_tab_edits_the_same_program(editor: ProgramEditor) -> None:
    editor.sources.setCurrentIndex(1)
    body = json.loads(editor.json.toPlainText())
    body["redeem"]["max_share_pct"] = "40"
    editor.json.setPlainText(json.dumps(body))
    assert editor.validate() and editor.edited is not None and editor.edited.max_share_pct == 40
    editor.sources.setCurrentIndex(0)
    assert editor.form.max_share.text() == "40"


def test_broken_json_is_reported_in_the_json_tab(editor: ProgramEditor) -> None:
    editor.sources.setCurrentIndex(1)
    editor.json.setPlainText("{ not json")
    assert not editor.validate()
    assert editor.json_error.isVisible() and editor.json_error.text() == editor.error
    # Where the mistake is, in the manager's language (the manager screen is Russian here), not Python's English.
    assert editor.error == "Текст JSON не читается: строка 1, столбец 3", editor.error
    editor.json.setPlainText("[1, 2]")
    assert not editor.validate()
    assert editor.error == "Программа должна быть объектом JSON"


def test_an_old_version_is_restored_as_a_new_one(qtbot: QtBot, editor: ProgramEditor, shop: Shop, yes: None) -> None:
    set_tier_cell(editor, 1, "discount_pct", "20")
    with qtbot.waitSignal(editor.program_changed, timeout=10_000):
        editor.activate()
    version_1 = next(r for r in range(editor.versions.rowCount()) if editor.versions.record(r).version == 1)
    editor.history.selectRow(version_1)
    with qtbot.waitSignal(editor.program_changed, timeout=10_000) as signal:
        editor.restore_version()
    assert signal.args == [3]
    assert gold_coffee_discount(shop) == 2500
    assert "restored from version 1" in audit_rows(shop, "program")[-1][1]


@pytest.mark.parametrize(
    "body", [t.program for t in TEMPLATES] + [DEMO_PROGRAM, PROGRAM], ids=lambda b: b.get("name", "reports")
)
def test_the_form_reads_back_every_template_unchanged(qtbot: QtBot, body: dict[str, Any]) -> None:
    form = ProgramForm()
    qtbot.addWidget(form)
    form.load(body)
    assert parse_program(form.to_body()) == parse_program(body)
