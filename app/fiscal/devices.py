"""The terminal's `fiscal.device` setting turned into a register driver (fiscal.md, "Three ways to work").

none                        no register integration: None
beside                      the register stays the till of record, we only read its QR: None
atol-web:URL                AtolWebDevice (ATOL Web Server, default port 16732)
shtrih:tcp://HOST:PORT      Штрих-М through pyshtrih (app.fiscal.shtrih, when it is installed)
shtrih:serial:PATH?baud=N   likewise, on a serial port
"""

from __future__ import annotations

import importlib
from typing import cast
from urllib.parse import urlsplit

from app.core.fiscal import FiscalDevice, FiscalError
from app.fiscal.atol import AtolWebDevice

__all__ = ["PASSIVE", "open_device", "parse_setting"]

# Settings that drive no register.
PASSIVE = frozenset({"none", "beside"})


def parse_setting(setting: str) -> tuple[str, str]:
    """The setting's kind ("none", "beside", "atol-web", "shtrih") and its address; refuses anything else."""
    text = setting.strip()
    if text in PASSIVE:
        return text, ""
    kind, sep, address = text.partition(":")
    if sep and kind == "atol-web":
        parts = urlsplit(address)
        if parts.scheme in ("http", "https") and parts.hostname:
            return kind, address
    if sep and kind == "shtrih" and (address.startswith("tcp://") or address.startswith("serial:")):
        return kind, address
    raise FiscalError("fiscal_device_bad", text=setting)


def open_device(setting: str, *, timeout: float = 10.0) -> FiscalDevice | None:
    """The driver for a `fiscal.device` setting; None for "none" and "beside"; FiscalError for an unknown one."""
    kind, address = parse_setting(setting)
    if kind in PASSIVE:
        return None
    if kind == "atol-web":
        return AtolWebDevice(address, timeout=timeout)
    # --- Штрих-М: app/fiscal/shtrih.py (branch f-shtrih) provides ShtrihDevice.from_setting(text). ---
    # Looked up at run time so this module works before that driver is merged; once it is, this
    # branch needs no change. Until then a shtrih setting is refused with a clear reason.
    try:
        module = importlib.import_module("app.fiscal.shtrih")
    except ModuleNotFoundError as exc:
        if exc.name not in ("app.fiscal.shtrih", "pyshtrih"):
            raise
        raise FiscalError(
            "fiscal_device", device_code="shtrih", text="the Штрих-М driver is not part of this build"
        ) from exc
    return cast(FiscalDevice, module.ShtrihDevice.from_setting(setting.strip()))
