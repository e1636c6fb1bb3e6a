"""The database worker drops answers for screens that are gone instead of raising into the event loop."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.ui.worker import Worker


def test_an_answer_for_a_deleted_widget_is_dropped(qtbot: QtBot, db_worker: Worker) -> None:
    label = QLabel()
    release = threading.Event()
    with qtbot.waitSignal(db_worker.idle, timeout=5000):
        db_worker.run(release.wait, 5, on_done=label.setText)
        shiboken6.delete(label)  # the screen closed while its call was running
        release.set()
    assert not shiboken6.isValid(label)


def test_a_stopped_worker_delivers_nothing_more(qtbot: QtBot) -> None:
    worker = Worker("stopping")
    got: list[object] = []
    worker.run(lambda: "late", on_done=got.append)
    worker.stop()  # the call finished on the thread; its answer was still queued for the GUI thread
    qtbot.wait(50)
    assert got == [] and not worker.busy()
