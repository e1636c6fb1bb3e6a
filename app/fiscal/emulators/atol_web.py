"""An ATOL Web Server emulator: the driver v10 JSON task queue over HTTP, with a register behind it.

Written from ATOL's documentation (docs/fiscal-atol.md): `POST /api/v2/requests` queues tasks by
uuid (201, 409 for a known uuid), `GET /api/v2/requests/{uuid}` answers their results with the
documented statuses, `DELETE` cancels a waiting one. A worker thread plays the register: after
`latency` seconds it runs the tasks in order (a failed task interrupts the rest), keeps a shift, a
document counter, a fiscal drive number and deterministic fiscal signs, checks receipts like a
register (items against payments, amount against price x quantity, VAT, methods) and answers the
driver's error codes.

Tests drive it in-process (`AtolWebEmulator().start()`, port 0) and steer it with `inject`:

    emu.inject("paper_out")            # tasks that print fail with 44 "Нет бумаги" until clear()
    emu.inject("lost_answer", times=1) # the next POST is queued, then its HTTP answer is dropped
    emu.refuse() / emu.accept()        # connection refused, then listening again on the same port

and read what it did: `emu.printed` (every fiscal task it completed, as JSON), `emu.receipts`
(results by uuid), `emu.shift_open`, `emu.shift_number`, `emu.document_number`, `emu.ofd_unsent`.

As a process: `python -m app.fiscal.emulators.atol_web --port 16732`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import queue
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from app.fiscal.atol import dumps, loads

__all__ = ["FAULTS", "AtolWebEmulator", "main"]

MSK: Final = timezone(timedelta(hours=3))
SHIFT_HOURS: Final = 24
TAX_TYPES: Final = frozenset(
    {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22", "vat105", "vat107", "vat110", "vat120", "vat122"}
)
TAXATIONS: Final = frozenset({"osn", "usnIncome", "usnIncomeOutcome", "esn", "patent"})
PAYMENT_METHODS: Final = frozenset(
    {"fullPrepayment", "prepayment", "advance", "fullPayment", "partialPayment", "credit", "creditPayment"}
)
PAYMENT_OBJECTS: Final = frozenset(
    {"commodity", "excise", "job", "service", "gamblingBet", "gamblingPrize", "lottery", "lotteryPrize",
     "intellectualActivity", "payment", "agentCommission", "composite", "another"}
)  # fmt: skip
PAYMENT_TYPES: Final = frozenset({"cash", "electronically", "prepaid", "credit", "other"})
PRINTING: Final = frozenset({"sell", "sellReturn", "openShift", "closeShift", "reportX"})
FISCAL: Final = frozenset({"sell", "sellReturn", "openShift", "closeShift"})

# Register faults a test can inject, with the driver error code and text a real one answers.
FAULTS: Final[dict[str, tuple[int, str]]] = {
    "no_connection": (2, "Нет связи"),
    "paper_out": (44, "Нет бумаги"),
    "cover_open": (45, "Открыта крышка"),
    "busy": (55, "Предыдущая операция незавершена"),
    "fn_full": (121, "Архив ФН переполнен"),
    "fn_expired": (120, "Закончен срок эксплуатации ФН"),
    "ofd_blocked": (137, "Ресурс хранения ФД исчерпан"),
}
# Faults of the Web Server itself rather than the register.
SERVER_FAULTS: Final = frozenset(
    {
        "lost_answer",
        "lost_result",
        "garbage_result",
        "driver_busy",
        "slow",
        "stuck",
        "blocked",
        "shift_expired",
        "not_printed",
    }
)


class TaskError(Exception):
    """A task the register refused: the driver's error code and description."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class AtolWebEmulator:
    """An ATOL Web Server on loopback with one emulated register behind it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        latency: float = 0.05,
        fn: str = "9999078900012345",
        serial: str = "00106107654321",
        model: str = "АТОЛ 30Ф",
        registration: str = "0000000001002292",
        auto_open_shift: bool = False,
        strict_payments: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.latency = latency
        self.fn = fn
        self.serial = serial
        self.model = model
        self.registration = registration
        self.auto_open_shift = auto_open_shift
        # A real register gives change for cash paid above the total; strict refuses it (our till
        # always sends payments equal to the total, so anything else is a mapping bug).
        self.strict_payments = strict_payments
        self.clock = clock
        self.paper = True
        self.cover_open = False
        self.shift_open = False
        self.shift_number = 0
        self.shift_opened_at: float | None = None
        self.shift_receipts = 0
        self.document_number = 0
        self.receipt_number = 0
        self.ofd_online = True
        self.ofd_unsent = 0
        self.ofd_first_unsent_at: float | None = None
        self.ofd_first_unsent_number = 0
        self.fn_memory_nearly_full = False
        self.fn_replace_soon = False
        self.fn_exhausted = False
        self.fn_valid_until = "2027-12-31T00:00:00+03:00"
        self.printed: list[dict[str, Any]] = []  # every fiscal/printing task completed, as sent
        self.receipts: dict[str, dict[str, Any]] = {}  # uuid -> result of a sell / sellReturn
        self.requests: dict[str, dict[str, Any]] = {}  # uuid -> {"tasks": [...], "results": [...]}
        self.log: list[tuple[str, str]] = []  # (method, path) of every HTTP request answered or dropped
        self._faults: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._going = threading.Event()  # cleared by hold(): queued tasks stay "wait"
        self._going.set()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()  # open keep-alive connections, closed by refuse()/stop()
        self._serve_thread: threading.Thread | None = None
        self._worker: threading.Thread | None = None

    # -- life ------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root URL (what `atol-web:URL` takes)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> AtolWebEmulator:
        """Listen (port 0 picks a free one) and start the register's worker."""
        self._listen()
        self._worker = threading.Thread(target=self._work, name="atol-web-register", daemon=True)
        self._worker.start()
        return self

    def stop(self) -> None:
        """Stop listening and stop the worker."""
        self._unlisten()
        self._going.set()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout=5)
            self._worker = None

    def refuse(self) -> None:
        """Stop listening, so a connection is refused (the Web Server is down); the register keeps its state."""
        self._unlisten()

    def accept(self) -> None:
        """Listen again on the same port after `refuse`."""
        if self._server is None:
            self._listen()

    def __enter__(self) -> AtolWebEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self) -> None:
        emulator = self

        class Handler(_Handler):
            emu = emulator

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._serve_thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="atol-web-http", daemon=True
        )
        self._serve_thread.start()

    def _unlisten(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        # A Web Server that is down answers on no connection, not even one kept alive from before.
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):  # the client closed it meanwhile
                connection.shutdown(socket.SHUT_RDWR)
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=5)
            self._serve_thread = None

    # -- control for tests -------------------------------------------------------------------------

    def inject(self, fault: str, times: int | None = None, **params: Any) -> None:
        """Make `fault` happen (`times` times, or until `clear`).

        Register faults (FAULTS): no_connection, paper_out, cover_open, busy, fn_full, fn_expired,
        ofd_blocked: the next printing task fails with the register's code. Server faults:
        lost_answer (POST queued, answer dropped), lost_result (GET answer dropped), garbage_result
        (GET answers 200 with a body that is not JSON), driver_busy (POST answers 408, nothing
        queued), slow (seconds=S before every answer, task_seconds=S more per task), stuck (tasks
        stay inProgress), blocked (a fiscal task ends "blocked": result unknown), not_printed (a
        receipt is registered in the drive but the paper ran out while printing it: ready, with
        warnings.notPrinted), shift_expired (the open shift is aged past 24 hours; opens one if none).
        """
        if fault not in FAULTS and fault not in SERVER_FAULTS:
            raise ValueError(f"unknown fault {fault!r}: {sorted(FAULTS) + sorted(SERVER_FAULTS)}")
        with self._lock:
            if fault == "shift_expired":
                if not self.shift_open:
                    self._open_shift()
                self.shift_opened_at = self.clock() - (SHIFT_HOURS + 1) * 3600
                return
            if fault == "paper_out":
                self.paper = False
            if fault == "cover_open":
                self.cover_open = True
            self._faults[fault] = {"times": times, **params}

    def clear(self, fault: str | None = None) -> None:
        """End one injected fault, or all of them."""
        with self._lock:
            names = [fault] if fault else list(self._faults)
            for name in names:
                self._faults.pop(name, None)
                if name == "paper_out":
                    self.paper = True
                if name == "cover_open":
                    self.cover_open = False

    def hold(self) -> None:
        """Leave newly queued tasks waiting (status "wait") until `release`."""
        self._going.clear()

    def release(self) -> None:
        """Let the register take queued tasks again."""
        self._going.set()

    def confirm_ofd(self) -> None:
        """The ОФД confirmed every document sent so far."""
        with self._lock:
            self.ofd_unsent = 0
            self.ofd_first_unsent_at = None

    def _take(self, fault: str) -> dict[str, Any] | None:
        """The fault's parameters if it is active, counting one use."""
        with self._lock:
            spec = self._faults.get(fault)
            if spec is None:
                return None
            times = spec.get("times")
            if times is not None:
                if times <= 1:
                    self._faults.pop(fault)
                    if fault == "paper_out":
                        self.paper = True
                    if fault == "cover_open":
                        self.cover_open = False
                else:
                    spec["times"] = times - 1
            return spec

    def _active(self, fault: str) -> dict[str, Any] | None:
        with self._lock:
            return self._faults.get(fault)

    # -- the Web Server --------------------------------------------------------------------------

    def add(self, uuid: str, tasks: list[dict[str, Any]]) -> bool:
        """Queue `tasks` under `uuid`; False when the uuid is already known."""
        with self._lock:
            if uuid in self.requests:
                return False
            self.requests[uuid] = {
                "tasks": tasks,
                "results": [{"errorCode": 0, "errorDescription": "", "result": None, "status": "wait"} for _ in tasks],
            }
        self._queue.put(uuid)
        return True

    def results(self, uuid: str) -> list[dict[str, Any]] | None:
        """The results of the tasks under `uuid`, as GET answers them; None for an unknown uuid."""
        with self._lock:
            request = self.requests.get(uuid)
            return None if request is None else [dict(r) for r in request["results"]]

    def cancel(self, uuid: str) -> bool:
        """Cancel the waiting tasks of `uuid` (DELETE); False for an unknown uuid."""
        with self._lock:
            request = self.requests.get(uuid)
            if request is None:
                return False
            for result in request["results"]:
                if result["status"] == "wait":
                    result["status"] = "canceled"
            return True

    def _work(self) -> None:
        while True:
            uuid = self._queue.get()
            if uuid is None:
                return
            self._going.wait()  # stop() sets it too, so a held emulator still stops
            slow = self._active("slow")
            time.sleep(self.latency + (float(slow.get("task_seconds", 0)) if slow else 0))
            with self._lock:
                request = self.requests[uuid]
                if all(r["status"] == "canceled" for r in request["results"]):
                    continue
                for result in request["results"]:
                    result["status"] = "inProgress"
            if self._take("stuck") is not None:
                continue
            self._execute(uuid, request)

    def _execute(self, uuid: str, request: dict[str, Any]) -> None:
        failed = False
        for task, result in zip(request["tasks"], request["results"], strict=True):
            with self._lock:
                if failed:
                    result.update(status="interrupted", errorCode=0, errorDescription="Прервано")
                    continue
                if result["status"] == "canceled":
                    continue
                kind = task.get("type")
                if kind in FISCAL and self._take("blocked") is not None:
                    # The register's answer was lost mid-document: the Web Server cannot tell.
                    result.update(status="blocked", errorCode=2, errorDescription="Нет связи")
                    failed = True
                    continue
                try:
                    answer = self._task(uuid, task)
                except TaskError as exc:
                    result.update(status="error", errorCode=exc.code, errorDescription=exc.description)
                    failed = True
                    continue
                result.update(status="ready", errorCode=0, errorDescription="Ошибок нет", result=answer)

    # -- the register ----------------------------------------------------------------------------

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), MSK).isoformat(timespec="seconds")

    def _shift_state(self) -> str:
        if not self.shift_open:
            return "closed"
        assert self.shift_opened_at is not None
        return "expired" if self.clock() - self.shift_opened_at > SHIFT_HOURS * 3600 else "opened"

    def _sign(self, number: int, payload: str) -> str:
        digest = hashlib.sha256(f"{self.fn}:{number}:{payload}".encode()).digest()
        return str(int.from_bytes(digest[:4], "big"))

    def _fiscal_params(self, payload: str) -> dict[str, Any]:
        self.document_number += 1
        if not self.ofd_online:  # the ОФД is unreachable: the document waits in the drive
            if self.ofd_unsent == 0:
                self.ofd_first_unsent_at = self.clock()
                self.ofd_first_unsent_number = self.document_number
            self.ofd_unsent += 1
        return {
            "fiscalDocumentDateTime": self._now(),
            "fiscalDocumentNumber": self.document_number,
            "fiscalDocumentSign": self._sign(self.document_number, payload),
            "fnNumber": self.fn,
            "registrationNumber": self.registration,
            "shiftNumber": self.shift_number,
            "fnsUrl": "www.nalog.gov.ru",
        }

    def _register_fault(self, kind: str) -> None:
        if kind not in PRINTING:
            if self._take("no_connection") is not None:
                raise TaskError(*FAULTS["no_connection"])
            return
        for name in ("no_connection", "paper_out", "cover_open", "busy", "fn_full", "fn_expired", "ofd_blocked"):
            if name in ("fn_full", "fn_expired", "ofd_blocked") and kind not in FISCAL:
                continue
            if self._take(name) is not None:
                raise TaskError(*FAULTS[name])

    def _open_shift(self) -> None:
        self.shift_open = True
        self.shift_number += 1
        self.shift_opened_at = self.clock()
        self.shift_receipts = 0
        self.receipt_number = 0

    def _task(self, uuid: str, task: Mapping[str, Any]) -> dict[str, Any]:
        kind = task.get("type")
        self._register_fault(str(kind))
        if kind in ("sell", "sellReturn"):
            return self._receipt(uuid, task)
        if kind == "openShift":
            if self.shift_open:
                raise TaskError(83, "Смена открыта, операция невозможна")
            self._open_shift()
            params = self._fiscal_params("openShift")
            self.printed.append(dict(task))
            return {"fiscalParams": params, "warnings": {"notPrinted": False}}
        if kind == "closeShift":
            if not self.shift_open:
                raise TaskError(73, "Смена закрыта - операция невозможна")
            params = self._fiscal_params("closeShift")
            params["receiptsCount"] = self.shift_receipts
            self.shift_open = False
            self.shift_opened_at = None
            self.printed.append(dict(task))
            return {"fiscalParams": params, "warnings": {"notPrinted": False}}
        if kind == "reportX":
            self.printed.append(dict(task))
            return {}
        if kind == "getShiftStatus":
            expires = (
                datetime.fromtimestamp(self.shift_opened_at + SHIFT_HOURS * 3600, MSK).isoformat(timespec="seconds")
                if self.shift_opened_at is not None
                else None
            )
            status: dict[str, Any] = {"state": self._shift_state(), "number": self.shift_number}
            status["documentsCount"] = self.shift_receipts
            if expires:
                status["expiredTime"] = expires
            return {"shiftStatus": status}
        if kind == "getDeviceStatus":
            return {"deviceStatus": self._device_status()}
        if kind == "getFnInfo":
            return {
                "fnInfo": {
                    "serial": self.fn,
                    "ffdVersion": "1.2",
                    "livePhase": "fiscalMode",
                    "validityDate": self.fn_valid_until,
                    "warnings": {
                        "criticalError": False,
                        "memoryOverflow": self.fn_memory_nearly_full,
                        "needReplacement": self.fn_replace_soon,
                        "resourceExhausted": self.fn_exhausted,
                        "ofdTimeout": self.ofd_unsent > 0
                        and self.ofd_first_unsent_at is not None
                        and self.clock() - self.ofd_first_unsent_at > 25 * 86400,
                    },
                }
            }
        if kind == "ofdExchangeStatus":
            status = {"notSentCount": self.ofd_unsent, "notSentFirstDocNumber": self.ofd_first_unsent_number}
            if self.ofd_first_unsent_at is not None:
                status["notSentFirstDocDateTime"] = datetime.fromtimestamp(self.ofd_first_unsent_at, MSK).isoformat(
                    timespec="seconds"
                )
            return {"status": status}
        raise TaskError(11, f"Не поддерживается в данной версии: {kind}")

    def _device_status(self) -> dict[str, Any]:
        return {
            "blocked": False,
            "coverOpened": self.cover_open,
            "currentDateTime": self._now(),
            "fiscal": True,
            "fnFiscal": True,
            "fnPresent": True,
            "invalidFn": False,
            "logicalNumber": 1,
            "model": 61,
            "modelName": self.model,
            "paperPresent": self.paper,
            "paperNearEnd": False,
            "serialNumber": self.serial,
            "shiftState": self._shift_state(),
        }

    def _receipt(self, uuid: str, task: Mapping[str, Any]) -> dict[str, Any]:
        if not self.shift_open:
            if not self.auto_open_shift:
                raise TaskError(73, "Смена закрыта - операция невозможна")
            self._open_shift()
            self._fiscal_params("openShift")
        if self._shift_state() == "expired":
            raise TaskError(68, "Смена превысила 24 часа")
        total = _check_receipt(task, self.strict_payments)
        params = self._fiscal_params(f"{task.get('type')}:{total}")
        self.receipt_number += 1
        self.shift_receipts += 1
        params["fiscalReceiptNumber"] = self.receipt_number
        params["total"] = total
        not_printed = self._take("not_printed") is not None
        answer = {"fiscalParams": params, "warnings": {"notPrinted": True} if not_printed else None}
        self.printed.append(dict(task))
        self.receipts[uuid] = answer
        return answer


def _money(value: Any, code: int, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TaskError(13, f"Некорректное значение параметра: {what}")
    amount = Decimal(value)
    if amount < 0 or amount.scaleb(2) != amount.scaleb(2).to_integral_value():
        raise TaskError(code, f"Неверная цена (сумма): {what} {value}")
    return amount


def _check_receipt(task: Mapping[str, Any], strict: bool) -> Decimal:
    """The receipt's total after the checks a register makes; TaskError with its code otherwise."""
    if task.get("taxationType", "osn") not in TAXATIONS:
        raise TaskError(143, "Некорректная СНО")
    operator = task.get("operator")
    if operator is not None and (not isinstance(operator, Mapping) or not operator.get("name")):
        raise TaskError(8, "Не найден обязательный параметр: operator.name")
    items = task.get("items")
    if not isinstance(items, list) or not items:
        raise TaskError(110, "Недопустимое кол-во позиций в чеке")
    total = Decimal(0)
    for item in items:
        if not isinstance(item, Mapping) or item.get("type") != "position":
            raise TaskError(13, "Некорректное значение параметра: items[].type")
        if not isinstance(item.get("name"), str) or not item["name"]:
            raise TaskError(8, "Не найден обязательный параметр: name")
        price = _money(item.get("price"), 16, "price")
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal) or quantity <= 0:
            raise TaskError(17, "Неверное количество")
        amount = _money(item.get("amount"), 16, "amount")
        # The amount may be below price x quantity (a discount), never above.
        if amount > (price * Decimal(quantity)).quantize(Decimal("0.01")):
            raise TaskError(16, "Неверная цена (сумма): amount > price * quantity")
        tax = item.get("tax")
        if not isinstance(tax, Mapping) or tax.get("type") not in TAX_TYPES:
            raise TaskError(144, "Недопустимый номер ставки налога")
        if item.get("paymentMethod", "fullPayment") not in PAYMENT_METHODS:
            raise TaskError(216, "Некорректный признак способа расчета")
        if item.get("paymentObject", "commodity") not in PAYMENT_OBJECTS:
            raise TaskError(217, "Некорректный признак предмета расчета")
        total += amount
    payments = task.get("payments", [])
    if not isinstance(payments, list):
        raise TaskError(13, "Некорректное значение параметра: payments")
    paid = Decimal(0)
    non_cash = Decimal(0)
    for payment in payments:
        if not isinstance(payment, Mapping) or payment.get("type") not in PAYMENT_TYPES:
            raise TaskError(60, "Неверный вид оплаты")
        value = _money(payment.get("sum"), 16, "payments[].sum")
        paid += value
        if payment["type"] != "cash":
            non_cash += value
    if paid < total:
        raise TaskError(66, "Чек оплачен не полностью")
    if non_cash > total:
        raise TaskError(52, "Сумма не наличных платежей превышает сумму чека")
    if strict and paid != total:
        raise TaskError(227, "Неверный итог чека")
    client = task.get("clientInfo")
    if client is not None and (not isinstance(client, Mapping) or not client.get("emailOrPhone")):
        raise TaskError(13, "Некорректное значение параметра: clientInfo.emailOrPhone")
    return total


class _Handler(BaseHTTPRequestHandler):
    """The Web Server's HTTP side: requests, results, cancel, server info."""

    emu: AtolWebEmulator
    server_version = "AtolWebServerEmulator/10"
    # Keep-alive, as a real HTTP server: a client's persistent connection is not reopened for every poll.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on a kept-alive connection the body would
    # wait for the client's delayed ACK of the headers (~40 ms on Linux).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.emu._lock:
            self.emu._connections.add(self.connection)

    def finish(self) -> None:
        with self.emu._lock:
            self.emu._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read emu.log

    def _path(self) -> str:
        return unquote(urlsplit(self.path).path).rstrip("/")

    def _send(self, status: int, body: Any = None) -> None:
        slow = self.emu._active("slow")
        if slow:
            time.sleep(float(slow.get("seconds", 0)))
        data = b"" if body is None else dumps(body).encode("utf-8")
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _error(self, status: int, code: int, description: str) -> None:
        self._send(status, {"error": {"code": code, "description": description}})

    def _drop(self) -> None:
        # Close without an answer: the client sees the connection end (a lost answer).
        self.close_connection = True

    def do_POST(self) -> None:
        path = self._path()
        self.emu.log.append(("POST", path))
        # Read the body first, whatever the answer: on a kept-alive connection it must not pass for the next request.
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if path != "/api/v2/requests":
            self._error(404, 404, f"Нет такого метода: POST {path}")
            return
        try:
            body = loads(raw or b"{}")
        except ValueError as exc:
            self._error(400, 400, f"Некорректный JSON: {exc}")
            return
        uuid = body.get("uuid") if isinstance(body, dict) else None
        request = body.get("request") if isinstance(body, dict) else None
        if isinstance(request, dict):
            request = [request]
        if not isinstance(uuid, str) or not uuid:
            self._error(400, 400, "Не указан uuid")
            return
        if not isinstance(request, list) or not all(isinstance(t, dict) and t.get("type") for t in request or [None]):
            self._error(420, 420, "Произошла ошибка во время проверки формата задания")
            return
        if self.emu._take("driver_busy") is not None:
            self._error(408, 408, "Не удалось захватить управление драйвером (занят фоновыми задачами)")
            return
        if not self.emu.add(uuid, request):
            self._error(409, 409, f"Задание с uuid {uuid} уже существует")
            return
        if self.emu._take("lost_answer") is not None:
            self._drop()
            return
        self._send(201)

    def do_GET(self) -> None:
        path = self._path()
        self.emu.log.append(("GET", path))
        if path == "/api/v2/serverInfo":
            self._send(200, {"serverVersion": "10.0-emulator", "driverVersion": "10.10.0.0"})
            return
        prefix = "/api/v2/requests/"
        if not path.startswith(prefix):
            self._error(404, 404, f"Нет такого метода: GET {path}")
            return
        results = self.emu.results(path[len(prefix) :])
        if results is None:
            self._error(404, 404, "Задание не найдено")
            return
        if self.emu._take("lost_result") is not None:
            self._drop()
            return
        if self.emu._take("garbage_result") is not None:
            junk = b"<html>?</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(junk)))
            self.end_headers()
            self.wfile.write(junk)
            return
        self._send(200, {"results": results})

    def do_DELETE(self) -> None:
        path = self._path()
        self.emu.log.append(("DELETE", path))
        prefix = "/api/v2/requests/"
        if not path.startswith(prefix) or not self.emu.cancel(path[len(prefix) :]):
            self._error(404, 404, "Задание не найдено")
            return
        self._send(200, {})


def main(argv: list[str] | None = None) -> None:
    """Run the emulator in the foreground (`python -m app.fiscal.emulators.atol_web --port 16732`)."""
    parser = argparse.ArgumentParser(description="ATOL Web Server emulator (driver v10 JSON tasks)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=16732)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before a task is done")
    parser.add_argument("--auto-open-shift", action="store_true", help="a receipt opens a closed shift")
    args = parser.parse_args(argv)
    emulator = AtolWebEmulator(args.host, args.port, latency=args.latency, auto_open_shift=args.auto_open_shift)
    emulator.start()
    print(f"ATOL Web Server emulator on {emulator.url} (Ctrl+C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
