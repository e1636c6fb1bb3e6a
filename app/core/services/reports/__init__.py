"""The manager's reports (issue 5): sales, customers, points, tiers, segments and charts over a period.

Every figure comes from SQL aggregates written with SQLAlchemy Core that run unchanged on SQLite
(the terminal) and PostgreSQL (the central server): only count, sum, max, min, coalesce and CASE,
plus integer division of UTC milliseconds. Local days are never computed in SQL. Python works out
the UTC instants of the merchant's local midnights; SQL sums the sales and the journal over each
local day's range of instants, one short statement per day, or groups the few refunds and expired
lots into buckets of whole hours (or quarter hours, for zones offset by :30 or :45) that never
straddle a midnight, which Python adds up by local day; for the per-customer visit days Python
places each instant between the midnights itself. So a report is exact in any time zone, daylight
saving included.

A year of a 1,000,000-sale store is 687,000 sales, 1.4 million sale lines and a million journal
rows, so the report reads each of them once where it can: SQLite groups by sorting every row, and
Python pays for every row it receives (docs/benchmarks-reports.md).

Money is integer kopecks, points are integers, shares and averages are exact `Fraction`s;
formatting happens only in the exporters (`app/reports`). The definitions of every figure are in
docs/reports.md.

The package, by what it reads: results (the dataclasses a report answers with), days (local days and
the visits), scope (terminal or chain, and the filters as SQL), sales, customers, points, and service
(ReportsService, which puts one report together in one read transaction).
"""

from __future__ import annotations

from app.core.services.reports.results import (
    ActiveDay,
    CashierRow,
    CategoryRow,
    CouponRow,
    CustomerFigures,
    Dashboard,
    Filters,
    Lifetime,
    Period,
    PointsDay,
    PointsFigures,
    Report,
    RevenueDay,
    RewardRow,
    SalesFigures,
    SalesGroup,
    Segment,
    SegmentCustomer,
    Series,
    StampRow,
    StoreRow,
    TierRow,
    median,
    ratio,
)
from app.core.services.reports.scope import Scope
from app.core.services.reports.service import ReportsService

__all__ = [
    "ActiveDay",
    "CashierRow",
    "CategoryRow",
    "CouponRow",
    "CustomerFigures",
    "Dashboard",
    "Filters",
    "Lifetime",
    "Period",
    "PointsDay",
    "PointsFigures",
    "Report",
    "ReportsService",
    "RevenueDay",
    "RewardRow",
    "SalesFigures",
    "SalesGroup",
    "Scope",
    "Segment",
    "SegmentCustomer",
    "Series",
    "StampRow",
    "StoreRow",
    "TierRow",
    "median",
    "ratio",
]
