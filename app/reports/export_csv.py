"""Export a report as CSV files, one per table, that Excel opens with Cyrillic intact.

UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the ANSI code page and shows
mojibake). Russian files use ";" between fields and a decimal comma, which is what Russian Excel
expects when a file is opened by double click; English files use "," and a decimal point. Money is
in roubles with two decimals and no digit grouping, shares are percentages, dates ISO 8601 in the
merchant's time zone: every file reads back to the report's exact integer figures.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from app.core.services.reports import Report, StoreRow
from app.reports.tables import CSV_DIALECT, all_tables, cell_text, dashboard_of, stores_table

__all__ = ["export_csv"]


def export_csv(
    report: Report, path: str | Path, lang: str = "ru", stores: Sequence[StoreRow] | None = None
) -> list[Path]:
    """Write one CSV per table into the folder `path` (created if needed); returns the files in order.

    A chain's report comes with its store rows: they go into stores.csv, after the summary."""
    if lang not in CSV_DIALECT:
        raise ValueError(f"unsupported language {lang!r}; expected ru or en")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    delimiter, _ = CSV_DIALECT[lang]
    zone = ZoneInfo(report.timezone)
    written = []
    tables = all_tables(report)
    if stores is not None:
        tables.insert(1, stores_table(stores, dashboard_of(report)))
    for table in tables:
        target = folder / f"{table.key}.csv"
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow([c.label(lang) for c in table.columns])
            for row in table.rows:
                writer.writerow([cell_text(cell, lang, "csv", zone) for cell in row])
        written.append(target)
    return written
