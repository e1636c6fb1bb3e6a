"""The Штрих-М emulator as its own process (`python -m app.fiscal.emulators.shtrih_emulator`), driven over TCP."""

from __future__ import annotations

import subprocess
import sys

from app.core.fiscal import FiscalDocument, Operator, Payment, Position
from app.fiscal.shtrih import ShtrihDevice
from tests.e2e.conftest import ROOT


def test_emulator_process_takes_a_sale() -> None:
    """Started as a demo store would start it: it prints its setting, a till registers a sale through it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.fiscal.emulators.shtrih_emulator", "--port", "0", "--open-shift"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        setting = proc.stdout.readline().strip()
        assert setting.startswith("shtrih:tcp://127.0.0.1:")
        device = ShtrihDevice.from_setting(setting + "?timeout=2")
        doc = FiscalDocument(
            uuid="e2e-sale-1", kind="sell", operator=Operator("Кассир"), taxation="osn",
            positions=(Position("Чай", 12000, 1, 12000, "vat22"),), payments=(Payment("cash", 12000),),
        )  # fmt: skip
        result = device.register(doc)
        assert (result.document_number, result.shift, result.total) == (2, 1, 12000)
        device.close()
        again = ShtrihDevice.from_setting(setting + "?timeout=2")  # read back from the drive, not memory
        assert again.result_of("e2e-sale-1") == result
        again.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
