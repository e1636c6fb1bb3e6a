"""PDF receipts: page geometry, text, scannable barcodes, wrapping."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from pypdf import PdfReader

import app
from app.receipts import assets
from app.receipts.model import ReceiptLine
from app.receipts.pdf import FONT, PAPERS, Paper, render_pdf, wrap_text
from app.receipts.samples import (
    sample_anonymous_sale,
    sample_long_sale,
    sample_refund,
    sample_sale,
)

# Fixture signatures (see conftest.py).
Rasterize = Callable[[bytes], list[np.ndarray]]
Decode = Callable[[np.ndarray, str], list[str]]
MM = 72 / 25.4


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


@pytest.mark.parametrize(("paper", "width_pt"), [("80mm", 226.77), ("58mm", 164.41)])
def test_roll_page_width_matches_paper(paper: Paper, width_pt: float) -> None:
    (width, _height), *_ = _pages(render_pdf(sample_sale(), paper))
    assert width == pytest.approx(width_pt, abs=0.01)


def test_a4_page_is_a4() -> None:
    assert _pages(render_pdf(sample_sale(), "A4")) == [pytest.approx((595.28, 841.89), abs=0.01)]


@pytest.mark.parametrize("paper", ["80mm", "58mm"])
def test_roll_receipt_is_one_page_growing_with_content(paper: Paper) -> None:
    short = _pages(render_pdf(sample_anonymous_sale(), paper))
    long = _pages(render_pdf(sample_long_sale(80), paper))
    assert len(short) == len(long) == 1
    assert long[0][1] > short[0][1] + 80 * 20  # every extra line made the roll longer


def test_very_long_roll_splits_at_the_pdf_page_size_limit() -> None:
    pages = _pages(render_pdf(sample_long_sale(700), "80mm"))
    assert len(pages) > 1
    assert all(height <= 14400 for _width, height in pages)


def test_a4_long_receipt_continues_on_more_pages(pdf_text: Callable[[bytes], str]) -> None:
    pdf = render_pdf(sample_long_sale(80), "A4")
    pages = _pages(pdf)
    assert len(pages) > 1
    assert f"Стр. {len(pages)} из {len(pages)}" in pdf_text(pdf)


def test_pdf_text_has_store_lines_total_and_card_block(
    pdf_text: Callable[[bytes], str],
) -> None:
    text = pdf_text(render_pdf(sample_sale(), "80mm"))
    for expected in [
        "Кофейня «Зерно и Пар»",
        "Продажа № 1234",
        "Кассир",
        "Смирнова Е.",
        "25.11.2025 14:03",
        "Капучино 300 мл",
        "2 × 180,00 ₽",
        "ИТОГО",
        "533,91 ₽",
        "Оплачено баллами (300 баллов)",
        "−300,00 ₽",
        "банковской картой",
        "•••• 4821",
        "+534 балла",
        "1 245 баллов",
        "120 баллов сгорят 31.12.2025",
        "До уровня Gold осталось 1 234,56 ₽",
        "ZERNO-7Q4K",
    ]:
        assert expected in text, expected


def test_pdf_in_english_when_lang_en(pdf_text: Callable[[bytes], str]) -> None:
    text = pdf_text(render_pdf(sample_sale("en"), "58mm"))
    assert "TOTAL" in text
    assert "RUB 533.91" in text
    assert "Spend RUB 1,234.56 more to reach Gold" in text
    assert "ИТОГО" not in text


def test_refund_pdf_shows_money_and_points_going_back(pdf_text: Callable[[bytes], str]) -> None:
    text = pdf_text(render_pdf(sample_refund(), "80mm"))
    for expected in [
        "Возврат № 57",
        "по продаже № 1234",
        "К ВОЗВРАТУ",
        "125,00 ₽",
        "на банковскую карту",
        "−125 баллов",
        "+100 баллов",
        "1 220 баллов",
    ]:
        assert expected in text, expected


def test_anonymous_sale_invites_to_join(pdf_text: Callable[[bytes], str]) -> None:
    text = pdf_text(render_pdf(sample_anonymous_sale(), "80mm"))
    assert "Станьте участником программы" in text
    assert "Баланс" not in text


def test_fonts_are_embedded() -> None:
    pdf = render_pdf(sample_sale(), "58mm")
    # A receipt PDF opened on a machine without DejaVu must still show Cyrillic.
    assert b"/FontFile2" in pdf
    assert b"DejaVuSans" in pdf or FONT.encode() in pdf


def test_same_receipt_gives_identical_bytes() -> None:
    assert render_pdf(sample_sale(), "80mm") == render_pdf(sample_sale(), "80mm")


def test_unknown_paper_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown paper"):
        render_pdf(sample_sale(), "Letter")  # type: ignore[arg-type]


@pytest.mark.parametrize("paper", PAPERS)
def test_code128_decodes_to_receipt_barcode(paper: Paper, rasterize: Rasterize, decode: Decode) -> None:
    receipt = sample_sale()
    (page,) = rasterize(render_pdf(receipt, paper))
    assert decode(page, "Code128") == [receipt.barcode]


@pytest.mark.parametrize("paper", PAPERS)
def test_join_qr_decodes_to_join_url(paper: Paper, rasterize: Rasterize, decode: Decode) -> None:
    receipt = sample_anonymous_sale()
    (page,) = rasterize(render_pdf(receipt, paper))
    assert decode(page, "QRCode") == [receipt.join_url]


def test_no_join_qr_when_a_card_was_used(rasterize: Rasterize, decode: Decode) -> None:
    receipt = replace(sample_sale(), join_url="https://loyalty.example.ru/join")
    (page,) = rasterize(render_pdf(receipt, "80mm"))
    assert decode(page, "QRCode") == []


def test_refund_barcode_decodes(rasterize: Rasterize, decode: Decode) -> None:
    receipt = sample_refund()
    (page,) = rasterize(render_pdf(receipt, "58mm"))
    assert decode(page, "Code128") == [receipt.barcode]


def test_barcode_survives_a_rough_phone_photo(rasterize: Rasterize, decode: Decode) -> None:
    receipt = sample_sale()
    (page,) = rasterize(render_pdf(receipt, "58mm"))
    # Tilted, blurred, shrunk and noisy: roughly a hurried phone snapshot of the roll.
    h, w = page.shape
    tilt = cv2.getRotationMatrix2D((w / 2, h / 2), 4, 1.0)
    photo = cv2.warpAffine(page, tilt, (w, h), borderValue=255)
    photo = cv2.GaussianBlur(photo, (3, 3), 0.9)
    photo = cv2.resize(photo, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(7).normal(0, 12, photo.shape)
    photo = np.clip(photo.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    assert decode(photo, "Code128") == [receipt.barcode]


def _very_long_receipt_text() -> object:
    unbreakable = "Сверхдлинноенаименованиетоварабезединогопробеладляпроверкипереноса"
    line = ReceiptLine(unbreakable, 12, 1234567, 14814804, 0, 0, 14814804)
    base = sample_sale()
    return replace(
        base,
        store_name="Общество с ограниченной ответственностью «Очень длинное название магазина»",
        customer_name="Константинопольская-Щедрина Александра Владимировна",
        lines=(line, *base.lines),
    )


@pytest.mark.parametrize(("paper", "printable_mm"), [("80mm", 72), ("58mm", 48)])
def test_long_names_wrap_inside_the_printable_width(paper: Paper, printable_mm: int, rasterize: Rasterize) -> None:
    receipt = _very_long_receipt_text()
    (page,) = rasterize(render_pdf(receipt, paper))  # type: ignore[arg-type]
    margin_px = int((int(paper[:2]) - printable_mm) / 2 / 25.4 * 150) - 2
    assert page[:, :margin_px].min() > 200, "ink in the left margin"
    assert page[:, -margin_px:].min() > 200, "ink in the right margin"


def test_wrap_text_cuts_a_word_longer_than_the_line() -> None:
    render_pdf(sample_sale(), "58mm")  # registers the fonts
    lines = wrap_text("а" * 200, FONT, 8, 40 * MM)
    assert len(lines) > 1
    assert "".join(lines) == "а" * 200


def test_wrap_text_keeps_no_break_spaces_together() -> None:
    render_pdf(sample_sale(), "58mm")
    lines = wrap_text("Итого 1\u202f234\u00a0₽", FONT, 8, 18 * MM)
    assert "1\u202f234\u00a0₽" in lines


def test_resource_path_finds_the_fonts_and_their_licence_inside_the_package() -> None:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"):
        path = assets.resource_path("fonts", name)
        assert path.is_file()
        assert path.parent.parent.parent == Path(app.__file__).parent


def test_resource_path_missing_file_names_the_path() -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.ttf"):
        assets.resource_path("fonts", "nope.ttf")
