"""The Штрих-М standard link layer: STX frames with an LRC, and the ENQ/ACK/NAK control bytes.

From «Протокол работы ККТ с ФН» v1.17 (НТЦ «Штрих-М», 2021), "Стандартный нижний уровень":
a message is STX, a length byte N (the command code and parameters, without STX, N and LRC),
N bytes, then LRC = XOR of the length byte and the N bytes. Every received message is answered
by ACK (taken) or NAK (bad checksum, a transport error, not a refused command); ENQ asks the
device whether it is idle (NAK) or holds an answer (ACK, then the answer again). Command codes
are one byte, or two bytes starting 0xFF for the fiscal drive's commands (0xFF01, 0xFF46, ...).
Numbers inside a message are little-endian; dates are DD MM YY, times HH MM SS, and the drive's
DATE_TIME is YY MM DD HH MM. Text on the printer is WIN1251, TLV strings for the drive CP866.
See docs/fiscal-shtrih.md.
"""

from __future__ import annotations

from datetime import datetime

STX = 0x02
ENQ = 0x05
ACK = 0x06
NAK = 0x15


def lrc(data: bytes) -> int:
    """XOR of every byte: the frame's checksum over the length byte and the message."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_frame(message: bytes) -> bytes:
    """STX, length, message, LRC: one frame on the wire (a message is at most 255 bytes)."""
    if not 0 < len(message) <= 255:
        raise ValueError(f"a Штрих-М message is 1..255 bytes, not {len(message)}")
    body = bytes([len(message)]) + message
    return bytes([STX]) + body + bytes([lrc(body)])


def decode_frame(frame: bytes) -> bytes:
    """The message inside one complete frame; ValueError on a wrong STX, length or checksum."""
    if len(frame) < 4 or frame[0] != STX:
        raise ValueError("not a Штрих-М frame")
    length = frame[1]
    if len(frame) != length + 3:
        raise ValueError(f"frame length {len(frame)} does not match its length byte {length}")
    if lrc(frame[1:-1]) != frame[-1]:
        raise ValueError("bad LRC")
    return frame[2:-1]


def split_command(message: bytes) -> tuple[int, bytes]:
    """The command code (0xFFxx for the drive's two-byte commands) and the parameters after it."""
    if not message:
        raise ValueError("empty message")
    if message[0] == 0xFF:
        if len(message) < 2:
            raise ValueError("a two-byte command needs its second byte")
        return 0xFF00 | message[1], message[2:]
    return message[0], message[1:]


def command_bytes(code: int) -> bytes:
    """The command code as sent: one byte, or 0xFF and the second byte for the drive's commands."""
    return bytes([0xFF, code & 0xFF]) if code > 0xFF else bytes([code])


def le(value: int, size: int) -> bytes:
    """An unsigned little-endian number of `size` bytes, as the protocol sends every number."""
    return value.to_bytes(size, "little")


def from_le(data: bytes) -> int:
    """The unsigned little-endian number in `data`."""
    return int.from_bytes(data, "little")


def date_time5(moment: datetime) -> bytes:
    """The drive's DATE_TIME: YY MM DD HH MM."""
    return bytes([moment.year % 100, moment.month, moment.day, moment.hour, moment.minute])


def parse_date_time5(data: bytes) -> datetime:
    """A DATE_TIME (YY MM DD HH MM) as a naive datetime on the register's own clock."""
    year, month, day, hour, minute = data[:5]
    return datetime(2000 + year, month, day, hour, minute)


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV record as the fiscal drive keeps it: tag and length as two-byte little-endian."""
    return le(tag, 2) + le(len(value), 2) + value


def parse_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """The TLV records in `data`, in order (a truncated tail is ignored)."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos + 4 <= len(data):
        tag, length = from_le(data[pos : pos + 2]), from_le(data[pos + 2 : pos + 4])
        if pos + 4 + length > len(data):
            break
        out.append((tag, data[pos + 4 : pos + 4 + length]))
        pos += 4 + length
    return out
