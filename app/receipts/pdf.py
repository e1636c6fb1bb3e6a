"""Render a receipt to PDF with reportlab: 80 mm and 58 mm rolls (one long page) or A4."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .assets import resource_path
from .content import (
    Barcode,
    Block,
    Boxed,
    Pair,
    Qr,
    Rule,
    Space,
    Style,
    Text,
    build_blocks,
    tr,
)
from .model import Receipt
from .qr import qr_runs

__all__ = ["FONT", "FONT_BOLD", "PAPERS", "Paper", "render_pdf", "wrap_text"]

Paper = Literal["80mm", "58mm", "A4"]
PAPERS: tuple[Paper, ...] = ("80mm", "58mm", "A4")

FONT = "LoyaltySans"
FONT_BOLD = "LoyaltySans-Bold"

# Thermal heads print at 203 dpi; snapping barcode modules to whole dots keeps
# every bar the same width on paper, which is what makes a photo of it decode.
_DOT = 25.4 / 203 * mm
# PDF viewers (Acrobat's documented limit) refuse pages longer than 200 inches.
_MAX_PAGE = 14400.0


@dataclass(frozen=True, slots=True)
class _Geometry:
    page_width: float
    page_height: float | None  # None: roll paper, height fits the content
    content_width: float
    body: float  # body font size, pt
    margin_top: float
    margin_bottom: float
    bar_height: float
    max_module: float  # widest Code128 module
    qr_side: float  # target QR size without quiet zone
    snap_to_dots: bool


_GEOMETRY: dict[str, _Geometry] = {
    # 80 mm roll: 72 mm printable, ~48 characters per line like font A of the printer.
    "80mm": _Geometry(
        page_width=80 * mm,
        page_height=None,
        content_width=72 * mm,
        body=8.0,
        margin_top=4 * mm,
        margin_bottom=10 * mm,  # room for the cutter, which sits a few mm above the head
        bar_height=14 * mm,
        max_module=4 * _DOT,  # 0.5 mm
        qr_side=30 * mm,
        snap_to_dots=True,
    ),
    # 58 mm roll: 48 mm printable, ~32 characters per line.
    "58mm": _Geometry(
        page_width=58 * mm,
        page_height=None,
        content_width=48 * mm,
        body=7.0,
        margin_top=3 * mm,
        margin_bottom=10 * mm,
        bar_height=13 * mm,
        max_module=3 * _DOT,  # 0.375 mm: a 7-character code still fits 48 mm
        qr_side=28 * mm,
        snap_to_dots=True,
    ),
    # A4: a receipt-shaped column in the middle of the sheet reads better than a
    # 170 mm wide table with amounts far away from their labels.
    "A4": _Geometry(
        page_width=210 * mm,
        page_height=297 * mm,
        content_width=110 * mm,
        body=10.0,
        margin_top=20 * mm,
        margin_bottom=20 * mm,
        bar_height=16 * mm,
        max_module=0.5 * mm,
        qr_side=32 * mm,
        snap_to_dots=False,
    ),
}

# style -> (bold, size relative to body)
_STYLES: dict[Style, tuple[bool, float]] = {
    "title": (True, 1.45),
    "heading": (True, 1.2),
    "body": (False, 1.0),
    "bold": (True, 1.0),
    "small": (False, 0.85),
    "total": (True, 1.6),
}
_LEADING = 1.28

_fonts_lock = threading.Lock()
_fonts_ready = False
# reportlab is not documented as thread-safe (shared TTFont subset state, global
# config); a receipt renders in milliseconds, so serialising costs nothing.
_render_lock = threading.Lock()


def _register_fonts() -> None:
    # reportlab's font registry is process-global; parse the TTFs once, not per receipt.
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
        _fonts_ready = True


def _font(style: Style, body: float) -> tuple[str, float]:
    bold, scale = _STYLES[style]
    return (FONT_BOLD if bold else FONT), body * scale


def _width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; only ordinary spaces break (no-break spaces keep "1 234 ₽" whole).

    A word longer than the line is cut by characters so nothing ever runs off the roll.
    """
    out: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            if not word:
                continue
            candidate = f"{current} {word}" if current else word
            if _width(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                out.append(current)
            while _width(word, font, size) > width:
                cut = 1
                while cut < len(word) and _width(word[: cut + 1], font, size) <= width:
                    cut += 1
                out.append(word[:cut])
                word = word[cut:]
            current = word
        out.append(current)
    return out


def _balanced(text: str, font: str, size: float, width: float, n_lines: int) -> list[str]:
    """Wrap into the same number of lines but as narrow as possible, so no word is left alone."""
    lo, hi = width / n_lines, width
    best = wrap_text(text, font, size, width)
    words = " ".join(best).split()
    for _ in range(10):
        mid = (lo + hi) / 2
        lines = wrap_text(text, font, size, mid)
        # Narrower is only better while no word has to be cut in two.
        if len(lines) <= n_lines and " ".join(lines).split() == words:
            best, hi = lines, mid
        else:
            lo = mid
    return best


Draw = Callable[[Any, float, float], None]  # (canvas, left x, top y)


@dataclass(frozen=True, slots=True)
class _Row:
    height: float
    draw: Draw
    keep_with_next: bool = False


class _Flow:
    """Turns content blocks into fixed-height rows for one paper geometry."""

    def __init__(self, geo: _Geometry) -> None:
        self.geo = geo
        self.width = geo.content_width
        self.rows: list[_Row] = []
        self.indent_step = geo.body * 1.2

    def add(self, block: Block) -> None:
        """Lay out one content block."""
        if isinstance(block, Text):
            self._text(block)
        elif isinstance(block, Pair):
            self._pair(block)
        elif isinstance(block, Rule):
            self._rule(block)
        elif isinstance(block, Space):
            self.rows.append(_Row(block.lines * self.geo.body * _LEADING, _nothing))
        elif isinstance(block, Boxed):
            self._boxed(block)
        elif isinstance(block, Barcode):
            self._barcode(block)
        elif isinstance(block, Qr):
            self._qr(block)
        else:  # pragma: no cover - exhaustive over Block
            raise TypeError(f"unknown receipt block {block!r}")

    def _line_row(self, text: str, font: str, size: float, x: float, align: str) -> _Row:
        leading = size * _LEADING
        ascent = size * 0.93  # DejaVu's cap height plus a hair, so accents never touch the row above

        def draw(c: Any, left: float, top: float) -> None:
            c.setFont(font, size)
            baseline = top - ascent
            if align == "center":
                c.drawCentredString(left + self.width / 2, baseline, text)
            elif align == "right":
                c.drawRightString(left + self.width, baseline, text)
            else:
                c.drawString(left + x, baseline, text)

        return _Row(leading, draw)

    def _text(self, b: Text) -> None:
        font, size = _font(b.style, self.geo.body)
        x = b.indent * self.indent_step
        lines = wrap_text(b.text, font, size, self.width - x)
        if b.style == "title" and len(lines) > 1:
            # A shop name reads better on one slightly smaller line than broken in two.
            smallest = self.geo.body * 1.15
            while len(lines) > 1 and size > smallest:
                size = max(smallest, size - self.geo.body * 0.05)
                lines = wrap_text(b.text, font, size, self.width - x)
        if b.align == "center" and len(lines) > 1:
            lines = _balanced(b.text, font, size, self.width - x, len(lines))
        for i, line in enumerate(lines):
            row = self._line_row(line, font, size, x, b.align)
            keep = b.keep_with_next or i < len(lines) - 1
            self.rows.append(_Row(row.height, row.draw, keep))

    def _pair(self, b: Pair) -> None:
        font, size = _font(b.style, self.geo.body)
        x = b.indent * self.indent_step
        gap = size * 0.8
        right_w = _width(b.right, font, size)
        room = self.width - x - right_w - gap
        if room < self.width * 0.3:
            # The value is too wide to share a line: label first, value alone below it.
            for line in wrap_text(b.left, font, size, self.width - x):
                self.rows.append(self._line_row(line, font, size, x, "left"))
            for line in wrap_text(b.right, font, size, self.width):
                self.rows.append(self._line_row(line, font, size, 0, "right"))
            return
        left_lines = wrap_text(b.left, font, size, room)
        for line in left_lines[:-1]:
            row = self._line_row(line, font, size, x, "left")
            self.rows.append(_Row(row.height, row.draw, True))
        last = left_lines[-1]
        left_row = self._line_row(last, font, size, x, "left")
        right_row = self._line_row(b.right, font, size, 0, "right")

        def draw(c: Any, left: float, top: float) -> None:
            left_row.draw(c, left, top)
            right_row.draw(c, left, top)

        # The amount sits on the label's last line, where the eye ends reading it.
        self.rows.append(_Row(left_row.height, draw))

    def _rule(self, b: Rule) -> None:
        height = self.geo.body * 0.9
        width = self.width

        def draw(c: Any, left: float, top: float) -> None:
            y = top - height / 2
            c.saveState()
            if b.heavy:
                c.setLineWidth(1.0)
            else:
                c.setLineWidth(0.5)
                c.setDash(2, 1.5)
            c.line(left, y, left + width, y)
            c.restoreState()

        self.rows.append(_Row(height, draw))

    def _boxed(self, b: Boxed) -> None:
        cap_font, cap_size = _font("small", self.geo.body)
        font, size = _font("title", self.geo.body)
        pad = self.geo.body * 0.5
        inner = self.width - 2 * pad
        caption = wrap_text(b.caption, cap_font, cap_size, inner)
        code = wrap_text(b.text, font, size, inner)
        cap_lead, code_lead = cap_size * _LEADING, size * _LEADING
        height = 2 * pad + len(caption) * cap_lead + len(code) * code_lead
        width = self.width

        def draw(c: Any, left: float, top: float) -> None:
            c.saveState()
            c.setLineWidth(1.0)
            c.setDash(4, 2)
            c.rect(left, top - height, width, height, stroke=1, fill=0)
            c.restoreState()
            y = top - pad
            c.setFont(cap_font, cap_size)
            for line in caption:
                c.drawCentredString(left + width / 2, y - cap_size * 0.93, line)
                y -= cap_lead
            c.setFont(font, size)
            for line in code:
                c.drawCentredString(left + width / 2, y - size * 0.93, line)
                y -= code_lead

        self.rows.append(_Row(height, draw))

    def _module(self, modules: int, limit: float, max_module: float) -> float:
        fit = limit / modules
        if self.geo.snap_to_dots:
            dots = min(math.floor(max_module / _DOT + 1e-9), math.floor(fit / _DOT))
            if dots >= 2:
                return float(dots * _DOT)
        return min(max_module, fit)

    def _barcode(self, b: Barcode) -> None:
        probe = Code128(b.value, barWidth=1, quiet=0)
        modules = round(float(probe.width))
        # Code128 needs a 10-module quiet zone each side; the page margins provide
        # it as long as bars plus quiet zones fit on the page.
        module = min(
            self._module(modules, self.width, self.geo.max_module),
            self.geo.page_width / (modules + 20),
        )
        bar_h = self.geo.bar_height
        bc = Code128(b.value, barWidth=module, barHeight=bar_h, quiet=0, humanReadable=0)
        bars_w = float(bc.width)
        font, size = _font("bold", self.geo.body)
        text_gap = size * 0.3
        pad = self.geo.body * 0.6
        height = pad + bar_h + text_gap + size * _LEADING
        width = self.width

        def draw(c: Any, left: float, top: float) -> None:
            x = left + (width - bars_w) / 2
            y_bars = top - pad - bar_h
            bc.drawOn(c, x, y_bars)
            c.setFont(font, size)
            c.drawCentredString(left + width / 2, y_bars - text_gap - size * 0.93, b.value)

        self.rows.append(_Row(height, draw))

    def _qr(self, b: Qr) -> None:
        n, runs = qr_runs(b.data)
        module = self._module(n, min(self.geo.qr_side, self.width), self.geo.qr_side / n * 1.5)
        side = n * module
        quiet = 3 * module  # text around is white too; 3 modules keep phone scanners happy
        height = side + 2 * quiet
        width = self.width

        def draw(c: Any, left: float, top: float) -> None:
            c.saveState()
            # Work in module units: integer coordinates, one filled path for the whole symbol.
            c.translate(left + (width - side) / 2, top - quiet - side)
            c.scale(module, module)
            c.setFillGray(0)
            path = c.beginPath()
            for r, col, length in runs:
                path.rect(col, n - 1 - r, length, 1)
            c.drawPath(path, stroke=0, fill=1)
            c.restoreState()

        self.rows.append(_Row(height, draw))


def _nothing(c: Any, left: float, top: float) -> None:
    return None


def _paginate(rows: list[_Row], available: float) -> list[list[_Row]]:
    pages: list[list[_Row]] = [[]]
    used = 0.0
    i = 0
    while i < len(rows):
        # Rows chained by keep_with_next move to the next page together...
        j = i
        while j < len(rows) - 1 and rows[j].keep_with_next:
            j += 1
        chain = rows[i : j + 1]
        chain_h = sum(row.height for row in chain)
        if pages[-1] and used + chain_h > available >= chain_h:
            pages.append([])
            used = 0.0
        # ...unless the chain is taller than a page, then it breaks where it must.
        for row in chain:
            if pages[-1] and used + row.height > available:
                pages.append([])
                used = 0.0
            if not pages[-1] and row.draw is _nothing:
                continue  # a gap at the top of a new page is just wasted paper
            pages[-1].append(row)
            used += row.height
        i = j + 1
    return pages


def render_pdf(receipt: Receipt, paper: Paper = "80mm") -> bytes:
    """The receipt as PDF bytes: a roll-width single long page, or A4 pages."""
    if paper not in _GEOMETRY:
        raise ValueError(f"unknown paper {paper!r}; expected one of {', '.join(PAPERS)}")
    _register_fonts()
    with _render_lock:
        return _render(receipt, _GEOMETRY[paper])


def _render(receipt: Receipt, geo: _Geometry) -> bytes:
    flow = _Flow(geo)
    for block in build_blocks(receipt):
        flow.add(block)
    content_h = sum(row.height for row in flow.rows)
    left = (geo.page_width - geo.content_width) / 2

    if geo.page_height is not None:
        page_h = geo.page_height
        pages = _paginate(flow.rows, page_h - geo.margin_top - geo.margin_bottom)
    elif geo.margin_top + content_h + geo.margin_bottom <= _MAX_PAGE:
        page_h = geo.margin_top + content_h + geo.margin_bottom
        pages = [flow.rows]
    else:
        # Past the PDF page-size limit a roll continues on further pages; the
        # printer feeds them one after another, so on paper it is still one strip.
        page_h = _MAX_PAGE
        pages = _paginate(flow.rows, page_h - geo.margin_top - geo.margin_bottom)

    buf = io.BytesIO()
    # invariant=1: no creation timestamp or random ID, so the same receipt gives the same bytes.
    c = Canvas(buf, pagesize=(geo.page_width, page_h), invariant=1, pageCompression=1)
    what = tr(receipt.lang, receipt.kind, n=receipt.number)
    c.setTitle(f"{receipt.store_name} — {what}")
    c.setAuthor(receipt.store_name)
    c.setCreator("Loyalty Terminal")
    for index, page in enumerate(pages, start=1):
        y = page_h - geo.margin_top
        for row in page:
            row.draw(c, left, y)
            y -= row.height
        if len(pages) > 1:
            font, size = _font("small", geo.body)
            c.setFont(font, size)
            # The receipt number on every sheet, in case the pages get separated.
            label = f"{what} · " + tr(receipt.lang, "page", page=index, pages=len(pages))
            c.drawCentredString(geo.page_width / 2, geo.margin_bottom / 2, label)
        c.showPage()
    c.save()
    return buf.getvalue()
