"""Journey tests: the real program on a fresh data folder, offscreen, driven by keys (see harness.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.clock import FROZEN_NOW_ENV
from tests.conftest import FROZEN_NOW
from tests.journeys.harness import JourneyRunner

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
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("LOYALTY_HOME", str(home))
    for name in ("LOYALTY_LANG", "LOYALTY_CAMERA", "LOYALTY_WINDOWED"):
        monkeypatch.delenv(name, raising=False)
    # The demo store the wizard makes, and everything after it, on one fixed instant: not today's date.
    monkeypatch.setenv(FROZEN_NOW_ENV, FROZEN_NOW.isoformat())
    runner = JourneyRunner(home, tmp_path / "screens")
    yield runner
    _restore_application(qapp)


def _restore_application(qapp: object) -> None:
    """Leave the shared QApplication as other tests expect it: English, no style sheet from the app's theme."""
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from app.ui import i18n

    assert isinstance(qapp, QApplication)
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    i18n.install(qapp, "en")
    QLocale.setDefault(QLocale(QLocale.Language.English))
    qapp.setStyleSheet("")
