"""Program templates: one for each kind of loyalty program our merchants run.

Each is a complete, valid program file (loyalty-rules.md §2) a manager starts from and edits.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

_SILVER = {"name": "Базовый", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "5"}


@dataclass(frozen=True)
class Template:
    """A named starting point for a program."""

    key: str
    title_ru: str
    title_en: str
    about_ru: str
    about_en: str
    program: dict[str, Any]

    def copy(self) -> dict[str, Any]:
        """A fresh copy to edit."""
        return copy.deepcopy(self.program)


TEMPLATES: tuple[Template, ...] = (
    Template(
        "discount",
        "Скидка 5 %",
        "Flat 5 % discount",
        "Постоянная скидка 5 % по карте, без баллов.",
        "A permanent 5 % card discount, no points.",
        {
            "name": "Скидка 5 %",
            "tiers": [{"name": "Карта", "min_spend": 0, "discount_pct": "5", "earn_rate_pct": "0"}],
            "redeem": {"max_share_pct": "0"},
        },
    ),
    Template(
        "points",
        "Баллы 5 %",
        "Points 5 %",
        "5 % от покупки баллами; баллами можно оплатить до 30 % чека. Баллы сгорают через год.",
        "5 % back in points; points pay up to 30 % of a check; points expire after a year.",
        {
            "name": "Баллы 5 %",
            "point_value": 100,
            "tiers": [dict(_SILVER)],
            "redeem": {"max_share_pct": "30", "min_balance": 0},
            "expiry_days": 365,
        },
    ),
    Template(
        "tiers",
        "Уровни Silver / Gold / Platinum",
        "Silver / Gold / Platinum tiers",
        "Уровень по покупкам за год: больше тратит — больше скидка и баллы.",
        "Tier by yearly spend: the more a customer spends, the bigger the discount and the points.",
        {
            "name": "Уровни",
            "tiers": [
                {"name": "Silver", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "3"},
                {"name": "Gold", "min_spend": 1500000, "discount_pct": "3", "earn_rate_pct": "5"},
                {"name": "Platinum", "min_spend": 5000000, "discount_pct": "5", "earn_rate_pct": "7"},
            ],
            "tier_window_days": 365,
            "redeem": {"max_share_pct": "30"},
            "expiry_days": 365,
        },
    ),
    Template(
        "coffee_card",
        "Карта кофе: 6-й бесплатно",
        "Coffee card: the 6th is free",
        "Каждый кофе — штамп; после пяти штампов шестой кофе бесплатно.",
        "Every coffee is a stamp; after five stamps the sixth coffee is free.",
        {
            "name": "Карта кофе",
            "tiers": [{"name": "Гость", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "0"}],
            "redeem": {"max_share_pct": "0"},
            "stamps": [{"id": "coffee", "category": "coffee", "needed": 5}],
        },
    ),
    Template(
        "cashback",
        "Кешбэк 10 %",
        "10 % cashback",
        "10 % возвращается баллами через 14 дней (после срока возврата), баллами — до 50 % чека.",
        "10 % comes back in points after 14 days (the return window); points pay up to 50 % of a check.",
        {
            "name": "Кешбэк 10 %",
            "tiers": [{"name": "Кешбэк", "min_spend": 0, "discount_pct": "0", "earn_rate_pct": "10"}],
            "redeem": {"max_share_pct": "50"},
            "activation_days": 14,
            "expiry_days": 180,
        },
    ),
    Template(
        "bonuses",
        "Приветственные, день рождения, «приведи друга»",
        "Welcome, birthday and referral bonuses",
        "5 % баллами плюс 100 баллов при регистрации, 300 в день рождения и 200 за приведённого друга.",
        "5 % in points plus 100 points on joining, 300 on the birthday and 200 for bringing a friend.",
        {
            "name": "Бонусы",
            "tiers": [dict(_SILVER)],
            "redeem": {"max_share_pct": "30"},
            "expiry_days": 365,
            "welcome_bonus": {"points": 100, "expiry_days": 30},
            "birthday_bonus": {"points": 300, "days_before": 3, "days_after": 7, "expiry_days": 14},
            "referral": {"referrer_points": 200, "referee_points": 100, "min_first_purchase": 50000},
        },
    ),
)


def template(key: str) -> Template:
    """The template with this key."""
    for item in TEMPLATES:
        if item.key == key:
            return item
    raise KeyError(key)
