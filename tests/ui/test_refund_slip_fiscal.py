"""A refund's slip names the register's return receipt (its ФД and ФП) as a sale's slip names the sale's receipt,
for both registers the till drives: ATOL through its Web Server emulator over HTTP, Штрих-М through pyshtrih
against its protocol emulator over TCP. The slip is built as the till's print service builds it
(app.ui.printing.refund_receipt over FiscalService.receipt_of_refund) and rendered to PDF; its text is read back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.demo import DEFAULT_PROGRAM
from app.core.pricing import LineIn
from app.core.receipt import FiscalMark
from app.core.services.results import SaleRequest
from app.fiscal.devices import open_device
from app.fiscal.emulators.atol_web import AtolWebEmulator
from app.fiscal.emulators.shtrih_emulator import ShtrihEmulator
from app.receipts.pdf import render_pdf
from app.ui.printing import refund_receipt, sale_receipt
from tests.conftest import FROZEN_NOW

PROGRAM = {**DEFAULT_PROGRAM, "redeem": {"max_share_pct": "100", "min_balance": 0},
           "welcome_bonus": {"points": 500, "expiry_days": 30}}  # fmt: skip


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, whitespace (no-break spaces included) collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture(params=["atol", "shtrih"])
def till(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Context, str]]:
    """A store driving an emulated register of each kind, its shift open, and a card with 500 points."""
    if request.param == "atol":
        atol = AtolWebEmulator(latency=0.01, auto_open_shift=True).start()
        request.addfinalizer(atol.stop)
        setting = f"atol-web:{atol.url}"
    else:
        shtrih = ShtrihEmulator()
        request.addfinalizer(shtrih.close)
        setting = f"shtrih:tcp://127.0.0.1:{shtrih.serve_tcp().port}"
    context = bootstrap(tmp_path / "terminal.sqlite3", create=True, clock=FixedClock(FROZEN_NOW))
    context.store.init(PROGRAM)
    context.fiscal.opener = lambda text: open_device(text, timeout=2.0)
    context.fiscal.configure(setting, actor="Ольга")
    context.fiscal.open_shift("Ольга")
    context.customers.enroll("Анна", "+79160000001", card="C1", actor="Ольга")
    yield context, request.param
    context.close()


def test_the_refund_slip_names_the_registers_return_receipt_as_the_sale_slip_names_its_receipt(
    till: tuple[Context, str],
) -> None:
    ctx, _ = till
    req = SaleRequest((LineIn("LAT", "Латте", "coffee", 2, 15000),), card="C1", cashier="Ольга", redeem=50)
    sold = ctx.checkout.sell(req, actor="Ольга")
    assert sold.sale_id is not None and sold.fiscal is not None
    back = ctx.checkout.refund(sold.sale_id, None, cashier="Ольга", actor="Ольга")
    assert back.refund_id is not None and back.fiscal is not None
    sale_fd, back_fd = sold.fiscal, back.fiscal
    assert back_fd["document_number"] != sale_fd["document_number"]

    slip = refund_receipt(ctx.receipts, ctx.fiscal.receipt_of_refund, back.refund_id, "ru")
    assert slip.kind == "refund" and slip.total == back.money_back
    assert slip.fiscal == FiscalMark(
        back_fd["document_number"], str(back_fd["fiscal_sign"]), back_fd["fn"], back_fd["shift"]
    )
    text = pdf_text(render_pdf(slip, "80mm"))
    assert f"Кассовый чек возврата прихода: ФД № {back_fd['document_number']}, ФП {back_fd['fiscal_sign']}" in text
    assert f"ФН {back_fd['fn']}, смена № {back_fd['shift']}" in text
    assert "Не является фискальным документом" in text  # the slip itself is still not the fiscal receipt

    # The sale's slip names the sale's receipt (not the return), as before.
    sale_slip = sale_receipt(ctx.receipts, ctx.fiscal.receipt_of, sold.sale_id, "ru")
    assert sale_slip.fiscal is not None and sale_slip.fiscal.document_number == sale_fd["document_number"]
    assert f"Кассовый чек: ФД № {sale_fd['document_number']}, ФП" in pdf_text(render_pdf(sale_slip, "80mm"))


def test_a_refund_without_a_register_names_no_fiscal_receipt(tmp_path: Path) -> None:
    ctx = bootstrap(tmp_path / "terminal.sqlite3", create=True, clock=FixedClock(FROZEN_NOW))
    try:
        ctx.store.init(PROGRAM)
        sold = ctx.checkout.sell(SaleRequest((LineIn("LAT", "Латте", "coffee", 1, 15000),)), actor="Ольга")
        assert sold.sale_id is not None
        back = ctx.checkout.refund(sold.sale_id, None, cashier="Ольга", actor="Ольга")
        assert back.refund_id is not None
        slip = refund_receipt(ctx.receipts, ctx.fiscal.receipt_of_refund, back.refund_id, "ru")
        assert slip.fiscal is None
        assert "ФД №" not in pdf_text(render_pdf(slip, "80mm"))
    finally:
        ctx.close()
