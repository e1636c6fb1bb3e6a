"""Export a report as CSV files, one per table, that Excel opens with Cyrillic intact.

UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the ANSI code page and shows
mojibake). Russian files use ";" between fields and a decimal comma, which is what Russian Excel
expects when a file is opened by double click; English files use "," and a decimal point. Money is
in roubles with two decimals and no digit grouping, shares are percentages, dates ISO 8601 in the
merchant's time zone: every file reads back to the report's exact integer figures.
"""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from app.core.services.reports import Report
from app.reports.tables import CSV_DIALECT, all_tables, cell_text

__all__ = ["export_csv"]


def export_csv(report: Report, path: str | Path, lang: str = "ru") -> list[Path]:
    """Write one CSV per table into the folder `path` (created if needed); returns the files in order."""
    if lang not in CSV_DIALECT:
        raise ValueError(f"unsupported language {lang!r}; expected ru or en")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    delimiter, _ = CSV_DIALECT[lang]
    zone = ZoneInfo(report.timezone)
    written = []
    for table in all_tables(report):
        target = folder / f"{table.key}.csv"
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow([c.label(lang) for c in table.columns])
            for row in table.rows:
                writer.writerow([cell_text(cell, lang, "csv", zone) for cell in row])
        written.append(target)
    return written
