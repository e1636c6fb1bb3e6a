"""The manager screen at 1024×768 (issue 9 §3): nothing the manager must read is cut.

The preview's figure names (two rows used to read «Начислится…»), the report's page tabs beside the
export buttons, and the program's coupons with all six columns.
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
