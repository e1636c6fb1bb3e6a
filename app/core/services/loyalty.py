"""The loyalty use cases: enroll, price, sell, refund, look up, verify. One transaction each."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, select

from app.core import db, ledger, repo, sql, wire
from app.core import schema as t
from app.core.clock import SYSTEM_CLOCK, Clock
from app.core.errors import LoyaltyError, NotFound
from app.core.events import CustomerChanged, EventBus, RefundCommitted, SaleCommitted
from app.core.identity import (
    ascii_digits,
    card_number,
    card_qr_payload,
    check_card_code,
    gtin_valid,
    mask_phone,
    normalize_phone,
    to_gtin13,
)
from app.core.ids import uuid7
from app.core.money import parse_roubles
from app.core.pricing import CouponUse, CustomerView, LineIn, price
from app.core.program import DEFAULT_TIMEZONE, Program, local_time, parse_program
from app.core.refunds import SoldLine, cumulative, delta
from app.core.services.results import (
    CustomerInfo,
    EnrollResult,
    PersonalCoupon,
    RefundResult,
    SaleRequest,
    SaleResult,
    VerifyReport,
)
from app.core.timeutil import DAY_MS, iso
from app.core.wallet import Lot, Wallet

__all__ = [
    "CustomerInfo",
    "EnrollResult",
    "LoyaltyService",
    "RefundResult",
    "SaleRequest",
    "SaleResult",
    "VerifyReport",
]


class _Rollback(Exception):
    """Raised inside a transaction to discard it (a quote writes nothing)."""


def _expiry(at: int, days: int | None) -> int | None:
    return None if days is None else at + days * DAY_MS


class LoyaltyService:
    """All loyalty use cases over one terminal database."""

    def __init__(
        self,
        engine: Engine,
        db_path: Path | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        ids: Callable[[], str] = uuid7,
        bus: EventBus | None = None,
        history_import: bool = False,
    ) -> None:
        self.engine = engine
        # Importing history from a previous system: operations may be dated ahead of the clock (promise 13).
        self.history_import = history_import
        self.db_path = db_path
        self.clock = clock  # business times of operations given no explicit time
        self.ids = ids  # journal and lot ids; tests pass predictable ones
        self.bus = bus or EventBus()

    # ----------------------------------------------------------------- setup

    def init(self, program: Mapping[str, Any] | None = None) -> int:
        """Create or upgrade the database; set the program when given. Returns the schema version."""
        version = db.migrate(self.engine, self.db_path)
        with db.transaction(self.engine) as conn:
            if repo.get_meta(conn, "secret") is None:
                repo.set_meta(conn, "secret", secrets.token_hex(32))
                repo.set_meta(conn, "terminal_uid", self.ids())
                repo.set_meta(conn, "card_serial", "0")
        if program is not None:
            self.set_program(program)
        return version

    def store_details(self) -> tuple[str, str]:
        """The store's name and address for receipts and reports ("" when not set)."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.get_meta(conn, "store_name") or "", repo.get_meta(conn, "store_address") or ""

    def set_store_details(self, name: str, address: str) -> None:
        """Store name and address, in one transaction."""
        with db.transaction(self.engine) as conn:
            repo.set_meta(conn, "store_name", name.strip())
            repo.set_meta(conn, "store_address", address.strip())

    def server_url(self) -> str:
        """The central server this terminal is enrolled with ("" on a standalone till)."""
        with db.transaction(self.engine, write=False) as conn:
            if repo.get_meta(conn, "token") is None:
                return ""
            return repo.get_meta(conn, "server_url") or ""

    def secret(self) -> bytes:
        """The per-merchant secret that signs card QR codes."""
        with db.transaction(self.engine, write=False) as conn:
            value = repo.get_meta(conn, "secret")
        if value is None:
            raise LoyaltyError("not_initialised")
        return bytes.fromhex(value)

    def _dated(self, conn: Connection, at: int | None) -> None:
        """Refuse an operation dated too far ahead of the terminal's clock, outside a history import."""
        if at is not None and not self.history_import:
            repo.check_not_ahead(conn, at, self.clock)

    def set_program(self, body: Mapping[str, Any], activate_at: int | None = None) -> int:
        """Validate and activate a program as a new version (now, or at activate_at)."""
        # A JSON array or number is refused by parse_program with its reason, not by dict().
        program = parse_program(dict(body) if isinstance(body, Mapping) else body)
        with db.transaction(self.engine) as conn:
            uid = self.ids()
            # Without a time the version applies to every operation from now on, back-dated ones too.
            at = 0 if activate_at is None else activate_at
            text = json.dumps(dict(program.raw), ensure_ascii=False, sort_keys=True)
            version = conn.execute(
                insert(t.programs).values(
                    uid=uid, body=text, activate_at=at, created_at=repo.next_clock(conn, None, self.clock)
                )
            ).inserted_primary_key
            assert version is not None
            outgoing: wire.ProgramBody = {"uid": uid, "program": dict(program.raw), "activate_at": at}
            repo.write_outbox(conn, uid, "program", outgoing)
            return int(version[0])

    def awaiting_reconnect(self) -> bool:
        """True when this chain terminal was restored from a backup and must be enrolled with its server again."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.awaiting_reconnect(conn)

    def zone(self) -> ZoneInfo:
        """The store's time zone: the program's in force now, the program default's before any is set."""
        try:
            return self.program()[1].zone
        except LoyaltyError:
            return ZoneInfo(DEFAULT_TIMEZONE)

    def program(self, at: int | None = None) -> tuple[int, Program]:
        """The program version in force now (or at an instant)."""
        with db.transaction(self.engine, write=False) as conn:
            return repo.program_at(conn, repo.peek_clock(conn, at, self.clock))

    # ----------------------------------------------------------------- catalog

    def import_catalog(self, text: str) -> int:
        """Upsert products from CSV `sku,name,category,price,barcode`; any bad row refuses the whole file."""
        products = parse_catalog_csv(text)
        with db.transaction(self.engine) as conn:
            store_products(conn, products)
            outgoing: wire.CatalogBody = {"products": products}
            repo.write_outbox(conn, self.ids(), "catalog", outgoing)
        return len(products)

    def catalog(self, query: str = "", limit: int = 1000) -> list[dict[str, Any]]:
        """Products, optionally those whose sku, barcode or name contains the query."""
        stmt = select(t.products).order_by(t.products.c.sku).limit(limit)
        if query:
            q = query.strip()
            stmt = stmt.where(
                t.products.c.name_search.contains(q.casefold(), autoescape=True)
                | (t.products.c.sku == q)
                | (t.products.c.barcode == to_gtin13(q))
            )
        with db.transaction(self.engine, write=False) as conn:
            return [
                {"sku": r.sku, "name": r.name, "category": r.category, "price": r.price, "barcode": r.barcode}
                for r in conn.execute(stmt)
            ]

    def product(self, code: str) -> dict[str, Any]:
        """One product by sku or barcode; NotFound otherwise."""
        with db.transaction(self.engine, write=False) as conn:
            return self._product(conn, code)

    def _product(self, conn: Connection, code: str) -> dict[str, Any]:
        row = conn.execute(select(t.products).where(t.products.c.sku == code)).first()
        if row is None and ascii_digits(code):
            row = conn.execute(select(t.products).where(t.products.c.barcode == to_gtin13(code))).first()
        if row is None:
            raise NotFound("unknown_product", sku=code)
        return {"sku": row.sku, "name": row.name, "category": row.category, "price": row.price}

    def resolve_line(self, sku: str, qty: int, unit_price: int | None = None, category: str | None = None) -> LineIn:
        """A catalog product (or a free-price item when price and category are given) as a basket line."""
        if qty < 1:
            raise LoyaltyError("qty_min", sku=sku)
        if unit_price is not None and category is not None:
            if unit_price < 0:
                raise LoyaltyError("price_negative", sku=sku)
            return LineIn(sku, sku, category, qty, unit_price)
        p = self.product(sku)
        return LineIn(p["sku"], p["name"], p["category"], qty, p["price"])

    # ----------------------------------------------------------------- customers

    def enroll(
        self,
        name: str,
        phone: str,
        birthday: str | None = None,
        referrer: str | None = None,
        card: str | None = None,
        at: int | None = None,
        consent: bool = True,
    ) -> EnrollResult:
        """Enroll a customer with a card; grant the welcome and referee bonuses. One transaction.

        CustomerChanged is published once it has committed."""
        result = self._enroll(name, phone, birthday, referrer, card, at, consent)
        self.bus.publish(CustomerChanged((result.card,)))
        return result

    def _enroll(
        self,
        name: str,
        phone: str,
        birthday: str | None = None,
        referrer: str | None = None,
        card: str | None = None,
        at: int | None = None,
        consent: bool = True,
    ) -> EnrollResult:
        """Enroll a customer with a card; grant the welcome and referee bonuses. One transaction."""
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
            _, program = repo.program_at(conn, at)
            if bday is not None and not date(1900, 1, 1) <= bday <= local_time(program, at).date():
                raise LoyaltyError("birthday_range", text=bday.isoformat())
            taken = conn.execute(select(t.customers.c.id).where(t.customers.c.phone == phone_norm)).scalar()
            if taken is not None:
                card_taken = repo.primary_card(conn, taken)
                raise LoyaltyError("phone_taken", phone=mask_phone(phone_norm), card=card_taken)
            if code is not None and conn.execute(select(t.cards.c.code).where(t.cards.c.code == code)).first():
                raise LoyaltyError("card_issued", card=code)
            referrer_row = repo.customer_by_card(conn, referrer) if referrer else None
            if code is None:
                code = self._next_card(conn)
            uid = self.ids()
            ops: list[wire.Op] = []
            if program.welcome_bonus and program.welcome_bonus.points:
                b = program.welcome_bonus
                days = b.expiry_days or program.expiry_days
                ops.append(
                    ledger.grant_op(uid, Lot(self.ids(), b.points, 0, at, _expiry(at, days), "welcome", uid), at)
                )
            if referrer_row is not None and program.referral and program.referral.referee_points:
                pts = program.referral.referee_points
                lot = Lot(self.ids(), pts, 0, at, _expiry(at, program.expiry_days), "referee", uid)
                ops.append(ledger.grant_op(uid, lot, at))
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
            customer_id = ledger.book_enroll(conn, body, strict=True, post_expiry=not repo.chain_mode(conn))
            repo.write_outbox(conn, uid, "enroll", body)
            granted = sum(op["lot"]["points"] for op in ops if op["op"] == "grant")
            secret = bytes.fromhex(repo.get_meta(conn, "secret") or "")
            return EnrollResult(customer_id, code, granted, card_qr_payload(secret, code))

    def _next_card(self, conn: Connection) -> str:
        serial = int(repo.get_meta(conn, "card_serial") or 0)
        prefix = repo.get_meta(conn, "card_block")  # a chain gives each terminal its own block
        while True:
            serial += 1
            code = card_number(serial if prefix is None else int(prefix) * 100_000 + serial)
            if not conn.execute(select(t.cards.c.code).where(t.cards.c.code == code)).first():
                repo.set_meta(conn, "card_serial", str(serial))
                return code

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
        secret = bytes.fromhex(repo.get_meta(conn, "secret") or "")
        card = repo.primary_card(conn, row.id) or row.card
        personal = tuple(
            PersonalCoupon(c.code, c.kind, str(c.percent) if c.kind == "percent" else str(c.amount), c.valid_to)
            for c in program.coupons
            if c.customer == row.card and (c.valid_to is None or at < c.valid_to)
        )
        return CustomerInfo(
            customer_id=row.id,
            card=card,
            name=row.name,
            phone=row.phone,
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
            qr=card_qr_payload(secret, card),
        )

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
                lot = Lot(self.ids(), points, 0, at, _expiry(at, program.expiry_days), "manual", uid)
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
            return int(sql.scalar(conn, "SELECT seq FROM outbox WHERE uid = :u", {"u": uid})), wallet.available(at)

    def replace_card(self, old_card: str, new_card: str | None = None, at: int | None = None) -> str:
        """A lost card: a new card (given or generated) takes over the account; the old one stops working.

        CustomerChanged (both cards) is published once it has committed."""
        code = self._replace_card(old_card, new_card, at)
        self.bus.publish(CustomerChanged((old_card, code)))
        return code

    def _replace_card(self, old_card: str, new_card: str | None = None, at: int | None = None) -> str:
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
            ledger.book_card(conn, body)
            repo.write_outbox(conn, uid, "card", body)
            return code

    def block_card(self, card: str, blocked: bool = True, at: int | None = None) -> None:
        """Block (or unblock) a customer's account: a blocked card is refused at checkout.

        CustomerChanged is published once it has committed."""
        self._block_card(card, blocked, at)
        self.bus.publish(CustomerChanged((card,)))

    def _block_card(self, card: str, blocked: bool = True, at: int | None = None) -> None:
        with db.transaction(self.engine) as conn:
            customer = repo.customer_by_card(conn, card)
            at = repo.next_clock(conn, at, self.clock)
            uid = self.ids()
            body: wire.BlockBody = {"uid": uid, "customer_uid": customer.uid, "blocked": blocked, "at": at}
            ledger.book_block(conn, body)
            repo.write_outbox(conn, uid, "block", body)

    def program_versions(self) -> list[dict[str, Any]]:
        """Every program version, newest first: number, when it applies, its name."""
        with db.transaction(self.engine, write=False) as conn:
            rows = sql.rows(
                conn, "SELECT version, uid, body, activate_at, created_at FROM programs ORDER BY version DESC"
            )
        return [
            {
                "version": r.version, "uid": r.uid, "activate_at": r.activate_at, "created_at": r.created_at,
                "name": json.loads(r.body).get("name", ""), "program": json.loads(r.body),
            }
            for r in rows
        ]  # fmt: skip

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
            if not rows and len(digits) >= 4 and len(digits) == len(q.replace(" ", "").replace("-", "").lstrip("+")):
                tail = digits[1:] if len(digits) == 11 and digits[0] in "78" else digits
                rows = list(conn.execute(stmt.where(t.customers.c.phone.contains(tail, autoescape=True))))
            if not rows:
                rows = list(conn.execute(stmt.where(t.customers.c.name_search.contains(q.casefold(), autoescape=True))))
        return [{"customer_id": r.id, "name": r.name, "phone": mask_phone(r.phone or ""), "card": r.code} for r in rows]

    # ----------------------------------------------------------------- sales

    def quote(self, req: SaleRequest) -> SaleResult:
        """Price a sale exactly as `sell` would, writing nothing."""
        return self._sale(req, commit=False)

    def sell(self, req: SaleRequest) -> SaleResult:
        """Price and commit a sale: the sale, lines, points, stamps and outbox row in one transaction.

        SaleCommitted is published once the transaction has committed (never for a refused sale)."""
        result = self._sale(req, commit=True)
        if result.committed and result.sale_id is not None:
            self.bus.publish(SaleCommitted(result.sale_id, result.card))
        return result

    def _sale(self, req: SaleRequest, commit: bool) -> SaleResult:
        try:
            with db.transaction(self.engine, write=commit) as conn:
                result = self._sale_in(conn, req, commit)
                if not commit:
                    raise _Rollback
                return result
        except _Rollback:
            return result

    def _sale_in(self, conn: Connection, req: SaleRequest, commit: bool) -> SaleResult:
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
                lot = Lot(self.ids(), q.birthday_points, 0, at, _expiry(at, days), "birthday", uid)
                ops.append(ledger.grant_op(cu, lot, at))
                birthday_lot_uid = lot.uid
            if q.redeemed_points:
                ops.append(ledger.spend_op(cu, q.redeemed_points, at))
            if q.reward_points:
                ops.append(ledger.spend_op(cu, q.reward_points, at, "reward"))
            available_at = at + program.activation_days * DAY_MS
            if q.earned:
                expires = _expiry(available_at, program.expiry_days)
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
                expires = _expiry(available_at, program.expiry_days)
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
            "lines": [
                {
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
                for ln in q.lines
            ],
            "request": {"redeem": req.redeem, "reward": req.reward, "coupon": req.coupon},
            "ops": ops,
        }
        sale_id, _ = ledger.book_sale(conn, body, strict=True, post_expiry=not chain)
        repo.write_outbox(conn, uid, "sale", body)
        return replace(result, sale_id=sale_id, uid=uid, committed=True)

    # ----------------------------------------------------------------- refunds

    def refund(
        self, sale_id: int, units: Mapping[int, int] | None = None, at: int | None = None, cashier: str | None = None
    ) -> RefundResult:
        """Give back units of a sale's lines; figures are cumulative so partial refunds add up exactly.

        RefundCommitted is published once it has committed."""
        result = self._refund(sale_id, units, at, cashier)
        if result.refund_id is not None:
            self.bus.publish(RefundCommitted(result.refund_id, result.sale_id))
        return result

    def _refund(
        self, sale_id: int, units: Mapping[int, int] | None = None, at: int | None = None, cashier: str | None = None
    ) -> RefundResult:
        with db.transaction(self.engine) as conn:
            sale = conn.execute(select(t.sales).where(t.sales.c.id == sale_id)).first()
            if sale is None:
                raise NotFound("unknown_sale", sale=sale_id)
            rows = conn.execute(
                select(t.sale_lines).where(t.sale_lines.c.sale_id == sale_id).order_by(t.sale_lines.c.idx)
            ).all()
            lines = [
                SoldLine(r.qty, r.paid, r.redeemed, Fraction(r.rate), r.stamp_rule, r.stamps_given, bool(r.is_reward))
                for r in rows
            ]
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
                    lot = Lot(self.ids(), given, 0, at, _expiry(at, program.restore_expiry_days), "restore", uid)
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

    # ----------------------------------------------------------------- verify

    def verify(self) -> VerifyReport:
        """Recompute every lot, debt and stamp count from the journal and compare with the stored ones."""
        problems: list[str] = []
        totals = {"grant": 0, "spend": 0, "overdraft": 0, "expire": 0, "take_back": 0, "settle": 0, "sync": 0}
        with db.transaction(self.engine, write=False) as conn:
            # A chain terminal shows the server's expired total; only the server's journal explains it.
            check_expired = not repo.chain_mode(conn)
            lot_sums: dict[str, int] = {}
            grants: dict[str, int] = {}
            debt: dict[int, int] = {}
            expired: dict[int, int] = {}
            rows = 0
            # One pass in storage order over plain tuples: far cheaper than GROUP BY on millions of rows.
            for customer_id, lot_uid, kind, points in _stream(
                conn, "SELECT customer_id, lot_uid, kind, points FROM journal"
            ):
                rows += 1
                if kind not in totals:
                    problems.append(f"journal has unknown kind {kind!r}")
                    continue
                totals[kind] += points
                if lot_uid is None:
                    debt[customer_id] = debt.get(customer_id, 0) - points
                else:
                    lot_sums[lot_uid] = lot_sums.get(lot_uid, 0) + points
                    if kind == "grant":
                        grants[lot_uid] = grants.get(lot_uid, 0) + points
                if kind == "expire":
                    expired[customer_id] = expired.get(customer_id, 0) - points
            lots = 0
            remaining_total = 0
            for uid, granted_points, remaining, customer_id in _stream(
                conn, "SELECT uid, points, remaining, customer_id FROM lots"
            ):
                lots += 1
                remaining_total += remaining
                if lot_sums.pop(uid, None) != remaining:
                    problems.append(f"lot {uid} of customer {customer_id}: stored {remaining}, journal says otherwise")
                if grants.get(uid) != granted_points:
                    problems.append(f"lot {uid}: granted {granted_points} but the journal grants {grants.get(uid)}")
                if remaining < 0:
                    problems.append(f"lot {uid} holds negative points")
            for uid in lot_sums:
                problems.append(f"journal moves points of a lot that does not exist: {uid}")
            customers = 0
            debt_total = 0
            for customer_id, stored_debt, stored_expired in _stream(
                conn, "SELECT id, debt, expired_total FROM customers"
            ):
                customers += 1
                debt_total += stored_debt
                if debt.get(customer_id, 0) != stored_debt:
                    problems.append(
                        f"customer {customer_id}: stored debt {stored_debt}, journal says {debt.get(customer_id, 0)}"
                    )
                if check_expired and expired.get(customer_id, 0) != stored_expired:
                    problems.append(
                        f"customer {customer_id}: stored expired {stored_expired},"
                        f" journal says {expired.get(customer_id, 0)}"
                    )
            stamp_sums: dict[tuple[int, str], int] = {}
            for customer_id, rule_id, delta_n in _stream(conn, "SELECT customer_id, rule_id, delta FROM stamp_moves"):
                key = (customer_id, rule_id)
                stamp_sums[key] = stamp_sums.get(key, 0) + delta_n
            for customer_id, rule_id, count in _stream(conn, "SELECT customer_id, rule_id, count FROM stamps"):
                moved = stamp_sums.get((customer_id, rule_id), 0)
                if moved != count:
                    problems.append(f"customer {customer_id}: {count} {rule_id} stamps stored, moves add up to {moved}")
                if count < 0:
                    problems.append(f"customer {customer_id} holds negative {rule_id} stamps")
        balances = remaining_total - debt_total
        granted, spent = totals["grant"], -totals["spend"] - totals["overdraft"]
        expired_sum, taken = -totals["expire"], -totals["take_back"]
        # On a chain terminal, pulls append `sync` corrections that bring lots to the server's figures.
        if granted - spent - expired_sum - taken + totals["sync"] != balances:
            problems.append(
                f"conservation fails: granted {granted} - spent {spent} - expired {expired_sum}"
                f" - taken back {taken} + sync {totals['sync']} != balances {balances}"
            )
        return VerifyReport(customers, lots, rows, granted, spent, expired_sum, taken, balances, tuple(problems))


def _stream(conn: Connection, query: str) -> Iterator[tuple[Any, ...]]:
    """Rows as plain tuples, fetched in batches (ints stay ints on every database)."""
    raw = sql.raw(conn)
    if raw is not None:
        cur = raw.execute(query)
        while batch := cur.fetchmany(20_000):
            yield from batch
        return
    from sqlalchemy import text

    result = conn.execution_options(stream_results=True).execute(text(query))
    for row in result:
        yield tuple(int(v) if isinstance(v, Decimal) else v for v in row)


def parse_catalog_csv(text: str) -> list[wire.Product]:
    """Products from CSV `sku,name,category,price,barcode` (price in roubles); errors name their lines."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    # A spreadsheet saved in a Russian locale separates fields with ';' (the decimal comma
    # takes ','); the header says which one this file uses.
    delimiter = ";" if first.count(";") >= 3 and first.count(",") == 0 else ","
    try:
        # newline="": the csv module then reads \r, \n and \r\n line ends itself, as its docs require.
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise LoyaltyError("csv_invalid", detail=str(exc)) from None
    if not rows or [h.strip().lower() for h in rows[0]][:4] != ["sku", "name", "category", "price"]:
        raise LoyaltyError("csv_header")
    products: dict[str, wire.Product] = {}
    errors: list[str] = []
    barcodes: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) not in (4, 5):
            errors.append(f"line {number}: expected 5 columns, got {len(row)}")
            continue
        sku, name, category, price_text = (cell.strip() for cell in row[:4])
        barcode = row[4].strip() if len(row) == 5 else ""
        if not sku or ":" in sku:
            errors.append(f"line {number}: sku must be non-empty and without ':'")
            continue
        if not name or not category:
            errors.append(f"line {number}: name and category must not be empty")
            continue
        try:
            kopecks = parse_roubles(price_text)
        except ValueError as exc:
            errors.append(f"line {number}: price {exc}")
            continue
        if barcode:
            if ascii_digits(barcode) and not gtin_valid(barcode):
                errors.append(f"line {number}: barcode {barcode} fails its check digit")
                continue
            barcode = to_gtin13(barcode)
            if barcode in barcodes:
                errors.append(f"line {number}: barcode {barcode} is also on line {barcodes[barcode]}")
                continue
            barcodes[barcode] = number
        if sku in products:
            errors.append(f"line {number}: sku {sku} appears twice")
            continue
        products[sku] = {
            "sku": sku,
            "name": name,
            "category": category,
            "price": kopecks,
            "barcode": barcode or None,
            "name_search": name.casefold(),
        }
    if errors:
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise LoyaltyError("csv_lines", lines="; ".join(errors[:20]) + more)
    return list(products.values())


def store_products(conn: Connection, products: Sequence[Mapping[str, Any]]) -> None:
    """Replace these products (by sku, and any other product holding one of their barcodes)."""
    skus = [p["sku"] for p in products]
    codes = [p["barcode"] for p in products if p.get("barcode")]
    for chunk in range(0, len(skus), 500):
        conn.execute(delete(t.products).where(t.products.c.sku.in_(skus[chunk : chunk + 500])))
    for chunk in range(0, len(codes), 500):
        conn.execute(delete(t.products).where(t.products.c.barcode.in_(codes[chunk : chunk + 500])))
    if products:
        rows = [{**p, "name_search": p.get("name_search") or str(p["name"]).casefold()} for p in products]
        conn.execute(insert(t.products), rows)


def parse_units(items: Sequence[str]) -> dict[int, int]:
    """`N:QTY` refund arguments to {line index: units}."""
    units: dict[int, int] = {}
    for item in items:
        parts = item.split(":")
        if len(parts) != 2 or not ascii_digits(parts[0].strip()) or not ascii_digits(parts[1].strip().lstrip("-")):
            raise LoyaltyError("refund_line_format", item=item)
        idx, qty = int(parts[0]), int(parts[1])
        if qty < 1:
            raise LoyaltyError("refund_line_units", item=item)
        units[idx] = units.get(idx, 0) + qty
    return units
