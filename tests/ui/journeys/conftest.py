"""Journey tests: the real program on a fresh data folder, offscreen, driven by keys (see harness.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.journeys.harness import JourneyRunner

# A till's screen, 1024×768 (offscreen's own is 800×800, smaller than the checkout's minimum), when
# this folder's tests build the application; run with others, they take the screen already chosen.
_SCREEN = Path(__file__).with_name("offscreen-1024x768.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a journey (select them with -m journey)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.journey)


@pytest.fixture
def journey(qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[JourneyRunner]:
    """Runs `loyalty-terminal` with no arguments on a fresh LOYALTY_HOME, in the user's default language."""
    from PySide6.QtWidgets import QApplication

    from app.ui import i18n

    assert isinstance(qapp, QApplication)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("LOYALTY_HOME", str(home))
    for name in ("LOYALTY_LANG", "LOYALTY_CAMERA", "LOYALTY_WINDOWED"):
        monkeypatch.delenv(name, raising=False)
    # The program installs its language, locale, font and style on the shared application:
    # put back what the next test (of any folder) found before this one.
    state = i18n.saved_state()
    font, style_sheet = qapp.font(), qapp.styleSheet()
    yield JourneyRunner(home, tmp_path / "screens")
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    i18n.restore_state(qapp, state)
    qapp.setFont(font)
    qapp.setStyleSheet(style_sheet)
