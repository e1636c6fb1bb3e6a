"""Local days: the UTC instants of the merchant's midnights, and the card sales folded by customer and local day.

Local days are never computed in SQL: Python works out the instants of each local midnight, and SQL sums
over each day's range of instants, or groups rows into buckets of whole hours (or quarter hours, for zones
offset by :30 or :45) that never straddle a midnight. So a report is exact in any time zone, daylight
saving included."""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from app.core.services.reports.results import ActiveDay, Period, _midnight
from app.core.timeutil import from_ms

if TYPE_CHECKING:  # the scope module builds on these days
    from app.core.services.reports.scope import _Ask

HOUR_MS = 3_600_000

ACTIVE_DAYS = 30


@dataclass(frozen=True)
class _Days:
    """Local days from `first` on, their UTC midnights, and the SQL bucket size that never straddles one."""

    first: date
    starts: tuple[int, ...]  # UTC ms of each local midnight, first day included
    bucket: int

    @classmethod
    def covering(cls, zone: ZoneInfo, start: int, end: int) -> _Days:
        first = from_ms(start).astimezone(zone).date()
        last = from_ms(end - 1).astimezone(zone).date()
        starts = tuple(_midnight(first + timedelta(days=i), zone) for i in range((last - first).days + 1))
        # The largest divisor of an hour that divides every midnight inside the range: an hour for
        # whole-hour offsets, 15 or 30 minutes for the others. Buckets then sit inside one day.
        bucket = math.gcd(HOUR_MS, *starts[1:]) if len(starts) > 1 else HOUR_MS
        return cls(first, starts, bucket)

    def __len__(self) -> int:
        return len(self.starts)

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def index_of_bucket(self, bucket: int) -> int:
        """The day index of a bucket number (0 for a bucket before the first midnight)."""
        return max(bisect.bisect_right(self.starts, bucket * self.bucket) - 1, 0)

    def ranges(self, period: Period) -> list[tuple[int, int]]:
        """Each day's share [lo, hi) of the period, in UTC ms: the first and last may be partial days."""
        bounds = [max(self.starts[0], period.start), *self.starts[1:], period.end]
        return list(itertools.pairwise(bounds))


@dataclass(frozen=True)
class _CardSales:
    """Card sales from 29 local days before the period to its end, included (customers._card_sales)."""

    ext: _Days  # the local days covered, from the first one read
    cid: NDArray[np.int64]
    at: NDArray[np.int64]
    tiers: NDArray[np.int64] | None  # what each adds to the tier spend (0 when reflected), when read for the tiers


@dataclass(frozen=True)
class _Visits:
    """Card purchases folded by customer and local day: buyers, visit gaps, active cards per day."""

    buyers: NDArray[np.int64]  # customer ids with a purchase in the period, sorted
    repeat_buyers: int
    card_sales: int  # card purchases in the period
    gaps: int  # pairs of consecutive visit days in the period
    median_gap: Fraction | None  # days, the median of those gaps
    active_days: tuple[ActiveDay, ...]

    @classmethod
    def build(cls, cards: _CardSales, s: _Ask) -> _Visits:
        """Fold the card sales read; they start 29 local days before the period's first day."""
        ext = cards.ext
        # Rows at the very end of the period are there for the tiers only.
        before_end = cards.at < s.period.end
        cid, at = cards.cid[before_end], cards.at[before_end]
        n_days = len(ext)
        # The local day of each instant, from the UTC instants of local midnights worked out in Python.
        day = np.searchsorted(np.array(ext.starts, dtype=np.int64), at, side="right") - 1
        inside = at >= s.period.start
        buyers, counts = np.unique(cid[inside], return_counts=True)
        # Visits are (customer, local day) pairs; unique() sorts them by customer, then day.
        visits = _unique(cid * n_days + day)
        v_cid, v_day = visits // n_days, visits % n_days
        same = v_cid[1:] == v_cid[:-1]
        # Gaps between consecutive visit days inside the period (a day with a purchase from the start on).
        first = ACTIVE_DAYS - 1  # the period's first day
        if s.period.start == ext.starts[first]:
            seen = visits[v_day >= first]  # a period of whole days: its visits are those of its days
        else:
            seen = _unique(cid[inside] * n_days + day[inside])
        g_same = seen[1:] // n_days == seen[:-1] // n_days
        gaps = np.sort(np.diff(seen % n_days)[g_same])
        # A purchase on day v keeps a card active on days v .. v+29; a later visit within that
        # window takes over, so each visit covers [v, min(v + 30, next visit)) and none overlap.
        stop = v_day + ACTIVE_DAYS
        nxt = np.where(same, v_day[1:], stop[:-1]) if visits.size else v_day
        if visits.size:
            stop[:-1] = np.minimum(stop[:-1], nxt)
        size = n_days + ACTIVE_DAYS + 1
        level = np.cumsum(np.bincount(v_day, minlength=size) - np.bincount(stop, minlength=size))
        offset = ACTIVE_DAYS - 1
        series = tuple(ActiveDay(ext.day(i), int(level[i])) for i in range(offset, n_days))
        return cls(
            buyers=buyers,
            repeat_buyers=int((counts >= 2).sum()),
            card_sales=int(inside.sum()),
            gaps=int(gaps.size),
            median_gap=_median_of_sorted(gaps),
            active_days=series,
        )


def _unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values, sorted: np.unique's answer, by a sort (numpy 2's np.unique hashes, and took
    0.66 s on a year's 600,000 visit keys, which spread over a wide range, where sorting takes 0.03 s)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _median_of_sorted(values: NDArray[np.int64]) -> Fraction | None:
    """median() of values sorted already (a year holds 465,000 visit gaps: sorting them as Python ints cost 0.1 s)."""
    n = int(values.size)
    if not n:
        return None
    mid = n // 2
    return Fraction(int(values[mid])) if n % 2 else Fraction(int(values[mid - 1]) + int(values[mid]), 2)
