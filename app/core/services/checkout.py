"""The till's checkout: pricing a basket, committing a sale, refunding units of a sale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, func, select

from app.core import db, ledger, repo, sql, wire
from app.core import schema as t
from app.core.errors import LoyaltyError, NotFound
from app.core.events import RefundCommitted, SaleCommitted
from app.core.pricing import CouponUse, CustomerView, LineOut, price
from app.core.refunds import SoldLine, cumulative, delta
from app.core.services.results import RefundResult, SaleRequest, SaleResult
from app.core.services.support import OperationService, check_actor, expiry, write_audit
from app.core.timeutil import DAY_MS
from app.core.wallet import Lot, Wallet

__all__ = ["CheckoutService"]


def _line(ln: LineOut, coupon: bool) -> wire.SaleLine:
    """A priced line as the sale body carries it; the schema-v5 keys only where they say something."""
    line: wire.SaleLine = {
        "sku": ln.sku,
        "name": ln.name,
        "category": ln.category,
        "qty": ln.qty,
        "unit_price": ln.unit_price,
        "amount": ln.amount,
        "discount": ln.discount,
        "redeemed": ln.redeemed,
        "paid": ln.paid,
        "rate": str(ln.rate),
        "stamp_rule": ln.stamp_rule,
        "stamps_given": ln.stamps_given,
        "is_reward": int(ln.is_reward),
    }
    if coupon and not ln.is_reward:
        line["coupon_discount"] = ln.coupon_discount
    if len(ln.stamps) > 1:
        line["stamps"] = dict(ln.stamps)
    return line


class _Rollback(Exception):
    """Raised inside a transaction to discard it (a quote writes nothing)."""


class CheckoutService(OperationService):
    """Sales and refunds: each commit is one transaction (journal, outbox, audit), its event published after it."""

    def quote(self, req: SaleRequest) -> SaleResult:
        """Price a sale exactly as `sell` would, writing nothing."""
        return self._sale(req, commit=False)

    def sell(self, req: SaleRequest, *, actor: str) -> SaleResult:
        """Price and commit a sale made by `actor`: the sale, lines, points, stamps, outbox and audit rows in one
        transaction.

        SaleCommitted is published once the transaction has committed (never for a refused sale)."""
        result = self._sale(req, commit=True, actor=check_actor(actor))
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
                birthday=date.fromisoformat(customer.birthday) if customer.birthday else None,
                birthday_years_granted=years,
                referral_due=customer.referrer_id is not None and not customer.referral_paid,
            )
        coupon_use = None
        if req.coupon:
            coupon = program.coupon(req.coupon)
            if coupon is None:
                raise NotFound("unknown_coupon", coupon=req.coupon.strip())
            counts = sql.one(
                conn,
                "SELECT COUNT(*) AS used, COALESCE(SUM(CASE WHEN customer_id = :id THEN 1 ELSE 0 END), 0) AS mine"
                " FROM coupon_uses WHERE code = :code",
                {"code": coupon.code, "id": customer.id if customer is not None else -1},
            )
            assert counts is not None
            used, mine = counts.used, counts.mine
            coupon_use = CouponUse(coupon, int(used), int(mine))
        q = price(program, list(req.lines), at, view, coupon_use, req.redeem, req.reward, redeem_cap)

        uid = self.ids()
        ops: list[wire.Op] = []
        birthday_lot_uid = earned_lot_uid = None
        if customer is not None:
            cu = customer.uid
            if q.birthday_points and program.birthday_bonus:
                days = program.birthday_bonus.expiry_days or program.expiry_days
                lot = Lot(self.ids(), q.birthday_points, 0, at, expiry(at, days), "birthday", uid)
                ops.append(ledger.grant_op(cu, lot, at))
                birthday_lot_uid = lot.uid
            if q.redeemed_points:
                ops.append(ledger.spend_op(cu, q.redeemed_points, at))
            if q.reward_points:
                ops.append(ledger.spend_op(cu, q.reward_points, at, "reward"))
            available_at = at + program.activation_days * DAY_MS
            if q.earned:
                expires = expiry(available_at, program.expiry_days)
                lot = Lot(self.ids(), q.earned, 0, available_at, expires, "sale", uid)
                ops.append(ledger.grant_op(cu, lot, at))
                earned_lot_uid = lot.uid
            deltas = {rule: -n for rule, n in q.stamps_spent.items()}
            for rule, n in q.stamps_earned.items():
                deltas[rule] = deltas.get(rule, 0) + n
            if deltas:
                ops.append(ledger.stamps_op(cu, deltas, at))
            if q.referral_points_to_referrer:
                referrer = conn.execute(select(t.customers.c.uid).where(t.customers.c.id == customer.referrer_id))
                expires = expiry(available_at, program.expiry_days)
                lot = Lot(self.ids(), q.referral_points_to_referrer, 0, available_at, expires, "referral", uid)
                ops.append(ledger.grant_op(referrer.scalar_one(), lot, at))
            for op in ops:
                if op["customer"] == cu:
                    ledger.apply_op(wallet, op, strict=True)
        bal = wallet.balances(at) if customer is not None else None
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
        )
        if not commit:
            return result
        figures: wire.SaleFigures = {
            "tier": q.tier, "subtotal": q.subtotal, "discount": q.discount, "redeemed_points": q.redeemed_points,
            "redeemed_amount": q.redeemed_amount, "max_points": q.max_points, "total": q.total, "earned": q.earned,
            "birthday_points": q.birthday_points, "reward_points": q.reward_points,
            "referral_points_to_referrer": q.referral_points_to_referrer, "coupon": q.coupon,
            "stamps_spent": dict(q.stamps_spent), "stamps_earned": dict(q.stamps_earned), "reward_id": q.reward_id,
        }  # fmt: skip
        # Only a sale that granted them names these lots (a body without them is today's wire format too).
        if birthday_lot_uid is not None:
            figures["birthday_year"] = q.birthday_year
            figures["birthday_lot_uid"] = birthday_lot_uid
        if earned_lot_uid is not None:
            figures["earned_lot_uid"] = earned_lot_uid
        body: wire.SaleBody = {
            "uid": uid,
            "at": at,
            "customer_uid": customer.uid if customer is not None else None,
            "card": result.card,
            "program_version": version,
            "program_uid": repo.program_uid(conn, version),
            "payment": req.payment,
            "cashier": req.cashier,
            "sale": figures,
            "lines": [_line(ln, q.coupon is not None) for ln in q.lines],
            "request": {"redeem": req.redeem, "reward": req.reward, "coupon": req.coupon},
            "ops": ops,
        }
        sale_id, _ = ledger.book_sale(conn, body, strict=True, post_expiry=not chain)
        repo.write_outbox(conn, uid, "sale", body)
        write_audit(conn, self.clock, actor, "sale", {"sale": sale_id, "total_kopecks": q.total})
        return replace(result, sale_id=sale_id, uid=uid, committed=True)

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

        The refund and its audit row are one transaction; RefundCommitted is published once it has committed."""
        result = self._refund(sale_id, units, at, cashier, check_actor(actor))
        if result.refund_id is not None:
            self.bus.publish(RefundCommitted(result.refund_id, result.sale_id))
        return result

    def _refund(
        self, sale_id: int, units: Mapping[int, int] | None, at: int | None, cashier: str | None, actor: str
    ) -> RefundResult:
        with db.transaction(self.engine) as conn:
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
                        raise LoyaltyError(
                            "refund_units_left" if left else "refund_units_gone", line=idx, sale=sale_id, left=left
                        )
                    now[idx] += qty
            self._dated(conn, at)
            at = repo.next_clock(conn, at, self.clock)
            if at < sale.at:
                raise LoyaltyError("refund_before_sale")
            d = delta(
                cumulative(lines, now, sale.earned, sale.redeemed_points),
                cumulative(lines, before, sale.earned, sale.redeemed_points),
            )
            uid = self.ids()
            given = d.points_given_back + (sale.reward_points if d.reward_returned else 0)
            ops: list[wire.Op] = []
            taken_stamps: dict[str, int] = {}
            customer = None
            if sale.customer_id is not None:
                customer = conn.execute(select(t.customers).where(t.customers.c.id == sale.customer_id)).one()
                repo.check_time_order(customer, at)
                _, program = repo.program_at(conn, at)
                if d.points_taken_back:
                    gone = self._expired_of_sale(conn, sale, at)
                    ops.append(ledger.take_back_op(customer.uid, d.points_taken_back, at, sale.earned_lot_uid, gone))
                if given:
                    lot = Lot(self.ids(), given, 0, at, expiry(at, program.restore_expiry_days), "restore", uid)
                    ops.append(ledger.grant_op(customer.uid, lot, at))
                have = repo.stamps_of(conn, customer.id)
                # Never below zero on the card: stamps already spent on a free unit stay spent.
                taken_stamps = {rule: min(n, max(have.get(rule, 0), 0)) for rule, n in d.stamps_taken_back.items()}
                if any(taken_stamps.values()):
                    ops.append(ledger.stamps_op(customer.uid, {r: -n for r, n in taken_stamps.items() if n}, at))
            back = {str(i): now[i] - before[i] for i in range(len(lines)) if now[i] > before[i]}
            body: wire.RefundBody = {
                "uid": uid,
                "sale_uid": sale.uid,
                "at": at,
                "cashier": cashier,
                "units": back,
                "refund": {
                    "money_back": d.money_back,
                    "points_taken_back": d.points_taken_back,
                    "points_given_back": given,
                    "stamps_taken_back": taken_stamps,
                },
                "ops": ops,
            }
            refund_id = ledger.book_refund(conn, body, strict=True, post_expiry=not repo.chain_mode(conn))
            repo.write_outbox(conn, uid, "refund", body)
            detail = {
                "refund": refund_id,
                "sale": sale_id,
                "cashier": str(cashier),
                "back_kopecks": d.money_back,
                "taken_points": d.points_taken_back,
                "given_points": given,
            }
            write_audit(conn, self.clock, actor, "refund", detail)
            balance = None
            if customer is not None:
                wallet, _ = repo.load_wallet(conn, ledger.customer_by_uid(conn, customer.uid))
                balance = wallet.available(at)
            return RefundResult(
                refund_id, uid, sale_id, d.money_back, d.points_taken_back, given, taken_stamps, balance
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
        for r in conn.execute(
            select(t.refund_lines.c.idx, func.sum(t.refund_lines.c.qty).label("qty"))
            .join(t.refunds, t.refunds.c.id == t.refund_lines.c.refund_id)
            .where(t.refunds.c.sale_id == sale_id)
            .group_by(t.refund_lines.c.idx)
        ):
            done[r.idx] = int(r.qty)
        return done

    def sale_lines(self, sale_id: int) -> list[dict[str, Any]]:
        """A committed sale's lines with the units still refundable."""
        with db.transaction(self.engine, write=False) as conn:
            if conn.execute(select(t.sales.c.id).where(t.sales.c.id == sale_id)).first() is None:
                raise NotFound("unknown_sale", sale=sale_id)
            rows = conn.execute(
                select(t.sale_lines).where(t.sale_lines.c.sale_id == sale_id).order_by(t.sale_lines.c.idx)
            ).all()
            back = self._refunded_units(conn, sale_id, len(rows))
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
