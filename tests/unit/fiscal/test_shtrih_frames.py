"""The Штрих-М link layer (STX frames, LRC) and the driver's pure pieces: settings, position splits, markers.

The captured frames are a real ШТРИХ-М register's, published in re-star-ru/shtrih-m-driver
(docs/out.txt): a short status request with password 30, a cancel-check answer, and an FF01h
fiscal drive status request and answer (see docs/fiscal-shtrih.md).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from pyshtrih import misc

from app.core.fiscal import FiscalError, Position
from app.fiscal.emulators.shtrih_frames import (
    command_bytes,
    date_time5,
    decode_frame,
    encode_frame,
    lrc,
    parse_date_time5,
    parse_tlvs,
    split_command,
    tlv,
)
from app.fiscal.shtrih import DEFAULT_TCP_PORT, ShtrihDevice, marker_of, split_position

SHORT_STATUS = bytes.fromhex("02 05 10 1E 00 00 00 0B")
CANCEL_ANSWER = bytes.fromhex("02 03 88 00 1E 95")
FN_STATUS = bytes.fromhex("02 06 FF 01 1E 00 00 00 E6")
FN_STATUS_ANSWER = bytes.fromhex(
    "02 21 FF 01 00 03 00 00 01 00 15 07 1D 0B 1D 39 32 38 37 34 34 30 33 30 31 31 32 30 39 39 31 A9 01 00 00 68"
)


@pytest.mark.parametrize("frame", [SHORT_STATUS, CANCEL_ANSWER, FN_STATUS, FN_STATUS_ANSWER])
def test_captured_frames_round_trip(frame: bytes) -> None:
    """A real register's frames decode, and encoding their message gives the same bytes back."""
    message = decode_frame(frame)
    assert encode_frame(message) == frame
    assert lrc(frame[1:-1]) == frame[-1] == misc.lrc(bytearray(frame[1:-1]))  # pyshtrih agrees


def test_fn_status_answer_fields() -> None:
    """The captured FF01h answer: drive in fiscal mode, shift open, 29.07.21 11:29, drive number, last FD 425."""
    code, data = split_command(decode_frame(FN_STATUS_ANSWER))
    assert code == 0xFF01 and data[0] == 0
    assert data[1] == 0b0011 and data[4] == 1  # life phase: set up, fiscal mode; shift open
    assert parse_date_time5(data[6:11]) == datetime(2021, 7, 29, 11, 29)
    assert data[11:27] == b"9287440301120991"
    assert int.from_bytes(data[27:31], "little") == 425


def test_short_status_request_is_command_and_password() -> None:
    """10h with the system administrator's password 30, little-endian."""
    assert split_command(decode_frame(SHORT_STATUS)) == (0x10, (30).to_bytes(4, "little"))
    assert command_bytes(0xFF46) == b"\xff\x46" and command_bytes(0x8D) == b"\x8d"


@pytest.mark.parametrize(
    "frame",
    [
        SHORT_STATUS[:-1] + bytes([SHORT_STATUS[-1] ^ 1]),  # checksum off by a bit
        b"\x03" + SHORT_STATUS[1:],  # no STX
        SHORT_STATUS[:-2] + SHORT_STATUS[-1:],  # a byte lost
    ],
)
def test_damaged_frames_are_refused(frame: bytes) -> None:
    """A frame with a wrong checksum, start byte or length is not taken (the device answers NAK)."""
    with pytest.raises(ValueError):
        decode_frame(frame)


def test_message_length_bounds() -> None:
    """The length is one byte: 1..255 bytes of message."""
    assert len(encode_frame(bytes(255))) == 258
    with pytest.raises(ValueError):
        encode_frame(bytes(256))
    with pytest.raises(ValueError):
        encode_frame(b"")


def test_tlv_and_date_time() -> None:
    """TLV records are tag and length little-endian; DATE_TIME is YY MM DD HH MM."""
    data = tlv(1008, b"+79161234567") + tlv(1192, b"0123456789abcdef")
    assert data[:4] == bytes([0xF0, 0x03, 12, 0])
    assert parse_tlvs(data) == [(1008, b"+79161234567"), (1192, b"0123456789abcdef")]
    assert parse_tlvs(data[:-1]) == [(1008, b"+79161234567")]  # a cut record is not invented
    moment = datetime(2026, 12, 7, 15, 4)
    assert date_time5(moment) == bytes([26, 12, 7, 15, 4]) and parse_date_time5(date_time5(moment)) == moment


def test_settings() -> None:
    """tcp with or without a port (7778 by default), serial with its speed, password and timeout."""
    tcp = ShtrihDevice.from_setting("shtrih:tcp://192.168.137.111:7778")
    assert (tcp.port, tcp.baud, tcp.password, tcp.timeout) == ("socket://192.168.137.111:7778", 115200, 30, 5.0)
    assert ShtrihDevice.from_setting("shtrih:tcp://kkt.local").port == f"socket://kkt.local:{DEFAULT_TCP_PORT}"
    line = ShtrihDevice.from_setting("shtrih:serial:/dev/ttyACM0?baud=57600&password=1&timeout=2.5")
    assert (line.port, line.baud, line.password, line.timeout) == ("/dev/ttyACM0", 57600, 1, 2.5)
    assert line.label == "shtrih:serial:/dev/ttyACM0?baud=57600&password=1&timeout=2.5"


@pytest.mark.parametrize(
    "text",
    [
        "shtrih:",
        "shtrih:tcp://",
        "shtrih:tcp://host:notaport",
        "shtrih:tcp://host:7778/path",
        "shtrih:serial:",
        "shtrih:serial:/dev/ttyS0?baud=fast",
        "shtrih:serial:/dev/ttyS0?timeout=0",
        "shtrih:usb:1",
        "atol-web:http://localhost:16732",
    ],
)
def test_bad_settings_are_refused(text: str) -> None:
    """A setting that names no register is refused as fiscal_device_bad, with the text."""
    with pytest.raises(FiscalError) as caught:
        ShtrihDevice.from_setting(text)
    assert caught.value.code == "fiscal_device_bad" and caught.value.params == {"text": text}


@pytest.mark.parametrize(
    ("price", "quantity", "amount", "parts"),
    [
        (25000, 2, 50000, [(2, 25000)]),  # no discount
        (25000, 2, 45000, [(2, 22500)]),  # a discount that divides evenly
        (25000, 3, 45001, [(2, 15000), (1, 15001)]),  # 45001 = 2*15000 + 15001
        (9900, 7, 50000, [(1, 7142), (6, 7143)]),
        (15000, 1, 0, [(1, 0)]),  # paid entirely by points: price and amount 0
    ],
)
def test_split_position(price: int, quantity: int, amount: int, parts: list[tuple[int, int]]) -> None:
    """Each part is exact (FF46 allows ±1 kopeck only) and the parts add up to the amount paid."""
    split = split_position(Position("x", price, quantity, amount, "vat22"))
    assert split == parts
    assert sum(q * p for q, p in split) == amount and sum(q for q, _ in split) == quantity


def test_marker_is_sixteen_characters() -> None:
    """Tag 1192 holds 16 characters: a uuid's random tail, or a hash for any other id."""
    assert marker_of("0190a5b2-7c3d-7def-8123-456789abcdef") == "8123456789abcdef"
    other = marker_of("sale-12")
    assert len(other) == 16 and other != marker_of("sale-13")
