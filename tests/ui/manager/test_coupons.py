"""Coupons from the manager screen: bulk random codes, personal codes for a segment, one named code."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.errors import LoyaltyError
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.core.timeutil import DAY_MS
from app.ui.manager import ops
from app.ui.manager.coupons import CouponsTab
from app.ui.manager.widgets import ChooseFolder
from app.ui.manager.window import ManagerWindow
from tests.integration.test_reports import CLOCK
from tests.ui.manager.conftest import Shop, tr


@pytest.fixture
def tab(qtbot: QtBot, window: ManagerWindow) -> CouponsTab:
    window.tabs.setCurrentWidget(window.coupons)
    qtbot.waitUntil(lambda: window.coupons.program_model.rowCount() == 1, timeout=10_000)  # SALE10
    # The store's clock is April 2025: no end date, so the new codes are valid then.
    window.coupons.to_on.setChecked(False)
    return window.coupons


def create(qtbot: QtBot, tab: CouponsTab) -> None:
    with qtbot.waitSignal(tab.program_changed, timeout=20_000):
        tab.create()


def quote(shop: Shop, code: str, card: str | None = None) -> int:
    """The discount a 300 ₽ bakery line gets with the code on 10 April 2025."""
    req = SaleRequest((shop.ctx.catalog.resolve_line("bakery", 1, 30000, "bakery"),), card=card, coupon=code, at=CLOCK)
    return shop.ctx.checkout.quote(req).quote.discount


def test_bulk_codes_are_unique_and_usable_at_checkout(qtbot: QtBot, tab: CouponsTab, shop: Shop) -> None:
    tab.bulk.setChecked(True)
    tab.count.setValue(25)
    tab.prefix.setText("spr-")
    tab.value.setText("15")
    create(qtbot, tab)
    codes = [c.code for c in tab.made]
    assert len(codes) == 25 and len(set(codes)) == 25
    assert all(c.startswith("SPR-") and len(c) == 12 for c in codes)
    assert quote(shop, codes[7]) == 4500  # 15 % of 300 ₽
    assert {c.code for c in shop.ctx.programs.program()[1].coupons} >= set(codes)
    assert shop.ctx.programs.program_versions()[0]["version"] == 2  # one new version for the batch


def test_codes_made_while_a_version_is_scheduled_work_before_and_after_it_starts(
    qtbot: QtBot, window: ManagerWindow, shop: Shop
) -> None:
    may = CLOCK + 21 * DAY_MS
    body = dict(shop.ctx.programs.program(CLOCK)[1].raw, name="Май")
    shop.ctx.programs.set_program(body, may, actor=SYSTEM)  # version 2, from 1 May
    tab = window.coupons
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.program_model.rowCount() == 1, timeout=10_000)
    tab.to_on.setChecked(False)
    tab.code.setText("BOTH")
    create(qtbot, tab)
    assert [v["version"] for v in shop.ctx.programs.program_versions()] == [4, 3, 2, 1]
    for at in (CLOCK, may + DAY_MS):
        req = SaleRequest((shop.ctx.catalog.resolve_line("bakery", 1, 30000, "bakery"),), coupon="BOTH", at=at)
        assert shop.ctx.checkout.quote(req).quote.discount == 3000
    assert shop.ctx.programs.program(may + DAY_MS)[1].raw["name"] == "Май"


def test_a_personal_code_goes_to_each_customer_not_seen_for_n_days(qtbot: QtBot, tab: CouponsTab, shop: Shop) -> None:
    # On 10 April: Вера last bought on 20 March, Фёдор on 2 February, Дмитрий in November 2024;
    # Анна (2 April) and Борис (30 March) were seen within 20 days, Елена never bought.
    tab.personal.setChecked(True)
    tab.segment.setCurrentIndex(tab.segment.findData("not_seen"))
    tab.days.setValue(20)
    tab.kind.setCurrentIndex(tab.kind.findData("amount"))
    tab.value.setText("100")
    create(qtbot, tab)
    by_card = {c.card: c for c in tab.made}
    assert set(by_card) == {shop.cards["V"], shop.cards["F"], shop.cards["D"]}
    vera = by_card[shop.cards["V"]]
    assert vera.name == "Вера Соколова"
    assert quote(shop, vera.code, shop.cards["V"]) == 10000
    with pytest.raises(LoyaltyError, match="personal"):
        quote(shop, vera.code, shop.cards["A"])


def test_one_named_code_is_added_to_the_program(qtbot: QtBot, tab: CouponsTab, shop: Shop) -> None:
    tab.code.setText("SPRING100")
    tab.kind.setCurrentIndex(tab.kind.findData("amount"))
    tab.value.setText("100")
    tab.min_total.setText("250")
    create(qtbot, tab)
    qtbot.waitUntil(lambda: tab.program_model.rowCount() == 2, timeout=10_000)
    assert tab.program_model.record(0).code == "SPRING100"
    assert tab.program_model.record(0).min_total == 25000
    assert quote(shop, "SPRING100") == 10000


def test_a_code_already_in_the_program_is_refused(qtbot: QtBot, tab: CouponsTab, shop: Shop) -> None:
    tab.code.setText("sale10")
    tab.create()
    qtbot.waitUntil(lambda: tab.create_button.isEnabled(), timeout=10_000)
    assert tab.status.text() == tr("Refusals", "Coupon codes must differ")
    assert len(shop.ctx.programs.program_versions()) == 1


def test_a_percentage_over_100_is_refused_before_anything_is_saved(tab: CouponsTab, shop: Shop) -> None:
    tab.code.setText("TOOMUCH")
    tab.value.setText("150")
    tab.create()
    assert tab.status.text() == tr("CouponsTab", "A percentage above 0 and at most 100 is needed")
    assert len(shop.ctx.programs.program_versions()) == 1


def test_the_codes_just_made_are_saved_as_csv(
    qtbot: QtBot, tab: CouponsTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtmodeltester: object
) -> None:
    tab.bulk.setChecked(True)
    tab.count.setValue(3)
    create(qtbot, tab)
    monkeypatch.setattr(ChooseFolder, "ask", lambda self: tmp_path)
    tab.export_codes()
    qtbot.waitUntil(lambda: tab.last_export is not None, timeout=10_000)
    with Path(tab.last_export).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert [r[0] for r in rows[1:]] == [c.code for c in tab.made]
    qtmodeltester.check(tab.made_model)  # type: ignore[attr-defined]
    qtmodeltester.check(tab.program_model)  # type: ignore[attr-defined]


def test_every_coupon_batch_is_audited(qtbot: QtBot, tab: CouponsTab, shop: Shop) -> None:
    tab.bulk.setChecked(True)
    tab.count.setValue(2)
    create(qtbot, tab)
    with sqlite3.connect(shop.ctx.db_path) as conn:
        # The store's own set-up is audited too, by "system": the batch is the one row by a person.
        query = "SELECT actor, detail FROM audit WHERE action = 'program' AND actor != 'system'"
        [(actor, detail)] = conn.execute(query).fetchall()
    assert actor == "Ольга" and "2 random codes" in detail


def test_random_codes_avoid_taken_ones_and_look_alike_letters() -> None:
    codes = ops.random_codes(200, "", ["ABC"], length=3)
    assert len(set(codes)) == 200 and "ABC" not in codes
    assert not set("".join(codes)) & set("01OIL")
