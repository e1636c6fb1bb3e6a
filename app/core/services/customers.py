"""Customers and their cards: enrolment, look-ups, hand adjustments, lost and blocked cards."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from app.core import caps, db, ledger, repo, sql, wire
from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.events import CustomerChanged
from app.core.figures import enroll_ops
from app.core.identity import (
    PHONE_FORM,
    card_number,
    card_qr_payload,
    check_card_code,
    looks_like_phone,
    mask_phone,
    normalize_phone,
)
from app.core.program import local_time
from app.core.refusals import Refusal
from app.core.services.results import CustomerInfo, EnrollResult, PersonalCoupon
from app.core.services.support import OperationService, check_actor, expiry, write_audit
from app.core.timeutil import iso
from app.core.wallet import Lot

__all__ = ["CustomerService"]


class CustomerService(OperationService):
    """Customers: each change is one transaction with its journal, outbox and audit rows; CustomerChanged after it."""

    def enroll(
        self,
        name: str,
        phone: str,
        birthday: str | None = None,
        referrer: str | None = None,
        card: str | None = None,
        at: int | None = None,
        consent: bool = True,
        *,
        actor: str,
    ) -> EnrollResult:
        """Enroll a customer with a card; grant the welcome and referee bonuses. One transaction with its audit row.

        `actor` is who enrolled them (the cashier at the till). CustomerChanged is published once it has committed."""
        result = self._enroll(name, phone, birthday, referrer, card, at, consent, check_actor(actor))
        self.bus.publish(CustomerChanged((result.card,)))
        return result

    def _enroll(
        self,
        name: str,
        phone: str,
        birthday: str | None,
        referrer: str | None,
        card: str | None,
        at: int | None,
        consent: bool,
        actor: str,
    ) -> EnrollResult:
        name = " ".join(name.split())
        if not name:
            raise LoyaltyError("name_empty")
        if len(name) > 200:
            raise LoyaltyError("name_long")
        phone_norm = normalize_phone(phone)
        bday = None
        if birthday:
            try:
                bday = date.fromisoformat(birthday.strip())
            except ValueError:
                raise LoyaltyError("birthday_format", text=birthday) from None
        # An empty --card is a mistake to report, not a request for a generated number.
        code = check_card_code(card) if card is not None else None
        with db.transaction(self.engine) as conn:
            if repo.awaiting_reconnect(conn):
                # Its card serials may have been used since the backup: a new card block comes with enrolling.
                raise LoyaltyError("restored_reconnect")
            self._dated(conn, at)
            at = repo.next_clock(conn, at, self.clock)
            version, program = repo.program_at(conn, at)
            if bday is not None and not date(1900, 1, 1) <= bday <= local_time(program, at).date():
                raise LoyaltyError("birthday_range", text=bday.isoformat())
            taken = sql.scalar(
                conn, "SELECT c.id FROM customers c WHERE " + repo.PHONE_MATCH, repo.phone_params(conn, phone_norm)
            )
            if taken is not None:
                card_taken = repo.primary_card(conn, taken)
                raise LoyaltyError("phone_taken", phone=mask_phone(phone_norm), card=card_taken)
            if code is not None and conn.execute(select(t.cards.c.code).where(t.cards.c.code == code)).first():
                raise LoyaltyError("card_issued", card=code)
            referrer_row = repo.customer_by_card(conn, referrer) if referrer else None
            if code is None:
                code = self._next_card(conn)
            uid = self.ids()
            ops = enroll_ops(program, uid, at, referrer_row is not None, self.ids)
            body: wire.EnrollBody = {
                "uid": uid,
                "name": name,
                "phone": phone_norm,
                "birthday": bday.isoformat() if bday else None,
                "card": code,
                "referrer_uid": referrer_row.uid if referrer_row is not None else None,
                "at": at,
                "consent_at": at if consent else None,
                "ops": ops,
            }
            if repo.chain_mode(conn):
                # Wire v2 (sync.md promise 8): the program and pull cursor its bonuses were derived on.
                body["program_uid"] = repo.program_uid(conn, version)
                body["cursor"] = int(repo.get_meta(conn, "cursor") or 0)
            customer_id = ledger.book_enroll(conn, body, strict=True, post_expiry=not repo.chain_mode(conn))
            repo.write_outbox(conn, uid, "enroll", body)
            granted = sum(op["lot"]["points"] for op in ops if op["op"] == "grant")
            # The card only: the name and phone are personal data, kept with the customer, not in the log.
            write_audit(conn, self.clock, actor, "customer_enrolled", {"card": code, "granted_points": granted})
            return EnrollResult(customer_id, code, granted, card_qr_payload(repo.card_keys(conn), code))

    def _next_card(self, conn: Connection) -> str:
        if repo.get_meta(conn, "card_ranges") is not None:
            return self._next_card_from_ranges(conn)
        serial = int(repo.get_meta(conn, "card_serial") or 0)
        prefix = repo.get_meta(conn, "card_block")  # a chain gives each terminal its own block
        while True:
            serial += 1
            code = card_number(serial if prefix is None else int(prefix) * 100_000 + serial)
            if not conn.execute(select(t.cards.c.code).where(t.cards.c.code == code)).first():
                repo.set_meta(conn, "card_serial", str(serial))
                return code

    def _next_card_from_ranges(self, conn: Connection) -> str:
        """A chain terminal's next number, from the ranges its server handed it (promise 11); none left: refused."""
        ranges = repo.card_ranges(conn)
        while ranges:
            nxt, last = ranges[0]
            while nxt <= last:
                code = card_number(nxt)
                nxt += 1
                if not conn.execute(select(t.cards.c.code).where(t.cards.c.code == code)).first():
                    ranges[0][0] = nxt
                    repo.set_card_ranges(conn, ranges)
                    return code
            ranges.pop(0)
        raise LoyaltyError("card_range_empty")

    def customer(self, card_or_phone: str, at: int | None = None) -> CustomerInfo:
        """A customer's balances, tier and stamps at an instant (default: now)."""
        with db.transaction(self.engine, write=False) as conn:
            row = repo.customer_by_card_or_phone(conn, card_or_phone)
            self._dated(conn, at)
            at = repo.peek_clock(conn, at, self.clock)
            return self._info(conn, row, at)

    def customer_by_id(self, customer_id: int, at: int | None = None) -> CustomerInfo:
        """A customer's info by internal id."""
        with db.transaction(self.engine, write=False) as conn:
            card = repo.primary_card(conn, customer_id)
            row = repo.customer_by_card(conn, card)
            at = repo.peek_clock(conn, at, self.clock)
            return self._info(conn, row, at)

    def _info(self, conn: Connection, row: Any, at: int) -> CustomerInfo:
        _, program = repo.program_at(conn, at)
        wallet, _ = repo.load_wallet(conn, row)
        bal = wallet.balances(at)
        spend = repo.tier_spend(conn, program, row.id, at)
        tier = program.tier_for(spend)
        nxt = program.next_tier(spend)
        card = repo.primary_card(conn, row.id) or row.card or ""  # "": no working card (quarantined)
        personal = tuple(
            PersonalCoupon(c.code, c.kind, str(c.percent) if c.kind == "percent" else str(c.amount), c.valid_to)
            for c in program.coupons
            if c.customer == row.card and (c.valid_to is None or at < c.valid_to)
        )
        return CustomerInfo(
            customer_id=row.id,
            card=card,
            name=row.name,
            phone=mask_phone(row.phone) if row.phone and row.phone.startswith(PHONE_FORM) else row.phone,
            phone_masked=mask_phone(row.phone or ""),
            birthday=row.birthday,
            tier=tier.name,
            tier_spend=spend,
            next_tier=nxt.name if nxt else None,
            to_next_tier=nxt.min_spend - spend if nxt else None,
            available=bal.available,
            pending=bal.pending,
            expired=bal.expired,
            debt=bal.debt,
            stamps=repo.stamps_of(conn, row.id),
            stamps_needed={s.id: s.needed for s in program.stamps},
            next_expiry_points=bal.next_expiry_points,
            next_expiry_at=iso(bal.next_expiry_at, program.zone),
            blocked=bool(row.blocked),
            coupons=personal,
            qr=card_qr_payload(repo.card_keys(conn), card) if card else "",
        )

    def adjustment_warnings(self, points: int, actor: str) -> tuple[Refusal, ...]:
        """What adjusting `points` now would warn `actor` about (LoyaltyError above the hard daily limit)."""
        with db.transaction(self.engine, write=False) as conn:
            at = repo.peek_clock(conn, None, self.clock)
            _, program = repo.program_at(conn, at)
            return caps.adjust_warnings(conn, program, check_actor(actor), at, points)

    def adjust_points(
        self, card: str, points: int, reason: str, actor: str, at: int | None = None, *, allow_debt: bool = True
    ) -> tuple[int, int]:
        """Add or remove points by hand with a reason (see _adjust_points); CustomerChanged after the commit."""
        done = self._adjust_points(card, points, reason, actor, at, allow_debt=allow_debt)
        self.bus.publish(CustomerChanged((card,)))
        return done

    def _adjust_points(
        self, card: str, points: int, reason: str, actor: str, at: int | None = None, *, allow_debt: bool = True
    ) -> tuple[int, int]:
        """Add (a lot, usable at once) or remove (taken back like a refund) points by hand, with a reason.

        Returns (adjustment id in the outbox, balance after). The reason and the manager go into
        the outbox body, which the audit log and the server keep. With allow_debt False a removal
        that would leave the available balance below zero is refused and nothing is written (the
        manager screen: no program option lets a hand adjustment put a card in debt).
        """
        actor = check_actor(actor)
        if points == 0:
            raise LoyaltyError("adjust_zero")
        if not reason.strip():
            raise LoyaltyError("adjust_reason")
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            self._dated(conn, at)
            at = repo.next_clock(conn, at, self.clock)
            repo.check_time_order(customer, at)
            _, program = repo.program_at(conn, at)
            caps.adjust_warnings(conn, program, actor, at, points)  # above the hard limit: refused here
            if points < 0 and not allow_debt:
                held, _ = repo.load_wallet(conn, ledger.customer_by_uid(conn, customer.uid))
                if held.available(at) + points < 0:
                    raise LoyaltyError(
                        "adjust_below_zero",
                        remove_points=-points,
                        left=held.available(at) + points,
                        available_points=held.available(at),
                    )
            uid = self.ids()
            if points > 0:
                lot = Lot(self.ids(), points, 0, at, expiry(at, program.expiry_days), "manual", uid)
                ops: list[wire.Op] = [ledger.grant_op(customer.uid, lot, at)]
            else:
                ops = [ledger.take_back_op(customer.uid, -points, at, None)]
            body: wire.AdjustBody = {
                "uid": uid, "customer_uid": customer.uid, "card": customer.card, "points": points,
                "reason": reason.strip(), "actor": actor, "at": at, "ops": ops,
            }  # fmt: skip
            ledger.book_adjust(conn, body, strict=True, post_expiry=not repo.chain_mode(conn))
            repo.write_outbox(conn, uid, "adjust", body)
            wallet, _ = repo.load_wallet(conn, ledger.customer_by_uid(conn, customer.uid))
            balance = wallet.available(at)
            detail = {"card": card, "points": points, "reason": reason.strip(), "balance_points": balance}
            write_audit(conn, self.clock, actor, "points_adjusted", detail)
            return int(sql.scalar(conn, "SELECT seq FROM outbox WHERE uid = :u", {"u": uid})), balance

    def replace_card(self, old_card: str, new_card: str | None = None, at: int | None = None, *, actor: str) -> str:
        """A lost card: a new card (given or generated) takes over the account; the old one stops working.

        CustomerChanged (both cards) is published once it has committed."""
        code = self._replace_card(old_card, new_card, at, check_actor(actor))
        self.bus.publish(CustomerChanged((old_card, code)))
        return code

    def _replace_card(self, old_card: str, new_card: str | None, at: int | None, actor: str) -> str:
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, old_card)
            code = check_card_code(new_card) if new_card else self._next_card(conn)
            if sql.scalar(conn, "SELECT customer_id FROM cards WHERE code = :c", {"c": code}) is not None:
                raise LoyaltyError("card_issued", card=code)
            at = repo.next_clock(conn, at, self.clock)
            uid = self.ids()
            body: wire.CardBody = {
                "uid": uid, "customer_uid": customer.uid, "old_card": customer.card, "new_card": code, "at": at
            }  # fmt: skip
            if repo.chain_mode(conn):
                body["actor"] = actor  # wire v2: the server books it only for a manager of this store
            ledger.book_card(conn, body)
            repo.write_outbox(conn, uid, "card", body)
            write_audit(conn, self.clock, actor, "card_replaced", {"old": old_card, "new": code})
            return code

    def block_card(self, card: str, blocked: bool = True, at: int | None = None, *, actor: str) -> None:
        """Block (or unblock) a customer's account: a blocked card is refused at checkout.

        CustomerChanged is published once it has committed."""
        self._block_card(card, blocked, at, check_actor(actor))
        self.bus.publish(CustomerChanged((card,)))

    def _block_card(self, card: str, blocked: bool, at: int | None, actor: str) -> None:
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            at = repo.next_clock(conn, at, self.clock)
            uid = self.ids()
            body: wire.BlockBody = {"uid": uid, "customer_uid": customer.uid, "blocked": blocked, "at": at}
            if repo.chain_mode(conn):
                body["actor"] = actor  # wire v2: the server books it only for a manager of this store
            ledger.book_block(conn, body)
            repo.write_outbox(conn, uid, "block", body)
            write_audit(conn, self.clock, actor, "card_blocked" if blocked else "card_unblocked", {"card": card})

    def find_customers(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Customers whose card or phone matches, or whose name contains the query."""
        q = query.strip()
        if not q:
            return []
        stmt = (
            select(t.customers.c.id, t.customers.c.name, t.customers.c.phone, t.cards.c.code)
            .join(t.cards, t.cards.c.customer_id == t.customers.c.id)
            .where(t.cards.c.active == 1)
            .limit(limit)
        )
        digits = "".join(ch for ch in q if ch.isdigit())
        with db.transaction(self.engine, write=False) as conn:
            rows = list(conn.execute(stmt.where(t.cards.c.code == q)))
            if not rows and looks_like_phone(q):
                # A whole number also finds a pulled customer, whose phone this till holds only keyed.
                found = repo.phone_params(conn, normalize_phone(q))
                phone = t.customers.c.phone
                keyed = and_(phone >= found["phone_lo"], phone < found["phone_hi"])
                rows = list(conn.execute(stmt.where(or_(phone == found["phone"], keyed))))
            if not rows and len(digits) >= 4 and len(digits) == len(q.replace(" ", "").replace("-", "").lstrip("+")):
                tail = digits[1:] if len(digits) == 11 and digits[0] in "78" else digits
                rows = list(conn.execute(stmt.where(t.customers.c.phone.contains(tail, autoescape=True))))
            if not rows:
                rows = list(conn.execute(stmt.where(t.customers.c.name_search.contains(q.casefold(), autoescape=True))))
        return [{"customer_id": r.id, "name": r.name, "phone": mask_phone(r.phone or ""), "card": r.code} for r in rows]
