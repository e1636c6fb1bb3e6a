"""The ATOL Web Server emulator as its own process (`python -m app.fiscal.emulators.atol_web`), driven over loopback."""

from __future__ import annotations

import os
import subprocess
import sys

from app.core.fiscal import FiscalDocument, Operator, Payment, Position
from app.fiscal.devices import open_device
from tests.conftest import ROOT


def test_emulator_process_serves_the_driver() -> None:
    """Started on a free port, it says its URL; the driver opens a shift and prints a receipt through it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.fiscal.emulators.atol_web", "--port", "0", "--latency", "0.01"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        device = open_device(f"atol-web:{url}")
        assert device is not None
        cashier = Operator("Иванов")
        assert device.open_shift(cashier).number == 1
        doc = FiscalDocument(
            uuid="e2e-1",
            kind="sell",
            operator=cashier,
            taxation="osn",
            positions=(Position("Чай", price=12300, quantity=1, amount=12300, vat="vat22"),),
            payments=(Payment("electronically", 12300),),
        )
        result = device.register(doc)
        assert (result.total, result.shift, result.document_number) == (12300, 1, 2)
        assert device.result_of("e2e-1") == result
        device.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
