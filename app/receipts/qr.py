"""The join QR as dark runs: one encoding shared by the PDF receipt and the customer display."""

from __future__ import annotations

import functools

import segno

__all__ = ["qr_runs"]


@functools.lru_cache(maxsize=32)
def qr_runs(data: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """QR size in modules and its dark horizontal runs (row, column, length).

    Cached because a shop's join link is usually the same on every receipt and
    segno's mask selection is the slowest step of a receipt render.
    """
    matrix = segno.make_qr(data, error="m").matrix
    n = len(matrix)
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        start = None
        for col in range(n + 1):
            dark = col < n and bool(row[col])
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((r, start, col - start))
                start = None
    return n, tuple(runs)
