"""Drivers of fiscal registers (ATOL Web Server, Штрих-М) and their emulators.

Every driver implements app.core.fiscal.FiscalDevice; `open_device` (app.fiscal.devices) turns
a terminal's `fiscal.device` setting into one. The emulators in app.fiscal.emulators speak the
vendors' documented protocols so tests, benchmarks and a demo store run without hardware.
"""
