"""The till's checkout: pricing a basket, committing a sale, refunding units of a sale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Protocol

from sqlalchemy import Connection, func, select

from app.core import caps, db, ledger, repo, sql, wire
from app.core import schema as t
from app.core.errors import LoyaltyError, NotFound
from app.core.events import RefundCommitted, SaleCommitted
from app.core.figures import refund_parts, sale_parts
from app.core.identity import birthday_date
from app.core.pricing import CouponUse, CustomerView, price
from app.core.refunds import SoldLine, cumulative, delta
from app.core.services.confirm import confirm_reason, take_ticket
from app.core.services.results import RefundResult, SaleRequest, SaleResult
from app.core.services.support import OperationService, check_actor, write_audit
from app.core.wallet import Wallet

__all__ = ["CheckoutService", "PricedRefund", "RegisterHook"]


@dataclass(frozen=True)
class PricedRefund:
    """A refund priced but not booked: its body, figures and what its fiscal receipt needs of the sale."""

    sale_id: int
    sale_uid: str
    payment: str
    customer_uid: str | None
    body: wire.RefundBody
    delta: Mapping[str, int]  # money_back, points_taken_back
    lines: tuple[tuple[str, str, int, int], ...]  # the sale's lines: name, category, qty, paid
    before: tuple[int, ...]  # units back per line before this refund
    now: tuple[int, ...]  # ... and after it

    def to_json(self) -> dict[str, Any]:
        """Plain JSON, so a refund waiting for its receipt can be booked after a restart."""
        return {
            "sale_id": self.sale_id,
            "sale_uid": self.sale_uid,
            "payment": self.payment,
            "customer_uid": self.customer_uid,
            "body": self.body,
            "delta": dict(self.delta),
            "lines": [list(line) for line in self.lines],
            "before": list(self.before),
            "now": list(self.now),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PricedRefund:
        """A priced refund stored by to_json."""
        return cls(
            sale_id=int(data["sale_id"]),
            sale_uid=str(data["sale_uid"]),
            payment=str(data["payment"]),
            customer_uid=data["customer_uid"],
            body=data["body"],
            delta={k: int(v) for k, v in data["delta"].items()},
            lines=tuple((str(a), str(b), int(c), int(d)) for a, b, c, d in data["lines"]),
            before=tuple(int(n) for n in data["before"]),
            now=tuple(int(n) for n in data["now"]),
        )


class RegisterHook(Protocol):
    """A fiscal register in the way of sales and refunds (app.core.services.fiscal.FiscalService).

    Each returns None when it has nothing to do (no driven register, no receipt QR), and the checkout goes on
    as without it; otherwise the committed result, or it raises and nothing was written."""

    def sell(self, req: SaleRequest, actor: str) -> SaleResult | None:
        """Sell with the register's receipt."""
        ...

    def refund(
        self, sale_id: int, units: Mapping[int, int] | None, at: int | None, cashier: str | None, actor: str
    ) -> RefundResult | None:
        """Refund with the register's sellReturn receipt."""
        ...


class _Rollback(Exception):
    """Raised inside a transaction to discard it (a quote writes nothing)."""


class CheckoutService(OperationService):
    """Sales and refunds: each commit is one transaction (journal, outbox, audit), its event published after it."""

    register: RegisterHook | None = None  # the fiscal register's hook, set by app.bootstrap

    def quote(self, req: SaleRequest) -> SaleResult:
        """Price a sale exactly as `sell` would, writing nothing."""
        return self._sale(req, commit=False)

    def sell(self, req: SaleRequest, *, actor: str) -> SaleResult:
        """Price and commit a sale made by `actor`: the sale, lines, points, stamps, outbox and audit rows in one
        transaction.

        SaleCommitted is published once the transaction has committed (never for a refused sale). With a fiscal
        register set (`register`, app.core.services.fiscal) the register's receipt is part of the sale: the hook
        prints it and commits the sale with it, or refuses and writes nothing."""
        actor = check_actor(actor)
        hooked = self.register.sell(req, actor) if self.register is not None else None
        result = hooked if hooked is not None else self._sale(req, commit=True, actor=actor)
        if result.committed and result.sale_id is not None:
            self.bus.publish(SaleCommitted(result.sale_id, result.card))
        return result

    def _sale(self, req: SaleRequest, commit: bool, actor: str = "") -> SaleResult:
        try:
            with db.transaction(self.engine, write=commit) as conn:
                result = self._sale_in(conn, req, commit, actor)
                if not commit:
                    raise _Rollback
                return result
        except _Rollback:
            return result

    def _sale_in(self, conn: Connection, req: SaleRequest, commit: bool, actor: str) -> SaleResult:
        result, body = self.price_in(conn, req, commit)
        if body is None:
            return result
        return self.book_sale_in(conn, result, body, actor)

    def book_sale_in(
        self, conn: Connection, result: SaleResult, body: wire.SaleBody, actor: str, *, strict: bool = True
    ) -> SaleResult:
        """Book a sale priced by `price_in` (its body as priced) with its outbox and audit rows, in `conn`.

        strict=False books a sale whose fiscal receipt is already printed even if the points it spends were
        spent meanwhile (an overdraft becomes debt, as on the server): a printed receipt's sale must exist."""
        sale_id = self.book_body_in(conn, body, actor, strict=strict)
        return replace(result, sale_id=sale_id, uid=body["uid"], committed=True)

    def book_body_in(self, conn: Connection, body: wire.SaleBody, actor: str, *, strict: bool = True) -> int:
        """Book a priced sale's body (the sale, its points, outbox and audit rows) in `conn`; returns its id."""
        sale_id, _ = ledger.book_sale(conn, body, strict=strict, post_expiry=not repo.chain_mode(conn))
        repo.write_outbox(conn, body["uid"], "sale", body)
        write_audit(conn, self.clock, actor, "sale", {"sale": sale_id, "total_kopecks": body["sale"]["total"]})
        return sale_id

    def price_in(self, conn: Connection, req: SaleRequest, commit: bool) -> tuple[SaleResult, wire.SaleBody | None]:
        """Price a sale inside `conn`; with commit, also its body to book (the business clock moves on)."""
        self._dated(conn, req.at)
        at = repo.next_clock(conn, req.at, self.clock) if commit else repo.peek_clock(conn, req.at, self.clock)
        chain = repo.chain_mode(conn)
        version, program = repo.program_at(conn, at)
        customer = repo.customer_by_card(conn, req.card) if req.card else None
        if customer is not None and customer.blocked:
            raise LoyaltyError("card_blocked", card=req.card)
        view = None
        wallet = Wallet()
        stamps: dict[str, int] = {}
        redeem_cap = None
        if customer is not None:
            repo.check_time_order(customer, at)
            wallet, _ = repo.load_wallet(conn, customer)
            if not chain:
                wallet.post_expiry(at)
            else:
                redeem_cap = repo.offline_redeem_cap(conn, program, customer, at)
            stamps = repo.stamps_of(conn, customer.id)
            years = frozenset(
                int(r["year"])
                for r in sql.rows(conn, "SELECT year FROM birthday_grants WHERE customer_id = :id", {"id": customer.id})
            )
            view = CustomerView(
                card=customer.card,
                available=wallet.available(at),
                debt=wallet.debt,
                tier_spend=repo.tier_spend(conn, program, customer.id, at),
                stamps=stamps,
                birthday=birthday_date(customer.birthday),
                birthday_years_granted=years,
                referral_due=customer.referrer_id is not None
                and not customer.referral_paid
                and not _paid_referral_here(conn, customer.id),
            )
        coupon_use = None
        if req.coupon:
            coupon = program.coupon(req.coupon)
            if coupon is None:
                raise NotFound("unknown_coupon", coupon=req.coupon.strip())
            counts = sql.one(
                conn,
                # A use in a sale the server rejected is no use (the server's verdict).
                "SELECT COUNT(*) AS used, COALESCE(SUM(CASE WHEN u.customer_id = :id THEN 1 ELSE 0 END), 0) AS mine"
                " FROM coupon_uses u WHERE u.code = :code AND NOT EXISTS (SELECT 1 FROM sales s JOIN outbox o"
                " ON o.uid = s.uid WHERE s.id = u.sale_id AND o.status = 'rejected')",
                {"code": coupon.code, "id": customer.id if customer is not None else -1},
            )
            assert counts is not None
            used, mine = int(counts.used), int(counts.mine)
            if chain and (coupon.max_uses is not None or coupon.per_customer_max is not None):
                used, mine = _chain_coupon(conn, program, coupon.code, customer, at, (used, mine))
            coupon_use = CouponUse(coupon, used, mine)
        q = price(program, list(req.lines), at, view, coupon_use, req.redeem, req.reward, redeem_cap)

        uid = self.ids()
        referrer = None
        if customer is not None and q.referral_points_to_referrer:
            found = conn.execute(select(t.customers.c.uid).where(t.customers.c.id == customer.referrer_id))
            referrer = found.scalar_one()
        parts = sale_parts(program, q, uid, at, customer.uid if customer is not None else None, referrer, self.ids)
        if customer is not None:
            for op in parts.ops:
                if op["customer"] == customer.uid:
                    ledger.apply_op(wallet, op, strict=True)
        bal = wallet.balances(at) if customer is not None else None
        warnings = (
            caps.card_warnings(
                conn, program, customer.id, customer.card, at, q.earned, q.redeemed_points + q.reward_points
            )
            if customer is not None
            else ()
        )
        after_stamps = dict(stamps)
        for rule, n in q.stamps_spent.items():
            after_stamps[rule] = after_stamps.get(rule, 0) - n
        for rule, n in q.stamps_earned.items():
            after_stamps[rule] = after_stamps.get(rule, 0) + n
        result = SaleResult(
            sale_id=None,
            uid=None,
            at=at,
            card=customer.card if customer is not None else None,
            program_version=version,
            quote=q,
            balance=bal.available if bal else None,
            pending=bal.pending if bal else None,
            committed=False,
            stamps=after_stamps,
            warnings=warnings,
            confirm=confirm_reason(program.confirm, req.found_by, q.redeemed_points + q.reward_points)
            if customer is not None
            else None,
        )
        if not commit:
            return result, None
        if result.confirm is not None:
            # Used up with the pricing of the sale it confirms: with a driven register that is the transaction
            # that writes the pending receipt, so a register that refuses the receipt costs a new confirmation.
            assert customer is not None
            try:
                take_ticket(conn, req.confirmed, customer.uid, at)
            except LoyaltyError:
                raise LoyaltyError(
                    f"confirm_needed_{result.confirm}", card=customer.card, points=q.redeemed_points + q.reward_points
                ) from None
        body: wire.SaleBody = {
            "uid": uid,
            "at": at,
            "customer_uid": customer.uid if customer is not None else None,
            "card": result.card,
            "program_version": version,
            "program_uid": repo.program_uid(conn, version),
            "payment": req.payment,
            "cashier": req.cashier,
            "sale": parts.figures,
            "lines": parts.lines,
            "request": {"redeem": req.redeem, "reward": req.reward, "coupon": req.coupon},
            "ops": parts.ops,
        }
        _name_view(conn, body, chain)
        return replace(result, uid=uid), body

    # ----------------------------------------------------------------- refunds

    def refund(
        self,
        sale_id: int,
        units: Mapping[int, int] | None = None,
        at: int | None = None,
        cashier: str | None = None,
        *,
        actor: str,
    ) -> RefundResult:
        """Give back units of a sale's lines, approved by `actor`; cumulative figures, so partial refunds add up.

        The refund and its audit row are one transaction; RefundCommitted is published once it has committed.
        With a fiscal register set (`register`) its sellReturn receipt is printed before the refund commits."""
        actor = check_actor(actor)
        hooked = self.register.refund(sale_id, units, at, cashier, actor) if self.register is not None else None
        result = hooked if hooked is not None else self._refund(sale_id, units, at, cashier, actor)
        if result.refund_id is not None:
            self.bus.publish(RefundCommitted(result.refund_id, result.sale_id))
        return result

    def _refund(
        self, sale_id: int, units: Mapping[int, int] | None, at: int | None, cashier: str | None, actor: str
    ) -> RefundResult:
        with db.transaction(self.engine) as conn:
            return self.book_refund_in(conn, self.price_refund_in(conn, sale_id, units, at, cashier), actor)

    def book_refund_in(
        self, conn: Connection, priced: PricedRefund, actor: str, *, strict: bool = True
    ) -> RefundResult:
        """Book a refund priced by `price_refund_in` with its outbox and audit rows, in `conn`.

        strict=False: its sellReturn receipt is printed, so it is booked even over points spent meanwhile."""
        body, d = priced.body, priced.delta
        refund_id = ledger.book_refund(conn, body, strict=strict, post_expiry=not repo.chain_mode(conn))
        repo.write_outbox(conn, body["uid"], "refund", body)
        figures = body["refund"]
        detail = {
            "refund": refund_id,
            "sale": priced.sale_id,
            "cashier": str(body.get("cashier")),
            "back_kopecks": d["money_back"],
            "taken_points": d["points_taken_back"],
            "given_points": figures["points_given_back"],
        }
        write_audit(conn, self.clock, actor, "refund", detail)
        balance = None
        if priced.customer_uid is not None:
            wallet, _ = repo.load_wallet(conn, ledger.customer_by_uid(conn, priced.customer_uid))
            balance = wallet.available(body["at"])
        return RefundResult(
            refund_id, body["uid"], priced.sale_id, d["money_back"], d["points_taken_back"],
            figures["points_given_back"], dict(figures.get("stamps_taken_back") or {}), balance,
        )  # fmt: skip

    def price_refund_in(
        self, conn: Connection, sale_id: int, units: Mapping[int, int] | None, at: int | None, cashier: str | None
    ) -> PricedRefund:
        """Price a refund inside `conn` (checks, cumulative figures, its body); the business clock moves on."""
        sale = conn.execute(select(t.sales).where(t.sales.c.id == sale_id)).first()
        if sale is None:
            raise NotFound("unknown_sale", sale=sale_id)
        rows = conn.execute(
            select(t.sale_lines).where(t.sale_lines.c.sale_id == sale_id).order_by(t.sale_lines.c.idx)
        ).all()
        stamps = ledger.line_stamps(conn, sale_id)
        lines = [
            SoldLine(r.qty, r.paid, r.redeemed, Fraction(r.rate), r.stamp_rule, r.stamps_given, bool(r.is_reward),
                     stamps.get(r.idx, {}))
            for r in rows
        ]  # fmt: skip
        before = self._refunded_units(conn, sale_id, len(lines))
        # Units given back on any till of the chain, as last pulled (a restored till's own refunds too).
        chain_back = repo.chain_refunded(conn, sale_id, sale.uid) if repo.chain_mode(conn) else {}
        elsewhere = {i for i, n in chain_back.items() if 0 <= i < len(lines) and n > before[i]}
        for i in elsewhere:
            before[i] = min(chain_back[i], lines[i].qty)
        now = list(before)
        if not units:
            now = [line.qty for line in lines]
            if now == before:
                raise LoyaltyError("refund_done", sale=sale_id)
        else:
            for idx, qty in units.items():
                if not 0 <= idx < len(lines):
                    raise LoyaltyError("refund_no_line", sale=sale_id, line=idx, last=len(lines) - 1)
                if qty < 1:
                    raise LoyaltyError("refund_units_min", line=idx)
                left = lines[idx].qty - before[idx]
                if qty > left:
                    code = "refund_units_chain" if idx in elsewhere else "refund_units_left" if left else (
                        "refund_units_gone")  # fmt: skip
                    raise LoyaltyError(code, line=idx, sale=sale_id, left=left)
                now[idx] += qty
        self._dated(conn, at)
        at = repo.next_clock(conn, at, self.clock)
        if at < sale.at:
            raise LoyaltyError("refund_before_sale")
        d = delta(
            cumulative(lines, now, sale.earned, sale.redeemed_points),
            cumulative(lines, before, sale.earned, sale.redeemed_points),
        )
        version_now, program_now = repo.program_at(conn, at)
        uid = self.ids()
        customer = None
        parts = refund_parts(program_now, d, uid, at, None, sale.reward_points, None, 0, {}, self.ids)
        if sale.customer_id is not None:
            customer = conn.execute(select(t.customers).where(t.customers.c.id == sale.customer_id)).one()
            repo.check_time_order(customer, at)
            gone = self._expired_of_sale(conn, sale, at) if d.points_taken_back else 0
            have = repo.stamps_of(conn, customer.id)
            parts = refund_parts(
                program_now, d, uid, at, customer.uid, sale.reward_points, sale.earned_lot_uid, gone, have, self.ids
            )
        back = {str(i): now[i] - before[i] for i in range(len(lines)) if now[i] > before[i]}
        body: wire.RefundBody = {
            "uid": uid,
            "sale_uid": sale.uid,
            "at": at,
            "cashier": cashier,
            "units": back,
            "refund": parts.figures,
            "ops": parts.ops,
        }
        chain = repo.chain_mode(conn)
        if chain:
            body["program_uid"] = repo.program_uid(conn, version_now)
        _name_view(conn, body, chain)
        return PricedRefund(
            sale_id=sale_id,
            sale_uid=sale.uid,
            payment=sale.payment,
            customer_uid=customer.uid if customer is not None else None,
            body=body,
            delta={"money_back": d.money_back, "points_taken_back": d.points_taken_back},
            lines=tuple((r.name, r.category, int(r.qty), int(r.paid)) for r in rows),
            before=tuple(before),
            now=tuple(now),
        )

    @staticmethod
    def _expired_of_sale(conn: Connection, sale: Any, at: int) -> int:
        """The sale's earned points already gone by expiry at `at` and not yet counted by a refund (§5)."""
        if sale.earned_lot_uid is None:
            return 0
        gone = ledger.expired_unclaimed(conn, sale.earned_lot_uid, sale.id)
        if not repo.chain_mode(conn):
            # A standalone till writes the lot off just before the take-back (booking posts expiry first).
            lot = sql.one(conn, "SELECT remaining, expires_at FROM lots WHERE uid = :u", {"u": sale.earned_lot_uid})
            if lot is not None and lot.expires_at is not None and lot.expires_at <= at:
                gone += int(lot.remaining)
        return gone

    def _refunded_units(self, conn: Connection, sale_id: int, n: int) -> list[int]:
        done = [0] * n
        # A refund the server rejected (beyond the units the chain had left) gave nothing back in the chain.
        rejected = select(t.outbox.c.uid).where(t.outbox.c.uid == t.refunds.c.uid, t.outbox.c.status == "rejected")
        for r in conn.execute(
            select(t.refund_lines.c.idx, func.sum(t.refund_lines.c.qty).label("qty"))
            .join(t.refunds, t.refunds.c.id == t.refund_lines.c.refund_id)
            .where(t.refunds.c.sale_id == sale_id, ~rejected.exists())
            .group_by(t.refund_lines.c.idx)
        ):
            done[r.idx] = int(r.qty)
        return done

    def sale_lines(self, sale_id: int) -> list[dict[str, Any]]:
        """A committed sale's lines with the units still refundable."""
        with db.transaction(self.engine, write=False) as conn:
            sale_uid = conn.execute(select(t.sales.c.uid).where(t.sales.c.id == sale_id)).scalar()
            if sale_uid is None:
                raise NotFound("unknown_sale", sale=sale_id)
            rows = conn.execute(
                select(t.sale_lines).where(t.sale_lines.c.sale_id == sale_id).order_by(t.sale_lines.c.idx)
            ).all()
            back = self._refunded_units(conn, sale_id, len(rows))
            if repo.chain_mode(conn):
                for i, n in repo.chain_refunded(conn, sale_id, sale_uid).items():
                    if 0 <= i < len(back):
                        back[i] = min(max(back[i], n), rows[i].qty)
            return [
                {
                    "idx": r.idx,
                    "sku": r.sku,
                    "name": r.name,
                    "qty": r.qty,
                    "paid": r.paid,
                    "refundable": r.qty - back[r.idx],
                }
                for r in rows
            ]


def _name_view(conn: Connection, body: wire.SaleBody | wire.RefundBody, chain: bool) -> None:
    """A chain terminal's body names the pull cursor it was priced on (wire v2, sync.md promise 8): the
    server re-derives its figures against the state this terminal could have seen."""
    if chain:
        body["cursor"] = int(repo.get_meta(conn, "cursor") or 0)


def _paid_referral_here(conn: Connection, customer_id: int) -> bool:
    """A sale of this till paid the customer's referrer already (a pulled snapshot may not show it yet)."""
    # A sale the server rejected paid nothing in the chain: the referral is due again (the server's verdict).
    found = sql.scalar(conn, _PAID_REFERRAL, {"id": customer_id})
    return found is not None


_PAID_REFERRAL = """SELECT 1 FROM sales s WHERE s.customer_id = :id AND s.referral_points > 0
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.uid = s.uid AND o.status = 'rejected') LIMIT 1"""


def _chain_coupon(
    conn: Connection, program: Any, code: str, customer: Any, at: int, local: tuple[int, int]
) -> tuple[int, int]:
    """A limited coupon's uses across the chain (promise 9): what was last pulled plus ours since, never
    fewer than this till's own. A till that has not synced for longer than the offline window refuses it:
    the uses other tills made meanwhile are unknown, and an excess is bounded by that window."""
    hours = program.offline.max_offline_hours
    if hours is not None and at - int(repo.get_meta(conn, "last_sync_ms") or 0) > hours * 3_600_000:
        raise LoyaltyError("coupon_limit_offline", coupon=code, hours=hours)
    used, mine = repo.chain_coupon_uses(conn, code, customer)
    return max(used, local[0]), max(mine, local[1])
