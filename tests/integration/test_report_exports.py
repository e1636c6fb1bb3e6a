"""CSV and PDF exports of the manager's report (app/reports), on the store of tests/integration/test_reports.py."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from app.bootstrap import bootstrap
from app.core.fmt import parse_money
from app.core.services.reports import Report, ReportsService, Segment, SegmentCustomer, StoreRow
from app.reports.export_csv import export_csv
from app.reports.export_pdf import SEGMENT_ROWS, export_pdf
from app.reports.tables import Cell, cell_text
from tests.integration.test_reports import CLOCK, MARCH, MSK
from tests.stores import Stores


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory, store_cache: Stores) -> Report:
    """The March 2025 report of the hand-computed store."""
    ctx = bootstrap(store_cache.march(tmp_path_factory.mktemp("exports") / "t.sqlite3"))
    report = ReportsService(ctx.engine, clock=lambda: CLOCK).report(MARCH)
    ctx.close()
    return report


@pytest.fixture(scope="module")
def pdf(march: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Russian PDF of the March report."""
    return export_pdf(march, tmp_path_factory.mktemp("pdf") / "march.pdf", store_name="Кофейня на Садовой")


def _text(path: Path) -> str:
    # Digit groups are glued with narrow no-break spaces; compare with plain ones.
    raw = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"[\u00a0\u202f]", " ", raw)


def _read(path: Path, delimiter: str = ";") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


# ----------------------------------------------------------------------------- PDF


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
def test_pdf_renders_every_page_to_a_non_empty_image(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(pdf).pages) >= 3
    for page in pages:
        with Image.open(page) as image:
            assert image.size[0] > 400
            lo, hi = cast(tuple[int, int], image.convert("L").getextrema())
            assert lo < 100 < hi  # dark ink on white paper, not a blank page


def test_pdf_text_has_the_russian_headings(pdf: Path) -> None:
    text = _text(pdf)
    for heading in (
        "Отчёт для владельца",
        "Кофейня на Садовой",
        "Период: 01.03.2025 – 31.03.2025 (Europe/Moscow)",
        "Фильтр: все продажи",
        "Выручка по дням",
        "Продажи",
        "Кассиры",
        "Покупатели",
        "Баллы по дням",
        "Уровни",
        "Сегменты по давности покупок",
        "Пожизненная ценность покупателя (CLV)",
        "На что тратят баллы",
        "Купоны",
        "Подарки за баллы",
        "Карты штампов",
    ):
        assert heading in text, heading


def test_pdf_text_has_the_key_figures(pdf: Path) -> None:
    text = _text(pdf)
    # Revenue, average check, card share, liability, CLV, the coupon's own discount.
    for figure in ("1 822,50 ₽", "229,50 ₽", "66,7 %", "166,00 ₽", "1 615,50 ₽", "55,00 ₽", "SALE10", "Анна Иванова"):
        assert figure in text, figure


def test_pdf_embeds_the_dejavu_fonts(pdf: Path) -> None:
    embedded = set()
    for page in PdfReader(pdf).pages:
        resources: Any = page["/Resources"]
        fonts: Any = resources.get_object()["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            if font["/Subtype"] == "/TrueType":
                assert "/FontFile2" in font["/FontDescriptor"]  # the glyphs travel with the file
                embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert embedded == {"DejaVuSans", "DejaVuSans-Bold"}


def test_pdf_in_english(march: Report, tmp_path: Path) -> None:
    text = _text(export_pdf(march, tmp_path / "en.pdf", lang="en"))
    for part in ("Owner's report", "Revenue by day", "Segments by recency", "RUB 1,822.50", "66.7%"):
        assert part in text, part


def test_pdf_prints_the_first_customers_of_a_segment_and_counts_the_rest(march: Report, tmp_path: Path) -> None:
    crowd = tuple(SegmentCustomer(1000 + i, f"Покупатель {i:03d}", "+•••••••0000", "", None, 0) for i in range(40))
    report = replace(march, segments=(*march.segments[:3], Segment("never", 40, crowd)))
    text = _text(export_pdf(report, tmp_path / "crowd.pdf"))
    assert f"Покупатель {SEGMENT_ROWS - 1:03d}" in text
    assert f"Покупатель {SEGMENT_ROWS:03d}" not in text
    assert f"… и ещё {40 - SEGMENT_ROWS} — в CSV" in text


def test_pdf_of_an_empty_period_says_there_is_no_data(march: Report, tmp_path: Path) -> None:
    report = replace(
        march,
        series=replace(
            march.series,
            revenue=tuple(replace(d, card=0, anonymous=0) for d in march.series.revenue),
            points=tuple(replace(d, issued=0, redeemed=0, expired=0) for d in march.series.points),
        ),
        coupons=(),
        rewards=(),
    )
    text = _text(export_pdf(report, tmp_path / "empty.pdf"))
    assert text.count("нет данных за период") >= 4


# ----------------------------------------------------------------------------- CSV


def test_csv_writes_one_file_per_table_with_a_byte_order_mark(march: Report, tmp_path: Path) -> None:
    files = export_csv(march, tmp_path / "csv")
    assert [f.name for f in files] == [
        "summary.csv", "sales.csv", "cashiers.csv", "customers.csv", "points.csv", "tiers.csv", "segments.csv",
        "segment_customers.csv", "lifetime.csv", "categories.csv", "coupons.csv", "rewards.csv", "stamps.csv",
        "revenue_by_day.csv", "active_by_day.csv", "points_by_day.csv", "payback.csv",
    ]  # fmt: skip
    for f in files:
        assert f.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel then reads the file as UTF-8
    assert _read(files[1])[0] == ["Показатель", "С картой", "Без карты", "Всего"]


def _kopecks(text: str) -> int:
    return -parse_money(text[1:]) if text.startswith("-") else parse_money(text)


def test_csv_round_trips_the_sales_figures(march: Report, tmp_path: Path) -> None:
    rows = {r[0]: r[1:] for r in _read(export_csv(march, tmp_path)[1])[1:]}
    s = march.sales
    assert [int(x) for x in rows["Продаж"]] == [s.card.sales, s.anonymous.sales, s.total.sales]
    assert [_kopecks(x) for x in rows["Выручка"]] == [s.card.revenue, s.anonymous.revenue, s.total.revenue]
    assert rows["Выручка"] == ["1372,50", "450,00", "1822,50"]


def test_csv_round_trips_the_daily_revenue_including_refund_days(march: Report, tmp_path: Path) -> None:
    files = {f.stem: f for f in export_csv(march, tmp_path)}
    rows = _read(files["revenue_by_day"])[1:]
    assert len(rows) == 31
    back = [(r[0], _kopecks(r[1]), _kopecks(r[2])) for r in rows]
    assert back == [(d.day.isoformat(), d.card, d.anonymous) for d in march.series.revenue]
    assert ("2025-03-22", -24300, 0) in back


def test_csv_round_trips_points_and_shares(march: Report, tmp_path: Path) -> None:
    files = {f.stem: f for f in export_csv(march, tmp_path)}
    rows = {r[0]: r[1:] for r in _read(files["points"])[1:]}
    p = march.points
    assert int(rows["Начислено"][0]) == p.issued
    assert _kopecks(rows["Обязательства на конец"][1]) == p.liability_kopecks
    assert rows["Уровень списания"][0] == "44,44"  # 160 / 360 as a percentage, half up
    days = _read(files["points_by_day"])[1:]
    assert [tuple(int(x) for x in r[1:]) for r in days] == [
        (d.issued, d.redeemed, d.expired) for d in march.series.points
    ]


def test_csv_lists_every_customer_of_every_segment(march: Report, tmp_path: Path) -> None:
    files = {f.stem: f for f in export_csv(march, tmp_path)}
    rows = _read(files["segment_customers"])
    assert rows[0] == ["Сегмент", "ID", "Имя", "Телефон", "Карта", "Последняя покупка", "Покупок"]
    assert len(rows) - 1 == sum(s.count for s in march.segments) == 6
    anna = next(r for r in rows if r[2] == "Анна Иванова")
    assert anna[0] == "Активные (≤ 30 дней)" and anna[5] == "2025-03-25 11:00" and anna[6] == "4"


def test_csv_in_english_uses_commas_and_decimal_points(march: Report, tmp_path: Path) -> None:
    files = {f.stem: f for f in export_csv(march, tmp_path, lang="en")}
    rows = _read(files["sales"], delimiter=",")
    assert rows[0] == ["Figure", "With a card", "Without", "Total"]
    assert rows[5] == ["Revenue", "1372.50", "450.00", "1822.50"]


def test_export_refuses_an_unknown_language(march: Report, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_csv(march, tmp_path, lang="de")
    with pytest.raises(ValueError):
        export_pdf(march, tmp_path / "x.pdf", lang="de")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_csv_money_reads_back_to_the_same_kopecks(kopecks: int) -> None:
    assert _kopecks(cell_text(Cell("money", kopecks), "ru", "csv", MSK)) == kopecks


@given(st.fractions(min_value=0, max_value=1))
def test_csv_share_is_the_percentage_rounded_half_up(share: Fraction) -> None:
    text = cell_text(Cell("share", share), "ru", "csv", MSK)
    assert abs(Fraction(text.replace(",", ".")) - share * 100) <= Fraction(1, 200)


# ----------------------------------------------------------------------------- a chain's store rows


def _two_stores(march: Report) -> tuple[StoreRow, ...]:
    """March split into two made-up stores whose rows add up to the report (as the server's do)."""
    s = march.sales
    half = StoreRow("Арбат", 4, 3, Fraction(3, 4), 100000, 0, 0, 100000, Fraction(25000), None, None, 2, 1, 200, 60)
    rest = StoreRow(
        "Садовая", s.total.sales - 4, s.card.sales - 3, None, s.total.gross - 100000, s.total.refunds,
        s.total.refunded, s.total.revenue - 100000, None, None, None, 1, 1, march.points.issued - 200,
        march.points.redeemed - 60,
    )  # fmt: skip
    return half, rest


def test_csv_of_a_chain_report_lists_its_stores_and_the_whole_chain(march: Report, tmp_path: Path) -> None:
    files = export_csv(march, tmp_path / "chain", stores=_two_stores(march))
    assert [f.name for f in files[:2]] == ["summary.csv", "stores.csv"]
    rows = _read(tmp_path / "chain" / "stores.csv")
    assert rows[0][:3] == ["Магазин", "Выручка", "Доля выручки"]
    assert [r[0] for r in rows[1:]] == ["Арбат", "Садовая", "Вся сеть"]
    # Revenue reads back and the stores' shares of the chain's revenue add up to 100 %.
    assert parse_money(rows[3][1]) == march.sales.total.revenue == sum(parse_money(r[1]) for r in rows[1:3])
    assert rows[1][2] == "54,87"  # 1000 ₽ of 1822,50 ₽
    assert [r[10] for r in rows[1:]] == ["200", str(march.points.issued - 200), str(march.points.issued)]


def test_pdf_of_a_chain_report_prints_the_stores_after_the_tiles(march: Report, tmp_path: Path) -> None:
    text = _text(export_pdf(march, tmp_path / "chain.pdf", store_name="Вся сеть", stores=_two_stores(march)))
    assert text.index("Магазины сети") < text.index("Продажи")
    assert "Арбат" in text and "1 000,00 ₽" in text and "Активные карты" in text


def test_a_report_without_stores_has_no_stores_table(march: Report, tmp_path: Path) -> None:
    assert "stores.csv" not in [f.name for f in export_csv(march, tmp_path / "one")]
    assert "Магазины сети" not in _text(export_pdf(march, tmp_path / "one.pdf"))
