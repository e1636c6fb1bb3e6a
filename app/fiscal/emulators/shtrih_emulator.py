"""A Штрих-М register (ШТРИХ-М-01Ф with a fiscal drive) emulated from its protocol documentation.

Written from «Протокол работы ККТ с ФН» v1.17 (НТЦ «Штрих-М») and the fiscal drive's «Описание ФН»
(see docs/fiscal-shtrih.md): the standard link layer (STX frames, LRC, ENQ/ACK/NAK, the answer
kept until the host confirms it), the commands a till uses with their documented answers and
error codes, and a fiscal state (shift, document numbers, drive number, receipts with their TLV
records, reports, ОФД queue). It listens on a TCP socket (as the register's own tcp server, table
21, default port 7778) and on a pseudo-terminal (the serial path), so pyshtrih drives it exactly
as it drives the hardware.

Failure injection: paper out, cover open, shift over 24 hours (a clock offset), drive full or
expired, ОФД 30-day block, a device error code on the next given command, a lost answer (the
command runs, the answer is withheld until the host asks with ENQ), a lost ACK (the command runs
and is answered, but its ACK never reaches the host), a slow answer, a garbled frame either way
(our answer's LRC broken once: the host NAKs and asks again; the host's next frame taken as
broken: we NAK and it resends).

    python -m app.fiscal.emulators.shtrih_emulator --port 7778 [--pty] [--open-shift]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from app.fiscal.emulators.shtrih_frames import (
    ACK,
    ENQ,
    NAK,
    STX,
    command_bytes,
    date_time5,
    encode_frame,
    from_le,
    le,
    lrc,
    parse_tlvs,
    split_command,
    tlv,
)

__all__ = ["Fault", "ShtrihEmulator", "main"]

# Error codes as «Коды ошибок» (protocol v1.17) and the drive's description list them.
E_FN_EXPIRED = 0x05  # ФН: закончен срок эксплуатации ФН
E_FN_FULL = 0x06  # ФН: архив ФН переполнен
E_NO_DATA = 0x08  # ФН: нет запрошенных данных
E_TLV_SIZE = 0x10  # ФН: превышение размеров TLV данных
E_OFD_WAIT = 0x15  # ФН: исчерпан ресурс ожидания передачи сообщения (30 days without the ОФД)
E_BAD_PARAMS = 0x33  # некорректные параметры в команде
E_UNSUPPORTED = 0x37  # команда не поддерживается в данной реализации ККТ
E_SHIFT_OPEN = 0x3C  # смена открыта – операция невозможна
E_SHIFT_CLOSED = 0x3D  # смена не открыта – операция невозможна
E_PAYMENT_SHORT = 0x45  # сумма всех типов оплаты меньше итога чека
E_WRONG_CHECK_TYPE = 0x49  # операция невозможна в открытом чеке данного типа
E_CHECK_OPEN = 0x4A  # открыт чек – операция невозможна
E_CASHLESS_OVER = 0x4D  # вносимая безналичной оплатой сумма больше суммы чека
E_SHIFT_24H = 0x4E  # смена превысила 24 часа
E_PASSWORD = 0x4F  # неверный пароль
E_CHECK_CLOSED = 0x55  # чек закрыт – операция невозможна
E_NO_TABLE = 0x5D  # таблица не определена
E_NO_PAPER = 0x6B  # нет чековой ленты

# Modes (Приложение 1): 2 shift open, 3 shift open over 24 h, 4 shift closed, 8 open document
# (status nibble: 0 sale, 2 return of a sale). Submodes: 0 paper present, 1 no paper.
MODE_SHIFT_OPEN, MODE_SHIFT_24H, MODE_SHIFT_CLOSED, MODE_DOCUMENT = 2, 3, 4, 8

# Tax rate byte of command FF46 (Штрих-М's own JavaPOS driver, VatRate codes of 2026).
TAX_RATE_CODES = frozenset({0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x81, 0x82, 0x84, 0x88, 0xCB, 0xCC})
NOT_GIVEN = 0xFF_FF_FF_FF_FF  # "let the register compute it" in FF46's sum and tax fields

DOC_OPEN_SHIFT, DOC_RECEIPT, DOC_CLOSE_SHIFT = 2, 3, 5  # fiscal document types (TLV types)


@dataclass
class Fault:
    """One injected failure: `kind` on the next `command` (any command if None), `times` times."""

    kind: str  # "error", "lose", "lose_ack", "slow", "garble_out", "garble_in"
    command: int | None = None
    code: int = 0
    delay: float = 0.0
    times: int = 1


@dataclass
class _Position:
    name: str
    quantity: int  # millionths, as FF46 carries it
    price: int
    amount: int
    tax: int
    method: int
    subject: int


@dataclass
class _Check:
    kind: int  # 0 sale, 2 return of a sale (command 8D's document type)
    positions: list[_Position] = field(default_factory=list)
    tlvs: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class FnDocument:
    """A fiscal document in the drive's archive."""

    number: int
    type: int
    at: datetime
    sign: int
    shift: int
    tlvs: bytes = b""
    operation: int = 0  # receipts: 1 приход, 2 возврат прихода
    total: int = 0


class _Wire(Protocol):
    def recv(self, timeout: float | None) -> bytes: ...

    def send(self, data: bytes) -> None: ...


class ShtrihEmulator:
    """The register's state and its command set; transports feed it bytes through `serve_*`."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = datetime.now,
        fn_number: str = "9999078902004512",
        serial: str = "0012345678901",
        inn: str = "7700000000",
        ack_timeout: float = 1.0,
    ) -> None:
        self._clock = clock
        self.offset = timedelta()
        self.fn_number = fn_number
        self.serial = serial
        self.inn = inn
        self.ack_timeout = ack_timeout
        self.lock = threading.RLock()
        self.paper = True
        self.cover_open = False
        self.fn_full = False
        self.fn_memory_nearly_full = False
        self.fn_valid_until = (self.now() + timedelta(days=400)).date()
        self.ofd_blocked = False
        self.shift_open = False
        self.shift_number = 0
        self.shift_opened_at: datetime | None = None
        self.checks_in_shift = 0
        self.check: _Check | None = None
        self.forming: str | None = None  # "open"/"close": a shift report begun by FF41h/FF42h
        self.shift_tlvs: list[tuple[int, bytes]] = []  # TLVs sent for that report (the cashier)
        self.documents: list[FnDocument] = []
        self.ofd_confirmed = 0  # documents up to this number have the ОФД's receipt
        self.reports: list[tuple[str, int]] = []  # ("x"|"z", shift)
        self.printed: list[str] = []  # non-fiscal lines (command 17h)
        self.faults: list[Fault] = []
        self.stats: dict[str, int] = {"commands": 0, "naks_sent": 0, "naks_received": 0, "lost": 0}
        self.pending: bytes | None = None  # an answer the host has not confirmed yet
        self._read_cursor: list[tuple[int, bytes]] = []
        self._servers: list[_Server] = []

    # ----------------------------------------------------------------- time and faults
    def now(self) -> datetime:
        """The register's clock (naive local time, as the device keeps it), moved by `offset`."""
        return self._clock().replace(microsecond=0) + self.offset

    def advance(self, **delta: float) -> None:
        """Move the register's clock on (e.g. hours=25 to let the shift run over 24 hours)."""
        with self.lock:
            self.offset += timedelta(**delta)

    def inject(
        self, kind: str, command: int | None = None, *, code: int = 0, delay: float = 0.0, times: int = 1
    ) -> None:
        """Queue a failure for the next matching command (see Fault)."""
        with self.lock:
            self.faults.append(Fault(kind, command, code, delay, times))

    def _take_fault(self, command: int | None, kinds: tuple[str, ...]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.kind in kinds and (fault.command is None or fault.command == command):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def confirm_ofd(self) -> None:
        """The ОФД confirmed every document so far."""
        with self.lock:
            self.ofd_confirmed = len(self.documents)

    @property
    def receipts(self) -> list[FnDocument]:
        """The receipts in the drive, oldest first."""
        return [d for d in self.documents if d.type == DOC_RECEIPT]

    # ----------------------------------------------------------------- state helpers
    def mode(self) -> int:
        """The register's mode byte (Приложение 1)."""
        if self.check is not None:
            return MODE_DOCUMENT | (self.check.kind << 4)
        if not self.shift_open:
            return MODE_SHIFT_CLOSED
        return MODE_SHIFT_24H if self._shift_expired() else MODE_SHIFT_OPEN

    def _shift_expired(self) -> bool:
        return self.shift_opened_at is not None and self.now() - self.shift_opened_at > timedelta(hours=24)

    def _fn_expired(self) -> bool:
        return self.now().date() > self.fn_valid_until

    def _fn_refusal(self) -> int:
        """The drive's refusal of a new document, 0 when it can take one."""
        if self._fn_expired():
            return E_FN_EXPIRED
        if self.fn_full:
            return E_FN_FULL
        if self.ofd_blocked:
            return E_OFD_WAIT
        return 0

    def _new_document(self, kind: int, **extra: object) -> FnDocument:
        number = len(self.documents) + 1
        at = self.now()
        digest = hashlib.sha256(f"{self.fn_number}:{number}:{at.isoformat()}".encode()).digest()
        sign = int.from_bytes(digest[:4], "big") % 4_000_000_000 + 100_000_000
        doc = FnDocument(number=number, type=kind, at=at, sign=sign, shift=self.shift_number)
        for key, value in extra.items():
            setattr(doc, key, value)
        self.documents.append(doc)
        return doc

    def _unsent(self) -> list[FnDocument]:
        return self.documents[self.ofd_confirmed :]

    # ----------------------------------------------------------------- commands
    def execute(self, message: bytes) -> bytes:
        """Run one command message; the answer message (command code, error code, data)."""
        code, params = split_command(message)
        with self.lock:
            self.stats["commands"] += 1
            fault = self._take_fault(code, ("error",))
            if fault is not None:
                return command_bytes(code) + bytes([fault.code])
            handler = _HANDLERS.get(code)
            if handler is None:
                return command_bytes(code) + bytes([E_UNSUPPORTED])
            # Every command but "get device type" starts with a password (1..28 cashiers, 29, 30).
            if code != 0xFC and (len(params) < 4 or not 1 <= from_le(params[:4]) <= 30):
                return command_bytes(code) + bytes([E_PASSWORD])
            try:
                result = handler(self, params[4:] if code != 0xFC else params)
            except (ValueError, IndexError, UnicodeDecodeError):
                result = bytes([E_BAD_PARAMS])
            return command_bytes(code) + result

    def _operator(self) -> bytes:
        return bytes([0, 1])  # no error, operator 1

    def _short_status(self, _: bytes) -> bytes:
        flags = 0
        if self.paper:
            flags |= 1 << 1 | 1 << 7  # receipt roll present, optical sensor sees paper
        flags |= 1 << 9  # receipt thermal head lever down
        if self.cover_open:
            flags |= 1 << 10
        ops = len(self.check.positions) if self.check else 0
        submode = 0 if self.paper else 1
        return (
            self._operator()
            + le(flags, 2)
            + bytes([self.mode(), submode, ops & 0xFF, 0x9F, 0xC0, ops >> 8])
            + bytes(3)
            + bytes([0])
        )

    def _print_ready(self) -> int:
        if not self.paper:
            return E_NO_PAPER
        return 0

    def _read_table(self, params: bytes) -> bytes:
        table, row, fld = params[0], from_le(params[1:3]), params[3]
        if table == 18 and row == 1 and fld in (1, 2, 4):
            text = {1: self.serial, 2: self.inn, 4: self.fn_number}[fld]
            size = 21 if fld == 1 else 17
            return bytes([0]) + text.encode("cp1251").ljust(size, b"\0")
        return bytes([E_NO_TABLE])

    def _print_line(self, params: bytes) -> bytes:
        if err := self._print_ready():
            return bytes([err])
        self.printed.append(params[1:].split(b"\0")[0].decode("cp1251"))
        return self._operator()

    def _x_report(self, _: bytes) -> bytes:
        if err := self._print_ready():
            return bytes([err])
        if self.check is not None:
            return bytes([E_CHECK_OPEN])
        if not self.shift_open:
            return bytes([E_SHIFT_CLOSED])
        self.reports.append(("x", self.shift_number))
        return bytes([0, 30])

    def _z_report(self, _: bytes) -> bytes:
        if err := self._print_ready():
            return bytes([err])
        if self.check is not None:
            return bytes([E_CHECK_OPEN])
        if not self.shift_open:
            return bytes([E_SHIFT_CLOSED])
        doc = self._new_document(DOC_CLOSE_SHIFT)
        doc.tlvs = self._shift_report_tlvs(doc)
        self.reports.append(("z", self.shift_number))
        self.shift_open, self.shift_opened_at, self.checks_in_shift = False, None, 0
        return bytes([0, 30])

    def _cancel_check(self, _: bytes) -> bytes:
        if self.check is None:
            return bytes([E_CHECK_CLOSED])
        self.check = None
        return self._operator()

    def _subtotal(self, _: bytes) -> bytes:
        if self.check is None:
            return bytes([E_CHECK_CLOSED])
        return self._operator() + le(sum(p.amount for p in self.check.positions), 5)

    def _can_open_check(self) -> int:
        if self.check is not None:
            return E_CHECK_OPEN
        if err := self._print_ready():
            return err
        if not self.shift_open:
            return E_SHIFT_CLOSED
        if self._shift_expired():
            return E_SHIFT_24H
        return self._fn_refusal()

    def _open_check(self, params: bytes) -> bytes:
        kind = params[0]
        if kind not in (0, 2):  # purchases (1, 3) are not a shop's till's business
            return bytes([E_BAD_PARAMS])
        if err := self._can_open_check():
            return bytes([err])
        self.check = _Check(kind)
        return self._operator()

    def _open_shift(self, _: bytes) -> bytes:
        if err := self._print_ready():
            return bytes([err])
        if self.shift_open:
            return bytes([E_SHIFT_OPEN])
        if err := self._fn_refusal():
            return bytes([err])
        self.shift_number += 1
        self.shift_open, self.shift_opened_at, self.checks_in_shift = True, self.now(), 0
        doc = self._new_document(DOC_OPEN_SHIFT)
        doc.tlvs = self._shift_report_tlvs(doc)
        return bytes([0, 1])

    def _device_type(self, _: bytes) -> bytes:
        return bytes([0, 0, 0, 1, 14, 250, 0]) + "ШТРИХ-М-01Ф".encode("cp1251")

    def _fn_status(self, _: bytes) -> bytes:
        warnings = 0
        if (self.fn_valid_until - self.now().date()).days <= 3:
            warnings |= 0b0001
        elif (self.fn_valid_until - self.now().date()).days <= 30:
            warnings |= 0b0010
        if self.fn_memory_nearly_full or self.fn_full:
            warnings |= 0b0100
        if self._unsent() and self.now() - self._unsent()[0].at > timedelta(days=25):
            warnings |= 0b1000
        last = self.documents[-1] if self.documents else None
        return (
            bytes([0, 0b0011, 0x04 if self.check else 0, 0, int(self.shift_open), warnings])
            + date_time5(last.at if last else self.now())
            + self.fn_number.encode("ascii")[:16].ljust(16, b"0")
            + le(last.number if last else 0, 4)
        )

    def _fn_expiry(self, _: bytes) -> bytes:
        until = self.fn_valid_until
        return bytes([0, until.year % 100, until.month, until.day])

    def _fn_cancel(self, _: bytes) -> bytes:
        self.check = None
        return bytes([0])

    def _find_document(self, params: bytes) -> bytes:
        number = from_le(params[:4])
        if not 1 <= number <= len(self.documents):
            return bytes([E_NO_DATA])
        doc = self.documents[number - 1]
        head = date_time5(doc.at) + le(doc.number, 4) + le(doc.sign, 4)
        if doc.type == DOC_RECEIPT:
            data = head + bytes([doc.operation]) + le(doc.total, 4)
        else:
            data = head + le(doc.shift, 2) + bytes([0])
        return bytes([0, doc.type, int(number <= self.ofd_confirmed)]) + data

    def _send_tlv(self, params: bytes) -> bytes:
        if len(params) > 250:
            return bytes([E_TLV_SIZE])
        if self.check is not None:
            self.check.tlvs.extend(parse_tlvs(params))
        elif self.forming is not None:
            self.shift_tlvs.extend(parse_tlvs(params))
        else:
            return bytes([0x02])  # ФН: неверное состояние ФН (no document being formed)
        return bytes([0])

    def _begin_open_shift(self, _: bytes) -> bytes:
        if self.shift_open:
            return bytes([E_SHIFT_OPEN])
        self.forming, self.shift_tlvs = "open", []
        return bytes([0])

    def _begin_close_shift(self, _: bytes) -> bytes:
        if not self.shift_open:
            return bytes([E_SHIFT_CLOSED])
        self.forming, self.shift_tlvs = "close", []
        return bytes([0])

    def _shift_report_tlvs(self, doc: FnDocument) -> bytes:
        out = b"".join(tlv(tag, value) for tag, value in self.shift_tlvs)
        self.forming, self.shift_tlvs = None, []
        return (
            out + tlv(1012, le(int(doc.at.timestamp()), 4)) + tlv(1040, le(doc.number, 4)) + tlv(1038, le(doc.shift, 4))
        )

    def _exchange_status(self, _: bytes) -> bytes:
        unsent = self._unsent()
        first = unsent[0] if unsent else None
        status = 0b10 if unsent else 0
        return (
            bytes([0, status, 0])
            + le(len(unsent), 2)
            + le(first.number if first else 0, 4)
            + (date_time5(first.at) if first else bytes(5))
        )

    def _request_tlv_document(self, params: bytes) -> bytes:
        number = from_le(params[:4])
        if not 1 <= number <= len(self.documents):
            return bytes([E_NO_DATA])
        doc = self.documents[number - 1]
        self._read_cursor = parse_tlvs(doc.tlvs)
        return bytes([0]) + le(doc.type, 2) + le(len(doc.tlvs), 2)

    def _read_tlv(self, _: bytes) -> bytes:
        if not self._read_cursor:
            return bytes([E_NO_DATA])
        tag, value = self._read_cursor.pop(0)
        return bytes([0]) + tlv(tag, value)

    def _unconfirmed_count(self, _: bytes) -> bytes:
        return bytes([0]) + le(len(self._unsent()), 2)

    def _shift_params(self, _: bytes) -> bytes:
        return bytes([0, int(self.shift_open)]) + le(self.shift_number, 2) + le(self.checks_in_shift + 1, 2)

    def _operation_v2(self, params: bytes) -> bytes:
        operation = params[0]
        quantity, price = from_le(params[1:7]), from_le(params[7:12])
        amount, tax_sum, tax = from_le(params[12:17]), from_le(params[17:22]), params[22]
        method, subject = params[24], params[25]
        name = params[26:154].split(b"\0")[0].decode("cp1251")
        del tax_sum  # the register computes the tax itself (tax mode 0, table 1)
        if operation not in (1, 2):
            return bytes([E_BAD_PARAMS])
        kind = 0 if operation == 1 else 2
        if self.check is None:
            if err := self._can_open_check():
                return bytes([err])
            self.check = _Check(kind)
        elif self.check.kind != kind:
            return bytes([E_WRONG_CHECK_TYPE])
        computed = (price * quantity + 500_000) // 1_000_000
        if amount == NOT_GIVEN:
            amount = computed
        if abs(amount - computed) > 1 or tax not in TAX_RATE_CODES or not 1 <= method <= 7 or not 1 <= subject <= 33:
            return bytes([E_BAD_PARAMS])
        self.check.positions.append(_Position(name, quantity, price, amount, tax, method, subject))
        return bytes([0])

    def _close_check_v2(self, params: bytes) -> bytes:
        payments = [from_le(params[i * 5 : i * 5 + 5]) for i in range(16)]
        taxation = params[80 + 1 + 30]
        if self.check is None:
            return bytes([E_CHECK_CLOSED])
        if err := self._print_ready():
            return bytes([err])
        if err := self._fn_refusal():
            return bytes([err])
        total = sum(p.amount for p in self.check.positions)
        paid = sum(payments)
        cashless = paid - payments[0]
        if paid < total:
            return bytes([E_PAYMENT_SHORT])
        if cashless > total:
            return bytes([E_CASHLESS_OVER])
        if not self.check.positions or taxation not in (1, 2, 4, 8, 16, 32):
            return bytes([E_BAD_PARAMS])
        check, self.check = self.check, None
        self.checks_in_shift += 1
        operation = 1 if check.kind == 0 else 2
        doc = self._new_document(DOC_RECEIPT, operation=operation, total=total)
        doc.tlvs = self._receipt_tlvs(doc, check, payments, taxation, total)
        return bytes([0]) + le(paid - total, 5) + le(doc.number, 4) + le(doc.sign, 4) + date_time5(doc.at)

    def _receipt_tlvs(self, doc: FnDocument, check: _Check, payments: list[int], taxation: int, total: int) -> bytes:
        """The receipt as the drive keeps it (ФФД 1.05 tags), so a host can read it back by FF3A/FF3B."""
        out = b"".join(tlv(tag, value) for tag, value in check.tlvs)
        for p in check.positions:
            body = (
                tlv(1030, p.name.encode("cp866", "replace"))
                + tlv(1079, _vln(p.price))
                + tlv(1023, bytes([6]) + _vln(p.quantity))
                + tlv(1043, _vln(p.amount))
                + tlv(1199, bytes([p.tax]))
                + tlv(1214, bytes([p.method]))
                + tlv(1212, bytes([p.subject]))
            )
            out += tlv(1059, body)
        unix = int(doc.at.timestamp())
        out += (
            tlv(1012, le(unix, 4))
            + tlv(1040, le(doc.number, 4))
            + tlv(1041, self.fn_number.encode("ascii"))
            + tlv(1038, le(doc.shift, 4))
            + tlv(1042, le(self.checks_in_shift, 4))
            + tlv(1054, bytes([doc.operation]))
            + tlv(1055, bytes([taxation]))
            + tlv(1020, _vln(total))
            + tlv(1031, _vln(payments[0]))
            + tlv(1081, _vln(sum(payments[1:13])))
            + tlv(1217, _vln(payments[15]))
            + tlv(1077, bytes(2) + doc.sign.to_bytes(4, "big"))
        )
        return out

    # ----------------------------------------------------------------- transports
    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> _Server:
        """Listen on a TCP socket (port 0: any free one; its number is `.port`); one host at a time."""
        listener = socket.create_server((host, port))
        server = _Server(self, listener=listener)
        server.start()
        self._servers.append(server)
        return server

    def serve_pty(self) -> _Server:
        """Listen on a fresh pseudo-terminal; `.path` is the serial device to open (/dev/pts/N)."""
        master, slave = os.openpty()
        tty.setraw(slave)  # a serial line carries bytes: no echo, no line editing
        server = _Server(self, master=master, slave=slave)
        server.start()
        self._servers.append(server)
        return server

    def close(self) -> None:
        """Stop every transport."""
        for server in self._servers:
            server.stop()
        self._servers.clear()

    def __enter__(self) -> ShtrihEmulator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no answer is still being prepared (a slow answer injected earlier)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(s.busy for s in self._servers):
            time.sleep(0.01)

    # ----------------------------------------------------------------- the link layer
    def talk(self, wire: _Wire, stop: threading.Event, server: _Server) -> None:
        """The device side of the standard link layer (Приложение 2) over one connection."""
        pushback: list[int] = []

        def byte(timeout: float | None) -> int | None:
            if pushback:
                return pushback.pop()
            data = wire.recv(timeout)
            if not data:
                return None
            pushback.extend(reversed(data[1:]))
            return data[0]

        def send_answer(answer: bytes, *, garble: bool = False) -> None:
            frame = encode_frame(answer)
            if garble:
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
            wire.send(frame)
            reply = byte(self.ack_timeout)
            if reply == ACK:
                with self.lock:
                    self.pending = None
            elif reply == NAK:
                self.stats["naks_received"] += 1  # kept: the host asks again with ENQ
            elif reply is not None:
                pushback.append(reply)

        while not stop.is_set():
            first = byte(0.05)  # short, so stop() is prompt
            if first is None:
                if server.closed_by_peer:
                    return
                continue
            if first == ENQ:
                if self.pending is not None:
                    wire.send(bytes([ACK]))
                    send_answer(self.pending)
                else:
                    wire.send(bytes([NAK]))
                continue
            if first != STX:
                continue  # line noise, or the 0xFF some firmwares send after an ACK
            length = byte(1.0)
            if length is None:
                continue
            body = bytearray()
            while len(body) < length + 1:
                nxt = byte(1.0)
                if nxt is None:
                    break
                body.append(nxt)
            if len(body) < length + 1:
                continue  # the message stopped short: not taken, no answer (the host's timeout)
            message, check = bytes(body[:-1]), body[-1]
            try:
                code, _ = split_command(message)
            except ValueError:
                code = None
            if lrc(bytes([length]) + message) != check or self._take_fault(code, ("garble_in",)):
                self.stats["naks_sent"] += 1
                wire.send(bytes([NAK]))
                continue
            if self._take_fault(code, ("lose_ack",)):
                self.stats["acks_lost"] = self.stats.get("acks_lost", 0) + 1
            else:
                wire.send(bytes([ACK]))
            server.busy = True
            try:
                answer = self.execute(message)
                with self.lock:
                    self.pending = answer
                if self._take_fault(code, ("lose",)):
                    self.stats["lost"] += 1
                    continue
                slow = self._take_fault(code, ("slow",))
                if slow is not None:
                    time.sleep(slow.delay)
                send_answer(answer, garble=self._take_fault(code, ("garble_out",)) is not None)
            finally:
                server.busy = False


def _vln(value: int) -> bytes:
    """A ФФД VLN: the shortest little-endian unsigned number (at least one byte)."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "little")


class _Server:
    """One transport of the emulator: a TCP listener (connections one after another) or a pty."""

    def __init__(
        self,
        emulator: ShtrihEmulator,
        *,
        listener: socket.socket | None = None,
        master: int | None = None,
        slave: int | None = None,
    ) -> None:
        self.emulator = emulator
        self.listener = listener
        self.master, self.slave = master, slave
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="shtrih-emulator", daemon=True)
        self.busy = False
        self.closed_by_peer = False

    @property
    def port(self) -> int:
        """The TCP port listened on."""
        assert self.listener is not None
        return int(self.listener.getsockname()[1])

    @property
    def path(self) -> str:
        """The pseudo-terminal's device path, for a serial setting."""
        assert self.slave is not None
        return os.ttyname(self.slave)

    def start(self) -> None:
        """Start serving in a daemon thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and release the socket or the terminal."""
        self.stop_event.set()
        if self.listener is not None:
            self.listener.close()
        self.thread.join(timeout=3)
        for fd in (self.master, self.slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _run(self) -> None:
        if self.master is not None:
            self.emulator.talk(_FdWire(self.master), self.stop_event, self)
            return
        assert self.listener is not None
        try:
            self.listener.settimeout(0.05)
        except OSError:
            return  # stopped before it started
        while not self.stop_event.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                # ACK and the answer go out back to back: no Nagle delay between them.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.closed_by_peer = False
                self.emulator.talk(_SocketWire(conn, self), self.stop_event, self)


class _SocketWire:
    def __init__(self, conn: socket.socket, server: _Server) -> None:
        self.conn, self.server = conn, server

    def recv(self, timeout: float | None) -> bytes:
        try:
            ready, _, _ = select.select([self.conn], [], [], timeout)
            data = self.conn.recv(256) if ready else None
        except OSError:
            data = b""
        if data is None:
            return b""  # nothing within the timeout
        if not data:
            self.server.closed_by_peer = True  # the host hung up
        return data

    def send(self, data: bytes) -> None:
        try:
            self.conn.sendall(data)
        except OSError:
            self.server.closed_by_peer = True


class _FdWire:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def recv(self, timeout: float | None) -> bytes:
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            return os.read(self.fd, 256) if ready else b""
        except OSError:
            return b""

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, data)


_Handler = Callable[[ShtrihEmulator, bytes], bytes]
_HANDLERS: dict[int, _Handler] = {
    0x10: ShtrihEmulator._short_status,
    0x17: ShtrihEmulator._print_line,
    0x1F: ShtrihEmulator._read_table,
    0x40: ShtrihEmulator._x_report,
    0x41: ShtrihEmulator._z_report,
    0x88: ShtrihEmulator._cancel_check,
    0x89: ShtrihEmulator._subtotal,
    0x8D: ShtrihEmulator._open_check,
    0xE0: ShtrihEmulator._open_shift,
    0xFC: ShtrihEmulator._device_type,
    0xFF01: ShtrihEmulator._fn_status,
    0xFF03: ShtrihEmulator._fn_expiry,
    0xFF08: ShtrihEmulator._fn_cancel,
    0xFF0A: ShtrihEmulator._find_document,
    0xFF0C: ShtrihEmulator._send_tlv,
    0xFF39: ShtrihEmulator._exchange_status,
    0xFF3A: ShtrihEmulator._request_tlv_document,
    0xFF3B: ShtrihEmulator._read_tlv,
    0xFF3F: ShtrihEmulator._unconfirmed_count,
    0xFF40: ShtrihEmulator._shift_params,
    0xFF41: ShtrihEmulator._begin_open_shift,
    0xFF42: ShtrihEmulator._begin_close_shift,
    0xFF45: ShtrihEmulator._close_check_v2,
    0xFF46: ShtrihEmulator._operation_v2,
}


def main(argv: list[str] | None = None) -> int:
    """Serve an emulated register until interrupted (for a demo store or a manual check)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7778, help="TCP port (the register's default is 7778)")
    parser.add_argument("--pty", action="store_true", help="also serve on a pseudo-terminal (a serial line)")
    parser.add_argument("--open-shift", action="store_true", help="start with the shift open")
    args = parser.parse_args(argv)
    emulator = ShtrihEmulator()
    if args.open_shift:
        emulator._open_shift(b"")
    tcp = emulator.serve_tcp(args.host, args.port)
    print(f"shtrih:tcp://{args.host}:{tcp.port}", flush=True)
    if args.pty:
        print(f"shtrih:serial:{emulator.serve_pty().path}?baud=115200", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.close()


if __name__ == "__main__":
    raise SystemExit(main())
