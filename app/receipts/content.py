"""What goes on a receipt, as a list of semantic blocks shared by the PDF and ESC/POS renderers.

Keeping the wording and order in one place means a paper receipt from a thermal
printer and its PDF copy always say the same thing; each renderer only decides
how a block looks on its medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.core.fmt import MINUS, format_money, format_points, plural_ru

from .model import Receipt, ReceiptLine

__all__ = [
    "Barcode",
    "Block",
    "Boxed",
    "Pair",
    "Qr",
    "Rule",
    "Space",
    "Style",
    "Text",
    "build_blocks",
    "format_datetime",
    "tr",
]

Style = Literal["title", "heading", "body", "bold", "small", "total"]
Align = Literal["left", "center"]


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph that wraps to the paper width."""

    text: str
    style: Style = "body"
    align: Align = "left"
    indent: int = 0
    keep_with_next: bool = False  # never end a page on it (an item name without its price)


@dataclass(frozen=True, slots=True)
class Pair:
    """A label on the left and a value flush right (amounts, balances)."""

    left: str
    right: str
    style: Style = "body"
    indent: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    """A separator line; heavy rules frame the total."""

    heavy: bool = False


@dataclass(frozen=True, slots=True)
class Space:
    """Vertical gap, in body line heights."""

    lines: float = 0.5


@dataclass(frozen=True, slots=True)
class Boxed:
    """A short text in a frame (the coupon code), centred."""

    caption: str
    text: str


@dataclass(frozen=True, slots=True)
class Barcode:
    """A Code128 barcode with its text under it."""

    value: str


@dataclass(frozen=True, slots=True)
class Qr:
    """A QR code (the join link)."""

    data: str


Block = Text | Pair | Rule | Space | Boxed | Barcode | Qr

# Receipt wording. The Qt UI has its own translation files; receipts are printed
# from the core and must not depend on Qt, hence this small table.
_STRINGS: dict[str, dict[str, str]] = {
    "ru": {
        "sale": "Продажа №\u00a0{n}",
        "refund": "Возврат №\u00a0{n}",
        "refund_of": "по продаже №\u00a0{n}",
        "terminal": "Касса",
        "cashier": "Кассир",
        "date": "Дата",
        "discount": "скидка",
        "points_paid": "баллами",
        "reward": "подарок",
        "subtotal": "Сумма",
        "discount_total": "Скидка",
        "redeemed": "Оплачено баллами ({points})",
        "total": "ИТОГО",
        "total_refund": "К ВОЗВРАТУ",
        "payment": "Оплата",
        "payment_refund": "Способ возврата",
        "cash": "наличными",
        "card": "банковской картой",
        "refund_cash": "наличными",
        "refund_card": "на банковскую карту",
        "loyalty": "Программа лояльности",
        "loyalty_card": "Карта",
        "customer": "Покупатель",
        "earned": "Начислено",
        "balance": "Баланс",
        "expiring_one": "{points} сгорит {date}",
        "expiring_many": "{points} сгорят {date}",
        "tier": "Уровень",
        "to_next_tier": "До уровня {tier} осталось {amount}",
        "coupon": "Ваш купон на следующую покупку",
        "taken_back": "Отменено начисление",
        "given_back": "Возвращено на счёт",
        "join": "Станьте участником программы лояльности",
        "join_hint": "Наведите камеру телефона на QR-код",
        "thanks": "Спасибо за покупку!",
        "lookup": "Сохраните чек: по штрихкоду оформляется возврат",
        "not_fiscal": "Не является фискальным документом",
        "fiscal_receipt": "Кассовый чек: ФД №\u00a0{n}, ФП\u00a0{fp}",
        "fiscal_return_receipt": "Кассовый чек возврата прихода: ФД №\u00a0{n}, ФП\u00a0{fp}",
        "fiscal_drive": "ФН\u00a0{fn}",
        "fiscal_drive_shift": "ФН\u00a0{fn}, смена №\u00a0{shift}",
        "page": "Стр. {page} из {pages}",
    },
    "en": {
        "sale": "Sale No.\u00a0{n}",
        "refund": "Refund No.\u00a0{n}",
        "refund_of": "for sale No.\u00a0{n}",
        "terminal": "Terminal",
        "cashier": "Cashier",
        "date": "Date",
        "discount": "discount",
        "points_paid": "paid with points",
        "reward": "reward",
        "subtotal": "Subtotal",
        "discount_total": "Discount",
        "redeemed": "Paid with points ({points})",
        "total": "TOTAL",
        "total_refund": "REFUND TOTAL",
        "payment": "Payment",
        "payment_refund": "Refund method",
        "cash": "cash",
        "card": "bank card",
        "refund_cash": "in cash",
        "refund_card": "to bank card",
        "loyalty": "Loyalty programme",
        "loyalty_card": "Card",
        "customer": "Customer",
        "earned": "Earned",
        "balance": "Balance",
        "expiring_one": "{points} expires on {date}",
        "expiring_many": "{points} expire on {date}",
        "tier": "Tier",
        "to_next_tier": "Spend {amount} more to reach {tier}",
        "coupon": "Your coupon for the next purchase",
        "taken_back": "Earned points reversed",
        "given_back": "Points returned",
        "join": "Join our loyalty programme",
        "join_hint": "Point your phone camera at the QR code",
        "thanks": "Thank you for your purchase!",
        "lookup": "Keep this receipt: the barcode is needed for a refund",
        "not_fiscal": "Not a fiscal document",
        "fiscal_receipt": "Fiscal receipt: FD No.\u00a0{n}, FS\u00a0{fp}",
        "fiscal_return_receipt": "Fiscal receipt of the return: FD No.\u00a0{n}, FS\u00a0{fp}",
        "fiscal_drive": "FN\u00a0{fn}",
        "fiscal_drive_shift": "FN\u00a0{fn}, shift No.\u00a0{shift}",
        "page": "Page {page} of {pages}",
    },
}


def tr(lang: str, key: str, **kwargs: object) -> str:
    """The receipt string key in lang, with {placeholders} filled in."""
    return _STRINGS[lang][key].format(**kwargs)


def format_datetime(at: datetime) -> str:
    """dd.mm.yyyy HH:MM in the datetime's own (shop-local) timezone."""
    return at.strftime("%d.%m.%Y %H:%M")


def _plus_points(n: int, lang: str) -> str:
    return ("+" if n > 0 else "") + format_points(n, lang)


def _minus(text: str) -> str:
    return MINUS + text


def _line_blocks(line: ReceiptLine, lang: str) -> list[Block]:
    name = line.name
    if line.is_reward:
        name = f"{name} ({tr(lang, 'reward')})"
    qty_price = f"{line.qty} × {format_money(line.unit_price, lang)}"
    blocks: list[Block] = [
        Text(name, keep_with_next=True),
        Pair(qty_price, format_money(line.amount, lang), indent=1),
    ]
    if line.discount:
        blocks.append(Pair(tr(lang, "discount"), _minus(format_money(line.discount, lang)), "small", 1))
    if line.redeemed:
        blocks.append(Pair(tr(lang, "points_paid"), _minus(format_money(line.redeemed, lang)), "small", 1))
    return blocks


def _loyalty_blocks(r: Receipt) -> list[Block]:
    lang = r.lang
    out: list[Block] = [Rule(), Text(tr(lang, "loyalty"), "bold", "center", keep_with_next=True)]
    if r.card:
        out.append(Pair(tr(lang, "loyalty_card"), r.card))
    if r.customer_name:
        out.append(Pair(tr(lang, "customer"), r.customer_name))
    if r.kind == "sale":
        out.append(Pair(tr(lang, "earned"), _plus_points(r.earned, lang)))
    else:
        if r.points_taken_back:
            out.append(Pair(tr(lang, "taken_back"), _minus(format_points(r.points_taken_back, lang))))
        if r.points_given_back:
            out.append(Pair(tr(lang, "given_back"), _plus_points(r.points_given_back, lang)))
    if r.balance is not None:
        out.append(Pair(tr(lang, "balance"), format_points(r.balance, lang), "bold"))
    if r.expiring_points > 0 and r.expiring_at is not None:
        # Russian verb agrees with the numeral: "1 балл сгорит", "5 баллов сгорят".
        key = (
            plural_ru(r.expiring_points, "expiring_one", "expiring_many", "expiring_many")
            if lang == "ru"
            else ("expiring_one" if r.expiring_points == 1 else "expiring_many")
        )
        when = r.expiring_at.strftime("%d.%m.%Y")
        out.append(Text(tr(lang, key, points=format_points(r.expiring_points, lang), date=when)))
    if r.tier:
        out.append(Pair(tr(lang, "tier"), r.tier))
    if r.next_tier and r.to_next_tier is not None and r.to_next_tier > 0:
        amount = format_money(r.to_next_tier, lang)
        out.append(Text(tr(lang, "to_next_tier", tier=r.next_tier, amount=amount)))
    return out


def build_blocks(r: Receipt) -> list[Block]:
    """The receipt's content from top to bottom, independent of paper and printer."""
    lang = r.lang
    refund = r.kind == "refund"
    out: list[Block] = [
        Text(r.store_name, "title", "center"),
        Text(r.store_address, "small", "center"),
        Space(0.6),
        Text(tr(lang, r.kind, n=r.number), "heading", "center"),
    ]
    if refund and r.refund_of is not None:
        out.append(Text(tr(lang, "refund_of", n=r.refund_of), "body", "center"))
    out += [
        Space(0.4),
        Pair(tr(lang, "terminal"), r.terminal),
        Pair(tr(lang, "cashier"), r.cashier),
        Pair(tr(lang, "date"), format_datetime(r.at)),
        Rule(),
    ]
    for i, line in enumerate(r.lines):
        if i:
            out.append(Space(0.3))
        out += _line_blocks(line, lang)
    out.append(Rule())
    if r.discount or r.redeemed_amount:
        out.append(Pair(tr(lang, "subtotal"), format_money(r.subtotal, lang)))
    if r.discount:
        out.append(Pair(tr(lang, "discount_total"), _minus(format_money(r.discount, lang))))
    if r.redeemed_amount or r.redeemed_points:
        label = tr(lang, "redeemed", points=format_points(r.redeemed_points, lang))
        out.append(Pair(label, _minus(format_money(r.redeemed_amount, lang))))
    out += [
        Space(0.25),
        Pair(tr(lang, "total_refund" if refund else "total"), format_money(r.total, lang), "total"),
        Pair(
            tr(lang, "payment_refund" if refund else "payment"),
            tr(lang, ("refund_" if refund else "") + r.payment),
        ),
    ]
    if r.card:
        out += _loyalty_blocks(r)
    if not r.card and r.join_url:
        out += [
            Rule(),
            Text(tr(lang, "join"), "bold", "center", keep_with_next=True),
            Text(tr(lang, "join_hint"), "small", "center", keep_with_next=True),
            Qr(r.join_url),
        ]
    if r.coupon:
        # The frame already separates the coupon; a rule right under it looks doubled.
        out += [Space(0.6), Boxed(tr(lang, "coupon"), r.coupon), Space(0.3)]
    else:
        out.append(Rule())
    out.append(Barcode(r.barcode))
    if not refund:
        out += [Text(tr(lang, "lookup"), "small", "center"), Space(0.4)]
        out.append(Text(tr(lang, "thanks"), "bold", "center"))
    if r.fiscal is not None:
        # The register printed the fiscal receipt (a refund's: the return receipt): this slip names it (and is
        # still not one itself).
        f = r.fiscal
        drive = tr(lang, "fiscal_drive_shift", fn=f.fn, shift=f.shift) if f.shift else tr(lang, "fiscal_drive", fn=f.fn)
        label = "fiscal_return_receipt" if refund else "fiscal_receipt"
        out += [
            Text(tr(lang, label, n=f.document_number, fp=f.fiscal_sign), "small", "center"),
            Text(drive, "small", "center"),
        ]
    out.append(Text(tr(lang, "not_fiscal"), "small", "center"))
    return out
