"""Штрих-М registers (ШТРИХ-М-01Ф/02Ф, ЛАЙТ, МИНИ, РИТЕЙЛ-01Ф, ...) driven through pyshtrih.

`ShtrihDevice` implements app.core.fiscal.FiscalDevice. pyshtrih (PyPI, MIT) carries the link
layer (STX frames, LRC, ENQ/ACK/NAK, retries) and the commands it knows: status 10h, open check
8Dh, cancel 88h, X/Z reports 40h/41h, open shift E0h, device type FCh, read table 1Fh and the
drive's FF01h/FF03h/FF0Ah/FF0Ch/FF39h/FF40h. The ФФД 1.05 commands it lacks (operation V2 FF46h,
close check V2 FF45h, read a document's TLV FF3Ah/FF3Bh) go through its own
`protocol.command`, which returns their raw answer; we decode those here. Two small shims live in
this module, not in a fork: a `socket://` pyserial port for "shtrih:tcp://" (pyshtrih opens only
serial ports), and a bounded wait for the printer (pyshtrih's own waits forever when the paper is
out). Layouts, codes and choices: docs/fiscal-shtrih.md.
"""

from __future__ import annotations

import functools
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, tzinfo
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import parse_qs, urlsplit

import pyshtrih
from pyshtrih import excepts as shtrih_errors
from pyshtrih.handlers import commands as shtrih_handlers
from serial.urlhandler.protocol_socket import Serial as SocketSerial

from app.core.fiscal import (
    DeviceStatus,
    FiscalDocument,
    FiscalError,
    FiscalResult,
    Operator,
    Position,
    ReportResult,
    ShiftInfo,
    Taxation,
    Vat,
)
from app.core.timeutil import to_ms
from app.fiscal.emulators.shtrih_frames import from_le, le, parse_date_time5, parse_tlvs, tlv

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["PAYMENT_OBJECT_CODES", "TAXATION_BITS", "VAT_TAX_CODES", "ShtrihDevice", "marker_of", "split_position"]

DEFAULT_TCP_PORT = 7778  # table 21 "Порт tcp-сервера" (Общее руководство по настройке ККТ)
DEFAULT_BAUD = 115200
DEFAULT_TIMEOUT = 5.0  # seconds to wait for each answer byte (pyshtrih's own default is 3)
DEFAULT_PASSWORD = 30  # системный администратор (table 2, row 30); cashiers are 1..28
LOOKBACK = 20  # fiscal documents result_of reads back from the newest
REGISTER_LOOKBACK = 3  # ... and register, when unsure whether a retry was printed already
_UNSUPPORTED = ("0x37", "0x01")  # команда не поддерживается; ФН: неизвестная команда
E_CHECK_OPEN = 0x4A  # открыт чек – операция невозможна
E_CHECK_CLOSED = 0x55  # чек закрыт – операция невозможна

# Our VAT literals -> the tax rate byte of FF46h, as Штрих-М's own JavaPOS driver sends them since
# 18.02.2026 (VatRate, getVatCodeShtrih): bits 0..5 the classic table rows (20 %, 10 %, 0 %, без
# НДС, 20/120, 10/110), bit 7 with bits 0..3 the 2025 rates (5 %, 7 %, 5/105, 7/107), 0xCB/0xCC 22 %.
VAT_TAX_CODES: dict[Vat, int] = {
    "vat22": 0xCB,
    "vat10": 0x02,
    "vat0": 0x04,
    "none": 0x08,
    "vat5": 0x81,
    "vat7": 0x82,
}
# Система налогообложения of FF45h: one bit (ОСН, УСН доход, УСН доход-расход, ЕНВД, ЕСХН, ПСН).
TAXATION_BITS: dict[Taxation, int] = {"osn": 0x01, "usnIncome": 0x02, "usnIncomeOutcome": 0x04, "patent": 0x20}
# 54-ФЗ tag 1212 (признак предмета расчёта) and 1214 (признак способа расчёта: 4 полный расчёт).
PAYMENT_OBJECT_CODES = {"commodity": 1, "service": 4}
FULL_PAYMENT = 4
PAYMENT_SLOT = {"cash": 0, "electronically": 1}  # type 1 наличными, type 2 (2..13 go as «электронными»)

# The drive's and the register's error codes («Коды ошибок», protocol v1.17; ФН codes) -> refusals.
_REFUSALS: dict[int, str] = {
    0x05: "fiscal_fn_expired",  # ФН: закончен срок эксплуатации / параметры не соответствуют сроку жизни
    0x06: "fiscal_fn_full",  # ФН: архив ФН переполнен
    0x12: "fiscal_fn_expired",  # ФН: исчерпан ресурс КС, требуется закрытие фискального режима
    0x14: "fiscal_ofd_blocked",  # ФН: исчерпан ресурс хранения документов для ОФД
    0x15: "fiscal_ofd_blocked",  # ФН: исчерпан ресурс ожидания передачи сообщения (30 days)
    0x16: "fiscal_shift_expired",  # ФН: продолжительность смены более 24 часов
    0x3D: "fiscal_shift_closed",  # смена не открыта – операция невозможна
    0x4E: "fiscal_shift_expired",  # смена превысила 24 часа
    0x50: "fiscal_busy",  # идет печать результатов выполнения предыдущей команды
    0x58: "fiscal_paper_out",  # ожидание команды продолжения печати (after the paper ran out)
    0x6B: "fiscal_paper_out",  # нет чековой ленты
    0x6C: "fiscal_paper_out",  # нет контрольной ленты
}
_NO_DATA = 0x08

# Keys of pyshtrih's decoded answers (its own Russian field names).
_MODE, _SUBMODE, _FLAGS = "Режим ФР", "Подрежим ФР", "Флаги ФР"
_COVER = "Крышка корпуса ФР"


# Commands pyshtrih has no table entry for: named and decoded as "error code, then raw data", so
# its protocol raises on an error code and tells which command an answer belongs to (additive:
# entries it lacks, nothing of its own changed).
_DATA = "Данные"
_EXTRA_COMMANDS = {
    0x89: "Подытог чека",
    0xFF3A: "Запросить фискальный документ в TLV формате",
    0xFF3B: "Чтение TLV фискального документа",
    0xFF45: "Закрытие чека расширенное вариант №2",
    0xFF46: "Операция V2",
}
for _code, _name in _EXTRA_COMMANDS.items():
    shtrih_handlers.COMMANDS.setdefault(_code, _name)
    shtrih_handlers.HANDLERS.setdefault(_code, (shtrih_handlers.ERROR_CODE_STRUCT, (slice(1, None), None, _DATA)))


class _CheckedProtocol(pyshtrih.Protocol):  # type: ignore[misc]
    """pyshtrih's link layer, refusing an answer that belongs to another command.

    pyshtrih sends a command again when its ACK does not come (the protocol's recommended host
    instead asks with ENQ), so after line trouble an answer can be a stale one, or the device may
    have run a command twice. A stale answer is a broken link here; a doubled position is caught
    by the subtotal check before a receipt is closed.
    """

    def command_nopass(self, cmd: int, params: bytearray = bytearray()) -> Any:  # noqa: B008 - pyshtrih's signature
        """Send `cmd`; its decoded answer, or UnexpectedResponseError when the answer is another command's."""
        try:
            answer = super().command_nopass(cmd, params)
        except shtrih_errors.Error as exc:
            # pyshtrih raises a device error before looking whose answer it is: another command's error
            # (a late answer to a command it sent twice) is a stale answer, not the register refusing `cmd`.
            if exc.cmd not in (cmd, 0):
                raise shtrih_errors.UnexpectedResponseError(
                    f"an error answer to 0x{exc.cmd:02X}, not to 0x{cmd:02X}"
                ) from exc
            raise
        if getattr(answer, "cmd", None) != cmd:
            raise shtrih_errors.UnexpectedResponseError(f"answer to another command than 0x{cmd:02X}")
        return answer


class _Register(pyshtrih.ShtrihAllCommands):  # type: ignore[misc]
    """pyshtrih's device with every command it knows, the drive's error texts, and a bounded print wait."""

    FS = True  # a register with a fiscal drive: codes 01h..20h are the drive's
    DEFAULT_MAX_LENGTH = 48
    PRINT_WAIT = 10.0

    def __init__(self, port: str, baudrate: int, timeout: float, password: int) -> None:
        super().__init__(port=port, baudrate=baudrate, timeout=timeout, password=password, admin_password=password)
        self.protocol = _CheckedProtocol(port, baudrate, timeout, fs=True)

    def wait_printing(self) -> None:
        """Wait (bounded) until the printer is idle; pyshtrih's version loops forever without paper."""
        deadline = time.monotonic() + self.PRINT_WAIT
        while True:
            state = self.state()
            mode, submode = state[_MODE].num, state[_SUBMODE].state
            if submode in (1, 2):
                raise shtrih_errors.Error(0x10, 0x6B, fs=True)  # нет чековой ленты
            if submode == 3:
                self.continue_print()
            elif mode != 12 and submode == 0:
                return
            if time.monotonic() > deadline:
                raise shtrih_errors.Error(0x10, 0x50, fs=True)  # still printing: busy
            time.sleep(0.05)


class _TcpLine(SocketSerial):  # type: ignore[misc]
    """pyserial's socket:// port with Nagle off: the protocol sends many one-byte ENQ/ACK writes."""

    _socket: socket.socket | None
    is_open: bool

    def open(self) -> None:
        """Connect, then send small writes at once (Nagle would hold each for the peer's delayed ACK)."""
        super().open()
        assert self._socket is not None
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        """Hang up at once (pyserial's socket port sleeps 0.3 s after every close)."""
        if self.is_open and self._socket is not None:
            with suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None
        self.is_open = False


def marker_of(uuid: str) -> str:
    """The 16-character tag 1192 value a receipt carries for `uuid` (its random tail, or a hash)."""
    hexdigits = uuid.replace("-", "").lower()
    if len(hexdigits) == 32 and all(c in "0123456789abcdef" for c in hexdigits):
        return hexdigits[-16:]  # uuid4/uuid7: the random bits, readable beside the sale's id
    return hashlib.sha256(uuid.encode()).hexdigest()[:16]


def split_position(position: Position) -> list[tuple[int, int]]:
    """(quantity, unit price) pairs whose sum is the position's amount: one pair, or two when it must split.

    FF46h refuses a sum more than 1 kopeck away from price × quantity, so a discounted line is
    printed at its price after the discount (points lower the price: ФНС АБ-4-20/6093); when
    the amount is not a multiple of the quantity, the line splits into q-r units at floor(amount/q)
    and r units at one kopeck more (fiscal.md allows a line split in two).
    """
    q, amount = position.quantity, position.amount
    if q <= 0 or amount < 0:
        raise FiscalError("fiscal_device", device_code="shtrih", text=f"bad position {position.name!r}")
    unit, rest = divmod(amount, q)
    if rest == 0:
        return [(q, unit)]
    return [(q - rest, unit), (rest, unit + 1)]


def _one_at_a_time(method: Callable[Concatenate[ShtrihDevice, P], R]) -> Callable[Concatenate[ShtrihDevice, P], R]:
    """One conversation with the register at a time (a status bar may ask while a sale prints)."""

    @functools.wraps(method)
    def serialized(self: ShtrihDevice, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    return serialized


class ShtrihDevice:
    """A Штрих-М register through pyshtrih, over TCP (its tcp server) or a serial port."""

    def __init__(
        self,
        port: str,
        *,
        baud: int = DEFAULT_BAUD,
        timeout: float = DEFAULT_TIMEOUT,
        password: int = DEFAULT_PASSWORD,
        tz: tzinfo | None = None,
        lookback: int = LOOKBACK,
        label: str | None = None,
    ) -> None:
        self.port = port  # a device path, or a pyserial URL such as socket://host:7778
        self.baud = baud
        self.timeout = timeout
        self.password = password
        self.tz = tz
        self.lookback = lookback
        self.label = label or port
        self._dev: _Register | None = None
        self._lock = threading.RLock()
        self._results: dict[str, FiscalResult] = {}
        self._uncertain = True  # nothing known about the register's last documents yet
        self._fn: str | None = None

    # ----------------------------------------------------------------- settings
    @classmethod
    def from_setting(cls, text: str, *, timeout: float | None = None) -> ShtrihDevice:
        """The driver for "shtrih:tcp://HOST[:PORT]" or "shtrih:serial:PATH[?baud=N]" (&password=, &timeout=)."""
        setting = text.strip()
        body = setting.removeprefix("shtrih:")
        address, _, query = body.partition("?")
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        try:
            password = int(params.get("password", DEFAULT_PASSWORD))
            wait = float(params.get("timeout", timeout if timeout is not None else DEFAULT_TIMEOUT))
            baud = int(params.get("baud", DEFAULT_BAUD))
        except ValueError:
            raise FiscalError("fiscal_device_bad", text=text) from None
        if address.startswith("tcp://"):
            parts = urlsplit(address)
            try:
                port_number = parts.port or DEFAULT_TCP_PORT
            except ValueError:
                raise FiscalError("fiscal_device_bad", text=text) from None
            if not parts.hostname or parts.path not in ("", "/"):
                raise FiscalError("fiscal_device_bad", text=text)
            port = f"socket://{parts.hostname}:{port_number}"
        elif address.startswith("serial:") and len(address) > len("serial:"):
            port = address.removeprefix("serial:")
        else:
            raise FiscalError("fiscal_device_bad", text=text)
        if not 0 <= password <= 99_999_999 or wait <= 0 or baud <= 0:
            raise FiscalError("fiscal_device_bad", text=text)
        return cls(port, baud=baud, timeout=wait, password=password, label=setting)

    # ----------------------------------------------------------------- the link
    def _device(self) -> _Register:
        if self._dev is not None and self._dev.connected:
            return self._dev
        dev = _Register(self.port, self.baud, self.timeout, self.password)
        if self.port.startswith("socket://"):
            # pyshtrih builds a serial.Serial, which opens device paths only; pyserial's socket://
            # handler takes the same calls, so we hand pyshtrih one of those (it sets the port).
            dev.protocol.serial = _TcpLine(None, timeout=self.timeout, write_timeout=self.timeout)
        try:
            dev.connect()
        except (shtrih_errors.ProtocolError, OSError) as exc:
            self._drop(dev)
            raise FiscalError("fiscal_no_connection", device=self.label) from exc
        self._dev = dev
        return dev

    def _drop(self, dev: _Register | None = None) -> None:
        target = dev or self._dev
        if target is not None:
            with suppress(shtrih_errors.ProtocolError, OSError):
                target.disconnect()
        self._dev = None

    @contextmanager
    def _talking(self, *, lost: str = "fiscal_no_connection") -> Iterator[_Register]:
        """Run commands; device codes become refusals, a lost link becomes `lost` (and is dropped)."""
        dev = self._device()
        try:
            yield dev
        except shtrih_errors.Error as exc:
            if exc.cmd == 0 and exc.code == 0xFF:  # pyshtrih's CheckError around a link failure
                self._drop()
                raise FiscalError(lost, device=self.label) from exc
            raise self._refusal(exc.code, exc.code_desc) from exc
        except (shtrih_errors.ProtocolError, OSError, KeyError, struct.error) as exc:
            # KeyError, struct.error: pyshtrih could not decode the answer (a damaged or foreign one).
            self._drop()
            raise FiscalError(lost, device=self.label) from exc

    def _refusal(self, code: int, text: str) -> FiscalError:
        name = _REFUSALS.get(code)
        if name == "fiscal_ofd_blocked":
            return FiscalError(name, days=30)
        if name is not None:
            return FiscalError(name)
        return FiscalError("fiscal_device", device_code=f"0x{code:02X}", text=text)

    def _raw(self, dev: _Register, code: int, *params: bytes) -> bytes:
        """A command pyshtrih has no method for: its data after the error byte (pyshtrih raises on an error)."""
        answer = dev.protocol.command(code, self.password, *(bytearray(p) for p in params))
        return bytes(answer[_DATA] or b"")  # a non-zero error code was raised by pyshtrih already

    def _moment(self, naive: datetime) -> int:
        """Epoch ms of a time on the register's clock (its local time; `tz` or this machine's zone)."""
        return to_ms(naive.replace(tzinfo=self.tz) if self.tz is not None else naive.astimezone())

    # ----------------------------------------------------------------- the contract
    @_one_at_a_time
    def register(self, doc: FiscalDocument) -> FiscalResult:
        """Print `doc`; the same uuid twice prints once (read back from the drive when unsure)."""
        known = self._results.get(doc.uuid)
        if known is not None:
            return known
        operation = 1 if doc.kind == "sell" else 2
        if self._uncertain:
            # After a lost answer (or in a fresh process) the receipt may already be signed: look at
            # the last few receipts of this total and kind before printing.
            try:
                with self._talking() as dev:
                    found = self._find(dev, doc.uuid, REGISTER_LOOKBACK, total=doc.total, operation=operation)
            except FiscalError as exc:
                if exc.params.get("device_code") not in _UNSUPPORTED:
                    raise
                found = None  # a firmware that cannot read its archive back: nothing to compare with
            self._uncertain = False
            if found is not None:
                return found
        with self._talking() as dev:
            self._ready_for_receipt(dev)
            shift = int(dev.fs_shift_params()["Номер смены"])
            fn = self._fn_number(dev)
            try:
                dev.open_check(0 if operation == 1 else 2)
            except shtrih_errors.Error as exc:
                if exc.code != E_CHECK_OPEN:
                    raise
                # We saw no open check a moment ago: pyshtrih sent 8Dh twice after a lost ACK.
                self._drop()
                raise FiscalError("fiscal_no_connection", device=self.label) from exc
        try:
            with self._talking() as dev:
                for tag, value in self._receipt_tags(doc):
                    dev.send_tlv_struct(bytearray(tlv(tag, value)))
                for position in doc.positions:
                    for quantity, price in split_position(position):
                        self._raw(dev, 0xFF46, self._operation(operation, position, quantity, price))
                subtotal = from_le(self._raw(dev, 0x89)[1:6])  # 89h: operator number, then the subtotal
            if subtotal != doc.total:
                # A position the register took twice (or missed) after line trouble: never close it.
                raise FiscalError(
                    "fiscal_device", device_code="subtotal", text=f"register subtotal {subtotal} != {doc.total}"
                )
        except FiscalError as exc:
            if exc.code != "fiscal_no_connection":
                self._cancel_quietly()
            raise
        # From here on the drive may have signed the receipt even if its answer never comes.
        try:
            with self._talking(lost="fiscal_unknown") as dev:
                answer = self._raw(dev, 0xFF45, self._close_params(doc))
        except FiscalError as exc:
            if exc.code == "fiscal_device" and exc.params.get("device_code") == f"0x{E_CHECK_CLOSED:02X}":
                # "Check closed" to our close: pyshtrih repeats a command whose ACK it missed, so
                # the first copy may have closed (and signed) it. Only the drive can tell.
                exc = FiscalError("fiscal_unknown", device=self.label)
            if exc.code == "fiscal_unknown":
                self._uncertain = True
            else:
                self._cancel_quietly()
            raise exc from None
        number, sign = from_le(answer[5:9]), from_le(answer[9:13])
        at = self._moment(parse_date_time5(answer[13:18])) if len(answer) >= 18 else to_ms(datetime.now().astimezone())
        result = FiscalResult(doc.uuid, number, str(sign), shift, fn, at, doc.total)
        self._results[doc.uuid] = result
        return result

    @_one_at_a_time
    def result_of(self, uuid: str) -> FiscalResult | None:
        """Find the receipt carrying uuid's marker (tag 1192) among the drive's last `lookback` documents."""
        known = self._results.get(uuid)
        if known is not None:
            return known
        for attempt in (1, 2):
            try:
                with self._talking() as dev:
                    found = self._find(dev, uuid, self.lookback)
                break
            except FiscalError as exc:
                # Right after line trouble the register may still be answering our last frames:
                # one fresh connection (which drains them) before giving up.
                if exc.code != "fiscal_no_connection" or attempt == 2:
                    raise
                time.sleep(self.timeout)
        self._uncertain = False
        return found

    def _find(
        self, dev: _Register, uuid: str, lookback: int, *, total: int | None = None, operation: int | None = None
    ) -> FiscalResult | None:
        """The receipt with uuid's marker among the last `lookback` documents (FF0Ah, then its TLV)."""
        if dev.state()[_MODE].num == 8:
            dev.cancel_check()  # a receipt left open by a lost link was never signed: drop it
        marker = marker_of(uuid).encode("cp866")
        status = dev.fs_state()
        last = int(status["Номер последнего ФД"])
        for number in range(last, max(0, last - lookback), -1):
            found = dev.fs_find_document_by_num(number)
            if found["Тип фискального документа"] != 3:
                continue
            data = bytes(found["Данные фискального документа"])
            if (operation is not None and data[13] != operation) or (total is not None and from_le(data[14:]) != total):
                continue  # cheap checks first: reading a receipt's TLV takes a command per record
            if self._read_tlvs(dev, number, until=1192).get(1192) != marker:
                continue
            tags = self._read_tlvs(dev, number)  # the whole receipt, for its shift (1038)
            result = FiscalResult(
                uuid=uuid,
                document_number=from_le(data[5:9]),
                fiscal_sign=str(from_le(data[9:13])),
                shift=from_le(tags[1038]) if 1038 in tags else int(dev.fs_shift_params()["Номер смены"]),
                fn=bytes(status["Номер ФН"]).decode("ascii").strip("\0 "),
                at=self._moment(parse_date_time5(data[:5])),
                total=from_le(data[14:]),
            )
            self._results[uuid] = result
            return result
        return None

    @_one_at_a_time
    def open_shift(self, operator: Operator) -> ShiftInfo:
        """Open the shift (operator as tag 1021/1203 of the opening report) or adopt the open one."""
        with self._talking() as dev:
            params = dev.fs_shift_params()
            if params["Состояние смены"] != "смена открыта":
                self._ready(dev)
                dev.fs_begin_open_shift()  # FF41h, then the cashier's tags, then E0h prints the report
                self._send_operator(dev, operator)
                dev.open_shift()
            return self._shift(dev)

    @_one_at_a_time
    def close_shift(self, operator: Operator) -> ReportResult:
        """Close the shift with the Z-report (the drive's shift-closing report)."""
        with self._talking() as dev:
            self._ready(dev)
            if dev.state()[_MODE].num == 8:
                dev.cancel_check()
            shift = int(dev.fs_shift_params()["Номер смены"])
            dev.fs_begin_close_shift()  # FF42h, then the cashier's tags, then 41h prints the Z-report
            self._send_operator(dev, operator)
            dev.z_report()
            number = int(dev.fs_state()["Номер последнего ФД"])
        return ReportResult("z", shift, number)

    @_one_at_a_time
    def x_report(self, operator: Operator) -> ReportResult:
        """Print an X-report; the shift stays open."""
        with self._talking() as dev:
            self._ready(dev)
            shift = int(dev.fs_shift_params()["Номер смены"])
            dev.x_report()
        return ReportResult("x", shift)

    @_one_at_a_time
    def status(self) -> DeviceStatus:
        """Model, serial, drive number, shift and the drive's warnings (memory, validity, ОФД queue)."""
        with self._talking() as dev:
            state = dev.state()
            fs = dev.fs_state()
            flags = fs["Флаги предупреждения"]
            until = dev.fs_expiration_time()["Срок действия"]
            exchange = dev.fs_info_exchange()
            serial_number = str(dev.read_table(18, 1, 1, str)["Значение"]).strip()
            shift = self._shift(dev)
            unsent = int(exchange["Количество сообщений для ОФД"])
            oldest = exchange["Дата и время документа для ОФД первого в очереди"]
            today = datetime.now(self.tz).date() if self.tz else datetime.now().date()
            return DeviceStatus(
                model=str(dev.name),
                serial=serial_number,
                fn=self._fn_number(dev),
                shift=shift,
                paper=state[_SUBMODE].state == 0,
                fn_memory_nearly_full=bool(flags["Переполнение памяти ФН (Архив ФН заполнен на 90%)"]),
                fn_replace_soon=any(v for k, v in flags.items() if "криптографического" in k),
                fn_expired=until < today,
                ofd_unsent=unsent,
                ofd_oldest_unsent_at=self._moment(oldest) if unsent else None,
                extra={
                    "fn_valid_until": until.isoformat(),
                    "cover_open": bool(state[_FLAGS].get(_COVER, 0)),
                    "ofd_timeout": bool(flags["Превышено время ожидания ответа ОФД"]),
                    "last_document": int(fs["Номер последнего ФД"]),
                },
            )

    @_one_at_a_time
    def close(self) -> None:
        """Release the port or the socket."""
        self._drop()

    # ----------------------------------------------------------------- pieces
    def _ready(self, dev: _Register) -> None:
        """Refuse early, in words, when the printer cannot print (paper, cover)."""
        state = dev.state()
        if state[_SUBMODE].state in (1, 2):
            raise FiscalError("fiscal_paper_out")
        if state[_FLAGS].get(_COVER):
            raise FiscalError("fiscal_cover_open")

    def _ready_for_receipt(self, dev: _Register) -> None:
        """Refuse a receipt the register would refuse: no paper, shift closed or over 24 h; drop a stale open one."""
        state = dev.state()
        mode = state[_MODE].num
        if mode == 8:
            dev.cancel_check()  # left open by a lost link: never signed, so dropping it is safe
            mode = dev.state()[_MODE].num
        if state[_SUBMODE].state in (1, 2):
            raise FiscalError("fiscal_paper_out")
        if state[_FLAGS].get(_COVER):
            raise FiscalError("fiscal_cover_open")
        if mode == 4:
            raise FiscalError("fiscal_shift_closed")
        if mode == 3:
            raise FiscalError("fiscal_shift_expired")

    def _shift(self, dev: _Register) -> ShiftInfo:
        params = dev.fs_shift_params()
        number = int(params["Номер смены"])
        if params["Состояние смены"] != "смена открыта":
            return ShiftInfo(open=False, number=number, opened_at=None)
        mode = dev.state()[_MODE].num
        return ShiftInfo(
            open=True,
            number=number,
            opened_at=self._shift_opened_at(dev, number, int(params["Номер чека"])),
            expired=mode == 3,
        )

    def _shift_opened_at(self, dev: _Register, shift: int, next_check: int) -> int | None:
        """When the shift opened: its opening report sits about `checks` documents back in the drive."""
        last = int(dev.fs_state()["Номер последнего ФД"])
        guess = last - (next_check - 1)
        for number in range(guess, max(0, guess - 5), -1):
            try:
                found = dev.fs_find_document_by_num(number)
            except shtrih_errors.Error:
                return None
            data = bytes(found["Данные фискального документа"])
            if found["Тип фискального документа"] == 2 and from_le(data[13:15]) == shift:
                return self._moment(parse_date_time5(data[:5]))
        return None

    def _fn_number(self, dev: _Register) -> str:
        if self._fn is None:
            self._fn = bytes(dev.fs_state()["Номер ФН"]).decode("ascii").strip("\0 ")
        return self._fn

    def _read_tlvs(self, dev: _Register, number: int, until: int | None = None) -> dict[int, bytes]:
        """Fiscal document `number`'s top-level TLV records (FF3Ah, then FF3Bh), stopping after tag `until`."""
        head = self._raw(dev, 0xFF3A, le(number, 4))
        size, data = from_le(head[2:4]), b""
        while len(data) < size:
            try:
                data += self._raw(dev, 0xFF3B)
            except shtrih_errors.Error as exc:
                if exc.code == _NO_DATA:
                    break
                raise
            if until is not None and any(tag == until for tag, _ in parse_tlvs(data)):
                break
        return dict(parse_tlvs(data))

    def _send_operator(self, dev: _Register, operator: Operator) -> None:
        for tag, value in _operator_tags(operator):
            dev.send_tlv_struct(bytearray(tlv(tag, value)))

    def _receipt_tags(self, doc: FiscalDocument) -> list[tuple[int, bytes]]:
        """Tags sent with FF0Ch: cashier 1021, their INN 1203, buyer contact 1008, our marker 1192."""
        tags = _operator_tags(doc.operator)
        if doc.customer_contact:
            tags.append((1008, _cp866(doc.customer_contact, 64)))
        tags.append((1192, marker_of(doc.uuid).encode("cp866")))
        return tags

    def _operation(self, operation: int, position: Position, quantity: int, price: int) -> bytes:
        """FF46h's parameters after the password (protocol v1.17, "Операция V2")."""
        name = position.name.encode("cp1251", "replace")[:128]
        return (
            bytes([operation])
            + le(quantity * 1_000_000, 6)  # six decimals
            + le(price, 5)
            + le(price * quantity, 5)
            + b"\xff" * 5  # tax sum: let the register compute it
            + bytes([VAT_TAX_CODES[position.vat], 1])  # tax rate, department 1
            + bytes([FULL_PAYMENT, PAYMENT_OBJECT_CODES[position.payment_object]])
            + name
        )

    def _close_params(self, doc: FiscalDocument) -> bytes:
        """FF45h's parameters: 16 payment sums (1 cash, 2 card), rounding, 6 taxes (computed), taxation, text."""
        sums = [0] * 16
        for payment in doc.payments:
            sums[PAYMENT_SLOT[payment.type]] += payment.sum
        return b"".join(le(s, 5) for s in sums) + bytes([0]) + bytes(30) + bytes([TAXATION_BITS[doc.taxation]])

    def _cancel_quietly(self) -> None:
        try:
            with self._talking() as dev:
                if dev.state()[_MODE].num == 8:
                    dev.cancel_check()
        except FiscalError:
            pass


def _operator_tags(operator: Operator) -> list[tuple[int, bytes]]:
    """The cashier (1021, up to 64 characters) and their INN (1203, 12 characters)."""
    tags = [(1021, _cp866(operator.name, 64))]
    if operator.inn:
        tags.append((1203, operator.inn.encode("cp866", "replace")[:12].ljust(12)))
    return tags


def _cp866(text: str, size: int) -> bytes:
    return text.encode("cp866", "replace")[:size]
