"""The manager screen's sizes and clock (issue 9 §3).

At 1024×768 nothing the manager must read is cut: the preview's figure names (two rows used to read
«Начислится…»), the report's page tabs beside the export buttons, the program's coupons with all
six columns. At 1920×1080 the type grows. Date-time fields start on the store's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui import theme
from app.ui.manager.window import ManagerWindow


@pytest.fixture(autouse=True)
def themed(qapp: QApplication) -> Iterator[None]:
    """The terminal's real type and padding (theme.apply), as the app starts with; the rest of the
    session keeps Qt's defaults."""
    sheet, font, style = qapp.styleSheet(), qapp.font(), qapp.style().name()
    theme.apply(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)
    qapp.setStyle(style)


def _small(qtbot: QtBot, window: ManagerWindow) -> None:
    """The window at 1024×768."""
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=5_000)


def test_every_preview_figure_name_is_whole(qtbot: QtBot, window: ManagerWindow) -> None:
    _small(qtbot, window)
    window.tabs.setCurrentWidget(window.program)
    editor = window.program
    qtbot.waitUntil(lambda: editor.state is not None and editor.preview.model.rowCount() >= 8, timeout=10_000)
    table = editor.preview.table
    qtbot.wait(50)
    metrics = table.fontMetrics()
    names = []
    for row in range(editor.preview.model.rowCount()):
        index = editor.preview.model.index(row, 0)
        text = str(index.data())
        names.append(text)
        cell = table.visualRect(index)
        needed = metrics.boundingRect(QRect(0, 0, cell.width() - 8, 10_000), Qt.TextFlag.TextWordWrap, text)
        assert needed.height() <= cell.height(), text  # wrapped onto lines that all show
    # Both «earned» rows are told apart on screen, and every row is inside the table.
    assert "Начислится баллов" in names and "Начислится штампов" in names
    last = table.visualRect(editor.preview.model.index(editor.preview.model.rowCount() - 1, 0))
    assert last.bottom() <= table.viewport().height()


def test_the_report_tabs_fit_beside_the_export_buttons(qtbot: QtBot, window: ManagerWindow) -> None:
    _small(qtbot, window)
    d = window.dashboard
    d.set_custom_period(date(2025, 3, 1), date(2025, 3, 31))
    window.start()
    qtbot.waitUntil(lambda: not d.loading() and d.bundle is not None, timeout=20_000)
    corner = d.pages.cornerWidget(Qt.Corner.TopRightCorner)
    assert corner is not None
    assert d.pages.tabBar().sizeHint().width() + corner.sizeHint().width() <= d.pages.width()


def test_the_programs_coupons_show_every_column(qtbot: QtBot, window: ManagerWindow) -> None:
    _small(qtbot, window)
    window.tabs.setCurrentWidget(window.coupons)
    tab = window.coupons
    qtbot.waitUntil(lambda: tab.program_model.rowCount() == 1, timeout=10_000)
    view = tab.program_view
    qtbot.wait(50)
    header = view.horizontalHeader()
    assert header.length() <= view.viewport().width()
    assert not view.horizontalScrollBar().isVisible()
    for column in range(tab.program_model.columnCount()):
        needed = max(view.sizeHintForColumn(column), header.sectionSizeHint(column))
        assert header.sectionSize(column) >= needed, column


def test_date_fields_start_on_the_stores_clock(qtbot: QtBot, window: ManagerWindow) -> None:
    # The store's clock reads 10 April 2025 00:00 in Moscow (tests/integration/test_reports.py's CLOCK), whatever the
    # computer's own zone: the fields show that wall time and read it back in the store's zone.
    window.tabs.setCurrentWidget(window.coupons)
    qtbot.waitUntil(lambda: window.coupons.zone is not None, timeout=10_000)
    assert window.coupons.valid_from.dateTime().toString("dd.MM.yyyy HH:mm") == "10.04.2025 00:00"
    assert window.coupons.valid_to.dateTime().toString("dd.MM.yyyy HH:mm") == "10.05.2025 00:00"
    window.tabs.setCurrentWidget(window.program)
    qtbot.waitUntil(lambda: window.program.state is not None, timeout=10_000)
    assert window.program.when.dateTime().toString("dd.MM.yyyy HH:mm") == "11.04.2025 00:00"
    assert window.program.preview.when.dateTime().toString("dd.MM.yyyy HH:mm") == "10.04.2025 00:00"


def test_a_big_screen_gets_bigger_type(qtbot: QtBot, window: ManagerWindow) -> None:
    d = window.dashboard
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: d.large, timeout=5_000)
    big = d.tiles["revenue"].value.fontInfo().pixelSize()
    verdict_big = d.payback.verdict.fontInfo().pixelSize()
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: not d.large, timeout=5_000)
    assert big > d.tiles["revenue"].value.fontInfo().pixelSize()
    assert verdict_big > d.payback.verdict.fontInfo().pixelSize()
