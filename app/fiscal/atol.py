"""ATOL registers through the ATOL Web Server (driver v10 JSON tasks over HTTP), as a FiscalDevice.

The Web Server queues tasks by `uuid`: `POST /api/v2/requests` with `{"uuid": …, "request": [task]}`
adds them (201; 409 when the uuid is already known), `GET /api/v2/requests/{uuid}` answers one
result per task with its status (wait, inProgress, ready, error, interrupted, blocked, canceled).
Protocol facts and their sources: docs/fiscal-atol.md.

Money: kopecks here, roubles in the JSON from exact decimals (Decimal(kopecks).scaleb(-2)), written
by a Decimal-aware encoder so 12.30 goes out as `12.30`, never through a float.
"""

from __future__ import annotations

import json
import time
import uuid as uuidlib
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import httpx

from app.core.fiscal import (
    DeviceStatus,
    FiscalDocument,
    FiscalError,
    FiscalResult,
    Operator,
    ReportResult,
    ShiftInfo,
)

__all__ = [
    "DEFAULT_PORT",
    "AtolWebDevice",
    "document_task",
    "dumps",
    "error_for",
    "kopecks",
    "loads",
    "roubles",
]

DEFAULT_PORT: Final = 16732
API: Final = "/api/v2"
# Task statuses after which the Web Server does nothing more with a task.
FINAL: Final = frozenset({"ready", "error", "interrupted", "blocked", "canceled"})
# Polling for a result (the Web Server has no way to wait for one): the pause grows with the time the task has
# taken, a sixth of it, so an answer is picked up at most ~17 % after it came, between POLL_MIN and `poll`.
POLL_MIN: Final = 0.002
POLL_SHARE: Final = 6
# A register takes about as long for the next task of a kind as for the last ones: the first pause skips to
# EXPECT_SHARE of the shortest of the last EXPECT_SEEN times instead of asking again and again while it is
# certainly still printing (the shortest: one task that waited behind another client's does not slow the next).
EXPECT_SHARE: Final = 0.9
EXPECT_SEEN: Final = 3
# Around the expected time (until EXPECT_NEAR times it) the pauses are a EXPECT_STEPS-th of it.
EXPECT_NEAR: Final = 1.5
EXPECT_STEPS: Final = 25
# A refused receipt may be asked again under a derived uuid (the first uuid keeps its error at the
# Web Server, which answers 409 to it forever); result_of looks through the same series.
RETRIES: Final = 20

# ATOL driver v10 error codes (LIBFPTR_ERROR_*) that have a refusal of their own. Everything else
# is fiscal_device with the register's code and text.
NO_CONNECTION: Final = frozenset({1, 2, 3, 4})  # connection disabled, no connection, port busy, port absent
ERROR_CODES: Final[dict[int, str]] = {
    44: "fiscal_paper_out",  # LIBFPTR_ERROR_NO_PAPER
    45: "fiscal_cover_open",  # LIBFPTR_ERROR_COVER_OPENED
    68: "fiscal_shift_expired",  # LIBFPTR_ERROR_SHIFT_EXPIRED
    141: "fiscal_shift_expired",  # LIBFPTR_ERROR_FN_SHIFT_EXPIRED
    73: "fiscal_shift_closed",  # LIBFPTR_ERROR_DENIED_IN_CLOSED_SHIFT
    70: "fiscal_fn_full",  # LIBFPTR_ERROR_FISCAL_MEMORY_OVERFLOW
    121: "fiscal_fn_full",  # LIBFPTR_ERROR_FN_OVERFLOW (archive full)
    120: "fiscal_fn_expired",  # LIBFPTR_ERROR_FN_EXPIRED
    136: "fiscal_fn_expired",  # LIBFPTR_ERROR_FN_CRYPTO_HAS_EXPIRED
    137: "fiscal_ofd_blocked",  # LIBFPTR_ERROR_FN_RESOURCE_HAS_EXPIRED: unsent documents kept 30 days
    55: "fiscal_busy",  # LIBFPTR_ERROR_BUSY
    72: "fiscal_busy",  # LIBFPTR_ERROR_JOURNAL_BUSY
    177: "fiscal_unknown",  # LIBFPTR_ERROR_CLOSE_RECEIPT_INTERRUPTED: printed or not, nobody knows
}
OFD_BLOCK_DAYS: Final = 30


def roubles(kopecks: int) -> Decimal:
    """Exact roubles with two places for a JSON number (1230 -> Decimal('12.30'))."""
    return Decimal(kopecks).scaleb(-2)


def kopecks(value: Any) -> int:
    """Kopecks from a JSON number read as Decimal (or int); refuses a fraction of a kopeck."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} roubles is not a whole number of kopecks")
    return int(scaled)


def _encode(value: Any, indent: int | None, level: int) -> str:
    # json cannot write a Decimal as a number without a float; this writes it from its own digits.
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("floats never go into a fiscal task: use Decimal")
    if isinstance(value, Mapping | list | tuple):
        if isinstance(value, Mapping):
            parts = [
                f"{json.dumps(str(k), ensure_ascii=False)}: {_encode(v, indent, level + 1)}" for k, v in value.items()
            ]
            opening, closing = "{", "}"
        else:
            parts = [_encode(v, indent, level + 1) for v in value]
            opening, closing = "[", "]"
        if not parts:
            return opening + closing
        if indent is None:
            return opening + ", ".join(parts) + closing
        inner = "\n" + " " * (indent * (level + 1))
        return opening + inner + ("," + inner).join(parts) + "\n" + " " * (indent * level) + closing
    return json.dumps(value, ensure_ascii=False)


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text of `value`, Decimals written exactly as numbers (12.30 stays 12.30), floats refused."""
    return _encode(value, indent, 0)


def loads(text: str | bytes) -> Any:
    """JSON text read with numbers that have a fraction as Decimal, so roubles come back exact."""
    return json.loads(text, parse_float=Decimal)


def _operator(operator: Operator) -> dict[str, Any]:
    out: dict[str, Any] = {"name": operator.name}
    if operator.inn:
        out["vatin"] = operator.inn
    return out


def document_task(doc: FiscalDocument) -> dict[str, Any]:
    """The ATOL JSON task (`sell` or `sellReturn`) for a fiscal document."""
    items = [
        {
            "type": "position",
            "name": p.name,
            "price": roubles(p.price),
            "quantity": p.quantity,
            "amount": roubles(p.amount),
            "paymentMethod": p.payment_method,
            "paymentObject": p.payment_object,
            "tax": {"type": p.vat},
        }
        for p in doc.positions
    ]
    task: dict[str, Any] = {
        "type": doc.kind,
        "taxationType": doc.taxation,
        "operator": _operator(doc.operator),
        "items": items,
        "payments": [{"type": pay.type, "sum": roubles(pay.sum)} for pay in doc.payments],
    }
    if doc.customer_contact:
        task["clientInfo"] = {"emailOrPhone": doc.customer_contact}
    return task


def error_for(code: int, description: str, device: str) -> FiscalError:
    """Our refusal for an ATOL driver error code and its description."""
    if code in NO_CONNECTION:
        return FiscalError("fiscal_no_connection", device=device)
    name = ERROR_CODES.get(code)
    if name == "fiscal_ofd_blocked":
        return FiscalError(name, days=OFD_BLOCK_DAYS)
    if name is not None:
        return FiscalError(name)
    return FiscalError("fiscal_device", device_code=code, text=description or "?")


def _epoch_ms(text: Any) -> int:
    if not isinstance(text, str) or not text:
        return int(time.time() * 1000)
    at = datetime.fromisoformat(text)
    return int(at.timestamp() * 1000)


def _int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    return int(value)


class AtolWebDevice:
    """An ATOL register behind an ATOL Web Server (`atol-web:URL`), every call bounded by `timeout` seconds.

    `url` is the server's root (http://HOST:16732, with or without /api/v2); `device_id` picks one
    of several registers on one server (its `deviceID` query parameter); `poll` is the longest pause
    between result queries (they start right after the POST, then at pauses growing with the task's time);
    `transport` lets a test put an httpx transport in between. One persistent HTTP client (keep-alive).
    """

    def __init__(
        self,
        url: str,
        timeout: float = 10.0,
        *,
        connect_timeout: float = 2.0,
        poll: float = 0.05,
        device_id: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = url.rstrip("/")
        if base.endswith(API):
            base = base[: -len(API)]
        self.url = base
        self.timeout = timeout
        self.poll = poll
        self.device_id = device_id
        # How long the last requests of each kind (its task types) took to their final status, seconds.
        self._took: dict[tuple[str, ...], deque[float]] = {}
        self._client = httpx.Client(
            base_url=base + API,
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=transport,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    # -- FiscalDevice ------------------------------------------------------------------------

    def register(self, doc: FiscalDocument) -> FiscalResult:
        """Print `doc` as a sell or sellReturn task under its uuid; a uuid already known answers its result."""
        task = document_task(doc)
        for attempt in range(RETRIES):
            uuid = _attempt_uuid(doc.uuid, attempt)
            outcome = self._run(uuid, [task], fiscal=True, adopt_refused=attempt + 1 < RETRIES)
            if outcome is None:  # this uuid was refused before: nothing printed, ask again under the next
                continue
            return self._fiscal_result(doc.uuid, outcome[0].get("result") or {}, doc.total)
        raise FiscalError("fiscal_device", device_code="uuid", text=f"{RETRIES} refused attempts for {doc.uuid}")

    def result_of(self, uuid: str) -> FiscalResult | None:
        """The printed result of an earlier register() with this uuid (any of its attempts), or None."""
        for attempt in range(RETRIES):
            deadline = time.monotonic() + self.timeout
            state = self._get(_attempt_uuid(uuid, attempt), fiscal=True, deadline=deadline)
            if state is None:
                return None  # never asked under this uuid: no later attempt either
            results = self._wait(_attempt_uuid(uuid, attempt), state, fiscal=True, deadline=deadline)
            first = results[0]
            if first.get("status") == "ready":
                result = first.get("result") or {}
                return self._fiscal_result(uuid, result, None)
            if first.get("status") == "blocked":
                raise FiscalError("fiscal_unknown")
        return None

    def open_shift(self, operator: Operator) -> ShiftInfo:
        """Open the register's shift, or adopt the one already open; an expired one is refused."""
        shift = self._shift()
        if shift.expired:
            raise FiscalError("fiscal_shift_expired")
        if shift.open:
            return shift
        results = self._run(_new_uuid(), [{"type": "openShift", "operator": _operator(operator)}], fiscal=True)
        assert results is not None
        params = (results[0].get("result") or {}).get("fiscalParams") or {}
        number = _int(params.get("shiftNumber"), shift.number + 1)
        return ShiftInfo(open=True, number=number, opened_at=_epoch_ms(params.get("fiscalDocumentDateTime")))

    def close_shift(self, operator: Operator) -> ReportResult:
        """Close the shift: the register prints the Z-report (closeShift)."""
        results = self._run(_new_uuid(), [{"type": "closeShift", "operator": _operator(operator)}], fiscal=True)
        assert results is not None
        params = (results[0].get("result") or {}).get("fiscalParams") or {}
        return ReportResult(
            kind="z", shift=_int(params.get("shiftNumber")), document_number=_int(params.get("fiscalDocumentNumber"))
        )

    def x_report(self, operator: Operator) -> ReportResult:
        """Print an X-report (reportX) and say which shift it was for."""
        tasks: list[dict[str, Any]] = [{"type": "reportX", "operator": _operator(operator)}, {"type": "getShiftStatus"}]
        results = self._run(_new_uuid(), tasks, fiscal=False)
        assert results is not None
        shift = (results[1].get("result") or {}).get("shiftStatus") or {}
        return ReportResult(kind="x", shift=_int(shift.get("number")))

    def status(self) -> DeviceStatus:
        """The register's state (getDeviceStatus), shift (getShiftStatus), drive (getFnInfo) and ОФД queue."""
        tasks = [{"type": t} for t in ("getDeviceStatus", "getShiftStatus", "getFnInfo", "ofdExchangeStatus")]
        results = self._run(_new_uuid(), tasks, fiscal=False)
        assert results is not None
        device = (results[0].get("result") or {}).get("deviceStatus") or {}
        shift = _shift_info((results[1].get("result") or {}).get("shiftStatus") or {})
        fn_info = (results[2].get("result") or {}).get("fnInfo") or {}
        ofd = (results[3].get("result") or {}).get("status") or {}
        warnings = fn_info.get("warnings") or {}
        unsent = _int(ofd.get("notSentCount"))
        oldest = ofd.get("notSentFirstDocDateTime")
        return DeviceStatus(
            model=str(device.get("modelName") or device.get("model") or "ATOL"),
            serial=str(device.get("serialNumber") or ""),
            fn=str(fn_info.get("serial") or ""),
            shift=shift,
            paper=bool(device.get("paperPresent", True)),
            fn_memory_nearly_full=bool(warnings.get("memoryOverflow", False)),
            fn_replace_soon=bool(warnings.get("needReplacement", False)),
            fn_expired=bool(warnings.get("resourceExhausted", False)),
            ofd_unsent=unsent,
            ofd_oldest_unsent_at=_epoch_ms(oldest) if unsent and oldest else None,
            extra={
                "cover_open": bool(device.get("coverOpened", False)),
                "paper_near_end": bool(device.get("paperNearEnd", False)),
                "fn_validity": fn_info.get("validityDate"),
                "ofd_timeout": bool(warnings.get("ofdTimeout", False)),
            },
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    # -- the Web Server's task queue ---------------------------------------------------------------

    def _params(self) -> dict[str, str]:
        return {"deviceID": self.device_id} if self.device_id else {}

    def _shift(self) -> ShiftInfo:
        results = self._run(_new_uuid(), [{"type": "getShiftStatus"}], fiscal=False)
        assert results is not None
        return _shift_info((results[0].get("result") or {}).get("shiftStatus") or {})

    def _run(
        self, uuid: str, tasks: Sequence[Mapping[str, Any]], *, fiscal: bool, adopt_refused: bool = False
    ) -> list[dict[str, Any]] | None:
        """Add the tasks under `uuid` and wait for their results.

        None (only with `adopt_refused`) when the uuid was already known with a refusal: nothing was
        printed under it, and a register refusal repeated from an earlier call is no answer to this one.
        """
        # One deadline for the whole call: adding, then polling, never more than `timeout` in all.
        started = time.monotonic()
        deadline = started + self.timeout
        body = dumps({"uuid": uuid, "request": list(tasks)})
        duplicate = False
        try:
            response = self._client.post("/requests", content=body.encode("utf-8"), params=self._params())
        except httpx.ConnectError as exc:  # nothing reached the server: nothing printed
            raise FiscalError("fiscal_no_connection", device=self.url) from exc
        except httpx.TransportError:
            # Sent, answer lost (timeout, connection dropped): the task may be queued. Ask for it.
            state = self._get(uuid, fiscal=fiscal, deadline=deadline)
            if state is None:
                raise FiscalError("fiscal_unknown") from None
        else:
            if response.status_code == 409:
                duplicate = True
            elif response.status_code not in (200, 201):
                raise _http_error(response)
            state = None
        kind = tuple(str(t.get("type")) for t in tasks)
        if state is None and not duplicate and self._took.get(kind):
            # Just queued, and the register's time for such a task is known: asking at once would only hear
            # "wait". The first query comes near that time instead (_wait), and a 404 then is "lost" as below.
            state = [{"status": "wait"} for _ in tasks]
        if state is None:
            state = self._get(uuid, fiscal=fiscal, deadline=deadline)
            if state is None:  # accepted a moment ago and unknown now: the server lost it
                raise FiscalError("fiscal_unknown") if fiscal else FiscalError("fiscal_no_connection", device=self.url)
        results = self._wait(uuid, state, fiscal=fiscal, deadline=deadline, started=started, kind=kind)
        if duplicate and adopt_refused and results and results[0].get("status") in ("error", "interrupted", "canceled"):
            return None
        for result in results:
            status = result.get("status")
            if status == "ready":
                continue
            if status == "blocked":
                raise FiscalError("fiscal_unknown") if fiscal else FiscalError("fiscal_busy")
            if status == "canceled":
                raise FiscalError("fiscal_device", device_code="canceled", text="the task was cancelled")
            raise error_for(_int(result.get("errorCode")), str(result.get("errorDescription") or ""), self.url)
        return results

    def _get(self, uuid: str, *, fiscal: bool, deadline: float) -> list[dict[str, Any]] | None:
        """The task's results as the server has them now; None when it does not know the uuid (404)."""
        while True:
            left = max(deadline - time.monotonic(), 0.01)
            try:
                response = self._client.get(f"/requests/{uuid}", params=self._params(), timeout=left)
            except httpx.TransportError:
                if time.monotonic() >= deadline:
                    raise (
                        FiscalError("fiscal_unknown")
                        if fiscal
                        else FiscalError("fiscal_no_connection", device=self.url)
                    ) from None
                time.sleep(self.poll)
                continue
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise _http_error(response)
            try:
                results = loads(response.content).get("results")
            except (ValueError, AttributeError):
                results = None
            if not isinstance(results, list) or not results:
                # An answer we cannot read says nothing about whether the receipt was printed.
                if fiscal:
                    raise FiscalError("fiscal_unknown")
                raise FiscalError("fiscal_device", device_code="results", text="no results in the answer")
            return results

    def _wait(
        self,
        uuid: str,
        results: list[dict[str, Any]],
        *,
        fiscal: bool,
        deadline: float,
        started: float | None = None,
        kind: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        """Poll until every task of `uuid` has a final status, before the deadline."""
        began = time.monotonic() if started is None else started
        seen = self._took.get(kind) if kind else None
        expected = min(seen) if seen else None
        while not all(r.get("status") in FINAL for r in results):
            now = time.monotonic()
            if now >= deadline:
                # Queued or printing and no end in sight: for a receipt that is "maybe printed".
                raise FiscalError("fiscal_unknown") if fiscal else FiscalError("fiscal_busy")
            time.sleep(min(self._pause(now - began, expected), deadline - now))
            again = self._get(uuid, fiscal=fiscal, deadline=deadline)
            if again is None:
                raise FiscalError("fiscal_unknown") if fiscal else FiscalError("fiscal_no_connection", device=self.url)
            results = again
        if kind and started is not None and all(r.get("status") == "ready" for r in results):
            self._took.setdefault(kind, deque(maxlen=EXPECT_SEEN)).append(time.monotonic() - started)
        return results

    def _pause(self, elapsed: float, expected: float | None) -> float:
        """How long to wait before asking for a result again, `elapsed` seconds after the task was added."""
        if expected is not None:
            if elapsed < EXPECT_SHARE * expected:
                return EXPECT_SHARE * expected - elapsed
            if elapsed < expected * EXPECT_NEAR:  # the answer is due about now: ask often
                return min(max(expected / EXPECT_STEPS, POLL_MIN), self.poll)
        return min(max(elapsed / POLL_SHARE, POLL_MIN), self.poll)

    def _fiscal_result(self, uuid: str, result: Mapping[str, Any], total: int | None) -> FiscalResult:
        params = result.get("fiscalParams") or {}
        paid = params.get("total", params.get("receiptSum"))
        return FiscalResult(
            uuid=uuid,
            document_number=_int(params.get("fiscalDocumentNumber")),
            fiscal_sign=str(params.get("fiscalDocumentSign") or ""),
            shift=_int(params.get("shiftNumber")),
            fn=str(params.get("fnNumber") or ""),
            at=_epoch_ms(params.get("fiscalDocumentDateTime")),
            total=kopecks(paid) if paid is not None else (total or 0),
        )


def _attempt_uuid(uuid: str, attempt: int) -> str:
    return uuid if attempt == 0 else f"{uuid}-r{attempt}"


def _new_uuid() -> str:
    return str(uuidlib.uuid4())


def _shift_info(shift: Mapping[str, Any]) -> ShiftInfo:
    state = shift.get("state", "closed")
    opened = state in ("opened", "expired")
    # getShiftStatus gives when the shift expires (opened + 24 h), not when it opened.
    expires = shift.get("expiredTime")
    opened_at = _epoch_ms(expires) - 24 * 3600 * 1000 if opened and expires else None
    return ShiftInfo(open=opened, number=_int(shift.get("number")), opened_at=opened_at, expired=state == "expired")


def _http_error(response: httpx.Response) -> FiscalError:
    # 408: the Web Server could not take the driver within 30 s (busy with background work).
    if response.status_code == 408:
        return FiscalError("fiscal_busy")
    try:
        error = loads(response.content).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    text = str(error.get("description") or response.text or response.reason_phrase)
    return FiscalError("fiscal_device", device_code=f"http {response.status_code}", text=text)
