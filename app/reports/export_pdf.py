"""Export a report as an A4 PDF with reportlab: title, period, filters, headline tiles, every table, charts.

Fonts are the bundled DejaVu (embedded, so Cyrillic prints anywhere). The daily tables stay in the
CSV export: in print the charts show them, and the customer lists are cut to the first rows of
each segment (the CSV has everyone).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from app.core.services.reports import Report, StoreRow
from app.core.timeutil import from_ms
from app.reports import charts
from app.reports.charts import FONT, FONT_BOLD, INK, MUTED, register_fonts
from app.reports.tables import (
    SEGMENT_NAMES,
    Table,
    cashiers_table,
    categories_table,
    cell_text,
    coupons_table,
    customers_table,
    dashboard_of,
    filters_text,
    lifetime_table,
    payback_table,
    payback_verdict,
    period_text,
    pick_columns,
    points_table,
    rewards_table,
    sales_table,
    segment_customers_table,
    segments_table,
    stamps_table,
    stores_table,
    summary_table,
    tiers_table,
    tr,
)

__all__ = ["SEGMENT_ROWS", "export_pdf"]

SEGMENT_ROWS = 15  # customers printed per segment; the CSV lists all of them
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BODY_W = PAGE_W - 2 * MARGIN
ACCENT = colors.HexColor("#1f6f8b")
TILE = colors.HexColor("#f1f5f8")
RULE = colors.HexColor("#d5dde5")
ZEBRA = colors.HexColor("#f7f9fb")

# reportlab is not documented as thread-safe; an export is a rare, manual action.
_render_lock = threading.Lock()


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24, spaceAfter=2),
        "store": ParagraphStyle("store", parent=base, fontSize=11, leading=14, textColor=MUTED),
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, leading=12, textColor=MUTED),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=16,
            spaceBefore=10,
            spaceAfter=5,
            textColor=ACCENT,
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3
        ),
        "body": base,
        "note": ParagraphStyle("note", parent=base, fontSize=7.5, leading=10, textColor=MUTED, spaceBefore=3),
        "th": ParagraphStyle("th", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=MUTED),
        "th_right": ParagraphStyle(
            "th_right", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=MUTED, alignment=TA_RIGHT
        ),
        "tile_label": ParagraphStyle("tile_label", parent=base, fontSize=7.5, leading=9, textColor=MUTED),
        "tile_value": ParagraphStyle("tile_value", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(table: Table, lang: str, zone: ZoneInfo, widths: Sequence[float] | None = None, skip: int = 0) -> Flowable:
    """A reportlab table: wrapped bold headings, numbers right-aligned, light zebra rows; skip drops first columns."""
    st = _styles()
    numeric = [any(row[i].kind != "text" for row in table.rows) for i in range(len(table.columns))][skip:]
    header = [
        Paragraph(_escape(c.label(lang)), st["th_right" if numeric[i] else "th"])
        for i, c in enumerate(table.columns[skip:])
    ]
    body: list[list[Any]] = [[cell_text(cell, lang, "pdf", zone) for cell in row[skip:]] for row in table.rows]
    if not body:
        body = [[tr(lang, "нет данных за период", "no data for the period")] + [""] * (len(header) - 1)]
    if widths is None:
        # The first column holds the words; the numbers share the rest.
        first = max(BODY_W * 0.34, BODY_W - (len(header) - 1) * 28 * mm) if len(header) > 1 else BODY_W
        rest = (BODY_W - first) / max(len(header) - 1, 1)
        widths = [first] + [rest] * (len(header) - 1)
    t = PdfTable([header, *body], colWidths=list(widths), repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 1), (-1, -1), FONT, 8),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for i in range(2, len(body) + 1, 2):
        style.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    for col, is_number in enumerate(numeric):
        if is_number:
            style.append(("ALIGN", (col, 1), (col, -1), "RIGHT"))
    t.setStyle(TableStyle(style))
    return t


def _section(title: str, st: dict[str, ParagraphStyle], first: Flowable, *rest: Flowable) -> list[Flowable]:
    # A heading stays with the start of its content and never ends a page; the rest may flow on.
    return [CondPageBreak(30 * mm), KeepTogether([Paragraph(_escape(title), st["h1"]), first]), *rest]


def _figure(title: str, st: dict[str, ParagraphStyle], chart: Flowable) -> Flowable:
    return KeepTogether([Paragraph(_escape(title), st["h2"]), chart])


def _note(table: Table, lang: str, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [Paragraph(_escape(table.note.label(lang)), st["note"])] if table.note is not None else []


def _tiles(report: Report, lang: str, zone: ZoneInfo, st: dict[str, ParagraphStyle]) -> Flowable:
    """The headline figures as a grid of tiles, four per row."""
    summary = summary_table(report)
    per_row = 4  # 12 figures: three rows of four
    room = BODY_W / per_row - 14  # the tile less its padding
    cells = []
    for row in summary.rows:
        label = cell_text(row[0], lang, "pdf", zone)
        value = cell_text(row[1], lang, "pdf", zone)
        # A big store's revenue must stay on one line: shrink the figure rather than wrap it.
        size = 13.0
        while size > 8 and pdfmetrics.stringWidth(value, FONT_BOLD, size) > room:
            size -= 0.5
        style = ParagraphStyle("tile_fit", parent=st["tile_value"], fontSize=size)
        cells.append([Paragraph(_escape(label), st["tile_label"]), Paragraph(_escape(value), style)])
    while len(cells) % per_row:
        cells.append([Spacer(1, 1)])
    grid = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    gap = 3 * mm
    t = PdfTable(grid, colWidths=[BODY_W / per_row] * per_row)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), TILE),
                ("LINEAFTER", (0, 0), (-2, -1), gap, colors.white),
                ("LINEBELOW", (0, 0), (-1, -2), gap, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return t


def _footer(report: Report, lang: str, zone: ZoneInfo) -> Any:
    made = (
        from_ms(report.generated_at).astimezone(zone).strftime("%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M")
    )
    left = tr(lang, "Отчёт программы лояльности", "Loyalty programme report") + " · " + period_text(report, lang)

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, 11 * mm, PAGE_W - MARGIN, 11 * mm)
        canvas.drawString(MARGIN, 7.5 * mm, left)
        page = tr(lang, "стр.", "page") + f" {doc.page} · " + tr(lang, "сформирован", "made") + f" {made}"
        canvas.drawRightString(PAGE_W - MARGIN, 7.5 * mm, page)
        canvas.restoreState()

    return draw


def _side_by_side(left: Flowable, right: Flowable, split: float = 0.5) -> Flowable:
    t = PdfTable([[left, right]], colWidths=[BODY_W * split, BODY_W * (1 - split)])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 8),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ]
        )
    )
    return t


def _stores(report: Report, stores: Sequence[StoreRow], lang: str, zone: ZoneInfo) -> list[Flowable]:
    """The chain's store rows as three narrow tables: sales, checks, customers and points."""
    st = _styles()
    table = stores_table(stores, dashboard_of(report))
    w = BODY_W
    parts: list[Flowable] = [
        _table(pick_columns(table, (0, 1, 2, 3, 4)), lang, zone, [w * 0.36, w * 0.19, w * 0.15, w * 0.15, w * 0.15]),
        Spacer(1, 3 * mm),
        _table(pick_columns(table, (0, 5, 6, 7)), lang, zone, [w * 0.36, w * 0.213, w * 0.213, w * 0.214]),
        Spacer(1, 3 * mm),
        _table(pick_columns(table, (0, 8, 9, 10, 11)), lang, zone, [w * 0.36, w * 0.16, w * 0.16, w * 0.16, w * 0.16]),
    ]
    return _section(tr(lang, "Магазины сети", "The chain's stores"), st, *parts, *_note(table, lang, st))


def build_story(
    report: Report, lang: str, store_name: str | None, stores: Sequence[StoreRow] | None = None
) -> list[Flowable]:
    """Every flowable of the report, in reading order (a chain's store rows right after the tiles)."""
    zone = ZoneInfo(report.timezone)
    st = _styles()
    w = BODY_W
    chart_h = 60 * mm

    def para(ru: str, en: str, style: str = "note") -> Paragraph:
        return Paragraph(_escape(tr(lang, ru, en)), st[style])

    story: list[Flowable] = [para("Отчёт для владельца", "Owner's report", "title")]
    if store_name:
        story.append(Paragraph(_escape(store_name), st["store"]))
    story += [
        Spacer(1, 2 * mm),
        Paragraph(_escape(tr(lang, "Период: ", "Period: ") + period_text(report, lang)), st["meta"]),
        Paragraph(_escape(tr(lang, "Фильтр: ", "Filter: ") + filters_text(report.filters, lang)), st["meta"]),
        Spacer(1, 4 * mm),
        _tiles(report, lang, zone, st),
    ]
    payback = payback_table(report)
    story += _section(
        tr(lang, "Окупается ли программа", "Does the programme pay"),
        st,
        Paragraph(_escape(payback_verdict(report, lang)), st["h2"]),
        _table(payback, lang, zone, [w * 0.6, w * 0.4]),
        *_note(payback, lang, st),
    )
    if stores is not None:
        story += _stores(report, stores, lang, zone)
    step = charts.step_title(len(report.series.revenue), lang)
    story += _section(
        tr(lang, "Выручка ", "Revenue ") + step, st, charts.revenue_chart(report.series.revenue, lang, w, chart_h)
    )
    sales = sales_table(report)
    story += _section(tr(lang, "Продажи", "Sales"), st, _table(sales, lang, zone), *_note(sales, lang, st))
    story += _section(tr(lang, "Кассиры", "Cashiers"), st, _table(cashiers_table(report), lang, zone))
    story += _section(
        tr(lang, "Покупатели", "Customers"),
        st,
        _table(customers_table(report), lang, zone),
        _figure(
            tr(lang, "Активные карты: покупали за 30 дней до каждого дня", "Active cards: bought within 30 days"),
            st,
            charts.active_chart(report.series.active, lang, w, 48 * mm),
        ),
    )
    points = points_table(report)
    story += _section(
        tr(lang, "Баллы", "Points"),
        st,
        _table(points, lang, zone, [w * 0.5, w * 0.25, w * 0.25]),
        *_note(points, lang, st),
        _figure(tr(lang, "Баллы ", "Points ") + step, st, charts.points_chart(report.series.points, lang, w, chart_h)),
    )
    story += _section(
        tr(lang, "Уровни", "Tiers"),
        st,
        _side_by_side(
            _table(tiers_table(report), lang, zone, [w * 0.15, w * 0.15, w * 0.15, w * 0.1]),
            charts.tiers_chart(report.tiers, lang, w * 0.44, 38 * mm),
            split=0.56,
        ),
    )
    story += _section(
        tr(lang, "Сегменты по давности покупок", "Segments by recency"),
        st,
        _table(segments_table(report), lang, zone, [w * 0.5, w * 0.25, w * 0.25]),
        para(
            f"Давность считается от последней покупки до конца периода. Ниже — до {SEGMENT_ROWS} покупателей "
            "каждого сегмента, больше всего покупавших; полный список — в CSV.",
            f"Recency runs from the last purchase to the end of the period. Below, up to {SEGMENT_ROWS} customers "
            "of each segment with the most purchases; the CSV lists everyone.",
        ),
    )
    people_widths = [w * 0.07, w * 0.29, w * 0.15, w * 0.18, w * 0.19, w * 0.12]
    for segment in report.segments:
        if not segment.count:
            continue
        more = segment.count - min(segment.count, SEGMENT_ROWS)
        title = f"{SEGMENT_NAMES[segment.key].label(lang)}: {segment.count}"
        people = segment_customers_table(report, SEGMENT_ROWS, segment.key)
        block: list[Flowable] = [_figure(title, st, _table(people, lang, zone, people_widths, skip=1))]
        if more:
            block.append(para(f"… и ещё {more} — в CSV", f"… and {more} more in the CSV"))
        story += block
    lifetime = lifetime_table(report)
    story += _section(
        tr(lang, "Пожизненная ценность покупателя (CLV)", "Customer lifetime value (CLV)"),
        st,
        _table(lifetime, lang, zone, [w * 0.6, w * 0.4]),
        *_note(lifetime, lang, st),
    )
    story += _section(
        tr(lang, "На что тратят баллы", "What points are spent on"),
        st,
        _table(categories_table(report), lang, zone),
        _figure(tr(lang, "Купоны", "Coupons"), st, _table(coupons_table(report), lang, zone)),
        _figure(tr(lang, "Подарки за баллы", "Gifts for points"), st, _table(rewards_table(report), lang, zone)),
        _figure(tr(lang, "Карты штампов", "Stamp cards"), st, _table(stamps_table(report), lang, zone)),
    )
    return story


def export_pdf(
    report: Report,
    path: str | Path,
    lang: str = "ru",
    store_name: str | None = None,
    stores: Sequence[StoreRow] | None = None,
) -> Path:
    """Write the report as an A4 PDF (DejaVu fonts embedded) and return its path; a chain's store rows print too."""
    if lang not in ("ru", "en"):
        raise ValueError(f"unsupported language {lang!r}; expected ru or en")
    register_fonts()
    target = Path(path)
    zone = ZoneInfo(report.timezone)
    title = tr(lang, "Отчёт для владельца", "Owner's report") + " · " + period_text(report, lang)
    # Written beside the target and renamed at the end: a failed export never leaves half a file.
    partial = target.with_name(target.name + ".part")
    with _render_lock:
        doc = SimpleDocTemplate(
            str(partial),
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=16 * mm,
            title=title,
            author=store_name or "Loyalty Terminal",
            lang="ru-RU" if lang == "ru" else "en-GB",
        )
        footer = _footer(report, lang, zone)
        try:
            doc.build(build_story(report, lang, store_name, stores), onFirstPage=footer, onLaterPages=footer)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(target)
    return target
