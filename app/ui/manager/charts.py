"""Charts drawn with QPainter (PySide6-Essentials has no QtCharts): bars, stacked bars, lines, horizontal bars.

A chart gets labels and integer series (kopecks or counts) and a function that writes an axis
value; it scales to its widget, picks round grid steps and shows the values under the mouse as a
tooltip. Periods longer than MAX_BARS days are folded into weeks by `fold_days` before drawing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

__all__ = [
    "ANONYMOUS",
    "CARD",
    "EXPIRED",
    "ISSUED",
    "MAX_BARS",
    "REDEEMED",
    "TIER_COLOURS",
    "Chart",
    "ChartSeries",
    "fold_days",
    "nice_scale",
]

MAX_BARS = 62  # beyond two months a bar per day is a smear: weeks instead (as the PDF does)
# The report PDF's palette, so the screen and the printout look alike.
CARD = QColor("#1f6f8b")
ANONYMOUS = QColor("#b7cfdc")
ISSUED = QColor("#2e8b57")
REDEEMED = QColor("#1f6f8b")
EXPIRED = QColor("#d9822b")
TIER_COLOURS = [QColor(c) for c in ("#b7cfdc", "#1f6f8b", "#d9a441", "#6c4f9e", "#2e8b57", "#c0504d", "#7f8c8d")]
INK = QColor("#1d2733")
MUTED = QColor("#6b7785")
GRID = QColor("#e3e8ee")


@dataclass(frozen=True)
class ChartSeries:
    """One named series of integer values, one per label."""

    name: str
    color: QColor
    values: tuple[int, ...]


def nice_scale(low: int, high: int, ticks: int = 4) -> tuple[int, int, int]:
    """An axis from low to high in round steps (1, 2 or 5 × 10^k): (bottom, top, step), integers."""
    low, high = min(low, 0), max(high, 0)
    span = max(high - low, 1)
    raw = span / ticks
    power = 10 ** max(0, math.floor(math.log10(raw))) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    bottom = (low // step) * step
    top = -(-high // step) * step
    if top == bottom:
        top = bottom + step
    return bottom, top, step


def fold_days(
    days: Sequence[date], series: Sequence[Sequence[int]], last: bool = False
) -> tuple[list[date], list[list[int]]]:
    """Group days into weeks past MAX_BARS days: sums per week, or the week's last value (a level, with last)."""
    n = len(days)
    step = 1 if n <= MAX_BARS else 7 if n <= MAX_BARS * 7 else math.ceil(n / MAX_BARS)
    if step == 1:
        return list(days), [list(s) for s in series]
    starts = list(range(0, n, step))
    folded = [[s[min(i + step, n) - 1] if last else sum(s[i : i + step]) for i in starts] for s in series]
    return [days[i] for i in starts], folded


class Chart(QWidget):
    """A titled chart of integer series: kind is "bars", "stacked", "lines" or "hbars"."""

    def __init__(self, title: str, kind: str, value_text: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if kind not in ("bars", "stacked", "lines", "hbars"):
            raise ValueError(f"unknown chart kind {kind!r}")
        self.title = title
        self.kind = kind
        self.value_text = value_text
        self.labels: list[str] = []
        self.series: list[ChartSeries] = []
        self.empty_text = ""
        self._plot = QRectF()
        self.setMouseTracking(True)
        self.setMinimumSize(260, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        """Room for a readable chart."""
        return QSize(400, 180)

    def set_data(self, labels: Sequence[str], series: Sequence[ChartSeries], empty_text: str = "") -> None:
        """Show these values (labels along the axis; empty_text when there is nothing to draw)."""
        self.labels = list(labels)
        self.series = list(series)
        self.empty_text = empty_text
        self.update()

    def has_data(self) -> bool:
        """True when some value is not zero."""
        return any(v for s in self.series for v in s.values)

    # ------------------------------------------------------------------ drawing

    def paintEvent(self, event: QPaintEvent) -> None:
        """Frame, title, legend, axes and the series."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        p.setPen(QPen(QColor("#d6d6ce")))
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        font = QFont(self.font())
        font.setPixelSize(15)
        font.setBold(True)
        p.setFont(font)
        p.setPen(INK)
        p.drawText(
            QRectF(12, 6, self.width() - 24, 22), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title
        )
        small = QFont(self.font())
        small.setPixelSize(12)
        p.setFont(small)
        top = 32.0
        if len(self.series) > 1 or self.kind != "hbars":
            top = self._legend(p, top)
        area = QRectF(10, top, self.width() - 20, self.height() - top - 8)
        if not self.has_data():
            p.setPen(MUTED)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.empty_text)
            self._plot = QRectF()
            p.end()
            return
        if self.kind == "hbars":
            self._draw_hbars(p, area)
        else:
            self._draw_columns(p, area)
        p.end()

    def _legend(self, p: QPainter, top: float) -> float:
        x = 12.0
        fm = QFontMetrics(p.font())
        for s in self.series:
            width = 14 + 4 + fm.horizontalAdvance(s.name) + 14
            if x + width > self.width() - 8:
                break
            p.fillRect(QRectF(x, top + 3, 12, 12), s.color)
            p.setPen(INK)
            p.drawText(QPointF(x + 16, top + 13), s.name)
            x += width
        return top + 20

    def _range(self) -> tuple[int, int]:
        if self.kind == "stacked":
            highs = [sum(max(v, 0) for v in col) for col in zip(*(s.values for s in self.series), strict=True)]
            lows = [sum(min(v, 0) for v in col) for col in zip(*(s.values for s in self.series), strict=True)]
            return min(lows, default=0), max(highs, default=0)
        values = [v for s in self.series for v in s.values]
        return min(values, default=0), max(values, default=0)

    def _draw_columns(self, p: QPainter, area: QRectF) -> None:
        low, high = self._range()
        bottom, top, step = nice_scale(low, high)
        fm = QFontMetrics(p.font())
        axis_w = max(fm.horizontalAdvance(self.value_text(v)) for v in (bottom, top)) + 8
        plot = QRectF(area.left() + axis_w, area.top() + 4, area.width() - axis_w - 4, area.height() - 22)
        self._plot = plot

        def y_of(v: int) -> float:
            return plot.bottom() - (v - bottom) / (top - bottom) * plot.height()

        # Grid and axis labels.
        v = bottom
        while v <= top:
            y = y_of(v)
            p.setPen(QPen(GRID if v else MUTED, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(MUTED)
            p.drawText(
                QRectF(area.left(), y - 8, axis_w - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                self.value_text(v),
            )
            v += step
        n = len(self.labels)
        if n == 0:
            return
        slot = plot.width() / n
        # Date labels: as many as fit without overlapping.
        label_w = max(fm.horizontalAdvance(label) for label in self.labels) + 10
        every = max(1, math.ceil(label_w / slot))
        p.setPen(MUTED)
        for i in range(0, n, every):
            x = plot.left() + slot * (i + 0.5)
            p.drawText(
                QRectF(x - label_w / 2, plot.bottom() + 3, label_w, 16), Qt.AlignmentFlag.AlignCenter, self.labels[i]
            )
        if self.kind == "lines":
            for s in self.series:
                pen = QPen(s.color, 2.5)
                p.setPen(pen)
                points = [QPointF(plot.left() + slot * (i + 0.5), y_of(val)) for i, val in enumerate(s.values)]
                if len(points) == 1:
                    p.setBrush(s.color)
                    p.drawEllipse(points[0], 3, 3)
                else:
                    p.drawPolyline(QPolygonF(points))
            return
        p.setPen(Qt.PenStyle.NoPen)
        gap = min(slot * 0.2, 6)
        for i in range(n):
            x0 = plot.left() + slot * i + gap / 2
            width = slot - gap
            if self.kind == "stacked":
                up, down = 0, 0
                for s in self.series:
                    val = s.values[i]
                    if val >= 0:
                        rect = QRectF(x0, y_of(up + val), width, y_of(up) - y_of(up + val))
                        up += val
                    else:
                        rect = QRectF(x0, y_of(down), width, y_of(down + val) - y_of(down))
                        down += val
                    p.fillRect(rect, s.color)
            else:
                each = width / max(len(self.series), 1)
                for k, s in enumerate(self.series):
                    val = s.values[i]
                    y0, y1 = sorted((y_of(0), y_of(val)))
                    p.fillRect(QRectF(x0 + k * each, y0, max(each - 1, 1), y1 - y0), s.color)

    def _draw_hbars(self, p: QPainter, area: QRectF) -> None:
        values = self.series[0].values if self.series else ()
        n = len(self.labels)
        if n == 0:
            return
        fm = QFontMetrics(p.font())
        label_w = min(max(fm.horizontalAdvance(label) for label in self.labels) + 10, area.width() * 0.35)
        texts = [self.value_text(v) for v in values]
        value_w = max(fm.horizontalAdvance(t) for t in texts) + 10
        plot = QRectF(area.left() + label_w, area.top(), area.width() - label_w - value_w, area.height())
        self._plot = plot
        high = max(max(values, default=0), 1)
        row_h = min(plot.height() / n, 40)
        for i, (label, val) in enumerate(zip(self.labels, values, strict=True)):
            y = plot.top() + i * row_h
            p.setPen(INK)
            p.drawText(
                QRectF(area.left(), y, label_w - 8, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(label, Qt.TextElideMode.ElideRight, int(label_w - 8)),
            )
            width = plot.width() * max(val, 0) / high
            p.fillRect(QRectF(plot.left(), y + row_h * 0.15, width, row_h * 0.7), TIER_COLOURS[i % len(TIER_COLOURS)])
            p.setPen(INK)
            p.drawText(
                QRectF(plot.left() + width + 6, y, value_w, row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                texts[i],
            )

    # ------------------------------------------------------------------ values under the mouse

    def index_at(self, x: float, y: float) -> int | None:
        """The label index under a point of the plot, if any."""
        n = len(self.labels)
        if not n or self._plot.isNull() or not self._plot.contains(QPointF(x, y)):
            return None
        if self.kind == "hbars":
            row_h = min(self._plot.height() / n, 40)
            i = int((y - self._plot.top()) // row_h)
        else:
            i = int((x - self._plot.left()) // (self._plot.width() / n))
        return i if 0 <= i < n else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """The values of the day (or tier) under the mouse as a tooltip."""
        pos = event.position()
        i = self.index_at(pos.x(), pos.y())
        if i is None:
            QToolTip.hideText()
            return
        lines = [self.labels[i], *(f"{s.name}: {self.value_text(s.values[i])}" for s in self.series)]
        QToolTip.showText(event.globalPosition().toPoint(), "\n".join(lines), self)
