"""The command line (app.cli.main in this process): happy paths, and bad input that exits 2 with one line
and writes nothing."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from app.core.demo import DEMO_PROGRAM
from tests.inprocess import run_cli

CATALOG = """sku,name,category,price,barcode
LAT,Латте,coffee,200.00,4600000000039
CRO,Круассан,bakery,149.90,
UPC,Импорт,goods,10,042100005264
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    db = folder / "t.sqlite3"
    program = folder / "program.json"
    program.write_text(json.dumps(DEMO_PROGRAM), encoding="utf-8")
    (folder / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    run_cli("init", "--program", str(program), db=db, check=True)
    run_cli("catalog", "import", str(folder / "catalog.csv"), db=db, check=True)
    out = run_cli(
        "customer",
        "add",
        "--name",
        "Анна",
        "--phone",
        "+7 916 000-00-01",
        "--card",
        "A1",
        "--at",
        "2026-01-01T10:00:00+03:00",
        "--json",
        db=db,
        check=True,
    )
    assert json.loads(out.stdout)["card"] == "A1"
    return db


def _dump(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _json(*args: str, db: Path) -> dict:  # type: ignore[type-arg]
    proc = run_cli(*args, "--json", db=db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_catalog_import_converts_roubles_and_upc_to_13_digits(store: Path) -> None:
    products = {p["sku"]: p for p in _json("catalog", "list", db=store)["products"]}
    assert products["CRO"]["price"] == 14990
    assert products["UPC"]["barcode"] == "0042100005264"


def test_sale_by_sku_barcode_and_free_price_item(store: Path) -> None:
    out = _json(
        "sale",
        "--card",
        "A1",
        "--line",
        "LAT:2",
        "4600000000039",
        "--line",
        "X:1:5000:bakery",
        "--at",
        "2026-01-02T10:00:00+03:00",
        db=store,
    )
    assert out["subtotal"] == 3 * 20000 + 5000
    assert [li["sku"] for li in out["lines"]] == ["LAT", "LAT", "X"]
    assert out["sale_id"] >= 1 and out["balance"] == out["earned"] + 100


def test_quote_writes_nothing(store: Path) -> None:
    before = _dump(store)
    out = _json("sale", "--card", "A1", "--line", "LAT", "--quote", "--at", "2026-01-03T10:00:00+03:00", db=store)
    assert out["sale_id"] is None and out["committed"] is False and out["total"] == 20000
    assert _dump(store) == before


def test_customer_show_by_phone_in_any_format(store: Path) -> None:
    assert _json("customer", "show", "8 916 000 00 01", db=store)["card"] == "A1"


def test_program_show_prints_the_active_version(store: Path) -> None:
    out = _json("program", "show", db=store)
    assert out["version"] >= 1 and out["program"]["tiers"][0]["name"] == "Silver"


def test_verify_passes_on_a_consistent_store(store: Path) -> None:
    assert _json("verify", db=store)["ok"] is True


def test_verify_exits_1_when_a_balance_was_tampered_with(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite3"
    src = sqlite3.connect(store)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    dst.execute("UPDATE lots SET remaining = remaining + 5 WHERE id = (SELECT max(id) FROM lots)")
    dst.commit()
    dst.close()
    src.close()
    proc = run_cli("verify", "--json", db=copy)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["ok"] is False


BAD_INPUT = [
    ("unknown card", ["sale", "--card", "NOPE", "--line", "LAT"], "unknown card NOPE"),
    ("unknown sku", ["sale", "--line", "NOSUCH"], "unknown product NOSUCH"),
    ("malformed line", ["sale", "--line", "LAT:two"], "quantity"),
    ("zero quantity", ["sale", "--line", "LAT:0"], "at least 1"),
    ("free item without category", ["sale", "--line", "X:1:100:"], "category"),
    ("too many points", ["sale", "--card", "A1", "--line", "LAT", "--redeem", "100000"], "at most"),
    ("redeem without card", ["sale", "--line", "LAT", "--redeem", "5"], "loyalty card"),
    ("bad redeem", ["sale", "--card", "A1", "--line", "LAT", "--redeem", "lots"], "--redeem"),
    ("back-dated", ["sale", "--card", "A1", "--line", "LAT", "--at", "2020-01-01T00:00:00+03:00"], "before"),
    ("unknown coupon", ["sale", "--line", "LAT", "--coupon", "NOPE"], "unknown coupon"),
    ("coupon below minimum", ["sale", "--line", "LAT", "--coupon", "MINUS100"], "at least"),
    ("timestamp without offset", ["sale", "--line", "LAT", "--at", "2026-01-05T10:00:00"], "offset"),
    ("unknown sale", ["refund", "999"], "unknown sale 999"),
    ("refund too many units", ["refund", "1", "--line", "0:50"], "left to refund"),
    ("refund bad line", ["refund", "1", "--line", "zero"], "N:QTY"),
    ("duplicate phone", ["customer", "add", "--name", "B", "--phone", "89160000001"], "already enrolled"),
    ("bad phone", ["customer", "add", "--name", "B", "--phone", "12"], "phone"),
    (
        "bad birthday",
        ["customer", "add", "--name", "B", "--phone", "+79160000099", "--birthday", "31.12.1990"],
        "birthday",
    ),
    (
        "unknown referrer",
        ["customer", "add", "--name", "B", "--phone", "+79160000098", "--referrer", "ZZ"],
        "unknown card",
    ),
    ("unknown customer", ["customer", "show", "ZZZ"], "ZZZ"),
    ("missing argument", ["sale"], "--line"),
    ("unknown command", ["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("args", "reason"), [(a, r) for _, a, r in BAD_INPUT], ids=[n for n, _, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(store: Path, args: list[str], reason: str) -> None:
    before = _dump(store)
    proc = run_cli(*args, "--json", db=store)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    error = json.loads(lines[0])["error"]
    assert reason in error
    assert _dump(store) == before
    plain = run_cli(*args, db=store)
    assert plain.returncode == 2 and plain.stdout == "" and len(plain.stderr.strip().splitlines()) == 1


def test_bad_program_file_is_refused_and_the_old_one_stays(store: Path, tmp_path: Path) -> None:
    before = _dump(store)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tiers": [{"name": "S", "min_spend": 10}]}), encoding="utf-8")
    proc = run_cli("program", "set", str(bad), "--json", db=store)
    assert proc.returncode == 2 and "first tier" in json.loads(proc.stdout)["error"]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert run_cli("program", "set", str(broken), db=store).returncode == 2
    assert _dump(store) == before


def test_bad_catalog_rows_are_reported_by_line_and_nothing_is_imported(store: Path, tmp_path: Path) -> None:
    before = _dump(store)
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "sku,name,category,price,barcode\nA,Ok,x,1.00,\nB,Bad,x,1.234,\nC,Bad,x,2,4600000000018\n", encoding="utf-8"
    )
    proc = run_cli("catalog", "import", str(csv), "--json", db=store)
    error = json.loads(proc.stdout)["error"]
    assert proc.returncode == 2 and "line 3" in error and "line 4" in error
    assert _dump(store) == before


def test_a_catalog_file_that_is_not_csv_is_refused_with_a_reason(store: Path, tmp_path: Path) -> None:
    before = _dump(store)
    for name, data in (("cr.csv", b'sku,name,category,price\r0\r"A\rB'), ("bin.csv", b"\x00\xff\xfe garbage")):
        path = tmp_path / name
        path.write_bytes(data)
        proc = run_cli("catalog", "import", str(path), "--json", db=store)
        assert proc.returncode == 2 and json.loads(proc.stdout)["error"], proc.stdout + proc.stderr
    assert _dump(store) == before


def test_refund_lines_take_ascii_digits_only(store: Path) -> None:
    sale = _json("sale", "--line", "LAT", db=store)["sale_id"]
    before = _dump(store)
    for line in ("²:1", "0:١", "0:1.5", "0:-1", "a:1", "0"):
        proc = run_cli("refund", str(sale), "--line", line, "--json", db=store)
        assert proc.returncode == 2 and json.loads(proc.stdout)["error"], (line, proc.stdout, proc.stderr)
    assert _dump(store) == before


def test_commands_on_a_missing_database_say_to_run_init(tmp_path: Path) -> None:
    proc = run_cli("customer", "show", "A1", "--json", db=tmp_path / "none.sqlite3")
    assert proc.returncode == 2 and "init" in json.loads(proc.stdout)["error"]
    assert not (tmp_path / "none.sqlite3").exists()


def test_refund_through_the_cli_gives_money_and_points_back(store: Path) -> None:
    sale = _json("sale", "--card", "A1", "--line", "LAT:3", "--at", "2026-01-06T10:00:00+03:00", db=store)
    part = _json("refund", str(sale["sale_id"]), "--line", "0:1", "--at", "2026-01-06T11:00:00+03:00", db=store)
    rest = _json("refund", str(sale["sale_id"]), "--at", "2026-01-06T12:00:00+03:00", db=store)
    assert part["money_back"] + rest["money_back"] == sale["total"]
    assert part["points_taken_back"] + rest["points_taken_back"] == sale["earned"]
    proc = run_cli("refund", str(sale["sale_id"]), "--json", db=store)
    assert proc.returncode == 2 and "already fully refunded" in json.loads(proc.stdout)["error"]


def test_help_lists_the_commands_and_hides_the_build_self_test() -> None:
    out = run_cli("--help", check=True).stdout
    for command in ("init", "program", "catalog", "customer", "sale", "refund", "verify", "scan", "sync", "backup"):
        assert f"    {command} " in out
    assert "SUPPRESS" not in out and "selftest-window" not in out
    # Hidden, not gone: the packaged build's smoke test still calls it.
    assert run_cli("selftest-window", "--help").returncode == 0


def test_a_card_qr_text_as_scanned_works_wherever_a_card_is_asked(store: Path) -> None:
    # The text a handheld scanner types for the card's QR (printed by `customer add`).
    added = run_cli("customer", "add", "--name", "Кира", "--phone", "+7 916 000-00-77", db=store, check=True).stdout
    qr = re.search(r"QR (\S+)\)", added)
    assert qr is not None, added
    card = qr.group(1).split(":")[1]
    assert _json("customer", "show", qr.group(1), db=store)["card"] == card
    quote = _json("sale", "--card", qr.group(1), "--line", "LAT", "--quote", db=store)
    assert quote["card"] == card and quote["earned"] > 0
    forged = qr.group(1)[:-1] + ("A" if not qr.group(1).endswith("A") else "B")
    before = _dump(store)
    for args in (("sale", "--card", forged, "--line", "LAT"), ("customer", "show", forged)):
        proc = run_cli(*args, "--json", db=store)
        assert proc.returncode == 2
        assert json.loads(proc.stdout) == {"error": "the card QR code is forged or from another store"}
    assert _dump(store) == before
