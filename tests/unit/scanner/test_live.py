"""The camera side (app.scanner.live): two-frame confirmation, cool-down, newest frame only."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from app.scanner import CameraReader, Code, FrameConfirmer, ScanError
from tests.unit.scanner import synth
from tests.unit.scanner.conftest import CARD_TEXT

CARD = Code("QRCode", "CARD-1")
OTHER = Code("QRCode", "CARD-2")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_code_seen_in_a_single_frame_is_not_accepted() -> None:
    confirmer = FrameConfirmer(clock=FakeClock())
    assert confirmer.feed([CARD]) == []
    assert confirmer.feed([]) == []


def test_a_code_two_consecutive_frames_agree_on_is_accepted() -> None:
    confirmer = FrameConfirmer(clock=FakeClock())
    confirmer.feed([CARD])
    assert confirmer.feed([CARD]) == [CARD]


def test_frames_that_disagree_accept_nothing() -> None:
    confirmer = FrameConfirmer(clock=FakeClock())
    assert [confirmer.feed([c]) for c in (CARD, OTHER, CARD, OTHER)] == [[], [], [], []]


def test_an_empty_frame_between_two_sightings_breaks_the_agreement() -> None:
    confirmer = FrameConfirmer(clock=FakeClock())
    confirmer.feed([CARD])
    confirmer.feed([])
    assert confirmer.feed([CARD]) == []


def test_an_accepted_code_is_ignored_during_the_cool_down() -> None:
    clock = FakeClock()
    confirmer = FrameConfirmer(cooldown=2.0, clock=clock)
    confirmer.feed([CARD])
    confirmer.feed([CARD])
    clock.now += 1.9
    assert confirmer.feed([CARD]) == []


def test_an_accepted_code_is_accepted_again_after_the_cool_down() -> None:
    clock = FakeClock()
    confirmer = FrameConfirmer(cooldown=2.0, clock=clock)
    confirmer.feed([CARD])
    confirmer.feed([CARD])
    confirmer.feed([])  # the card leaves the picture
    clock.now += 2.0
    confirmer.feed([CARD])
    assert confirmer.feed([CARD]) == [CARD]


def test_a_card_held_in_view_is_read_once_however_long_it_stays() -> None:
    clock = FakeClock()
    confirmer = FrameConfirmer(cooldown=2.0, clock=clock)
    accepted = []
    for _ in range(300):  # ten seconds at 30 fps
        accepted += confirmer.feed([CARD])
        clock.now += 1 / 30
    assert accepted == [CARD]


def test_the_cool_down_of_one_code_does_not_hold_back_another() -> None:
    confirmer = FrameConfirmer(clock=FakeClock())
    confirmer.feed([CARD])
    confirmer.feed([CARD])
    confirmer.feed([CARD, OTHER])
    assert confirmer.feed([CARD, OTHER]) == [OTHER]


def test_camera_reader_accepts_the_card_in_a_video_exactly_once(card_video: Path) -> None:
    accepted: list[Code] = []
    # Double speed: the card is in view for 0.75 s of video. The cool-down is longer than any
    # run can take, so a busy machine (slow reads stretch those 0.75 s) cannot end it early;
    # how the cool-down expires is tested with a fake clock above.
    confirmer = FrameConfirmer(cooldown=60.0)
    reader = CameraReader(card_video, accepted.append, confirmer=confirmer, speed=2.0)
    reader.start()
    try:
        assert reader.wait(timeout=20), "the video did not finish"
    finally:
        reader.stop()
    assert accepted == [Code("QRCode", CARD_TEXT)]


def test_camera_reader_delivers_preview_frames(card_video: Path) -> None:
    previews: list[npt.NDArray[np.uint8]] = []
    reader = CameraReader(card_video, lambda code: None, previews.append, speed=None)
    reader.start()
    try:
        assert reader.wait(timeout=20)
    finally:
        reader.stop()
    assert previews and previews[0].shape[:2] == (720, 1280)
    assert len(previews) == reader.frames_decoded


def test_camera_reader_raises_a_clear_error_for_a_missing_video(tmp_path: Path) -> None:
    reader = CameraReader(tmp_path / "none.avi", lambda code: None)
    with pytest.raises(ScanError, match=r"camera not available: .*none\.avi"):
        reader.start()


class FakeCapture:
    """A capture that is either closed, or yields count frames as fast as it is read."""

    def __init__(self, opened: bool = True, count: int = 0) -> None:
        self.opened = opened
        self.count = count
        self.released = threading.Event()
        self.frame = synth.frame_720p(np.random.default_rng(5))

    def isOpened(self) -> bool:
        return self.opened

    def read(self) -> tuple[bool, Any]:
        if self.count <= 0:
            return False, None
        self.count -= 1
        return True, self.frame

    def get(self, prop_id: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released.set()


def test_camera_reader_raises_a_clear_error_when_the_camera_cannot_be_opened() -> None:
    capture = FakeCapture(opened=False)
    reader = CameraReader(3, lambda code: None, open_capture=lambda source: capture)
    with pytest.raises(ScanError, match="camera not available: 3"):
        reader.start()
    assert capture.released.is_set()


def test_camera_reader_reports_a_camera_that_stops_delivering_frames() -> None:
    errors: list[ScanError] = []
    capture = FakeCapture(count=3)
    reader = CameraReader(0, lambda code: None, on_error=errors.append, open_capture=lambda s: capture)
    reader.start()
    assert reader.wait(timeout=10)
    reader.stop()
    assert [str(e) for e in errors] == ["camera stopped: 0"]


def test_camera_reader_drops_frames_the_decoder_had_no_time_for() -> None:
    capture = FakeCapture(count=200)
    slow = threading.Event()

    def slow_preview(frame: npt.NDArray[np.uint8]) -> None:
        slow.wait(0.02)  # a decoder far slower than the camera

    reader = CameraReader(0, lambda code: None, slow_preview, open_capture=lambda s: capture)
    reader.start()
    assert reader.wait(timeout=20)
    reader.stop()
    assert reader.frames_read == 200
    assert 0 < reader.frames_decoded < 100
    assert reader.frames_dropped == 200 - reader.frames_decoded


def test_camera_reader_stop_releases_the_camera_and_can_be_repeated() -> None:
    capture = FakeCapture(count=10_000)
    reader = CameraReader(0, lambda code: None, open_capture=lambda s: capture)
    reader.start()
    reader.stop()
    reader.stop()
    assert capture.released.is_set()


def test_camera_reader_reports_a_decoding_failure_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> list[Code]:
        raise RuntimeError("boom")

    monkeypatch.setattr("app.scanner.live.decode_gray", broken)
    # The traceback still goes to threading.excepthook; keep it out of the test output.
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    errors: list[ScanError] = []
    # A camera that never runs dry: a fake that ran out of frames before a busy machine let the
    # decoder start would (rightly) report "camera stopped" first.
    capture = LiveCapture()
    reader = CameraReader(0, lambda code: None, on_error=errors.append, open_capture=lambda s: capture)
    reader.start()
    assert reader.wait(timeout=10)
    reader.stop()
    assert [str(e) for e in errors] == ["camera decoding failed: boom"]


class LiveCapture(FakeCapture):
    """A device camera: a frame every 5 ms for as long as it is read."""

    def __init__(self) -> None:
        super().__init__(count=1)

    def read(self) -> tuple[bool, Any]:
        threading.Event().wait(0.005)
        return True, self.frame


class StillCapture(FakeCapture):
    """A camera held still on one picture, delivering it 30 times a second."""

    def __init__(self, frame: npt.NDArray[np.uint8], count: int) -> None:
        super().__init__(count=count)
        self.frame = frame
        self.tick = threading.Event()

    def read(self) -> tuple[bool, Any]:
        self.tick.wait(1 / 30)  # a camera's frame interval (never set: only the wait)
        return super().read()


@pytest.mark.parametrize(
    ("name", "misread"),
    [
        ("camera-ean8-16887701.png", Code("EAN-8", "16777101")),
        ("camera-upca-635077717065.png", Code("UPC-A", "634117717065")),
    ],
)
def test_a_barcode_the_camera_pass_misreads_on_every_frame_is_never_accepted(name: str, misread: Code) -> None:
    import cv2

    frame = cv2.imread(str(Path(__file__).parent / "misreads" / name), cv2.IMREAD_GRAYSCALE)
    accepted: list[Code] = []
    capture = StillCapture(np.asarray(frame, np.uint8), count=30)
    reader = CameraReader(0, accepted.append, open_capture=lambda s: capture)
    reader.start()
    assert reader.wait(timeout=60)
    reader.stop()
    assert misread not in accepted and reader.frames_decoded >= 2
    assert reader.refused == 1  # checked once; the cool-down keeps it quiet after that


def test_a_card_qr_passes_the_second_look_as_it_is(card_video: Path) -> None:
    accepted: list[Code] = []
    reader = CameraReader(card_video, accepted.append, speed=None)
    reader.start()
    assert reader.wait(timeout=30)
    reader.stop()
    assert [c.text for c in accepted] == [CARD_TEXT] and reader.refused == 0
