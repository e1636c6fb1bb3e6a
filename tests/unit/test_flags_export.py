"""The flags digest prints names and reasons as typed: a cell's text is not Paragraph markup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader

from app.core.services.fraud import Flag
from app.reports.flags_export import write_csv, write_pdf

DAY = date(2026, 6, 9)


def test_a_staff_name_with_markup_characters_prints_as_typed(tmp_path: Path) -> None:
    name = "Ольга <b>старший</b> & Ко"
    flags = [Flag(kind="adjustments", day=DAY, count=8, person=name, points=40)]
    pdf = write_pdf(flags, DAY, DAY, tmp_path / "flags.pdf", "ru")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "<b>старший</b>" in text and "& Ко" in text
    assert name in write_csv(flags, tmp_path / "flags.csv", "ru").read_text(encoding="utf-8-sig")


def test_the_chains_flags_name_their_stores_in_the_sentence() -> None:
    from app.reports.flags_export import describe

    one = Flag(kind="adjustments", day=DAY, count=8, person="Вера", points=80, detail={"stores": ["Садовая"]})
    two = Flag(kind="busy_card", day=DAY, count=9, card="2990000000071", detail={"stores": ["Арбат", "Садовая"]})
    assert describe(one, "ru") == "Вера: 8 ручных корректировок баллов за день, всего 80 баллов; магазин: Садовая"
    assert describe(two, "en") == "Card 2990000000071: 9 purchases in one day; stores: Арбат, Садовая"
    assert describe(Flag(kind="adjustments", day=DAY, count=8, person="Вера", points=80), "ru").endswith("80 баллов")
