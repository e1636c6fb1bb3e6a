"""ESC/POS rendering: init, CP866 Cyrillic, Code128, QR, line widths."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from escpos.printer import Dummy

from app.receipts import escpos as escpos_module
from app.receipts.escpos import escpos_text, render_escpos
from app.receipts.samples import sample_anonymous_sale, sample_refund, sample_sale

ESC_INIT = b"\x1b@"
SELECT_CP866 = b"\x1bt\x11"  # ESC t 17: table 17 is CP866 in the default profile
GS_QR = b"\x1d(k"


def test_job_starts_with_init_then_selects_cp866() -> None:
    assert render_escpos(sample_sale()).startswith(ESC_INIT + SELECT_CP866)


def test_cyrillic_is_sent_as_cp866_bytes() -> None:
    data = render_escpos(sample_sale())
    for text in ["Продажа № 1234", "Кассир", "ИТОГО", "Начислено"]:
        assert text.encode("cp866") in data, text
    assert "Продажа".encode() not in data  # no stray UTF-8


def test_rouble_sign_and_minus_are_spelled_for_cp866() -> None:
    data = render_escpos(sample_sale())
    assert "533,91 руб.".encode("cp866") in data
    assert "-300,00 руб.".encode("cp866") in data
    assert "1 245 баллов".encode("cp866") in data


def test_characters_outside_cp866_become_question_marks() -> None:
    assert escpos_text("Кофе ☕ «Зерно» — 1\u202f234\u00a0₽") == 'Кофе ? "Зерно" - 1 234 руб.'


def test_code128_barcode_command_carries_receipt_barcode() -> None:
    receipt = sample_sale()
    payload = b"{B" + receipt.barcode.encode()
    # GS k 73 n data: function B, CODE128, length-prefixed, code set B selected.
    assert b"\x1dkI" + bytes([len(payload)]) + payload in render_escpos(receipt)


def test_code128_doubles_braces_in_barcode_value() -> None:
    receipt = replace(sample_sale(), barcode="A{1")
    assert b"\x1dkI\x06{BA{{1" in render_escpos(receipt)


@pytest.mark.parametrize("width", [48, 32])
def test_join_qr_is_sent_natively_for_anonymous_sale(width: int) -> None:
    receipt = sample_anonymous_sale()
    assert receipt.join_url is not None
    data = render_escpos(receipt, width)  # type: ignore[arg-type]
    assert GS_QR in data
    assert b"1P0" + receipt.join_url.encode() in data


def test_no_qr_when_a_card_was_used() -> None:
    assert GS_QR not in render_escpos(sample_sale())


def test_job_ends_with_feed_and_cut() -> None:
    assert render_escpos(sample_refund()).endswith(b"\x1dV\x00")


def test_other_widths_are_rejected() -> None:
    with pytest.raises(ValueError, match="48"):
        render_escpos(sample_sale(), 40)  # type: ignore[arg-type]


class _RecordingDummy(Dummy):  # type: ignore[misc]
    """Dummy printer that remembers each text line with the size it was printed at."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wide = False
        self.lines: list[tuple[str, bool]] = []

    def set(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("double_width") is not None:
            self.wide = bool(kwargs["double_width"])
        super().set(*args, **kwargs)

    def text(self, txt: str) -> None:
        for line in txt.split("\n"):
            if line:
                self.lines.append((line, self.wide))
        super().text(txt)


@pytest.mark.parametrize("width", [48, 32])
@pytest.mark.parametrize("make", [sample_sale, sample_anonymous_sale, sample_refund])
def test_every_line_fits_the_paper(width: int, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    printers: list[_RecordingDummy] = []

    def factory(*args: Any, **kwargs: Any) -> _RecordingDummy:
        printers.append(_RecordingDummy(*args, **kwargs))
        return printers[-1]

    monkeypatch.setattr(escpos_module, "Dummy", factory)
    render_escpos(make(), width)  # type: ignore[arg-type]
    (printer,) = printers
    assert printer.lines
    for line, wide in printer.lines:
        assert len(line) * (2 if wide else 1) <= width, line
