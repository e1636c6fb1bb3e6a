"""`loyalty-terminal report`: the manager's figures and report tables for cron exports (issue 9 §5).

Thin, as the rest of the command line: the figures come from ReportsService.report (the one the
manager screen shows), the tables from app/reports/tables.py (the ones the CSV and PDF exports
write), the files from app/reports. Every check is made before anything is computed or written:
a bad date, a period that ends before it starts, an unknown cashier or an unusable --out path exit
with status 2 and a one-line reason, and no file is touched. Files appear whole or not at all.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from app.core.errors import LoyaltyError
from app.core.timeutil import from_ms

if TYPE_CHECKING:  # the reports load numpy and SQLAlchemy: only when a report is asked for
    from app.core.services.reports import Report

__all__ = ["MAX_DAYS", "ReportError", "figures", "report_json", "run_report"]

# As the server's reports API: five years of local days. A report reads the journal day by day.
MAX_DAYS = 1830
_FIRST_YEAR, _LAST_YEAR = 1970, 2999
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ReportError(LoyaltyError):
    """A report asked for with bad options (exit status 2, nothing written)."""


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `report` (its parser is made with the others in app/cli.py)."""
    p.add_argument("--from", dest="first", required=True, metavar="DATE",
                   help="first local day of the store's time zone, YYYY-MM-DD (included)")  # fmt: skip
    p.add_argument("--to", dest="last", required=True, metavar="DATE",
                   help="last local day, YYYY-MM-DD (included)")  # fmt: skip
    p.add_argument("--cashier", metavar="NAME", help="only the sales and refunds of this cashier")
    p.add_argument("--format", choices=["json", "csv", "pdf"], default="json",
                   help="json (default; to stdout without --out), csv (--out is a folder, one file per "
                   "table) or pdf (--out is the file)")  # fmt: skip
    p.add_argument("--out", type=Path, metavar="FILE", help="where to write (a folder for csv)")
    p.add_argument("--lang", choices=["ru", "en"], default="ru",
                   help="language of the PDF, the CSV files and the tables' words (default: ru)")  # fmt: skip


def _day(text: str, option: str) -> date:
    if not _DATE.fullmatch(text.strip()):
        raise ReportError(f"{option} must be a date written YYYY-MM-DD, got {text!r}")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"{option} {text!r} is not a date of the calendar") from None
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise ReportError(f"{option} must be between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    return day


def _days(first_text: str, last_text: str) -> tuple[date, date]:
    first, last = _day(first_text, "--from"), _day(last_text, "--to")
    if last < first:
        raise ReportError(f"--to {last.isoformat()} is before --from {first.isoformat()}")
    if (last - first).days + 1 > MAX_DAYS:
        raise ReportError(f"a report covers at most {MAX_DAYS} days")
    return first, last


def _check_out(out: Path | None, fmt: str) -> None:
    """Refuse an --out that cannot be written, before anything is computed."""
    if out is None:
        if fmt != "json":
            raise ReportError(f"--format {fmt} needs --out ({'a folder' if fmt == 'csv' else 'a file'})")
        return
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ReportError(f"--out: the folder {parent} does not exist")
    if fmt == "csv":
        if out.exists() and not out.is_dir():
            raise ReportError(f"--out {out} is a file; the CSV export writes a folder")
    elif out.is_dir():
        raise ReportError(f"--out {out} is a folder; give a file name")


# ----------------------------------------------------------------------------- the figures as JSON


def to_json(value: Any) -> Any:
    """A report value as JSON (report_json.to_json): shares exact ("2/3"), as the server's reports API writes them."""
    from app.core.services.report_json import to_json as write

    return write(value)


def _fraction(value: Any) -> Any:
    return to_json(value)


def figures(r: Report) -> dict[str, Any]:
    """The dashboard's figures of a report: kopecks, points, counts; shares exact ("2/3"), averages to the kopeck."""
    s, c, p = r.sales, r.customers, r.points
    return {
        "revenue": s.total.revenue,
        "sales": s.total.sales,
        "card_sales": s.card.sales,
        "card_share": _fraction(s.card_share),
        "average_check": s.total.average_check_kopecks,
        "average_check_card": s.card.average_check_kopecks,
        "average_check_anonymous": s.anonymous.average_check_kopecks,
        "active_cards": c.active_30,
        "new_members": c.new_enrollments,
        "repeat_share": _fraction(c.repeat_share),
        "points_issued": p.issued,
        "points_redeemed": p.redeemed,
        "points_expired": p.expired,
        "liability": p.liability,
        "liability_kopecks": p.liability_kopecks,
        "program_cost": None if r.payback is None else r.payback.cost.total,
    }


def _cell(cell: Any, lang: str, zone: ZoneInfo) -> Any:
    from app.reports.tables import text_of

    kind, value = cell
    if value is None:
        return None
    if kind == "text":
        return text_of(value, lang)
    if kind == "datetime":
        return from_ms(int(value)).astimezone(zone).isoformat(timespec="seconds")
    return to_json(value)  # int, money (kopecks), share and decimal (exact fractions), date (ISO)


def report_json(r: Report, lang: str) -> dict[str, Any]:
    """The whole report as one JSON object: period, filter, figures, payback and every table (rows of values)."""
    from app.reports.tables import all_tables

    zone = ZoneInfo(r.timezone)
    first = from_ms(r.period.start).astimezone(zone).date()
    last = from_ms(r.period.end - 1).astimezone(zone).date()
    tables = {
        t.key: {
            "title": t.title.label(lang),
            # Column names in English whatever the language: scripts read them.
            "columns": [c.en for c in t.columns],
            "rows": [[_cell(cell, lang, zone) for cell in row] for row in t.rows],
        }
        for t in all_tables(r)
    }
    payback = to_json(r.payback)
    if r.payback is not None:
        payback["cost"]["total"] = r.payback.cost.total
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": r.timezone,
        "period": {"start": r.period.start, "end": r.period.end},
        "cashier": r.filters.cashier,
        "figures": figures(r),
        "payback": payback,
        "tables": tables,
    }


# ----------------------------------------------------------------------------- writing


def _write_json(data: dict[str, Any], out: Path) -> list[Path]:
    partial = out.with_name(out.name + ".part")
    try:
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return [out]


def _write_csv(r: Report, out: Path, lang: str) -> list[Path]:
    """One file per table into the folder out: written in a folder beside it, then moved in at the end."""
    from app.reports.export_csv import export_csv

    parent = out.parent if str(out.parent) else Path(".")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        made = export_csv(r, staging, lang)
        out.mkdir(exist_ok=True)
        return [Path(shutil.move(str(f), str(out / f.name))) for f in made]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run_report(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Check the options, compute the report, write what was asked; returns (JSON object, human text)."""
    from app.bootstrap import bootstrap
    from app.core.services.reports import Filters

    first, last = _days(args.first, args.last)
    fmt: str = args.format
    out: Path | None = args.out
    _check_out(out, fmt)
    cashier = args.cashier
    if cashier is not None and not cashier.strip():
        raise ReportError("--cashier must not be empty")
    ctx = bootstrap(args.db)
    try:
        reports = ctx.reports
        if cashier is not None and cashier not in reports.cashier_names():
            known = ", ".join(reports.cashier_names()) or "none"
            raise ReportError(f"no cashier named {cashier!r} (known: {known})")
        report = reports.report(reports.period_of_days(first, last), Filters(cashier=cashier))
    finally:
        ctx.close()
    data = report_json(report, args.lang)
    files: list[Path] = []
    if fmt == "json" and out is not None:
        files = _write_json(data, out)
    elif fmt == "csv":
        assert out is not None
        files = _write_csv(report, out, args.lang)
    elif fmt == "pdf":
        from app.reports.export_pdf import export_pdf

        assert out is not None
        files = [export_pdf(report, out, args.lang)]
    data["format"] = fmt
    data["files"] = [str(f) for f in files]
    if fmt == "json" and out is None:
        return data, json.dumps(data, ensure_ascii=False, indent=1)
    f = data["figures"]
    text = "\n".join(
        [
            f"report {data['from']} – {data['to']} ({data['timezone']}) written: "
            + (str(out) if fmt != "csv" else f"{out} ({len(files)} files)"),
            f"revenue {f['revenue']}, sales {f['sales']} ({f['card_sales']} with a card), "
            f"program cost {f['program_cost']} (kopecks)",
        ]
    )
    return data, text


def add_flags_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `flags`, the manager's daily digest of suspicious activity."""
    p.add_argument("--from", dest="first", metavar="DATE",
                   help="first local day, YYYY-MM-DD (default: yesterday in the store's time zone)")  # fmt: skip
    p.add_argument("--to", dest="last", metavar="DATE", help="last local day, YYYY-MM-DD (default: --from)")
    p.add_argument("--format", choices=["json", "csv", "pdf"], default="json",
                   help="json (default), csv or pdf (--out is the file)")  # fmt: skip
    p.add_argument("--out", type=Path, metavar="FILE", help="where to write the CSV or PDF digest")
    p.add_argument("--lang", choices=["ru", "en"], default="ru", help="language of the digest (default: ru)")


def run_flags(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The fraud flags of a period (yesterday by default) as JSON, a CSV file or a PDF digest."""

    from app.bootstrap import bootstrap
    from app.reports.flags_export import describe, write_csv, write_pdf

    fmt: str = args.format
    out: Path | None = args.out
    if fmt == "csv" and out is not None and out.is_dir():
        raise ReportError(f"--out {out} is a folder; give a file name")
    _check_out(out, "pdf" if fmt == "csv" else fmt)
    ctx = bootstrap(args.db)
    try:
        if args.first is None:
            first = ctx.fraud.yesterday()  # the store's local day, as the manager screen's
            last = first if args.last is None else _day(args.last, "--to")
        else:
            first, last = _days(args.first, args.last or args.first)
        found = ctx.fraud.flags(first, last)
    finally:
        ctx.close()
    data: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat(), "flags": [f.to_json() for f in found]}
    if fmt == "csv":
        assert out is not None
        write_csv(found, out, args.lang)
    elif fmt == "pdf":
        assert out is not None
        write_pdf(found, first, last, out, args.lang)
    elif out is not None:
        _write_json(data, out)
    data["format"], data["files"] = fmt, [] if out is None else [str(out)]
    lines = [f"{f.day.isoformat()}  {describe(f, args.lang)}" for f in found] or [f"{first} – {last}: no flags"]
    return data, "\n".join(lines)
