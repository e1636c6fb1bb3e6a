"""Render a receipt to raw ESC/POS bytes for 80 mm (48 columns) and 58 mm (32 columns) printers."""

from __future__ import annotations

import textwrap
from typing import Any, Literal

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from .content import Barcode, Block, Boxed, Pair, Qr, Rule, Space, Text, build_blocks
from .model import Receipt

__all__ = ["CODEPAGE", "Width", "escpos_text", "render_escpos"]

Width = Literal[48, 32]

# CP866 is the DOS Cyrillic code page every cheap ESC/POS printer sold in Russia
# has; python-escpos maps it to table 17 for the default profile.
CODEPAGE = "CP866"

# Characters our formatting uses that CP866 lacks, spelled the way Russian
# thermal receipts traditionally spell them.
_CP866_FALLBACK = str.maketrans(
    {
        "\u202f": " ",  # narrow no-break space (thousands)
        "\u00a0": " ",  # no-break space: 0xFF in CP866, but many printers show a box
        "\u2009": " ",
        "₽": "руб.",
        "\u2212": "-",  # minus
        "–": "-",
        "—": "-",
        "×": "x",
        "«": '"',
        "»": '"',
        "„": '"',
        "“": '"',
        "”": '"',
        "’": "'",
        "•": "*",
        "…": "...",
    }
)

# Printable dots per line: 72 mm and 48 mm at 203 dpi.
_DOTS = {48: 576, 32: 384}


def escpos_text(text: str) -> str:
    """Text with characters CP866 cannot encode replaced by close ASCII or Cyrillic spellings."""
    out = text.translate(_CP866_FALLBACK)
    # Anything still outside CP866 (emoji, Latin diacritics) becomes "?" rather than garbage bytes.
    return out.encode("cp866", errors="replace").decode("cp866")


def _wrap(text: str, width: int) -> list[str]:
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    return lines or [""]


class _Writer:
    """Writes content blocks to a python-escpos printer as fixed-width text."""

    def __init__(self, printer: Any, width: Width) -> None:
        self.p = printer
        self.width = int(width)
        self._current: tuple[str, bool, str] | None = None

    def style(self, align: str = "left", bold: bool = False, big: str = "") -> None:
        """Set alignment, emphasis and size ("", "h" double height, "hw" double both)."""
        if self._current == (align, bold, big):
            return  # the printer keeps its state; resending it only bloats the job
        self._current = (align, bold, big)
        self.p.set(
            align=align,
            bold=bold,
            normal_textsize=not big,
            double_height="h" in big,
            double_width="w" in big,
        )

    def line(self, text: str) -> None:
        """Print one already-fitted line."""
        self.p.text(escpos_text(text) + "\n")

    def block(self, b: Block) -> None:
        """Print one content block."""
        if isinstance(b, Text):
            self._text(b)
        elif isinstance(b, Pair):
            self._pair(b)
        elif isinstance(b, Rule):
            self.style()
            self.line(("=" if b.heavy else "-") * self.width)
        elif isinstance(b, Space):
            for _ in range(round(b.lines)):
                self.line("")
        elif isinstance(b, Boxed):
            self.style()
            self.line("*" * self.width)
            self.style(align="center")
            for chunk in _wrap(escpos_text(b.caption), self.width):
                self.line(chunk)
            self.style(align="center", bold=True, big="h")
            for chunk in _wrap(escpos_text(b.text), self.width):
                self.line(chunk)
            self.style()
            self.line("*" * self.width)
        elif isinstance(b, Barcode):
            self._barcode(b.value)
        elif isinstance(b, Qr):
            self.style(align="center")
            # Native QR: the printer draws it from the URL, far fewer bytes than an image.
            self.p.qr(b.data, ec=QR_ECLEVEL_M, size=6 if self.width == 48 else 5, native=True)
            self.line("")
        else:  # pragma: no cover - exhaustive over Block
            raise TypeError(f"unknown receipt block {b!r}")

    def _text(self, b: Text) -> None:
        big = "h" if b.style == "title" else ""
        bold = b.style in ("title", "heading", "bold", "total")
        self.style(align="center" if b.align == "center" else "left", bold=bold, big=big)
        indent = " " * (2 * b.indent)
        for chunk in _wrap(escpos_text(b.text), self.width - len(indent)):
            self.line(indent + chunk)

    def _pair(self, b: Pair) -> None:
        left, right = escpos_text(b.left), escpos_text(b.right)
        big, cols = "", self.width
        if b.style == "total":
            # Double width halves the columns: worth it for the total when it fits on one line.
            wide = len(left) + 1 + len(right) <= self.width // 2
            big, cols = ("hw", self.width // 2) if wide else ("h", self.width)
        self.style(bold=b.style in ("bold", "total"), big=big)
        indent = " " * (2 * b.indent)
        room = cols - len(indent) - len(right) - 1
        if room < cols // 3:
            for chunk in _wrap(left, cols - len(indent)):
                self.line(indent + chunk)
            for chunk in _wrap(right, cols):
                self.line(chunk.rjust(cols))
            return
        chunks = _wrap(left, room)
        for chunk in chunks[:-1]:
            self.line(indent + chunk)
        last = indent + chunks[-1]
        self.line(last + right.rjust(cols - len(last)))

    def _barcode(self, value: str) -> None:
        # Code set B prints any ASCII; "{" starts an ESC/POS Code128 escape, so double it.
        data = "{B" + value.replace("{", "{{")
        modules = 11 * (len(value) + 3) + 2  # start, data, check digit, 13-module stop
        module = max(2, min(4, _DOTS[self.width] // (modules + 20)))
        self.style(align="center")
        self._current = None  # _hw_barcode changes alignment and fonts behind our back
        self.p._hw_barcode(  # public barcode() prints to stdout on every call
            data, "CODE128", height=80, width=module, pos="BELOW", font="A", function_type="B"
        )
        self.line("")


def render_escpos(receipt: Receipt, width_chars: Width = 48) -> bytes:
    """The receipt as ESC/POS bytes: init, CP866 text, Code128 barcode, QR when inviting to join."""
    if width_chars not in (48, 32):
        raise ValueError(f"width_chars must be 48 (80 mm) or 32 (58 mm), got {width_chars!r}")
    p = Dummy()
    p.hw("INIT")  # ESC @ clears whatever the previous job left (size, bold, code page)
    p.charcode(CODEPAGE)
    w = _Writer(p, width_chars)
    for block in build_blocks(receipt):
        w.block(block)
    w.style()
    p.cut(feed=True)
    return bytes(p.output)
