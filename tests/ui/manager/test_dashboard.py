"""The dashboard and report tables show ReportsService's figures; PDF and CSV exports from the screen."""

from __future__ import annotations

import csv
import subprocess
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.fmt import NBSP, NNBSP
from app.core.payback import clv_range
from app.core.services.reports import Filters
from app.ui.manager.charts import Chart, ChartSeries, fold_days, nice_scale
from app.ui.manager.dashboard import DashboardTab
from app.ui.manager.widgets import ChooseFolder, avg_money_text, count_text, money_text, share_text
from app.ui.manager.window import ManagerWindow
from tests.integration.test_reports import MARCH
from tests.ui.manager.conftest import Shop


def show_march(qtbot: QtBot, window: ManagerWindow, cashier: str | None = None) -> DashboardTab:
    """Open the window on March 2025 (and a cashier) and wait for the whole report."""
    d = window.dashboard
    d.set_custom_period(date(2025, 3, 1), date(2025, 3, 31))
    window.start()
    qtbot.waitUntil(lambda: d.cashier.count() > 1, timeout=10_000)
    if cashier is not None:
        d.cashier.setCurrentIndex(d.cashier.findData(cashier))
        d.refresh()
    qtbot.waitUntil(lambda: not d.loading() and d.bundle is not None and d.resolved is not None, timeout=20_000)
    return d


def test_dashboard_tiles_show_the_figures_reports_service_computes(
    qtbot: QtBot, window: ManagerWindow, shop: Shop
) -> None:
    d = show_march(qtbot, window)
    expected = shop.services.reports.dashboard(MARCH)
    t = {key: tile.value.text() for key, tile in d.tiles.items()}
    assert t["revenue"] == money_text(expected.revenue)
    assert t["sales"] == count_text(expected.sales)
    assert t["card_share"] == f"{count_text(expected.card_sales)} · {share_text(expected.card_share)}"
    assert t["average_check"] == avg_money_text(expected.average_check)
    assert t["active_30"] == count_text(expected.active_30)
    assert t["issued"] == count_text(expected.issued)
    assert t["liability_kopecks"] == money_text(expected.liability_kopecks)


def test_dashboard_figures_match_the_hand_computed_march(qtbot: QtBot, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    # tests/integration/test_reports.py works these out by hand: 2065,50 ₽ taken − 243 ₽ refunded = 1822,50 ₽ in
    # 9 sales, 6 with a card (66,7 %), average check 2065,50 / 9 = 229,50 ₽.
    assert d.tiles["revenue"].value.text() == f"1{NNBSP}822,50{NBSP}₽"
    assert d.tiles["sales"].value.text() == "9"
    assert d.tiles["card_share"].value.text() == f"6 · 66,7{NNBSP}%"
    assert d.tiles["average_check"].value.text() == f"229,50{NBSP}₽"


def test_cashier_filter_shows_only_that_cashiers_sales(qtbot: QtBot, window: ManagerWindow, shop: Shop) -> None:
    d = show_march(qtbot, window, cashier="Ольга")
    # Ольга: 170 + 180 + 100 + 195 = 645 ₽ in 4 sales, 3 with a card.
    assert d.tiles["revenue"].value.text() == f"645,00{NBSP}₽"
    assert d.tiles["card_share"].value.text() == f"3 · 75,0{NNBSP}%"
    assert d.bundle is not None and d.bundle.report.filters == Filters(cashier="Ольга")


def test_report_tables_show_every_section_and_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, window: ManagerWindow
) -> None:
    d = show_march(qtbot, window)
    blocks = d.reports.blocks
    for key in ("sales", "cashiers", "customers", "tiers", "segments", "points", "categories", "coupons", "rewards",
                "stamps", "lifetime"):  # fmt: skip
        assert blocks[key].model.rowCount() > 0, key
        qtmodeltester.check(blocks[key].model)  # type: ignore[attr-defined]
    cashiers = blocks["cashiers"].model
    rows = {cashiers.index(r, 0).data(): cashiers.index(r, 3).data() for r in range(cashiers.rowCount())}
    assert rows == {"Иван": f"60,0{NNBSP}%", "Ольга": f"75,0{NNBSP}%"}
    coupons = blocks["coupons"].model
    assert [coupons.index(0, c).data() for c in range(3)] == ["SALE10", "1", f"55,00{NBSP}₽"]


def test_a_list_sorts_by_a_click_on_its_heading(qtbot: QtBot, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    cashiers = d.reports.blocks["cashiers"]
    cashiers.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [cashiers.model.index(r, 0).data() for r in range(2)] == ["Ольга", "Иван"]
    cashiers.view.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # revenue: Иван 1177,50 ₽, Ольга 645 ₽
    assert [cashiers.model.index(r, 0).data() for r in range(2)] == ["Иван", "Ольга"]


def test_choosing_a_segment_lists_its_customers(qtbot: QtBot, qtmodeltester: object, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    d.reports.choose_segment("never")
    people = d.reports.people
    # Елена enrolled on 20 March and never bought.
    assert people.rowCount() == 1 and people.index(0, 1).data() == "Елена Волкова"
    qtmodeltester.check(people)  # type: ignore[attr-defined]


def test_a_segments_customers_sort_by_a_column(qtbot: QtBot, qtmodeltester: object, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    d.reports.choose_segment("active")
    people = d.reports.people
    # As the report lists them: most purchases first (Анна 4, Борис 3, Вера 1: tests/integration/test_reports.py).
    assert [people.index(r, 1).data() for r in range(people.rowCount())] == [
        "Анна Иванова", "Борис Петров", "Вера Соколова",
    ]  # fmt: skip
    d.reports.people_view.sortByColumn(5, Qt.SortOrder.AscendingOrder)
    assert [people.index(r, 5).data() for r in range(people.rowCount())] == ["1", "3", "4"]
    qtmodeltester.check(people)  # type: ignore[attr-defined]


def test_no_lifetime_value_from_three_customers(qtbot: QtBot, window: ManagerWindow) -> None:
    # Issue 9 §4: March has 3 card buyers (and 3 the month before): below the minimum sample of 30 the
    # screen shows no CLV at all (it used to print 1615,50 ₽ from them).
    d = show_march(qtbot, window)
    assert d.reports.clv_value.text() == "Оценки CLV нет: покупателей 3, нужно не меньше 30"
    assert "1" + NNBSP + "615,50" not in d.reports.clv_value.text() + d.reports.clv_worked.text()
    assert "CLV =" in d.reports.clv_formula.text()


def test_lifetime_value_is_shown_with_its_range_and_formula(qtbot: QtBot, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    assert d.bundle is not None and d.bundle.report.payback is not None
    # The same figures as if 30 customers had been seen in each month (tests/integration/test_payback.py works
    # out the ends).
    clv = clv_range(Fraction(26925), Fraction(730, 31), 30, 30, 20, Fraction(31))
    report = replace(d.bundle.report, payback=replace(d.bundle.report.payback, clv=clv))
    d.reports.show_bundle(replace(d.bundle, report=report))
    # docs/reports.md §6: 269,25 ₽ × (730/31) × (93/365) = 1615,50 ₽.
    assert d.reports.clv_value.text() == (
        f"Оценка CLV: 1{NNBSP}615,50{NBSP}₽ (от 1{NNBSP}051,34{NBSP}₽ до 2{NNBSP}800,27{NBSP}₽, 95 %)"
    )
    assert d.reports.clv_worked.text() == f"269,25{NBSP}₽ × 23,55 × 0,25 = 1{NNBSP}615,50{NBSP}₽"
    assert "CLV =" in d.reports.clv_formula.text()


def test_the_overview_says_whether_the_program_pays(qtbot: QtBot, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    p = d.payback
    # tests/integration/test_payback.py: members brought 1250 ₽ beyond non-members, the program cost 584,50 ₽.
    assert p.verdict.text() == (f"Программа окупается: участники принесли на 665,50{NBSP}₽ больше, чем она стоила.")
    assert p.cost.text().startswith(f"Стоимость 584,50{NBSP}₽ = скидки по уровню 119,50{NBSP}₽ + штампы 250,00")
    assert f"1{NNBSP}250,00{NBSP}₽ = 6 чеков с картой" in p.extra.text()
    assert (
        p.members.text() == f"Визитов на участника 2,00 · удержание 66,7{NNBSP}% · доля выручки с картой 75,3{NNBSP}%"
    )
    assert p.clv.text() == "CLV: мало покупателей (3, нужно не меньше 30)"
    assert "Итог = сверх − стоимость" in p.formula.text()


def test_the_overview_reads_at_1024_by_768(qtbot: QtBot, window: ManagerWindow) -> None:
    window.resize(1024, 768)
    d = show_march(qtbot, window)
    qtbot.waitUntil(lambda: d.payback.width() < 1000, timeout=5_000)
    p = d.payback

    def every_line_fits() -> None:
        for label in (p.verdict, p.cost, p.extra, p.members, p.clv, p.formula):
            # Every line wraps inside the panel instead of running past its edge.
            needed = label.heightForWidth(label.width())
            assert label.width() <= p.width() and label.height() >= needed - 1, label.text()

    # The layout settles in passes (a wrapped label asks for more height after it got its width):
    # judge it once the passes are done, not between two of them.
    qtbot.waitUntil(every_line_fits, timeout=5_000)


def test_charts_get_the_report_series(qtbot: QtBot, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    assert len(d.charts["revenue"].labels) == 31
    card = dict(zip(d.charts["revenue"].labels, d.charts["revenue"].series[0].values, strict=True))
    assert card["03.03"] == 17000  # Анна's coffee paid 170 ₽ on 3 March
    assert sum(d.charts["revenue"].series[0].values) + sum(d.charts["revenue"].series[1].values) == 182250
    assert d.charts["tiers"].labels == ["Silver", "Gold"]
    assert not d.grab().isNull()


def test_a_stale_answer_is_dropped_when_a_newer_choice_was_made(qtbot: QtBot, window: ManagerWindow) -> None:
    d = show_march(qtbot, window)
    d.generation += 1  # as if the manager had chosen something else meanwhile
    before = d.tiles["revenue"].value.text()
    d._dashboard_done(d.generation - 1, (d.resolved, shop_empty_dashboard(d)))  # type: ignore[arg-type]
    assert d.tiles["revenue"].value.text() == before


def shop_empty_dashboard(d: DashboardTab) -> object:
    assert d.figures is not None
    from dataclasses import replace

    return replace(d.figures, revenue=0)


def test_export_pdf_from_the_screen_renders_a_page(
    qtbot: QtBot, window: ManagerWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = show_march(qtbot, window)
    monkeypatch.setattr(ChooseFolder, "ask", lambda self: tmp_path)
    d.pdf.click()
    qtbot.waitUntil(lambda: d.last_export is not None, timeout=30_000)
    pdf = tmp_path / "report_2025-03-01_2025-03-31.pdf"
    assert d.last_export == pdf and pdf.stat().st_size > 10_000
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    from PIL import Image

    pixels = Image.open(page).convert("L")
    assert pixels.getextrema()[0] < 100  # there is ink on the first page


def test_export_csv_from_the_screen_reads_back(
    qtbot: QtBot, window: ManagerWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = show_march(qtbot, window)
    monkeypatch.setattr(ChooseFolder, "ask", lambda self: tmp_path)
    d.csv.click()
    qtbot.waitUntil(lambda: d.last_export is not None, timeout=30_000)
    folder = tmp_path / "report_2025-03-01_2025-03-31"
    with (folder / "sales.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    revenue = next(r for r in rows if r[0] == "Выручка")
    assert revenue[1:] == ["1372,50", "450,00", "1822,50"]


def test_cancelled_export_writes_nothing(
    qtbot: QtBot, window: ManagerWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = show_march(qtbot, window)
    monkeypatch.setattr(ChooseFolder, "ask", lambda self: None)
    d.csv.click()
    assert d.last_export is None and not d.loading()


# ----------------------------------------------------------------------------- charts alone


def test_nice_scale_uses_round_steps() -> None:
    assert nice_scale(0, 123456) == (0, 150000, 50000)
    assert nice_scale(-500, 2000) == (-1000, 2000, 1000)
    assert nice_scale(0, 0) == (0, 1, 1)


def test_long_periods_fold_into_weeks() -> None:
    days = [date(2025, 1, 1).fromordinal(date(2025, 1, 1).toordinal() + i) for i in range(70)]
    folded, (sums, levels) = fold_days(days, [[1] * 70, list(range(70))], last=False)
    assert len(folded) == 10 and sums[0] == 7 and sum(sums) == 70
    _, (levels,) = fold_days(days, [list(range(70))], last=True)
    assert levels[0] == 6 and levels[-1] == 69


def test_a_chart_draws_bars_lines_and_says_when_there_is_no_data(qtbot: QtBot) -> None:
    from PySide6.QtGui import QColor

    for kind in ("bars", "stacked", "lines", "hbars"):
        chart = Chart("t", kind, str)
        qtbot.addWidget(chart)
        chart.resize(400, 220)
        chart.set_data(["a", "b", "c"], [ChartSeries("x", QColor("red"), (3, -1, 5))], "empty")
        assert chart.has_data() and not chart.grab().isNull()
        assert chart.index_at(chart._plot.center().x(), chart._plot.center().y()) is not None
    chart.set_data(["a"], [ChartSeries("x", QColor("red"), (0,))], "empty")
    assert not chart.has_data() and not chart.grab().isNull()
