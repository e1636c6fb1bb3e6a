"""The till's fiscal register (fiscal.md; docs/fiscal.md): settings, receipts of sales and refunds, shifts, beside mode.

The guarantee "one fiscal receipt, one loyalty sale": with a driven register a sale is priced and written as a
`pending` fiscal row with its priced body (own transaction); the register is asked with the sale's uid as the
task's uuid (idempotent); its answer and the sale commit in ONE transaction. A refusal removes the pending row
(nothing written); a lost answer (fiscal_unknown) leaves it, and `reconcile` asks the register later: printed,
the stored body is booked exactly as priced; never printed, the row is cancelled. Refunds likewise.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine

from app.core import db, repo, sql
from app.core.clock import clock_ms
from app.core.errors import LoyaltyError, NotFound
from app.core.events import RefundCommitted, SaleCommitted
from app.core.fiscal import (
    DeviceStatus,
    FiscalDevice,
    FiscalDocument,
    FiscalError,
    FiscalResult,
    ReportResult,
    ShiftInfo,
)
from app.core.fiscal_map import (
    FiscalSettings,
    MappedLine,
    document_json,
    parse_contact,
    parse_device,
    parse_object,
    parse_taxation,
    parse_vat,
    refund_document,
    refund_lines,
    result_json,
    sale_document,
    settings_from_meta,
    settings_to_meta,
    status_warnings,
)
from app.core.fiscal_qr import FiscalQr, parse_fiscal_qr
from app.core.refusals import Refusal
from app.core.services.checkout import CheckoutService, PricedRefund
from app.core.services.program import ProgramService
from app.core.services.results import RefundResult, SaleRequest, SaleResult
from app.core.services.support import check_actor, write_audit

__all__ = ["FiscalService", "FiscalStatus", "Opener", "ReconcileReport"]

# Turns a `fiscal.device` setting into a driver (app.fiscal.devices.open_device; None for none/beside).
Opener = Callable[[str], FiscalDevice | None]
# Tests only: the process kills itself right after the register's answer, before the commit (the e2e crash test).
KILL_AFTER_REGISTER = "LOYALTY_TEST_KILL_AFTER_REGISTER"
_META_KEYS = ("fiscal.device", "fiscal.taxation", "fiscal.vat", "fiscal.objects", "fiscal.operator_inn")


@dataclass(frozen=True)
class FiscalStatus:
    """`fiscal status`: the settings, the register's state and its warnings (refusal-like, for the status bar)."""

    settings: FiscalSettings
    device: DeviceStatus | None  # None: no driven register, or it could not be asked (see error)
    warnings: tuple[Refusal, ...]
    pending: int  # receipts waiting for the register's answer (reconcile)
    error: Refusal | None = None  # why the register could not be asked

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON."""
        dev = self.device
        return {
            "settings": self.settings.to_json(),
            "device": None
            if dev is None
            else {
                "model": dev.model,
                "serial": dev.serial,
                "fn": dev.fn,
                "shift": {
                    "open": dev.shift.open,
                    "number": dev.shift.number,
                    "opened_at": dev.shift.opened_at,
                    "expired": dev.shift.expired,
                },
                "paper": dev.paper,
                "ofd_unsent": dev.ofd_unsent,
            },
            "warnings": [{"code": w.code, "params": dict(w.params), "text": str(w)} for w in self.warnings],
            "pending": self.pending,
            "error": None if self.error is None else {"code": self.error.code, "text": str(self.error)},
        }


@dataclass(frozen=True)
class ReconcileReport:
    """What `reconcile` did with the receipts that waited for the register's answer (uids)."""

    completed: tuple[str, ...] = ()  # printed: the sale or refund is booked now
    cancelled: tuple[str, ...] = ()  # never printed: nothing booked
    still_pending: tuple[str, ...] = ()  # the register could not say (yet)

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON."""
        return {
            "completed": list(self.completed),
            "cancelled": list(self.cancelled),
            "still_pending": list(self.still_pending),
        }


class FiscalService:
    """The fiscal register of this terminal: its settings, the receipts of sales and refunds, shifts, beside mode.

    Installed as CheckoutService's register hook (app.bootstrap), so every sale and refund of every front end
    goes through it; with `fiscal.device` none it does nothing at all."""

    def __init__(
        self, engine: Engine, checkout: CheckoutService, programs: ProgramService, opener: Opener | None = None
    ) -> None:
        self.engine = engine
        self.checkout = checkout
        self.programs = programs
        self.clock = checkout.clock
        self.opener = opener
        self._devices: dict[str, FiscalDevice] = {}
        # One document at a time on a register; a second caller waits for the first.
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ settings

    def settings(self) -> FiscalSettings:
        """The terminal's fiscal settings (the defaults: no register)."""
        with db.transaction(self.engine, write=False) as conn:
            return _settings(conn)

    def _state(self) -> tuple[FiscalSettings, bool]:
        """The settings and whether a receipt waits for reconcile, in one read (a sale's first step)."""
        with db.transaction(self.engine, write=False) as conn:
            waiting = sql.scalar(conn, "SELECT 1 FROM fiscal_documents WHERE status = 'pending' LIMIT 1")
            return _settings(conn), waiting is not None

    def configure(
        self,
        device: str,
        *,
        taxation: str | None = None,
        vat: Mapping[str, str] | None = None,
        objects: Mapping[str, str] | None = None,
        operator_inn: Mapping[str, str] | None = None,
        actor: str,
    ) -> FiscalSettings:
        """Set the register and, when given, taxation, VAT rates and payment objects per category, cashiers' INNs.

        The per-category and per-cashier values given are added to (or replace) those set before; an empty value
        removes one. Each changed key is audited, all in one transaction."""
        actor = check_actor(actor)
        device = parse_device(device)
        with db.transaction(self.engine) as conn:
            old = _settings(conn)
            new = FiscalSettings(
                device=device,
                taxation=parse_taxation(taxation) if taxation is not None else old.taxation,
                vat=_merged(old.vat, vat, parse_vat),
                objects=_merged(old.objects, objects, parse_object),
                inn=_merged(old.inn, operator_inn, _inn),
            )
            before, after = settings_to_meta(old), settings_to_meta(new)
            for key in _META_KEYS:
                if before[key] != after[key] or repo.get_meta(conn, key) is None:
                    repo.set_meta(conn, key, after[key])
                if before[key] != after[key]:
                    write_audit(
                        conn, self.clock, actor, "setting_changed", {"key": key, "old": before[key], "new": after[key]}
                    )
        if old.device != new.device:
            self._forget(old.device)
        return new

    # ------------------------------------------------------------------ documents

    def sale_document(self, result: SaleResult, req: SaleRequest, cashier: str) -> FiscalDocument:
        """The `sell` receipt of a priced sale, with the current settings (no register is asked)."""
        return _sale_doc(self.settings(), result, req, cashier)

    def receipt_of(self, sale_id: int) -> dict[str, Any] | None:
        """The fiscal receipt a sale has (registered or attached), for receipts and screens; None if none."""
        with db.transaction(self.engine, write=False) as conn:
            row = sql.one(
                conn,
                "SELECT * FROM fiscal_documents WHERE sale_id = :id AND kind = 'sell' AND status = 'registered'",
                {"id": sale_id},
            )
        return None if row is None else _row_json(row)

    def receipt_of_refund(self, refund_id: int) -> dict[str, Any] | None:
        """The return receipt (`sellReturn`) the register printed for a refund, for its slip; None if none."""
        with db.transaction(self.engine, write=False) as conn:
            row = sql.one(
                conn,
                "SELECT * FROM fiscal_documents WHERE refund_id = :id AND kind = 'sellReturn'"
                " AND status = 'registered'",
                {"id": refund_id},
            )
        return None if row is None else _row_json(row)

    # ------------------------------------------------------------------ the register hook

    def sell(self, req: SaleRequest, actor: str) -> SaleResult | None:
        """CheckoutService's hook: a sale with its fiscal receipt (driven) or its register's QR (beside).

        None when there is nothing fiscal to do (no register, or beside mode without a QR)."""
        if req.fiscal_qr is not None:
            return self._sell_with_qr(req, actor)
        settings, waiting = self._state()
        if settings.mode != "driven":
            return None
        contact = parse_contact(req.receipt_contact)
        if waiting:
            self.reconcile_if_pending()
        device = self._device(settings)
        cashier = req.cashier or actor
        with db.transaction(self.engine) as conn:
            clock = repo.get_meta(conn, "clock")
            result, body = self.checkout.price_in(conn, req, commit=True)
            assert body is not None and result.uid is not None
            doc = _sale_doc(settings, result, req, cashier, contact)
            self._write_pending(conn, doc, {"actor": actor, "body": body})
            moved = (clock, repo.get_meta(conn, "clock"))
        printed = self._register(device, doc, moved)
        with db.transaction(self.engine) as conn:
            done = self.checkout.book_sale_in(conn, result, body, actor, strict=False)
            assert done.sale_id is not None
            self._mark_registered(conn, doc.uuid, printed, sale_id=done.sale_id)
        return replace(done, fiscal=result_json(printed))

    def refund(
        self, sale_id: int, units: Mapping[int, int] | None, at: int | None, cashier: str | None, actor: str
    ) -> RefundResult | None:
        """CheckoutService's hook: a refund with its `sellReturn` receipt (driven register only, else None)."""
        settings, waiting = self._state()
        if settings.mode != "driven":
            return None
        if waiting:
            self.reconcile_if_pending()
        device = self._device(settings)
        with db.transaction(self.engine) as conn:
            clock = repo.get_meta(conn, "clock")
            priced = self.checkout.price_refund_in(conn, sale_id, units, at, cashier)
            lines = refund_lines(priced.lines, priced.before, priced.now)
            doc = refund_document(priced.body["uid"], lines, priced.payment, cashier or actor, settings)
            if doc.total != priced.delta["money_back"]:  # the two readings of §5 must agree to the kopeck
                raise LoyaltyError(
                    "fiscal_mismatch", receipt_kopecks=doc.total, sale_kopecks=priced.delta["money_back"]
                )
            self._write_pending(conn, doc, {"actor": actor, "refund": priced.to_json()})
            moved = (clock, repo.get_meta(conn, "clock"))
        printed = self._register(device, doc, moved)
        with db.transaction(self.engine) as conn:
            done = self.checkout.book_refund_in(conn, priced, actor, strict=False)
            assert done.refund_id is not None
            self._mark_registered(conn, doc.uuid, printed, sale_id=sale_id, refund_id=done.refund_id)
        return replace(done, fiscal=result_json(printed))

    def _register(
        self, device: FiscalDevice, doc: FiscalDocument, clock: tuple[str | None, str | None]
    ) -> FiscalResult:
        """Ask the register; a refusal takes the pending row away (and the business clock back: a refused
        sale writes nothing), a lost answer leaves it for reconcile."""
        try:
            with self._lock:
                printed = device.register(doc)
        except FiscalError as exc:
            if exc.code != "fiscal_unknown":
                self._drop_pending(doc.uuid, clock)
            raise
        except Exception as exc:
            # A driver's own failure says nothing of whether it printed: the register is asked again later.
            raise FiscalError("fiscal_unknown") from exc
        if os.environ.get(KILL_AFTER_REGISTER):
            os.kill(os.getpid(), signal.SIGKILL)
        return printed

    # ------------------------------------------------------------------ reconcile

    def pending(self) -> list[dict[str, Any]]:
        """The receipts waiting for the register's answer (uid, kind, created_at, total)."""
        with db.transaction(self.engine, write=False) as conn:
            rows = sql.rows(conn, "SELECT * FROM fiscal_documents WHERE status = 'pending' ORDER BY id")
        return [_row_json(r) for r in rows]

    def reconcile_if_pending(self) -> ReconcileReport:
        """`reconcile` when a receipt waits (one cheap read otherwise); never raises for an absent register."""
        with db.transaction(self.engine, write=False) as conn:
            waiting = sql.scalar(conn, "SELECT 1 FROM fiscal_documents WHERE status = 'pending' LIMIT 1")
        if waiting is None:
            return ReconcileReport()
        try:
            return self.reconcile()
        except (FiscalError, LoyaltyError):  # no register to ask now: the rows wait for the next try
            return ReconcileReport(still_pending=tuple(r["uid"] for r in self.pending()))

    def reconcile(self) -> ReconcileReport:
        """Finish every pending receipt: the register printed it -> book the sale or refund exactly as priced;
        it never did -> cancel the row (nothing booked); it cannot say -> leave it pending."""
        done: list[str] = []
        cancelled: list[str] = []
        waiting: list[str] = []
        rows = self.pending()
        if not rows:
            return ReconcileReport()
        device = self._device(self.settings())
        for n, row in enumerate(rows):
            uid = str(row["uid"])
            try:
                with self._lock:
                    printed = device.result_of(uid)
            except FiscalError:
                # The register cannot say now: the rest wait too (each try may cost the driver's timeout).
                waiting += [str(r["uid"]) for r in rows[n:]]
                break
            if printed is None:
                self._cancel(uid, "not printed by the register")
                cancelled.append(uid)
            else:
                self._complete(uid, printed)
                done.append(uid)
        return ReconcileReport(tuple(done), tuple(cancelled), tuple(waiting))

    def _complete(self, uid: str, printed: FiscalResult) -> None:
        """Book a pending receipt's sale or refund as priced, and mark it registered, in one transaction."""
        event: SaleCommitted | RefundCommitted | None = None
        with db.transaction(self.engine) as conn:
            row = sql.one(conn, "SELECT * FROM fiscal_documents WHERE uid = :u AND status = 'pending'", {"u": uid})
            if row is None:
                return  # completed by another caller meanwhile
            request = json.loads(row.request)
            if row.kind == "sell":
                sale_id = self.checkout.book_body_in(conn, request["body"], request["actor"], strict=False)
                self._mark_registered(conn, uid, printed, sale_id=sale_id)
                event = SaleCommitted(sale_id, request["body"].get("card"))
            else:
                priced = PricedRefund.from_json(request["refund"])
                refunded = self.checkout.book_refund_in(conn, priced, request["actor"], strict=False)
                assert refunded.refund_id is not None
                self._mark_registered(conn, uid, printed, sale_id=priced.sale_id, refund_id=refunded.refund_id)
                event = RefundCommitted(refunded.refund_id, priced.sale_id)
        self.checkout.bus.publish(event)

    # ------------------------------------------------------------------ shifts and status

    def open_shift(self, cashier: str) -> ShiftInfo:
        """Open the register's shift (or adopt the one open) with the cashier as its operator."""
        settings = self.settings()
        with self._lock:
            return self._device(settings).open_shift(settings.operator(check_actor(cashier)))

    def close_shift(self, cashier: str) -> ReportResult:
        """Close the register's shift, printing the Z-report."""
        settings = self.settings()
        with self._lock:
            return self._device(settings).close_shift(settings.operator(check_actor(cashier)))

    def x_report(self, cashier: str) -> ReportResult:
        """Print an X-report (the shift stays open)."""
        settings = self.settings()
        with self._lock:
            return self._device(settings).x_report(settings.operator(check_actor(cashier)))

    def status(self) -> FiscalStatus:
        """The settings, the register's state and its warnings; a register that cannot be asked is an `error`."""
        settings = self.settings()
        pending = len(self.pending())
        now = clock_ms(self.clock)
        if settings.mode != "driven":
            warnings = (Refusal("fiscal_warn_pending", {"count": pending}),) if pending else ()
            return FiscalStatus(settings, None, warnings, pending)
        try:
            with self._lock:
                state = self._device(settings).status()
        except FiscalError as exc:
            error = Refusal(exc.code, dict(exc.params))
            waiting = (Refusal("fiscal_warn_pending", {"count": pending}),) if pending else ()
            return FiscalStatus(settings, None, (error, *waiting), pending, error)
        return FiscalStatus(settings, state, tuple(status_warnings(state, now, pending)), pending)

    # ------------------------------------------------------------------ beside mode

    def parse_qr(self, text: str) -> FiscalQr:
        """A register receipt's QR code, read strictly (fiscal_qr_bad otherwise)."""
        return parse_fiscal_qr(text)

    def qr_time(self, qr: FiscalQr) -> int:
        """The receipt's time in epoch ms, read in the store's time zone."""
        return qr.at(self.programs.zone())

    def attach_qr(self, sale_id: int, text: str, *, actor: str) -> dict[str, Any]:
        """Attach the register's receipt to a committed sale: the totals must agree, a receipt is attached once."""
        actor = check_actor(actor)
        qr = self._beside_qr(text)
        with db.transaction(self.engine) as conn:
            sale = sql.one(conn, "SELECT id, uid, total FROM sales WHERE id = :id", {"id": sale_id})
            if sale is None:
                raise NotFound("unknown_sale", sale=sale_id)
            self._check_unused(conn, qr)
            if sql.scalar(conn, "SELECT 1 FROM fiscal_documents WHERE uid = :u", {"u": sale.uid}) is not None:
                raise LoyaltyError("fiscal_qr_used", sale_id=sale_id)
            if int(sale.total) != qr.s:
                raise LoyaltyError("fiscal_mismatch", receipt_kopecks=qr.s, sale_kopecks=int(sale.total))
            self._write_qr(conn, str(sale.uid), int(sale.id), qr)
            write_audit(conn, self.clock, actor, "fiscal_attached", {"sale": sale_id, "fn": qr.fn, "fd": qr.i})
        return self._qr_json(qr)

    def earn_from_qr(self, card: str, text: str, *, category: str = "receipt", actor: str) -> SaleResult:
        """An earn-only loyalty sale for a card from a register's receipt: one line of its total, dated by it."""
        if not card or not card.strip():
            raise LoyaltyError("fiscal_earn_card")
        qr = self._beside_qr(text)
        from app.core.pricing import LineIn

        line = LineIn("FISCAL", f"Чек ККТ № {qr.i}", category, 1, qr.s)
        req = SaleRequest((line,), card=card, at=self.qr_time(qr), fiscal_qr=text)
        return self.checkout.sell(req, actor=actor)

    def sale_by_qr(self, text: str) -> int:
        """The sale a register's receipt is attached to (a refund finds its sale so); fiscal_qr_unknown otherwise."""
        qr = parse_fiscal_qr(text)
        with db.transaction(self.engine, write=False) as conn:
            found = sql.scalar(
                conn,
                "SELECT sale_id FROM fiscal_documents WHERE kind = 'sell' AND status = 'registered'"
                " AND ((qr_fn = :fn AND qr_i = :i) OR (source = 'register' AND fn = :fn AND document_number = :i))",
                {"fn": qr.fn, "i": qr.i},
            )
        if found is None:
            raise NotFound("fiscal_qr_unknown")
        return int(found)

    def _sell_with_qr(self, req: SaleRequest, actor: str) -> SaleResult:
        """A sale rung on the register beside: committed with its receipt's QR, the totals cross-checked."""
        assert req.fiscal_qr is not None
        qr = self._beside_qr(req.fiscal_qr)
        with db.transaction(self.engine) as conn:
            self._check_unused(conn, qr)
            result, body = self.checkout.price_in(conn, req, commit=True)
            assert body is not None
            if result.quote.total != qr.s:
                raise LoyaltyError("fiscal_mismatch", receipt_kopecks=qr.s, sale_kopecks=result.quote.total)
            done = self.checkout.book_sale_in(conn, result, body, actor)
            assert done.sale_id is not None
            self._write_qr(conn, body["uid"], done.sale_id, qr)
        return replace(done, fiscal=self._qr_json(qr))

    def _beside_qr(self, text: str) -> FiscalQr:
        settings = self.settings()
        if settings.mode != "beside":
            raise LoyaltyError("fiscal_not_beside", device=settings.device)
        qr = parse_fiscal_qr(text)
        if qr.n != 1:
            raise LoyaltyError("fiscal_qr_kind", n=qr.n)
        return qr

    @staticmethod
    def _check_unused(conn: Connection, qr: FiscalQr) -> None:
        used = sql.scalar(
            conn, "SELECT sale_id FROM fiscal_documents WHERE qr_fn = :fn AND qr_i = :i", {"fn": qr.fn, "i": qr.i}
        )
        if used is not None:
            raise LoyaltyError("fiscal_qr_used", sale_id=int(used))

    def _write_qr(self, conn: Connection, uid: str, sale_id: int, qr: FiscalQr) -> None:
        sql.run(
            conn,
            "INSERT INTO fiscal_documents (uid, kind, source, status, sale_id, created_at, document_number,"
            " fiscal_sign, fn, at, total, qr_t, qr_s, qr_fn, qr_i, qr_fp)"
            " VALUES (:uid, 'sell', 'qr', 'registered', :sale, :now, :i, :fp, :fn, :at, :s, :t, :s, :fn, :i, :fp)",
            {"uid": uid, "sale": sale_id, "now": clock_ms(self.clock), "i": qr.i, "fp": qr.fp, "fn": qr.fn,
             "at": self.qr_time(qr), "s": qr.s, "t": qr.t},
        )  # fmt: skip

    @staticmethod
    def _qr_json(qr: FiscalQr) -> dict[str, Any]:
        return {"status": "attached", "document_number": qr.i, "fiscal_sign": qr.fp, "shift": None, "fn": qr.fn}

    # ------------------------------------------------------------------ rows and devices

    def _write_pending(self, conn: Connection, doc: FiscalDocument, request: Mapping[str, Any]) -> None:
        sql.run(
            conn,
            "INSERT INTO fiscal_documents (uid, kind, source, status, document, request, created_at, total)"
            " VALUES (:uid, :kind, 'register', 'pending', :doc, :req, :now, :total)",
            {"uid": doc.uuid, "kind": doc.kind, "doc": json.dumps(document_json(doc), ensure_ascii=False),
             "req": json.dumps(request, ensure_ascii=False), "now": clock_ms(self.clock), "total": doc.total},
        )  # fmt: skip

    def _drop_pending(self, uid: str, clock: tuple[str | None, str | None]) -> None:
        before, after = clock
        with db.transaction(self.engine) as conn:
            sql.run(conn, "DELETE FROM fiscal_documents WHERE uid = :u AND status = 'pending'", {"u": uid})
            # The pricing moved the persisted business clock; nothing else moved it since: put it back.
            if before != after and repo.get_meta(conn, "clock") == after:
                if before is None:
                    sql.run(conn, "DELETE FROM meta WHERE key = 'clock'")
                else:
                    repo.set_meta(conn, "clock", before)

    def _cancel(self, uid: str, reason: str) -> None:
        with db.transaction(self.engine) as conn:
            sql.run(
                conn,
                "UPDATE fiscal_documents SET status = 'cancelled', reason = :r WHERE uid = :u AND status = 'pending'",
                {"u": uid, "r": reason},
            )

    @staticmethod
    def _mark_registered(
        conn: Connection, uid: str, printed: FiscalResult, *, sale_id: int, refund_id: int | None = None
    ) -> None:
        sql.run(
            conn,
            "UPDATE fiscal_documents SET status = 'registered', sale_id = :sale, refund_id = :refund,"
            " document_number = :n, fiscal_sign = :fp, shift = :shift, fn = :fn, at = :at WHERE uid = :uid",
            {"uid": uid, "sale": sale_id, "refund": refund_id, "n": printed.document_number,
             "fp": printed.fiscal_sign, "shift": printed.shift, "fn": printed.fn, "at": printed.at},
        )  # fmt: skip

    def _device(self, settings: FiscalSettings) -> FiscalDevice:
        """The driver of the set register, opened once and kept; fiscal_not_driven without one."""
        if settings.mode != "driven" or self.opener is None:
            raise LoyaltyError("fiscal_not_driven", device=settings.device)
        with self._lock:
            device = self._devices.get(settings.device)
            if device is None:
                opened = self.opener(settings.device)
                if opened is None:
                    raise LoyaltyError("fiscal_not_driven", device=settings.device)
                device = self._devices[settings.device] = opened
            return device

    def _forget(self, setting: str) -> None:
        with self._lock:
            device = self._devices.pop(setting, None)
        if device is not None:
            device.close()

    def close(self) -> None:
        """Release every register connection."""
        for setting in list(self._devices):
            self._forget(setting)


def _settings(conn: Connection) -> FiscalSettings:
    rows = sql.rows(conn, "SELECT key, value FROM meta WHERE key LIKE 'fiscal.%'")
    return settings_from_meta({str(r.key): str(r.value) for r in rows})


def _merged(old: Mapping[str, Any], given: Mapping[str, str] | None, parse: Callable[[str], Any]) -> dict[str, Any]:
    out = dict(old)
    for key, value in (given or {}).items():
        name = key.strip()
        if not name:
            raise LoyaltyError("fiscal_setting_bad", text=f"{key}={value}")
        if value.strip():
            out[name] = parse(value)
        else:
            out.pop(name, None)
    return out


def _inn(text: str) -> str:
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) in (10, 12)):
        raise LoyaltyError("fiscal_inn_bad", text=text)
    return value


def _sale_doc(
    settings: FiscalSettings, result: SaleResult, req: SaleRequest, cashier: str, contact: str | None = None
) -> FiscalDocument:
    assert result.uid is not None
    lines = [MappedLine(ln.name, ln.category, ln.qty, ln.paid) for ln in result.quote.lines]
    return sale_document(result.uid, lines, req.payment, cashier, settings, contact)


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "uid": row.uid,
        "kind": row.kind,
        "source": row.source,
        "status": row.status,
        "sale_id": row.sale_id,
        "refund_id": row.refund_id,
        "created_at": row.created_at,
        "total": row.total,
        "document_number": row.document_number,
        "fiscal_sign": row.fiscal_sign,
        "shift": row.shift,
        "fn": row.fn,
        "at": row.at,
    }
