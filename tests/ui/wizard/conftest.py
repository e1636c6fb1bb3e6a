"""Fixtures for the first-run wizard, start-up, backup and settings tests."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from PySide6.QtWidgets import QApplication

from app.bootstrap import Context, bootstrap
from app.core.demo import DEFAULT_PROGRAM
from app.ui import i18n

CODE = "LT-WIZARD-TEST-42"


@pytest.fixture(autouse=True)
def english(qapp: QApplication) -> Iterator[None]:
    """Assert on the source wording, whatever language an earlier test left installed; then put back
    exactly what was there (i18n keeps it in private state: "ru" by name with no translator loaded is
    a state of its own, which install("ru") would not restore)."""
    state = i18n.saved_state()
    i18n.install(qapp, "en")
    yield
    i18n.restore_state(qapp, state)


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """As in the app (GuiGarbageCollector): the collector never runs on a worker thread,
    where deleting a forgotten Qt object crashes the process."""
    gc.collect()
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of its own (settings, lock, logs, backups), the app in English and windowed."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("LOYALTY_HOME", str(folder))
    monkeypatch.setenv("LOYALTY_LANG", "en")
    monkeypatch.setenv("LOYALTY_WINDOWED", "1")
    monkeypatch.delenv("LOYALTY_CAMERA", raising=False)
    return folder


@pytest.fixture
def small_store(home: Path) -> Iterator[Context]:
    """A store with the default program and no one on the staff yet."""
    ctx = bootstrap(home / "terminal.sqlite3", create=True)
    ctx.store.init(DEFAULT_PROGRAM)
    yield ctx
    ctx.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_qr_video(path: Path) -> Path:
    """A 1-second MJPG .avi: a grey counter, then a QR code of CODE held in view."""
    qr = np.pad(np.array(segno.make_qr(CODE, error="m").matrix, dtype=np.uint8), 4)
    code = np.kron(1 - qr, np.ones((8, 8), dtype=np.uint8)) * 255
    fps, width, height = 15, 640, 480
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for i in range(fps):
        frame = np.full((height, width), 120, dtype=np.uint8)
        if i >= 2:
            top, left = 100, 180 + (i % 2)  # a slightly unsteady hand
            frame[top : top + code.shape[0], left : left + code.shape[1]] = code
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


@pytest.fixture(scope="session")
def qr_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The QR video, made once."""
    return make_qr_video(tmp_path_factory.mktemp("video") / "qr.avi")
