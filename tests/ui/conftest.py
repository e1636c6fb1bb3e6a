"""Qt tests run headless: the platform is chosen before any QApplication exists."""

from __future__ import annotations

import os
from collections.abc import Iterator

# Must happen before the first QApplication is built (pytest-qt's qapp fixture builds it
# lazily), so every Qt test here renders offscreen, on CI as on a laptop.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.ui.worker import Worker


@pytest.fixture
def db_worker(qapp: object) -> Iterator[Worker]:
    """The serialized database worker thread, stopped after the test."""
    worker = Worker("db-worker")
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _language_restored(qapp: object) -> Iterator[None]:
    """A test that switches the app to Russian must not leave it so for the next test."""
    from PySide6.QtWidgets import QApplication

    from app.ui import i18n

    app = QApplication.instance()
    state = i18n.saved_state()
    yield
    assert isinstance(app, QApplication)
    i18n.restore_state(app, state)
