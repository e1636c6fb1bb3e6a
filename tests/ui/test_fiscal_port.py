"""The till's fiscal adapter as plain values: the `fiscal.device` setting both ways, the receipt QR in either
keyboard layout, the audit's list of changed fiscal settings (app/ui/fiscal_port.py imports no Qt, but it is a
module of the cashier app, so its tests live in this tier)."""

from __future__ import annotations

import pytest

from app.core.codes import latin_layout
from app.ui.fiscal_port import FiscalConfig, config_changes, device_setting, fiscal_qr_text, split_device

QR = "t=20250315T1230&s=231.00&fn=9999078900012345&i=417&fp=2718281828&n=1"


@pytest.mark.parametrize(
    ("mode", "address", "baud", "setting"),
    [
        ("none", "", 0, "none"),
        ("beside", "", 0, "beside"),
        ("atol", "", 0, "atol-web:http://127.0.0.1:16732"),
        ("atol", "192.168.1.20:16732", 0, "atol-web:http://192.168.1.20:16732"),
        ("atol", "https://kassa.local/", 0, "atol-web:https://kassa.local"),
        ("shtrih-tcp", "192.168.137.111:7778", 0, "shtrih:tcp://192.168.137.111:7778"),
        ("shtrih-serial", "/dev/ttyACM0", 0, "shtrih:serial:/dev/ttyACM0?baud=115200"),
        ("shtrih-serial", "/dev/ttyS1", 9600, "shtrih:serial:/dev/ttyS1?baud=9600"),
    ],
)
def test_a_device_setting_is_made_from_the_form_and_read_back(mode: str, address: str, baud: int, setting: str) -> None:
    assert device_setting(mode, address, baud) == setting  # type: ignore[arg-type]
    read = split_device(setting)
    assert read[0] == mode
    assert device_setting(*read) == setting


@pytest.mark.parametrize(
    ("mode", "address"), [("atol", "ftp://x"), ("atol", "http://"), ("shtrih-tcp", "host"), ("shtrih-serial", "")]
)
def test_an_unusable_address_is_refused(mode: str, address: str) -> None:
    with pytest.raises(ValueError):
        device_setting(mode, address)  # type: ignore[arg-type]


def test_an_unknown_setting_is_not_read_as_no_register() -> None:
    with pytest.raises(ValueError):
        split_device("atol:192.168.1.20")


def test_the_receipt_qr_is_recognised_as_typed_in_either_layout() -> None:
    assert fiscal_qr_text(QR) == QR
    russian = "".join({"t": "е", "s": "ы", "f": "а", "n": "т", "i": "ш", "p": "з", "&": "?"}.get(c, c) for c in QR)
    assert latin_layout("е") == "t"  # the scanner typed the Russian layout's keys
    assert fiscal_qr_text(russian) == QR
    assert fiscal_qr_text("4600000000022") is None
    assert fiscal_qr_text("t=1&s=2") is None  # not a receipt's whole code


def test_only_the_fiscal_settings_that_changed_are_listed_for_the_audit() -> None:
    old = FiscalConfig("none", "osn", {"*": "vat22"}, {"*": "commodity"})
    new = FiscalConfig("atol-web:http://127.0.0.1:16732", "osn", {"*": "vat22", "tea": "vat10"}, {"*": "commodity"})
    assert config_changes(old, new) == [
        ("fiscal.device", "none", "atol-web:http://127.0.0.1:16732"),
        ("fiscal.vat", "*=vat22", "*=vat22, tea=vat10"),
    ]
    assert config_changes(new, new) == []


def test_the_check_of_a_register_whose_shift_is_closed_reads_its_state_and_prints_nothing_fiscal() -> None:
    """«Проверить кассу» on a new Штрих-М (its shift closed: 40h answers 3Dh) against the protocol emulator over TCP."""
    from app.core.fiscal import DeviceStatus, FiscalError, ReportResult
    from app.fiscal.emulators.shtrih_emulator import ShtrihEmulator
    from app.ui.fiscal_port import check_register

    with ShtrihEmulator() as emu:
        setting = f"shtrih:tcp://127.0.0.1:{emu.serve_tcp().port}"
        answer = check_register(setting, "Администратор")
        assert isinstance(answer, DeviceStatus)
        assert (answer.model, answer.fn, answer.shift.open) == ("ШТРИХ-М-01Ф", emu.fn_number, False)
        assert emu.reports == [] and emu.documents == []  # no shift opened for a check: no fiscal document
        emu.paper = False
        with pytest.raises(FiscalError) as refused:
            check_register(setting, "Администратор")  # any other refusal is still the check's outcome
        assert refused.value.code == "fiscal_paper_out"
        emu.paper = True
        emu.execute(b"\xe0" + (30).to_bytes(4, "little"))  # E0h: the shift opened (by the till, later)
        assert check_register(setting, "Администратор") == ReportResult("x", 1)
        assert emu.reports == [("x", 1)]
