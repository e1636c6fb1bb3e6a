"""Locale formatting of money and points for receipts and screens (ru default, en).

Money is always integer kopecks; nothing here ever goes through float.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from app.core.timeutil import from_ms

__all__ = [
    "MINUS",
    "NBSP",
    "NNBSP",
    "format_money",
    "format_points",
    "format_wait",
    "group_thousands",
    "parse_money",
    "plural_ru",
]

# Russian typography groups thousands with a narrow no-break space so that
# "1 234,56 ₽" never breaks across lines; the rouble sign is glued with a plain
# no-break space.
NNBSP = "\u202f"
NBSP = "\u00a0"
# A real minus sign (U+2212): a hyphen is shorter and reads as a dash on receipts.
MINUS = "\u2212"

_LANGS = ("ru", "en")


def _check_lang(lang: str) -> None:
    if lang not in _LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(_LANGS)}")


def group_thousands(n: int, sep: str) -> str:
    """Digits of a non-negative integer grouped by three with sep ("1234567" -> "1 234 567")."""
    if n < 0:
        raise ValueError(f"group_thousands expects a non-negative integer, got {n}")
    digits = str(n)
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(groups)


def format_money(kopecks: int, lang: str = "ru") -> str:
    """Kopecks as text: ru "1 234,56 ₽", en "RUB 1,234.56"; negatives get a real minus sign."""
    _check_lang(lang)
    if isinstance(kopecks, bool) or not isinstance(kopecks, int):
        # A float here would mean money went through binary floating point somewhere upstream.
        raise TypeError(f"format_money expects integer kopecks, got {type(kopecks).__name__}")
    sign = MINUS if kopecks < 0 else ""
    roubles, kop = divmod(abs(kopecks), 100)
    if lang == "ru":
        return f"{sign}{group_thousands(roubles, NNBSP)},{kop:02d}{NBSP}₽"
    return f"{sign}RUB{NBSP}{group_thousands(roubles, ',')}.{kop:02d}"


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Pick the Russian plural form for n: 1 балл, 2 балла, 5 баллов (11-14 take "many")."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def format_points(n: int, lang: str = "ru") -> str:
    """Points with grouping and the right plural: "1 балл", "1 234 балла", "5 points"."""
    _check_lang(lang)
    sign = MINUS if n < 0 else ""
    if lang == "ru":
        word = plural_ru(n, "балл", "балла", "баллов")
        return f"{sign}{group_thousands(abs(n), NNBSP)}{NBSP}{word}"
    word = "point" if abs(n) == 1 else "points"
    return f"{sign}{group_thousands(abs(n), ',')}{NBSP}{word}"


def format_wait(seconds: int, lang: str = "ru") -> str:
    """A wait in words, rounded up to whole minutes from a minute on: "45 секунд", "2 минуты", "1 minute"."""
    _check_lang(lang)
    n, unit = (seconds, "s") if seconds < 60 else (-(-seconds // 60), "m")
    if lang == "ru":
        forms = ("секунду", "секунды", "секунд") if unit == "s" else ("минуту", "минуты", "минут")
        return f"{n}{NBSP}{plural_ru(n, *forms)}"
    word = ("second" if unit == "s" else "minute") + ("" if n == 1 else "s")
    return f"{n}{NBSP}{word}"


# Spaces a cashier or a copy-paste may put between digit groups.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_MONEY_RE = re.compile(
    r"""
    (?P<int>\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+|\d+)   # 1 234 567 or 1234567
    (?:[.,](?P<frac>\d+))?                                # decimal comma or point
    (?:[ \u00a0\u202f]?₽)?                                # our own "₽" suffix
    """,
    re.VERBOSE | re.ASCII,
)


def format_wall_time(ms: int, zone: tzinfo, lang: str = "ru") -> str:
    """A stored instant as the store's wall clock reads it (the program's zone, never the machine's)."""
    _check_lang(lang)
    return from_ms(ms).astimezone(zone).strftime("%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M")


def parse_money(text: str) -> int:
    """Parse roubles typed by a person ("149.90", "149,9", "1 234,56", "150") into kopecks exactly.

    Raises ValueError with a message fit for the cashier on anything else: more than
    two decimals, letters, a sign, empty input, or digit groups that are not by three.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_money expects text, got {type(text).__name__}")
    s = text.strip(_GROUP_SPACES + "\t\n")
    if not s:
        raise ValueError("amount is empty")
    if s[0] in "-−–":
        raise ValueError(f"amount must not be negative: {text!r}")
    if s[0] == "+":
        raise ValueError(f"amount must be written without a sign: {text!r}")
    if any(ch.isalpha() for ch in s):
        raise ValueError(f"amount must contain only digits and a decimal comma: {text!r}")
    m = _MONEY_RE.fullmatch(s)
    if m is None:
        raise ValueError(
            f"not an amount in roubles: {text!r} (expected e.g. 149,90 or 1 234,56; "
            "digits may be grouped by three with spaces)"
        )
    frac = m.group("frac")
    if frac is not None and len(frac) > 2:
        raise ValueError(f"more than 2 decimal places (kopecks) in {text!r}")
    roubles = int(re.sub(r"\D", "", m.group("int")))
    kopecks = int((frac or "0").ljust(2, "0"))
    return roubles * 100 + kopecks
