"""The manager's daily digest of fraud flags as CSV (one row a flag) or an A4 PDF, in Russian or English.

Each flag is one sentence the manager can act on: who or which card, the day and what was seen. The
sentences live here, once per language; the CLI (`loyalty-terminal flags`) and the manager screen use them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from app.core.services.fraud import Flag
from app.reports.charts import FONT, FONT_BOLD, register_fonts

__all__ = ["describe", "write_csv", "write_pdf"]

_WORDS = {
    "ru": {
        "busy_card": "Карта {card}: {count} покупок за день",
        "card_terminals": "Карта {card}: на разных кассах с интервалом в минуты ({count} раз): {terminals}",
        "spend_after_earn": "Карта {card}: баллы списаны сразу после начисления ({count} раз, {points} баллов)",
        "staff_card": "Карта сотрудника {person} ({card}): {count} покупок за день, из них {own} пробил сам сотрудник",
        "adjustments": "{person}: {count} ручных корректировок баллов за день, всего {points} баллов",
        "store": "магазин",
        "stores": "магазины",
        "title": "Подозрительные операции",
        "period": "Период: {first} — {last}",
        "none": "Ничего подозрительного не найдено.",
        "head": ("День", "Что замечено", "Карта", "Сотрудник", "Раз", "Баллы"),
    },
    "en": {
        "busy_card": "Card {card}: {count} purchases in one day",
        "card_terminals": "Card {card}: at different tills minutes apart ({count} times): {terminals}",
        "spend_after_earn": "Card {card}: points spent right after they were earned ({count} times, {points} points)",
        "staff_card": "Staff card of {person} ({card}): {count} purchases in a day, {own} rung up by its owner",
        "adjustments": "{person}: {count} manual point adjustments in a day, {points} points in all",
        "store": "store",
        "stores": "stores",
        "title": "Suspicious activity",
        "period": "Period: {first} – {last}",
        "none": "Nothing suspicious was found.",
        "head": ("Day", "What was seen", "Card", "Staff", "Times", "Points"),
    },
}


def describe(flag: Flag, lang: str = "ru") -> str:
    """One flag as a sentence for the manager."""
    words = _WORDS[lang]
    template = words[flag.kind]
    assert isinstance(template, str)
    sentence = template.format(
        card=flag.card or "—",
        count=flag.count,
        points=flag.points,
        person=flag.person or "—",
        own=flag.detail.get("rung_by_owner", 0),
        terminals=", ".join(flag.detail.get("terminals", [])),
    )
    stores = list(flag.detail.get("stores", []))  # the chain's server names them: whose people to ask
    if not stores:
        return sentence
    where = words["store"] if len(stores) == 1 else words["stores"]
    assert isinstance(where, str)
    return f"{sentence}; {where}: {', '.join(stores)}"


def _rows(flags: Sequence[Flag], lang: str) -> list[list[str]]:
    return [
        [f.day.isoformat(), describe(f, lang), f.card or "", f.person or "", str(f.count), str(f.points)] for f in flags
    ]


def write_csv(flags: Sequence[Flag], out: Path, lang: str = "ru") -> Path:
    """The flags as one CSV file (UTF-8 with a BOM, so a spreadsheet opens Cyrillic right), written whole or not."""
    partial = out.with_name(out.name + ".part")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(_WORDS[lang]["head"])
            writer.writerows(_rows(flags, lang))
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out


def write_pdf(
    flags: Sequence[Flag], first: date, last: date, out: Path, lang: str = "ru", where: str | None = None
) -> Path:
    """The flags as an A4 PDF digest: a title, the period (and `where`, whose flags: the chain's from the
    manager screen) and one table row a flag."""
    register_fonts()
    words = _WORDS[lang]
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22)
    cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=10)
    story: list[object] = [
        Paragraph(str(words["title"]), title),
        Paragraph(str(words["period"]).format(first=first.isoformat(), last=last.isoformat()), base),
    ]
    if where:
        story.append(Paragraph(escape(where), base))
    story.append(Spacer(1, 6 * mm))
    if not flags:
        story.append(Paragraph(str(words["none"]), base))
    else:
        head = [Paragraph(h, ParagraphStyle("th", parent=cell, fontName=FONT_BOLD)) for h in words["head"]]
        # A cell is Paragraph markup: a name or reason with "<" or "&" must print as typed, not break the page.
        body = [[Paragraph(escape(c), cell) for c in row] for row in _rows(flags, lang)]
        table = PdfTable([head, *body], colWidths=[24 * mm, 78 * mm, 30 * mm, 22 * mm, 12 * mm, 16 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f6f8b")),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f9fb")]),
                ]
            )
        )
        story.append(table)
    partial = out.with_name(out.name + ".part")
    try:
        doc = SimpleDocTemplate(str(partial), pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                                topMargin=14 * mm, bottomMargin=14 * mm, title=str(words["title"]))  # fmt: skip
        doc.build(story)  # type: ignore[arg-type]
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out
