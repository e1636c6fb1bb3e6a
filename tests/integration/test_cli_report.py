"""`loyalty-terminal report` (spec/cli.md, issue 9 §5): the manager's figures and tables for cron exports.

In process through app.cli.main on the hand-counted store of tests/integration/test_reports.py (March 2025, every
figure worked out there) and on a demo store; one real process at the end. Refusals exit 2 with one
line and leave no file behind.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader

from app.bootstrap import bootstrap
from app.cli import main
from app.core.services.report_json import to_json
from app.core.services.reports import Filters, ReportsService
from app.core.timeutil import from_ms
from app.reports.tables import all_tables
from tests.conftest import run_cli
from tests.integration.test_reports import MARCH
from tests.stores import Stores

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, store_cache: Stores) -> Path:
    """The hand-counted store (sales by Иван and Ольга in March 2025)."""
    return store_cache.march(tmp_path_factory.mktemp("cli-report") / "shop.sqlite3")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, date, date]:
    """A demo store and the local days its sales cover."""
    path = tmp_path_factory.mktemp("cli-demo") / "demo.sqlite3"
    assert main(["--db", str(path), "init", "--demo"]) == 0
    conn = sqlite3.connect(path)
    first, last = conn.execute("SELECT min(at), max(at) FROM sales").fetchone()
    conn.close()
    return path, from_ms(first).astimezone(MSK).date(), from_ms(last).astimezone(MSK).date()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _report(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> dict[str, Any]:
    code, out, err = _run(capsys, "--db", str(db), "report", *argv, "--json")
    assert code == 0, out + err
    lines = out.splitlines()
    assert len(lines) == 1  # one object
    data: dict[str, Any] = json.loads(lines[0])
    return data


# ----------------------------------------------------------------------------- the figures


def test_march_figures_are_the_hand_counted_ones(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31")
    assert (data["from"], data["to"], data["timezone"]) == ("2025-03-01", "2025-03-31", "Europe/Moscow")
    assert data["period"] == {"start": MARCH.start, "end": MARCH.end}  # local midnight to local midnight
    f = data["figures"]
    # tests/integration/test_reports.py: 9 sales, 6 with a card, 1822,50 ₽ after the 243 ₽ refund; card checks
    # 269,25 ₽, others 150 ₽; A, B, V bought (A and B twice or more); the program cost 584,50 ₽
    # (tests/integration/test_payback.py).
    assert f["revenue"] == 182250 and f["sales"] == 9 and f["card_sales"] == 6
    assert f["card_share"] == "2/3"
    assert f["average_check_card"] == 26925 and f["average_check_anonymous"] == 15000
    assert f["program_cost"] == 58450
    assert data["payback"]["cost"]["total"] == 58450 and data["payback"]["balance"] == 66550
    assert data["cashier"] is None


def test_the_figures_are_the_report_services(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31")
    ctx = bootstrap(shop)
    try:
        r = ReportsService(ctx.engine).report(MARCH)
    finally:
        ctx.close()
    want = {
        "average_check": r.sales.total.average_check_kopecks,
        "active_cards": r.customers.active_30,
        "new_members": r.customers.new_enrollments,
        "repeat_share": to_json(r.customers.repeat_share),
        "points_issued": r.points.issued,
        "points_redeemed": r.points.redeemed,
        "points_expired": r.points.expired,
        "liability": r.points.liability,
        "liability_kopecks": r.points.liability_kopecks,
    }
    assert {k: data["figures"][k] for k in want} == want
    # Every table of the exports, row for row.
    tables = all_tables(r)
    assert list(data["tables"]) == [t.key for t in tables]
    for t in tables:
        assert len(data["tables"][t.key]["rows"]) == len(t.rows), t.key
        assert data["tables"][t.key]["columns"] == [c.en for c in t.columns]


def test_table_values_are_exact(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31")
    coupons = data["tables"]["coupons"]
    assert coupons["rows"] == [["SALE10", 1, 5500]]  # uses, the coupon's own discount in kopecks
    people = data["tables"]["segment_customers"]
    last = people["columns"].index("Last purchase")
    stamps = [row[last] for row in people["rows"] if row[last] is not None]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00", s) for s in stamps)  # the store's time


def test_a_cashier_filter(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31", "--cashier", "Ольга")
    ctx = bootstrap(shop)
    try:
        r = ReportsService(ctx.engine).report(MARCH, Filters(cashier="Ольга"))
    finally:
        ctx.close()
    assert data["cashier"] == "Ольга"
    assert data["figures"]["sales"] == r.sales.total.sales == 4  # #8, #12, #15, #17
    assert data["figures"]["revenue"] == r.sales.total.revenue


def test_a_single_day(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    data = _report(capsys, shop, "--from", "2025-03-10", "--to", "2025-03-10")
    assert data["figures"]["sales"] == 1 and data["figures"]["revenue"] == 44550  # #11 alone


def test_a_demo_store(capsys: pytest.CaptureFixture[str], demo: tuple[Path, date, date]) -> None:
    path, first, last = demo
    data = _report(capsys, path, "--from", first.isoformat(), "--to", last.isoformat())
    conn = sqlite3.connect(path)
    sales, card = conn.execute("SELECT count(*), count(customer_id) FROM sales").fetchone()
    conn.close()
    assert data["figures"]["sales"] == sales and data["figures"]["card_sales"] == card
    assert data["payback"]["clv"]["minimum"] == 30


def test_without_json_the_json_format_is_printed_whole(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    code, out, _ = _run(capsys, "--db", str(shop), "report", "--from", "2025-03-01", "--to", "2025-03-31")
    assert code == 0 and json.loads(out)["figures"]["sales"] == 9


# ----------------------------------------------------------------------------- files


def test_json_to_a_file(capsys: pytest.CaptureFixture[str], shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "march.json"
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31", "--out", str(out))
    assert data["files"] == [str(out)]
    assert json.loads(out.read_text(encoding="utf-8"))["figures"] == data["figures"]
    assert [p.name for p in tmp_path.iterdir()] == ["march.json"]


def test_csv_writes_one_file_per_table(capsys: pytest.CaptureFixture[str], shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31", "--format", "csv", "--out", str(out))
    names = sorted(p.name for p in out.iterdir())
    assert "payback.csv" in names and "summary.csv" in names and len(names) == len(data["files"]) == 17
    with (out / "payback.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r[0]: r[1] for r in csv.reader(fh, delimiter=";")}
    assert rows["Стоимость программы"] == "584,50"
    assert [p.name for p in tmp_path.iterdir()] == ["csv"]  # the staging folder is gone


def test_csv_in_english(capsys: pytest.CaptureFixture[str], shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "en"
    _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31", "--format", "csv", "--out", str(out),
            "--lang", "en")  # fmt: skip
    with (out / "payback.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r[0]: r[1] for r in csv.reader(fh)}
    assert rows["Programme cost"] == "584.50"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
def test_pdf_renders_and_says_whether_the_program_pays(
    capsys: pytest.CaptureFixture[str], shop: Path, tmp_path: Path
) -> None:
    out = tmp_path / "march.pdf"
    data = _report(capsys, shop, "--from", "2025-03-01", "--to", "2025-03-31", "--format", "pdf", "--out", str(out))
    assert data["files"] == [str(out)]
    text = re.sub(r"[\u00a0\u202f]", " ", "\n".join(p.extract_text() or "" for p in PdfReader(out).pages))
    assert "Окупается ли программа" in text
    assert "Программа окупается: участники принесли на 665,50 ₽ больше, чем она стоила." in text
    assert "Стоимость программы" in text and "584,50 ₽" in text
    pages = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(pages)], check=True, timeout=120)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(PdfReader(out).pages) >= 3
    with Image.open(images[0]) as first:
        lo, hi = first.convert("L").getextrema()  # type: ignore[misc]
        assert lo < 100 < hi


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--from", "2025-3-1", "--to", "2025-03-31"), "--from must be a date written YYYY-MM-DD"),
        (("--from", "2025-02-30", "--to", "2025-03-31"), "is not a date of the calendar"),
        (("--from", "20250301", "--to", "2025-03-31"), "--from must be a date written YYYY-MM-DD"),
        (("--from", "2025-03-31", "--to", "2025-03-01"), "--to 2025-03-01 is before --from 2025-03-31"),
        (("--from", "2015-01-01", "--to", "2025-03-01"), "at most 1830 days"),
        (("--from", "1969-12-31", "--to", "2025-03-01"), "between the years 1970 and 2999"),
        (("--from", "2025-03-01", "--to", "2025-03-31", "--cashier", "Пётр"), "no cashier named 'Пётр'"),
        (("--from", "2025-03-01", "--to", "2025-03-31", "--cashier", " "), "--cashier must not be empty"),
        (("--from", "2025-03-01", "--to", "2025-03-31", "--format", "doc"), "invalid choice: 'doc'"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_write_nothing(
    capsys: pytest.CaptureFixture[str], shop: Path, tmp_path: Path, args: tuple[str, ...], reason: str
) -> None:
    out = tmp_path / "r.pdf"
    before = shop.stat().st_mtime_ns
    code, stdout, _ = _run(capsys, "--db", str(shop), "report", *args, "--format", "pdf", "--out", str(out), "--json")
    if "--format" in args:
        code, stdout, _ = _run(capsys, "--db", str(shop), "report", *args, "--out", str(out), "--json")
    assert code == 2
    assert len(stdout.splitlines()) == 1 and reason in json.loads(stdout)["error"]
    assert list(tmp_path.iterdir()) == []
    assert shop.stat().st_mtime_ns == before
    code, _, stderr = _run(capsys, "--db", str(shop), "report", *args)
    assert code == 2 and len(stderr.splitlines()) == 1 and stderr.startswith("error: ")


def test_pdf_and_csv_need_a_place_to_go(capsys: pytest.CaptureFixture[str], shop: Path) -> None:
    for fmt in ("pdf", "csv"):
        code, _, err = _run(capsys, "--db", str(shop), "report", "--from", "2025-03-01", "--to", "2025-03-31",
                            "--format", fmt)  # fmt: skip
        assert code == 2 and f"--format {fmt} needs --out" in err


def test_an_out_in_a_missing_folder_or_on_a_folder_is_refused(
    capsys: pytest.CaptureFixture[str], shop: Path, tmp_path: Path
) -> None:
    period = ("--from", "2025-03-01", "--to", "2025-03-31")
    code, _, err = _run(capsys, "--db", str(shop), "report", *period, "--out", str(tmp_path / "no" / "r.json"))
    assert code == 2 and "does not exist" in err
    code, _, err = _run(capsys, "--db", str(shop), "report", *period, "--format", "pdf", "--out", str(tmp_path))
    assert code == 2 and "is a folder" in err
    (tmp_path / "f").write_text("x")
    code, _, err = _run(capsys, "--db", str(shop), "report", *period, "--format", "csv", "--out", str(tmp_path / "f"))
    assert code == 2 and "is a file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


# ----------------------------------------------------------------------------- the real program


def test_the_real_command_prints_one_object(demo: tuple[Path, date, date]) -> None:
    path, first, last = demo
    proc = run_cli("report", "--from", first.isoformat(), "--to", last.isoformat(), "--json", db=path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["figures"]["sales"] > 0 and set(data["tables"]) >= {"summary", "payback", "coupons"}
    refused = run_cli("report", "--from", last.isoformat(), "--to", first.isoformat(), "--json", db=path)
    assert refused.returncode == 2 and "is before" in json.loads(refused.stdout)["error"]
