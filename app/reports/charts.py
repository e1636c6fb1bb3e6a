"""Charts of a report drawn with reportlab.graphics: revenue, active cards, points, tiers.

The figures are exact integers; a chart only needs their shape, so values are handed to reportlab
as whole roubles or points and the axis labels are written by us (grouped digits, local dates).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from datetime import date

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.core.fmt import NNBSP, group_thousands
from app.core.services.reports import ActiveDay, PointsDay, RevenueDay, TierRow
from app.receipts.assets import resource_path

__all__ = [
    "FONT",
    "FONT_BOLD",
    "active_chart",
    "points_chart",
    "register_fonts",
    "revenue_chart",
    "step_days",
    "step_title",
    "tiers_chart",
]

FONT = "ReportSans"
FONT_BOLD = "ReportSans-Bold"

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#6b7785")
GRID = colors.HexColor("#e3e8ee")
CARD = colors.HexColor("#1f6f8b")
ANONYMOUS = colors.HexColor("#b7cfdc")
ISSUED = colors.HexColor("#2e8b57")
REDEEMED = colors.HexColor("#1f6f8b")
EXPIRED = colors.HexColor("#d9822b")
TIER_COLOURS = [
    colors.HexColor(c) for c in ("#b7cfdc", "#1f6f8b", "#d9a441", "#6c4f9e", "#2e8b57", "#c0504d", "#7f8c8d")
]

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register the bundled DejaVu fonts (Cyrillic) with reportlab once per process."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
        _fonts_ready = True


def _number(lang: str) -> Callable[[float], str]:
    sep = NNBSP if lang == "ru" else ","

    def fmt(value: float) -> str:
        n = round(value)
        return ("−" if n < 0 else "") + group_thousands(abs(n), sep)

    return fmt


def _day_labels(days: Sequence[date], lang: str, slots: int = 12) -> list[str]:
    """Every k-th day labelled (about `slots` labels), the others blank."""
    step = max(1, math.ceil(len(days) / slots))
    fmt = "%d.%m" if lang == "ru" else "%m-%d"
    return [d.strftime(fmt) if i % step == 0 else "" for i, d in enumerate(days)]


MAX_BARS = 62  # beyond about two months of days, bars get too thin to read (and slow to draw)


def step_days(n_days: int) -> int:
    """Days per bar or point: 1 up to MAX_BARS days, then weeks, then as many days as keeps ≤ MAX_BARS."""
    if n_days <= MAX_BARS:
        return 1
    if n_days <= MAX_BARS * 7:
        return 7
    return math.ceil(n_days / MAX_BARS)


def step_title(n_days: int, lang: str) -> str:
    """'по дням', 'по неделям' or 'по N дней' (en: 'by day', 'by week', 'by N days')."""
    k = step_days(n_days)
    if k == 1:
        return "по дням" if lang == "ru" else "by day"
    if k == 7:
        return "по неделям" if lang == "ru" else "by week"
    return f"по {k} дн." if lang == "ru" else f"by {k} days"


def _chunks(n: int) -> list[range]:
    k = step_days(n)
    return [range(i, min(i + k, n)) for i in range(0, n, k)]


def _nice_max(top: float) -> tuple[float, float]:
    """An axis top and step with round numbers (1, 2 or 5 × 10^k), at least 1."""
    top = max(top, 1.0)
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(top / step), step


def _style_axes(chart: VerticalBarChart | HorizontalLineChart, lang: str, low: float, high: float) -> None:
    top, step = _nice_max(high)
    bottom = 0.0 if low >= 0 else -step * math.ceil(-low / step)
    chart.valueAxis.valueMin = bottom
    chart.valueAxis.valueMax = top
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = _number(lang)
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.strokeColor = GRID
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fillColor = MUTED
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.strokeColor = MUTED
    chart.categoryAxis.tickDown = 2
    # Day labels under the lowest value, not on the zero line, so refund days do not cover them.
    chart.categoryAxis.labelAxisMode = "low"


def _legend(drawing: Drawing, x: float, y: float, items: list[tuple[colors.Color, str]]) -> None:
    """A one-row legend whose top-left corner is at (x, y)."""
    legend = Legend()
    legend.x, legend.y = x, y
    legend.boxAnchor = "nw"
    legend.alignment = "right"  # swatch first, then its name
    legend.columnMaximum = 1  # one item per column: a single row
    legend.fontName = FONT
    legend.fontSize = 8
    legend.fillColor = INK
    legend.strokeWidth = 0
    legend.strokeColor = None
    legend.dx = legend.dy = 7
    legend.dxTextSpace = 4
    legend.deltax = max(pdfmetrics.stringWidth(name, FONT, 8) for _, name in items) + 24
    legend.colorNamePairs = items
    drawing.add(legend)


def _frame(width: float, height: float) -> Drawing:
    register_fonts()
    return Drawing(width, height)


def _no_data(drawing: Drawing, lang: str) -> Drawing:
    text = "нет данных за период" if lang == "ru" else "no data for the period"
    drawing.add(String(drawing.width / 2, drawing.height / 2, text, fontName=FONT, fontSize=9, fillColor=MUTED,
                       textAnchor="middle"))  # fmt: skip
    return drawing


def revenue_chart(days: Sequence[RevenueDay], lang: str, width: float, height: float) -> Drawing:
    """Stacked bars of revenue per step (day or week): with a card (dark) and without (light), in roubles."""
    d = _frame(width, height)
    chunks = _chunks(len(days))
    # Sums of whole kopecks per bar, shown in whole roubles.
    card = [sum(days[i].card for i in c) // 100 for c in chunks]
    anon = [sum(days[i].anonymous for i in c) // 100 for c in chunks]
    starts = [days[c[0]].day for c in chunks]
    if not any(card) and not any(anon):
        return _no_data(d, lang)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 46, 26, width - 56, height - 50
    chart.data = [card, anon]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = _day_labels(starts, lang)
    chart.bars[0].fillColor = CARD
    chart.bars[1].fillColor = ANONYMOUS
    chart.bars.strokeWidth = 0
    chart.bars.strokeColor = None
    chart.barSpacing = 0
    chart.groupSpacing = 2
    highs = [max(c, 0) + max(a, 0) for c, a in zip(card, anon, strict=True)]
    lows = [min(c, 0) + min(a, 0) for c, a in zip(card, anon, strict=True)]
    _style_axes(chart, lang, min(lows), max(highs))
    d.add(chart)
    names = ("с картой", "без карты") if lang == "ru" else ("with a card", "without")
    _legend(d, chart.x, height - 2, [(CARD, names[0]), (ANONYMOUS, names[1])])
    unit = "руб." if lang == "ru" else "RUB"
    d.add(String(chart.x - 6, chart.y + chart.height + 6, unit, fontName=FONT, fontSize=7, fillColor=MUTED,
                 textAnchor="end"))  # fmt: skip
    return d


def active_chart(days: Sequence[ActiveDay], lang: str, width: float, height: float) -> Drawing:
    """A line of cards active in the 30 days ending with each day (the last day of each step)."""
    d = _frame(width, height)
    chunks = _chunks(len(days))
    # The count on the last day of each step: a level, not a sum.
    values = [days[c[-1]].active for c in chunks]
    ends = [days[c[-1]].day for c in chunks]
    if not any(values):
        return _no_data(d, lang)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 46, 26, width - 56, height - 44
    chart.data = [values]
    chart.categoryAxis.categoryNames = _day_labels(ends, lang)
    chart.lines[0].strokeColor = CARD
    chart.lines[0].strokeWidth = 1.8
    chart.joinedLines = 1
    _style_axes(chart, lang, 0, max(values))
    low = min(values)
    if low > 0.4 * max(values):
        # A level that moves a few per cent would look flat on an axis from zero: start near it.
        step = chart.valueAxis.valueStep
        chart.valueAxis.valueMin = step * math.floor(low * 0.9 / step)
        top, step = _nice_max(max(values) - chart.valueAxis.valueMin)
        chart.valueAxis.valueStep = step
        chart.valueAxis.valueMax = chart.valueAxis.valueMin + top
    d.add(chart)
    return d


def points_chart(days: Sequence[PointsDay], lang: str, width: float, height: float) -> Drawing:
    """Points issued, redeemed and expired per step: grouped bars up to 31 steps, lines beyond."""
    d = _frame(width, height)
    chunks = _chunks(len(days))
    data = [
        [sum(days[i].issued for i in c) for c in chunks],
        [sum(days[i].redeemed for i in c) for c in chunks],
        [sum(days[i].expired for i in c) for c in chunks],
    ]
    starts = [days[c[0]].day for c in chunks]
    if not any(any(row) for row in data):
        return _no_data(d, lang)
    chart: VerticalBarChart | HorizontalLineChart
    palette = [ISSUED, REDEEMED, EXPIRED]
    if len(chunks) <= 31:
        bars = VerticalBarChart()
        bars.barSpacing = 0
        bars.groupSpacing = 2
        bars.bars.strokeWidth = 0
        bars.bars.strokeColor = None
        for i, colour in enumerate(palette):
            bars.bars[i].fillColor = colour
        chart = bars
    else:
        lines = HorizontalLineChart()
        lines.joinedLines = 1
        for i, colour in enumerate(palette):
            lines.lines[i].strokeColor = colour
            lines.lines[i].strokeWidth = 1.2
        chart = lines
    chart.x, chart.y, chart.width, chart.height = 46, 26, width - 56, height - 50
    chart.data = data
    chart.categoryAxis.categoryNames = _day_labels(starts, lang)
    _style_axes(chart, lang, 0, max(max(row) for row in data))
    d.add(chart)
    names = ("начислено", "списано", "сгорело") if lang == "ru" else ("issued", "redeemed", "expired")
    _legend(d, chart.x, height - 2, list(zip(palette, names, strict=True)))
    return d


def tiers_chart(tiers: Sequence[TierRow], lang: str, width: float, height: float) -> Drawing:
    """A pie of customers per tier with a legend of counts."""
    d = _frame(width, height)
    total = sum(x.customers for x in tiers)
    if total == 0:
        return _no_data(d, lang)
    shown = [x for x in tiers if x.customers]
    pie = Pie()
    side = min(height - 20, width / 2 - 20)
    pie.x, pie.y, pie.width, pie.height = 10, (height - side) / 2, side, side
    pie.data = [x.customers for x in shown]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 1
    pie.startAngle = 90
    pie.direction = "clockwise"
    for i, tier in enumerate(shown):
        pie.slices[i].fillColor = TIER_COLOURS[tiers.index(tier) % len(TIER_COLOURS)]
    d.add(pie)
    fmt = _number(lang)
    legend = Legend()
    legend.x, legend.y = side + 30, height / 2 + 7 * len(tiers)
    legend.alignment = "right"
    legend.fontName = FONT
    legend.fontSize = 9
    legend.fillColor = INK
    legend.dx = legend.dy = 9
    legend.deltay = 15
    legend.strokeWidth = 0
    legend.columnMaximum = len(tiers)
    legend.colorNamePairs = [
        (
            TIER_COLOURS[i % len(TIER_COLOURS)],
            f"{x.name}: {fmt(x.customers)} ({_percent(x.customers, total, lang)})",
        )
        for i, x in enumerate(tiers)
    ]
    d.add(legend)
    return d


def _percent(part: int, whole: int, lang: str) -> str:
    tenths = (part * 1000 * 2 + whole) // (2 * whole)  # half up, integers only
    text = f"{tenths // 10}{',' if lang == 'ru' else '.'}{tenths % 10}"
    return f"{text}{NNBSP}%" if lang == "ru" else f"{text}%"
