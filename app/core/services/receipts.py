"""Receipts of committed sales and refunds, rebuilt from the database alone.

A receipt printed now and its reprint next week say the same thing: balances, tier and
expiring points are reconstructed as they stood right after the operation, not read
from the customer's current state.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import Connection, Engine, func, select

from app.core import db, repo
from app.core import schema as t
from app.core.codes import receipt_barcode
from app.core.errors import NotFound
from app.core.money import floor
from app.core.program import Program
from app.core.receipt import Payment, Receipt, ReceiptLine
from app.core.timeutil import DAY_MS, from_ms
from app.core.wallet import Lot, Wallet

__all__ = [
    "DEFAULT_JOIN_URL",
    "EXPIRY_NOTICE_DAYS",
    "ReceiptService",
    "mask_card",
    "receipt_for_refund",
    "receipt_for_sale",
    "short_name",
    "store_info",
]

# A placeholder that can never resolve; the merchant sets meta `join_url` to their page.
DEFAULT_JOIN_URL = "https://example.invalid/join"
EXPIRY_NOTICE_DAYS = 30
_STORE_DEFAULTS = {"store_name": "Магазин", "store_address": "", "terminal_name": "Касса 1"}


def mask_card(card: str | None) -> str | None:
    """A card number as printed: only the last four characters ("•••• 4821")."""
    if not card:
        return None
    return "•••• " + card[-4:]


def short_name(name: str | None) -> str | None:
    """First name and the initial of the second word ("Анна Иванова" -> "Анна И.")."""
    if not name:
        return None
    words = name.split()
    if len(words) < 2:
        return words[0] if words else None
    return f"{words[0]} {words[1][0]}."


def store_info(conn: Connection) -> tuple[str, str, str]:
    """Store name, address and terminal name from settings, with defaults."""
    values = [repo.get_meta(conn, k) for k in _STORE_DEFAULTS]
    name, address, terminal = (v if v is not None else d for v, d in zip(values, _STORE_DEFAULTS.values(), strict=True))
    return name, address, terminal


def _lang(lang: str) -> Literal["ru", "en"]:
    if lang == "en":
        return "en"
    if lang == "ru":
        return "ru"
    raise ValueError(f"lang must be 'ru' or 'en', got {lang!r}")


def _payment(value: str | None) -> Payment:
    # Any other method the checkout may record (e.g. "cash") prints as cash.
    return "card" if value == "card" else "cash"


def _wallet_after(conn: Connection, customer_id: int, txn_uid: str, at: int) -> Wallet:
    """The customer's lots and debt right after the operation txn_uid (dated at)."""
    j = t.journal.c
    cutoff = conn.execute(select(func.max(j.id)).where(j.customer_id == customer_id, j.txn_uid == txn_uid)).scalar()
    if cutoff is None:
        # The operation moved no points; everything journaled by its time came before it.
        cutoff = conn.execute(select(func.max(j.id)).where(j.customer_id == customer_id, j.at <= at)).scalar()
    if cutoff is None:
        return Wallet()
    remaining: dict[str, int] = {}
    debt = 0
    for row in conn.execute(
        select(j.lot_uid, func.sum(j.points).label("points"))
        .where(j.customer_id == customer_id, j.id <= cutoff)
        .group_by(j.lot_uid)
    ):
        if row.lot_uid is None:
            debt -= int(row.points)
        else:
            remaining[str(row.lot_uid)] = int(row.points)
    lots = [
        Lot(
            str(r.uid),
            int(r.points),
            remaining[str(r.uid)],
            int(r.available_at),
            None if r.expires_at is None else int(r.expires_at),
            str(r.source),
            str(r.txn_uid),
        )
        for r in conn.execute(select(t.lots).where(t.lots.c.customer_id == customer_id).order_by(t.lots.c.id))
        if str(r.uid) in remaining
    ]
    return Wallet(lots=lots, debt=debt)


def _loyalty(conn: Connection, program: Program, customer_id: int | None, txn_uid: str, at: int) -> dict[str, Any]:
    """Customer name, balance, expiring points and tier right after an operation."""
    if customer_id is None:
        return {
            "customer_name": None, "balance": None, "expiring_points": 0, "expiring_at": None,
            "tier": None, "next_tier": None, "to_next_tier": None,
        }  # fmt: skip
    name = conn.execute(select(t.customers.c.name).where(t.customers.c.id == customer_id)).scalar()
    bal = _wallet_after(conn, customer_id, txn_uid, at).balances(at)
    soon = bal.next_expiry_at is not None and bal.next_expiry_at <= at + EXPIRY_NOTICE_DAYS * DAY_MS
    spend = repo.tier_spend(conn, program, customer_id, at)
    nxt = program.next_tier(spend)
    return {
        "customer_name": short_name(name),
        "balance": bal.available,
        "expiring_points": bal.next_expiry_points if soon else 0,
        # The lot stops being usable at expires_at; the receipt shows that local date.
        "expiring_at": from_ms(bal.next_expiry_at).astimezone(program.zone)
        if soon and bal.next_expiry_at is not None
        else None,
        "tier": program.tier_for(spend).name,
        "next_tier": nxt.name if nxt else None,
        "to_next_tier": nxt.min_spend - spend if nxt else None,
    }


def _next_coupon(conn: Connection, program: Program, sale: Any) -> str | None:
    """A personal coupon of this card, valid at the sale and not used up by then."""
    if not sale.card:
        return None
    u = t.coupon_uses.c
    for c in program.coupons:
        if c.customer != sale.card or c.code == sale.coupon:
            continue
        if (c.valid_from is not None and sale.at < c.valid_from) or (c.valid_to is not None and sale.at >= c.valid_to):
            continue
        used = conn.execute(select(func.count()).where(u.code == c.code, u.sale_id <= sale.id)).scalar_one()
        if (c.max_uses is None or used < c.max_uses) and (c.per_customer_max is None or used < c.per_customer_max):
            return c.code
    return None


def _sale_row(conn: Connection, sale_id: int) -> Any:
    sale = conn.execute(select(t.sales).where(t.sales.c.id == sale_id)).first()
    if sale is None:
        raise NotFound("unknown_sale", sale=sale_id)
    return sale


def _sale_lines(conn: Connection, sale_id: int) -> Sequence[Any]:
    return conn.execute(
        select(t.sale_lines).where(t.sale_lines.c.sale_id == sale_id).order_by(t.sale_lines.c.idx)
    ).all()


def receipt_for_sale(engine: Engine, sale_id: int, lang: str = "ru") -> Receipt:
    """The receipt of a committed sale, as it stood right after the sale (reprints match)."""
    language = _lang(lang)
    with db.transaction(engine, write=False) as conn:
        sale = _sale_row(conn, sale_id)
        _, program = repo.program_at(conn, sale.at)
        store, address, terminal = store_info(conn)
        lines = tuple(
            ReceiptLine(
                name=r.name,
                qty=r.qty,
                unit_price=r.unit_price,
                amount=r.amount,
                discount=r.discount,
                redeemed=r.redeemed,
                paid=r.paid,
                is_reward=bool(r.is_reward),
            )
            for r in _sale_lines(conn, sale_id)
        )
        join_url = None
        if sale.customer_id is None:
            join_url = _join_url(conn)
        return Receipt(
            kind="sale",
            number=sale.id,
            barcode=receipt_barcode(sale.id),
            store_name=store,
            store_address=address,
            terminal=terminal,
            cashier=sale.cashier or "—",
            at=from_ms(sale.at).astimezone(program.zone),
            lines=lines,
            subtotal=sale.subtotal,
            discount=sale.discount,
            redeemed_points=sale.redeemed_points,
            redeemed_amount=sale.redeemed_amount,
            total=sale.total,
            payment=_payment(sale.payment),
            card=mask_card(sale.card),
            # What this purchase put on the card: purchase points and a birthday gift.
            earned=sale.earned + sale.birthday_points,
            coupon=_next_coupon(conn, program, sale),
            join_url=join_url,
            lang=language,
            **_loyalty(conn, program, sale.customer_id, sale.uid, sale.at),
        )


def _join_url(conn: Connection) -> str:
    """The page that enrolls a customer (the merchant's meta `join_url`, else the placeholder)."""
    return repo.get_meta(conn, "join_url") or DEFAULT_JOIN_URL


def _share(value: int, units: int, qty: int) -> int:
    return floor(Fraction(value * units, qty))


def receipt_for_refund(engine: Engine, refund_id: int, lang: str = "ru") -> Receipt:
    """The receipt of a committed refund: the units returned and the money and points moved."""
    language = _lang(lang)
    with db.transaction(engine, write=False) as conn:
        refund = conn.execute(select(t.refunds).where(t.refunds.c.id == refund_id)).first()
        if refund is None:
            raise NotFound("unknown_refund", refund=refund_id)
        sale = _sale_row(conn, refund.sale_id)
        _, program = repo.program_at(conn, refund.at)
        store, address, terminal = store_info(conn)
        rl, rf = t.refund_lines.c, t.refunds.c
        this = {int(r.idx): int(r.qty) for r in conn.execute(select(rl.idx, rl.qty).where(rl.refund_id == refund_id))}
        # Units of each line returned by earlier refunds of the same sale.
        before = {
            int(r.idx): int(r.qty)
            for r in conn.execute(
                select(rl.idx, func.sum(rl.qty).label("qty"))
                .join(t.refunds, rf.id == rl.refund_id)
                .where(rf.sale_id == sale.id, rf.id < refund_id)
                .group_by(rl.idx)
            )
        }
        lines: list[ReceiptLine] = []
        for r in _sale_lines(conn, sale.id):
            units = this.get(r.idx, 0)
            if not units:
                continue
            done = before.get(r.idx, 0)
            # The same cumulative floors as the refund itself (loyalty-rules.md §5), so the
            # lines add up to exactly the money given back; the discount takes the rounding.
            paid = _share(r.paid, done + units, r.qty) - _share(r.paid, done, r.qty)
            redeemed = _share(r.redeemed, done + units, r.qty) - _share(r.redeemed, done, r.qty)
            amount = r.unit_price * units
            lines.append(
                ReceiptLine(
                    name=r.name,
                    qty=units,
                    unit_price=r.unit_price,
                    amount=amount,
                    discount=amount - redeemed - paid,
                    redeemed=redeemed,
                    paid=paid,
                    is_reward=bool(r.is_reward),
                )
            )
        reward_back = sale.reward_points if any(ln.is_reward for ln in lines) else 0
        return Receipt(
            kind="refund",
            number=refund.id,
            barcode=receipt_barcode(sale.id),
            store_name=store,
            store_address=address,
            terminal=terminal,
            cashier=refund.cashier or "—",
            at=from_ms(refund.at).astimezone(program.zone),
            lines=tuple(lines),
            subtotal=sum(ln.amount for ln in lines),
            discount=sum(ln.discount for ln in lines),
            redeemed_points=refund.points_given_back - reward_back,
            redeemed_amount=sum(ln.redeemed for ln in lines),
            total=refund.money_back,
            payment=_payment(sale.payment),
            card=mask_card(sale.card),
            earned=0,
            coupon=None,
            join_url=None,
            lang=language,
            refund_of=sale.id,
            points_taken_back=refund.points_taken_back,
            points_given_back=refund.points_given_back,
            **_loyalty(conn, program, refund.customer_id, refund.uid, refund.at),
        )


class ReceiptService:
    """Receipts of committed sales and refunds, read in one short read transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def for_sale(self, sale_id: int, lang: str = "ru") -> Receipt:
        """The receipt of a committed sale (see receipt_for_sale)."""
        return receipt_for_sale(self.engine, sale_id, lang)

    def for_refund(self, refund_id: int, lang: str = "ru") -> Receipt:
        """The receipt of a committed refund (see receipt_for_refund)."""
        return receipt_for_refund(self.engine, refund_id, lang)

    def join_url(self) -> str:
        """The join link an anonymous sale's receipt carries (the customer display shows it as a QR too)."""
        with db.transaction(self.engine, write=False) as conn:
            return _join_url(conn)
