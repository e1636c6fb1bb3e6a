"""A demo store: a café's program, catalog, customers and a month of sales."""

from __future__ import annotations

import copy
import random
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from app.core.services.catalog import CatalogService
from app.core.services.checkout import CheckoutService
from app.core.services.customers import CustomerService
from app.core.services.program import ProgramService
from app.core.services.results import SaleRequest
from app.core.services.store import StoreService
from app.core.services.support import SYSTEM
from app.core.timeutil import DAY_MS, to_ms

DEFAULT_PROGRAM: dict[str, Any] = {
    "name": "Баллы 5%",
    "point_value": 100,
    "timezone": "Europe/Moscow",
    "tiers": [
        {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"},
        {"name": "Gold", "min_spend": 3000000, "discount_pct": "5", "earn_rate_pct": "7"},
    ],
    "redeem": {"max_share_pct": "30", "min_balance": 0},
    "expiry_days": 365,
}

DEMO_PROGRAM: dict[str, Any] = {
    **DEFAULT_PROGRAM,
    "name": "Кофейня: баллы, уровни и карта кофе",
    "tiers": [
        {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"},
        {"name": "Gold", "min_spend": 1000000, "discount_pct": "3", "earn_rate_pct": "7"},
        {"name": "Platinum", "min_spend": 3000000, "discount_pct": "5", "earn_rate_pct": "10"},
    ],
    "excluded": {"earn": ["tobacco"], "redeem": ["tobacco"], "discount": ["tobacco"]},
    "category_multipliers": {"coffee": "2"},
    "welcome_bonus": {"points": 100, "expiry_days": 30},
    "birthday_bonus": {"points": 300, "days_before": 3, "days_after": 7, "expiry_days": 14},
    "referral": {"referrer_points": 200, "referee_points": 100, "min_first_purchase": 50000},
    "stamps": [{"id": "coffee", "category": "coffee", "needed": 5}],
    "coupons": [
        {"code": "WELCOME10", "kind": "percent", "value": "10", "min_total": 30000},
        {"code": "MINUS100", "kind": "amount", "value": 10000, "min_total": 50000, "exclusive": True},
    ],
    "rewards": [{"id": "cookie", "name": "Печенье в подарок", "points": 80}],
    "happy_hours": [{"weekdays": [1, 2, 3, 4, 5], "from": "08:00", "to": "10:00", "earn_multiplier": "2"}],
}

# What a Russian demo store calls the program's own names (the shop sees them on screen and on receipts).
_RU_TIERS = {"Silver": "Серебро", "Gold": "Золото", "Platinum": "Платина"}
_RU_STAMPS = {"coffee": "кофе"}


def demo_program(lang: str = "ru") -> dict[str, Any]:
    """The demo café's program, its tier and stamp card names in the store's language (ru or en)."""
    body = copy.deepcopy(DEMO_PROGRAM)
    if lang == "ru":
        for tier in body["tiers"]:
            tier["name"] = _RU_TIERS.get(tier["name"], tier["name"])
        for rule in body["stamps"]:
            rule["id"] = _RU_STAMPS.get(rule["id"], rule["id"])
    return body


DEMO_CATALOG = """sku,name,category,price,barcode
ESP,Эспрессо,coffee,120.00,4600000000015
CAP,Капучино,coffee,180.00,4600000000022
LAT,Латте,coffee,200.00,4600000000039
RAF,Раф ванильный,coffee,240.00,4600000000046
TEA,Чай чёрный,tea,110.00,4600000000053
CRO,Круассан,bakery,150.00,4600000000060
CHZ,Чизкейк,bakery,290.00,4600000000077
BRD,Хлеб бородинский,bakery,75.50,4600000000084
JUI,Сок апельсиновый,drinks,190.00,4600000000091
CIG,Сигареты,tobacco,250.00,4600000000107
"""

_NAMES = [
    "Анна Иванова",
    "Сергей Петров",
    "Мария Смирнова",
    "Дмитрий Кузнецов",
    "Елена Попова",
    "Алексей Соколов",
    "Ольга Лебедева",
    "Иван Козлов",
    "Наталья Новикова",
    "Павел Морозов",
    "Татьяна Волкова",
    "Андрей Соловьёв",
    "Екатерина Васильева",
    "Михаил Зайцев",
    "Юлия Павлова",
]


class DemoServices(Protocol):
    """The services a demo store is filled through (the composition root's Context has them)."""

    @property
    def store(self) -> StoreService: ...
    @property
    def programs(self) -> ProgramService: ...
    @property
    def catalog(self) -> CatalogService: ...
    @property
    def customers(self) -> CustomerService: ...
    @property
    def checkout(self) -> CheckoutService: ...


def fill_demo(
    services: DemoServices,
    customers: int = 40,
    days: int = 30,
    seed: int = 7,
    now: datetime | None = None,
    lang: str = "ru",
) -> dict[str, int]:
    """Fill a demo store (program, catalog, customers, `days` of sales up to now) through the real services.

    `now` defaults to the service's clock; the same seed and instant give the same store on any day.
    The program's names are in lang (a Russian store shows «Золото», not «Gold»).
    """
    rng = random.Random(seed)
    end = to_ms(now if now is not None else services.checkout.clock.now())
    services.programs.set_program(demo_program(lang), actor=SYSTEM)
    services.catalog.import_catalog(DEMO_CATALOG, actor=SYSTEM)
    products = services.catalog.catalog()
    start = end - days * DAY_MS
    cards = []
    for i in range(customers):
        name = _NAMES[i % len(_NAMES)] + ("" if i < len(_NAMES) else f" {i // len(_NAMES) + 1}")
        birthday = f"19{rng.randint(60, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        res = services.customers.enroll(name, f"+7916{5550000 + i:07d}", birthday, at=start + i * 60_000, actor=SYSTEM)
        cards.append(res.card)
    sales = 0
    for day in range(days):
        for _ in range(rng.randint(8, 16)):
            at = start + day * DAY_MS + rng.randint(8 * 3600_000, 20 * 3600_000)
            if at >= end:
                continue
            basket = rng.sample(products, rng.randint(1, 3))
            lines = tuple(
                services.catalog.resolve_line(p["sku"], rng.randint(1, 2)) for p in basket if p["category"] != "tobacco"
            ) or (services.catalog.resolve_line("ESP", 1),)
            card = rng.choice(cards) if rng.random() < 0.7 else None
            try:
                services.checkout.sell(
                    SaleRequest(lines=lines, card=card, at=at, redeem="max" if card and rng.random() < 0.2 else None),
                    actor=SYSTEM,
                )
                sales += 1
            except Exception:
                continue
    return {"customers": customers, "sales": sales}


def show_demo(services: DemoServices, path: Path, fill: bool) -> tuple[dict[str, Any], str]:
    """Fill the demo store when new (fill), then show a demo customer and sell a demo sale."""
    services.store.init()
    if fill:
        fill_demo(services)
    customer = services.customers.find_customers("Анна")[0]
    info = services.customers.customer(customer["card"])
    lines = (services.catalog.resolve_line("CAP", 2), services.catalog.resolve_line("CRO", 1))
    sale = services.checkout.sell(SaleRequest(lines=lines, card=info.card, redeem="max"), actor=SYSTEM)
    data = {"db": str(path), "customer": info.to_json(), "sale": sale.to_json()}
    text = (
        f"Demo store: {path}\n"
        f"Customer {info.name}, card {info.card}, tier {info.tier}, {info.available} points available\n"
        f"Sale {sale.sale_id}: 2 × Капучино + Круассан = {sale.quote.subtotal / 100:.2f} ₽, "
        f"points paid {sale.quote.redeemed_points}, to pay {sale.quote.total / 100:.2f} ₽, "
        f"earned {sale.quote.earned}, balance {sale.balance}"
    )
    return data, text
